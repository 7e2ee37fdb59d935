"""Rules that span several parts of a hall file (the model checks each part alone).

Each check reads a :class:`Ctx` and yields ``(path, message, severity)`` with
the path of the offending value; :func:`check_hall` turns paths into line
numbers. Checks never raise, and they also run on a *partial* hall: when the
model rejected some items, the loader passes the valid ones (see
``loader.salvage``), so a singleton such as ``config.hall`` may be ``None`` and
a reference into a section that lost items is not judged (see ``Ctx.known``).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ValidationError

from .assets import check_file
from .model import FLOOR_LINK_KINDS, LANGS, TEMPLATE_FIELDS, Floor, HallConfig, Point, Screen, minutes_of
from .problems import Problem, did_you_mean, expected, format_path
from ..languages import tag_problem
from .themes import builtin_themes, contrast_ratio
from .voices import default_voice_languages, engines_for, family, hall_has_template, has_phrases, name, voice_key
from .widgets import WIDGET_OPTIONS

LineOf = Callable[[tuple], int]
Found = tuple[tuple, str, str]  # (path, message, severity)


@dataclass
class Salvage:
    """A :class:`HallConfig` of the valid parts of a rejected file.

    ``index[section][k]`` is the position in the file of the k-th kept item.
    ``rejected[section]`` holds the ids of rejected items whose id itself is
    fine: a reference to one of them is not "unknown". A section in ``unsure``
    lost an item whose id is missing or wrong (``ide: passport``, ``id: ID
    card``): a reference into it cannot be judged, so it is not reported.
    """

    config: HallConfig
    index: dict[str, list[int]]
    rejected: dict[str, list[Any]] = field(default_factory=dict)
    unsure: set[str] = field(default_factory=set)
    complete: bool = True

MIN_CONTRAST = 7.0
MAX_QR_CHARS = 200  # denser codes are hard to scan from a wall screen
PRIORITY_CLASSES = ("green", "priority", "appointment", "normal")


@dataclass
class Ctx:
    """What a check may read: the (maybe partial) hall and how to point into the file."""

    config: HallConfig
    index: dict[str, list[int]]
    rejected: dict[str, list[Any]]
    unsure: set[str]
    complete: bool
    line_of: LineOf
    base_dir: Path | None

    @cached_property
    def names(self) -> dict[str, list[Any]]:
        """The ids, numbers and theme names a reference may use, in file order
        (those of rejected items last)."""
        c = self.config
        valid = {
            "groups": [g.id for g in c.groups], "services": [s.id for s in c.services],
            "windows": [w.number for w in c.windows], "floors": [f.id for f in c.floors],
            "themes": [*builtin_themes(), *c.themes],
        }
        return {k: list(dict.fromkeys(v + self.rejected.get(k, []))) for k, v in valid.items()}

    def where(self, path: tuple) -> tuple:
        """The path in the file of a path into ``config`` (items may have been dropped)."""
        if len(path) > 1 and path[0] in self.index and isinstance(path[1], int):
            kept = self.index[path[0]]
            if path[1] < len(kept):
                return (path[0], kept[path[1]]) + tuple(path[2:])
        return tuple(path)

    def at(self, path: tuple) -> str:
        """``windows[2], line 140``: how a message points at another place."""
        file_path = self.where(path)
        return f"{format_path(file_path)}, line {self.line_of(file_path)}"

    def known(self, section: str, value: Any) -> bool:
        """Whether a reference may stand: the id is written (in a valid item or a
        rejected one), or the section lost an item whose id is itself wrong (that
        may be the one meant: do not pile a guess on an error)."""
        return section in self.unsure or value in self.names.get(section, [])


def check_hall(config: HallConfig, line_of: LineOf, filename: str, part: "Salvage | None" = None) -> list[Problem]:
    """Problems of a hall that the model alone cannot see."""
    if part is None:
        part = Salvage(config, {})
    source = Path(filename)
    ctx = Ctx(config, part.index, part.rejected, part.unsure, part.complete, line_of,
              source.parent if source.suffix in (".yaml", ".yml") and source.exists() else None)
    found: list[Found] = []
    for check in CHECKS:
        try:
            found.extend(check(ctx))
        except Exception as exc:  # a bug in one rule must not hide the others' findings
            found.append(((), f"internal error in {check.__name__}: {exc!r} (please report it)", "error"))
    problems = []
    for path, message, severity in found:
        file_path = ctx.where(path)
        problems.append(Problem(filename, line_of(file_path), format_path(file_path), message, severity))
    return problems


def _err(path: tuple, message: str) -> Found:
    return (path, message, "error")


def _warn(path: tuple, message: str) -> Found:
    return (path, message, "warning")


def _duplicates(ctx: Ctx, values: list[Any], where: Callable[[int], tuple], what: str) -> Iterator[Found]:
    first: dict[Any, int] = {}
    for i, v in enumerate(values):
        if v in first:
            yield _err(where(i), f"{what} {_q(v)} is used twice (first at {ctx.at(where(first[v]))})")
        else:
            first[v] = i


def _q(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


# --- the hall --------------------------------------------------------------------

def check_hall_info(ctx: Ctx) -> Iterator[Found]:
    hall = ctx.config.hall
    if hall is None:
        return
    if "timezone" not in hall.model_fields_set:
        yield _warn(("hall",), f"no timezone: the hall runs on {hall.timezone} (this machine is on {_machine_zone()}); "
                               f"write it, e.g. timezone: {hall.timezone}, so that hours, schedules and clocks are the hall's")
    yield from _check_timezone(hall.timezone)
    if hall.hours == "24h":
        return
    for i, h in enumerate(hall.hours):
        if minutes_of(h.open) >= minutes_of(h.close):
            yield _err(("hall", "hours", i), f"opens at {h.open} but closes at {h.close} (expected close after open)")
            continue
        for j in range(i):
            other = hall.hours[j]
            days = [d for d in h.days if d in other.days]
            if days and minutes_of(h.open) < minutes_of(other.close) and minutes_of(other.open) < minutes_of(h.close):
                yield _err(("hall", "hours", i), f"overlaps {ctx.at(('hall', 'hours', j))} on {', '.join(days)}")


def _machine_zone() -> str:
    """This machine's time zone by name (TZ, /etc/timezone, /etc/localtime), else its abbreviation."""
    import datetime as dt
    import os

    if os.environ.get("TZ"):
        return os.environ["TZ"].lstrip(":")
    try:
        return Path("/etc/timezone").read_text(encoding="utf-8").strip() or "unknown"
    except OSError:
        pass
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return dt.datetime.now().astimezone().tzname() or "unknown"


