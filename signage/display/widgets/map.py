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
from .base import Ctx, mix
from .floorplan import RouteWidget, floor_of, route_for, route_lines, screen_spot


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
        box = pygame.Rect(area.x, area.y + int(th * 1.25), area.width,
                          area.height - int(th * 1.25) - caption_h - (th // 3 if caption_h else 0))
        if box.width < 8 or box.height < 8:
            return surface
        spot = screen_spot(self.screen) if floor.id == self.screen.floor else None
        self.draw_plans(ctx, surface, box, floor, self.up(home or floor), spot, route, th)
        if caption_h:
            cap = pygame.Rect(area.x, area.bottom - caption_h, area.width, caption_h)
            pygame.draw.rect(surface, mix(p.panel, p.background, 0.5), cap, border_radius=caption_h // 8)
            self.caption(ctx, surface, cap.inflate(-th // 2, -th // 4), call, route)
        return surface

    def caption(self, ctx: Ctx, surface: pygame.Surface, box: pygame.Rect, call: CallEntry | None,
                route: Route | None) -> None:
        p = ctx.palette
        if call is None:
            ctx.text.draw(surface, tr("map_hint", ctx.lang), ctx.lang, box, p.muted, box.height // 2)
            return
        head = f"{call.number} → {tr('window_n', ctx.lang, window=call.window)}"
        words = route_lines(ctx, route, ctx.lang) or tr("no_route", ctx.lang)
        hw = min(box.width // 3, ctx.text.measure(head, ctx.lang, box.height // 2).width + box.height // 2)
        ctx.text.draw(surface, head, ctx.lang, pygame.Rect(box.x, box.y, hw, box.height), p.highlight,
                      box.height // 2, align="left")
        rest = pygame.Rect(box.x + hw + box.height // 4, box.y, box.width - hw - box.height // 4, box.height)
        px, lines = ctx.text.fit_wrapped(words, ctx.lang, rest.width, rest.height, box.height // 3, max_lines=2)
        ctx.text.draw_lines(surface, lines, ctx.lang, rest, p.text, px, valign="center")

