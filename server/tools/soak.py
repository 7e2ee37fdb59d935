"""``signage bench soak``: a simulated week against a real hub, then the other faults, with figures.

What it runs (each part can be turned off with 0):

1. **The week** (``--days``, ``--speed``, ``--screens``): the hub in its own
   process with a simulated clock, the hall's traffic profile played day after
   day as real kiosk and window commands over WebSockets (as ``signage demo``
   does), ``--screens`` wall screens and ``--announcers`` announcers connected
   the whole time (the real display app without a display and the real
   announcer logic, in this process). At the end of each simulated day it
   records the hub's resident memory and its queues (commands pending, tasks,
   client backlogs, close tasks, the ring of recent events, tickets and request
   ids kept), checks that every screen's view equals the hub's state, and
   counts ERROR lines in the hub's log.
2. **Crash cycles** (``--crash-cycles``): ``signage serve`` under load killed
   with SIGKILL at random moments and restarted (:func:`server.tools.reliability.crash_cycles`).
3. **Network faults** (``--outage``): an outage of that many seconds, a
   half-open link and a restart, with the product's keepalive and backoff
   (:func:`server.tools.reliability.network_faults`).

It prints progress (tqdm) and a table of figures at the end; the exit status
is 1 if anything was wrong. The figures are for a person (docs/reliability.md);
the pass/fail part is what tests/test_reliability_soak.py runs in short.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import logging
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from server.tools.demo import Actor, SimClock
from server.tools.reliability import (DEMO_TOKENS, LAYOUTS, HubProcess, Watcher, await_until, compare_with_hub, demo_token,
                          log_problems)

log = logging.getLogger("soak")


# --- the hub's side: a child process with a simulated clock ------------------------------------

def hub_stats(hub: Any) -> dict[str, Any]:
    """The hub's memory and every queue that could grow (call on the hub's loop)."""
    import gc

    from server.hub import hall as hub_hall
    from server.tools.reliability import rss_kib

    halls = {}
    for h in hub.halls.values():
        st = h.durable.engine.state
        backlogs = [c.backlog() for c in h.clients]
        halls[h.id] = {
            "seq": h.durable.seq, "clients": len(h.clients), "pending": len(h._pending), "tasks": len(h._tasks),
            "ring": len(h.ring), "backlog_max": max(backlogs, default=0), "backlog_total": sum(backlogs),
            "worker_queue": h.executor._work_queue.qsize(), "estimator_queue": h.est_executor._work_queue.qsize(),
            "tickets": len(st.tickets), "numbers": len(st.numbers), "requests": len(st.requests),
        }
    import os
    return {"rss_kib": rss_kib(os.getpid()), "loop_tasks": len(asyncio.all_tasks()), "hub_tasks": len(hub._tasks),
            "closing": len(hub_hall._closing), "anonymous": hub.anonymous, "gc_objects": len(gc.get_objects()),
            "halls": halls}


def _child(argv: list[str]) -> None:
    """``python -m server.tools.soak hub ...``: the hub with a simulated clock; takes ``anchor T`` and
    ``stats`` lines on standard input (``stats`` is answered with ``stats {json}``)."""
    from server.hub.hub import ESTIMATORS, Hub, Limits, run_hub
    from server.web.serve import open_hub

    ap = argparse.ArgumentParser()
    ap.add_argument("hall")
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--start", type=float, required=True)
    ap.add_argument("--speed", type=float, required=True)
    ap.add_argument("--estimator", default="shadow")
    ap.add_argument("--no-fsync", action="store_true")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("websockets").setLevel(logging.WARNING)
    clock = SimClock(args.start, args.speed)
    # The simulated staff send faster than real people; the per-connection rate limit is not under test.
    limits = Limits(rate=1e6, burst=1e6, watch_interval=None, unwelcomed_per_address=1_000_000)  # all from 127.0.0.1
    hub = open_hub([args.hall], args.tokens, args.db, limits=limits, clock=clock,
                   estimator=ESTIMATORS[args.estimator], durable=not args.no_fsync)

    async def main() -> None:
        import signal

        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)

        def command(line: str) -> None:
            word, _, rest = line.strip().partition(" ")
            if word == "anchor":
                clock.anchor(float(rest))
            elif word == "stats":
                print("stats " + json.dumps(hub_stats(hub)), flush=True)

        def read_stdin() -> None:
            for line in sys.stdin:
                loop.call_soon_threadsafe(command, line)
            loop.call_soon_threadsafe(stop.set)  # the bench is gone

        threading.Thread(target=read_stdin, daemon=True).start()

        def ready(h: Hub) -> None:
            halls = ", ".join(f"{i} (seq {r.durable.seq})" for i, r in h.halls.items())
            print(f"signage hub listening on ws://127.0.0.1:{h.port}  halls: {halls}", flush=True)

        await run_hub(hub, "127.0.0.1", args.port, stop, ready)

    asyncio.run(main())


class SoakHub(HubProcess):
    def stats(self, timeout: float = 10.0) -> dict[str, Any]:
        self.send("stats")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            if line is None:
                raise RuntimeError(f"the hub is gone; see {self.log_path}")
            if line.startswith("stats "):
                return json.loads(line[6:])
        raise RuntimeError("the hub did not answer stats")


# --- the staff: the simulator's steps as real commands ------------------------------------------

class SimStaff:
    """The kiosk and the windows of the simulated hall, one connection each."""

    def __init__(self, url: str, hall: str, seed: int) -> None:
        self.url, self.hall = url, hall
        self.actors: dict[str, Actor] = {}
        self.rng = random.Random(seed)
        self.ratings = itertools.count(1)
        self.sent = 0
        self.refused = 0

    async def actor(self, name: str) -> Actor:
        from websockets.asyncio.client import connect

        if name not in self.actors:
            if name.startswith("window:"):
                n = int(name.split(":")[1])
                hello = {"type": "hello", "v": 1, "role": "window", "hall": self.hall, "window": n,
                         "token": demo_token("window", self.hall, n)}
            else:
                hello = {"type": "hello", "v": 1, "role": "kiosk", "hall": self.hall,
                         "token": demo_token("kiosk", self.hall)}
            ws = await connect(self.url, open_timeout=10, compression=None, max_size=8 * 1024 * 1024)
            await ws.send(json.dumps(hello))
            welcome = json.loads(await ws.recv())
            if welcome.get("type") != "welcome":
                raise RuntimeError(f"hub refused {name}: {welcome}")
            self.actors[name] = Actor(ws, answer_timeout=30.0)
        return self.actors[name]

    async def day(self, day: Any, clock: SimClock, on_step: Any = None) -> None:
        from signage import protocol as p

        from server.sim.simulator import Outcome

        gen = day.steps()
        try:
            step = next(gen)
        except StopIteration:
            return
        while True:
            wait = (step.at - clock()) / clock.speed
            if wait > 0:
                await asyncio.sleep(wait)
            who = await self.actor(step.actor)
            answer = await who.request(step.command)
            self.sent += 1
            ok = answer["type"] == "ok"
            self.refused += not ok
            if step.command.type == "call_next" and ok and self.rng.random() < 0.4:
                score = self.rng.choices([4, 3, 2, 1], [70, 22, 6, 2])[0]
                await who.request(p.Rate(type="rate", id=f"soak-rate-{next(self.ratings)}",
                                         window=step.command.window, score=score))
                self.sent += 1
            if on_step is not None:
                on_step(step)
            try:
                step = gen.send(Outcome(ok, answer.get("result") or {}, answer.get("code")))
            except StopIteration:
                return

    async def close(self) -> None:
        for a in self.actors.values():
            a.reader.cancel()
            await a.ws.close()


# --- the week -------------------------------------------------------------------------------------------

@dataclass
class DayFigures:
    day: str
    commands: int
    events: int
    real_seconds: float
    rss_kib: int
    stats: dict[str, Any]
    out_of_sync: int        # screens whose view differed from the hub's at the end of the day
    spoken: int             # announcements so far (all announcers)
    log_errors: int         # ERROR lines in the hub's log so far


@dataclass
class SoakReport:
    rss_start_kib: int = 0
    days: list[DayFigures] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def rss_slope_kib_per_day(self, skip: int = 1) -> float | None:
        """Least-squares slope of the hub's memory over the days (the first ``skip`` days warm up)."""
        pts = [(i, d.rss_kib) for i, d in enumerate(self.days)][skip:]
        if len(pts) < 2:
            return None
        mx = sum(x for x, _ in pts) / len(pts)
        my = sum(y for _, y in pts) / len(pts)
        den = sum((x - mx) ** 2 for x, _ in pts)
        return sum((x - mx) * (y - my) for x, y in pts) / den if den else None


