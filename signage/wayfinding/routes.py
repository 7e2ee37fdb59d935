"""Routes through a hall: :class:`Wayfinder` answers "how do I get from here to there".

A caller names places with refs (see :meth:`Wayfinder.resolve`) and gets a
:class:`~.model.Route`: the walk on each floor as a polyline, how it changes
floor, metres and seconds; its words and arrow are in :mod:`.directions`.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Sequence, Union

from ..config.model import Floor, HallConfig, PointOfInterest, Screen
from .directions import Arrow, Step, arrow_of, floor_arrow
from .geometry import EPS, Point, bearing, dist, finite, inside, project, relative
from .model import ConnectionKind, Leg, Route, Transfer
from .network import READER_M, STEP_FREE_SPEED, WALK_SPEED, Network, Place, Search, build

Ref = Union[str, Place, tuple[str, float, float], tuple[str, float, float, float]]


class UnknownPlace(KeyError):
    """A ref that names nothing in this hall (``window:99``, ``point:nowhere``)."""


# --- where a screen's readers stand ------------------------------------------------
#
# A screen's arrows and directions are for its readers, who stand where they read it.
# A screen read from afar (a main board, a guide: ``viewing_distance_m`` of FAR_M or
# more) is read from ``viewing_distance_m`` in front of it along its ``facing``, looking
# at it: a main board hung above the counters is read from the waiting area, not from
# among the desks, where a counter straight ahead of the waiting area would be
# "↓ turn around". When that spot is no place for readers (outside the floor, in a
# counters or office area, behind the screen or on the far side of the counters:
# :func:`viewer_problem`) it comes nearer, by half metres, until it is one. A screen
# read up close (a wayfinding kiosk, a strip, one read from under FAR_M) is read 1.5 m
# in front of it (:func:`~.network.reader_spot`), or from farther out, as above, when
# that is no place to stand. ``viewer: {x, y, facing}`` says where they are; a written
# spot that is no place for readers is not used (validation warns).

STAFF_AREAS = ("counters", "office")  # areas the public does not stand in
NEARER_M = 0.5  # the default spot comes nearer by this much at a time
FAR_M = 4.0  # a screen with a viewing distance of this or more is read from afar
# Read standing at them: a wayfinding screen (a map, a touch directory), a strip (by the people
# at its window): their readers stay 1.5 m in front unless the file says otherwise.
NEAR_KINDS = ("wayfinding", "strip")


@dataclass(frozen=True)
class Viewing:
    """Where a screen's readers stand (``spot``) and the way they look (``heading``, degrees
    clockwise from north), and whether the hall file said so (``written``)."""

    spot: Point
    heading: float | None
    written: bool


def _within(p: Point, polygon: Sequence[Point]) -> bool:
    """Inside a polygon and not on its edge (standing on the line in front of the counters is fine)."""
    if not inside(p, polygon):
        return False
    n = len(polygon)
    return all(dist(p, project(p, polygon[i], polygon[(i + 1) % n])[0]) > EPS for i in range(n))


def viewer_problem(screen: Screen, floor: Floor | None, spot: Point) -> str | None:
    """Why readers of ``screen`` cannot stand at ``spot`` (words for validation), or None."""
    if floor is None or not finite(spot):
        return "not on a floor of the hall"
    if not _within(spot, floor.outline):
        return f"outside floor {floor.id}" if not inside(spot, floor.outline, EPS) else f"on the wall of floor {floor.id}"
    for area in floor.areas:
        if area.kind in STAFF_AREAS and _within(spot, area.polygon):
            return f'inside the {area.kind} area "{area.id}"'
    if screen.position is None:
        return None
    here = (float(screen.position[0]), float(screen.position[1]))
    if screen.facing is not None and dist(spot, here) > EPS \
            and abs(relative(bearing(here, spot), float(screen.facing))) >= 90.0:
        return f"behind the screen (it faces {float(screen.facing):g}°: its readers are on that side)"
    # On the far side of the counters: the line of sight to the screen crosses a counters
    # area and comes out of it again (a screen hung above the counters ends inside one).
    n = max(2, int(dist(spot, here) / 0.25))
    crossed = None
    for i in range(n + 1):
        t = i / n
        q = (spot[0] + t * (here[0] - spot[0]), spot[1] + t * (here[1] - spot[1]))
        area = next((a for a in floor.areas if a.kind == "counters" and _within(q, a.polygon)), None)
        if area is not None:
            crossed = area
        elif crossed is not None:
            return f'behind the counters "{crossed.id}" (on the far side of them from the screen)'
    return None


def viewing_of(screen: Screen, floor: Floor | None) -> Viewing | None:
    """Where the readers of ``screen`` stand and look, or None for the network's own spot
    (:func:`~.network.reader_spot`: 1.5 m in front: a screen read up close, one without
    facing or position, one with no place to stand farther out)."""
    if screen.position is None:
        return None
    here = (float(screen.position[0]), float(screen.position[1]))
    v = screen.viewer
    if v is not None:
        spot = (float(v.x), float(v.y))
        if viewer_problem(screen, floor, spot) is None:
            if v.facing is not None:
                heading: float | None = float(v.facing) % 360.0
            elif dist(spot, here) > EPS:
                heading = bearing(spot, here)  # they look at the screen
            else:
                heading = None if screen.facing is None else (float(screen.facing) + 180.0) % 360.0
            return Viewing(spot, heading, True)
    if screen.facing is None or screen.kind in NEAR_KINDS:
        return None
    a = math.radians(float(screen.facing))
    d = float(screen.viewing_distance_m)
    if d < FAR_M:  # read up close: 1.5 m in front, when that is a place to stand
        near = (here[0] + READER_M * math.sin(a), here[1] + READER_M * math.cos(a))
        if viewer_problem(screen, floor, near) is None:
            return None  # the network's own spot
    while d > READER_M + 1e-9:
        spot = (here[0] + d * math.sin(a), here[1] + d * math.cos(a))
        if viewer_problem(screen, floor, spot) is None:
            return Viewing(spot, (float(screen.facing) + 180.0) % 360.0, False)
        d -= NEARER_M
    return None


def with_viewers(net: Network, config: HallConfig) -> Network:
    """``net`` with each screen's place where its readers stand (:func:`viewing_of`)."""
    for s in config.screens:
        ref = f"screen:{s.id}"
        old = net.places.get(ref)
        if old is None or old.item is not s:
            continue  # not on the plan (or a screen id written twice: the first is the place)
        seen = viewing_of(s, net.floors.get(s.floor))
        if seen is None or (dist(seen.spot, old.position) <= 1e-6 and seen.heading == old.heading):
            continue
        net = net.with_place(Place(ref, "screen", s.floor, seen.spot, s.id, seen.heading, s))
    return net


