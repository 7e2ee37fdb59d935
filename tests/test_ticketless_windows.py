"""Counters without tickets (``services: []``): a cashier or a photo booth that serves the people
other windows send to it. Pure engine (no I/O), plus loading, estimates and a simulated day."""

from __future__ import annotations

import datetime as dt
import itertools

from conftest import LAYOUTS
from engine_hall import HALL_YAML, Driver, hall_config
from server.hub.hall import naive_estimates
from server.queue.engine import QueueEngine
from server.queue.rules import Ticket, WindowPlan, ahead_counts, can_serve, pick_next, window_plans
from server.sim.estimator import Estimator
from server.sim.simulator import HallDay, Outcome
from server.sim.traffic import load_profile
from signage.config import load_hall_text

CASHIER = "  - {number: 5, label: {zh-Hans: 收费, en: Cashier}, services: [], floor: 1F, position: [5, 1]}\n"
TICKETLESS_YAML = HALL_YAML.replace("floors:\n", CASHIER + "floors:\n", 1)


def driver() -> Driver:
    d = Driver(TICKETLESS_YAML)
    for n in (3, 4, 5):
        assert d.send("open", actor="manager", window=n).ok
    return d


def at_window(d: Driver, number: int) -> str | None:
    t = d.engine.state.windows[number].ticket
    return d.engine.state.tickets[t].number if t else None


# --- the hall file ---------------------------------------------------------------------

def test_a_window_with_no_services_loads_without_a_problem():
    result = load_hall_text(TICKETLESS_YAML, "test-hall.yaml")
    assert result.config is not None, [str(p) for p in result.problems]
    # no problem of its own: the same findings as the hall without it (this small hall has no English)
    base = load_hall_text(HALL_YAML, "test-hall.yaml").problems
    assert [(p.path, p.message) for p in result.problems] == [(p.path, p.message) for p in base]
    config = result.config
    cashier = config.window(5)
    assert cashier.services == [] and config.services_of(cashier) == []
    assert window_plans(config)[5].services == frozenset()


def test_nothing_new_is_offered_at_the_kiosk_nor_on_the_board():
    """A ticketless window adds no service: the kiosk's buttons and the waiting board's rows are the
    services, and the windows it names for a service are those that list it."""
    config = hall_config(TICKETLESS_YAML)
    assert [s.id for s in config.services] == [s.id for s in hall_config().services]
    for s in config.services:
        assert 5 not in [w.number for w in config.windows if s.id in config.services_of(w)]


def test_a_service_still_served_by_no_window_is_still_warned():
    text = TICKETLESS_YAML.replace("  - {number: 4, services: [passport], floor: 1F, position: [4, 1]}\n", "") \
        .replace("kind: love, services: all", "kind: love, services: [id-card]") \
        .replace("kind: green, services: all", "kind: green, services: [id-card]")
    result = load_hall_text(text, "test-hall.yaml")
    assert result.config is not None
    warned = [str(p) for p in result.problems if p.severity == "warning" and "no window serves" in p.message]
    assert len(warned) == 1 and 'no window serves "passport"' in warned[0]


def test_an_unknown_service_at_a_window_is_still_an_error():
    result = load_hall_text(TICKETLESS_YAML.replace("services: []", "services: [cashier]"), "test-hall.yaml")
    assert result.config is None
    assert any('serves unknown service "cashier"' in str(p) for p in result.problems)


# --- the rule, pure ------------------------------------------------------------------------

def _t(i: str, service: str = "id-card", to_window: int | None = None, order: float = 0.0) -> Ticket:
    return Ticket(id=i, number=i.upper(), service=service, klass="normal", issued_at=order, order_at=order,
                  to_window=to_window)


def test_can_serve_a_ticketless_window_takes_only_what_is_sent_to_it():
    cashier, idc = WindowPlan(5, frozenset()), WindowPlan(3, frozenset({"id-card"}))
    assert not can_serve(cashier, _t("a"))
    assert can_serve(cashier, _t("b", to_window=5))
    assert can_serve(cashier, _t("c", service="passport", to_window=5))
    assert not can_serve(cashier, _t("d", to_window=3))
    assert not can_serve(idc, _t("b", to_window=5))
    assert can_serve(idc, _t("a")) and can_serve(idc, _t("e", to_window=3))
    # a window with services still takes only its services, even sent to it
    assert not can_serve(idc, _t("f", service="passport", to_window=3))


