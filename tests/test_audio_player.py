"""The playback queue: order, no cut-off, age limit, a failing sound device; the audio decoded.

The sound is checked by decoding what came out: WAV files read back with the
standard library's ``wave``, and the raw stream SDL's ``disk`` audio driver
writes when pygame's real mixer plays (in a subprocess, so its driver is its own).
"""

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from audio import RATE
from audio.assemble import LANG_GAP, LEAD_IN, REPEAT_GAP, Assembler
from audio.chime import chime
from audio.engines import EspeakEngine
from audio.outputs import FallbackOutput, MixerOutput, OutputError, WavOutput, to_mixer_bytes
from audio.pcm import read_wav, silence
from audio.phrases import Values, call_phrases
from audio.player import Announcement, Player
from signage.config.model import Voice

ROOT = Path(__file__).resolve().parent.parent


_WINDOWS = itertools.count()


def announcement(ticket="A023", window=None, *, at=None, kind="call", repeat=1, chime_on=True, volume=1.0,
                 max_age=60.0, langs=("zh-Hans",), seq=1) -> Announcement:
    """A call; each to a window of its own unless ``window`` is given (the player speaks only
    the newest waiting call of a window: tests/test_voice_burst.py)."""
    if window is None:
        window = next(_WINDOWS) % 999 + 1
    voice = Voice(languages=list(langs))
    phrases = tuple(call_phrases(voice, kind, Values(ticket, window)))
    return Announcement(seq=seq, kind=kind, ticket=ticket, window=window,
                        at=time.time() if at is None else at, phrases=phrases, repeat=repeat,
                        chime=chime_on, volume=volume, max_age=max_age)


class ToneAssembler:
    """Speech stand-in: a 0.1 s tone per phrase, per repeat (fast and exact)."""

    def speech(self, phrases, repeat, **pauses):
        t = np.arange(int(0.1 * RATE)) / RATE
        tone = (np.sin(2 * np.pi * 300 * t) * 8000).astype(np.int16)
        return np.concatenate([tone] * max(1, len(phrases)) * max(1, repeat))


class SimulatedDevice:
    """An output that 'sounds' for the audio's length times ``speed`` and logs what happened."""

    name = "sim"

    def __init__(self, speed: float = 0.05, clock=time.monotonic) -> None:
        self.speed = speed
        self.clock = clock
        self.log: list[tuple[str, float, float, bool]] = []  # ticket, start, end, chime first
        self.until = 0.0
        self.overlaps = 0

    def ready(self):
        return True

    def play(self, chime_samples, speech, volume, ann):
        now = self.clock()
        if now < self.until:
            self.overlaps += 1  # a new call while one sounds: that would cut it off
        n = len(speech) + (len(chime_samples) if chime_samples is not None else 0)
        self.until = now + n / RATE * self.speed
        self.log.append((ann.ticket, now, self.until, chime_samples is not None))

    def busy(self):
        return self.clock() < self.until

    def stop(self):
        self.until = 0.0


# --- order, no cut-off, age ------------------------------------------------------------------------

def test_a_burst_is_spoken_in_order_each_to_its_end():
    device = SimulatedDevice()
    player = Player(ToneAssembler(), device, poll=0.002).start()
    tickets = [f"A{i:03d}" for i in range(1, 9)]
    for i, t in enumerate(tickets):
        player.submit(announcement(t, window=i + 1, seq=i + 1))
    assert player.wait_idle(10)
    player.stop()
    assert [entry[0] for entry in device.log] == tickets
    assert device.overlaps == 0
    for (_, _, end, _), (_, start, _, _) in zip(device.log, device.log[1:]):
        assert start >= end  # the next began only once the previous had finished
    assert all(entry[3] for entry in device.log)  # each with its chime


def test_recall_is_spoken_again():
    device = SimulatedDevice()
    player = Player(ToneAssembler(), device, poll=0.002).start()
    player.submit(announcement("A023", 3, seq=1))
    deadline = time.monotonic() + 5
    while not device.log and time.monotonic() < deadline:  # the call is being spoken: the recall follows it
        time.sleep(0.001)
    player.submit(announcement("A023", 3, kind="recall", seq=2))
    assert player.wait_idle(10)
    player.stop()
    assert [(e[0], e[1] >= device.log[0][2]) for e in device.log] == [("A023", False), ("A023", True)]


