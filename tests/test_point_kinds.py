"""Kinds of points (issue 17, item 4): the kinds a hall commonly has (a vision-test station,
copying, lockers, a cash machine) each with its words in every catalogue and an icon of its
own, and ``kind: other`` for the rest: its ``label`` in the hall's languages names it on the
map, in the directory and in the directions, its ``icon`` one of the shipped set."""

from __future__ import annotations

from typing import get_args

import pygame
import pytest

from signage.config import load_hall_text
from signage.config.model import ICON_NAMES, HallConfig, PoiKind, PointKind
from signage.display.preview import preview_time
from signage.display.renderer import Renderer
from signage.display.widgets.directory import directory_items
from signage.display.widgets.floorplan import point_label
from signage.display.widgets.icons import GLYPHS, draw_icon, icon_of
from signage.i18n import FULL, t
from signage.view import HallView
from signage.wayfinding import KIND_NAMES, point_name, render, wayfinder_for

from test_display_widgets import Recorder

NOW = preview_time()
pygame.display.init()

NEW_KINDS = ("vision_test", "copier", "lockers", "atm")
LANGS = ("en", "es", "zh-Hans")

HALL = """\
format: 1
hall: {{id: dmv, name: {{en: Motor vehicles office, es: Oficina de vehículos, zh-Hans: 车管所}}, languages: [en, es, zh-Hans],
       timezone: America/Los_Angeles}}
groups: [{{id: g, name: {{en: Licences, es: Licencias, zh-Hans: 驾照}}}}]
services: [{{id: s, prefix: A, group: g, minutes: 5, name: {{en: Driver licence, es: Licencia de conducir, zh-Hans: 驾照办理}}}}]
windows:
  - {{number: 1, services: all, floor: 1F, position: [20, 18]}}
  - {{number: 2, services: all, floor: 1F, position: [24, 18]}}
floors:
  - id: 1F
    level: 1
    name: {{en: Ground floor, es: Planta baja, zh-Hans: 一楼}}
    outline: [[0, 0], [30, 0], [30, 20], [0, 20]]
    points:
      - {{id: entrance, kind: entrance, position: [15, 0]}}
{points}
screens:
  - {{id: guide, kind: wayfinding, resolution: [1920, 1080], diagonal_inches: 55, viewing_distance_m: 5,
     floor: 1F, position: [15, 9], facing: 180,
     regions: [{{widget: map, rect: [0, 0, 65, 100]}}, {{widget: directory, rect: [65, 0, 35, 100]}}]}}
"""

VISION = ("      - {id: eyes, kind: other, icon: vision_test, position: [4, 16],\n"
          "         label: {en: Eye exam, es: Examen de la vista, zh-Hans: 视力检查}}")
KNOWLEDGE = ("      - {id: quiz, kind: other, icon: question, position: [26, 4],\n"
             "         label: {en: Knowledge test, es: Examen teórico, zh-Hans: 理论考试}}")
COPIER = "      - {id: copies, kind: copier, position: [2, 4]}"


def load(points: str):
    return load_hall_text(HALL.format(points=points))


def messages(points: str) -> list[str]:
    """What is said about the floors (the hall's other texts, e.g. the default priority's, have no Spanish)."""
    return [str(p) for p in load(points).problems if p.path.startswith("floors")]


def hall(points: str = "\n".join((VISION, KNOWLEDGE, COPIER))) -> HallConfig:
    result = load(points)
    assert result.config is not None and not messages(points), "\n".join(messages(points))
    return result.config


# --- the kinds and their words ---------------------------------------------------------------------

def test_the_new_kinds_are_in_the_format_with_words_in_every_language() -> None:
    kinds = get_args(PoiKind)
    assert set(NEW_KINDS) <= set(kinds) and "other" not in kinds  # other has no words of its own
    assert set(get_args(PointKind)) == set(kinds) | {"other"}
    for kind in kinds:
        for lang in FULL:
            key = f"kind_{kind}"
            assert t(key, lang) != key, (kind, lang)
        assert KIND_NAMES[kind]["en"]
    assert KIND_NAMES["vision_test"]["en"] == "Vision test" and KIND_NAMES["vision_test"]["zh-Hans"] == "视力检测"
    assert KIND_NAMES["atm"]["zh-HK"] == "自動櫃員機" and KIND_NAMES["vision_test"]["zh-TW"] == "視力檢測"


def test_a_new_kind_is_named_by_its_words_on_the_plan_and_in_the_directory() -> None:
    config = hall()
    copier = next(p for p in config.floor("1F").points if p.id == "copies")
    assert point_label(copier, "en") == "Copying and printing" and point_label(copier, "es") == "Fotocopias e impresión"
    items = {i.key: i for i in directory_items(config)}
    assert items["point:1F/copies"].name("zh-Hans") == "复印打印" and items["point:1F/copies"].icon == "copier"


# --- the icons ---------------------------------------------------------------------------------------

def pixels(name: str, r: int = 24) -> bytes:
    surface = pygame.Surface((2 * r + 4, 2 * r + 4))
    surface.fill((0, 0, 0))
    draw_icon(surface, name, (r + 2, r + 2), r, (0, 90, 200), (255, 255, 255))
    return pygame.image.tobytes(surface, "RGB")


