"""Calls that keep up (issue 23 item 4): the waiting calls' order and drops, the hall's sequence,
pauses and rate, their validation, and the burst figures of ``signage bench voice``.

No sound card: the player's output is the test double of test_audio_player.py (a device that
'sounds' for a scaled length and notes what it played), speech a tone or espeak-ng.
"""

import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from test_audio_player import FakeTime, SimulatedDevice, ToneAssembler, announcement

from audio import RATE
from audio.announcer import Announcer
from audio.assemble import Assembler
from audio.engines import WORDS_PER_MINUTE, EspeakEngine
from audio.pcm import silence
from audio.player import SUPERSEDED, TOO_OLD, Player
from signage.config import load_hall

ROOT = Path(__file__).resolve().parent.parent
HALL = ROOT / "layouts" / "zhongshan.yaml"
ZHONGSHAN = load_hall(HALL).config
T = 1_795_000_000.0


def waiting_then_played(anns, *, clock=None, device=None):
    """Submit every announcement before the worker starts (they all wait), then play them all."""
    seen = []
    device = device or SimulatedDevice(speed=0.0)
    player = Player(ToneAssembler(), device, clock=clock or (lambda: T + 10), poll=0.001,
                    observer=lambda what, a, detail: seen.append((what, a.ticket, a.kind, detail)))
    for a in anns:
        player.submit(a)
    player.start()
    assert player.wait_idle(10)
    player.stop()
    return player, seen


def played(seen):
    return [(t, k) for what, t, k, _ in seen if what == "played"]


def dropped(seen):
    return [(t, d.split(":")[0].split(" by")[0]) for what, t, _, d in seen if what == "dropped"]


# --- the order policy ----------------------------------------------------------------------------

def test_the_newest_call_of_each_window_is_spoken_the_windows_in_call_order():
    player, seen = waiting_then_played([
        announcement("A001", 1, at=T, seq=1),
        announcement("B001", 2, at=T + 1, seq=2),
        announcement("A002", 1, at=T + 2, seq=3),   # window 1 has called someone else
        announcement("C001", 3, at=T + 3, seq=4),
        announcement("A003", 1, at=T + 4, seq=5),   # ... and again
    ])
    assert played(seen) == [("B001", "call"), ("C001", "call"), ("A003", "call")]
    assert dropped(seen) == [("A001", SUPERSEDED), ("A002", SUPERSEDED)]
    assert (player.played, player.dropped, player.superseded, player.too_old) == (3, 2, 2, 0)
    assert player.pending == 0


def test_a_superseded_call_is_told_which_call_replaced_it():
    _, seen = waiting_then_played([announcement("A001", 7, at=T, seq=1), announcement("A009", 7, at=T + 1, seq=2)])
    (detail,) = [d for what, _, _, d in seen if what == "dropped"]
    assert detail == "superseded by call of A009 to window 7"


def test_a_recall_of_the_same_ticket_replaces_its_waiting_call():
    _, seen = waiting_then_played([
        announcement("A023", 3, at=T, seq=1),
        announcement("B004", 4, at=T + 1, seq=2),
        announcement("A023", 3, at=T + 5, kind="recall", seq=3),
    ])
    assert played(seen) == [("B004", "call"), ("A023", "recall")]  # spoken once, as the recall
    assert [d for what, _, _, d in seen if what == "dropped"] == ["superseded by its recall to window 3"]


def test_a_call_older_than_the_limit_is_never_spoken():
    clock = FakeTime(T + 100)

    class SlowDevice(SimulatedDevice):
        def play(self, chime_samples, speech, volume, ann):
            super().play(chime_samples, speech, volume, ann)
            clock.t += 25  # each call takes 25 s of the hall's time

    player, seen = waiting_then_played([
        announcement("A001", 1, at=T + 100 - 61, seq=1),         # too old already, and superseded (A006)
        announcement("A002", 2, at=T + 100, seq=2),              # 0 s when its turn comes
        announcement("A003", 3, at=T + 100, seq=3),              # 25 s
        announcement("A004", 4, at=T + 100, max_age=40, seq=4),  # 50 s > its limit of 40
        announcement("A005", 1, at=T + 100 - 70, seq=5),         # superseded (A006)
        announcement("A006", 1, at=T + 100, seq=6),              # 50 s
        announcement("A007", 5, at=T + 100, seq=7),              # 75 s > 60
    ], clock=clock, device=SlowDevice(speed=0.0))
    assert played(seen) == [("A002", "call"), ("A003", "call"), ("A006", "call")]
    assert sorted(dropped(seen)) == [("A001", SUPERSEDED), ("A004", TOO_OLD), ("A005", SUPERSEDED),
                                     ("A007", TOO_OLD)]
    too_old = [d for what, t, _, d in seen if what == "dropped" and t == "A004"]
    assert too_old == ["too old: 50.0 s old (limit 40 s)"]
    assert (player.superseded, player.too_old) == (2, 2)


