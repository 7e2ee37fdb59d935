"""Wayfinding on the screens: the call banner's arrow for screens facing every way,
maps checked in rendered PNGs (the route's colour along the route, "you are here"
at the screen, no missing-glyph boxes), the directory's cycle and taps, and what
validation says about screens that cannot show the way."""

from __future__ import annotations

import math
from pathlib import Path
from typing import get_args

import pygame
import pytest

from signage.config import load_hall, load_hall_text
from signage.config.model import HallConfig, PoiKind
from signage.display import fonts
from signage.display.preview import preview_time, render_preview, save_preview
from signage.display.renderer import Renderer, display_to_canvas
from signage.display.sizing import plan_label_px
from signage.display.widgets.base import rgb
from signage.display.widgets.directory import Directory, directory_items
from signage.display.widgets.floorplan import Plan
from signage.display.widgets.map import Map
from signage.config.themes import theme_for
from signage.view import CallEntry, HallView
from signage.wayfinding import wayfinder_for

from conftest import LAYOUTS
from test_display_fonts import NOTDEF, bitmap
from test_display_widgets import Recorder
from test_wayfinding import ARROWS_BY_FACING, square_hall

NOW = preview_time()
pygame.display.init()


def hall(name: str) -> HallConfig:
    result = load_hall(LAYOUTS / f"{name}.yaml")
    assert result.config is not None and not result.problems, "\n".join(map(str, result.problems))
    return result.config


def calling(config: HallConfig, window: int, number: str = "A001", seq: int = 1) -> HallView:
    view = HallView(config=config)
    view.recent_calls = [CallEntry(seq=seq, ticket={"id": f"t{seq}", "number": number}, window=window, at=NOW)]
    return view


def banner_text(config: HallConfig, screen_id: str, window: int, lang: str = "zh-Hans") -> str:
    """What the call banner wrote, its lines joined by " | "."""
    text = Recorder()
    r = Renderer(config, screen_id, lang=lang, text=text)
    r.frame(calling(config, window), NOW, 1000.0)
    assert not r.failed()
    return " | ".join(d.text for d in text.log)


LANGS = ("zh-Hans", "zh-Hant", "en")


def crowded_hall() -> HallConfig:
    """A new user's two-floor exit-entry hall in three languages: every kind of point, many
    of them in one corner of 1F a metre or two apart, toilets on both floors and in two areas
    of 1F, two hot-water machines side by side, a lift on both floors."""
    kinds = get_args(PoiKind)
    corner = "\n".join(f"      - {{id: {k.replace('_', '-')}-x, kind: {k}, position: [{2 + (i % 6) * 1.6}, {2 + (i // 6) * 1.4}]}}"
                       for i, k in enumerate(kinds) if k not in ("lift", "toilet", "accessible_toilet", "water",
                                                                 "reading_glasses", "umbrella"))
    text = f"""\
format: 1
hall: {{id: crowded, name: {{zh-Hans: 出入境服务大厅, zh-Hant: 出入境服務大廳, en: Exit-entry hall}}, languages: [zh-Hans, zh-Hant, en]}}
groups: [{{id: g, name: {{zh-Hans: 出入境, en: Exit and entry}}}}]
services: [{{id: s, prefix: A, group: g, minutes: 5, name: {{zh-Hans: 护照办理, zh-Hant: 護照辦理, en: Passports}}}}]
windows:
  - {{number: 1, kind: love, services: all, floor: 1F, position: [20, 18]}}
  - {{number: 2, services: all, floor: 1F, position: [24, 18]}}
  - {{number: 3, services: all, floor: 2F, position: [20, 18]}}
floors:
  - id: 1F
    level: 1
    name: {{zh-Hans: 一楼, zh-Hant: 一樓, en: Ground floor}}
    outline: [[0, 0], [30, 0], [30, 20], [0, 20]]
    areas:
      - {{id: waiting, kind: waiting, name: {{zh-Hans: 等候区, zh-Hant: 等候區, en: Waiting area}}, polygon: [[0, 0], [11, 0], [11, 12], [0, 12]]}}
      - {{id: hall, kind: counters, name: {{zh-Hans: 出入境大厅, zh-Hant: 出入境大廳, en: Exit-entry hall}}, polygon: [[12, 10], [30, 10], [30, 20], [12, 20]]}}
    points:
      - {{id: entrance, kind: entrance, position: [15, 0]}}
{corner}
      - {{id: toilet-a, kind: toilet, position: [9.5, 2]}}
      - {{id: toilet-b, kind: toilet, position: [28, 12]}}
      - {{id: accessible, kind: accessible_toilet, position: [9.5, 3.4]}}
      - {{id: water-1, kind: water, name: {{zh-Hans: 热水机, en: Hot water}}, position: [9.5, 4.8]}}
      - {{id: water-2, kind: water, name: {{zh-Hans: 热水机, en: Hot water}}, position: [9.5, 6.2]}}
      - {{id: glasses, kind: reading_glasses, position: [9.5, 7.6]}}
      - {{id: umbrellas, kind: umbrella, position: [8, 7.6]}}
      - {{id: lift, kind: lift, position: [29, 19]}}
  - id: 2F
    level: 2
    name: {{zh-Hans: 二楼, zh-Hant: 二樓, en: First floor}}
    outline: [[0, 0], [30, 0], [30, 20], [0, 20]]
    points:
      - {{id: toilet-2f, kind: toilet, position: [2, 2]}}
      - {{id: lift, kind: lift, position: [29, 19]}}
screens:
  - {{id: guide, kind: wayfinding, resolution: [1920, 1080], diagonal_inches: 55, viewing_distance_m: 5,
     floor: 1F, position: [15, 9], facing: 180,
     regions: [{{widget: map, rect: [0, 0, 65, 100]}}, {{widget: directory, rect: [65, 0, 35, 100]}}]}}
"""
    result = load_hall_text(text)
    assert result.config is not None, "\n".join(map(str, result.problems))
    return result.config


