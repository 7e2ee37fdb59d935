"""/metrics: prometheus_client's registry per hub, read back with prometheus_client's own parser.

* the series are those of docs/hub.md's table (names, types, labels), no other signage_hub_* one;
* no series has an empty label (connections that have not said hello have their own gauge);
* the library's process metrics are there, and no ``*_created`` series;
* two hubs in one process keep their own figures; a failing gauge leaves the others;
* the commands the hub answers itself (who, screenshot, ...) are counted like the engine's, and how
  each screenshot ended;
* the phones' ticket pages: connected watchers (role ticket, gone after close), link keys looked up
  (found, unknown), views pushed.
"""

from __future__ import annotations

import asyncio
import base64
import re
import shutil
from pathlib import Path

from hub_harness import HubHarness, hub_test
from metrics_text import families, scrape, series, status, value
from server.hub.metrics import CONTENT_TYPE

DOCS = Path(__file__).resolve().parent.parent / "docs" / "hub.md"


def documented() -> dict[str, tuple[str, tuple[str, ...]]]:
    """The metrics table of docs/hub.md: name -> (type, label names)."""
    out = {}
    for name, kind, labels in re.findall(r"^\s*\| `(signage_\w+)` \| (\w+) \| (.*) \|\s*$", DOCS.read_text(), re.M):
        labels = re.sub(r"\([^)]*\)", "", labels).split(":")[0]  # label values in brackets, comments after ':'
        out[name] = (kind, tuple(sorted(re.findall(r"`(\w+)`", labels))))
    return out


def family_name(name: str, kind: str) -> str:
    """The parser's family name: a counter's without ``_total``."""
    return name[: -len("_total")] if kind == "counter" and name.endswith("_total") else name


async def wait_for(check, tries: int = 150) -> None:  # type: ignore[no-untyped-def]
    for _ in range(tries):
        if check():
            return
        await asyncio.sleep(0.02)
    assert check()


@hub_test()
async def test_the_series_are_the_documented_ones_with_the_process_metrics(hub: HubHarness) -> None:
    screen = await hub.connect("screen", screen="main")
    kiosk = await hub.connect("kiosk")
    await hub.issue(kiosk)
    assert (await kiosk.request({"type": "call_next", "window": 3}))["code"] == "forbidden"
    silent = await hub.raw()  # connected, has not said hello
    await wait_for(lambda: hub.hub.anonymous == 1)

    ctype, text = await asyncio.to_thread(scrape, hub.hub.port)
    assert ctype == CONTENT_TYPE
    found = families(text)
    table = documented()
    assert "signage_hub_unwelcomed_connections" in table and "signage_hub_connections" in table
    for name, (kind, labels) in table.items():
        fam = family_name(name, kind)
        assert fam in found, f"{name} is documented but not served"
        assert found[fam][0] == kind, (name, found[fam][0])
        assert found[fam][1] <= {labels}, (name, found[fam][1], labels)  # every sample has exactly its labels
    served = {name for name in found if name.startswith("signage_")}
    assert served == {family_name(n, k) for n, (k, _) in table.items()}, "a series missing from docs/hub.md"

    got = series(text)
    empty = [key for key in got if any(v == "" for _, v in key[1])]
    assert not empty, f"series with an empty label: {empty}"
    assert not [name for name, _ in got if name.endswith("_created")]
    assert value(got, "signage_hub_unwelcomed_connections") == 1
    assert value(got, "signage_hub_connections", hall="zhongshan", role="screen") == 1
    assert value(got, "signage_hub_connections", hall="zhongshan", role="kiosk") == 1
    assert value(got, "signage_hub_commands_total", hall="zhongshan", command="issue", result="ok") == 1
    assert value(got, "signage_hub_commands_total", hall="zhongshan", command="call_next", result="forbidden") == 1
    seq = hub.hub.halls["zhongshan"].durable.seq
    assert seq >= 1 and value(got, "signage_hub_last_seq", hall="zhongshan") == seq
    assert value(got, "signage_hub_events_total", hall="zhongshan") == seq  # every event since a fresh log
    assert value(got, "signage_hub_fanout_seconds_count", hall="zhongshan") == 1
    assert value(got, "signage_hub_commit_commands_bucket", hall="zhongshan", le="1.0") == 1
    # the library's own: process, platform, garbage collector
    assert value(got, "process_resident_memory_bytes") > 0
    assert value(got, "process_cpu_seconds_total") > 0
    assert value(got, "process_open_fds") > 0
    assert any(name == "python_info" for name, _ in got)
    assert any(name == "python_gc_collections_total" for name, _ in got)

    await silent.close()
    await wait_for(lambda: hub.hub.anonymous == 0)
    assert value(await asyncio.to_thread(lambda: scrape(hub.hub.port)[1]), "signage_hub_unwelcomed_connections") == 0
    await screen.close()


