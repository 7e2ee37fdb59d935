"""``signage simulate`` and ``signage bench wait``: simulated hall days, scored estimates.

``simulate`` runs one day of a hall under its traffic profile and prints what
happened (per service, class and window). ``bench wait`` runs many days and
scores three estimators on the same tickets, as ``../shared/WAIT_BENCH.md``
asks: each ticket's estimate at issue time against its real wait (call time
minus issue time), no-shows excluded. ``bench wait --cost`` measures the time
of one estimate update for a big hall (20 windows, 300 waiting tickets).

Days run in blocks of :data:`BLOCK` consecutive days; the estimator carries
what it learned from one day to the next inside a block (as a hub does), and
starts cold at each block. Blocks are independent, so they run in parallel
(``--jobs``) and the figures do not depend on the number of processes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import multiprocessing as mp
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from signage.config import load_hall
from signage.config.model import HallConfig, minutes_of

from server.queue.engine import QueueEngine, local_time
from server.sim.estimator import Estimator, naive_minutes, queue_length_minutes
from server.sim.simulator import HallDay, run_on_engine, summarize
from server.sim.traffic import TrafficProfile, load_profile, profile_beside

BLOCK = 10
FIRST_DAY = dt.date(2026, 11, 2)  # a Monday; days follow one another
ESTIMATORS = ("naive", "queue-length", "shadow")
LUNCH = ("11:30", "13:00")


# --- finding the files ------------------------------------------------------------

def _hall_path(name: str) -> Path:
    p = Path(name)
    if p.exists():
        return p
    for root in (Path.cwd(), Path(__file__).resolve().parents[2]):
        q = root / "layouts" / f"{name}.yaml"
        if q.exists():
            return q
    return p


def load_pair(hall: str, profile: str | None) -> tuple[HallConfig, TrafficProfile, Path, Path]:
    """The hall and its profile, or SystemExit with every problem listed."""
    hall_path = _hall_path(hall)
    res = load_hall(hall_path)
    if res.config is None:
        raise SystemExit("\n".join(str(p) for p in res.problems) or f"{hall_path}: cannot load")
    prof_path = Path(profile) if profile else profile_beside(hall_path)
    if not prof_path.exists():
        raise SystemExit(f"{prof_path}: no traffic profile (give one with --profile)")
    pres = load_profile(prof_path, res.config)
    for w in pres.problems:
        if w.severity == "warning":
            print(w, file=sys.stderr)
    if pres.profile is None:
        raise SystemExit("\n".join(str(p) for p in pres.errors))
    return res.config, pres.profile, hall_path, prof_path


# --- simulate -------------------------------------------------------------------------

def cmd_simulate(args: argparse.Namespace) -> int:
    config, profile, hall_path, prof_path = load_pair(args.hall, args.profile)
    day = dt.date.fromisoformat(args.day) if args.day else dt.date.today()
    result = run_on_engine(HallDay(config, profile, day, args.seed))
    s = summarize(result, config)
    s["closed"] = not result.windows or result.opened_at == result.ended_at and not result.citizens
    if args.json:
        json.dump(s, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    if s["closed"]:
        print(f"{config.hall.id} is closed on {s['day']} ({day.strftime('%a')}): nothing to simulate")
        return 0
    a = s["all"]
    print(f"{config.hall.id} on {s['day']} ({day.strftime('%a')}), seed {args.seed}: "
          f"{a['tickets']} tickets, {a['served']} served, {a['no_shows']} no-shows, "
          f"{s['turned_away']} turned away; open {s['opened']}, empty at {s['emptied']}; "
          f"at most {s['max_waiting']} waiting")
    print()
    print(f"{'':22}{'tickets':>8}{'served':>8}{'mean wait':>11}{'p90 wait':>10}{'max wait':>10}")

    def row(name: str, b: dict) -> None:
        print(f"{name:22}{b['tickets']:>8}{b['served']:>8}{_m(b['mean_wait']):>11}{_m(b['p90_wait']):>10}{_m(b['max_wait']):>10}")

    row("all", a)
    for sid, b in s["services"].items():
        row(f"  {sid}", b)
    for k, b in s["classes"].items():
        row(f"  class {k}", b)
    print()
    print(f"{'window':>8}{'served':>8}{'busy':>7}{'speed':>8}")
    for n, w in s["windows"].items():
        print(f"{n:>8}{w['served']:>8}{w['busy']:>6}%{w['speed']:>8.2f}")
    return 0


def _m(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f} min"


# --- bench wait -----------------------------------------------------------------------

@dataclass
class Scored:
    """One ticket: when issued (minute of day), its class, its wait and the estimates (minutes)."""

    minute: float
    klass: str
    wait: float
    naive: float
    queue: float
    shadow: float | None
    low: float | None
    high: float | None


def bench_block(job: tuple) -> dict:
    """Run ``days`` consecutive days with one estimator; score every ticket at issue."""
    hall_path, prof_path, first, days, seed, runs, block, progress = job
    config = load_hall(hall_path).config
    profile = load_profile(prof_path, config).profile
    est = Estimator(config, profile.planned_breaks(), runs=runs, seed=seed * 7919 + block)
    scored: list[Scored] = []
    spent, count = 0.0, 0
    for i in range(days):
        day = first + dt.timedelta(days=i)
        at_issue: dict[str, tuple] = {}
        sim = HallDay(config, profile, day, seed)
        midnight = sim.midnight

        def on_events(events: list[dict], engine: QueueEngine) -> None:
            nonlocal spent, count
            for e in events:
                est.observe(e)
                if e["type"] == "ticket_issued":
                    now, tid = e["at"], e["ticket"]["id"]
                    t = engine.state.tickets[tid]
                    t0 = time.perf_counter()
                    ours = est.estimate(engine, now, tickets=[tid], services=False)["tickets"][tid]
                    spent += time.perf_counter() - t0
                    count += 1
                    means = {s: m.value for s, m in est.mean.items()}
                    at_issue[tid] = (now, t.klass, naive_minutes(engine, t, est.mean_all.value),
                                     queue_length_minutes(engine, t, means, now), ours)

        result = run_on_engine(sim, on_events=on_events)
        for c in result.citizens:
            if c.ticket is None or c.no_show or c.called_at is None or c.ticket not in at_issue:
                continue
            now, klass, naive, queue, ours = at_issue[c.ticket]
            scored.append(Scored((now - midnight) / 60.0, klass, (c.called_at - now) / 60.0, naive, queue,
                                 ours["minutes"], ours["low"], ours["high"]))
        if progress is not None:
            progress.put(1)
    return {"block": block, "scored": scored, "spent": spent, "count": count}


def metrics(errors: list[float]) -> dict:
    if not errors:
        return {"n": 0}
    a = sorted(abs(e) for e in errors)
    k = (len(a) - 1) * 0.9
    p90 = a[math.floor(k)] + (a[math.ceil(k)] - a[math.floor(k)]) * (k - math.floor(k))
    return {"n": len(errors), "mae": sum(a) / len(a), "rmse": math.sqrt(sum(e * e for e in errors) / len(errors)),
            "p90": p90, "within5": sum(1 for e in a if e <= 5) / len(a), "bias": sum(errors) / len(errors)}


def score(scored: list[Scored]) -> dict:
    """Metrics per group and estimator, and the coverage of the shadow's range."""
    lunch = (minutes_of(LUNCH[0]), minutes_of(LUNCH[1]))
    groups = {
        "all": scored,
        f"issued {LUNCH[0]}-{LUNCH[1]}": [s for s in scored if lunch[0] <= s.minute < lunch[1]],
        "priority": [s for s in scored if s.klass == "priority"],
        "appointment": [s for s in scored if s.klass == "appointment"],
    }
    out: dict[str, Any] = {"groups": {}}
    for name, ss in groups.items():
        ok = [s for s in ss if s.shadow is not None]
        out["groups"][name] = {
            "naive": metrics([s.naive - s.wait for s in ok]),
            "queue-length": metrics([s.queue - s.wait for s in ok]),
            "shadow": metrics([s.shadow - s.wait for s in ok]),
        }
    ranged = [s for s in scored if s.low is not None]
    n = max(1, len(ranged))
    out["coverage"] = {
        "inside": sum(1 for s in ranged if s.low <= s.wait <= s.high) / n,
        "below": sum(1 for s in ranged if s.wait < s.low) / n,
        "above": sum(1 for s in ranged if s.wait > s.high) / n,
        "mean_width": sum(s.high - s.low for s in ranged) / n,
    }
    out["without_estimate"] = sum(1 for s in scored if s.shadow is None)
    return out


