"""The voice follows the hall (issue 17 item 3): the spoken languages are the hall's own,
each with its number reading and built-in phrases; validate says which shown language has no voice.

Every hall here is a YAML text written in the test and loaded as a hall manager's file
is, then spoken by the announcer's own code (``call_phrases``, ``Announcer.handle``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audio.announcer import Announcer
from audio.engines import EspeakEngine
from audio.languages import LANGUAGES, spanish_number
from audio.phrases import Values, call_phrases, hall_tokens, say_floor, say_number, say_ticket
from signage.config import load_hall_text
from signage.config.loader import config_json
from signage.config.model import HallConfig, Voice
from signage.config.voices import (
    ESPEAK_VOICES, GTTS_VOICES, PHRASE_KEYS, default_voice_languages, voice_key,
)

NOW = 1_795_000_000.0
CJK = re.compile(r"[\u3400-\u9fff]")


def hall_yaml(languages: str, *, voice: str = "", name: str = "{en: Test hall}",
              service: str = "{en: Passport}") -> str:
    """A one-floor hall showing ``languages`` (a YAML list), with ``voice`` appended if given."""
    return f"""\
format: 1
hall:
  id: voice-hall
  name: {name}
  languages: {languages}
groups:
  - {{id: main, name: {service}}}
services:
  - {{id: passport, prefix: B, group: main, minutes: 5, name: {service}}}
windows:
  - {{number: 7, services: all, floor: 1F, position: [4, 4]}}
  - {{number: 12, services: all, floor: 1F, position: [6, 4]}}
