"""Every time limit of the queue rules, exactly at its edge and one second either side.

The limits (server/queue/rules.py, server/queue/engine.py):

* starvation: a normal ticket that has waited ``starvation_minutes`` (60 here) joins the priority class;
* an appointment can be called from ``appointment_early_minutes`` (5 here) before its slot;
* a skipped ticket can be requeued within ``requeue_within_minutes`` (30 here) of its skip;
* a ticket can be called again ``recall_limit`` times;
* the opening hours (08:30-17:30 here): open from the first second of 08:30 to the last of 17:29;
* the day ends at midnight in the hall's time zone (not UTC), and with it the day's queue,
  the ticket numbers and the appointments.

The engine has no clock: the time is an argument, so each edge is tried to the second. Where the
question is "what would happen now", the test asks ``decide`` (which changes nothing) at each
probe time from one state, so the three probes see exactly the same queue.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest

from engine_hall import HALL_YAML, MORNING, TZ, Driver
from server.queue.engine import Decision
from server.queue.rules import Ticket, effective_class
from signage import protocol as p
from signage.config.model import Rules

SECOND = 1.0
HOUR = 3600.0


def at_local(y: int, m: int, d: int, hh: int, mm: int, ss: int = 0) -> float:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=TZ).timestamp()


def peek(d: Driver, now: float, cmd_type: str, actor: str = "test", **fields) -> Decision:
    """What ``cmd_type`` would do at ``now``, without doing it (``decide`` is pure)."""
    cmd = p.parse_client(json.dumps({"type": cmd_type, "id": f"peek-{now}", **fields}))
    before = d.engine.state.to_json()
    decision = d.engine.decide(cmd, now, actor, d.mint)
    assert d.engine.state.to_json() == before
    return decision


def called(decision: Decision) -> str | None:
    return decision.result["ticket"]["number"] if decision.ok else None


def hall(**rules) -> str:
    """The test hall with some rules changed."""
    text = HALL_YAML
    for key, value in rules.items():
        text, n = re.subn(rf"(\n  {key}: )[^\n]*", rf"\g<1>{value}", text)
        assert n == 1, key
    return text


# --- starvation -------------------------------------------------------------------------------

@pytest.mark.parametrize("offset, klass", [(-SECOND, "normal"), (0.0, "priority"), (SECOND, "priority")])
def test_effective_class_at_the_starvation_limit(offset, klass):
    rules = Rules(starvation_minutes=60)
    t = Ticket(id="t", number="A001", service="id-card", klass="normal", issued_at=MORNING, order_at=MORNING)
    assert effective_class(t, MORNING + 60 * 60 + offset, rules) == klass


@pytest.mark.parametrize("offset, expected", [
    (-SECOND, "A002"),   # 59:59 of waiting: still normal, the priority ticket goes first
    (0.0, "A001"),       # exactly 60:00: it joins the priority class, and it came first
    (SECOND, "A001"),
])
def test_starvation_limit_to_the_second(offset, expected):
    d = Driver()
    d.at(0); d.issue("id-card")                       # A001, normal, 09:00:00
    d.at(30); d.issue("id-card", priority="elderly")  # A002, priority, 09:30:00
    decision = peek(d, MORNING + 60 * 60 + offset, "call_next", actor="window:3", window=3)
    assert called(decision) == expected


def test_starvation_off_keeps_a_normal_ticket_normal_all_day():
    d = Driver(hall(starvation_minutes="null"))
    d.at(0); d.issue("id-card")
    d.at(1); d.issue("id-card", priority="elderly")
    assert called(peek(d, MORNING + 8 * HOUR, "call_next", actor="window:3", window=3)) == "A002"


def test_a_starved_ticket_is_still_behind_an_older_priority_ticket():
    """Starving makes a ticket priority, not first: within the class the longest wait goes first."""
    d = Driver()
    d.at(0); d.issue("id-card", priority="disabled")  # A001, priority since 09:00
    d.at(1); d.issue("id-card")                       # A002, normal, priority from 10:01
    assert called(peek(d, MORNING + 61 * 60, "call_next", actor="window:3", window=3)) == "A001"


def test_the_starvation_clock_runs_from_the_issue_even_after_a_requeue():
    """A no-show requeued at 09:06 has still waited since 09:00 (the estimator counts the same way)."""
    d = Driver()
    d.at(0); d.issue("id-card")                        # A001, normal, 09:00
    d.at(5); d.call_next(3); d.send("skip", window=3)
    d.at(6); assert d.send("requeue", window=3, ticket="A001").ok  # back in line at 09:06
    d.at(30); d.issue("id-card", priority="elderly")   # A002, priority, 09:30
    assert called(peek(d, MORNING + 60 * 60 - SECOND, "call_next", actor="window:3", window=3)) == "A002"
    assert called(peek(d, MORNING + 60 * 60, "call_next", actor="window:3", window=3)) == "A001"


# --- appointments -----------------------------------------------------------------------------

SLOT = MORNING + 30 * 60  # "09:30"


@pytest.mark.parametrize("early", [0, 5, 120])
@pytest.mark.parametrize("offset, expected", [
    (-SECOND, "A001"),   # one second too early: not due, the normal ticket is called
    (0.0, "A002"),       # exactly `early` minutes before the slot: due, and ahead of normal tickets
    (SECOND, "A002"),
])
def test_appointment_window_opens_to_the_second(early, offset, expected):
    d = Driver(hall(appointment_early_minutes=early, starvation_minutes="null"))  # A001 would starve by 11:30
    d.at(0); d.issue("id-card")                                    # A001, normal
    d.at(0); d.issue("id-card", appointment="X1", slot="11:30")    # A002, appointment at 11:30
    slot = MORNING + 150 * 60
    assert called(peek(d, slot - early * 60 + offset, "call_next", actor="window:3", window=3)) == expected


def test_appointment_window_opened_before_issue_is_due_at_once():
    d = Driver(hall(appointment_early_minutes=120))  # 07:30 for a 09:30 slot: due as soon as issued
    d.at(0); d.issue("id-card")
    d.at(0); d.issue("id-card", appointment="X1", slot="09:30")
    assert called(peek(d, MORNING, "call_next", actor="window:3", window=3)) == "A002"


def test_appointment_too_early_waits_alone_and_a_deliberate_call_still_takes_it():
    d = Driver()
    d.at(0); d.issue("id-card", appointment="X1", slot="09:30")
    early = SLOT - 5 * 60 - SECOND
    assert peek(d, early, "call_next", actor="window:3", window=3).refusal.code == "nothing_waiting"
    assert called(peek(d, early, "call", actor="window:3", window=3, ticket="A001")) == "A001"
    assert called(peek(d, early + SECOND, "call_next", actor="window:3", window=3)) == "A001"


def test_the_slot_is_read_in_the_halls_time_zone():
    d = Driver()
    d.at(0); d.issue("id-card", appointment="X1", slot="09:30")
    slot = d.engine.state.tickets[d.engine.state.numbers["A001"]].slot
    assert slot == at_local(2026, 11, 23, 9, 30) == SLOT


# --- requeue ----------------------------------------------------------------------------------

def skipped_at_nine(text: str = HALL_YAML) -> Driver:
    d = Driver(text)
    d.at(0); d.issue("id-card"); d.issue("id-card")
    d.call_next(3)
    assert d.send("skip", window=3).ok  # A001 skipped at 09:00:00
    return d


@pytest.mark.parametrize("offset, ok", [(-SECOND, True), (0.0, True), (SECOND, False)])
def test_requeue_within_minutes_to_the_second(offset, ok):
    d = skipped_at_nine()
    decision = peek(d, MORNING + 30 * 60 + offset, "requeue", window=3, ticket="A001")
    assert decision.ok is ok
    if not ok:
        assert decision.refusal.code == "requeue_expired" and decision.refusal.rule == "rules.requeue_within_minutes"


@pytest.mark.parametrize("offset, ok", [(0.0, True), (SECOND, False)])
def test_requeue_within_zero_minutes_is_the_same_second_only(offset, ok):
    d = skipped_at_nine(hall(requeue_within_minutes=0))
    assert peek(d, MORNING + offset, "requeue", window=3, ticket="A001").ok is ok


def test_the_requeue_clock_starts_at_the_skip_not_at_the_issue():
    d = Driver()
    d.at(0); d.issue("id-card")
    d.at(20); d.call_next(3)
    d.at(25); assert d.send("skip", window=3).ok      # skipped at 09:25, issued at 09:00
    assert peek(d, MORNING + 55 * 60, "requeue", window=3, ticket="A001").ok
    assert not peek(d, MORNING + 55 * 60 + SECOND, "requeue", window=3, ticket="A001").ok


# --- recall limit -----------------------------------------------------------------------------

@pytest.mark.parametrize("limit", [0, 1, 2, 3])
def test_recall_limit_counts_exactly(limit):
    d = Driver(hall(recall_limit=limit))
    d.issue(); d.call_next(3)
    for i in range(limit):
        r = d.send("recall", window=3)
        assert r.ok, (i, r.refusal)
        assert d.log[-1]["count"] == i + 1
    r = d.send("recall", window=3)
    assert r.refusal.code == "recall_limit" and r.refusal.rule == "rules.recall_limit"


def test_recalls_start_again_after_a_requeue():
    d = Driver(hall(recall_limit=1))
    d.issue(); d.call_next(3)
    assert d.send("recall", window=3).ok
    assert d.refusal("recall", window=3) == "recall_limit"
    d.send("skip", window=3)
    d.send("requeue", window=3, ticket="A001")
    assert d.call_next(3) == "A001"
    assert d.send("recall", window=3).ok


# --- opening hours ----------------------------------------------------------------------------

@pytest.mark.parametrize("hh, mm, ss, open_", [
    (8, 29, 59, False), (8, 30, 0, True), (8, 30, 1, True),      # opens at 08:30:00
    (17, 29, 59, True), (17, 30, 0, False), (17, 30, 1, False),  # closes at 17:30:00
])
def test_opening_hours_to_the_second(hh, mm, ss, open_):
    d = Driver()
    decision = peek(d, at_local(2026, 11, 23, hh, mm, ss), "issue", actor="kiosk:1", service="id-card")
    assert decision.ok is open_
    if not open_:
        assert decision.refusal.code == "hall_closed"


def test_opening_hours_by_weekday():
    text = HALL_YAML.replace('- {open: "08:30", close: "17:30"}',
                             '- {days: [mon, tue, wed, thu, fri], open: "08:30", close: "17:30"}')
    d = Driver(text)
    friday, saturday = at_local(2026, 11, 27, 17, 29, 59), at_local(2026, 11, 28, 9, 0)
    assert peek(d, friday, "issue", actor="kiosk:1", service="id-card").ok
    assert peek(d, saturday, "issue", actor="kiosk:1", service="id-card").refusal.code == "hall_closed"


# --- the day ends at midnight, in the hall's time zone ------------------------------------------

ALL_DAY = '  hours: "24h"'
HOURS = '  hours:\n    - {open: "08:30", close: "17:30"}'
WITH_APPOINTMENTS = ("{id: passport, prefix: B, group: household, minutes: 6, name: 护照}",
                     "{id: passport, prefix: B, group: household, minutes: 6, name: 护照, appointments: true}")
MIDNIGHT = at_local(2026, 11, 24, 0, 0)  # = 16:00 UTC on the 23rd: UTC has not changed date yet


def in_zone(zone: str) -> tuple[Driver, float]:
    """The test hall in ``zone`` with a live queue at 09:00 on Monday 23 November; its next midnight."""
    tz = ZoneInfo(zone)
    morning = dt.datetime(2026, 11, 23, 9, 0, tzinfo=tz).timestamp()
    d = Driver(HALL_YAML.replace("timezone: Asia/Shanghai", f"timezone: {zone}"), start=morning)
    d.issue("id-card"); d.issue("id-card"); d.issue("passport")
    d.call_next(3)
    return d, dt.datetime(2026, 11, 24, 0, 0, tzinfo=tz).timestamp()


ZONES = ["Asia/Shanghai", "America/New_York", "Asia/Kathmandu"]  # +8, -5, +5:45: never UTC's midnight


@pytest.mark.parametrize("zone", ZONES)
def test_no_new_day_one_second_before_local_midnight(zone):
    d, midnight = in_zone(zone)
    assert d.engine.tick(midnight - SECOND) == []


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("offset", [0.0, SECOND])
def test_the_day_ends_at_local_midnight_and_cancels_the_queue(zone, offset):
    d, midnight = in_zone(zone)
    events = d.engine.tick(midnight + offset)
    assert events[0]["type"] == "day_started" and events[0]["day"] == "2026-11-24"
    assert sorted(e["ticket"]["number"] for e in events[1:]) == ["A001", "A002", "B001"]
    assert all(e["type"] == "ticket_cancelled" and e["reason"] == "day_end" for e in events[1:])


def test_a_24_hour_hall_keeps_its_queue_over_midnight_and_new_numbers_skip_live_ones():
    d = Driver(HALL_YAML.replace(HOURS, ALL_DAY))
    d.now = MIDNIGHT - SECOND
    assert [d.issue("id-card"), d.issue("id-card")] == ["A001", "A002"]  # 23:59:59 on the 23rd
    assert [e["type"] for e in d.engine.tick(MIDNIGHT)] == ["day_started"]  # no cancellation
    d.now = MIDNIGHT
    assert d.issue("id-card") == "A003"  # numbering starts again at 1, past yesterday's waiting tickets
    assert d.engine.state.day == "2026-11-24" and d.engine.state.counters == {"A": 3}


def test_numbers_restart_at_the_first_second_of_the_day():
    d = Driver(HALL_YAML.replace(HOURS, ALL_DAY))
    d.now = MIDNIGHT - SECOND
    assert d.issue("id-card") == "A001"
    d.call_next(3); d.send("complete", window=3)  # A001 is done: its number is free again tomorrow
    assert d.issue("id-card") == "A002"           # still the 23rd
    d.call_next(3); d.send("complete", window=3)
    d.now = MIDNIGHT
    assert d.issue("id-card") == "A001"


@pytest.mark.parametrize("now, code", [
    (MIDNIGHT - SECOND, "wrong_day"),       # 23:59:59 the day before
    (MIDNIGHT, None),                       # 00:00:00 of the booked day
    (MIDNIGHT + 24 * HOUR - SECOND, None),  # its last second
    (MIDNIGHT + 24 * HOUR, "wrong_day"),    # the day after
])
def test_an_appointment_checks_in_on_its_day_from_midnight_to_midnight(now, code):
    d = Driver(HALL_YAML.replace(HOURS, ALL_DAY).replace(*WITH_APPOINTMENTS))
    assert d.send("book", actor="manager:boss",
                  appointments=[{"code": "T1", "service": "passport", "slot": "10:00", "day": "2026-11-24"}]).ok
    decision = peek(d, now, "check_in", actor="kiosk:1", code="T1")
    assert (decision.refusal.code if decision.refusal else None) == code
    assert (d.engine.appointment_today("T1", now) is not None) is (code is None)


def test_an_appointment_is_forgotten_when_the_day_after_it_begins():
    d = Driver(HALL_YAML.replace(HOURS, ALL_DAY).replace(*WITH_APPOINTMENTS))
    d.send("book", actor="manager:boss",
           appointments=[{"code": "T1", "service": "passport", "slot": "10:00", "day": "2026-11-24"}])
    for now in (MIDNIGHT, MIDNIGHT + 24 * HOUR - SECOND):
        for e in d.engine.tick(now):
            d.engine.apply(e, d.engine.state.seq + 1)
        assert "T1" in d.engine.state.appointments
    for e in d.engine.tick(MIDNIGHT + 24 * HOUR):
        d.engine.apply(e, d.engine.state.seq + 1)
    assert d.engine.state.appointments == {}


@pytest.mark.parametrize("day, ok", [("2026-11-22", False), ("2026-11-23", True), ("2026-11-24", True)])
def test_booking_for_a_day_that_has_passed_is_refused_and_today_has_not_passed(day, ok):
    d = Driver(HALL_YAML.replace(*WITH_APPOINTMENTS))
    decision = peek(d, MIDNIGHT - SECOND, "book", actor="manager:boss",  # the last second of the 23rd
                    appointments=[{"code": "T1", "service": "passport", "slot": "10:00", "day": day}])
    assert decision.ok is ok
    if not ok:
        assert decision.refusal.code == "bad_appointment" and "has passed" in decision.refusal.message