def test_pick_next_at_a_ticketless_window():
    rules = hall_config(TICKETLESS_YAML).rules
    cashier = WindowPlan(5, frozenset())
    waiting = [_t("a", order=1), _t("b", service="passport", to_window=5, order=3), _t("c", to_window=5, order=2)]
    assert pick_next(rules, cashier, waiting, 10.0).id == "c"  # the longest wait of those sent to it
    assert pick_next(rules, cashier, waiting[:1], 10.0) is None
    assert pick_next(rules, WindowPlan(3, frozenset({"id-card"})), waiting, 10.0).id == "a"


def test_ahead_at_a_ticketless_window_counts_only_those_sent_to_it():
    plans = [WindowPlan(3, frozenset({"id-card"})), WindowPlan(4, frozenset({"passport"})), WindowPlan(5, frozenset())]
    rules = hall_config(TICKETLESS_YAML).rules
    waiting = [_t("a", order=1), _t("b", to_window=5, order=2), _t("c", service="passport", to_window=5, order=3)]
    assert ahead_counts(rules, plans, waiting, 10.0) == {"a": 0, "b": 0, "c": 1}


# --- the engine ----------------------------------------------------------------------------

def test_call_next_with_nothing_sent_says_so():
    d = driver()
    d.issue("id-card")
    decision = d.send("call_next", actor="window:5", window=5)
    assert decision.refusal.code == "nothing_waiting"
    assert "transferred to window 5" in decision.refusal.message
    assert d.call_next(3) == "A001"  # the ticket was not taken by the cashier


def test_a_ticket_transferred_to_the_cashier_is_called_there_only():
    d = driver()
    d.at(0); d.issue("id-card")
    d.at(1); d.issue("id-card")
    d.at(2)
    assert d.call_next(3) == "A001"
    moved = d.send("transfer", actor="window:3", window=3, to_window=5)
    assert moved.ok, moved.refusal
    assert d.log[-1]["to_service"] == "id-card" and d.log[-1]["to_window"] == 5
    assert d.call_next(3) == "A002"        # window 3 goes on with its queue, not with A001
    assert d.call_next(1) is None          # nor does a window serving all
    assert d.call_next(5) == "A001"        # the cashier calls it
    assert d.send("complete", actor="window:5", window=5).ok
    assert d.engine.state.windows[5].served == 1
    assert d.call_next(5) is None


def test_transfer_to_a_ticketless_window_with_another_service_and_back():
    d = driver()
    d.issue("id-card")
    assert d.call_next(3) == "A001"
    assert d.send("transfer", actor="window:3", window=3, service="passport", to_window=5).ok
    t = d.engine.state.tickets[d.engine.state.numbers["A001"]]
    assert (t.service, t.to_window, t.state) == ("passport", 5, "waiting")
    assert d.call_next(4) is None          # the passport window does not take it: it was sent to 5
    assert d.call_next(5) == "A001"
    # The cashier sends it back to the passport counters (any of them).
    assert d.send("transfer", actor="window:5", window=5, service="passport").ok
    assert d.call_next(5) is None
    assert d.call_next(4) == "A001"


def test_the_cashier_can_call_out_of_order_only_what_was_sent_to_it():
    d = driver()
    d.at(0); d.issue("id-card")
    d.at(1); d.issue("id-card")
    assert d.call_next(3) == "A001"
    assert d.send("transfer", actor="window:3", window=3, to_window=5).ok
    assert d.refusal("call", actor="window:5", window=5, ticket="A002") == "not_for_this_window"
    assert d.send("call", actor="window:5", window=5, ticket="A001").ok
    assert at_window(d, 5) == "A001"


def test_transfer_rules_for_windows_with_services_are_unchanged():
    d = driver()
    d.issue("id-card")
    assert d.call_next(3) == "A001"
    decision = d.send("transfer", actor="window:3", window=3, to_window=4)
    assert decision.refusal.code == "bad_transfer" and "does not serve id-card" in decision.refusal.message


