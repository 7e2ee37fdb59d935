"""Who is ahead of a ticket: the calling rule's own count (server/queue/rules.py ahead_counts), used by
the engine's ticket_issued ``ahead``, the estimator's per-ticket and per-service ``ahead`` and so the
kiosk's printed ticket, the phone page and the staff console."""

from __future__ import annotations

from signage.config.model import Rules

from engine_hall import MORNING, Driver
from server.queue.rules import Ticket, WindowPlan, ahead_counts, ahead_of
from server.sim.estimator import Estimator

RULES = Rules()
NORMAL_ID = WindowPlan(3, frozenset({"id-card"}))
NORMAL_PASSPORT = WindowPlan(4, frozenset({"passport"}))
LOVE_ALL = WindowPlan(1, frozenset({"id-card", "passport"}), "love")


def ticket(tid: str, minute: float, klass: str = "normal", service: str = "id-card", slot_minute: float | None = None,
           to_window: int | None = None) -> Ticket:
    at = MORNING + minute * 60
    return Ticket(id=tid, number=tid.upper(), service=service, klass=klass, issued_at=at, order_at=at,
                  slot=MORNING + slot_minute * 60 if slot_minute is not None else None, to_window=to_window)


def hand_made_queue() -> list[Ticket]:
    return [
        ticket("a1", 0), ticket("a2", 1),                   # 2 normal, before
        ticket("p1", 5, "priority"),                        # priority, issued later
        ticket("g1", 6, "green"),                           # green channel, issued later
        ticket("ap1", 7, "appointment", slot_minute=12),    # due at 10 past (5 minutes early)
        ticket("ap2", 8, "appointment", slot_minute=60),    # an appointment for 10:00: not due yet
        ticket("b1", 2, "priority", service="passport"),    # priority for a service window 3 cannot serve
        ticket("a9", 3),                                    # a normal ticket after mine
    ]


def test_a_normal_ticket_counts_every_class_called_before_it() -> None:
    now = MORNING + 10 * 60
    queue = hand_made_queue()
    mine = ticket("a3", 2)  # issued at 09:02, after a1 and a2
    # 2 normal + 1 priority + 1 green + 1 due appointment; not the appointment for 10:00, not the
    # passport priority ticket (no window of id-card serves passports), not a9 (issued after)
    assert ahead_of(RULES, [NORMAL_ID, NORMAL_PASSPORT], queue, now, mine) == 5
    # the same count for a ticket already in the queue
    assert ahead_counts(RULES, [NORMAL_ID, NORMAL_PASSPORT], queue + [mine], now)["a3"] == 5
    # what was counted before: the same service's tickets issued earlier
    assert sum(1 for t in queue if t.service == mine.service and t.order_at < mine.order_at) == 2


def test_an_appointment_counts_when_it_is_due() -> None:
    queue = hand_made_queue()
    mine = ticket("a3", 2)
    # at 09:56 the 10:00 appointment is due (5 minutes early): it is ahead too
    assert ahead_of(RULES, [NORMAL_ID, NORMAL_PASSPORT], queue, MORNING + 56 * 60, mine) == 6


def test_a_shared_window_brings_other_services_in() -> None:
    now = MORNING + 10 * 60
    mine = ticket("a3", 2)
    queue = hand_made_queue()
    # a love window serving both: the passport priority ticket may be called there before mine
    assert ahead_of(RULES, [NORMAL_ID, NORMAL_PASSPORT, LOVE_ALL], queue, now, mine) == 6
    # but a normal passport ticket is behind mine at that window (issued later), and one issued
    # earlier is ahead of it there
    assert ahead_of(RULES, [NORMAL_ID, LOVE_ALL], queue + [ticket("b2", 4, service="passport")], now, mine) == 6
    assert ahead_of(RULES, [NORMAL_ID, LOVE_ALL], queue + [ticket("b0", 1.5, service="passport")], now, mine) == 7


def test_higher_classes_and_transfers() -> None:
    now = MORNING + 10 * 60
    queue = hand_made_queue()
    plans = [NORMAL_ID, NORMAL_PASSPORT]
    counts = ahead_counts(RULES, plans, queue, now)
    assert counts["g1"] == 0                  # green first
    assert counts["p1"] == 1                  # behind the green ticket only
    assert counts["ap1"] == 2                 # a due appointment: after green and priority
    assert counts["a1"] == 3 and counts["a9"] == 5
    assert counts["ap2"] == 3                 # not due yet: counted as it will be when due (after ap1)
    assert counts["b1"] == 0                  # the passport window has nobody else
    # a ticket transferred to window 4 waits for window 4 only: not ahead at window 3
    moved = ticket("t1", 0, to_window=4)
    assert ahead_counts(RULES, plans, queue + [moved], now)["a1"] == 3


def test_the_engine_and_the_estimator_count_the_same() -> None:
    d = Driver()
    d.at(0); d.issue("id-card"); d.issue("id-card")
    d.at(1); d.issue("id-card", priority="elderly")
    d.at(2); d.issue("id-card", green=True, reason="flight in 3 days")
    d.at(3); d.issue("passport", priority="pregnant")  # window 1 (love, all services) calls it before A-normal
    d.at(4)
    before = d.engine.state.waiting()
    r = d.send("issue", actor="kiosk:1", service="id-card")
    # the old count: the id-card tickets waiting (4); now everyone a window of id-card calls first
    assert sum(1 for t in before if t.service == "id-card") == 4
    assert r.result["ahead"] == 5
    est = Estimator(d.engine.config, seed=1)
    out = est.estimate(d.engine, d.now)
    new = r.result["ticket"]["id"]
    assert out["tickets"][new]["ahead"] == 5
    assert out["services"]["id-card"]["ahead"] == 6  # a new normal ticket now: behind this one too
    # a green ticket goes before the normal ones (and, at the love window, after the priority ones)
    g = d.send("issue", actor="kiosk:1", service="id-card", green=True, reason="school starts Monday")
    assert g.result["ahead"] == 3  # the first green one, and the two priority tickets the love window takes first
