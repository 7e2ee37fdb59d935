"""Choosing the words a screen shows: one :data:`Text` in one language.

A hall file's text is a mapping ``{zh-Hans, zh-Hant, en}`` (or a plain string,
which is Simplified Chinese). A screen asks for one language and always gets
something to show:

* the language itself when it is written;
* Traditional Chinese converted from the Simplified text (OpenCC ``s2t``) when
  only Simplified is written, and the other way round (``t2s``);
* otherwise the first language written, in the order zh-Hans, zh-Hant, en.

The screens' own labels ("最近叫号", "Recent calls") live here too, written in
Simplified Chinese and English; their Traditional form is converted the same way.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Mapping

LANGS = ("zh-Hans", "zh-Hant", "en")


@lru_cache(maxsize=2)
def _converter(config: str) -> Any:
    from opencc import OpenCC  # loading its dictionaries takes ~70 ms: only when needed

    return OpenCC(config)


@lru_cache(maxsize=4096)
def to_traditional(text: str) -> str:
    """Simplified -> Traditional Chinese (OpenCC ``s2t``); the text itself if OpenCC fails."""
    try:
        return _converter("s2t").convert(text)
    except Exception:  # a missing dictionary must not blank a screen
        return text


@lru_cache(maxsize=4096)
def to_simplified(text: str) -> str:
    try:
        return _converter("t2s").convert(text)
    except Exception:
        return text


def pick(text: Mapping[str, str] | str | None, lang: str) -> str:
    """The text in ``lang``, converted or falling back as described above; "" for None."""
    if text is None:
        return ""
    if isinstance(text, str):
        text = {"zh-Hans": text}
    value = text.get(lang)
    if value:
        return value
    if lang == "zh-Hant" and text.get("zh-Hans"):
        return to_traditional(text["zh-Hans"])
    if lang == "zh-Hans" and text.get("zh-Hant"):
        return to_simplified(text["zh-Hant"])
    for other in LANGS:
        if text.get(other):
            return text[other]
    # an unknown language key (bad input from the wire): anything printable
    return next((str(v) for v in text.values() if v), "")


def is_chinese(lang: str) -> bool:
    return lang.startswith("zh")


# The screens' own words. {n}, {window}, {time} ... are filled by str.format.
STRINGS: dict[str, dict[str, str]] = {
    "now_calling": {"zh-Hans": "正在叫号", "en": "Now calling"},
    "calling_again": {"zh-Hans": "再次叫号", "en": "Calling again"},
    "please_wait": {"zh-Hans": "请留意叫号", "en": "Please wait for your number"},
    "window_n": {"zh-Hans": "{window}号窗口", "en": "Window {window}"},
    "window_n_floor": {"zh-Hans": "{window}号窗口（{floor}）", "en": "Window {window}, {floor}"},
    "window_kind_love": {"zh-Hans": "爱心服务窗口", "en": "Priority care window"},
    "window_kind_green": {"zh-Hans": "绿色通道", "en": "Green channel"},
    "window_kind_unresolved": {"zh-Hans": "办不成事反映窗口", "en": "Unresolved problems window"},
    "go_to_window": {"zh-Hans": "请到{window}号窗口", "en": "Please go to window {window}"},
    "recent_calls": {"zh-Hans": "最近叫号", "en": "Recent calls"},
    "no_calls_yet": {"zh-Hans": "暂无叫号", "en": "No calls yet"},
    "windows": {"zh-Hans": "窗口", "en": "Windows"},
    "serving": {"zh-Hans": "办理中", "en": "Serving"},
    "called": {"zh-Hans": "请前往", "en": "Called"},
    "free": {"zh-Hans": "空闲", "en": "Open"},
    "closed": {"zh-Hans": "暂停服务", "en": "Closed"},
    "paused": {"zh-Hans": "暂停", "en": "Paused"},
    "paused_until": {"zh-Hans": "暂停至 {time}", "en": "Paused until {time}"},
    "waiting": {"zh-Hans": "等候情况", "en": "Waiting"},
    "service": {"zh-Hans": "业务", "en": "Service"},
    "people_waiting": {"zh-Hans": "{n}人等候", "en": "{n} waiting"},
    "people": {"zh-Hans": "人数", "en": "Waiting"},
    "wait_time": {"zh-Hans": "预计等候", "en": "Est. wait"},
    "about_minutes": {"zh-Hans": "约 {minutes} 分钟", "en": "about {minutes} min"},
    "minutes_range": {"zh-Hans": "约 {low}–{high} 分钟", "en": "about {low}–{high} min"},
    "no_wait": {"zh-Hans": "无需等待", "en": "No wait"},
    "closed_until": {"zh-Hans": "{time} 起办理", "en": "closed until {time}"},
    "steps": {"zh-Hans": "办理步骤", "en": "Steps"},
    "materials": {"zh-Hans": "请携带", "en": "Please bring"},
    "notes": {"zh-Hans": "温馨提示", "en": "Good to know"},
    "scan_guide": {"zh-Hans": "扫码查看办事指南", "en": "Scan for the full guide"},
    "ticket_prefix": {"zh-Hans": "号码 {prefix}", "en": "Tickets {prefix}"},
    "notice": {"zh-Hans": "通知", "en": "Notice"},
    "urgent_notice": {"zh-Hans": "紧急通知", "en": "Urgent notice"},
    "offline": {"zh-Hans": "网络中断", "en": "Offline"},
    "map": {"zh-Hans": "楼层平面图", "en": "Floor plan"},
    "directory": {"zh-Hans": "服务指引", "en": "Directory"},
    "you_are_here": {"zh-Hans": "您在这里", "en": "You are here"},
    "map_hint": {"zh-Hans": "叫号后，这里显示去窗口的路线", "en": "When your number is called, the way to the window shows here"},
    "no_route": {"zh-Hans": "请咨询引导台", "en": "Please ask at the guide desk"},
    "windows_n": {"zh-Hans": "{windows}号窗口", "en": "Windows {windows}"},
    "weekday": {"zh-Hans": "一二三四五六日", "en": "Mon Tue Wed Thu Fri Sat Sun"},
    "weekday_prefix": {"zh-Hans": "星期", "en": ""},
}


def window_label(window: Any, lang: str) -> str:
    """What a window is, in ``lang``: its ``label`` from the hall file (爱心服务专窗,
    "Priority Care Window"), else the name of its kind (the love window, the green
    channel, the "unresolved problems" window), else "" (an ordinary window).
    A label missing in ``lang`` falls back as :func:`pick` does."""
    if window is None:
        return ""
    label = getattr(window, "label", None)
    if label:
        return pick(label, lang)
    kind = getattr(window, "kind", "normal")
    return t(f"window_kind_{kind}", lang) if f"window_kind_{kind}" in STRINGS else ""


def whole_minutes(v: Any) -> int | None:
    """Minutes rounded as every estimate is (half up: 0.5 -> 1, 2.5 -> 3); None for no number."""
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or v < 0:
        return None
    return int(math.floor(v + 0.5))


def _count(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None


def wait_text(est: Any, lang: str, count: Any = None) -> str:
    """The one wording of a waiting estimate (docs/estimates.md, *Wording*), for a service
    (``waiting``) or a ticket (``ahead``) of an ``estimates`` message; ``count`` overrides
    the count the estimate carries. The web pages' ``waitText`` (server/web/static/hub.js)
    is the same rule, checked against the same table (tests/estimate_words.json):

    * ``closed_until`` set: "13:00 起办理" / "closed until 13:00";
    * no ``minutes``: "" (no estimate: show the count alone);
    * nobody waiting or ahead (count 0), or no count and under half a minute: "无需等待" / "No wait";
    * else whole minutes, half up, at least 1: "约 6 分钟" / "about 6 min"; or the range
      when it says something (low < high once rounded, low at least 1, the figure inside
      it): "约 3–10 分钟" / "about 3–10 min".
    """
    if not isinstance(est, Mapping):
        return ""
    closed = est.get("closed_until")
    if isinstance(closed, str) and closed:
        return t("closed_until", lang, time=closed)
    minutes = whole_minutes(est.get("minutes"))
    if minutes is None:
        return ""
    n = _count(count if count is not None else est.get("waiting", est.get("ahead")))
    if n == 0 or (n is None and minutes < 1):
        return t("no_wait", lang)
    minutes = max(1, minutes)
    low, high = whole_minutes(est.get("low")), whole_minutes(est.get("high"))
    if low is not None and high is not None:
        low, high = max(1, min(low, minutes)), max(high, minutes)
        if low < high:
            return t("minutes_range", lang, low=low, high=high)
    return t("about_minutes", lang, minutes=minutes)


def t(key: str, lang: str, **fields: Any) -> str:
    """One of the screens' own labels in ``lang``, with ``{fields}`` filled in."""
    text = pick(STRINGS.get(key, {"en": key}), lang)
    try:
        return text.format(**fields) if fields else text
    except (KeyError, IndexError, ValueError):
        return text
