"""The wait estimator: the message it makes, what it learns, and that it beats the naive one."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from conftest import LAYOUTS
from server.queue.engine import QueueEngine
from server.sim.estimator import Calibration, Estimator, naive_minutes, queue_length_minutes
from server.sim.cli import FIRST_DAY, bench_block, cost_scenario, score
from server.sim.simulator import HallDay, Outcome
from server.sim.traffic import load_profile
from signage import protocol as p
from signage.cli import main
from signage.config import load_hall

DAY = dt.date(2026, 11, 23)
TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(scope="module")
def hall():
    config = load_hall(LAYOUTS / "reference.yaml").config
    return config, load_profile(LAYOUTS / "reference.traffic.yaml", config).profile


def at(hhmm: str) -> float:
    h, m = map(int, hhmm.split(":"))
    return dt.datetime.combine(DAY, dt.time(h, m), TZ).timestamp()


def day_until(config, profile, stop: str, est: Estimator | None = None, seed: int = 11) -> tuple[QueueEngine, float]:
    """A simulated reference day run up to ``stop``: the live engine then."""
    engine = QueueEngine(config)
    ids = itertools.count(1)
    gen = HallDay(config, profile, DAY, seed).steps()
    step = next(gen)
    while step.at < at(stop):
        d = engine.execute(step.command, step.at, step.actor, lambda: f"t{next(ids)}")
        for e in d.events:
            if est is not None:
                est.observe(e)
        step = gen.send(Outcome.of(d))
    return engine, at(stop)


@pytest.fixture(scope="module")
def morning(hall):
    config, profile = hall
    est = Estimator(config, profile.planned_breaks(), seed=1)
    engine, now = day_until(config, profile, "10:40", est)
    return est, engine, now


def test_the_message_matches_the_protocol(hall, morning):
    config, _ = hall
    est, engine, now = morning
    out = est.estimate(engine, now)
    p.Estimates(type="estimates", at=now, **out)  # the wire model accepts it
    waiting = [t for t in engine.state.tickets.values() if t.state == "waiting"]
    assert len(waiting) > 5 and set(out["tickets"]) == {t.id for t in waiting}
    assert set(out["services"]) == {s.id for s in config.services}
    for s in out["services"].values():
        assert set(s) == {"waiting", "ahead", "minutes", "low", "high", "closed_until"}
        assert s["closed_until"] is None
        assert all(isinstance(s[k], int) for k in ("waiting", "minutes", "low", "high"))
        assert 0 <= s["low"] <= s["minutes"] <= s["high"]
    for t in out["tickets"].values():
        assert set(t) == {"ahead", "minutes", "low", "high"}
        assert 0 <= t["low"] <= t["minutes"] <= t["high"]
    assert sum(s["waiting"] for s in out["services"].values()) == len(waiting)


def test_later_in_line_never_sooner(morning):
    """In every run a queue is called in order: the numbers cannot go backwards."""
    est, engine, now = morning
    out = est.estimate(engine, now)
    for service, s in out["services"].items():
        line = sorted((t for t in engine.state.tickets.values() if t.state == "waiting"
                       and t.service == service and t.klass == "normal"), key=lambda t: t.order_at)
        minutes = [out["tickets"][t.id]["minutes"] for t in line]
        assert minutes == sorted(minutes)
        assert [out["tickets"][t.id]["ahead"] for t in line] == sorted(out["tickets"][t.id]["ahead"] for t in line)
        if line:  # a new ticket comes after everyone already there
            assert s["minutes"] >= minutes[-1]


def test_a_partial_estimate_equals_the_full_one(hall):
    config, profile = hall
    a = Estimator(config, profile.planned_breaks(), seed=3)
    b = Estimator(config, profile.planned_breaks(), seed=3)
    engine, now = day_until(config, profile, "11:50", a)
    b_engine, _ = day_until(config, profile, "11:50", b)
    full = a.estimate(engine, now)["tickets"]
    some = sorted(full)[len(full) // 2]
    part = b.estimate(b_engine, now, tickets=[some], services=False)
    assert part["services"] == {} and list(part["tickets"]) == [some]
    assert part["tickets"][some] == full[some]


def test_service_closed_until_a_window_comes_back(hall):
    config, profile = hall
    est = Estimator(config, profile.planned_breaks(), seed=2)
    engine, now = day_until(config, profile, "12:25", est)
    ids = itertools.count(1)

    def send(cmd):
        d = engine.execute(cmd, now, "manager", lambda: f"z{next(ids)}")
        for e in d.events:
            est.observe(e)
        return d

    # Windows 5 and 6 are the only ones for traffic: free both, pause both until 13:30.
    for w in (5, 6):
        ws = engine.state.windows[w]
        if ws.state == "paused":
            send(p.Resume(type="resume", id=f"r{w}", window=w))
        if ws.ticket and engine.state.tickets[ws.ticket].state in ("called", "serving"):
            send(p.Complete(type="complete", id=f"c{w}", window=w))
        assert send(p.Pause(type="pause", id=f"p{w}", window=w, reason="meeting", until="13:30")).ok
    issued = send(p.Issue(type="issue", id="i1", service="traffic"))
    tid = issued.result["ticket"]["id"]
    out = est.estimate(engine, now)
    s = out["services"]["traffic"]
    assert s["closed_until"] == "13:30" and s["minutes"] is None and s["low"] is None
    assert out["services"]["id-card"]["closed_until"] is None
    # The ticket itself still gets a number: at least until the window is back.
    assert out["tickets"][tid]["minutes"] >= 65 and out["tickets"][tid]["low"] >= 60


def test_it_learns_service_times_per_service_and_window(hall):
    config, _ = hall
    est = Estimator(config)
    before = est.mean["traffic"].value
    for i in range(60):
        est.observe({"type": "ticket_completed", "at": 1.0 * i, "window": 5, "service_seconds": 1500.0,
                     "ticket": {"id": f"x{i}", "number": f"D{i:03d}", "service": "traffic", "class": "normal"}})
    assert before == 900.0 and est.mean["traffic"].value > 1300
    assert est.speed[5].value > 1.0  # window 5 looked slow while the mean was still catching up
    est.observe({"type": "something_new", "at": 0})
    est.observe({"type": "ticket_called", "at": 5.0, "window": 1, "ticket": {"id": "unknown"}})
    est.observe({})


def test_it_learns_no_shows_and_late_returns(hall):
    config, _ = hall
    est = Estimator(config)
    est.observe({"type": "day_started", "at": at("09:00"), "day": DAY.isoformat()})
    t = at("09:00")
    for i in range(50):
        tk = {"id": f"n{i}", "number": f"A{i:03d}", "service": "id-card", "class": "normal", "issued_at": t}
        est.observe({"type": "ticket_issued", "at": t, "ticket": tk})
        est.observe({"type": "ticket_called", "at": t + 10, "window": 1, "ticket": tk})
        est.observe({"type": "ticket_skipped", "at": t + 130, "window": 1, "ticket": tk})
        t += 200
    assert est.no_show.value > 0.3 and est.no_show_cost.value == pytest.approx(120, rel=0.2)
    est.observe({"type": "window_paused", "at": at("11:30"), "window": 2, "reason": "午休", "until": "12:15"})
    est.observe({"type": "window_resumed", "at": at("12:35"), "window": 2})
    assert est.late.value > 300


def test_calibration_moves_the_range_the_right_way():
    c = Calibration()
    for _ in range(50):
        c.update(30.0, (10, 5, 15))  # far above the range every time
    assert c.high > 2 and c.low < 1
    c = Calibration()
    for _ in range(50):
        c.update(10.0, (10, 5, 15))  # always inside: the range may narrow
    assert c.high < 1 and c.low < 1


def test_a_big_hall_update_covers_every_ticket():
    est, engine, now = cost_scenario(300)
    est.runs = 4
    out = est.estimate(engine, now)
    assert len(out["tickets"]) == 300 and len(out["services"]) == 8
    assert all(t["minutes"] is not None for t in out["tickets"].values())


def test_yardsticks():
    """The two simple estimators the bench compares with, on a queue small enough to work out by hand."""
    from engine_hall import Driver

    d = Driver()  # window 1 (love) and 2 (green) serve all, 3 id cards, 4 passports
    for service in ("id-card", "id-card", "passport", "id-card"):
        d.issue(service)                         # A001, A002, B001, A003
    d.send("open", window=3); d.send("open", window=4)
    engine, state = d.engine, d.engine.state
    a003, b001 = (state.tickets[state.numbers[n]] for n in ("A003", "B001"))
    # naive: everyone else waiting x the mean service / the open windows = 3 x 6 min / 2
    assert naive_minutes(engine, a003, 360.0) == pytest.approx(9.0)
    assert naive_minutes(engine, b001, 360.0) == pytest.approx(9.0)
    # queue length: the work ahead in calling order that shares an open window with the ticket:
    # for A003, A001 and A002 (6 min each at window 3); B001 is window 4's alone
    means = {"id-card": 360.0, "passport": 600.0}
    assert queue_length_minutes(engine, a003, means, d.now) == pytest.approx(12.0)
    assert queue_length_minutes(engine, b001, means, d.now) == pytest.approx(0.0)
    # a priority ticket issued last is ahead of A003 all the same
    d.issue("id-card", priority="elderly")
    assert queue_length_minutes(engine, a003, means, d.now) == pytest.approx(18.0)
    # with window 3 closed no open window serves id cards: nothing to share the work
    d.send("close", window=3)
    assert queue_length_minutes(engine, a003, means, d.now) == 0.0
    assert naive_minutes(engine, a003, 360.0) == pytest.approx(4 * 6.0 / 1)


def test_better_than_naive_on_a_fixed_seed(hall):
    """The ordering the benchmark shows, on two days (never a timing)."""
    r = bench_block((str(LAYOUTS / "reference.yaml"), str(LAYOUTS / "reference.traffic.yaml"),
                     FIRST_DAY, 2, 42, 8, 0, None))
    s = score(r["scored"])
    all_ = s["groups"]["all"]
    assert all_["shadow"]["n"] > 500
    assert all_["shadow"]["mae"] < 0.6 * all_["naive"]["mae"]
    assert all_["shadow"]["mae"] < all_["queue-length"]["mae"]
    assert s["groups"]["priority"]["shadow"]["mae"] < s["groups"]["priority"]["naive"]["mae"]
    assert 0.6 < s["coverage"]["inside"] < 0.95


def test_bench_command(capsys):
    assert main(["bench", "wait", "--days", "1", "--seed", "2", "--runs", "4", "--jobs", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("reference: 1 days, seed 2")
    assert "queue-length" in out and "covers" in out
    assert main(["bench", "wait", "--cost", "--waiting", "40", "--repeat", "1", "--runs", "4"]) == 0
    assert "40 waiting" in capsys.readouterr().out


def test_before_opening_a_service_says_when(hall):
    config, profile = hall
    engine = QueueEngine(config)
    est = Estimator(config, profile.planned_breaks(), seed=1)
    out = est.estimate(engine, at("08:10"))
    assert out["services"]["id-card"] == {"waiting": 0, "ahead": 0, "minutes": None, "low": None, "high": None,
                                          "closed_until": "09:00"}
    assert out["tickets"] == {}


def test_a_break_taken_early_is_not_taken_again(hall):
    """Back from lunch before the planned end: the window works, it does not break again."""
    config, profile = hall
    est = Estimator(config, profile.planned_breaks(), seed=4)
    engine, now = day_until(config, profile, "11:20", est)
    ids = itertools.count(1)

    def send(cmd, when):
        d = engine.execute(cmd, when, "manager", lambda: f"y{next(ids)}")
        for e in d.events:
            est.observe(e)
        return d

    for w in (1, 2, 3, 4, 5, 6):  # everybody free, everybody but window 1 gone for the day
        ws = engine.state.windows[w]
        if ws.ticket and engine.state.tickets[ws.ticket].state in ("called", "serving"):
            send(p.Complete(type="complete", id=f"c{w}", window=w), now)
        if w != 1:
            send(p.Close(type="close", id=f"x{w}", window=w), now)
    assert send(p.Pause(type="pause", id="p1", window=1, reason="午休", until="12:15"), at("11:30")).ok
    assert send(p.Resume(type="resume", id="r1", window=1), at("11:50")).ok
    windows = {r.number: r for r in est._windows(engine, at("11:55"), at("00:00"))}
    assert set(windows) == {1} and windows[1].breaks == []


def test_a_new_service_time_in_the_hall_file_replaces_the_prior_not_what_was_learned() -> None:
    from server.sim.estimator import PRIOR_WEIGHT

    from tests.engine_hall import HALL_YAML, hall_config

    est = Estimator(hall_config())
    assert est.mean["passport"].value == 6 * 60
    est.config = hall_config(HALL_YAML.replace("minutes: 6, name: 护照", "minutes: 10, name: 护照"))
    assert est.mean["passport"].value == 10 * 60  # nothing observed yet: the new figure, exactly
    for _ in range(PRIOR_WEIGHT):
        est.mean["passport"].add(8 * 60)  # then five passports take 8 minutes each
    assert est.mean["passport"].value == pytest.approx(9 * 60)
    est.config = hall_config(HALL_YAML.replace("minutes: 6, name: 护照", "minutes: 4, name: 护照"))
    assert est.mean["passport"].value == pytest.approx(6 * 60)  # (5 × 4 + 5 × 8) / 10: both still count
