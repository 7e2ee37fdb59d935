"""The life of a ticket and the calling rule, written as data and pure functions.

Everything that decides *which* ticket a window gets lives here, so that the
queue engine, the waiting-time estimator's shadow simulation and the hall
simulator all use one rule and cannot drift apart.

A ticket's life::

    issued ─> waiting ─> called ─> serving ─> completed
                 ^  │       │  │       │
                 │  │       │  └─ skipped (no-show) ─> requeued (waiting again)
                 │  │       └─ transferred (waiting again, for another service or window)
                 │  └─ cancelled
                 └─ (requeued / transferred)

The legal moves are the :data:`TRANSITIONS` table; the engine refuses anything
else, and replaying a log that breaks it is an error.

Who is called next (:func:`pick_next`): among the waiting tickets a window may
serve, the first calling class in the hall's order (default green channel >
priority > appointment due > normal), then the longest wait. A normal ticket
that waited past ``rules.starvation_minutes`` joins the priority class. An
appointment can be called from ``appointment_early_minutes`` before its slot.
A love window puts the priority class first, a green-channel window the green
class. A ticket transferred to a given window waits for that window only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from signage.config.model import HallConfig, Rules

# State of a ticket after each kind of event, from each state it may come from.
TRANSITIONS: dict[str, dict[Optional[str], str]] = {
    "ticket_issued": {None: "waiting"},
    "ticket_called": {"waiting": "called"},
    "ticket_recalled": {"called": "called", "serving": "serving"},
    "ticket_serving": {"called": "serving"},
    "ticket_completed": {"called": "completed", "serving": "completed"},
    "ticket_skipped": {"called": "skipped"},
    "ticket_requeued": {"skipped": "waiting"},
    "ticket_transferred": {"waiting": "waiting", "called": "waiting", "serving": "waiting"},
    "ticket_cancelled": {"waiting": "cancelled", "called": "cancelled",
                         "serving": "cancelled", "skipped": "cancelled"},
}

LIVE_STATES = frozenset({"waiting", "called", "serving", "skipped"})
AT_WINDOW_STATES = frozenset({"called", "serving"})
CLASSES = ("green", "priority", "appointment", "normal")


@dataclass
class Ticket:
    id: str
    number: str
    service: str
    klass: str                      # calling class: green | priority | appointment | normal
    issued_at: float
    order_at: float                 # place in line (a requeue moves it; a transfer keeps it)
    priority: str | None = None     # elderly, disabled, pregnant, infant, military, other
    appointment: str | None = None  # appointment code
    slot: float | None = None       # appointment time
    state: str = "waiting"
    window: int | None = None       # where it is called / served
    to_window: int | None = None    # transferred to this window only
    called_at: float | None = None
    started_at: float | None = None
    skipped_at: float | None = None
    recalls: int = 0
    rated: bool = False             # a citizen rates a service once

    def short(self) -> dict:
        """The ticket as it travels in events."""
        return {"id": self.id, "number": self.number, "service": self.service, "class": self.klass}


@dataclass(frozen=True)
class WindowPlan:
    """What :func:`pick_next` needs to know of a window."""

    number: int
    services: frozenset[str]
    kind: str = "normal"


def window_plans(config: HallConfig) -> dict[int, WindowPlan]:
    """Each window of the hall as :func:`pick_next` sees it, by number."""
    return {w.number: WindowPlan(w.number, frozenset(config.services_of(w)), w.kind) for w in config.windows}


def class_order(rules: Rules, window_kind: str) -> list[str]:
    order = list(rules.order)
    front = {"love": "priority" if rules.love_window_priority_first else None, "green": "green"}.get(window_kind)
    if front:
        order.remove(front)
        order.insert(0, front)
    return order


def effective_class(t: Ticket, now: float, rules: Rules) -> str | None:
    """The class a waiting ticket is called in now, or None if it cannot be called yet."""
    if t.klass == "appointment":
        if t.slot is not None and now < t.slot - rules.appointment_early_minutes * 60:
            return None  # too early: only a deliberate `call` takes it
        return "appointment"
    if t.klass == "normal" and rules.starvation_minutes is not None \
            and now - t.issued_at >= rules.starvation_minutes * 60:
        return "priority"
    return t.klass


def pick_next(rules: Rules, window: WindowPlan, waiting: Iterable[Ticket], now: float) -> Ticket | None:
    """The ticket ``window`` calls next from ``waiting`` (tickets in state waiting)."""
    order = class_order(rules, window.kind)
    rank = {c: i for i, c in enumerate(order)}
    best: Ticket | None = None
    best_key: tuple[int, float, str] | None = None
    for t in waiting:
        if t.service not in window.services or (t.to_window is not None and t.to_window != window.number):
            continue
        klass = effective_class(t, now, rules)
        if klass is None:
            continue
        key = (rank[klass], t.order_at, t.number)
        if best_key is None or key < best_key:
            best, best_key = t, key
    return best


def can_serve(window: WindowPlan, t: Ticket) -> bool:
    return t.service in window.services and (t.to_window is None or t.to_window == window.number)


def next_state(event_type: str, current: str | None) -> str | None:
    """The state after ``event_type`` from ``current``, or None if that move is illegal."""
    return TRANSITIONS.get(event_type, {}).get(current)