def _check_timezone(name: str) -> Iterator[Found]:
    try:
        ZoneInfo(name)
        return
    except (ZoneInfoNotFoundError, ValueError):
        pass
    zones = available_timezones()
    if not zones:  # no time zone database on this machine: cannot judge
        yield _warn(("hall", "timezone"), f'cannot check time zone "{name}": this machine has no time zone database (install tzdata)')
        return
    hint = did_you_mean(name, sorted(zones))
    yield _err(("hall", "timezone"), f'unknown time zone "{name}" (expected a name such as "Asia/Shanghai"{hint})')


def check_rules(ctx: Ctx) -> Iterator[Found]:
    rules = ctx.config.rules
    if rules is None:
        return
    order = list(rules.order)
    twice = [c for c in PRIORITY_CLASSES if order.count(c) > 1]
    missing = [c for c in PRIORITY_CLASSES if c not in order]
    if twice or missing:
        what = "; ".join(filter(None, [
            f"{', '.join(twice)} listed twice" if twice else "",
            f"{', '.join(missing)} missing" if missing else "",
        ]))
        yield _err(("rules", "order"), f"{what} (expected each of {', '.join(PRIORITY_CLASSES)} once)")


def check_priority(ctx: Ctx) -> Iterator[Found]:
    """Each priority category once: an issue names it by its id (docs/hall-format.md, priority)."""
    priority = ctx.config.priority
    if priority is None:
        return
    yield from _duplicates(ctx, [k.id for k in priority.categories],
                           lambda i: ("priority", "categories", i, "id"), "priority category")


# --- services and windows ---------------------------------------------------------

def check_services(ctx: Ctx) -> Iterator[Found]:
    c = ctx.config
    yield from _duplicates(ctx, [g.id for g in c.groups], lambda i: ("groups", i, "id"), "group id")
    yield from _duplicates(ctx, [s.id for s in c.services], lambda i: ("services", i, "id"), "service id")
    yield from _duplicates(ctx, [s.prefix for s in c.services], lambda i: ("services", i, "prefix"), "ticket prefix")
    groups = ctx.names["groups"]
    for i, s in enumerate(c.services):
        if not ctx.known("groups", s.group):
            yield _err(("services", i, "group"), f'unknown group "{s.group}"{expected(groups, s.group)}')
        if s.guide and s.guide.qr and len(s.guide.qr) > MAX_QR_CHARS:
            yield _warn(("services", i, "guide", "qr"),
                        f"link is {len(s.guide.qr)} characters; a QR code of more than {MAX_QR_CHARS} is hard to scan from a screen (use a shorter link)")


def check_windows(ctx: Ctx) -> Iterator[Found]:
    c = ctx.config
    yield from _duplicates(ctx, [w.number for w in c.windows], lambda i: ("windows", i, "number"), "window number")
    services = ctx.names["services"]
    for i, w in enumerate(c.windows):
        if w.services != "all":
            seen: set[str] = set()
            for j, sid in enumerate(w.services):
                if not ctx.known("services", sid):
                    yield _err(("windows", i, "services", j),
                               f'window {w.number} serves unknown service "{sid}"{expected(services, sid)}')
                elif sid in seen:
                    yield _warn(("windows", i, "services", j), f'"{sid}" is listed twice')
                seen.add(sid)
        yield from _placed(ctx, ("windows", i), f"window {w.number}", w.floor, w.position)
    if not ctx.complete:
        return  # a rejected window might serve it
    served = {sid for w in c.windows for sid in c.services_of(w)}
    for i, s in enumerate(c.services):
        if s.id not in served:
            yield _warn(("services", i, "id"), f'no window serves "{s.id}": its tickets would never be called')


def _placed(ctx: Ctx, path: tuple, what: str, floor_id: str, position: Point | None) -> Iterator[Found]:
    """A thing on a floor: the floor exists and the thing is inside its outline."""
    floor = ctx.config.floor(floor_id)
    if floor is None:
        if not ctx.known("floors", floor_id):
            yield _err(path + ("floor",), f'unknown floor "{floor_id}"{expected(ctx.names["floors"], floor_id)}')
    elif position is not None and not inside(position, floor.outline):
        yield _err(path + ("position",), f"{what} at {_xy(position)} is outside the outline of floor {floor_id} ({_bounds(floor.outline)})")


def _xy(p: Iterable[float]) -> str:
    return "[" + ", ".join(f"{v:g}" for v in p) + "]"


def _bounds(outline: list[Point]) -> str:
    xs, ys = [p[0] for p in outline], [p[1] for p in outline]
    return f"x {min(xs):g} to {max(xs):g}, y {min(ys):g} to {max(ys):g}"


