"""An urgent notice from a manager, over the layout until cleared.

``banner``: a band across the bottom of the screen (the call banner and boards
above stay visible). ``fullscreen``: the whole screen, with the newest call kept
in a line at the bottom, because citizens still need to hear and see their
number during an announcement.

Its words are in the language of the screen's turn, as its message is ("Urgent notice" /
"Aviso urgente"); the newest call's line is in the languages of the screen's call banner
(every language of the screen, or its ``languages`` option), like the banner it stands in for.
The title leaves room for the offline badge in the top right corner.
"""

from __future__ import annotations

from typing import Any, Hashable

import pygame

from ...config.widgets import CallBannerOptions
from ...i18n import t as tr
from .base import Ctx
from .call_banner import banner_langs, destination_lines, draw_run
from .status_badge import StatusBadge

BANNER_SHARE = 0.16  # of the screen's height


class NoticeOverlay:
    def __init__(self, canvas: tuple[int, int]) -> None:
        self.canvas = canvas

    @staticmethod
    def style(notice: dict[str, Any]) -> str:
        return "fullscreen" if notice.get("style") == "fullscreen" else "banner"

    def rect(self, notice: dict[str, Any]) -> pygame.Rect:
        w, h = self.canvas
        if self.style(notice) == "fullscreen":
            return pygame.Rect(0, 0, w, h)
        bh = max(24, round(h * BANNER_SHARE))
        return pygame.Rect(0, h - bh, w, bh)

    def key(self, ctx: Ctx, notice: dict[str, Any]) -> Hashable:
        text = notice.get("text")
        call = ctx.view.recent_calls[0] if ctx.view.recent_calls else None
        newest = (call.number, call.window) if call and self.style(notice) == "fullscreen" else None
        return repr(text), self.style(notice), ctx.lang, ctx.palette, newest, self.call_langs(ctx)

    @staticmethod
    def call_langs(ctx: Ctx) -> tuple[str, ...]:
        """The languages of the newest call's line: those of the screen's call banner."""
        options = None
        for region in ctx.screen.regions:
            if region.widget == "call_banner":
                try:
                    options = CallBannerOptions.model_validate(region.options or {})
                except Exception:  # validation reports it; the defaults meanwhile
                    options = None
                break
        return banner_langs(ctx, options)

    def render(self, ctx: Ctx, notice: dict[str, Any]) -> pygame.Surface:
        p = ctx.palette
        r = self.rect(notice)
        surface = pygame.Surface(r.size)
        message = ctx.pick(notice.get("text") if isinstance(notice.get("text"), (dict, str)) else "")
        if self.style(notice) == "banner":
            surface.fill(p.warning)
            pad = max(4, r.height // 10)
            label_w = int(r.width * 0.16)
            label = pygame.Rect(pad, pad, label_w, r.height - 2 * pad)
            ctx.text.draw(surface, tr("notice", ctx.lang), ctx.lang, label, p.background, int(label.height * 0.6))
            pygame.draw.line(surface, p.background, (label.right + pad, pad), (label.right + pad, r.height - pad),
                             max(2, pad // 3))
            body = pygame.Rect(label.right + 2 * pad, pad, r.width - label.right - 3 * pad, r.height - 2 * pad)
            px, lines = ctx.text.fit_wrapped(message, ctx.lang, body.width, body.height, int(body.height * 0.6),
                                             max_lines=2)
            ctx.text.draw_lines(surface, lines, ctx.lang, body, p.background, px, valign="center")
            return surface
        surface.fill(p.background)
        w, h = r.size
        head = pygame.Rect(0, 0, w, int(h * 0.16))
        surface.fill(p.warning, head)
        badge = StatusBadge(self.canvas).rect(ctx)  # the corner the offline badge may take
        side = max(w // 20, w - badge.x + badge.y)
        title = pygame.Rect(side, head.y, max(1, w - 2 * side), head.height).inflate(0, -head.height // 4)
        ctx.text.draw(surface, tr("urgent_notice", ctx.lang), ctx.lang, title, p.background, int(head.height * 0.6))
        foot_h = int(h * 0.14)
        body = pygame.Rect(0, head.bottom, w, h - head.height - foot_h).inflate(-w // 10, -h // 20)
        px, lines = ctx.text.fit_wrapped(message, ctx.lang, body.width, body.height, int(min(w, h) * 0.1))
        ctx.text.draw_lines(surface, lines, ctx.lang, body, p.text, px, align="center", valign="center")
        call = ctx.view.recent_calls[0] if ctx.view.recent_calls else None
        if call is not None:
            foot = pygame.Rect(0, h - foot_h, w, foot_h)
            surface.fill(p.panel, foot)
            parts = destination_lines(ctx, call.window, self.call_langs(ctx))
            parts[0] = (parts[0][0], f"{call.number} → {parts[0][1]}")
            draw_run(ctx, surface, parts, foot.inflate(-w // 10, -foot_h // 4), p.highlight, int(foot_h * 0.6))
        return surface