# --- the arrow on the call banner ------------------------------------------------------------------

@pytest.mark.parametrize("facing", sorted(ARROWS_BY_FACING))
def test_banner_arrow_for_screens_facing_every_way(facing: int) -> None:
    """The viewer faces the screen: the same window is ← on one screen and → on another."""
    config = square_hall(facing)
    for window, arrow in ARROWS_BY_FACING[facing].items():
        lines = banner_text(config, "middle", window)
        assert f"{arrow} {window}号窗口" in lines, (facing, window, lines)
    # a window upstairs: its floor and up, with the English line naming the floor
    lines = banner_text(config, "middle", 7)
    assert "2F ↑ 7号窗口" in lines and "Window 7, 2F" in lines


def test_banner_arrow_down_from_upstairs_and_here_on_a_strip() -> None:
    config = square_hall(180)
    assert "1F ↓ 1号窗口" in banner_text(config, "upstairs", 1)
    # the strip above window 1 has a call banner of its own here: window 1 is right below it
    strip = config.screen("strip-1")
    banner = strip.regions[0].model_copy(update={"widget": "call_banner"})
    config = config.model_copy(update={"screens": [strip.model_copy(update={"regions": [banner]})]})
    assert "↓ 1号窗口" in banner_text(config, "strip-1", 1)


def test_no_arrow_rather_than_a_wrong_one() -> None:
    config = square_hall(180)
    middle = config.screen("middle")
    for update, expect in (({"facing": None}, "1号窗口"),      # left and right unknown
                           ({"position": None}, "1号窗口"),    # not on the plan at all
                           ({"regions": [middle.regions[0].model_copy(update={"options": {"show_arrow": False}})]},
                            "1号窗口")):
        c = config.model_copy(update={"screens": [middle.model_copy(update=update)]})
        lines = banner_text(c, "middle", 1)
        assert expect in lines and not any(a in lines for a in "←→↑↓↖↗"), (update, lines)
    # without facing a window upstairs still says its floor: up is up whichever way one looks
    c = config.model_copy(update={"screens": [middle.model_copy(update={"facing": None})]})
    assert "2F ↑ 7号窗口" in banner_text(c, "middle", 7)