class FakeTime:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_calls_older_than_max_age_are_dropped_not_spoken_late():
    clock = FakeTime()
    seen: list[tuple[str, str]] = []

    class SlowDevice(SimulatedDevice):
        def play(self, chime_samples, speech, volume, ann):
            super().play(chime_samples, speech, volume, ann)
            clock.t += 25  # every announcement takes 25 s of the hall's time

    device = SlowDevice(speed=0.0)
    player = Player(ToneAssembler(), device, clock=clock, observer=lambda w, a, d: seen.append((w, a.ticket)),
                    poll=0.001)
    player.submit(announcement("A000", at=clock.t - 61))    # already too old
    for i in range(1, 5):
        player.submit(announcement(f"A00{i}", at=clock.t))
    player.start()
    assert player.wait_idle(10)
    player.stop()
    # Ages when their turn comes: 61 (dropped), 0, 25, 50, 75 (dropped).
    assert seen == [("dropped", "A000"), ("played", "A001"), ("played", "A002"), ("played", "A003"),
                    ("dropped", "A004")]
    assert (player.played, player.dropped) == (3, 2)


def test_a_stuck_device_does_not_stall_the_queue(monkeypatch):
    import audio.player as player_module

    monkeypatch.setattr(player_module, "STUCK_MARGIN", 0.05)

    class Stuck(SimulatedDevice):
        def busy(self):
            return True  # never says it is done

    device = Stuck(speed=0.0)
    player = Player(ToneAssembler(), device, poll=0.005).start()
    for i in range(3):
        player.submit(announcement(f"A00{i}", chime_on=False))
    assert player.wait_idle(10)
    player.stop()
    assert len(device.log) == 3


# --- the assembled audio, decoded -------------------------------------------------------------------------

def expected_speech_length(assembler, phrases, repeat):
    once = 0
    for i, phrase in enumerate(phrases):
        clips = [(assembler.clip(s.lang, s.text), s.pause) for s in phrase.segments]
        once += sum(len(c) + len(silence(p)) for c, p in clips) - len(silence(clips[-1][1]))
        once += len(silence(LANG_GAP)) if i else 0
    return len(silence(LEAD_IN)) + once * repeat + len(silence(REPEAT_GAP)) * (repeat - 1)


