"""The reconnecting hub client against a small fake hub on loopback."""

from __future__ import annotations

import asyncio
import json
import queue
import socket
import threading
import time

import pytest
from websockets.asyncio.server import serve

from signage import protocol as p
from signage.hubclient import HubClient

HELLO = {"type": "hello", "v": 1, "role": "screen", "hall": "test", "token": "x", "screen": "main"}


class FakeHub:
    """Runs in its own thread; each connection plays the next script in ``scripts``.

    A script gets the hello and the connection; returning closes the connection.
    """

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.hellos: list[dict] = []
        self.received: "queue.Queue[dict]" = queue.Queue()
        self.scripts: list = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _handler(self, ws) -> None:
        frame = await ws.recv()
        assert p.parse_client(frame).type == "hello"  # the client's hello is one the real hub takes
        hello = json.loads(frame)
        self.hellos.append(hello)
        script = self.scripts.pop(0) if self.scripts else None
        if script is not None:
            await script(ws, hello)
            return
        async for frame in ws:  # default: stay open, record what the client sends
            p.parse_client(frame)
            self.received.put(json.loads(frame))

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serve(self._handler, "127.0.0.1", self.port) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop.wait()

    def start(self) -> "FakeHub":
        self._thread.start()
        assert self._ready.wait(5)
        return self

    def stop(self) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


def wait_for(cond, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.01)
    raise AssertionError("timed out")


def welcome(seq: int, replay: bool = False) -> str:
    """A welcome as the hub frames it (signage/protocol.py's own model)."""
    return p.Welcome(type="welcome", hall="test", role="screen", seq=seq,
                     snapshot=None if replay else {"windows": {}}, replay=replay).to_json()


def event(seq: int) -> str:
    return p.EventMessage(type="event", seq=seq, event={"type": "rated", "at": 1.0, "window": 1}).to_json()


@pytest.fixture
def hub():
    h = FakeHub().start()
    yield h
    h.stop()


def make_client(url: str, got: list, status: list) -> HubClient:
    return HubClient(url, HELLO, got.append, status.append, min_backoff=0.05, max_backoff=0.2,
                     open_timeout=1.0)


def test_reconnects_and_says_since(hub: FakeHub) -> None:
    async def first(ws, hello):
        await ws.send(welcome(5))
        await ws.send(event(6))
        await ws.send("not json")  # dropped, not fatal
        await ws.send(event(7))

    async def second(ws, hello):
        await ws.send(welcome(9, replay=True))
        await ws.send(event(8))
        # the line drops in the middle of the replay

    async def third(ws, hello):
        await ws.send(welcome(9, replay=True))
        await ws.send(event(9))
        await ws.wait_closed()

    hub.scripts = [first, second, third]
    got: list = []
    status: list = []
    client = make_client(hub.url, got, status)
    client.start_thread()
    try:
        wait_for(lambda: len(hub.hellos) == 3 and any(m.get("seq") == 9 and m["type"] == "event" for m in got))
        assert "since" not in hub.hellos[0]
        assert hub.hellos[1]["since"] == 7
        # the replay promised 9 but only 8 arrived: ask again from 8
        assert hub.hellos[2]["since"] == 8
        assert all(h["role"] == "screen" and h["token"] == "x" for h in hub.hellos)
        assert [m["type"] for m in got[:3]] == ["welcome", "event", "event"]
        assert status[:5] == [True, False, True, False, True]
        assert client.connected
    finally:
        client.stop()
    assert status[-1] is False
    assert not client._thread.is_alive()


def test_send_is_thread_safe(hub: FakeHub) -> None:
    async def script(ws, hello):
        await ws.send(welcome(1))
        async for frame in ws:
            hub.received.put(json.loads(frame))

    hub.scripts = [script]
    got: list = []
    client = make_client(hub.url, got, [])
    assert client.send({"type": "ping"}) is False  # not connected yet: dropped
    client.start_thread()
    try:
        wait_for(lambda: client.connected)
        senders = [threading.Thread(target=client.send, args=({"type": "ping", "id": f"p{i}"},)) for i in range(5)]
        for s in senders:
            s.start()
        for s in senders:
            s.join()
        ids = {hub.received.get(timeout=5)["id"] for _ in range(5)}
        assert ids == {f"p{i}" for i in range(5)}
    finally:
        client.stop()