floors:
  - id: 1F
    level: 1
    name: {name}
    outline: [[0, 0], [10, 0], [10, 10], [0, 10]]
    points:
      - {{id: door, kind: entrance, position: [1, 1]}}
{voice}"""


def load(text: str):
    return load_hall_text(text, "hall.yaml")


def hall(text: str) -> HallConfig:
    result = load(text)
    assert result.config is not None, "\n".join(map(str, result.problems))
    return result.config


def lines(text: str) -> list[str]:
    """What validate says about the voice (other sections' findings left out)."""
    return [str(p) for p in load(text).problems
            if p.path.startswith("voice") or "spoken" in p.message or "voice" in p.message]


def announce(config: HallConfig, number: str = "B002", window: int = 7, kind: str = "ticket_called"):
    """The announcement the announcer makes for one live call in ``config``."""
    queued: list = []
    a = Announcer(queued.append, config=config)
    a.handle({"type": "welcome", "v": 1, "hall": config.hall.id, "role": "announcer", "seq": 1,
              "snapshot": {"recent_calls": []}}, NOW)
    a.handle({"type": "event", "seq": 2, "event": {
        "type": kind, "at": NOW, "window": window,
        "ticket": {"id": "t2", "number": number, "service": "passport", "class": "normal"}}}, NOW + 0.01)
    (ann,) = queued
    return ann


# --- tags to voices -------------------------------------------------------------------------------

@pytest.mark.parametrize("tag, key", [
    ("zh-Hans", "zh-Hans"), ("zh-CN", "zh-Hans"), ("zh-SG", "zh-Hans"), ("zh", "zh-Hans"), ("cmn", "zh-Hans"),
    ("zh-Hant", "zh-Hant"), ("zh-TW", "zh-Hant"), ("zh-Hant-TW", "zh-Hant"), ("cmn-Hant", "zh-Hant"),
    ("zh-HK", "yue"), ("zh-MO", "yue"), ("yue", "yue"), ("yue-Hant", "yue"), ("zh-yue", "yue"),
    ("en", "en"), ("en-GB", "en"), ("es", "es"), ("es-MX", "es"), ("es-419", "es"), ("vi", "vi"), ("bo", "bo"),
])
def test_a_tag_names_the_language_of_its_clips(tag, key):
    assert voice_key(tag) == key


def test_the_voice_follows_the_hall_languages():
    assert default_voice_languages(["en"]) == ["en"]
    assert default_voice_languages(["zh-TW", "en"]) == ["zh-Hant", "en"]
    assert default_voice_languages(["zh-HK", "zh-Hant", "en"]) == ["yue", "zh-Hant", "en"]
    assert default_voice_languages(["zh-Hans", "zh-CN", "en-GB", "en"]) == ["zh-Hans", "en"]   # once each
    assert default_voice_languages(["en", "es"]) == ["en", "es"]
    assert default_voice_languages(["en", "bo"]) == ["en"]             # no engine speaks Tibetan
    assert default_voice_languages(["en", "vi"]) == ["en"]             # espeak-ng speaks it; no phrases
    assert default_voice_languages(["en", "vi"], {"call": {"vi": "Số {ticket}, quầy {window}"}}) == ["en", "vi"]


# --- an English-only hall ---------------------------------------------------------------------------

def test_an_english_hall_speaks_english_only():
    config = hall(hall_yaml("[en]"))
    assert config.voice.languages == ["en"]
    for kind in ("ticket_called", "ticket_recalled"):
        ann = announce(config, kind=kind)
        assert [p.lang for p in ann.phrases] == ["en"]
        for phrase in ann.phrases:
            for seg in phrase.segments:
                assert seg.lang == "en" and not CJK.search(seg.text), seg
    ann = announce(config)
    assert ann.phrases[0].text == "Ticket B 0 0 2 please go to window 7"
    assert [s.text for s in ann.phrases[0].segments][1:5] == ["B", "0", "0", "2"]   # a clip each
    recalled = announce(config, kind="ticket_recalled")
    assert recalled.phrases[0].text == "Ticket B 0 0 2 once again, please go to window 7"
    assert {lang for lang, _ in hall_tokens(config)} == {"en"}     # the pack has no Mandarin clip either


def test_an_english_hall_with_its_own_template_and_floor_sentence():
    config = hall(hall_yaml("[en]", voice="voice:\n  templates:\n    call: {en: 'Number {ticket}, counter {window}'}\n"))
    assert config.voice.languages == ["en"]
    assert announce(config).phrases[0].text == "Number B 0 0 2 counter 7"
    assert announce(config, kind="ticket_recalled").phrases[0].text == "Number B 0 0 2 counter 7"  # its own words
    voice = config.voice
    (p,) = call_phrases(voice, "call", Values("B002", 7, ("2F", 2), other_floor=True))
    assert p.text.endswith("Window 7 is on floor 2")


def test_the_built_in_phrases_name_the_window_as_the_hall_does():
    terms = "terms:\n  window_n: {en: 'Counter {window}'}\n"
    config = hall(hall_yaml("[en]") + terms)
    assert announce(config).phrases[0].text == "Ticket B 0 0 2 please go to counter 7"
    assert announce(config, kind="ticket_recalled").phrases[0].text == \
        "Ticket B 0 0 2 once again, please go to counter 7"
    (p,) = call_phrases(config.voice, "call", Values("B002", 7, ("2F", 2), other_floor=True), config.terms)
    assert p.text.endswith("counter 7 Counter 7 is on floor 2")
    assert ("en", "please go to counter") in hall_tokens(config)
    own = hall(hall_yaml("[en]", voice="voice:\n  templates:\n    call: {en: 'Number {ticket}, desk {window}'}\n") + terms)
    assert announce(own).phrases[0].text == "Number B 0 0 2 desk 7"     # the hall's own template is its own


def test_a_term_in_traditional_chinese_and_in_spanish():
    terms = {"window_n": {"zh-TW": "{window}號櫃檯", "es": "Mostrador {window}"}}
    zh, es = call_phrases(Voice(languages=["zh-Hant", "es"]), "call", Values("B002", 7), terms)
    assert zh.text.replace(" ", "") == "請B零零二號到七號櫃檯辦理"
    assert es.text == "Turno B cero cero dos por favor pase al mostrador siete"      # its article, contracted
    (zh_hans,) = call_phrases(Voice(languages=["zh-Hans"]), "call", Values("B002", 7), terms)
    assert zh_hans.text.replace(" ", "") == "请B零零二号到七号柜台办理"     # converted from the Traditional term
    (en,) = call_phrases(Voice(languages=["en"]), "call", Values("B002", 7), terms)
    assert en.text.endswith("window 7")                                   # no English term: the built-in word
    (es,) = call_phrases(Voice(languages=["es"]), "call", Values("B002", 7, ("2F", 2), other_floor=True),
                         {"window_n": {"es": "Caja {window}"}})
    assert es.text == "Turno B cero cero dos por favor pase a la caja siete La caja siete está en la planta dos"
    same = {"window_n": {"es": "Ventanilla {window}"}}                     # the screens' own word: no change
    (es,) = call_phrases(Voice(languages=["es"]), "call", Values("B002", 7), same)
    assert es.text == "Turno B cero cero dos por favor pase a la ventanilla siete"
    broken = {"window_n": {"en": "Counter"}}                               # no {window}: the number would be lost
    (en,) = call_phrases(Voice(languages=["en"]), "call", Values("B002", 7), broken)
    assert en.text.endswith("window 7")


# --- Spanish ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("n, words", [
    (0, "cero"), (1, "uno"), (7, "siete"), (10, "diez"), (12, "doce"), (16, "dieciséis"), (20, "veinte"),
    (21, "veintiuno"), (22, "veintidós"), (30, "treinta"), (31, "treinta y uno"), (99, "noventa y nueve"),
    (100, "cien"), (101, "ciento uno"), (115, "ciento quince"), (200, "doscientos"), (500, "quinientos"),
    (999, "novecientos noventa y nueve"),
])
def test_spanish_numbers(n, words):
    assert spanish_number(n) == words
    assert say_number(n, "es") == words


