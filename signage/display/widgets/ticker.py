"""Civility and notice messages scrolling right to left at a constant speed.

The position is a function of time, not of frames: a slow frame makes the
text jump ahead, never slow down. Each message appears in every language of
the screen, one after the other, so language rotation never makes the line
jump. A message with a ``schedule`` shows only on its days, dates and hours
(the hall's time zone). Each piece of text is rendered once, opaque on the
ticker's background, and only blitted while it scrolls.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Hashable
from zoneinfo import ZoneInfo

import pygame

from ...config.model import WEEKDAYS, minutes_of
from ...i18n import pick
from .. import sizing
from .base import Ctx, Widget

SEPARATOR = "◆"
MAX_LINE_WIDTH = 16000


class Ticker(Widget):
    name = "ticker"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._items_key: Hashable = None
        self._items: list[tuple[pygame.Surface, int, int]] = []  # surface, x in the loop, y in the panel
        self._texts_key: Hashable = None
        self._texts: list[tuple[str, str]] = []
        self._loop = 0
        self._t0 = 0.0
        self._static: str | None = None

    def texts(self, ctx: Ctx) -> list[tuple[str, str]]:
        """(text, lang) of every message in force now, in each of the screen's languages."""
        # schedules are in minutes: work it out once a minute, or when the messages change
        key = (ctx.view.rev["messages"], ctx.view.rev["config"], id(ctx.config), int(ctx.now // 60), ctx.langs)
        if key != self._texts_key:
            self._texts, self._texts_key = self._compute_texts(ctx), key
        return self._texts

    def _compute_texts(self, ctx: Ctx) -> list[tuple[str, str]]:
        kinds = self.options.kinds if self.options and self.options.kinds else None
        local = _local(ctx)
        out: list[tuple[str, str]] = []
        for m in ctx.view.current_messages():
            if kinds and m.get("kind", "civility") not in kinds:
                continue
            if not in_schedule(m.get("schedule"), local):
                continue
            seen: set[str] = set()
            for lang in ctx.langs:
                s = pick(m.get("text"), lang).strip()
                if s and s not in seen:  # a message written in Chinese only is shown once
                    seen.add(s)
                    out.append((s, lang))
        return out

    def speed(self) -> float:
        base = self.options.speed if self.options else 120.0
        return base * min(self.screen.canvas_size) / 1080

    def _rebuild(self, ctx: Ctx, texts: list[tuple[str, str]]) -> None:
        p = ctx.palette
        area = self.inner(0.0)
        px = sizing.ticker_px(area.height, p.scale, self.screen.canvas_size)
        spacing = int(px * 1.6)
        baseline = area.height // 2 + int(px * 0.38)
        sep, sep_ink = ctx.text.render(SEPARATOR, "en", max(6, px // 3), p.accent, bg=p.panel)
        self._items = []
        x = 0
        for text, lang in texts:
            # (a line is one surface: keep it within what SDL allows)
            px_fit = ctx.text.fit(text, lang, MAX_LINE_WIDTH, area.height, px)
            surf, ink = ctx.text.render(text, lang, px_fit, p.text, bg=p.panel)
            self._items.append((surf, x, baseline - ink.y))
            x += ink.width
            # a small mark half way to the next message
            self._items.append((sep, x + (spacing - sep.get_width()) // 2, (area.height - sep.get_height()) // 2))
            x += spacing
        # a loop shorter than the panel would show the same text twice at once
        self._loop = max(x, area.width + spacing)
        self._t0 = ctx.t
        self._static = None if texts else ctx.pick(ctx.config.hall.name)

    def draw(self, canvas: pygame.Surface, ctx: Ctx, force: bool = False,
             may_render: bool = True) -> list[pygame.Rect]:
        texts = self.texts(ctx)
        key = (tuple(texts), ctx.palette, ctx.langs)
        if key != self._items_key:
            self._rebuild(ctx, texts)
            self._items_key = key
            force = True
        if self._static is not None:  # nothing to scroll: the hall's name, still
            if not force and self._surface is not None:
                return []
            self._surface = self.blank(ctx)
            ctx.text.draw(self._surface, self._static, ctx.zh, self.inner(0.1), ctx.palette.muted,
                          sizing.ticker_px(self.inner(0.0).height, ctx.palette.scale, self.screen.canvas_size))
            canvas.blit(self._surface, self.rect)
            return [self.rect.copy()]
        if self._surface is None or force:
            self._surface = self.blank(ctx)
            canvas.blit(self._surface, self.rect)
        area = self.inner(0.0).move(self.rect.topleft)
        clip = canvas.get_clip()
        canvas.set_clip(area)
        canvas.fill(ctx.palette.panel, area)
        # the loop's coordinate at the panel's left edge: text is there from the first frame
        s = ((ctx.t - self._t0) * self.speed()) % self._loop
        for shift in (0, self._loop):
            for surf, x, y in self._items:
                left = int(area.x + x + shift - s)
                if left < area.right and left + surf.get_width() > area.x:
                    canvas.blit(surf, (left, area.y + y))
        canvas.set_clip(clip)
        return [area]

    def key(self, ctx: Ctx) -> Hashable:  # not used: draw() is per frame
        return None


def _local(ctx: Ctx) -> dt.datetime:
    try:
        zone = ZoneInfo(ctx.config.hall.timezone)
    except Exception:
        zone = None
    return dt.datetime.fromtimestamp(ctx.now, zone)


def in_schedule(schedule: Any, local: dt.datetime) -> bool:
    """Whether a message's schedule (as in the hall file, ``from``/``to``) includes ``local``."""
    if not isinstance(schedule, dict):
        return True
    days = schedule.get("days")
    if isinstance(days, list) and days and WEEKDAYS[local.weekday()] not in days:
        return False
    dates = schedule.get("dates")
    if isinstance(dates, list) and dates and local.date().isoformat() not in dates:
        return False
    start = schedule.get("from", schedule.get("start", "00:00"))
    end = schedule.get("to", schedule.get("end", "24:00"))
    try:
        lo, hi = minutes_of(str(start)), minutes_of(str(end))
    except (ValueError, AttributeError):
        return True
    minute = local.hour * 60 + local.minute
    return lo <= minute < hi if lo <= hi else (minute >= lo or minute < hi)  # overnight: 22:00-06:00
