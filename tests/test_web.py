"""server/web/pages.py and server/web/live.py without a browser: routes, content types, caching,
paths that must not escape, tokens on the API, the ticket role, who, screenshots."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import random
import socket

import pygame
import pytest

from hub_harness import TOKENS, HubHarness, hub_test
from server.queue.store import EventStore
from signage.config.tokens import TokensError, parse_tokens
from signage import protocol as p

WINDOW4 = "test-window-4-0123456789"


def raw_get(port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET",
            body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """One HTTP request exactly as written (no client-side clean-up of the path)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    if not data:
        return 0, {}, b""  # closed without an answer
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    hdrs = {}
    for line in header_lines:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return int(status_line.split()[1]), hdrs, rest


async def get(hub: HubHarness, path: str, **kw) -> tuple[int, dict[str, str], bytes]:
    return await asyncio.to_thread(raw_get, hub.hub.port, path, **kw)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@hub_test()
async def test_pages_and_files_have_their_content_types_and_caching(hub: HubHarness) -> None:
    for path in ("/", "/staff", "/kiosk", "/rate", "/manage", "/edit", "/edit?hall=zhongshan",
                 "/staff?hall=zhongshan&window=3"):
        status, h, body = await get(hub, path)
        assert status == 200, path
        assert h["content-type"] == "text/html; charset=utf-8"
        assert h["cache-control"] == "no-cache"
        assert "default-src 'self'" in h["content-security-policy"] and h["x-content-type-options"] == "nosniff"
        assert b"<!doctype html>" in body[:50]
        assert b"http://" not in body and b"https://" not in body  # nothing from the internet
    for name, ctype in (("hub.js", "text/javascript; charset=utf-8"), ("edit.js", "text/javascript; charset=utf-8"),
                        ("signage.css", "text/css; charset=utf-8"),
                        ("icon.svg", "image/svg+xml")):
        status, h, body = await get(hub, f"/static/{name}")
        assert status == 200 and h["content-type"] == ctype and int(h["content-length"]) == len(body)
    # the pages still answer /healthz as before
    status, h, _ = await get(hub, "/healthz")
    assert status == 200 and h["cache-control"] == "no-store"


@hub_test()
async def test_unknown_and_escaping_paths_are_404_and_the_hub_goes_on(hub: HubHarness) -> None:
    for path in ("/nope", "/static/", "/static/../web.py", "/static/..%2fweb.py", "/static/%2e%2e/hub.py",
                 "/static//etc/passwd", "/static/web.py", "/static/.hidden", "/static/hub.js/", "/static/HUB.JS",
                 "/../server/hub/hub.py", "/t/../../etc/passwd", "/t/", "/t/short", "/qr/x.svg",
                 "/staff/../server/hub/hub.py", "/%00", "/static/hub.js%00.html"):
        status, h, body = await get(hub, path)
        assert status == 404, path
        assert h["content-type"].startswith("text/html")
    # pictures need a manager's token before anything is said about them
    assert (await get(hub, "/api/screenshot/../../hub.db.png"))[0] == 401
    status, _, _ = await get(hub, "/api/screenshot/../../hub.db.png", headers=bearer(TOKENS["manager"]))
    assert status == 404
    status, _, _ = await get(hub, "/staff", method="POST")
    assert status == 405
    status, _, _ = await get(hub, "/staff", method="POST", body=b"x=1")  # websockets reads no bodies
    assert status in (0, 400)
    status, _, _ = await get(hub, "/healthz")
    assert status == 200


