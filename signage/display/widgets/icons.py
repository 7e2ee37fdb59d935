"""Icons for the points of a floor plan, drawn with pygame primitives.

One function, :func:`draw_icon`: a round badge with a glyph of the point's kind
(a door for the entrance, a cross for the first-aid kit, a drop for water...).
Nothing is loaded from files, so an icon costs a few primitive calls and is
sharp at any size; the floor plan is drawn once and cached, so that cost is
paid once per layout.

Badges are coloured by what the place is for, so a citizen scanning the map
finds the group first: help (first aid, AED) in the warning colour, getting
between floors (stairs, lifts) in the text colour, the rest in the accent
colour; the glyph is in the panel colour on top.
"""

from __future__ import annotations

import math
from typing import Callable

import pygame

Color = tuple[int, int, int]
P = tuple[float, float]

HELP_KINDS = ("first_aid", "aed")
FLOOR_KINDS = ("stairs", "lift", "escalator", "ramp")


def badge_colour(kind: str, accent: Color, warning: Color, text: Color) -> Color:
    if kind in HELP_KINDS:
        return warning
    if kind in FLOOR_KINDS:
        return text
    return accent


def draw_icon(surface: pygame.Surface, kind: str, centre: tuple[int, int], r: int, fill: Color, ink: Color) -> pygame.Rect:
    """A badge of radius ``r`` at ``centre`` with the glyph of ``kind``; the rect it covers."""
    cx, cy = centre
    r = max(3, int(r))
    pygame.draw.circle(surface, fill, centre, r)
    if r >= 6:
        glyph = GLYPHS.get(kind, _pin)  # every kind of the format has its own (tests/test_wayfinding_screens.py)
        glyph(surface, cx, cy, r * 0.62, ink, fill)
    return pygame.Rect(cx - r, cy - r, 2 * r + 1, 2 * r + 1)


# --- glyphs: (surface, centre x, centre y, half-size s, ink, badge colour) ---------------------

def _w(s: float) -> int:
    return max(1, round(s * 0.16))


def _pt(cx: float, cy: float, s: float, x: float, y: float) -> tuple[int, int]:
    """A point of a glyph drawn on a [-1, 1] square (y down)."""
    return round(cx + x * s), round(cy + y * s)


def _poly(surface, cx, cy, s, ink, pts, width=0) -> None:
    pygame.draw.polygon(surface, ink, [_pt(cx, cy, s, x, y) for x, y in pts], width)


def _line(surface, cx, cy, s, ink, pts, width=None) -> None:
    pygame.draw.lines(surface, ink, False, [_pt(cx, cy, s, x, y) for x, y in pts], width or _w(s))


def _pin(surface, cx, cy, s, ink, bg) -> None:  # a map pin: a kind this table does not know yet
    pygame.draw.circle(surface, ink, _pt(cx, cy, s, 0, -0.3), max(2, round(s * 0.6)))
    _poly(surface, cx, cy, s, ink, [(-0.52, -0.05), (0.52, -0.05), (0, 0.95)])
    pygame.draw.circle(surface, bg, _pt(cx, cy, s, 0, -0.3), max(1, round(s * 0.25)))


def _entrance(surface, cx, cy, s, ink, bg) -> None:  # a door frame and an arrow going in
    _line(surface, cx, cy, s, ink, [(0.1, -0.9), (0.9, -0.9), (0.9, 0.9), (0.1, 0.9)])
    _line(surface, cx, cy, s, ink, [(-0.95, 0), (0.45, 0)])
    _poly(surface, cx, cy, s, ink, [(0.65, 0), (0.2, -0.4), (0.2, 0.4)])


def _exit(surface, cx, cy, s, ink, bg) -> None:  # a door frame and an arrow going out
    _line(surface, cx, cy, s, ink, [(-0.1, -0.9), (-0.9, -0.9), (-0.9, 0.9), (-0.1, 0.9)])
    _line(surface, cx, cy, s, ink, [(-0.45, 0), (0.75, 0)])
    _poly(surface, cx, cy, s, ink, [(0.95, 0), (0.5, -0.4), (0.5, 0.4)])


def _kiosk(surface, cx, cy, s, ink, bg) -> None:  # a screen on a stand
    _poly(surface, cx, cy, s, ink, [(-0.6, -0.95), (0.6, -0.95), (0.6, 0.2), (-0.6, 0.2)])
    _poly(surface, cx, cy, s, bg, [(-0.4, -0.75), (0.4, -0.75), (0.4, 0.0), (-0.4, 0.0)])
    _poly(surface, cx, cy, s, ink, [(-0.2, 0.2), (0.2, 0.2), (0.2, 0.75), (-0.2, 0.75)])
    _poly(surface, cx, cy, s, ink, [(-0.6, 0.75), (0.6, 0.75), (0.6, 0.95), (-0.6, 0.95)])


