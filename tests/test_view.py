"""The screen's local view: snapshot + events, replays, bad input."""

from __future__ import annotations

import copy
import random

import pytest

from signage.config import load_hall
from signage.view import MAX_RECENT, HallView, sample_view

from conftest import LAYOUTS

NOW = 1_763_870_000.0


def T(number: str, service: str = "id-card", klass: str = "normal") -> dict:
    return {"id": f"id-{number}", "number": number, "service": service, "class": klass}


def ev(seq: int, kind: str, **fields) -> dict:
    return {"type": "event", "seq": seq, "event": {"type": kind, "at": NOW + seq, **fields}}


def welcome(seq: int, snapshot: dict | None = None, replay: bool = False) -> dict:
    return {"type": "welcome", "v": 1, "hall": "zhongshan", "role": "screen", "seq": seq,
            "snapshot": snapshot, "replay": replay}


SNAPSHOT = {
    "day": "2026-11-23",
    "windows": {
        "3": {"number": 3, "state": "open", "reason": None, "until": None,
              "ticket": T("A020"), "ticket_state": "serving", "since": NOW - 100},
        "4": {"number": 4, "state": "open", "reason": None, "until": None, "ticket": None, "ticket_state": None},
        "6": {"number": 6, "state": "paused", "reason": "午休", "until": "13:00"},
    },
    "recent_calls": [{"seq": 10, "ticket": T("A020"), "window": 3, "at": NOW - 100, "recall": 0}],
    "waiting": {"id-card": 3, "passport": 1},
    "messages": None,
    "notice": None,
}

EVENTS = [
    ev(11, "ticket_issued", ticket={**T("A021"), "issued_at": NOW}),
    ev(12, "ticket_called", ticket=T("A021"), window=4),
    ev(13, "ticket_completed", ticket=T("A020"), window=3, service_seconds=200),
    ev(14, "ticket_called", ticket=T("D007", "passport"), window=3),
    ev(15, "ticket_recalled", ticket=T("A021"), window=4, count=1),
    ev(16, "ticket_serving", ticket=T("D007", "passport"), window=3),
    ev(17, "window_resumed", window=6),
    ev(18, "notice_set", notice={"text": {"zh-Hans": "今日16:00闭厅"}, "style": "banner", "screens": None}),
]


def fold(*messages: dict, now: float = NOW, view: HallView | None = None) -> HallView:
    view = view or HallView()
    for m in messages:
        view.apply(copy.deepcopy(m), now)
    return view


def test_snapshot_then_events() -> None:
    view = fold(welcome(10, SNAPSHOT), *EVENTS)
    assert view.seq == 18
    assert view.day == "2026-11-23"
    w3, w4, w6 = view.windows[3], view.windows[4], view.windows[6]
    assert (w3.ticket["number"], w3.ticket_state) == ("D007", "serving")
    assert (w4.ticket["number"], w4.ticket_state) == ("A021", "called")  # a recall keeps it called
    assert (w6.state, w6.reason, w6.until) == ("open", None, None)
    # newest first, one entry per ticket; the recall moved A021 to the top
    assert [(c.number, c.window, c.recall) for c in view.recent_calls] == [
        ("A021", 4, 1), ("D007", 3, 0), ("A020", 3, 0)]
    assert view.waiting == {"id-card": 3, "passport": 0}  # +A021 issued, -A021 called, -D007 called
    assert view.notice_for("main")["text"]["zh-Hans"] == "今日16:00闭厅"


def test_only_live_calls_are_fresh() -> None:
    view = fold(welcome(10, SNAPSHOT), *EVENTS[:2])
    assert view.recent_calls[0].fresh_at == NOW  # arrived live
    assert view.recent_calls[1].fresh_at is None  # from the snapshot
    # after a reconnect, the replayed events are not fresh: the banner must not flash old calls
    view = fold(welcome(10, SNAPSHOT), welcome(14, replay=True), *EVENTS[:4])
    assert all(c.fresh_at is None for c in view.recent_calls)


def test_replay_after_reconnect_gives_the_same_view() -> None:
    straight = fold(welcome(10, SNAPSHOT), *EVENTS)
    # the line drops after event 13; the hub replays 14..18, overlapping 12..13 again
    resumed = fold(welcome(10, SNAPSHOT), *EVENTS[:3], welcome(18, replay=True), *EVENTS[1:])
    assert resumed.to_snapshot() == straight.to_snapshot()
    assert len({c.ticket["id"] for c in resumed.recent_calls}) == len(resumed.recent_calls)
    # or it sends a fresh snapshot instead: the view is replaced, not merged
    fresh = fold(welcome(10, SNAPSHOT), *EVENTS[:3], welcome(18, straight.to_snapshot()))
    assert fresh.to_snapshot() == straight.to_snapshot()