@hub_test()
async def test_ticket_links_need_a_kiosk_or_manager_token_and_cannot_be_guessed(hub: HubHarness) -> None:
    kiosk = await hub.connect("kiosk")
    ticket = await hub.issue(kiosk)
    q = f"/api/link?hall=zhongshan&ticket={ticket['id']}"
    assert (await get(hub, q))[0] == 401
    assert (await get(hub, q, headers=bearer(TOKENS["window"])))[0] == 401
    assert (await get(hub, q, headers=bearer("nope-nope-nope-nope")))[0] == 401
    status, h, body = await get(hub, q, headers=bearer(TOKENS["kiosk"]))
    assert status == 200 and h["content-type"].startswith("application/json")
    link = json.loads(body)
    key = link["key"]
    assert len(key) == 22 and ticket["number"] not in key and ticket["id"] not in key
    assert link["path"] == f"/t/{key}" and link["url"] == f"http://127.0.0.1:{hub.hub.port}/t/{key}"
    # by number too, for a manager
    status, _, body = await get(hub, f"/api/link?hall=zhongshan&ticket={ticket['number']}", headers=bearer(TOKENS["manager"]))
    assert status == 200 and json.loads(body)["key"] == key
    status, _, body = await get(hub, "/api/link?hall=zhongshan&ticket=Z999", headers=bearer(TOKENS["kiosk"]))
    assert status == 404 and "Z999" in json.loads(body)["message"]
    status, _, body = await get(hub, "/api/link?hall=elsewhere&ticket=A001", headers=bearer(TOKENS["manager"]))
    assert status == 404 and json.loads(body)["error"] == "unknown_hall"
    status, h, body = await get(hub, f"/qr/{key}.svg")
    assert status == 200 and h["content-type"] == "image/svg+xml" and b"<svg" in body[:200]
    status, h, body = await get(hub, f"/t/{key}")
    assert status == 200 and b"ticket.js" in body and h["cache-control"] == "no-store"
    # a key one character off is unknown
    other = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert (await get(hub, f"/t/{other}"))[0] == 404
    # the key is the same after a restart (the secret is kept in the log's meta table)
    await hub.stop()
    await hub.start()
    status, _, body = await get(hub, q, headers=bearer(TOKENS["kiosk"]))
    assert json.loads(body)["key"] == key


async def _key(hub: HubHarness, ticket: dict) -> str:
    return hub.web.live.key_of("zhongshan", ticket["id"])


@hub_test()
async def test_a_ticket_page_watches_its_ticket_only(hub: HubHarness) -> None:
    kiosk = await hub.connect("kiosk")
    first = await hub.issue(kiosk, "id-card")
    mine = await hub.issue(kiosk, "id-card")
    key = await _key(hub, mine)
    watcher = await hub.connect("ticket", token="-", hall="*", ticket=key)
    assert watcher.welcome["role"] == "ticket" and "snapshot" not in watcher.welcome and "config" not in watcher.welcome
    view = (await watcher.expect("ticket"))["ticket"]
    assert view["number"] == mine["number"] and view["state"] == "waiting" and view["service_name"]["zh-Hans"]
    window = await hub.connect("window", window=3)
    assert (await window.request({"type": "call_next", "window": 3}))["result"]["ticket"]["id"] == first["id"]
    # the one ahead was called: the new estimates move this ticket up
    for _ in range(5):
        view = (await watcher.expect("ticket"))["ticket"]
        if view.get("ahead") == 0:
            break
    assert view["ahead"] == 0 and view["state"] == "waiting"
    assert (await window.request({"type": "call_next", "window": 3}))["result"]["ticket"]["id"] == mine["id"]
    seen = await watcher.drain(0.4)
    assert {m["type"] for m in seen} == {"ticket"}  # no events, no other tickets
    called = [m["ticket"] for m in seen if m["ticket"]["state"] == "called"][-1]
    assert called["window"]["number"] == 3 and called["window"]["floor"] == "1F"
    assert called["window"]["directions"]["zh-Hans"] and called["window"]["directions"]["en"]
    assert "ahead" not in called
    assert (await watcher.request({"type": "call_next", "window": 3}))["code"] == "forbidden"
    await window.request({"type": "complete", "window": 3})
    assert (await watcher.expect("ticket"))["ticket"]["state"] == "completed"
    assert hub.web.live.watchers  # still watching
    await watcher.close()
    for _ in range(100):  # the hub sees the close a moment later
        if not hub.web.live.watchers:
            break
        await asyncio.sleep(0.02)
    assert not hub.web.live.watchers


@hub_test()
async def test_a_ticket_page_with_a_wrong_key_is_refused(hub: HubHarness) -> None:
    for key in ("A001", "x" * 22, ""):
        hello = {"type": "hello", "v": 1, "role": "ticket", "hall": "*", "ticket": key}
        if not key:
            del hello["ticket"]
        error, code = await hub.refused(hello)
        assert error["code"] == "unknown_ticket" and code == 1008, error
    kiosk = await hub.connect("kiosk")
    key = await _key(hub, await hub.issue(kiosk))
    error, _ = await hub.refused({"type": "hello", "v": 1, "role": "ticket", "hall": "zhenhai", "ticket": key})
    assert error["code"] == "unknown_ticket"
    # a token file cannot make a "ticket" token
    with pytest.raises(TokensError) as refused:
        parse_tokens("tokens:\n  - {name: t, role: ticket, hall: zhongshan, token: 0123456789abcdefgh}\n")
    assert 'unknown role "ticket"' in refused.value.problems[0]


