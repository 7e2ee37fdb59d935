"""Arrows from where a screen's readers stand (issue 17, item 7): a main board above the
counters is read from the waiting area, not from 1.5 m in front of it; ``viewer:`` says
where its readers are; validation warns when that is no place to stand."""

from __future__ import annotations

import pytest

from signage.config import load_hall_text
from signage.config.model import HallConfig
from signage.wayfinding import Wayfinder, build, render, wayfinder_for
from signage.wayfinding.network import reader_spot
from signage.wayfinding.routes import viewer_problem, viewing_of

WALKWAYS = """
    points:
      - {id: door, kind: entrance, position: [10, 0.5]}
    walkways:
      nodes: {door: [10, 0.5], hall: [10, 13], west: [1, 13], east: [19, 13]}
      links:
        - [door, hall]
        - [west, hall, east]
"""


def hall(screen: str, walkways: bool = False, counters: str = "[[0, 15], [20, 15], [20, 20], [0, 20]]") -> HallConfig:
    """A 20 × 20 m hall: the counters along the north wall (y 15 to 20), windows 3, 7 and 12 at
    their front, the waiting area in the south. ``screen`` is one screen's keys (kind main unless said)."""
    if "kind:" not in screen:
        screen = "kind: main, " + screen
    text = f"""
format: 1
hall: {{id: viewer-hall, name: {{zh-Hans: 测试大厅, en: Test hall}}}}
groups: [{{id: g, name: {{zh-Hans: 综合, en: General}}}}]
services: [{{id: s, prefix: A, group: g, minutes: 5, name: {{zh-Hans: 办事, en: Service}}}}]
windows:
  - {{number: 3, services: all, floor: 1F, position: [3, 15.5]}}
  - {{number: 7, services: all, floor: 1F, position: [10, 15.5]}}
  - {{number: 12, services: all, floor: 1F, position: [17, 15.5]}}
floors:
  - id: 1F
    level: 1
    name: {{zh-Hans: 一楼, en: Ground floor}}
    outline: [[0, 0], [20, 0], [20, 20], [0, 20]]
    areas:
      - {{id: counters, kind: counters, name: {{zh-Hans: 窗口, en: Counters}}, polygon: {counters}}}
      - {{id: waiting, kind: waiting, name: {{zh-Hans: 等候区, en: Waiting}}, polygon: [[2, 2], [18, 2], [18, 12], [2, 12]]}}
{WALKWAYS if walkways else ""}
screens:
  - {{id: main, resolution: [1920, 1080], diagonal_inches: 86, floor: 1F,
     regions: [{{widget: call_banner, rect: [0, 0, 100, 100]}}], {screen}}}
"""
    result = load_hall_text(text, "viewer-hall.yaml")
    assert result.config is not None, [str(p) for p in result.problems]
    return result.config


def problems(screen: str, **kw) -> list[str]:
    """The warnings of validation about where the readers stand."""
    config = hall(screen, **kw)
    from signage.config.checks import check_hall
    found = check_hall(config, lambda path: 0, "viewer-hall.yaml")
    return [f"{p.path}: {p.message}" for p in found if "stand" in p.message or "viewer" in p.path]


BOARD = "position: [10, 18.5], facing: 180, viewing_distance_m: 15"  # above the counters, facing the hall


# --- the case ----------------------------------------------------------------------