class Wayfinder:
    """Routes in one hall. Build once per configuration (:func:`wayfinder_for`
    keeps the last few); every method is safe to call from several threads.

    Refs name places:

    * ``"window:3"``, ``"screen:main"``;
    * ``"point:toilets"`` (the nearest point with that id, on any floor) or
      ``"point:2F/lift"`` (exactly that one);
    * ``"kind:accessible_toilet"``: the nearest point of that kind;
    * ``(floor, x, y)`` or ``(floor, x, y, heading)``: a spot on a floor;
    * a :class:`Place`.
    """

    def __init__(self, config: HallConfig, network: Network | None = None) -> None:
        self.config = config
        self.network = network if network is not None else with_viewers(build(config), config)
        self._cache: OrderedDict[tuple, Route | None] = OrderedDict()
        self._lock = threading.Lock()

    def resolve(self, ref: Ref) -> list[Place]:
        """The places a ref names (several for ``point:lift`` or ``kind:toilet``).
        Raises :class:`UnknownPlace` when it names nothing."""
        net = self.network
        if isinstance(ref, Place):
            return [net.places.get(ref.ref, ref)]
        if isinstance(ref, tuple):
            return [self._position(ref)]
        if not isinstance(ref, str) or ":" not in ref:
            raise UnknownPlace(ref)
        what, _, name = ref.partition(":")
        found: list[Place] = []
        if what in ("window", "screen"):
            found = [p for r, p in net.places.items() if r == f"{what}:{name}"]
        elif what == "point":
            floor, _, pid = name.rpartition("/")
            found = [p for p in net.places.values()
                     if p.kind == "point" and p.key == pid and (not floor or p.floor == floor)]
        elif what == "kind":
            found = [p for p in net.places.values()
                     if isinstance(p.item, PointOfInterest) and p.item.kind == name]
        if not found:
            raise UnknownPlace(ref)
        return found

    def _position(self, ref: tuple) -> Place:
        if len(ref) not in (3, 4):
            raise UnknownPlace(ref)
        floor, x, y = ref[0], float(ref[1]), float(ref[2])
        heading = float(ref[3]) % 360.0 if len(ref) == 4 and ref[3] is not None else None
        f = self.network.floors.get(floor)
        if f is None or not finite((x, y)) or not inside((x, y), f.outline, 0.05):
            raise UnknownPlace(ref)
        return Place(f"position:{floor}/{x:g},{y:g}", "position", floor, (x, y), f"{x:g},{y:g}", heading)

    def route(self, origin: Ref, target: Ref, step_free: bool = False) -> Route | None:
        """The quickest route, or None when there is none (e.g. no step-free way).

        With several origins or targets (``kind:toilet``) the quickest pair wins.
        ``step_free`` avoids stairs, escalators and links with steps, and walks
        at 0.8 m/s. Results are cached. Raises :class:`UnknownPlace`.
        """
        key = (_key(origin), _key(target), bool(step_free))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        found = self._route(origin, target, step_free)
        with self._lock:
            self._cache[key] = found
            if len(self._cache) > 2048:
                self._cache.popitem(last=False)
        return found

    def _route(self, origin: Ref, target: Ref, step_free: bool) -> Route | None:
        starts, ends = self.resolve(origin), self.resolve(target)
        net = self.network
        for place in starts + ends:
            if place.ref not in net.vertex_of:
                net = net.with_place(place)
        search = net.search([net.vertex_of[p.ref] for p in starts], [net.vertex_of[p.ref] for p in ends], step_free)
        if search is None:
            return None
        first = next(p for p in starts if net.vertex_of[p.ref] == search.vertices[0])
        last = next(p for p in ends if net.vertex_of[p.ref] == search.vertices[-1])
        return _assemble(net, search, first, last, step_free)

    def arrow(self, screen_id: str, window: int, step_free: bool = False) -> Arrow | None:
        """The arrow a screen shows beside a call to ``window``: for a viewer
        facing the screen (see :class:`~signage.wayfinding.directions.Arrow`).

        None when the screen or window is unknown (a screen without a
        position), or when there is no route on the same floor; for a window on
        another floor without a route, or from a screen whose facing is not
        written, just the floor (``2F ↑``): left and right are unknown then."""
        try:
            route = self.route(f"screen:{screen_id}", f"window:{window}", step_free)
            screen = self.resolve(f"screen:{screen_id}")[0]
            target = self.resolve(f"window:{window}")[0]
        except UnknownPlace:
            return None
        if route is not None and screen.heading is not None:
            return arrow_of(route, route.origin.heading)
        if target.floor != screen.floor:
            up = self.network.level[target.floor] > self.network.level[screen.floor]
            return Arrow(floor_arrow(target.floor, up), "", None, target.floor, up)
        return None


