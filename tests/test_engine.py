"""The queue rules, table by table, with an injected clock. No I/O."""

from __future__ import annotations

import pytest

from server.queue.engine import QueueEngine
from engine_hall import Driver


def test_numbers_per_service_per_day_and_restart_next_day():
    d = Driver()
    assert [d.issue("id-card"), d.issue("id-card"), d.issue("passport")] == ["A001", "A002", "B001"]
    d.at(24 * 60)  # 09:00 the next day
    assert d.issue("id-card") == "A001"
    # the hall closes at night: yesterday's queue was cancelled, not carried
    assert all(t.state == "cancelled" or t.number == "A001" for t in d.engine.state.tickets.values())


def test_width_is_configurable():
    from engine_hall import HALL_YAML
    d = Driver(HALL_YAML.replace("timezone: Asia/Shanghai", "timezone: Asia/Shanghai\n  ticket_digits: 4"))
    assert d.issue() == "A0001"


@pytest.mark.parametrize("issued, window, expected", [
    # (service, fields) issued one minute apart; the window; the order it calls them
    ([("id-card", {}), ("id-card", {"priority": "elderly"})], 3, ["A002", "A001"]),
    ([("id-card", {"priority": "elderly"}), ("id-card", {"green": True, "reason": "flight in 3 days"})], 3, ["A002", "A001"]),
    ([("id-card", {}), ("id-card", {})], 3, ["A001", "A002"]),
    # the love window takes priority tickets before green ones
    ([("id-card", {"green": True, "reason": "flight in 3 days"}), ("id-card", {"priority": "pregnant"})], 1, ["A002", "A001"]),
    # the green window takes green first even over priority
    ([("id-card", {"priority": "military"}), ("id-card", {"green": True, "reason": "flight in 3 days"})], 2, ["A002", "A001"]),
    # a window calls across all its services by the same rule
    ([("passport", {}), ("id-card", {})], 1, ["B001", "A001"]),
])
def test_calling_order(issued, window, expected):
    d = Driver()
    for i, (service, fields) in enumerate(issued):
        d.at(i)
        d.issue(service, **fields)
    d.at(10)
    assert [d.call_next(window) for _ in expected] == expected


def test_appointment_called_from_minutes_before_slot_and_before_normal():
    d = Driver()
    d.at(0); d.issue("id-card")
    d.at(1); d.issue("id-card", appointment="X1", slot="09:30")
    d.at(2)
    assert d.call_next(3) == "A001"          # 09:02: the appointment is not due yet
    d.at(3); d.issue("id-card")
    d.at(25)                                  # 09:25 = slot - 5 min: due
    assert d.call_next(3) == "A002"
    assert d.call_next(3) == "A003"


def test_starvation_moves_a_long_wait_up():
    d = Driver()
    d.at(0); d.issue("id-card")
    d.at(61); d.issue("id-card", priority="elderly")
    d.at(62)
    # A001 waited 62 min > 60: it joined the priority class and waited longest
    assert d.call_next(3) == "A001"


def test_window_serves_only_its_services():
    d = Driver()
    d.issue("passport")
    assert d.call_next(3) is None
    assert d.refusal("call_next", window=3) == "nothing_waiting"
    assert d.call_next(4) == "B001"


def test_next_completes_the_citizen_at_the_counter():
    d = Driver()
    d.issue(); d.issue()
    d.call_next(3)
    d.at(4)
    decision = d.send("call_next", window=3)
    assert decision.result["events"] == ["ticket_completed", "ticket_called"]
    completed = [e for e in d.log if e["type"] == "ticket_completed"][0]
    assert completed["service_seconds"] == 240