def test_recent_calls_show_the_arrow_when_it_fits() -> None:
    config = hall("zhongshan")
    view = HallView(config=config)
    view.recent_calls = [CallEntry(seq=s, ticket={"id": f"t{s}", "number": f"A00{s}"}, window=w, at=NOW)
                         for s, w in ((3, 11), (2, 7), (1, 6))]
    text = Recorder()
    r = Renderer(config, "main", lang="zh-Hans", text=text)
    r.frame(view, NOW, 1000.0)
    lines = [d.text for d in text.log]
    # main hangs at [19, 13] facing south: its readers sit in the waiting area's front rows
    # (viewer [19, 11]), looking north, window 6 straight ahead
    assert "→ 11号窗口" in lines and "↗ 7号窗口" in lines and "↑ 6号窗口" in lines, lines


# --- maps, checked in PNGs --------------------------------------------------------------------------

def pixel(surface: pygame.Surface, p: tuple[int, int]) -> tuple[int, int, int]:
    return tuple(surface.get_at(p))[:3]


def map_plan(r: Renderer, widget: Map) -> Plan:
    """The plan the map drew, in canvas pixels."""
    assert widget.plan is not None
    return Plan(widget.plan.floor, widget.plan.box.move(widget.rect.topleft), widget.plan.up)


@pytest.mark.parametrize("name,screen_id,lang", [("zhenhai", "wayfinding-1f", "zh-Hans"),
                                                 ("zhongshan", "lobby-wayfinding", "en"),
                                                 ("zhenhai", "wayfinding-1f", "zh-Hant")])
def test_map_png_shows_the_route_and_you_are_here(tmp_path: Path, name: str, screen_id: str, lang: str) -> None:
    config = hall(name)
    r = render_preview(config, screen_id, lang=lang)
    out = save_preview(r, tmp_path / f"{screen_id}.png")  # what `signage preview` writes
    png = pygame.image.load(str(out))
    assert not r.failed()
    widget = r.widget_at("map")
    assert isinstance(widget, Map)
    theme = theme_for(config, config.screen(screen_id))
    highlight = rgb(theme.highlight)
    plan = map_plan(r, widget)
    screen = config.screen(screen_id)
    # "you are here": the highlight dot at the screen's own position
    x, y = plan.at(screen.position)
    assert pixel(png, (x, y)) == highlight
    # the newest call's route: the highlight colour along its walk on this floor
    call = render_view(config).recent_calls[0]  # the newest call of the sample state
    route = wayfinder_for(config).route(f"screen:{screen_id}", f"window:{call.window}")
    leg = route.legs[0]
    samples, hits = 0, 0
    for a, b in zip(leg.points, leg.points[1:]):
        for k in range(1, 10):
            q = (a[0] + (b[0] - a[0]) * k / 10, a[1] + (b[1] - a[1]) * k / 10)
            samples += 1
            hits += pixel(png, plan.at(q)) == highlight
    assert samples and hits >= 0.8 * samples, (hits, samples)
    # and nowhere far from it: the floor itself has no highlight-coloured areas
    far = plan.at((0.5, 0.5))  # the south-west corner
    assert pixel(png, far) != highlight


def render_view(config: HallConfig) -> HallView:
    from signage.view import sample_view
    return sample_view(config, NOW)


@pytest.mark.parametrize("name,screen_id", [("zhenhai", "wayfinding-1f"), ("zhongshan", "lobby-wayfinding"),
                                            ("nanming", "directory-kiosk")])
@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "en"])
def test_map_and_directory_labels_have_no_missing_glyphs(name: str, screen_id: str, lang: str) -> None:
    """Every line the map and the directory draw is in glyphs of its face, never the .notdef box."""
    config = hall(name)
    text = Recorder()
    r = Renderer(config, screen_id, lang=lang, text=text)
    r.frame(render_view(config), NOW, 1000.0)
    assert not r.failed()
    drawn = text.log  # the whole screen: plan labels, callouts, list, directions
    assert len(drawn) > 10
    checked: set[tuple[str, str]] = set()
    for d in drawn:
        font = fonts.load(fonts.face_for(d.lang))
        box = bitmap(font, NOTDEF)
        for ch in set(d.text) - {" "}:
            if (d.lang, ch) in checked:
                continue
            checked.add((d.lang, ch))
            assert bitmap(font, ch) != box, f"{ch!r} of {d.text!r} is drawn as a box in the {d.lang} face"


