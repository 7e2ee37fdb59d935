"""The boards' ``page_seconds`` option: accepted, used for the pages' turn, and a typo or a value
out of range refused with the file's line."""

from __future__ import annotations

from signage.config.loader import load_hall_text
from signage.display.renderer import Renderer

from conftest import LAYOUTS

BOARDS = ("{widget: window_board, rect: [0, 38, 100, 29]}", "{widget: waiting_board, rect: [0, 67, 100, 25]}")


def hall_with(option: str):
    text = (LAYOUTS / "zhongshan.yaml").read_text(encoding="utf-8")
    for board in BOARDS:
        assert board in text
        text = text.replace(board, board[:-1] + f", options: {{{option}}}}}")
    return load_hall_text(text, "hall.yaml")


def test_page_seconds_is_accepted_and_sets_the_pages_turn() -> None:
    loaded = hall_with("page_seconds: 20")
    assert not loaded.errors, loaded.errors
    r = Renderer(loaded.config, "main", lang="en")
    for name in ("window_board", "waiting_board"):
        assert r.widget_at(name).page_seconds == 20.0


def test_page_seconds_typo_and_range_are_refused() -> None:
    said = [str(p) for p in hall_with("page_second: 20").errors]
    assert len(said) == 2 and all('did you mean "page_seconds"' in s for s in said), said
    said = [str(p) for p in hall_with("page_seconds: 1").errors]
    assert len(said) == 2 and all("out of range (expected at least 3)" in s for s in said), said
    said = [str(p) for p in hall_with("page_seconds: 900").errors]
    assert len(said) == 2 and all("out of range" in s for s in said), said
