"""Wayfinding: routes on the sample halls and on small made-up halls, checked
against an independent shortest-path computation; directions in words; arrows
for screens facing every way. (The validation messages are in the broken-hall
table of test_config.py.)"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from signage.config import load_hall, load_hall_text
from signage.config.model import HallConfig
from signage.wayfinding import (
    STEP_FREE_SPEED, WALK_SPEED, UnknownPlace, Wayfinder, arrow_of, build, floor_name, place_name, render, steps_of,
    summary, wayfinder_for,
)
from signage.wayfinding.geometry import dist, length, segment_inside

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ("zhongshan", "zhenhai", "nanming")


@pytest.fixture(scope="module")
def halls() -> dict[str, HallConfig]:
    out = {}
    for name in SAMPLES:
        result = load_hall(ROOT / "layouts" / f"{name}.yaml")
        assert result.config is not None and not result.problems, "\n".join(map(str, result.problems))
        out[name] = result.config
    return out


@pytest.fixture(scope="module")
def zhenhai(halls: dict[str, HallConfig]) -> Wayfinder:
    return wayfinder_for(halls["zhenhai"])


@pytest.fixture(scope="module")
def zhongshan(halls: dict[str, HallConfig]) -> Wayfinder:
    return wayfinder_for(halls["zhongshan"])


# --- a small made-up hall, written as a hall manager would --------------------------------

def square_hall(facing: float = 0, extra_points: str = "", lift: str = "") -> HallConfig:
    """Two 20 x 20 m floors with no walkways (people walk straight across), a
    screen in the middle of 1F facing ``facing``, windows on every side of it,
    and stairs and a lift in the north-east corner."""
    text = f"""\
format: 1
hall: {{id: square, name: {{zh-Hans: 方厅, en: Square hall}}}}
groups: [{{id: g, name: {{zh-Hans: 业务, en: Business}}}}]
services: [{{id: s, prefix: A, group: g, minutes: 5, name: {{zh-Hans: 业务, en: Business}}}}]
windows:
  - {{number: 1, services: all, floor: 1F, position: [18, 10]}}   # east
  - {{number: 2, services: all, floor: 1F, position: [10, 18]}}   # north
  - {{number: 3, services: all, floor: 1F, position: [2, 10]}}    # west
  - {{number: 4, services: all, floor: 1F, position: [10, 2]}}    # south
  - {{number: 5, services: all, floor: 1F, position: [16, 16]}}   # north-east
  - {{number: 6, services: all, floor: 1F, position: [4, 16]}}    # north-west
  - {{number: 7, services: all, floor: 2F, position: [4, 4]}}
floors:
  - id: 1F
    level: 1
    name: {{zh-Hans: 一楼, en: Ground floor}}
    outline: [[0, 0], [20, 0], [20, 20], [0, 20]]
    points:
      - {{id: entrance, kind: entrance, position: [10, 0]}}
      - {{id: stairs, kind: stairs, position: [19, 17]}}
      - {{id: lift, kind: lift, position: [19, 19]{lift}}}
{extra_points}
  - id: 2F
    level: 2
    name: {{zh-Hans: 二楼, en: First floor}}
    outline: [[0, 0], [20, 0], [20, 20], [0, 20]]
    points:
      - {{id: stairs, kind: stairs, position: [19, 17]}}
      - {{id: lift, kind: lift, position: [19, 19]{lift}}}
screens:
  - {{id: middle, kind: main, resolution: [1920, 1080], diagonal_inches: 55, viewing_distance_m: 6,
     floor: 1F, position: [10, 10], facing: {facing}, regions: [{{widget: call_banner, rect: [0, 0, 100, 100]}}]}}
  - {{id: upstairs, kind: main, resolution: [1920, 1080], diagonal_inches: 55, viewing_distance_m: 6,
     floor: 2F, position: [10, 10], facing: 180, regions: [{{widget: call_banner, rect: [0, 0, 100, 100]}}]}}
  - {{id: strip-1, kind: strip, window: 1, resolution: [1280, 320], diagonal_inches: 24, viewing_distance_m: 4,
     floor: 1F, position: [18.5, 10], facing: 270, regions: [{{widget: window_board, rect: [0, 0, 100, 100]}}]}}
