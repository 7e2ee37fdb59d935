"""The hall YAML format, version 1: what a hall *is*.

One file per hall (``layouts/<hall>.yaml``) describes its services, windows,
floors, screens, messages and voice. These models are the single definition of
that format: loading validates against them, ``signage schema`` prints them as a
JSON Schema, and every other part of the product reads a :class:`HallConfig`.

Conventions a hall manager can rely on:

* Text shown to people is a :data:`Text`: either a plain string (Simplified
  Chinese) or a mapping ``{zh-Hans: ..., zh-Hant: ..., en: ...}``. A missing
  Traditional text is converted from the Simplified one when drawn.
* Coordinates on a floor are metres, ``[x, y]``, x to the east, y to the north.
  Directions (``facing``) are degrees clockwise from north (up on the plan).
* Screen regions are percentages of the screen: ``[x, y, width, height]``.
* Times of day are ``"HH:MM"`` in the hall's time zone.

Every model forbids unknown keys, so a typo is reported, never ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)
from pydantic import Strict as Exact  # (our own `Strict` below is the base model)

FORMAT_VERSION = 1

Lang = Literal["zh-Hans", "zh-Hant", "en"]
LANGS: tuple[str, ...] = ("zh-Hans", "zh-Hant", "en")
VoiceLang = Literal["zh-Hans", "en", "yue"]


# Every text of the file (any string, key or value) is at most this long. The
# longest text of the sample halls is 132 characters; 500 is what a manager may
# set at run time (``set_messages`` in signage/protocol.py), and a ticker line of
# 500 Chinese characters already takes minutes to scroll past.
MAX_TEXT_CHARS = 500
# Messages in the hall file, as many as ``set_messages`` may set (signage/protocol.py).
# The samples have at most 15; a ticker showing 100 in turn takes a quarter of an hour.
MAX_MESSAGES = 100


class Strict(BaseModel):
    """Base for every part of the format: unknown keys are errors, values frozen, texts bounded."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_max_length=MAX_TEXT_CHARS)


# --- small value types -------------------------------------------------------

# Numbers are numbers: an unquoted YAML `yes`/`on` is a bool that lax checking would
# take for 1, and a quoted "4" is text; both are mistakes to point at, not to guess.
Int = Annotated[int, Exact()]
Num = Annotated[float, Exact()]

def _text_from_plain(value: Any) -> Any:
    # A plain string is the Simplified Chinese text; the others derive from it.
    if isinstance(value, str):
        return {"zh-Hans": value}
    if not isinstance(value, dict):
        raise ValueError(
            f"{_shown(value)} is not a text (expected a string, or a mapping such as {{zh-Hans: …, en: …}})"
        )
    return value


def _shown(value: Any) -> str:
    # How a wrong value is quoted back to the person who wrote it.
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if len(text) > 60:  # a whole page quoted back helps nobody (and a 900 KB one floods the log)
        return f'"{text[:40]}…" ({len(text)} characters)'
    return f'"{text}"'


def _text_not_empty(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError("text needs at least one language (zh-Hans, zh-Hant or en)")
    for lang, s in value.items():
        if not s.strip():
            raise ValueError(f"text for {lang} is empty")
    return value


Text = Annotated[
    dict[Lang, str],
    # The schema says what a person may write: a string or a per-language mapping.
    BeforeValidator(_text_from_plain, json_schema_input_type=str | dict[Lang, str]),
    AfterValidator(_text_not_empty),
]

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


def _slug(value: str) -> str:
    if not re.fullmatch(SLUG_PATTERN, value):
        raise ValueError(
            f'"{value}" is not a valid id (expected lower-case letters, digits, - and _, e.g. "id-card")'
        )
    return value


Slug = Annotated[str, AfterValidator(_slug), WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN})]


