"""The waiting-time estimator in a process of its own, fed the hall's events like a screen.

A shadow estimate (server/sim/estimator.py) is milliseconds of pure Python; in the
hub's process it would hold the interpreter lock while a call is on its way to
the screens. Here it runs in a child process with its own replica of the queue
engine: the hub sends it every event in order (the state is the fold of the
events, so the replica is exact) and asks it for estimates now and then. The
hub's process spends microseconds per event on it, and a crash of the child
costs estimates, never calls.

What a caller may rely on (one thread at a time, the hall's estimator thread):

* :meth:`EstimatorProcess.start` (a snapshot of the state at ``seq``, the recent
  history to learn from), then :meth:`feed` with every event after ``seq`` in
  order; events at or before the replica's ``seq`` are skipped, so a restart
  from a newer snapshot may be followed by events already in it.
* Calling the object like an estimator, ``est(engine, now)``, returns the
  ``estimates`` body from the child; if the child is gone it returns
  :func:`naive_estimates` of ``engine`` and sets :attr:`dead`, and the hub
  restarts it from a fresh snapshot (:meth:`start` again).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from server.queue.engine import QueueEngine

log = logging.getLogger(__name__)

# Seconds; a child that takes longer is taken for dead (and restarted). Generous: with
# thousands of tickets waiting an estimate takes seconds, and the hub asks one at a time.
ANSWER_TIMEOUT = 60.0


class EstimatorProcess:
    def __init__(self, hall_path: Path, fallback: Any) -> None:
        self.hall_path = Path(hall_path)
        self.fallback = fallback
        self.dead = False  # not started yet, but start() is the first job of the estimator thread
        self.closed = False  # the hub is shutting down: errors are expected, not news
        self.seq = 0
        self._proc: mp.process.BaseProcess | None = None
        self._conn: Connection | None = None

    def start(self, config: dict, state: dict, history: list[dict]) -> None:
        """(Re)start the child from ``state`` (a HallState.to_json) after it learned from ``history``."""
        self.stop()
        ctx = mp.get_context("spawn")  # never fork a process that has threads and an event loop
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_child_main, args=(child, str(self.hall_path)),
                                 name=f"estimator-{state.get('hall')}", daemon=True)
        try:
            self._proc.start()
        except Exception:
            self.dead = True
            raise
        child.close()
        self._conn = parent
        self.seq = int(state.get("seq", 0))
        self.dead = False  # only now: the hub reads this flag from another thread
        self._send(("start", config, state, history))

    def feed(self, numbered: list[tuple[int, dict]]) -> None:
        """Events in order; those the replica already has are skipped."""
        fresh = [(s, e) for s, e in numbered if s > self.seq]
        if not fresh or self.dead:
            return
        self.seq = fresh[-1][0]
        self._send(("events", fresh))

    def set_config(self, config: dict) -> None:
        self._send(("config", config))

    def __call__(self, engine: QueueEngine, now: float) -> dict:
        if not self.dead:
            self._send(("estimate", now))
        conn = self._conn  # stop() may be called from another thread at shutdown
        if not self.dead and conn is not None:
            try:
                if conn.poll(ANSWER_TIMEOUT):
                    kind, body = conn.recv()
                    if kind == "estimates":
                        return body
                    self._gone(f"failed: {body}")
                else:
                    self._gone(f"did not answer within {ANSWER_TIMEOUT:g} s")
            except (EOFError, OSError, ValueError) as exc:
                self._gone(f"is gone: {exc}")
        return self.fallback(engine, now)

    def _send(self, message: tuple) -> None:
        conn = self._conn
        if conn is None:
            return
        try:
            conn.send(message)
        except (OSError, ValueError) as exc:
            self._gone(f"is gone: {exc}")

    def _die(self) -> None:
        self.dead = True
        self.stop()

    def _gone(self, what: object) -> None:
        if not self.closed:
            log.error("the estimator process %s", what)
        self._die()

    def close(self) -> None:
        """For good (the hub is stopping); may be called from another thread."""
        self.closed = True
        self.stop()

    def stop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
            self._conn = None
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.terminate()
            self._proc.join(2)
            self._proc = None


def _child_main(conn: Connection, hall_path: str) -> None:
    """The child: a replica of the hall's engine and the shadow estimator."""
    import os
    import signal

    from signage.config import HallConfig

    from server.queue.engine import HallState, QueueEngine
    from server.sim.estimator import Estimator
    from server.sim.traffic import planned_breaks_beside

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the hub decides when it ends (Ctrl-C goes to the group)
    try:
        os.nice(10)  # estimates can wait a moment; calls on their way to the screens cannot
    except OSError:
        pass
    engine: QueueEngine | None = None
    est: Estimator | None = None
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the hub is gone
        kind = message[0]
        try:
            if kind == "start":
                _, config_data, state, history = message
                config = HallConfig.model_validate(config_data)
                engine = QueueEngine(config, HallState.from_json(state))
                est = Estimator(config, planned_breaks_beside(hall_path, config))
                for event in history:
                    est.observe(event)
            elif kind == "events" and engine is not None and est is not None:
                for seq, event in message[1]:
                    engine.apply(event, seq)
                    est.observe(event)
            elif kind == "config" and engine is not None and est is not None:
                config = HallConfig.model_validate(message[1])
                engine.config = est.config = config  # new windows and service times, learning kept
                est.breaks = planned_breaks_beside(hall_path, config)  # the rota may have changed too
            elif kind == "estimate" and engine is not None and est is not None:
                conn.send(("estimates", est(engine, message[1])))
        except Exception as exc:  # answer, then let the hub restart us from a fresh snapshot
            try:
                conn.send(("failed", f"{kind}: {exc!r}"))
            except OSError:
                pass
            return
