"""Hall file edits: a valid one is pushed at the watcher's next look; an invalid one is refused, loudly, and nothing changes."""

from __future__ import annotations

import asyncio
import os

from hub_harness import HubHarness, hub_test

from server.hub.watch import fingerprint


def edit(hub: HubHarness, old: str, new: str) -> None:
    text = hub.hall_path.read_text(encoding="utf-8")
    assert old in text
    # Write a new file and rename it over the old one, as most editors do.
    tmp = hub.hall_path.with_suffix(".tmp")
    tmp.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.replace(tmp, hub.hall_path)


@hub_test()
async def test_valid_edit_is_pushed_to_screens(hub: HubHarness) -> None:
    """(How soon is the watcher's interval, 0.1 s here, 0.3 s by default: a setting, not a test.)"""
    screen = await hub.connect("screen", screen="main")
    manager = await hub.connect("manager")
    edit(hub, "minutes: 4\n", "minutes: 9\n")
    pushed = await screen.expect("config", timeout=10)
    card = next(s for s in pushed["config"]["services"] if s["id"] == "id-card")
    assert card["minutes"] == 9
    assert hub.hub.halls["zhongshan"].config.service("id-card").minutes == 9  # the engine uses it now
    await manager.expect("config")
    # A newcomer gets the new file in its welcome.
    late = await hub.connect("screen", screen="main")
    assert next(s for s in late.welcome["config"]["services"] if s["id"] == "id-card")["minutes"] == 9


@hub_test()
async def test_invalid_edit_is_refused_and_managers_are_told(hub: HubHarness) -> None:
    screen = await hub.connect("screen", screen="main")
    manager = await hub.connect("manager")
    kiosk = await hub.connect("kiosk")
    edit(hub, "minutes: 4\n", "minutes: four\n")
    error = await manager.expect("error", timeout=2)
    assert error["code"] == "config_invalid" and "id" not in error
    assert "zhongshan.yaml:" in error["message"] and "minutes" in error["message"]
    # The running configuration stays: screens got nothing, tickets are still issued with it.
    assert not [m for m in await screen.drain(0.2) if m["type"] in ("config", "error")]
    assert hub.hub.halls["zhongshan"].config.service("id-card").minutes == 4
    assert (await hub.issue(kiosk))["number"] == "A001"
    assert not [m for m in await kiosk.drain(0.1) if m["type"] == "error"]
    # Fixed again: pushed.
    edit(hub, "minutes: four\n", "minutes: 5\n")
    pushed = await screen.expect("config", timeout=2)
    assert next(s for s in pushed["config"]["services"] if s["id"] == "id-card")["minutes"] == 5


@hub_test()
async def test_touch_without_change_pushes_nothing(hub: HubHarness) -> None:
    screen = await hub.connect("screen", screen="main")
    os.utime(hub.hall_path, ns=(0, 0))  # a new modification time, the same content
    touched = fingerprint(hub.hall_path)
    while hub.hub.watcher._seen[hub.hall_path][0] != touched:  # until the watcher has looked at it
        await asyncio.sleep(0.02)
    # Then a real edit: its push is the first config the screen gets, so the touch pushed nothing.
    edit(hub, "minutes: 4\n", "minutes: 7\n")
    pushed = await screen.expect("config", timeout=10)
    assert next(s for s in pushed["config"]["services"] if s["id"] == "id-card")["minutes"] == 7
    assert not [m for m in screen.inbox if m["type"] == "config"]
    assert not [m for m in await screen.drain(0.1) if m["type"] == "config"]


@hub_test()
async def test_manager_reload_on_demand(hub: HubHarness) -> None:
    hub.hub.watcher.paths.clear()  # only the manager's command reloads in this test
    manager = await hub.connect("manager")
    other = await hub.connect("manager")
    screen = await hub.connect("screen", screen="main")
    answer = await manager.request({"type": "reload"})
    assert answer["type"] == "ok" and answer["result"]["changed"] is False
    edit(hub, "minutes: 4\n", "minutes: 6\n")
    answer = await manager.request({"type": "reload"})
    assert answer["type"] == "ok" and answer["result"]["changed"] is True
    assert (await screen.expect("config"))["config"]["services"][0]["minutes"] == 6
    edit(hub, "  id: zhongshan\n", "  id: zhongshan\n  idd: typo\n")
    answer = await manager.request({"type": "reload"})
    assert answer["type"] == "error" and answer["code"] == "config_invalid" and "idd" in answer["message"]
    told = await other.expect("error")
    assert told["code"] == "config_invalid" and told["message"] == answer["message"]
    assert not [m for m in await manager.drain(0.1) if m["type"] == "error"]  # the requester is told once
    # Renaming the hall in a running hub is refused too.
    edit(hub, "  idd: typo\n", "")
    edit(hub, "  id: zhongshan\n", "  id: elsewhere\n")
    answer = await manager.request({"type": "reload"})
    assert answer["code"] == "config_invalid" and "restart the hub" in answer["message"]
    assert hub.hub.halls["zhongshan"].config.hall.id == "zhongshan"
