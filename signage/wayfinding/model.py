"""The plain data of a route: :class:`Route`, its :class:`Leg` s and :class:`Transfer` s.

Layering inside the package (each imports only those above it)::

    geometry     plane geometry
    network      the walk graph and Dijkstra (Place)
    model        Transfer, Leg, Route: what a route is (this module)
    directions   steps, words and arrows of a Route
    routes       Wayfinder: refs -> Route (and the arrow beside a call)

So a route is data only: its words are :func:`~.directions.render` (route,
lang), :func:`~.directions.summary`, :func:`~.directions.steps_of` and its
arrow :func:`~.directions.arrow_of`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .geometry import Point
from .network import Place

ConnectionKind = Literal["lift", "stairs", "escalator", "ramp"]


@dataclass(frozen=True)
class Transfer:
    """How a route leaves a floor: by ``kind`` (the point ``point``) to ``to_floor``."""

    kind: ConnectionKind
    point: str
    to_floor: str
    up: bool
    seconds: float  # waiting and riding


@dataclass(frozen=True)
class Leg:
    """The walk on one floor, from where the route starts (or arrives on the floor)
    to where it ends (or leaves the floor by ``leave``).

    ``points`` are metres on the floor plan, at least two, the first the start
    and the last the end; draw them as a polyline.
    """

    floor: str
    points: tuple[Point, ...]
    metres: float
    leave: Transfer | None
    level: int = 0  # the floor's level, as in the hall file


@dataclass(frozen=True)
class Route:
    """A way from ``origin`` to ``target``.

    A caller may rely on: ``legs`` in walking order, one per floor visited
    (consecutive legs are on different floors, each but the last has
    ``leave``); ``metres`` is the walking distance; ``seconds`` the time at
    1.0 m/s (0.8 m/s for a step-free route) plus waiting for and riding lifts
    and stairs; ``has_steps`` is False for every route asked as step-free.
    """

    origin: Place
    target: Place
    legs: tuple[Leg, ...]
    metres: float
    seconds: float
    step_free: bool
    has_steps: bool

    @property
    def floors(self) -> tuple[str, ...]:
        return tuple(leg.floor for leg in self.legs)

    @property
    def changes_floor(self) -> bool:
        return len(self.legs) > 1
