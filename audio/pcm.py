"""Sample arrays: the few operations clips need, and WAV in and out.

Inside the audio part a sound is a 1-D ``numpy`` array, mono. Engines hand
back ``float32`` in [-1, 1] at their own rate; :func:`prepare_clip` turns that
into what every clip in a pack and every announcement is: ``int16`` at
:data:`audio.RATE`, silence trimmed, faded in and out, at one loudness.
"""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np

from . import RATE

FADE_SECONDS = 0.006   # long enough to avoid a click, short enough to keep the consonant
EDGE_SECONDS = 0.012   # silence kept at each end after trimming
TRIM_LEVEL = 0.02      # of full scale: below this is silence (engines leave a soft tail)
TARGET_RMS = 0.12      # speech loudness after levelling (about -18 dBFS)
PEAK_LIMIT = 0.89      # never louder than -1 dBFS


def silence(seconds: float, rate: int = RATE) -> np.ndarray:
    """That many seconds of silence (``int16``)."""
    return np.zeros(max(0, int(round(seconds * rate))), dtype=np.int16)


def to_float(samples: np.ndarray) -> np.ndarray:
    """``int16`` (or anything) to ``float32`` in [-1, 1]."""
    if samples.dtype == np.int16:
        return samples.astype(np.float32) / 32768.0
    return samples.astype(np.float32)


def to_int16(samples: np.ndarray) -> np.ndarray:
    """``float`` in [-1, 1] to ``int16``, clipping anything beyond."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype(np.int16)


def resample(samples: np.ndarray, rate: int, to_rate: int = RATE) -> np.ndarray:
    """Linear-interpolation resampling: plenty for speech between 16 and 48 kHz."""
    if rate == to_rate or len(samples) == 0:
        return samples
    n = int(round(len(samples) * to_rate / rate))
    t = np.arange(n, dtype=np.float64) * (rate / to_rate)
    return np.interp(t, np.arange(len(samples)), samples.astype(np.float64)).astype(samples.dtype)


def trim(samples: np.ndarray, rate: int = RATE, level: float = TRIM_LEVEL,
         edge: float = EDGE_SECONDS) -> np.ndarray:
    """Cut leading and trailing silence, keeping ``edge`` seconds at each end."""
    x = to_float(samples)
    loud = np.flatnonzero(np.abs(x) >= level)
    if len(loud) == 0:
        return samples[:0]
    keep = int(edge * rate)
    return samples[max(0, loud[0] - keep): min(len(samples), loud[-1] + 1 + keep)]


def fade(samples: np.ndarray, rate: int = RATE, seconds: float = FADE_SECONDS) -> np.ndarray:
    """Short linear fades in and out (float in, float out)."""
    x = to_float(samples).copy()
    n = min(int(seconds * rate), len(x) // 2)
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, endpoint=False, dtype=np.float32)
        x[:n] *= ramp
        x[-n:] *= ramp[::-1]
    return x


def level(samples: np.ndarray, rms: float = TARGET_RMS, peak: float = PEAK_LIMIT) -> np.ndarray:
    """Scale to a common loudness so gTTS and espeak-ng clips sit together; never clip."""
    x = to_float(samples)
    if len(x) == 0:
        return x
    voiced = x[np.abs(x) >= TRIM_LEVEL]
    current = float(np.sqrt(np.mean(np.square(voiced)))) if len(voiced) else 0.0
    top = float(np.max(np.abs(x)))
    if current <= 0 or top <= 0:
        return x
    gain = min(rms / current, peak / top)
    return x * gain


def prepare_clip(samples: np.ndarray, rate: int) -> np.ndarray:
    """An engine's output made into a pack clip: ``int16`` at :data:`RATE`,
    trimmed, levelled, faded. Empty if the engine produced only silence."""
    x = resample(to_float(samples), rate, RATE)
    x = trim(x, RATE)
    if len(x) == 0:
        return np.zeros(0, dtype=np.int16)
    return to_int16(fade(level(x), RATE))


def concat(parts: list[np.ndarray]) -> np.ndarray:
    """Join ``int16`` arrays (an empty list gives an empty array)."""
    return np.concatenate(parts).astype(np.int16) if parts else np.zeros(0, dtype=np.int16)


# --- WAV -------------------------------------------------------------------------------

def wav_bytes(samples: np.ndarray, rate: int = RATE) -> bytes:
    """A mono 16-bit WAV file's bytes."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes())
    return buf.getvalue()


def write_wav(path: str | Path, samples: np.ndarray, rate: int = RATE) -> None:
    """Write a mono 16-bit WAV file (atomically: a reader never sees half of it)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(wav_bytes(samples, rate))
    tmp.replace(path)


def read_wav(data: bytes | str | Path) -> tuple[np.ndarray, int]:
    """Samples (``int16``, channels mixed down to mono) and rate of a 16-bit PCM WAV.

    Raises ``wave.Error`` or ``ValueError`` for anything else.
    """
    src = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else str(data)
    with wave.open(src, "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{w.getsampwidth() * 8}-bit WAV; expected 16-bit")
        channels, rate = w.getnchannels(), w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    if channels > 1:
        x = x[: len(x) // channels * channels].reshape(-1, channels).mean(axis=1).astype(np.int16)
    return x.astype(np.int16), rate
