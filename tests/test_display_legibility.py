"""Validation warns when a screen's text would be too small to read from its seats, or too faint."""

from __future__ import annotations

import pytest

from signage.config import builtin_themes, load_hall, load_hall_text
from signage.config.legibility import (
    BANNER_FACTOR, PAIRS, check_legibility, needed_mm, pixel_pitch_mm, text_sizes,
)
from signage.config.themes import contrast_ratio
from signage.display import sizing
from signage.display.renderer import Renderer
from signage.display.widgets.ticker import SEPARATOR
from signage.view import sample_view

from conftest import LAYOUTS
from test_display_widgets import NOW, Recorder, one_widget, zhongshan

HALL = (LAYOUTS / "zhongshan.yaml").read_text("utf-8")


def warnings(config) -> list[tuple[tuple, str]]:
    return [(path, msg) for path, msg, severity in check_legibility(config) if severity == "warning"]


def with_main(config, **fields):
    main = config.screen("main").model_copy(update=fields)
    return config.model_copy(update={"screens": [main]})


def test_the_rule_in_numbers() -> None:
    main = zhongshan().screen("main")  # 75", 1920x1080, read from 12 m
    assert pixel_pitch_mm(main) == pytest.approx(0.865, abs=0.001)
    assert needed_mm(main) == pytest.approx(30.0)
    assert needed_mm(main, BANNER_FACTOR) == pytest.approx(45.0)


def test_a_small_far_screen_warns_and_a_big_near_one_does_not() -> None:
    config = zhongshan()
    far = warnings(with_main(config, diagonal_inches=24, viewing_distance_m=30))
    regions = {path[3] for path, _ in far}
    assert regions == {0, 1, 2, 3, 4}  # every region of the main screen
    banner = [msg for path, msg in far if path[3] == 0]
    assert any("called number" in m and "37.5 mm per 10 m" in m for m in banner)
    assert not warnings(with_main(config, diagonal_inches=98, viewing_distance_m=5))


def test_the_banner_needs_more_than_the_rest() -> None:
    config = zhongshan()
    main = config.screen("main")
    sizes = dict((what, (px, ink, f)) for what, px, ink, f in text_sizes(config, main, main.regions[0], 1.0))
    px, ink, factor = sizes["the called number"]
    assert factor == BANNER_FACTOR
    # find the distance where the number stops being enough: the rest of the banner is still fine there
    mm = px * ink * pixel_pitch_mm(main)
    limit = mm / (2.5 * BANNER_FACTOR)
    near = warnings(with_main(config, viewing_distance_m=limit * 0.98))
    far = warnings(with_main(config, viewing_distance_m=limit * 1.05))
    assert not any(p[3] == 0 and "called number" in m for p, m in near)
    assert any(p[3] == 0 and "called number" in m for p, m in far)


class Lines(Recorder):
    """A recorder that also remembers the lines rendered to a surface of their own (the ticker's)."""

    def __init__(self) -> None:
        super().__init__()
        self.rendered: list[tuple[str, int]] = []

    def render(self, text, lang, px, color, bold=True, bg=None):
        self.rendered.append((text, int(px)))
        return super().render(text, lang, px, color, bold, bg)


def test_estimates_match_what_is_drawn() -> None:
    """The check's arithmetic and the widgets agree: the drawn text is at least as large as estimated
    (for the ordinary texts the estimate is made for), so a screen without warnings is readable."""
    config = zhongshan()
    for widget in ("call_banner", "recent_calls", "ticker"):
        c = one_widget(config, widget, (1920, 1080))
        screen, region = c.screens[0], c.screens[0].regions[0]
        estimated = min(px for _, px, _, _ in text_sizes(c, screen, region, 1.3))
        text = Lines()
        view = sample_view(c, NOW)
        view.config = c
        r = Renderer(c, "main", lang="zh-Hans", text=text)
        r.frame(view, NOW, 1000.0)
        assert not r.failed(), r.failed()
        if widget == "call_banner":
            number = r.widget_at("call_banner").shown.number
            drawn = [d.px for d in text.log if d.text == number]
        elif widget == "ticker":  # the messages, pre-rendered to scroll (not the separator marks)
            drawn = [px for line, px in text.rendered if line.strip() and line != SEPARATOR]
        else:
            drawn = [d.px for d in text.log]
        assert drawn, f"{widget}: nothing drawn, nothing to compare"
        assert max(drawn) >= estimated * 0.9, (widget, drawn, estimated)


