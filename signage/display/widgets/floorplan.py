"""The floor plan as the map and the directory draw it, and a route animated on it.

Theory of operation. A plan is drawn in two layers:

* the **floor** (outline, areas and their names, windows, icons of the points,
  the "you are here" dot): drawn once per floor, size, language and theme into
  a surface and kept (:class:`PlanCache`); it never changes while the screen runs;
* the **route** (the newest call's way, or the directory's current item):
  copied onto that floor picture when the call changes, as a thick line in the
  highlight colour with a ring round the target and, where it leaves the floor,
  a callout "乘电梯到 2 楼 / Take the lift to 2F"; "you are here" gets its label
  then, on a side the route does not take. A way over several floors shows each
  floor in turn (:meth:`RouteWidget.shown_floor`).

What moves is one bright dot (and two fading ones behind it) running along the
route from here to the target: each frame restores the few pixels under the old
dot from the widget's picture and draws the new one, so a frame costs a few
small blits whatever the size of the map (:class:`RouteWidget`).

The plan is turned so that what is ahead of a reader of the screen is up
("heads-up", the usual rule of you-are-here maps), in quarter turns so that
text stays upright; a small "N" shows where north is. ``orientation:
north-up`` keeps north up.

Metres have x east and y north; pixels have y down.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Hashable, Iterable, Sequence

import pygame

from ...config.model import Floor, HallConfig, Screen, Window
from ...i18n import pick
from ...i18n import t as tr
from ...wayfinding import Route, render, summary, transfer_words, wayfinder_for
from ...wayfinding.directions import point_name
from ...wayfinding.geometry import finite
from .. import sizing
from .base import Color, Ctx, Widget, mix
from .icons import badge_colour, draw_icon, icon_of

log = logging.getLogger(__name__)

Point = tuple[float, float]

AREA_TINT = {"waiting": 0.16, "counters": 0.26, "self_service": 0.2, "service": 0.22, "office": 0.1, "other": 0.12}
SPECIAL_WINDOWS = ("love", "green", "unresolved")


# --- metres -> pixels ------------------------------------------------------------------------

class Plan:
    """One floor fitted into a box of pixels, turned so that the bearing ``up`` points up.

    ``up`` is rounded to a quarter turn (text stays upright)."""

    def __init__(self, floor: Floor, box: pygame.Rect, up: float = 0.0) -> None:
        self.floor = floor
        self.box = pygame.Rect(box)
        self.up = int(round((up % 360) / 90.0)) % 4 * 90
        a = math.radians(self.up)
        self._c, self._s = round(math.cos(a)), round(math.sin(a))
        uv = [self._uv(p) for p in floor.outline if finite(p)] or [(0.0, 0.0)]
        us, vs = [u for u, _ in uv], [v for _, v in uv]
        self.u0, self.v1 = min(us), max(vs)
        span_u, span_v = max(0.5, max(us) - self.u0), max(0.5, self.v1 - min(vs))  # (a floor of no size: no blow-up)
        self.k = min(self.box.width / span_u, self.box.height / span_v)  # pixels per metre
        self.ox = self.box.x + (self.box.width - span_u * self.k) / 2
        self.oy = self.box.y + (self.box.height - span_v * self.k) / 2

    def _uv(self, p: Sequence[float]) -> Point:
        # u: to the right of someone facing `up`; v: ahead of them
        x, y = float(p[0]), float(p[1])
        return x * self._c - y * self._s, x * self._s + y * self._c

    def at(self, p: Sequence[float]) -> tuple[int, int]:
        u, v = self._uv(p)
        return round(self.ox + (u - self.u0) * self.k), round(self.oy + (self.v1 - v) * self.k)

    def angle(self, bearing: float) -> float:
        """A bearing (clockwise from north) as drawn: clockwise from straight up."""
        return (bearing - self.up) % 360.0


def floor_of(config: HallConfig, floor_id: str | None) -> Floor | None:
    return (config.floor(floor_id) if floor_id else None) or (config.floors[0] if config.floors else None)


def screen_spot(screen: Screen) -> tuple[Point, float | None] | None:
    """Where "you are here" is drawn (the screen's position) and which way its reader
    looks (None when the file does not say which way the screen faces)."""
    pos = getattr(screen, "position", None)
    if pos is None or not finite(pos):
        return None
    facing = getattr(screen, "facing", None)
    heading = None if facing is None else (float(facing) + 180.0) % 360.0
    return (float(pos[0]), float(pos[1])), heading


def point_label(point: Any, lang: str) -> str:
    """A point's words on the plan: its name, else what it is (``kind: other``: its label)."""
    return point_name(point, lang)


def window_label(window: Window, lang: str) -> str:
    return pick(window.label, lang) if window.label else tr("window_n", lang, window=window.number)


# --- the floor layer ----------------------------------------------------------------------------

def text_px(box: pygame.Rect, scale: float = 1.0) -> int:
    """The size of the plan's labels: readable, and in proportion to the plan
    (:func:`sizing.plan_label_px`, which validation uses too)."""
    return sizing.plan_label_px(box.width, box.height, scale)


LEADER_STEPS = (1.6, 3.2, 4.8)  # how far (in label sizes) a name may go from its icon, on a leader line
LEGEND_SHARE = 0.4  # at most this much of the box's height for the legend


@dataclass
class Label:
    """Where the name of one point goes: ``beside`` its icon, at the end of a ``leader``
    line from it, or in the ``legend`` (a number by the icon, the number and the name
    in the legend under the plan). Rects are in the floor layer's pixels."""

    ref: str                 # "1F/toilets"
    text: str
    icon: pygame.Rect
    how: str = "legend"
    rect: pygame.Rect | None = None  # the name: on the plan (beside, leader) or its line in the legend
    line: tuple[tuple[int, int], tuple[int, int]] | None = None  # the leader, icon to name
    number: int = 0                  # legend: the number by the icon and in the legend
    tag: pygame.Rect | None = None   # legend: the number by the icon
    key: pygame.Rect | None = None   # legend: the number in the legend


@dataclass
class FloorLayout:
    """Where everything of a floor layer goes, worked out before anything is drawn."""

    plan: Plan
    px: int
    tiles: list[tuple[pygame.Rect, Window]]
    icons: list[tuple[pygame.Rect, Any]]
    marker: pygame.Rect | None
    areas: list[tuple[pygame.Rect, str, int]]  # (line, name, size)
    labels: list[Label]
    legend: pygame.Rect | None
    legend_px: int
    taken: list[pygame.Rect]  # tiles, icons, the north sign, labels (not the legend)
    # the spot kept for "you are here" (free of every other text), and its leader when it is off the dot
    here_label: tuple[pygame.Rect, tuple[tuple[int, int], tuple[int, int]] | None] | None = None
    numbers: dict[int, tuple[pygame.Rect, int]] | None = None  # window -> (box, size) of the number on its tile

    @property
    def texts(self) -> list[pygame.Rect]:
        """Every box with words on the plan: area names, points' names, legend numbers."""
        out = [line for line, _, _ in self.areas]
        for lab in self.labels:
            out.extend(r for r in (lab.rect, lab.tag, lab.key) if r is not None)
        return out


def layout_floor(ctx: Ctx, plan: Plan, here: tuple[Point, float | None] | None, bounds: pygame.Rect,
                 legend: pygame.Rect | None = None, legend_px: int = 0) -> FloorLayout:
    """Tiles, icons, area names and points' names of a floor, none on another: each name
    beside its icon if there is room (right, left, below, above, the corners), else
    further off on a leader line, else numbered in the legend (``legend``: its box, or
    None to find out whether one is needed: then names that need it get no box)."""
    p = ctx.palette
    floor = plan.floor
    px = text_px(plan.box, p.scale)
    free = pygame.Rect(bounds)
    if legend is not None:
        free.height = max(0, legend.top - free.top)
    taken: list[pygame.Rect] = []
    if plan.up:
        taken.append(north_box(plan))
    windows = [w for w in ctx.config.windows if w.floor == floor.id and finite(w.position)]
    gap = min((math.dist(a.position, b.position) for i, a in enumerate(windows) for b in windows[i + 1:]),
              default=3.0)  # tiles of counters side by side must not overlap
    spacing = int(plan.k * max(gap, 0.5) * 0.92)
    side = max(12, min(int(plan.k * 2.2), int(px * 2.0), spacing))
    side = min(side, max(4, spacing))  # counters closer than a 12 px tile: smaller tiles, none on another
    tiles = []
    for w in windows:
        tile = pygame.Rect(0, 0, side, side)
        tile.center = plan.at(w.position)
        tiles.append((tile, w))
        taken.append(tile)
    # each tile's number, unless it would cover another's (counters a step apart on a small plan:
    # every other one or so is numbered, the rest stay tiles)
    numbers: dict[int, tuple[pygame.Rect, int]] = {}
    for tile, w in sorted(tiles, key=lambda tw: tw[1].number):
        box, size = tile_number_box(ctx, tile, w.number)
        if box.inflate(2, 2).collidelist([b for b, _ in numbers.values()]) >= 0:
            continue
        numbers[w.number] = (box, size)
        if not tile.contains(box):
            taken.append(box)
    points = [q for q in floor.points if finite(q.position)]
    # icons of points side by side should not cover each other: sized by how close most points
    # are to their nearest neighbour (one pair a step apart does not shrink them all)
    nearest = sorted(min((math.dist(a.position, b.position) for b in points if b is not a), default=3.0)
                     for a in points)
    near = nearest[len(nearest) // 4] if nearest else 3.0
    r = max(6, min(int(plan.k * 0.9), int(px * 0.8), int(plan.k * max(near, 0.3) * 0.48)))
    icons = []
    for q in points:
        cx, cy = plan.at(q.position)
        rect = pygame.Rect(cx - r, cy - r, 2 * r + 1, 2 * r + 1)
        icons.append((rect, q))
        taken.append(rect)
    marker = None
    if here is not None:
        marker = here_cover(plan, here[0], here[1], px)
        taken.append(marker)
    # keep a spot for its label before the other names (placed with the route, off it if it can):
    # beside the dot, else further off on a leader line
    here_label = here_spot(ctx, tr("you_are_here", ctx.lang), marker, px, taken, free) \
        if marker is not None else None
    if here_label is not None:
        taken.append(here_label[0])
    areas = []
    for area in floor.areas:
        pts = [plan.at(q) for q in area.polygon]
        xs, ys = [q[0] for q in pts], [q[1] for q in pts]
        box = pygame.Rect(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)).inflate(-px // 2, -px // 2)
        if box.width < px * 2 or box.height < px:
            continue
        name = pick(area.name, ctx.lang)
        size = ctx.text.fit(name, ctx.lang, box.width, box.height, int(px * 1.15), min_px=max(8, px * 2 // 3))
        ink = ctx.text.measure(name, ctx.lang, size)
        line = pygame.Rect(0, 0, ink.width + 2, int(size * 1.25))
        for y in (box.centery, box.top + line.height // 2, box.bottom - line.height // 2):
            line.center = (box.centerx, y)
            if line.collidelist(taken) < 0 and box.contains(line) and free.contains(line):
                areas.append((line.copy(), name, size))
                taken.append(line.copy())
                break
    labels = [Label(f"{floor.id}/{q.id}", point_label(q, ctx.lang), rect) for rect, q in icons]
    place_labels(ctx, labels, int(px * 0.85), taken, free)
    if here_label is not None:
        taken.remove(here_label[0])  # not another name's: the label goes there or beside the dot, off the route
    lay = FloorLayout(plan, px, tiles, icons, marker, areas, labels, legend, legend_px, taken, here_label, numbers)
    if legend is not None:
        layout_legend(ctx, lay.labels, legend, legend_px)
    return lay


def tile_number_box(ctx: Ctx, tile: pygame.Rect, number: int) -> tuple[pygame.Rect, int]:
    """(box, size) of a window's number on its tile: fitted inside it, and never below the
    screen's minimum (then the box grows round the tile to hold it)."""
    side = tile.width
    inner = tile.inflate(-side // 5, -side // 5)
    text = str(number)
    size = ctx.text.fit(text, "en", inner.width, inner.height, side, min_px=6)
    size = least_px(ctx, text, size, True, lang="en")
    ink = ctx.text.measure(text, "en", size)
    box = pygame.Rect(0, 0, max(inner.width, ink.width + 2), max(inner.height, ink.height + 2))
    box.center = tile.center
    return box, size


def here_spot(ctx: Ctx, label: str, marker: pygame.Rect, px: int, taken: list[pygame.Rect],
              bounds: pygame.Rect) -> tuple[pygame.Rect, tuple[tuple[int, int], tuple[int, int]] | None] | None:
    """Where "you are here" goes, clear of ``taken`` and inside ``bounds``: beside the dot,
    else further off on a leader line that crosses nothing (as the points' names), else the
    free spot nearest the dot, its line crossing what it must; None only when the plan has
    no free spot of its size at all (then no label: better than one over another text)."""
    if not label.strip():
        return None
    size = least_px(ctx, label, px, True)
    ink = ctx.text.measure(label, ctx.lang, size, True)
    w, h = ink.width + 4, int(size * 1.3)

    def ok(rect: pygame.Rect) -> bool:
        return bounds.contains(rect) and rect.collidelist(taken) < 0

    spot = next((r for r in _spots(ctx, label, marker, px, True) + _around(marker, w, h, max(2, size // 5))
                 if ok(r)), None)
    if spot is not None:
        return spot, None
    others = [t for t in taken if t != marker]
    steps = [int(size * k) for k in LEADER_STEPS] + list(range(int(size * 5), int(size * 16), max(2, size // 2)))
    for d in steps:
        for c in _around(marker, w, h, d):
            line = _leader(marker, c)
            if ok(c) and not any(t.clipline(*line) for t in others):
                return c, line
    step = max(2, h // 2)
    free = [pygame.Rect(x, y, w, h) for y in range(bounds.top, bounds.bottom - h + 1, step)
            for x in range(bounds.left, bounds.right - w + 1, step)]
    free = [r for r in free if r.collidelist(taken) < 0]
    if not free:
        log.warning("no room on the plan for %r", label)
        return None
    c = min(free, key=lambda r: math.dist(r.center, marker.center))
    return c, _leader(marker, c)


def place_labels(ctx: Ctx, labels: list[Label], px: int, taken: list[pygame.Rect], bounds: pygame.Rect) -> None:
    """Beside its icon for every name that has room there, then on leader lines for the
    rest, then a number by the icon for the legend; ``taken`` gets every box used."""
    if px < 6:
        px = 6
    sizes = {id(lab): _label_size(ctx, lab.text, px) for lab in labels}
    leaders: list[tuple[tuple[int, int], tuple[int, int]]] = []

    def ok(rect: pygame.Rect) -> bool:
        return bounds.contains(rect) and rect.collidelist(taken) < 0 and not any(rect.clipline(*ln) for ln in leaders)

    for lab in labels:  # 1. beside the icon
        w, h = sizes[id(lab)]
        lab.rect = next((c for c in _around(lab.icon, w, h, max(2, px // 5)) if ok(c)), None)
        if lab.rect is not None:
            lab.how = "beside"
            taken.append(lab.rect)
    for lab in labels:  # 2. further off, with a line to it
        if lab.rect is not None:
            continue
        w, h = sizes[id(lab)]
        for step in LEADER_STEPS:
            for c in _around(lab.icon, w, h, int(px * step)):
                if not ok(c):
                    continue
                line = _leader(lab.icon, c)
                others = [t for t in taken if t != lab.icon]
                if any(t.clipline(*line) for t in others):
                    continue
                lab.rect, lab.line, lab.how = c, line, "leader"
                taken.append(c)
                leaders.append(line)
                break
            if lab.rect is not None:
                break
    number = 0
    for lab in labels:  # 3. a number by the icon, the name in the legend
        if lab.rect is not None:
            continue
        number += 1
        lab.how, lab.number = "legend", number
        tw, th = tag_size(ctx, number, px)
        for d in (1, px // 2, px, 2 * px, 3 * px):  # next to the icon, else a little off on a line
            for c in _around(lab.icon, tw, th, d):
                line = _leader(lab.icon, c) if d >= px else None
                if ok(c) and (line is None or not any(t.clipline(*line) for t in taken if t != lab.icon)):
                    lab.tag, lab.line = c, line
                    break
            if lab.tag is not None:
                break
        if lab.tag is None:  # further, its line crossing what it must
            lab.tag = next((c for d in range(4 * px, 16 * px, max(2, px // 2)) for c in _around(lab.icon, tw, th, d)
                            if ok(c)), None)
            lab.line = _leader(lab.icon, lab.tag) if lab.tag is not None else None
        if lab.tag is None:  # no room anywhere near: on the icon's own corner if that covers nothing, and said
            corner = pygame.Rect(lab.icon.right - tw, lab.icon.bottom - th, tw, th).clamp(bounds)
            if corner.collidelist([t for t in taken if t != lab.icon]) < 0:
                lab.tag = corner
            log.warning("no room for the number of %s by its icon%s", lab.ref,
                        "" if lab.tag is not None else " (none drawn: it would cover another text)")
        if lab.line is not None:
            leaders.append(lab.line)
        if lab.tag is not None:
            taken.append(lab.tag)


def tag_size(ctx: Ctx, number: int, px: int) -> tuple[int, int]:
    """The box of a legend number drawn for names of size ``px`` (:func:`number_tag`)."""
    dpx = least_px(ctx, str(number), int(px * 0.8), lang="en")
    ink = ctx.text.measure(str(number), "en", dpx)
    h = max(8, int(dpx * 1.3))
    return max(h, ink.width + dpx // 2), h


def legend_size(ctx: Ctx, labels: Sequence[Label], width: int, px: int) -> tuple[int, int]:
    """(height, columns) of a legend of these names in a box ``width`` wide at ``px``."""
    entries = [lab for lab in labels if lab.how == "legend"]
    if not entries:
        return 0, 0
    line_h = _legend_line(ctx, entries, px)
    col_w = max(_entry_width(ctx, lab, px) for lab in entries) + px
    cols = max(1, min(len(entries), width // max(1, col_w)))
    rows = -(-len(entries) // cols)
    return rows * line_h, cols


def _legend_line(ctx: Ctx, entries: Sequence[Label], px: int) -> int:
    return int(max([least_px(ctx, lab.text, px) for lab in entries] + [tag_size(ctx, 0, px)[1] / 1.3]) * 1.5)


def _entry_width(ctx: Ctx, lab: Label, px: int) -> int:
    return tag_size(ctx, lab.number, px)[0] + px // 3 + _label_size(ctx, lab.text, px)[0]


def layout_legend(ctx: Ctx, labels: Sequence[Label], box: pygame.Rect, px: int) -> None:
    """The legend's lines in ``box``, column by column: the number, then the name."""
    entries = [lab for lab in labels if lab.how == "legend"]
    if not entries:
        return
    line_h = _legend_line(ctx, entries, px)
    _, cols = legend_size(ctx, entries, box.width, px)
    rows = -(-len(entries) // cols)
    col_w = box.width // cols
    for k, lab in enumerate(entries):
        col, row = divmod(k, rows)
        x, y = box.x + col * col_w, box.y + row * line_h
        tw, th = tag_size(ctx, lab.number, px)
        lab.key = pygame.Rect(x, y + (line_h - th) // 2, tw, th)
        w, h = _label_size(ctx, lab.text, px)
        lab.rect = pygame.Rect(lab.key.right + px // 3, y + (line_h - h) // 2, max(1, min(w, col_w - tw - px // 3)), h)
        if not (box.contains(lab.rect) and box.contains(lab.key)):  # a box too small for a legend
            log.warning("no room in the legend for %s (%s)", lab.ref, lab.text)
            lab.rect = lab.key = None


def _label_size(ctx: Ctx, label: str, px: int, bold: bool = False) -> tuple[int, int]:
    px = least_px(ctx, label, px, bold)
    ink = ctx.text.measure(label, ctx.lang, px, bold)
    return ink.width + 4, int(px * 1.3)


def least_px(ctx: Ctx, text: str, px: int, bold: bool = False, lang: str | None = None) -> int:
    """``px``, or the screen's smallest legible size if that is larger (the text renderer
    draws no smaller, so a box is measured at what will be drawn)."""
    floor = getattr(ctx.text, "floor_px", None)
    return max(int(px), floor(text, lang or ctx.lang, bold)) if floor is not None else int(px)


def _around(near: pygame.Rect, w: int, h: int, d: int) -> list[pygame.Rect]:
    """Boxes of w x h at ``d`` from ``near``: right, left, below, above, then the four corners."""
    cx, cy = near.center
    return [pygame.Rect(near.right + d, cy - h // 2, w, h), pygame.Rect(near.left - d - w, cy - h // 2, w, h),
            pygame.Rect(cx - w // 2, near.bottom + d, w, h), pygame.Rect(cx - w // 2, near.top - d - h, w, h),
            pygame.Rect(near.right + d, near.top - h - d // 2, w, h),
            pygame.Rect(near.right + d, near.bottom + d // 2, w, h),
            pygame.Rect(near.left - d - w, near.top - h - d // 2, w, h),
            pygame.Rect(near.left - d - w, near.bottom + d // 2, w, h)]


def _leader(icon: pygame.Rect, box: pygame.Rect) -> tuple[tuple[int, int], tuple[int, int]]:
    """A line from the icon's edge to the nearest point of the name's box."""
    cx, cy = icon.center
    ex = min(max(cx, box.left), box.right - 1)
    ey = min(max(cy, box.top), box.bottom - 1)
    d = math.hypot(ex - cx, ey - cy) or 1.0
    r = icon.width / 2 + 1
    return (round(cx + (ex - cx) / d * r), round(cy + (ey - cy) / d * r)), (ex, ey)


def lay_out(ctx: Ctx, floor: Floor, up: float, bounds: pygame.Rect, inner: pygame.Rect,
            here: tuple[Point, float | None] | None) -> FloorLayout:
    """:func:`layout_floor` with room for a legend when some names fit nowhere on the plan:
    a strip at the bottom of ``bounds`` (at most ``LEGEND_SHARE`` of it, its size
    shrinking to fit), the plan above it."""
    lay = layout_floor(ctx, Plan(floor, inner, up), here, bounds)
    if not any(lab.how == "legend" for lab in lay.labels):
        return lay
    margin = max(0, bounds.bottom - inner.bottom)
    for _ in range(3):
        px = int(lay.px * 0.85)
        pad = max(2, px // 3)
        width = bounds.width - 2 * pad
        h, _ = legend_size(ctx, lay.labels, width, px)
        while h > bounds.height * LEGEND_SHARE and px > 8:
            px -= 1
            h, _ = legend_size(ctx, lay.labels, width, px)
        h = min(h, int(bounds.height * LEGEND_SHARE))
        legend = pygame.Rect(bounds.x + pad, bounds.bottom - pad - h, width, h)
        box = pygame.Rect(inner.x, inner.y, inner.width, max(8, legend.top - pad - margin - inner.y))
        fitted = layout_floor(ctx, Plan(floor, box, up), here, bounds, legend, px)
        if legend_size(ctx, fitted.labels, width, px)[0] <= h:
            return fitted
        lay = fitted  # more names for the legend on the smaller plan: size it for them
    size = px  # still too many: the legend's size goes down until they all fit
    while legend_size(ctx, fitted.labels, width, size)[0] > legend.height and size > 6:
        size -= 1
    log.warning("floor %s: the legend of %d names is set at %d px", floor.id,
                sum(lab.how == "legend" for lab in fitted.labels), size)
    fitted.legend_px = size
    layout_legend(ctx, fitted.labels, legend, size)
    return fitted


def draw_floor(ctx: Ctx, surface: pygame.Surface, lay: FloorLayout,
               here: tuple[Point, float | None] | None) -> None:
    """Outline, areas, windows, points with icons and names (or numbers and the legend),
    and the "you are here" dot (its label is placed with the route, off it:
    :meth:`PlanCache.label_here`), as :func:`layout_floor` placed them."""
    p = ctx.palette
    plan = lay.plan
    floor = plan.floor
    px = lay.px
    outline = [plan.at(q) for q in floor.outline]
    pygame.draw.polygon(surface, mix(p.panel, p.background, 0.55), outline)
    for area in floor.areas:
        pts = [plan.at(q) for q in area.polygon]
        pygame.draw.polygon(surface, mix(p.panel, p.accent, AREA_TINT.get(area.kind, 0.12)), pts)
        pygame.draw.polygon(surface, mix(p.panel, p.accent, 0.35), pts, max(1, px // 12))
    pygame.draw.polygon(surface, p.muted, outline, max(2, px // 6))
    # windows: numbered tiles, the love window and the other special ones edged in the highlight colour
    for tile, w in lay.tiles:
        side = tile.width
        pygame.draw.rect(surface, mix(p.panel, p.text, 0.18), tile, border_radius=max(2, side // 6))
        if w.kind in SPECIAL_WINDOWS:
            pygame.draw.rect(surface, p.highlight if w.kind == "love" else p.accent, tile, max(2, side // 10),
                             border_radius=max(2, side // 6))
        number = (lay.numbers or {}).get(w.number)
        if number is not None:
            ctx.text.draw(surface, str(w.number), "en", number[0], p.text, number[1], px=number[1])
    for lab in lay.labels:  # leaders under the icons
        if lab.line is not None:
            pygame.draw.line(surface, p.muted, lab.line[0], lab.line[1], max(1, px // 10))
    for rect, point in lay.icons:
        icon = icon_of(point)
        draw_icon(surface, icon, rect.center, rect.width // 2, badge_colour(icon, p.accent, p.warning, p.text), p.panel)
    if here is not None:
        draw_here(surface, plan, here[0], here[1], px, p.highlight, p.background)
    for line, name, size in lay.areas:
        ctx.text.draw(surface, name, ctx.lang, line, mix(p.muted, p.panel, 0.15), size, px=size)
    lpx = int(px * 0.85)
    for lab in lay.labels:
        if lab.how in ("beside", "leader") and lab.rect is not None:
            size = least_px(ctx, lab.text, lpx)
            ctx.text.draw(surface, lab.text, ctx.lang, lab.rect, p.text, size, px=size, bold=False, align="left")
        elif lab.tag is not None:
            number_tag(ctx, surface, lab.number, lab.tag)
    if lay.legend is not None and any(lab.key is not None for lab in lay.labels):
        pygame.draw.rect(surface, mix(p.panel, p.background, 0.5), lay.legend, border_radius=max(2, lay.legend_px // 3))
        for lab in lay.labels:
            if lab.key is not None and lab.rect is not None:
                number_tag(ctx, surface, lab.number, lab.key)
                size = least_px(ctx, lab.text, lay.legend_px)
                ctx.text.draw(surface, lab.text, ctx.lang, lab.rect, p.text, size, px=size, bold=False,
                              align="left")


def number_tag(ctx: Ctx, surface: pygame.Surface, number: int, box: pygame.Rect) -> None:
    """A point's number (by its icon and in the legend): panel colour on the text colour."""
    p = ctx.palette
    pygame.draw.rect(surface, p.text, box, border_radius=max(2, box.height // 2))
    dpx = max(5, int(box.height / 1.3))
    ctx.text.draw(surface, str(number), "en", box, p.panel, dpx, px=dpx)


def here_cover(plan: Plan, pos: Point, heading: float | None, px: int) -> pygame.Rect:
    """The rect "you are here" covers (:func:`draw_here`)."""
    return _here_shape(plan, pos, heading, px)[3]


def _here_shape(plan: Plan, pos: Point, heading: float | None, px: int):
    cx, cy = plan.at(pos)
    r = max(5, int(px * 0.55))
    cover = pygame.Rect(cx - r, cy - r, 2 * r + 1, 2 * r + 1)
    cone = None
    if heading is not None:
        a = math.radians(plan.angle(heading))
        tip = (cx + math.sin(a) * r * 2.6, cy - math.cos(a) * r * 2.6)
        left = (cx + math.sin(a - 0.62) * r * 1.2, cy - math.cos(a - 0.62) * r * 1.2)
        right = (cx + math.sin(a + 0.62) * r * 1.2, cy - math.cos(a + 0.62) * r * 1.2)
        cone = [(round(x), round(y)) for x, y in (tip, left, right)]
        xs, ys = [q[0] for q in cone], [q[1] for q in cone]
        cover.union_ip(pygame.Rect(min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1))
    return (cx, cy), r, cone, cover


def draw_here(surface: pygame.Surface, plan: Plan, pos: Point, heading: float | None, px: int,
              colour: Color, ring: Color) -> pygame.Rect:
    """"You are here": a dot with a cone towards where the reader looks; its rect."""
    (cx, cy), r, cone, cover = _here_shape(plan, pos, heading, px)
    if cone is not None:
        pygame.draw.polygon(surface, colour, cone)
    pygame.draw.circle(surface, ring, (cx, cy), r + max(2, r // 3))
    pygame.draw.circle(surface, colour, (cx, cy), r)
    return cover


def place_label(ctx: Ctx, surface: pygame.Surface, label: str, near: pygame.Rect, px: int, colour: Color,
                taken: list[pygame.Rect], bounds: pygame.Rect, bold: bool = False) -> pygame.Rect | None:
    """A label beside ``near`` (right, left, below, above: the first spot that is free
    and inside ``bounds``); None when there is no room."""
    if not label.strip() or px < 6:
        return None
    for spot in _spots(ctx, label, near, px, bold):
        if bounds.contains(spot) and spot.collidelist(taken) < 0:
            ctx.text.draw(surface, label, ctx.lang, spot, colour, px, px=px, bold=bold, align="left")
            taken.append(spot)
            return spot
    return None


def north_box(plan: Plan) -> pygame.Rect:
    """What the north sign covers (:func:`north_sign`)."""
    r = max(8, int(min(plan.box.width, plan.box.height) * 0.035))
    c = (plan.box.right - 2 * r, plan.box.top + 2 * r)
    return pygame.Rect(c[0] - 2 * r, c[1] - 2 * r, 4 * r + 1, 4 * r + 1).clip(plan.box)


def north_sign(ctx: Ctx, surface: pygame.Surface, plan: Plan) -> None:
    """A small "N" with an arrow in the plan's corner, when north is not up."""
    p = ctx.palette
    r = max(8, int(min(plan.box.width, plan.box.height) * 0.035))
    c = (plan.box.right - 2 * r, plan.box.top + 2 * r)
    a = math.radians(plan.angle(0.0))
    tip = (c[0] + math.sin(a) * r * 1.8, c[1] - math.cos(a) * r * 1.8)
    pygame.draw.line(surface, p.muted, c, tip, max(2, r // 4))
    pygame.draw.circle(surface, p.muted, (round(tip[0]), round(tip[1])), max(2, r // 3))
    box = pygame.Rect(0, 0, 2 * r, 2 * r)
    box.center = (round(c[0] - math.sin(a) * r), round(c[1] + math.cos(a) * r))
    box.clamp_ip(plan.box)
    ctx.text.draw(surface, "N", "en", box, p.muted, int(r * 1.5))


def _spots(ctx: Ctx, label: str, near: pygame.Rect, px: int, bold: bool) -> list[pygame.Rect]:
    """Where a label may go beside ``near``: right, left, below, above."""
    px = least_px(ctx, label, px, bold)
    ink = ctx.text.measure(label, ctx.lang, px, bold)
    w, h = ink.width + 4, int(px * 1.3)
    gap = max(2, px // 5)
    return [pygame.Rect(near.right + gap, near.centery - h // 2, w, h),
            pygame.Rect(near.left - gap - w, near.centery - h // 2, w, h),
            pygame.Rect(near.centerx - w // 2, near.bottom + gap, w, h),
            pygame.Rect(near.centerx - w // 2, near.top - gap - h, w, h)]


class PlanCache:
    """The floor layers of one widget, each drawn once per (size, floor, language, theme,
    turn); a few are kept, so a route over two floors shown in turn draws each once."""

    KEEP = 4

    def __init__(self) -> None:
        self._layers: OrderedDict[Hashable, tuple[pygame.Surface, FloorLayout]] = OrderedDict()
        self._surface: pygame.Surface | None = None
        self.layout: FloorLayout | None = None  # the layer shown last, in the outer box's pixels
        self.here: list[pygame.Rect] = []  # the "you are here" dot, in the outer box's pixels
        self.taken: list[pygame.Rect] = []  # tiles, icons, labels, the legend
        self._px = 10

    @property
    def labels(self) -> list[Label]:
        """Where each point's name went on the layer shown last."""
        return self.layout.labels if self.layout is not None else []

    def get(self, ctx: Ctx, floor: Floor, up: float, outer: pygame.Rect, inner: pygame.Rect,
            here: tuple[Point, float | None] | None) -> pygame.Surface:
        """The floor layer of ``floor`` for the box ``outer`` with the plan in ``inner``
        (both in the same pixels; the plan shrinks to make room for a legend)."""
        inner = inner.move(-outer.x, -outer.y)
        key = (outer.size, tuple(inner), floor.id, Plan(floor, inner, up).up, ctx.lang, ctx.palette, here)
        layer = self._layers.get(key)
        if layer is None:
            surface = pygame.Surface(outer.size, pygame.SRCALPHA)
            lay = lay_out(ctx, floor, up, pygame.Rect(0, 0, *outer.size), inner, here)
            # the layer's texts are drawn in its own pixels: recorded where they show (it is blitted at outer)
            origin = getattr(ctx.text, "origin", None)
            if origin is not None:
                ctx.text.origin = (origin[0] + outer.x, origin[1] + outer.y)
            try:
                draw_floor(ctx, surface, lay, here)
            finally:
                if origin is not None:
                    ctx.text.origin = origin
            layer = (surface, lay)
            self._layers[key] = layer
            while len(self._layers) > self.KEEP:
                self._layers.popitem(last=False)
        self._layers.move_to_end(key)
        self._surface, self.layout = layer
        lay = self.layout
        self.here = [lay.marker] if lay.marker is not None else []
        self.taken = lay.taken + ([lay.legend] if lay.legend is not None else [])
        self._px = lay.px
        return self._surface

    def blit(self, ctx: Ctx, surface: pygame.Surface, floor: Floor, up: float, outer: pygame.Rect,
             inner: pygame.Rect, here: tuple[Point, float | None] | None) -> tuple[Plan, list[pygame.Rect]]:
        """Draw the floor layer in the box ``outer`` (icons and labels may reach beyond the
        plan, never beyond ``outer``); the plan as drawn and the rects to keep free (the
        dot, the names, the legend), in ``surface``'s pixels."""
        surface.blit(self.get(ctx, floor, up, outer, inner, here), outer)
        assert self.layout is not None
        plan = Plan(floor, self.layout.plan.box.move(outer.topleft), up)
        keep = self.here + self.layout.texts + ([self.layout.legend] if self.layout.legend is not None else []) \
            + ([self.layout.here_label[0]] if self.layout.here_label is not None else [])
        return plan, [r.move(outer.topleft) for r in keep]

    def label_here(self, ctx: Ctx, surface: pygame.Surface, outer: pygame.Rect,
                   path: Sequence[tuple[int, int]] = (), tags: Sequence[pygame.Rect] = ()) -> pygame.Rect | None:
        """Put the "you are here" dot back on top of a route drawn over it, and its label
        beside it: off the route's line and its tags if it can, else in the spot kept for it
        (:func:`here_spot`: clear of the plan's other texts, perhaps on a leader line), else
        beside it off the other texts; never over another name (no room at all: no label)."""
        if self._surface is None or not self.here:
            return None
        marker = self.here[0]
        surface.blit(self._surface, marker.move(outer.topleft), marker)
        label = tr("you_are_here", ctx.lang)
        bounds = pygame.Rect(0, 0, *outer.size)
        spots = [r for r in _spots(ctx, label, marker, self._px, True) if bounds.contains(r)]
        segments = [(a[0] - outer.x, a[1] - outer.y, b[0] - outer.x, b[1] - outer.y) for a, b in zip(path, path[1:])]
        local_tags = [t.move(-outer.x, -outer.y) for t in tags]

        def on_route(r: pygame.Rect) -> bool:
            return any(r.clipline(*seg) for seg in segments) or r.collidelist(local_tags) >= 0

        kept = self.layout.here_label if self.layout is not None else None
        free = [r for r in spots if r.collidelist(self.taken) < 0]
        # beside it off the route and the other names; else the spot kept for it off the route;
        # else beside it off the names; else the kept spot (off the names, whatever the route)
        choice = next(((r, None) for r in free if not on_route(r)), None) \
            or (kept if kept is not None and not on_route(kept[0]) else None) \
            or next(((r, None) for r in free), None) or kept
        if choice is None:
            return None
        spot, line = choice
        box = spot.move(outer.topleft)
        size = least_px(ctx, label, self._px, True)
        if line is not None:
            a, b = ((x + outer.x, y + outer.y) for x, y in line)
            pygame.draw.line(surface, ctx.palette.highlight, a, b, max(1, self._px // 10))
        ctx.text.draw(surface, label, ctx.lang, box, ctx.palette.highlight, size, px=size, bold=True,
                      align="left")
        return box


# --- the route layer -----------------------------------------------------------------------------

@dataclass
class Drawn:
    """A route as drawn on one plan: the pixel path the dot runs along."""

    path: list[tuple[int, int]]  # fewer than two points: nothing to animate
    dot: int
    colour: Color
    ring: Color
    tags: list[pygame.Rect]  # the floor-change tags


def draw_route(ctx: Ctx, surface: pygame.Surface, plan: Plan, route: Route, start: Point | None,
               bounds: pygame.Rect, keep_free: Sequence[pygame.Rect] = ()) -> Drawn | None:
    """The route's walk on this plan's floor, its target ringed, and "乘电梯到 2 楼" where it
    leaves the floor; the path for the moving dot (None when the route is not on this floor)."""
    p = ctx.palette
    px = text_px(plan.box, p.scale)
    width = max(3, min(int(plan.k * 0.4), px // 3))
    path: list[tuple[int, int]] = []
    callouts: list[tuple[tuple[int, int], str]] = []
    for i, leg in enumerate(route.legs):
        if leg.floor != plan.floor.id:
            continue
        pts = list(leg.points)
        if i == 0 and start is not None:
            # from "you are here" (the reader stands a step in front of the screen); when the way
            # goes back past the screen, straight from it rather than out to the reader and back
            if len(pts) >= 2 and math.dist(start, pts[1]) < math.dist(pts[0], pts[1]):
                pts = [start] + pts[1:]
            else:
                pts = [start] + pts
        pix = [plan.at(q) for q in pts if finite(q)]
        if len(pix) >= 2:
            pygame.draw.lines(surface, mix(p.highlight, p.background, 0.45), False, pix, width + max(2, width // 2))
            pygame.draw.lines(surface, p.highlight, False, pix, width)
            for q in pix[1:-1]:
                pygame.draw.circle(surface, p.highlight, q, width // 2)
        if not path:
            path = pix
        if leg.leave is not None and pix:
            callouts.append((pix[-1], transfer_words(leg.leave, ctx.lang)))
    end = route.legs[-1]
    if end.floor == plan.floor.id and end.points:
        c = plan.at(end.points[-1])
        pygame.draw.circle(surface, p.highlight, c, max(8, int(px * 1.25)), max(3, width // 2 + 1))
    tags = [callout(ctx, surface, at, words, px, bounds, keep_free) for at, words in callouts]
    return Drawn(path, max(4, width), p.text, p.highlight, tags)


def callout(ctx: Ctx, surface: pygame.Surface, at: tuple[int, int], words: str, px: int, bounds: pygame.Rect,
            keep_free: Sequence[pygame.Rect] = ()) -> pygame.Rect:
    """A tag in the highlight colour beside ``at`` (above, below, left or right, the first
    that stays off ``keep_free``): 乘电梯到 2 楼."""
    p = ctx.palette
    ink = ctx.text.measure(words, ctx.lang, px)
    w, h = min(bounds.width, ink.width + px), int(px * 1.6)
    tags = []
    for anchor, offset in (("midbottom", (0, -px)), ("midtop", (0, px)), ("midright", (-px, 0)), ("midleft", (px, 0))):
        tag = pygame.Rect(0, 0, w, h)
        setattr(tag, anchor, (at[0] + offset[0], at[1] + offset[1]))
        tag.clamp_ip(bounds)
        tags.append(tag)
    tag = next((t for t in tags if t.collidelist(list(keep_free)) < 0), tags[0])
    drawn = tag.copy()
    pygame.draw.rect(surface, p.highlight, tag, border_radius=h // 4)
    ctx.text.draw(surface, words, ctx.lang, tag.inflate(-px // 2, -px // 4), p.background, px)
    return drawn


def route_for(ctx: Ctx, origin: str, targets: Iterable[str], step_free: bool = False) -> Route | None:
    """The quickest route from ``origin`` to any of ``targets``; None when there is none
    (an unplaced screen, a window with no way to it). Never raises."""
    try:
        finder = wayfinder_for(ctx.config)
    except Exception:
        log.exception("wayfinding failed for this hall")
        return None
    best: Route | None = None
    for target in targets:
        try:
            route = finder.route(origin, target, step_free)
            if route is None and step_free:
                route = finder.route(origin, target, False)  # better some way than none
        except Exception:  # an unknown place: no route, not a broken screen
            continue
        if route is not None and (best is None or route.seconds < best.seconds):
            best = route
    return best


def route_lines(ctx: Ctx, route: Route | None, lang: str) -> str:
    """Directions and distance in words: "Gire a la izquierda ... (unos 8 m, 1 min a pie)",
    "左转……（约 8 米）", bracketed as the language does (the catalogue's ``paren``); "" without
    a route."""
    if route is None:
        return ""
    try:
        return render(route, lang) + tr("paren", lang, text=summary(route, lang))
    except Exception:
        log.exception("directions failed")
        return ""


# --- a widget with an animated route ------------------------------------------------------------------

FLOOR_SECONDS = 5.0  # a route over several floors shows each this long, in turn
TRAIL = (0.0, 0.06, 0.12)  # the dot and the two fading ones behind it, as fractions of a lap
LAP_PAUSE = 0.8  # seconds without the dot before each run (a still picture shows the route clean)


class RouteWidget(Widget):
    """A widget whose picture has a route on it: a dot runs along ``self._path``
    (region pixels) every frame, restored from the widget's own picture."""

    animate = True
    ahead = True  # its draw runs the dot over the picture shown; a new one can be drawn ahead

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plans = PlanCache()
        self.plan: Plan | None = None  # the plan last drawn (region pixels)
        self._token: Hashable = None
        self._since = 0.0
        self._drawn: Drawn | None = None
        self._shown: Drawn | None = None  # the route on the picture now on the canvas
        self._dots: list[pygame.Rect] = []
        self._t0 = 0.0  # when the dot of the route shown started running
        self._drawn_t0 = 0.0

    def set_route(self, drawn: Drawn | None, t: float) -> None:
        """Called by ``render``: the route on the new picture (it runs once the picture is shown:
        a picture drawn ahead waits off the canvas, the old dot goes on running meanwhile)."""
        self._drawn = drawn
        self._drawn_t0 = t

    def shown_floor(self, ctx: Ctx, route: Route | None, token: Hashable, home: str) -> tuple[str, int, int]:
        """Which floor to draw now: a route over several floors shows each in turn
        (``FLOOR_SECONDS`` each, from when ``token``, the call or item, first showed);
        (floor id, its place in the route from 0, how many floors)."""
        if token != self._token:
            self._token, self._since = token, ctx.t
        floors = [f for k, f in enumerate(route.floors) if k == 0 or route.floors[k - 1] != f] if route else []
        if len(floors) < 2 or home not in floors:
            return home, 0, 1
        k = int(max(0.0, ctx.t - self._since) // FLOOR_SECONDS) % len(floors)
        return floors[k], k, len(floors)

    def draw_plans(self, ctx: Ctx, surface: pygame.Surface, box: pygame.Rect, floor: Floor, up: float,
                   spot: tuple[Point, float | None] | None, route: Route | None, pad: int) -> None:
        """The plan of ``floor`` in ``box`` with the route's walk on it (animated), "you are
        here" at ``spot`` (None: not on this floor) and its label off the route."""
        # room for the icons on the walls; the plan may shrink further for a legend
        plan, here = self.plans.blit(ctx, surface, floor, up, box, box.inflate(-pad, -pad), spot)
        self.plan = plan
        if plan.up:
            north_sign(ctx, surface, plan)
        drawn = draw_route(ctx, surface, plan, route, spot[0] if spot else None, box, here) if route else None
        self.set_route(drawn if drawn is not None and len(drawn.path) >= 2 else None, ctx.t)
        self.plans.label_here(ctx, surface, box, drawn.path if drawn else (), drawn.tags if drawn else ())

    def show(self, canvas: pygame.Surface | None) -> list[pygame.Rect]:
        shown = super().show(canvas)
        self._shown, self._t0 = self._drawn, self._drawn_t0  # its route runs from now on
        if shown:
            self._dots = []
        return shown

    def draw(self, canvas: pygame.Surface, ctx: Ctx, force: bool = False,
             may_render: bool = True) -> list[pygame.Rect]:
        dirty = super().draw(canvas, ctx, force, may_render)
        if dirty:
            self._dots = []  # the picture was blitted whole: no old dots on it
        route = self._shown
        picture = self._onscreen
        if route is None or not self.animate or picture is None:
            return dirty
        for r in self._dots:  # restore what the old dots covered
            canvas.blit(picture, r.move(self.rect.topleft), r)
        old = [r.move(self.rect.topleft) for r in self._dots]
        self._dots = []
        lengths = [math.dist(a, b) for a, b in zip(route.path, route.path[1:])]
        total = sum(lengths)
        if total < 1:
            return dirty + old
        speed = max(total / 6.0, min(total / 2.0, self.rect.height * 0.35))  # 2 to 6 s a lap
        lap = total / speed + LAP_PAUSE
        phase = ((ctx.t - self._t0) % lap - LAP_PAUSE) / (total / speed)  # a pause, then from here to there
        for k, back in enumerate(TRAIL):
            f = phase - back
            if f < 0 or f > 1:
                continue
            x, y = _along(route.path, lengths, total * f)
            radius = max(2, int(route.dot * (1.0 - 0.28 * k)))
            rect = pygame.Rect(round(x) - radius - 1, round(y) - radius - 1, 2 * radius + 3, 2 * radius + 3)
            rect = rect.clip(pygame.Rect(0, 0, *self.rect.size))
            if not rect.width or not rect.height:
                continue
            centre = (round(x) + self.rect.x, round(y) + self.rect.y)
            pygame.draw.circle(canvas, route.ring if k else route.colour, centre, radius)
            if k == 0:
                pygame.draw.circle(canvas, route.ring, centre, radius, max(1, radius // 3))
            self._dots.append(rect)
        return dirty + old + [r.move(self.rect.topleft) for r in self._dots]


def _along(path: list[tuple[int, int]], lengths: list[float], s: float) -> tuple[float, float]:
    for (a, b), d in zip(zip(path, path[1:]), lengths):
        if s <= d and d > 0:
            f = s / d
            return a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f
        s -= d
    return float(path[-1][0]), float(path[-1][1])
