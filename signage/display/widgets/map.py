"""Placeholder for the floor map (wayfinding comes in a later issue): the outline and a title."""

from __future__ import annotations

from typing import Hashable

import pygame

from ...config.model import Floor
from ...i18n import t as tr
from .base import Ctx, Widget, mix


def draw_floor(ctx: Ctx, surface: pygame.Surface, box: pygame.Rect, floor: Floor | None) -> None:
    """The floor's outline and areas, north up, scaled to fit ``box``."""
    if floor is None or box.width < 4 or box.height < 4:
        return
    xs = [x for x, _ in floor.outline]
    ys = [y for _, y in floor.outline]
    x0, y0 = min(xs), min(ys)
    span_x, span_y = max(1e-6, max(xs) - x0), max(1e-6, max(ys) - y0)
    k = min(box.width / span_x, box.height / span_y)
    ox = box.x + (box.width - span_x * k) / 2
    oy = box.y + (box.height - span_y * k) / 2

    def at(pt: tuple[float, float]) -> tuple[int, int]:  # metres, y north -> pixels, y down
        return round(ox + (pt[0] - x0) * k), round(oy + (y0 + span_y - pt[1]) * k)

    p = ctx.palette
    for area in floor.areas:
        pygame.draw.polygon(surface, mix(p.panel, p.accent, 0.18), [at(q) for q in area.polygon])
    pygame.draw.polygon(surface, p.muted, [at(q) for q in floor.outline], max(2, box.height // 120))


class Map(Widget):
    name = "map"
    title_key = "map"

    def floor(self, ctx: Ctx) -> Floor | None:
        wanted = getattr(self.options, "floor", None) or self.screen.floor
        return ctx.config.floor(wanted) or (ctx.config.floors[0] if ctx.config.floors else None)

    def key(self, ctx: Ctx) -> Hashable:
        return ctx.lang, ctx.palette

    def render(self, ctx: Ctx) -> pygame.Surface:
        surface = self.blank(ctx)
        area = self.inner(0.04)
        th = max(8, int(min(area.height * 0.12, area.width * 0.1)))
        floor = self.floor(ctx)
        title = tr(self.title_key, ctx.lang)
        if floor is not None:
            title = f"{ctx.pick(floor.name)}  {floor.id}  ·  {title}"
        ctx.text.draw(surface, title, ctx.lang, pygame.Rect(area.x, area.y, area.width, th), ctx.palette.text,
                      int(th * 0.75), align="left")
        draw_floor(ctx, surface, pygame.Rect(area.x, area.y + int(th * 1.3), area.width,
                                             area.height - int(th * 1.3)), floor)
        return surface
