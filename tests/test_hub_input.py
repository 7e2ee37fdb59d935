"""Bad input, floods and slow clients: an error or a close with a reason; the hub and the state never suffer."""

from __future__ import annotations

import asyncio
import json
import socket

from websockets.asyncio.client import connect

from hub_harness import HubHarness, hub_test

from server.hub.hub import Limits


async def seq_of(hub: HubHarness) -> int:
    return hub.hub.halls["zhongshan"].durable.seq


@hub_test()
async def test_malformed_frames_get_errors_and_the_line_stays_open(hub: HubHarness) -> None:
    manager = await hub.connect("manager")
    await manager.drain(0.1)
    before = await seq_of(hub)
    cases = [
        ("not json {", "bad_json"),
        ("[1, 2, 3]", "bad_message"),
        ('{"no": "type"}', "bad_message"),
        ('{"type": "teleport", "id": "t1"}', "unknown_type"),
        ('{"type": "call_next", "id": "c1", "window": "three"}', "bad_field"),
        ('{"type": "call_next", "window": 3}', "bad_field"),          # a command without an id
        ('{"type": "issue", "id": "i1", "service": "id-card", "extra": 1}', "bad_field"),
        ('{"type": "call_next", "id": "c2", "window": 100000}', "bad_field"),
        ("[" * 30_000 + "]" * 30_000, "bad_json"),                   # nesting deeper than any parser stack
        ('{"type": "issue", "id": "i2", "service": "' + "x" * 70_000 + '"}', "too_large"),
        (b"\x00\xff binary", "binary_frame"),
        ('{"type": "hello", "v": 1, "role": "manager", "hall": "zhongshan"}', "bad_message"),
    ]
    for frame, code in cases:
        await manager.send(frame)
        error = await manager.expect("error")
        assert error["code"] == code, (frame[:60], error)
    unknown = await manager.request({"type": "teleport", "id": "t9"})
    assert unknown["id"] == "t9"  # the id is echoed when it can be read
    assert await seq_of(hub) == before
    assert (await manager.request({"type": "open", "window": 3}))["type"] == "ok"  # still serving


@hub_test()
async def test_oversized_frame_closes_with_1009(hub: HubHarness) -> None:
    manager = await hub.connect("manager")
    await manager.send("x" * (300 * 1024))
    await asyncio.wait_for(manager.ws.wait_closed(), 3)
    assert manager.ws.close_code == 1009
    again = await hub.connect("manager")  # the hub is fine
    assert again.welcome["type"] == "welcome"


@hub_test()
async def test_invalid_utf8_closes_with_1007(hub: HubHarness) -> None:
    screen = await hub.connect("screen", screen="main")
    await screen.ws.send(b"\xff\xfe\xfd", text=True)
    await asyncio.wait_for(screen.ws.wait_closed(), 3)
    assert screen.ws.close_code == 1007


@hub_test()
async def test_silent_connection_is_closed_after_hello_timeout(hub: HubHarness) -> None:
    hub.hub.limits.hello_timeout = 0.3
    ws = await hub.raw()
    error = json.loads(await asyncio.wait_for(ws.recv(), 2))
    assert error["code"] == "hello_first"
    await asyncio.wait_for(ws.wait_closed(), 2)
    assert ws.close_code == 1008


@hub_test(limits=Limits(rate=10, burst=10, strikes=30, watch_interval=None, ping_interval=None, close_grace=0.3))
async def test_flood_is_rate_limited_then_closed(hub: HubHarness) -> None:
    screen = await hub.connect("screen", screen="main")
    await screen.drain(0.05)
    for _ in range(20):
        await screen.send({"type": "ping"})
    got = await screen.drain(0.1)
    assert [m["type"] for m in got].count("pong") >= 10
    assert any(m.get("code") == "rate_limited" for m in got)
    for _ in range(200):
        try:
            await screen.send({"type": "ping"})
        except Exception:
            break
    await screen.drain(1.0)  # read on, or the close frame would wait behind the answers
    await asyncio.wait_for(screen.ws.wait_closed(), 3)
    assert screen.ws.close_code == 1008 and "too many" in screen.ws.close_reason
    calm = await hub.connect("screen", screen="main")  # others are not affected
    await calm.send({"type": "ping", "id": "p"})
    assert (await calm.expect("pong"))["id"] == "p"


@hub_test(limits=Limits(rate=1e6, burst=1e6, max_backlog=64 * 1024, watch_interval=None, ping_interval=None,
                        close_grace=0.3))
async def test_a_client_that_never_reads_is_dropped_and_delays_nobody(hub: HubHarness) -> None:
    # A screen that stops reading: a tiny receive buffer and a client that takes one message only.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", hub.hub.port))
    sock.setblocking(False)
    stuck = await connect(hub.url, sock=sock, max_queue=1, compression=None)
    await stuck.send(json.dumps({"type": "hello", "v": 1, "role": "screen", "hall": "zhongshan",
                                 "token": "test-screens-0123456789", "screen": "main"}))
    screen = await hub.connect("screen", screen="main")
    manager = await hub.connect("manager")
    # And a slow network: the hub's socket buffer for it is small too (as over a poor Wi-Fi link),
    # so that the backlog shows in the hub's own buffer after a few hundred kilobytes, not megabytes.
    hall = hub.hub.halls["zhongshan"]
    port = stuck.local_address[1]
    server_side = next(c for c in hall.clients if c.ws.remote_address[1] == port)
    server_side.ws.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    text = {"zh-Hans": "通知" * 240, "en": "notice " * 70}
    n = 150
    for i in range(n):
        await manager.send({"type": "set_notice", "id": f"n{i}", "text": text})
    # The reading screen gets every event, in order, without waiting for the stuck one (which
    # never reads: were the fan-out waiting on it, these would never come).
    seqs = []
    while len(seqs) < n + 1:  # + day_started
        seqs.append((await screen.expect("event", timeout=5))["seq"])
    assert seqs == list(range(1, n + 2))
    assert hub.hub.metrics.drops.get(hall="zhongshan", role="screen") == 1
    assert hall.connections() == {"screen": 1, "manager": 1}
    await asyncio.sleep(0.5)  # the close frame waits behind the backlog; after the grace period the hub cuts
    assert server_side.ws.transport.is_closing()
    stuck.transport.abort()


@hub_test()
async def test_never_an_exception_out_of_the_handler(hub: HubHarness, caplog=None) -> None:
    # Connections that vanish mid-hello, mid-command and mid-welcome.
    for _ in range(5):
        ws = await hub.raw()
        await ws.send(json.dumps({"type": "hello", "v": 1, "role": "kiosk", "hall": "zhongshan",
                                  "token": "test-kiosk-0123456789"}))
        ws.transport.abort()
        ws2 = await hub.raw()
        await ws2.send(json.dumps({"type": "hello", "v": 1, "role": "kiosk", "hall": "zhongshan",
                                   "token": "test-kiosk-0123456789"}))
        await ws2.recv()
        await ws2.send(json.dumps({"type": "issue", "id": "x", "service": "id-card"}))
        ws2.transport.abort()
    await asyncio.sleep(0.2)
    kiosk = await hub.connect("kiosk")
    answer = await kiosk.request({"type": "issue", "id": "x", "service": "id-card"})
    assert answer["type"] == "ok" and answer["result"]["ticket"]["number"] == "A001"  # one effect
    assert hub.hub.anonymous == 0