def test_map_turns_heads_up_and_the_route_layer_alone_moves() -> None:
    config = hall("zhongshan")  # lobby-wayfinding faces west: its readers look east, east is up
    r = Renderer(config, "lobby-wayfinding", lang="zh-Hans")
    view = render_view(config)
    r.frame(view, NOW, 1000.0)
    widget = r.widget_at("map")
    plan = map_plan(r, widget)
    assert plan.up == 90
    toilets, entrance = plan.at((37, 10)), plan.at((19, 0))  # east end and south wall
    assert toilets[1] < entrance[1] and entrance[0] > toilets[0] - 1  # east up, south to the right
    renders = widget.renders
    moved = [r.frame(view, NOW, 1001.0 + i / 60) for i in range(1, 60)]  # after the pause before each run
    assert widget.renders == renders  # the floor and the route are not drawn again
    small = [rect for dirty in moved for rect in dirty]
    assert small and all(rect.width * rect.height < 80 * 80 for rect in small)  # only the moving dot


def test_map_without_calls_or_with_a_broken_place_never_fails() -> None:
    config = hall("zhenhai")
    r = Renderer(config, "wayfinding-1f")
    r.frame(HallView(config=config), NOW, 1000.0)  # no call yet
    r.frame(calling(config, 999), NOW, 1001.0)     # a window the hall does not have
    assert not r.failed()
    screen = config.screen("wayfinding-1f").model_copy(update={"position": None, "facing": None})
    c = config.model_copy(update={"screens": [screen]})
    r = Renderer(c, "wayfinding-1f")
    r.frame(calling(c, 7), NOW, 1000.0)  # no "you are here", the route from nowhere: none
    assert not r.failed()


# --- the directory ---------------------------------------------------------------------------------

def test_directory_lists_services_special_windows_and_amenities() -> None:
    items = directory_items(hall("zhongshan"))
    keys = [i.key for i in items]
    assert keys[:3] == ["window:1", "window:2", "window:11"]  # love, green, unresolved
    assert "service:id-card" in keys and "point:1F/glasses" in keys and not any("aed" in k for k in keys)
    assert {"point:1F/first-aid", "point:1F/water", "point:1F/umbrellas", "point:1F/power-banks", "point:1F/toilets",
            "point:1F/form-machine"} <= set(keys)
    love = items[0]
    assert love.step_free and love.name("zh-Hans") == "爱心服务专窗" and love.name("en") == "Priority Care Window"
    id_card = items[keys.index("service:id-card")]
    # the windows that serve it, not the special ones that serve everything
    assert id_card.detail("zh-Hans") == "3、4、5、8号窗口" and id_card.detail("en") == "Windows 3, 4, 5, 8"


def test_directory_lists_each_point_by_its_own_name() -> None:
    """Two points of one kind are two items, each by its own name or told apart by floor,
    area or number, in every language; a lift written on both floors is one item."""
    items = {i.key: i for i in directory_items(crowded_hall())}
    names = {lang: [i.name(lang) for k, i in items.items() if k.startswith("point:")] for lang in LANGS}
    for lang, listed in names.items():
        assert len(listed) == len(set(listed)), (lang, listed)
    toilet = items["point:1F/toilet-a"]
    assert toilet.name("zh-Hans") == "卫生间（1F 等候区）" and toilet.name("en") == "Toilets (1F Waiting area)"
    assert items["point:1F/toilet-b"].name("zh-Hant") == "衛生間（1F 出入境大廳）"
    assert items["point:2F/toilet-2f"].name("en") == "Toilets (2F)"
    assert items["point:1F/water-1"].name("zh-Hans") == "热水机（1）" and items["point:1F/water-2"].name("en") == "Hot water (2)"
    assert items["point:1F/accessible"].name("zh-Hant") == "無障礙衛生間" and items["point:1F/accessible"].step_free
    assert items["point:1F/glasses"].name("en") == "Reading glasses"  # alone of its kind: no more words
    assert [k for k in items if "lift" in k] == ["point:lift"]
    assert items["point:1F/umbrellas"].name("zh-Hant") == "愛心雨傘"


def directory(r: Renderer) -> Directory:
    w = r.widget_at("directory")
    assert isinstance(w, Directory)
    return w


