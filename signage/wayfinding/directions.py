"""Directions in words and arrows, from a route's geometry.

A :class:`~.model.Route` is plain data; this module says it:
:func:`steps_of` (route) the directions as :class:`Step` s, :func:`render`
(route, lang) in one sentence, :func:`summary` (route, lang) distance and
time, :func:`arrow_of` (route, heading) the arrow. It reads routes and never
makes them (that is :mod:`.routes`, which imports this module).

Theory of operation. A walker's turns are read from each leg's polyline after
tidying it the way a person would describe it: wiggles under 0.5 m are
smoothed away, stretches under 2 m (under 3 m at the start, stepping onto the
walkway) are merged into their neighbours, and bends under 22.5° count as
straight on. Every angle is relative to the walker's
heading: at the start, the origin's (a screen's reader faces the screen, so
heading = facing + 180°); after a floor change, the way the walk goes on (we
do not know which way a lift's door opens). The last stretch, when it is
short (≤ 4 m, stepping off an aisle to a counter), is not walked as a leg of
its own: it tells on which side the target is.

Angles fall in these classes, the same for arrows and for words::

    |angle| ≤ 22.5°   ahead         ↑   前行 / go ahead
    ≤ 67.5°           ahead-left    ↖   向左前方走 / bear left   (right: ↗)
    ≤ 135°            left          ←   向左转 / turn left       (right: →)
    > 135°            back          ↓   向后转 / turn around
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterator, Literal, Mapping

from ..config.model import PointOfInterest, Screen, Window
from ..i18n import FULL, pick, sentence, t, word
from . import geometry
from .geometry import Point, bearing, dedupe, dist, project, relative, simplify
from .model import Leg, Route, Transfer
from .network import Place, anchor

Turn = Literal["ahead", "ahead_left", "ahead_right", "left", "right", "back"]
Side = Literal["ahead", "left", "right", "behind"]

SMOOTH_M = 0.5     # wiggles smaller than this are not turns
MERGE_M = 2.0      # stretches shorter than this are not worth a sentence
FIRST_M = 3.0      # nor is stepping from where one stands onto the walkway
APPROACH_M = 4.0   # a last stretch this short says on which side the target is
HERE_M = 2.0       # a target this close is "right here"

ARROWS: dict[str, str] = {
    "ahead": "↑", "ahead_left": "↖", "ahead_right": "↗", "left": "←", "right": "→", "back": "↓",
}


def turn_of(angle: float) -> Turn:
    """The class of a relative angle (degrees, negative to the left)."""
    a = abs(angle)
    if a <= 22.5:
        return "ahead"
    if a <= 67.5:
        return "ahead_left" if angle < 0 else "ahead_right"
    if a <= 135.0:
        return "left" if angle < 0 else "right"
    return "back"


def side_of(angle: float) -> Side:
    a = abs(angle)
    if a <= 22.5:
        return "ahead"
    if a <= 157.5:
        return "left" if angle < 0 else "right"
    return "behind"


# --- geometry -> steps ------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One part of the directions.

    * ``turn``: turn on the spot (``turn``), only at the start;
    * ``walk``: walk ``metres`` (whole metres, at least 1), then turn ``turn``
      (None: the walk ends at the target or at the stairs/lift);
    * ``change``: change floor by ``transfer``;
    * ``arrive``: the target is on ``side``;
    * ``here``: the target is right here (under 2 m away).
    """

    kind: Literal["turn", "walk", "change", "arrive", "here"]
    turn: Turn | None = None
    metres: int = 0
    transfer: Transfer | None = None
    side: Side | None = None


def tidy(points: list[Point] | tuple[Point, ...]) -> list[Point]:
    """A polyline as a person would describe it (see the module's docstring)."""
    pts = simplify(dedupe(points), SMOOTH_M)
    changed = True
    while changed and len(pts) > 2:
        changed = False
        if dist(pts[0], pts[1]) < FIRST_M:
            del pts[1]  # stepping onto the walkway: set off straight for where it leads
            changed = True
            continue
        lengths = [dist(pts[i], pts[i + 1]) for i in range(len(pts) - 1)]
        k = min(range(len(lengths)), key=lengths.__getitem__)
        if lengths[k] < MERGE_M:
            # drop the inner end of the short stretch; the last point is the target
            del pts[k + 1 if k + 1 < len(pts) - 1 else k]
            changed = True
            continue
        for i in range(1, len(pts) - 1):
            if abs(relative(bearing(pts[i], pts[i + 1]), bearing(pts[i - 1], pts[i]))) <= 22.5:
                del pts[i]
                changed = True
                break
    return pts


