"""The time, large, and the date with its weekday, in the hall's time zone.

Both are written the way the screen's language writes them (Babel, from CLDR):
``2:05 PM`` and ``Thu, Dec 3`` in English, ``14:05`` and ``jue, 3 dic`` in
Spanish, ``14:05`` and ``12月3日 星期四`` in Simplified Chinese. The option
``hour_cycle: 12`` or ``24`` overrides the language's hours (a mainland hall's
Traditional-Chinese screen that should read ``14:05``, not ``下午2:05``).
"""

from __future__ import annotations

import datetime as dt
from typing import Hashable
from zoneinfo import ZoneInfo

import pygame

from ...i18n import t as tr
from .. import sizing
from ..clock_text import Locale, _chinese, _plain, locale_of, time_text  # noqa: F401  (callers import them here)
from .base import Ctx, Widget

if Locale is not None:
    from babel.dates import format_date, format_skeleton


def local_time(ctx: Ctx) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(ctx.now, ZoneInfo(ctx.config.hall.timezone))
    except Exception:  # an unknown zone is reported by validation; meanwhile, the machine's
        return dt.datetime.fromtimestamp(ctx.now)


def date_text(day: dt.datetime | dt.date, lang: str) -> str:
    """The date with its weekday as ``lang`` writes it: ``Thu, Dec 3``, ``jue, 3 dic``,
    ``12月3日 星期四`` (Chinese: the month and day, then the weekday's full name)."""
    loc = locale_of(lang)
    if loc is None:
        return _old_date_text(day, lang)
    if _chinese(lang):
        return _plain(f"{format_skeleton('MMMd', day, locale=loc)} {format_date(day, 'EEEE', locale=loc)}")
    return _plain(format_skeleton("MMMEd", day, locale=loc))


def _old_date_text(day: dt.datetime | dt.date, lang: str) -> str:
    if not _chinese(lang):
        return f"{tr('weekday', 'en').split()[day.weekday()]} {day.day} {day:%b} {day.year}"
    weekday = tr("weekday", lang)[day.weekday()]
    return f"{day.year}年{day.month}月{day.day}日  {tr('weekday_prefix', lang)}{weekday}"


class Clock(Widget):
    name = "clock"

    def strings(self, ctx: Ctx) -> tuple[str, str]:
        now = local_time(ctx)
        seconds = self.options is not None and self.options.show_seconds
        cycle = getattr(self.options, "hour_cycle", None) if self.options is not None else None
        time = time_text(now, ctx.lang, cycle, seconds)
        show_date = self.options is None or self.options.show_date
        return time, date_text(now, ctx.lang) if show_date else ""

    def key(self, ctx: Ctx) -> Hashable:
        return self.strings(ctx), ctx.palette

    def render(self, ctx: Ctx) -> pygame.Surface:
        p = ctx.palette
        surface = self.blank(ctx)
        area = self.inner(0.06)
        time, date = self.strings(ctx)
        # digits alone are drawn in the Latin face; "下午2:05" needs the language's
        time_lang = "en" if time.isascii() else ctx.lang
        time_px, date_px = sizing.clock_px(area.width, area.height)
        if not date:
            ctx.text.draw(surface, time, time_lang, area, p.text, int(area.height * 0.8))
        elif area.width >= 3 * area.height:  # wide: time on the left, date on the right
            left = pygame.Rect(area.x, area.y, int(area.width * 0.38), area.height)
            right = pygame.Rect(left.right, area.y, area.right - left.right, area.height)
            date_fit = ctx.text.fit(date, ctx.lang, right.width, right.height, date_px, bold=False)
            if date_fit < max(12, time_px * 0.35):  # a date too small to read is clutter: the time alone
                ctx.text.draw(surface, time, time_lang, area, p.text, int(area.height * 0.8))
                return surface
            ctx.text.draw(surface, time, time_lang, left, p.text, time_px, align="left")
            ctx.text.draw(surface, date, ctx.lang, right, p.muted, date_px, align="right", bold=False)
        else:
            top = pygame.Rect(area.x, area.y, area.width, int(area.height * 0.62))
            bottom = pygame.Rect(area.x, top.bottom, area.width, area.bottom - top.bottom)
            ctx.text.draw(surface, time, time_lang, top, p.text, time_px)
            ctx.text.draw(surface, date, ctx.lang, bottom, p.muted, date_px, bold=False)
        return surface
