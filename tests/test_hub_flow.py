"""Durable first, then fan-out; resync without gaps or duplicates; retries; pushes; shutdown."""

from __future__ import annotations

import asyncio
import json

from hub_harness import FakeClock, HubHarness, hub_test

from server.hub.hub import shadow_estimator
from server.queue.store import StoreError


@hub_test()
async def test_ok_first_then_event_to_every_client_in_seq_order(hub: HubHarness) -> None:
    screens = [await hub.connect("screen", screen="main") for _ in range(3)]
    kiosk = await hub.connect("kiosk")
    window = await hub.connect("window", window=3)
    await kiosk.send({"type": "issue", "id": "k1", "service": "id-card"})
    first = await kiosk.recv()
    while first["type"] == "estimates":
        first = await kiosk.recv()
    assert first["type"] == "ok" and first["id"] == "k1"  # the sender's answer comes before the events
    await window.request({"type": "call_next", "window": 3})
    for peer in screens + [kiosk, window]:
        events = await peer.events(4)
        assert [e["seq"] for e in events] == [1, 2, 3, 4]
        assert [e["event"]["type"] for e in events] == ["day_started", "ticket_issued", "window_opened", "ticket_called"]
        assert events[3]["event"]["window"] == 3 and events[3]["event"]["ticket"]["number"] == "A001"


@hub_test()
async def test_events_are_durable_before_anyone_hears_of_them(hub: HubHarness) -> None:
    kiosk = await hub.connect("kiosk")
    screen = await hub.connect("screen", screen="main")
    await hub.issue(kiosk)
    event = (await screen.events(2))[-1]
    stored = list(hub.hub.store.events("zhongshan"))
    assert [s for s, _ in stored] == [1, 2]
    assert stored[-1][1]["ticket"]["id"] == event["event"]["ticket"]["id"]


@hub_test()
async def test_same_request_id_twice_same_answer_one_effect(hub: HubHarness) -> None:
    kiosk = await hub.connect("kiosk")
    screen = await hub.connect("screen", screen="main")
    a = await kiosk.request({"type": "issue", "id": "take-1", "service": "id-card"})
    await kiosk.close()
    kiosk = await hub.connect("kiosk")  # a retry after a reconnect
    b = await kiosk.request({"type": "issue", "id": "take-1", "service": "id-card"})
    assert a == b
    window = await hub.connect("window", window=3)
    c1 = await window.request({"type": "call_next", "window": 3, "id": "next-1"})
    c2 = await window.request({"type": "call_next", "window": 3, "id": "next-1"})  # a double click
    assert c1 == c2 and c1["type"] == "ok"
    got = [m for m in await screen.drain() if m["type"] == "event"]
    assert [e["event"]["type"] for e in got] == ["day_started", "ticket_issued", "window_opened", "ticket_called"]
    # Another window's "next-1" is another request (actors differ).
    w4 = await hub.connect("window", token="test-window-4-0123456789", window=4)
    assert (await w4.request({"type": "call_next", "window": 4, "id": "next-1"}))["code"] == "nothing_waiting"


@hub_test()
async def test_commands_arriving_together_share_one_commit(hub: HubHarness) -> None:
    kiosks = [await hub.connect("kiosk") for _ in range(4)]
    screen = await hub.connect("screen", screen="main")
    hall = hub.hub.halls["zhongshan"]
    async with hall.lock:  # the committer is busy (as with a slow disk): the commands queue up meanwhile
        for k, kiosk in enumerate(kiosks):
            for i in range(10):
                await kiosk.send({"type": "issue", "id": f"k{k}-{i}", "service": "id-card"})
        while len(hall._pending) < 40:
            await asyncio.sleep(0.01)
    answers = [await kiosk.answer(f"k{k}-{i}") for k, kiosk in enumerate(kiosks) for i in range(10)]
    assert all(a["type"] == "ok" for a in answers)
    numbers = sorted(a["result"]["ticket"]["number"] for a in answers)
    assert numbers == [f"A{i:03d}" for i in range(1, 41)]
    events = [m for m in await screen.drain() if m["type"] == "event"]
    assert [e["seq"] for e in events] == list(range(1, 42))
    # all forty waiting when the committer was free again: one commit took them all
    assert hub.hub.metrics.batch.count(hall="zhongshan") == 1
    assert hub.hub.metrics.batch.sum(hall="zhongshan") == 40  # the commands in it


