"""One hall inside the hub: its durable queue, its clients, its recent events.

Theory of operation
-------------------
* **One writer at a time.** The hall's engine changes in three places only: a
  group commit, a day-rollover tick and a configuration swap. Each holds
  :attr:`HallRuntime.lock` (an :class:`asyncio.Lock`), and the slow part
  (deciding and the ``fsync``) runs in the hall's single worker thread. The
  event loop reads the engine (snapshots, estimates) only while holding the same
  lock, so it never sees a half-applied batch.
* **Durable first, then fan-out (group commit).** Commands queue in
  ``_pending``; the committer takes everything pending at once and calls
  :meth:`DurableHall.submit_many` in the worker thread: one commit for the
  whole batch. Back on the loop, for each command in order it writes ``ok`` (or
  ``error``) to the sender and then each event to every client of the hall.
  Those writes are synchronous, with no ``await`` between them, so every client
  sees the events in ``seq`` order and a sender sees its ``ok`` before the
  events it caused.
* **Joining without gaps or duplicates.** A client joins under the lock: its
  ``welcome`` (a snapshot, or a replay of the events it missed from the ring of
  recent events) is written and the client is added to the fan-out set with no
  ``await`` in between. The next event it gets is therefore ``welcome.seq + 1``.
* **Nobody waits for a slow client.** Writes go straight into each socket's
  buffer and never wait. The events of one commit are serialised once, framed
  once (a server's frames are not masked, so the bytes are the same for every
  client) and written to each client in one call (:func:`write_all`, the
  idea of :func:`websockets.broadcast` taken one step further). A client
  whose buffer holds more than ``max_backlog`` bytes, or that has not taken a
  byte for ``stall_timeout`` seconds, is closed with 1013 (try again later) and
  comes back with ``since``.
* **Estimates beside, not in, the path of a call.** The estimator has its own
  thread: it is fed every event in order (``observe``, when it has one) and
  asked for estimates at most every ``estimate_interval`` after a change and on
  the periodic tick, without the hall's lock (it reads the engine while commits
  go on; :class:`server.sim.estimator.Estimator` is written for that). New
  estimates ride along with the next commit's write when one is under way.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import struct
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterable

from websockets.asyncio.server import ServerConnection, broadcast
from websockets.protocol import State

from signage import protocol as p
from signage.config import HallConfig, LoadResult, load_hall
from signage.config.loader import MAX_CONFIG_BYTES
from signage.events import on_the_wire  # noqa: F401 (the wire form of an event; it was defined here)

from server.queue.durable import Applied, DurableHall
from server.queue.engine import QueueEngine
from server.queue.rules import Ticket, ahead_counts, window_plans
from server.hub.metrics import HubMetrics
from server.queue.store import StoreError

log = logging.getLogger(__name__)

Estimator = Callable[[QueueEngine, float], dict]  # may also have .observe(event), fed every event in order
# Roles that get per-ticket estimates ("your ticket: about 6 minutes"); screens
# show per-service waits only, and need not carry every ticket of the day.
TICKET_ESTIMATE_ROLES = frozenset({"kiosk", "manager"})
MAX_BATCH = 256
HISTORY_SECONDS = 7 * 86400  # what the estimator learns from at start
ESTIMATES_WAIT = 0.3  # seconds new estimates wait for a commit to ride with
MAX_RELOAD_PROBLEMS = 50  # problems of a refused hall file told to the managers (and logged)


def with_waiting_since(engine: Any) -> dict:
    """The welcome's snapshot: the engine's public view and, by service, when each waiting ticket was
    issued (``waiting_since``: the manager's page shows the longest wait from it)."""
    view = engine.public_view()
    since: dict[str, dict[str, float]] = {}
    for t in engine.state.tickets.values():
        if t.state == "waiting":
            since.setdefault(t.service, {})[t.id] = t.issued_at
    view["waiting_since"] = since
    return view


def dumps(obj: Any) -> bytes:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode()
    except UnicodeEncodeError:
        # A lone surrogate (a client's "\ud800", echoed in an error): escaped, it is still valid JSON.
        return json.dumps(obj, separators=(",", ":")).encode()


# Every frame is built by its builder in signage/protocol.py (the protocol owns every frame) and
# serialised here, once for all the clients that get it.

def spliced(frame: dict, **raw: bytes) -> bytes:
    """``frame`` serialised, with values that are serialised already appended under their keys
    (a snapshot, the hall file: serialised once, sent to many)."""
    parts = [dumps(frame)[:-1]]
    for key, value in raw.items():
        parts += [b',"', key.encode(), b'":', value]
    parts.append(b"}")
    return b"".join(parts)


def event_frame(seq: int, event: dict) -> bytes:
    return dumps(p.EventMessage.frame(seq, on_the_wire(event)))


def ws_frame(payload: bytes) -> bytes:
    """``payload`` as one complete websocket text frame from a server (unmasked, no extension)."""
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, n) + payload
    return struct.pack("!BBQ", 0x81, 127, n) + payload


