"""The hall simulator: real commands to the real engine, the scenario's numbers."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest

from conftest import LAYOUTS
from server.queue.engine import QueueEngine
from server.queue.rules import pick_next
from server.sim.simulator import HallDay, Outcome, run_on_engine, summarize
from server.sim.traffic import load_profile
from signage.cli import main
from signage.config import load_hall

DAY = dt.date(2026, 11, 23)  # a Monday


@pytest.fixture(scope="module")
def hall():
    config = load_hall(LAYOUTS / "reference.yaml").config
    return config, load_profile(LAYOUTS / "reference.traffic.yaml", config).profile


class Recorder:
    """Runs the steps on an engine, keeping every event and every refusal."""

    def __init__(self, config):
        self.engine = QueueEngine(config)
        self.events: list[dict] = []
        self.refusals: list[tuple[str, str]] = []
        self._ids = itertools.count(1)

    def run(self, day: HallDay):
        gen = day.steps()
        try:
            step = next(gen)
            while True:
                d = self.engine.execute(step.command, step.at, step.actor, lambda: f"t{next(self._ids)}")
                self.events += d.events
                if not d.ok:
                    self.refusals.append((step.command.type, d.refusal.code))
                step = gen.send(Outcome.of(d))
        except StopIteration as stop:
            return stop.value


@pytest.fixture(scope="module")
def recorded(hall):
    config, profile = hall
    rec = Recorder(config)
    result = rec.run(HallDay(config, profile, DAY, seed=5))
    return rec, result


def test_same_seed_same_day_and_another_seed_another(hall):
    config, profile = hall
    a = run_on_engine(HallDay(config, profile, DAY, seed=1))
    b = run_on_engine(HallDay(config, profile, DAY, seed=1))
    c = run_on_engine(HallDay(config, profile, DAY, seed=2))
    assert [(x.number, x.wait) for x in a.citizens] == [(x.number, x.wait) for x in b.citizens]
    assert [x.wait for x in a.citizens] != [x.wait for x in c.citizens]


def test_the_day_looks_like_the_scenario(hall):
    config, profile = hall
    days = [run_on_engine(HallDay(config, profile, DAY + dt.timedelta(days=i), seed=3)) for i in range(4)]
    people = [c for d in days for c in d.citizens]
    walk_ins = [c for c in people if c.klass != "appointment"]
    assert 4 * 280 < len(walk_ins) < 4 * 380  # about 330 a day
    assert 0.06 < sum(c.klass == "priority" for c in walk_ins) / len(walk_ins) < 0.14
    assert 0.02 < sum(c.no_show for c in people) / len(people) < 0.08
    appointments = [c for c in people if c.klass == "appointment"]
    assert 4 * 15 < len(appointments) < 4 * 35  # 2 services x 23 slots x 0.6 x 0.9 = 25 a day
    assert {c.service for c in appointments} == {"household", "exit-entry"}
    # Everybody who got a ticket is called (served or found gone) before the hall empties.
    assert all(c.called_at is not None for c in people if c.ticket)
    assert all(c.turned_away is None for c in walk_ins)
    mix = {s: sum(c.service == s for c in walk_ins) / len(walk_ins) for s in profile.services}
    assert mix["id-card"] == pytest.approx(0.4, abs=0.05) and mix["traffic"] == pytest.approx(0.1, abs=0.04)


def test_only_expected_refusals_and_the_log_replays(hall, recorded):
    config, _ = hall
    rec, _result = recorded
    # Staff never try what the engine refuses, except "next" with nobody there.
    assert {r for r in rec.refusals} <= {("call_next", "nothing_waiting")}
    fresh = QueueEngine(config)
    for seq, e in enumerate(rec.events, 1):
        fresh.apply(e, seq)
    assert not any(t.state in ("waiting", "called", "serving") for t in fresh.state.tickets.values())
    assert all(w.state == "closed" for w in fresh.state.windows.values())


def test_every_call_follows_the_halls_rule(hall, recorded):
    """Replaying the day, each ticket a window got is what pick_next gives it then."""
    config, _ = hall
    rec, _ = recorded
    mirror = QueueEngine(config)
    plans = mirror._plans
    calls = 0
    for seq, e in enumerate(rec.events, 1):
        if e["type"] == "ticket_called":
            waiting = [t for t in mirror.state.tickets.values() if t.state == "waiting"]
            chosen = pick_next(config.rules, plans[e["window"]], waiting, e["at"])
            assert chosen is not None and chosen.id == e["ticket"]["id"]
            calls += 1
        mirror.apply(e, seq)
    assert calls > 300


def test_breaks_follow_the_plan(hall, recorded):
    config, profile = hall
    rec, result = recorded
    tz = dt.timezone(dt.timedelta(hours=8))

    def hhmm(t):
        return dt.datetime.fromtimestamp(t, tz).strftime("%H:%M")

    pauses = {e["window"]: e for e in rec.events if e["type"] == "window_paused"}
    resumes = {e["window"]: e for e in rec.events if e["type"] == "window_resumed"}
    assert set(pauses) == set(resumes) == {1, 2, 3, 4, 5, 6}
    for w in (1, 3, 5):
        assert pauses[w]["until"] == "12:15" and "11:30" <= hhmm(pauses[w]["at"]) < "12:15"
        assert hhmm(resumes[w]["at"]) >= "12:15"
    for w in (2, 4, 6):
        assert pauses[w]["until"] == "13:00" and hhmm(resumes[w]["at"]) >= "13:00"
    # Nobody is called at a window while it is paused.
    for e in rec.events:
        if e["type"] == "ticket_called":
            w = e["window"]
            assert not (pauses[w]["at"] <= e["at"] < resumes[w]["at"])


def test_appointments_are_not_called_early(hall, recorded):
    config, _ = hall
    rec, result = recorded
    early = config.rules.appointment_early_minutes * 60
    for c in result.citizens:
        if c.klass == "appointment" and c.called_at is not None:
            h, m = map(int, c.slot.split(":"))
            slot = dt.datetime.combine(DAY, dt.time(h, m), dt.timezone(dt.timedelta(hours=8))).timestamp()
            assert c.called_at >= slot - early - 1e-6


def test_no_shows_cost_a_recall_and_a_minute(recorded):
    rec, _ = recorded
    called = {}
    skipped = []
    for e in rec.events:
        if e["type"] == "ticket_called":
            called[e["ticket"]["id"]] = e["at"]
        elif e["type"] == "ticket_skipped":
            skipped.append(e["at"] - called[e["ticket"]["id"]])
    recalls = [e for e in rec.events if e["type"] == "ticket_recalled"]
    assert skipped and len(recalls) == len(skipped)
    assert all(s == pytest.approx(60.0) for s in skipped)


def test_steps_run_against_a_remote_party_as_well(hall):
    """The generator only needs answers as a hub sends them (JSON), not the engine."""
    config, profile = hall
    engine = QueueEngine(config)
    ids = itertools.count(1)
    gen = HallDay(config, profile, DAY, seed=9).steps()
    try:
        step = next(gen)
        while True:
            wire = json.loads(step.command.to_json())  # what a client would send
            assert wire["type"] == step.command.type and wire["id"]
            d = engine.execute(step.command, step.at, step.actor, lambda: f"x{next(ids)}")
            answer = json.loads(json.dumps({"type": "ok", "result": d.result} if d.ok else
                                           {"type": "error", "code": d.refusal.code}))
            step = gen.send(Outcome(answer["type"] == "ok", answer.get("result") or {}, answer.get("code")))
    except StopIteration as stop:
        remote = stop.value
    local = run_on_engine(HallDay(config, profile, DAY, seed=9))
    assert [c.wait for c in remote.citizens] == [c.wait for c in local.citizens]


def test_summary(hall, recorded):
    config, _ = hall
    _, result = recorded
    s = summarize(result, config)
    assert s["opened"] == "09:00" and s["emptied"] >= "16:30"
    assert s["all"]["served"] + s["all"]["no_shows"] == s["all"]["tickets"]
    assert set(s["windows"]) == {1, 2, 3, 4, 5, 6}
    assert s["classes"]["priority"]["mean_wait"] < s["classes"]["normal"]["mean_wait"]


def test_simulate_command(capsys):
    assert main(["simulate", "--hall", str(LAYOUTS / "reference.yaml"), "--day", "2026-11-23", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("reference on 2026-11-23 (Mon), seed 4:")
    assert "exit-entry" in out and "class priority" in out
    assert main(["simulate", "--hall", "zhongshan", "--day", "2026-11-29"]) == 0
    assert "closed on 2026-11-29 (Sun)" in capsys.readouterr().out
    assert main(["simulate", "--hall", "zhongshan", "--day", "2026-11-28", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["opened"] == "09:00" and s["all"]["tickets"] > 100