# --- floors --------------------------------------------------------------------

def check_floors(ctx: Ctx) -> Iterator[Found]:
    c = ctx.config
    yield from _duplicates(ctx, [f.id for f in c.floors], lambda i: ("floors", i, "id"), "floor id")
    yield from _duplicates(ctx, [f.level for f in c.floors], lambda i: ("floors", i, "level"), "floor level")
    for fi, f in enumerate(c.floors):
        if abs(_area(f.outline)) < 1e-6:
            yield _err(("floors", fi, "outline"), "the outline encloses no area (expected the corners of the floor, in order)")
            continue
        places = [("points", i, p.id) for i, p in enumerate(f.points)] + [("areas", i, a.id) for i, a in enumerate(f.areas)]
        yield from _duplicates(ctx, [p[2] for p in places],
                               lambda i, fi=fi: ("floors", fi, places[i][0], places[i][1], "id"), "place id")
        for pi, p in enumerate(f.points):
            if not inside(p.position, f.outline):
                yield _err(("floors", fi, "points", pi, "position"),
                           f'"{p.id}" at {_xy(p.position)} is outside the outline of floor {f.id} ({_bounds(f.outline)})')
            yield from _check_point_kind(p, ("floors", fi, "points", pi))
        for ai, a in enumerate(f.areas):
            out = next((k for k, q in enumerate(a.polygon) if not inside(q, f.outline)), None)
            if out is not None:
                yield _err(("floors", fi, "areas", ai, "polygon", out),
                           f'corner {_xy(a.polygon[out])} of area "{a.id}" is outside the outline of floor {f.id} ({_bounds(f.outline)})')
    yield from _check_connections(ctx)


def _check_point_kind(p: Any, path: tuple) -> Iterator[Found]:
    """``kind: other`` says what it is (``label``); ``label`` and ``icon`` belong to it alone
    (a point of a named kind has its kind's words and icon; its own words are ``name``)."""
    if p.kind == "other":
        if p.label is None:
            yield _err(path + ("label",), f'point "{p.id}" of kind other needs a label: what it is, in the hall\'s '
                                          "languages (e.g. label: {zh-Hans: 视力检测, en: Vision test}; "
                                          "and an icon, e.g. icon: vision_test: docs/hall-format.md)")
        return
    if p.label is not None:
        yield _warn(path + ("label",), f"label only applies to kind other (this point is of kind {p.kind} and "
                                       "is called by its kind's words: write its own words as name, or delete the key)")
    if p.icon is not None:
        yield _warn(path + ("icon",), f"icon is meant for kind other (this point is of kind {p.kind}, whose own "
                                      "icon people know: delete the key)")


def _check_connections(ctx: Ctx) -> Iterator[Found]:
    # Wayfinding to a window upstairs goes by stairs or a lift written on both
    # floors under the same id; without one the way cannot be shown.
    floors = ctx.config.floors
    links = _floor_links(floors)
    for fi, f in enumerate(floors):
        if f.id not in _unlinked_floors(floors):
            continue
        if not links[f.id]:
            yield _warn(("floors", fi, "points"), f"floor {f.id} has no stairs or lift: the way to and from it cannot be shown")
        else:
            yield _warn(("floors", fi, "points"),
                        f"no stairs or lift of floor {f.id} has the same id on another floor (expected e.g. id: lift on both floors)")


def _floor_links(floors: list[Floor]) -> dict[str, set[str]]:
    return {f.id: {p.id for p in f.points if p.kind in FLOOR_LINK_KINDS} for f in floors}


def _unlinked_floors(floors: list[Floor]) -> set[str]:
    """Floors with no stairs, lift, escalator or ramp shared with another floor (a hall of several floors)."""
    if len(floors) < 2:
        return set()
    links = _floor_links(floors)
    return {f.id for f in floors if not any(links[f.id] & links[o.id] for o in floors if o.id != f.id)}


def _area(polygon: list[Point]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1])) / 2


# --- screens and themes -----------------------------------------------------------

def check_themes(ctx: Ctx) -> Iterator[Found]:
    for name, theme in ctx.config.themes.items():
        if theme.font and ctx.base_dir is not None:
            yield from _check_file(ctx.base_dir, theme.font, "font", ("themes", name, "font"))
        for fg in ("text", "highlight"):
            ratio = contrast_ratio(getattr(theme, fg), theme.background)
            if ratio < MIN_CONTRAST:
                yield _warn(("themes", name, fg),
                            f"contrast of {fg} on background is {ratio:.1f}:1 (expected at least {MIN_CONTRAST:.0f}:1 for reading across a hall)")


def check_screens(ctx: Ctx) -> Iterator[Found]:
    c = ctx.config
    yield from _duplicates(ctx, [s.id for s in c.screens], lambda i: ("screens", i, "id"), "screen id")
    themes = ctx.names["themes"]
    for si, s in enumerate(c.screens):
        yield from _placed(ctx, ("screens", si), f"screen {s.id}", s.floor, s.position)
        if not ctx.known("themes", s.theme):
            yield _err(("screens", si, "theme"), f'unknown theme "{s.theme}"{expected(themes, s.theme)}')
        if s.kind == "strip" and s.window is None:
            yield _err(("screens", si, "window"), "a strip screen shows one window: say which (e.g. window: 3)")
        if s.window is not None and c.window(s.window) is None and not ctx.known("windows", s.window):
            yield _err(("screens", si, "window"), f"unknown window {s.window}{expected(ctx.names['windows'], s.window)}")
        if s.kind == "wayfinding" and not any(r.widget in ("map", "directory") for r in s.regions):
            yield _warn(("screens", si, "regions"), "a wayfinding screen shows the way: add a region with widget: map")
        yield from _check_orientation(s, si)
        yield from _check_screen_place(s, si)
        yield from _check_viewer(ctx, s, si)
        yield from _check_regions(ctx, si)


