"""A small badge in a corner while the hub is unreachable; the last good picture stays."""

from __future__ import annotations

from typing import Hashable

import pygame

from ...i18n import t as tr
from .. import sizing
from .base import Ctx

GRACE_SECONDS = 3.0  # a blip shorter than this is not worth alarming anyone


class StatusBadge:
    def __init__(self, canvas: tuple[int, int]) -> None:
        self.canvas = canvas
        self.px = sizing.badge_px(canvas)

    def rect(self, ctx: Ctx) -> pygame.Rect:
        text = self.text(ctx)
        ink = ctx.text.measure(text, ctx.zh, self.px, bold=False)
        w = min(self.canvas[0], ink.width + self.px * 2 + self.px)
        h = int(self.px * 1.8)
        margin = max(2, self.px // 3)
        return pygame.Rect(self.canvas[0] - w - margin, margin, w, h)

    def text(self, ctx: Ctx) -> str:
        return f"{tr('offline', ctx.zh)} · {tr('offline', 'en')}"

    def key(self, ctx: Ctx) -> Hashable:
        return self.text(ctx), ctx.palette

    def render(self, ctx: Ctx) -> pygame.Surface:
        p = ctx.palette
        r = self.rect(ctx)
        surface = pygame.Surface(r.size)
        surface.fill(p.background)
        pygame.draw.rect(surface, p.warning, surface.get_rect(), border_radius=r.height // 2)
        dot = (r.height // 2 + self.px // 4, r.height // 2)
        pygame.draw.circle(surface, p.background, dot, max(2, self.px // 3))
        box = pygame.Rect(dot[0] + self.px // 2, 0, r.width - dot[0] - self.px, r.height)
        ctx.text.draw(surface, self.text(ctx), ctx.zh, box, p.background, self.px, bold=False, px=self.px)
        return surface