def write_all(connections: Iterable[ServerConnection], data: bytes) -> None:
    """Write already framed bytes to every open connection: one write each, never waiting.

    Safe beside websockets' own writes because every write is whole frames, made
    on the event loop, while the connection is OPEN; the hub uses no compression
    and sends no fragmented messages, so there is no per-connection framing state.
    """
    for ws in connections:
        if ws.protocol.state is State.OPEN:
            ws.transport.write(data)


def error_frame(code: str, message: str, request_id: str | None = None, retry_after: float | None = None) -> bytes:
    return dumps(p.Error.frame(code, message, request_id, retry_after))


def ok_frame(request_id: str | None, result: dict | None) -> bytes:
    return dumps(p.Ok.frame(request_id, result))


_closing: set[asyncio.Task] = set()  # keeps close tasks alive until done


def close_soon(ws: ServerConnection, code: int, reason: str, grace: float) -> None:
    """Send a close frame now; cut the connection if it is not closed ``grace`` seconds later.

    ``ws.close()`` alone could wait a long time behind a full buffer that the
    other end does not read; this never blocks the caller.
    """
    if ws.protocol.state is State.OPEN:
        task = asyncio.ensure_future(ws.close(code, reason))
        _closing.add(task)
        task.add_done_callback(_closing.discard)

    def cut() -> None:
        transport = ws.transport
        if transport is not None and not transport.is_closing():
            transport.abort()

    asyncio.get_running_loop().call_later(grace, cut)


async def close_now(ws: ServerConnection, code: int, reason: str, grace: float) -> None:
    """Close with ``code``; cut the connection if the other end has not answered within ``grace`` s."""
    try:
        await asyncio.wait_for(ws.close(code, reason), grace)
    except asyncio.TimeoutError:
        if ws.transport is not None:
            ws.transport.abort()


@dataclass(eq=False)
class Client:
    """A connection that said a valid hello. ``actor`` is stable across reconnects."""

    ws: ServerConnection
    role: str
    hall: str
    actor: str
    token: str                      # the token entry's name (never the secret)
    window: int | None = None
    screen: str | None = None
    zone: str | None = None
    stalled_since: float | None = None
    last_backlog: int = 0
    joined: float = field(default_factory=time.time)  # for the manager's list of who is connected

    def push(self, data: bytes) -> None:
        """Queue one text frame; never waits. Dropped silently if the connection is closing."""
        broadcast((self.ws,), data, text=True)

    def backlog(self) -> int:
        """Bytes written for this client that the network has not taken yet."""
        transport = self.ws.transport
        return transport.get_write_buffer_size() if transport is not None else 0

    def __str__(self) -> str:
        what = f"window {self.window}" if self.window else f"screen {self.screen}" if self.screen else self.role
        peer = self.ws.remote_address
        return f"{what} ({self.token}) from {peer[0] if peer else '?'}"


@dataclass
class _Pending:
    client: Client
    cmd: Any
    received: float  # perf_counter when the frame arrived


