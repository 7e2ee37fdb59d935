"""A fixed text from the hall file (a title, a welcome), wrapped and fitted to its region."""

from __future__ import annotations

from typing import Hashable

import pygame

from .base import Ctx, Widget


class Text(Widget):
    name = "text"

    def key(self, ctx: Ctx) -> Hashable:
        return ctx.lang, ctx.palette

    def render(self, ctx: Ctx) -> pygame.Surface:
        surface = self.blank(ctx)
        if self.options is None:
            return surface
        area = self.inner(0.06)
        text = ctx.pick(self.options.text)
        px, lines = ctx.text.fit_wrapped(text, ctx.lang, area.width, area.height, int(area.height * 0.7))
        ctx.text.draw_lines(surface, lines, ctx.lang, area, ctx.palette.text, px, align=self.options.align,
                            valign="center")
        return surface