@hub_test()
async def test_resync_since_gets_exactly_the_missed_events(hub: HubHarness) -> None:
    kiosk = await hub.connect("kiosk")
    screen = await hub.connect("screen", screen="main")
    await hub.issue(kiosk)
    seen = await screen.events(2)
    last = seen[-1]["seq"]
    await screen.close()
    for _ in range(3):
        await hub.issue(kiosk)  # missed while away
    back = await hub.connect("screen", screen="main", since=last)
    assert back.welcome["replay"] is True and "snapshot" not in back.welcome
    assert back.welcome["seq"] == last + 3
    missed = await back.events(3)
    assert [e["seq"] for e in missed] == [last + 1, last + 2, last + 3]
    await hub.issue(kiosk)
    live = await back.expect("event")
    assert live["seq"] == last + 4  # no gap, no duplicate between the replay and live events
    assert not [m for m in await back.drain() if m["type"] == "event"]


@hub_test()
async def test_resync_with_nothing_missed_and_from_the_future(hub: HubHarness) -> None:
    kiosk = await hub.connect("kiosk")
    await hub.issue(kiosk)
    up_to_date = await hub.connect("screen", screen="main", since=2)
    assert up_to_date.welcome["replay"] is True and up_to_date.welcome["seq"] == 2
    assert not [m for m in await up_to_date.drain() if m["type"] == "event"]
    # A since beyond the hub's seq (its database was replaced): a fresh snapshot.
    future = await hub.connect("screen", screen="main", since=999)
    assert future.welcome["replay"] is False and future.welcome["snapshot"]["waiting"]["id-card"] == 1


@hub_test()
async def test_a_long_absence_gets_a_snapshot_when_shorter(hub: HubHarness) -> None:
    kiosk = await hub.connect("kiosk")
    for _ in range(40):
        await kiosk.send({"type": "issue", "id": f"x{_}", "service": "id-card"})
    for i in range(40):
        await kiosk.answer(f"x{i}")
    old = await hub.connect("screen", screen="main", since=1)
    assert old.welcome["replay"] is False
    assert old.welcome["snapshot"]["waiting"]["id-card"] == 40 and old.welcome["seq"] == 41
    assert not [m for m in await old.drain() if m["type"] == "event"]


@hub_test()
async def test_joining_during_a_burst_never_misses_or_repeats(hub: HubHarness) -> None:
    kiosk = await hub.connect("kiosk")

    async def burst() -> None:
        for i in range(60):
            await kiosk.send({"type": "issue", "id": f"b{i}", "service": "id-card"})
            if i % 5 == 0:
                await asyncio.sleep(0.002)

    task = asyncio.create_task(burst())
    joiners = []
    for _ in range(8):
        joiners.append(await hub.connect("screen", screen="main"))
        await asyncio.sleep(0.003)
    await task
    await kiosk.answer("b59")
    drained = await asyncio.gather(*(peer.drain(0.3) for peer in joiners))
    for peer, got in zip(joiners, drained):
        start = peer.welcome["seq"]
        seqs = [m["seq"] for m in got if m["type"] == "event"]
        assert seqs == list(range(start + 1, 62)), (start, seqs[:5])
    assert len({peer.welcome["seq"] for peer in joiners}) > 1  # they did join at different moments


def test_restart_on_the_same_database_keeps_state_and_seq(tmp_path) -> None:
    async def main() -> None:
        clock = FakeClock()
        first = await HubHarness(tmp_path, clock=clock).start()
        kiosk = await first.connect("kiosk")
        window = await first.connect("window", window=3)
        screen = await first.connect("screen", screen="main")
        for _ in range(3):
            await first.issue(kiosk)
        called = await window.request({"type": "call_next", "window": 3, "id": "n1"})
        seen = [m["seq"] for m in await screen.drain() if m["type"] == "event"]
        await first.stop()
        await asyncio.wait_for(screen.ws.wait_closed(), 3)
        assert screen.ws.close_code == 1001  # going away: reconnect to the next process

        second = await HubHarness(tmp_path, clock=clock).start()
        try:
            back = await second.connect("screen", screen="main", since=seen[-1])
            assert back.welcome["replay"] is True and back.welcome["seq"] == seen[-1] == 6
            fresh = await second.connect("screen", screen="main")
            snap = fresh.welcome["snapshot"]
            assert snap["windows"]["3"]["ticket"]["number"] == "A001"
            assert snap["waiting"]["id-card"] == 2
            # The retried request after the restart is still the same request.
            window = await second.connect("window", window=3)
            assert await window.request({"type": "call_next", "window": 3, "id": "n1"}) == called
            kiosk = await second.connect("kiosk")
            assert (await second.issue(kiosk))["number"] == "A004"
            assert (await back.expect("event"))["seq"] == 7
        finally:
            await second.stop()

    asyncio.run(main())


