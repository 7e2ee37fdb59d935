"""Per service: how many are waiting and how long a new ticket would wait.

A row reads "身份证办理   12   约 9–20 分钟". The estimate is the hub's
(``estimates`` messages), worded by the one rule of estimates
(:func:`signage.i18n.wait_text`, docs/estimates.md): "无需等待" when nobody is
waiting, its 10–90% range when that says something, else "约 14 分钟". When no
window serving the service is open, the row says when it opens again
("13:00 起办理"). A service the hub has no estimate for shows its count only;
an estimate for a service this hall file does not know is ignored.

**Pages.** Rows are never drawn below the legibility rule: the count and the
estimate get the width their words need at the smallest legible size, a name
takes two lines (or its ``short`` form) where it must, and when the rows do not
all fit the board shows them a page at a time, each page whole, with "1/2"
after its title; a page stays ``page_seconds`` (by default the screen's
``rotate_seconds`` times its number of languages). Validation draws every page
and says "paginated into N pages".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Hashable

import pygame

from ...i18n import t as tr
from ...i18n import wait_text
from ...scripts import full_width
from .. import sizing
from ..text import lines_height
from .base import Ctx, mix
from .paging import Paged, balanced, draw_page_number, number_room, rows_area

SAMPLES = (("minutes_range", {"low": 88, "high": 88}), ("about_minutes", {"minutes": 88}),
           ("closed_until", {"time": "88:88"}), ("no_wait", {}))


@dataclass(frozen=True)
class Plan:
    cols: int
    per: int                 # rows in a column of a page
    pages: tuple[tuple[str, ...], ...]
    header: int              # height of the title row
    count_w: int             # widths the count and the estimate need at the smallest legible size
    est_w: int
    misses: int = 0
    indicator: int = 0       # room kept for "1/2" (see paging.rows_area)


class WaitingBoard(Paged):
    name = "waiting_board"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._plan: tuple[Hashable, Plan] | None = None

    def services(self, ctx: Ctx) -> list[str]:
        known = [s.id for s in ctx.config.services]
        if self.options is not None and self.options.services:
            return [s for s in self.options.services if s in known]
        return known

    def key(self, ctx: Ctx) -> Hashable:
        services = self.services(ctx)
        plan = self.plan(ctx, services)
        k = self.page(ctx, plan)
        rows = tuple((s, ctx.view.waiting.get(s), _estimate_key(ctx.view.estimates.get(s)))
                     for s in plan.pages[k])
        return rows, ctx.lang, ctx.palette, k, len(plan.pages)

    # --- pages ------------------------------------------------------------------------------

    def plan(self, ctx: Ctx, services: list[str]) -> Plan:
        area = self.inner(0.03)
        langs = ctx.all_langs
        key = (area.size, tuple(services), langs, ctx.text.min_glyph, ctx.palette.scale)
        if self._plan is not None and self._plan[0] == key:
            return self._plan[1]
        plan = self._make_plan(ctx, area, services, langs)
        if len(plan.pages) > 1:  # room for "1/2" beside (a wide board) or under the rows
            room = number_room(ctx, area, len(plan.pages))
            plan = self._make_plan(ctx, rows_area(area, room), services, langs)
            plan = Plan(plan.cols, plan.per, plan.pages, plan.header, plan.count_w, plan.est_w, plan.misses, room)
        self._plan = (key, plan)
        return plan

    def _make_plan(self, ctx: Ctx, area: pygame.Rect, services: list[str], langs: tuple[str, ...]) -> Plan:
        text = ctx.text
        p = ctx.palette
        n = len(services)

        def floor_box(t: str, lang: str, bold: bool = True) -> pygame.Rect:
            return text.measure(t, lang, text.floor_px(t, lang, bold), bold)

        heads = [floor_box(tr(k, lang), lang, b) for lang in langs for k, b in
                 (("waiting", True), ("people", False), ("wait_time", False))]
        count_need = max([floor_box("999", "en").width] + [floor_box(tr("people", lang), lang, False).width
                                                           for lang in langs])
        est_need = max([floor_box(tr(k, lang, **f), lang).width for lang in langs for k, f in SAMPLES] +
                       [floor_box(tr("wait_time", lang), lang, False).width for lang in langs])
        line_need = max([floor_box("88", "en").height] + [floor_box(tr(k, lang, **f), lang).height
                                                          for lang in langs for k, f in SAMPLES])
        head_need = int((max(r.height for r in heads) + 2) / 0.75) + 1 if heads else 0
        names = {(sid, lang): (ctx.pick(ctx.config.service(sid).name, lang),
                               ctx.pick(ctx.config.service(sid).short, lang) if ctx.config.service(sid).short else "")
                 for sid in services for lang in langs}
        # the longest name in full-width characters (a Chinese character one, a Latin letter half)
        names_longest = max((int(full_width(nm)) for nm, _ in names.values()), default=4)
        first_cols, _ = sizing.waiting_columns(area.width, area.height, n, p.scale, max(4, min(names_longest, 10)))
        best: Plan | None = None
        best_rank: tuple | None = None
        for cols in dict.fromkeys((first_cols, 1, 2, 3)):
            if cols > 1 and n < cols * 2:
                continue
            col_w = area.width / cols
            gutter = int(col_w * 0.04) if cols > 1 else 0
            cell_w = round(col_w) - gutter - max(4, (round(col_w) - gutter) // 30)
            gap = cell_w // 30
            # the figures take what they need at the smallest legible size (their share of a
            # roomy row at most); the names the rest
            count_w = max(min(int(cell_w * 0.13), count_need * 2), count_need + 2)
            est_w = max(min(cell_w - int(cell_w * 0.5) - int(cell_w * 0.13) - gap, int(est_need * 1.15)),
                        est_need + 2)
            name_w = cell_w - count_w - est_w - 2 * gap
            misses = 0
            two = False
            if name_w < 8:
                misses += len(names)
            else:
                for (sid, lang), (nm, short) in names.items():
                    px = text.floor_px(nm, lang)
                    if text.measure(nm, lang, px).width <= name_w:
                        continue
                    if short and text.measure(short, lang, text.floor_px(short, lang)).width <= name_w:
                        continue  # the hall's own short name, on one line
                    lines = text.wrap(nm, lang, px, name_w)
                    if len(lines) <= 2 and all(text.measure(x, lang, px).width <= name_w for x in lines):
                        two = True
                        continue
                    misses += 1
            cell_h = max(line_need + 2, lines_height(2, max(text.floor_px(nm, lang) for (_, lang), (nm, _)
                                                            in names.items()), 1.1) + 2 if two else 0)
            row_need = cell_h + 2 * max(2, math.ceil(cell_h / 6)) + 1
            fits = max(1, n)
            for per in range(math.ceil(n / cols), 0, -1):
                hh = max(sizing.list_rows(area.height, per)[0], head_need)
                if (area.height - hh) / per >= row_need:
                    fits = per
                    break
            else:
                misses += 1
                fits = 1
            per = min(fits, math.ceil(n / cols))
            pages = max(1, math.ceil(n / (per * cols)))
            hh = max(sizing.list_rows(area.height, per)[0], head_need)
            split = balanced(services, pages)
            plan = Plan(cols, per if pages > 1 else math.ceil(n / cols), split, hh, count_w, est_w, misses)
            rank = (misses, pages, -((area.height - hh) / max(1, per)) * min(1.0, cols / first_cols))
            if best_rank is None or rank < best_rank:
                best, best_rank = plan, rank
            if ctx.text.min_glyph <= 0:
                break
        return best or Plan(1, 1, ((),), 0, 0, 0)

    def render(self, ctx: Ctx) -> pygame.Surface:
        p = ctx.palette
        surface = self.blank(ctx)
        full = self.inner(0.03)
        lang = ctx.lang
        plan = self.plan(ctx, self.services(ctx))
        area = rows_area(full, plan.indicator)
        k = self.page(ctx, plan)
        services = list(plan.pages[k])
        cache_key = (k, plan, tuple((s, ctx.view.waiting.get(s), _estimate_key(ctx.view.estimates.get(s)))
                                    for s in services), lang, p, surface.get_size())
        hit = self.kept_page(cache_key)
        if hit is not None:
            surface.blit(hit, (0, 0))
            return surface
        names = [ctx.pick(ctx.config.service(s).name) for s in services]
        cols, per = plan.cols, plan.per
        hh = plan.header
        rh = (area.height - hh) / max(1, per)
        px = sizing.row_px(rh, p.scale)
        title = pygame.Rect(area.x, area.y, area.width, hh).inflate(0, -hh // 4)
        heading = tr("waiting", lang)
        if len(plan.pages) > 1:
            side = area.height == full.height
            box = pygame.Rect(area.right, full.bottom - plan.indicator, full.right - area.right, plan.indicator) \
                if side else pygame.Rect(full.x, area.bottom, full.width, full.bottom - area.bottom)
            draw_page_number(ctx, surface, box, k, len(plan.pages), full.height, side)
            ctx.text.note(f"{sum(len(x) for x in plan.pages)} services", lang,
                          f"paginated into {len(plan.pages)} pages of up to {len(plan.pages[0])}")
        col_w = area.width / cols
        gutter = int(col_w * 0.04) if cols > 1 else 0
        widths = (plan.count_w, plan.est_w)
        head_row = pygame.Rect(area.x, title.y, round(col_w) - gutter, title.height)
        name_head, _, _ = _columns(head_row.inflate(-max(4, head_row.width // 30), 0), *widths)
        ctx.text.draw(surface, heading, lang, pygame.Rect(title.x, title.y, name_head.right - title.x, title.height),
                      p.accent, int(hh * 0.62), align="left")
        for c in range(cols):  # column heads: the cells below hold bare figures
            head_row = pygame.Rect(round(area.x + c * col_w), title.y, round(col_w) - gutter, title.height)
            _, count_box, est_box = _columns(head_row.inflate(-max(4, head_row.width // 30), 0), *widths)
            hpx = int(hh * 0.42)
            ctx.text.draw(surface, tr("people", lang), lang, count_box, p.muted, hpx, align="right", bold=False)
            ctx.text.draw(surface, tr("wait_time", lang), lang, est_box, p.muted, hpx, align="right", bold=False)
        # one size for every name and every estimate where possible: a board of mixed sizes reads badly
        cells = [_columns(self._cell(area, hh, rh, col_w, gutter, per, i), *widths) for i in range(len(services))]
        name_px = self._common(ctx, [(n, c[0]) for n, c in zip(names, cells)], px, two_lines=True)
        est_px = self._common(ctx, [(t, c[2]) for t, c in zip(
            (self._estimate_text(ctx, s) for s in services), cells) if t], px)
        for i, (sid, name) in enumerate(zip(services, names)):
            c, r = i // per, i % per
            row = pygame.Rect(round(area.x + c * col_w), round(area.y + hh + r * rh), round(col_w) - gutter, round(rh))
            if r % 2 == 0:
                pygame.draw.rect(surface, mix(p.panel, p.text, 0.08), row, border_radius=max(0, row.height // 6))
            cell = row.inflate(-max(4, row.width // 30), -max(2, row.height // 8))
            name_box, count_box, est_box = _columns(cell, *widths)
            short = ctx.config.service(sid).short
            self.draw_name(ctx, surface, name_box, name, name_px, ctx.pick(short) if short else None)
            n = ctx.view.waiting.get(sid)
            if n is not None:
                ctx.text.draw(surface, str(n), "en", count_box, p.text, min(px, int(name_px * 1.15)), align="right")
            self.draw_estimate(ctx, surface, est_box, ctx.view.estimates.get(sid), n, est_px)
        if len(plan.pages) > 1:
            self.keep_page(ctx, plan, cache_key, surface.copy())
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
        floor = ctx.text.floor_px(name, ctx.lang)
        if short and lines_height(2, floor, 1.1) > box.height:  # no room for two lines: the short name
            ctx.text.draw(surface, name, ctx.lang, box, ctx.palette.text, px, align="left", px=one, short=short)
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


def _columns(cell: pygame.Rect, count_w: int = 0, est_w: int = 0) -> tuple[pygame.Rect, pygame.Rect, pygame.Rect]:
    """The name, count and estimate boxes of a row: half the row for the name, unless the
    count and the estimate need more at the smallest legible size (``count_w``, ``est_w``)."""
    gap = cell.width // 30
    wc = count_w or int(cell.width * 0.13)
    we = est_w or cell.width - int(cell.width * 0.5) - int(cell.width * 0.13) - gap
    wn = max(1, cell.width - wc - we - gap)
    name = pygame.Rect(cell.x, cell.y, max(1, wn - gap), cell.height)
    count = pygame.Rect(cell.x + wn, cell.y, wc, cell.height)
    est = pygame.Rect(count.right + gap, cell.y, max(1, cell.right - count.right - gap), cell.height)
    return name, count, est


def _estimate_key(est: Any) -> Hashable:
    if not isinstance(est, dict):
        return None
    return tuple(str(est.get(k)) for k in ("minutes", "low", "high", "closed_until"))
