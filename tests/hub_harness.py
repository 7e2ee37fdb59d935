"""A real hub on 127.0.0.1 (any free port) and real websocket clients, for the hub tests.

    @hub_test()
    async def test_something(hub):
        screen = await hub.connect("screen", screen="main")
        window = await hub.connect("window", window=3)
        answer = await window.request({"type": "call_next", "window": 3})

The hub runs in the test's own event loop with a fake clock (Monday 09:00 in
Shanghai, inside the sample hall's opening hours), a copy of the hall file in
a temporary folder (so a test may edit it) and its own database.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import shutil
import threading
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator
from zoneinfo import ZoneInfo

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from server.hub.hub import Hub, Limits, naive_estimator
from server.web.pages import Web, attach_web
from signage import protocol as p

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"
MORNING = dt.datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()

TOKENS = {
    "screen": "test-screens-0123456789",
    "announcer": "test-announcers-0123456789",
    "kiosk": "test-kiosk-0123456789",
    "guide": "test-guide-0123456789",
    "manager": "test-manager-0123456789",
    "window": "test-window-3-0123456789",
}
TOKENS_YAML = """
tokens:
  - {name: screens, role: screen, hall: zhongshan, token: test-screens-0123456789}
  - {name: walls-main, role: screen, hall: zhongshan, screens: [main], token: test-walls-main-0123456789}
  - {name: announcers, role: announcer, hall: zhongshan, token: test-announcers-0123456789}
  - {name: lobby, role: kiosk, hall: zhongshan, token: test-kiosk-0123456789}
  - {name: entrance, role: guide, hall: zhongshan, token: test-guide-0123456789}
  - {name: boss, role: manager, hall: "*", token: test-manager-0123456789}
  - {name: w3, role: window, hall: zhongshan, windows: [3], token: test-window-3-0123456789}
  - {name: w4, role: window, hall: zhongshan, windows: [4], token: test-window-4-0123456789}
  - {name: w5-6, role: window, hall: zhongshan, windows: [5, 6], token: test-window-5-6-0123456789}