def test_spanish_reads_a_ticket_digit_by_digit_and_floors_with_their_article():
    assert say_ticket("B002", "es") == "B cero cero dos"
    assert say_ticket("A100", "es-MX") == "A uno cero cero"
    assert (say_floor("2F", 2, "es"), say_floor("B1", -1, "es"), say_floor("G", 0, "es")) == \
        ("la planta dos", "el sótano uno", "la planta baja")


def test_english_then_spanish_with_the_spanish_reading():
    en, es = call_phrases(Voice(languages=["en", "es"]), "call", Values("B002", 7))
    assert (en.lang, es.lang) == ("en", "es")
    assert en.text == "Ticket B 0 0 2 please go to window 7"
    assert es.text == "Turno B cero cero dos por favor pase a la ventanilla siete"
    assert [s.text for s in es.segments] == ["Turno", "B", "cero", "cero", "dos", "por favor pase a la ventanilla",
                                             "siete"]
    (_, es_recall) = call_phrases(Voice(languages=["en", "es"]), "recall", Values("B002", 12))
    assert es_recall.text == "Turno B cero cero dos de nuevo, por favor pase a la ventanilla doce"
    (_, es_floor) = call_phrases(Voice(languages=["en", "es"]), "call", Values("B002", 7, ("2F", 2), other_floor=True))
    assert es_floor.text.endswith("ventanilla siete La ventanilla siete está en la planta dos")


def test_a_spanish_line_hall_speaks_english_then_spanish():
    config = hall(hall_yaml("[en, es]", name="{en: Test hall, es: Sala de prueba}",
                            service="{en: Passport, es: Pasaporte}"))
    assert config.voice.languages == ["en", "es"]
    ann = announce(config)
    assert [p.lang for p in ann.phrases] == ["en", "es"]
    assert ann.phrases[0].text == "Ticket B 0 0 2 please go to window 7"
    assert ann.phrases[1].text == "Turno B cero cero dos por favor pase a la ventanilla siete"
    assert all(s.lang == p.lang for p in ann.phrases for s in p.segments)
    assert ("es", "doce") in hall_tokens(config) and ("es", "cero") in hall_tokens(config)
    assert lines(hall_yaml("[en, es]", name="{en: Test hall, es: Sala de prueba}",
                           service="{en: Passport, es: Pasaporte}")) == []