def test_directory_cycles_and_a_tap_shows_that_item() -> None:
    config = hall("nanming")
    text = Recorder()
    r = Renderer(config, "directory-kiosk", lang="zh-Hant", text=text)
    view = HallView(config=config)
    d = directory(r)
    cycle = d.cycle
    start = (NOW // cycle) * cycle + 0.5  # just after a turn
    r.frame(view, start, 1000.0)
    first = d._key[0]  # (the key of its picture starts with the item shown)
    assert first == int(start // cycle) % len(d.items)
    r.frame(view, start + cycle, 1000.0 + cycle)
    assert d._key[0] == (first + 1) % len(d.items)
    # the words of the item shown are on the screen, with its route
    item = d.items[(first + 1) % len(d.items)]
    assert any(item.name("zh-Hant") in line.text for line in text.log)
    # a tap on another row (in screen pixels, as the display app passes it)
    target_row, target = next((rect, i) for rect, i in d.rows if i != (first + 1) % len(d.items))
    pos = target_row.move(d.rect.topleft).center
    t_tap = 1000.0 + cycle + 1
    assert r.tap(pos, t_tap)
    text.log.clear()
    r.frame(view, start + cycle + 1, t_tap + 0.02)
    assert d._key[0] == target
    assert any(d.items[target].name("zh-Hant") in line.text for line in text.log)
    # it stays while the cycle would have moved on...
    r.frame(view, start + 3 * cycle, t_tap + d.hold - 1)
    assert d._key[0] == target
    # ...and the cycle goes on after hold_seconds
    r.frame(view, start + 3 * cycle + 1, t_tap + d.hold + 1)
    assert d._key[0] == int((start + 3 * cycle + 1) // cycle) % len(d.items)
    # a tap elsewhere (the clock) is nobody's
    assert not r.tap((10, r.size[1] - 10), t_tap)


def test_directory_route_for_the_love_window_is_step_free() -> None:
    """The way the directory shows (not only the wayfinder's) to the love window is the step-free one."""
    config = hall("zhenhai")
    r = Renderer(config, "wayfinding-1f")
    d = directory(r)
    love = next(i for i in d.items if i.key.startswith("window:") and i.step_free)
    d.held = (d.items.index(love), 2000.0)  # as after a tap on it
    r.frame(HallView(config=config), NOW, 1000.0)
    assert d._key[0] == d.items.index(love)
    route = d._routes[love.key]
    assert route is not None and route.step_free and not route.has_steps


def test_tap_position_on_a_turned_panel() -> None:
    """A portrait layout on a landscape output: taps are turned back like the picture."""
    canvas = (1080, 1920)
    # shown turned clockwise (rotate 90): canvas (x, y) appears at (1919 - y, x)
    for x, y in ((0, 0), (100, 1800), (1079, 1919), (540, 960)):
        assert display_to_canvas((1919 - y, x), (1920, 1080), canvas, 90) == (x, y)
        assert display_to_canvas((y, 1079 - x), (1920, 1080), canvas, 270) == (x, y)
    assert display_to_canvas((5, 7), canvas, canvas) == (5, 7)


# --- validation ------------------------------------------------------------------------------------

def zhongshan_text() -> str:
    return (LAYOUTS / "zhongshan.yaml").read_text(encoding="utf-8")


def problems(text: str) -> list[str]:
    result = load_hall_text(text, "layouts/zhongshan.yaml")
    return [str(p) for p in result.problems]


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_a_screen_outside_its_floor_is_pointed_at() -> None:
    text = zhongshan_text().replace("    position: [19, 13]\n    facing: 180\n", "    position: [19, 23]\n    facing: 180\n")
    n = line_of(text, "    position: [19, 23]")
    assert problems(text) == [
        f"layouts/zhongshan.yaml:{n}: screens[0].position: screen main at [19, 23] is outside the outline of floor 1F (x 0 to 38, y 0 to 20)"]


def test_a_screen_that_shows_the_way_says_what_it_misses() -> None:
    text = zhongshan_text().replace("    position: [31, 7]\n    facing: 270\n", "    position: [31, 7]\n")
    n = line_of(text, "    position: [31, 7]")
    assert problems(text) == [
        f"layouts/zhongshan.yaml:{n}: screens[3].position: warning: screen lobby-wayfinding has no facing: its map cannot turn to its readers and its arrows cannot tell left from right (expected facing: degrees clockwise from north that its face looks, e.g. 180 for a screen facing south)"]
    text = zhongshan_text().replace("    position: [19, 13]\n    facing: 180\n", "")
    text = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("    viewer:"))  # and its readers' spot
    n = line_of(text, "  - id: main")
    assert problems(text) == [
        f"layouts/zhongshan.yaml:{n}: screens[0]: warning: screen main has no position: its call_banner, recent_calls cannot show arrows (expected position: [x, y] in metres on floor 1F, and facing)"]
    # a strip showing only its window needs neither
    text = zhongshan_text().replace("    position: [19, 17]\n    facing: 180\n", "")
    assert problems(text) == []


def test_the_love_window_without_a_step_free_way_is_pointed_at() -> None:
    # the love window moved into the self-service room, and the room's ramp taken away
    text = zhongshan_text().replace("{number: 1, kind: love, services: all, floor: 1F, position: [4, 16],",
                                    "{number: 1, kind: love, services: all, floor: 1F, position: [2, 6], node: self-service,")
    text = text.replace("        - [ramp-foot, ramp-top, self-service-n, self-service]\n", "")
    text = text.replace("        ramp-top: [3.5, 9.5]\n        self-service-n: [3.5, 7]\n", "")
    n = line_of(text, "  - {number: 1, kind: love")
    found = problems(text)
    assert f"layouts/zhongshan.yaml:{n}: windows[0]: warning: window 1 is a love window but has no step-free route from the entrance (every way has stairs or steps; expected a lift, a ramp or links without steps)" in found, found


def test_a_window_that_cannot_be_reached_is_pointed_at() -> None:
    # window 11 on a walkway of its own, joined to nothing
    text = zhongshan_text().replace("        counters-e: [36, 13.5]\n",
                                    "        counters-e: [36, 13.5]\n        back-room: [34, 18]\n        back-door: [37, 18]\n")
    text = text.replace("      steps:\n        - [lobby-w, self-service]\n",
                        "        - [back-room, back-door]\n      steps:\n        - [lobby-w, self-service]\n")
    text = text.replace("position: [34, 12],\n     label:", "position: [34, 12], node: back-room,\n     label:")
    n = line_of(text, "  - {number: 11, kind: unresolved")
    found = problems(text)
    assert f"layouts/zhongshan.yaml:{n}: windows[10]: warning: window 11 cannot be reached from the entrance (its walkways do not join the entrance's: link them)" in found, found


def test_a_tap_on_the_panel_reaches_the_directory_through_the_app() -> None:
    """The display app's event loop: a left click (SDL's form of a touch) on a portrait kiosk's
    list row, on a landscape output turned a quarter, shows that row's item."""
    import threading
    import time

    from signage.display.app import DisplayApp

    config = hall("nanming")

    class Client:  # stands in for the hub: a welcome with the hall file, then nothing
        def __init__(self) -> None:
            self.app: DisplayApp | None = None

        def start_thread(self) -> None:
            assert self.app is not None
            self.app.inbox.put({"type": "welcome", "v": 1, "hall": "nanming", "seq": 0, "snapshot": {},
                                "config": config.model_dump(mode="json", by_alias=True)})
            self.app.inbox.put({"type": "_status", "up": True})

        def stop(self) -> None:
            pass

    client = Client()
    app = DisplayApp("ws://hub/nanming", "t", "nanming", "directory-kiosk", client=client, size=(1920, 1080),
                     fps=60, rotate=90)
    client.app = app
    taps: list[tuple[int, int]] = []

    failed: list[BaseException] = []

    def operator() -> None:  # another thread: SDL's event queue takes events from any thread
        try:
            tap_a_row()
        except BaseException as exc:  # (said by the assertion below, not lost in this thread)
            failed.append(exc)
        finally:  # whatever happened, the app's loop ends
            pygame.event.post(pygame.event.Event(pygame.QUIT))

    def tap_a_row() -> None:
        end = time.monotonic() + 10
        def drawn() -> bool:  # (the widget's key is a tuple once it has been drawn)
            d = app.renderer.widget_at("directory") if app.renderer else None
            return d is not None and bool(d.rows) and isinstance(d._key, tuple)

        while time.monotonic() < end and not drawn():
            time.sleep(0.02)
        d = app.renderer.widget_at("directory")
        row = None
        while row is None and time.monotonic() < end:
            # The app's thread redraws (and refills the rows) at any moment: read a copy, and try
            # again if it caught a list being refilled.
            key, rows = d._key, list(d.rows)
            row = next(((r, i) for r, i in rows if isinstance(key, tuple) and i != key[0]), None)
            if row is None:
                time.sleep(0.02)
        assert row is not None, "the directory never listed a row to tap"
        rect, index = row
        x, y = rect.move(d.rect.topleft).center  # canvas pixels; shown turned clockwise on the panel
        ch = app.renderer.size[1]
        assert app.display.get_size() == (ch, app.renderer.size[0])  # a landscape output
        taps.append((index, 0))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(ch - 1 - y, x), button=1))
        end = time.monotonic() + 5  # the app's thread takes it at its next frame (slow on a busy machine)
        while time.monotonic() < end and d.held is None:
            time.sleep(0.02)
        taps[-1] = (index, d.held[0] if d.held else None)

    worker = threading.Thread(target=operator, daemon=True)
    worker.start()
    try:
        assert app.run() == 0
    finally:
        worker.join(5)
        pygame.display.init()  # (the app closes the display when it ends)
    assert not failed, repr(failed[0]) if failed else ""
    assert taps and taps[0][0] == taps[0][1], taps


