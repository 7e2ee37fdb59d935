"""``signage bench voice``: how fast a call is heard, and how fast a pack is built.

Measured, never asserted (the figures depend on the machine):

* building the hall's voice pack with espeak-ng (total, and per clip);
* from a ``ticket_called`` event handed to the announcer to the chime and the
  speech handed to the mixer (``channel.play`` / ``channel.queue`` returned),
  through the real announcer, player thread and pygame mixer, once with the
  voice pack and once with no pack (every token said by espeak-ng, cold);
* from the event to the first syllable (the buffers handed over, then the
  chime and the silence before the first word), median and p99;
* one whole call synthesised by espeak-ng in a single utterance, for scale;
* a burst of 10 calls in 10 s over distinct and repeated windows (one a
  recall of a waiting ticket), through the real announcer and player on a
  clock run 20 times fast: how long the call lasts, the longest wait of any
  spoken call (call -> first syllable) and how many were dropped, and why
  (superseded by a newer call of their window, too old). With the hall's
  voice settings, and, when the hall repeats calls, with each language once
  and the repeat on recalls only, for comparison.

The mixer runs on SDL's silent ``dummy`` driver unless ``SDL_AUDIODRIVER`` is
set, so the bench measures this code and not a sound card, and makes no noise.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

if TYPE_CHECKING:
    from signage.config.model import HallConfig

    from .announcement import Announcement


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


class _Timing:
    """An output that notes when the buffers were handed over, then silences the channel
    (so the next call need not wait for this one to be heard)."""

    name = "timing"

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.handed = threading.Event()
        self.at = 0.0
        self.first = 0.0  # seconds from the hand-over to the first syllable

    def ready(self) -> bool:
        return self.inner.ready()

    def play(self, chime: Any, speech: Any, volume: float, ann: Announcement) -> None:
        self.inner.play(chime, speech, volume, ann)
        self.at = time.perf_counter()
        self.first = first_syllable(chime, speech)
        self.inner.stop()
        self.handed.set()

    def busy(self) -> bool:
        return False

    def stop(self) -> None:
        self.inner.stop()


SYLLABLE_LEVEL = 1000  # int16: the first sample this loud is the first syllable


def first_syllable(chime: Any, speech: Any) -> float:
    """Seconds from the start of the chime (if any) to the first loud sample of the speech."""
    from . import RATE

    loud = np.flatnonzero(np.abs(np.asarray(speech, dtype=np.int32)) >= SYLLABLE_LEVEL)
    start = int(loud[0]) if len(loud) else len(speech)
    return ((len(chime) if chime is not None else 0) + start) / RATE


def _latencies(config: HallConfig, assembler: Any, calls: int, cold: bool) -> tuple[list[float], list[float]]:
    from .announcer import Announcer
    from .outputs import MixerOutput
    from .player import Player

    mixer = MixerOutput()
    if not mixer.ready():
        raise SystemExit("the mixer did not start, even on the dummy driver")
    timing = _Timing(mixer)
    player = Player(assembler, timing).start()
    announcer = Announcer(player.submit, config=config)
    now = time.time()
    announcer.handle({"type": "welcome", "v": 1, "hall": config.hall.id, "role": "announcer", "seq": 0}, now)
    prefixes = [s.prefix for s in config.services]
    services = [s.id for s in config.services]
    windows = [w.number for w in config.windows]
    out: list[float] = []
    syllable: list[float] = []
    try:
        for i in range(calls + 5):
            if cold:
                assembler.forget()
            k = i % len(prefixes)
            event = {"type": "event", "seq": i + 1, "event": {
                "type": "ticket_called", "at": time.time(), "window": windows[i % len(windows)],
                "ticket": {"id": f"b{i}", "number": f"{prefixes[k]}{i % 1000:03d}", "service": services[k],
                           "class": "normal"}}}
            timing.handed.clear()
            t0 = time.perf_counter()
            announcer.handle(event, time.time())
            if not timing.handed.wait(10):
                raise SystemExit("the player did not hand the call over within 10 s")
            if i >= 5:  # the first few warm up caches and the mixer
                out.append((timing.at - t0) * 1000)
                syllable.append((timing.at - t0 + timing.first) * 1000)
            player.wait_idle(5)
    finally:
        player.stop()
    return out, syllable


class _Sounding:
    """An output that sounds for the audio's length on the burst's clock and notes when each
    call's first syllable is heard."""

    name = "burst"

    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self.until = 0.0
        self.heard: dict[int | None, float] = {}
        self.seconds: list[float] = []
        self.overlaps = 0

    def ready(self) -> bool:
        return True

    def play(self, chime: Any, speech: Any, volume: float, ann: Announcement) -> None:
        from . import RATE

        now = self.clock()
        if now < self.until:
            self.overlaps += 1  # would cut the call being spoken off
        length = (len(speech) + (len(chime) if chime is not None else 0)) / RATE
        self.until = now + length
        self.seconds.append(length)
        self.heard[ann.seq] = now + first_syllable(chime, speech)

    def busy(self) -> bool:
        return self.clock() < self.until

    def stop(self) -> None:
        self.until = 0.0