def _form(surface, cx, cy, s, ink, bg) -> None:  # a sheet with lines and a pen
    _poly(surface, cx, cy, s, ink, [(-0.75, -0.95), (0.35, -0.95), (0.35, 0.95), (-0.75, 0.95)])
    for y in (-0.55, -0.15, 0.25):
        _line(surface, cx, cy, s, bg, [(-0.55, y), (0.15, y)])
    _line(surface, cx, cy, s, ink, [(0.55, 0.6), (0.95, -0.6)], max(1, round(s * 0.25)))


def _glasses(surface, cx, cy, s, ink, bg) -> None:  # two lenses and a bridge
    w = _w(s) + 1
    for x in (-0.5, 0.5):
        pygame.draw.circle(surface, ink, _pt(cx, cy, s, x, 0.1), max(2, round(s * 0.42)), w)
    _line(surface, cx, cy, s, ink, [(-0.1, 0.0), (0.1, 0.0)], w)
    _line(surface, cx, cy, s, ink, [(-0.9, 0.0), (-0.98, -0.45)], w)
    _line(surface, cx, cy, s, ink, [(0.9, 0.0), (0.98, -0.45)], w)


def _cross(surface, cx, cy, s, ink, bg) -> None:  # the first-aid cross
    a, b = 0.28, 0.85
    _poly(surface, cx, cy, s, ink, [(-a, -b), (a, -b), (a, -a), (b, -a), (b, a), (a, a), (a, b), (-a, b), (-a, a),
                                    (-b, a), (-b, -a), (-a, -a)])


def _heart(surface, cx, cy, s, ink, bg) -> None:
    for x in (-0.42, 0.42):
        pygame.draw.circle(surface, ink, _pt(cx, cy, s, x, -0.3), max(1, round(s * 0.45)))
    _poly(surface, cx, cy, s, ink, [(-0.86, -0.15), (0.86, -0.15), (0, 0.9)])


def _aed(surface, cx, cy, s, ink, bg) -> None:  # a heart with a lightning bolt
    _heart(surface, cx, cy, s, ink, bg)
    _poly(surface, cx, cy, s, bg, [(0.1, -0.65), (-0.3, 0.05), (0.0, 0.05), (-0.15, 0.6), (0.3, -0.15), (0.0, -0.15)])


def _drop(surface, cx, cy, s, ink, bg) -> None:
    pygame.draw.circle(surface, ink, _pt(cx, cy, s, 0, 0.3), max(1, round(s * 0.58)))
    _poly(surface, cx, cy, s, ink, [(0, -0.95), (0.52, 0.08), (-0.52, 0.08)])


def _umbrella(surface, cx, cy, s, ink, bg) -> None:
    pts = [(math.cos(a) * 0.95, -0.1 - math.sin(a) * 0.8) for a in [i * math.pi / 12 for i in range(13)]]
    _poly(surface, cx, cy, s, ink, pts)
    _line(surface, cx, cy, s, ink, [(0, -0.1), (0, 0.75)])
    _line(surface, cx, cy, s, ink, [(0, 0.75), (-0.1, 0.9), (-0.3, 0.85), (-0.35, 0.7)])


def _battery(surface, cx, cy, s, ink, bg) -> None:  # a power bank: a battery with a bolt
    _poly(surface, cx, cy, s, ink, [(-0.5, -0.75), (0.5, -0.75), (0.5, 0.95), (-0.5, 0.95)])
    _poly(surface, cx, cy, s, ink, [(-0.2, -0.95), (0.2, -0.95), (0.2, -0.75), (-0.2, -0.75)])
    _poly(surface, cx, cy, s, bg, [(0.1, -0.5), (-0.3, 0.15), (0.0, 0.15), (-0.1, 0.7), (0.3, 0.0), (0.0, 0.0)])


def _bolt(surface, cx, cy, s, ink, bg) -> None:
    _poly(surface, cx, cy, s, ink, [(0.2, -0.95), (-0.5, 0.15), (-0.05, 0.15), (-0.25, 0.95), (0.5, -0.15), (0.05, -0.15)])