def _walk_and_side(leg: Leg, final: bool) -> tuple[list[Point], Side]:
    pts = dedupe(leg.points)
    if final and len(pts) >= 3 and dist(pts[-2], pts[-1]) <= APPROACH_M:
        target = pts[-1]
        walk = tidy(pts[:-1])
        if len(walk) >= 2 and dist(walk[-1], target) > 0.2:
            heading = bearing(walk[-2], walk[-1])
            side = side_of(relative(bearing(walk[-1], target), heading))
            if side == "behind":
                # The walkway passes the target and turns back to it: stop where it is nearest
                # and say on which side it is ("… on your left", not "… behind you").
                passing = _stop_beside(pts[:-1], target)
                if passing is not None:
                    return passing
            return walk, side
        return tidy(pts), "ahead"
    return tidy(pts), "ahead"


def _stop_beside(walk: list[Point], target: Point) -> tuple[list[Point], Side] | None:
    """The walk (as routed, not yet tidied) cut where it passes nearest ``target`` with the
    target beside or ahead rather than behind, tidied, and that side; None if there is no such place."""
    best: tuple[float, list[Point], Side] | None = None
    for i, (a, b) in enumerate(zip(walk, walk[1:])):
        p, _ = project(target, a, b)
        d = dist(p, target)
        if d > APPROACH_M or d <= 0.2 or (best is not None and d >= best[0]):
            continue
        cut = tidy([*walk[:i + 1], p])
        if len(cut) < 2:
            continue
        side = side_of(relative(bearing(cut[-1], target), bearing(cut[-2], cut[-1])))
        if side != "behind":
            best = (d, cut, side)
    return (best[1], best[2]) if best is not None else None


def is_here(route: Route) -> bool:
    """Whether the target is within 2 m of the origin in a straight line (a strip
    screen above its own window), whatever the walk around a counter. A board
    beside a window but read from the seats is not "right here" for its readers:
    they too must be near (``HERE_M`` plus the 1.5 m readers stand off); a strip is,
    whoever reads it."""
    if route.changes_floor:
        return False
    if route.metres < HERE_M:
        return True
    target = anchor(route.target)
    if dist(anchor(route.origin), target) >= HERE_M:
        return False
    screen = route.origin.item
    strip = isinstance(screen, Screen) and screen.kind == "strip"  # above its window: whoever reads it
    return strip or dist(route.origin.position, target) < HERE_M + 1.5


def steps_of(route: Route) -> tuple[Step, ...]:
    """The directions of a route as :class:`Step` s."""
    if is_here(route):
        return (Step("here"),)
    out: list[Step] = []
    for i, leg in enumerate(route.legs):
        final = i == len(route.legs) - 1
        walk, side = _walk_and_side(leg, final)
        stretches = [(bearing(a, b), dist(a, b)) for a, b in zip(walk, walk[1:]) if dist(a, b) > 0.05]
        heading = route.origin.heading if i == 0 else None
        if stretches and sum(m for _, m in stretches) >= (MERGE_M if final else 0.5):
            if heading is not None:
                first = turn_of(relative(stretches[0][0], heading))
                if first != "ahead":
                    out.append(Step("turn", turn=first))
            for k, (b, m) in enumerate(stretches):
                nxt = turn_of(relative(stretches[k + 1][0], b)) if k + 1 < len(stretches) else None
                out.append(Step("walk", turn=nxt, metres=max(1, round(m))))
        if leg.leave is not None:
            out.append(Step("change", transfer=leg.leave))
        else:
            out.append(Step("arrive", side=side))
    return tuple(out)


# --- steps -> words -----------------------------------------------------------------

