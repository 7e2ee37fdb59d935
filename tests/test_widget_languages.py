"""The hall's languages, not the code's (issue 17): the directory, the waiting board and the
window board write the words of the language shown, from its catalogue (signage/catalogues),
with its brackets and list separators (``paren``, ``list_sep``) and nothing of another
language; the ticket page's directions are in the hall's languages; a plain ticker line set
at run time is in the hall's first language.

The hall below shows Spanish and Taiwanese Chinese (and English): a screen of each draws the
three widgets; every text of the text record (signage/display/text.py) is checked by the
rule of tests/test_hall_languages.py (:func:`foreign`)."""

from __future__ import annotations

import os
import re

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from signage.config import load_hall_text  # noqa: E402
from signage.config.model import HallConfig  # noqa: E402
from signage.i18n import t  # noqa: E402
from signage.scripts import full_width, language_of, written_in  # noqa: E402

from test_hall_languages import foreign  # noqa: E402

WIDGETS = ("directory", "waiting_board", "window_board")

HALL = """
format: 1
hall:
  id: lingua
  name: {es: Oficina de prueba, zh-TW: 測試辦事處, en: Test office}
  languages: [es, zh-TW, en]
  timezone: America/Mexico_City
  hours:
    - {open: "08:00", close: "17:00"}
  ticket_digits: 3
priority:
  categories:
    - {id: older, name: {es: Mayores de 65 años, zh-TW: 長者, en: Older people}, short: {es: mayores, zh-TW: 長者, en: older people}}
    - {id: other, name: {es: Otro, zh-TW: 其他, en: Other}, kiosk: false}
groups:
  - {id: docs, name: {es: Documentos, zh-TW: 證件, en: Documents}}
services:
  - {id: passport, prefix: A, group: docs, minutes: 6,
     name: {es: Pasaporte, zh-TW: 護照辦理, en: Passport}}
  - {id: licence, prefix: B, group: docs, minutes: 8,
     name: {es: Licencia de manejo, zh-TW: 駕照換發, en: Driving licence}}
windows:
  - {number: 1, kind: love, services: all, floor: 1F, position: [3, 9]}
  - {number: 2, kind: green, services: all, floor: 1F, position: [6, 9]}
  - {number: 3, services: [passport], floor: 1F, position: [9, 9]}
  - {number: 4, services: [passport], floor: 1F, position: [12, 9]}
  - {number: 5, services: [passport, licence], floor: 1F, position: [15, 9]}
  - {number: 6, kind: unresolved, services: all, floor: 1F, position: [18, 9]}
floors:
  - id: 1F
    level: 1
    name: {es: Planta baja, zh-TW: 一樓, en: Ground floor}
    outline: [[0, 0], [21, 0], [21, 10], [0, 10]]
    points:
      - {id: entrance, kind: entrance, position: [10, 0], name: {es: Entrada, zh-TW: 入口, en: Entrance}}
      - {id: ticket-machine, kind: ticket_machine, position: [12, 1]}
      - {id: toilets-w, kind: toilet, position: [0.5, 5]}
      - {id: toilets-e, kind: toilet, position: [20.5, 5]}
    walkways:
      nodes:
        door: [10, 1]
        lobby-w: [1.5, 2]
        lobby: [10, 2]
        lobby-e: [19.5, 2]
        west: [1.5, 5]
        east: [19.5, 5]
        aisle-w: [1.5, 8]
        aisle: [10, 8]
        aisle-e: [19.5, 8]
      links:
        - [door, lobby, aisle]
        - [lobby-w, lobby, lobby-e]
        - [lobby-w, west, aisle-w]
        - [lobby-e, east, aisle-e]
        - [aisle-w, aisle, aisle-e]
screens:
  - {id: board-es, kind: main, languages: [es], floor: 1F, resolution: [1920, 1080], diagonal_inches: 55,
     viewing_distance_m: 5, regions: [{widget: window_board, rect: [0, 0, 100, 55]},
                                      {widget: waiting_board, rect: [0, 55, 100, 45]}]}
  - {id: board-tw, kind: main, languages: [zh-TW], floor: 1F, resolution: [1920, 1080], diagonal_inches: 55,
     viewing_distance_m: 5, regions: [{widget: window_board, rect: [0, 0, 100, 55]},
                                      {widget: waiting_board, rect: [0, 55, 100, 45]}]}
  - {id: kiosk-es, kind: wayfinding, languages: [es], resolution: [1920, 1080], diagonal_inches: 32,
     viewing_distance_m: 1.5, floor: 1F, position: [10, 3], facing: 180,
     regions: [{widget: directory, rect: [0, 0, 100, 100], options: {cycle_seconds: 3, show_map: false}}]}
  - {id: kiosk-tw, kind: wayfinding, languages: [zh-TW], resolution: [1920, 1080], diagonal_inches: 32,
     viewing_distance_m: 1.5, floor: 1F, position: [10, 3], facing: 180,
     regions: [{widget: directory, rect: [0, 0, 100, 100], options: {cycle_seconds: 3, show_map: false}}]}
"""