def _check_orientation(s: Screen, si: int) -> Iterator[Found]:
    """A taller-than-wide resolution on a landscape screen. The layout is drawn at
    ``canvas_size``: landscape, wide side across, whichever way the resolution is
    written, so a portrait panel without ``orientation: portrait`` would be drawn
    lying on its side. The other way round is how a portrait mount is written: the
    panel's own (native, landscape) resolution and ``orientation: portrait``, the
    layout drawn upright and turned when shown (docs/hall-format.md, "screens")."""
    w, h = s.resolution
    if h <= w or s.orientation != "landscape":
        return
    if "orientation" in s.model_fields_set:
        yield _err(("screens", si, "orientation"),
                   f"resolution [{w}, {h}] is portrait but orientation is landscape: "
                   f"write orientation: portrait, or write the resolution as [{h}, {w}]")
    else:
        yield _err(("screens", si, "resolution"),
                   f"[{w}, {h}] is a portrait resolution but orientation is landscape (the default): "
                   f"add orientation: portrait, or write the resolution as [{h}, {w}]")


# widgets that draw the way from the screen: (widget, option that turns it off)
_WAY_WIDGETS = {"call_banner": "show_arrow", "recent_calls": "show_arrow", "map": None, "directory": None}


def _check_screen_place(s: Screen, si: int) -> Iterator[Found]:
    """A screen that shows the way must say where it hangs and which way it faces:
    without them it shows no arrows (better than wrong ones), so say what is missing.
    A missing facing is said only on a screen with a map or a directory (its plan
    turns with it); a call banner without it just shows no arrow, so that a hall
    file written before wayfinding is not told about a key it never needed."""
    uses = [r.widget for r in s.regions if r.widget in _WAY_WIDGETS
            and (_WAY_WIDGETS[r.widget] is None or r.options.get(_WAY_WIDGETS[r.widget], True) is not False)]
    if not uses:
        return
    shows = "arrows and routes" if any(w in ("map", "directory") for w in uses) else "arrows"
    if s.position is None:
        yield _warn(("screens", si), f"screen {s.id} has no position: its {', '.join(dict.fromkeys(uses))} cannot show {shows} (expected position: [x, y] in metres on floor {s.floor}, and facing)")
    elif s.facing is None and shows != "arrows":
        yield _warn(("screens", si, "position"), f"screen {s.id} has no facing: its map cannot turn to its readers and its arrows cannot tell left from right (expected facing: degrees clockwise from north that its face looks, e.g. 180 for a screen facing south)")


def _check_viewer(ctx: Ctx, s: Screen, si: int) -> Iterator[Found]:
    """Where a screen's readers stand (``viewer:``, or the default) is a place to stand: on the
    floor, not in the counters or an office, not behind the screen or the counters
    (docs/wayfinding.md, "Where the readers stand")."""
    from signage.wayfinding.network import reader_spot
    from signage.wayfinding.routes import viewer_problem, viewing_of

    floor = ctx.config.floor(s.floor)
    if floor is None or s.position is None or not inside(s.position, floor.outline):
        if s.viewer is not None and s.position is None:
            yield _warn(("screens", si, "viewer"), f"screen {s.id} has no position: its viewer is not used "
                                                   "(expected position: [x, y] and facing too)")
        return
    seen = viewing_of(s, floor)
    used = seen.spot if seen is not None else reader_spot(s, floor)
    if s.viewer is not None:
        spot = (float(s.viewer.x), float(s.viewer.y))
        problem = viewer_problem(s, floor, spot)
        if problem is not None:
            yield _warn(("screens", si, "viewer"),
                        f"screen {s.id}'s readers cannot stand at {_xy(spot)}: {problem}; its arrows are for "
                        f"{_xy(round(v, 1) for v in used)} instead (expected a spot in front of the screen, "
                        "on the public side, where its readers stand)")
        return
    uses = [r.widget for r in s.regions if r.widget in _WAY_WIDGETS
            and (_WAY_WIDGETS[r.widget] is None or r.options.get(_WAY_WIDGETS[r.widget], True) is not False)]
    if not uses or s.facing is None:
        return  # no arrows, or none without facing (_check_screen_place says so)
    problem = viewer_problem(s, floor, used)
    if problem is not None:
        yield _warn(("screens", si, "position"),
                    f"screen {s.id}'s readers would stand at {_xy(round(v, 1) for v in used)}, {problem}: "
                    f"its {', '.join(dict.fromkeys(uses))} would show the way from there "
                    "(expected viewer: {x: …, y: …} where its readers stand)")


def _check_regions(ctx: Ctx, si: int) -> Iterator[Found]:
    screen = ctx.config.screens[si]
    for ri, r in enumerate(screen.regions):
        x, y, w, h = r.rect
        path = ("screens", si, "regions", ri, "rect")
        if w <= 0 or h <= 0:
            yield _err(path, f"region is {w:g}% wide and {h:g}% high (expected both above 0)")
        beyond = [f"{what} reaches {end:g}%" for what, end in (("x + width", x + w), ("y + height", y + h)) if end > 100.001]
        if beyond:
            yield _err(path, f"region is outside the screen: {' and '.join(beyond)} (expected at most 100)")
        for rj in range(ri):
            if _overlap(r.rect, screen.regions[rj].rect):
                yield _err(path, f"region overlaps {ctx.at(('screens', si, 'regions', rj))} ({screen.regions[rj].widget})")
        yield from _check_options(ctx, screen, si, ri)


