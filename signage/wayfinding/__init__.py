"""Wayfinding: the way from a screen, a point or a window to a window or a point.

Pure code (no pygame, no network). The walk network is read from the hall file
(``floors[].walkways``, see docs/wayfinding.md); a :class:`Wayfinder` built
once per configuration answers routes::

    finder = wayfinder_for(config)
    route = finder.route("screen:main-1f", "window:7", step_free=True)
    route.legs          # per floor: polyline in metres, and how it leaves the floor
    route.metres, route.seconds
    render(route, "zh-Hans")      # 向左转，前方 8 米右转，乘电梯到 2 楼，…
    summary(route, "en")          # about 42 m, 2 min walk
    steps_of(route)               # the same directions as data (Step)
    finder.arrow("main-1f", 7)    # Arrow(symbol="2F ↑", way="→", …)

Modules, each importing only those before it: :mod:`.geometry` (plane
geometry), :mod:`.network` (the graph and Dijkstra), :mod:`.model` (Route,
Leg, Transfer: plain data), :mod:`.directions` (a route's steps, words and
arrows), :mod:`.routes` (refs -> routes: the Wayfinder).
"""

from .directions import (ARROWS, KIND_NAMES, Arrow, Step, arrow_of, floor_name, place_name, point_name, render,
                         steps_of, summary, transfer_words)
from .model import Leg, Route, Transfer
from .network import STEP_FREE_SPEED, WALK_SPEED, Network, Place, build
from .routes import UnknownPlace, Wayfinder, wayfinder_for

__all__ = [
    "ARROWS", "KIND_NAMES", "Arrow", "Leg", "Network", "Place", "Route", "STEP_FREE_SPEED", "Step",
    "Transfer", "UnknownPlace", "WALK_SPEED", "Wayfinder", "arrow_of", "build", "floor_name", "place_name",
    "point_name", "render", "steps_of", "summary", "transfer_words", "wayfinder_for",
]
