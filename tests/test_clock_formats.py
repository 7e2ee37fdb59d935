"""The clock writes the time and the date as the screen's language does (Babel, CLDR), with
``hour_cycle: 12 | 24`` to override the hours (issue 17, item 4)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pygame
import pytest

from conftest import LAYOUTS
from signage.config import load_hall
from signage.config.widgets import ClockOptions
from signage.display.renderer import Renderer
from signage.display.text import TextRenderer
from signage.display.widgets.clock import date_text, time_text
from signage.view import sample_view

AFTERNOON = dt.datetime(2026, 12, 3, 14, 5, 9, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Thursday
MORNING = AFTERNOON.replace(hour=9)


@pytest.mark.parametrize("lang, time, date", [
    ("en-US", "2:05 PM", "Thu, Dec 3"),
    ("en", "2:05 PM", "Thu, Dec 3"),
    ("en-GB", "14:05", "Thu 3 Dec"),
    ("es", "14:05", "jue, 3 dic"),
    ("zh-Hans", "14:05", "12月3日 星期四"),
    ("zh-Hant", "下午2:05", "12月3日 星期四"),
])
def test_time_and_date_as_the_language_writes_them(lang: str, time: str, date: str) -> None:
    assert time_text(AFTERNOON, lang) == time
    assert date_text(AFTERNOON, lang) == date
    assert f"{time} · {date}" == f"{time_text(AFTERNOON, lang)} · {date_text(AFTERNOON, lang)}"


@pytest.mark.parametrize("lang, twelve, twenty_four", [
    ("en-US", "2:05 PM", "14:05"),
    ("es", "2:05 p. m.", "14:05"),
    ("zh-Hans", "下午2:05", "14:05"),
    ("zh-Hant", "下午2:05", "14:05"),
])
def test_hour_cycle_overrides_the_language(lang: str, twelve: str, twenty_four: str) -> None:
    assert time_text(AFTERNOON, lang, 12) == twelve
    assert time_text(AFTERNOON, lang, 24) == twenty_four


def test_seconds_and_the_morning() -> None:
    assert time_text(AFTERNOON, "en-US", seconds=True) == "2:05:09 PM"
    assert time_text(AFTERNOON, "zh-Hans", seconds=True) == "14:05:09"
    assert time_text(AFTERNOON, "zh-Hans", 24, seconds=True) == "14:05:09"
    assert time_text(MORNING, "en-US") == "9:05 AM" and time_text(MORNING, "zh-Hans") == "09:05"
    assert time_text(MORNING, "en-US", 24) == "09:05"


def test_no_narrow_spaces_a_screen_font_may_lack() -> None:
    for lang in ("en-US", "es", "es-MX", "zh-Hant", "zh-HK"):
        for cycle in (None, 12, 24):
            text = time_text(AFTERNOON, lang, cycle) + date_text(AFTERNOON, lang)
            assert "\u202f" not in text and "\u00a0" not in text, (lang, cycle, text)


def test_an_unknown_language_gets_english_or_its_own_language() -> None:
    assert time_text(AFTERNOON, "xx-Nope") == "2:05 PM"
    assert date_text(AFTERNOON, "es-XX") == "jue, 3 dic"


def test_the_option() -> None:
    assert ClockOptions().hour_cycle is None
    assert ClockOptions.model_validate({"hour_cycle": 24}).hour_cycle == 24
    with pytest.raises(Exception):
        ClockOptions.model_validate({"hour_cycle": 13})


# --- on a screen ---------------------------------------------------------------------------

class Recorder(TextRenderer):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[tuple[str, str]] = []

    def draw(self, target, text, lang, box, color, max_px, **kw):
        if text.strip():
            self.texts.append((text, lang))
        return super().draw(target, text, lang, box, color, max_px, **kw)


def drawn(options: dict, lang: str, size=(600, 200)) -> list[tuple[str, str]]:
    config = load_hall(LAYOUTS / "zhongshan.yaml").config
    base = config.screen("main")
    screen = base.model_copy(update={"resolution": size, "regions": [base.regions[0].model_copy(update={
        "widget": "clock", "rect": (0, 0, 100, 100), "options": options})]})
    config = config.model_copy(update={"screens": [screen]})
    now = AFTERNOON.timestamp()
    view = sample_view(config, now)
    view.config = config
    text = Recorder()
    r = Renderer(config, "main", lang=lang, text=text)
    r.frame(view, now, 1000.0)
    assert not r.failed(), r.failed()
    return text.texts


def test_the_clock_widget_draws_the_language_s_time_and_date() -> None:
    pygame.init()
    assert drawn({}, "zh-Hans") == [("14:05", "en"), ("12月3日 星期四", "zh-Hans")]
    assert drawn({}, "en") == [("2:05 PM", "en"), ("Thu, Dec 3", "en")]
    assert drawn({"hour_cycle": 24}, "en") == [("14:05", "en"), ("Thu, Dec 3", "en")]
    # "下午2:05" is drawn in the language's face, digits alone in the Latin one
    assert drawn({"hour_cycle": 12, "show_date": False}, "zh-Hans") == [("下午2:05", "zh-Hans")]
    assert drawn({"show_seconds": True, "show_date": False}, "zh-Hans") == [("14:05:09", "en")]
