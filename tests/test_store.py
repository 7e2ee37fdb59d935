"""The event log: durable, gap-free, never overwritten, and a crash loses nothing acknowledged."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from signage import protocol as p
from server.queue.durable import DurableHall
from server.queue.engine import QueueEngine
from server.queue.store import EventStore, SequenceError, StoreError
from engine_hall import MORNING, Driver, hall_config

ROOT = Path(__file__).resolve().parent.parent


def test_append_and_read_back(tmp_path):
    store = EventStore(tmp_path / "hall.db")
    store.append("h", 1, [{"type": "a", "at": 1.0}, {"type": "b", "at": 2.0}])
    store.append("h", 3, [{"type": "c", "at": 3.0}])
    assert [s for s, _ in store.events("h")] == [1, 2, 3]
    assert [e["type"] for _, e in store.events("h", after=1)] == ["b", "c"]
    assert store.last_seq("h") == 3 and store.last_seq("other") == 0


@pytest.mark.parametrize("first", [3, 5, 1])
def test_a_gap_or_a_duplicate_is_refused(tmp_path, first):
    store = EventStore(tmp_path / "hall.db")
    store.append("h", 1, [{"type": "a", "at": 1.0}])
    with pytest.raises(SequenceError):
        store.append("h", first, [{"type": "b", "at": 2.0}])
    assert store.last_seq("h") == 1


def test_a_file_that_is_not_ours_is_left_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not a database at all" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="left untouched"):
        EventStore(path)
    assert path.read_bytes() == before


def test_a_foreign_sqlite_database_is_refused(tmp_path):
    import sqlite3
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE customers (name TEXT)")
    db.commit(); db.close()
    with pytest.raises(StoreError, match="not a hall-signage event log"):
        EventStore(path)


def test_full_disk_refuses_the_command_and_keeps_the_state(tmp_path):
    store = EventStore(tmp_path / "hall.db")
    hall = DurableHall(hall_config(), store, mint_id=iter(f"t{i}" for i in range(10**6)).__next__)
    ok = hall.submit(p.Issue(type="issue", id="1", service="id-card"), MORNING, "kiosk:1")
    assert ok.decision.ok
    # Make the database unable to grow: SQLite reports "database or disk is full".
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count={pages}")
    before = hall.engine.state.to_json()
    with pytest.raises(StoreError, match="disk is full"):
        for i in range(2, 500):
            hall.submit(p.Issue(type="issue", id=str(i), service="id-card", priority="other"), MORNING + i, "kiosk:1")
            before = hall.engine.state.to_json()
    assert hall.engine.state.to_json() == before       # the refused command left no trace
    assert hall.seq == store.last_seq("test-hall")
    store._db.execute("PRAGMA max_page_count=1073741823")
    assert hall.submit(p.Issue(type="issue", id="again", service="id-card"), MORNING + 600, "kiosk:1").decision.ok


def test_restart_rebuilds_the_same_state_with_and_without_snapshot(tmp_path):
    d = Driver()
    for i in range(8):
        d.at(i); d.issue("id-card" if i % 3 else "passport")
    d.at(9); d.call_next(3); d.call_next(4); d.send("skip", window=4); d.send("pause", window=1, reason="午休")
    store = EventStore(tmp_path / "hall.db")
    store.append("test-hall", 1, d.log)
    assert DurableHall(hall_config(), store).engine.state.to_json() == d.engine.state.to_json()
    DurableHall(hall_config(), store).snapshot()
    assert DurableHall(hall_config(), store).engine.state.to_json() == d.engine.state.to_json()


def test_a_stale_snapshot_is_ignored_in_favour_of_the_log(tmp_path):
    d = Driver()
    d.issue(); d.issue()
    store = EventStore(tmp_path / "hall.db")
    store.append("test-hall", 1, d.log)
    store.save_snapshot("test-hall", 1, {"format": 1, "state": {"nonsense": True}})
    assert DurableHall(hall_config(), store).engine.state.to_json() == d.engine.state.to_json()


WRITER = r"""
import sys, itertools
sys.path.insert(0, sys.argv[2])
sys.path.insert(0, sys.argv[2] + "/tests")
from signage import protocol as p
from server.queue.durable import DurableHall
from server.queue.store import EventStore
from engine_hall import MORNING, hall_config
store = EventStore(sys.argv[1])
hall = DurableHall(hall_config(), store)
start = hall.seq
for i in itertools.count():
    cmds = [(p.Issue(type="issue", id=f"{start}-{i}-{k}", service="id-card" if k % 2 else "passport"),
             MORNING + (start + i) * 0.01, "kiosk:1") for k in range(1 + i % 3)]
    for applied in hall.submit_many(cmds):
        # acknowledged: durable before this line is printed
        print(applied.decision.result["ticket"]["number"], applied.first_seq + len(applied.decision.events) - 1, flush=True)
"""
WRITER_PATIENCE = 20.0  # seconds a writer may take to acknowledge what it is waited for (about 1 s unloaded)


def test_sigkill_at_random_moments_loses_nothing_acknowledged(tmp_path):
    # Each writer is killed at a random moment while it writes: once it has acknowledged a random
    # number of tickets (never before its first: starting it, imports and the replay of the log,
    # takes a second or more on a loaded machine, and a kill then would test nothing), and a random
    # few milliseconds more, the writer running on meanwhile (not in step with this loop). Counted in
    # acknowledgements, not seconds, the day's numbers last (999 a service) however fast the machine.
    db = tmp_path / "crash.db"
    rng = random.Random(7)
    acknowledged: list[tuple[str, int]] = []
    for round_ in range(12):
        target = rng.randint(5, 60)  # acknowledgements to wait for: at least 60 over the 12 writers
        err_path = tmp_path / f"writer-{round_}.err"
        with open(err_path, "w") as err:
            proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(ROOT)],
                                    stdout=subprocess.PIPE, stderr=err, text=True)
        lines: list[str] = []

        def read(out=proc.stdout, lines=lines) -> None:
            for line in out:  # each as it comes
                lines.append(line)
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        deadline = time.monotonic() + WRITER_PATIENCE
        while len(lines) < target and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        if len(lines) < target:
            proc.kill()
            proc.wait()
            reader.join(5)
            why = f"exited with {proc.returncode}" if proc.returncode != -signal.SIGKILL else \
                f"acknowledged only {len(lines)} in {WRITER_PATIENCE} s"
            pytest.fail(f"writer {round_} {why} before its {target} acknowledgements; "
                        f"its stderr:\n{err_path.read_text()}")
        time.sleep(rng.random() * 0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, \
            f"writer {round_} exited with {proc.returncode} before it was killed; its stderr:\n{err_path.read_text()}"
        reader.join(10)
        assert not reader.is_alive()
        proc.stdout.close()
        # A line is an acknowledgement once written whole (print writes it at once, newline included).
        acknowledged += [(line.split()[0], int(line.split()[1]))
                         for line in lines if line.endswith("\n") and len(line.split()) == 2]
    assert len(acknowledged) > 50
    store = EventStore(db)
    events = list(store.events("test-hall"))
    seqs = [s for s, _ in events]
    assert seqs == list(range(1, len(seqs) + 1)), "the log has a gap"
    assert max(s for _, s in acknowledged) <= seqs[-1]
    issued = [e["ticket"]["number"] for _, e in events if e["type"] == "ticket_issued"]
    assert len(issued) == len(set(issued)), "a number was issued twice"
    assert {n for n, _ in acknowledged} <= set(issued), "an acknowledged ticket was lost"
    replayed = QueueEngine(hall_config())
    for seq, e in events:
        replayed.apply(e, seq)