@hub_test()
async def test_who_is_connected_is_for_managers(hub: HubHarness) -> None:
    screen = await hub.connect("screen", screen="main")
    window = await hub.connect("window", window=3)
    manager = await hub.connect("manager")
    answer = await manager.request({"type": "who"})
    clients = answer["result"]["clients"]
    assert {(c["role"], c["screen"], c["window"]) for c in clients} >= {("screen", "main", None), ("window", None, 3)}
    assert all(c["address"] == "127.0.0.1" and c["since"] > 0 for c in clients)
    assert not [secret for secret in TOKENS.values() if secret in json.dumps(answer)]  # names, never secrets
    assert (await window.request({"type": "who"}))["code"] == "forbidden"
    assert (await screen.request({"type": "screenshot", "screen": "main"}))["code"] == "forbidden"


def _png(size=(64, 40)) -> bytes:
    surface = pygame.Surface(size)
    surface.fill((20, 80, 160))
    out = io.BytesIO()
    pygame.image.save(surface, out, "x.png")
    return out.getvalue()


@hub_test()
async def test_a_screenshot_travels_from_the_screen_to_the_manager(hub: HubHarness) -> None:
    manager = await hub.connect("manager")
    answer = await manager.request({"type": "screenshot", "screen": "main"})
    assert answer["code"] == "screen_offline" and "main" in answer["message"]
    assert (await manager.request({"type": "screenshot", "screen": "nowhere"}))["code"] == "unknown_screen"
    screen = await hub.connect("screen", screen="main")
    other = await hub.connect("screen", screen="strip-6")
    answer = await manager.request({"type": "screenshot", "screen": "main"})
    request = answer["result"]["request"]
    asked = await screen.expect("screenshot_request")
    assert asked["request"] == request
    png = _png()
    data = base64.b64encode(png).decode()
    half = len(data) // 2
    # another screen cannot answer for it
    await other.send({"type": "screenshot_part", "request": request, "index": 0, "count": 2, "data": data[:half], "id": "x"})
    assert (await other.answer("x"))["code"] == "unknown_request"
    for i, part in ((1, data[half:]), (0, data[:half])):  # in any order
        await screen.send({"type": "screenshot_part", "request": request, "index": i, "count": 2, "data": part})
    ready = await manager.expect("screenshot_ready")
    assert ready["screen"] == "main" and ready["bytes"] == len(png)
    status, h, body = await get(hub, ready["url"], headers=bearer(TOKENS["manager"]))
    assert status == 200 and h["content-type"] == "image/png" and body == png
    assert (await get(hub, ready["url"]))[0] == 401
    assert (await get(hub, ready["url"], headers=bearer(TOKENS["screen"])))[0] == 401
    assert (await get(hub, "/api/screenshot/nothing.png", headers=bearer(TOKENS["manager"])))[0] == 404
    # not a PNG: the manager is told, nothing is kept
    request = (await manager.request({"type": "screenshot", "screen": "main"}))["result"]["request"]
    await screen.send({"type": "screenshot_part", "request": request, "index": 0, "count": 1,
                       "data": base64.b64encode(b"GIF89a...").decode()})
    failed = await manager.expect("screenshot_failed")
    assert "not a PNG" in failed["message"]
    # a part too large for the protocol is refused with the field named
    await screen.send({"type": "screenshot_part", "request": request, "index": 0, "count": 1,
                       "data": "A" * (p.MAX_SCREENSHOT_PART + 4), "id": "big"})
    assert (await screen.answer("big"))["code"] == "bad_field"


def test_the_display_sends_its_picture_in_parts_below_the_frame_limit() -> None:
    from signage.display.app import DisplayApp

    class Recorder:
        def __init__(self):
            self.sent = []

        def send(self, message):
            self.sent.append(message)
            return True

    app = DisplayApp("ws://127.0.0.1:1", "t" * 20, "zhongshan", "main", client=Recorder())
    pygame.display.init()
    try:
        app.display = pygame.Surface((1920, 1080))
        app.display.fill((10, 30, 60))
        noise = pygame.image.frombuffer(random.Random(1).randbytes(300 * 300 * 3), (300, 300), "RGB")
        app.display.blit(noise, (100, 100))  # noise does not compress: a PNG of several parts
        n = app.send_screenshot("req-1")
        sent = app.client.sent
        assert n == len(sent) and n >= 2
        for m in sent:
            frame = json.dumps(m)
            assert len(frame) < p.MAX_FRAME_BYTES
            assert isinstance(p.parse_client(frame), p.ScreenshotPart)
        png = base64.b64decode("".join(m["data"] for m in sorted(sent, key=lambda m: m["index"])))
        assert png.startswith(b"\x89PNG") and pygame.image.load(io.BytesIO(png)).get_size() == (1920, 1080)
        # a request from the hub goes through the frame loop's inbox
        app.client.sent.clear()
        app.inbox.put({"type": "screenshot_request", "request": "req-2"})
        app.pump(0.0)  # the frame loop copies the picture; the worker encodes and sends it
        assert app.screenshots.wait(30)
        assert app.client.sent and app.client.sent[0]["request"] == "req-2"
    finally:
        pygame.display.quit()


