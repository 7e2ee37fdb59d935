"""One hub, two real halls (layouts/zhongshan.yaml and layouts/zhenhai.yaml), hall-scoped tokens.

A token for one hall never opens the other; a manager token for "*" opens both; what happens in one
hall never reaches the other's screens; each hall counts its own events (its own seq), in the
hub and in the one database they share, across a restart.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any, Awaitable, Callable

from hub_harness import LAYOUTS, HubHarness, Peer

from server.hub.hub import Hub

TOKENS_YAML = """
tokens:
  - {name: zs-screens, role: screen, hall: zhongshan, token: test-zs-screens-0123456789}
  - {name: zs-kiosk, role: kiosk, hall: zhongshan, token: test-zs-kiosk-0123456789}
  - {name: zs-w3, role: window, hall: zhongshan, windows: [3], token: test-zs-window-3-0123456789}
  - {name: zs-manager, role: manager, hall: zhongshan, token: test-zs-manager-0123456789}
  - {name: zh-screens, role: screen, hall: zhenhai, token: test-zh-screens-0123456789}
  - {name: zh-kiosk, role: kiosk, hall: zhenhai, token: test-zh-kiosk-0123456789}
  - {name: zh-w6, role: window, hall: zhenhai, windows: [6], token: test-zh-window-6-0123456789}
  - {name: both-screens, role: screen, hall: [zhongshan, zhenhai], token: test-both-screens-0123456789}
  - {name: boss, role: manager, hall: "*", token: test-boss-0123456789}
"""
T = {
    ("zhongshan", "screen"): "test-zs-screens-0123456789",
    ("zhongshan", "kiosk"): "test-zs-kiosk-0123456789",
    ("zhongshan", "window"): "test-zs-window-3-0123456789",
    ("zhongshan", "manager"): "test-zs-manager-0123456789",
    ("zhenhai", "screen"): "test-zh-screens-0123456789",
    ("zhenhai", "kiosk"): "test-zh-kiosk-0123456789",
    ("zhenhai", "window"): "test-zh-window-6-0123456789",
}
BOSS = "test-boss-0123456789"
BOTH_SCREENS = "test-both-screens-0123456789"
SCREEN = {"zhongshan": "main", "zhenhai": "main-1f"}
WINDOW = {"zhongshan": 3, "zhenhai": 6}
SERVICE = {"zhongshan": "id-card", "zhenhai": "passport"}  # window 3 and window 6 serve these


class TwoHalls(HubHarness):
    """The harness's hub (fake clock, its limits, no fsync) opened with both halls."""

    def __init__(self, tmp: Path, db: Path | None = None) -> None:
        (tmp / "tokens.yaml").write_text(TOKENS_YAML, encoding="utf-8")
        super().__init__(tmp, db=db)
        self.other_path = tmp / "zhenhai.yaml"
        if not self.other_path.exists():
            shutil.copy(LAYOUTS / "zhenhai.yaml", self.other_path)

    async def start(self) -> "TwoHalls":
        self.hub = Hub.open([self.hall_path, self.other_path], self.tokens_path, self.db, limits=self.limits,
                            clock=self.clock, durable=False, estimator=self.estimator)
        await self.hub.start("127.0.0.1", 0)
        return self

    async def join(self, hall: str, role: str, token: str | None = None, **hello: Any) -> Peer:
        if role == "screen":
            hello.setdefault("screen", SCREEN[hall])
        if role == "window":
            hello.setdefault("window", WINDOW[hall])
        return await self.connect(role, token=token or T[(hall, role)], hall=hall, **hello)


def two_halls(fn: Callable[[TwoHalls], Awaitable[None]]) -> Callable[[Path], None]:
    def test(tmp_path: Path) -> None:
        async def main() -> None:
            h = TwoHalls(tmp_path)
            await h.start()
            try:
                await asyncio.wait_for(fn(h), 20)
            finally:
                await h.stop()

        asyncio.run(main())

    test.__name__, test.__doc__ = fn.__name__, fn.__doc__
    return test


def events_of(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["type"] == "event"]


@two_halls
async def test_the_hub_serves_both_halls(h: TwoHalls) -> None:
    assert set(h.hub.halls) == {"zhongshan", "zhenhai"}
    for hall in ("zhongshan", "zhenhai"):
        screen = await h.join(hall, "screen")
        assert screen.welcome["hall"] == hall and screen.welcome["config"]["hall"]["id"] == hall
        assert screen.welcome["seq"] == 0


@two_halls
async def test_a_token_for_one_hall_does_not_open_the_other(h: TwoHalls) -> None:
    for (hall, role), token in T.items():
        other = "zhenhai" if hall == "zhongshan" else "zhongshan"
        hello = {"type": "hello", "v": 1, "role": role, "hall": other, "token": token}
        if role == "screen":
            hello["screen"] = SCREEN[other]
        if role == "window":
            hello["window"] = WINDOW[other]
        error, code = await h.refused(hello)
        assert error["type"] == "error" and error["code"] == "unauthorized", (hall, role, error)
        assert code == 1008
        ok = await h.join(hall, role)  # ... and it does open its own
        assert ok.welcome["hall"] == hall
        await ok.close()
    # a hall's manager is no manager of the other hall
    error, code = await h.refused({"type": "hello", "v": 1, "role": "manager", "hall": "zhenhai",
                                   "token": T[("zhongshan", "manager")]})
    assert error["code"] == "unauthorized" and code == 1008


