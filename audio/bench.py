"""``signage bench voice``: how fast a call is heard, and how fast a pack is built.

Measured, never asserted (the figures depend on the machine):

* building the hall's voice pack with espeak-ng (total, and per clip);
* from a ``ticket_called`` event handed to the announcer to the chime and the
  speech handed to the mixer (``channel.play`` / ``channel.queue`` returned),
  through the real announcer, player thread and pygame mixer, once with the
  voice pack and once with no pack (every token said by espeak-ng, cold);
* one whole call synthesised by espeak-ng in a single utterance, for scale.

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

    def ready(self) -> bool:
        return self.inner.ready()

    def play(self, chime: Any, speech: Any, volume: float, ann: Announcement) -> None:
        self.inner.play(chime, speech, volume, ann)
        self.at = time.perf_counter()
        self.inner.stop()
        self.handed.set()

    def busy(self) -> bool:
        return False

    def stop(self) -> None:
        self.inner.stop()


def _latencies(config: HallConfig, assembler: Any, calls: int, cold: bool) -> list[float]:
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
            player.wait_idle(5)
    finally:
        player.stop()
    return out


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
    espeak = EspeakEngine()
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
        lat = _latencies(config, assembler, calls, cold)
        key = "pack" if assembler.pack is not None else "fallback"
        figures[f"{key}_median_ms"] = statistics.median(lat)
        figures[f"{key}_p99_ms"] = _percentile(lat, 99)
        say(f"call event -> first buffer to the mixer, {label}: median {statistics.median(lat):.2f} ms, "
            f"p99 {_percentile(lat, 99):.2f} ms, max {max(lat):.2f} ms ({len(lat)} calls)")
    return figures