_CONFIG: list[HallConfig] = []


def hall() -> HallConfig:
    if not _CONFIG:
        result = load_hall_text(HALL, "lingua.yaml")
        assert result.config is not None and result.errors == [], [str(p) for p in result.problems]
        _CONFIG.append(result.config)
    return _CONFIG[0]


def drawn(screen: str, lang: str) -> list[dict]:
    """Every text the screen's directory and boards draw in ``lang``, every page."""
    from signage.display.measure import render_texts, start_pygame

    assert start_pygame() is None
    records, _, _ = render_texts(hall(), screen, lang)
    assert not getattr(render_texts, "failed", None), render_texts.failed
    return [r for r in records if r["widget"] in WIDGETS]


def by_widget(records: list[dict], widget: str) -> str:
    return " | ".join(r["text"] for r in records if r["widget"] == widget)


def no_other_language(records: list[dict], lang: str) -> None:
    bad = [f'{r["widget"]} [{r["lang"]}] "{r["text"]}": {"; ".join(found)}'
           for r in records if (found := foreign(r["text"], [lang]))]
    assert bad == []
    # every text is drawn in the language shown, but figures (a ticket number, "2/3") in any face
    faces = [(r["widget"], r["lang"], r["text"]) for r in records
             if r["lang"] != lang and not re.fullmatch(r"[A-Z]?[\d/:.\s]+", r["text"])]
    assert faces == []


# --- the screens -------------------------------------------------------------------------

@pytest.mark.parametrize(("screen", "lang"), [("board-es", "es"), ("kiosk-es", "es"),
                                              ("board-tw", "zh-TW"), ("kiosk-tw", "zh-TW")])
def test_each_screen_shows_its_language_only(screen: str, lang: str) -> None:
    records = drawn(screen, lang)
    assert {r["widget"] for r in records} == ({"directory"} if "kiosk" in screen else {"window_board", "waiting_board"})
    no_other_language(records, lang)


def test_a_spanish_board_says_the_catalogue_s_words() -> None:
    records = drawn("board-es", "es")
    windows, waiting = by_widget(records, "window_board"), by_widget(records, "waiting_board")
    for word in (t("window_n", "es", window=3), t("window_kind_love", "es"), t("window_kind_green", "es"),
                 t("paused", "es")):
        assert word in windows, (word, windows)
    assert "Ventanilla 3" in windows and "Ventanilla de atención preferente" in windows
    for word in (t("waiting", "es"), "Pasaporte", "Licencia de manejo"):
        assert word in waiting, (word, waiting)
    # the sample pause's reason ("休息", typed in Chinese) is left to the Chinese screens
    assert "休息" not in windows


def test_a_taiwanese_board_says_the_catalogue_s_words() -> None:
    records = drawn("board-tw", "zh-TW")
    windows, waiting = by_widget(records, "window_board"), by_widget(records, "waiting_board")
    for word in (t("window_n", "zh-TW", window=3), t("window_kind_love", "zh-TW"), t("paused", "zh-TW")):
        assert word in windows, (word, windows)
    assert "3號櫃檯" in windows and "愛心服務櫃檯" in windows and "休息" in windows  # zh-TW.yaml; the reason
    for word in (t("waiting", "zh-TW"), "護照辦理", "駕照換發"):
        assert word in waiting, (word, waiting)


def test_the_directory_in_spanish_and_in_taiwanese() -> None:
    es, tw = by_widget(drawn("kiosk-es", "es"), "directory"), by_widget(drawn("kiosk-tw", "zh-TW"), "directory")
    for word in (t("directory", "es"), t("window_kind_love", "es"), t("window_kind_unresolved", "es"),
                 t("kind_toilet", "es")):
        assert word in es, (word, es)
    for word in (t("directory", "zh-TW"), t("window_kind_love", "zh-TW"), t("kind_toilet", "zh-TW")):
        assert word in tw, (word, tw)
    # the two toilets told apart in each language's brackets
    toilet_es, toilet_tw = t("kind_toilet", "es"), t("kind_toilet", "zh-TW")
    assert f"{toilet_es} (1)" in es and f"{toilet_es} (2)" in es
    assert f"{toilet_tw}（1）" in tw and f"{toilet_tw}（2）" in tw
    assert not re.search("[（）、]", es)


def test_directory_items_in_any_language_of_the_hall() -> None:
    from signage.display.widgets.directory import directory_items, hall_languages

    config = hall()
    assert hall_languages(config) == ("es", "zh-TW", "en")
    items = {i.key: i for i in directory_items(config)}
    love, passport = items["window:1"], items["service:passport"]
    assert love.name("es") == "Ventanilla de atención preferente" and love.name("zh-TW") == "愛心服務櫃檯"
    assert love.name("vi") == t("window_kind_love", "en")  # no Vietnamese catalogue: English
    assert passport.detail("es") == "Ventanillas 3, 4, 5" and passport.detail("zh-TW") == "3、4、5號櫃檯"
    assert passport.detail("zh-HK") == "3、4、5號櫃位" and passport.detail("en") == "Windows 3, 4, 5"
    toilets = [i for k, i in items.items() if "toilets" in k]
    assert [i.name("es") for i in toilets] == [f'{t("kind_toilet", "es")} ({n})' for n in (1, 2)]
    assert [i.name("zh-TW") for i in toilets] == [f'{t("kind_toilet", "zh-TW")}（{n}）' for n in (1, 2)]


