"""The chime before a call: a soft two-tone "ding-dong", made here by code.

Two struck tones a major third apart, falling (E5 then C5, the interval of
most public-address chimes), each a few partials with an exponential decay like
a small bell or a vibraphone bar. No sound file is downloaded or shipped: the
chime is computed once per process (about a millisecond) and is the same, sample
for sample, every time.

What a caller may rely on: :func:`chime` returns ``int16`` mono at the given
rate, :data:`CHIME_SECONDS` long, starting with the first tone's attack and
ending in silence (so speech queued after it starts clean), peaking at
:data:`CHIME_PEAK` of full scale (a little under speech, so it does not startle).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import RATE
from .pcm import to_int16

TONES = (659.25, 523.25)      # E5, C5: a falling major third
STRIKE_GAP = 0.42              # the second tone starts this long after the first
DECAY = 0.38                   # seconds for a tone to fall to 1/e
CHIME_SECONDS = 1.25
CHIME_PEAK = 0.6
# (multiple of the fundamental, relative level, relative decay speed): the
# slightly inharmonic upper partials give a bell's shimmer; they die faster.
PARTIALS = ((1.0, 1.0, 1.0), (2.0, 0.28, 1.8), (3.01, 0.08, 2.6), (4.17, 0.04, 3.5))
ATTACK = 0.004
RELEASE = 0.12


def _tone(freq: float, t: np.ndarray) -> np.ndarray:
    out = np.zeros_like(t)
    for multiple, gain, speed in PARTIALS:
        out += gain * np.exp(-t * speed / DECAY) * np.sin(2 * np.pi * freq * multiple * t)
    return out * np.minimum(1.0, t / ATTACK)


@lru_cache(maxsize=4)
def _chime(rate: int) -> np.ndarray:
    n = int(round(CHIME_SECONDS * rate))
    t = np.arange(n, dtype=np.float64) / rate
    x = _tone(TONES[0], t)
    second = t >= STRIKE_GAP
    x[second] += _tone(TONES[1], t[second] - STRIKE_GAP)
    r = int(RELEASE * rate)
    x[-r:] *= np.linspace(1.0, 0.0, r)  # reach true silence before the speech
    x *= CHIME_PEAK / np.max(np.abs(x))
    out = to_int16(x)
    out.flags.writeable = False  # shared by every announcement
    return out


def chime(rate: int = RATE) -> np.ndarray:
    """The chime as ``int16`` samples at ``rate`` (cached, read-only)."""
    return _chime(int(rate))
