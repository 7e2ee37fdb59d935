"""Languages are the hall's: any BCP 47 tag, checked with a did-you-mean; a font per script
(or the package to install); right-to-left refused; plain texts in the hall's first
language; a missing time zone said out loud; ``signage describe`` with any language."""

from __future__ import annotations

import subprocess
import sys

import pytest

from signage.config import load_hall_text
from signage.languages import chain, font_for, font_problem, is_rtl, script_of, tag_problem

from conftest import LAYOUTS

ZHENHAI = LAYOUTS / "zhenhai.yaml"


def hall(languages: str, name: str | None = None, extra: str = "") -> str:
    text = ZHENHAI.read_text(encoding="utf-8")
    start = text.index("  languages:")
    end = text.index("\n", start)
    text = text[:start] + f"  languages: {languages}" + text[end:]
    if name is not None:  # the hall's name: a block of lines indented under "  name:"
        start = text.index("\n  name:") + 1
        end = text.index("\n", start)
        while text[end + 1:].startswith("    "):
            end = text.index("\n", end + 1)
        text = text[:start] + f"  name: {name}" + text[end:]
    return text + extra


def problems(text: str, severity: str | None = None) -> list[str]:
    return [str(p) for p in load_hall_text(text, "zhenhai.yaml").problems if severity in (None, p.severity)]


@pytest.mark.parametrize("tag", ["zh-Hans", "zh-Hant", "zh-TW", "zh-HK", "zh-CN", "en", "en-GB", "es", "es-MX",
                                 "es-419", "yue", "vi", "ko", "ja", "ar", "fr-CA", "sr-Latn-RS"])
def test_well_formed_tags(tag: str) -> None:
    assert tag_problem(tag) is None


@pytest.mark.parametrize("written, meant", [("zh_CN", "zh-CN"), ("zh-cn", "zh-CN"), ("english", "en"),
                                            ("English", "en"), ("EN", "en"), ("Spanish", "es"), ("中文", "zh-Hans"),
                                            ("繁體中文", "zh-Hant"), ("cantonese", "yue"), ("zh-chs", "zh-Hans"),
                                            ("es_mx", "es-MX")])
def test_near_misses_get_a_did_you_mean(written: str, meant: str) -> None:
    problem = tag_problem(written)
    assert problem and f'did you mean "{meant}"?' in problem, problem


def test_unknown_subtags() -> None:
    assert 'unknown language "qq"' in tag_problem("qq")
    assert 'unknown script "Hanz"' in tag_problem("zh-Hanz")
    assert 'unknown region "XX"' in tag_problem("es-XX")
    assert tag_problem(3) and tag_problem("x" * 50)


def test_scripts() -> None:
    assert [script_of(t) for t in ("zh", "zh-TW", "zh-HK", "yue", "zh-SG", "ko", "ja", "es", "ar")] == \
        ["Hans", "Hant", "Hant", "Hant", "Hans", "Kore", "Jpan", "Latn", "Arab"]
    assert is_rtl("ar") and is_rtl("he") and is_rtl("fa") and is_rtl("ur") and not is_rtl("zh-TW")


def test_fonts_per_script() -> None:
    assert font_for("zh-Hans").cjk == "SC" and font_for("zh-TW").cjk == "TC"
    assert font_for("zh-HK").cjk == "HK" and font_for("yue").cjk == "HK"
    assert font_for("ko").cjk == "KR" and font_for("ja").cjk == "JP"
    assert font_for("en").cjk == "SC" and font_for("es").cjk == "SC"  # the CJK faces carry their Latin
    vi = font_for("vi")
    assert vi is not None and (vi.cjk or "DejaVu" in vi.family)


def test_the_display_chooses_the_face_by_script() -> None:
    from signage.display import fonts

    assert "HK" in fonts.face_for("zh-HK").name.split() and "TC" in fonts.face_for("zh-TW").name.split()
    assert "KR" in fonts.face_for("ko").name.split()
    vi = fonts.face_for("vi")
    if "DejaVu" in vi.name:
        import pygame.freetype

        font = fonts.load(vi)
        assert font.get_metrics("ạế ơư") and all(m is not None for m in font.get_metrics("ạếơư"))


def test_right_to_left_is_refused() -> None:
    for tag in ("ar", "he", "fa", "ur"):
        assert "right to left" in font_problem(tag)
    errors = problems(hall("[zh-Hans, en, ar]"), "error")
    assert any("hall.languages[2]" in e and "written right to left" in e for e in errors), errors


def test_no_font_is_an_error_naming_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    from signage import languages

    if font_for("th") is not None:
        pytest.skip("a Thai font is installed here")
    errors = problems(hall("[zh-Hans, th]"), "error")
    assert any("no installed font draws th" in e and "fonts-thai-tlwg" in e for e in errors), errors
    assert "fonts-noto-core" in languages.font_problem("th")


