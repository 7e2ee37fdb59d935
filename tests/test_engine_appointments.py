"""Appointment check-in: a manager books the day's appointments, a kiosk checks one in by its code."""

from __future__ import annotations

from engine_hall import HALL_YAML, Driver
from server.queue.engine import HallState, QueueEngine

HALL = HALL_YAML.replace("{id: passport, prefix: B, group: household, minutes: 6, name: 护照}",
                         "{id: passport, prefix: B, group: household, minutes: 6, name: 护照, appointments: true}")


def booked(d: Driver, *items: dict) -> None:
    r = d.send("book", actor="manager:boss", appointments=list(items))
    assert r.ok, r.refusal


def test_a_booked_code_checks_in_once_as_an_appointment_ticket() -> None:
    d = Driver(HALL)
    booked(d, {"code": "ab-123", "service": "passport", "slot": "09:30"})
    r = d.send("check_in", actor="kiosk:1", code="AB-123")
    assert r.ok and r.result["ticket"]["class"] == "appointment" and r.result["ticket"]["number"] == "B001"
    issued = [e for e in d.log if e["type"] == "ticket_issued"][-1]
    assert issued["ticket"]["appointment"] == "AB-123" and issued["ticket"]["slot"] is not None
    assert d.refusal("check_in", code="ab-123") == "already_checked_in"
    # the same request again (a double tap, a resend after a drop) gets the same ticket, not a refusal
    booked(d, {"code": "XY-1", "service": "passport", "slot": "11:00"})
    first = d.send("check_in", actor="kiosk:1", rid="same", code="XY-1")
    again = d.send("check_in", actor="kiosk:1", rid="same", code="XY-1")
    assert again.duplicate and again.result["ticket"] == first.result["ticket"]


def test_check_in_refusals_say_why() -> None:
    d = Driver(HALL)
    booked(d, {"code": "T1", "service": "passport", "slot": "10:00", "day": "2026-11-24"})
    assert d.refusal("check_in", code="T1") == "wrong_day"
    assert d.refusal("check_in", code="NOPE") == "unknown_appointment"
    assert d.refusal("book", appointments=[{"code": "X", "service": "id-card", "slot": "10:00"}]) == "no_appointments"
    assert d.refusal("book", appointments=[{"code": "X", "service": "visa", "slot": "10:00"}]) == "unknown_service"
    assert d.refusal("book", appointments=[{"code": "X", "service": "passport", "slot": "10:00", "day": "2026-11-01"}]) \
        == "bad_appointment"
    assert d.refusal("book", appointments=[{"code": "X", "service": "passport", "slot": "10:00"},
                                           {"code": "x", "service": "passport", "slot": "11:00"}]) == "bad_appointment"
    r = d.send("book", appointments=[{"code": "X", "service": "passport", "slot": "10:00"},
                                     {"code": "Y", "service": "id-card", "slot": "11:00"}])
    assert "appointments[1].service" in r.refusal.message and not r.events  # all or nothing


def test_appointments_survive_a_snapshot_and_end_with_their_day() -> None:
    d = Driver(HALL)
    booked(d, {"code": "T1", "service": "passport", "slot": "10:00"},
           {"code": "T2", "service": "passport", "slot": "10:00", "day": "2026-11-24"})
    copy = QueueEngine(d.engine.config, HallState.from_json(d.engine.state.to_json()))
    assert set(copy.state.appointments) == {"T1", "T2"}
    old = d.engine.state.to_json()
    del old["appointments"]  # a snapshot written before appointments existed
    assert HallState.from_json(old).appointments == {}
    d.now += 86400  # the next day: yesterday's appointment is gone, today's checks in
    r = d.send("check_in", actor="kiosk:1", code="T2")
    assert r.ok and r.result["ticket"]["class"] == "appointment"
    assert set(d.engine.state.appointments) == {"T2"}


def test_a_slot_or_day_that_is_no_time_is_refused_at_the_door() -> None:
    """A "25:00" slot was stored by `book`, then every check-in of it failed inside the engine."""
    import pytest

    from signage.protocol import ProtocolError

    d = Driver(HALL)
    for bad in ({"slot": "25:00"}, {"slot": "09:60"}, {"slot": "10:00", "day": "2026-02-30"}):
        with pytest.raises(ProtocolError) as err:
            d.send("book", actor="manager:boss", appointments=[{"code": "Z1", "service": "passport", "slot": "10:00",
                                                                **bad}])
        assert err.value.code == "bad_field" and "appointments" in str(err.value), bad
    with pytest.raises(ProtocolError):
        d.send("issue", actor="kiosk:1", service="passport", slot="24:00")
    booked(d, {"code": "Z1", "service": "passport", "slot": "23:59"})
    assert d.send("check_in", actor="kiosk:1", code="Z1").ok


def test_an_issue_with_a_booked_code_checks_in_by_the_same_rule() -> None:
    d = Driver(HALL)
    booked(d, {"code": "T1", "service": "passport", "slot": "10:00", "day": "2026-11-24"},
           {"code": "T2", "service": "passport", "slot": "10:30"})
    # tomorrow's booking: refused as check_in refuses it, not issued as an appointment of today
    assert d.refusal("issue", service="passport", appointment="t1", slot="10:00") == "wrong_day"
    # today's: the booking's slot and service, and the booking is used
    r = d.send("issue", actor="kiosk:1", service="passport", appointment="t2", slot="09:00")
    assert r.ok and r.result["ticket"]["class"] == "appointment"
    issued = [e for e in d.log if e["type"] == "ticket_issued"][-1]["ticket"]
    assert issued["appointment"] == "T2" and issued["slot"] == MORNING_AT("10:30")
    assert d.engine.state.appointments["T2"]["ticket"] == r.result["ticket"]["id"]
    # used once, whichever way
    assert d.refusal("issue", service="passport", appointment="T2", slot="10:30") == "already_checked_in"
    assert d.refusal("check_in", code="T2") == "already_checked_in"
    booked(d, {"code": "T3", "service": "passport", "slot": "11:00"})
    assert d.refusal("issue", service="id-card", appointment="T3", slot="11:00") == "wrong_service"
    assert d.send("check_in", actor="kiosk:1", code="T3").ok
    assert d.refusal("issue", service="passport", appointment="T3", slot="11:00") == "already_checked_in"
    # a code the hall has no booking for (another booking system's) is an appointment as before
    r = d.send("issue", actor="kiosk:1", service="passport", appointment="EXT-9", slot="11:30")
    assert r.ok and r.result["ticket"]["class"] == "appointment"


def MORNING_AT(hhmm: str) -> float:
    from engine_hall import MORNING
    h, m = (int(x) for x in hhmm.split(":"))
    return MORNING + ((h - 9) * 60 + m) * 60
