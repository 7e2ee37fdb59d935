"""Every window with its current ticket and state; on a strip screen, its one window.

A tile reads "3号窗口 / A023 / 办理中", with the window's label (or the name of
its kind: 爱心服务窗口, 绿色通道...) beside the number, in the language shown. A
called ticket is in the highlight colour (the citizen should come), a paused
window says until when, a closed one is dimmed. A strip screen above a counter
(``screen.window``) shows only that window, its name, label and state in every
language of the screen, as large as its panel allows. ``floors`` keeps the
windows of those floors only.

**Pages.** A tile is never drawn with text below the legibility rule: when the
windows do not all fit at a size whose names, labels, numbers and states are
legible (a label may take two lines), the board shows them a page at a time,
each page whole, with "1/3" in its corner. A page stays ``page_seconds`` (by
default the screen's ``rotate_seconds`` times its number of languages, so that
every page is seen in every language); validation draws every page and says
"paginated into N pages".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Hashable

import pygame

from ...config.model import Window
from ...i18n import t as tr, window_label
from ...scripts import language_of, written_in
from ...view import WindowView
from .. import sizing
from ..text import lines_height
from .base import Color, Ctx, mix
from .call_banner import draw_run
from .paging import Paged, balanced, draw_page_number, number_room, rows_area

KIND_MARK = {"love": "accent", "green": "highlight", "unresolved": "warning"}
SAMPLE_UNTIL = "11:00"  # the widest "paused until" a tile must hold


@dataclass(frozen=True)
class Plan:
    """How the board lays out its windows: a grid of tiles per page, pages in turn."""

    cols: int
    rows: int
    pages: tuple[tuple[int, ...], ...]
    tile_rows: tuple[int, int, int, int]  # heights of the name, label, ticket and state rows of a tile
    label_lines: int                      # lines a label may take (1 or 2)
    footer: int                           # room kept beside (wide boards) or under the tiles for "1/3"
    misses: int = 0                       # texts that do not fit even so (validation says "cut")


class WindowBoard(Paged):
    name = "window_board"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._tiles: dict[int, Hashable] = {}  # window -> the key its tile was drawn for, in the picture shown
        self._plan: tuple[Hashable, Plan] | None = None
        # self._pages (paging.Paged): (picture, self._tiles) of the pages drawn

    def numbers(self) -> list[int]:
        if self.options is not None and self.options.windows:
            numbers = list(self.options.windows)
        elif self.screen.window is not None:
            numbers = [self.screen.window]
        else:
            numbers = sorted(w.number for w in self.config.windows)
        floors = getattr(self.options, "floors", None)
        if floors:
            on = {w.number for w in self.config.windows if w.floor in floors}
            numbers = [n for n in numbers if n in on]
        return numbers

    def key(self, ctx: Ctx) -> Hashable:
        numbers = self.numbers()
        single = len(numbers) == 1
        if single or not numbers:
            states = tuple(_state(ctx.view.window_view(n)) for n in numbers)
            return states, (ctx.all_langs if single else ctx.lang), ctx.palette
        plan = self.plan(ctx, numbers)
        k = self.page(ctx, plan)
        states = tuple(_state(ctx.view.window_view(n)) for n in plan.pages[k])
        return states, ctx.lang, ctx.palette, k, len(plan.pages)

    # --- pages ------------------------------------------------------------------------------

    def plan(self, ctx: Ctx, numbers: list[int]) -> Plan:
        """The fewest pages whose tiles hold every text at a legible size (cached)."""
        area = self.inner(0.0)
        langs = ctx.all_langs
        cols_opt = self.options.columns if self.options else None
        key = (area.size, tuple(numbers), langs, ctx.text.min_glyph, ctx.palette.scale, cols_opt,
               self.config.hall.ticket_digits if self.config.hall else 3)
        if self._plan is not None and self._plan[0] == key:
            return self._plan[1]
        plan = self._make_plan(ctx, area, numbers, langs, cols_opt)
        self._plan = (key, plan)
        return plan

    def _make_plan(self, ctx: Ctx, area: pygame.Rect, numbers: list[int], langs: tuple[str, ...],
                   cols_opt: int | None) -> Plan:
        n = len(numbers)
        g = max(2, sizing.gap(self.screen.canvas_size))
        labelled = any(window_label(ctx.config.window(x), lang) for x in numbers for lang in langs)
        best: Plan | None = None
        last_k = None
        for p in range(1, n + 1):
            k = math.ceil(n / p)
            if k == last_k:
                continue
            last_k = k
            pages = math.ceil(n / k)
            footer = number_room(ctx, area, pages) if pages > 1 else 0
            w, h = rows_area(area, footer).size
            grids = [sizing.window_grid(w, h, k, cols_opt)]
            if cols_opt:
                grids.append(sizing.window_grid(w, h, k, None))
            # other shapes too, in case one holds every label on one line
            grids += [(c, math.ceil(k / c)) for c in range(1, k + 1) if (c, math.ceil(k / c)) not in grids]
            fitting: list[Plan] = []
            for cols, rows in grids:
                tw, th = (w - g * (cols - 1)) / cols, (h - g * (rows - 1)) / rows
                if tw < 8 or th < 8:
                    continue
                misses, tile_rows, lines = self._fit_tile(ctx, int(tw), int(th), numbers, langs, labelled)
                plan = Plan(cols, rows, balanced(numbers, pages), tile_rows, lines, footer, misses)
                if best is None or misses < best.misses:
                    best = plan
                if misses == 0:
                    fitting.append(plan)
                    if lines == 1 or ctx.text.min_glyph <= 0:
                        break
            if fitting:  # the first that fits with one-line labels, else the first that fits
                return next((x for x in fitting if x.label_lines == 1), fitting[0])
            if ctx.text.min_glyph <= 0:
                break  # no rule to keep: one page, as large as it comes
        assert best is not None or n == 0
        return best or Plan(1, 1, ((),), (0, 0, 0, 0), 1, 0)

    def _fit_tile(self, ctx: Ctx, tw: int, th: int, numbers: list[int], langs: tuple[str, ...],
                  labelled: bool) -> tuple[int, tuple[int, int, int, int], int]:
        """How many texts would not fit a tile of tw x th at the smallest legible size, the
        heights of its rows and how many lines a label takes."""
        text = ctx.text
        body = pygame.Rect(0, 0, tw, th).inflate(-tw // 10, -th // 12)
        W, H = body.size
        misses = 0

        def need(t: str, lang: str, bold: bool = True) -> int:
            nonlocal misses
            r = text.measure(t, lang, text.floor_px(t, lang, bold), bold)
            if r.width > W:
                misses += 1
            return r.height + 2

        digits = self.config.hall.ticket_digits if self.config.hall else 3
        title = label = main = foot = 0
        lines = 1
        for lang in langs:
            for n in numbers:
                title = max(title, need(tr("window_n", lang, window=n), lang))
                words = window_label(ctx.config.window(n), lang) if labelled else ""
                if words:
                    px = text.floor_px(words, lang, False)
                    wrapped = text.wrap(words, lang, px, W, False)
                    if len(wrapped) > 2 or any(text.measure(x, lang, px, False).width > W for x in wrapped):
                        misses += 1
                    lines = max(lines, min(2, len(wrapped)))
                    label = max(label, lines_height(min(2, len(wrapped)), px) + 2 if len(wrapped) > 1 else
                                text.measure(words, lang, px, False).height + 2)
            main = max(main, need("A" + "0" * digits, "en"),
                       *(need(tr(k, lang), lang) for k in ("closed", "paused", "free")))
            foot = max(foot, *(need(tr(k, lang), lang, False) for k in ("serving", "called")),
                       need(tr("paused_until", lang, time=SAMPLE_UNTIL), lang, False))
        if labelled:
            shares = (0.24, 0.17, 0.39)
        else:
            shares = (0.28, 0.0, 0.46)
        prop = [round(H * shares[0]), round(H * shares[1]), round(H * shares[2])]
        prop.append(H - sum(prop))
        mins = [title, label if labelled else 0, main, foot]
        if all(a >= b for a, b in zip(prop, mins)):
            h1, hl, h2, hf = prop
        else:  # the rows the texts need at the smallest legible size, the rest shared out
            extra = H - sum(mins)
            if extra < 0:
                misses += 1
                extra = 0
            weights = (0.2, 0.1 if labelled else 0.0, 0.5, 0.2)
            add = [int(extra * x / sum(weights)) for x in weights]
            h1, hl, h2, hf = (m + a for m, a in zip(mins, add))
            h2 += H - (h1 + hl + h2 + hf)
        return misses, (h1, hl, max(1, h2), hf), lines

    def render(self, ctx: Ctx) -> pygame.Surface:
        numbers = self.numbers()
        if len(numbers) == 1:
            return self.render_single(ctx, numbers[0])
        surface = self.blank(ctx, ctx.palette.background)
        if not numbers:  # ``floors`` left none
            return surface
        area = self.inner(0.0)
        plan = self.plan(ctx, numbers)
        k = self.page(ctx, plan)
        shown = plan.pages[k]
        cols, rows = plan.cols, plan.rows
        if len(plan.pages) > 1:
            ctx.text.note(f"{len(numbers)} windows", ctx.lang,
                          f"paginated into {len(plan.pages)} pages of up to {len(plan.pages[0])}")
        cache_key = (k, plan, tuple(_state(ctx.view.window_view(n)) for n in shown), ctx.lang, ctx.palette,
                     surface.get_size())
        hit = self.kept_page(cache_key)
        if hit is not None:
            surface.blit(hit[0], (0, 0))
            self._tiles = dict(hit[1])
            return surface
        g = max(2, sizing.gap(self.screen.canvas_size))
        grid = rows_area(area, plan.footer)
        tw, th = (grid.width - g * (cols - 1)) / cols, (grid.height - g * (rows - 1)) / rows
        labelled = bool(plan.tile_rows[1])
        # a tile is drawn again only when its own window changed (a call redraws one tile);
        # the others are copied from the picture shown now (blank() never hands that one out)
        old, prev, self._tiles = self._surface, self._tiles, {}
        tiles: dict[int, Hashable] = {}
        for i, n in enumerate(shown):
            c, r = i % cols, i // cols
            tile = pygame.Rect(round(grid.x + c * (tw + g)), round(grid.y + r * (th + g)), int(tw), int(th))
            key = (_state(ctx.view.window_view(n)), tuple(tile), plan.tile_rows, ctx.lang, ctx.palette)
            if old is not None and old is not surface and old.get_size() == surface.get_size() and prev.get(n) == key:
                surface.blit(old, tile, tile)
            else:
                self.render_tile(ctx, surface, tile, n, labelled, plan.tile_rows)
            tiles[n] = key
        if plan.footer:
            side = grid.height == area.height
            foot = pygame.Rect(grid.right + g, area.bottom - min(area.height, plan.footer), area.right - grid.right - g,
                               min(area.height, plan.footer)) if side else \
                pygame.Rect(area.x, grid.bottom, area.width, area.bottom - grid.bottom)
            draw_page_number(ctx, surface, foot, k, len(plan.pages), area.height, side)
        self._tiles = tiles  # only for a picture drawn whole: a failed one leaves none
        if len(plan.pages) > 1:
            self.keep_page(ctx, plan, cache_key, (surface.copy(), dict(tiles)))
        return surface

    def render_tile(self, ctx: Ctx, surface: pygame.Surface, tile: pygame.Rect, n: int,
                    labelled: bool = False, tile_rows: tuple[int, int, int, int] | None = None) -> None:
        p = ctx.palette
        w = ctx.view.window_view(n)
        cfg = ctx.config.window(n)
        closed = w.state == "closed"
        pygame.draw.rect(surface, mix(p.panel, p.background, 0.4) if closed else p.panel, tile,
                         border_radius=max(0, tile.height // 10))
        mark = KIND_MARK.get(cfg.kind if cfg else "normal")
        if mark:  # the love window, the green channel: a coloured edge, as on the counters
            edge = pygame.Rect(tile.x, tile.y, max(3, tile.width // 40), tile.height)
            pygame.draw.rect(surface, getattr(p, mark), edge, border_radius=max(0, tile.height // 10))
        label_px, number_px = sizing.tile_px(tile.width, tile.height, p.scale)
        body = tile.inflate(-tile.width // 10, -tile.height // 12)
        lang = ctx.lang
        name = tr("window_n", lang, window=n)
        label = window_label(cfg, lang)
        if tile_rows is not None:
            h1, hl, h2, _ = tile_rows
        elif labelled:  # a row of its own under the number for the label (every tile alike)
            h1, hl, h2 = round(body.height * 0.24), round(body.height * 0.17), round(body.height * 0.39)
        else:
            h1, hl, h2 = round(body.height * 0.28), 0, round(body.height * 0.46)
        if hl and not label:  # this window has no label: its number takes the label's row too
            h2, hl = h2 + hl, 0
        title = pygame.Rect(body.x, body.y, body.width, h1)
        under = pygame.Rect(body.x, title.bottom, body.width, hl)
        main = pygame.Rect(body.x, under.bottom, body.width, h2)
        foot = pygame.Rect(body.x, main.bottom, body.width, body.bottom - main.bottom)
        big, small, color, small_color = _describe(ctx, w, lang)
        if label and hl:  # "爱心服务专窗", "Priority Care Window": in the kind's colour
            self.draw_label(ctx, surface, label, under, p.muted if closed else getattr(p, mark or "text"), label_px)
        if name:
            ctx.text.draw(surface, name, lang, title, p.muted if closed else p.accent, label_px, align="left")
        if big:  # a little air between the number and the state under it
            ctx.text.draw(surface, big, "en" if w.ticket else lang, main.inflate(0, -(main.height // 12)), color,
                          number_px if w.ticket else int(number_px * 0.7))
        if small:
            ctx.text.draw(surface, small, lang, foot, small_color, label_px, bold=False,
                          short=_until(w, lang) or None)

    def draw_label(self, ctx: Ctx, surface: pygame.Surface, label: str, box: pygame.Rect, color: Color,
                   px: int) -> None:
        """A window's label on one line, else on two (at a word boundary) rather than cut."""
        text = ctx.text
        lang = ctx.lang
        one = text.fit(label, lang, box.width, box.height, px, bold=False)
        if text.measure(label, lang, one, False).width <= box.width:
            text.draw(surface, label, lang, box, color, px, align="left", bold=False, px=one)
            return
        two, lines = text.fit_wrapped(label, lang, box.width, box.height, px, max_lines=2, bold=False)
        text.draw_lines(surface, lines, lang, box, color, two, bold=False, valign="center")

    def render_single(self, ctx: Ctx, n: int) -> pygame.Surface:
        """A strip screen: this window's name on the left, its ticket large on the right."""
        p = ctx.palette
        surface = self.blank(ctx)
        area = self.inner(0.05)
        w = ctx.view.window_view(n)
        cfg: Window | None = ctx.config.window(n)
        langs = ctx.all_langs
        first = langs[0]
        label_px, number_px = sizing.strip_px(area.width, area.height)
        # one line per language: "1号窗口  爱心服务专窗", "Window 1  Priority Care Window"
        names = list(dict.fromkeys("  ".join(x for x in (tr("window_n", lang, window=n), window_label(cfg, lang)) if x)
                                   for lang in langs))
        name_langs = [next(lang for lang in langs if "  ".join(
            x for x in (tr("window_n", lang, window=n), window_label(cfg, lang)) if x) == name) for name in names]
        big_zh, small, color, small_color = _strip_state(ctx, w, langs)
        zh = first
        if area.width >= 2 * area.height:
            left = pygame.Rect(area.x, area.y, int(area.width * 0.4), area.height)
            right = pygame.Rect(left.right + area.width // 40, area.y, area.right - left.right - area.width // 40,
                                area.height)
            top = int(left.height * 0.55) if len(names) > 1 else left.height
            ctx.text.draw(surface, names[0], name_langs[0], pygame.Rect(left.x, left.y, left.width, top), p.accent,
                          label_px, align="left")
            rest = names[1:]
            row = (left.height - top) / max(1, len(rest))
            for i, (name, lang) in enumerate(zip(rest, name_langs[1:])):
                ctx.text.draw(surface, name, lang, pygame.Rect(left.x, left.y + top + round(i * row), left.width,
                                                               round(row)),
                              p.text, int(label_px * 0.6), align="left", bold=False)
            main = pygame.Rect(right.x, right.y, right.width, int(right.height * 0.72))
            foot = pygame.Rect(right.x, main.bottom, right.width, right.bottom - main.bottom)
        else:  # a squarish or portrait panel: stack
            h1 = int(area.height * 0.22)
            draw_run(ctx, surface, list(zip(name_langs, names)), pygame.Rect(area.x, area.y, area.width, h1),
                     p.accent, label_px)
            main = pygame.Rect(area.x, area.y + h1, area.width, int(area.height * 0.55))
            foot = pygame.Rect(area.x, main.bottom, area.width, area.bottom - main.bottom)
        if big_zh:
            ctx.text.draw(surface, big_zh, "en" if w.ticket else zh, main, color,
                          number_px if w.ticket else int(number_px * 0.6))
        if small:
            draw_run(ctx, surface, small, foot, small_color, int(foot.height * 0.7), "  ", bold=False)
        return surface