def open_days(config: Any, profile: Any, first: dt.date, days: int, seed: int) -> list[Any]:
    """The simulated days of ``days`` calendar days from ``first`` on which the hall opens."""
    from server.sim.simulator import HallDay

    out = []
    for k in range(days):
        hd = HallDay(config, profile, first + dt.timedelta(days=k), seed)
        if hd.close_min > hd.open_min:
            out.append(hd)
    return out


async def soak_week(folder: Path, *, days: int = 7, speed: float = 1000.0, screens: int = 4, announcers: int = 2,
                    hall_file: Path = LAYOUTS / "zhongshan.yaml", first: dt.date | None = None, seed: int = 1,
                    estimator: str = "shadow", fsync: bool = True, progress: bool = False) -> SoakReport:
    """A simulated hall week against a hub in its own process, with screens and announcers connected."""
    from signage.config import load_hall

    from server.sim.traffic import load_profile

    folder = Path(folder)
    report = SoakReport()
    config = load_hall(hall_file).config
    if config is None:
        report.problems.append(f"{hall_file} does not load")
        return report
    profile = load_profile(Path(hall_file).with_suffix(".traffic.yaml"), config).profile
    if profile is None:
        report.problems.append(f"no traffic profile beside {hall_file}")
        return report
    hall = config.hall.id
    if first is None:  # the Monday of the week before: a full week, whatever today is
        today = dt.date.today()
        first = today - dt.timedelta(days=today.weekday() + 7)
    plan = open_days(config, profile, first, days, seed)
    if not plan:
        report.problems.append("the hall does not open on any of those days")
        return report
    clock = SimClock(plan[0].at(plan[0].open_min) - 300, speed)
    cmd = [sys.executable, "-m", "server.tools.soak", "hub", str(hall_file), "--tokens", str(DEMO_TOKENS),
           "--db", str(folder / "soak.db"), "--start", repr(clock()), "--speed", repr(speed),
           "--estimator", estimator] + ([] if fsync else ["--no-fsync"])
    hub = SoakHub(cmd, folder / "hub.log")
    await asyncio.to_thread(hub.start)
    screen_ids = [s.id for s in config.screens] or ["main"]
    watchers = [Watcher(hub.url, hall, screen=screen_ids[i % len(screen_ids)], announcer=i < announcers).start()
                for i in range(max(screens, announcers))]
    staff = SimStaff(hub.url, hall, seed)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(plan), unit="day", desc="soak", dynamic_ncols=True)
    try:
        if await await_until(lambda: all(w.synced_to(0) for w in watchers), 30) is None:
            report.problems.append("the screens never connected")
            return report
        report.rss_start_kib = (await asyncio.to_thread(hub.stats))["rss_kib"]
        last = {"t": 0.0}
        tz = ZoneInfo(config.hall.timezone)

        def on_step(step: Any) -> None:
            if bar is not None and time.monotonic() - last["t"] > 0.5:
                last["t"] = time.monotonic()
                bar.set_postfix_str(f"{dt.datetime.fromtimestamp(clock(), tz):%a %H:%M} {staff.sent} commands")

        for hd in plan:
            start = hd.at(hd.open_min) - 300
            clock.anchor(start)
            hub.send(f"anchor {start!r}")
            t0 = time.monotonic()
            sent0 = staff.sent
            await staff.day(hd, clock, on_step)
            real = time.monotonic() - t0
            stats = await asyncio.to_thread(hub.stats)
            seq = stats["halls"][hall]["seq"]
            await await_until(lambda: all(w.synced_to(seq) for w in watchers), 30)
            out_of_sync = 0
            for w in watchers:
                diffs = await compare_with_hub(hub.url, w, None, hall)
                if diffs:
                    out_of_sync += 1
                    report.problems.append(f"{hd.day}: screen {w.app.screen_id}: {diffs[0]}")
                if w.view.gaps:
                    report.problems.append(f"{hd.day}: screen {w.app.screen_id} saw {w.view.gaps} gaps")
                stale = w.stale_fresh_calls()
                if stale:
                    report.problems.append(f"{hd.day}: screen {w.app.screen_id} shows old calls as new: {stale}")
            stats = await asyncio.to_thread(hub.stats)  # at rest: what stays
            figures = DayFigures(day=hd.day.isoformat(), commands=staff.sent - sent0, events=seq, real_seconds=real,
                                 rss_kib=stats["rss_kib"], stats=stats, out_of_sync=out_of_sync,
                                 spoken=sum(len(w.announcements) for w in watchers),
                                 log_errors=len(log_problems(hub.log_path)))
            report.days.append(figures)
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(f"{hd.day:%a} {figures.commands} commands, hub {figures.rss_kib / 1024:.1f} MiB")
        for w in watchers:
            seqs = [a.seq for a in w.announcements]
            if len(seqs) != len(set(seqs)):
                report.problems.append(f"announcer of {w.app.screen_id} spoke a call twice")
            report.problems.extend(f"spoken too late: {x}" for x in w.late_announcements())
    finally:
        if bar is not None:
            bar.close()
        await staff.close()
        for w in watchers:
            w.stop()
        code = await asyncio.to_thread(hub.stop)
        if code not in (0, None):
            report.problems.append(f"the hub exited with status {code}")
    report.problems.extend(f"hub log: {line}" for line in log_problems(hub.log_path))
    return report


