"""The durable event log: SQLite, append-only, one gap-free sequence per hall.

* :meth:`EventStore.append` writes a batch of events in one transaction and
  returns only when they are on disk (WAL with ``synchronous=FULL``): the hub
  acknowledges nothing before that. Several batches can share one commit
  (:meth:`append_many`), which is what keeps bursts fast (group commit).
* Sequence numbers are checked on the way in: a batch that does not follow the
  last stored event is refused, so the log can never have a gap or a duplicate.
* Snapshots of a hall's state are a shortcut for starting; the events stay,
  every day of them: they are the audit trail and the statistics source.
* A database that is not ours, corrupt or unreadable raises :class:`StoreError`
  with a message for a person, and is never written to or replaced.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Callable, Iterator

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    hall TEXT NOT NULL,
    seq  INTEGER NOT NULL,
    at   REAL NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (hall, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_by_time ON events (hall, at);
CREATE TABLE IF NOT EXISTS snapshots (
    hall TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS config_versions (
    hall    TEXT NOT NULL,
    version INTEGER NOT NULL,
    at      REAL NOT NULL,
    actor   TEXT NOT NULL,
    note    TEXT NOT NULL,
    hash    TEXT NOT NULL,
    source  TEXT NOT NULL,
    text    BLOB NOT NULL,
    PRIMARY KEY (hall, version)
) WITHOUT ROWID;
"""

# The columns of a version of a hall file (the hall editor, docs/editor.md), without its text.
VERSION_FIELDS = ("version", "at", "actor", "note", "hash", "source", "size")


class StoreError(Exception):
    """The log cannot be used; the message says what and how to fix it."""


class SequenceError(StoreError):
    """A batch that does not follow the last stored event (would make a gap or a duplicate)."""


class UnstorableEvent(ValueError):
    """An event the log cannot hold (a bug upstream, not a disk problem): the batch is refused
    whole and the hub retries its commands one by one, so only the culprit fails."""


