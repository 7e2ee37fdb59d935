"""From phrases to one buffer of speech: pack clips, else espeak-ng, with gaps.

What a caller may rely on:

* :meth:`Assembler.speech` never raises for a token it cannot find: the clip
  comes from the voice pack, else from the fallback engine (espeak-ng, about a
  millisecond a token, remembered afterwards), else that token is left out and
  logged. The result is ``int16`` mono at :data:`audio.RATE`.
* The layout is fixed: a short lead-in, then for each repeat every language's
  phrase, segments separated by their pauses, languages by ``pause``
  (default :data:`LANG_GAP`), repeats by ``repeat_pause`` (:data:`REPEAT_GAP`).
* Thread-safe: the announcer's player thread and a benchmark may share one.
* With a pack of recordings (``voicepack import``, its manifest's ``lufs``) a
  fallback clip is brought to the recordings' loudness (EBU R128).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Iterable

import numpy as np

from .engines import Engine
from .errors import EngineError
from .pcm import concat, prepare_clip, silence
from .phrases import Phrase
from .voicepack import Token, VoicePack

log = logging.getLogger(__name__)

LEAD_IN = 0.08
LANG_GAP = 0.55
REPEAT_GAP = 0.9


class Assembler:
    """Speech for phrases from a pack (may be None) and a fallback engine (may be None)."""

    def __init__(self, pack: VoicePack | None, fallback: Engine | None, memo_size: int = 512) -> None:
        self.pack = pack
        self.fallback = fallback
        self.memo_size = memo_size
        self._memo: OrderedDict[Token, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0        # tokens found in the pack
        self.fallbacks = 0   # tokens synthesised by the fallback engine
        self.lost = 0        # tokens nobody could say

    def forget(self) -> None:
        """Drop the remembered fallback clips (the benchmark measures them cold)."""
        with self._lock:
            self._memo.clear()

    def warm(self, tokens: Iterable[Token]) -> int:
        """Say now, with the fallback, every token the pack lacks, so the first
        call that needs one is not slower. Returns how many were made."""
        made = 0
        for lang, text in sorted(set(tokens)):
            if self.pack is not None and self.pack.get(lang, text) is not None:
                continue
            before = self.fallbacks
            self.clip(lang, text)
            made += self.fallbacks - before
        return made

    def clip(self, lang: str, text: str) -> np.ndarray | None:
        """The clip of one token, or None if neither the pack nor the fallback has it."""
        if self.pack is not None:
            found = self.pack.get(lang, text)
            if found is not None:
                self.hits += 1
                return found
        key = (lang, text)
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        if self.fallback is None:
            self.lost += 1
            log.warning("no clip for %r (%s) and no fallback engine", text, lang)
            return None
        try:
            samples, rate = self.fallback.synthesize(text, lang)
        except EngineError as exc:
            self.lost += 1
            log.warning("cannot say %r (%s): %s", text, lang, exc)
            return None
        clip = prepare_clip(samples, rate)
        if self.pack is not None and self.pack.lufs is not None and len(clip):
            from .recorded import at_loudness  # a recorded pack: espeak-ng as loud as the recorded voice

            clip = at_loudness(clip, self.pack.lufs)
        self.fallbacks += 1
        with self._lock:
            self._memo[key] = clip
            while len(self._memo) > self.memo_size:
                self._memo.popitem(last=False)
        return clip

    def phrase(self, phrase: Phrase) -> np.ndarray:
        """One language's phrase: its segments' clips, each followed by its pause."""
        parts: list[np.ndarray] = []
        for seg in phrase.segments:
            clip = self.clip(seg.lang, seg.text)
            if clip is not None and len(clip):
                parts.append(clip)
                parts.append(silence(seg.pause))
        if parts:
            parts.pop()  # the phrase ends on speech; the caller sets the next gap
        return concat(parts)

    def speech(self, phrases: list[Phrase], repeat: int = 1, *, pause: float = LANG_GAP,
               repeat_pause: float = REPEAT_GAP) -> np.ndarray:
        """The whole announcement after the chime: every phrase, ``repeat`` times, ``pause``
        seconds between languages and ``repeat_pause`` between repeats (``voice.pause_ms``,
        ``voice.repeat_pause_ms``)."""
        once: list[np.ndarray] = []
        for p in phrases:
            audio = self.phrase(p)
            if len(audio):
                if once:
                    once.append(silence(pause))
                once.append(audio)
        if not once:
            return np.zeros(0, dtype=np.int16)
        body = concat(once)
        parts = [silence(LEAD_IN)]
        for i in range(max(1, repeat)):
            if i:
                parts.append(silence(repeat_pause))
            parts.append(body)
        return concat(parts)