BURST_WINDOWS = (0, 1, 2, 0, 3, 1, 4, 0, 2, 5)   # indexes into the hall's windows: some called again
BURST_RECALL = {6: 4}                             # call 6 recalls the ticket of call 4 (same window)


def burst(config: HallConfig, assembler: Any, *, calls: int = 10, seconds: float = 10.0,
          speed: float = 20.0) -> dict[str, float]:
    """``calls`` calls evenly over ``seconds`` through the real announcer and player, on a clock
    ``speed`` times fast; the figures of the spoken and the dropped (the hall's seconds)."""
    from .announcer import Announcer
    from .player import SUPERSEDED, Player

    m0 = time.monotonic()
    v0 = 1_800_000_000.0

    def clock() -> float:
        return v0 + (time.monotonic() - m0) * speed

    out = _Sounding(clock)
    seen: list[tuple[str, Announcement, str]] = []
    player = Player(assembler, out, clock=clock, poll=0.0005,
                    observer=lambda what, ann, detail: seen.append((what, ann, detail))).start()
    announcer = Announcer(player.submit, config=config)
    announcer.handle({"type": "welcome", "v": 1, "hall": config.hall.id, "role": "announcer", "seq": 0}, clock())
    windows = [w.number for w in config.windows]
    service = config.services[0]
    numbers: dict[int, str] = {}
    at_window: dict[int, int] = {}
    try:
        for i in range(calls):
            when = v0 + i * seconds / calls
            while clock() < when:
                time.sleep(0.0005)
            kind = "ticket_called"
            if i in BURST_RECALL and BURST_RECALL[i] < i:
                kind, number, window = "ticket_recalled", numbers[BURST_RECALL[i]], at_window[BURST_RECALL[i]]
            else:
                number, window = f"{service.prefix}{i + 1:03d}", windows[BURST_WINDOWS[i % len(BURST_WINDOWS)]
                                                                         % len(windows)]
            numbers[i], at_window[i] = number, window
            now = clock()
            announcer.handle({"type": "event", "seq": i + 1, "event": {
                "type": kind, "at": now, "window": window,
                "ticket": {"id": f"burst{i}", "number": number, "service": service.id, "class": "normal"}}}, now)
        player.wait_idle(600 / speed + 60)
        end = max(out.until, clock())
    finally:
        player.stop()
    played = [ann for what, ann, _ in seen if what == "played"]
    waits = [out.heard[a.seq] - a.at for a in played if a.seq in out.heard]
    superseded = sum(1 for what, _, d in seen if what == "dropped" and d.startswith(SUPERSEDED))
    dropped = sum(1 for what, _, _ in seen if what == "dropped")
    return {"spoken": len(played), "superseded": superseded, "too_old": dropped - superseded,
            "longest_wait_s": max(waits) if waits else 0.0,
            "median_wait_s": statistics.median(waits) if waits else 0.0,
            "call_s": statistics.median(out.seconds) if out.seconds else 0.0,
            "done_s": end - v0, "overlaps": out.overlaps}


