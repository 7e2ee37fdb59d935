"""The sans-I/O follower of a hall's numbered stream, shared by the hub client, the view and the announcer."""

from __future__ import annotations

import pytest

from signage.stream import Apply, AskSince, HubStream, Other, ReplayFollows, Snapshot


def welcome(seq, replay=False, snapshot=None):
    return {"type": "welcome", "seq": seq, "replay": replay, **({"snapshot": snapshot} if snapshot else {})}


def event(seq, kind="ticket_called"):
    return {"type": "event", "seq": seq, "event": {"type": kind}}


def steps(stream, *messages):
    return [s for m in messages for s in stream.receive(m)]


def test_a_snapshot_then_live_events_in_order():
    s = HubStream()
    first = steps(s, welcome(10, snapshot={"windows": {}}))
    assert first == [Snapshot(10, {"windows": {}}, None, welcome(10, snapshot={"windows": {}}))]
    live = steps(s, event(11), event(12))
    assert [(a.seq, a.replayed) for a in live] == [(11, False), (12, False)]
    assert s.since == 12


def test_duplicates_change_nothing():
    s = HubStream()
    steps(s, welcome(10), event(11), event(12))
    assert steps(s, event(11), event(12)) == [] and s.seq == 12


def test_a_replay_marks_the_missed_events_and_overlaps_are_dropped():
    s = HubStream(since=12)
    got = steps(s, welcome(15, replay=True), event(11), event(12), event(13), event(14), event(15), event(16))
    assert isinstance(got[0], ReplayFollows) and got[0].until == 15
    assert [(a.seq, a.replayed) for a in got[1:]] == [(13, True), (14, True), (15, True), (16, False)]


def test_a_replay_cut_halfway_asks_again_from_the_last_event_received():
    s = HubStream(since=12)
    steps(s, welcome(20, replay=True), event(13), event(14))
    assert s.since == 14  # not 20: 15..20 never arrived


def test_a_gap_asks_since_and_holds_back_until_a_welcome():
    s = HubStream()
    steps(s, welcome(10), event(11))
    assert steps(s, event(14)) == [AskSince(11, 14)]
    assert steps(s, event(15)) == [] and s.since == 11 and s.gaps == 1
    got = steps(s, welcome(15, replay=True), event(12), event(13), event(14), event(15))
    assert [a.seq for a in got if isinstance(a, Apply)] == [12, 13, 14, 15]


def test_a_snapshot_after_being_away_tells_what_came_before():
    s = HubStream()
    steps(s, welcome(10), event(11))
    [snap] = steps(s, welcome(40, snapshot={"recent_calls": []}))
    assert snap.previous == 11 and snap.seq == 40


@pytest.mark.parametrize("bad", [None, 3, "x", [], {"type": "event"}, {"type": "event", "seq": True, "event": {}},
                                 {"type": "event", "seq": -1, "event": {}}, {"type": "event", "seq": 3, "event": 5},
                                 {"type": "welcome", "seq": "7"}])
def test_bad_messages_yield_nothing_and_change_nothing(bad):
    s = HubStream()
    steps(s, welcome(10))
    assert steps(s, bad) == [] and s.seq == 10


def test_other_messages_pass_through():
    s = HubStream()
    m = {"type": "estimates", "services": {}}
    assert steps(s, m) == [Other(m)]