def test_a_route_upstairs_shows_each_floor_in_turn() -> None:
    """Window 14 is on 2F: the 1F screen's map draws 1F (from here to the stairs, "走楼梯上到 2 楼"),
    then 2F (from the stairs to the window), then 1F again."""
    config = hall("zhenhai")
    text = Recorder()
    r = Renderer(config, "wayfinding-1f", lang="zh-Hans", text=text)
    view = calling(config, 14, "K020")
    r.frame(view, NOW, 1000.0)
    widget = r.widget_at("map")
    assert widget.plan.floor.id == "1F"
    lines = [d.text for d in text.log]
    assert "走楼梯上到 2 楼" in lines and any(line.endswith("楼层平面图  (1/2)") for line in lines)
    text.log.clear()
    r.frame(view, NOW, 1006.0)
    assert widget.plan.floor.id == "2F"
    assert any(line.endswith("楼层平面图  (2/2)") for line in (d.text for d in text.log))
    theme = theme_for(config, config.screen("wayfinding-1f"))
    plan = map_plan(r, widget)
    route = wayfinder_for(config).route("screen:wayfinding-1f", "window:14")
    x, y = plan.at(route.legs[-1].points[-1])  # the window, ringed in the highlight colour
    radius = max(8, int(plan_label_px(plan.box.width, plan.box.height, theme.text_scale) * 1.25)) - 1
    ring = [pixel(r.canvas, (round(x + radius * math.cos(a / 18 * math.pi)), round(y + radius * math.sin(a / 18 * math.pi))))
            for a in range(36)]
    assert sum(c == rgb(theme.highlight) for c in ring) >= 30, ring
    r.frame(view, NOW, 1011.0)
    assert widget.plan.floor.id == "1F"