@dataclass
class ReloadResult:
    ok: bool
    changed: bool = False
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class HallRuntime:
    def __init__(self, path: Path, durable: DurableHall, metrics: HubMetrics, *,
                 clock: Callable[[], float], estimator: Estimator,
                 ring_size: int = 5000, max_backlog: int = 1 << 20, stall_timeout: float = 30.0,
                 estimate_interval: float = 0.25, close_grace: float = 2.0) -> None:
        self.path = Path(path)
        self.durable = durable
        self.id = durable.hall_id
        self.metrics = metrics
        self.clock = clock
        self.estimator = estimator
        self.max_backlog = max_backlog
        self.stall_timeout = stall_timeout
        self.estimate_interval = estimate_interval
        self.close_grace = close_grace
        self.lock = asyncio.Lock()
        self.executor = ThreadPoolExecutor(1, thread_name_prefix=f"hall-{self.id}")
        # The estimator's own thread: observe() in event order, then estimates, never holding up a commit.
        self.est_executor = ThreadPoolExecutor(1, thread_name_prefix=f"estimates-{self.id}")
        self._observe = getattr(estimator, "observe", None)
        self._feed_numbered = getattr(estimator, "feed", None)  # an estimator with its own replica (seq needed)
        self.clients: dict[Client, ServerConnection] = {}
        self.ring: deque[tuple[int, bytes]] = deque(maxlen=ring_size)
        self._pending: list[_Pending] = []
        self._committer: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._reload_lock = asyncio.Lock()
        self._set_config_bytes(durable.config)
        self._snapshot: tuple[tuple[int, int, int], bytes] | None = None
        self._estimates_key: Any = None
        self._estimate_frames: tuple[bytes, bytes] | None = None  # last sent (services only, with tickets)
        self._estimates_due = False
        self._estimates_dirty = False
        self._estimates_last = 0.0
        self._unsent: tuple[bytes, bytes] | None = None  # new estimates waiting for a commit to ride with
        self.latest_estimates: dict[str, Any] = {}  # the last estimates computed ({services, tickets})
        # Called (on the loop, holding the lock: the engine is quiet) after events or estimates were
        # written to the clients, with the ids of the tickets the events touched (None: anything may
        # have changed, e.g. new estimates). The "my ticket" watchers of server/web/live.py follow
        # the hall this way.
        self.listeners: list[Callable[["HallRuntime", set[str] | None], None]] = []
        # After a restart the ring starts with the log's tail, so that screens
        # reconnecting to the new process get a replay, not a snapshot.
        for seq, event in durable.store.events(self.id, after=max(0, durable.seq - ring_size)):
            self.ring.append((seq, event_frame(seq, event)))
        if self._feed_numbered is not None:
            self.est_executor.submit(self._start_estimator, *self._estimator_start())
        elif self._observe is not None:
            self.est_executor.submit(self._feed, [(0, e) for e in self._history()])

    # ------------------------------------------------------------------ config
    @property
    def config(self) -> HallConfig:
        return self.durable.config

    def _set_config_bytes(self, config: HallConfig) -> None:
        self._config_bytes = dumps(config.model_dump(mode="json", by_alias=True))
        self._config_gen = getattr(self, "_config_gen", 0) + 1

    async def reload(self) -> ReloadResult:
        """Re-read the hall file; swap it in if valid. The running configuration stays otherwise."""
        async with self._reload_lock:
            try:  # read, check and serialise away from the loop; nothing here may end the hub
                result, new = await asyncio.to_thread(self._read_config)
            except Exception as exc:  # MemoryError too: the manager gets an answer, the hall keeps running
                log.exception("hall %s: reading %s failed", self.id, self.path)
                self.metrics.reloads.inc(hall=self.id, result="invalid")
                return ReloadResult(False, problems=[
                    f"{self.path}: the hub could not check this file ({type(exc).__name__}{': ' * bool(str(exc))}{exc}); "
                    "the running configuration stays"])
            if result.config is None:
                problems = self._capped(result.errors or result.problems)
                self.metrics.reloads.inc(hall=self.id, result="invalid")
                return ReloadResult(False, problems=problems)
            if result.config.hall.id != self.id:
                self.metrics.reloads.inc(hall=self.id, result="invalid")
                return ReloadResult(False, problems=[
                    f'{self.path}: hall.id is now "{result.config.hall.id}" but this hub serves the file as '
                    f'"{self.id}": put the id back, or restart the hub to rename a hall'])
            if len(new) > MAX_CONFIG_BYTES:  # the loader says so too; this is what would be sent
                self.metrics.reloads.inc(hall=self.id, result="invalid")
                return ReloadResult(False, problems=[
                    f"{self.path}: the hall is {len(new):,} bytes as sent to the screens, at most "
                    f"{MAX_CONFIG_BYTES:,}: shorten it (docs/hub.md, Limits)"])
            async with self.lock:
                changed = new != self._config_bytes
                self.durable.config = result.config
                if changed:
                    self._config_bytes, self._config_gen = new, self._config_gen + 1
                    self._broadcast(spliced(p.ConfigPush.frame(), config=new))
                    self._check_backlogs()
                    if hasattr(self.estimator, "set_config"):
                        self.est_executor.submit(self.estimator.set_config, json.loads(new))  # type: ignore[attr-defined]
            self.metrics.reloads.inc(hall=self.id, result="changed" if changed else "unchanged")
            if changed:
                self.estimates_soon()
            return ReloadResult(True, changed, warnings=self._capped(result.warnings))

    def _capped(self, problems: list) -> list[str]:
        """The first problems, as text: the answer to the managers stays one small frame."""
        out = [str(p) for p in problems[:MAX_RELOAD_PROBLEMS]]
        if len(problems) > MAX_RELOAD_PROBLEMS:
            out.append(f"{self.path}: … and {len(problems) - MAX_RELOAD_PROBLEMS} more "
                       "(signage validate lists them all)")
        return out

    def _read_config(self) -> tuple[LoadResult, bytes]:
        """In a thread: the hall file checked, and the configuration as it would be sent."""
        result = load_hall(self.path)
        return result, (dumps(result.config.model_dump(mode="json", by_alias=True)) if result.config else b"")

    # ------------------------------------------------------------------ joining
    async def join(self, client: Client, since: int | None, hello_id: str | None = None) -> bool:
        """Welcome ``client`` (snapshot or replay) and add it to the fan-out. True if it was a replay."""
        async with self.lock:
            seq = self.durable.seq
            replay: list[bytes] | None = None
            snapshot: bytes | None = None
            if since is not None and since <= seq:
                if since == seq:
                    replay = []
                else:
                    snapshot = self._snapshot_bytes()
                    replay = self._replay(since, len(snapshot))
            if replay is None:
                snapshot = snapshot or self._snapshot_bytes()
            head = p.Welcome.frame(self.id, client.role, seq, replay is not None, hello_id)
            if replay is None:
                client.push(spliced(head, snapshot=snapshot, config=self._config_bytes))  # type: ignore[arg-type]
            else:
                client.push(spliced(head, config=self._config_bytes))
            if replay:
                write_all((client.ws,), b"".join(ws_frame(f) for f in replay))
            if self._estimate_frames is not None:
                client.push(self._estimate_frames[client.role in TICKET_ESTIMATE_ROLES])
            self.clients[client] = client.ws
        return replay is not None

    def leave(self, client: Client) -> None:
        self.clients.pop(client, None)

    def _snapshot_bytes(self) -> bytes:
        key = (self.durable.seq, self._config_gen, id(self.durable.engine))
        if self._snapshot is None or self._snapshot[0] != key:
            self._snapshot = (key, dumps(with_waiting_since(self.durable.engine)))
        return self._snapshot[1]

    def _replay(self, since: int, snapshot_size: int) -> list[bytes] | None:
        """The frames after ``since`` if the ring has them all and they are smaller than a snapshot."""
        if not self.ring or self.ring[0][0] > since + 1:
            return None  # older than what we keep
        frames = [f for _, f in islice(self.ring, since + 1 - self.ring[0][0], None)]
        if sum(len(f) for f in frames) > snapshot_size:
            return None
        return frames

    # ------------------------------------------------------------------ commands
    def submit(self, client: Client, cmd: Any, received: float) -> None:
        """Queue a command; the answer and the events are written by the committer."""
        self._pending.append(_Pending(client, cmd, received))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.ensure_future(self._commit_loop())

    async def _commit_loop(self) -> None:
        async with self.lock:
            while self._pending:
                batch = self._pending[:MAX_BATCH]
                del self._pending[:len(batch)]
                try:
                    await self._commit(batch)
                except Exception:  # a bug must not leave senders without an answer
                    log.exception("hall %s: a commit failed", self.id)
                    for item in batch:
                        item.client.push(error_frame("internal_error", "the hub failed on this command (logged)",
                                                     item.cmd.id))

    async def _commit(self, batch: list[_Pending]) -> None:
        now = self.clock()
        items = [(p.cmd, now, p.client.actor) for p in batch]
        t0 = time.perf_counter()
        loop = asyncio.get_running_loop()
        outcomes = await loop.run_in_executor(self.executor, self._decide_and_store, items)
        self.metrics.commit.observe(time.perf_counter() - t0, hall=self.id)
        self.metrics.batch.observe(len(batch), hall=self.id)
        changed = False
        fan_out: list[bytes] = []  # every event of the batch, framed, for one write per client
        for item, out in zip(batch, outcomes):
            rid, kind = item.cmd.id, item.cmd.type
            if isinstance(out, StoreError):
                item.client.push(error_frame("storage_error", str(out), rid))
                self.metrics.commands.inc(hall=self.id, command=kind, result="storage_error")
                continue
            if isinstance(out, BaseException):
                item.client.push(error_frame("internal_error",
                                             "the hub failed on this command (logged); nothing changed", rid))
                self.metrics.commands.inc(hall=self.id, command=kind, result="internal_error")
                continue
            decision = out.decision
            if decision.refusal is not None:
                item.client.push(error_frame(decision.refusal.code, decision.refusal.message, rid))
                self.metrics.commands.inc(hall=self.id, command=kind, result="refused")
                continue
            item.client.push(ok_frame(rid, decision.result))
            self.metrics.commands.inc(hall=self.id, command=kind,
                                      result="duplicate" if decision.duplicate else "ok")
            if decision.events:
                fan_out += self._frames(out)
                changed = True
        if fan_out:
            estimates, self._unsent = self._unsent, None
            self._write_with_estimates(b"".join(fan_out), estimates)
            done = time.perf_counter()
            for item in batch:
                self.metrics.fanout.observe(done - item.received, hall=self.id)
            self._learn([n for out in outcomes if isinstance(out, Applied) for n in out.numbered])
            self._notify(None if estimates is not None else {
                e["ticket"]["id"] for out in outcomes if isinstance(out, Applied)
                for e in out.decision.events if e.get("ticket")})
        self._check_backlogs()
        if changed:
            self.estimates_soon()

    def _notify(self, tickets: set[str] | None = None) -> None:
        for listener in self.listeners:
            try:
                listener(self, tickets)
            except Exception:
                log.exception("hall %s: a listener failed", self.id)

    def _learn(self, numbered: list[tuple[int, dict]]) -> None:
        """Hand the events to the estimator's thread, in order (nothing waits for it)."""
        if numbered and (self._observe is not None or self._feed_numbered is not None):
            self.est_executor.submit(self._feed, numbered)

    def _feed(self, numbered: list[tuple[int, dict]]) -> None:
        try:
            if self._feed_numbered is not None:
                self._feed_numbered(numbered)
            else:
                for _, event in numbered:
                    self._observe(event)  # type: ignore[misc]
        except Exception:
            log.exception("hall %s: the estimator could not learn from an event", self.id)

    def _history(self) -> list[dict]:
        """What an estimator learns from at start: the last week of the log (service times,
        arrival rates by half-hour), up to the state's seq; live events follow in order."""
        now = self.clock()
        return [e for seq, e in self.durable.store.events_between(self.id, now - HISTORY_SECONDS, now + 86400)
                if seq <= self.durable.seq]

    def _estimator_start(self) -> tuple[dict, dict, list[dict]]:
        """What an estimator with its own replica starts from; call with the engine quiet (lock held)."""
        return json.loads(self._config_bytes), self.durable.engine.state.to_json(), self._history()

    def _start_estimator(self, config: dict, state: dict, history: list[dict]) -> None:
        try:
            self.estimator.start(config, state, history)  # type: ignore[attr-defined]
        except Exception:
            log.exception("hall %s: the estimator could not start; naive estimates meanwhile", self.id)

    def _estimate(self, now: float) -> dict | None:
        """In the estimator's thread: estimates for the engine as it is now, with the seq they reflect."""
        try:
            # An estimator with its own replica has seen the events fed to it so far (in this thread).
            seq = getattr(self.estimator, "seq", None) if self._feed_numbered is not None else self.durable.seq
            return {**self.estimator(self.durable.engine, now), "seq": seq}
        except Exception:
            log.exception("hall %s: the estimator failed", self.id)
            return None

    def _estimates_update(self, est: dict, now: float, force: bool = False) -> tuple[bytes, bytes] | None:
        """New (services only, with tickets) estimates messages, or None if nothing changed."""
        services, tickets = est.get("services") or {}, est.get("tickets") or {}
        key = dumps([services, tickets])
        if key == self._estimates_key and not force:
            return None
        self._estimates_key = key
        self.latest_estimates = {"services": services, "tickets": tickets}
        # The seq lets a client tell counts older than the events it already has (it ignores them).
        seq = est["seq"] if isinstance(est.get("seq"), int) else None
        public = dumps(p.Estimates.frame(now, services, seq))
        full = dumps(p.Estimates.frame(now, services, seq, tickets))
        return public, full

    def _write_with_estimates(self, blob: bytes, estimates: tuple[bytes, bytes] | None) -> None:
        """``blob`` to everyone, followed by the estimates each role gets, in one write per client."""
        if estimates is None:
            write_all(self.clients.values(), blob)
            return
        self._estimate_frames = estimates  # what a newcomer gets from now on (never before the others)
        public, full = ws_frame(estimates[0]), ws_frame(estimates[1])
        write_all([ws for c, ws in self.clients.items() if c.role not in TICKET_ESTIMATE_ROLES], blob + public)
        write_all([ws for c, ws in self.clients.items() if c.role in TICKET_ESTIMATE_ROLES], blob + full)
        if not blob:  # alone (with a commit's events, _commit notifies)
            self.spawn(self._notify_quiet())

    async def _notify_quiet(self) -> None:
        async with self.lock:  # the listeners read the engine: never while a commit folds events into it
            self._notify()

    def _decide_and_store(self, items: list[tuple[Any, float, str]]) -> list[Applied | BaseException]:
        """In the worker thread: one commit for all; on a surprise, one by one so one bad command fails alone."""
        try:
            return list(self.durable.submit_many(items))
        except StoreError as exc:
            log.error("hall %s: %s", self.id, exc)
            return [exc] * len(items)
        except Exception:
            log.exception("hall %s: a batch of %d commands failed; trying them one by one", self.id, len(items))
        out: list[Applied | BaseException] = []
        for item in items:
            try:
                out.append(self.durable.submit_many([item])[0])
            except StoreError as exc:
                out.append(exc)
            except Exception as exc:
                log.exception("hall %s: command %r failed", self.id, item[0])
                out.append(exc)
        return out

    def _frames(self, applied: Applied) -> list[bytes]:
        """The framed messages for ``applied``'s events (remembered in the ring), in seq order."""
        out = []
        for seq, event in applied.numbered:
            payload = event_frame(seq, event)
            self.ring.append((seq, payload))
            out.append(ws_frame(payload))
            self.metrics.events.inc(hall=self.id)
            kind = event["type"]
            # Convenience pushes (docs/protocol.md): the same news as the event, ready to show.
            if kind == "messages_set":
                out.append(ws_frame(dumps(p.Messages.frame(event["messages"]))))
            elif kind in ("notice_set", "notice_cleared"):
                out.append(ws_frame(dumps(p.Notice.frame(event.get("notice")))))
        return out

    def _broadcast(self, payload: bytes, role: Callable[[str], bool] | None = None) -> None:
        conns = self.clients.values() if role is None else [ws for c, ws in self.clients.items() if role(c.role)]
        write_all(conns, ws_frame(payload))

    def to_role(self, role: str, payload: bytes, *, besides: Client | None = None) -> int:
        targets = [ws for c, ws in self.clients.items() if c.role == role and c is not besides]
        write_all(targets, ws_frame(payload))
        return len(targets)

    # ------------------------------------------------------------------ slow clients
    def _check_backlogs(self) -> None:
        limit = self.max_backlog
        for client in [c for c in self.clients if c.backlog() > limit]:
            self.drop(client, "too far behind: reconnect with since")

    def check_stalled(self, now: float) -> None:
        """Drop clients whose buffer has not shrunk for ``stall_timeout`` s (dead links, frozen apps).

        websockets' keepalive cannot see those: its ping waits behind the full buffer.
        """
        for client in list(self.clients):
            backlog = client.backlog()
            if backlog == 0 or backlog < client.last_backlog:
                client.stalled_since = None
            elif client.stalled_since is None:
                client.stalled_since = now
            elif now - client.stalled_since > self.stall_timeout:
                self.drop(client, "not reading: reconnect with since")
            client.last_backlog = backlog

    def drop(self, client: Client, reason: str) -> None:
        if self.clients.pop(client, None) is None:
            return
        log.warning("hall %s: dropping %s: %s (%d bytes waiting)", self.id, client, reason, client.backlog())
        self.metrics.drops.inc(hall=self.id, role=client.role)
        close_soon(client.ws, 1013, reason, self.close_grace)

    # ------------------------------------------------------------------ time and estimates
    async def tick(self) -> None:
        """Record what time alone causes (a new day) and fan it out."""
        async with self.lock:
            loop = asyncio.get_running_loop()
            try:
                applied = await loop.run_in_executor(self.executor, self.durable.tick, self.clock())
            except StoreError as exc:
                log.error("hall %s: day rollover not recorded: %s", self.id, exc)
                return
            if applied is not None:
                write_all(self.clients.values(), b"".join(self._frames(applied)))
                self._check_backlogs()
                self._learn(applied.numbered)
                self._notify()
        if applied is not None:
            self.estimates_soon()

    def estimates_soon(self) -> None:
        """Estimates are out of date: push them soon, at most one push per ``estimate_interval``.

        While commands keep coming, the estimates ride along with their events
        (see :meth:`_work`); this timer covers the last change of a quiet spell.
        """
        self._estimates_dirty = True
        if self._estimates_due:
            return
        self._estimates_due = True
        delay = max(0.0, self._estimates_last + self.estimate_interval - time.monotonic())
        self.spawn(self._estimates_after(delay))

    async def _estimates_after(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self._estimates_due = False  # a change from now on asks for another push
        if self._estimates_dirty:
            await self.push_estimates()

    async def push_estimates(self, force: bool = False) -> None:
        """Compute estimates (in the estimator's thread) and push them if they changed, or if ``force``."""
        self._estimates_last = time.monotonic()
        loop = asyncio.get_running_loop()
        if getattr(self.estimator, "dead", False) and self._feed_numbered is not None:
            async with self.lock:  # restart the estimator from the state as it is now
                args = self._estimator_start()
            log.warning("hall %s: restarting the estimator process", self.id)
            await loop.run_in_executor(self.est_executor, self._start_estimator, *args)
        now = self.clock()
        # Cleared here, on the loop, as the job is queued: the estimator's thread runs jobs in
        # order, so this estimate sees every event fed before it and a later change asks anew.
        self._estimates_dirty = False
        est = await loop.run_in_executor(self.est_executor, self._estimate, now)
        frames = self._estimates_update(est, now, force) if est is not None else None
        if frames is None:
            return
        # They ride with the next commit's write to every client (a busy hall: no write of their
        # own at all); in a quiet moment they go alone a little later.
        self._unsent = frames
        loop.call_later(ESTIMATES_WAIT, self._flush_estimates)

    def _flush_estimates(self) -> None:
        if self._unsent is not None:
            frames, self._unsent = self._unsent, None
            self._write_with_estimates(b"", frames)
            self._check_backlogs()

    # ------------------------------------------------------------------ life
    def spawn(self, coro: Any) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def connections(self) -> Counter[str]:
        return Counter(c.role for c in self.clients)

    async def close(self) -> None:
        """Finish the commands already accepted, save a snapshot, stop the worker."""
        while self._pending or (self._committer is not None and not self._committer.done()):
            if self._committer is None or self._committer.done():
                self._committer = asyncio.ensure_future(self._commit_loop())
            await asyncio.shield(self._committer)
        for task in list(self._tasks):
            task.cancel()
        async with self.lock:
            loop = asyncio.get_running_loop()
            try:
                await loop.run_in_executor(self.executor, self.durable.snapshot)
            except StoreError as exc:
                log.error("hall %s: no snapshot at shutdown (the log is complete anyway): %s", self.id, exc)
        self.executor.shutdown(wait=True)
        self.est_executor.shutdown(wait=False, cancel_futures=True)
        if hasattr(self.estimator, "close"):
            self.estimator.close()  # type: ignore[attr-defined]


# --- the simplest estimator ---------------------------------------------------------

def naive_estimates(engine: QueueEngine, now: float) -> dict:
    """Waits as people waiting × service minutes ÷ open windows serving the service.

    A first approximation that ignores the citizens already at the counters (the
    people ahead are counted by the calling rule, :func:`server.queue.rules.ahead_counts`), in the shape of the ``estimates`` message (docs/protocol.md).
    The hub uses :class:`server.sim.estimator.Estimator` by default; this one is for
    tests (its figures are easy to check) and ``signage serve --estimator naive``.
    Safe to run while the engine changes in another thread: it copies first.
    """
    config, st = engine.config, engine.state
    tickets_now = list(st.tickets.values())  # one step, under the GIL
    windows_now = dict(st.windows)
    open_windows: dict[str, int] = {s.id: 0 for s in config.services}
    reopen: dict[str, list[str]] = {s.id: [] for s in config.services}
    for w in config.windows:
        ws = windows_now.get(w.number)
        state = ws.state if ws is not None else "closed"
        for sid in config.services_of(w):
            if sid not in open_windows:
                continue
            if state == "open":
                open_windows[sid] += 1
            elif state == "paused" and ws is not None and ws.until:
                reopen[sid].append(ws.until)
    queues: dict[str, list] = {s.id: [] for s in config.services}
    for t in tickets_now:
        if t.state == "waiting" and t.service in queues:
            queues[t.service].append(t)
    # Who is ahead of each: the calling rule's count (priority, green and due appointments first).
    waiting = [t for q in queues.values() for t in q]
    ghosts = [Ticket(id=f"~{s.id}", number="~", service=s.id, klass="normal", issued_at=now, order_at=now)
              for s in config.services]  # a new normal ticket of each service
    counted = ahead_counts(config.rules, window_plans(config).values(), waiting, now, waiting + ghosts)
    services: dict[str, dict] = {}
    tickets: dict[str, dict] = {}
    for s in config.services:
        queue = sorted(queues[s.id], key=lambda t: (t.order_at, t.number))
        n = open_windows[s.id]
        if n == 0:
            services[s.id] = {"waiting": len(queue), "ahead": counted[f"~{s.id}"], "minutes": None, "low": None, "high": None,
                              "closed_until": min(reopen[s.id]) if reopen[s.id] else None}
            continue
        per = s.minutes / n
        services[s.id] = {"waiting": len(queue), "ahead": counted[f"~{s.id}"], **_range(len(queue) * per),
                          "closed_until": None}
        for t in queue:
            ahead = counted[t.id]
            tickets[t.id] = {"ahead": ahead, **_range(ahead * per)}
    return {"services": services, "tickets": tickets}


def _range(minutes: float) -> dict[str, int]:
    # A crude 10–90 % band: service times vary a lot at a police counter.
    return {"minutes": round(minutes), "low": math.floor(minutes * 0.6), "high": math.ceil(minutes * 1.5)}