def test_wav_holds_the_chime_then_the_speech_of_the_expected_length(tmp_path):
    assembler = Assembler(None, EspeakEngine())
    out = WavOutput(tmp_path)
    player = Player(assembler, out).start()
    ann = announcement("A023", 12, langs=("zh-Hans", "en"), repeat=2)
    player.submit(ann)
    assert player.wait_idle(10)
    player.stop()
    (path,) = out.written
    samples, rate = read_wav(path.read_bytes())  # decoded by the standard library
    assert rate == RATE
    c = chime()
    assert np.array_equal(samples[: len(c)], c)                     # the chime first, whole
    speech = samples[len(c):]
    assert len(speech) == expected_speech_length(assembler, list(ann.phrases), 2)
    lead = len(silence(LEAD_IN))
    assert np.abs(speech[:lead]).max() == 0 and np.abs(speech[lead: lead + RATE // 2]).max() > 3000
    assert np.abs(speech[-RATE // 4:]).max() > 1000                 # ends on speech, not cut short
    assert "A023" in path.name and "w12" in path.name


def test_quiet_hours_volume_reaches_the_samples(tmp_path):
    assembler = Assembler(None, EspeakEngine())
    out = WavOutput(tmp_path)
    player = Player(assembler, out).start()
    player.submit(announcement("B007", 12, volume=1.0, seq=1))
    assert player.wait_idle(10)  # spoken before the next of its window is submitted (else superseded)
    player.submit(announcement("B007", 12, volume=0.5, seq=2))
    assert player.wait_idle(10)
    player.stop()
    loud, _ = read_wav(out.written[0].read_bytes())
    soft, _ = read_wav(out.written[1].read_bytes())
    assert len(loud) == len(soft)
    ratio = np.abs(soft.astype(float)).sum() / np.abs(loud.astype(float)).sum()
    assert abs(ratio - 0.5) < 0.01


DISK_SCRIPT = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
from audio.assemble import Assembler
from audio.chime import chime
from audio.engines import EspeakEngine
from audio.outputs import MixerOutput
from audio.pcm import write_wav
from audio.phrases import Values, call_phrases
from audio.player import Announcement, Player
from signage.config.model import Voice
import pygame

assembler = Assembler(None, EspeakEngine())
mixer = MixerOutput()
assert mixer.ready(), "mixer did not start on the disk driver"
player = Player(assembler, mixer).start()
anns = []
for i, (ticket, window) in enumerate([("A023", 3), ("B007", 12)]):
    phrases = tuple(call_phrases(Voice(languages=["zh-Hans"]), "call", Values(ticket, window)))
    anns.append(Announcement(i + 1, "call", ticket, window, time.time(), phrases, repeat=1))
expected = [np.concatenate([chime(), assembler.speech(list(a.phrases), 1)]) for a in anns]
for a in anns:
    player.submit(a)        # a burst: the second must wait for the first
assert player.wait_idle(60)
time.sleep(0.3)
player.stop()
pygame.mixer.quit()
write_wav(sys.argv[2], np.concatenate(expected))
print(json.dumps({"lengths": [len(e) for e in expected], "format": list(mixer.format)}))
"""


def test_real_mixer_output_decoded_from_sdl_disk_driver(tmp_path):
    raw_file = tmp_path / "out.raw"
    env = dict(os.environ, SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=str(raw_file), SDL_DISKAUDIODELAY="1",
               PYGAME_HIDE_SUPPORT_PROMPT="1")
    result = subprocess.run([sys.executable, "-c", DISK_SCRIPT, str(ROOT), str(tmp_path / "expected.wav")],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout.strip().splitlines()[-1])
    assert info["format"] == [RATE, -16, 1]
    played = np.frombuffer(raw_file.read_bytes(), dtype="<i2")
    expected, _ = read_wav(tmp_path / "expected.wav")
    c = chime()
    cursor = 0
    for n in info["lengths"]:  # each call in turn: chime, then its speech with no gap, then nothing cut
        want = expected[:n].astype(np.float64)
        expected = expected[n:]
        start = cursor + int(np.flatnonzero(played[cursor:])[0]) - int(np.flatnonzero(want)[0])
        got = played[start: start + n].astype(np.float64)
        assert len(got) == n
        corr = float(np.dot(got, want) / np.sqrt(np.dot(got, got) * np.dot(want, want)))
        assert corr > 0.99                                   # the very same signal, chime and speech
        assert np.corrcoef(got[: len(c)], c)[0, 1] > 0.99    # opening with the chime
        assert start >= cursor                               # after the previous call had ended
        cursor = start + n
    assert np.abs(played[cursor:]).max(initial=0) < 50      # and then silence


# --- the sound device: failure, retry, fallback ------------------------------------------------------------------

class FlakyMixer:
    """A stand-in for pygame.mixer whose init fails ``failures`` times."""

    class error(Exception):  # noqa: N801 - pygame's name
        pass

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.inits = 0
        self.initialised = None
        self.played: list[int] = []
        mixer = self

        class Channel:
            def __init__(self, n):
                self.busy = False

            def set_volume(self, v):
                pass

            def play(self, sound):
                mixer.played.append(len(sound))

            def queue(self, sound):
                mixer.played.append(len(sound))

            def get_busy(self):
                return False

            def get_queue(self):
                return None

            def stop(self):
                pass

        self.Channel = Channel

    def get_init(self):
        return self.initialised

    def init(self, *args):
        self.inits += 1
        if self.inits <= self.failures:
            raise self.error("ALSA: no such device")
        self.initialised = (RATE, -16, 1)

    def get_num_channels(self):
        return 8

    def set_num_channels(self, n):
        pass

    def set_reserved(self, n):
        pass

    def Sound(self, buffer):  # noqa: N802 - pygame's name
        return buffer

    def quit(self):
        self.initialised = None


def test_mixer_init_failure_is_logged_and_retried_with_backoff(caplog):
    clock = FakeTime(0.0)
    mixer = FlakyMixer(failures=3)
    out = MixerOutput(mixer, clock=clock, first_retry=2.0, max_retry=60.0)
    with caplog.at_level("DEBUG", logger="audio.outputs"):
        assert not out.ready()
        assert not out.ready()          # too soon: no new attempt
        assert mixer.inits == 1
        clock.t = 2.0
        assert not out.ready()          # second failure; next try in 4 s
        clock.t = 5.9
        assert not out.ready() and mixer.inits == 2
        clock.t = 6.0
        assert not out.ready() and mixer.inits == 3
        clock.t = 14.0
        assert out.ready() and mixer.inits == 4
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "no sound device" in warnings[0].getMessage()  # said once, not every retry
    assert any("back" in r.getMessage() for r in caplog.records)


def test_without_a_device_announcements_go_to_wav_and_return_to_the_device(tmp_path):
    clock = FakeTime(0.0)
    mixer = FlakyMixer(failures=1)
    primary = MixerOutput(mixer, clock=clock)
    wavs = WavOutput(tmp_path)
    player = Player(ToneAssembler(), FallbackOutput(primary, wavs), poll=0.001).start()
    player.submit(announcement("A001", seq=1, chime_on=False))
    assert player.wait_idle(5)
    assert len(wavs.written) == 1 and mixer.played == []
    clock.t = 100.0  # past the retry time: the device is tried again and works
    player.submit(announcement("A002", seq=2, chime_on=False))
    assert player.wait_idle(5)
    player.stop()
    assert len(wavs.written) == 1 and len(mixer.played) == 1


def test_a_device_lost_while_playing_is_reopened():
    clock = FakeTime(0.0)
    mixer = FlakyMixer(failures=0)
    out = MixerOutput(mixer, clock=clock)
    assert out.ready()

    def broken(buffer):
        raise mixer.error("device unplugged")

    mixer.Sound = broken
    with pytest.raises(OutputError):
        out.play(None, np.zeros(100, dtype=np.int16), 1.0, announcement())
    assert out.channel is None and mixer.initialised is None
    mixer.Sound = lambda buffer: buffer
    assert out.ready() and out.opened == 2


def test_real_pygame_mixer_plays_a_burst_without_cutting(monkeypatch):
    import pygame

    pygame.mixer.quit()
    out = MixerOutput()
    assert out.ready(), "pygame's mixer did not start on the dummy driver"
    starts: list[tuple[float, float]] = []

    def observe(what, ann, detail):
        starts.append((time.monotonic(), float(detail.split()[0])))

    player = Player(ToneAssembler(), out, observer=observe, poll=0.002).start()
    for i in range(3):
        player.submit(announcement(f"A00{i}", chime_on=False))
    assert player.wait_idle(10)
    player.stop()
    pygame.mixer.quit()
    assert len(starts) == 3
    for (t0, seconds), (t1, _) in zip(starts, starts[1:]):
        assert t1 - t0 >= 0.9 * seconds  # the next waited for the whole sound


@pytest.mark.parametrize("size, channels, freq", [(-16, 1, RATE), (-16, 2, 44100), (32, 2, 48000), (16, 1, RATE)])
def test_samples_converted_to_the_mixer_format(size, channels, freq):
    x = (np.sin(np.arange(RATE) / 10) * 10000).astype(np.int16)
    data = to_mixer_bytes(x, freq, size, channels)
    width = abs(size) // 8
    assert abs(len(data) - RATE * freq / RATE * channels * width) <= channels * width * 2


def test_player_survives_an_exploding_assembler():
    class Exploding:
        calls = 0

        def speech(self, phrases, repeat, **pauses):
            Exploding.calls += 1
            if Exploding.calls == 1:
                raise RuntimeError("boom")
            return ToneAssembler().speech(phrases, repeat)

    device = SimulatedDevice()
    player = Player(Exploding(), device, poll=0.002).start()
    player.submit(announcement("A001"))
    player.submit(announcement("A002"))
    assert player.wait_idle(5)
    player.stop()
    assert [e[0] for e in device.log] == ["A002"]
    assert threading.active_count() >= 1