def _time_of_day(value: Any) -> Any:
    # A YAML 1.1 reader (not ours: the hall loader keeps 8:30 a string) reads an
    # unquoted 8:30 or 25:00 as a base-60 integer (510, 1500): turn it back into
    # what the manager wrote, so that 25:00 is reported as 25:00.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return f"{value // 60:02d}:{value % 60:02d}"
    if not isinstance(value, str):
        raise ValueError(f'{_shown(value)} is not a time of day (expected "HH:MM", e.g. "08:30")')
    return value


TIME_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$|^24:00$"


def _check_hhmm(value: str) -> str:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
    if not m or int(m.group(1)) > 24 or int(m.group(2)) > 59:
        raise ValueError(f'"{value}" is not a time of day (expected "HH:MM" from "00:00" to "24:00", e.g. "08:30")')
    h, mi = int(m.group(1)), int(m.group(2))
    if h == 24 and mi:
        raise ValueError(f'"{value}" is past 24:00 (expected "HH:MM" from "00:00" to "24:00")')
    return f"{h:02d}:{mi:02d}"


TimeOfDay = Annotated[
    str,
    BeforeValidator(_time_of_day, json_schema_input_type=str),
    AfterValidator(_check_hhmm),
    WithJsonSchema({"type": "string", "pattern": TIME_PATTERN, "description": "time of day, HH:MM"}),
]

def _date_text(value: Any) -> Any:
    # YAML reads an unquoted 2026-10-01 as a date: keep the ISO text the
    # screens compare with today's.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _check_date(value: str) -> str:
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValueError(f'"{value}" is not a date (expected YYYY-MM-DD, e.g. "2026-10-01")') from None


IsoDate = Annotated[
    str,
    BeforeValidator(_date_text, json_schema_input_type=str),
    AfterValidator(_check_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
]


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a file of the hall's folder (signage/config/assets.py), or None."""
    if not name.strip():
        return "the file name is empty (expected a file in the hall file's folder, e.g. logo.png)"
    if "\0" in name:
        return "the file name contains a NUL character"
    if "\\" in name:
        return f'"{name}" has a \\ in it: write / between folders (e.g. images/logo.png)'
    if name.startswith(("/", "~")) or re.match(r"^[A-Za-z]:", name):
        return (f'"{name}" is an absolute path: name a file in the hall file\'s folder, relative to it '
                "(e.g. logo.png or images/logo.png)")
    if ".." in name.split("/"):
        return (f'"{name}" goes up out of the hall file\'s folder (..): keep the file in the folder, '
                "or a folder inside it, and name it from there")
    return None


def _hall_file_name(value: str) -> str:
    problem = name_problem(value)
    if problem:
        raise ValueError(problem)
    return value


HallFileName = Annotated[str, AfterValidator(_hall_file_name), WithJsonSchema({
    "type": "string", "pattern": r"^(?![/~\\])(?![A-Za-z]:)(?!(.*/)?\.\.(/|$))[^\\\u0000]+$",
    "description": "a file in the hall file's folder, relative to it, / between folders (e.g. images/logo.png)"})]


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Patterns of the format, and how to say them to a person (the loader quotes these).
PREFIX_PATTERN = r"^[A-Z]$"
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
FLOOR_ID_PATTERN = r"^[A-Za-z0-9-]+$"
PATTERN_WORDS: dict[str, str] = {
    PREFIX_PATTERN: "one capital letter A to Z",
    COLOR_PATTERN: 'a colour written "#rrggbb", e.g. "#0b1f3a"',
    FLOOR_ID_PATTERN: "letters, digits and - (as people say it: 1F, 2F, B1)",
    TIME_PATTERN: '"HH:MM"',
}

Point = tuple[Num, Num]
Percent = Annotated[Num, Field(ge=0, le=100)]


def minutes_of(hhmm: str) -> int:
    """Minutes after midnight of a validated ``"HH:MM"``."""
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


# --- the hall ------------------------------------------------------------------

class Hours(Strict):
    """Opening hours on some days of the week; several entries make a week."""

    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS))
    open: TimeOfDay
    close: TimeOfDay


