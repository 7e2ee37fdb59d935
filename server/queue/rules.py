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
class. A ticket transferred to a given window waits for that window only. A
window that serves no ticketed service (``services: []``: a cashier, a photo
booth) calls only the tickets transferred to it, whatever their service.

How many are ahead of a ticket (:func:`ahead_counts`, :func:`ahead_of`) follows the
same rule: the waiting tickets that some window able to serve it would call before
it (higher classes waiting now, due appointments, longer waits of its own class),
whatever their service, when that window can serve them too. An appointment not
yet due is not ahead of anyone (until it is due). The engine's ``ticket_issued``
``ahead``, the estimator's per-ticket and per-service ``ahead`` and so the kiosk's
printed ticket, the phone page and the staff console all count with it.
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
        if not can_serve(window, t):
            continue
        klass = effective_class(t, now, rules)
        if klass is None:
            continue
        key = (rank[klass], t.order_at, t.number)
        if best_key is None or key < best_key:
            best, best_key = t, key
    return best


def can_serve(window: WindowPlan, t: Ticket) -> bool:
    """Whether ``window`` may call ``t``: a ticket of its services (sent to no window or to this
    one), or, at a window without ticketed services (a cashier), a ticket transferred to it."""
    if t.to_window is not None and t.to_window != window.number:
        return False
    return t.service in window.services or (not window.services and t.to_window == window.number)


def _scope_windows(plans: Iterable[WindowPlan], t: Ticket) -> list[WindowPlan]:
    return [w for w in plans if can_serve(w, t)]


def ahead_counts(rules: Rules, plans: Iterable[WindowPlan], waiting: Iterable[Ticket], now: float,
                 targets: Iterable[Ticket] | None = None) -> dict[str, int]:
    """For each of ``targets`` (default: every ticket of ``waiting``), how many tickets of
    ``waiting`` are ahead of it: those that a window able to serve it would call before it
    by :func:`pick_next`'s rule (the union over those windows). A target need not be in
    ``waiting`` (a ticket being issued). A target no window serves is counted as at a
    normal window serving its service alone."""
    plans = list(plans)
    waiting = list(waiting)
    targets = waiting if targets is None else list(targets)
    ranks: dict[str, dict[str, int]] = {}

    def rank_of(kind: str) -> dict[str, int]:
        if kind not in ranks:
            ranks[kind] = {c: i for i, c in enumerate(class_order(rules, kind))}
        return ranks[kind]

    # Each waiting ticket's class now (None: an appointment not yet due, which no window calls).
    live = [(t, effective_class(t, now, rules)) for t in waiting]
    live = [(t, c) for t, c in live if c is not None]
    # The windows of each (service, to_window) "scope": one look-up per kind of ticket, not per ticket.
    scope_plans: dict[tuple[str, int | None], list[WindowPlan]] = {}

    def windows_of(t: Ticket) -> list[WindowPlan]:
        key = (t.service, t.to_window)
        if key not in scope_plans:
            ws = _scope_windows(plans, t)
            scope_plans[key] = ws or [WindowPlan(t.to_window or 0, frozenset({t.service}))]
        return scope_plans[key]

    # For a (target scope, other scope) pair: the kinds of the windows that serve both.
    shared: dict[tuple, tuple[str, ...]] = {}
    out: dict[str, int] = {}
    for me in targets:
        mine = windows_of(me)
        my_class = effective_class(me, now, rules) or "appointment"  # not yet due: as when it is
        my_key = (me.order_at, me.number)
        my_rank = {kind: rank_of(kind)[my_class] for kind in {w.kind for w in mine}}
        n = 0
        for t, klass in live:
            if t.id == me.id:
                continue
            pair = ((me.service, me.to_window), (t.service, t.to_window))
            kinds = shared.get(pair)
            if kinds is None:
                kinds = tuple(sorted({w.kind for w in mine if can_serve(w, t)}))
                shared[pair] = kinds
            for kind in kinds:
                r = rank_of(kind)[klass]
                if r < my_rank[kind] or (r == my_rank[kind] and (t.order_at, t.number) < my_key):
                    n += 1
                    break
        out[me.id] = n
    return out


def ahead_of(rules: Rules, plans: Iterable[WindowPlan], waiting: Iterable[Ticket], now: float, ticket: Ticket) -> int:
    """How many of ``waiting`` a window serving ``ticket`` would call before it (:func:`ahead_counts`)."""
    return ahead_counts(rules, plans, waiting, now, [ticket])[ticket.id]


def next_state(event_type: str, current: str | None) -> str | None:
    """The state after ``event_type`` from ``current``, or None if that move is illegal."""
    return TRANSITIONS.get(event_type, {}).get(current)
