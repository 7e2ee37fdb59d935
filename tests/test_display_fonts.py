"""Chinese (both scripts) and English render as real glyphs, in the face that suits each."""

from __future__ import annotations

import pygame
import pygame.freetype
import pytest

from signage.config import load_hall
from signage.display import fonts
from signage.display.widgets.ticker import SEPARATOR
from signage.i18n import STRINGS, pick

from conftest import LAYOUTS

pygame.freetype.init()

NOTDEF = "\U0010ffff"  # a noncharacter: no font has it, so freetype draws .notdef (the box)


def bitmap(font: pygame.freetype.Font, ch: str) -> tuple[tuple[int, int], bytes]:
    surface, _ = font.render(ch, (255, 255, 255), (0, 0, 0), size=48)
    return surface.get_size(), pygame.image.tobytes(surface, "RGB")


def hall_texts() -> set[str]:
    """Every text a sample hall can put on a screen, in every language (Traditional converted)."""
    texts: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, dict) and value and set(value) <= {"zh-Hans", "zh-Hant", "en"}:
            texts.update(pick(value, lang) for lang in ("zh-Hans", "zh-Hant", "en"))
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for path in sorted(LAYOUTS.glob("*.yaml")):
        config = load_hall(path).config  # (files that are not halls load as None)
        if config is not None:
            walk(config.model_dump(by_alias=True))
    for s in STRINGS.values():
        texts.update(pick(s, lang) for lang in ("zh-Hans", "zh-Hant", "en"))
    texts.update(["→", SEPARATOR, "•", "–", "0123456789:", "（）、，。？！"])
    return texts


def test_a_cjk_font_is_installed() -> None:
    face = fonts.face_for("zh-Hans")
    assert face.path is not None, "no CJK font: install fonts-noto-cjk (the Makefile does)"
    assert "CJK" in face.name


def test_faces_are_chosen_by_name() -> None:
    sc, tc = fonts.face_for("zh-Hans"), fonts.face_for("zh-Hant")
    assert sc.path == tc.path and "SC" in sc.name.split() and "TC" in tc.name.split()
    assert "Mono" not in sc.name and "Mono" not in tc.name
    assert fonts.face_index(sc.path, "SC") == sc.index
    assert fonts.face_for("en", bold=False).path != sc.path  # the regular weight is another file


def test_simplified_and_traditional_faces_draw_differently() -> None:
    # 骨 and 直 are drawn differently in mainland and Taiwan/Hong Kong type
    sc = fonts.load(fonts.face_for("zh-Hans"))
    tc = fonts.load(fonts.face_for("zh-Hant"))
    assert any(bitmap(sc, ch) != bitmap(tc, ch) for ch in "骨直")


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "en"])
def test_no_missing_glyph_boxes(lang: str) -> None:
    font = fonts.load(fonts.face_for(lang))
    box = bitmap(font, NOTDEF)
    assert box[1].count(b"\xff") > 0  # the box is drawn (so a missing glyph would be seen)
    chars = sorted({ch for text in hall_texts() for ch in text if not ch.isspace()})
    assert len(chars) > 300
    missing = [ch for ch in chars if bitmap(font, ch) == box]
    assert not missing, f"drawn as boxes in the {lang} face: {''.join(missing)}"