def run_bench(hall_path: Path, prof_path: Path, days: int, seed: int, runs: int, jobs: int,
              show_progress: bool = True) -> dict:
    blocks = [(str(hall_path), str(prof_path), FIRST_DAY + dt.timedelta(days=b), min(BLOCK, days - b), seed, runs, b // BLOCK)
              for b in range(0, days, BLOCK)]
    t0 = time.perf_counter()
    if jobs <= 1:
        bar = _bar(days, show_progress)
        results = []
        for job in blocks:
            results.append(bench_block(job + (None,)))
            bar.update(job[3])
        bar.close()
    else:
        with mp.Manager() as manager:
            q = manager.Queue()
            with mp.get_context("spawn").Pool(jobs) as pool:
                pending = pool.map_async(bench_block, [job + (q,) for job in blocks])
                bar = _bar(days, show_progress)
                done = 0
                while done < days:
                    try:
                        q.get(timeout=0.5)
                        done += 1
                        bar.update(1)
                    except Exception:
                        if pending.ready():
                            break
                bar.close()
                results = pending.get()
    results.sort(key=lambda r: r["block"])
    scored = [s for r in results for s in r["scored"]]
    out = score(scored)
    out.update(days=days, seed=seed, runs=runs, tickets=len(scored),
               seconds=time.perf_counter() - t0,
               ms_per_estimate=1000 * sum(r["spent"] for r in results) / max(1, sum(r["count"] for r in results)))
    return out


def _bar(total: int, show: bool) -> Any:
    try:
        from tqdm import tqdm
        return tqdm(total=total, unit="day", disable=not show, file=sys.stderr)
    except ImportError:  # pragma: no cover - tqdm is optional
        class _No:
            def update(self, n: int) -> None: ...
            def close(self) -> None: ...
        return _No()


def print_table(hall: str, r: dict) -> None:
    print(f"{hall}: {r['days']} days, seed {r['seed']}, {r['tickets']} tickets scored at issue "
          f"(no-shows excluded), {r['runs']} shadow runs per estimate")
    print()
    head = f"{'':26}{'estimator':14}{'MAE':>7}{'RMSE':>7}{'P90':>7}{'±5 min':>8}{'bias':>7}{'n':>8}"
    print(head)
    print("-" * len(head))
    for group, by in r["groups"].items():
        for i, name in enumerate(ESTIMATORS):
            m = by[name]
            label = group if i == 0 else ""
            if not m.get("n"):
                print(f"{label:26}{name:14}{'-':>7}")
                continue
            print(f"{label:26}{name:14}{m['mae']:7.2f}{m['rmse']:7.2f}{m['p90']:7.2f}"
                  f"{100 * m['within5']:7.1f}%{m['bias']:+7.2f}{m['n']:8d}")
    print("-" * len(head))
    c = r["coverage"]
    print(f"10-90% range of the shadow estimate: covers {100 * c['inside']:.1f}% of waits "
          f"({100 * c['below']:.1f}% below, {100 * c['above']:.1f}% above), mean width {c['mean_width']:.1f} min")
    ratio = r["groups"]["all"]["shadow"]["mae"] / r["groups"]["all"]["naive"]["mae"]
    print(f"shadow MAE / naive MAE = {ratio:.2f}; {r['without_estimate']} tickets without a shadow estimate")
    print(f"{r['ms_per_estimate']:.1f} ms per estimate of one new ticket on this hall; "
          f"bench took {r['seconds']:.0f} s")


def cmd_bench_wait(args: argparse.Namespace) -> int:
    if args.cost:
        return cmd_cost(args)
    config, profile, hall_path, prof_path = load_pair(args.hall, args.profile)
    jobs = args.jobs or min(os.cpu_count() or 1, max(1, math.ceil(args.days / BLOCK)))
    r = run_bench(hall_path, prof_path, args.days, args.seed, args.runs, jobs, show_progress=not args.quiet)
    if args.json:
        json.dump(r, sys.stdout, indent=2)
        print()
    else:
        print_table(config.hall.id, r)
    return 0


# --- the cost of an update ----------------------------------------------------------------

def big_hall() -> HallConfig:
    """A made-up hall of 20 windows and 8 services, for ``--cost``."""
    from signage.config import load_hall_text

    services = "\n".join(
        f"  - {{id: s{i}, prefix: {chr(65 + i)}, group: g, minutes: {m}, name: 业务{i}{', appointments: true' if i < 2 else ''}}}"
        for i, m in enumerate([3, 5, 6, 8, 10, 12, 15, 4]))
    windows = []
    for n in range(1, 21):
        svcs = [f"s{(n + k) % 8}" for k in range(3)]
        kind = "love" if n == 1 else "green" if n == 2 else "normal"
        windows.append(f"  - {{number: {n}, kind: {kind}, services: [{', '.join(svcs)}], floor: 1F, position: [{n}, 1]}}")
    text = f"""format: 1
hall: {{id: big, name: 大厅, timezone: Asia/Shanghai, hours: [{{open: "08:00", close: "18:00"}}]}}
rules: {{starvation_minutes: 60}}
groups: [{{id: g, name: 业务}}]
services:
{services}
windows:
{chr(10).join(windows)}
floors: [{{id: 1F, level: 1, name: 一楼, outline: [[0, 0], [30, 0], [30, 10], [0, 10]]}}]
"""
    res = load_hall_text(text, "big.yaml")
    assert res.config is not None, [str(p) for p in res.problems]
    return res.config


def cost_scenario(waiting: int = 300, seed: int = 1) -> tuple[Estimator, QueueEngine, float]:
    """The big hall at 10:00 with ``waiting`` tickets waiting and every window busy."""
    from signage import protocol as pr
    from server.sim.traffic import PlannedBreak

    config = big_hall()
    rng = random.Random(seed)
    engine = QueueEngine(config)
    est = Estimator(config, [PlannedBreak(n, "12:00", "13:00") for n in range(1, 21, 2)], seed=seed)
    day = dt.datetime(2026, 11, 23, 8, 0, tzinfo=local_time(config, 0).tzinfo)
    now = day.timestamp()
    ids = iter(range(10**9))
    mint = lambda: f"t{next(ids)}"  # noqa: E731
    rid = iter(range(10**9))

    def send(cmd: Any, actor: str) -> None:
        d = engine.execute(cmd, now, actor, mint)
        for e in d.events:
            est.observe(e)

    for n in range(1, 21):
        send(pr.Open(type="open", id=f"o{n}", window=n), "manager")
    for i in range(waiting + 20):
        now += rng.expovariate(1 / 30.0)  # two tickets a minute since 08:00
        kind = rng.random()
        send(pr.Issue(type="issue", id=f"i{next(rid)}", service=f"s{rng.randrange(8)}",
                      priority="elderly" if kind < 0.1 else None,
                      slot=f"{10 + rng.randrange(4):02d}:{rng.choice(['00', '20', '40'])}" if 0.1 <= kind < 0.15 else None,
                      appointment="AP" if 0.1 <= kind < 0.15 else None), "kiosk:1")
    for n in range(1, 21):
        send(pr.CallNext(type="call_next", id=f"c{n}", window=n), f"window:{n}")
        send(pr.Start(type="start", id=f"s{n}", window=n), f"window:{n}")
    now += 60
    return est, engine, now


def cmd_cost(args: argparse.Namespace) -> int:
    est, engine, now = cost_scenario(args.waiting)
    est.runs = args.runs
    waiting = sum(1 for t in engine.state.tickets.values() if t.state == "waiting")
    busy = sum(1 for w in engine.state.windows.values() if w.ticket)
    est.estimate(engine, now)  # warm up
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        out = est.estimate(engine, now)
        times.append(time.perf_counter() - t0)
    line = {"windows": len(engine.config.windows), "busy": busy, "waiting": waiting, "runs": est.runs,
            "median_ms": 1000 * statistics.median(times), "min_ms": 1000 * min(times),
            "tickets_estimated": len(out["tickets"]), "services_estimated": len(out["services"])}
    if args.json:
        json.dump(line, sys.stdout, indent=2)
        print()
    else:
        print(f"one full estimate update (every waiting ticket and every service), {line['windows']} windows "
              f"({busy} busy), {waiting} waiting, {est.runs} runs: median {line['median_ms']:.0f} ms, "
              f"best {line['min_ms']:.0f} ms over {args.repeat} updates")
    return 0


# --- registration ------------------------------------------------------------------------

def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    sp = sub.add_parser("simulate", help="simulate a day of a hall from its traffic profile")
    sp.add_argument("--hall", required=True, help="hall file, or a hall id in layouts/")
    sp.add_argument("--profile", help="traffic profile (default: <hall>.traffic.yaml beside the hall file)")
    sp.add_argument("--seed", type=int, default=1, help="random seed (same seed, same day)")
    sp.add_argument("--day", help="the date simulated, YYYY-MM-DD (default: today); the weekday sets the hours")
    sp.add_argument("--json", action="store_true", help="the summary as JSON")
    sp.set_defaults(run=cmd_simulate)

    bp = bench.add_parser("wait", help="score waiting-time estimates on simulated days (WAIT_BENCH.md)")
    bp.add_argument("--hall", default="reference", help="hall file, or a hall id in layouts/ (default: reference)")
    bp.add_argument("--profile", help="traffic profile (default: <hall>.traffic.yaml beside the hall file)")
    bp.add_argument("--days", type=int, default=100, help="simulated days to score (default 100)")
    bp.add_argument("--seed", type=int, default=1, help="seed of the first day (default 1)")
    bp.add_argument("--runs", type=int, default=Estimator.DEFAULT_RUNS, help="shadow runs per estimate")
    bp.add_argument("--jobs", type=int, default=0, help="processes (default: one per core)")
    bp.add_argument("--json", action="store_true", help="the figures as JSON on standard output")
    bp.add_argument("--quiet", action="store_true", help="no progress bar")
    bp.add_argument("--cost", action="store_true",
                    help="instead: time one full update for 20 windows and 300 waiting tickets")
    bp.add_argument("--waiting", type=int, default=300, help="with --cost: tickets waiting")
    bp.add_argument("--repeat", type=int, default=20, help="with --cost: updates timed")
    bp.set_defaults(run=cmd_bench_wait)
