"""The directory: where everything is, and the way there from this screen.

It cycles through the places a citizen asks the guide about, one every
``cycle_seconds``, each with its way from here:

1. the special windows: the love window (爱心服务专窗, by the step-free way),
   the green channel, the "unresolved problems" window;
2. every service, to the nearest window serving it ("身份证办理 → 3、4、5号窗口");
3. the amenities of the hall, in this order of kinds: information desk, ticket
   machines, self-service and form-filling machines, photo booth, reading
   glasses, first-aid kit, AED, water, umbrellas, power banks, phone charging,
   toilets, accessible toilet (step-free), nursing room, lift, exit; each point
   by its own name (its ``name``, else its kind's), never merged under its kind:
   two that would read the same get their floor, then their area, then a number
   (卫生间（1F）, 卫生间（2F）; Toilets (2F)). A lift written on several floors is one.

How much it shows depends on its region: a large one (at least 900 x 500 px)
has the list beside (or, upright, under) the floor plan with the route drawn
and a dot running along it, and the directions in words under the plan; a
middle one has the list and the directions in words; a small strip shows the
current item in one or two lines.

On a touch screen a tap on an item of the list shows its way at once and keeps
it ``hold_seconds`` before the cycle goes on (:meth:`Directory.tap`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Hashable

import pygame

from ...config.model import FLOOR_LINK_KINDS, Area, Floor, HallConfig, PointOfInterest
from ...i18n import pick
from ...i18n import t as tr
from ...i18n import window_label as kind_or_label
from ...wayfinding import Route
from ...wayfinding.geometry import finite, inside
from .base import Ctx, mix
from .floorplan import (
    SPECIAL_WINDOWS, RouteWidget, floor_of, point_label, route_for, route_lines, screen_spot,
)
from ..text import lines_height
from .icons import badge_colour, draw_icon

# amenities listed, in this order, when the hall has them
AMENITIES = ("info_desk", "ticket_machine", "self_service", "form_filling", "photo", "copier", "vision_test",
             "reading_glasses", "first_aid", "aed", "water", "umbrella", "power_bank", "charging", "atm", "lockers",
             "toilet", "accessible_toilet", "nursing_room", "other", "lift", "exit")
STEP_FREE_KINDS = ("accessible_toilet",)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Item:
    """One entry of the directory: its name, what stands for it (a point's icon or a
    window's number), where it is (refs: the nearest is taken) and more words."""

    key: str
    name: Callable[[str], str]
    targets: tuple[str, ...]
    icon: str | None = None      # a point kind
    window: int | None = None    # a window number, drawn as a tile
    step_free: bool = False
    detail: Callable[[str], str] = lambda lang: ""
    short: Callable[[str], str] | None = None  # a service's declared short name, where its name does not fit


def directory_items(config: HallConfig) -> list[Item]:
    """Everything the directory cycles through, in order (see the module's docstring)."""
    items: list[Item] = []
    langs = hall_languages(config)
    for w in sorted(config.windows, key=lambda w: (SPECIAL_WINDOWS.index(w.kind) if w.kind in SPECIAL_WINDOWS else 9,
                                                    w.number)):
        if w.kind not in SPECIAL_WINDOWS:
            continue
        items.append(Item(f"window:{w.number}",
                          (lambda lang, w=w: kind_or_label(w, lang)),  # its label, else its kind's word
                          (f"window:{w.number}",), window=w.number, step_free=w.kind in ("love", "green"),
                          detail=lambda lang, w=w: tr("window_n", lang, window=w.number)))
    for s in config.services:
        numbers = [w.number for w in config.windows if s.id in config.services_of(w) and w.kind == "normal"] or \
                  [w.number for w in config.windows if s.id in config.services_of(w)]
        if not numbers:
            continue
        items.append(Item(f"service:{s.id}", lambda lang, s=s: pick(s.name, lang),
                          tuple(f"window:{n}" for n in numbers), window=None, icon=None,
                          detail=lambda lang, numbers=tuple(numbers): _windows_words(numbers, lang),
                          short=(lambda lang, s=s: pick(s.short, lang)) if s.short else None))
    items.extend(amenity_items(config, langs))
    return items


def hall_languages(config: HallConfig) -> tuple[str, ...]:
    """Every language the hall's screens show: the hall's, then those a screen lists of its own."""
    langs = list(config.hall.languages) if config.hall is not None else []
    for s in config.screens:
        langs.extend(s.languages or ())
    return tuple(dict.fromkeys(langs)) or ("zh-Hans",)


def amenity_items(config: HallConfig, langs: tuple[str, ...] | None = None) -> list[Item]:
    """One item per point of the amenities (a lift written on several floors is one lift),
    each by its own name: the point's ``name``, else its kind's; where two would read
    the same in a language the hall shows, the floor, then the area, then a number tells them
    apart (卫生间（2F）, Aseos (2F): the catalogue's ``paren``)."""
    langs = langs or hall_languages(config)
    items: list[Item] = []
    for kind in AMENITIES:
        groups: dict[str, list[tuple[Floor, PointOfInterest]]] = {}
        for f in config.floors:
            for p in f.points:
                if p.kind == kind:
                    key = p.id if kind in FLOOR_LINK_KINDS else f"{f.id}/{p.id}"
                    groups.setdefault(key, []).append((f, p))
        names = _own_names(list(groups.values()), langs)
        for (key, group), name in zip(groups.items(), names):
            items.append(Item(f"point:{key}", name, (f"point:{key}",), icon=group[0][1].icon or kind,
                              step_free=kind in STEP_FREE_KINDS))
    return items


def _own_names(groups: list[list[tuple[Floor, PointOfInterest]]],
               langs: tuple[str, ...]) -> list[Callable[[str], str]]:
    """The names of the points of one kind, told apart where they would read the same in one of
    ``langs`` (the hall's)."""
    def base(group: list[tuple[Floor, PointOfInterest]], lang: str) -> str:
        return point_label(next((p for _, p in group if p.name), group[0][1]), lang)

    def clash(i: int) -> list[int]:  # the groups whose name reads like i's in some language
        return [j for j in range(len(groups))
                if any(base(groups[j], lang) == base(groups[i], lang) for lang in langs)]

    out: list[Callable[[str], str]] = []
    for i, group in enumerate(groups):
        same = clash(i)
        if len(same) == 1:
            out.append(lambda lang, g=group: base(g, lang))
            continue
        k = same.index(i)
        floors = [groups[j][0][0].id if len(groups[j]) == 1 else "" for j in same]  # "": on several floors
        areas = [_area_of(*groups[j][0]) for j in same]
        area_ids = [a.id if a is not None else "" for a in areas]
        parts: list[Callable[[str], str]] = []
        by_floor = len(set(floors)) > 1
        if by_floor and floors[k]:
            parts.append(lambda lang, f=floors[k]: f)
        peers = [x for x in range(len(same)) if not by_floor or floors[x] == floors[k]]
        by_area = len({area_ids[x] for x in peers}) > 1
        if by_area and areas[k] is not None:
            parts.append(lambda lang, a=areas[k]: pick(a.name, lang))
        twins = [x for x in peers if not by_area or area_ids[x] == area_ids[k]]
        if len(twins) > 1:
            parts.append(lambda lang, n=twins.index(k) + 1: str(n))
        out.append(lambda lang, g=group, parts=tuple(parts): _qualified(base(g, lang), [q(lang) for q in parts], lang))
    return out


def _qualified(name: str, parts: list[str], lang: str) -> str:
    words = " ".join(q for q in parts if q)
    if not words:
        return name
    return name + tr("paren", lang, text=words)  # "卫生间（2F）", "Aseos (2F)"


def _area_of(floor: Floor, point: PointOfInterest) -> Area | None:
    if not finite(point.position):
        return None
    return next((a for a in floor.areas if inside(tuple(point.position), [tuple(q) for q in a.polygon])), None)


def _windows_words(numbers: tuple[int, ...], lang: str) -> str:
    if len(numbers) == 1:
        return tr("window_n", lang, window=numbers[0])
    sep = tr("list_sep", lang)  # "3、4、5", "3, 4, 5"
    return tr("windows_n", lang, windows=sep.join(str(n) for n in numbers))


class Directory(RouteWidget):
    name = "directory"
    title_key = "directory"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        try:
            self.items = directory_items(self.config)
        except Exception:  # a hall the model let through but this cannot list: an empty directory
            self.items = []
        self.held: tuple[int, float] | None = None  # (item, until), after a tap
        self.rows: list[tuple[pygame.Rect, int]] = []  # where each listed item is, in region pixels
        self._routes: dict[str, Route | None] = {}  # the widget is made anew with a new hall file
        self._list_rows: dict[tuple, tuple[float, int, int]] = {}
        self._word_pages: dict[tuple[int, str], int] = {}  # (item, lang) -> parts its way's words take
        self.page_label = ""  # "2/3" when the list is shown a page at a time

    @property
    def cycle(self) -> float:
        return self.options.cycle_seconds if self.options else 10.0

    @property
    def hold(self) -> float:
        return self.options.hold_seconds if self.options else 30.0

    def current(self, ctx: Ctx) -> int:
        """The item shown now: the one tapped (for ``hold_seconds``), else the cycle's."""
        if self.held is not None and ctx.t < self.held[1] and self.held[0] < len(self.items):
            return self.held[0]
        self.held = None
        return int(ctx.now // self.cycle) % len(self.items) if self.items else 0

    def tap(self, pos: tuple[int, int], t: float) -> bool:
        for rect, index in self.rows:
            if rect.collidepoint(pos):
                self.held = (index, t + self.hold)
                self.invalidate()
                return True
        return False

    def key(self, ctx: Ctx) -> Hashable:
        index = self.current(ctx)
        return index, ctx.lang, ctx.palette, self.showing(ctx, index)[0], self.word_page(ctx, index)

    def word_page(self, ctx: Ctx, index: int) -> int:
        """Which part of a way too long for its box is shown now: the item's time is shared
        between the parts (found when it was drawn; 0 for a way that fits)."""
        n = self._word_pages.get((index, ctx.lang), 1)
        if n <= 1:
            return 0
        return min(n - 1, int((ctx.now % self.cycle) * n / self.cycle))

    def paged_lines(self, ctx: Ctx, words: str, box: pygame.Rect, max_px: int, index: int) -> tuple[int, list[str]]:
        """The way in words fitted to ``box``; when even at the smallest legible size it needs
        more lines than the box holds, the lines in parts shown in turn (validation says so)."""
        text = ctx.text
        floor = text.floor_px(words, ctx.lang)
        room = max(1, int((box.height - floor * 1.1) // (floor * 1.3)) + 1) if box.height >= floor * 1.1 else 1
        lines = text.wrap(words, ctx.lang, floor, box.width)
        if text.min_glyph <= 0 or len(lines) <= room:
            self._word_pages[(index, ctx.lang)] = 1
            return text.fit_wrapped(words, ctx.lang, box.width, box.height, max_px, max_lines=room)
        parts = [lines[i:i + room] for i in range(0, len(lines), room)]
        if self._word_pages.get((index, ctx.lang)) != len(parts):
            self._word_pages[(index, ctx.lang)] = len(parts)
        text.note("the way in words to some items", ctx.lang, f"paginated into {len(parts)} pages")
        k = self.word_page(ctx, index)
        part = list(parts[k])
        if k < len(parts) - 1:  # "…": the way goes on in the next part
            more = part[-1] + " …"
            if text.measure(more, ctx.lang, floor).width <= box.width:
                part[-1] = more
        return floor, part

    def showing(self, ctx: Ctx, index: int) -> tuple[str, int, int]:
        """The floor the plan shows now (each floor of a way over several in turn)."""
        if not self.items or not self.big:
            return self.screen.floor, 0, 1
        return self.shown_floor(ctx, self.route(ctx, self.items[index]), index, self.screen.floor)

    @property
    def big(self) -> bool:
        """Whether the region is large enough for the plan."""
        area = self.inner(0.03)
        return area.width >= 900 and area.height >= 500 and (self.options is None or self.options.show_map)

    def route(self, ctx: Ctx, item: Item) -> Route | None:
        """The way to the item (each asked once: the frame loop asks every frame)."""
        if item.key not in self._routes:
            self._routes[item.key] = route_for(ctx, f"screen:{self.screen.id}", item.targets, item.step_free)
        return self._routes[item.key]

    # --- drawing ---------------------------------------------------------------------------

    def render(self, ctx: Ctx) -> pygame.Surface:
        self.set_route(None, ctx.t)
        self.rows = []
        p = ctx.palette
        surface = self.blank(ctx)
        area = self.inner(0.03)
        floor = floor_of(ctx.config, self.screen.floor)
        if not self.items or area.width < 8 or area.height < 8:
            return surface
        index = self.current(ctx)
        item = self.items[index]
        route = self.route(ctx, item)
        big = self.big
        if area.height < 200 or area.width < 320:
            self.one_line(ctx, surface, area, item, route)
            return surface
        th = max(8, int(min(area.height * (0.07 if big else 0.1), area.width * 0.06)))
        title = tr(self.title_key, ctx.lang) + (f"  ·  {floor.id}" if floor is not None else "")
        self.page_label = ""
        body = pygame.Rect(area.x, area.y + int(th * 1.3), area.width, area.height - int(th * 1.3))
        if not big:
            if body.width >= body.height * 1.4:  # the list left, the way right
                split = int(body.width * 0.46)
                self.listing(ctx, surface, pygame.Rect(body.x, body.y, split, body.height), index)
                self.details(ctx, surface, pygame.Rect(body.x + split + th // 2, body.y,
                                                       body.width - split - th // 2, body.height), item, route)
            else:  # upright: the way on top, the list under it
                split = int(body.height * 0.45)
                self.details(ctx, surface, pygame.Rect(body.x, body.y, body.width, split), item, route)
                self.listing(ctx, surface, pygame.Rect(body.x, body.y + split + th // 2, body.width,
                                                       body.height - split - th // 2), index)
            self.title(ctx, surface, pygame.Rect(area.x, area.y, area.width, th), title)
            return surface
        if body.width >= body.height * 1.2:  # landscape: the list left, the plan right
            split = int(body.width * 0.32)
            listing = pygame.Rect(body.x, body.y, split, body.height)
            right = pygame.Rect(body.x + split + th // 2, body.y, body.width - split - th // 2, body.height)
        else:  # upright: the plan on top, the list under it
            split = int(body.height * 0.36)
            listing = pygame.Rect(body.x, body.bottom - split, body.width, split)
            right = pygame.Rect(body.x, body.y, body.width, body.height - split - th // 2)
        self.listing(ctx, surface, listing, index)
        words_h = max(th * 3, int(right.height * 0.24))
        box = pygame.Rect(right.x, right.y, right.width, right.height - words_h - th // 3)
        shown, k, n = self.showing(ctx, index)
        plan_floor = ctx.config.floor(shown) or floor
        if plan_floor is not None and box.width > 8 and box.height > 8:
            spot = screen_spot(self.screen) if plan_floor.id == self.screen.floor else None
            self.draw_plans(ctx, surface, box, plan_floor, self.up(), spot, route, th)
            if n > 1:  # which floor of the way this is
                tag = pygame.Rect(box.x, box.y, box.width, th)
                ctx.text.draw(surface, f"{ctx.pick(plan_floor.name)}  {plan_floor.id}  ({k + 1}/{n})", ctx.lang,
                              tag, p.accent, int(th * 0.7), align="left")
        self.details(ctx, surface, pygame.Rect(right.x, right.bottom - words_h, right.width, words_h), item, route)
        self.title(ctx, surface, pygame.Rect(area.x, area.y, area.width, th), title)
        return surface

    def title(self, ctx: Ctx, surface: pygame.Surface, box: pygame.Rect, title: str) -> None:
        """The title, and "2/3" at its right when the list is shown a page at a time."""
        p = ctx.palette
        if self.page_label:
            px = max(int(box.height * 0.7), ctx.text.floor_px(self.page_label, "en"))
            w = ctx.text.measure(self.page_label, "en", px, False).width + box.height // 2
            ctx.text.draw(surface, self.page_label, "en", pygame.Rect(box.right - w, box.y, w, box.height), p.muted,
                          px, align="right", bold=False)
            box = pygame.Rect(box.x, box.y, max(1, box.width - w), box.height)
        ctx.text.draw(surface, title, ctx.lang, box, p.accent, int(box.height * 0.8), align="left")

    def up(self) -> float:
        spot = screen_spot(self.screen)
        return spot[1] if spot is not None and spot[1] is not None else 0.0

    def list_rows(self, ctx: Ctx, box: pygame.Rect) -> tuple[float, int, int]:
        """(row height, rows a page, lines a name may take) of the list in ``box``: rows
        tall enough for every name at the smallest legible size (on two lines where one
        is not enough), as many as fit; the pages follow the item shown (cached)."""
        key = (box.size, ctx.lang, ctx.text.min_glyph)
        hit = self._list_rows.get(key)
        if hit is not None:
            return hit
        n = len(self.items)
        min_row = max(28, int(box.height / 11), int(min(box.width / 8, 72)))
        text = ctx.text
        need, two_need, lines = 0, 0, 1
        if text.min_glyph > 0:
            for it in self.items:
                name = it.name(ctx.lang)
                px = text.floor_px(name, ctx.lang)
                ink = text.measure(name, ctx.lang, px)
                need = max(need, ink.height + 2)
                label_w = box.width - int(max(min_row, need / 0.6)) - 8
                if ink.width > label_w:
                    wrapped = text.wrap(name, ctx.lang, px, label_w)
                    if len(wrapped) > 2 and it.short is not None:
                        short = it.short(ctx.lang)
                        wrapped = text.wrap(short, ctx.lang, text.floor_px(short, ctx.lang), label_w)
                    if len(wrapped) == 2:
                        lines = 2
                        two_need = max(two_need, lines_height(2, px) + 2)
        # the name's box is about 0.65 of its row (the row's padding, the highlight's); 0.8 for two lines
        row = max(min_row, need / 0.65, two_need / 0.8)
        per_page = max(1, min(n, int(box.height // row)))
        rh = min(box.height / per_page, max(row, box.height / 8))
        if len(self._list_rows) > 8:
            self._list_rows.clear()
        self._list_rows[key] = (rh, per_page, lines)
        return rh, per_page, lines

    def listing(self, ctx: Ctx, surface: pygame.Surface, box: pygame.Rect, index: int) -> None:
        """The items, the current one highlighted; a page of them when not all fit."""
        p = ctx.palette
        n = len(self.items)
        rh, per_page, lines = self.list_rows(ctx, box)
        first = (index // per_page) * per_page
        pages = -(-n // per_page)
        if pages > 1:
            self.page_label = f"{first // per_page + 1}/{pages}"
            ctx.text.note(f"{n} items", ctx.lang, f"paginated into {pages} pages of up to {per_page}")
        shown = self.items[first:first + per_page]
        label_w = box.width - int(rh) - 8
        px = min((ctx.text.fit(it.name(ctx.lang), ctx.lang, label_w, int(rh * 0.75), int(rh * 0.55))
                  for it in shown), default=int(rh * 0.55))
        px = max(px, int(rh * 0.38))  # one size for the list; a very long name shrinks alone
        for k in range(per_page):
            i = first + k
            if i >= n:
                break
            row = pygame.Rect(box.x, box.y + round(k * rh), box.width, round(rh))
            cell = row.inflate(0, -max(2, row.height // 10))
            if i == index:
                pygame.draw.rect(surface, p.highlight, cell, border_radius=max(2, cell.height // 5))
                fg, bg = p.background, p.highlight
            else:
                if k % 2 == 0:
                    pygame.draw.rect(surface, mix(p.panel, p.text, 0.07), cell, border_radius=max(2, cell.height // 5))
                fg, bg = p.text, p.panel
            badge_r = int(min(cell.height, rh if lines == 1 else rh * 0.6) * 0.38)
            self.badge(ctx, surface, self.items[i], (cell.x + badge_r + 6, cell.centery), badge_r, bg)
            label = pygame.Rect(cell.x + 2 * badge_r + 12, cell.y, cell.right - (cell.x + 2 * badge_r + 12) - 4,
                                cell.height)
            name = self.items[i].name(ctx.lang)
            inner = label.inflate(0, -cell.height // 4) if lines == 1 else label.inflate(0, -max(2, cell.height // 12))
            if ctx.text.measure(name, ctx.lang, max(px, ctx.text.floor_px(name, ctx.lang))).width <= inner.width:
                ctx.text.draw(surface, name, ctx.lang, inner, fg, px, align="left")
            else:  # two lines at a word boundary rather than cut; the short name if even they do not hold it
                item = self.items[i]
                floor = ctx.text.floor_px(name, ctx.lang)
                if item.short is not None and (len(ctx.text.wrap(name, ctx.lang, floor, inner.width)) > 2 or
                                               lines_height(2, floor) > inner.height):
                    name = item.short(ctx.lang)
                if ctx.text.measure(name, ctx.lang, max(px, ctx.text.floor_px(name, ctx.lang))).width <= inner.width:
                    ctx.text.draw(surface, name, ctx.lang, inner, fg, px, align="left")
                    self.rows.append((row, i))
                    continue
                two, wrapped = ctx.text.fit_wrapped(name, ctx.lang, inner.width, inner.height, px, max_lines=2)
                ctx.text.draw_lines(surface, wrapped, ctx.lang, inner, fg, two, valign="center")
            self.rows.append((row, i))

    def badge(self, ctx: Ctx, surface: pygame.Surface, item: Item, centre: tuple[int, int], r: int,
              behind: tuple[int, int, int]) -> None:
        p = ctx.palette
        if item.icon is not None:
            draw_icon(surface, item.icon, centre, r, badge_colour(item.icon, p.accent, p.warning, p.text), p.panel)
            return
        tile = pygame.Rect(0, 0, 2 * r, 2 * r)
        tile.center = centre
        if item.window is not None:
            pygame.draw.rect(surface, mix(p.panel, p.text, 0.18), tile, border_radius=max(2, r // 3))
            ctx.text.draw(surface, str(item.window), "en", tile.inflate(-r // 3, -r // 3), p.text, 2 * r, min_px=6)
        else:  # a service: its windows are in the words; a counter sign stands for it
            pygame.draw.rect(surface, p.accent, tile, border_radius=max(2, r // 3))
            inner = tile.inflate(-r, -r)
            pygame.draw.rect(surface, p.panel, (inner.x, inner.y, inner.width, max(1, inner.height // 3)))
            pygame.draw.rect(surface, p.panel, (inner.x, inner.bottom - max(1, inner.height // 3), inner.width,
                                                max(1, inner.height // 3)))

    def details(self, ctx: Ctx, surface: pygame.Surface, box: pygame.Rect, item: Item, route: Route | None) -> None:
        """The current item: its name, its windows or floor, the way in words."""
        p = ctx.palette
        if box.width < 8 or box.height < 8:
            return
        pygame.draw.rect(surface, mix(p.panel, p.background, 0.5), box, border_radius=max(2, box.height // 16))
        inner = box.inflate(-max(4, box.height // 12), -max(4, box.height // 12))
        name = item.name(ctx.lang)
        where = item.detail(ctx.lang)
        if route is not None and route.target.floor != self.screen.floor:
            where = f"{where}  {route.target.floor}".strip()
        head_h = int(min(inner.height * 0.22, inner.width * 0.12))
        head = f"{name}  →  {where}" if where else name
        floor = ctx.text.floor_px(head, ctx.lang)
        lines_room = max(2, int((head_h * 2 - floor * 1.1) // (floor * 1.3)) + 1)
        if item.short is not None and len(ctx.text.wrap(head, ctx.lang, floor, inner.width)) > min(2, lines_room):
            name = item.short(ctx.lang)
            head = f"{name}  →  {where}" if where else name
        head_px, head_lines = ctx.text.fit_wrapped(head, ctx.lang, inner.width, head_h * 2, int(head_h * 0.8),
                                                   max_lines=max(2, lines_room))
        y = ctx.text.draw_lines(surface, head_lines, ctx.lang, pygame.Rect(inner.x, inner.y, inner.width, head_h * 2),
                                p.highlight, head_px)
        words = route_lines(ctx, route, ctx.lang) or tr("no_route", ctx.lang)
        rest = pygame.Rect(inner.x, y + head_px // 3, inner.width, inner.bottom - y - head_px // 3)
        if rest.height > 8:
            px, lines = self.paged_lines(ctx, words, rest, max(6, int(head_px * 0.9)), self.items.index(item))
            ctx.text.draw_lines(surface, lines, ctx.lang, rest, p.text, px)

    def one_line(self, ctx: Ctx, surface: pygame.Surface, area: pygame.Rect, item: Item, route: Route | None) -> None:
        """A strip: [icon] name → the way in words."""
        p = ctx.palette
        h = area.height
        self.badge(ctx, surface, item, (area.x + h // 2, area.centery), int(h * 0.36), p.panel)
        left = pygame.Rect(area.x + h + 4, area.y, int((area.width - h) * 0.3), h)
        ctx.text.draw(surface, item.name(ctx.lang), ctx.lang, left.inflate(0, -h // 3), p.highlight, int(h * 0.5),
                      align="left")
        rest = pygame.Rect(left.right + h // 4, area.y, area.right - left.right - h // 4, h)
        words = route_lines(ctx, route, ctx.lang) or tr("no_route", ctx.lang)
        if rest.width > 8:
            px, lines = self.paged_lines(ctx, words, rest, int(h * 0.4), self.items.index(item))
            ctx.text.draw_lines(surface, lines, ctx.lang, rest, p.text, px, valign="center")
        self.rows = [(pygame.Rect(0, 0, *self.rect.size), (self.items.index(item) + 1) % len(self.items))]
