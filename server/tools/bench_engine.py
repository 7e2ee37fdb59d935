"""``signage bench engine``: commands per second through engine + durable log.

Figures, not a test: run on a quiet machine and compare ratios. Measures
1. one command per durable commit (what a lone click costs),
2. commands grouped 50 to a commit (a burst, as the hub groups them),
3. the time to rebuild a hall's state from N events (a hub restart with no snapshot).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Iterator

from signage import protocol as p
from signage.config import load_hall

from server.queue.durable import DurableHall
from server.queue.store import EventStore

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"


def _config():
    config = load_hall(LAYOUTS / "zhongshan.yaml").config
    assert config is not None
    # A 24-hour hall with wide numbers, so a long run never hits closing time or number 999.
    return config.model_copy(update={"hall": config.hall.model_copy(update={"hours": "24h", "ticket_digits": 5})})


def _workload(config, start: float) -> Iterator[tuple[object, float, str]]:
    """A steady hall: a ticket is issued, a window calls next (completing its previous one)."""
    services = [s.id for s in config.services]
    windows = [w.number for w in config.windows]
    i = 0
    now = start
    while True:
        i += 1
        yield p.Issue(type="issue", id=f"i{i}", service=services[i % len(services)]), now, "kiosk:bench"
        w = windows[i % len(windows)]
        i += 1
        yield p.CallNext(type="call_next", id=f"c{i}", window=w), now, f"window:{w}"
        now += 40.0  # about 2,000 tickets a day, as in a busy hall


def _measure(hall: DurableHall, commands: Iterator, count: int, group: int) -> tuple[float, int]:
    events = 0
    t0 = time.perf_counter()
    done = 0
    while done < count:
        batch = [next(commands) for _ in range(min(group, count - done))]
        for applied in hall.submit_many(batch):
            events += len(applied.decision.events)
        done += len(batch)
    return time.perf_counter() - t0, events


def run(args: argparse.Namespace) -> int:
    config = _config()
    start = 1_800_000_000.0
    with tempfile.TemporaryDirectory() as tmp:
        print("engine + durable log (SQLite WAL, synchronous=FULL)")
        for label, count, group in (("single (1 command per commit)", 2000, 1),
                                    ("grouped (50 per commit)", 20000, 50)):
            store = EventStore(Path(tmp) / f"{group}.db")
            hall = DurableHall(config, store, snapshot_every=10**9)
            secs, events = _measure(hall, _workload(config, start), count, group)
            print(f"  {label:<32} {count / secs:>9.0f} commands/s  {events / secs:>9.0f} events/s")
            store.close()

        n = args.events
        path = Path(tmp) / "replay.db"
        store = EventStore(path, durable=False)  # filling is not what is measured
        hall = DurableHall(config, store, snapshot_every=10**9)
        commands = _workload(config, start)
        last = 0
        while hall.seq < n:
            hall.submit_many([next(commands) for _ in range(200)])
            if hall.seq - last >= n // 10:
                last = hall.seq
                print(f"  filling the log: {hall.seq:,}/{n:,} events", flush=True)
        store.close()
        store = EventStore(path)
        t0 = time.perf_counter()
        rebuilt = DurableHall(config, store)
        secs = time.perf_counter() - t0
        print(f"  rebuild from {rebuilt.seq:,} events (no snapshot): {secs:.2f} s  ({rebuilt.seq / secs:,.0f} events/s)")
        rebuilt.snapshot()
        t0 = time.perf_counter()
        DurableHall(config, store)
        print(f"  rebuild from a snapshot at {rebuilt.seq:,}:        {time.perf_counter() - t0:.3f} s")
        store.close()
    return 0