def test_duplicates_and_gaps() -> None:
    view = fold(welcome(10, SNAPSHOT), *EVENTS[:2])
    before = view.to_snapshot()
    changed = view.apply(copy.deepcopy(EVENTS[1]), NOW)  # the same call again
    assert changed == set() and view.to_snapshot() == before
    late = ev(30, "ticket_called", ticket=T("A030"), window=3)
    assert view.apply(late, NOW) == set()  # 13..29 lost: not folded in out of order
    assert view.gaps == 1 and view.seq == 12 and view.to_snapshot() == before
    # the hub client asks again since 12; the replay brings the missing events, then 30
    missing = [ev(seq, "ticket_issued", ticket=T(f"B{seq:03d}", "passport")) for seq in range(13, 30)]
    fold(welcome(29, replay=True), *missing, late, view=view)
    assert view.seq == 30 and view.recent_calls[0].number == "A030"


def test_many_calls_none_lost() -> None:
    events = [ev(11 + i, "ticket_called", ticket=T(f"A{100 + i}"), window=3 + i % 2) for i in range(5)]
    view = fold(welcome(10, SNAPSHOT), *events)
    assert [c.number for c in view.recent_calls[:5]] == ["A104", "A103", "A102", "A101", "A100"]
    assert all(c.fresh_at == NOW for c in view.recent_calls[:5])
    many = [ev(11 + i, "ticket_called", ticket=T(f"B{i:03d}"), window=3) for i in range(40)]
    assert len(fold(welcome(10, SNAPSHOT), *many).recent_calls) == MAX_RECENT


def test_estimates_messages_notice_config() -> None:
    config = load_hall(LAYOUTS / "zhongshan.yaml").config
    view = fold(
        {**welcome(10, SNAPSHOT), "config": config.model_dump(by_alias=True, mode="json")},
        {"type": "estimates", "at": NOW, "services": {
            "id-card": {"waiting": 12, "minutes": 14, "low": 9, "high": 20, "closed_until": None},
            "no-such-service": {"waiting": 2, "minutes": 1},
            "broken": "not a dict"}},
        {"type": "messages", "messages": [{"text": "请保持安静", "kind": "notice"}, "junk"]},
        {"type": "notice", "notice": {"text": {"en": "Closing at 16:00"}, "style": "fullscreen",
                                      "screens": ["strip-6"]}},
    )
    assert view.config is not None and view.config.hall.id == "zhongshan"
    assert view.waiting["id-card"] == 12 and view.estimates["id-card"]["minutes"] == 14
    assert "broken" not in view.estimates
    assert view.current_messages() == [{"text": "请保持安静", "kind": "notice"}]
    assert view.notice_for("main") is None and view.notice_for("strip-6")["style"] == "fullscreen"
    # a configuration this screen cannot read keeps the last good one
    rev = view.rev["config"]
    assert view.apply({"type": "config", "config": {"format": 1, "hall": "nonsense"}}, NOW) == set()
    assert view.config.hall.id == "zhongshan" and view.config_error and view.rev["config"] == rev
    view.apply({"type": "notice", "notice": None}, NOW)
    assert view.notice is None
    assert view.current_messages() == [{"text": "请保持安静", "kind": "notice"}]  # still the manager's


BAD = [
    None, "text", 42, [], {}, {"type": "event"}, {"type": "event", "seq": "x", "event": {}},
    # numbered 11, the next one after the welcome's 10: the content is what is wrong, not the order
    {"type": "event", "seq": 11, "event": "not a dict"},
    {"type": "event", "seq": 11, "event": {"type": "ticket_called"}},
    {"type": "event", "seq": 11, "event": {"type": "ticket_called", "ticket": {"number": 5}, "window": 3}},
    {"type": "event", "seq": 11, "event": {"type": "ticket_called", "ticket": {"number": "A1"}, "window": "x"}},
    {"type": "event", "seq": 11, "event": {"type": "window_paused", "window": None}},
    {"type": "event", "seq": 11, "event": {"type": "something_new", "window": 3}},
    {"type": "welcome", "seq": "nope", "snapshot": {"windows": [1, 2], "recent_calls": "x", "waiting": None}},
    {"type": "estimates", "services": None}, {"type": "messages", "messages": "all"},
    {"type": "config", "config": []}, {"type": "unknown"},
]


