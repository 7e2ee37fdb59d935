"""The queue engine's answers to the letter: the tests a mutation run asked for.

A mutation run of server/queue/rules.py and server/queue/engine.py (docs/architecture.md,
Mutation testing) changed the code one operator, string or argument at a time; each change
that no test noticed is pinned here: every refusal's code, message and rule; the exact events
of each command and what they fold into (the public view, the snapshot); and the corners of the
rules (a requeue behind tickets issued less than a second apart, a new day at a busy window, a
hall whose class order puts green last). No I/O; the clock is an argument.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import sys

import pytest

from engine_hall import HALL_YAML, MORNING, TZ, Driver, hall_config
from server.queue import engine as engine_module
from server.queue.engine import QueueEngine, ReplayError
from server.queue.rules import Ticket, WindowPlan, ahead_counts, next_state
from signage import protocol as p
from signage.config import load_hall
from conftest import LAYOUTS

HALL = HALL_YAML.replace("{id: passport, prefix: B, group: household, minutes: 6, name: 护照}",
                         "{id: passport, prefix: B, group: household, minutes: 6, name: 护照, appointments: true}")
ALL_DAY = HALL.replace('  hours:\n    - {open: "08:30", close: "17:30"}', '  hours: "24h"')
TODAY, TOMORROW = "2026-11-23", "2026-11-24"

ISSUE = ("issue", {"service": "id-card"})
CALL3 = ("call_next", {"window": 3})
BOOK = ("book", {"appointments": [{"code": "AB-1", "service": "passport", "slot": "10:00"}]})


def at_local(hh: int, mm: int, ss: float = 0.0, day: int = 23) -> float:
    return dt.datetime(2026, 11, day, hh, mm, tzinfo=TZ).timestamp() + ss


def rules(text: str, **changes) -> str:
    """``text`` with some of its ``rules:`` changed."""
    for key, value in changes.items():
        text, n = re.subn(rf"(\n  {key}: )[^\n]*", rf"\g<1>{value}", text)
        assert n == 1, key
    return text


def stamp(events: list[dict], rid: str, actor: str, command: str) -> list[dict]:
    """``events`` as ``decide`` records them for one request."""
    return [{**e, "request": rid, "actor": actor, "command": command} for e in events]


# --- every refusal: its code, its message and the rule it names ---------------------------------

REFUSALS = [
    ([], "issue", {"service": "id-card", "green": True}, "reason_required",
     "a green-channel ticket needs a reason: say what the urgent case is (reason, e.g. 'flight in 3 days', "
     "'school starts Monday')", "issue.reason"),
    ([], "issue", {"service": "id-card", "priority": "vip"}, "unknown_priority",
     'no priority category "vip" in this hall (priority.categories: elderly, disabled, pregnant, infant, military, '
     "other)", "priority.categories"),
    ([], "issue", {"service": "id-card", "reason": "in a hurry"}, "bad_reason",
     "a reason goes with a green-channel (green) or priority ticket only; a normal ticket has none", "issue.reason"),
    ([BOOK], "issue", {"service": "id-card", "appointment": "ab-1"}, "wrong_service",
     "appointment AB-1 is for passport, not id-card: issue it for passport or use check_in", ""),
    ([], "call_next", {"window": 99}, "unknown_window", "window 99 is not in the hall file", ""),
    ([], "issue", {"service": "visa"}, "unknown_service", 'no service "visa" in this hall (services: id-card, passport)', ""),
    ([], "book", {"appointments": [{"code": "X", "service": "visa", "slot": "10:00"}]}, "unknown_service",
     'appointments[0].service: no service "visa" in this hall (services: id-card, passport)', ""),
    ([], "book", {"appointments": [{"code": "X", "service": "id-card", "slot": "10:00"}]}, "no_appointments",
     'appointments[0].service: "id-card" takes no appointments (appointments: true for it in the hall file)',
     "services.appointments"),
    ([], "book", {"appointments": [{"code": "X", "service": "passport", "slot": "10:00", "day": "2026-11-01"}]},
     "bad_appointment", "appointments[0].day: 2026-11-01 has passed (today is 2026-11-23)", ""),
    ([BOOK, ("check_in", {"code": "ab-1"})], "book", {"appointments": [{"code": "ab-1", "service": "passport", "slot": "11:00"}]},
     "already_checked_in", "appointments[0].code: AB-1 has checked in already; it cannot be booked again", ""),
    ([], "book", {"appointments": [{"code": "X", "service": "passport", "slot": "10:00"},
                                   {"code": "x", "service": "passport", "slot": "11:00"}]},
     "bad_appointment", "appointments[1].code: X is in the list twice", ""),
    ([], "check_in", {"code": "nope"}, "unknown_appointment",
     'no appointment "NOPE": check the code in the booking message, or take a normal ticket', ""),
    ([("book", {"appointments": [{"code": "T1", "service": "passport", "slot": "10:00", "day": TOMORROW}]})],
     "check_in", {"code": "t1"}, "wrong_day", "appointment T1 is for 2026-11-24, not today (2026-11-23)", ""),
    ([BOOK, ("check_in", {"code": "AB-1"})], "check_in", {"code": "ab-1"}, "already_checked_in",
     "appointment AB-1 has checked in already (ticket B001)", ""),
    ([ISSUE], "cancel_tickets", {"service": "Z", "from": 1, "to": 3, "reason": "x"}, "unknown_service",
     'no service or ticket letter "Z" in this hall (services: id-card (A), passport (B))', ""),
    ([ISSUE], "cancel_tickets", {"service": "id-card", "from": 2, "to": 2, "reason": "x"}, "nothing_to_cancel",
     "no waiting or skipped ticket A002 today", ""),
    ([ISSUE], "cancel_tickets", {"service": "id-card", "from": 2, "to": 5, "reason": "x"}, "nothing_to_cancel",
     "no waiting or skipped ticket A002-A005 today", ""),
    ([ISSUE, ISSUE, CALL3, ("call_next", {"window": 1})], "cancel_tickets",
     {"service": "id-card", "from": 1, "to": 2, "reason": "x"}, "nothing_to_cancel",
     "no waiting or skipped ticket A001-A002 today; A001 (window 3), A002 (window 1): at a window, finished there "
     "(complete or skip)", ""),
    ([("pause", {"window": 3, "reason": "午休"})], "call_next", {"window": 3}, "window_paused",
     "window 3 is paused (午休); resume it first", ""),
    ([("pause", {"window": 3})], "call_next", {"window": 3}, "window_paused",
     "window 3 is paused (no reason given); resume it first", ""),
    ([], "call_next", {"window": 3}, "nothing_waiting", "no ticket is waiting for the services of window 3", ""),
    ([ISSUE, ("pause", {"window": 3})], "call", {"window": 3, "ticket": "A001"}, "window_paused",
     "window 3 is paused; resume it first", ""),
    ([], "call", {"window": 3, "ticket": "A404"}, "unknown_ticket", 'no ticket "A404" today', ""),
    ([ISSUE, CALL3], "call", {"window": 1, "ticket": "A001"}, "ticket_not_waiting", "A001 is called, not waiting", ""),
    ([ISSUE], "call", {"window": 4, "ticket": "A001"}, "not_for_this_window", "window 4 does not serve A001 (id-card)", ""),
    ([], "recall", {"window": 3}, "nothing_called", "window 3 has no ticket called", ""),
    ([ISSUE, CALL3, ("recall", {"window": 3}), ("recall", {"window": 3})], "recall", {"window": 3}, "recall_limit",
     "A001 was called again 2 times; skip it as a no-show", "rules.recall_limit"),
    ([ISSUE, CALL3, ("start", {"window": 3})], "start", {"window": 3}, "already_serving", "A001 is already being served", ""),
    ([ISSUE, CALL3, ("start", {"window": 3})], "skip", {"window": 3}, "already_serving",
     "A001 is being served; complete it instead of skipping", ""),
    ([], "requeue", {"window": 3, "ticket": "A404"}, "unknown_ticket", 'no ticket "A404" today', ""),
    ([ISSUE], "requeue", {"window": 3, "ticket": "A001"}, "not_skipped",
     "A001 is waiting; only a skipped ticket can be requeued", ""),
    ([ISSUE, CALL3, ("skip", {"window": 3}), ("at", 31)], "requeue", {"window": 3, "ticket": "A001"}, "requeue_expired",
     "A001 was skipped more than 30 minutes ago; take a new ticket", "rules.requeue_within_minutes"),
    ([ISSUE, CALL3], "transfer", {"window": 3}, "bad_transfer", "say where to: a service, a window, or both", ""),
    ([ISSUE, CALL3], "transfer", {"window": 3, "service": "visa"}, "unknown_service", 'no service "visa" in this hall', ""),
    ([ISSUE, CALL3], "transfer", {"window": 3, "to_window": 99}, "unknown_window", "window 99 is not in the hall file", ""),
    ([ISSUE, CALL3], "transfer", {"window": 3, "to_window": 4}, "bad_transfer", "window 4 does not serve id-card", ""),
    ([ISSUE, CALL3], "transfer", {"window": 3, "to_window": 3}, "bad_transfer", "that is where the ticket already is", ""),
    ([ISSUE, CALL3], "pause", {"window": 3}, "window_busy", "A001 is at window 3: complete or skip it before pausing", ""),
    ([("pause", {"window": 3})], "pause", {"window": 3}, "already_paused", "window 3 is already paused", ""),
    ([], "resume", {"window": 3}, "not_paused", "window 3 is not paused", ""),
    ([("open", {"window": 3})], "open", {"window": 3}, "already_open", "window 3 is already open", ""),
    ([ISSUE, CALL3], "close", {"window": 3}, "window_busy", "A001 is at window 3: complete or skip it before closing", ""),
    ([], "close", {"window": 3}, "already_closed", "window 3 is already closed", ""),
    ([], "rate", {"window": 3, "score": 4, "ticket": "A404"}, "unknown_ticket", 'no ticket "A404" today', ""),
    ([], "rate", {"window": 3, "score": 4}, "nothing_to_rate", "window 3 has completed no service today to rate", ""),
    ([ISSUE, CALL3, ("complete", {"window": 3})], "rate", {"window": 1, "score": 4, "ticket": "A001"}, "not_served_here",
     "A001 was not served at window 1", ""),
    ([ISSUE, CALL3, ("complete", {"window": 3}), ("rate", {"window": 3, "score": 4})], "rate", {"window": 3, "score": 4},
     "already_rated", "A001 has been rated already", ""),
    ([], "set_notice", {"text": {}}, "bad_notice", "a notice needs text in at least one language", ""),
    ([], "set_notice", {"text": {"zh-Hans": "停电"}, "screens": ["nowhere", "elsewhere"]}, "unknown_screen",
     "no screen nowhere, elsewhere in this hall", ""),
    ([], "clear_notice", {}, "no_notice", "there is no notice to clear", ""),
]


@pytest.mark.parametrize("setup, cmd, fields, code, message, rule", REFUSALS,
                         ids=[f"{r[1]}-{r[3]}-{i}" for i, r in enumerate(REFUSALS)])
def test_every_refusal_names_its_code_its_reason_and_its_rule(setup, cmd, fields, code, message, rule):
    d = Driver(HALL)
    for c, f in setup:
        if c == "at":
            d.at(f)
        else:
            assert d.send(c, **f).ok, (c, f)
    before = d.engine.state.to_json()
    refused = d.send(cmd, **fields)
    assert refused.refusal is not None, f"{cmd} {fields} was accepted: {refused.events}"
    assert (refused.refusal.code, refused.refusal.message, refused.refusal.rule) == (code, message, rule)
    assert refused.events == [] and d.engine.state.to_json() == before


def test_a_bad_message_names_where_it_is_wrong():
    refused = Driver().send("set_messages", messages=[{"text": {"xx": "?"}}])
    assert refused.refusal.code == "bad_messages"
    assert refused.refusal.message.startswith("messages[0].text.xx.[key]: "), refused.refusal.message


def test_the_same_request_id_for_another_command_is_refused_by_name():
    d = Driver()
    d.issue(); d.call_next(3)
    assert d.send("skip", actor="window:3", rid="s-1", window=3).ok
    refused = d.send("recall", actor="window:3", rid="s-1", window=3)
    assert (refused.refusal.code, refused.refusal.message) == (
        "duplicate_id", 'request id "s-1" was already used for a skip command')


@pytest.mark.parametrize("frame", [{"type": "hello", "v": 1, "role": "screen", "hall": "test-hall"},
                                   {"type": "ping"}])
def test_a_message_that_is_not_a_queue_command_is_refused_as_unsupported(frame):
    d = Driver()
    cmd = p.parse_client(json.dumps(frame))
    decision = d.engine.decide(cmd, d.now, "screen:1", d.mint)
    assert (decision.refusal.code, decision.refusal.message, decision.refusal.rule) == (
        "unsupported", f"the queue does not handle '{frame['type']}'", "")
    assert decision.events == []


def test_the_hall_closed_refusal_names_the_hours_rule():
    d = Driver().at(-60)
    refused = d.send("issue", service="id-card")
    assert (refused.refusal.code, refused.refusal.message, refused.refusal.rule) == (
        "hall_closed", "the hall is closed now: tickets are issued during opening hours", "hall.hours")


def test_numbers_run_out_at_the_last_one_of_the_width():
    d = Driver(HALL_YAML.replace("timezone: Asia/Shanghai", "timezone: Asia/Shanghai\n  ticket_digits: 2"))
    numbers = [d.issue() for _ in range(99)]
    assert numbers[0] == "A01" and numbers[-1] == "A99"
    refused = d.send("issue", service="id-card")
    assert (refused.refusal.code, refused.refusal.message, refused.refusal.rule) == (
        "numbers_exhausted", "all 99 numbers for A are used today; raise hall.ticket_digits", "hall.ticket_digits")
    assert refused.events == []
    assert d.engine.numbers_used(d.now) == {"A": (99, 99), "B": (0, 99)}


# --- the exact events of each command, and what they answer -------------------------------------

def test_an_issue_records_exactly_its_ticket_and_how_many_wait_ahead():
    d = Driver()
    d.at(0); d.issue("id-card"); d.issue("id-card"); d.issue("id-card")
    d.call_next(3); d.send("complete", window=3)     # A001 served: not ahead of anyone
    d.call_next(3)                                   # A002 at the window: not ahead either
    d.now = MORNING + 600.25
    decision = d.send("issue", actor="kiosk:1", rid="k1", service="id-card")
    ticket = {"id": "tk4", "number": "A004", "service": "id-card", "class": "normal", "issued_at": MORNING + 600.25,
              "priority": None, "appointment": None, "slot": None}
    assert decision.events == stamp([{"type": "ticket_issued", "ticket": ticket, "ahead": 1, "counter": 4,
                                      "at": MORNING + 600.25}], "k1", "kiosk:1", "issue")
    assert decision.result == {"ticket": ticket, "ahead": 1, "events": ["ticket_issued"]}


def test_an_issue_keeps_the_priority_kind_and_the_slot_to_the_minute():
    d = Driver()
    d.now = MORNING + 600.25                         # 09:10:00.25: the slot is still 09:30:00 sharp
    d.send("issue", actor="kiosk:1", service="id-card", priority="elderly")
    d.send("issue", actor="kiosk:1", service="id-card", slot="09:30")
    priority, appointment = (e["ticket"] for e in d.log if e["type"] == "ticket_issued")
    assert (priority["class"], priority["priority"], priority["slot"]) == ("priority", "elderly", None)
    assert (appointment["class"], appointment["priority"], appointment["slot"]) == ("appointment", None, at_local(9, 30))
    t1, t2 = d.engine.state.tickets["tk1"], d.engine.state.tickets["tk2"]
    assert (t1.priority, t1.klass, t1.order_at) == ("elderly", "priority", MORNING + 600.25)
    assert (t2.slot, t2.klass) == (at_local(9, 30), "appointment")


def test_the_first_command_of_a_day_starts_it_with_an_exact_event():
    d = Driver()
    decision = d.send("issue", actor="kiosk:1", rid="first", service="passport")
    assert decision.events[0] == {"type": "day_started", "at": MORNING, "day": TODAY,
                                  "request": "first", "actor": "kiosk:1", "command": "issue"}
    d.at(24 * 60)                                   # the next morning: yesterday's B001 is cancelled
    decision = d.send("issue", actor="kiosk:1", rid="next", service="id-card")
    assert decision.events[:2] == stamp([
        {"type": "day_started", "at": MORNING + 86400, "day": TOMORROW},
        {"type": "ticket_cancelled", "at": MORNING + 86400, "ticket": {"id": "tk1", "number": "B001",
                                                                        "service": "passport", "class": "normal"},
         "reason": "day_end"}], "next", "kiosk:1", "issue")


def test_window_commands_record_exactly_their_window():
    d = Driver()
    d.issue(); d.issue()
    a1 = {"id": "tk1", "number": "A001", "service": "id-card", "class": "normal"}
    a2 = {"id": "tk2", "number": "A002", "service": "id-card", "class": "normal"}
    d.at(1)
    called = d.send("call", actor="window:3", rid="c", window=3, ticket="A002")
    assert called.events == stamp([{"type": "window_opened", "window": 3, "at": d.now},
                                   {"type": "ticket_called", "ticket": a2, "window": 3, "out_of_order": True,
                                    "at": d.now}], "c", "window:3", "call")
    assert called.result == {"ticket": a2, "window": 3, "events": ["window_opened", "ticket_called"]}
    assert d.send("start", actor="window:3", rid="s", window=3).events == stamp(
        [{"type": "ticket_serving", "ticket": a2, "window": 3, "at": d.now}], "s", "window:3", "start")
    d.at(2)
    done = d.send("complete", actor="window:3", rid="d", window=3)
    assert done.events == stamp([{"type": "ticket_completed", "ticket": a2, "window": 3, "service_seconds": 60.0,
                                  "at": d.now}], "d", "window:3", "complete")
    assert done.result == {"ticket": a2, "events": ["ticket_completed"]}   # a completion names no window
    d.call_next(3)
    assert d.send("skip", actor="window:3", rid="k", window=3).events == stamp(
        [{"type": "ticket_skipped", "ticket": a1, "window": 3, "at": d.now}], "k", "window:3", "skip")
    requeued = d.send("requeue", actor="window:3", rid="q", window=3, ticket="A001")
    assert requeued.events == stamp([{"type": "ticket_requeued", "ticket": a1, "window": 3, "order_at": d.now,
                                      "at": d.now}], "q", "window:3", "requeue")
    d.call_next(3)
    moved = d.send("transfer", actor="window:3", rid="t", window=3, service="passport")
    assert moved.events == stamp([{"type": "ticket_transferred", "ticket": a1, "window": 3, "to_service": "passport",
                                   "to_window": None, "at": d.now}], "t", "window:3", "transfer")


def test_a_rating_records_every_score_and_the_comment():
    d = Driver()
    d.issue(); d.call_next(3); d.send("complete", window=3)
    rated = d.send("rate", actor="window:3", rid="r", window=3, score=4, attitude=3, efficiency=2, environment=1,
                   comment="很好")
    assert rated.events == stamp([{"type": "rated", "window": 3,
                                   "ticket": {"id": "tk1", "number": "A001", "service": "id-card", "class": "normal"},
                                   "score": 4, "attitude": 3, "efficiency": 2, "environment": 1, "comment": "很好",
                                   "at": d.now}], "r", "window:3", "rate")
    assert d.engine.state.tickets["tk1"].rated


def test_messages_are_kept_as_the_hall_file_writes_them():
    d = Driver()
    message = {"text": {"zh-Hans": "请保持安静"}, "kind": "notice", "schedule": {"from": "08:00", "to": "12:00"}}
    decision = d.send("set_messages", actor="manager:boss", rid="m", messages=[message])
    dumped = {"text": {"zh-Hans": "请保持安静"}, "kind": "notice",
              "schedule": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "08:00", "to": "12:00"}}
    assert decision.events[1:] == stamp([{"type": "messages_set", "messages": [dumped], "at": d.now}],
                                    "m", "manager:boss", "set_messages")
    assert d.engine.public_view()["messages"] == [dumped]


def test_a_notice_is_set_for_named_screens_and_cleared():
    config = load_hall(LAYOUTS / "zhongshan.yaml").config
    engine = QueueEngine(config)
    screen = config.screens[0].id
    ids = iter(f"tk{i}" for i in range(1, 100))
    now = MORNING

    def send(frame: dict):
        decision = engine.decide(p.parse_client(json.dumps(frame)), now, "manager:boss", lambda: next(ids))
        for e in decision.events:
            engine.apply(e, engine.state.seq + 1)
        return decision

    notice = {"text": {"zh-Hans": "停电"}, "style": "fullscreen", "screens": [screen]}
    decision = send({"type": "set_notice", "id": "n1", **notice})
    assert decision.ok, decision.refusal
    assert decision.events[-1] == {"type": "notice_set", "notice": notice, "at": now,
                                   "request": "n1", "actor": "manager:boss", "command": "set_notice"}
    assert engine.public_view()["notice"] == notice
    cleared = send({"type": "clear_notice", "id": "n2"})
    assert cleared.events == stamp([{"type": "notice_cleared", "at": now}], "n2", "manager:boss", "clear_notice")
    assert engine.public_view()["notice"] is None


def test_execute_records_who_sent_the_command():
    engine = QueueEngine(hall_config())
    cmd = p.parse_client(json.dumps({"type": "issue", "id": "x1", "service": "id-card"}))
    decision = engine.execute(cmd, MORNING, "kiosk:7", lambda: "tk1")
    assert [e["actor"] for e in decision.events] == ["kiosk:7", "kiosk:7"]
    assert engine.state.hall == "test-hall" and engine.state.seq == 2


# --- what the events fold into: the public view, the snapshot ----------------------------------

def test_the_public_view_to_the_letter():
    d = Driver()
    d.at(0); d.issue("id-card"); d.issue("id-card"); d.issue("passport")
    d.call_next(3)                                       # A001 at 09:00:00
    d.now = MORNING + 100.26
    d.call_next(3)                                       # A001 done after 100.26 s, A002 called
    d.now = MORNING + 100.26 + 20.0
    d.send("start", window=3)
    d.now = MORNING + 100.26 + 30.0
    d.send("complete", window=3)                         # A002: 10 s from its start, not 30 from its call
    d.call_next(1)                                       # B001 at window 1, still called
    view = d.engine.public_view()
    b1 = {"id": "tk3", "number": "B001", "service": "passport", "class": "normal"}
    closed = {"state": "closed", "reason": None, "until": None, "ticket": None, "ticket_state": None, "since": None,
              "served": 0, "service_seconds": 0.0}
    assert view == {
        "day": TODAY, "seq": len(d.log),
        "windows": {
            "1": {"number": 1, "state": "open", "reason": None, "until": None, "ticket": b1, "ticket_state": "called",
                  "since": MORNING + 130.26, "served": 0, "service_seconds": 0.0},
            "2": {"number": 2, **closed},
            "3": {"number": 3, "state": "open", "reason": None, "until": None, "ticket": None, "ticket_state": None,
                  "since": None, "served": 2, "service_seconds": 110.3},
            "4": {"number": 4, **closed},
        },
        "recent_calls": view["recent_calls"],
        "waiting": {"id-card": 0, "passport": 0}, "messages": None, "notice": None,
    }
    assert d.engine.state.windows[3].service_seconds == pytest.approx(110.26)
    seqs = {e["ticket"]["number"]: i for i, e in enumerate(d.log, 1) if e["type"] == "ticket_called"}
    assert view["recent_calls"] == [
        {"seq": seqs["B001"], "ticket": b1, "window": 1, "at": MORNING + 130.26, "recall": 0},
        {"seq": seqs["A002"], "ticket": {"id": "tk2", "number": "A002", "service": "id-card", "class": "normal"},
         "window": 3, "at": MORNING + 100.26, "recall": 0},
        {"seq": seqs["A001"], "ticket": {"id": "tk1", "number": "A001", "service": "id-card", "class": "normal"},
         "window": 3, "at": MORNING, "recall": 0},
    ]
    d.at(24 * 60)
    d.send("open", window=4)                             # the next day: yesterday's counts start again
    w3 = d.engine.public_view()["windows"]["3"]
    assert (w3["served"], w3["service_seconds"]) == (0, 0.0)


def test_service_seconds_are_kept_to_the_millisecond_and_never_below_zero():
    d = Driver()
    d.issue(); d.issue()
    d.call_next(3)
    d.send("complete", window=3)                         # at the same instant: 0 s
    d.call_next(3)
    d.now += 12.34567
    d.send("complete", window=3)
    assert [e["service_seconds"] for e in d.log if e["type"] == "ticket_completed"] == [0.0, 12.346]


def test_recent_calls_hold_the_last_twenty_and_a_recall_moves_its_ticket_to_the_top():
    d = Driver()
    for _ in range(25):
        d.issue()
    for _ in range(25):
        d.call_next(3)
    calls = d.engine.state.recent_calls
    assert len(calls) == engine_module.RECENT_CALLS == 20
    assert [c["ticket"]["number"] for c in calls[:2]] == ["A025", "A024"] and calls[-1]["ticket"]["number"] == "A006"
    d.issue(); d.call_next(1)                            # A026 at window 1
    d.send("recall", window=3)                           # A025 again
    calls = d.engine.state.recent_calls
    assert [(c["ticket"]["number"], c["window"], c["recall"]) for c in calls[:3]] == [
        ("A025", 3, 1), ("A026", 1, 0), ("A024", 3, 0)]
    assert len(calls) == 20 and sum(c["ticket"]["number"] == "A025" for c in calls) == 1
    assert d.engine.state.tickets[calls[0]["ticket"]["id"]].recalls == 1


def test_a_freed_window_holds_no_ticket_in_the_snapshot():
    d = Driver()
    d.issue(); d.issue(); d.issue()
    for step in [("complete", {"window": 3}), ("skip", {"window": 3}), ("transfer", {"window": 3, "service": "passport"})]:
        d.call_next(3)
        assert d.send(step[0], **step[1]).ok
        w = d.engine.state.to_json()["windows"]["3"]
        assert (w["ticket"], w["since"]) == (None, None), step
    skipped = d.engine.state.tickets["tk2"]
    d.send("requeue", window=3, ticket="A002")
    assert (skipped.state, skipped.window, skipped.skipped_at, skipped.recalls) == ("waiting", None, None, 0)
    assert d.engine.state.to_json()["hall"] == "test-hall"


def test_a_reload_that_drops_a_service_still_counts_its_waiting_tickets():
    d = Driver()
    d.issue("passport"); d.issue("passport")
    without = HALL_YAML.replace("  - {id: passport, prefix: B, group: household, minutes: 6, name: 护照}\n", "") \
                       .replace("  - {number: 4, services: [passport], floor: 1F, position: [4, 1]}\n", "")
    d.engine.config = hall_config(without)
    assert d.engine.public_view()["waiting"] == {"id-card": 0, "passport": 2}


def test_the_counters_and_the_numbers_used():
    d = Driver(HALL_YAML.replace("prefix: B", "prefix: X"))
    assert [d.issue("passport"), d.issue("passport"), d.issue("id-card")] == ["X001", "X002", "A001"]
    assert d.engine.numbers_used(d.now) == {"A": (1, 999), "X": (2, 999)}
    d.call_next(4); d.send("complete", window=4)         # X001 done: its number is not given again today
    assert d.issue("passport") == "X003"
    assert d.engine.numbers_used(d.now + 86400) == {"A": (0, 999), "X": (0, 999)}   # a new day, before its first event


def test_an_appointment_is_booked_unchecked_and_a_normal_ticket_checks_none_in():
    d = Driver(HALL)
    d.send("book", actor="manager:boss", appointments=[{"code": "xxxx", "service": "passport", "slot": "10:00"}])
    assert d.engine.appointment_today("xxxx", d.now) == {"code": "XXXX", "service": "passport", "slot": "10:00",
                                                         "day": TODAY, "ticket": None}
    d.issue("passport")                                  # B001, no appointment
    checked = d.send("check_in", actor="kiosk:1", code="XXXX")
    assert checked.ok and checked.result["ticket"]["number"] == "B002"
    # An issue that names the code again is refused by check_in's rule: the appointment stays B002's.
    again = d.send("issue", actor="kiosk:1", service="passport", appointment="xxxx")
    assert (again.refusal.code, again.refusal.message) == (
        "already_checked_in", "appointment XXXX has checked in already (ticket B002)")


# --- replaying: each error says which event and why --------------------------------------------

def test_replay_errors_name_the_event_and_the_reason():
    d = Driver()
    d.issue(); d.call_next(3)
    engine = QueueEngine(d.engine.config)
    for seq, e in enumerate(d.log, 1):
        engine.apply(e, seq)
    n = len(d.log)
    issued = next(e for e in d.log if e["type"] == "ticket_issued")
    with pytest.raises(ReplayError, match=rf"^event {n + 2} cannot follow event {n}$"):
        engine.apply({"type": "window_opened", "window": 1}, n + 2)
    with pytest.raises(ReplayError, match=rf"^event {n + 1}: unknown event type 'bogus'$"):
        engine.apply({"type": "bogus"}, n + 1)
    with pytest.raises(ReplayError, match=rf"^event {n + 1}: ticket_called for an unknown ticket A404$"):
        engine.apply({"type": "ticket_called", "ticket": {"id": "nope", "number": "A404"}, "window": 1, "at": 0}, n + 1)
    with pytest.raises(ReplayError, match=rf"^event {n + 1}: ticket_requeued is not allowed for A001 in state called$"):
        engine.apply({"type": "ticket_requeued", "ticket": issued["ticket"], "window": 3, "at": 0}, n + 1)
    with pytest.raises(ReplayError, match=r"^ticket A001 issued twice$"):
        engine.apply(issued, n + 1)
    assert engine.state.seq == n


def test_the_oldest_request_is_forgotten_past_the_limit(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(engine_module, "MAX_REMEMBERED_REQUESTS", 3)
    d = Driver()
    for i in range(4):
        d.send("issue", actor="kiosk:1", rid=f"i{i}", service="id-card")
    assert list(d.engine.state.requests) == ["kiosk:1|i1", "kiosk:1|i2", "kiosk:1|i3"]


# --- the corners of the calling rule -------------------------------------------------------------

def test_a_green_window_calls_green_first_whatever_the_halls_order():
    d = Driver(HALL_YAML.replace("rules:\n", "rules:\n  order: [priority, appointment, normal, green]\n"))
    d.at(0); d.issue("id-card", priority="elderly")
    d.at(1); d.issue("id-card", green=True, reason="flight in 3 days")
    d.at(2)
    assert d.call_next(2) == "A002"                      # the green window: green first
    d.issue("id-card", green=True, reason="school starts Monday")
    assert d.call_next(3) == "A001"                      # any other window: the hall's order, green last


def test_an_appointment_not_due_yet_does_not_hide_the_tickets_behind_it():
    d = Driver()
    d.at(0); d.issue("id-card", appointment="X1", slot="11:00")
    d.at(1); d.issue("id-card")
    assert d.call_next(3) == "A002"


def test_a_ticket_sent_to_a_window_can_be_called_there_by_number():
    d = Driver()
    d.issue(); d.call_next(3)
    assert d.send("transfer", window=3, to_window=1).ok
    assert d.refusal("call", window=2, ticket="A001") == "not_for_this_window"
    assert d.send("call", window=1, ticket="A001").ok


def test_a_transfer_to_another_service_at_the_same_window():
    d = Driver()
    d.issue(); d.call_next(1)
    moved = d.send("transfer", window=1, to_window=1, service="passport")
    assert moved.ok, moved.refusal
    assert d.call_next(2) is None and d.call_next(1) == "A001"
    assert d.engine.state.tickets["tk1"].service == "passport"


def test_a_call_finishes_the_citizen_at_the_counter_first():
    d = Driver()
    d.issue(); d.issue()
    d.call_next(3)
    d.at(2)
    decision = d.send("call", window=3, ticket="A002")
    assert decision.result["events"] == ["ticket_completed", "ticket_called"]
    assert decision.events[0]["service_seconds"] == 120.0


@pytest.mark.parametrize("command", ["call_next", "call"])
def test_a_closed_window_is_opened_by_its_first_call(command):
    d = Driver()
    d.issue()
    fields = {"window": 3} if command == "call_next" else {"window": 3, "ticket": "A001"}
    assert d.send(command, **fields).result["events"] == ["window_opened", "ticket_called"]
    d.send("complete", window=3); d.issue()
    fields = {"window": 3} if command == "call_next" else {"window": 3, "ticket": "A002"}
    assert d.send(command, **fields).result["events"] == ["ticket_called"]   # open already


@pytest.mark.parametrize("behind, expected", [
    (0, ["A001", "A002", "A003", "A004"]),   # straight back to the front
    (1, ["A002", "A001", "A003", "A004"]),
    (2, ["A002", "A003", "A001", "A004"]),   # tickets issued half a second apart: exactly behind two
])
def test_a_requeue_goes_behind_exactly_so_many(behind, expected):
    d = Driver(rules(HALL_YAML, requeue_behind=behind))
    d.now = MORNING
    d.issue()
    for i in range(1, 4):
        d.now = MORNING + 60 + i * 0.5
        d.issue()
    d.now = MORNING + 120
    assert d.call_next(3) == "A001"
    d.send("skip", window=3)
    assert d.send("requeue", window=3, ticket="A001").ok
    assert [d.call_next(3) for _ in expected] == expected


def test_starting_twice_is_refused_and_the_start_counts_the_service_time():
    d = Driver()
    d.issue(); d.call_next(3)
    d.at(1); d.send("start", window=3)
    assert d.refusal("start", window=3) == "already_serving"
    d.at(4); d.send("complete", window=3)
    assert d.log[-1]["service_seconds"] == 180.0


# --- a new day: yesterday's live tickets are cancelled in the same decision ----------------------

def test_the_first_command_of_a_day_never_touches_yesterdays_tickets_twice():
    d = Driver()
    d.issue(); d.issue(); d.issue()
    d.call_next(3); d.send("skip", window=3)             # A001 skipped, A002 and A003 waiting
    for cmd, fields, code in [("call_next", {"window": 3}, "nothing_waiting"),
                              ("call", {"window": 3, "ticket": "A002"}, "unknown_ticket"),
                              ("cancel_tickets", {"service": "id-card", "from": 1, "to": 3, "reason": "x"},
                               "nothing_to_cancel")]:
        d.at(24 * 60)
        decision = d.send(cmd, actor="manager:boss", **fields)
        assert decision.refusal is not None and decision.refusal.code == code, (cmd, decision.events)


def test_a_24_hour_hall_finishes_the_citizen_at_the_counter_across_midnight():
    d = Driver(ALL_DAY)
    d.issue(); d.issue()
    d.call_next(3)                                       # A001 at the window, A002 waiting
    d.now = at_local(0, 1, day=24)
    decision = d.send("call_next", window=3)
    assert decision.result["events"] == ["day_started", "ticket_completed", "ticket_called"]
    assert decision.result["ticket"]["number"] == "A002"


# --- the second run's survivors (docs/architecture.md, Mutation testing) -------------------------

def fresh_engine():
    """server/queue/engine.py executed again, under its own name, in a module object of its own.

    Its fold table (``_FOLDERS``) is built when the module runs: ``_f_window("open")`` and the other
    window folds are made at import, before a mutation run switches a mutant on, so only a fresh
    execution of the module builds them from the code under test (in a plain run it is the same code)."""
    spec = importlib.util.spec_from_file_location(engine_module.__name__, engine_module.__file__)
    fresh = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = fresh          # dataclasses look their module up while it runs
    try:
        spec.loader.exec_module(fresh)
    finally:
        sys.modules[spec.name] = engine_module
    return fresh


@pytest.mark.parametrize("module", ["imported", "fresh"])
def test_pausing_resuming_closing_and_opening_fold_into_the_window(module):
    engine_class = QueueEngine if module == "imported" else fresh_engine().QueueEngine
    engine = engine_class(hall_config())
    ids = iter(f"r{i}" for i in range(100))

    def send(kind: str, **fields):
        cmd = p.parse_client(json.dumps({"type": kind, "id": next(ids), **fields}))
        decision = engine.execute(cmd, MORNING, "manager:boss", lambda: "tk1")
        assert decision.ok, decision.refusal
        w = engine.public_view()["windows"]["3"]
        return (w["state"], w["reason"], w["until"])

    assert send("open", window=3) == ("open", None, None)
    assert send("pause", window=3, reason="午休", until="13:30") == ("paused", "午休", "13:30")
    assert send("resume", window=3) == ("open", None, None)
    assert send("pause", window=3) == ("paused", None, None)
    assert send("close", window=3) == ("closed", None, None)
    assert send("open", window=3) == ("open", None, None)
    # a window the hall file no longer lists still folds (a log replayed after an edit)
    engine.apply({"type": "window_paused", "window": 9, "reason": "x", "until": "10:00", "at": MORNING},
                 engine.state.seq + 1)
    assert (engine.state.windows[9].number, engine.state.windows[9].state, engine.state.windows[9].reason,
            engine.state.windows[9].until) == (9, "paused", "x", "10:00")


def test_an_appointment_slot_is_on_the_minute_whatever_the_second_of_the_issue():
    d = Driver()
    d.now = at_local(9, 0, 37.25)
    issued = d.send("issue", actor="kiosk:1", service="id-card", appointment="X9", slot="11:00")
    assert issued.result["ticket"]["slot"] == at_local(11, 0)
    assert d.engine.state.tickets[issued.result["ticket"]["id"]].slot == at_local(11, 0)


def test_a_call_by_number_on_a_new_morning_finds_yesterdays_only_ticket_gone():
    d = Driver()
    d.issue()                                            # A001, the only ticket of the day
    d.at(24 * 60)
    refused = d.send("call", window=3, ticket="A001")
    assert (refused.refusal.code, refused.refusal.message) == ("unknown_ticket", 'no ticket "A001" today')
    assert refused.events == []


def test_a_requeue_behind_none_takes_the_first_place_of_its_service_not_a_second_before_it():
    # Window 1 serves both services: the passport ticket issued between A001 and A002 stays ahead.
    d = Driver(rules(HALL_YAML, requeue_behind=0))
    d.now = MORNING
    d.issue("id-card")                                   # A001
    d.now = MORNING + 60
    d.issue("passport")                                  # B001
    d.now = MORNING + 60.5
    d.issue("id-card")                                   # A002
    d.now = MORNING + 120
    assert d.call_next(3) == "A001"
    d.send("skip", window=3)
    assert d.send("requeue", window=3, ticket="A001").ok
    assert [d.call_next(1) for _ in range(3)] == ["B001", "A001", "A002"]


# --- how many are ahead: the rule of each window that can serve the ticket ------------------------

def test_a_priority_ticket_served_only_at_a_love_window_has_no_green_ticket_ahead():
    hall = (HALL_YAML.replace("{number: 1, kind: love, services: all,", "{number: 1, kind: love, services: [passport],")
                     .replace("{number: 2, kind: green, services: all,", "{number: 2, kind: green, services: [id-card],")
                     .replace("  - {number: 4, services: [passport], floor: 1F, position: [4, 1]}\n", ""))
    d = Driver(hall)
    d.at(0); d.issue("passport", green=True, reason="flight in 3 days")          # B001
    d.at(1)
    issued = d.send("issue", actor="kiosk:1", service="passport", priority="elderly")
    assert issued.result["ticket"]["number"] == "B002" and issued.result["ahead"] == 0
    assert d.call_next(1) == "B002"                      # the love window calls it first indeed


def test_a_ticket_of_another_service_at_a_shared_window_is_ahead():
    d = Driver()                                         # windows 1 and 2 serve both services
    d.at(0); d.issue("passport")
    d.at(1)
    assert d.send("issue", actor="kiosk:1", service="id-card").result["ahead"] == 1


def test_a_ticket_of_a_service_no_window_shares_is_not_ahead_whatever_the_order_of_the_queue():
    hall = (HALL_YAML.replace("  - {number: 1, kind: love, services: all, floor: 1F, position: [1, 1]}\n", "")
                     .replace("  - {number: 2, kind: green, services: all, floor: 1F, position: [2, 1]}\n", ""))
    d = Driver(hall)                                     # window 3: id-card, window 4: passport
    d.at(0); d.issue("passport")                         # first in the queue, of another service
    d.at(1); d.issue("id-card")
    d.at(2)
    assert d.send("issue", actor="kiosk:1", service="id-card").result["ahead"] == 1


def test_a_ticket_no_window_serves_counts_as_at_a_window_of_its_own():
    # passport has no window (a warning in the hall file); window 1 is a cashier, which takes what is
    # sent to it: a ticket sent there is not ahead of a passport ticket, which waits for no window
    hall = (HALL_YAML.replace("{number: 1, kind: love, services: all,", "{number: 1, services: [],")
                     .replace("kind: green, services: all", "kind: green, services: [id-card]")
                     .replace("  - {number: 4, services: [passport], floor: 1F, position: [4, 1]}\n", ""))
    d = Driver(hall)
    d.at(0); d.issue("id-card")
    assert d.call_next(3) == "A001"
    assert d.send("transfer", window=3, to_window=1, service="passport").ok   # waits for the cashier only
    d.at(1)
    first = d.send("issue", actor="kiosk:1", service="passport")
    assert (first.result["ticket"]["number"], first.result["ahead"]) == ("B001", 0)
    d.at(2)
    assert d.send("issue", actor="kiosk:1", service="passport").result["ahead"] == 1


def test_ahead_counts_for_every_waiting_ticket_count_each_one_ahead_and_never_itself():
    window = WindowPlan(3, frozenset({"id-card"}))

    def ticket(tid: str, minute: int, klass: str = "normal") -> Ticket:
        return Ticket(id=tid, number=tid.upper(), service="id-card", klass=klass, issued_at=MORNING + minute * 60,
                      order_at=MORNING + minute * 60)

    waiting = [ticket("a1", 0), ticket("a2", 1), ticket("p1", 2, "priority")]
    assert ahead_counts(hall_config().rules, [window], waiting, MORNING + 180) == {"a1": 1, "a2": 2, "p1": 0}


def test_an_event_type_with_no_transitions_allows_no_move():
    assert next_state("window_opened", "waiting") is None and next_state("bogus", None) is None
    assert next_state("ticket_called", "waiting") == "called"


def test_a_window_without_services_calls_only_the_tickets_sent_to_it():
    cashier = "  - {number: 5, services: [], floor: 1F, position: [5, 1]}\n"
    d = Driver(HALL_YAML.replace("floors:\n", cashier + "floors:\n", 1))
    d.issue()                                            # A001, sent to no window
    refused = d.send("call_next", window=5)
    assert (refused.refusal.code, refused.refusal.message) == (
        "nothing_waiting", "no ticket has been transferred to window 5 (it serves no ticketed service: "
                           "it calls the tickets sent to it)")
    assert d.call_next(3) == "A001"
    assert d.send("transfer", window=3, to_window=5).ok
    assert d.call_next(3) is None and d.call_next(5) == "A001"
