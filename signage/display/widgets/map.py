"""The floor map: the plan, "you are here", and the way to the newest call's window.

Top to bottom: a title (the floor's name, 楼层平面图 / Floor plan), the plan
(see :mod:`.floorplan`: areas and their names, numbered windows, icons of the
points, "you are here" at the screen's position with a cone where its reader
looks), and a caption with the newest call and its way in words: "A023 → 7号窗口:
向右转，前方 9 米左转，乘电梯到 2 楼 …". The route is drawn on the plan and a dot
runs along it from here to the window; where it leaves the floor, a tag says
"乘电梯到 2 楼 / Take the lift to 2F".

Calls to the love window are shown by the step-free way (its visitors are the
elderly and people in wheelchairs), or by any way when there is none.
Options: ``floor`` (default the screen's), ``animate_route``, ``orientation``.
"""

from __future__ import annotations

from typing import Hashable

import pygame

from ...config.model import Floor
from ...i18n import t as tr
from ...wayfinding import Route
from ...view import CallEntry
from .. import sizing
from ..text import lines_height
from .base import Ctx, mix
from .floorplan import RouteWidget, floor_of, route_for, route_lines, screen_spot


CAPTION_SHARE = 0.3  # at most this much of the map's height for the caption (two lines need less)


class Map(RouteWidget):
    name = "map"
    title_key = "map"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.animate = bool(getattr(self.options, "animate_route", True))
        self._asked: tuple[tuple[int, int], Route | None] | None = None

    def floor(self, ctx: Ctx) -> Floor | None:
        return floor_of(ctx.config, getattr(self.options, "floor", None) or self.screen.floor)

    def up(self, floor: Floor) -> float:
        """The bearing shown up: where the screen's reader looks (heads-up), or north."""
        spot = screen_spot(self.screen)
        if getattr(self.options, "orientation", "heads-up") == "north-up" or spot is None or spot[1] is None:
            return 0.0
        return spot[1] if floor.id == self.screen.floor else 0.0

    def newest(self, ctx: Ctx) -> CallEntry | None:
        calls = ctx.view.recent_calls
        return calls[0] if calls else None

    def key(self, ctx: Ctx) -> Hashable:
        c = self.newest(ctx)
        call = (c.seq, c.number, c.window) if c else None
        return call, ctx.lang, ctx.palette, self.showing(ctx, c)[0]

    def showing(self, ctx: Ctx, call: CallEntry | None) -> tuple[str, int, int]:
        """The floor drawn now: the map's own, or, for a route over several floors, each in
        turn (unless ``floor`` fixes it); its place in the route and how many floors."""
        floor = self.floor(ctx)
        home = floor.id if floor is not None else self.screen.floor
        if getattr(self.options, "floor", None):
            return home, 0, 1
        return self.shown_floor(ctx, self.route(ctx, call), call.seq if call else None, home)

    def route(self, ctx: Ctx, call: CallEntry | None) -> Route | None:
        """The way to the call's window (asked once per call: the frame loop asks every frame)."""
        if call is None:
            return None
        if self._asked is not None and self._asked[0] == (call.seq, call.window):
            return self._asked[1]
        window = ctx.config.window(call.window)
        route = route_for(ctx, f"screen:{self.screen.id}", [f"window:{call.window}"],
                          step_free=window is not None and window.kind == "love")
        self._asked = ((call.seq, call.window), route)
        return route

    def render(self, ctx: Ctx) -> pygame.Surface:
        self.set_route(None, ctx.t)
        p = ctx.palette
        surface = self.blank(ctx)
        area = self.inner(0.03)
        home = self.floor(ctx)
        call = self.newest(ctx)
        shown, k, n = self.showing(ctx, call)
        floor = ctx.config.floor(shown) or home
        th, caption_h, _, _ = sizing.map_layout(area.width, area.height)
        title = tr(self.title_key, ctx.lang)
        if floor is not None:
            title = f"{ctx.pick(floor.name)}  {floor.id}  ·  {title}" + (f"  ({k + 1}/{n})" if n > 1 else "")
        ctx.text.draw(surface, title, ctx.lang, pygame.Rect(area.x, area.y, area.width, th), p.accent,
                      int(th * 0.8), align="left")
        if floor is None or area.height < 3 * th:
            return surface
        route = self.route(ctx, call)
        unit = caption_h
        if caption_h:
            caption_h = self.caption_height(ctx, area, th, caption_h, call, route)
        box = pygame.Rect(area.x, area.y + int(th * 1.25), area.width,
                          area.height - int(th * 1.25) - caption_h - (th // 3 if caption_h else 0))
        if box.width < 8 or box.height < 8:
            return surface
        spot = screen_spot(self.screen) if floor.id == self.screen.floor else None
        self.draw_plans(ctx, surface, box, floor, self.up(home or floor), spot, route, th)
        if caption_h:
            cap = pygame.Rect(area.x, area.bottom - caption_h, area.width, caption_h)
            pygame.draw.rect(surface, mix(p.panel, p.background, 0.5), cap, border_radius=caption_h // 8)
            self.caption(ctx, surface, cap.inflate(-th // 2, -th // 4), call, route, unit - th // 4)
        return surface

    @staticmethod
    def caption_parts(ctx: Ctx, box: pygame.Rect, head: str, unit: int) -> tuple[pygame.Rect, pygame.Rect]:
        """The caption's boxes: the call's number and window at the left (sized for a
        caption ``unit`` tall, its usual two lines), the way in words beside it; on a
        caption too narrow for the number at its smallest, the number above the words."""
        hw = min(box.width // 3, ctx.text.measure(head, ctx.lang, unit // 2).width + unit // 2)
        least = max(6, ctx.text.floor_px(head, ctx.lang, True))
        if ctx.text.measure(head, ctx.lang, least).width > hw:
            hh = min(box.height // 2, max(int(least * 1.3), unit // 2))
            return (pygame.Rect(box.x, box.y, box.width, hh),
                    pygame.Rect(box.x, box.y + hh, box.width, box.height - hh))
        return (pygame.Rect(box.x, box.y, hw, box.height),
                pygame.Rect(box.x + hw + unit // 4, box.y, box.width - hw - unit // 4, box.height))

    def caption_height(self, ctx: Ctx, area: pygame.Rect, th: int, caption_h: int, call: CallEntry | None,
                       route: Route | None) -> int:
        """The caption's height: room for two lines (:func:`sizing.map_layout`), or as many
        more as the way in words takes at the screen's minimum size, the plan giving way
        (up to ``CAPTION_SHARE`` of the area; beyond that the words are cut, and said)."""
        if call is None:
            return caption_h
        words = route_lines(ctx, route, ctx.lang) or tr("no_route", ctx.lang)
        unit = caption_h - th // 4
        head = f"{call.number} → {tr('window_n', ctx.lang, window=call.window)}"
        _, rest = self.caption_parts(ctx, pygame.Rect(0, 0, area.width - th // 2, unit), head, unit)
        floor = ctx.text.floor_px(words, ctx.lang, True)
        if floor <= 1 or rest.width < 8:
            return caption_h
        lines = ctx.text.wrap(words, ctx.lang, floor, rest.width, True)
        need = (unit - rest.height) + lines_height(len(lines), floor) + th // 4 + 2
        return max(caption_h, min(need, int(area.height * CAPTION_SHARE)))

    def caption(self, ctx: Ctx, surface: pygame.Surface, box: pygame.Rect, call: CallEntry | None,
                route: Route | None, unit: int | None = None) -> None:
        p = ctx.palette
        unit = min(box.height, unit or box.height)
        if call is None:
            ctx.text.draw(surface, tr("map_hint", ctx.lang), ctx.lang, box, p.muted, box.height // 2)
            return
        head = f"{call.number} → {tr('window_n', ctx.lang, window=call.window)}"
        words = route_lines(ctx, route, ctx.lang) or tr("no_route", ctx.lang)
        left, rest = self.caption_parts(ctx, box, head, unit)
        ctx.text.draw(surface, head, ctx.lang, left, p.highlight, min(unit // 2, left.height), align="left")
        # as many lines as the box holds (two, or more when the plan gave the caption room)
        px, lines = ctx.text.fit_wrapped(words, ctx.lang, rest.width, rest.height, unit // 3)
        ctx.text.draw_lines(surface, lines, ctx.lang, rest, p.text, px, valign="center")