@pytest.mark.parametrize("message", BAD, ids=range(len(BAD)))
def test_bad_input_never_raises_and_changes_nothing(message) -> None:
    view = fold(welcome(10, SNAPSHOT))
    before, config, messages, estimates = view.to_snapshot(), view.config, view.current_messages(), \
        copy.deepcopy(view.estimates)
    assert view.apply(message, NOW) == set()  # nothing to redraw
    assert view.to_snapshot() == before
    assert view.config is config and view.current_messages() == messages and view.estimates == estimates
    # The view has not lost its place: a good next event still applies (the bad one may have been
    # skipped as the next in line, or left waiting for; either way the line goes on).
    nxt = view.seq + 1
    assert view.seq in (10, 11) and (view.seq == 10 or message.get("seq") == 11)
    assert view.apply(ev(nxt, "ticket_issued", ticket=T("A099")), NOW)
    assert view.seq == nxt and view.waiting["id-card"] == before["waiting"]["id-card"] + 1


def test_a_welcome_with_junk_keeps_only_what_makes_sense() -> None:
    """A welcome is a new start: its snapshot replaces the view, with the junk in it left out."""
    view = fold(welcome(10, SNAPSHOT))
    view.apply({"type": "welcome", "seq": 20, "snapshot": {
        "windows": {"x": "y", "5": {"ticket": "A1"}}, "recent_calls": [None, {"ticket": None}],
        "waiting": {"a": "many"}}}, NOW)
    snap = view.to_snapshot()
    assert view.seq == 20
    assert set(snap["windows"]) == {"5"} and snap["windows"]["5"].get("ticket") is None
    assert snap["recent_calls"] == [] and snap["waiting"] == {"a": 0}


def test_sample_view_is_busy() -> None:
    for path in sorted(LAYOUTS.glob("*.yaml")):
        config = load_hall(path).config
        if config is None:
            continue
        view = sample_view(config, NOW)
        assert view.recent_calls and view.recent_calls[0].fresh_at == NOW
        assert any(w.ticket_state == "serving" for w in view.windows.values())
        assert set(view.estimates) == {s.id for s in config.services}


def _local(config, at: float):
    import datetime as dt
    from zoneinfo import ZoneInfo

    return dt.datetime.fromtimestamp(at, ZoneInfo(config.hall.timezone))


def _with_hours(config, hours):
    from signage.config.model import Hours

    hall = config.hall.model_copy(update={"hours": hours if hours == "24h" else [Hours(**h) for h in hours]})
    return config.model_copy(update={"hall": hall})


def test_sample_data_is_at_an_hour_the_hall_is_open() -> None:
    """The issue: previews always showed 13:00, whatever the hall's hours. An evening hall
    (18:00–22:00): the sample clock is in its opening, and so are the times it shows."""
    from signage.display.measure import open_time
    from signage.display.preview import preview_time
    from signage.view import sample_time

    base = load_hall(LAYOUTS / "zhongshan.yaml").config
    evening = _with_hours(base, [{"days": ["mon", "tue", "wed", "thu", "fri"], "open": "18:00", "close": "22:00"}])
    now = sample_time(evening)
    local = _local(evening, now)
    assert (local.weekday(), local.strftime("%H:%M")) == (0, "19:00")  # Monday, an hour after opening
    assert preview_time(evening) == open_time(evening) == now  # `signage preview` and `signage validate`
    view = sample_view(evening, now)
    paused = [w for w in view.windows.values() if w.state == "paused"]
    closed = [e["closed_until"] for e in view.estimates.values() if e.get("closed_until")]
    assert paused and closed
    for hhmm in [w.until for w in paused] + closed:
        assert "19:00" < hhmm <= "22:00", hhmm
    assert view.day == local.date().isoformat()

    # the usual hall: Monday 10:15, as before; back within the morning, not 13:00
    at = sample_time(base)
    assert _local(base, at).strftime("%a %H:%M") == "Mon 10:15"
    assert [w.until for w in sample_view(base, at).windows.values() if w.state == "paused"] == ["11:00"]
    # a 24-hour hall: any hour (the usual morning); a weekend hall: its first opening
    assert _local(base, sample_time(_with_hours(base, "24h"))).strftime("%a %H:%M") == "Mon 10:15"
    weekend = _with_hours(base, [{"days": ["sat", "sun"], "open": "09:00", "close": "12:00"}])
    assert _local(base, sample_time(weekend)).strftime("%a %H:%M") == "Sat 10:00"
    # a short opening: half-way through, and the paused window is back before it closes
    short = _with_hours(base, [{"days": ["wed"], "open": "18:00", "close": "18:40"}])
    at = sample_time(short)
    assert _local(short, at).strftime("%a %H:%M") == "Wed 18:20"
    assert [w.until for w in sample_view(short, at).windows.values() if w.state == "paused"] == ["18:40"]


