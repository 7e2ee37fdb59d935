"""The clock's time as a screen's language writes it, without pygame (Babel, from CLDR):
the clock widget draws it (:mod:`.widgets.clock`) and validation's legibility check
measures it (:mod:`signage.config.legibility`: "2:05 PM" is wider than "14:05")."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

try:  # a dependency (pyproject.toml); without it the clock still shows 14:05 and the date
    from babel import Locale
    from babel.dates import format_skeleton, format_time
except ImportError:  # pragma: no cover - babel is installed with the product
    Locale = None  # type: ignore[assignment,misc]


@lru_cache(maxsize=64)
def locale_of(lang: str) -> Any:
    """Babel's locale for a language tag (``zh-Hans``, ``en-US``, ``es``, ``zh-TW``...): the tag,
    else its language alone, else English. None without Babel."""
    if Locale is None:
        return None
    tag = str(lang).replace("_", "-")
    for candidate in (tag, tag.split("-")[0], "en"):
        try:
            return Locale.parse(candidate, sep="-")
        except Exception:  # unknown or malformed: the next candidate
            continue
    return None


def _plain(text: str) -> str:
    # CLDR puts narrow no-break spaces in "2:05 PM"; screen fonts may lack them.
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def _chinese(lang: str) -> bool:
    return str(lang).split("-")[0] in ("zh", "yue")


def time_text(when: dt.datetime, lang: str, hour_cycle: int | None = None, seconds: bool = False) -> str:
    """The time as ``lang`` writes it (``2:05 PM``, ``14:05``, ``下午2:05``); ``hour_cycle`` 12 or 24
    overrides the language's."""
    loc = locale_of(lang)
    if loc is None:
        if hour_cycle == 12:
            return f"{when.hour % 12 or 12}:{when:%M}" + (f":{when:%S}" if seconds else "") + (" AM" if when.hour < 12 else " PM")
        return f"{when:%H:%M:%S}" if seconds else f"{when:%H:%M}"
    if hour_cycle in (12, 24):
        skeleton = ("h" if hour_cycle == 12 else "H") + ("ms" if seconds else "m")
        return _plain(format_skeleton(skeleton, when, locale=loc))
    return _plain(format_time(when, "medium" if seconds else "short", locale=loc))
