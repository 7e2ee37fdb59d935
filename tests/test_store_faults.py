"""Failures injected into the event log at every position of a batch: the state never
leaves the log, a failed command is answered with an error, and the next ones go through.

The fault is real where it can be: a proxy in front of the SQLite connection lets the
first rows of a batch reach the database inside the open transaction and then fails the
next one, with SQLite's own error (a full disk) or with a surprise that is not SQLite's
(what a lone surrogate in a text used to raise). Either way the transaction must be rolled
back and the engine rebuilt from the log.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from signage import protocol as p
from server.queue.durable import DurableHall
from server.queue.engine import QueueEngine
from server.queue.store import EventStore, StoreError
from engine_hall import MORNING, hall_config
from hub_harness import HubHarness


class FaultyConnection:
    """The store's SQLite connection, failing the ``fail_at``-th row written from now on (0-based)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.fail_at: int | None = None
        self.error: BaseException = sqlite3.OperationalError("database or disk is full")
        self.fail_snapshots = False

    def arm(self, row: int, error: BaseException) -> None:
        self.fail_at, self.error = row, error

    def _row(self) -> None:
        if self.fail_at is not None:
            if self.fail_at == 0:
                self.fail_at = None  # one shot
                raise self.error
            self.fail_at -= 1

    def executemany(self, sql: str, rows):
        for row in rows:
            self._row()
            self.db.execute(sql, row)

    def execute(self, sql: str, params=()):
        if self.fail_snapshots and sql.startswith("INSERT OR REPLACE INTO snapshots"):
            raise sqlite3.OperationalError("database or disk is full")
        return self.db.execute(sql, params)

    def __getattr__(self, name):
        return getattr(self.db, name)


def faulty(store: EventStore) -> FaultyConnection:
    conn = FaultyConnection(store._db)
    store._db = conn  # type: ignore[assignment]
    return conn


def folded(store: EventStore, config, hall: str) -> dict:
    """The state the log holds, replayed from nothing."""
    engine = QueueEngine(config)
    for seq, event in store.events(hall):
        engine.apply(event, seq)
    return engine.state.to_json()


def command(kind: str, rid: str, **fields) -> p.Command:
    return p.parse_client(json.dumps({"type": kind, "id": rid, **fields}))


FAULTS = [sqlite3.OperationalError("database or disk is full"),
          UnicodeEncodeError("utf-8", "a\ud800b", 1, 2, "surrogates not allowed"),
          OSError(5, "Input/output error")]


def batch(tag: str) -> list[tuple[p.Command, float, str]]:
    return [(command("issue", f"{tag}-1", service="id-card"), MORNING, "kiosk:1"),
            (command("issue", f"{tag}-2", service="passport", priority="elderly"), MORNING, "kiosk:1"),
            (command("set_messages", f"{tag}-3", messages=[{"kind": "civility", "text": {"zh-Hans": "讲文明"}}]),
             MORNING, "manager:boss"),
            (command("call_next", f"{tag}-4", window=3), MORNING, "window:w3")]


@pytest.mark.parametrize("fault", FAULTS, ids=["disk-full", "unicode", "oserror"])
@pytest.mark.parametrize("first_of_day", [True, False], ids=["first-of-day", "later"])
def test_a_failed_append_at_any_row_leaves_the_state_equal_to_the_log(tmp_path, fault, first_of_day):
    config = hall_config()
    rows = 5 if first_of_day else 4  # day_started, then one event per command
    for position in range(rows):
        store = EventStore(tmp_path / f"log-{position}.db", durable=False)
        hall = DurableHall(config, store, snapshot_every=10_000)
        if not first_of_day:
            hall.submit(command("issue", "warm", service="id-card"), MORNING, "kiosk:1")
        before = hall.engine.state.to_json()
        conn = faulty(store)
        conn.arm(position, fault)
        with pytest.raises(type(fault) if not isinstance(fault, sqlite3.Error) else StoreError):
            hall.submit_many(batch("b"))
        assert not store._db.in_transaction, "the transaction was left open"
        assert hall.engine.state.to_json() == before == folded(store, config, "test-hall")
        # The fault is gone: the same commands now go through, numbered right after the log.
        applied = hall.submit_many(batch("b"))
        assert all(a.decision.ok for a in applied)
        assert hall.engine.state.to_json() == folded(store, config, "test-hall")
        assert store.last_seq("test-hall") == hall.seq
        store.close()


def test_a_failing_snapshot_never_fails_an_acknowledged_batch(tmp_path):
    config = hall_config()
    store = EventStore(tmp_path / "log.db", durable=False)
    hall = DurableHall(config, store, snapshot_every=3)
    conn = faulty(store)
    conn.fail_snapshots = True
    applied = hall.submit_many(batch("s"))  # 5 events: a snapshot is due, and fails
    assert all(a.decision.ok for a in applied)
    assert store.latest_snapshot("test-hall") is None
    assert hall.engine.state.to_json() == folded(store, config, "test-hall")
    conn.fail_snapshots = False
    hall.submit_many([(command("issue", f"n{i}", service="id-card"), MORNING, "kiosk:1") for i in range(3)])
    assert store.latest_snapshot("test-hall")[0] == hall.seq  # tried again later, and saved


