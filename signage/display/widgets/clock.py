"""The time, large, and the date with its weekday, in the hall's time zone."""

from __future__ import annotations

import datetime as dt
from typing import Hashable
from zoneinfo import ZoneInfo

import pygame

from ...i18n import t as tr
from .. import sizing
from .base import Ctx, Widget


def local_time(ctx: Ctx) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(ctx.now, ZoneInfo(ctx.config.hall.timezone))
    except Exception:  # an unknown zone is reported by validation; meanwhile, the machine's
        return dt.datetime.fromtimestamp(ctx.now)


def date_text(day: dt.datetime, lang: str) -> str:
    if lang == "en":
        return f"{tr('weekday', 'en').split()[day.weekday()]} {day.day} {day:%b} {day.year}"
    weekday = tr("weekday", lang)[day.weekday()]
    return f"{day.year}年{day.month}月{day.day}日  {tr('weekday_prefix', lang)}{weekday}"


class Clock(Widget):
    name = "clock"

    def strings(self, ctx: Ctx) -> tuple[str, str]:
        now = local_time(ctx)
        seconds = self.options is not None and self.options.show_seconds
        time = f"{now:%H:%M:%S}" if seconds else f"{now:%H:%M}"
        show_date = self.options is None or self.options.show_date
        return time, date_text(now, ctx.lang) if show_date else ""

    def key(self, ctx: Ctx) -> Hashable:
        return self.strings(ctx), ctx.palette

    def render(self, ctx: Ctx) -> pygame.Surface:
        p = ctx.palette
        surface = self.blank(ctx)
        area = self.inner(0.06)
        time, date = self.strings(ctx)
        time_px, date_px = sizing.clock_px(area.width, area.height)
        if not date:
            ctx.text.draw(surface, time, "en", area, p.text, int(area.height * 0.8))
        elif area.width >= 3 * area.height:  # wide: time on the left, date on the right
            left = pygame.Rect(area.x, area.y, int(area.width * 0.38), area.height)
            right = pygame.Rect(left.right, area.y, area.right - left.right, area.height)
            date_fit = ctx.text.fit(date, ctx.lang, right.width, right.height, date_px, bold=False)
            if date_fit < max(12, time_px * 0.35):  # a date too small to read is clutter: the time alone
                ctx.text.draw(surface, time, "en", area, p.text, int(area.height * 0.8))
                return surface
            ctx.text.draw(surface, time, "en", left, p.text, time_px, align="left")
            ctx.text.draw(surface, date, ctx.lang, right, p.muted, date_px, align="right", bold=False)
        else:
            top = pygame.Rect(area.x, area.y, area.width, int(area.height * 0.62))
            bottom = pygame.Rect(area.x, top.bottom, area.width, area.bottom - top.bottom)
            ctx.text.draw(surface, time, "en", top, p.text, time_px)
            ctx.text.draw(surface, date, ctx.lang, bottom, p.muted, date_px, bold=False)
        return surface