def _check_options(ctx: Ctx, screen: Screen, si: int, ri: int) -> Iterator[Found]:
    region = screen.regions[ri]
    try:  # the loader has reported options that do not fit the widget
        opts = WIDGET_OPTIONS[region.widget].model_validate(region.options)
    except (KeyError, ValidationError):
        return
    opath = ("screens", si, "regions", ri, "options")
    for k, sid in enumerate(getattr(opts, "services", None) or []):
        if not ctx.known("services", sid):
            yield _err(opath + ("services", k), f'unknown service "{sid}"{expected(ctx.names["services"], sid)}')
    for k, num in enumerate(getattr(opts, "windows", None) or []):
        if not ctx.known("windows", num):
            yield _err(opath + ("windows", k), f"unknown window {num}{expected(ctx.names['windows'], num)}")
    for k, fid in enumerate(getattr(opts, "floors", None) or []):
        if not ctx.known("floors", fid):
            yield _err(opath + ("floors", k), f'unknown floor "{fid}"{expected(ctx.names["floors"], fid)}')
    floors = getattr(opts, "floors", None)
    if floors and all(ctx.known("floors", f) for f in floors):
        on = {w.number: w.floor for w in ctx.config.windows}
        for k, num in enumerate(getattr(opts, "windows", None) or []):
            if num in on and on[num] not in floors:
                yield _warn(opath + ("windows", k), f"window {num} is on {on[num]}, not on floors "
                            f"{', '.join(floors)}: it is not shown")
    chosen = getattr(opts, "languages", None)  # the call banner's: some of the screen's languages
    if isinstance(chosen, list):
        shown = list(screen.languages or ctx.config.hall.languages)
        for k, lang in enumerate(chosen):
            if lang not in shown:
                yield _warn(opath + ("languages", k), f"screen {screen.id} does not show {lang} (its languages: "
                            f"{', '.join(shown)}): the banner leaves it out")
    floor = getattr(opts, "floor", None)
    if floor is not None and not ctx.known("floors", floor):
        yield _err(opath + ("floor",), f'unknown floor "{floor}"{expected(ctx.names["floors"], floor)}')
    image = getattr(opts, "path", None)
    if image and ctx.base_dir is not None:
        yield from _check_file(ctx.base_dir, image, "image", opath + ("path",))


def _check_file(base_dir: Path, name: str, kind: str, path: tuple) -> Iterator[Found]:
    # A missing file may be copied in later (a warning); one that is not allowed is an error.

    problem = check_file(base_dir, name, kind)
    if problem is not None:
        yield (_warn if problem.missing else _err)(path, problem.message)


def _overlap(a: tuple, b: tuple) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    eps = 1e-6  # regions that only touch are fine
    return ax + eps < bx + bw and bx + eps < ax + aw and ay + eps < by + bh and by + eps < ay + ah


# --- messages, voice, texts ---------------------------------------------------------

def check_messages(ctx: Ctx) -> Iterator[Found]:
    # "to" before "from" is a period across midnight (22:00 to 06:00); equal is none.
    for i, m in enumerate(ctx.config.messages):
        if m.schedule is not None and m.schedule.start == m.schedule.end:
            yield _err(("messages", i, "schedule"), f"from and to are both {m.schedule.start}: the message would never show")


def check_voice(ctx: Ctx) -> Iterator[Found]:
    """Templates cover the spoken languages; the voice and the hall's languages agree (docs/audio.md).

    Without ``voice.languages`` the hall's own languages are spoken (the model
    fills the list, ``signage/config/voices.py``; here it is worked out again
    for a partial hall). A language the hall shows that no voice can say, and
    a spoken language the hall does not show, are warnings.
    """
    v = ctx.config.voice
    if v is None:
        return
    hall = ctx.config.hall
    explicit = "languages" in v.model_fields_set
    hall_langs = [str(t) for t in hall.languages] if hall is not None else []
    spoken = [str(t) for t in v.languages] if explicit or hall is None \
        else default_voice_languages(hall_langs, v.templates)
    keys = {voice_key(t) for t in spoken}
    for kind in ("call", "recall"):
        for i, lang in enumerate(spoken):
            if hall_has_template(v.templates, kind, lang):
                continue
            if kind in v.templates and explicit:  # the hall wrote its own texts: all of them
                yield _err(("voice", "templates", kind), f"no {lang} text, but {lang} is in voice.languages")
            elif kind == "call" and not has_phrases(lang):
                yield _err(("voice", "languages", i) if explicit else ("voice",),
                           f"no call text for {lang}: there are no built-in {name(lang)} phrases "
                           f"(expected voice.templates.call.{lang}, e.g. \"… {{ticket}} … {{window}}\")")
    for kind, per_lang in v.templates.items():
        for lang, text in per_lang.items():
            path = ("voice", "templates", kind, lang)
            if voice_key(str(lang)) not in keys:
                which = "" if explicit else ", the hall's languages that a voice speaks"
                yield _warn(path, f"{lang} is never spoken: it is not in voice.languages ({', '.join(spoken)}{which})")
            yield from _check_template(path, text)
    if hall is not None:
        yield from _check_voice_languages(ctx, spoken, explicit)
    if v.repeat_on_recall is not None and v.repeat_on_recall < v.repeat:
        yield _warn(("voice", "repeat_on_recall"),
                    f"a recall is spoken {v.repeat_on_recall} time(s), fewer than a call ({v.repeat}): the "
                    f"ticket holder missed it once already (expected repeat_on_recall of at least {v.repeat})")
    for i, q in enumerate(v.quiet_hours):
        if q.start == q.end:
            yield _err(("voice", "quiet_hours", i), f"from and to are both {q.start} (expected a period)")