class EventStore:
    def __init__(self, path: str | Path, *, durable: bool = True) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        self._last: dict[str, int] = {}
        existed = self.path != ":memory:" and os.path.exists(self.path)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on disk when it returns, power cut or not.
            self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'OFF'}")
            if existed:
                self._check_existing()
            self._db.executescript(_SCHEMA)
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('application', 'hall-signage')")
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path}: cannot use this database ({exc}). It was left untouched; "
                "restore it from a backup or start the hub with another --db file."
            ) from None

    def _check_existing(self) -> None:
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and "events" not in tables:
            raise StoreError(f"{self.path}: this is not a hall-signage event log (tables: {', '.join(sorted(tables))}); "
                             "it was left untouched. Pass another --db file.")
        if "meta" in tables:
            row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row and int(row[0]) > SCHEMA_VERSION:
                raise StoreError(f"{self.path}: written by a newer version (schema {row[0]}); upgrade signage to read it.")
        check = self._db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise StoreError(f"{self.path}: the database is damaged ({check}); it was left untouched. "
                             "Restore a backup, or copy it aside and start with a new --db file.")

    # ------------------------------------------------------------------ writing
    def last_seq(self, hall: str) -> int:
        with self._lock:
            return self._last_seq_locked(hall)

    def _last_seq_locked(self, hall: str) -> int:
        if hall not in self._last:
            row = self._db.execute("SELECT MAX(seq) FROM events WHERE hall=?", (hall,)).fetchone()
            self._last[hall] = row[0] or 0
        return self._last[hall]

    def append(self, hall: str, first_seq: int, events: list[dict]) -> None:
        """Store ``events`` as ``first_seq, first_seq+1, ...``; durable on return."""
        self.append_many([(hall, first_seq, events)])

    def append_many(self, batches: list[tuple[str, int, list[dict]]]) -> None:
        """Store several batches in one commit (group commit). All or nothing."""
        rows = []
        with self._lock:
            expected = {}
            for hall, first, events in batches:
                nxt = expected.get(hall, self._last_seq_locked(hall) + 1)
                if first != nxt:
                    raise SequenceError(f"hall {hall}: batch starts at {first}, the log expects {nxt}")
                for i, e in enumerate(events):
                    try:
                        rows.append((hall, first + i, float(e.get("at", 0.0)), str(e["type"]), to_text(e)))
                    except (KeyError, TypeError, ValueError) as exc:
                        raise UnstorableEvent(f"hall {hall}: event {first + i} cannot be stored ({exc!r}); "
                                              "nothing was recorded. This is a bug in the hub: report it.") from None
                expected[hall] = first + len(events)
            self._write(lambda: self._db.executemany("INSERT INTO events VALUES (?,?,?,?,?)", rows))
            self._last.update({h: s - 1 for h, s in expected.items()})

    def _write(self, work: Callable[[], object]) -> None:
        """``work`` in one transaction: committed whole, or rolled back whole whatever it raises.

        A transaction left open by a surprise (an exception that is not SQLite's own)
        would swallow every later write of the hub, so nothing escapes without a rollback.
        """
        try:
            self._db.execute("BEGIN IMMEDIATE")
            work()
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise StoreError(_write_failure(self.path, exc)) from None
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        if not self._db.in_transaction:
            return
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def save_snapshot(self, hall: str, seq: int, state: dict) -> None:
        data = to_text(state)
        with self._lock:
            self._write(lambda: self._db.execute("INSERT OR REPLACE INTO snapshots VALUES (?,?,?)", (hall, seq, data)))

    def setting(self, key: str, make: "Callable[[], str]") -> str:
        """A value kept in the log's ``meta`` table, made by ``make()`` the first time (a per-hub
        secret, for instance: it then survives restarts and travels with a backup)."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (f"setting:{key}",)).fetchone()
            if row is not None:
                return row[0]
            value = make()
            self._write(lambda: self._db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (f"setting:{key}", value)))
            return self._db.execute("SELECT value FROM meta WHERE key=?", (f"setting:{key}",)).fetchone()[0]

    # ------------------------------------------------------------------ hall file versions
    def add_version(self, hall: str, *, at: float, actor: str, note: str, hash: str, source: str,
                    text: bytes, first_seq: int | None = None, events: list[dict] | None = None) -> int:
        """Record the next version of ``hall``'s file (its bytes), with ``events`` (at ``first_seq``,
        following the log) in the same commit; durable on return. Returns the version's number;
        a ``version`` key of each event is set to it."""
        with self._lock:
            row = self._db.execute("SELECT MAX(version) FROM config_versions WHERE hall=?", (hall,)).fetchone()
            version = (row[0] or 0) + 1
            rows = []
            if events:
                expected = self._last_seq_locked(hall) + 1
                if first_seq != expected:
                    raise SequenceError(f"hall {hall}: batch starts at {first_seq}, the log expects {expected}")
                for i, e in enumerate(events):
                    e["version"] = version
                    rows.append((hall, first_seq + i, float(e.get("at", 0.0)), str(e["type"]), to_text(e)))

            def work() -> None:
                self._db.execute("INSERT INTO config_versions VALUES (?,?,?,?,?,?,?,?)",
                                 (hall, version, at, actor, note, hash, source, bytes(text)))
                if rows:
                    self._db.executemany("INSERT INTO events VALUES (?,?,?,?,?)", rows)

            self._write(work)
            if rows:
                self._last[hall] = first_seq + len(rows) - 1  # type: ignore[operator]
            return version

    def versions(self, hall: str) -> list[dict]:
        """The versions of ``hall``'s file, newest first, without their texts."""
        with self._lock:
            rows = self._db.execute("SELECT version, at, actor, note, hash, source, length(text) FROM config_versions "
                                    "WHERE hall=? ORDER BY version DESC", (hall,)).fetchall()
        return [dict(zip(VERSION_FIELDS, r)) for r in rows]

    def version(self, hall: str, version: int | None = None) -> tuple[dict, bytes] | None:
        """One version (the latest when ``version`` is None) and its bytes; None if there is none."""
        with self._lock:
            if version is None:
                row = self._db.execute("SELECT version, at, actor, note, hash, source, length(text), text "
                                       "FROM config_versions WHERE hall=? ORDER BY version DESC LIMIT 1",
                                       (hall,)).fetchone()
            else:
                row = self._db.execute("SELECT version, at, actor, note, hash, source, length(text), text "
                                       "FROM config_versions WHERE hall=? AND version=?", (hall, version)).fetchone()
        return None if row is None else (dict(zip(VERSION_FIELDS, row[:7])), bytes(row[7]))

    # ------------------------------------------------------------------ reading
    def latest_snapshot(self, hall: str) -> tuple[int, dict] | None:
        with self._lock:
            row = self._db.execute("SELECT seq, data FROM snapshots WHERE hall=?", (hall,)).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def events(self, hall: str, after: int = 0, until: int | None = None,
               batch: int = 5000) -> Iterator[tuple[int, dict]]:
        """Events of ``hall`` with ``after < seq <= until``, in order."""
        last = after
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT seq, data FROM events WHERE hall=? AND seq>? AND seq<=? ORDER BY seq LIMIT ?",
                    (hall, last, until if until is not None else 2**62, batch)).fetchall()
            for seq, data in rows:
                yield seq, json.loads(data)
            if len(rows) < batch:
                return
            last = rows[-1][0]

    def events_between(self, hall: str, start: float, end: float) -> Iterator[tuple[int, dict]]:
        """Events of ``hall`` with ``start <= at < end`` (for statistics by day)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, data FROM events WHERE hall=? AND at>=? AND at<? ORDER BY seq",
                (hall, start, end)).fetchall()
        for seq, data in rows:
            yield seq, json.loads(data)

    def halls(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT DISTINCT hall FROM events ORDER BY hall")]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def to_text(obj: object) -> str:
    """``obj`` as compact JSON that SQLite can store. Text is kept readable (no ``\\uXXXX``),
    except where it cannot be UTF-8 (a lone surrogate): then JSON's own escapes keep
    it whole rather than failing the write or losing it."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(obj, separators=(",", ":"))
    return text


def _write_failure(path: str, exc: sqlite3.Error) -> str:
    text = str(exc)
    if "full" in text:
        return f"{path}: the disk is full; nothing was recorded. Free some space; the hub keeps trying."
    if "readonly" in text or "read-only" in text:
        return f"{path}: the database is read-only; nothing was recorded. Check the file's permissions."
    return f"{path}: cannot write ({text}); nothing was recorded."