def test_the_oldest_waiting_call_goes_first_so_none_grows_too_old_behind_newer_ones():
    clock = FakeTime(T + 30)
    _, seen = waiting_then_played([announcement("A002", 2, at=T + 20, seq=2), announcement("A001", 1, at=T, seq=1)],
                                  clock=clock)
    assert played(seen) == [("A001", "call"), ("A002", "call")]  # by when they happened, not as submitted


def test_no_call_is_cut_off_not_even_by_a_newer_call_of_its_window():
    device = SimulatedDevice(speed=0.05)
    player = Player(ToneAssembler(), device, poll=0.001).start()
    try:
        player.submit(announcement("A001", 3, seq=1))
        deadline = time.monotonic() + 5
        while not device.log and time.monotonic() < deadline:
            time.sleep(0.001)
        for i, (t, w) in enumerate([("A002", 3), ("B001", 4), ("A003", 3), ("C001", 5)]):  # while A001 sounds
            player.submit(announcement(t, w, seq=i + 2))
        assert player.wait_idle(10)
    finally:
        player.stop()
    assert [e[0] for e in device.log] == ["A001", "B001", "A003", "C001"]  # A001 to its end; A002 superseded
    assert device.overlaps == 0
    for (_, _, end, _), (_, start, _, _) in zip(device.log, device.log[1:]):
        assert start >= end


# --- the hall's sequence, pauses and rate ----------------------------------------------------------

def hall_with(**voice):
    return type(ZHONGSHAN).model_validate(
        {**ZHONGSHAN.model_dump(by_alias=True, exclude_none=True),
         "voice": {**ZHONGSHAN.voice.model_dump(by_alias=True, exclude_none=True), **voice}})


def announced(hall, kind="ticket_called"):
    queued = []
    a = Announcer(queued.append, config=hall)
    a.handle({"type": "welcome", "v": 1, "hall": "zhongshan", "role": "announcer", "seq": 0}, T)
    a.handle({"type": "event", "seq": 1, "event": {
        "type": kind, "at": T, "window": 3,
        "ticket": {"id": "t1", "number": "A023", "service": "id-card", "class": "normal"}}}, T)
    (ann,) = queued
    return ann


@pytest.fixture(scope="module")
def assembler():
    return Assembler(None, EspeakEngine())


def speech_of(assembler, ann):
    return assembler.speech(list(ann.phrases), ann.repeat, pause=ann.pause, repeat_pause=ann.repeat_pause)


def test_each_language_once_and_the_repeat_only_on_recall(assembler):
    hall = hall_with(repeat=1, repeat_on_recall=2)
    call, recall = announced(hall), announced(hall, "ticket_recalled")
    assert (call.repeat, recall.repeat) == (1, 2)
    assert [p.lang for p in call.phrases] == ["zh-Hans", "en"]  # chime, Chinese, English
    today = speech_of(assembler, announced(ZHONGSHAN))          # chime, Chinese, English, Chinese, English
    once = speech_of(assembler, call)
    lead = len(silence(0.08))
    body = len(once) - lead
    assert len(today) == lead + 2 * body + len(silence(0.9))
    assert len(today) / RATE > 1.8 * len(once) / RATE
    assert announced(ZHONGSHAN, "ticket_recalled").repeat == 2  # without repeat_on_recall: repeat


def test_the_pauses_between_parts_change_the_call_by_exactly_their_length(assembler):
    base = announced(hall_with(repeat=2))
    longer = announced(hall_with(repeat=2, pause_ms=1550, repeat_pause_ms=100))
    assert (longer.pause, longer.repeat_pause) == (1.55, 0.1)
    delta = len(speech_of(assembler, longer)) - len(speech_of(assembler, base))
    # two languages spoken twice: two pauses between languages, one between repeats
    assert delta == 2 * (len(silence(1.55)) - len(silence(0.55))) + len(silence(0.1)) - len(silence(0.9))
    none = announced(hall_with(repeat=1, pause_ms=0))
    assert len(speech_of(assembler, none)) == len(speech_of(assembler, announced(hall_with(repeat=1)))) \
        - len(silence(0.55))


