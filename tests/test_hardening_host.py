"""The hub answers only to names it knows (DNS rebinding), and one address cannot hold
the door open with connections that never say hello."""

from __future__ import annotations

import asyncio
import http.client
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from server.hub.hub import Hub, Limits, host_name, machine_host_names
from hub_harness import TOKENS, hub_test


def _get(port: int, path: str, host: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host)
    conn.endheaders()
    res = conn.getresponse()
    body = res.read().decode()
    conn.close()
    return res.status, body


async def _connect_as(name: str, port: int):
    """A websocket client that calls the hub by ``name`` (the Host header) but reaches 127.0.0.1."""
    authority = name if ":" in name else f"{name}:{port}"
    return await connect(f"ws://{authority}/", host="127.0.0.1", port=port, open_timeout=3)


@pytest.mark.parametrize("header, name", [
    ("127.0.0.1:8765", "127.0.0.1"), ("[::1]:8765", "::1"), ("Hub.Local", "hub.local"),
    ("hall.example.cn.", "hall.example.cn"), ("[::1", None), ("", None)])
def test_the_name_in_a_host_header(header, name):
    assert host_name(header) == name


@hub_test(limits=Limits(watch_interval=None, ping_interval=None, close_grace=0.3, hosts=("signage.hall.cn", ".city.gov.cn")))
async def test_a_foreign_name_is_refused_for_pages_and_upgrades(hub):
    port = hub.hub.port
    loop = asyncio.get_running_loop()
    for host in ("evil.example", "evil.example:8765", "signage.hall.cn.evil.example", "city.gov.cn.evil.example"):
        status, body = await loop.run_in_executor(None, _get, port, "/healthz", host)
        assert status == 403 and "--allow-host" in body, (host, status, body)
        status, _ = await loop.run_in_executor(None, _get, port, "/staff", host)
        assert status == 403
        with pytest.raises(InvalidStatus) as refused:
            await _connect_as(host, port)
        assert refused.value.response.status_code == 403
    allowed = ["127.0.0.1", f"127.0.0.1:{port}", "localhost", f"localhost:{port}", "[::1]:8765",
               "10.1.2.3:8765", "signage.hall.cn", "zhongshan.city.gov.cn:8765", *sorted(machine_host_names())]
    for host in allowed:
        status, _ = await loop.run_in_executor(None, _get, port, "/healthz", host)
        assert status == 200, host
    ws = await _connect_as("signage.hall.cn", port)
    await ws.send(json.dumps({"type": "hello", "v": 1, "role": "screen", "hall": "zhongshan",
                              "token": TOKENS["screen"], "screen": "main"}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 3))["type"] == "welcome"
    await ws.close()
    metrics = (await loop.run_in_executor(None, _get, port, "/metrics", "127.0.0.1"))[1]
    assert 'code="forbidden_host"' in metrics


@hub_test(limits=Limits(watch_interval=None, ping_interval=None, close_grace=0.3, unwelcomed_per_address=5,
                        hello_timeout=5))
async def test_connections_that_never_say_hello_are_capped_per_address(hub):
    silent = [await hub.raw() for _ in range(5)]
    extra = await hub.raw()
    refusal = json.loads(await asyncio.wait_for(extra.recv(), 3))
    assert refusal["code"] == "too_many_connections" and "127.0.0.1" in refusal["message"]
    await extra.wait_closed()
    assert extra.close_code == 1013
    # One that says hello stops counting: a screen still gets in once a silent one goes.
    await silent.pop().close()
    for _ in range(50):
        if hub.hub.anonymous < 5:
            break
        await asyncio.sleep(0.02)
    screen = await hub.connect("screen", screen="main")
    assert screen.welcome["type"] == "welcome"
    # ... and once welcomed it no longer takes a place: another silent one fits.
    silent.append(await hub.raw())
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(silent[-1].recv(), 0.3)  # waiting for its hello, not refused
    for ws in silent:
        await ws.close()
    await screen.close()
    for _ in range(50):
        if not hub.hub._unwelcomed:
            break
        await asyncio.sleep(0.02)
    assert hub.hub.anonymous == 0 and not hub.hub._unwelcomed
