"""Every window with its current ticket and state; on a strip screen, its one window.

A tile reads "3号窗口 / A023 / 办理中", with the window's label (or the name of
its kind: 爱心服务窗口, 绿色通道...) beside the number, in the language shown. A
called ticket is in the highlight colour (the citizen should come), a paused
window says until when, a closed one is dimmed. A strip screen above a counter
(``screen.window``) shows only that window, its name, label and state in every
language of the screen, as large as its panel allows. ``floors`` keeps the
windows of those floors only.
"""

from __future__ import annotations

from typing import Hashable

import pygame

from ...config.model import Window
from ...i18n import t as tr, window_label
from ...view import WindowView
from .. import sizing
from .base import Color, Ctx, Widget, mix
from .call_banner import draw_run

KIND_MARK = {"love": "accent", "green": "highlight", "unresolved": "warning"}


class WindowBoard(Widget):
    name = "window_board"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._tiles: dict[int, Hashable] = {}  # window -> the key its tile was drawn for, in the picture shown

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
        states = tuple(_state(ctx.view.window_view(n)) for n in numbers)
        single = len(numbers) == 1
        return states, (ctx.all_langs if single else ctx.lang), ctx.palette

    def render(self, ctx: Ctx) -> pygame.Surface:
        numbers = self.numbers()
        if len(numbers) == 1:
            return self.render_single(ctx, numbers[0])
        surface = self.blank(ctx, ctx.palette.background)
        if not numbers:  # ``floors`` left none
            return surface
        area = self.inner(0.0)
        cols, rows = sizing.window_grid(area.width, area.height, len(numbers),
                                        self.options.columns if self.options else None)
        g = max(2, sizing.gap(self.screen.canvas_size))
        tw, th = (area.width - g * (cols - 1)) / cols, (area.height - g * (rows - 1)) / rows
        labelled = any(window_label(ctx.config.window(n), ctx.lang) for n in numbers)
        # a tile is drawn again only when its own window changed (a call redraws one tile);
        # the others are copied from the picture shown now (blank() never hands that one out)
        old, prev, self._tiles = self._surface, self._tiles, {}
        tiles: dict[int, Hashable] = {}
        for i, n in enumerate(numbers):
            c, r = i % cols, i // cols
            tile = pygame.Rect(round(area.x + c * (tw + g)), round(area.y + r * (th + g)), int(tw), int(th))
            key = (_state(ctx.view.window_view(n)), tuple(tile), labelled, ctx.lang, ctx.palette)
            if old is not None and old is not surface and old.get_size() == surface.get_size() and prev.get(n) == key:
                surface.blit(old, tile, tile)
            else:
                self.render_tile(ctx, surface, tile, n, labelled)
            tiles[n] = key
        self._tiles = tiles  # only for a picture drawn whole: a failed one leaves none
        return surface

    def render_tile(self, ctx: Ctx, surface: pygame.Surface, tile: pygame.Rect, n: int,
                    labelled: bool = False) -> None:
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
        if labelled:  # a row of its own under the number for the label (every tile alike)
            h1, hl, h2 = round(body.height * 0.24), round(body.height * 0.17), round(body.height * 0.39)
        else:
            h1, hl, h2 = round(body.height * 0.28), 0, round(body.height * 0.46)
        title = pygame.Rect(body.x, body.y, body.width, h1)
        under = pygame.Rect(body.x, title.bottom, body.width, hl)
        main = pygame.Rect(body.x, under.bottom, body.width, h2)
        foot = pygame.Rect(body.x, main.bottom, body.width, body.bottom - main.bottom)
        big, small, color, small_color = _describe(ctx, w, lang)
        if label and hl:  # "爱心服务专窗", "Priority Care Window": in the kind's colour
            ctx.text.draw(surface, label, lang, under, p.muted if closed else getattr(p, mark or "text"),
                          label_px, align="left", bold=False)
        if name:
            ctx.text.draw(surface, name, lang, title, p.muted if closed else p.accent, label_px, align="left")
        if big:
            ctx.text.draw(surface, big, "en" if w.ticket else lang, main, color,
                          number_px if w.ticket else int(number_px * 0.7))
        if small:
            ctx.text.draw(surface, small, lang, foot, small_color, label_px, bold=False)

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
        described = [(lang, _describe(ctx, w, lang)) for lang in langs]
        big_zh, _, color, small_color = described[0][1]
        # the state in every language: the big text says it in the first, the line under it in all
        small_parts = [d[1] if (lang == first or d[0] == big_zh or d[0] in d[1]) else
                       "  ".join(x for x in (d[0], d[1]) if x) for lang, d in described]
        small = list(dict.fromkeys((lang, x) for (lang, _), x in zip(described, small_parts) if x))
        small = [(lang, x) for i, (lang, x) in enumerate(small) if all(x != y for _, y in small[:i])]
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
        small = "  ".join(x for x in (w.reason if lang != "en" or (w.reason or "").isascii() else "", until) if x)
        return tr("paused", lang), small, p.warning, p.warning
    if w.ticket:
        if w.ticket_state == "serving":
            return w.ticket["number"], tr("serving", lang), p.text, p.muted
        return w.ticket["number"], tr("called", lang), p.highlight, p.highlight
    return tr("free", lang), "", p.muted, p.muted