def test_every_icon_of_the_set_is_drawn_and_each_is_its_own() -> None:
    assert set(ICON_NAMES) <= set(GLYPHS), sorted(set(ICON_NAMES) - set(GLYPHS))
    assert set(get_args(PoiKind)) <= set(ICON_NAMES)  # a point of kind other may look like any kind
    seen: dict[bytes, str] = {}
    for name in ICON_NAMES:
        for r in (8, 24):
            drawn = pixels(name, r)
            assert drawn.count(b"\xff\xff\xff") > (2 if r == 8 else 20), f"{name} has no glyph at radius {r}"
        drawn = pixels(name)
        assert drawn not in seen, f"{name} looks like {seen.get(drawn)}"
        seen[drawn] = name
    assert pixels("other") == pixels("pin")  # a kind the table does not know: the pin


def test_the_icon_of_a_point() -> None:
    config = hall("\n".join((VISION, "      - {id: thing, kind: other, position: [5, 5], label: {en: Thing, es: Cosa, zh-Hans: 东西}}",
                             COPIER)))
    points = {p.id: p for p in config.floor("1F").points}
    assert icon_of(points["eyes"]) == "vision_test"
    assert icon_of(points["thing"]) == "pin"  # no icon written
    assert icon_of(points["copies"]) == "copier"
    items = {i.key: i for i in directory_items(config)}
    assert items["point:1F/eyes"].icon == "vision_test"
    assert pixels(items["point:1F/thing"].icon) == pixels("pin")


# --- what validation says --------------------------------------------------------------------------

def test_other_needs_a_label() -> None:
    found = messages("      - {id: eyes, kind: other, icon: vision_test, position: [4, 16]}")
    assert len(found) == 1 and "points[1].label" in found[0] and "needs a label" in found[0], found
    assert load("      - {id: eyes, kind: other, icon: vision_test, position: [4, 16]}").config is None


def test_an_unknown_icon_is_told_with_a_did_you_mean() -> None:
    found = messages(VISION.replace("icon: vision_test", "icon: vison_test"))
    assert len(found) == 1 and 'unknown icon "vison_test"' in found[0] and 'did you mean "vision_test"?' in found[0], found
    found = messages(VISION.replace("kind: other", "kind: othr"))
    assert len(found) == 1 and 'did you mean "other"?' in found[0], found


def test_a_label_missing_a_language_of_the_hall_is_a_warning() -> None:
    found = messages(VISION.replace(", zh-Hans: 视力检查", ""))
    assert len(found) == 1 and "points[1].label" in found[0] and "warning" in found[0] and "Chinese" in found[0], found


def test_label_and_icon_on_a_named_kind_are_warnings() -> None:
    found = messages("      - {id: copies, kind: copier, position: [2, 4], icon: star, label: {en: Copies, es: Copias, zh-Hans: 复印}}")
    assert len(found) == 2 and all("warning" in m for m in found), found
    assert "label only applies to kind other" in found[0] and "icon is meant for kind other" in found[1]


# --- shown and said by its label ---------------------------------------------------------------------

WORDS = {"en": ("Eye exam", "Knowledge test"), "es": ("Examen de la vista", "Examen teórico"),
         "zh-Hans": ("视力检查", "理论考试")}


@pytest.mark.parametrize("lang", LANGS)
def test_other_is_named_by_its_label_in_every_language(lang: str) -> None:
    config = hall()
    points = {p.id: p for p in config.floor("1F").points}
    eye, quiz = WORDS[lang]
    assert point_label(points["eyes"], lang) == eye and point_name(points["quiz"], lang) == quiz
    items = {i.key: i for i in directory_items(config)}
    assert items["point:1F/eyes"].name(lang) == eye and items["point:1F/quiz"].name(lang) == quiz
    # the directions say it
    finder = wayfinder_for(config)
    route = finder.route("screen:guide", "point:eyes")
    assert route is not None
    words = render(route, lang)
    assert eye in words, words


@pytest.mark.parametrize("lang", LANGS)
def test_the_screen_shows_other_by_its_label(lang: str) -> None:
    config = hall()
    text = Recorder()
    r = Renderer(config, "guide", lang=lang, text=text)
    r.frame(HallView(config=config), NOW, 1000.0)
    assert not r.failed()
    lay = r.widget_at("map").plans.layout
    labels = {lab.ref: lab.text for lab in lay.labels}
    assert labels["1F/eyes"] == WORDS[lang][0] and labels["1F/quiz"] == WORDS[lang][1]
    # the directory names it (its list, or the item it shows)
    d = r.widget_at("directory")
    assert any(i.key == "point:1F/eyes" for i in d.items)
    icons = {point.id: icon_of(point) for _, point in lay.icons}
    assert icons["eyes"] == "vision_test" and icons["quiz"] == "question"


def test_its_name_comes_before_its_label() -> None:
    config = hall(VISION.replace("position: [4, 16],", "position: [4, 16], name: {en: Station 4, es: Puesto 4, zh-Hans: 4 号台},"))
    eyes = next(p for p in config.floor("1F").points if p.id == "eyes")
    assert point_label(eyes, "en") == "Station 4" and point_name(eyes, "zh-Hans") == "4 号台"
