"""The product's own words are data (signage/catalogues/<tag>.yaml): every shipped catalogue
complete and its placeholders kept, the fallbacks along a tag, a hall's terms."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import yaml

from signage import i18n
from signage.i18n import (CATALOGUE_DIR, FULL, catalogue, catalogue_tags, date_text, keys, load_catalogue,
                          pick, placeholders, t, use_terms, wait_text, window_label, word)
from signage.languages import chain, tag_problem

REGIONAL = ("zh-TW", "zh-HK")


def raw(tag: str) -> dict:
    return yaml.safe_load((CATALOGUE_DIR / f"{tag}.yaml").read_text(encoding="utf-8"))


def test_the_shipped_catalogues() -> None:
    assert set(catalogue_tags()) >= set(FULL) | set(REGIONAL)
    for tag in catalogue_tags():
        data = raw(tag)
        assert data["language"] == tag, f"{tag}.yaml says it is {data['language']}"
        assert tag_problem(tag) is None, tag
        assert isinstance(data["words"], dict) and data["words"], tag
        assert all(isinstance(v, str) and v.strip() or k in ("weekday_prefix",) for k, v in data["words"].items()), tag


@pytest.mark.parametrize("tag", FULL)
def test_a_full_catalogue_has_every_key(tag: str) -> None:
    reference = list(raw("en")["words"])
    words = raw(tag)["words"]
    missing = [k for k in reference if k not in words]
    extra = [k for k in words if k not in reference]
    assert not missing, f"{tag}.yaml lacks {missing}"
    assert not extra, f"{tag}.yaml has keys English has not: {extra}"


@pytest.mark.parametrize("tag", sorted(set(FULL) | set(REGIONAL)))
def test_placeholders_are_kept_in_every_translation(tag: str) -> None:
    reference = raw("en")["words"]
    for key, text in raw(tag)["words"].items():
        assert key in reference, f"{tag}.yaml: unknown key {key}"
        want, have = placeholders(reference[key]), placeholders(text)
        assert "!" not in have, f"{tag}.yaml: {key}: broken braces in {text!r}"
        assert have == want, f"{tag}.yaml: {key}: {sorted(have)} where English has {sorted(want)} ({text!r})"


def test_regional_files_hold_only_what_differs() -> None:
    hant = raw("zh-Hant")["words"]
    for tag in REGIONAL:
        words = raw(tag)["words"]
        same = [k for k, v in words.items() if hant.get(k) == v]
        assert not same, f"{tag}.yaml repeats zh-Hant: {same}"
    tw, hk = raw("zh-TW")["words"], raw("zh-HK")["words"]
    assert "櫃檯" in tw["windows"] and "網路" in tw["offline"] and "公尺" in tw["dir_walk"]
    assert "這裡" in tw["you_are_here"] and "掃描" in tw["scan_guide"]
    assert "櫃位" in hk["windows"] and "升降機" in hk["kind_lift"]


def test_no_word_left_in_the_code() -> None:
    # The words once in signage/i18n.py and signage/wayfinding/directions.py are all in the data.
    from pathlib import Path

    for name in ("signage/i18n.py", "signage/wayfinding/directions.py"):
        code = Path(__file__).resolve().parents[1].joinpath(name).read_text(encoding="utf-8")
        code = re.sub(r'"""(.|\n)*?"""', "", code)  # docstrings may quote words
        code = "\n".join(line.split("#")[0] for line in code.splitlines())
        assert not re.search(r'"[^"\n]*[\u4e00-\u9fff][^"\n]*"', code), f"a Chinese word in {name}'s code"


def test_spanish() -> None:
    assert t("window_n", "es", window=3) == "Ventanilla 3"
    assert t("call_line", "es", ticket="A023", window=3) == "Turno A023, ventanilla 3"
    assert t("wait_time", "es") == "Tiempo de espera aprox."
    assert wait_text({"minutes": 6.4, "waiting": 4}, "es") == "aprox. 6 min"
    assert wait_text({"minutes": 6, "low": 3, "high": 10, "waiting": 4}, "es") == "aprox. 3–10 min"
    assert wait_text({"minutes": 0, "waiting": 0}, "es") == "Sin espera"
    assert wait_text({"minutes": 5, "closed_until": "13:00"}, "es") == "abre a las 13:00"
    assert date_text(dt.date(2026, 12, 3), "es") == "jue 3 dic 2026"


def test_fallback_chains() -> None:
    assert chain("zh-TW") == ("zh-TW", "zh-Hant", "en")
    assert chain("zh-HK") == ("zh-HK", "zh-Hant", "en")
    assert chain("yue") == ("yue", "zh-HK", "zh-Hant", "en")
    assert chain("es-MX") == ("es-MX", "es", "en")
    assert chain("zh-CN") == ("zh-CN", "zh-Hans", "en")
    assert chain("fr") == ("fr", "en")
    # zh-TW: its own word, else zh-Hant's
    assert t("window_n", "zh-TW", window=3) == "3號櫃檯"
    assert t("now_calling", "zh-TW") == t("now_calling", "zh-Hant") == "正在叫號"
    assert t("window_n", "yue", window=3) == "3號櫃位"  # yue reads Hong Kong's words
    assert t("window_n", "es-MX", window=3) == "Ventanilla 3"
    assert t("window_n", "vi", window=3) == "Window 3"  # unknown: English
    assert t("no_such_key", "es") == "no_such_key"
    # Traditional from Simplified when even zh-Hant lacks a word (as before catalogues)
    assert i18n._traditional_for("这里", "zh-TW") == "這裡"


def test_fallback_converts_when_zh_hant_lacks_a_word(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for tag in ("en", "zh-Hans"):
        (tmp_path / f"{tag}.yaml").write_text((CATALOGUE_DIR / f"{tag}.yaml").read_text("utf-8"), "utf-8")
    (tmp_path / "zh-Hant.yaml").write_text("language: zh-Hant\nwords: {}\n", "utf-8")
    monkeypatch.setattr(i18n, "CATALOGUE_DIR", tmp_path)
    i18n.reload()
    try:
        assert t("recent_calls", "zh-Hant") == "最近叫號"
        assert t("you_are_here", "zh-TW") == "您在這裡"  # OpenCC s2tw for Taiwan (characters, not words)
    finally:
        monkeypatch.undo()
        i18n.reload()


def test_pick_follows_the_chain_for_hall_texts() -> None:
    assert pick({"zh-Hans": "签注", "zh-Hant": "簽註", "en": "Endorsement"}, "zh-TW") == "簽註"
    assert pick({"zh-Hans": "护照", "en": "Passport"}, "zh-TW") == "護照"
    assert pick({"zh-Hant": "簽註", "en": "Endorsement"}, "yue") == "簽註"
    assert pick({"zh-TW": "櫃檯"}, "zh-Hant") == "櫃檯"
    assert pick({"zh-Hant": "櫃檯"}, "zh-Hans") == "柜台"
    assert pick({"en": "Passport", "es": "Pasaporte"}, "es-MX") == "Pasaporte"
    assert pick({"en": "Passport", "es-MX": "Pasaporte"}, "es") == "Pasaporte"
    assert pick({"zh-Hans": "护照", "en": "Passport"}, "fr") == "Passport"
    assert pick({"zh-Hans": "护照"}, "fr") == "护照"
    assert pick("护照", "en") == "护照" and pick(None, "en") == ""


def test_terms_replace_catalogue_words() -> None:
    terms = {"window_n": {"en": "Counter {window}", "es": "Mostrador {window}", "zh-TW": "{window}號服務台"}}
    assert t("window_n", "en", terms, window=3) == "Counter 3"
    assert t("window_n", "es-MX", terms, window=3) == "Mostrador 3"
    assert t("window_n", "zh-TW", terms, window=3) == "3號服務台"
    assert t("window_n", "zh-HK", terms, window=3) == "3號櫃位"   # no term for it: the catalogue
    assert t("window_n", "zh-Hans", terms, window=3) == "3号窗口"  # never English for Chinese
    assert t("window_n", "en", window=3) == "Window 3"
    with use_terms(terms):
        assert t("window_n", "en", window=3) == "Counter 3"
        assert catalogue("es")["words"]["window_n"] == "Mostrador {window}"
    assert t("window_n", "en", window=3) == "Window 3"
    # Simplified term shown converted on a Traditional screen
    assert word("offline", "zh-Hant", {"offline": {"zh-Hans": "断网了"}}) == "斷網了"


def test_the_screen_installs_the_halls_terms(monkeypatch: pytest.MonkeyPatch) -> None:
    from signage.config import load_hall_text
    from conftest import LAYOUTS

    text = (LAYOUTS / "zhenhai.yaml").read_text(encoding="utf-8")
    text += '\nterms:\n  window_n: {en: "Counter {window}", zh-Hans: "{window}号柜台"}\n'
    result = load_hall_text(text, "zhenhai.yaml")
    assert result.config is not None, [str(p) for p in result.errors]
    assert result.config.terms["window_n"]["en"] == "Counter {window}"
    # the hub sends the config whole: the terms travel in it
    from signage.config.loader import config_json
    from signage.config.model import HallConfig

    again = HallConfig.model_validate(json.loads(config_json(result.config)))
    assert again.terms == result.config.terms
    from signage.display.widgets.base import Ctx

    Ctx(view=None, config=again, screen=again.screens[0], palette=None, lang="en", langs=("en",),  # type: ignore[arg-type]
        now=0.0, t=0.0, text=None)  # type: ignore[arg-type]
    try:
        assert t("window_n", "en", window=7) == "Counter 7"
        assert t("window_n", "zh-Hans", window=7) == "7号柜台"
        assert t("window_n", "zh-Hant", window=7) == "7號櫃檯"
    finally:
        i18n.set_terms({})


def test_terms_are_checked() -> None:
    from signage.config import load_hall_text
    from conftest import LAYOUTS

    text = (LAYOUTS / "zhenhai.yaml").read_text(encoding="utf-8")
    text += ('\nterms:\n  windw_n: {en: "Counter {window}"}\n  go_to_window: {en: "Go to counter {windo}"}\n'
             '  window_n_floor: {en: "Counter {window}"}\n')
    problems = [str(p) for p in load_hall_text(text, "zhenhai.yaml").problems if ".terms" in str(p) or "terms." in str(p)]
    assert any('unknown word "windw_n"' in p and 'did you mean "window_n"' in p for p in problems), problems
    assert any("terms.go_to_window.en" in p and "unknown placeholder {windo}" in p for p in problems), problems
    assert any("terms.window_n_floor.en: warning: leaves out {floor}" in p for p in problems), problems


def test_catalogue_for_the_web_pages() -> None:
    page = catalogue("zh-TW")
    json.dumps(page, ensure_ascii=False)
    assert page["chain"] == ["zh-TW", "zh-Hant", "en"] and page["sentence_case"] is False
    assert set(page["words"]) == set(keys())
    assert page["words"]["windows"] == "櫃檯" and page["words"]["now_calling"] == "正在叫號"
    assert catalogue("es")["words"]["go_to_window"] == "Diríjase a la ventanilla {window}"


def test_window_label_and_directions_in_spanish() -> None:
    class W:
        label = None
        kind = "love"

    assert window_label(W(), "es") == "Ventanilla de atención preferente"
    from signage.wayfinding import KIND_NAMES, floor_name

    assert KIND_NAMES["toilet"]["es"] == "Aseos" and KIND_NAMES["lift"]["zh-HK"] == "升降機"
    assert floor_name("2F", "es") == "planta 2" and floor_name("B1", "es") == "planta sótano 1"
    assert floor_name("2F", "zh-TW") == "2 樓"


def test_a_broken_catalogue_is_not_fatal(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / "en.yaml").write_text((CATALOGUE_DIR / "en.yaml").read_text("utf-8"), "utf-8")
    (tmp_path / "es.yaml").write_text("words: [not, a, mapping", "utf-8")
    monkeypatch.setattr(i18n, "CATALOGUE_DIR", tmp_path)
    i18n.reload()
    try:
        assert load_catalogue("es") is None
        assert t("now_calling", "es") == "Now calling"
    finally:
        monkeypatch.undo()
        i18n.reload()