def test_pause_resume_close_and_a_new_day_at_the_cashier():
    d = driver()
    assert d.send("pause", actor="window:5", window=5, reason="午休", until="13:00").ok
    assert d.refusal("call_next", actor="window:5", window=5) == "window_paused"
    assert d.send("resume", actor="window:5", window=5).ok
    d.issue("id-card")
    d.call_next(3)
    d.send("transfer", actor="window:3", window=3, to_window=5)
    d.call_next(5)
    assert d.refusal("close", actor="window:5", window=5) == "window_busy"
    assert d.send("complete", actor="window:5", window=5).ok
    assert d.send("close", actor="window:5", window=5).ok
    view = d.engine.public_view()
    assert view["windows"]["5"]["state"] == "closed" and view["windows"]["5"]["served"] == 1
    assert set(view["waiting"]) == {"id-card", "passport"}  # no row of its own
    d.at(24 * 60)
    d.issue("id-card")  # a new day: nothing of the cashier's is left over
    assert d.call_next(5) is None


def test_the_log_replays_with_a_ticketless_window():
    d = driver()
    d.issue("id-card")
    d.call_next(3)
    d.send("transfer", actor="window:3", window=3, to_window=5)
    d.call_next(5)
    fresh = QueueEngine(hall_config(TICKETLESS_YAML))
    for seq, e in enumerate(d.log, 1):
        fresh.apply(e, seq)
    assert fresh.state.tickets[fresh.state.windows[5].ticket].number == "A001"
    assert fresh.public_view() == d.engine.public_view()


# --- estimates and the simulator -----------------------------------------------------------

def test_estimates_with_a_ticket_at_the_cashier_and_none():
    d = driver()
    d.at(0); d.issue("id-card")
    d.at(1); d.issue("id-card")
    d.at(2)
    d.call_next(3)
    d.send("transfer", actor="window:3", window=3, to_window=5)
    engine = d.engine
    tid = engine.state.numbers["A001"]
    out = Estimator(engine.config, seed=1).estimate(engine, d.now)
    assert set(out["services"]) == {"id-card", "passport"}
    assert out["tickets"][tid]["ahead"] == 0 and out["tickets"][tid]["minutes"] is not None
    naive = naive_estimates(engine, d.now)
    assert set(naive["services"]) == {"id-card", "passport"}
    # With nothing sent to it, the open cashier changes nobody's estimate.
    e = driver()
    e.issue("id-card")
    plain = Driver()
    for n in (3, 4):
        plain.send("open", actor="manager", window=n)
    plain.issue("id-card")
    a = Estimator(e.engine.config, seed=2).estimate(e.engine, e.now)
    b = Estimator(plain.engine.config, seed=2).estimate(plain.engine, plain.now)
    for sid in ("id-card", "passport"):
        keep = ("waiting", "ahead", "closed_until")
        assert {k: a["services"][sid][k] for k in keep} == {k: b["services"][sid][k] for k in keep}
    assert a["services"]["id-card"]["minutes"] is not None


def test_a_simulated_day_with_a_cashier_nobody_is_sent_to():
    text = (LAYOUTS / "reference.yaml").read_text(encoding="utf-8")
    line = "  - {number: 6, services: [exit-entry, traffic], floor: 1F, position: [18, 9]}\n"
    assert line in text
    text = text.replace(line, line + "  - {number: 7, services: [], floor: 1F, position: [19.5, 9]}\n")
    result = load_hall_text(text, "reference.yaml")
    assert result.config is not None, [str(p) for p in result.problems]
    config = result.config
    profile = load_profile(LAYOUTS / "reference.traffic.yaml", config).profile
    engine, ids, refusals = QueueEngine(config), itertools.count(1), set()
    gen = HallDay(config, profile, dt.date(2026, 11, 23), seed=5).steps()
    try:
        step = next(gen)
        while True:
            decision = engine.execute(step.command, step.at, step.actor, lambda: f"t{next(ids)}")
            if not decision.ok:
                refusals.add((step.command.type, decision.refusal.code))
            step = gen.send(Outcome.of(decision))
    except StopIteration as stop:
        day = stop.value
    assert refusals <= {("call_next", "nothing_waiting")}
    assert day.windows[7].served == 0 and sum(w.served for w in day.windows.values()) > 100