@hub_test()
async def test_two_hubs_in_one_process_count_apart(hub: HubHarness) -> None:
    other_dir = hub.tmp / "other"
    other_dir.mkdir()
    shutil.copy(hub.hall_path, other_dir / hub.hall_path.name)
    other = HubHarness(other_dir)
    await other.start()
    try:
        kiosk = await hub.connect("kiosk")
        for _ in range(3):
            await hub.issue(kiosk)
        mine = await asyncio.to_thread(lambda: scrape(hub.hub.port)[1])
        theirs = await asyncio.to_thread(lambda: scrape(other.hub.port)[1])
        assert value(mine, "signage_hub_commands_total", hall="zhongshan", command="issue", result="ok") == 3
        assert value(theirs, "signage_hub_commands_total", hall="zhongshan", command="issue", result="ok") is None
        assert value(theirs, "signage_hub_connections", hall="zhongshan", role="kiosk") == 0
        assert value(theirs, "process_resident_memory_bytes") > 0  # each registry has the process metrics
    finally:
        await other.stop()


@hub_test()
async def test_a_failing_gauge_is_left_out_and_the_others_stay(hub: HubHarness) -> None:
    def broken() -> dict:
        raise RuntimeError("the engine is gone")

    hub.hub._numbers_used = broken  # type: ignore[method-assign]
    kiosk = await hub.connect("kiosk")
    await hub.issue(kiosk)
    text = await asyncio.to_thread(lambda: scrape(hub.hub.port)[1])
    found = families(text)
    assert "signage_hub_ticket_numbers_used_ratio" not in found
    assert value(text, "signage_hub_connections", hall="zhongshan", role="kiosk") == 1
    assert value(text, "signage_hub_commands_total", hall="zhongshan", command="issue", result="ok") == 1


async def _metrics(hub: HubHarness):  # type: ignore[no-untyped-def]
    return series(await asyncio.to_thread(lambda: scrape(hub.hub.port)[1]))


@hub_test()
async def test_the_commands_the_hub_answers_itself_are_counted_like_the_engines(hub: HubHarness) -> None:
    """ping, reload, who, screenshot, screenshot_part: in signage_hub_commands_total by result, and how
    each screenshot ended in signage_hub_screenshots_total (its bytes when relayed)."""
    from server.hub.hub import HUB_COMMANDS

    hub.hub.watcher.paths.clear()  # only the manager's command reloads in this test
    manager = await hub.connect("manager")
    window = await hub.connect("window", window=3)
    assert (await manager.request({"type": "who"}))["type"] == "ok"
    assert (await window.request({"type": "who"}))["code"] == "forbidden"
    await manager.send({"type": "ping", "id": "p1"})
    assert (await manager.expect("pong"))["id"] == "p1"
    assert (await manager.request({"type": "reload"}))["type"] == "ok"
    hub.hall_path.write_text(hub.hall_path.read_text().replace("  id: zhongshan\n", "  id: zhongshan\n  idd: typo\n"))
    assert (await manager.request({"type": "reload"}))["code"] == "config_invalid"
    assert (await manager.request({"type": "screenshot", "screen": "nowhere"}))["code"] == "unknown_screen"
    assert (await manager.request({"type": "screenshot", "screen": "main"}))["code"] == "screen_offline"
    screen = await hub.connect("screen", screen="main")
    other = await hub.connect("screen", screen="strip-6")
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    data = base64.b64encode(png).decode()
    request = (await manager.request({"type": "screenshot", "screen": "main"}))["result"]["request"]
    await screen.expect("screenshot_request")
    bad = await other.request({"type": "screenshot_part", "request": request, "index": 0, "count": 2, "data": "AAAA"})
    assert bad["code"] == "unknown_request"  # not the screen asked
    half = len(data) // 2
    for i, part in ((0, data[:half]), (1, data[half:])):
        await screen.send({"type": "screenshot_part", "request": request, "index": i, "count": 2, "data": part})
    assert (await manager.expect("screenshot_ready"))["bytes"] == len(png)
    request = (await manager.request({"type": "screenshot", "screen": "main"}))["result"]["request"]
    await screen.send({"type": "screenshot_part", "request": request, "index": 0, "count": 1,
                       "data": base64.b64encode(b"GIF89a...").decode()})
    await manager.expect("screenshot_failed")
    # The hall editor's commands (tests/test_config_versions.py tests them): each once with ok.
    import hashlib

    from hub_harness import LAYOUTS

    text = (LAYOUTS / "zhongshan.yaml").read_text("utf-8")
    base = hashlib.sha256(hub.hall_path.read_bytes()).hexdigest()
    for command in ({"type": "config_get"}, {"type": "config_history"}, {"type": "config_version", "version": 1},
                    {"type": "config_part", "draft": "d", "index": 0, "count": 1, "data": text[:1000]},
                    {"type": "config_check", "text": text},
                    {"type": "config_edit", "text": text, "edits": [{"path": "services[0].minutes", "value": 5}]},
                    {"type": "config_publish", "text": text, "base_hash": base},
                    {"type": "config_rollback", "version": 1, "base_hash": hashlib.sha256(text.encode()).hexdigest()},
                    {"type": "config_preview", "screen": "main", "state": "sample"}):
        assert (await manager.request(command, timeout=30))["type"] == "ok", command

    got = await _metrics(hub)

    def commands(command: str, result: str) -> float | None:
        return value(got, "signage_hub_commands_total", hall="zhongshan", command=command, result=result)

    assert commands("who", "ok") == 1 and commands("who", "forbidden") == 1
    assert commands("ping", "ok") == 1
    assert commands("reload", "ok") == 1 and commands("reload", "refused") == 1
    assert commands("screenshot", "refused") == 2 and commands("screenshot", "ok") == 2
    assert commands("screenshot_part", "ok") == 3 and commands("screenshot_part", "refused") == 1
    counted = {dict(labels)["command"] for name, labels in got
               if name == "signage_hub_commands_total" and ("result", "ok") in labels}
    assert set(HUB_COMMANDS) <= counted, f"a command the hub answers is not counted: {set(HUB_COMMANDS) - counted}"
    assert value(got, "signage_hub_screenshots_total", hall="zhongshan", result="ready") == 1
    assert value(got, "signage_hub_screenshots_total", hall="zhongshan", result="bad_picture") == 1
    assert value(got, "signage_hub_screenshot_bytes_total", hall="zhongshan") == len(png)


