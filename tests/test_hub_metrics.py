"""/metrics: prometheus_client's registry per hub, read back with prometheus_client's own parser.

* the series are those of docs/hub.md's table (names, types, labels), no other signage_hub_* one;
* no series has an empty label (connections that have not said hello have their own gauge);
* the library's process metrics are there, and no ``*_created`` series;
* two hubs in one process keep their own figures; a failing gauge leaves the others.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

from hub_harness import HubHarness, hub_test
from metrics_text import families, scrape, series, value
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
