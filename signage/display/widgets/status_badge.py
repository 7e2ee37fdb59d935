"""A small badge in a corner while the hub is unreachable; the last good picture stays.

It says so in every language of the screen at once ("网络中断 · Offline", "Offline · Sin
conexión"; a word that reads the same in two languages once), each in its own face, so that
it does not change with the language turn; never in a language the screen does not show.
At the screen's smallest legible size or larger.
"""

from __future__ import annotations

from typing import Hashable

import pygame

from ...i18n import is_chinese, t as tr
from .. import sizing
from .base import Ctx
from .call_banner import draw_run

SEP = " · "

GRACE_SECONDS = 3.0  # a blip shorter than this is not worth alarming anyone


class StatusBadge:
    def __init__(self, canvas: tuple[int, int]) -> None:
        self.canvas = canvas
        self.px = sizing.badge_px(canvas)

    def parts(self, ctx: Ctx) -> list[tuple[str, str]]:
        """[(lang, "Offline"), (lang, "Sin conexión")]: the word in each language of the screen."""
        out: list[tuple[str, str]] = []
        for lang in ctx.all_langs:
            word = tr("offline", lang)
            if all(word != x for _, x in out):
                out.append((lang, word))
        return out

    def face(self, ctx: Ctx) -> str:
        """The language measured with (the first Chinese of the words, else the first)."""
        parts = self.parts(ctx)
        return next((lang for lang, _ in parts if is_chinese(lang)), parts[0][0] if parts else ctx.lang)

    def size(self, ctx: Ctx) -> int:
        """The badge's size: its share of the screen, or the smallest legible size if larger."""
        return max(self.px, ctx.text.floor_px(self.text(ctx), self.face(ctx), bold=False))

    def rect(self, ctx: Ctx) -> pygame.Rect:
        px = self.size(ctx)
        ink = ctx.text.measure(self.text(ctx), self.face(ctx), px, bold=False)
        w = min(self.canvas[0], ink.width + px * 2 + px)
        h = min(self.canvas[1], int(px * 1.8))
        margin = max(2, px // 3)
        return pygame.Rect(max(0, self.canvas[0] - w - margin), margin, w, h)

    def text(self, ctx: Ctx) -> str:
        return SEP.join(x for _, x in self.parts(ctx))

    def key(self, ctx: Ctx) -> Hashable:
        return tuple(self.parts(ctx)), ctx.palette, ctx.text.min_glyph

    def render(self, ctx: Ctx) -> pygame.Surface:
        p = ctx.palette
        r = self.rect(ctx)
        surface = pygame.Surface(r.size)
        surface.fill(p.background)
        pygame.draw.rect(surface, p.warning, surface.get_rect(), border_radius=r.height // 2)
        px = self.size(ctx)
        dot = (r.height // 2 + px // 4, r.height // 2)
        pygame.draw.circle(surface, p.background, dot, max(2, px // 3))
        box = pygame.Rect(dot[0] + px // 2, 0, r.width - dot[0] - px, r.height)
        draw_run(ctx, surface, self.parts(ctx), box, p.background, px, SEP, bold=False)
        return surface