def test_store_settings_are_made_once_and_kept(tmp_path) -> None:
    db = tmp_path / "hub.db"
    store = EventStore(db)
    made = []
    value = store.setting("x", lambda: made.append(1) or "v1")
    assert value == "v1" and store.setting("x", lambda: "v2") == "v1" and made == [1]
    store.close()
    assert EventStore(db).setting("x", lambda: "v3") == "v1"


def test_protocol_additions_parse() -> None:
    hello = p.parse_client('{"type":"hello","v":1,"role":"ticket","hall":"*","ticket":"abc"}')
    assert hello.role == "ticket" and hello.ticket == "abc"
    assert "ticket" not in p.ROLES  # not a token's role
    assert p.parse_client('{"type":"who","id":"1"}').type == "who"
    with pytest.raises(p.ProtocolError) as info:
        p.parse_client('{"type":"screenshot_part","request":"r","index":5,"count":2,"data":""}')
    assert info.value.code == "bad_field" or info.value.code == "bad_message"
    for frame in ('{"type":"ticket","ticket":{"state":"waiting"}}', '{"type":"screenshot_request","request":"r"}',
                  '{"type":"screenshot_ready","request":"r","screen":"main","url":"/api/screenshot/r.png","bytes":3}',
                  '{"type":"screenshot_failed","request":"r","screen":"main","message":"m"}'):
        p.parse_hub(frame)