def test_any_tag_is_a_hall_language_and_screens_show_it() -> None:
    text = hall("[zh-TW, en, es]", name="{zh-Hant: 廈門出入境服務大廳, en: Xiamen hall, es: Sala de Xiamen}")
    result = load_hall_text(text, "zhenhai.yaml")
    assert result.config is not None, [str(p) for p in result.errors]
    assert result.config.hall.languages == ["zh-TW", "en", "es"]
    from signage.i18n import pick

    assert pick(result.config.hall.name, "zh-TW") == "廈門出入境服務大廳"
    assert pick(result.config.services[0].name, "zh-TW")  # zh-Hans names shown converted


def test_a_language_without_words_is_a_warning() -> None:
    warnings = problems(hall("[zh-Hans, vi]"), "warning")
    assert any("hall.languages[1]" in w and "no words in vi" in w for w in warnings), warnings
    assert not any("no words in" in w for w in problems(hall("[zh-TW, es-MX]"), "warning"))


def test_a_bad_language_is_pointed_at() -> None:
    errors = problems(hall("[zh_CN, english]"), "error")
    assert any('hall.languages[0]: "zh_CN" is not a language tag' in e and 'did you mean "zh-CN"?' in e for e in errors)
    assert any('hall.languages[1]: "english" is not a language tag' in e and 'did you mean "en"?' in e for e in errors)
    errors = problems(hall("[zh-Hans, en]", name="{zh-Hans: 大厅, zh_TW: 大廳}"), "error")
    assert any("hall.name.zh_TW" in e and 'did you mean "zh-TW"?' in e for e in errors), errors


def test_a_plain_text_is_in_the_halls_first_language() -> None:
    text = hall("[en, zh-Hans]", name="Xiamen Exit-Entry Hall")
    result = load_hall_text(text, "zhenhai.yaml")
    assert result.config is not None
    assert result.config.hall.name == {"en": "Xiamen Exit-Entry Hall"}
    warnings = [p for p in problems(text, "warning") if p.split(": ")[1] == "hall.name"]
    assert not any("no English" in w for w in warnings), warnings
    assert any("no Chinese" in w for w in warnings), warnings
    # and, as before, Simplified Chinese for a hall whose first language is
    text = hall("[zh-Hans, en]", name="厦门出入境大厅")
    assert load_hall_text(text, "zhenhai.yaml").config.hall.name == {"zh-Hans": "厦门出入境大厅"}


def test_a_missing_time_zone_is_said() -> None:
    text = ZHENHAI.read_text(encoding="utf-8")
    lines = [x for x in text.splitlines(keepends=True) if not x.startswith("  timezone:")]
    assert len(lines) < len(text.splitlines())
    found = [w for w in problems("".join(lines), "warning") if "timezone" in w]
    assert found and "runs on Asia/Shanghai" in found[0] and "this machine is on" in found[0], found
    assert not any("no timezone" in w for w in problems(text))


def test_notices_take_any_language() -> None:
    from signage.protocol import SetNotice

    SetNotice.model_validate({"type": "set_notice", "id": "n1", "text": {"zh-TW": "暫停服務", "es": "Cerrado"}})
    with pytest.raises(Exception):
        SetNotice.model_validate({"type": "set_notice", "id": "n2", "text": {"english": "Closed"}})


def test_describe_prints_names_written_only_in_traditional(tmp_path) -> None:
    text = hall("[zh-Hant, en]", name="{zh-Hant: 廈門出入境服務大廳}")
    path = tmp_path / "hall.yaml"
    path.write_text(text, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "signage.cli", "describe", str(path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("廈門出入境服務大廳  (zhenhai,"), out.stdout


def test_preview_takes_any_tag(tmp_path) -> None:
    from signage.display.cli import _lang

    assert _lang("zh-TW") == "zh-TW"
    with pytest.raises(Exception):
        _lang("zh_TW")
    assert chain("zh-TW")[1] == "zh-Hant"


def test_without_fontconfig_nothing_is_refused_for_want_of_asking(monkeypatch: pytest.MonkeyPatch) -> None:
    from signage import languages

    monkeypatch.setattr(languages.shutil, "which", lambda name: None)
    for f in (languages._fc_families, languages.font_for):
        f.cache_clear()
    try:
        assert font_problem("th") is None and font_problem("es") is None and font_problem("zh-TW") is None
        assert "right to left" in font_problem("ar")
    finally:
        monkeypatch.undo()
        for f in (languages._fc_families, languages.font_for):
            f.cache_clear()