@pytest.mark.parametrize("walkways", [False, True], ids=["open floor", "walkways"])
def test_a_board_above_the_counters_points_ahead_to_the_counter_straight_ahead(walkways: bool) -> None:
    config = hall(BOARD, walkways=walkways)
    # What it used to say, for a reader 1.5 m in front of the board, among the desks: turn around.
    old = Wayfinder(config, build(config))
    assert old.arrow("main", 7).symbol == "↓"
    # Its readers are in the waiting area, 15 m out, looking at it: window 7 is straight ahead.
    finder = wayfinder_for(config)
    [place] = finder.resolve("screen:main")
    assert place.position == pytest.approx((10.0, 3.5)) and place.heading == 0.0
    assert finder.arrow("main", 7).symbol == "↑"
    if walkways:  # up the hall's spine to the aisle in front of the counters, then along it
        assert finder.arrow("main", 3).symbol == "↑" and render(finder.route("screen:main", "window:3"), "en") \
            == "Go ahead 10 m, turn left, go ahead 7 m, window 3 is on your right"
    else:  # straight across the floor
        assert finder.arrow("main", 3).symbol == "↖" and finder.arrow("main", 12).symbol == "↗"
    route = finder.route("screen:main", "window:7")
    words = render(route, "en")
    assert not words.startswith("Turn around") and words.startswith("Go ahead"), words
    assert not render(route, "zh-Hans").startswith("向后转")
    assert problems(BOARD, walkways=walkways) == []


def test_a_board_read_up_close_whose_readers_can_stand_1_5_m_in_front_keeps_that_spot() -> None:
    """A board read from under 4 m, hung in front of the counters over the waiting area:
    its readers' spot, its arrows and its words are as before."""
    config = hall("position: [10, 12], facing: 180, viewing_distance_m: 3")
    screen = config.screen("main")
    assert viewing_of(screen, config.floor("1F")) is None
    [place] = wayfinder_for(config).resolve("screen:main")
    assert place.position == pytest.approx(reader_spot(screen, config.floor("1F")))
    assert place.position == pytest.approx((10.0, 10.5))


def test_a_board_read_from_afar_is_read_from_its_viewing_distance() -> None:
    """The same board read from 8 m (issue 17, item 7: from its viewing distance along its
    facing): its readers stand 8 m out, in the waiting area, looking at it."""
    config = hall("position: [10, 12], facing: 180, viewing_distance_m: 8")
    [place] = wayfinder_for(config).resolve("screen:main")
    assert place.position == pytest.approx((10.0, 4.0)) and place.heading == 0.0
    assert wayfinder_for(config).arrow("main", 7).symbol == "↑"


def test_the_readers_come_nearer_when_the_viewing_distance_is_off_the_floor() -> None:
    config = hall("position: [10, 18.5], facing: 180, viewing_distance_m: 40")
    [place] = wayfinder_for(config).resolve("screen:main")
    x, y = place.position
    assert x == pytest.approx(10.0) and 0.0 <= y <= 0.5  # as far out as the floor goes
    assert wayfinder_for(config).arrow("main", 7).symbol == "↑"


def test_a_strip_and_a_wayfinding_screen_are_read_standing_at_them() -> None:
    for kind in ("strip, window: 7", "wayfinding"):
        config = hall(f"kind: {kind}, position: [10, 17], facing: 180, viewing_distance_m: 5")
        assert viewing_of(config.screen("main"), config.floor("1F")) is None


# --- viewer: -------------------------------------------------------------------------------

def test_an_explicit_viewer_looks_at_the_screen() -> None:
    config = hall(BOARD + ", viewer: {x: 4, y: 8}")
    finder = wayfinder_for(config)
    [place] = finder.resolve("screen:main")
    assert place.position == (4.0, 8.0)
    assert place.heading == pytest.approx(29.74, abs=0.05)  # towards the board at (10, 18.5)
    assert finder.arrow("main", 3).symbol == "↖"   # 37° to the left
    assert finder.arrow("main", 12).symbol == "↗"  # 30° to the right
    assert problems(BOARD + ", viewer: {x: 4, y: 8}") == []


def test_an_explicit_viewer_with_a_facing() -> None:
    finder = wayfinder_for(hall(BOARD + ", viewer: {x: 4, y: 8, facing: 0}"))
    assert finder.resolve("screen:main")[0].heading == 0.0
    assert finder.arrow("main", 3).symbol == "↑"
    assert finder.arrow("main", 12).symbol == "↗"