def _check_voice_languages(ctx: Ctx, spoken: list[str], explicit: bool) -> Iterator[Found]:
    # A shown language no voice says; a spoken one nobody reads. Chinese is one
    # written language: a Cantonese or Mandarin voice suits any Chinese screen.
    c = ctx.config
    hall_langs = [str(t) for t in c.hall.languages]
    keys = {voice_key(t) for t in spoken}
    shown = {family(t) for t in hall_langs} | {family(str(t)) for s in c.screens for t in (s.languages or [])}
    for i, tag in enumerate(hall_langs):
        if voice_key(tag) in keys:
            continue
        if not engines_for(tag):
            yield _warn(("hall", "languages", i),
                        f"{tag} is shown but never spoken: no voice engine here speaks {name(tag)} (espeak-ng, gTTS) "
                        f"(expected its clips recorded into the voice pack and {tag} in voice.languages with call "
                        "and recall templates; or leave it to the screens)")
        elif not explicit and not has_phrases(tag):
            yield _warn(("hall", "languages", i),
                        f"{tag} is shown but never spoken: there are no built-in {name(tag)} phrases "
                        f"(expected voice.templates.call.{tag} and voice.templates.recall.{tag})")
    for i, tag in enumerate(spoken if explicit else []):
        if family(tag) not in shown:
            yield _warn(("voice", "languages", i),
                        f"{tag} is spoken but the hall does not show it (hall.languages: {', '.join(hall_langs)}; "
                        f"expected {tag} in hall.languages, or not in voice.languages)")
        engines = engines_for(tag)
        if not engines:
            yield _warn(("voice", "languages", i),
                        f"no voice engine speaks {name(tag)}: its clips must all be recorded into the voice pack "
                        "(signage voicepack check lists what a pack lacks); a word the pack lacks is not said")
        elif engines == ("gtts",):
            yield _warn(("voice", "languages", i),
                        f"only gTTS speaks {name(tag)}: build the voice pack with --engine gtts where there is "
                        "internet (espeak-ng, the offline voice, cannot say a word the pack lacks)")


def _check_template(path: tuple, text: str) -> Iterator[Found]:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        yield _err(path, f"broken template: {exc} (write placeholders as {{ticket}}; a literal brace as {{{{ or }}}})")
        return
    for f in dict.fromkeys(fields):
        if f not in TEMPLATE_FIELDS:
            shown = "{" + f + "}"
            choices = ", ".join("{" + t + "}" for t in TEMPLATE_FIELDS)
            yield _err(path, f'unknown placeholder "{shown}" (expected one of: {choices}{did_you_mean(f, TEMPLATE_FIELDS)})')


def check_texts(ctx: Ctx) -> Iterator[Found]:
    """Texts missing a language the screens show (Chinese converts either way; zh-TW
    reads zh-Hant, es-MX reads es: signage/languages.py, chain)."""
    from signage.i18n import pick_own

    c = ctx.config
    if c.hall is None:
        return
    shown = list(dict.fromkeys([*c.hall.languages, *(lang for s in c.screens for lang in (s.languages or []))]))
    for path, text in _texts(c):
        missing = [lang for lang in shown if pick_own(text, lang) is None]
        if missing:
            yield _warn(path, f"no {' or '.join(_language_words(missing))} text, but the screens show "
                              f"{', '.join(sorted(shown))} (the text falls back to another language)")


def _language_words(langs: list[str]) -> list[str]:
    """``English (en)``, ``Spanish (es)``; the Chinese ones said once: ``Chinese (zh-Hans or zh-Hant)``."""
    from signage.languages import is_chinese, language_name

    words = [f"{language_name(lang)} ({lang})" for lang in langs if not is_chinese(lang)]
    chinese = [lang for lang in langs if is_chinese(lang)]
    if chinese:
        words.append("Chinese (zh-Hans or zh-Hant)" if set(chinese) <= {"zh-Hans", "zh-Hant"}
                     else f"Chinese ({' or '.join(chinese)})")
    return words


def check_languages(ctx: Ctx) -> Iterator[Found]:
    """Every language a screen shows can be drawn here (a font for its script, left to right)
    and has the product's words (a catalogue of its own, else they show in English)."""
    from signage.i18n import has_catalogue
    from signage.languages import font_problem

    c = ctx.config
    lists: list[tuple[tuple, list[str]]] = []
    if c.hall is not None:
        lists.append((("hall", "languages"), list(c.hall.languages)))
    lists += [(("screens", si, "languages"), list(s.languages)) for si, s in enumerate(c.screens) if s.languages]
    said: set[str] = set()
    for base, langs in lists:
        seen: set[str] = set()
        for i, lang in enumerate(langs):
            if lang in seen:
                yield _warn(base + (i,), f"{lang} is listed twice")
                continue
            seen.add(lang)
            problem = font_problem(lang)
            if problem:
                yield _err(base + (i,), problem)
            elif lang not in said and not has_catalogue(lang):
                yield _warn(base + (i,), f"the product has no words in {lang} yet: its own words (\"Now calling\", "
                                         f"the directions...) show in English (add signage/catalogues/{lang}.yaml, "
                                         "docs/languages.md, or the hall's terms:)")
            said.add(lang)