def _person(surface, cx, cy, s, ink, x: float, skirt: bool) -> None:
    pygame.draw.circle(surface, ink, _pt(cx, cy, s, x, -0.7), max(1, round(s * 0.2)))
    if skirt:
        _poly(surface, cx, cy, s, ink, [(x, -0.45), (x + 0.38, 0.35), (x - 0.38, 0.35)])
    else:
        _poly(surface, cx, cy, s, ink, [(x - 0.25, -0.45), (x + 0.25, -0.45), (x + 0.25, 0.35), (x - 0.25, 0.35)])
    _line(surface, cx, cy, s, ink, [(x - 0.12, 0.3), (x - 0.12, 0.95)])
    _line(surface, cx, cy, s, ink, [(x + 0.12, 0.3), (x + 0.12, 0.95)])


def _toilet(surface, cx, cy, s, ink, bg) -> None:  # a man and a woman
    _person(surface, cx, cy, s, ink, -0.48, False)
    _person(surface, cx, cy, s, ink, 0.48, True)


def _wheelchair(surface, cx, cy, s, ink, bg) -> None:
    w = _w(s) + 1
    pygame.draw.circle(surface, ink, _pt(cx, cy, s, -0.05, -0.8), max(1, round(s * 0.17)))
    _line(surface, cx, cy, s, ink, [(-0.1, -0.5), (-0.1, 0.15), (0.45, 0.15), (0.7, 0.75)], w)
    pygame.draw.circle(surface, ink, _pt(cx, cy, s, -0.15, 0.45), max(2, round(s * 0.48)), w)


def _stairs(surface, cx, cy, s, ink, bg) -> None:
    _poly(surface, cx, cy, s, ink, [(-0.95, 0.9), (-0.95, 0.4), (-0.45, 0.4), (-0.45, -0.1), (0.05, -0.1), (0.05, -0.6),
                                    (0.55, -0.6), (0.55, -0.95), (0.95, -0.95), (0.95, 0.9)])


def _lift(surface, cx, cy, s, ink, bg) -> None:  # a car with up and down triangles
    _poly(surface, cx, cy, s, ink, [(-0.8, -0.95), (0.8, -0.95), (0.8, 0.95), (-0.8, 0.95)])
    _poly(surface, cx, cy, s, bg, [(0, -0.75), (0.5, -0.1), (-0.5, -0.1)])
    _poly(surface, cx, cy, s, bg, [(0, 0.75), (0.5, 0.1), (-0.5, 0.1)])


def _escalator(surface, cx, cy, s, ink, bg) -> None:  # a rising band with a rail
    _poly(surface, cx, cy, s, ink, [(-0.95, 0.95), (-0.95, 0.45), (-0.45, 0.45), (0.45, -0.45), (0.95, -0.45),
                                    (0.95, 0.05), (0.65, 0.05), (-0.25, 0.95)])
    _line(surface, cx, cy, s, ink, [(-0.6, 0.1), (0.25, -0.75), (0.85, -0.75)])


def _ramp(surface, cx, cy, s, ink, bg) -> None:
    _poly(surface, cx, cy, s, ink, [(-0.95, 0.8), (0.95, 0.8), (0.95, -0.5)])


def _info(surface, cx, cy, s, ink, bg) -> None:  # "i"
    pygame.draw.circle(surface, ink, _pt(cx, cy, s, 0, -0.65), max(1, round(s * 0.2)))
    _poly(surface, cx, cy, s, ink, [(-0.35, -0.3), (0.17, -0.3), (0.17, 0.7), (0.35, 0.7), (0.35, 0.92), (-0.35, 0.92),
                                    (-0.35, 0.7), (-0.17, 0.7), (-0.17, -0.08), (-0.35, -0.08)])


def _ticket(surface, cx, cy, s, ink, bg) -> None:  # a machine handing out a slip
    _poly(surface, cx, cy, s, ink, [(-0.7, -0.95), (0.7, -0.95), (0.7, 0.3), (-0.7, 0.3)])
    _poly(surface, cx, cy, s, ink, [(-0.35, 0.3), (0.35, 0.3), (0.35, 0.95), (-0.35, 0.95)], _w(s))
    _line(surface, cx, cy, s, bg, [(-0.4, -0.45), (0.4, -0.45)])


def _camera(surface, cx, cy, s, ink, bg) -> None:
    _poly(surface, cx, cy, s, ink, [(-0.95, -0.5), (-0.35, -0.5), (-0.2, -0.8), (0.2, -0.8), (0.35, -0.5), (0.95, -0.5),
                                    (0.95, 0.75), (-0.95, 0.75)])
    pygame.draw.circle(surface, bg, _pt(cx, cy, s, 0, 0.1), max(1, round(s * 0.38)))
    pygame.draw.circle(surface, ink, _pt(cx, cy, s, 0, 0.1), max(1, round(s * 0.2)))