class HallInfo(Strict):
    id: Slug
    name: Text
    languages: list[Lang] = Field(default_factory=lambda: ["zh-Hans", "en"], min_length=1)
    timezone: str = "Asia/Shanghai"
    hours: Literal["24h"] | list[Hours] = Field(
        "24h", description='"24h", or a list of opening hours such as {days: [mon], open: "08:30", close: "17:30"}')
    ticket_digits: Int = Field(3, ge=2, le=5, description="digits after the prefix: 3 gives A001")
    address: Text | None = None
    phone: str | None = None


PriorityClass = Literal["green", "priority", "appointment", "normal"]


class Rules(Strict):
    """The hall's calling rule: who is called next. Lives in one place."""

    order: list[PriorityClass] = Field(
        default_factory=lambda: ["green", "priority", "appointment", "normal"],
        description="classes from first called to last; within a class the longest wait first",
    )
    appointment_early_minutes: Int = Field(
        5, ge=0, le=120, description="an appointment can be called this long before its slot"
    )
    starvation_minutes: Int | None = Field(
        60, ge=5, description="a normal ticket waiting longer moves up to the priority class"
    )
    love_window_priority_first: bool = True
    recall_limit: Int = Field(3, ge=0, le=10)
    requeue_within_minutes: Int = Field(
        30, ge=0, description="a skipped citizen who returns within this time may be requeued"
    )
    requeue_behind: Int = Field(
        2, ge=0, description="a requeued ticket goes behind this many waiting tickets"
    )


class Group(Strict):
    """A business line such as 户籍 (household), 出入境 (exit-entry)."""

    id: Slug
    name: Text


class Guide(Strict):
    """What a citizen should know before reaching the window (办事指南)."""

    steps: list[Text] = Field(default_factory=list)
    materials: list[Text] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)
    qr: str | None = Field(None, description="link shown as a QR code (the online guide)")


class Service(Strict):
    id: Slug
    prefix: Annotated[str, Field(pattern=PREFIX_PATTERN, description="ticket letter: A gives A001")]
    name: Text
    group: Slug
    minutes: Num = Field(gt=0, le=240, description="expected service time")
    guide: Guide | None = None
    appointments: bool = False


WindowKind = Literal["normal", "love", "green", "unresolved"]


NODE_DESCRIPTION = "the walkway node it is reached from (default: the nearest walkway in a straight line)"


class Window(Strict):
    number: Int = Field(ge=1, le=999)
    label: Text | None = None
    services: list[Slug] | Literal["all"] = Field(min_length=1, description='"all", or a list of service ids')
    kind: WindowKind = "normal"
    floor: str
    position: Point = Field(description="[x, y] in metres on the floor plan")
    node: Slug | None = Field(None, description=NODE_DESCRIPTION)


PoiKind = Literal[
    "entrance", "exit", "info_desk", "self_service", "form_filling", "photo",
    "ticket_machine", "reading_glasses", "first_aid", "aed", "water", "umbrella",
    "power_bank", "toilet", "accessible_toilet", "stairs", "lift", "ramp",
    "seating", "nursing_room", "suggestion_box", "rating_pad", "charging", "escalator",
]
# Points that join floors when the same id is written on several floors.
FLOOR_LINK_KINDS: tuple[str, ...] = ("stairs", "lift", "escalator", "ramp")


class Area(Strict):
    id: Slug
    name: Text
    kind: Literal["waiting", "counters", "self_service", "service", "office", "other"] = "other"
    polygon: list[Point] = Field(min_length=3, description="corners [x, y] in metres, in order")