"""
    result = load_hall_text(text, "square.yaml")
    assert result.config is not None, "\n".join(map(str, result.problems))
    return result.config


# --- an independent shortest path ----------------------------------------------------------

def bellman_ford(net, sources: list[int], step_free: bool) -> list[float]:
    """Seconds to every vertex, by relaxing every edge until nothing changes
    (slow and simple: no heap, no early stop, nothing shared with Dijkstra)."""
    speed = STEP_FREE_SPEED if step_free else WALK_SPEED
    best = [math.inf] * len(net.adj)
    for s in sources:
        best[s] = 0.0
    for _ in range(len(net.adj)):
        changed = False
        for u, edges in enumerate(net.adj):
            if best[u] == math.inf:
                continue
            for e in edges:
                if step_free and not e.step_free:
                    continue
                c = best[u] + e.metres / speed + e.seconds
                if c < best[e.to] - 1e-9:
                    best[e.to] = c
                    changed = True
        if not changed:
            break
    return best


@pytest.mark.parametrize("name", SAMPLES)
def test_routes_are_the_quickest(halls: dict[str, HallConfig], name: str) -> None:
    finder = wayfinder_for(halls[name])
    net = finder.network
    for screen in halls[name].screens:
        src = net.vertex_of[f"screen:{screen.id}"]
        for step_free in (False, True):
            best = bellman_ford(net, [src], step_free)
            for w in halls[name].windows:
                route = finder.route(f"screen:{screen.id}", f"window:{w.number}", step_free=step_free)
                expected = best[net.vertex_of[f"window:{w.number}"]]
                assert route is not None and expected < math.inf
                assert route.seconds == pytest.approx(expected)


@pytest.mark.parametrize("name", SAMPLES)
def test_routes_stay_on_the_floor_and_add_up(halls: dict[str, HallConfig], name: str) -> None:
    """What the map widget draws: legs in order, on the right floors, inside the
    outline, from the reader of the screen to the window, metres that add up."""
    config = halls[name]
    finder = wayfinder_for(config)
    for screen in config.screens:
        for w in config.windows:
            for step_free in (False, True):
                route = finder.route(f"screen:{screen.id}", f"window:{w.number}", step_free=step_free)
                assert route is not None
                assert route.legs[0].floor == screen.floor and route.legs[-1].floor == w.floor
                assert route.legs[-1].points[-1] == tuple(w.position)
                assert route.legs[0].points[0] == route.origin.position
                # its readers: 1.5 m in front, or up to its viewing distance out (routes.viewing_of)
                assert dist(route.origin.position, screen.position) <= max(1.5, screen.viewing_distance_m) + 1e-9
                assert route.metres == pytest.approx(sum(length(leg.points) for leg in route.legs))
                for leg, nxt in zip(route.legs, route.legs[1:]):
                    assert leg.leave is not None and leg.leave.to_floor == nxt.floor != leg.floor
                assert route.legs[-1].leave is None
                for leg in route.legs:
                    outline = config.floor(leg.floor).outline
                    assert all(segment_inside(a, b, outline) for a, b in zip(leg.points, leg.points[1:]))
                if step_free:
                    assert not route.has_steps
                    walk = sum(leg.leave.seconds for leg in route.legs if leg.leave)
                    assert route.seconds == pytest.approx(route.metres / STEP_FREE_SPEED + walk)


# --- the sample halls ------------------------------------------------------------------------

def test_zhenhai_upstairs_by_stairs_or_by_lift(zhenhai: Wayfinder) -> None:
    quick = zhenhai.route("screen:main-1f", "window:7")
    level = zhenhai.route("screen:main-1f", "window:7", step_free=True)
    assert quick.floors == level.floors == ("1F", "2F")
    assert quick.legs[0].leave.kind == "stairs" and quick.has_steps
    assert level.legs[0].leave.kind == "lift" and not level.has_steps
    assert level.legs[0].leave.seconds == 40  # 30 s waiting, 10 s riding one floor
    assert quick.legs[0].leave.seconds == 20
    assert quick.seconds < level.seconds
    assert quick.seconds == pytest.approx(quick.metres / WALK_SPEED + 20)
    down = zhenhai.route("screen:main-2f", "window:1")
    assert down.floors == ("2F", "1F") and not down.legs[0].leave.up


def test_zhongshan_self_service_room_is_up_two_steps(zhongshan: Wayfinder) -> None:
    quick = zhongshan.route("point:entrance", "point:self-photo")
    level = zhongshan.route("point:entrance", "point:self-photo", step_free=True)
    assert quick.has_steps and not level.has_steps
    assert level.metres > quick.metres + 5  # round by the ramp
    assert (round(quick.metres), round(level.metres)) == (22, 32)


def test_step_free_route_may_not_exist(halls: dict[str, HallConfig]) -> None:
    text = (ROOT / "layouts" / "zhenhai.yaml").read_text("utf-8")
    text = text.replace("{id: lift, kind: lift, position: [34.5, 23.5],", "{id: lift, kind: lift, step_free: false, position: [34.5, 23.5],")
    config = load_hall_text(text, "zhenhai.yaml").config
    finder = Wayfinder(config)
    assert finder.route("screen:main-1f", "window:7", step_free=True) is None
    assert finder.route("screen:main-1f", "window:7") is not None
    assert finder.arrow("main-1f", 7, step_free=True).symbol == "2F ↑"  # the floor is still known


def test_refs(zhenhai: Wayfinder) -> None:
    # the nearest of several: toilets on the same floor, the lift copy upstairs
    assert zhenhai.route("screen:main-2f", "kind:toilet").target.ref == "point:2F/toilets-2f"
    assert zhenhai.route("screen:main-1f", "kind:toilet").target.ref == "point:1F/toilets"
    assert zhenhai.route("screen:main-2f", "point:lift").target.ref == "point:2F/lift"
    assert zhenhai.route("screen:main-2f", "point:1F/lift").floors == ("2F", "1F")
    # a tapped spot on the map, with the way the person faces
    spot = zhenhai.route(("1F", 30, 12, 0), "window:3")
    assert spot.origin.kind == "position" and spot.legs[0].points[0] == (30, 12)
    assert render(spot, "en").startswith("Turn left")
    for bad in ("window:99", "screen:nowhere", "point:nowhere", "kind:spa", "lobby", ("3F", 1, 1), ("1F", 99, 1)):
        with pytest.raises(UnknownPlace):
            zhenhai.route(bad, "window:1")
    assert zhenhai.arrow("nowhere", 1) is None and zhenhai.arrow("main-1f", 99) is None


def test_wayfinder_is_built_once_per_configuration(halls: dict[str, HallConfig]) -> None:
    assert wayfinder_for(halls["nanming"]) is wayfinder_for(halls["nanming"])
    finder = wayfinder_for(halls["nanming"])
    assert finder.route("screen:main", "window:7") is finder.route("screen:main", "window:7")


# --- directions in words -------------------------------------------------------------------------

def test_directions_on_one_floor(zhongshan: Wayfinder) -> None:
    # Zhongshan's main screen hangs over the aisle at [19, 13], facing the seats (south):
    # its readers sit in the waiting area's front rows (viewer [19, 11]), looking north;
    # window 3 is along the counters to the west.
    route = zhongshan.route("screen:main", "window:3")
    assert render(route, "zh-Hans") == "向左转，前行 9 米，3 号窗口在右侧"
    assert render(route, "zh-Hant") == "向左轉，前行 9 米，3 號窗口在右側"
    assert render(route, "en") == "Turn left, go ahead 9 m, window 3 is on your right"
    glasses = zhongshan.route("screen:main", "point:glasses")  # a point without a name: its kind's
    assert render(glasses, "zh-Hans") == "向后转，前行 8 米，老花镜在右侧"  # at [18, 3], by the guide desk
    assert render(glasses, "en") == "Turn around, go ahead 8 m, Reading glasses on your right"


def test_directions_across_floors(zhenhai: Wayfinder) -> None:
    # main-1f hangs above the counters at [27, 19] facing south: its readers sit in the waiting
    # area's front rows (viewer [27, 16.5]), looking north; the lift is at [34.5, 23.5].
    route = zhenhai.route("screen:main-1f", "window:7", step_free=True)
    assert render(route, "zh-Hans") == "向右转，前方 9 米左转，前行 5 米，乘电梯到 2 楼，前方 5 米右转，前行 18 米，7 号窗口在右侧"
    assert render(route, "zh-Hant") == "向右轉，前方 9 米左轉，前行 5 米，搭電梯到 2 樓，前方 5 米右轉，前行 18 米，7 號窗口在右側"
    assert render(route, "en") == ("Turn right, go ahead 9 m, turn left, go ahead 5 m, take the lift to 2F, "
                                      "go ahead 5 m, turn right, go ahead 18 m, window 7 is on your right")
    assert summary(route, "zh-Hans") == "约 43 米，步行约 2 分钟"
    assert summary(route, "en") == "about 43 m, 2 min walk"
    stairs = zhenhai.route("screen:main-2f", "window:1")
    assert "走楼梯下到 1 楼" in render(stairs, "zh-Hans")
    assert "take the stairs down to 1F" in render(stairs, "en")


def test_directions_when_it_is_right_here(zhenhai: Wayfinder) -> None:
    route = zhenhai.route("screen:strip-1", "window:1")  # the strip above window 1
    assert render(route, "zh-Hans") == "1 号窗口就在这里"
    assert render(route, "en") == "Window 1 is right here"
    assert arrow_of(route, route.origin.heading).symbol == "↓"


def test_steps_as_data(zhenhai: Wayfinder) -> None:
    steps = steps_of(zhenhai.route("screen:main-1f", "window:7", step_free=True))
    assert [s.kind for s in steps] == ["turn", "walk", "walk", "change", "walk", "walk", "arrive"]
    assert steps[0].turn == "right" and steps[1].turn == "left" and steps[2].turn is None
    assert [s.metres for s in steps[1:3]] == [9, 5]
    assert steps[3].transfer.kind == "lift" and steps[3].transfer.to_floor == "2F"
    assert steps[-1].side == "right"


def test_floor_and_place_names(zhenhai: Wayfinder) -> None:
    assert [floor_name("2F", lang) for lang in ("zh-Hans", "zh-Hant", "en")] == ["2 楼", "2 樓", "2F"]
    assert [floor_name("B1", lang) for lang in ("zh-Hans", "zh-Hant", "en")] == ["地下 1 层", "地下 1 樓", "B1"]
    assert floor_name("M", "zh-Hans") == "M 层"
    [glasses] = zhenhai.resolve("point:glasses")
    assert place_name(glasses, "en") == "Reading glasses" and place_name(glasses, "zh-Hant") == "老花鏡"
    [window] = zhenhai.resolve("window:15")
    assert place_name(window, "zh-Hans") == "15 号窗口" and place_name(window, "en") == "window 15"


# --- arrows --------------------------------------------------------------------------------------

# The viewer faces the screen, standing its viewing distance (6 m) in front of it. Windows
# east, north, west and south of a screen in the middle of the floor (8 m off), north-east
# and north-west ([16, 16], [4, 16]), for each way it faces: a window to a side of the
# screen is 6 m ahead of the viewer and 8 m aside (53°: ↖ or ↗), not beside them.
# There is no ↙ or ↘: up to 135° to a side is ← or →, beyond that ↓.
ARROWS_BY_FACING = {
    0:   {1: "↖", 2: "↓", 3: "↗", 4: "↑", 5: "←", 6: "→"},    # faces north: the viewer at [10, 16] looks south
    90:  {1: "↓", 2: "↗", 3: "↑", 4: "↖", 5: "→", 6: "↗"},    # faces east: the viewer at [16, 10] looks west
    180: {1: "↗", 2: "↑", 3: "↖", 4: "↓", 5: "↗", 6: "↖"},    # faces south: the viewer at [10, 4] looks north
    270: {1: "↑", 2: "↖", 3: "↓", 4: "↗", 5: "↖", 6: "←"},    # faces west: the viewer at [4, 10] looks east
}


@pytest.mark.parametrize("facing", sorted(ARROWS_BY_FACING))
def test_arrows_for_screens_facing_every_way(facing: int) -> None:
    finder = Wayfinder(square_hall(facing))
    got = {n: finder.arrow("middle", n).symbol for n in ARROWS_BY_FACING[facing]}
    assert got == ARROWS_BY_FACING[facing]
    up = finder.arrow("middle", 7)
    assert up.symbol == "2F ↑" and up.floor == "2F" and up.up
    assert up.way  # and which way to set off for the stairs


def test_arrow_degrees_and_other_floors() -> None:
    finder = Wayfinder(square_hall(180))
    east = finder.arrow("middle", 1)
    assert east.floor is None and east.degrees == pytest.approx(53.13, abs=0.01)  # ahead to the right: 8 m aside, 6 m on
    down = finder.arrow("upstairs", 1)
    assert down.symbol == "1F ↓" and down.up is False
    assert finder.arrow("strip-1", 1).symbol == "↓"  # the strip above window 1: here


def test_arrow_agrees_with_the_first_words(halls: dict[str, HallConfig]) -> None:
    first_words = {"turn": {"left": "←", "right": "→", "ahead_left": "↖", "ahead_right": "↗", "back": "↓"},
                   "here": "↓", "walk": "↑", "change": ""}
    for name in SAMPLES:
        finder = wayfinder_for(halls[name])
        for screen in halls[name].screens:
            for w in halls[name].windows:
                route = finder.route(f"screen:{screen.id}", f"window:{w.number}")
                step = steps_of(route)[0]
                if step.kind == "arrive":
                    continue  # only a step away: the arrow points at the window itself
                expected = first_words[step.kind]
                expected = expected[step.turn] if isinstance(expected, dict) else expected
                arrow = arrow_of(route, route.origin.heading)
                assert arrow.way == expected, (name, screen.id, w.number, render(route, "en"))


# --- floors joined by stairs, lifts and escalators ------------------------------------------------

def test_lift_wait_makes_the_stairs_quicker_when_one_can_climb() -> None:
    finder = Wayfinder(square_hall())
    assert finder.route("screen:middle", "window:7").legs[0].leave.kind == "stairs"
    assert finder.route("screen:middle", "window:7", step_free=True).legs[0].leave.kind == "lift"
    quick_lift = Wayfinder(square_hall(lift=", wait_seconds: 0"))
    assert quick_lift.route("screen:middle", "window:7").legs[0].leave.kind == "lift"


def test_escalator_runs_one_way() -> None:
    config = square_hall(extra_points="      - {id: escalator, kind: escalator, direction: up, position: [11, 12]}")
    data = config.model_dump(by_alias=True)  # and the same escalator upstairs
    data["floors"][1]["points"].append({"id": "escalator", "kind": "escalator", "direction": "up", "position": [11, 12]})
    finder = Wayfinder(HallConfig.model_validate(data))
    assert finder.route("screen:middle", "window:7").legs[0].leave.kind == "escalator"
    assert finder.route("screen:middle", "window:7", step_free=True).legs[0].leave.kind == "lift"
    down = finder.route("screen:upstairs", "window:4")
    assert down.legs[0].leave.kind != "escalator"


def test_open_floor_goes_round_an_inner_corner() -> None:
    """Without walkways people walk straight, bending at the inner corner of an L."""
    config = square_hall()
    data = config.model_dump(by_alias=True)
    data["floors"][1]["outline"] = [[0, 0], [20, 0], [20, 20], [10, 20], [10, 10], [0, 10]]
    data["windows"][6]["position"] = [4, 4]
    data["floors"][1]["points"].append({"id": "far", "kind": "water", "position": [12, 19]})
    finder = Wayfinder(HallConfig.model_validate(data))
    route = finder.route(("2F", 2, 8), "point:far")
    assert len(route.legs[0].points) == 3  # one bend, just inside the corner
    bend = route.legs[0].points[1]
    assert dist(bend, (10, 10)) < 1
    assert all(segment_inside(a, b, data["floors"][1]["outline"])
               for a, b in zip(route.legs[0].points, route.legs[0].points[1:]))


def test_network_of_every_sample_hall_has_every_floor_and_window(halls: dict[str, HallConfig]) -> None:
    """(How fast it builds is a figure for a benchmark, not a test on a shared machine.)"""
    for name, config in halls.items():
        net = build(config)
        assert set(net.floors) == {f.id for f in config.floors}, name
        assert not net.unattached, (name, [p.ref for p in net.unattached])
        assert {f"window:{w.number}" for w in config.windows} <= set(net.vertex_of), name


def test_a_place_beside_the_walkway_is_on_a_side_not_behind(zhongshan: Wayfinder) -> None:
    """The water stands by the lobby walk, nearest the branch that turns north after it: the
    directions stop beside it ("on your left") instead of walking past and saying "behind you"."""
    route = zhongshan.route("screen:lobby-wayfinding", "kind:water")
    assert render(route, "en").endswith("Drinking water on your left")
    assert render(route, "zh-Hans").endswith("饮水机在左侧")
    kinds = sorted({p.kind for f in zhongshan.config.floors for p in f.points})
    for screen in ("main", "lobby-wayfinding", "entrance-guide"):
        for kind in kinds:
            r = zhongshan.route(f"screen:{screen}", f"kind:{kind}")
            assert r is None or "behind you" not in render(r, "en"), (screen, kind, render(r, "en"))