# The words are data: the catalogues (signage/catalogues/<lang>.yaml, keys dir_*, floor_*,
# kind_*), looked up along the language's fallbacks with the hall's terms (signage/i18n.py).
TURNS = ("ahead_left", "ahead_right", "left", "right", "back")
SIDES = ("ahead", "left", "right", "behind")
KINDS = ("entrance", "exit", "info_desk", "self_service", "form_filling", "photo", "ticket_machine",
         "reading_glasses", "first_aid", "aed", "water", "umbrella", "power_bank", "toilet",
         "accessible_toilet", "stairs", "lift", "escalator", "ramp", "seating", "nursing_room",
         "suggestion_box", "rating_pad", "charging", "vision_test", "copier", "lockers", "atm")


def kind_name(kind: str, lang: str) -> str:
    """The name of a kind of point (``toilet``: 卫生间 / Toilets / Aseos); "" for an unknown kind."""
    key = f"kind_{kind}"
    text = t(key, lang)
    return "" if text == key else text


class _KindNames(Mapping[str, Mapping[str, str]]):
    """``KIND_NAMES[kind][lang]``, as this module once held it: the catalogues' ``kind_*`` words."""

    def __getitem__(self, kind: str) -> Mapping[str, str]:
        if kind not in KINDS:
            raise KeyError(kind)
        return _KindWords(kind)

    def __iter__(self) -> Iterator[str]:
        return iter(KINDS)

    def __len__(self) -> int:
        return len(KINDS)


class _KindWords(Mapping[str, str]):
    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __getitem__(self, lang: str) -> str:
        if not isinstance(lang, str) or not lang:
            raise KeyError(lang)
        return kind_name(self.kind, lang)

    def __iter__(self) -> Iterator[str]:
        return iter(FULL)

    def __len__(self) -> int:
        return len(FULL)


KIND_NAMES: Mapping[str, Mapping[str, str]] = _KindNames()


def floor_name(floor_id: str, lang: str) -> str:
    """How a floor is said in a sentence: ``2F`` -> ``2 楼`` / ``2 樓`` / ``2F`` / ``planta 2``;
    ``B1`` -> ``地下 1 层`` / ``地下 1 樓`` / ``B1``; other ids as written (``M 层``, ``M``)."""
    if m := re.fullmatch(r"(\d+)[Ff]", floor_id):
        return t("floor_numbered", lang, n=int(m.group(1)))
    if m := re.fullmatch(r"[Bb](\d+)", floor_id):
        return t("floor_basement", lang, n=int(m.group(1)))
    return t("floor_other", lang, id=floor_id)


def place_name(place: Place, lang: str) -> str:
    """A place as named in a sentence: ``3 号窗口``, the point's name in ``lang``
    (or its kind's: ``老花镜``), ``window 3``."""
    item = place.item
    if isinstance(item, Window):
        return t("dir_window", lang, n=item.number)
    if isinstance(item, PointOfInterest):
        return point_name(item, lang)
    if isinstance(item, Screen):
        return item.id
    return t("dir_place", lang)


def point_name(point: PointOfInterest, lang: str) -> str:
    """A point as people are told it: its ``name``, else what it is (its kind's words,
    ``老花镜``; for ``kind: other`` its ``label``), else its id."""
    if point.name:
        return pick(point.name, lang)
    if point.kind == "other" and point.label:
        return pick(point.label, lang)
    return kind_name(point.kind, lang) or point.id


def _by(transfer: Transfer, lang: str) -> str:
    kind = transfer.kind if transfer.kind in ("lift", "stairs", "escalator", "ramp") else "stairs"
    updown = t("dir_up" if transfer.up else "dir_down", lang)
    return t(f"dir_by_{kind}", lang, floor=floor_name(transfer.to_floor, lang), dir=updown)