class PointOfInterest(Strict):
    id: Slug
    kind: PoiKind
    name: Text | None = None
    position: Point = Field(description="[x, y] in metres on the floor plan")
    node: Slug | None = Field(None, description=NODE_DESCRIPTION)
    # Wayfinding (docs/wayfinding.md); each has a default by kind.
    step_free: bool | None = Field(
        None, description="whether a wheelchair can use it (default: stairs and escalators no, the rest yes)")
    wait_seconds: Num | None = Field(
        None, ge=0, le=600, description="stairs, lift, escalator, ramp: waiting before going (default: lift 30, else 0)")
    seconds_per_floor: Num | None = Field(
        None, gt=0, le=600, description="stairs, lift, escalator, ramp: time per floor (default: lift 10, stairs 20, escalator 20, ramp 40)")
    direction: Literal["up", "down"] | None = Field(
        None, description="an escalator that runs one way only")


Chain = Annotated[list[Slug], Field(min_length=2, description="node ids walked in order, e.g. [door, lobby, aisle]")]


class Walkways(Strict):
    """The walk network of one floor: named nodes and the chains of links between them.

    A chain ``[a, b, c]`` links a-b and b-c. Chains that cross or touch join
    there. Windows, points and screens join the nearest walkway they can reach in
    a straight line unless they name their ``node``.
    """

    nodes: dict[Slug, Point] = Field(default_factory=dict, description="node id: [x, y] in metres")
    links: list[Chain] = Field(default_factory=list, description="chains of node ids, walked without steps")
    steps: list[Chain] = Field(default_factory=list, description="chains of node ids with steps on the way (not for wheelchairs)")


class Floor(Strict):
    id: str = Field(pattern=FLOOR_ID_PATTERN, description="as people say it: 1F, 2F, B1")
    level: Int
    name: Text
    outline: list[Point] = Field(min_length=3, description="corners [x, y] in metres, in order")
    areas: list[Area] = Field(default_factory=list)
    points: list[PointOfInterest] = Field(default_factory=list)
    walkways: Walkways | None = Field(None, description="where people walk (default: straight across the floor)")


WidgetName = Literal[
    "call_banner", "recent_calls", "window_board", "waiting_board", "process_guide",
    "ticker", "clock", "text", "image", "qr", "map", "directory",
]


def _region_schema(schema: dict[str, Any]) -> None:
    # Tell editors which options each widget takes (the options are checked by
    # the widget's own model at load; here they are only described).
    from .widgets import WIDGET_OPTIONS  # widgets.py imports this module

    schema["allOf"] = [
        {"if": {"properties": {"widget": {"const": name}}, "required": ["widget"]},
         "then": {"properties": {"options": options.model_json_schema()}}}
        for name, options in WIDGET_OPTIONS.items()
    ]


class Region(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_region_schema)

    widget: WidgetName
    rect: tuple[Percent, Percent, Percent, Percent] = Field(
        description="[x, y, width, height] in percent of the screen"
    )
    options: dict[str, Any] = Field(default_factory=dict)


class Screen(Strict):
    id: Slug
    kind: Literal["main", "strip", "guide", "wayfinding"]
    resolution: tuple[Annotated[Int, Field(ge=64, le=8192)], Annotated[Int, Field(ge=32, le=8192)]]
    orientation: Literal["landscape", "portrait"] = Field(
        "landscape", description="portrait: the panel is mounted turned a quarter"
    )
    diagonal_inches: Num = Field(gt=3, le=300)
    viewing_distance_m: Num = Field(gt=0.2, le=100, description="from the farthest seat")
    floor: str
    # Wayfinding (docs/wayfinding.md): where the screen hangs and which way its face
    # looks. Without them the screen shows no arrows and no "you are here" rather
    # than wrong ones.
    position: Point | None = Field(None, description="[x, y] in metres on the floor plan")
    facing: Num | None = Field(
        None, ge=0, lt=360,
        description="the way its face looks, degrees clockwise from north (180: faces south, its readers look north)")
    theme: str = "default"
    languages: list[Lang] | None = Field(None, min_length=1, description="default: the hall's")
    rotate_seconds: Num = Field(8, ge=2, le=120)
    window: Int | None = Field(None, description="the window of a strip screen")
    zone: str | None = None
    regions: list[Region] = Field(min_length=1)
    node: Slug | None = Field(None, description=NODE_DESCRIPTION)

    @property
    def canvas_size(self) -> tuple[int, int]:
        """The size layouts are drawn at, after turning for a portrait mount."""
        w, h = self.resolution
        return (min(w, h), max(w, h)) if self.orientation == "portrait" else (max(w, h), min(w, h))


