"""The hub: one websocket server for one or more halls.

It only moves messages between sockets and the halls' queue engines; the rules
live in :mod:`server.queue.engine`, the ordering and fan-out in :mod:`server.hub.hall`.
This module owns the connection's life:

1. The HTTP request (``process_request``): a browser page from a foreign
   ``Origin`` or an unknown ``Host`` gets 403; the paths in :attr:`Hub.http_routes`
   (``/healthz``, ``/metrics``) are answered here; any other request that is not
   a websocket upgrade goes to :attr:`Hub.http_fallback` (the browser pages, when
   they are attached), else 404.
2. ``hello``: the first frame must be a valid hello whose token (from the
   tokens file) has the role, the hall, and for a window the window number.
   Anything else: an ``error`` and a close (1008).
3. Frames after hello: rate-limited (token bucket per connection), parsed with
   :func:`signage.protocol.parse_client`, checked against the role (and a
   window's own number: :data:`signage.protocol.ROLE_POLICY`), then answered by
   the hub (:data:`HUB_COMMANDS`: ping, reload, who, screenshots) or queued on
   the hall. Bad input gets an ``error``; nothing a client sends can raise out of
   the handler or change the state.

What a caller may rely on: :meth:`Hub.start` returns once listening (``port``
is the real port, also for port 0); :meth:`Hub.shutdown` stops accepting,
finishes the commands already accepted, saves snapshots and closes every
connection with 1001 (going away), in that order.

Extension points (the hub imports nothing of what attaches to it; the browser
side, :func:`server.web.pages.attach_web`, attaches itself where a hub is built
for serving, :func:`server.web.serve.open_hub`): :attr:`Hub.http_fallback` (plain
HTTP requests), :attr:`Hub.hello_handlers` (the hellos of a role without a
token: the ticket role), :attr:`Hub.command_handlers` (the commands of
:data:`ATTACHED_COMMANDS`; each returns its result for ``signage_hub_commands_total``),
:attr:`Hub.leave_listeners` (a connection that said hello is gone),
:attr:`Hub.connection_counters` (connections held outside the halls' fan-out, the
ticket pages, for ``signage_hub_connections``) and each hall's ``listeners``
(after a commit).
"""

from __future__ import annotations

import asyncio
import gc
import ipaddress
import json
import logging
import math
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from signage import __version__
from signage import protocol as p
from signage.config import HallConfig, load_hall

from server.queue.durable import DurableHall
from server.hub.hall import (Client, Estimator, HallRuntime, close_now, close_soon, dumps, error_frame,
                             naive_estimates, ok_frame)
from server.hub.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE, HubMetrics
from server.queue.store import EventStore, StoreError
from signage.config.tokens import Tokens, TokensError, load_tokens
from server.hub.watch import FileWatcher

log = logging.getLogger(__name__)

HttpHandler = Callable[[ServerConnection, Request], Response]
Refuse = Callable[..., Awaitable[None]]  # Hub._refuse(ws, code, message, request_id, close_code=1008)
# The hello of a role that has no token (the ticket role): the client, welcomed, or None after a refusal.
HelloHandler = Callable[[ServerConnection, "p.Hello", Refuse], Awaitable["Client | None"]]
# An attached command's answer; returns its result for signage_hub_commands_total ("ok", "refused", ...).
CommandHandler = Callable[["Client", "HallRuntime", Any], str]
LeaveListener = Callable[["Client"], None]
# Connections an attached side holds outside the halls' fan-out (the ticket pages): (hall, role) -> how many.
ConnectionCounter = Callable[[], dict[tuple[str, str], int]]
EstimatorFactory = Callable[[HallConfig, Path], Estimator]


def shadow_estimator(config: HallConfig, path: Path) -> Estimator:
    """The hall's own rule run forward (server/sim/estimator.py) with the staff rota beside the hall
    file, in a process of its own (server/hub/estimates.py)."""
    from server.hub.estimates import EstimatorProcess

    return EstimatorProcess(path, fallback=naive_estimates)


def naive_estimator(config: HallConfig, path: Path) -> Estimator:
    """People waiting × service minutes ÷ open windows: simple figures, for tests and as a fallback."""
    return naive_estimates


ESTIMATORS: dict[str, EstimatorFactory] = {"shadow": shadow_estimator, "naive": naive_estimator}


def respond(connection: ServerConnection, status: int, text: str, content_type: str) -> Response:
    """An HTTP answer from ``process_request`` (for the routes in :attr:`Hub.http_routes`)."""
    response = connection.respond(status, text)
    del response.headers["Content-Type"]  # Headers keeps several values per name: replace, not add
    response.headers["Content-Type"] = content_type
    response.headers["Cache-Control"] = "no-store"
    return response