def check_terms(ctx: Ctx) -> Iterator[Found]:
    """``terms:`` name words of the catalogues and keep their placeholders."""
    from signage.i18n import keys, placeholders, word

    known = keys()
    for key, text in ctx.config.terms.items():
        path = ("terms", key)
        if key not in known:
            yield _err(path, f'unknown word "{key}" (expected a key of the catalogues, e.g. window_n, '
                             f'go_to_window, now_calling: docs/languages.md{did_you_mean(key, known)})')
            continue
        want = placeholders(word(key, "en", {}))
        for lang, value in text.items():
            have = placeholders(value)
            shown = ", ".join("{" + f + "}" for f in sorted(want)) or "none"
            if "!" in have:
                yield _err(path + (lang,), "broken placeholder (write {window}; a literal brace as {{ or }})")
            elif have - want:
                extra = ", ".join("{" + f + "}" for f in sorted(have - want))
                yield _err(path + (lang,), f"unknown placeholder {extra} (this word has: {shown})")
            elif want - have:
                lost = ", ".join("{" + f + "}" for f in sorted(want - have))
                yield _warn(path + (lang,), f"leaves out {lost}: the screens will not show it (this word has: {shown})")


def _texts(c: HallConfig) -> Iterator[tuple[tuple, dict[str, str]]]:
    parts: list[tuple[tuple, Any]] = [(("hall",), c.hall), (("priority",), c.priority)]
    for section in ("groups", "services", "windows", "floors", "messages"):
        parts += [((section, i), item) for i, item in enumerate(getattr(c, section))]
    for si, s in enumerate(c.screens):
        for ri, r in enumerate(s.regions):
            try:
                parts.append((("screens", si, "regions", ri, "options"), WIDGET_OPTIONS[r.widget].model_validate(r.options)))
            except (KeyError, ValidationError):
                continue
    for path, value in parts:
        yield from _walk_texts(path, value)


def _walk_texts(path: tuple, value: Any) -> Iterator[tuple[tuple, dict[str, str]]]:
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk_texts(path + (name,), getattr(value, name))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _walk_texts(path + (i,), item)
    elif isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()) and all(
            isinstance(k, str) and tag_problem(k) is None for k in value):
        yield path, value


def inside(p: Point, polygon: list[Point]) -> bool:
    """Point in polygon (ray casting); points on an edge count as inside."""
    x, y = p
    n = len(polygon)
    hit = False
    for i in range(n):
        (x1, y1), (x2, y2) = polygon[i], polygon[(i + 1) % n]
        if min(x1, x2) - 1e-9 <= x <= max(x1, x2) + 1e-9 and min(y1, y2) - 1e-9 <= y <= max(y1, y2) + 1e-9:
            # on the segment?
            if abs((x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)) < 1e-9:
                return True
        if (y1 > y) != (y2 > y):
            xc = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < xc:
                hit = not hit
    return hit


# --- walkways and routes (docs/wayfinding.md) -----------------------------------------

def check_walkways(ctx: Ctx) -> Iterator[Found]:
    """The walk network as written: nodes on the floor, links naming known nodes
    and staying inside the outline, ``node:`` naming a node of the place's floor."""
    from signage.wayfinding.geometry import finite, segment_inside

    c = ctx.config
    for fi, f in enumerate(c.floors):
        w = f.walkways
        if w is None:
            continue
        base = ("floors", fi, "walkways")
        nodes, used = list(w.nodes), set()
        for nid, p in w.nodes.items():
            if not inside(p, f.outline):
                yield _err(base + ("nodes", nid),
                           f'node "{nid}" at {_xy(p)} is outside the outline of floor {f.id} ({_bounds(f.outline)})')
        for key in ("links", "steps"):
            for li, chain in enumerate(getattr(w, key)):
                for k, nid in enumerate(chain):
                    if nid in w.nodes:
                        used.add(nid)
                    else:
                        yield _err(base + (key, li, k), f'unknown node "{nid}" of floor {f.id}{expected(nodes, nid)}')
                for k in range(1, len(chain)):
                    a, b = w.nodes.get(chain[k - 1]), w.nodes.get(chain[k])
                    if a is None or b is None or not finite(a + b) or not (inside(a, f.outline) and inside(b, f.outline)):
                        continue
                    if not segment_inside(a, b, f.outline):
                        yield _err(base + (key, li, k),
                                   f'the way from "{chain[k - 1]}" to "{chain[k]}" leaves floor {f.id} (expected it inside the outline: add a node at the corner)')
        for nid in w.nodes:
            if nid not in used:
                yield _warn(base + ("nodes", nid), f'node "{nid}" is on no link (expected it in a chain of links or steps)')
    for path, what, floor_id, item in _placed_items(c):
        floor = c.floor(floor_id)
        if item.node is None or floor is None:
            continue
        known = list(floor.walkways.nodes) if floor.walkways else []
        if item.node not in known:
            yield _err(path + ("node",), f'unknown node "{item.node}" of floor {floor_id}{expected(known, item.node)}'
                       if known else f'node "{item.node}": floor {floor_id} has no walkways (expected walkways with nodes on floor {floor_id})')
    for fi, f in enumerate(c.floors):
        for pi, p in enumerate(f.points):
            path = ("floors", fi, "points", pi)
            if p.kind not in FLOOR_LINK_KINDS:
                for key in ("wait_seconds", "seconds_per_floor"):
                    if getattr(p, key) is not None:
                        yield _warn(path + (key,), f"{key} only applies to stairs, lifts, escalators and ramps (this point is of kind {p.kind}: delete the key)")
            if p.direction is not None and p.kind != "escalator":
                yield _warn(path + ("direction",), f"direction only applies to escalators (this point is of kind {p.kind}: delete the key)")