def queue_problems(report: SoakReport, *, ring: int = 5000) -> list[str]:
    """Queues that are not empty at rest or grow from day to day."""
    out = []
    for d in report.days:
        s = d.stats
        for hall, h in s["halls"].items():
            for key in ("pending", "worker_queue", "estimator_queue", "backlog_total"):
                if h[key]:
                    out.append(f"{d.day}: {hall}.{key} = {h[key]} at rest")
            if h["ring"] > ring:
                out.append(f"{d.day}: {hall}.ring = {h['ring']} > {ring}")
            if h["tasks"] > 5:
                out.append(f"{d.day}: {hall}.tasks = {h['tasks']} at rest")
        if s["closing"] > 5 or s["anonymous"]:
            out.append(f"{d.day}: {s['closing']} close tasks, {s['anonymous']} anonymous connections at rest")
    if len(report.days) >= 3:
        tasks = [d.stats["loop_tasks"] for d in report.days]
        if tasks[-1] > tasks[1] + 5:
            out.append(f"the hub's event loop tasks grow: {tasks}")
    return out


# --- the command ---------------------------------------------------------------------------------

def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    b = bench.add_parser("soak", help="a simulated week with screens and announcers connected; then SIGKILL "
                                      "cycles and network faults (docs/reliability.md)")
    b.add_argument("--days", type=int, default=7, help="calendar days to simulate (default 7; closed days skipped)")
    b.add_argument("--speed", type=float, default=1000.0, help="simulated seconds per real second (default 1000)")
    b.add_argument("--screens", type=int, default=8, help="wall screens connected (default 8)")
    b.add_argument("--announcers", type=int, default=2, help="announcers connected (default 2)")
    b.add_argument("--hall", default=str(LAYOUTS / "zhongshan.yaml"),
                   help="hall file, with HALL.traffic.yaml beside it")
    b.add_argument("--estimator", default="shadow", choices=["shadow", "naive"],
                   help="the hub's estimator (default shadow, as in production)")
    b.add_argument("--no-fsync", action="store_true", help="log without fsync (faster; the crash cycles always fsync)")
    b.add_argument("--crash-cycles", type=int, default=50, help="SIGKILL cycles under load (default 50; 0: none)")
    b.add_argument("--outage", type=float, default=30.0,
                   help="seconds of network outage (default 30; 0: no network faults)")
    b.add_argument("--seed", type=int, default=1, help="seed of the simulated week")
    b.add_argument("--out", help="folder for the databases and logs (default: a new temporary one)")
    b.set_defaults(run=run)