def bench_voice(config: HallConfig, calls: int = 200, out: TextIO | None = None) -> dict[str, float]:
    """Run the voice benchmark on ``config``'s hall; print and return the figures (ms, s)."""
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    from .assemble import Assembler
    from .engines import EspeakEngine
    from .phrases import Values, call_phrases, hall_tokens, shown_languages
    from .voicepack import VoicePack, build_pack

    def say(line: str) -> None:
        if out is not None:
            print(line, file=out, flush=True)

    figures: dict[str, float] = {}
    espeak = EspeakEngine.at_rate(config.voice.rate)  # the pack and the fallback at the hall's voice.rate
    espeak.synthesize("预热", "zh-Hans")  # load the library before timing anything
    tokens = hall_tokens(config)
    with tempfile.TemporaryDirectory() as tmp:
        report = build_pack(tokens, espeak, f"{tmp}/pack", halls=[config.hall.id])
        pack = VoicePack.load(f"{tmp}/pack")
    per_clip = statistics.median(report.synth_seconds) * 1000 if report.synth_seconds else 0.0
    figures.update(build_s=report.seconds, clips=report.clips, clip_synth_ms=per_clip)
    say(f"voice pack for {config.hall.id} by espeak-ng: {report.clips} clips in {report.seconds:.3f} s "
        f"(synthesis {per_clip:.2f} ms a clip, median)")

    whole = [(p.lang, p.text) for p in call_phrases(config.voice, "call", Values("A023", config.windows[0].number),
                                                    config.terms, shown_languages(config))]
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        for lang, text in whole:
            espeak.synthesize(text, lang)
        times.append((time.perf_counter() - t0) * 1000)
    figures["call_synth_ms"] = statistics.median(times)
    say(f"one whole call ({len(whole)} languages) in single espeak-ng utterances: "
        f"{figures['call_synth_ms']:.1f} ms (median)")

    for label, assembler, cold in (("with the voice pack", Assembler(pack, espeak), False),
                                   ("espeak-ng fallback (no pack, cold)", Assembler(None, espeak), True)):
        lat, syl = _latencies(config, assembler, calls, cold)
        key = "pack" if assembler.pack is not None else "fallback"
        figures[f"{key}_median_ms"] = statistics.median(lat)
        figures[f"{key}_p99_ms"] = _percentile(lat, 99)
        figures[f"{key}_syllable_median_ms"] = statistics.median(syl)
        figures[f"{key}_syllable_p99_ms"] = _percentile(syl, 99)
        say(f"call event -> first buffer to the mixer, {label}: median {statistics.median(lat):.2f} ms, "
            f"p99 {_percentile(lat, 99):.2f} ms, max {max(lat):.2f} ms ({len(lat)} calls)")
        say(f"call event -> first syllable (chime and lead-in included), {label}: "
            f"median {statistics.median(syl):.0f} ms, p99 {_percentile(syl, 99):.0f} ms")

    v = config.voice
    cases = [("the hall's voice", config)]
    if v.repeat > 1:
        once = v.model_copy(update={"repeat": 1, "repeat_on_recall": v.repeats("recall")})
        cases.append(("each language once, the repeat on recalls", config.model_copy(update={"voice": once})))
    for label, hall in cases:
        hv = hall.voice
        b = burst(hall, Assembler(pack, espeak))
        key = "burst" if hall is config else "burst_once"
        figures.update({f"{key}_{k}": float(x) for k, x in b.items()})
        say(f"burst of 10 calls in 10 s, {label} (repeat {hv.repeat}, recall {hv.repeats('recall')}, pause "
            f"{hv.pause_ms} ms, max age {hv.max_age_seconds:g} s): a call lasts {b['call_s']:.1f} s; "
            f"{b['spoken']} spoken, longest wait {b['longest_wait_s']:.1f} s (median {b['median_wait_s']:.1f} s), "
            f"dropped {b['superseded'] + b['too_old']} ({b['superseded']} superseded, {b['too_old']} too old), "
            f"all done {b['done_s']:.0f} s after the first call")
    return figures