def test_the_rate_speeds_espeak_ng_up_and_reaches_the_running_announcer(monkeypatch, tmp_path):
    slow, fast = EspeakEngine.at_rate(0.7), EspeakEngine.at_rate(1.5)
    assert (slow.words_per_minute, fast.words_per_minute) == (round(WORDS_PER_MINUTE * 0.7),
                                                              round(WORDS_PER_MINUTE * 1.5))
    text = "Ticket A 0 2 3, please go to window 12"
    assert len(fast.synthesize(text, "en")[0]) < 0.8 * len(slow.synthesize(text, "en")[0])

    from test_audio_player import FlakyMixer

    from audio import service
    from audio.outputs import MixerOutput

    monkeypatch.setattr(service, "MixerOutput", lambda **kw: MixerOutput(FlakyMixer(failures=10**6), **kw))
    voice = service.start_announcer(hall_with(rate=1.25), pack_dir=tmp_path / "no-pack", wav_dir=tmp_path)
    try:
        assert voice.assembler.fallback.words_per_minute == round(WORDS_PER_MINUTE * 1.25)
    finally:
        voice.stop()


# --- validation --------------------------------------------------------------------------------------

def problems_with(tmp_path, **voice):
    data = yaml.safe_load(HALL.read_text(encoding="utf-8"))
    data["voice"].update(voice)
    path = tmp_path / "hall.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = load_hall(path)
    return result, [str(p) for p in result.problems]


@pytest.mark.parametrize("key, value, words", [
    ("repeat_on_recall", 0, "voice.repeat_on_recall: 0 is out of range (expected at least 1)"),
    ("repeat_on_recall", 6, "voice.repeat_on_recall: 6 is out of range (expected at most 5)"),
    ("pause_ms", -1, "voice.pause_ms: -1 is out of range (expected at least 0)"),
    ("pause_ms", 4000, "voice.pause_ms: 4000 is out of range (expected at most 3000)"),
    ("repeat_pause_ms", 9000, "voice.repeat_pause_ms: 9000 is out of range (expected at most 5000)"),
    ("rate", 3, "voice.rate: 3 is out of range (expected at most 2)"),
    ("rate", 0.2, "voice.rate: 0.2 is out of range (expected at least 0.5)"),
    ("rate", "fast", "voice.rate"),
    ("pause_ms", 0.5, "voice.pause_ms"),
    ("sequence", "once", "voice.sequence"),   # not a key: repeat and repeat_on_recall say it
])
def test_bad_options_are_refused_at_their_line(tmp_path, key, value, words):
    result, problems = problems_with(tmp_path, **{key: value})
    assert result.config is None
    hits = [p for p in problems if words in p]
    assert hits, problems
    assert hits[0].startswith(f"{tmp_path / 'hall.yaml'}:")  # with the line of the value


def test_good_options_load_and_a_recall_said_fewer_times_than_a_call_is_a_warning(tmp_path):
    result, problems = problems_with(tmp_path, repeat=1, repeat_on_recall=2, pause_ms=300, repeat_pause_ms=600,
                                     rate=1.2)
    assert result.config is not None and problems == []
    v = result.config.voice
    assert (v.repeats("call"), v.repeats("recall"), v.pause_ms, v.repeat_pause_ms, v.rate) == (1, 2, 300, 600, 1.2)
    result, problems = problems_with(tmp_path, repeat=3, repeat_on_recall=1)
    assert result.config is not None
    assert any("voice.repeat_on_recall" in p and "fewer than a call (3)" in p for p in problems), problems


# --- the bench ---------------------------------------------------------------------------------------------

def test_the_burst_figures_count_every_call(assembler):
    from audio.bench import burst

    b = burst(hall_with(repeat=1, repeat_on_recall=2), assembler, calls=10, seconds=10.0, speed=40.0)
    assert b["spoken"] + b["superseded"] + b["too_old"] == 10
    assert b["superseded"] >= 1 and b["overlaps"] == 0
    assert 0 < b["median_wait_s"] <= b["longest_wait_s"] <= 60 + 5  # a spoken call is never older than the limit


def test_bench_voice_prints_the_first_syllable_and_the_burst(capsys):
    from signage.cli import main

    assert main(["bench", "voice", "--hall", str(HALL), "--calls", "10"]) == 0
    out = capsys.readouterr().out
    for words in ("first syllable", "median", "p99", "burst of 10 calls in 10 s, the hall's voice",
                  "each language once, the repeat on recalls", "longest wait", "superseded", "too old",
                  "a call lasts"):
        assert words in out, out