@pytest.mark.parametrize("setup, cmd, fields, code", [
    ([], "call_next", {"window": 3}, "nothing_waiting"),
    ([], "call_next", {"window": 99}, "unknown_window"),
    ([], "recall", {"window": 3}, "nothing_called"),
    ([], "skip", {"window": 3}, "nothing_called"),
    ([], "complete", {"window": 3}, "nothing_called"),
    ([], "issue", {"service": "visa"}, "unknown_service"),
    ([], "resume", {"window": 3}, "not_paused"),
    ([("pause", {"window": 3, "reason": "午休"})], "call_next", {"window": 3}, "window_paused"),
    ([("pause", {"window": 3})], "pause", {"window": 3}, "already_paused"),
    ([("issue", {"service": "id-card"}), ("call_next", {"window": 3})], "pause", {"window": 3}, "window_busy"),
    ([("issue", {"service": "id-card"}), ("call_next", {"window": 3})], "close", {"window": 3}, "window_busy"),
    ([("issue", {"service": "id-card"})], "call", {"window": 4, "ticket": "A001"}, "not_for_this_window"),
    ([], "call", {"window": 3, "ticket": "A404"}, "unknown_ticket"),
    ([("issue", {"service": "id-card"})], "requeue", {"window": 3, "ticket": "A001"}, "not_skipped"),
    ([("issue", {"service": "id-card"}), ("call_next", {"window": 3})], "transfer", {"window": 3}, "bad_transfer"),
    ([("issue", {"service": "id-card"}), ("call_next", {"window": 3})], "transfer", {"window": 3, "to_window": 4}, "bad_transfer"),
    ([("issue", {"service": "id-card"}), ("call_next", {"window": 3})], "transfer", {"window": 3, "service": "visa"}, "unknown_service"),
    ([("issue", {"service": "id-card"}), ("call_next", {"window": 3}), ("start", {"window": 3})], "skip", {"window": 3}, "already_serving"),
    ([], "clear_notice", {}, "no_notice"),
    ([], "set_notice", {"text": {"zh-Hans": "停电"}, "screens": ["nowhere"]}, "unknown_screen"),
    ([], "set_messages", {"messages": [{"text": {"xx": "?"}}]}, "bad_messages"),
])
def test_refusals_name_the_rule_and_change_nothing(setup, cmd, fields, code):
    d = Driver()
    for c, f in setup:
        assert d.send(c, **f).ok
    before = d.engine.state.to_json()
    assert d.refusal(cmd, **fields) == code
    assert d.engine.state.to_json() == before


def test_hall_closed_outside_opening_hours():
    d = Driver()
    d.at(-60)  # 08:00, opens 08:30
    assert d.refusal("issue", service="id-card") == "hall_closed"


def test_recall_counted_with_a_limit():
    d = Driver()
    d.issue(); d.call_next(3)
    assert d.send("recall", window=3).result["events"] == ["ticket_recalled"]
    assert d.send("recall", window=3).ok
    assert d.refusal("recall", window=3) == "recall_limit"
    assert d.engine.state.recent_calls[0]["recall"] == 2


def test_skip_then_requeue_behind_two():
    d = Driver()
    for i in range(5):
        d.at(i / 10)
        d.issue()
    d.at(1)
    assert d.call_next(3) == "A001"
    d.send("skip", window=3)
    d.at(10)
    assert d.send("requeue", window=3, ticket="A001").ok
    assert [d.call_next(3) for _ in range(4)] == ["A002", "A003", "A001", "A004"]


def test_requeue_too_late_is_refused():
    d = Driver()
    d.issue(); d.call_next(3); d.send("skip", window=3)
    d.at(31)
    assert d.refusal("requeue", window=3, ticket="A001") == "requeue_expired"


def test_transfer_keeps_issue_time_and_can_target_a_window():
    d = Driver()
    d.at(0); d.issue("id-card")
    d.at(1); d.issue("passport")
    d.at(2)
    assert d.call_next(3) == "A001"
    assert d.send("transfer", window=3, service="passport").ok
    # A001 keeps its place (issued 09:00), ahead of B001 (09:01)
    assert d.call_next(4) == "A001"
    d.send("transfer", window=4, to_window=1)
    assert d.call_next(2) == "B001"   # window 2 may not take A001: it was sent to window 1
    assert d.call_next(2) is None
    assert d.call_next(1) == "A001"


def test_idempotent_requests():
    d = Driver()
    d.issue(); d.issue()
    first = d.send("call_next", actor="window:3", rid="click-1", window=3)
    again = d.send("call_next", actor="window:3", rid="click-1", window=3)
    assert again.duplicate and again.result == first.result and again.events == []
    # a double click on skip skips one ticket
    d.send("skip", actor="window:3", rid="s-1", window=3)
    d.send("skip", actor="window:3", rid="s-1", window=3)
    assert sum(e["type"] == "ticket_skipped" for e in d.log) == 1
    # the same id for another command is a mistake, not a retry
    assert d.send("recall", actor="window:3", rid="s-1", window=3).refusal.code == "duplicate_id"


def test_two_windows_never_get_the_same_ticket():
    d = Driver()
    d.issue()
    assert d.call_next(1) == "A001"
    assert d.call_next(3) is None