def test_the_preview_draws_the_evening_hall_at_its_hours() -> None:
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from signage.display.preview import preview_time, render_preview

    base = load_hall(LAYOUTS / "zhongshan.yaml").config
    evening = _with_hours(base, [{"days": ["mon", "tue", "wed", "thu", "fri"], "open": "18:00", "close": "22:00"}])
    now = preview_time(evening)
    assert _local(evening, now).strftime("%H:%M") == "19:00"  # the preview's hour: within the evening opening
    view = sample_view(evening, now)
    texts: list[dict] = []
    r = render_preview(evening, "main", view=view, now=now, texts=texts, base_dir=LAYOUTS)
    # The waiting board shows its services a page at a time: the same sample hall, a page apart
    # (minutes at most: still the evening), until every page was drawn.
    board = r.widget_at("waiting_board")
    period, pages = board.page_seconds, len(board._plan[1].pages)
    r.text.record = texts
    for k in range(1, pages):
        r.frame(view, now + k * period, 1000.0 + k * period)
    r.text.record = None
    drawn = [t["text"] for t in texts]
    assert not any("13:00" in t for t in drawn)
    assert "19:45 起办理" in drawn  # the closed service, back within this opening


def test_against_the_hub_engine() -> None:
    """The view folded from events equals the engine's own snapshot (an independent fold)."""
    from server.queue import engine as engine_mod
    from signage import protocol as p

    config = load_hall(LAYOUTS / "zhongshan.yaml").config
    eng = engine_mod.QueueEngine(config)
    ids = iter(range(1_000_000))
    mint = lambda: f"t{next(ids)}"  # noqa: E731
    rng = random.Random(7)
    import datetime as dt
    from zoneinfo import ZoneInfo

    now = dt.datetime(2026, 11, 23, 8, 40, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()  # a Monday morning
    messages: list[dict] = []
    start = None
    services = [s.id for s in config.services]
    for i in range(400):
        now += rng.uniform(1, 30)
        w = rng.randint(1, 11)
        kind = rng.choices(["issue", "call_next", "recall", "start", "complete", "skip", "pause", "resume", "open"],
                           [8, 5, 1, 3, 3, 1, 0.3, 0.5, 0.5])[0]
        fields = {"service": rng.choice(services)} if kind == "issue" else {"window": w}
        if kind == "pause":
            fields.update(reason="break", until="13:00")
        try:
            cmd = p.parse_client(__import__("json").dumps({"type": kind, "id": f"r{i}", **fields}))
        except p.ProtocolError:
            continue
        decision = eng.execute(cmd, now, "manager", mint)
        if start is None and eng.state.seq:
            start = {"seq": eng.state.seq, "snapshot": copy.deepcopy(eng.public_view())}
            continue
        base = eng.state.seq - len(decision.events)
        for k, e in enumerate(decision.events):
            messages.append({"type": "event", "seq": base + k + 1, "event": copy.deepcopy(e)})
    assert start is not None and len(messages) > 100
    view = fold(welcome(start["seq"], start["snapshot"]), *messages, now=now)
    mine, theirs = view.to_snapshot(), eng.public_view()
    assert mine["waiting"] == {k: v for k, v in theirs["waiting"].items() if v or k in mine["waiting"]}
    assert [(c["seq"], c["ticket"]["number"], c["window"], c["recall"]) for c in mine["recent_calls"]] == \
        [(c["seq"], c["ticket"]["number"], c["window"], c["recall"]) for c in theirs["recent_calls"]]
    for n, w in theirs["windows"].items():
        m = mine["windows"].get(n, {"state": "closed"})
        assert m["state"] == w["state"], n
        assert (m.get("ticket") or {}).get("number") == (w.get("ticket") or {}).get("number"), n
        assert m.get("ticket_state") == w.get("ticket_state"), n


def test_estimates_older_than_the_events_do_not_step_the_counts_back() -> None:
    view = fold(welcome(10, SNAPSHOT))
    before = view.waiting.get("id-card", 0)
    view.apply(ev(11, "ticket_issued", ticket=T("A031")), NOW)
    assert view.waiting["id-card"] == before + 1
    # estimates computed at seq 10 arrive after event 11: their count is one short, and ignored
    view.apply({"type": "estimates", "at": NOW, "seq": 10,
                "services": {"id-card": {"waiting": before, "minutes": 5}}}, NOW)
    assert view.waiting["id-card"] == before + 1
    assert view.estimates["id-card"]["minutes"] == 5  # the minutes are still the newest there are
    # estimates that have seen event 11 correct any drift of our own counting
    view.apply({"type": "estimates", "at": NOW, "seq": 11,
                "services": {"id-card": {"waiting": before + 3, "minutes": 6}}}, NOW)
    assert view.waiting["id-card"] == before + 3