@hub_test()
async def test_phone_pages_watchers_lookups_and_pushes_are_counted(hub: HubHarness) -> None:
    """A ticket page is a connection of role ticket while open and none after; its link key is
    counted found or unknown, over HTTP and at hello; each view pushed after a change is counted."""
    kiosk = await hub.connect("kiosk")
    first = await hub.issue(kiosk)
    mine = await hub.issue(kiosk)
    key = hub.web.live.key_of("zhongshan", mine["id"])
    unknown = key[:-1] + ("A" if key[-1] != "A" else "B")
    port = hub.hub.port
    assert await asyncio.to_thread(status, port, f"/t/{key}") == 200
    assert await asyncio.to_thread(status, port, f"/t/{unknown}") == 404
    got = await _metrics(hub)
    assert value(got, "signage_hub_connections", hall="zhongshan", role="ticket") == 0  # a page is not a watcher
    assert value(got, "signage_hub_ticket_link_lookups_total", via="http", result="found") == 1
    assert value(got, "signage_hub_ticket_link_lookups_total", via="http", result="unknown") == 1

    watcher = await hub.connect("ticket", token="-", hall="*", ticket=key)
    await watcher.expect("ticket")
    error, _ = await hub.refused({"type": "hello", "v": 1, "role": "ticket", "hall": "*", "ticket": unknown})
    assert error["code"] == "unknown_ticket"
    window = await hub.connect("window", window=3)
    assert (await window.request({"type": "call_next", "window": 3}))["result"]["ticket"]["id"] == first["id"]
    await watcher.expect("ticket")  # the one ahead was called: a push
    got = await _metrics(hub)
    assert value(got, "signage_hub_connections", hall="zhongshan", role="ticket") == 1
    assert value(got, "signage_hub_connections", hall="zhongshan", role="window") == 1  # the others as before
    assert value(got, "signage_hub_ticket_link_lookups_total", via="watch", result="found") == 1
    assert value(got, "signage_hub_ticket_link_lookups_total", via="watch", result="unknown") == 1
    assert value(got, "signage_hub_ticket_pushes_total", hall="zhongshan") >= 1

    await watcher.close()
    await wait_for(lambda: not hub.web.live.watchers)
    got = await _metrics(hub)
    assert value(got, "signage_hub_connections", hall="zhongshan", role="ticket") == 0