# --- telling a text's script ---------------------------------------------------------------

def test_a_text_s_script() -> None:
    for text, langs in (("休息", ("zh-Hans", "zh-TW", "zh-HK", "yue", "ja")),
                        ("Lunch", ("en", "es", "vi")), ("Almuerzo rápido", ("en", "es", "vi")),
                        ("Nghỉ trưa", ("vi", "en")), ("ETC 维护", ("zh-Hans", "zh-TW")), ("11:00", ("en", "zh-TW"))):
        for lang in langs:
            assert written_in(text, lang), (text, lang)
    assert not written_in("休息", "es") and not written_in("休息", "vi") and not written_in("Lunch", "zh-TW")
    assert not written_in("Обед", "en") and written_in("Обед", "ru") and not written_in("점심", "zh-Hans")
    assert language_of("休息", ["es", "zh-TW"]) == "zh-TW" and language_of("Lunch", ["zh-TW", "es"]) == "es"
    assert language_of("休息", ["es", "en"]) is None
    assert full_width("護照辦理") == 4 and full_width("Passport") == 4


def test_a_pause_s_reason_shows_in_the_languages_of_its_script() -> None:
    from signage.display.widgets.window_board import _reason_shown

    for reason, lang, langs, shown in (
            ("Almuerzo", "es", ("es", "zh-TW"), True), ("Almuerzo", "zh-TW", ("es", "zh-TW"), False),
            ("午休", "zh-TW", ("es", "zh-TW"), True), ("午休", "es", ("es", "zh-TW"), False),
            ("午休", "vi", ("vi", "en"), False), ("Nghỉ trưa", "vi", ("vi", "zh-HK"), True),
            ("Lunch", "zh-HK", ("zh-HK",), True),  # no language of the screen reads it: shown anyway
            ("午休", "en", ("en",), False)):
        assert _reason_shown(reason, lang, langs) is shown, (reason, lang, langs)


def test_a_strip_says_the_reason_once_in_the_face_of_its_script() -> None:
    from signage.display.widgets.window_board import _strip_state
    from signage.view import WindowView

    class Ctx:  # what _strip_state reads of the frame
        all_langs: tuple[str, ...] = ()
        palette = type("P", (), {"warning": (1, 1, 1), "muted": (2, 2, 2), "text": (3, 3, 3),
                                 "highlight": (4, 4, 4)})()

    def strip(w: WindowView, langs: tuple[str, ...]):
        ctx = Ctx()
        ctx.all_langs = langs
        return _strip_state(ctx, w, langs)

    w = WindowView(number=3, state="paused", reason="午休", until="13:00")
    _, parts, _, _ = strip(w, ("es", "zh-TW"))
    assert ("zh-TW", "午休") in parts and [x for _, x in parts].count("午休") == 1
    w.reason = "Almuerzo"
    _, parts, _, _ = strip(w, ("zh-TW", "es"))
    assert ("es", "Almuerzo") in parts
    w.reason = "午休"
    _, parts, _, _ = strip(w, ("es", "en"))
    assert "午休" not in [x for _, x in parts]


# --- the ticket page's directions ------------------------------------------------------------

def test_the_ticket_page_s_directions_are_in_the_hall_s_languages() -> None:
    from server.web.live import _window_info

    config = hall()
    config = config.model_copy(update={"hall": config.hall.model_copy(update={"languages": ["en", "es"]})})
    info = _window_info(config, 4)
    assert info is not None and info["directions"] and info["summary"]
    assert list(info["directions"]) == ["en", "es"] and list(info["summary"]) == ["en", "es"]
    for lang in ("en", "es"):
        assert not foreign(info["directions"][lang] + " " + info["summary"][lang], [lang]), info
    assert info["directions"]["es"] != info["directions"]["en"]


# --- a ticker line set at run time -------------------------------------------------------------

def test_a_plain_ticker_line_set_at_run_time_is_in_the_hall_s_first_language() -> None:
    from server.queue.engine import QueueEngine
    from signage import protocol as p

    config = hall()
    english_first = config.model_copy(update={"hall": config.hall.model_copy(update={"languages": ["en", "es"]})})
    cmd = p.parse_client('{"type": "set_messages", "id": "m1", "messages": '
                         '[{"text": "Welcome"}, {"text": {"es": "Bienvenido"}}]}')
    ids = iter(range(1000))
    for cfg, first in ((english_first, "en"), (config, "es")):
        decision = QueueEngine(cfg).decide(cmd, 0.0, "manager", lambda: str(next(ids)))
        (event,) = [e for e in decision.events if e["type"] == "messages_set"]
        assert [m["text"] for m in event["messages"]] == [{first: "Welcome"}, {"es": "Bienvenido"}]