def test_the_demo_prints_the_pages_with_their_tokens(tmp_path) -> None:
    import os
    import re
    import subprocess
    import sys
    import urllib.request

    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    proc = subprocess.Popen([sys.executable, "-m", "signage.cli", "demo", "--no-screens", "--no-announcer",
                             "--duration", "20", "--port", "0", "--out", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.strip().startswith("manager"):
                break
        text = "".join(lines)
        urls = dict(re.findall(r"^\s+(staff|kiosk|rating pad|manager)\s+(\S+)$", text, re.M))
        assert set(urls) == {"staff", "kiosk", "rating pad", "manager"}, text
        assert urls["staff"].endswith("/staff?hall=zhongshan&window=3#token=demo-zhongshan-window-3-not-secret")
        assert "#token=demo-zhongshan-kiosks-not-secret" in urls["kiosk"]
        assert "#token=demo-zhongshan-manager-not-secret" in urls["manager"]
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        for url in urls.values():
            with opener.open(url.split("#")[0], timeout=5) as resp:
                assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/html")
    finally:
        proc.terminate()
        proc.wait(20)


def test_serve_refuses_a_public_url_that_is_not_an_address(tmp_path, capsys) -> None:
    from signage.cli import main

    tokens = tmp_path / "tokens.yaml"
    from hub_harness import LAYOUTS, TOKENS_YAML

    tokens.write_text(TOKENS_YAML, encoding="utf-8")
    code = main(["serve", str(LAYOUTS / "zhongshan.yaml"), "--tokens", str(tokens), "--db", str(tmp_path / "x.db"),
                 "--public-url", "hall.example.cn"])
    assert code == 2 and "--public-url hall.example.cn: expected an address" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()


@hub_test()
async def test_the_qr_code_points_at_the_public_url_when_set(hub: HubHarness) -> None:
    kiosk = await hub.connect("kiosk")
    key = await _key(hub, await hub.issue(kiosk))
    hub.hub.public_url = "https://hall.example.cn/"
    status, _, body = await get(hub, f"/api/link?hall=zhongshan&ticket=A001", headers=bearer(TOKENS["kiosk"]))
    assert json.loads(body)["url"] == f"https://hall.example.cn/t/{key}"


def test_the_way_to_a_window_follows_a_reloaded_hall_file() -> None:
    """The directions were cached by id(config): a new configuration given the id of one gone got its old floor."""
    from types import SimpleNamespace

    from hub_harness import LAYOUTS
    from server.web.live import LiveSide
    from signage.config.loader import load_hall

    config = load_hall(LAYOUTS / "zhongshan.yaml").config
    live = LiveSide(SimpleNamespace(halls={}))
    moved = [w.model_copy(update={"floor": "2F"}) if w.number == 3 else w for w in config.windows]
    seen, kept = set(), []
    for _ in range(50):  # a file reloaded back and forth; a configuration gone leaves its id to the next one
        seen.add(("1F", live.window_info(SimpleNamespace(config=config.model_copy()), 3)["floor"]))
        kept.append(config.model_copy(update={"windows": moved}))
        seen.add(("2F", live.window_info(SimpleNamespace(config=kept[-1]), 3)["floor"]))
    assert seen == {("1F", "1F"), ("2F", "2F")}


@hub_test()
async def test_the_ticket_pages_are_told_only_while_the_engine_is_quiet(hub: HubHarness) -> None:
    """Estimates pushed alone told the listeners without the hall's lock: a ticket's view could be
    read while the worker thread folded a commit's events into the same tickets (half a call)."""
    hall = hub.hub.halls["zhongshan"]
    told: list[tuple[set | None, bool]] = []  # (the tickets touched, the lock held)
    hall.listeners.append(lambda h, tickets: told.append((tickets, h.lock.locked())))
    kiosk = await hub.connect("kiosk")
    await hub.issue(kiosk)
    for _ in range(150):  # the issue's commit, then the new estimates alone in a quiet moment
        if len(told) >= 2:
            break
        await asyncio.sleep(0.02)
    assert len(told) >= 2 and all(held for _, held in told), told


@hub_test()
async def test_a_change_costs_one_view_per_watched_ticket_not_one_per_phone(hub: HubHarness) -> None:
    """Each commit walked every phone of the hub, and made the same ticket's view once per phone."""
    live = hub.web.live
    hall = hub.hub.halls["zhongshan"]
    kiosk = await hub.connect("kiosk")
    a, b, c = [await hub.issue(kiosk) for _ in range(3)]
    phones = [await hub.connect("ticket", token="-", hall="*", ticket=live.key_of("zhongshan", t["id"]))
              for t in (a, a, a, b)]
    made: list[str] = []
    view = live.ticket_view
    live.ticket_view = lambda h, tid: made.append(tid) or view(h, tid)  # type: ignore[method-assign]
    live.hall_changed(hall, {a["id"]})
    assert made == [a["id"]]
    made.clear()
    live.hall_changed(hall, {c["id"]})  # nobody follows c
    assert made == []
    live.hall_changed(hall, None)  # new estimates: each followed ticket once
    assert sorted(made) == sorted([a["id"], b["id"]])
    assert (await (await hub.connect("manager")).request({"type": "who"}))["result"]["ticket_pages"] == 4
    for phone in phones:
        await phone.close()
    for _ in range(100):
        if not live.watchers:
            break
        await asyncio.sleep(0.02)
    assert not live.watchers and not live._watching["zhongshan"]


@hub_test()
async def test_appointment_codes_stay_off_the_wire(hub: HubHarness) -> None:
    """A code is what a citizen checks in with: screens (public PCs) never see one, live or replayed."""
    screen = await hub.connect("screen", screen="main")
    manager = await hub.connect("manager")
    kiosk = await hub.connect("kiosk")
    booked = await manager.request({"type": "book", "appointments": [
        {"code": "ZS-4711", "service": "hukou-move", "slot": "10:00"}]})
    assert booked["type"] == "ok", booked
    answer = await kiosk.request({"type": "check_in", "code": "zs-4711"})
    assert answer["type"] == "ok" and answer["result"]["ticket"]["appointment"] == "ZS-4711"  # its own answer
    live = await screen.drain()
    replayed = await (await hub.connect("screen", screen="main", since=0)).drain()
    for frames in (live, replayed):
        events = [m["event"] for m in frames if m.get("type") == "event"]
        assert any(e["type"] == "appointment_booked" and e["appointment"]["service"] == "hukou-move" for e in events)
        issued = [e for e in events if e["type"] == "ticket_issued"]
        assert issued and issued[-1]["ticket"]["appointment"] is True and issued[-1]["ticket"]["class"] == "appointment"
        assert "4711" not in json.dumps(frames)
    logged = [e for _, e in hub.hub.store.events("zhongshan") if e["type"] == "ticket_issued"]
    assert logged[-1]["ticket"]["appointment"] == "ZS-4711"  # the log keeps it (audit, check-in)