def test_a_spanish_hall_may_say_it_its_own_way():
    config = hall(hall_yaml(
        "[es-MX]", name="{es-MX: Sala de prueba}", service="{es-MX: Pasaporte}",
        voice="voice:\n  templates:\n    call: {es-MX: 'Número {ticket}, módulo {window}'}\n"))
    assert config.voice.languages == ["es"]
    (p,) = announce(config).phrases
    assert p.text == "Número B cero cero dos módulo siete" and p.lang == "es"


# --- Mandarin from Traditional templates ------------------------------------------------------------

def test_a_traditional_chinese_hall_speaks_mandarin_from_traditional_templates():
    config = hall(hall_yaml("[zh-Hant]", name="{zh-Hant: 測試大廳}", service="{zh-Hant: 護照}"))
    assert config.voice.languages == ["zh-Hant"]
    (p,) = announce(config).phrases
    assert p.lang == "zh-Hant" and p.text.replace(" ", "") == "請B零零二號到七號窗口辦理"
    assert all(s.lang == "zh-Hant" for s in p.segments)
    (r,) = announce(config, kind="ticket_recalled").phrases
    assert r.text.replace(" ", "") == "請B零零二號再次到七號窗口辦理"
    (f,) = call_phrases(config.voice, "call", Values("B002", 12, ("2F", 2), other_floor=True))
    assert f.text.replace(" ", "").endswith("十二號窗口在二樓")
    samples, rate = EspeakEngine().synthesize("請", "zh-Hant")      # espeak-ng's Mandarin reads it
    assert len(samples) > rate * 0.1


def test_a_taiwan_tag_finds_its_hall_templates_under_another_tag_of_mandarin():
    config = hall(hall_yaml(
        "[zh-TW, en]", name="{zh-TW: 測試大廳, en: Test hall}", service="{zh-TW: 護照, en: Passport}",
        voice="voice:\n  templates:\n    call: {zh-Hant: '請 {ticket} 號到 {window} 號櫃檯'}\n"))
    assert config.voice.languages == ["zh-Hant", "en"]
    zh, en = announce(config).phrases
    assert zh.text.replace(" ", "") == "請B零零二號到七號櫃檯" and en.text.startswith("Ticket B 0 0 2")


def test_the_hub_sends_the_voice_it_worked_out():
    config = hall(hall_yaml("[zh-Hant, en]", name="{zh-Hant: 測試大廳, en: Test hall}",
                            service="{zh-Hant: 護照, en: Passport}"))
    again = HallConfig.model_validate_json(config_json(config))
    assert again.voice.languages == config.voice.languages == ["zh-Hant", "en"]


# --- validate ---------------------------------------------------------------------------------------

def test_validate_warns_of_a_spoken_language_the_hall_does_not_show():
    text = hall_yaml("[en]", voice="voice:\n  languages: [en, es]\n")
    assert lines(text) == [
        "hall.yaml:21: voice.languages[1]: warning: es is spoken but the hall does not show it "
        "(hall.languages: en; expected es in hall.languages, or not in voice.languages)",
    ]
    assert [p.lang for p in announce(hall(text)).phrases] == ["en", "es"]   # still said: a warning


def test_validate_warns_of_a_language_no_engine_speaks():
    text = hall_yaml("[en]", voice="voice:\n  languages: [en, tlh]\n  templates:\n"
                                  "    call: {en: 'Ticket {ticket}, window {window}', tlh: '{ticket} {window}'}\n")
    found = lines(text)
    assert any("voice.languages[1]: warning: no voice engine speaks tlh: its clips must all be recorded "
               "into the voice pack" in line for line in found), found
    assert any("voice.languages[1]: warning: tlh is spoken but the hall does not show it" in line for line in found)


def test_validate_warns_of_a_shown_language_without_a_voice():
    text = hall_yaml("[en, mn]", name="{en: Test hall, mn: Туршилтын танхим}", service="{en: Passport, mn: Паспорт}")
    config = hall(text)
    assert config.voice.languages == ["en"]
    assert lines(text) == [
        "hall.yaml:5: hall.languages[1]: warning: mn is shown but never spoken: no voice engine here speaks "
        "Mongolian (mn) (espeak-ng, gTTS) (expected its clips recorded into the voice pack and mn in "
        "voice.languages with call and recall templates; or leave it to the screens)",
    ]