def _table(rows: list[list[str]], head: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda r: "  ".join(str(x).rjust(w) for x, w in zip(r, widths))  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, rows)])


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="signage-soak-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"signage bench soak: output in {out}", flush=True)
    problems: list[str] = []
    if args.days > 0:
        week = out / "week"
        week.mkdir(exist_ok=True)
        report = asyncio.run(soak_week(week, days=args.days, speed=args.speed, screens=args.screens,
                                       announcers=args.announcers, hall_file=Path(args.hall), seed=args.seed,
                                       estimator=args.estimator, fsync=not args.no_fsync, progress=True))
        problems += report.problems + queue_problems(report)
        rows = []
        prev = report.rss_start_kib
        for d in report.days:
            h = next(iter(d.stats["halls"].values()))
            rows.append([d.day, d.commands, d.events, f"{d.real_seconds:.0f}", f"{prev / 1024:.1f}",
                         f"{d.rss_kib / 1024:.1f}", f"{(d.rss_kib - prev) / 1024:+.1f}", h["pending"],
                         h["backlog_max"], h["tasks"], d.stats["loop_tasks"], h["ring"], h["tickets"],
                         h["requests"], d.out_of_sync, d.spoken, d.log_errors])
            prev = d.rss_kib
        print("\nThe week (hub memory in MiB, resident; queues at rest at the end of each day)")
        print(_table(rows, ["day", "commands", "seq", "real s", "rss before", "rss after", "change", "pending",
                            "backlog", "hall tasks", "loop tasks", "ring", "tickets", "request ids",
                            "out of sync", "spoken", "log errors"]))
        slope = report.rss_slope_kib_per_day()
        if report.days:
            print(f"hub memory: {report.rss_start_kib / 1024:.1f} MiB before the first day, "
                  f"{report.days[-1].rss_kib / 1024:.1f} MiB after the last; slope after the first day: "
                  + (f"{slope:+.0f} KiB/day" if slope is not None else "n/a"))
    if args.crash_cycles > 0:
        from tqdm import tqdm

        from server.tools.reliability import crash_cycles

        crash = out / "crash"
        crash.mkdir(exist_ok=True)
        with tqdm(total=args.crash_cycles, unit="kill", desc="crash", dynamic_ncols=True) as bar:
            def step(n: int, r: Any) -> None:
                bar.update(1)
                bar.set_postfix_str(f"{r.tickets} tickets acknowledged, resync {r.resync[-1] if r.resync else 0:.2f} s")

            c = asyncio.run(crash_cycles(crash, args.crash_cycles, seed=args.seed, progress=step))
        problems += c.problems
        rs = sorted(c.resync)
        q = lambda f: rs[min(len(rs) - 1, int(f * len(rs)))] if rs else float("nan")  # noqa: E731
        print(f"\nCrash: {c.cycles} SIGKILL cycles survived; {c.acknowledged} answers ({c.tickets} tickets) "
              f"acknowledged, {c.resent} commands sent again after a kill, {c.events} events, {c.spoken} calls spoken; "
              f"restart {min(c.restart, default=0):.2f}-{max(c.restart, default=0):.2f} s; resync of screen and "
              f"announcer after the hub listens: median {q(0.5):.2f} s, 90% {q(0.9):.2f} s, max {q(1.0):.2f} s")
    if args.outage > 0:
        from server.tools.reliability import network_faults

        net = out / "network"
        net.mkdir(exist_ok=True)
        print(f"\nNetwork: {args.outage:g} s outage, half-open link, restart (product keepalive and backoff)...",
              flush=True)
        n = asyncio.run(network_faults(net, args.outage, keepalive=10.0, seed=args.seed))
        problems += n.problems
        f = lambda x: f"{x:.1f} s" if x is not None else "never"  # noqa: E731
        print(f"  outage: badge after {f(n.badge_after)}, back in sync {f(n.back_after_outage)} after the link "
              f"returned; of the {n.missed_in_outage} calls the announcer missed, {n.spoken_during_outage} spoken "
              f"on its return, {n.dropped_as_stale} not (too old, or beyond the snapshot's last 20 calls)"
              f"\n  half-open: detected after {f(n.half_open_detected)}, back in sync "
              f"{f(n.back_after_half_open)} after the freeze\n  restart: back in sync {f(n.back_after_restart)} "
              "after the hub listened")
    print()
    for p in problems:
        print(f"PROBLEM: {p}")
    print("no problems" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["hub"]:
        _child(sys.argv[2:])
    else:
        sys.exit("usage: python -m server.tools.soak hub ... (the soak's own hub); run `signage bench soak`")
