"""The plan's "you are here" label and window numbers never go over another text
(floorplan.here_spot, floorplan.tile_number_box); the generated halls' check is in
tests/test_display_measured.py."""

from __future__ import annotations

from types import SimpleNamespace

import pygame

from signage.display.text import TextRenderer
from signage.display.widgets import floorplan

pygame.display.init()


def ctx() -> SimpleNamespace:
    return SimpleNamespace(text=TextRenderer(), lang="en")


def test_here_label_goes_beside_the_dot_when_it_can() -> None:
    c, marker = ctx(), pygame.Rect(200, 200, 12, 12)
    spot, line = floorplan.here_spot(c, "You are here", marker, 14, [marker], pygame.Rect(0, 0, 600, 400))
    assert line is None and spot.left > marker.right and spot.collidelist([marker]) < 0


def test_here_label_goes_further_off_on_a_leader_when_every_spot_beside_is_taken() -> None:
    c, marker, bounds = ctx(), pygame.Rect(200, 200, 12, 12), pygame.Rect(0, 0, 600, 400)
    px = 14
    size = floorplan.least_px(c, "You are here", px, True)
    ink = c.text.measure("You are here", "en", size, True)
    w, h = ink.width + 4, int(size * 1.3)
    taken = [marker] + floorplan._spots(c, "You are here", marker, px, True) \
        + floorplan._around(marker, w, h, max(2, size // 5))  # names on every side of the dot
    spot, line = floorplan.here_spot(c, "You are here", marker, px, list(taken), bounds)
    assert spot.collidelist(taken) < 0 and bounds.contains(spot)
    assert line is not None and line[1] != line[0]


def test_no_room_at_all_means_no_label_rather_than_one_over_a_name() -> None:
    c, marker, bounds = ctx(), pygame.Rect(20, 20, 12, 12), pygame.Rect(0, 0, 100, 60)
    assert floorplan.here_spot(c, "You are here", marker, 14, [marker, pygame.Rect(0, 0, 100, 60)], bounds) is None


def test_window_numbers_a_step_apart_on_a_small_plan_do_not_cover_each_other() -> None:
    c = ctx()
    boxes = []
    for n in range(1, 13):  # tiles 4 px apart: the numbers would cover each other
        tile = pygame.Rect(0, 0, 4, 4)
        tile.center = (20 + 4 * n, 30)
        boxes.append(floorplan.tile_number_box(c, tile, n)[0])
    assert all(b.width >= c.text.measure(str(n), "en", 6).width for n, b in enumerate(boxes, 1))
    # layout_floor numbers only those whose box is clear of the numbers already on the plan
    kept: list[pygame.Rect] = []
    for b in boxes:
        if b.inflate(2, 2).collidelist(kept) < 0:
            kept.append(b)
    assert 1 < len(kept) < len(boxes)
    assert all(a.clip(b).width == 0 or a.clip(b).height == 0 for i, a in enumerate(kept) for b in kept[i + 1:])
