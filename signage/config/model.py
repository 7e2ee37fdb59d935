"""The hall YAML format, version 1: what a hall *is*.

One file per hall (``layouts/<hall>.yaml``) describes its services, windows,
floors, screens, messages and voice. These models are the single definition of
that format: loading validates against them, ``signage schema`` prints them as a
JSON Schema, and every other part of the product reads a :class:`HallConfig`.

Conventions a hall manager can rely on:

* Text shown to people is a :data:`Text`: either a plain string (in the hall's
  first language) or a mapping ``{zh-Hans: ..., zh-Hant: ..., en: ..., es: ...}``
  keyed by BCP 47 tags (docs/languages.md). A missing Traditional text is
  converted from the Simplified one when drawn.
* Coordinates on a floor are metres, ``[x, y]``, x to the east, y to the north.
  Directions (``facing``) are degrees clockwise from north (up on the plan).
* Screen regions are percentages of the screen: ``[x, y, width, height]``.
* Times of day are ``"HH:MM"`` in the hall's time zone.

Every model forbids unknown keys, so a typo is reported, never ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)
from pydantic import Strict as Exact

from .values import (  # the value types are re-exported: they are part of the format's names
    Lang, LANGS, VoiceLang, MAX_TEXT_CHARS, MAX_MESSAGES, Strict,
    Int, Num, _shown, Text, Slug, TIME_PATTERN,
    TimeOfDay, IsoDate, name_problem, HallFileName, first_language, plain_text_language,
)
from .voices import default_voice_languages, voice_key
from .widgets import WIDGET_OPTIONS

FORMAT_VERSION = 1

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
    timezone: str = Field("Asia/Shanghai", description="an IANA time zone such as Asia/Shanghai; without it the "
                                                         "hall runs on Asia/Shanghai, and validation warns")
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


class PriorityCategory(Strict):
    """Who qualifies for a priority ticket (免预约优先): one choice on the kiosk and the staff pages."""

    id: Slug = Field(description="what an issue command names (priority: elderly)")
    name: Text = Field(description="the choice's words, e.g. {zh-Hans: 老年人（60岁以上）, en: Elderly (60+)}")
    short: Text | None = Field(None, description="the word in a list of them (the kiosk's priority button); "
                                                 "default: the name")
    kiosk: bool = Field(True, description="offered on the kiosk's priority path (false: chosen by staff and "
                                          "the entrance guide only)")


def _text(zh: str, en: str) -> dict[str, str]:
    return {"zh-Hans": zh, "en": en}


def default_priority_categories() -> list[PriorityCategory]:
    """The categories of a hall file without ``priority:``: the Chinese halls' list."""
    return [PriorityCategory(id=i, name=_text(*name), short=_text(*short) if short else None, kiosk=kiosk)
            for i, name, short, kiosk in (
                ("elderly", ("老年人（60岁以上）", "Elderly (60+)"), ("老人", "elderly"), True),
                ("disabled", ("残疾人", "Disabled"), ("残疾人", "disabled"), True),
                ("pregnant", ("孕妇", "Pregnant"), ("孕妇", "pregnant"), True),
                ("infant", ("携带婴幼儿", "With an infant"), ("带婴幼儿", "with infants"), True),
                ("military", ("现役军人、消防救援人员", "Military, fire and rescue"), ("军人", "military"), True),
                ("other", ("其他", "Other"), None, False),
            )]


class Priority(Strict):
    """The hall's priority categories: who may take a priority ticket (docs/hall-format.md, priority)."""

    categories: list[PriorityCategory] = Field(
        default_factory=default_priority_categories, min_length=1, max_length=20,
        description="in the order offered (default: elderly, disabled, pregnant, infant, military, other)")

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.categories]


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
    short: Text | None = Field(None, description="a shorter name, drawn where the name does not fit at the "
                                                 "smallest legible size (e.g. en: Passports)")
    group: Slug
    minutes: Num = Field(gt=0, le=240, description="expected service time")
    guide: Guide | None = None
    appointments: bool = False


WindowKind = Literal["normal", "love", "green", "unresolved"]


NODE_DESCRIPTION = "the walkway node it is reached from (default: the nearest walkway in a straight line)"


class Window(Strict):
    number: Int = Field(ge=1, le=999)
    label: Text | None = None
    # [] is a counter without tickets of its own (a cashier, a photo booth): it calls the
    # tickets other windows transfer to it (server/queue/rules.py can_serve).
    services: list[Slug] | Literal["all"] = Field(description='"all", or a list of service ids')
    kind: WindowKind = "normal"
    floor: str
    position: Point = Field(description="[x, y] in metres on the floor plan")
    node: Slug | None = Field(None, description=NODE_DESCRIPTION)


PoiKind = Literal[
    "entrance", "exit", "info_desk", "self_service", "form_filling", "photo",
    "ticket_machine", "reading_glasses", "first_aid", "aed", "water", "umbrella",
    "power_bank", "toilet", "accessible_toilet", "stairs", "lift", "ramp",
    "seating", "nursing_room", "suggestion_box", "rating_pad", "charging", "escalator",
    "vision_test", "copier", "lockers", "atm",
]
# A point the kinds above do not cover: ``kind: other`` says what it is with its own
# ``label`` and draws one of the shipped icons (``icon``; default ``pin``).
PointKind = Literal[get_args(PoiKind) + ("other",)]  # type: ignore[valid-type]
# The icons a point of kind ``other`` may choose: each kind's own, and a few of no kind
# (drawn by signage/display/widgets/icons.py; listed in docs/hall-format.md).
ICON_NAMES: tuple[str, ...] = get_args(PoiKind) + ("pin", "star", "question", "phone", "clock", "wifi")
IconName = Literal[ICON_NAMES]  # type: ignore[valid-type]
# Points that join floors when the same id is written on several floors.
FLOOR_LINK_KINDS: tuple[str, ...] = ("stairs", "lift", "escalator", "ramp")


