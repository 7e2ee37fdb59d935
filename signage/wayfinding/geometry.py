"""Plane geometry for floor plans: metres, x east, y north, bearings clockwise from north.

Pure functions on tuples; nothing here knows about halls. Tolerances are in
metres and chosen for rooms, not for machining: two points closer than
:data:`EPS` are the same place.
"""

from __future__ import annotations

import math
from typing import Sequence

Point = tuple[float, float]
EPS = 0.05  # 5 cm: closer than this is the same spot on a floor plan


def dist(a: Point, b: Point) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])


def bearing(a: Point, b: Point) -> float:
    """Direction from ``a`` to ``b`` in degrees clockwise from north (+y), in [0, 360)."""
    return math.degrees(math.atan2(b[0] - a[0], b[1] - a[1])) % 360.0


def relative(direction: float, heading: float) -> float:
    """``direction`` as seen by someone facing ``heading``: (-180, 180], negative is left."""
    r = (direction - heading) % 360.0
    return r - 360.0 if r > 180.0 else r


def finite(p: Sequence[float]) -> bool:
    return all(math.isfinite(v) for v in p)


def inside(p: Point, polygon: Sequence[Point], eps: float = 1e-6) -> bool:
    """Point in polygon (ray casting); a point on an edge counts as inside."""
    x, y = p
    n = len(polygon)
    hit = False
    for i in range(n):
        (x1, y1), (x2, y2) = polygon[i], polygon[(i + 1) % n]
        if _on_segment(p, (x1, y1), (x2, y2), eps):
            return True
        if (y1 > y) != (y2 > y):
            xc = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < xc:
                hit = not hit
    return hit


def _on_segment(p: Point, a: Point, b: Point, eps: float) -> bool:
    q, _ = project(p, a, b)
    return dist(p, q) <= eps


def project(p: Point, a: Point, b: Point) -> tuple[Point, float]:
    """The point of segment a-b nearest ``p``, and its parameter t in [0, 1]."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if length2 <= 1e-18:
        return a, 0.0
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return (a[0] + t * dx, a[1] + t * dy), t


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def crossing(a: Point, b: Point, c: Point, d: Point) -> tuple[float, float] | None:
    """Parameters (t on a-b, u on c-d) where two segments meet, touching included;
    None when they do not meet or run along each other (parallel)."""
    r = (b[0] - a[0], b[1] - a[1])
    s = (d[0] - c[0], d[1] - c[1])
    den = r[0] * s[1] - r[1] * s[0]
    if abs(den) < 1e-12:
        return None
    qp = (c[0] - a[0], c[1] - a[1])
    t = (qp[0] * s[1] - qp[1] * s[0]) / den
    u = (qp[0] * r[1] - qp[1] * r[0]) / den
    la, lc = max(dist(a, b), 1e-9), max(dist(c, d), 1e-9)
    # tolerate EPS at the ends, so a chain that stops on another one joins it
    if -EPS / la <= t <= 1 + EPS / la and -EPS / lc <= u <= 1 + EPS / lc:
        return min(1.0, max(0.0, t)), min(1.0, max(0.0, u))
    return None


def _proper_cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    # The interiors cross (not merely touching at an end or a corner).
    tol = 1e-9 * max(1.0, dist(a, b) * dist(c, d))
    d1, d2 = _cross(a, b, c), _cross(a, b, d)
    d3, d4 = _cross(c, d, a), _cross(c, d, b)
    return ((d1 > tol and d2 < -tol) or (d1 < -tol and d2 > tol)) and \
           ((d3 > tol and d4 < -tol) or (d3 < -tol and d4 > tol))


def segment_inside(a: Point, b: Point, polygon: Sequence[Point]) -> bool:
    """Whether one can walk straight from ``a`` to ``b`` without leaving the polygon
    (its outline is the wall; walking along the wall is fine)."""
    if not (inside(a, polygon, EPS) and inside(b, polygon, EPS)):
        return False
    n = len(polygon)
    for i in range(n):
        if _proper_cross(a, b, polygon[i], polygon[(i + 1) % n]):
            return False
    # a segment may leave through a corner without crossing an edge: sample it
    for k in (0.25, 0.5, 0.75):
        if not inside((a[0] + k * (b[0] - a[0]), a[1] + k * (b[1] - a[1])), polygon, EPS):
            return False
    return True


def reflex_corners(polygon: Sequence[Point], inset: float = 0.5) -> list[Point]:
    """Points just inside the inward-pointing corners of a polygon (an L's inner
    corner): a straight walk across a concave floor bends there."""
    n = len(polygon)
    if n < 4:
        return []
    area2 = sum(polygon[i][0] * polygon[(i + 1) % n][1] - polygon[(i + 1) % n][0] * polygon[i][1] for i in range(n))
    ccw = area2 > 0
    out = []
    for i in range(n):
        prev, cur, nxt = polygon[i - 1], polygon[i], polygon[(i + 1) % n]
        turn = _cross(prev, cur, nxt)
        if (turn < 0) if ccw else (turn > 0):  # turns against the polygon's winding: reflex
            u1, u2 = _unit(prev, cur), _unit(nxt, cur)  # from the neighbours toward the corner
            bx, by = u1[0] + u2[0], u1[1] + u2[1]
            norm = math.hypot(bx, by)
            if norm < 1e-9:
                continue
            # The bisector of the two walls points into the room at a reflex corner.
            p = (cur[0] + inset * bx / norm, cur[1] + inset * by / norm)
            if inside(p, polygon):
                out.append(p)
    return out


def _unit(a: Point, b: Point) -> Point:
    d = max(dist(a, b), 1e-12)
    return ((b[0] - a[0]) / d, (b[1] - a[1]) / d)


def length(points: Sequence[Point]) -> float:
    return sum(dist(points[i], points[i + 1]) for i in range(len(points) - 1))


def dedupe(points: Sequence[Point], eps: float = EPS) -> list[Point]:
    """The polyline without repeated points."""
    out: list[Point] = []
    for p in points:
        if not out or dist(out[-1], p) > eps:
            out.append(p)
    return out


def simplify(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker: drop the points that stray less than ``tolerance`` from a straight line."""
    pts = list(points)
    if len(pts) < 3:
        return pts
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        i, j = stack.pop()
        best, at = -1.0, -1
        for k in range(i + 1, j):
            q, _ = project(pts[k], pts[i], pts[j])
            d = dist(pts[k], q)
            if d > best:
                best, at = d, k
        if at >= 0 and best > tolerance:
            keep[at] = True
            stack += [(i, at), (at, j)]
    return [p for p, k in zip(pts, keep) if k]
