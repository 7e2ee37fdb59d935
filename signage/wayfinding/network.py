"""The walk network of a hall: one directed graph built from a :class:`HallConfig`.

Theory of operation. Each floor contributes walking edges in one of two ways:

* **walkways** (``floors[].walkways``): named nodes and chains of links. Chains
  that cross or touch join there; ``steps`` chains are walked but are not
  step-free. Every window, point and screen on the floor joins the nearest spot
  of a step-free link (or the nearest node of any link) that it can reach in a
  straight line without leaving the floor's outline, unless it names its
  ``node``. A place that joins a link in the middle splits it there, so two
  windows on one aisle reach each other along the aisle.
* **open floor** (no walkways): people walk in straight lines across the floor.
  Every place is linked to every place it can see, and to points just inside
  the floor's inner corners (an L-shaped floor), which is the shortest-path
  visibility graph.

Floors are joined by points of kind stairs, lift, escalator or ramp written on
several floors with the same id: boarding costs the wait (a lift's 30 s),
riding costs ``seconds_per_floor`` per floor passed, and stairs and escalators
are not step-free. Edges are directed only so that a lift's wait is paid when
boarding and an escalator can run one way.

Nothing here raises on a hall that validation would reject: unknown node ids,
positions that are not numbers and places on unknown floors are left out, and
validation (``signage.config.checks``) reports them.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import Iterable, Literal, Sequence

from ..config.model import FLOOR_LINK_KINDS, Floor, HallConfig, PointOfInterest, Screen, Window
from .geometry import EPS, Point, crossing, dist, finite, inside, project, reflex_corners, segment_inside

WALK_SPEED = 1.0        # m/s, an adult walking in a hall
STEP_FREE_SPEED = 0.8   # m/s, a wheelchair, a walking frame, an elderly person
DEFAULT_WAIT = {"lift": 30.0}
DEFAULT_SECONDS_PER_FLOOR = {"lift": 10.0, "stairs": 20.0, "escalator": 20.0, "ramp": 40.0}
NOT_STEP_FREE_KINDS = ("stairs", "escalator")

PlaceKind = Literal["window", "point", "screen", "position"]


@dataclass(frozen=True)
class Place:
    """Somewhere a route starts or ends.

    ``ref`` is canonical: ``window:3``, ``screen:main``, ``point:1F/lift``,
    ``position:1F/12.5,4``. ``heading`` is the way a person standing here faces,
    in degrees clockwise from north, when it is known: someone reading a screen
    faces it, so a screen's place has ``heading = (facing + 180) % 360``.
    ``item`` is the window, point or screen of the hall file (None for a position).
    """

    ref: str
    kind: PlaceKind
    floor: str
    position: Point
    key: str | int
    heading: float | None = None
    item: Window | PointOfInterest | Screen | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Edge:
    to: int
    metres: float        # walked
    seconds: float       # waited or ridden (boarding a lift, a flight of stairs)
    step_free: bool
    kind: Literal["walk", "board", "ride", "alight"]
    via: str | None = None  # the stairs/lift point id on board, ride and alight


@dataclass(frozen=True)
class Search:
    """A shortest path: the vertices, the edges between them, the cost in seconds."""

    vertices: tuple[int, ...]
    edges: tuple[Edge, ...]
    seconds: float


def step_free_of(point: PointOfInterest) -> bool:
    """Whether a wheelchair can use a point: as written, else stairs and escalators not."""
    if point.step_free is not None:
        return point.step_free
    return point.kind not in NOT_STEP_FREE_KINDS


def _usable(floor: Floor) -> bool:
    pts = floor.outline
    if len(pts) < 3 or not all(finite(p) for p in pts):
        return False
    area2 = sum(pts[i][0] * pts[(i + 1) % len(pts)][1] - pts[(i + 1) % len(pts)][0] * pts[i][1] for i in range(len(pts)))
    return abs(area2) > 1e-6


class Network:
    """The graph. Build with :func:`build`; it is not changed afterwards
    (:meth:`with_place` returns a new network), so one may be shared by threads."""

    def __init__(self) -> None:
        self.floors: dict[str, Floor] = {}
        self.level: dict[str, int] = {}
        self.rank: dict[str, int] = {}
        self.walkway_floors: set[str] = set()
        self.xy: list[Point] = []
        self.floor_of: list[str] = []
        self.cab: list[bool] = []  # in a lift or on stairs between floors
        self.places: dict[str, Place] = {}
        self.vertex_of: dict[str, int] = {}  # place ref -> vertex
        self.node_vertex: dict[tuple[str, str], int] = {}  # (floor, node id) -> vertex
        self.unattached: list[Place] = []  # places with no walkway in sight
        self._pieces: dict[str, list[tuple[int, int, bool]]] = {}  # walkway floors: straight links
        self._free: dict[str, list[int]] = {}  # open floors: vertices that see each other
        self._free_ok: dict[int, bool] = {}  # open floors: False for a place reached by steps
        self._spurs: list[tuple[int, int, bool]] = []  # place vertex <-> network vertex
        self._vertical: list[tuple[int, Edge]] = []
        self.adj: list[list[Edge]] = []

    # --- building ---------------------------------------------------------------

    def _vertex(self, floor: str, p: Point, cab: bool = False) -> int:
        self.xy.append(p)
        self.floor_of.append(floor)
        self.cab.append(cab)
        return len(self.xy) - 1

    def _vertex_at(self, floor: str, p: Point) -> int:
        # One vertex per spot: chains that meet at a point share it.
        for a, b, _ in self._pieces.get(floor, []):
            for v in (a, b):
                if dist(self.xy[v], p) <= EPS:
                    return v
        for (f, _), v in self.node_vertex.items():
            if f == floor and dist(self.xy[v], p) <= EPS:
                return v
        return self._vertex(floor, p)

    def _add_walkways(self, floor: Floor) -> None:
        w = floor.walkways
        assert w is not None
        nodes = {nid: (float(p[0]), float(p[1])) for nid, p in w.nodes.items() if finite(p)}
        self._pieces[floor.id] = []
        for nid, p in nodes.items():
            self.node_vertex[(floor.id, nid)] = self._vertex_at(floor.id, p)
        segments: list[tuple[Point, Point, bool]] = []
        for chains, sf in ((w.links, True), (w.steps, False)):
            for chain in chains:
                for a, b in zip(chain, chain[1:]):
                    if a in nodes and b in nodes and dist(nodes[a], nodes[b]) > EPS:
                        segments.append((nodes[a], nodes[b], sf))
        cuts: list[set[float]] = [{0.0, 1.0} for _ in segments]
        ends = list(nodes.values())
        for i, (a, b, _) in enumerate(segments):
            for j in range(i + 1, len(segments)):
                c, d, _ = segments[j]
                meet = crossing(a, b, c, d)
                if meet is not None:
                    cuts[i].add(meet[0])
                    cuts[j].add(meet[1])
            for p in ends:  # a chain that stops on this one (or runs along it) joins it
                q, t = project(p, a, b)
                if 0.0 < t < 1.0 and dist(p, q) <= EPS:
                    cuts[i].add(t)
        for (a, b, sf), ts in zip(segments, cuts):
            pts = [(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])) for t in sorted(ts)]
            vs = [self._vertex_at(floor.id, p) for p in pts]
            for u, v in zip(vs, vs[1:]):
                if u != v:
                    self._pieces[floor.id].append((u, v, sf))
        self.walkway_floors.add(floor.id)

    def _attach(self, place: Place, spur_step_free: bool) -> bool:
        """Join a place's vertex to its floor's network; False when nothing is in sight."""
        pv = self.vertex_of[place.ref]
        floor = self.floors[place.floor]
        node = getattr(place.item, "node", None)
        if place.floor in self.walkway_floors:
            v = self.node_vertex.get((place.floor, node)) if node is not None else None
            if v is not None:
                self._spurs.append((pv, v, spur_step_free))
                return True
            # no node named (or an unknown one, which validation reports): the nearest
            return self._attach_to_walkways(place, pv, floor, spur_step_free)
        # An open floor: see everything in a straight line. (Whether anything
        # saw this place is judged once the floor is complete: see build.)
        for v in self._free.setdefault(place.floor, []):
            if segment_inside(place.position, self.xy[v], floor.outline):
                self._spurs.append((pv, v, spur_step_free and self._free_ok.get(v, True)))
        self._free[place.floor].append(pv)
        self._free_ok[pv] = spur_step_free
        return True

    def _attach_to_walkways(self, place: Place, pv: int, floor: Floor, sf: bool) -> bool:
        p = place.position
        pieces = self._pieces[place.floor]
        candidates: list[tuple[float, Point, int | None, float]] = []
        for k, (a, b, step_free) in enumerate(pieces):
            A, B = self.xy[a], self.xy[b]
            if step_free:
                q, t = project(p, A, B)
                candidates.append((dist(p, q), q, k, t))
            else:  # a link with steps is joined at its ends, never half-way up the steps
                candidates += [(dist(p, A), A, k, 0.0), (dist(p, B), B, k, 1.0)]
        candidates.sort(key=lambda c: c[0])
        for d, q, k, t in candidates:
            if d > EPS and not segment_inside(p, q, floor.outline):
                continue
            a, b, step_free = pieces[k]
            if dist(q, self.xy[a]) <= EPS:
                v = a
            elif dist(q, self.xy[b]) <= EPS:
                v = b
            else:  # join half-way: split the link so neighbours on it reach each other
                v = self._vertex(place.floor, q)
                pieces[k] = (a, v, step_free)
                pieces.append((v, b, step_free))
            self._spurs.append((pv, v, sf))
            return True
        return False

    def _add_place(self, place: Place) -> None:
        self.places[place.ref] = place
        self.vertex_of[place.ref] = self._vertex(place.floor, place.position)
        point = place.item if isinstance(place.item, PointOfInterest) else None
        # For stairs and lifts step_free is about riding them; for any other
        # point, about its last metres (a counter up two steps).
        spur_sf = True if point is None or point.kind in FLOOR_LINK_KINDS else step_free_of(point)
        if not self._attach(place, spur_sf):
            self.unattached.append(place)

    def _add_floor_links(self, config: HallConfig) -> None:
        copies: dict[str, list[Place]] = {}
        for place in self.places.values():
            item = place.item
            if isinstance(item, PointOfInterest) and item.kind in FLOOR_LINK_KINDS:
                copies.setdefault(item.id, []).append(place)
        for pid, group in copies.items():
            group = sorted(group, key=lambda pl: self.rank[pl.floor])
            if len({pl.floor for pl in group}) < 2:
                continue  # a ramp inside one floor is only a point
            cabs = []
            for pl in group:
                item = pl.item
                assert isinstance(item, PointOfInterest)
                pv = self.vertex_of[pl.ref]
                cv = self._vertex(pl.floor, pl.position, cab=True)
                sf = step_free_of(item)
                wait = item.wait_seconds if item.wait_seconds is not None else DEFAULT_WAIT.get(item.kind, 0.0)
                self._vertical.append((pv, Edge(cv, 0.0, wait, sf, "board", pid)))
                self._vertical.append((cv, Edge(pv, 0.0, 0.0, sf, "alight", pid)))
                cabs.append((cv, pl, item))
            for (c1, p1, i1), (c2, p2, i2) in zip(cabs, cabs[1:]):
                if p1.floor == p2.floor:
                    continue
                per = max(_per_floor(i1), _per_floor(i2))
                secs = per * abs(self.rank[p2.floor] - self.rank[p1.floor])
                sf = step_free_of(i1) and step_free_of(i2)
                # An escalator written "up" (on either floor) runs up only.
                way = (i1.direction or i2.direction) if "escalator" in (i1.kind, i2.kind) else None
                if way != "down":
                    self._vertical.append((c1, Edge(c2, 0.0, secs, sf, "ride", pid)))
                if way != "up":
                    self._vertical.append((c2, Edge(c1, 0.0, secs, sf, "ride", pid)))

    def _link(self) -> None:
        """(Re)build the adjacency lists from the pieces, spurs and floor links."""
        adj: list[list[Edge]] = [[] for _ in self.xy]
        for pieces in self._pieces.values():
            for a, b, sf in pieces:
                m = dist(self.xy[a], self.xy[b])
                adj[a].append(Edge(b, m, 0.0, sf, "walk"))
                adj[b].append(Edge(a, m, 0.0, sf, "walk"))
        for pv, v, sf in self._spurs:
            m = dist(self.xy[pv], self.xy[v])
            adj[pv].append(Edge(v, m, 0.0, sf, "walk"))
            adj[v].append(Edge(pv, m, 0.0, sf, "walk"))
        for u, e in self._vertical:
            adj[u].append(e)
        self.adj = adj

    def with_place(self, place: Place) -> "Network":
        """A copy of this network with one more place joined (a tapped spot on a map)."""
        other = Network()
        other.__dict__.update({k: (v.copy() if isinstance(v, (list, dict, set)) else v) for k, v in self.__dict__.items()})
        other._pieces = {f: list(p) for f, p in self._pieces.items()}
        other._free = {f: list(v) for f, v in self._free.items()}
        other._add_place(place)
        other._mark_lonely([place])
        other._link()
        return other

    def _mark_lonely(self, places: Iterable[Place]) -> None:
        # On an open floor a place nothing sees is as lost as one far from any walkway.
        linked = {v for a, b, _ in self._spurs for v in (a, b)}
        for place in places:
            if place.floor in self._free and len(self._free[place.floor]) > 1 \
                    and self.vertex_of.get(place.ref) not in linked and place not in self.unattached:
                self.unattached.append(place)

    # --- searching --------------------------------------------------------------

    def search(self, sources: Iterable[int], targets: Iterable[int], step_free: bool) -> Search | None:
        """The quickest path from any source to any target (Dijkstra on seconds:
        metres at the walking speed plus waiting and riding). ``step_free`` walks
        slower and leaves out stairs, escalators and links with steps."""
        speed = STEP_FREE_SPEED if step_free else WALK_SPEED
        goal = set(targets)
        best: dict[int, float] = {}
        back: dict[int, tuple[int, Edge] | None] = {}
        heap: list[tuple[float, int]] = []
        for s in sources:
            best[s] = 0.0
            back[s] = None
            heap.append((0.0, s))
        heapq.heapify(heap)
        done: set[int] = set()
        while heap:
            cost, u = heapq.heappop(heap)
            if u in done:
                continue
            done.add(u)
            if u in goal:
                return self._path(u, back, cost)
            for e in self.adj[u]:
                if step_free and not e.step_free:
                    continue
                c = cost + e.metres / speed + e.seconds
                if c < best.get(e.to, math.inf) - 1e-9:
                    best[e.to] = c
                    back[e.to] = (u, e)
                    heapq.heappush(heap, (c, e.to))
        return None

    @staticmethod
    def _path(end: int, back: dict[int, tuple[int, Edge] | None], cost: float) -> Search:
        vertices, edges = [end], []
        step = back[end]
        while step is not None:
            u, e = step
            vertices.append(u)
            edges.append(e)
            step = back[u]
        return Search(tuple(reversed(vertices)), tuple(reversed(edges)), cost)

    def reach(self, sources: Iterable[int], step_free: bool) -> set[int]:
        """Every vertex some source can walk to."""
        seen = set(sources)
        todo = list(seen)
        while todo:
            u = todo.pop()
            for e in self.adj[u]:
                if e.to not in seen and (e.step_free or not step_free):
                    seen.add(e.to)
                    todo.append(e.to)
        return seen


def _per_floor(point: PointOfInterest) -> float:
    if point.seconds_per_floor is not None:
        return point.seconds_per_floor
    return DEFAULT_SECONDS_PER_FLOOR.get(point.kind, 20.0)


READER_M = 1.5  # a screen's reader stands this far in front of it


def reader_spot(screen: Screen, floor: Floor | None) -> Point:
    """Where someone reading a screen stands: 1.5 m in front of it (along
    ``facing``), or at the screen when that spot is off the floor or its facing
    is not written. (A screen without a position has no place at all.)"""
    assert screen.position is not None
    x, y = _xy(screen.position)
    if screen.facing is None:
        return (x, y)
    a = math.radians(screen.facing)
    spot = (x + READER_M * math.sin(a), y + READER_M * math.cos(a))
    if floor is not None and finite(spot) and inside(spot, floor.outline, EPS):
        return spot
    return (x, y)


def places_of(config: HallConfig) -> list[Place]:
    """Every window, point and screen of the hall as a :class:`Place`, in file
    order. A screen's place is its reader's spot (:func:`reader_spot`), facing it."""
    out: list[Place] = []
    for w in config.windows:
        out.append(Place(f"window:{w.number}", "window", w.floor, _xy(w.position), w.number, None, w))
    for f in config.floors:
        for p in f.points:
            out.append(Place(f"point:{f.id}/{p.id}", "point", f.id, _xy(p.position), p.id, None, p))
    floors = {f.id: f for f in config.floors}
    for s in config.screens:
        if s.position is None:
            continue  # not on the plan: no routes, no arrows
        spot = reader_spot(s, floors.get(s.floor))
        heading = None if s.facing is None else (s.facing + 180.0) % 360.0
        out.append(Place(f"screen:{s.id}", "screen", s.floor, spot, s.id, heading, s))
    return out


def anchor(place: Place) -> Point:
    """Where a place is on the plan: a screen's own position, else the place's."""
    if isinstance(place.item, Screen) and place.item.position is not None:
        return _xy(place.item.position)
    return place.position


def _xy(p: Sequence[float]) -> Point:
    return (float(p[0]), float(p[1]))


def build(config: HallConfig) -> Network:
    """The hall's network. Never raises for a hall that loaded (even a partial one)."""
    net = Network()
    floors = [f for f in (config.floors or []) if _usable(f)]
    seen: set[str] = set()
    for f in floors:
        if f.id in seen:
            continue  # a floor id written twice: validation says so; the first wins
        seen.add(f.id)
        net.floors[f.id] = f
        net.level[f.id] = f.level
    net.rank = {fid: i for i, fid in enumerate(sorted(net.floors, key=lambda fid: net.level[fid]))}
    for f in net.floors.values():
        if f.walkways is not None and (f.walkways.links or f.walkways.steps):
            net._add_walkways(f)
        else:
            for corner in reflex_corners(f.outline):
                v = net._vertex(f.id, corner)
                for u in net._free.setdefault(f.id, []):
                    if segment_inside(corner, net.xy[u], f.outline):
                        net._spurs.append((v, u, True))
                net._free[f.id].append(v)
    for place in places_of(config):
        if place.floor in net.floors and finite(place.position) and place.ref not in net.places \
                and inside(place.position, net.floors[place.floor].outline, EPS):
            net._add_place(place)
    net._mark_lonely(list(net.places.values()))
    net._add_floor_links(config)
    net._link()
    return net