"""


class FakeClock:
    def __init__(self, now: float = MORNING) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def checked(frame: str | bytes) -> dict[str, Any]:
    """A frame from the hub, checked against its model in signage/protocol.py (an event against its
    own in signage/events.py, a snapshot too): every frame of every hub test is what the protocol says."""
    msg = json.loads(frame)
    p.validate_hub_frame(msg)
    return msg


class Peer:
    """A websocket client with an inbox: ``request`` answers, ``expect`` pushes."""

    _ids = itertools.count(1)

    def __init__(self, ws: ClientConnection, welcome: dict[str, Any]) -> None:
        self.ws = ws
        self.welcome = welcome
        self.inbox: list[dict[str, Any]] = []

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        await self.ws.send(message if isinstance(message, (str, bytes)) else json.dumps(message, ensure_ascii=False))

    async def recv(self, timeout: float = 3.0) -> dict[str, Any]:
        if self.inbox:
            return self.inbox.pop(0)
        return checked(await asyncio.wait_for(self.ws.recv(), timeout))

    async def _read(self, timeout: float) -> dict[str, Any]:
        return checked(await asyncio.wait_for(self.ws.recv(), timeout))

    async def request(self, command: dict[str, Any], timeout: float = 3.0) -> dict[str, Any]:
        """Send a command (an id is added if missing) and return its ok/error; other messages stay in the inbox."""
        command = dict(command)
        command.setdefault("id", f"r{next(self._ids)}")
        await self.send(command)
        return await self.answer(command["id"], timeout)

    async def answer(self, request_id: str | None, timeout: float = 3.0) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            msg = await self._read(max(0.01, deadline - loop.time()))
            if msg.get("type") in ("ok", "error") and msg.get("id") == request_id:
                return msg
            self.inbox.append(msg)

    async def expect(self, kind: str, timeout: float = 3.0, **match: Any) -> dict[str, Any]:
        """The next message of type ``kind`` (matching ``match``), from the inbox or the line."""
        for i, msg in enumerate(self.inbox):
            if msg.get("type") == kind and all(msg.get(k) == v for k, v in match.items()):
                return self.inbox.pop(i)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            msg = await self._read(max(0.01, deadline - loop.time()))
            if msg.get("type") == kind and all(msg.get(k) == v for k, v in match.items()):
                return msg
            self.inbox.append(msg)

    async def events(self, count: int, timeout: float = 3.0) -> list[dict[str, Any]]:
        return [await self.expect("event", timeout) for _ in range(count)]

    async def drain(self, quiet: float = 0.15) -> list[dict[str, Any]]:
        """Everything that arrives until the line is quiet for ``quiet`` seconds."""
        got, self.inbox = self.inbox, []
        while True:
            try:
                got.append(await self._read(quiet))
            except (asyncio.TimeoutError, ConnectionClosed):
                return got

    async def close(self) -> None:
        await self.ws.close()


class HubHarness:
    def __init__(self, tmp: Path, *, limits: Limits | None = None, clock: FakeClock | None = None,
                 db: Path | None = None, hall: str = "zhongshan", estimator: Any = naive_estimator) -> None:
        self.estimator = estimator
        self.tmp = tmp
        self.hall_path = tmp / f"{hall}.yaml"
        if not self.hall_path.exists():
            shutil.copy(LAYOUTS / f"{hall}.yaml", self.hall_path)
        self.tokens_path = tmp / "tokens.yaml"
        if not self.tokens_path.exists():
            self.tokens_path.write_text(TOKENS_YAML, encoding="utf-8")
        self.db = db or tmp / "hub.db"
        self.clock = clock or FakeClock()
        # The tests set queues up in milliseconds of a frozen clock, faster than any kiosk: the
        # ticket limits are off here and tested in test_hardening_flood.py.
        self.limits = limits or Limits(watch_interval=0.1, ping_interval=None, close_grace=0.3,
                                       issue_per_minute=None, hall_issue_per_minute=None)
        self.hub: Hub | None = None
        self.web: Web | None = None  # the pages attached to it (server/web/pages.py)

    @property
    def url(self) -> str:
        assert self.hub is not None
        return f"ws://127.0.0.1:{self.hub.port}"

    async def start(self) -> "HubHarness":
        # No fsync: the tests are about ordering, not power cuts. Naive estimates: easy to check.
        self.hub = Hub.open([self.hall_path], self.tokens_path, self.db, limits=self.limits, clock=self.clock,
                            durable=False, estimator=self.estimator)
        self.web = attach_web(self.hub)  # as server/web/serve.py open_hub does: the hub core, then its pages
        await self.hub.start("127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        if self.hub is not None:
            await self.hub.shutdown()
            self.hub = self.web = None

    async def raw(self, **kwargs: Any) -> ClientConnection:
        return await connect(self.url, max_size=8 * 1024 * 1024, compression=None, **kwargs)

    async def connect(self, role: str, token: str | None = None, hall: str = "zhongshan", **hello: Any) -> Peer:
        """Connect and say hello; return the peer with its welcome (or raise if refused)."""
        ws = await self.raw()
        msg = {"type": "hello", "v": 1, "role": role, "hall": hall, "token": token or TOKENS[role], **hello}
        await ws.send(json.dumps(msg))
        welcome = checked(await asyncio.wait_for(ws.recv(), 3))
        if welcome.get("type") != "welcome":
            await ws.close()
            raise AssertionError(f"not welcomed: {welcome}")
        return Peer(ws, welcome)

    async def refused(self, hello: dict[str, Any] | str | bytes) -> tuple[dict[str, Any], int | None]:
        """Send one first frame; return the error and the close code."""
        ws = await self.raw()
        await ws.send(hello if isinstance(hello, (str, bytes)) else json.dumps(hello))
        error = json.loads(await asyncio.wait_for(ws.recv(), 3))
        try:
            await asyncio.wait_for(ws.recv(), 3)
        except Exception:
            pass
        await ws.wait_closed()
        return error, ws.close_code

    async def issue(self, peer: Peer, service: str = "id-card", **fields: Any) -> dict[str, Any]:
        answer = await peer.request({"type": "issue", "service": service, **fields})
        assert answer["type"] == "ok", answer
        return answer["result"]["ticket"]


def hub_test(timeout: float = 20.0, **harness: Any) -> Callable[[Callable[..., Awaitable[None]]], Callable[..., None]]:
    """Run an async test with a started hub (``hub``) in a fresh event loop; stop the hub after."""

    def wrap(fn: Callable[..., Awaitable[None]]) -> Callable[..., None]:
        def test(tmp_path: Path) -> None:
            async def main() -> None:
                h = HubHarness(tmp_path, **harness)
                await h.start()
                try:
                    await asyncio.wait_for(fn(h), timeout)
                finally:
                    await h.stop()

            asyncio.run(main())

        # Not functools.wraps: pytest would read fn's signature and look for a fixture "hub".
        test.__name__, test.__doc__, test.__module__ = fn.__name__, fn.__doc__, fn.__module__
        return test

    return wrap


@contextlib.contextmanager
def hub_in_thread(tmp: Path) -> Iterator[HubHarness]:
    """A hub in a thread of its own, for synchronous clients hammering it (fuzz tests):
    no rate limit, no file watching, no keep-alive pings, periodic work out of the way."""
    started = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        async def main() -> None:
            harness = HubHarness(tmp, limits=Limits(rate=1e9, burst=1e9, watch_interval=None, ping_interval=None,
                                                    periodic=3600, close_grace=0.3, issue_per_minute=None,
                                                    hall_issue_per_minute=None))
            await harness.start()
            box["harness"], box["loop"], box["stop"] = harness, asyncio.get_running_loop(), asyncio.Event()
            started.set()
            await box["stop"].wait()
            await harness.stop()

        asyncio.run(main())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10), "the hub did not start within 10 s"
    try:
        yield box["harness"]
    finally:
        box["loop"].call_soon_threadsafe(box["stop"].set)
        thread.join(10)


def legitimate(frame: str | bytes, role: str) -> bool:
    """A frame the role may really send (a valid command or a ping, for window 3 when a window):
    not garbage, and it may change things. The fuzz tests leave these out of their counts."""
    from signage import protocol as p

    try:
        msg = p.parse_client(frame)
    except p.ProtocolError:
        return False
    if msg.type == "hello" or msg.type not in p.ROLE_COMMANDS[role]:
        return False
    return not (role == "window" and hasattr(msg, "window") and msg.window != 3)