Color = Annotated[str, Field(pattern=COLOR_PATTERN)]


class Theme(Strict):
    background: Color
    panel: Color
    text: Color
    muted: Color
    accent: Color
    highlight: Color = Field(description="the newest call")
    warning: Color
    text_scale: Num = Field(1.0, ge=0.5, le=3.0)
    font: HallFileName | None = Field(
        None, description="a font file in the hall file's folder (relative to it) overriding the bundled CJK font")


class Schedule(Strict):
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS))
    start: TimeOfDay = Field("00:00", alias="from")
    end: TimeOfDay = Field("24:00", alias="to")
    dates: list[IsoDate] | None = Field(None, description="ISO dates (YYYY-MM-DD) it is limited to")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Message(Strict):
    text: Text
    kind: Literal["civility", "notice", "policy"] = "civility"
    schedule: Schedule | None = None


class QuietHours(Strict):
    start: TimeOfDay = Field(alias="from")
    end: TimeOfDay = Field(alias="to")
    volume: Num = Field(ge=0, le=1)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _default_templates() -> dict[str, dict[str, str]]:
    return {
        "call": {
            "zh-Hans": "请 {ticket} 号到 {window} 号窗口办理",
            "en": "Ticket {ticket}, please go to window {window}",
        },
        "recall": {
            "zh-Hans": "请 {ticket} 号再次到 {window} 号窗口办理",
            "en": "Ticket {ticket}, once again, please go to window {window}",
        },
    }


TEMPLATE_FIELDS = ("ticket", "window", "floor", "service")


class Voice(Strict):
    languages: list[VoiceLang] = Field(default_factory=lambda: ["zh-Hans", "en"], min_length=1)
    repeat: Int = Field(2, ge=1, le=5, description="times each call is spoken")
    templates: dict[Literal["call", "recall", "floor"], dict[VoiceLang, str]] = Field(
        default_factory=_default_templates,
        description="placeholders: {ticket} {window} {floor} {service}",
    )
    chime: bool = True
    volume: Num = Field(1.0, ge=0, le=1)
    quiet_hours: list[QuietHours] = Field(default_factory=list)
    max_age_seconds: Num = Field(
        60, gt=0, description="calls older than this are dropped rather than spoken late"
    )


class HallConfig(Strict):
    format: Literal[1] = Field(description="version of this file format")
    hall: HallInfo
    rules: Rules = Field(default_factory=Rules)
    groups: list[Group] = Field(min_length=1)
    services: list[Service] = Field(min_length=1)
    windows: list[Window] = Field(min_length=1)
    floors: list[Floor] = Field(min_length=1)
    screens: list[Screen] = Field(default_factory=list)
    themes: dict[str, Theme] = Field(default_factory=dict, description="themes beyond the built-in ones")
    messages: list[Message] = Field(default_factory=list, max_length=MAX_MESSAGES)
    voice: Voice = Field(default_factory=Voice)

    # Look-ups every part needs; cheap enough to compute on demand.
    def service(self, service_id: str) -> Service | None:
        return next((s for s in self.services if s.id == service_id), None)

    def window(self, number: int) -> Window | None:
        return next((w for w in self.windows if w.number == number), None)

    def screen(self, screen_id: str) -> Screen | None:
        return next((s for s in self.screens if s.id == screen_id), None)

    def floor(self, floor_id: str) -> Floor | None:
        return next((f for f in self.floors if f.id == floor_id), None)

    def services_of(self, window: Window) -> list[str]:
        """Ids of the services a window serves (``all`` expanded)."""
        if window.services == "all":
            return [s.id for s in self.services]
        return list(window.services)
