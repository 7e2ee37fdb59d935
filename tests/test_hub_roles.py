"""Who may connect and what each role may do, end to end on loopback."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import pytest
from websockets.exceptions import InvalidStatus

from hub_harness import TOKENS, HubHarness, hub_test
from metrics_text import families, value


def hello(role: str = "screen", **fields):
    return {"type": "hello", "v": 1, "role": role, "hall": "zhongshan", "token": TOKENS.get(role, ""), **fields}


@hub_test()
async def test_welcome_has_snapshot_config_and_seq(hub: HubHarness) -> None:
    screen = await hub.connect("screen", screen="main")
    w = screen.welcome
    assert w["type"] == "welcome" and w["hall"] == "zhongshan" and w["role"] == "screen"
    assert w["seq"] == 0 and w["replay"] is False
    assert set(w["snapshot"]) >= {"day", "windows", "recent_calls", "waiting", "messages", "notice"}
    assert w["config"]["hall"]["id"] == "zhongshan"
    assert {s["id"] for s in w["config"]["screens"]} >= {"main"}
    assert "token" not in json.dumps(w["config"]).lower() or "test-" not in json.dumps(w["config"])


@hub_test()
async def test_wrong_or_missing_token_is_refused_and_closed(hub: HubHarness) -> None:
    for bad in (hello(token="nope-nope-nope-nope-nope"), hello(token=""), {k: v for k, v in hello().items() if k != "token"},
                hello(role="manager", token=TOKENS["screen"]),  # a screen's token does not make a manager
                hello(role="window", window=3, token=TOKENS["kiosk"])):
        error, code = await hub.refused(bad)
        assert error["type"] == "error" and error["code"] == "unauthorized", error
        assert code == 1008


@hub_test()
async def test_first_message_must_be_hello(hub: HubHarness) -> None:
    error, code = await hub.refused({"type": "call_next", "id": "x", "window": 3})
    assert error["code"] == "hello_first" and code == 1008
    error, code = await hub.refused("this is not json")
    assert error["code"] == "hello_first" and code == 1008
    error, code = await hub.refused(b"\x00\x01binary")
    assert error["code"] == "hello_first" and code == 1008
    error, code = await hub.refused(hello(v=2))
    assert error["code"] == "bad_field" and "v" in error["message"]


@hub_test()
async def test_unknown_hall_screen_and_window(hub: HubHarness) -> None:
    error, _ = await hub.refused({**hello("manager"), "hall": "atlantis"})  # the manager token covers "*"
    assert error["code"] == "unknown_hall" and "zhongshan" in error["message"]
    error, _ = await hub.refused({**hello("screen"), "hall": "atlantis"})  # a token for zhongshan only
    assert error["code"] == "unauthorized"
    error, _ = await hub.refused(hello("screen", screen="no-such-screen"))
    assert error["code"] == "unknown_screen"
    error, _ = await hub.refused(hello("announcer", zone="9F"))
    assert error["code"] == "unknown_zone" and "1F" in error["message"]
    error, _ = await hub.refused(hello("window"))  # no window number
    assert error["code"] == "unauthorized"
    error, _ = await hub.refused(hello("window", window=4))  # the token of window 3
    assert error["code"] == "unauthorized" and "window 4" in error["message"]


@hub_test()
async def test_screen_tokens_limited_to_their_screens(hub: HubHarness) -> None:
    ok = await hub.connect("screen", token="test-walls-main-0123456789", screen="main")
    assert ok.welcome["type"] == "welcome"
    error, _ = await hub.refused(hello("screen", token="test-walls-main-0123456789", screen="strip-6"))
    assert error["code"] == "unauthorized"


@hub_test()
async def test_screens_and_announcers_only_read(hub: HubHarness) -> None:
    kiosk = await hub.connect("kiosk")
    await hub.issue(kiosk)
    for role, extra in (("screen", {"screen": "main"}), ("announcer", {"zone": "1F"})):
        peer = await hub.connect(role, **extra)
        for cmd in ({"type": "call_next", "window": 3}, {"type": "issue", "service": "id-card"},
                    {"type": "set_notice", "text": {"en": "x"}}, {"type": "reload"}):
            answer = await peer.request(cmd)
            assert answer["type"] == "error" and answer["code"] == "forbidden", (role, cmd, answer)
        await peer.send({"type": "ping", "id": "still-there"})
        assert await peer.expect("pong") == {"type": "pong", "id": "still-there"}
    # Nothing changed: the ticket still waits.
    manager = await hub.connect("manager")
    assert manager.welcome["snapshot"]["waiting"]["id-card"] == 1
    assert manager.welcome["seq"] == 2  # day_started + ticket_issued


@hub_test()
async def test_ping_answers_pong_for_every_role(hub: HubHarness) -> None:
    window = await hub.connect("window", window=3)
    await window.send({"type": "ping", "id": "p1"})
    assert await window.expect("pong") == {"type": "pong", "id": "p1"}


@hub_test()
async def test_window_acts_only_for_itself(hub: HubHarness) -> None:
    kiosk = await hub.connect("kiosk")
    await hub.issue(kiosk)
    w3 = await hub.connect("window", window=3)
    for cmd in ({"type": "call_next", "window": 4}, {"type": "pause", "window": 5}, {"type": "open", "window": 1}):
        answer = await w3.request(cmd)
        assert answer["code"] == "forbidden" and "window 3" in answer["message"]
    answer = await w3.request({"type": "call_next", "window": 3})
    assert answer["type"] == "ok" and answer["result"]["ticket"]["number"] == "A001"
    # A token for two windows: the connection acts for the one it said hello as.
    w5 = await hub.connect("window", token="test-window-5-6-0123456789", window=5)
    assert (await w5.request({"type": "open", "window": 6}))["code"] == "forbidden"
    assert (await w5.request({"type": "open", "window": 5}))["type"] == "ok"
    assert (await w5.request({"type": "check_in", "code": "AB-1"}))["code"] == "forbidden"
    # a window's console issues a ticket (a green-channel case at the counter), in its own name
    green = await w5.request({"type": "issue", "service": "id-card", "green": True, "reason": "flight in 3 days"})
    assert green["type"] == "ok" and green["result"]["ticket"]["class"] == "green"
    assert (await w5.request({"type": "set_messages", "messages": []}))["code"] == "forbidden"


@hub_test()
async def test_kiosk_only_issues(hub: HubHarness) -> None:
    kiosk = await hub.connect("kiosk")
    ticket = await hub.issue(kiosk)
    assert ticket["number"] == "A001"
    for cmd in ({"type": "call_next", "window": 3}, {"type": "complete", "window": 3},
                {"type": "clear_notice"}, {"type": "reload"}):
        assert (await kiosk.request(cmd))["code"] == "forbidden"


@hub_test()
async def test_guide_issues_every_class_and_calls_nothing(hub: HubHarness) -> None:
    guide = await hub.connect("guide")
    answer = await guide.request({"type": "issue", "service": "id-card", "green": True})
    assert answer["code"] == "reason_required" and "reason" in answer["message"]
    answer = await guide.request({"type": "issue", "service": "id-card", "green": True, "reason": "出境航班 3 天后"})
    assert answer["type"] == "ok" and answer["result"]["ticket"]["class"] == "green"
    answer = await guide.request({"type": "issue", "service": "id-card", "priority": "elderly", "reason": "轮椅"})
    assert answer["result"]["ticket"]["class"] == "priority" and answer["result"]["ahead"] == 1  # behind the green
    # the log says who issued it and why; the wire does not carry the reason
    issued = [e for _, e in hub.hub.store.events("zhongshan") if e["type"] == "ticket_issued"]
    assert issued[0]["actor"] == "guide:entrance" and issued[0]["reason"] == "出境航班 3 天后"
    for cmd in ({"type": "call_next", "window": 3}, {"type": "complete", "window": 3}, {"type": "book",
                "appointments": [{"code": "X1", "service": "id-card", "slot": "10:00"}]}, {"type": "reload"}):
        assert (await guide.request(cmd))["code"] == "forbidden", cmd
    screen = await hub.connect("screen", screen="main")
    await hub.issue(guide, green=True, reason="school starts Monday")
    event = await screen.expect("event")
    assert event["event"]["type"] == "ticket_issued" and "reason" not in event["event"]


@hub_test()
async def test_manager_may_act_for_any_window(hub: HubHarness) -> None:
    manager = await hub.connect("manager")
    await hub.issue(manager)
    answer = await manager.request({"type": "call_next", "window": 7})
    assert answer["code"] == "nothing_waiting"  # window 7 serves passports: allowed, but nothing for it
    answer = await manager.request({"type": "call_next", "window": 3})
    assert answer["type"] == "ok" and answer["result"]["window"] == 3


@hub_test()
async def test_http_healthz_metrics_and_404(hub: HubHarness) -> None:
    base = hub.url.replace("ws://", "http://")
    screen = await hub.connect("screen", screen="main")

    def get(path: str, headers: dict | None = None) -> tuple[int, str, str]:
        req = urllib.request.Request(base + path, headers=headers or {})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=3) as resp:
                return resp.status, resp.headers["Content-Type"], resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers["Content-Type"], exc.read().decode()

    status, ctype, body = await asyncio.to_thread(get, "/healthz")
    assert status == 200 and ctype.startswith("application/json")
    health = json.loads(body)
    assert health["halls"]["zhongshan"]["seq"] == 0
    assert health["halls"]["zhongshan"]["connections"] == {"screen": 1}
    status, ctype, body = await asyncio.to_thread(get, "/metrics")
    assert status == 200 and ctype.startswith("text/plain")
    assert value(body, "signage_hub_connections", hall="zhongshan", role="screen") == 1
    assert families(body)["signage_hub_fanout_seconds"][0] == "histogram"
    status, _, _ = await asyncio.to_thread(get, "/nothing-here")
    assert status == 404
    status, _, _ = await asyncio.to_thread(get, "/healthz", {"Origin": "http://evil.example"})
    assert status == 403
    await screen.close()


@hub_test()
async def test_foreign_origin_refused_with_403(hub: HubHarness) -> None:
    with pytest.raises(InvalidStatus) as info:
        await hub.raw(origin="http://evil.example")
    assert info.value.response.status_code == 403
    # The hub's own pages (same host) and non-browser clients (no Origin) are welcome.
    host = hub.url.removeprefix("ws://")
    ws = await hub.raw(origin=f"http://{host}")
    await ws.close()
    ws = await hub.raw()
    await ws.close()
    with pytest.raises(InvalidStatus):
        await hub.raw(origin="null")


@hub_test()
async def test_revoked_token_ends_its_connections(hub: HubHarness) -> None:
    w4 = await hub.connect("window", token="test-window-4-0123456789", window=4)
    w3 = await hub.connect("window", window=3)
    text = hub.tokens_path.read_text().replace("test-window-4-0123456789", "test-window-4-CHANGED-0123456789")
    hub.tokens_path.write_text(text)
    await asyncio.wait_for(w4.ws.wait_closed(), 3)
    assert w4.ws.close_code == 1008
    await w3.send({"type": "ping"})
    assert await w3.expect("pong") == {"type": "pong"}
    again = await hub.connect("window", token="test-window-4-CHANGED-0123456789", window=4)
    assert again.welcome["type"] == "welcome"


def test_frames_written_once_for_all_are_valid_websocket_frames() -> None:
    # The hub frames events itself (same bytes for every client); websockets' own parser must agree.
    from websockets.frames import Frame, Opcode
    from websockets.streams import StreamReader

    from server.hub.hall import ws_frame

    for size in (0, 1, 125, 126, 127, 65535, 65536, 300_000):
        payload = ("好" * (size // 3) + "x" * (size % 3)).encode()
        reader = StreamReader()
        reader.feed_data(ws_frame(payload))
        parser = Frame.parse(reader.read_exact, mask=False, max_size=None, extensions=[])
        try:
            next(parser)
            raise AssertionError("the frame was incomplete")
        except StopIteration as done:
            frame = done.value
        assert frame.opcode is Opcode.TEXT and frame.fin and frame.data == payload