@two_halls
async def test_a_star_manager_and_a_two_hall_token_reach_both(h: TwoHalls) -> None:
    for hall in ("zhongshan", "zhenhai"):
        boss = await h.join(hall, "manager", token=BOSS)
        assert boss.welcome["hall"] == hall and boss.welcome["role"] == "manager"
        # and acts in that hall only: a ticket of the hall's own service, numbered in that hall
        answer = await boss.request({"type": "issue", "service": SERVICE[hall]})
        assert answer["type"] == "ok" and answer["result"]["ticket"]["service"] == SERVICE[hall], answer
        assert answer["result"]["ticket"]["number"] == "A001"  # each hall numbers its own tickets
        walls = await h.join(hall, "screen", token=BOTH_SCREENS)
        assert walls.welcome["hall"] == hall and walls.welcome["snapshot"]["waiting"][SERVICE[hall]] == 1
    # the other hall's services are unknown in a hall
    boss = await h.join("zhenhai", "manager", token=BOSS)
    answer = await boss.request({"type": "issue", "service": "id-card"})
    assert answer["type"] == "error" and answer["code"] == "unknown_service"


@two_halls
async def test_events_of_one_hall_never_reach_the_other_hall(h: TwoHalls) -> None:
    screens = {hall: await h.join(hall, "screen") for hall in ("zhongshan", "zhenhai")}
    both = {hall: await h.join(hall, "screen", token=BOTH_SCREENS) for hall in ("zhongshan", "zhenhai")}
    kiosk, window = await h.join("zhongshan", "kiosk"), await h.join("zhongshan", "window")
    ticket = await h.issue(kiosk, SERVICE["zhongshan"])
    assert (await window.request({"type": "call_next", "window": 3}))["type"] == "ok"
    for peer in (screens["zhongshan"], both["zhongshan"]):
        got = await peer.events(4)
        assert [e["event"]["type"] for e in got] == ["day_started", "ticket_issued", "window_opened", "ticket_called"]
        assert got[-1]["event"]["ticket"]["id"] == ticket["id"]
    for peer in (screens["zhenhai"], both["zhenhai"]):
        quiet = await peer.drain(0.3)
        assert events_of(quiet) == [], quiet
        assert ticket["id"] not in repr(quiet)
        assert all(m.get("hall", "zhenhai") == "zhenhai" for m in quiet)

    # the other way round
    kiosk2, window2 = await h.join("zhenhai", "kiosk"), await h.join("zhenhai", "window")
    ticket2 = await h.issue(kiosk2, SERVICE["zhenhai"])
    assert (await window2.request({"type": "call_next", "window": 6}))["type"] == "ok"
    for peer in (screens["zhenhai"], both["zhenhai"]):
        got = await peer.events(4)
        assert got[-1]["event"]["ticket"]["id"] == ticket2["id"]
    for peer in (screens["zhongshan"], both["zhongshan"]):
        quiet = await peer.drain(0.3)
        assert events_of(quiet) == [] and ticket2["id"] not in repr(quiet), quiet


@two_halls
async def test_each_hall_has_its_own_seq(h: TwoHalls) -> None:
    zs_kiosk, zh_kiosk = await h.join("zhongshan", "kiosk"), await h.join("zhenhai", "kiosk")
    zs_screen, zh_screen = await h.join("zhongshan", "screen"), await h.join("zhenhai", "screen")
    for _ in range(3):
        await h.issue(zs_kiosk, SERVICE["zhongshan"])  # zhongshan: day_started + 3 tickets = 4 events
    await h.issue(zh_kiosk, SERVICE["zhenhai"])        # zhenhai: day_started + 1 ticket = 2 events
    assert [e["seq"] for e in await zs_screen.events(4)] == [1, 2, 3, 4]
    assert [e["seq"] for e in await zh_screen.events(2)] == [1, 2]
    assert h.hub.halls["zhongshan"].durable.seq == 4 and h.hub.halls["zhenhai"].durable.seq == 2
    assert [s for s, _ in h.hub.store.events("zhongshan")] == [1, 2, 3, 4]
    assert [s for s, _ in h.hub.store.events("zhenhai")] == [1, 2]
    # a replay asks for one hall's events after its own seq: zhenhai since 2 has nothing to send,
    # though zhongshan's seq 3 and 4 exist in the same database
    back = await h.join("zhenhai", "screen", since=2)
    assert back.welcome["replay"] is True and back.welcome["seq"] == 2
    assert events_of(await back.drain(0.3)) == []
    back = await h.join("zhongshan", "screen", since=2)
    assert [e["seq"] for e in await back.events(2)] == [3, 4]


def test_each_halls_seq_survives_a_restart(tmp_path: Path) -> None:
    async def main() -> None:
        h = TwoHalls(tmp_path)
        await h.start()
        try:
            zs, zh = await h.join("zhongshan", "kiosk"), await h.join("zhenhai", "kiosk")
            for _ in range(2):
                await h.issue(zs, SERVICE["zhongshan"])
            await h.issue(zh, SERVICE["zhenhai"])
        finally:
            await h.stop()
        again = TwoHalls(tmp_path, db=h.db)
        await again.start()
        try:
            assert again.hub.halls["zhongshan"].durable.seq == 3 and again.hub.halls["zhenhai"].durable.seq == 2
            zh = await again.join("zhenhai", "kiosk")
            ticket = await again.issue(zh, SERVICE["zhenhai"])
            assert ticket["number"] == "A002"  # zhenhai's second ticket, not zhongshan's third
            screen = await again.join("zhenhai", "screen")
            assert screen.welcome["seq"] == 3
        finally:
            await again.stop()

    asyncio.run(main())