def test_waits_for_a_hub_that_is_not_there_yet() -> None:
    with socket.socket() as s:  # a free port nobody listens on (yet)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    got: list = []
    status: list = []
    client = make_client(f"ws://127.0.0.1:{port}", got, status)
    client.start_thread()
    hub = None
    try:
        wait_for(lambda: client.attempts >= 3)
        assert status == []  # never connected: nothing to report yet
        hub = FakeHub(port)

        async def script(ws, hello):
            await ws.send(welcome(3))
            await ws.wait_closed()

        hub.scripts = [script]
        hub.start()
        wait_for(lambda: client.connected)
        assert status == [True]
        assert got[0]["type"] == "welcome"
    finally:
        client.stop()
        if hub:
            hub.stop()


def test_backoff_grows_and_is_capped_and_starts_over_after_a_welcome() -> None:
    """The reconnect loop's waits, with the sessions and the waiting stood in for: no clock involved."""
    client = HubClient("ws://127.0.0.1:9", HELLO, lambda m: None, min_backoff=0.05, max_backoff=0.2)
    welcomed = iter([False, False, False, False, True, False, False, False])
    asked: list[float] = []

    async def session() -> bool:
        client.attempts += 1
        try:
            return next(welcomed)
        except StopIteration:
            client._stop.set()
            return False

    def no_wait(delay: float, now: float) -> float:
        asked.append(delay)
        return 0.0

    client._session, client.next_wait = session, no_wait
    asyncio.run(client.run())
    assert client.attempts == 9
    # doubles from min_backoff up to max_backoff; a welcomed session starts it over
    assert asked == [0.05, 0.1, 0.2, 0.2, 0.05, 0.1, 0.2, 0.2]


def test_the_wait_is_jittered_within_half_of_the_backoff() -> None:
    client = HubClient("ws://127.0.0.1:9", HELLO, lambda m: None, min_backoff=0.05, max_backoff=8.0)
    for delay in (0.05, 0.4, 8.0):
        waits = [client.next_wait(delay, 0.0) for _ in range(200)]
        assert all(max(0.05, delay / 2) <= w <= delay for w in waits), delay
        if delay > 0.1:
            assert len(set(waits)) > 100  # screens do not all come back at the same instant


def test_callback_errors_are_not_fatal(hub: FakeHub) -> None:
    async def script(ws, hello):
        await ws.send(welcome(1))
        await ws.send(event(2))
        await ws.wait_closed()

    hub.scripts = [script]
    seen: list = []

    def boom(message: dict) -> None:
        seen.append(message)
        raise ValueError("widget bug")

    client = HubClient(hub.url, HELLO, boom, min_backoff=0.05)
    client.start_thread()
    try:
        wait_for(lambda: len(seen) == 2)
        assert client.since == 2 and len(hub.hellos) == 1
    finally:
        client.stop()


def test_a_gap_in_the_stream_makes_the_client_ask_again_since_the_last_event(hub):
    """The hub promises no gaps; if one shows, the client reconnects with ``since`` and the hub replays."""
    async def gapped(ws, hello):
        await ws.send(welcome(10))
        await ws.send(event(11))
        await ws.send(event(14))  # 12 and 13 lost
        await asyncio.sleep(2)

    async def replay(ws, hello):
        await ws.send(welcome(14, replay=True))
        for seq in (12, 13, 14):
            await ws.send(event(seq))
        await asyncio.sleep(2)

    hub.scripts += [gapped, replay]
    got: list = []
    client = make_client(hub.url, got, [])
    client.start_thread()
    try:
        wait_for(lambda: len(hub.hellos) == 2 and client.since == 14)
        assert "since" not in hub.hellos[0] and hub.hellos[1]["since"] == 11
        assert client.stream.gaps == 1
    finally:
        client.stop()
