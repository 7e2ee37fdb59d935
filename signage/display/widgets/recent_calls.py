"""The last few calls and their windows, for whoever missed the voice.

Newest first: the first row is the call on the banner. A window on another floor
than the screen says its floor in every language ("7号窗口（2F）", "Window 7, 2F"),
with the arrow where it fits ("2F ↑ 7号窗口"). ``floors`` keeps the calls to
those floors' windows only.
"""

from __future__ import annotations

from typing import Hashable

import pygame

from ...i18n import t as tr
from .. import sizing
from .base import Ctx, Widget, mix
from .call_banner import arrow_for, floors_of, on_floors, window_line


class RecentCalls(Widget):
    name = "recent_calls"

    @property
    def count(self) -> int:
        return self.options.count if self.options else 6

    @property
    def show_arrow(self) -> bool:
        return self.options.show_arrow if self.options else True

    def calls(self, ctx: Ctx) -> list:
        return on_floors(ctx, ctx.view.recent_calls, floors_of(self))[: self.count]

    def key(self, ctx: Ctx) -> Hashable:
        calls = tuple((c.seq, c.number, c.window) for c in self.calls(ctx))
        return calls, ctx.lang, ctx.palette

    def render(self, ctx: Ctx) -> pygame.Surface:
        p = ctx.palette
        surface = self.blank(ctx)
        area = self.inner(0.03)
        hh, rh = sizing.list_rows(area.height, self.count)
        px = sizing.recent_calls_px(area.width, area.height, self.count, p.scale)
        title = pygame.Rect(area.x, area.y, area.width, hh).inflate(0, -hh // 4)
        ctx.text.draw(surface, tr("recent_calls", ctx.lang), ctx.lang, title, p.accent, int(hh * 0.62),
                      align="left")
        calls = self.calls(ctx)
        if not calls:
            r = pygame.Rect(area.x, area.y + hh, area.width, int(rh))
            ctx.text.draw(surface, tr("no_calls_yet", ctx.lang), ctx.lang, r, p.muted, px)
            return surface
        for i, call in enumerate(calls):
            row = pygame.Rect(area.x, area.y + hh + round(i * rh), area.width, round(rh))
            if i % 2 == 0:  # a faint band helps the eye follow a row across
                band = row.inflate(area.width // 40, 0)
                pygame.draw.rect(surface, mix(p.panel, p.text, 0.08), band,
                                 border_radius=max(0, row.height // 6))
            cell = row.inflate(-area.width // 20, -max(2, row.height // 8))
            left = pygame.Rect(cell.x, cell.y, int(cell.width * 0.45), cell.height)
            right = pygame.Rect(left.right, cell.y, cell.width - left.width, cell.height)
            color = p.highlight if i == 0 else p.text
            ctx.text.draw(surface, call.number, "en", left, color, px, align="left")
            # "7号窗口（2F）" / "Window 7, 2F": the floor in every language, arrow or not
            where = window_line(ctx, call.window, ctx.lang)
            if self.show_arrow:  # "← 3号窗口", "2F ↑ Window 7", when the arrow fits at the row's size
                way = arrow_for(ctx, call.window)
                if way is not None and way.symbol:
                    with_arrow = window_line(ctx, call.window, ctx.lang, way, with_arrow=True)
                    if ctx.text.fit(with_arrow, ctx.lang, right.width, right.height, px) >= px:
                        where = with_arrow
            ctx.text.draw(surface, where, ctx.lang, right, color, px, align="right")
        return surface