def _key(ref: Ref) -> object:
    return ref.ref if isinstance(ref, Place) else ref


def _assemble(net: Network, search: Search, origin: Place, target: Place, step_free: bool) -> Route:
    legs: list[Leg] = []
    points: list[Point] = [net.xy[search.vertices[0]]]
    floor = net.floor_of[search.vertices[0]]
    metres = leg_metres = 0.0
    has_steps = False
    boarding: tuple[str, str, float] | None = None  # (kind, point id, seconds so far)
    for v, e in zip(search.vertices[1:], search.edges):
        has_steps |= not e.step_free
        if e.kind == "walk":
            points.append(net.xy[v])
            leg_metres += e.metres
            metres += e.metres
        elif e.kind == "board":
            boarding = (_kind_of(net, e.via, floor), e.via or "", e.seconds)
        elif e.kind == "ride" and boarding is not None:
            boarding = (boarding[0], boarding[1], boarding[2] + e.seconds)
        elif e.kind == "alight" and boarding is not None:
            to_floor = net.floor_of[v]
            if to_floor == floor:  # on and off on the same floor: nothing to say
                boarding = None
                continue
            up = net.level[to_floor] > net.level[floor]
            transfer = Transfer(boarding[0], boarding[1], to_floor, up, boarding[2])  # type: ignore[arg-type]
            legs.append(Leg(floor, tuple(_two(points)), leg_metres, transfer, net.level[floor]))
            floor, points, leg_metres, boarding = to_floor, [net.xy[v]], 0.0, None
    legs.append(Leg(floor, tuple(_two(points)), leg_metres, None, net.level[floor]))
    return Route(origin, target, tuple(legs), metres, search.seconds, step_free, has_steps)


def _two(points: Sequence[Point]) -> list[Point]:
    # A leg is drawable: at least its start and its end, even when they coincide.
    out = list(points)
    return out if len(out) >= 2 else out + out[-1:]


def _kind_of(net: Network, point_id: str | None, floor: str) -> str:
    place = net.places.get(f"point:{floor}/{point_id}")
    item = place.item if place is not None else None
    return item.kind if isinstance(item, PointOfInterest) else "stairs"


# --- one wayfinder per configuration ---------------------------------------------

_RECENT: "OrderedDict[int, tuple[HallConfig, Wayfinder]]" = OrderedDict()
_RECENT_LOCK = threading.Lock()


def wayfinder_for(config: HallConfig) -> Wayfinder:
    """The :class:`Wayfinder` of a configuration, built on first use and kept
    for the last few configurations (a reload brings a new one)."""
    with _RECENT_LOCK:
        hit = _RECENT.get(id(config))
        if hit is not None and hit[0] is config:
            _RECENT.move_to_end(id(config))
            return hit[1]
    finder = Wayfinder(config)
    with _RECENT_LOCK:
        _RECENT[id(config)] = (config, finder)  # holding config keeps its id from being reused
        while len(_RECENT) > 4:
            _RECENT.popitem(last=False)
    return finder


# Leg, Route, Transfer (model.py) and Arrow, Step (directions.py) are named here too, for older callers.
__all__ = ["Leg", "Route", "Transfer", "UnknownPlace", "Wayfinder", "wayfinder_for", "Arrow", "Step",
           "ConnectionKind", "WALK_SPEED", "STEP_FREE_SPEED", "Viewing", "viewing_of", "viewer_problem", "with_viewers"]