# --- icons ------------------------------------------------------------------------------------------

def icon_pixels(kind: str, r: int = 24) -> bytes:
    from signage.display.widgets.icons import draw_icon
    surface = pygame.Surface((2 * r + 4, 2 * r + 4))
    surface.fill((0, 0, 0))
    draw_icon(surface, kind, (r + 2, r + 2), r, (0, 90, 200), (255, 255, 255))
    return pygame.image.tobytes(surface, "RGB")


def test_every_point_kind_has_a_real_icon_of_its_own() -> None:
    """Each kind the format allows is drawn with a glyph of its own: never the fallback pin
    (kept for kinds the table does not know), never a text glyph, never the same as another kind."""
    from typing import get_args
    from signage.config.model import PoiKind
    from signage.display.widgets.icons import GLYPHS
    kinds = get_args(PoiKind)
    assert set(kinds) <= set(GLYPHS), sorted(set(kinds) - set(GLYPHS))
    fallback = icon_pixels("no-such-kind")
    blank = icon_pixels("no-such-kind", 4)  # too small for a glyph: the bare badge
    seen: dict[bytes, str] = {}
    for kind in kinds:
        drawn = icon_pixels(kind)
        assert drawn != fallback, f"{kind} is drawn as the fallback"
        assert drawn.count(b"\xff\xff\xff") > 20, f"{kind} has no glyph on its badge"
        assert drawn not in seen, f"{kind} looks like {seen.get(drawn)}"
        seen[drawn] = kind
    assert blank != fallback