def test_validate_warns_of_a_shown_language_without_phrases():
    text = hall_yaml("[en, vi]", name="{en: Test hall, vi: Phòng thử}", service="{en: Passport, vi: Hộ chiếu}")
    config = hall(text)
    assert config.voice.languages == ["en"]
    assert lines(text) == [
        "hall.yaml:5: hall.languages[1]: warning: vi is shown but never spoken: there are no built-in "
        "Vietnamese (vi) phrases (expected voice.templates.call.vi and voice.templates.recall.vi)",
    ]
    with_texts = text + "voice:\n  templates:\n    call: {vi: 'Số {ticket}, quầy {window}'}\n"
    assert lines(with_texts) == []
    assert [p.lang for p in announce(hall(with_texts)).phrases] == ["en", "vi"]


def test_a_listed_language_still_needs_every_text_the_hall_writes():
    text = hall_yaml("[zh-Hans, en]", name="{zh-Hans: 测试大厅, en: Test hall}",
                     service="{zh-Hans: 护照, en: Passport}",
                     voice="voice:\n  languages: [zh-Hans, en]\n  templates:\n"
                           "    call: {zh-Hans: '请 {ticket} 号到 {window} 号窗口办理'}\n")
    assert lines(text) == ["hall.yaml:23: voice.templates.call: no en text, but en is in voice.languages"]


def test_a_template_in_a_language_not_spoken_is_a_warning():
    text = hall_yaml("[en]", voice="voice:\n  templates:\n    call: {zh-Hans: '请 {ticket} 号'}\n")
    assert lines(text) == [
        "hall.yaml:22: voice.templates.call.zh-Hans: warning: zh-Hans is never spoken: it is not in "
        "voice.languages (en, the hall's languages that a voice speaks)",
    ]


# --- the tables agree with the engines and the phrases ------------------------------------------------

def test_every_language_with_phrases_has_them_all_and_an_offline_voice():
    assert set(LANGUAGES) == PHRASE_KEYS
    for key, lang in LANGUAGES.items():
        assert lang.call and lang.recall and lang.floor_sentence, key
        assert "{ticket}" in lang.call and "{window_n}" in lang.call and "{window}" in lang.window_n
        assert "{window_n}" in lang.floor_sentence and "{floor}" in lang.floor_sentence
        assert key in ESPEAK_VOICES, key       # spoken offline, whatever the pack holds


def test_the_espeak_voices_are_those_espeakng_loader_ships():
    import espeakng_loader

    shipped = {p.name for p in (Path(espeakng_loader.get_data_path()) / "lang").rglob("*") if p.is_file()}
    assert set(ESPEAK_VOICES.values()) <= shipped


def test_the_gtts_codes_are_gtts_languages():
    from gtts.lang import tts_langs

    assert set(GTTS_VOICES.values()) <= set(tts_langs())


@pytest.mark.parametrize("key", sorted(PHRASE_KEYS))
def test_espeak_says_every_built_in_call(key):
    engine = EspeakEngine()
    for phrase in call_phrases(Voice(languages=[key]), "call", Values("B002", 7)):
        samples, rate = engine.synthesize(phrase.text, phrase.lang)
        assert len(samples) > rate * 0.5, phrase.text


def test_voicepack_check_says_which_words_no_voice_would_say(tmp_path, capsys):
    from audio.voicepack import build_pack
    from signage.cli import main

    path = tmp_path / "hall.yaml"
    path.write_text(hall_yaml("[en]", voice="voice:\n  languages: [en, tlh]\n  templates:\n"
                                           "    call: {en: 'Ticket {ticket}, window {window}', tlh: '{ticket} {window}'}\n"),
                    encoding="utf-8")
    config = hall(path.read_text(encoding="utf-8"))
    english = sorted(t for t in hall_tokens(config) if t[0] == "en")
    build_pack(english[1:], EspeakEngine(), tmp_path / "pack", halls=[config.hall.id])
    assert main(["voicepack", "check", "--hall", str(path), "--pack", str(tmp_path / "pack")]) == 1
    out = capsys.readouterr().out
    assert "en: 1 missing, said by espeak-ng meanwhile" in out
    assert "no offline voice speaks tlh: record them (clips/tlh/ in the pack)" in out