def _seat(surface, cx, cy, s, ink, bg) -> None:
    _poly(surface, cx, cy, s, ink, [(-0.6, -0.95), (-0.3, -0.95), (-0.3, 0.05), (0.6, 0.05), (0.6, 0.3), (-0.6, 0.3)])
    _line(surface, cx, cy, s, ink, [(-0.5, 0.3), (-0.5, 0.95)])
    _line(surface, cx, cy, s, ink, [(0.5, 0.3), (0.5, 0.95)])


def _bottle(surface, cx, cy, s, ink, bg) -> None:  # a baby's bottle: the nursing room
    _poly(surface, cx, cy, s, ink, [(-0.4, -0.35), (0.4, -0.35), (0.4, 0.95), (-0.4, 0.95)])
    _poly(surface, cx, cy, s, ink, [(-0.15, -0.9), (0.15, -0.9), (0.3, -0.35), (-0.3, -0.35)])


def _box(surface, cx, cy, s, ink, bg) -> None:  # a box with a slot: suggestions
    _poly(surface, cx, cy, s, ink, [(-0.9, -0.4), (0.9, -0.4), (0.9, 0.9), (-0.9, 0.9)])
    _line(surface, cx, cy, s, bg, [(-0.4, -0.1), (0.4, -0.1)], max(1, round(s * 0.2)))
    _poly(surface, cx, cy, s, ink, [(-0.3, -0.95), (0.3, -0.95), (0.3, -0.5), (-0.3, -0.5)])


def _smile(surface, cx, cy, s, ink, bg) -> None:  # rate our service
    w = _w(s) + 1
    pygame.draw.circle(surface, ink, _pt(cx, cy, s, 0, 0), max(2, round(s * 0.92)), w)
    for x in (-0.32, 0.32):
        pygame.draw.circle(surface, ink, _pt(cx, cy, s, x, -0.25), max(1, round(s * 0.12)))
    _line(surface, cx, cy, s, ink, [(-0.45, 0.25), (-0.2, 0.5), (0.2, 0.5), (0.45, 0.25)], w)


def _eye(surface, cx, cy, s, ink, bg) -> None:  # an eye over the lines of a test chart: the vision test
    pts = [(math.cos(a) * 0.95, -0.3 - math.sin(a) * 0.5) for a in [i * math.pi / 8 for i in range(9)]]
    pts += [(math.cos(a) * 0.95, -0.3 + math.sin(a) * 0.5) for a in [math.pi - i * math.pi / 8 for i in range(9)]]
    _poly(surface, cx, cy, s, ink, pts)
    pygame.draw.circle(surface, bg, _pt(cx, cy, s, 0, -0.3), max(1, round(s * 0.32)))
    pygame.draw.circle(surface, ink, _pt(cx, cy, s, 0, -0.3), max(1, round(s * 0.15)))
    _line(surface, cx, cy, s, ink, [(-0.6, 0.55), (0.6, 0.55)], max(1, round(s * 0.2)))
    _line(surface, cx, cy, s, ink, [(-0.3, 0.88), (0.3, 0.88)], max(1, round(s * 0.14)))


def _copier(surface, cx, cy, s, ink, bg) -> None:  # a printer with a sheet coming out: copying and printing
    _poly(surface, cx, cy, s, ink, [(-0.45, -0.95), (0.45, -0.95), (0.45, -0.45), (-0.45, -0.45)], _w(s))
    _poly(surface, cx, cy, s, ink, [(-0.95, -0.45), (0.95, -0.45), (0.95, 0.45), (-0.95, 0.45)])
    pygame.draw.circle(surface, bg, _pt(cx, cy, s, 0.65, -0.2), max(1, round(s * 0.1)))
    _poly(surface, cx, cy, s, ink, [(-0.5, 0.2), (0.5, 0.2), (0.5, 0.95), (-0.5, 0.95)])
    _line(surface, cx, cy, s, bg, [(-0.3, 0.55), (0.3, 0.55)])


def _lockers(surface, cx, cy, s, ink, bg) -> None:  # a cabinet of four doors with their handles
    _poly(surface, cx, cy, s, ink, [(-0.85, -0.95), (0.85, -0.95), (0.85, 0.95), (-0.85, 0.95)])
    _line(surface, cx, cy, s, bg, [(0, -0.95), (0, 0.95)])
    _line(surface, cx, cy, s, bg, [(-0.85, 0), (0.85, 0)])
    for x in (-0.2, 0.65):
        for y in (-0.5, 0.45):
            pygame.draw.circle(surface, bg, _pt(cx, cy, s, x, y), max(1, round(s * 0.1)))


