"""Every window with its current ticket and state; on a strip screen, its one window.

A tile reads "3号窗口 / A023 / 办理中". A called ticket is in the highlight colour
(the citizen should come), a paused window says until when, a closed one is
dimmed. A strip screen above a counter (``screen.window``) shows only that
window, in both Chinese and English, as large as its panel allows.
"""

from __future__ import annotations

from typing import Hashable

import pygame

from ...config.model import Window
from ...i18n import t as tr
from ...view import WindowView
from .. import sizing
from .base import Color, Ctx, Widget, mix

KIND_MARK = {"love": "accent", "green": "highlight", "unresolved": "warning"}


class WindowBoard(Widget):
    name = "window_board"

    def numbers(self) -> list[int]:
        if self.options is not None and self.options.windows:
            return list(self.options.windows)
        if self.screen.window is not None:
            return [self.screen.window]
        return sorted(w.number for w in self.config.windows)

    def key(self, ctx: Ctx) -> Hashable:
        states = tuple(_state(ctx.view.window_view(n)) for n in self.numbers())
        single = len(self.numbers()) == 1
        return states, (ctx.zh if single else ctx.lang), ctx.palette

    def render(self, ctx: Ctx) -> pygame.Surface:
        numbers = self.numbers()
        if len(numbers) == 1:
            return self.render_single(ctx, numbers[0])
        surface = self.blank(ctx, ctx.palette.background)
        area = self.inner(0.0)
        cols, rows = sizing.window_grid(area.width, area.height, len(numbers),
                                        self.options.columns if self.options else None)
        g = max(2, sizing.gap(self.screen.canvas_size))
        tw, th = (area.width - g * (cols - 1)) / cols, (area.height - g * (rows - 1)) / rows
        for i, n in enumerate(numbers):
            c, r = i % cols, i // cols
            tile = pygame.Rect(round(area.x + c * (tw + g)), round(area.y + r * (th + g)), int(tw), int(th))
            self.render_tile(ctx, surface, tile, n)
        return surface

    def render_tile(self, ctx: Ctx, surface: pygame.Surface, tile: pygame.Rect, n: int) -> None:
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
        h1, h2 = round(body.height * 0.28), round(body.height * 0.46)
        title = pygame.Rect(body.x, body.y, body.width, h1)
        main = pygame.Rect(body.x, body.y + h1, body.width, h2)
        foot = pygame.Rect(body.x, main.bottom, body.width, body.bottom - main.bottom)
        lang = ctx.lang
        ctx.text.draw(surface, tr("window_n", lang, window=n), lang, title, p.muted if closed else p.accent,
                      label_px, align="left")
        big, small, color, small_color = _describe(ctx, w, lang)
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
        zh = ctx.zh
        label_px, number_px = sizing.strip_px(area.width, area.height)
        names = [tr("window_n", zh, window=n), tr("window_n", "en", window=n)]
        if cfg is not None and cfg.label:
            names[1] = ctx.pick(cfg.label, zh)
        big_zh, small_zh, color, small_color = _describe(ctx, w, zh)
        _, small_en, _, _ = _describe(ctx, w, "en")
        small = "  ".join(s for s in (small_zh, small_en) if s)
        if area.width >= 2 * area.height:
            left = pygame.Rect(area.x, area.y, int(area.width * 0.4), area.height)
            right = pygame.Rect(left.right + area.width // 40, area.y, area.right - left.right - area.width // 40,
                                area.height)
            line = left.height // 2
            ctx.text.draw(surface, names[0], zh, pygame.Rect(left.x, left.y, left.width, int(line * 1.1)), p.accent,
                          label_px, align="left")
            ctx.text.draw(surface, names[1], zh, pygame.Rect(left.x, left.y + int(line * 1.1), left.width,
                                                              left.height - int(line * 1.1)),
                          p.text, int(label_px * 0.6), align="left", bold=False)
            main = pygame.Rect(right.x, right.y, right.width, int(right.height * 0.72))
            foot = pygame.Rect(right.x, main.bottom, right.width, right.bottom - main.bottom)
        else:  # a squarish or portrait panel: stack
            h1 = int(area.height * 0.22)
            ctx.text.draw(surface, f"{names[0]}  {names[1]}", zh, pygame.Rect(area.x, area.y, area.width, h1),
                          p.accent, label_px)
            main = pygame.Rect(area.x, area.y + h1, area.width, int(area.height * 0.55))
            foot = pygame.Rect(area.x, main.bottom, area.width, area.bottom - main.bottom)
        if big_zh:
            ctx.text.draw(surface, big_zh, "en" if w.ticket else zh, main, color,
                          number_px if w.ticket else int(number_px * 0.6))
        if small:
            ctx.text.draw(surface, small, zh, foot, small_color, int(foot.height * 0.7), bold=False)
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
