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