# --- labels on the plan -------------------------------------------------------------------------------

def overlaps(rects: list[pygame.Rect]) -> list[tuple[pygame.Rect, pygame.Rect]]:
    return [(a, b) for i, a in enumerate(rects) for b in rects[i + 1:] if a.colliderect(b)]


@pytest.mark.parametrize("lang", LANGS)
def test_crowded_plan_labels_never_overlap_and_every_point_is_named(lang: str) -> None:
    """Many points a metre apart: each name beside its icon, on a leader, or numbered in the
    legend; no two boxes with words overlap, none covers another point's icon, none is dropped."""
    from signage.display.widgets.floorplan import point_label
    config = crowded_hall()
    text = Recorder()
    r = Renderer(config, "guide", lang=lang, text=text)
    r.frame(calling(config, 3), NOW, 1000.0)  # a way upstairs: callouts and "you are here" too
    assert not r.failed()
    w = r.widget_at("map")
    lay = w.plans.layout
    assert lay is not None and lay.plan.floor.id == "1F"
    points = {f"1F/{q.id}": q for q in config.floor("1F").points}
    labels = {lab.ref: lab for lab in lay.labels}
    assert set(labels) == set(points)
    for ref, lab in labels.items():
        assert lab.text == point_label(points[ref], lang) and lab.text
        if lab.how == "legend":
            assert lab.number > 0 and lab.tag is not None and lab.key is not None and lab.rect is not None
            assert lay.legend is not None and lay.legend.contains(lab.rect) and lay.legend.contains(lab.key)
        else:
            assert lab.how in ("beside", "leader") and lab.rect is not None
    numbers = sorted(lab.number for lab in lay.labels if lab.how == "legend")
    assert numbers == list(range(1, len(numbers) + 1))
    boxes = lay.texts
    assert not overlaps(boxes)
    icons = [rect for rect, _ in lay.icons]
    for lab in lay.labels:
        if lab.rect is not None and lab.how != "legend":
            assert lab.rect.collidelist(icons) < 0, lab.text
    # what was drawn onto the floor layer: every name, each once per place, and no two inks overlap
    layer = [d for d in text.log if d.target is w.plans._surface]
    drawn = [d.text for d in layer]
    for lab in lay.labels:
        assert drawn.count(lab.text) >= 1, lab.text
    inks = [d.ink for d in layer if d.ink.width and d.ink.height]
    assert not overlaps(inks), [(a, b) for a, b in overlaps(inks)]
    assert any(d.text == tr_here(lang) for d in text.log)  # "you are here" is labelled with the route


def tr_here(lang: str) -> str:
    from signage.i18n import t
    return t("you_are_here", lang)


@pytest.mark.parametrize("name,screen_id", [("zhenhai", "wayfinding-1f"), ("zhongshan", "lobby-wayfinding"),
                                            ("nanming", "directory-kiosk")])
def test_sample_halls_name_every_point_in_every_language(name: str, screen_id: str) -> None:
    config = hall(name)
    screen = config.screen(screen_id)
    for lang in screen.languages or config.hall.languages:
        r = Renderer(config, screen_id, lang=lang)
        r.frame(render_view(config), NOW, 1000.0)
        assert not r.failed()
        for widget_name in ("map", "directory"):
            w = r.widget_at(widget_name)
            if w is None or w.plans.layout is None:
                continue
            lay = w.plans.layout
            refs = {f"{lay.plan.floor.id}/{q.id}" for q in lay.plan.floor.points}
            assert {lab.ref for lab in lay.labels} == refs
            assert all(lab.rect is not None and lab.text for lab in lay.labels), lang
            assert not overlaps(lay.texts), (name, lang, overlaps(lay.texts))
