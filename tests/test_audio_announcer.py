"""The announcer's core: hub messages in, announcements out; no network, no clock."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audio.announcer import Announcer, hello_message, volume_at, zone_floor
from signage.config import load_hall
from signage.config.model import Voice

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"
ZHONGSHAN = load_hall(LAYOUTS / "zhongshan.yaml").config
NOW = 1_795_000_000.0


def two_floor_hall():
    """Zhongshan with windows 6-11 moved to a second floor, and a screen zone on it."""
    data = ZHONGSHAN.model_dump(by_alias=True, exclude_none=True)
    data["floors"].append({**data["floors"][0], "id": "2F", "level": 2, "name": {"zh-Hans": "二楼"}})
    for w in data["windows"]:
        if w["number"] >= 6:
            w["floor"] = "2F"
    data["screens"][0]["zone"] = "upstairs-wait"
    data["screens"][0]["floor"] = "2F"
    return type(ZHONGSHAN).model_validate(data)


def called(seq, number="A023", window=3, at=NOW, kind="ticket_called", service="id-card"):
    return {"type": "event", "seq": seq, "event": {
        "type": kind, "at": at, "window": window,
        "ticket": {"id": f"t{seq}", "number": number, "service": service, "class": "normal"}}}


def welcome(seq, replay=False, snapshot=None, config=None):
    m = {"type": "welcome", "v": 1, "hall": "zhongshan", "role": "announcer", "seq": seq, "replay": replay}
    if snapshot is not None:
        m["snapshot"] = snapshot
    if config is not None:
        m["config"] = config
    return m


@pytest.fixture
def queued():
    return []


@pytest.fixture
def announcer(queued):
    a = Announcer(queued.append, config=ZHONGSHAN)
    a.handle(welcome(100, snapshot={"recent_calls": []}), NOW)
    return a


def test_a_live_call_becomes_an_announcement(announcer, queued):
    (ann,) = announcer.handle(called(101), NOW + 0.01)
    assert queued == [ann]
    assert (ann.seq, ann.kind, ann.ticket, ann.window) == (101, "call", "A023", 3)
    assert [p.lang for p in ann.phrases] == ["zh-Hans", "en"]
    assert ann.phrases[0].text.replace(" ", "") == "请A零二三号到三号窗口办理"
    assert (ann.repeat, ann.chime, ann.max_age) == (2, True, 60)
    assert ann.at == NOW + 0.01  # timed by its arrival


def test_a_recall_is_announced_again_with_the_recall_words(announcer, queued):
    announcer.handle(called(101), NOW)
    announcer.handle(called(102, kind="ticket_recalled"), NOW + 30)
    assert [a.kind for a in queued] == ["call", "recall"]
    assert "再次" in queued[1].phrases[0].text


def test_other_events_and_messages_say_nothing(announcer, queued):
    for m in [{"type": "event", "seq": 101, "event": {"type": "ticket_issued", "at": NOW, "ticket": {}}},
              {"type": "estimates", "at": NOW, "services": {}}, {"type": "pong"}, {"type": "ok", "id": "x"},
              {"type": "messages", "messages": []}, {"type": "notice", "notice": None}]:
        assert announcer.handle(m, NOW) == []
    assert queued == []


def test_duplicates_are_not_spoken_twice(announcer, queued):
    announcer.handle(called(101), NOW)
    announcer.handle(called(101), NOW)
    announcer.handle(called(100), NOW)
    assert len(queued) == 1


# --- reconnects ---------------------------------------------------------------------------------------

def test_after_a_reconnect_only_young_replayed_calls_are_spoken(announcer, queued):
    announcer.handle(called(101, at=NOW), NOW)          # live: measures the clocks (equal here)
    queued.clear()
    later = NOW + 300
    announcer.handle(welcome(105, replay=True), later)
    for seq, age in [(102, 250), (103, 90), (104, 20), (105, 5)]:
        announcer.handle(called(seq, number=f"A{seq}", at=later - age), later)
    assert [a.ticket for a in queued] == ["A104", "A105"]  # oldest first, none older than 60 s
    announcer.handle(called(106, number="A106", at=later - 100), later + 1)  # live again: arrival time
    assert queued[-1].ticket == "A106" and queued[-1].at == later + 1


def test_replayed_calls_are_timed_on_the_hub_clock_corrected_for_skew(queued):
    a = Announcer(queued.append, config=ZHONGSHAN)
    a.handle(welcome(10), NOW)
    skew = 120.0  # the announcer's clock is two minutes ahead of the hub's
    a.handle(called(11, at=NOW - skew), NOW)
    assert a.clock_offset == pytest.approx(skew)
    queued.clear()
    a.handle(welcome(13, replay=True), NOW + 100)
    a.handle(called(12, number="A012", at=NOW + 100 - skew - 30), NOW + 100)  # 30 s old in truth
    a.handle(called(13, number="A013", at=NOW + 100 - skew - 70), NOW + 100)  # 70 s old
    assert [x.ticket for x in queued] == ["A012"]
    assert queued[0].at == pytest.approx(NOW + 70)


def test_a_snapshot_after_a_gap_speaks_the_missed_fresh_calls(announcer, queued):
    recent = [  # newest first, as the hub sends them
        {"seq": 104, "ticket": {"number": "A104", "service": "id-card"}, "window": 4, "at": NOW + 95, "recall": 1},
        {"seq": 103, "ticket": {"number": "A103", "service": "id-card"}, "window": 3, "at": NOW + 80, "recall": 0},
        {"seq": 102, "ticket": {"number": "A102", "service": "id-card"}, "window": 2, "at": NOW + 10, "recall": 0},
        {"seq": 99, "ticket": {"number": "A099", "service": "id-card"}, "window": 2, "at": NOW - 1, "recall": 0},
    ]
    announcer.handle(welcome(104, snapshot={"recent_calls": recent}), NOW + 100)
    assert [(a.ticket, a.kind) for a in queued] == [("A103", "call"), ("A104", "recall")]


def test_the_first_snapshot_is_history_not_news(queued):
    a = Announcer(queued.append, config=ZHONGSHAN)
    recent = [{"seq": 5, "ticket": {"number": "A005"}, "window": 1, "at": NOW, "recall": 0}]
    a.handle(welcome(5, snapshot={"recent_calls": recent}), NOW)
    assert queued == []


# --- floors and zones ---------------------------------------------------------------------------------------

def test_the_floor_is_named_only_for_another_floor(queued):
    hall = two_floor_hall()
    a = Announcer(queued.append, config=hall, zone="1F")
    a.handle(welcome(0), NOW)
    a.handle(called(1, window=3), NOW)
    a.handle(called(2, window=12 if hall.window(12) else 9, number="B007"), NOW)
    same, other = queued
    assert "楼" not in same.phrases[0].text
    assert other.phrases[0].text.replace(" ", "").endswith("号窗口在二楼")
    assert other.phrases[1].text.endswith("is on floor 2")


def test_a_screen_zone_gives_the_floor():
    hall = two_floor_hall()
    assert zone_floor(hall, "upstairs-wait") == "2F"
    assert zone_floor(hall, "2F") == "2F"
    assert zone_floor(hall, "nowhere") is None
    assert zone_floor(hall, None) is None


def test_no_zone_in_a_many_floor_hall_always_names_the_floor(queued):
    a = Announcer(queued.append, config=two_floor_hall())
    a.handle(welcome(0), NOW)
    a.handle(called(1, window=3), NOW)
    assert queued[0].phrases[0].text.replace(" ", "").endswith("在一楼")


# --- volume, config ------------------------------------------------------------------------------------------

def test_quiet_hours_lower_the_volume():
    v = Voice(volume=0.9, quiet_hours=[{"from": "12:00", "to": "14:00", "volume": 0.6},
                                       {"from": "22:00", "to": "07:00", "volume": 0.3}])
    assert volume_at(v, 11 * 60 + 59) == 0.9
    assert volume_at(v, 12 * 60) == 0.6
    assert volume_at(v, 14 * 60) == 0.9
    assert volume_at(v, 23 * 60) == 0.3 and volume_at(v, 6 * 60) == 0.3  # past midnight
    loud = Voice(volume=0.5, quiet_hours=[{"from": "00:00", "to": "24:00", "volume": 0.8}])
    assert volume_at(loud, 600) == 0.5  # quiet hours never make it louder


def test_announcement_volume_follows_the_hall_clock(announcer, queued):
    tz = ZoneInfo("Asia/Shanghai")
    noon = dt.datetime(2026, 11, 23, 12, 30, tzinfo=tz).timestamp()
    evening = dt.datetime(2026, 11, 23, 16, 0, tzinfo=tz).timestamp()
    announcer.handle(called(101, at=noon), noon)
    announcer.handle(called(102, at=evening), evening)
    assert [a.volume for a in queued] == [0.6, 1.0]


def test_config_from_the_hub_replaces_ours_and_a_bad_one_is_ignored(announcer, queued):
    data = ZHONGSHAN.model_dump(by_alias=True, exclude_none=True)
    data["voice"]["languages"] = ["en"]
    data["voice"]["repeat"] = 1
    announcer.handle({"type": "config", "config": data}, NOW)
    announcer.handle({"type": "config", "config": {"format": 1, "hall": "broken"}}, NOW)
    announcer.handle(called(101), NOW)
    (ann,) = queued
    assert [p.lang for p in ann.phrases] == ["en"] and ann.repeat == 1


def test_without_any_config_the_default_voice_speaks(queued):
    a = Announcer(queued.append)
    a.handle(welcome(1), NOW)
    a.handle(called(2, window=101), NOW)
    assert queued[0].phrases[0].text.replace(" ", "") == "请A零二三号到一百零一号窗口办理"


def test_hello_message():
    assert hello_message("zhongshan", "t0k", "2F") == {
        "type": "hello", "v": 1, "role": "announcer", "hall": "zhongshan", "token": "t0k",
        "client": "signage-announce", "zone": "2F"}
    assert "zone" not in hello_message("zhongshan", "t")


# --- bad input never crashes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("message", [
    None, [], "event", 42, {}, {"type": None}, {"type": "event"}, {"type": "event", "seq": "7"},
    {"type": "event", "seq": True, "event": {}}, {"type": "event", "seq": 101, "event": "x"},
    called(101, number=None), called(102, number="A 023"), called(103, number="<speak>"),
    called(104, window=0), called(105, window="3"), called(106, window=True), called(107, window=1000),
    {"type": "event", "seq": 109, "event": {"type": "ticket_called"}},
    {"type": "welcome", "seq": "x"}, {"type": "welcome", "seq": 5, "snapshot": {"recent_calls": "x"}},
    {"type": "welcome", "seq": 200, "snapshot": {"recent_calls": [None, 1, {"seq": "x"}, {"seq": 150}]}},
    {"type": "config", "config": "yaml?"}, {"type": "config", "config": {"voice": 1}},
])
def test_bad_messages_are_ignored(announcer, queued, message):
    assert announcer.handle(message, NOW) == []
    assert queued == []


def test_a_call_without_a_time_is_spoken_live_but_not_from_a_replay(announcer, queued):
    announcer.handle(called(101, at="yesterday"), NOW)       # live: it is happening now
    announcer.handle(welcome(103, replay=True), NOW + 5)
    announcer.handle(called(102, at=None), NOW + 5)          # replayed: its age is unknown
    announcer.handle(called(103, at=NOW + 4), NOW + 5)
    assert [a.seq for a in queued] == [101, 103]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 2000) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=20)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["welcome", "event", "config", "junk"]), seq=json_values, event=json_values,
       extra=st.dictionaries(st.sampled_from(["snapshot", "replay", "config", "at"]), json_values, max_size=3))
def test_fuzzed_messages_never_crash(kind, seq, event, extra):
    out = []
    a = Announcer(out.append, config=ZHONGSHAN)
    message = {"type": kind, "seq": seq, "event": event, **extra}
    result = a.handle(message, NOW)
    assert isinstance(result, list)
    # and it still works afterwards (after a welcome: an event past a gap waits for the replay)
    a.handle(welcome(9_999), NOW)
    assert a.handle(called(10_000), NOW)


def test_a_screen_with_speakers_speaks_for_where_it_hangs(queued):
    """`signage display --announce`: the screen's messages reach the voice too, zoned by the screen."""
    from types import SimpleNamespace

    from signage.display.cli import speak_too

    shown: list = []
    client = SimpleNamespace(on_message=shown.append)
    announcer = Announcer(queued.append)  # no config yet: it comes with the welcome
    voice = SimpleNamespace(announcer=announcer, handle=lambda m: announcer.handle(m, NOW))
    speak_too(client, voice, "main", zoned=False)
    hall = two_floor_hall()  # the screen "main" hangs on 2F
    client.on_message(welcome(0, config=hall.model_dump(mode="json", by_alias=True)))
    client.on_message(called(1, window=3))   # a 1F window: the floor is named
    client.on_message(called(2, window=7, number="B007"))   # a window on the screen's own floor
    assert [m["type"] for m in shown] == ["welcome", "event", "event"]  # the screen missed nothing
    assert announcer.zone == "upstairs-wait"
    downstairs, here = queued
    assert downstairs.phrases[0].text.replace(" ", "").endswith("号窗口在一楼")
    assert "楼" not in here.phrases[0].text