def test_builtin_themes_have_enough_contrast() -> None:
    for name, theme in builtin_themes().items():
        for fg, bg, minimum, what in PAIRS:
            ratio = contrast_ratio(getattr(theme, fg), getattr(theme, bg))
            assert ratio >= minimum, f"theme {name}: {fg} on {bg} ({what}) is {ratio:.1f}:1"
    hc = builtin_themes()["high_contrast"]
    assert hc.text_scale > 1 and contrast_ratio(hc.text, hc.background) >= 15


def test_a_faint_theme_is_pointed_at_in_the_file() -> None:
    text = HALL.replace("theme: high_contrast", "theme: faded", 1) + """
themes:
  faded:
    background: "#202020"
    panel: "#303030"
    text: "#ffffff"
    muted: "#555555"
    accent: "#4fc3f7"
    highlight: "#ffd54f"
    warning: "#ff8a65"
"""
    result = load_hall_text(text, "zhongshan.yaml")
    assert result.config is not None  # warnings never reject a file
    faint = [p for p in result.warnings if "muted on panel" in p.message]
    assert faint and faint[0].path == "themes.faded.muted" and faint[0].line > 0
    assert 'theme "faded"' in faint[0].message and "4.5:1" in faint[0].message


def test_warnings_come_with_the_file_and_line() -> None:
    text = HALL.replace("viewing_distance_m: 12", "viewing_distance_m: 40", 1)
    result = load_hall_text(text, "zhongshan.yaml")
    assert result.config is not None
    far = [p for p in result.warnings if "read from 40 m" in p.message]
    assert far and all(p.path.startswith("screens[0].regions[") and p.line > 0 for p in far)
    line = str(far[0])
    assert line.startswith("zhongshan.yaml:") and "warning:" in line and "mm" in line


def test_the_sample_halls_are_checked_without_error() -> None:
    """Every sample hall loads without an error or a warning, and its screens are legible as they are."""
    halls = sorted(p for p in LAYOUTS.glob("*.yaml")
                   if not p.name.endswith(".traffic.yaml") and p.name != "demo-tokens.yaml")
    assert {p.stem for p in halls} >= {"zhongshan", "zhenhai", "nanming", "reference"}
    for path in halls:
        result = load_hall(path)
        assert result.config is not None and not result.errors, [str(x) for x in result.problems]
        assert not result.warnings, [str(x) for x in result.warnings]
        assert list(check_legibility(result.config)) == [], path.name


def test_sizes_are_pure_arithmetic() -> None:
    assert sizing.region_box((0, 0, 60, 45), (1920, 1080)) == (0, 0, 1152, 486)
    # touching regions tile exactly, whatever the rounding
    a = sizing.region_box((0, 0, 33.3, 10), (1001, 100))
    b = sizing.region_box((33.3, 0, 66.7, 10), (1001, 100))
    assert a[0] + a[2] == b[0] and b[0] + b[2] == 1001
    assert sizing.window_grid(1152, 508, 11) in ((4, 3), (3, 4))
    assert sizing.window_grid(1000, 100, 3, columns=3) == (3, 1)


def test_the_clock_is_measured_as_it_writes_the_time() -> None:
    """A 12-hour clock draws "10:05 AM", "2:05 PM", wider than "14:05": the check measures the
    times the clock draws in the screen's languages with its hour_cycle, so the estimate is no
    larger than what is drawn (it once measured "14:05" for every clock)."""
    from signage.config.legibility import clock_texts
    from signage.config.widgets import ClockOptions

    config = zhongshan()
    sizes = {}
    for cycle in (12, 24):
        c = one_widget(config, "clock", (1200, 300), {"hour_cycle": cycle}, languages=["en"])
        screen, region = c.screens[0], c.screens[0].regions[0]
        assert clock_texts(c, screen, ClockOptions(hour_cycle=cycle)) == (
            ["10:05 AM", "2:05 PM"] if cycle == 12 else ["10:05", "14:05"])
        ((what, px, _, _),) = text_sizes(c, screen, region, 1.0)
        sizes[cycle] = px
        text = Lines()
        view = sample_view(c, NOW)
        view.config = c
        r = Renderer(c, "main", lang="en", text=text)
        r.frame(view, NOW, 1000.0)
        assert not r.failed(), r.failed()
        (time,) = [d for d in text.log if d.text[:1].isdigit()]
        assert time.px >= px * 0.9, (cycle, time.text, time.px, px)
    assert sizes[12] < sizes[24] * 0.85, sizes
    # the screen's languages: Traditional Chinese writes 下午2:05 by itself
    zh = one_widget(config, "clock", (1200, 300), {}, languages=["zh-Hans", "zh-Hant"])
    assert clock_texts(zh, zh.screens[0], ClockOptions()) == ["10:05", "14:05", "上午10:05", "下午2:05"]