def render(route: Route, lang: str = "zh-Hans") -> str:
    """The directions of a route as one sentence in ``lang`` (any language with a catalogue;
    others fall back as :func:`signage.i18n.t` does)."""
    name = place_name(route.target, lang)
    parts: list[str] = []
    steps = steps_of(route)
    for i, s in enumerate(steps):
        bear = i > 0 and steps[i - 1].kind == "turn" and steps[i - 1].turn in ("ahead_left", "ahead_right")
        if s.kind == "turn" and s.turn:
            if s.turn in ("ahead_left", "ahead_right") and i + 1 < len(steps) and steps[i + 1].kind == "walk":
                continue  # said with the walk: 向右前方走 11 米 / bear right for 11 m
            parts.append(t(f"dir_first_{s.turn}", lang))
        elif s.kind == "walk":
            if bear:
                parts.append(t("dir_bear", lang, turn=t(f"dir_first_{steps[i - 1].turn or 'ahead_left'}", lang), m=s.metres))
                if s.turn:
                    parts.append(t(f"dir_first_{s.turn}" if s.turn != "back" else "dir_then_back", lang))
            elif s.turn:
                parts.append(t("dir_walk_then", lang, m=s.metres, turn=t(f"dir_then_{s.turn}", lang)))
            else:
                parts.append(t("dir_walk", lang, m=s.metres))
        elif s.kind == "change" and s.transfer is not None:
            parts.append(_by(s.transfer, lang))
        elif s.kind == "arrive":
            key = "dir_arrive_point" if route.target.kind != "window" else "dir_arrive"
            parts.append(t(key, lang, name=name, side=t(f"dir_side_{s.side or 'ahead'}", lang)))
        elif s.kind == "here":
            parts.append(t("dir_here", lang, name=name))
    return sentence(word("dir_sep", lang).join(parts), lang)


def transfer_words(transfer: Transfer, lang: str = "zh-Hans") -> str:
    """How a route changes floor, alone: ``乘电梯到 2 楼`` / ``Take the lift to 2F``
    (for a map's callout at the lift or the stairs)."""
    return sentence(_by(transfer, lang), lang)


def summary(route: Route, lang: str = "zh-Hans") -> str:
    """``约 45 米，步行约 1 分钟`` / ``about 45 m, 1 min walk`` (whole minutes, at least 1)."""
    return t("dir_summary", lang, m=max(1, round(route.metres)), min=max(1, math.ceil(route.seconds / 60)))


# --- arrows -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Arrow:
    """The arrow beside a call, for a viewer facing ``heading``.

    * ``symbol``: what to show: ``←``, ``↗``, ... or ``2F ↑`` / ``1F ↓`` when the
      target is on another floor (the floor it is on, and up or down);
    * ``way``: the first direction to walk, one of ``↑ ↗ → ↓ ← ↖`` (``↑`` straight
      ahead, that is past the screen for someone reading it; ``↓`` behind the
      viewer, which for a screen above the counter also reads "here"); ``""``
      when the route starts with the floor change;
    * ``degrees``: that direction, clockwise from straight ahead (-90 is left),
      for drawing a turned arrow; None with ``way == ""``;
    * ``floor``, ``up``: the target's floor and whether it is above, when it is
      not the viewer's floor; else None.
    """

    symbol: str
    way: str
    degrees: float | None
    floor: str | None = None
    up: bool | None = None


def floor_arrow(floor_id: str, up: bool) -> str:
    return f"{floor_id} {'↑' if up else '↓'}"


def arrow_of(route: Route, heading: float | None) -> Arrow:
    """The arrow for a route, seen by someone facing ``heading`` (None: the way
    the route sets off counts as straight ahead). It points where the first
    sentence of :func:`render` sends the walker."""
    first = route.legs[0]
    final = not route.changes_floor
    walk, _ = _walk_and_side(first, final)
    degrees: float | None = None
    way = ""
    out: float | None = None
    if is_here(route):
        degrees, way = 180.0, ARROWS["back"]  # right here: below the screen
    elif len(walk) >= 2 and geometry.length(walk) >= (MERGE_M if final else 0.5):
        out = bearing(walk[0], walk[1])
    elif final:  # only a step or two: point at the target itself
        out = bearing(first.points[0], first.points[-1])
    if out is not None:
        degrees = relative(out, out if heading is None else heading)
        way = ARROWS[turn_of(degrees)]
    start, end = route.legs[0], route.legs[-1]
    if end.floor != start.floor:
        up = end.level > start.level  # where the target is, whatever the rides on the way
        return Arrow(floor_arrow(end.floor, up), way, degrees, end.floor, up)
    return Arrow(way, way, degrees)