def _atm(surface, cx, cy, s, ink, bg) -> None:  # a banknote coming out of a slot: a cash machine
    _line(surface, cx, cy, s, ink, [(-0.95, -0.8), (0.95, -0.8)], max(2, round(s * 0.22)))
    _poly(surface, cx, cy, s, ink, [(-0.75, -0.55), (0.75, -0.55), (0.75, 0.95), (-0.75, 0.95)])
    pygame.draw.circle(surface, bg, _pt(cx, cy, s, 0, 0.2), max(1, round(s * 0.3)), _w(s))
    for x, y in ((-0.5, -0.3), (0.5, -0.3), (-0.5, 0.7), (0.5, 0.7)):
        pygame.draw.circle(surface, bg, _pt(cx, cy, s, x, y), max(1, round(s * 0.08)))


def _star(surface, cx, cy, s, ink, bg) -> None:
    pts = [(math.sin(i * math.pi / 5) * (0.95 if i % 2 == 0 else 0.4), -math.cos(i * math.pi / 5) * (0.95 if i % 2 == 0 else 0.4) + 0.08)
           for i in range(10)]
    _poly(surface, cx, cy, s, ink, pts)


def _question(surface, cx, cy, s, ink, bg) -> None:  # "?"
    w = max(2, round(s * 0.26))
    pts = [(math.cos(a) * 0.5, -0.4 - math.sin(a) * 0.5) for a in [math.pi - i * math.pi / 8 for i in range(11)]]
    _line(surface, cx, cy, s, ink, pts + [(0.0, 0.05), (0.0, 0.35)], w)
    pygame.draw.circle(surface, ink, _pt(cx, cy, s, 0, 0.78), max(1, round(s * 0.17)))


def _phone(surface, cx, cy, s, ink, bg) -> None:  # a handset: a telephone, a hotline
    _line(surface, cx, cy, s, ink, [(-0.55, -0.7), (-0.75, -0.35), (-0.6, 0.15), (-0.2, 0.6), (0.3, 0.8), (0.65, 0.6)],
          max(2, round(s * 0.28)))
    _poly(surface, cx, cy, s, ink, [(-0.75, -0.95), (-0.3, -0.7), (-0.5, -0.35), (-0.95, -0.55)])
    _poly(surface, cx, cy, s, ink, [(0.95, 0.5), (0.7, 0.95), (0.35, 0.75), (0.55, 0.3)])


def _clock(surface, cx, cy, s, ink, bg) -> None:  # a clock face: opening hours, a time slot
    pygame.draw.circle(surface, ink, _pt(cx, cy, s, 0, 0), max(2, round(s * 0.95)))
    _line(surface, cx, cy, s, bg, [(0, -0.65), (0, 0), (0.45, 0.3)], _w(s) + 1)


def _wifi(surface, cx, cy, s, ink, bg) -> None:  # three arcs over a dot
    w = _w(s) + 1
    for r in (0.5, 0.95, 1.4):
        pts = [(math.cos(a) * r, 0.75 - math.sin(a) * r) for a in [math.pi / 4 + i * math.pi / 16 for i in range(9)]]
        _line(surface, cx, cy, s, ink, pts, w)
    pygame.draw.circle(surface, ink, _pt(cx, cy, s, 0, 0.75), max(1, round(s * 0.17)))


GLYPHS: dict[str, Callable[..., None]] = {
    "entrance": _entrance, "exit": _exit, "info_desk": _info, "self_service": _kiosk, "form_filling": _form,
    "photo": _camera, "ticket_machine": _ticket, "reading_glasses": _glasses, "first_aid": _cross, "aed": _aed,
    "water": _drop, "umbrella": _umbrella, "power_bank": _battery, "toilet": _toilet,
    "accessible_toilet": _wheelchair, "stairs": _stairs, "lift": _lift, "ramp": _ramp, "seating": _seat,
    "nursing_room": _bottle, "suggestion_box": _box, "rating_pad": _smile, "charging": _bolt,
    "escalator": _escalator, "vision_test": _eye, "copier": _copier, "lockers": _lockers, "atm": _atm,
    # icons of no kind, for a point of kind other (signage/config/model.py ICON_NAMES)
    "pin": _pin, "star": _star, "question": _question, "phone": _phone, "clock": _clock, "wifi": _wifi,
}
FALLBACK = _pin  # drawn for a kind missing above (never a text glyph such as 〓); no kind of the format uses it


def icon_of(point) -> str:
    """The icon a point is drawn with: the one it chose (``icon``, meant for ``kind: other``;
    the directory draws the same), else its kind's (``other``: the ``pin``)."""
    return point.icon or ("pin" if point.kind == "other" else point.kind)