def test_an_unreadable_log_stops_decisions_until_it_can_be_read(tmp_path, monkeypatch):
    config = hall_config()
    store = EventStore(tmp_path / "log.db", durable=False)
    hall = DurableHall(config, store)
    hall.submit(command("issue", "one", service="id-card"), MORNING, "kiosk:1")
    conn = faulty(store)
    conn.arm(0, sqlite3.OperationalError("disk I/O error"))
    real_events = store.events
    monkeypatch.setattr(store, "events", lambda *a, **k: (_ for _ in ()).throw(StoreError("cannot read")))
    with pytest.raises(StoreError):
        hall.submit(command("issue", "two", service="id-card"), MORNING, "kiosk:1")
    with pytest.raises(StoreError, match="cannot be read back"):  # nothing decided on a state the log lacks
        hall.submit(command("issue", "three", service="id-card"), MORNING, "kiosk:1")
    monkeypatch.setattr(store, "events", real_events)
    hall.submit(command("issue", "four", service="id-card"), MORNING, "kiosk:1")
    assert hall.engine.state.to_json() == folded(store, config, "test-hall")
    assert [t["number"] for t in hall.engine.state.to_json()["tickets"].values()] == ["A001", "A002"]


def test_a_lone_surrogate_is_stored_whole(tmp_path):
    store = EventStore(tmp_path / "log.db")
    store.append("h", 1, [{"type": "messages_set", "at": 1.0, "text": "a\ud800b"}])
    assert next(store.events("h"))[1]["text"] == "a\ud800b"
    assert not store._db.in_transaction


# --- the same through a running hub: one group commit, a fault at each of its rows -----

async def _one_batch(hub: HubHarness, peers, commands) -> list[dict]:
    """Send ``commands`` (one per peer) so that they land in one group commit; their answers."""
    runtime = hub.hub.halls["zhongshan"]
    async with runtime.lock:  # the committer waits: everything sent meanwhile is one batch
        for peer, cmd in zip(peers, commands):
            await peer.send(cmd)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 3
        while len(runtime._pending) < len(commands) and loop.time() < deadline:
            await asyncio.sleep(0.01)
        assert len(runtime._pending) == len(commands)
    return [await peer.answer(cmd["id"]) for peer, cmd in zip(peers, commands)]


@pytest.mark.parametrize("fault", FAULTS[:2], ids=["disk-full", "unicode"])
def test_the_hub_answers_every_command_and_keeps_serving_after_a_failed_commit(tmp_path, fault):
    async def main() -> None:
        hub = HubHarness(tmp_path)
        await hub.start()
        try:
            kiosk = await hub.connect("kiosk")
            manager = await hub.connect("manager")
            window = await hub.connect("window", window=3)
            screen = await hub.connect("screen", screen="main")
            conn = faulty(hub.hub.store)
            runtime = hub.hub.halls["zhongshan"]
            for position in range(4):  # the first batch also starts the day: one row more
                conn.arm(position, fault)
                tag = f"p{position}"
                answers = await _one_batch(hub, [kiosk, manager, window], [
                    {"type": "issue", "id": f"{tag}-i", "service": "id-card"},
                    {"type": "set_messages", "id": f"{tag}-m",
                     "messages": [{"kind": "civility", "text": {"zh-Hans": f"讲文明 {tag}"}}]},
                    {"type": "call_next", "id": f"{tag}-c", "window": 3}])
                logged = {e.get("request") for _, e in hub.hub.store.events("zhongshan")}
                for answer in answers:
                    assert answer["type"] in ("ok", "error"), answer
                    # ok means in the log; an error means nothing of it is there
                    assert (answer["type"] == "ok") == (answer["id"] in logged), answer
                if isinstance(fault, sqlite3.Error):
                    assert [a["code"] for a in answers] == ["storage_error"] * 3
                assert runtime.durable.engine.state.to_json() == folded(
                    hub.hub.store, runtime.config, "zhongshan")
                # and the next commands go through
                after = await kiosk.request({"type": "issue", "service": "id-card"})
                assert after["type"] == "ok", after
            # the screen saw exactly the log, in order, with no gap
            seen = [m["seq"] for m in await screen.drain() if m.get("type") == "event"]
            assert seen == [s for s, _ in hub.hub.store.events("zhongshan")][-len(seen):]
            assert seen == list(range(seen[0], seen[0] + len(seen)))
        finally:
            await hub.stop()

    asyncio.run(main())