def _state(w: WindowView) -> tuple:
    return (w.number, w.state, w.reason, w.until, (w.ticket or {}).get("number"), w.ticket_state)


def _describe(ctx: Ctx, w: WindowView, lang: str) -> tuple[str, str, Color, Color]:
    """(big text, small text, big colour, small colour) for a window's state."""
    p = ctx.palette
    if w.state == "closed":
        return tr("closed", lang), "", p.muted, p.muted
    if w.state == "paused":
        until = tr("paused_until", lang, time=w.until) if w.until else ""
        reason = w.reason if w.reason and _reason_shown(w.reason, lang, ctx.all_langs) else ""
        small = "  ".join(x for x in (reason, until) if x)
        return tr("paused", lang), small, p.warning, p.warning
    if w.ticket:
        if w.ticket_state == "serving":
            return w.ticket["number"], tr("serving", lang), p.text, p.muted
        return w.ticket["number"], tr("called", lang), p.highlight, p.highlight
    return tr("free", lang), "", p.muted, p.muted


def _strip_state(ctx: Ctx, w: WindowView, langs: tuple[str, ...]
                 ) -> tuple[str, list[tuple[str, str]], Color, Color]:
    """A strip's state in every language it shows: the big text (the ticket, else the state
    in the first language) and the line under it, (language, text) parts: the state in each
    language the big text does not already say it in ("暂停服务" big, "Closed" under it;
    "暂停" big, "暂停至 11:00  Paused until 11:00" under it), the pause's reason once."""
    p = ctx.palette
    first = langs[0]
    big, _, color, small_color = _describe(ctx, w, first)
    parts: list[tuple[str, str]] = []
    if w.state == "paused":
        reason = (w.reason or "").strip()
        face = (language_of(reason, langs) or (first if written_in(reason, "en") else None)) if reason else None
        if face:  # written by the staff in one language: said once, in the face of the first
            # language of the screen written in its script (Latin that none is: the first's)
            parts.append((face, reason))
        for lang in langs:
            words = tr("paused_until", lang, time=w.until) if w.until else tr("paused", lang)
            if words != big:
                parts.append((lang, words))
    else:
        for lang in langs:
            state_big, state_small, _, _ = _describe(ctx, w, lang)
            ticket = bool(w.ticket) and w.state not in ("closed", "paused")  # as _describe has it
            words = state_small if ticket else (state_big if state_big != big else "")
            if words:
                parts.append((lang, words))
    seen: set[str] = set()
    out = []
    for lang, x in parts:
        if x and x not in seen:
            seen.add(x)
            out.append((lang, x))
    return big, out, color, small_color or p.muted


def _reason_shown(reason: str, lang: str, langs: tuple[str, ...]) -> bool:
    """Whether a pause's reason (typed by the staff, in no declared language) is shown in ``lang``:
    when it is written in ``lang``'s script ("午休" on a zh-TW screen, "Almuerzo" on an es or en
    one), or in Latin letters that no language of the screen is written in (every face draws
    them); a reason in another script is left to the languages written in it (signage/scripts.py)."""
    if written_in(reason, lang):
        return True
    return language_of(reason, langs) is None and written_in(reason, "en")


def _until(w: WindowView, lang: str) -> str:
    return tr("paused_until", lang, time=w.until) if w.state == "paused" and w.until else ""
