"""YAML mistakes and screen mistakes in layouts/zhongshan.yaml, said in plain words.

Each case breaks the sample hall in one way a new hall manager does and expects
the exact report: the line of the mistake (not where the YAML reader got stuck)
and a sentence that names the fix, with neither parser's jargon, the same
whichever parser reads the file (libyaml or the pure-Python one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from signage.config import loader
from signage.config.loader import MAX_VALUES, load_hall_text

TEXT = (Path(__file__).resolve().parent.parent / "layouts" / "zhongshan.yaml").read_text("utf-8")
NAME = "zhongshan.yaml"
JARGON = ("<block", "<scalar", "while parsing", "while scanning", "token", "flow mapping", "flow sequence",
          "simple key", "expected <", "did not find")


def sub(old: str, new: str) -> str:
    assert TEXT.count(old) >= 1, old
    return TEXT.replace(old, new, 1)


def line(n: int, edit: Callable[[str], str]) -> str:
    lines = TEXT.split("\n")
    lines[n - 1] = edit(lines[n - 1])
    return "\n".join(lines)


def test_the_lines_the_cases_edit() -> None:
    lines = TEXT.split("\n")
    assert lines[205] == "    resolution: [1920, 1080]" and lines[206] == "    diagonal_inches: 75"
    assert lines[24] == "  appointment_early_minutes: 5" and lines[25] == "  starvation_minutes: 60"
    assert lines[53].strip().startswith("qr: https") and lines[238] == "    window: 6"


CASES = [
    ("under-indent", line(207, lambda s: s[1:]), 207,
     "this line is indented 3 spaces, but the lines it belongs with (line 206) are indented 4: add 1 space at "
     "its start (YAML reads the indentation to know what belongs together)"),
    ("under-indent-after-a-list", line(25, lambda s: s[1:]), 25,
     "this line is indented 1 space, but the lines it belongs with (line 24) are indented 2: add 1 space at "
     "its start (YAML reads the indentation to know what belongs together)"),
    ("over-indent", line(207, lambda s: "  " + s), 207,
     "this line is indented 6 spaces, 2 more than line 206 it belongs with: remove 2 spaces at its start, so "
     "that it lines up (YAML reads a line indented further as part of the line above)"),
    ("over-indent-after-a-plain-value", line(26, lambda s: "  " + s), 26,  # "mapping values are not allowed"
     "this line is indented 4 spaces, 2 more than line 25 it belongs with: remove 2 spaces at its start, so "
     "that it lines up (YAML reads a line indented further as part of the line above)"),
    ("unclosed-quote-read-on-for-lines", sub("qr: https://gaj.xm.gov.cn/bszn/sfz", 'qr: "https://gaj.xm.gov.cn/bszn/sfz'), 54,
     'the quote " that starts a text here is not closed: end the text with " on this line '
     '(without it, YAML reads on to the next " on line 91)'),
    ("unclosed-single-quote", sub("en: Zhongshan Police Station One-Stop", "en: 'Zhongshan Police Station One-Stop"), 12,
     "the quote ' that starts a text here is not closed: end the text with ' on this line "
     "(without it, YAML reads on to the next ' on line 79)"),
    ("unclosed-quote-in-braces", sub('open: "09:00", close', 'open: "09:00, close'), 20,
     'a closing quote is missing after "09:00: write "09:00" (without it, the text runs on to the next ")'),
    ("unclosed-bracket", sub("languages: [zh-Hans, en]\n  timezone", "languages: [zh-Hans, en\n  timezone"), 16,
     '"[" opened on this line is not closed: add "]" at the end of the line (or where the list or mapping ends)'),
    ("unclosed-brace", sub("en: Household registration}}", "en: Household registration}"), 33,
     '"{" opened on this line is not closed: add "}" at the end of the line (or where the list or mapping ends)'),
    ("tab", line(207, lambda s: "\t" + s.lstrip()), 207,
     "this line is indented with a tab: YAML counts only spaces (replace the tab with spaces, as many as the "
     "lines it belongs with)"),
    ("colon-in-a-text", sub("en: Zhongshan Police Station One-Stop", "en: Zhongshan Police Station: One-Stop"), 12,
     'this text holds ": " (after "Zhongshan Police Station"), which YAML reads as the start of another key: '
     'put the whole text in quotes: "Zhongshan Police Station: One-Stop Service Hall"'),
    ("colon-in-a-text-in-braces", sub("en: Household registration}", "en: Household: registration}"), 33,
     'this text holds ": " (after "Household"), which YAML reads as the start of another key: '
     'put the whole text in quotes: "Household: registration"'),
    ("colon-missing-after-a-key", line(206, lambda s: s.replace("resolution:", "resolution")), 206,
     'this line is read as a key, but its colon is missing: write "key: value" (a colon and a space after the '
     "key), or put a text with several lines in quotes"),
    ("duplicated-key", line(206, lambda s: s + "\n    resolution: [1280, 720]"), 207,
     'screens[0].resolution: key "resolution" is written twice (first at line 206): delete one of the two '
     "(otherwise this one silently replaces the first)"),
    ("portrait-resolution-default-landscape", line(206, lambda s: "    resolution: [1080, 1920]"), 206,
     "screens[0].resolution: [1080, 1920] is a portrait resolution but orientation is landscape (the default): "
     "add orientation: portrait, or write the resolution as [1920, 1080]"),
    ("portrait-resolution-landscape", sub("    resolution: [1920, 1080]\n    orientation: portrait",
                                          "    resolution: [1080, 1920]\n    orientation: landscape"), 225,
     "screens[1].orientation: resolution [1080, 1920] is portrait but orientation is landscape: "
     "write orientation: portrait, or write the resolution as [1920, 1080]"),
    ("floor-in-lower-case", line(209, lambda s: s.replace("1F", "1f")), 209,
     'screens[0].floor: unknown floor "1f" (expected 1F; did you mean "1F"?)'),
    ("window-number-slip", sub("    window: 6\n", "    window: 66\n"), 239,
     "screens[2].window: unknown window 66 (expected one of: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11; did you mean 6?)"),
]


@pytest.fixture(params=["libyaml", "pure"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "pure":
        monkeypatch.setattr(loader, "HallYamlLoader", loader._PureHallYamlLoader)
    return str(request.param)


@pytest.mark.parametrize("name, text, at, message", CASES, ids=[c[0] for c in CASES])
def test_a_mistake_is_said_at_its_line_with_the_fix(name: str, text: str, at: int, message: str, parser: str) -> None:
    result = load_hall_text(text, NAME)
    assert result.config is None
    first = result.errors[0]
    assert str(first) == f"{NAME}:{at}: {message}"
    assert not any(word in first.message for word in JARGON)


def test_the_sample_still_loads() -> None:
    assert load_hall_text(TEXT, NAME).config is not None


def test_a_landscape_resolution_on_a_portrait_mount_is_fine() -> None:
    # The sample's entrance guide: the panel's native [1920, 1080], mounted turned.
    config = load_hall_text(TEXT, NAME).config
    assert config is not None
    guide = config.screen("entrance-guide")
    assert guide is not None and guide.resolution == (1920, 1080) and guide.canvas_size == (1080, 1920)
    upright = sub("    resolution: [1920, 1080]\n    orientation: portrait", "    resolution: [1080, 1920]\n    orientation: portrait")
    assert load_hall_text(upright, NAME).errors == []


def test_a_stray_tab_is_reported_where_the_parser_in_use_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    # libyaml reads a tab after "timezone:" as a space, the pure parser does not: each
    # reports the tab it stops at, not the other's.
    text = line(207, lambda s: "\t" + s.lstrip())
    text = text.replace("  timezone: Asia/Shanghai", "  timezone:\tAsia/Shanghai", 1)
    c = load_hall_text(text, NAME).errors[0]
    if loader.HallYamlLoader.__mro__[1] is not loader.yaml.SafeLoader:  # libyaml present
        assert (c.line, c.message.split(":")[0]) == (207, "this line is indented with a tab")
    monkeypatch.setattr(loader, "HallYamlLoader", loader._PureHallYamlLoader)
    pure = load_hall_text(text, NAME).errors[0]
    assert str(pure) == (f'{NAME}:17: there is a tab after "timezone:": YAML allows only spaces here '
                         "(replace the tab with a space)")


def test_a_big_file_without_aliases_is_not_told_about_aliases() -> None:
    text = "format: 1\nmessages: [" + "0, " * (MAX_VALUES + 10) + "]\n"
    (problem,) = load_hall_text(text, NAME).problems
    assert "alias" not in problem.message
    assert problem.message.startswith("the file holds 200,015 values (at most 200,000): a hall file is far smaller")


def test_a_big_file_with_aliases_is_told_about_them() -> None:
    text = "format: 1\nx: &a [" + "0, " * 1000 + "]\nmessages: [" + "*a, " * 300 + "]\n"
    (problem,) = load_hall_text(text, NAME).problems
    assert "once its aliases (*name) are expanded" in problem.message and problem.line == 2
