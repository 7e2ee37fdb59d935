"""What to do and what to bring, one service at a time (办事指南).

Pages rotate every ``rotate_seconds``: the service's name and ticket letter,
its steps (numbered), the materials to bring, notes, and a QR code of the
online guide where the hall file gives one. The text takes the largest size
at which the whole page fits; a long guide gets smaller text, never cut off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

import pygame

from ...config.model import Service
from ...i18n import t as tr
from .. import sizing
from .base import Color, Ctx, Widget
from .qr import draw_qr


@dataclass
class _Line:
    text: str
    px: int
    color: Color
    indent: int      # where the text starts; a list marker sits left of it
    gap_before: int
    bold: bool
    mark: str = ""


class ProcessGuide(Widget):
    name = "process_guide"

    def pages(self, ctx: Ctx) -> list[Service]:
        services = ctx.config.services
        if self.options is not None and self.options.services:
            wanted = self.options.services
            services = [s for s in (ctx.config.service(i) for i in wanted) if s is not None]
        guided = [s for s in services if s.guide and (s.guide.steps or s.guide.materials or s.guide.notes)]
        return guided or list(services)

    def page(self, ctx: Ctx) -> tuple[int, int]:
        pages = self.pages(ctx)
        rotate = self.options.rotate_seconds if self.options else 15.0
        return int(ctx.now // rotate) % max(1, len(pages)), len(pages)

    def key(self, ctx: Ctx) -> Hashable:
        return self.page(ctx), ctx.lang, ctx.palette

    def render(self, ctx: Ctx) -> pygame.Surface:
        p = ctx.palette
        surface = self.blank(ctx)
        area = self.inner(0.04)
        pages = self.pages(ctx)
        if not pages:
            return surface
        index, count = self.page(ctx)
        service = pages[index]
        lang = ctx.lang
        title_px, body_max = sizing.guide_px(area.width, area.height, p.scale)
        th = int(area.height * 0.12)
        # title: ticket letter in a badge, then the service's name
        badge = pygame.Rect(area.x, area.y + th // 10, int(th * 0.8 * 1.1), int(th * 0.8))
        pygame.draw.rect(surface, p.accent, badge, border_radius=badge.height // 5)
        ctx.text.draw(surface, service.prefix, "en", badge.inflate(-badge.width // 5, -badge.height // 5),
                      p.background, title_px)
        counter = f"{index + 1}/{count}" if count > 1 else ""
        cw = ctx.text.measure(counter, "en", int(title_px * 0.6)).width + area.width // 40 if counter else 0
        name_box = pygame.Rect(badge.right + th // 4, area.y, area.right - badge.right - th // 4 - cw, th)
        ctx.text.draw(surface, ctx.pick(service.name), lang, name_box, p.text, title_px, align="left")
        if counter:
            ctx.text.draw(surface, counter, "en", pygame.Rect(area.right - cw, area.y, cw, th), p.muted,
                          int(title_px * 0.6), align="right", bold=False)
        body = pygame.Rect(area.x, area.y + int(th * 1.25), area.width, area.height - int(th * 1.25))
        qr = service.guide.qr if service.guide and (self.options is None or self.options.show_qr) else None
        if qr:
            if body.width > body.height * 1.2:  # landscape: the code on the right
                side = min(int(body.width * 0.32), body.height)
                code_box = pygame.Rect(body.right - side, body.y, side, min(body.height, int(side * 1.2)))
                body.width -= side + area.width // 30
            else:  # portrait: the code at the bottom right, its caption beside it
                side = min(int(body.height * 0.3), int(body.width * 0.45))
                code_box = pygame.Rect(body.right - side, body.bottom - int(side * 1.2), side, int(side * 1.2))
                body.height -= code_box.height + area.height // 40
            draw_qr(ctx, surface, code_box, qr, tr("scan_guide", lang), lang)
        self.draw_body(ctx, surface, body, service, body_max)
        return surface

    def draw_body(self, ctx: Ctx, surface: pygame.Surface, body: pygame.Rect, service: Service, max_px: int) -> None:
        lo, hi = 8, max(8, max_px)
        best = self.lay_out(ctx, service, body.width, lo)
        while lo < hi:  # the largest size whose whole page fits
            mid = (lo + hi + 1) // 2
            lines = self.lay_out(ctx, service, body.width, mid)
            if _height(lines) <= body.height:
                lo, best = mid, lines
            else:
                hi = mid - 1
        y = body.y
        for line in best:
            y += line.gap_before
            if y + line.px > body.bottom + line.px * 0.2:
                break  # only at the smallest size: better cut than spill over
            row = pygame.Rect(body.x + line.indent, y, body.width - line.indent, int(line.px * 1.3))
            ctx.text.draw(surface, line.text, ctx.lang, row, line.color, line.px, align="left", bold=line.bold,
                          px=line.px)
            if line.mark:
                ctx.text.draw(surface, line.mark, "en", pygame.Rect(body.x, y, line.indent, row.height),
                              ctx.palette.accent, line.px, align="left", px=line.px)
            y += int(line.px * 1.3)

    def lay_out(self, ctx: Ctx, service: Service, width: int, px: int) -> list[_Line]:
        p, lang = ctx.palette, ctx.lang
        guide = service.guide
        lines: list[_Line] = []
        if guide is None:
            return lines
        sections = (("steps", guide.steps, True), ("materials", guide.materials, False), ("notes", guide.notes, False))
        for key, items, numbered in sections:
            if not items:
                continue
            lines.append(_Line(tr(key, lang), px, p.accent, 0, int(px * 0.5) if lines else 0, True))
            widest = f"{len(items)}." if numbered else "•"
            indent = ctx.text.measure(widest, "en", px).width + int(px * 0.45)
            for i, item in enumerate(items, 1):
                mark = f"{i}." if numbered else "•"
                wrapped = ctx.text.wrap(ctx.pick(item), lang, px, width - indent, bold=False)
                for j, part in enumerate(wrapped):
                    lines.append(_Line(part, px, p.text, indent, 0, False, mark if j == 0 else ""))
        return lines


def _height(lines: list[_Line]) -> int:
    return sum(line.gap_before + int(line.px * 1.3) for line in lines)