@hub_test()
async def test_set_messages_and_notices_reach_screens_at_once(hub: HubHarness) -> None:
    manager = await hub.connect("manager")
    screen = await hub.connect("screen", screen="main")
    messages = [{"text": {"zh-Hans": "请保管好随身物品", "en": "Mind your belongings"}}]
    answer = await manager.request({"type": "set_messages", "messages": messages})
    assert answer["type"] == "ok", answer
    events = await screen.events(2)
    assert [e["event"]["type"] for e in events] == ["day_started", "messages_set"]
    pushed = await screen.expect("messages")
    assert pushed["messages"][0]["text"]["en"] == "Mind your belongings"
    assert (await manager.request({"type": "set_notice", "text": {"zh-Hans": "系统维护"}, "style": "banner"}))["type"] == "ok"
    assert (await screen.expect("notice"))["notice"]["text"] == {"zh-Hans": "系统维护"}
    assert (await manager.request({"type": "clear_notice"}))["type"] == "ok"
    assert (await screen.expect("notice"))["notice"] is None
    # A bad message list is refused by the engine, with the place of the problem.
    bad = await manager.request({"type": "set_messages", "messages": [{"txt": "oops"}]})
    assert bad["type"] == "error" and bad["code"] == "bad_messages"


@hub_test()
async def test_estimates_pushed_after_changes(hub: HubHarness) -> None:
    screen = await hub.connect("screen", screen="main")
    kiosk = await hub.connect("kiosk")
    w3 = await hub.connect("window", window=3)
    assert (await w3.request({"type": "open", "window": 3}))["type"] == "ok"
    for i in range(5):
        await kiosk.send({"type": "issue", "id": f"e{i}", "service": "id-card"})
    for i in range(5):
        await kiosk.answer(f"e{i}")
    # (How many pushes a burst makes depends on the wall clock: the hub's estimate_interval is
    # timed by time.monotonic, which a test cannot hold still. The push that follows the burst:)
    last = await screen.expect("estimates", timeout=10)
    while last["services"]["id-card"]["waiting"] != 5:
        last = await screen.expect("estimates", timeout=10)
    assert last["services"]["id-card"]["waiting"] == 5
    assert last["services"]["id-card"]["minutes"] == 5 * 4  # 5 waiting x 4 minutes / 1 open window
    assert "tickets" not in last  # screens get per-service waits only
    full = [m for m in await kiosk.drain(0.1) if m["type"] == "estimates"][-1]
    assert len(full["tickets"]) == 5 and sorted(t["ahead"] for t in full["tickets"].values()) == [0, 1, 2, 3, 4]
    late = await hub.connect("screen", screen="main")  # a newcomer gets the latest at once
    assert (await late.expect("estimates"))["services"]["id-card"]["waiting"] == 5


@hub_test()
async def test_storage_error_is_answered_and_changes_nothing(hub: HubHarness) -> None:
    kiosk = await hub.connect("kiosk")
    screen = await hub.connect("screen", screen="main")
    await hub.issue(kiosk)
    await screen.events(2)
    store = hub.hub.store
    real = store.append_many

    def failing(batches):
        raise StoreError(f"{store.path}: the disk is full; nothing was recorded.")

    store.append_many = failing
    try:
        answer = await kiosk.request({"type": "issue", "service": "id-card", "id": "full-1"})
        assert answer["type"] == "error" and answer["code"] == "storage_error" and "disk is full" in answer["message"]
    finally:
        store.append_many = real
    assert not [m for m in await screen.drain() if m["type"] == "event"]
    answer = await kiosk.request({"type": "issue", "service": "id-card", "id": "full-1"})  # the retry works
    assert answer["type"] == "ok" and answer["result"]["ticket"]["number"] == "A002"
    assert (await screen.expect("event"))["seq"] == 3


