"""Every screen of every sample hall, previewed in every language; the preview command."""

from __future__ import annotations

from pathlib import Path

import pygame
import pytest
import yaml

from signage.cli import main
from signage.config import load_hall

from conftest import LAYOUTS
from test_display_widgets import Recorder, assert_inside, draw



def _is_hall(path: Path) -> bool:
    # layouts/ also holds traffic profiles and demo tokens: a hall file has a `hall:` mapping
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError):
        return True  # a broken hall file must fail below, not be skipped
    return isinstance(data, dict) and isinstance(data.get("hall"), dict)


HALLS = sorted(p for p in LAYOUTS.glob("*.yaml") if _is_hall(p))


@pytest.mark.parametrize("path", HALLS, ids=[p.stem for p in HALLS])
def test_every_screen_in_every_language(path: Path) -> None:
    result = load_hall(path)
    assert result.config is not None, [str(p) for p in result.errors]
    config = result.config
    for screen in config.screens:
        for lang in ("zh-Hans", "zh-Hant", "en"):
            r, text = draw(config, screen.id, lang=lang)
            assert r.size == screen.canvas_size
            assert_inside(text.log, text)
            # nothing drawn smaller than a few pixels: a region too small for its text is a layout bug
            small = [d.text for d in text.log if d.px < 8]
            assert not small, (screen.id, lang, small)


def test_traditional_is_converted_when_not_written() -> None:
    config = load_hall(LAYOUTS / "zhongshan.yaml").config
    _, text = draw(config, "main", lang="zh-Hant")
    shown = {d.text for d in text.log}
    assert "最近叫號" in shown  # the screen's own label, converted
    assert any("號窗口" in s for s in shown)


def test_preview_command(tmp_path: Path, capsys) -> None:
    out = tmp_path / "main.png"
    assert main(["preview", str(LAYOUTS / "zhongshan.yaml"), "--screen", "main", "--out", str(out),
                 "--lang", "en"]) == 0
    assert pygame.image.load(str(out)).get_size() == (1920, 1080)
    assert main(["preview", str(LAYOUTS / "zhongshan.yaml"), "--out", str(tmp_path / "all"), "--state", "empty",
                 "--size", "1280x720", "--offline", "--notice", "今日16:00闭厅"]) == 0
    files = sorted(p.name for p in (tmp_path / "all").iterdir())
    assert files == ["zhongshan-entrance-guide.png", "zhongshan-lobby-wayfinding.png", "zhongshan-main.png",
                     "zhongshan-strip-6.png"]
    assert pygame.image.load(str(tmp_path / "all" / "zhongshan-entrance-guide.png")).get_size() == (720, 1280)
    assert main(["preview", str(LAYOUTS / "zhongshan.yaml"), "--screen", "nope", "--out", str(out)]) == 1
    assert "screens: main, entrance-guide, strip-6, lobby-wayfinding" in capsys.readouterr().err
