"""A hall's queue engine bound to its event log: nothing acknowledged is lost.

:class:`DurableHall` is the only place where the engine meets the store. A
command is decided by the engine, its events are written durably, and only then
folded into the state and returned to the caller to acknowledge and fan out.
On start the state is rebuilt from the latest snapshot plus the events after it.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any, Callable

from signage.config.model import HallConfig

from server.queue.engine import Decision, HallState, QueueEngine, ReplayError
from server.queue.store import EventStore, StoreError

log = logging.getLogger(__name__)

SNAPSHOT_FORMAT = 1


def new_ticket_id() -> str:
    # The id in a "my ticket" link: 96 random bits, so it cannot be guessed.
    return secrets.token_urlsafe(12)


@dataclass
class Applied:
    """A decision whose events are durable, with their sequence numbers."""

    decision: Decision
    first_seq: int

    @property
    def numbered(self) -> list[tuple[int, dict]]:
        return [(self.first_seq + i, e) for i, e in enumerate(self.decision.events)]


class DurableHall:
    def __init__(self, config: HallConfig, store: EventStore, *, snapshot_every: int = 2000,
                 mint_id: Callable[[], str] = new_ticket_id) -> None:
        self.store = store
        self.hall_id = config.hall.id
        self.snapshot_every = snapshot_every
        self.mint_id = mint_id
        self.engine = self._restore(config)
        self._since_snapshot = 0
        self._diverged: Exception | None = None  # set while the state cannot be rebuilt from the log

    def _restore(self, config: HallConfig) -> QueueEngine:
        state = None
        snap = self.store.latest_snapshot(self.hall_id)
        if snap is not None and snap[1].get("format") == SNAPSHOT_FORMAT:
            try:
                state = HallState.from_json(snap[1]["state"])
            except (KeyError, TypeError, ValueError):
                state = None  # an old or odd snapshot: the log alone is enough
        engine = QueueEngine(config, state)
        try:
            for seq, event in self.store.events(self.hall_id, after=engine.state.seq):
                engine.apply(event, seq)
        except ReplayError:
            if state is None:
                raise
            engine = QueueEngine(config)  # the snapshot disagrees with the log: trust the log
            for seq, event in self.store.events(self.hall_id):
                engine.apply(event, seq)
        return engine

    @property
    def config(self) -> HallConfig:
        return self.engine.config

    @config.setter
    def config(self, config: HallConfig) -> None:
        self.engine.config = config

    @property
    def seq(self) -> int:
        return self.engine.state.seq

    def submit(self, cmd: Any, now: float, actor: str) -> Applied:
        """Decide, make durable, fold. Raises :class:`StoreError` (state unchanged) if the disk fails."""
        return self.submit_many([(cmd, now, actor)])[0]

    def submit_many(self, commands: list[tuple[Any, float, str]]) -> list[Applied]:
        """Several commands, one durable commit (group commit), each decided after the one before.

        All or nothing: if anything raises (a decision, a fold, the append), nothing
        was written and the state is rebuilt from the log before the error goes on,
        so the state is always the fold of the log.
        """
        self._ensure_consistent()
        applied: list[Applied] = []
        start = self.engine.state.seq
        try:
            for cmd, now, actor in commands:
                decision = self.engine.decide(cmd, now, actor, self.mint_id)
                first = self.engine.state.seq + 1
                for e in decision.events:
                    self.engine.apply(e, self.engine.state.seq + 1)
                applied.append(Applied(decision, first))
            events = [e for a in applied for e in a.decision.events]
            if events:
                self.store.append(self.hall_id, start + 1, events)
        except BaseException:
            # The append is all or nothing (rolled back whatever it raised), and a
            # command that raised mid-batch left earlier ones folded but unwritten.
            self._rebuild()
            raise
        if events:
            self._since_snapshot += len(events)
            if self._since_snapshot >= self.snapshot_every:
                self._try_snapshot()
        return applied

    def tick(self, now: float) -> Applied | None:
        """Record what the passing of time alone causes (a new day)."""
        self._ensure_consistent()
        events = self.engine.tick(now)
        if not events:
            return None
        first = self.engine.state.seq + 1
        self.store.append(self.hall_id, first, events)  # folded only once it is durable
        try:
            for i, e in enumerate(events):
                self.engine.apply(e, first + i)
        except BaseException:
            self._rebuild()
            raise
        return Applied(Decision(events=events), first)

    def add_version(self, version: dict[str, Any], event: dict | None = None) -> tuple[int, Applied | None]:
        """Record a version of the hall file (``store.add_version``'s fields) and, for a publish or a
        rollback, its ``config_published`` event in the same commit; then fold the event. Returns the
        version's number and the applied event (None without one). Raises :class:`StoreError`."""
        self._ensure_consistent()
        if event is None:
            return self.store.add_version(self.hall_id, **version), None
        first = self.engine.state.seq + 1
        number = self.store.add_version(self.hall_id, **version, first_seq=first, events=[event])
        try:
            self.engine.apply(event, first)
        except BaseException:
            self._rebuild()
            raise
        return number, Applied(Decision(events=[event]), first)

    def _rebuild(self) -> None:
        """Go back to what the log says. If even reading the log fails, remember it:
        nothing is decided on a state the log does not hold until a rebuild succeeds."""
        try:
            self.engine = self._restore(self.engine.config)
            self._diverged = None
        except Exception as exc:
            log.error("hall %s: cannot rebuild the state from the log: %s", self.hall_id, exc)
            self._diverged = exc

    def _ensure_consistent(self) -> None:
        if self._diverged is not None:
            self._rebuild()
            if self._diverged is not None:
                raise StoreError(f"hall {self.hall_id}: the log cannot be read back ({self._diverged}); "
                                 "nothing was recorded. Check the disk and the database file; the hub keeps trying.")

    def _try_snapshot(self) -> None:
        # The events are durable; a snapshot is only a shortcut for starting, so
        # whatever goes wrong with it must not turn an acknowledged batch into an error.
        try:
            self.snapshot()
        except Exception as exc:
            self._since_snapshot = 0  # next try after another snapshot_every events, not at every commit
            log.warning("hall %s: snapshot not saved (will try again later): %s", self.hall_id, exc)

    def snapshot(self) -> None:
        self.store.save_snapshot(self.hall_id, self.engine.state.seq,
                                 {"format": SNAPSHOT_FORMAT, "state": self.engine.state.to_json()})
        self._since_snapshot = 0