def _walkways_written_wrong(c: HallConfig) -> bool:
    """A node out of the floor or a name that is no node: check_walkways says
    which; judging routes through such walkways would only pile up guesses."""
    for f in c.floors:
        w = f.walkways
        if w is None:
            continue
        if any(not inside(p, f.outline) for p in w.nodes.values()):
            return True
        if any(n not in w.nodes for chain in w.links + w.steps for n in chain):
            return True
    return any(item.node is not None and not ((fl := c.floor(floor_id)) and fl.walkways and item.node in fl.walkways.nodes)
               for _, _, floor_id, item in _placed_items(c))


def _placed_items(c: HallConfig) -> Iterator[tuple[tuple, str, str, Any]]:
    """(path, words, floor, item) of every window, point and screen, in file order."""
    for i, w in enumerate(c.windows):
        yield ("windows", i), f"window {w.number}", w.floor, w
    for fi, f in enumerate(c.floors):
        for pi, p in enumerate(f.points):
            yield ("floors", fi, "points", pi), f'"{p.id}"', f.id, p
    for si, s in enumerate(c.screens):
        if s.position is not None:  # (one without is not on the plan: check_screens says what it misses)
            yield ("screens", si), f"screen {s.id}", s.floor, s


_MUST_BE_STEP_FREE = {"love": "a love window", "green": "a green channel window", "accessible_toilet": "an accessible toilet"}


def check_routes(ctx: Ctx) -> Iterator[Found]:
    """Every window, point and screen can be reached from the entrance, and the
    places wheelchair users need can be reached without steps."""
    if not ctx.complete or _walkways_written_wrong(ctx.config):
        return  # a rejected item or a misspelt node may be the missing link
    from signage.wayfinding.network import build, step_free_of

    c = ctx.config
    net = build(c)
    items = {}  # place ref -> (path, words, item)
    for path, what, floor_id, item in _placed_items(c):
        ref = (f"window:{item.number}" if path[0] == "windows" else f"screen:{item.id}" if path[0] == "screens"
               else f"point:{floor_id}/{item.id}")
        items.setdefault(ref, (path, what, item))
    entrances = [p for p in net.places.values() if p.kind == "point" and p.item.kind == "entrance"]
    if not entrances:
        if any(f.walkways for f in c.floors):
            yield _warn(("floors", 0, "points"), "no point of kind entrance: the walkways are checked from the entrance (expected e.g. {id: entrance, kind: entrance, position: [x, y]})")
        return
    reach = net.reach([net.vertex_of[e.ref] for e in entrances], step_free=False)
    at_door = {e.floor for e in entrances}
    unlinked = _unlinked_floors(c.floors)
    lost = set()
    for fi, f in enumerate(c.floors):
        on_floor = [v for ref, v in net.vertex_of.items() if net.places[ref].floor == f.id]
        if f.id in at_door or not on_floor or any(v in reach for v in on_floor):
            continue
        lost.add(f.id)
        if f.id not in unlinked:  # else already said: no shared stairs or lift
            yield _warn(("floors", fi, "id"),
                        f"floor {f.id} cannot be reached from the entrance on {', '.join(sorted(at_door))} (expected its stairs, lift, escalator or ramp on the walkways of both floors)")
    unattached = {p.ref for p in net.unattached}
    for ref, (path, what, item) in items.items():
        place = net.places.get(ref)
        if place is None or place.floor in lost:
            continue
        if ref in unattached:
            yield _warn(path, f"{what} at {_xy(item.position)} has no walkway in sight on floor {place.floor} (expected a link it can reach in a straight line without leaving the floor, or node: <id>)")
        elif net.vertex_of[ref] not in reach:
            yield _warn(path, f"{what} cannot be reached from the entrance (its walkways do not join the entrance's: link them)")
    yield from _check_step_free(ctx, net, entrances, reach, items, step_free_of)


def _check_step_free(ctx: Ctx, net: Any, entrances: list, reach: set[int], items: dict, step_free_of: Any) -> Iterator[Found]:
    doors = [e for e in entrances if step_free_of(e.item)]
    if not doors:
        path = items[entrances[0].ref][0]
        yield _warn(path + ("step_free",), "no entrance is step-free: wheelchair users cannot come in (expected an entrance without step_free: false)")
        return
    step_free = net.reach([net.vertex_of[e.ref] for e in doors], step_free=True)
    windows = [v for ref, v in net.vertex_of.items() if ref.startswith("window:")]
    if windows and not any(v in step_free for v in windows):
        path, what, _ = items[doors[0].ref]
        yield _warn(path, f"{what} (the entrance) has steps on every way to the windows: wheelchair users cannot get in (expected a link without steps from it)")
        return
    for ref, (path, what, item) in items.items():
        need = _MUST_BE_STEP_FREE.get(getattr(item, "kind", ""))
        v = net.vertex_of.get(ref)
        if need and v is not None and v in reach and v not in step_free:
            yield _warn(path, f"{what} is {need} but has no step-free route from the entrance (every way has stairs or steps; expected a lift, a ramp or links without steps)")


CHECKS: list[Callable[[Ctx], Iterator[Found]]] = [
    check_hall_info, check_rules, check_priority, check_services, check_windows, check_floors,
    check_themes, check_screens, check_messages, check_voice, check_texts, check_languages, check_terms,
    check_walkways, check_routes,
]
CHECKS.append(__import__("signage.config.legibility", fromlist=["check_legibility"]).check_legibility)  # screens: text height, contrast