def test_pause_resume_and_closed_window_opens_on_call():
    d = Driver()
    assert d.engine.public_view()["windows"]["3"]["state"] == "closed"
    d.issue(); d.call_next(3)
    assert d.engine.public_view()["windows"]["3"]["state"] == "open"
    d.send("complete", window=3)
    d.send("pause", window=3, reason="午休", until="13:00")
    w = d.engine.public_view()["windows"]["3"]
    assert (w["state"], w["reason"], w["until"]) == ("paused", "午休", "13:00")
    d.send("resume", window=3)
    assert d.engine.public_view()["windows"]["3"]["state"] == "open"


def test_rating_attaches_the_last_completed_ticket():
    d = Driver()
    d.issue(); d.call_next(3); d.send("complete", window=3)
    d.send("rate", window=3, score=1, attitude=2)
    rated = d.log[-1]
    assert rated["type"] == "rated" and rated["ticket"]["number"] == "A001" and rated["score"] == 1


def test_replay_gives_the_same_state():
    d = Driver()
    for i in range(6):
        d.at(i); d.issue("id-card" if i % 2 else "passport", priority="elderly" if i == 3 else None)
    d.at(7); d.call_next(3); d.call_next(4); d.send("skip", window=4)
    d.at(8); d.send("requeue", window=4, ticket="B001"); d.send("transfer", window=3, service="passport")
    d.send("set_notice", text={"zh-Hans": "系统维护"}); d.send("pause", window=1, reason="午休")
    replayed = QueueEngine(d.engine.config)
    for seq, e in enumerate(d.log, start=1):
        replayed.apply(e, seq)
    assert replayed.state.to_json() == d.engine.state.to_json()
    assert replayed.public_view() == d.engine.public_view()


def test_snapshot_round_trip():
    d = Driver()
    d.issue(); d.call_next(3)
    from server.queue.engine import HallState
    assert HallState.from_json(d.engine.state.to_json()).to_json() == d.engine.state.to_json()


def test_a_service_is_rated_once_and_only_by_its_own_window():
    d = Driver()
    assert d.refusal("rate", window=3, score=4) == "nothing_to_rate"  # nothing served yet
    d.issue(); d.issue()
    d.call_next(3)
    assert d.refusal("rate", window=3, score=4) == "nothing_to_rate"  # A001 is still at the counter
    d.send("complete", window=3)
    assert d.send("rate", window=3, score=4).ok
    assert d.refusal("rate", window=3, score=1) == "already_rated"    # the pad cannot be pressed again
    d.call_next(3); d.send("complete", window=3)                       # A002, served at window 3 too
    a002 = [e for e in d.log if e["type"] == "ticket_completed"][-1]["ticket"]["id"]
    assert d.refusal("rate", window=1, score=1, ticket=a002) == "not_served_here"  # another window's work
    again = d.send("rate", window=3, score=3, rid="tap", ticket=a002)
    assert again.ok and d.send("rate", window=3, score=3, rid="tap", ticket=a002).duplicate  # a resend: same answer
    assert sum(e["type"] == "rated" for e in d.log) == 2


def test_green_and_priority_carry_their_reason_in_the_log() -> None:
    from signage.events import on_the_wire
    d = Driver()
    r = d.send("issue", actor="guide:entrance", service="id-card", green=True)
    assert r.refusal.code == "reason_required" and "reason" in r.refusal.message and not r.events
    assert d.refusal("issue", service="id-card", green=True, reason="   ") == "reason_required"
    assert d.refusal("issue", service="id-card", reason="just because") == "bad_reason"  # a normal ticket has none
    r = d.send("issue", actor="guide:entrance", service="id-card", green=True, reason="出境航班 3 天后")
    assert r.ok and r.result["ticket"]["class"] == "green"
    issued = d.log[-1]
    assert issued["reason"] == "出境航班 3 天后" and issued["actor"] == "guide:entrance" and issued["command"] == "issue"
    assert "reason" not in on_the_wire(issued)  # the urgent case stays in the log
    d.send("issue", actor="window:3", service="id-card", priority="disabled", reason="wheelchair")
    assert d.log[-1]["reason"] == "wheelchair" and d.log[-1]["ticket"]["class"] == "priority"
    d.issue("id-card", priority="elderly")
    assert "reason" not in d.log[-1]  # a priority ticket's category may be reason enough
    # the text rule holds for the reason like for every text a client sends
    import json
    from signage import protocol as p
    import pytest
    with pytest.raises(p.ProtocolError, match="reason"):
        p.parse_client(json.dumps({"type": "issue", "id": "x", "service": "id-card", "green": True,
                                   "reason": "flight\u0007"}))
