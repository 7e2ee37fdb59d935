"""An urgent notice from a manager, over the layout until cleared.

``banner``: a band across the bottom of the screen (the call banner and boards
above stay visible). ``fullscreen``: the whole screen, with the newest call kept
in a line at the bottom, because citizens still need to hear and see their
number during an announcement.
"""

from __future__ import annotations

from typing import Any, Hashable

import pygame

from ...i18n import t as tr
from .base import Ctx

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
        return repr(text), self.style(notice), ctx.lang, ctx.palette, newest

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
        ctx.text.draw(surface, f"{tr('urgent_notice', ctx.zh)}  {tr('urgent_notice', 'en')}", ctx.zh,
                      head.inflate(-w // 10, -head.height // 4), p.background, int(head.height * 0.6))
        foot_h = int(h * 0.14)
        body = pygame.Rect(0, head.bottom, w, h - head.height - foot_h).inflate(-w // 10, -h // 20)
        px, lines = ctx.text.fit_wrapped(message, ctx.lang, body.width, body.height, int(min(w, h) * 0.1))
        ctx.text.draw_lines(surface, lines, ctx.lang, body, p.text, px, align="center", valign="center")
        call = ctx.view.recent_calls[0] if ctx.view.recent_calls else None
        if call is not None:
            foot = pygame.Rect(0, h - foot_h, w, foot_h)
            surface.fill(p.panel, foot)
            line = f"{call.number} → {tr('window_n', ctx.zh, window=call.window)} / {tr('window_n', 'en', window=call.window)}"
            ctx.text.draw(surface, line, ctx.zh, foot.inflate(-w // 10, -foot_h // 4), p.highlight,
                          int(foot_h * 0.6))
        return surface
