"""The chime: two tones, falling a major third, soft, ending in silence, the same every time."""

import numpy as np

from audio import RATE
from audio.chime import CHIME_PEAK, CHIME_SECONDS, STRIKE_GAP, TONES, chime


def dominant_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spectrum)])


def test_shape_and_level():
    c = chime()
    assert c.dtype == np.int16 and c.ndim == 1
    assert len(c) == round(CHIME_SECONDS * RATE)
    x = c.astype(np.float32) / 32767
    assert abs(np.abs(x).max() - CHIME_PEAK) < 0.01
    assert np.abs(x[: int(0.02 * RATE)]).max() > 0.2      # it starts at once (no silence before)
    assert np.abs(x[-int(0.005 * RATE):]).max() < 0.005   # and ends in silence (-46 dB): speech starts clean


def test_two_tones_high_then_low():
    x = chime().astype(np.float32)
    first = x[int(0.02 * RATE): int((STRIKE_GAP - 0.02) * RATE)]
    second = x[int((STRIKE_GAP + 0.05) * RATE): int((STRIKE_GAP + 0.45) * RATE)]
    assert abs(dominant_hz(first, RATE) - TONES[0]) < 8
    assert abs(dominant_hz(second, RATE) - TONES[1]) < 8
    assert TONES[0] / TONES[1] - 1.26 < 0.01  # a major third


def test_the_same_every_time_and_read_only():
    assert np.array_equal(chime(), chime())
    assert not chime().flags.writeable
    assert len(chime(44100)) == round(CHIME_SECONDS * 44100)