@hub_test()
async def test_day_rollover_tick_is_fanned_out(hub: HubHarness) -> None:
    kiosk = await hub.connect("kiosk")
    await hub.issue(kiosk)
    screen = await hub.connect("screen", screen="main")
    hub.clock.now += 24 * 3600
    await hub.hub.halls["zhongshan"].tick()
    events = await screen.events(2)
    assert [e["event"]["type"] for e in events] == ["day_started", "ticket_cancelled"]
    assert [e["seq"] for e in events] == [3, 4]


def test_shutdown_finishes_accepted_commands_and_says_going_away(tmp_path) -> None:
    async def main() -> None:
        hub = await HubHarness(tmp_path).start()
        kiosk = await hub.connect("kiosk")
        for i in range(20):
            await kiosk.send({"type": "issue", "id": f"s{i}", "service": "id-card"})
        await asyncio.sleep(0.05)
        store = hub.hub.store
        await hub.stop()
        answers = [m for m in await kiosk.drain(0.2) if m["type"] in ("ok", "error")]
        await asyncio.wait_for(kiosk.ws.wait_closed(), 3)
        assert kiosk.ws.close_code == 1001
        oks = [a for a in answers if a["type"] == "ok"]
        assert oks and all(a["type"] == "ok" or a["code"] == "unavailable" for a in answers)
        # Every acknowledged ticket is in the log, and a snapshot was saved at the end.
        from server.queue.store import EventStore
        log = EventStore(tmp_path / "hub.db")
        issued = {e["ticket"]["number"] for _, e in log.events("zhongshan") if e["type"] == "ticket_issued"}
        assert {a["result"]["ticket"]["number"] for a in oks} <= issued
        assert log.latest_snapshot("zhongshan")[0] == len(list(log.events("zhongshan")))
        log.close()
        del store

    asyncio.run(main())


@hub_test(estimator=shadow_estimator)
async def test_the_shadow_estimator_learns_every_event_and_estimates(hub: HubHarness) -> None:
    screen = await hub.connect("screen", screen="main")
    kiosk = await hub.connect("kiosk")
    w3 = await hub.connect("window", window=3)
    await w3.request({"type": "open", "window": 3})
    tickets = [await hub.issue(kiosk) for _ in range(4)]
    await w3.request({"type": "call_next", "window": 3})

    async def estimates_with(peer, waiting: int) -> dict:  # the child process may still be starting
        while True:
            m = await peer.expect("estimates", timeout=8)
            if m["services"]["id-card"]["waiting"] == waiting:
                return m

    first = await estimates_with(screen, 3)
    assert first["seq"] == hub.hub.halls["zhongshan"].durable.seq  # they reflect every event so far
    card = first["services"]["id-card"]
    assert card["minutes"] is not None and card["low"] <= card["minutes"] <= card["high"]
    full = await estimates_with(kiosk, 3)
    assert set(full["tickets"]) == {t["id"] for t in tickets[1:]}
    assert sorted(e["ahead"] for e in full["tickets"].values()) == [0, 1, 2]
    # The estimator lives in a process of its own; if it dies, calls go on and it comes back.
    estimator = hub.hub.halls["zhongshan"].estimator
    assert estimator.seq == hub.hub.halls["zhongshan"].durable.seq  # it has every event
    old = estimator._proc
    old.kill()
    old.join()
    await hub.issue(kiosk)
    assert (await w3.request({"type": "call_next", "window": 3}))["type"] == "ok"
    await hub.issue(kiosk)
    for _ in range(100):  # a new process is spawned (it takes a moment) from the state as it is now
        if not estimator.dead and estimator._proc is not old and estimator.seq == hub.hub.halls["zhongshan"].durable.seq:
            break
        await asyncio.sleep(0.05)
    assert estimator._proc is not old and estimator._proc.is_alive()
    await hub.issue(kiosk)
    await estimates_with(screen, 5)
    assert not estimator.dead and estimator.seq == hub.hub.halls["zhongshan"].durable.seq
