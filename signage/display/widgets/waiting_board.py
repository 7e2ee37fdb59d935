"""Per service: how many are waiting and how long a new ticket would wait.

A row reads "身份证办理   12   约 9–20 分钟". The estimate is the hub's
(``estimates`` messages), worded by the one rule of estimates
(:func:`signage.i18n.wait_text`, docs/estimates.md): "无需等待" when nobody is
waiting, its 10–90% range when that says something, else "约 14 分钟". When no
window serving the service is open, the row says when it opens again
("13:00 起办理"). A service the hub has no estimate for shows its count only;
an estimate for a service this hall file does not know is ignored.
"""

from __future__ import annotations

import math
from typing import Any, Hashable

import pygame

from ...i18n import t as tr
from ...i18n import wait_text
from .. import sizing
from .base import Ctx, Widget, mix


class WaitingBoard(Widget):
    name = "waiting_board"

    def services(self, ctx: Ctx) -> list[str]:
        known = [s.id for s in ctx.config.services]
        if self.options is not None and self.options.services:
            return [s for s in self.options.services if s in known]
        return known

    def key(self, ctx: Ctx) -> Hashable:
        rows = tuple((s, ctx.view.waiting.get(s), _estimate_key(ctx.view.estimates.get(s)))
                     for s in self.services(ctx))
        return rows, ctx.lang, ctx.palette

    def render(self, ctx: Ctx) -> pygame.Surface:
        p = ctx.palette
        surface = self.blank(ctx)
        area = self.inner(0.03)
        services = self.services(ctx)
        lang = ctx.lang
        names = [ctx.pick(ctx.config.service(s).name) for s in services]
        longest = max((len(n) if lang != "en" else len(n) // 2 for n in names), default=4)
        cols, _ = sizing.waiting_columns(area.width, area.height, len(services), p.scale, max(4, min(longest, 10)))
        per = max(1, math.ceil(len(services) / cols))
        hh, rh = sizing.list_rows(area.height, per)
        px = sizing.row_px(rh, p.scale)
        title = pygame.Rect(area.x, area.y, area.width, hh).inflate(0, -hh // 4)
        ctx.text.draw(surface, tr("waiting", lang), lang, title, p.accent, int(hh * 0.62), align="left")
        col_w = area.width / cols
        gutter = int(col_w * 0.04) if cols > 1 else 0
        for c in range(cols):  # column heads: the cells below hold bare figures
            head_row = pygame.Rect(round(area.x + c * col_w), title.y, round(col_w) - gutter, title.height)
            _, count_box, est_box = _columns(head_row.inflate(-max(4, head_row.width // 30), 0))
            hpx = int(hh * 0.42)
            ctx.text.draw(surface, tr("people", lang), lang, count_box, p.muted, hpx, align="right", bold=False)
            ctx.text.draw(surface, tr("wait_time", lang), lang, est_box, p.muted, hpx, align="right", bold=False)
        # one size for every name and every estimate where possible: a board of mixed sizes reads badly
        cells = [_columns(self._cell(area, hh, rh, col_w, gutter, per, i)) for i in range(len(services))]
        name_px = self._common(ctx, [(n, c[0]) for n, c in zip(names, cells)], px, two_lines=True)
        est_px = self._common(ctx, [(t, c[2]) for t, c in zip(
            (self._estimate_text(ctx, s) for s in services), cells) if t], px)
        for i, (sid, name) in enumerate(zip(services, names)):
            c, r = i // per, i % per
            row = pygame.Rect(round(area.x + c * col_w), round(area.y + hh + r * rh), round(col_w) - gutter, round(rh))
            if r % 2 == 0:
                pygame.draw.rect(surface, mix(p.panel, p.text, 0.08), row, border_radius=max(0, row.height // 6))
            cell = row.inflate(-max(4, row.width // 30), -max(2, row.height // 8))
            name_box, count_box, est_box = _columns(cell)
            short = ctx.config.service(sid).short
            self.draw_name(ctx, surface, name_box, name, name_px, ctx.pick(short) if short else None)
            n = ctx.view.waiting.get(sid)
            if n is not None:
                ctx.text.draw(surface, str(n), "en", count_box, p.text, min(px, int(name_px * 1.15)), align="right")
            self.draw_estimate(ctx, surface, est_box, ctx.view.estimates.get(sid), n, est_px)
        return surface

    @staticmethod
    def _cell(area: pygame.Rect, hh: int, rh: float, col_w: float, gutter: int, per: int, i: int) -> pygame.Rect:
        c, r = i // per, i % per
        row = pygame.Rect(round(area.x + c * col_w), round(area.y + hh + r * rh), round(col_w) - gutter, round(rh))
        return row.inflate(-max(4, row.width // 30), -max(2, row.height // 8))

    def _common(self, ctx: Ctx, items: list[tuple[str, pygame.Rect]], px: int, two_lines: bool = False) -> int:
        """A size most items (three in four) can share; the few longer ones shrink on their own."""
        sizes = []
        for text, box in items:
            fit = ctx.text.fit(text, ctx.lang, box.width, box.height, px)
            if two_lines and fit < px * 0.8:
                fit = max(fit, ctx.text.fit_wrapped(text, ctx.lang, box.width, box.height, px,
                                                    max_lines=2, spacing=1.1)[0])
            sizes.append(fit)
        if not sizes:
            return px
        sizes.sort()
        return sizes[len(sizes) // 4]

    def _estimate_text(self, ctx: Ctx, service: str) -> str:
        return wait_text(ctx.view.estimates.get(service), ctx.lang, ctx.view.waiting.get(service))

    def draw_name(self, ctx: Ctx, surface: pygame.Surface, box: pygame.Rect, name: str, px: int,
                  short: str | None = None) -> None:
        """One line if it fits at a good size, else two lines rather than tiny text; at the
        smallest legible size, the service's short name (else the name cut)."""
        one = ctx.text.fit(name, ctx.lang, box.width, box.height, px)
        fits = ctx.text.measure(name, ctx.lang, one).width <= box.width
        if one >= px * 0.8 and fits:
            ctx.text.draw(surface, name, ctx.lang, box, ctx.palette.text, px, align="left", px=one)
            return
        two, lines = ctx.text.fit_wrapped(name, ctx.lang, box.width, box.height, int(px * 0.75), max_lines=2,
                                          spacing=1.1)
        wrapped = lines_fit(ctx, lines, box, two)
        if two <= one or not wrapped:
            ctx.text.draw(surface, name, ctx.lang, box, ctx.palette.text, px, align="left", px=one, short=short)
            return
        ctx.text.draw_lines(surface, lines, ctx.lang, box, ctx.palette.text, two, spacing=1.1, valign="center")

    def draw_estimate(self, ctx: Ctx, surface: pygame.Surface, box: pygame.Rect, est: Any, waiting: int | None,
                      px: int) -> None:
        """The estimate in the one wording of estimates (:func:`signage.i18n.wait_text`), counted
        with the board's own count, so the two cells of a row never disagree."""
        words = wait_text(est, ctx.lang, waiting)
        if not words:
            return
        closed = isinstance(est, dict) and isinstance(est.get("closed_until"), str) and est["closed_until"]
        ctx.text.draw(surface, words, ctx.lang, box, ctx.palette.warning if closed else ctx.palette.highlight, px,
                      align="right")


def lines_fit(ctx: Ctx, lines: list[str], box: pygame.Rect, px: int) -> bool:
    """Whether wrapped lines are each within the box's width (no word had to be cut)."""
    return bool(lines) and all(ctx.text.measure(line, ctx.lang, px).width <= box.width for line in lines) and \
        not any(line.endswith("…") for line in lines)


def _columns(cell: pygame.Rect) -> tuple[pygame.Rect, pygame.Rect, pygame.Rect]:
    """The name, count and estimate boxes of a row."""
    gap = cell.width // 30
    wn, wc = int(cell.width * 0.5), int(cell.width * 0.13)
    name = pygame.Rect(cell.x, cell.y, wn - gap, cell.height)
    count = pygame.Rect(cell.x + wn, cell.y, wc, cell.height)
    est = pygame.Rect(count.right + gap, cell.y, cell.right - count.right - gap, cell.height)
    return name, count, est


def _estimate_key(est: Any) -> Hashable:
    if not isinstance(est, dict):
        return None
    return tuple(str(est.get(k)) for k in ("minutes", "low", "high", "closed_until"))