class HubError(Exception):
    """The hub cannot start; ``problems`` are for a person (file:line: ...)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Limits:
    """Knobs with safe defaults; tests and the benchmark turn some of them."""

    rate: float = 20.0              # frames per second per connection (token bucket) ...
    burst: float = 60.0             # ... and how many may come at once
    strikes: int = 100              # frames over the limit in a row before the connection is closed
    max_size: int = 256 * 1024      # websocket frame limit (close 1009 above); 64 KiB-256 KiB get an error
    max_backlog: int = 1 << 20      # bytes waiting for one client before it is dropped (1013)
    stall_timeout: float = 30.0     # seconds a client's buffer may stay stuck before it is dropped
    hello_timeout: float = 10.0
    ping_interval: float | None = 20.0
    ping_timeout: float | None = 20.0
    close_grace: float = 2.0        # after a close frame, seconds before the TCP connection is cut
    ring_size: int = 5000           # recent events kept per hall for replays
    estimate_interval: float = 0.25 # at most 4 estimates pushes a second per hall
    periodic: float = 30.0          # day rollover tick and estimates refresh
    watch_interval: float | None = 0.3  # hall/tokens file polling; None: do not watch
    origins: tuple[str, ...] = field(default_factory=tuple)  # browser origins allowed besides the hub's own
    hosts: tuple[str, ...] = field(default_factory=tuple)    # Host names allowed besides this machine's (".x.cn": any under it)
    unwelcomed_per_address: int = 32  # connections from one address that have not said hello yet
    # Tickets (issue, and check_in with a booked code), on the hall's clock (docs/hub.md, Limits).
    # None: no limit (a simulation whose one connection stands for every kiosk of a hall).
    issue_per_minute: float | None = 20.0       # per token (all its connections): a ticket every 3 s ...
    issue_burst: float = 10.0                   # ... after 10 at once
    hall_issue_per_minute: float | None = 30.0  # per hall, every token together ...
    hall_issue_burst: float = 30.0              # ... after 30 at once
    check_in_misses: int | None = 10            # wrong appointment codes per token per minute, then ...
    check_in_lockout: float = 300.0             # ... that token's check_in is refused this many seconds


class TokenBucket:
    """``burst`` at once, then ``rate`` a second. The frames of a connection run on the monotonic
    clock; tickets on the hall's (so that a simulated day at 10x speed is limited like a real one)."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.level = burst
        self.at = clock()

    def ready(self) -> bool:
        """Whether :meth:`take` would succeed now (nothing is taken)."""
        now = self.clock()
        if now > self.at:  # a clock that steps back refills nothing meanwhile
            self.level = min(self.burst, self.level + (now - self.at) * self.rate)
        self.at = now
        return self.level >= 1.0

    def take(self) -> bool:
        if self.ready():
            self.level -= 1.0
            return True
        return False

    def retry_after(self) -> float:
        """Seconds until one more may be taken (0 if now)."""
        return 0.0 if self.level >= 1.0 else (1.0 - self.level) / self.rate


@dataclass
class _CheckInGuard:
    """Wrong appointment codes of one token: ``misses`` a minute, then locked until ``locked_until``."""

    misses: TokenBucket
    locked_until: float = 0.0


def rate_limited_frame(message: str, retry_after: float, request_id: str | None = None) -> bytes:
    """``error`` ``rate_limited`` with ``retry_after`` (seconds, rounded up to a tenth)."""
    return error_frame("rate_limited", message, request_id, math.ceil(max(0.0, retry_after) * 10) / 10)


def _seconds(value: float) -> str:
    return f"{math.ceil(value):d} s" if value < 120 else f"{math.ceil(value / 60):d} min"


class PlainFormatter(logging.Formatter):
    """Log lines with every character the protocol's text rule refuses escaped (``\\x1b``), line
    breaks kept: an ESC stored before the rule existed, or in an exception's message, never
    reaches the terminal or the journal raw, and a lone surrogate cannot fail the handler."""

    def format(self, record: logging.LogRecord) -> str:
        return p.escape_lines(super().format(record))