# --- regional words: the voice says the window as the screens do ------------------------------------

def test_a_regional_hall_hears_its_screens_window_word():
    """A zh-TW hall's screens say 櫃檯 (catalogue zh-TW), a zh-HK hall's 櫃位: the built-in phrases
    say the same, though the voice speaks zh-Hant and yue clips; a hall's term still wins."""
    from signage.i18n import t

    tw = hall(hall_yaml("[zh-TW, en]", name="{zh-TW: 測試大廳, en: Test hall}", service="{zh-TW: 護照, en: Passport}"))
    assert tw.voice.languages == ["zh-Hant", "en"] and t("window_n", "zh-TW", window=7) == "7號櫃檯"
    zh, en = announce(tw).phrases
    assert zh.text.replace(" ", "") == "請B零零二號到七號櫃檯辦理" and en.text.endswith("window 7")
    (r, _) = announce(tw, kind="ticket_recalled").phrases
    assert r.text.replace(" ", "") == "請B零零二號再次到七號櫃檯辦理"
    (f, _) = call_phrases(tw.voice, "call", Values("B002", 12, ("2F", 2), other_floor=True), tw.terms,
                          ["zh-TW", "en"])
    assert f.text.replace(" ", "").endswith("十二號櫃檯在二樓")
    assert any("櫃檯" in text for lang, text in hall_tokens(tw) if lang == "zh-Hant")   # in the voice pack
    assert not any("窗口" in text for lang, text in hall_tokens(tw))

    hk = hall(hall_yaml("[zh-HK, en]", name="{zh-HK: 測試大廳, en: Test hall}", service="{zh-HK: 護照, en: Passport}"))
    assert hk.voice.languages == ["yue", "en"] and t("window_n", "zh-HK", window=7) == "7號櫃位"
    assert announce(hk).phrases[0].text.replace(" ", "") == "請B零零二號到七號櫃位辦理"

    # a regional tag written as the voice language says its region's word, wherever it is
    (p,) = call_phrases(Voice(languages=["zh-TW"]), "call", Values("B002", 7))
    assert p.lang == "zh-Hant" and p.text.replace(" ", "") == "請B零零二號到七號櫃檯辦理"
    (p,) = call_phrases(Voice(languages=["zh-HK"]), "call", Values("B002", 7))
    assert p.lang == "yue" and p.text.replace(" ", "") == "請B零零二號到七號櫃位辦理"
    # no region: the built-in word (zh-Hant screens say 窗口; Cantonese for a mainland hall's zh-Hans screens)
    (p,) = call_phrases(Voice(languages=["zh-Hant"]), "call", Values("B002", 7), None, ["zh-Hant", "en"])
    assert p.text.replace(" ", "") == "請B零零二號到七號窗口辦理"
    _, p = call_phrases(Voice(languages=["zh-Hans", "yue"]), "call", Values("B002", 7), None, ["zh-Hans", "en"])
    assert p.lang == "yue" and p.text.replace(" ", "") == "請B零零二號到七號窗口辦理"
    # the hall's own term, and its own template, come first
    (p,) = call_phrases(Voice(languages=["zh-TW"]), "call", Values("B002", 7),
                        {"window_n": {"zh-TW": "{window}號服務台"}})
    assert p.text.replace(" ", "") == "請B零零二號到七號服務台辦理"
    own = hall(hall_yaml("[zh-TW]", name="{zh-TW: 測試大廳}", service="{zh-TW: 護照}",
                         voice="voice:\n  templates:\n    call: {zh-TW: '請 {ticket} 號到 {window} 號窗口'}\n"))
    assert announce(own).phrases[0].text.replace(" ", "") == "請B零零二號到七號窗口"