class Area(Strict):
    id: Slug
    name: Text
    kind: Literal["waiting", "counters", "self_service", "service", "office", "other"] = "other"
    polygon: list[Point] = Field(min_length=3, description="corners [x, y] in metres, in order")


class PointOfInterest(Strict):
    id: Slug
    kind: PointKind
    name: Text | None = None
    label: Text | None = Field(
        None, description="kind other: what it is, in the hall's languages (e.g. {en: Vision test}); required for other")
    icon: IconName | None = Field(
        None, description="kind other: one of the shipped icons (docs/hall-format.md; default pin)")
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


class Viewer(Strict):
    """Where a screen's readers stand (docs/wayfinding.md): its arrows and directions are for them."""

    x: Num = Field(description="metres on the floor plan, like position")
    y: Num
    facing: Num | None = Field(
        None, ge=0, lt=360, description="the way its readers look, degrees clockwise from north (default: towards the screen)")


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
    viewer: Viewer | None = Field(
        None, description="where its readers stand, {x, y}: its arrows and directions are for them (default: "
                          "viewing_distance_m out along its facing when that is 4 m or more, coming nearer when "
                          "that spot is no place to stand; else, and for a wayfinding screen or strip, 1.5 m in "
                          "front of it)")

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


TEMPLATE_FIELDS = ("ticket", "window", "floor", "service")


class Voice(Strict):
    """How calls are spoken (docs/audio.md). Without ``languages`` a hall speaks its own
    languages (:meth:`HallConfig._voice_follows_the_hall`); a language without a template
    of the hall's says the built-in phrases of ``audio/languages.py``."""

    languages: list[VoiceLang] = Field(
        default_factory=lambda: ["zh-Hans", "en"], min_length=1,
        description="BCP 47 tags, in the order spoken (default: the hall's languages that a voice speaks)")
    repeat: Int = Field(2, ge=1, le=5, description="times each call is spoken")
    repeat_on_recall: Int | None = Field(
        None, ge=1, le=5, description="times a recall is spoken (default: repeat); "
                                      "repeat: 1 with repeat_on_recall: 2 says each language once, a recall twice")
    pause_ms: Int = Field(550, ge=0, le=3000, description="silence between the languages of a call, ms")
    repeat_pause_ms: Int = Field(900, ge=0, le=5000, description="silence between the repeats of a call, ms")
    rate: Num = Field(
        1.0, ge=0.5, le=2.0,
        description="speaking speed of engine voices, a factor (espeak-ng: 170 words a minute times rate); "
                    "the clips of a recorded pack are spoken as recorded")
    templates: dict[Literal["call", "recall", "floor"], dict[VoiceLang, str]] = Field(
        default_factory=dict,
        description="placeholders: {ticket} {window} {floor} {service} (default: built-in phrases per language)",
    )
    chime: bool = True
    volume: Num = Field(1.0, ge=0, le=1)
    quiet_hours: list[QuietHours] = Field(default_factory=list)
    max_age_seconds: Num = Field(
        60, gt=0, description="calls older than this are dropped rather than spoken late"
    )

    def repeats(self, kind: str) -> int:
        """Times a call (``kind`` "call") or a recall is spoken."""
        if kind == "recall" and self.repeat_on_recall is not None:
            return self.repeat_on_recall
        return self.repeat


class HallConfig(Strict):
    format: Literal[1] = Field(description="version of this file format")
    hall: HallInfo
    rules: Rules = Field(default_factory=Rules)
    priority: Priority = Field(default_factory=Priority, description="who may take a priority ticket")
    groups: list[Group] = Field(min_length=1)
    services: list[Service] = Field(min_length=1)
    windows: list[Window] = Field(min_length=1)
    floors: list[Floor] = Field(min_length=1)
    screens: list[Screen] = Field(default_factory=list)
    themes: dict[str, Theme] = Field(default_factory=dict, description="themes beyond the built-in ones")
    messages: list[Message] = Field(default_factory=list, max_length=MAX_MESSAGES)
    voice: Voice = Field(default_factory=Voice)
    terms: dict[Annotated[str, Field(max_length=64)], Text] = Field(
        default_factory=dict,
        description="the hall's own words in place of the product's, by catalogue key "
                    "(docs/languages.md): {window_n: {en: \"Counter {window}\", zh-TW: \"{window}號櫃檯\"}}")

    @model_validator(mode="wrap")
    @classmethod
    def _plain_texts_in_the_first_language(cls, data: Any, handler: Any) -> HallConfig:
        # A plain string text is in the hall's first language (values.Text).
        with plain_text_language(first_language(data)):
            return handler(data)

    @model_validator(mode="after")
    def _voice_follows_the_hall(self) -> HallConfig:
        # Without voice.languages the hall's own languages are spoken, those a voice can
        # speak (signage/config/voices.py). "languages" stays out of the fields set, so
        # validation (checks.check_voice) can tell this list from one the file wrote.
        if "languages" in self.voice.model_fields_set:
            return self
        spoken = default_voice_languages(self.hall.languages, self.voice.templates)
        voice = self.voice.model_copy(update={"languages": spoken or [voice_key(self.hall.languages[0])]})
        voice.__pydantic_fields_set__.discard("languages")
        object.__setattr__(self, "voice", voice)  # frozen: set once, while validating
        return self

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