class Hub:
    def __init__(self, halls: list[HallRuntime], tokens: Tokens, store: EventStore, metrics: HubMetrics, *,
                 tokens_path: Path | None = None, limits: Limits | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.halls = {h.id: h for h in halls}
        self.tokens = tokens
        self.tokens_path = tokens_path
        self.store = store
        self.metrics = metrics
        self.limits = limits or Limits()
        self.clock = clock
        self.server: Server | None = None
        self.port: int | None = None
        self.closing = False
        self.anonymous = 0  # connections that have not said hello yet
        self._unwelcomed: Counter[str] = Counter()  # the same, by client address
        self._host_names = machine_host_names() | {h.lower().rstrip(".") for h in self.limits.hosts}
        # Tickets per (hall, token name) and per hall; wrong check_in codes per (hall, token name).
        self._issue_buckets: dict[tuple[str, str], TokenBucket] = {}
        self._hall_buckets: dict[str, TokenBucket] = {}
        self._check_ins: dict[tuple[str, str], _CheckInGuard] = {}
        # HTTP: these exact paths here; any other plain request (not a websocket upgrade) to the fallback.
        self.http_routes: dict[str, HttpHandler] = {"/healthz": self._healthz, "/metrics": self._metrics}
        self.http_fallback: HttpHandler | None = None
        # The address browsers and phones use (e.g. "https://hall.example.cn"): its host name is answered.
        self.public_url: str | None = None
        # What attaches to the hub (server/web/: the pages, "my ticket", who, screenshots) hooks in here.
        self.hello_handlers: dict[str, HelloHandler] = {}
        self.command_handlers: dict[str, CommandHandler] = {}
        self.leave_listeners: list[LeaveListener] = []
        self.connection_counters: list[ConnectionCounter] = []
        self._tasks: list[asyncio.Task] = []
        self._started = time.monotonic()
        from server.hub.editor import Editor  # the hall editor's commands and the versions (docs/editor.md)

        self.editor = Editor(self)
        self.leave_listeners.append(self.editor.forget)
        if tokens.demo:
            log.warning("the tokens file %s is marked demo: true. Anyone who has read this repository "
                        "can act as staff with it; make real tokens before opening the hall (docs/hub.md).",
                        tokens.source)

    # ------------------------------------------------------------------ building
    @classmethod
    def open(cls, hall_paths: list[str | Path], tokens: Tokens | str | Path, db: str | Path, *,
             limits: Limits | None = None, clock: Callable[[], float] = time.time,
             estimator: EstimatorFactory = shadow_estimator, durable: bool = True) -> "Hub":
        """Load and check the hall files and tokens, open the log and rebuild each hall's state.

        Raises :class:`HubError` with every problem found (invalid hall files, two
        files with one hall id, a bad tokens file, an unusable database).
        Must be called with a running event loop or before one starts; the hub's
        asyncio objects bind to the loop that runs :meth:`start`.
        """
        from server.queue.store import StoreError  # local: only for the message

        limits = limits or Limits()
        problems: list[str] = []
        configs = []
        for path in hall_paths:
            result = load_hall(path)
            for w in result.warnings:
                log.warning("%s", w)
            if result.config is None:
                problems += [str(x) for x in (result.errors or result.problems)]
            else:
                configs.append((Path(path), result.config))
        seen: dict[str, Path] = {}
        for path, config in configs:
            if config.hall.id in seen:
                problems.append(f"{path}: hall.id \"{config.hall.id}\" is also the id in {seen[config.hall.id]}: "
                                "every hall needs its own id")
            seen.setdefault(config.hall.id, path)
        tokens_path = None
        if not isinstance(tokens, Tokens):
            tokens_path = Path(tokens)
            try:
                tokens = load_tokens(tokens_path)
            except TokensError as exc:
                problems += exc.problems
        if problems:
            raise HubError(problems)
        assert isinstance(tokens, Tokens)
        unused = [e.name for e in tokens.entries if e.halls is not None and not e.halls & set(seen)]
        if unused:
            log.info("%d tokens are for halls this hub does not serve (%s...)", len(unused), ", ".join(unused[:3]))
        try:
            store = EventStore(db, durable=durable)
        except StoreError as exc:
            raise HubError([str(exc)]) from None
        metrics_holder: list[Hub] = []
        metrics = HubMetrics(connections=lambda: metrics_holder[0]._connection_counts(),
                             last_seq=lambda: {(("hall", h),): float(r.durable.seq)
                                               for h, r in metrics_holder[0].halls.items()},
                             numbers_used=lambda: metrics_holder[0]._numbers_used(),
                             unwelcomed=lambda: metrics_holder[0].anonymous)
        halls = []
        for path, config in configs:
            try:
                hall = DurableHall(config, store)
            except Exception as exc:  # a damaged log: say which hall and stop
                store.close()
                raise HubError([f"{db}: cannot rebuild hall {config.hall.id} from the log: {exc}"]) from None
            halls.append(HallRuntime(path, hall, metrics, clock=clock, estimator=estimator(config, path),
                                     ring_size=limits.ring_size, max_backlog=limits.max_backlog,
                                     stall_timeout=limits.stall_timeout,
                                     estimate_interval=limits.estimate_interval, close_grace=limits.close_grace))
        hub = cls(halls, tokens, store, metrics, tokens_path=tokens_path, limits=limits, clock=clock)
        metrics_holder.append(hub)
        try:
            hub.editor.first_versions()  # version 1 of each hall file: as the hub first loaded it
        except StoreError as exc:
            store.close()
            raise HubError([str(exc)]) from None
        return hub

    # ------------------------------------------------------------------ running
    async def start(self, host: str = "127.0.0.1", port: int = 8765) -> None:
        lim = self.limits
        self.server = await serve(
            self._handler, host, port,
            process_request=self._process_request,
            compression=None,  # per-connection deflate would cost CPU and ~100 KiB per screen
            max_size=lim.max_size, max_queue=64,
            ping_interval=lim.ping_interval, ping_timeout=lim.ping_timeout, close_timeout=lim.close_grace,
            open_timeout=lim.hello_timeout,
            server_header=f"signage-hub/{__version__}",
        )
        self.port = self.server.sockets[0].getsockname()[1]
        for hall in self.halls.values():
            self._tasks.append(asyncio.ensure_future(self._periodic(hall)))
            hall.estimates_soon()
        self._tasks.append(asyncio.ensure_future(self._housekeeping()))
        if lim.watch_interval:
            paths = [h.path for h in self.halls.values()] + ([self.tokens_path] if self.tokens_path else [])
            self.watcher = FileWatcher(paths, self._file_changed, interval=lim.watch_interval)
            self._tasks.append(asyncio.ensure_future(self.watcher.run()))
        log.info("hub listening on ws://%s:%d for %s", host, self.port, ", ".join(self.halls))

    async def _periodic(self, hall: HallRuntime) -> None:
        while True:
            await asyncio.sleep(self.limits.periodic)
            try:
                await hall.tick()
                await hall.push_estimates(force=True)
            except Exception:
                log.exception("hall %s: periodic work failed", hall.id)

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(2.0)
            now = time.monotonic()
            for hall in self.halls.values():
                hall.check_stalled(now)

    async def shutdown(self) -> None:
        """Stop accepting, finish durable writes, snapshot, close every client with 1001."""
        if self.closing:
            return
        self.closing = True
        log.info("hub shutting down")
        assert self.server is not None
        self.server.close(close_connections=False)  # stops accepting at once
        for task in self._tasks:
            task.cancel()
        for hall in self.halls.values():
            await hall.close()
        self.editor.close()
        for ws in list(self.server.connections):
            close_soon(ws, 1001, "hub going away; reconnect", self.limits.close_grace)
        await self.server.wait_closed()
        self.store.close()
        log.info("hub stopped")

    # ------------------------------------------------------------------ HTTP
    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        hosts = request.headers.get_all("Host")
        if not self._host_allowed(hosts):
            # DNS rebinding: a foreign site whose name resolves to this hub would pass the
            # Origin check (its Origin matches its own Host); only names we know are answered.
            self.metrics.rejected.inc(code="forbidden_host")
            name = hosts[0] if len(hosts) == 1 else "(none)" if not hosts else "(several)"
            return connection.respond(403, f"this hub does not answer to the name {name[:80]!r} (Host). "
                                           "Use its address, or start it with --allow-host NAME.\n")
        origins = request.headers.get_all("Origin")
        if origins and (len(origins) > 1 or not self._origin_allowed(origins[0], request.headers.get_all("Host"))):
            self.metrics.rejected.inc(code="forbidden_origin")
            return connection.respond(403, "this hub does not accept pages from another site (Origin)\n")
        path = urlsplit(request.path).path
        route = self.http_routes.get(path)
        if route is not None:
            return route(connection, request)
        if "websocket" not in ",".join(request.headers.get_all("Upgrade")).lower():
            if self.http_fallback is not None:
                return self.http_fallback(connection, request)  # the pages (they answer 404 themselves)
            return respond(connection, 404, "not found\n", "text/plain; charset=utf-8")
        return None

    def _host_allowed(self, hosts: list[str]) -> bool:
        """One Host header naming an IP address, this machine, the public URL or an allowed name."""
        if len(hosts) != 1:
            return False
        name = host_name(hosts[0])
        if name is None:
            return False
        if _is_ip(name) or name in self._host_names:
            return True
        if self.public_url and host_name(urlsplit(self.public_url).netloc) == name:
            return True
        return any(h.startswith(".") and (name.endswith(h) or name == h[1:]) for h in self._host_names)

    def _origin_allowed(self, origin: str, hosts: list[str]) -> bool:
        if origin in self.limits.origins:
            return True
        parts = urlsplit(origin)
        # A page served by the hub itself has Origin http://<Host>; any other site is refused.
        return parts.scheme in ("http", "https") and len(hosts) == 1 and parts.netloc.lower() == hosts[0].lower()

    def _healthz(self, connection: ServerConnection, request: Request) -> Response:
        halls = {h.id: {"seq": h.durable.seq, "connections": dict(h.connections()), "file": str(h.path)}
                 for h in self.halls.values()}
        body = {"status": "closing" if self.closing else "ok", "version": __version__,
                "uptime": round(time.monotonic() - self._started, 1), "halls": halls,
                "connections": sum(len(h.clients) for h in self.halls.values()) + self.anonymous}
        return respond(connection, 503 if self.closing else 200, json.dumps(body, ensure_ascii=False) + "\n",
                       "application/json; charset=utf-8")

    def _metrics(self, connection: ServerConnection, request: Request) -> Response:
        return respond(connection, 200, self.metrics.render(), METRICS_CONTENT_TYPE)

    def _connection_counts(self) -> dict[tuple[tuple[str, str], ...], float]:
        """For /metrics: connections that said hello, by hall and role (the others: ``anonymous``), the
        ticket pages' too (:attr:`connection_counters`)."""
        out: dict[tuple[tuple[str, str], ...], float] = {}
        for hall in self.halls.values():
            for role in p.ROLES:
                out[(("hall", hall.id), ("role", role))] = float(hall.connections().get(role, 0))
        for count in self.connection_counters:
            for (hall_id, role), n in count().items():
                key = (("hall", hall_id), ("role", role))
                out[key] = out.get(key, 0.0) + n
        return out

    # ------------------------------------------------------------------ websocket
    async def _handler(self, ws: ServerConnection) -> None:
        client: Client | None = None
        address = str(ws.remote_address[0]) if ws.remote_address else ""
        self.anonymous += 1
        self._unwelcomed[address] += 1
        anonymous = True
        try:
            if self._unwelcomed[address] > self.limits.unwelcomed_per_address:
                await self._refuse(ws, "too_many_connections",
                                   f"more than {self.limits.unwelcomed_per_address} connections from {address} "
                                   "are waiting to say hello; try again in a few seconds", None, 1013)
                return
            try:
                first = await asyncio.wait_for(ws.recv(), self.limits.hello_timeout)
            except asyncio.TimeoutError:
                self.metrics.rejected.inc(code="hello_timeout")
                await self._refuse(ws, "hello_first", "say hello within "
                                   f"{self.limits.hello_timeout:g} s", None)
                return
            client = await self._hello(ws, first)
            self._welcomed(address)
            anonymous = False
            if client is None:
                return
            log.info("hall %s: %s connected", client.hall, client)
            hall = self.halls[client.hall]
            bucket = TokenBucket(self.limits.rate, self.limits.burst)
            strikes = 0
            async for frame in ws:
                if not bucket.take():
                    strikes += 1
                    self.metrics.rejected.inc(code="rate_limited")
                    # The frame is not read: its command is unknown ("*").
                    self.metrics.rate_limited.inc(hall=client.hall, role=client.role, command="*", limit="connection")
                    if strikes > self.limits.strikes:
                        log.warning("hall %s: closing %s: flooding", client.hall, client)
                        hall.leave(client)
                        await close_now(ws, 1008, "too many messages", self.limits.close_grace)
                        break
                    client.push(rate_limited_frame(f"more than {self.limits.rate:g} messages a second; slow down",
                                                   bucket.retry_after()))
                    continue
                strikes = 0
                self._on_frame(client, hall, frame)
        except ConnectionClosed:
            pass
        except Exception:  # the hub outlives any one connection
            log.exception("connection handler failed")
        finally:
            if anonymous:
                self._welcomed(address)
            if client is not None:
                self.halls[client.hall].leave(client)
                for listener in self.leave_listeners:
                    try:
                        listener(client)
                    except Exception:
                        log.exception("a leave listener failed")
                log.info("hall %s: %s left", client.hall, client)

    def _welcomed(self, address: str) -> None:
        """The connection from ``address`` has said hello (or gone): it no longer counts as waiting."""
        self.anonymous -= 1
        self._unwelcomed[address] -= 1
        if self._unwelcomed[address] <= 0:
            del self._unwelcomed[address]

    async def _refuse(self, ws: ServerConnection, code: str, message: str, request_id: str | None,
                      close_code: int = 1008) -> None:
        self.metrics.rejected.inc(code=code)
        try:
            await ws.send(error_frame(code, message, request_id).decode())
        except ConnectionClosed:
            return
        # A close reason is at most 123 bytes of UTF-8 (a client's lone surrogate, echoed, is not UTF-8).
        reason = message.encode(errors="replace")[:120].decode(errors="ignore")
        await close_now(ws, close_code, reason, self.limits.close_grace)

    async def _hello(self, ws: ServerConnection, frame: str | bytes) -> Client | None:
        """The client for a valid hello, welcomed and joined; or None after an error and a close."""
        try:
            hello = p.parse_client(frame)
        except p.ProtocolError as exc:
            if exc.message.startswith("hello:"):  # a hello with a wrong field: say which
                await self._refuse(ws, exc.code, exc.message, exc.request_id)
            else:
                await self._refuse(ws, "hello_first", "the first message must be a valid hello "
                                   f"({exc.message})", exc.request_id)
            return None
        if not isinstance(hello, p.Hello):
            await self._refuse(ws, "hello_first", f"the first message must be hello, not {hello.type}",
                               getattr(hello, "id", None))
            return None
        rid = hello.id
        if self.closing:
            await self._refuse(ws, "unavailable", "the hub is shutting down; reconnect", rid, 1001)
            return None
        policy = p.ROLE_POLICY[hello.role]
        if policy.scope == "ticket":  # a "my ticket" page: its link key, not a token
            return await self._attached_hello(ws, hello)
        entry = self.tokens.match(hello.token)
        if entry is None or entry.role != hello.role or not entry.covers_hall(hello.hall):
            await self._refuse(ws, "unauthorized", f"wrong or missing token for a {hello.role} of this hall", rid)
            return None
        hall = self.halls.get(hello.hall)
        if hall is None:
            await self._refuse(ws, "unknown_hall", f'this hub serves {", ".join(self.halls)}, not "{hello.hall}"', rid)
            return None
        config = hall.config
        actor = f"{hello.role}:{entry.name}"
        if policy.scope == "window":
            if hello.window is None:
                await self._refuse(ws, "unauthorized", "a window says its number in hello (window: 3)", rid)
                return None
            if hello.window not in entry.windows:
                await self._refuse(ws, "unauthorized", f"this token is not for window {hello.window}", rid)
                return None
            if config.window(hello.window) is None:
                await self._refuse(ws, "unknown_window", f"window {hello.window} is not in the hall file", rid)
                return None
            actor = f"window:{hello.window}"  # the same for every token of that window: retries dedupe
        if hello.screen is not None and config.screen(hello.screen) is None:
            await self._refuse(ws, "unknown_screen", f'no screen "{hello.screen}" in hall {hall.id}', rid)
            return None
        if hello.zone is not None and config.floor(hello.zone) is None and \
                hello.zone not in {sc.zone for sc in config.screens if sc.zone}:
            zones = sorted({f.id for f in config.floors} | {sc.zone for sc in config.screens if sc.zone})
            await self._refuse(ws, "unknown_zone", f'no floor or zone "{hello.zone}" in hall {hall.id} '
                               f'(there are: {", ".join(zones)})', rid)
            return None
        if policy.scope == "screen" and entry.screens is not None and hello.screen not in entry.screens:
            await self._refuse(ws, "unauthorized", f"this token is not for screen {hello.screen or '(none)'}", rid)
            return None
        client = Client(ws=ws, role=hello.role, hall=hall.id, actor=actor, token=entry.name,
                        window=hello.window if policy.scope == "window" else None,
                        screen=hello.screen, zone=hello.zone)
        await hall.join(client, hello.since, rid)
        return client

    def _on_frame(self, client: Client, hall: HallRuntime, frame: str | bytes) -> None:
        received = time.perf_counter()
        try:
            msg = p.parse_client(frame)
        except p.ProtocolError as exc:
            self.metrics.rejected.inc(code=exc.code)
            client.push(error_frame(exc.code, exc.message, exc.request_id))
            return
        kind = msg.type
        rid = getattr(msg, "id", None)
        if kind == "hello":
            client.push(error_frame("bad_message", "this connection already said hello", rid))
            return
        policy = p.ROLE_POLICY[client.role]
        if kind not in policy.commands:
            self.metrics.commands.inc(hall=hall.id, command=kind, result="forbidden")
            client.push(error_frame("forbidden", f"a {client.role} may not send {kind}", rid))
            return
        if policy.scope == "window" and kind in p.WINDOW_COMMANDS and msg.window != client.window:
            self.metrics.commands.inc(hall=hall.id, command=kind, result="forbidden")
            client.push(error_frame("forbidden", f"this connection acts for window {client.window} only", rid))
            return
        answer = HUB_COMMANDS.get(kind)  # answered by the hub itself, not the queue
        if answer is not None and kind in ANSWERED_WHILE_CLOSING:
            self._answer(answer, client, hall, msg)
            return
        if self.closing:
            self.metrics.commands.inc(hall=hall.id, command=kind, result="unavailable")
            client.push(error_frame("unavailable", "the hub is shutting down; send it again after reconnecting", rid))
            return
        if answer is not None:
            self._answer(answer, client, hall, msg)
            return
        if kind in TICKET_COMMANDS:
            limited = self._ticket_gate(client, hall, msg)
            if limited is not None:
                limit, message, wait = limited
                self.metrics.commands.inc(hall=hall.id, command=kind, result="rate_limited")
                self.metrics.rate_limited.inc(hall=hall.id, role=client.role, command=kind, limit=limit)
                client.push(rate_limited_frame(message, wait, rid))
                return
        hall.submit(client, msg, received)

    # ------------------------------------------------------------------ commands the hub answers
    def _answer(self, answer: "HubAnswer", client: Client, hall: HallRuntime, msg: Any) -> None:
        """One of :data:`HUB_COMMANDS`, counted in ``signage_hub_commands_total`` as the engine's are:
        ``answer`` returns the result (None: it answers later and counts then, a reload)."""
        result = answer(self, client, hall, msg)
        if result is not None:
            self.metrics.commands.inc(hall=hall.id, command=msg.type, result=result)

    def _answer_ping(self, client: Client, hall: HallRuntime, msg: p.Ping) -> str:
        client.push(dumps(p.Pong.frame(msg.id)))
        return "ok"

    def _answer_reload(self, client: Client, hall: HallRuntime, msg: p.Reload) -> None:
        hall.spawn(self._reload(hall, requester=client, request_id=msg.id))  # counted by _reload

    def _answer_attached(self, client: Client, hall: HallRuntime, msg: Any) -> str:
        """Who, screenshots: answered by what attached itself for them (server/web/live.py)."""
        handler = self.command_handlers.get(msg.type)
        if handler is None:
            client.push(error_frame("unavailable", f"this hub answers no {msg.type} (its pages side is not "
                                                   "attached)", getattr(msg, "id", None)))
            return "unavailable"
        return handler(client, hall, msg)

    async def _attached_hello(self, ws: ServerConnection, hello: p.Hello) -> Client | None:
        """The hello of a role without a token (the ticket role), by what attached itself for it."""
        handler = self.hello_handlers.get(hello.role)
        if handler is None:
            await self._refuse(ws, "unauthorized", f"this hub serves no {hello.role} pages", hello.id)
            return None
        return await handler(ws, hello, self._refuse)

    # ------------------------------------------------------------------ ticket limits
    def _ticket_gate(self, client: Client, hall: HallRuntime, msg: Any) -> tuple[str, str, float] | None:
        """(which limit, message, seconds to wait) if ``msg`` (issue or check_in) must wait; else None,
        having counted it. The limits live here, beside the connection's own, because they are about
        who sends (a token, a hall), not about the queue: the engine stays a pure fold of events.

        Two reads of the engine without the hall's lock (single dictionary lookups, atomic): whether
        the request id is already answered, and whether a check_in code is booked for today. A
        check_in racing with the ``book`` of its own code may count as one wrong code."""
        lim, now = self.limits, self.clock()
        engine = hall.durable.engine
        if f"{client.actor}|{msg.id}" in engine.state.requests:
            return None  # a retry: answered from the engine's memory, it issues nothing
        key = (hall.id, client.token)
        who = f"{client.role} token {client.token}"
        if msg.type == "check_in" and lim.check_in_misses is not None:
            guard = self._check_ins.get(key)
            if guard is not None and guard.locked_until > now:
                wait = guard.locked_until - now
                return ("check_in", f"{who}: too many wrong appointment codes; check-ins are refused for "
                                    f"{_seconds(wait)} more (a normal ticket can still be taken)", wait)
            if engine.appointment_today(msg.code, now) is None:  # a wrong code issues nothing: count it
                if guard is None:
                    guard = self._check_ins[key] = _CheckInGuard(
                        TokenBucket(lim.check_in_misses / 60.0, lim.check_in_misses, self.clock))
                if not guard.misses.take():
                    guard.locked_until = now + lim.check_in_lockout
                    log.warning("hall %s: %s sent more than %d wrong appointment codes in a minute; its check-ins "
                                "are refused for %s", hall.id, who, lim.check_in_misses, _seconds(lim.check_in_lockout))
                    return ("check_in", f"{who}: more than {lim.check_in_misses} wrong appointment codes in a "
                                        f"minute; check-ins are refused for {_seconds(lim.check_in_lockout)} "
                                        "(a normal ticket can still be taken)", lim.check_in_lockout)
                return None
        token = hall_bucket = None
        if lim.issue_per_minute is not None:
            token = self._issue_buckets.get(key)
            if token is None:
                token = self._issue_buckets[key] = TokenBucket(lim.issue_per_minute / 60.0, lim.issue_burst,
                                                               self.clock)
            if not token.ready():
                return ("token", f"{who}: more tickets than a kiosk hands out (at most {lim.issue_burst:g} at "
                                 f"once, then {lim.issue_per_minute:g} a minute); try again in "
                                 f"{_seconds(token.retry_after())}", token.retry_after())
        if lim.hall_issue_per_minute is not None:
            hall_bucket = self._hall_buckets.get(hall.id)
            if hall_bucket is None:
                hall_bucket = self._hall_buckets[hall.id] = TokenBucket(lim.hall_issue_per_minute / 60.0,
                                                                        lim.hall_issue_burst, self.clock)
            if not hall_bucket.ready():
                return ("hall", f"hall {hall.id}: more tickets than all its kiosks hand out together (at most "
                                f"{lim.hall_issue_burst:g} at once, then {lim.hall_issue_per_minute:g} a minute); "
                                f"try again in {_seconds(hall_bucket.retry_after())}", hall_bucket.retry_after())
        for bucket in (token, hall_bucket):  # both had room: take from both
            if bucket is not None:
                bucket.take()
        return None

    def _numbers_used(self) -> dict[tuple[tuple[str, str], ...], float]:
        """For /metrics: the share of each ticket letter's numbers given today, per hall."""
        now = self.clock()
        out: dict[tuple[tuple[str, str], ...], float] = {}
        for hall in self.halls.values():
            for prefix, (used, limit) in hall.durable.engine.numbers_used(now).items():
                out[(("hall", hall.id), ("prefix", prefix))] = round(used / limit, 4)
        return out

    # ------------------------------------------------------------------ reloads
    async def _reload(self, hall: HallRuntime, requester: Client | None = None,
                      request_id: str | None = None, record_version: bool = True) -> None:
        """``record_version``: an edit on disk that the reload takes is a version of the file (the
        editor, which records its own versions, says False)."""
        result = await hall.reload()
        if getattr(self, "watcher", None) is not None:
            self.watcher.mark_seen(hall.path)
        if result.ok and record_version:
            await self.editor.file_reloaded(hall)
        if result.ok:
            for w in result.warnings:
                log.warning("%s", w)
            if result.changed:
                log.info("hall %s: %s reloaded and pushed to %d clients", hall.id, hall.path, len(hall.clients))
            if requester is not None:
                requester.push(ok_frame(request_id, {"changed": result.changed, "warnings": result.warnings}))
                self.metrics.commands.inc(hall=hall.id, command="reload", result="ok")
            return
        text = "\n".join(result.problems)
        log.error("hall %s: %s refused; the running configuration stays:\n%s", hall.id, hall.path, text)
        frame = error_frame("config_invalid", text)
        hall.to_role("manager", frame, besides=requester)
        if requester is not None:
            requester.push(error_frame("config_invalid", text, request_id))
            self.metrics.commands.inc(hall=hall.id, command="reload", result="refused")

    async def _file_changed(self, path: Path) -> None:
        if self.tokens_path is not None and path == self.tokens_path:
            self._reload_tokens()
            return
        for hall in self.halls.values():
            if hall.path == path:
                await self._reload(hall)

    def _reload_tokens(self) -> None:
        assert self.tokens_path is not None
        try:
            tokens = load_tokens(self.tokens_path)
        except TokensError as exc:
            log.error("tokens file %s refused; the old tokens stay:\n%s", self.tokens_path, "\n".join(exc.problems))
            return
        old, self.tokens = self.tokens, tokens
        # A token that was removed or changed (secret, role, halls, windows) ends its connections now.
        for hall in self.halls.values():
            for client in list(hall.clients):
                if tokens.by_name(client.token) != old.by_name(client.token):
                    hall.leave(client)
                    close_soon(client.ws, 1008, "token revoked", self.limits.close_grace)
        log.info("tokens reloaded from %s (%d tokens)", self.tokens_path, len(tokens.entries))


# The commands the hub answers itself after the role check (``_on_frame``); every other command
# goes to the hall's queue engine (server/queue/engine.py DECIDERS). tests/test_protocol_registry.py
# checks that every client command of signage/protocol.py has exactly one of the two. An answer
# returns its result for signage_hub_commands_total (None: counted when it is sent, later).
HubAnswer = Callable[[Hub, Client, HallRuntime, Any], "str | None"]
HUB_COMMANDS: dict[str, HubAnswer] = {
    "ping": Hub._answer_ping,
    "reload": Hub._answer_reload,
    **{kind: Hub._answer_attached for kind in ("who", "screenshot", "screenshot_part")},
    # The hall editor (server/hub/editor.py, docs/editor.md); those that read, check or draw answer later.
    "config_part": lambda hub, c, h, m: hub.editor.answer_part(c, h, m),
    "config_get": lambda hub, c, h, m: hub.editor.answer_get(c, h, m),
    "config_check": lambda hub, c, h, m: hub.editor.answer_check(c, h, m),
    "config_publish": lambda hub, c, h, m: hub.editor.answer_publish(c, h, m),
    "config_history": lambda hub, c, h, m: hub.editor.answer_history(c, h, m),
    "config_version": lambda hub, c, h, m: hub.editor.answer_version(c, h, m),
    "config_rollback": lambda hub, c, h, m: hub.editor.answer_rollback(c, h, m),
    "config_edit": lambda hub, c, h, m: hub.editor.answer_edit(c, h, m),
    "config_preview": lambda hub, c, h, m: hub.editor.answer_preview(c, h, m),
}
# Of those, the ones an attached side answers (Hub.command_handlers; server/web/live.py COMMANDS).
ATTACHED_COMMANDS = frozenset(k for k, answer in HUB_COMMANDS.items() if answer is Hub._answer_attached)
ANSWERED_WHILE_CLOSING = frozenset({"ping"})  # the others get "unavailable" while the hub shuts down
# Commands that give out tickets: limited per token and per hall before they reach the queue (_ticket_gate).
TICKET_COMMANDS = frozenset({"issue", "check_in"})


async def run_hub(hub: Hub, host: str, port: int, stop: asyncio.Event,
                  ready: Callable[[Hub], Any] | None = None) -> None:
    """Start, wait for ``stop``, shut down cleanly."""
    await hub.start(host, port)
    # What lives as long as the hub (code, hall files, the queue state) need not be
    # scanned by every full garbage collection: fewer and shorter pauses in the fan-out.
    gc.collect()
    gc.freeze()
    # The estimator thread computes for milliseconds at a time; the event loop should get
    # the interpreter back within half a millisecond when a call comes in, not five.
    sys.setswitchinterval(0.0005)
    if ready is not None:
        ready(hub)
    try:
        await stop.wait()
    finally:
        await hub.shutdown()


def host_name(header: str) -> str | None:
    """The name in a Host header, lower case, without its port (``[::1]:8765`` -> ``::1``)."""
    header = header.strip().lower()
    if header.startswith("["):
        end = header.find("]")
        return header[1:end] if end > 0 else None
    name = header.rsplit(":", 1)[0] if header.count(":") == 1 else header
    return name.rstrip(".") or None


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def machine_host_names() -> set[str]:
    """The names this machine answers to without being told: loopback and its own host names."""
    names = {"localhost", "localhost.localdomain"}
    try:
        host = socket.gethostname().lower()
        names |= {host, f"{host}.local", socket.getfqdn().lower()}
    except OSError:
        pass
    return {n.rstrip(".") for n in names if n}