def test_an_explicit_viewer_gives_arrows_to_a_screen_without_facing() -> None:
    assert wayfinder_for(hall("position: [10, 18.5], viewing_distance_m: 15")).arrow("main", 7) is None
    finder = wayfinder_for(hall("position: [10, 18.5], viewing_distance_m: 15, viewer: {x: 10, y: 4}"))
    assert finder.arrow("main", 7).symbol == "↑"


def test_the_strip_above_its_window_is_still_here_whoever_reads_it() -> None:
    finder = wayfinder_for(hall("kind: strip, window: 7, position: [10, 16.5], facing: 180, viewing_distance_m: 5, "
                                "viewer: {x: 10, y: 12}"))
    assert finder.arrow("main", 7).symbol == "↓"  # right here: below the strip


# --- validation ----------------------------------------------------------------------------

@pytest.mark.parametrize("viewer, words", [
    ("{x: 30, y: 5}", "outside floor 1F"),
    ("{x: 5, y: 17}", 'inside the counters area "counters"'),
])
def test_a_viewer_where_nobody_stands_is_warned_and_not_used(viewer: str, words: str) -> None:
    found = problems(BOARD + f", viewer: {viewer}")
    assert len(found) == 1 and found[0].startswith("screens[0].viewer: ") and words in found[0], found
    assert "its arrows are for [10, 3.5] instead" in found[0]
    [place] = wayfinder_for(hall(BOARD + f", viewer: {viewer}")).resolve("screen:main")
    assert place.position == pytest.approx((10.0, 3.5))  # the default, not the written spot


def test_a_viewer_behind_the_screen_is_warned() -> None:
    found = problems("kind: guide, position: [10, 10], facing: 180, viewing_distance_m: 6, viewer: {x: 10, y: 12}")
    assert len(found) == 1 and "behind the screen" in found[0], found


def test_a_viewer_behind_the_counter_line_is_warned() -> None:
    # The counters are a line across the hall (y 15 to 17), the staff side beyond; a board on
    # the south wall looks north over the hall: someone on the staff side is behind the counters.
    screen = "position: [10, 0.5], facing: 0, viewing_distance_m: 15, viewer: {x: 10, y: 18.5}"
    found = problems(screen, counters="[[0, 15], [20, 15], [20, 17], [0, 17]]")
    assert len(found) == 1 and 'behind the counters "counters"' in found[0], found
    config = hall(screen, counters="[[0, 15], [20, 15], [20, 17], [0, 17]]")
    assert viewer_problem(config.screen("main"), config.floor("1F"), (10.0, 12.0)) is None


def test_a_default_place_that_is_no_place_to_stand_is_warned() -> None:
    # Hung on the counters' back wall facing north: every spot in front of it is among the desks.
    found = problems("position: [10, 17.5], facing: 0, viewing_distance_m: 10")
    assert len(found) == 1 and found[0].startswith("screens[0].position: ") and "inside the counters area" in found[0]
    assert "viewer:" in found[0]


def test_a_viewer_on_a_screen_without_position_is_said_unused() -> None:
    found = problems("viewing_distance_m: 10, viewer: {x: 10, y: 5}")
    assert any("viewer is not used" in f for f in found), found


def test_the_samples_need_no_viewer() -> None:
    from conftest import LAYOUTS
    from signage.config import load_hall
    for name in ("zhongshan", "zhenhai", "nanming", "reference"):
        result = load_hall(LAYOUTS / f"{name}.yaml")
        assert not [str(p) for p in result.problems if "stand" in p.message or "viewer" in p.path]


def test_a_board_beside_a_window_read_from_the_seats_points_ahead_not_here() -> None:
    # A main board hung 1.5 m from window 7, read from the seats 4.5 m away: the
    # window is ahead of its readers, not "right here" below them (Riverside's window 7).
    finder = wayfinder_for(hall("kind: main, position: [10, 17], facing: 180, viewing_distance_m: 12, "
                                "viewer: {x: 10, y: 11}"))
    assert finder.arrow("main", 7).symbol == "↑"
