"""A QR code (segno), dark on a white card whatever the theme, with a caption.

Scanners need dark modules on a light ground and a quiet zone of four modules;
modules are whole pixels (never smoothed), so the code stays sharp.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Hashable

import pygame
import segno

from .base import Ctx, Widget

QUIET = 4  # modules of white around the code


@lru_cache(maxsize=64)
def _matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    qr = segno.make(data, error="m", micro=False)
    return tuple(tuple(bool(v) for v in row) for row in qr.matrix)


def qr_surface(data: str, size: int) -> pygame.Surface:
    """A square surface at most ``size`` pixels wide holding the code and its quiet zone."""
    matrix = _matrix(data)
    n = len(matrix) + 2 * QUIET
    module = max(1, size // n)
    surface = pygame.Surface((n * module, n * module))
    surface.fill((255, 255, 255))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                surface.fill((0, 0, 0), ((x + QUIET) * module, (y + QUIET) * module, module, module))
    return surface


def draw_qr(ctx: Ctx, surface: pygame.Surface, box: pygame.Rect, data: str, caption: str | None,
            lang: str) -> None:
    """The code centred in ``box`` with ``caption`` under it."""
    cap_h = int(box.height * 0.16) if caption else 0
    side = min(box.width, box.height - cap_h)
    if side < 21 + 2 * QUIET:  # smaller than one pixel per module: unreadable, leave it out
        if caption:
            ctx.text.draw(surface, caption, lang, box, ctx.palette.muted, int(box.height * 0.3))
        return
    code = qr_surface(data, side)
    x = box.centerx - code.get_width() // 2
    y = box.y + (box.height - cap_h - code.get_height()) // 2
    surface.blit(code, (x, y))
    if caption:
        cap = pygame.Rect(box.x, y + code.get_height(), box.width, cap_h)
        ctx.text.draw(surface, caption, lang, cap, ctx.palette.text, int(cap_h * 0.6), bold=False)


class Qr(Widget):
    name = "qr"

    def key(self, ctx: Ctx) -> Hashable:
        return ctx.lang, ctx.palette

    def render(self, ctx: Ctx) -> pygame.Surface:
        surface = self.blank(ctx)
        if self.options is None or not self.options.data:
            return surface
        caption = ctx.pick(self.options.caption) if self.options.caption else None
        draw_qr(ctx, surface, self.inner(0.05), self.options.data, caption, ctx.lang)
        return surface
