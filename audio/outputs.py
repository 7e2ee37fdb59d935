"""Where announcements go: the sound card, WAV files, or the log.

An output takes the chime and the speech of one announcement and plays them
back to back with no gap. The player waits while :meth:`Output.busy` is true
before handing over the next one, so an output never cuts a call short.

What a caller may rely on:

* :class:`MixerOutput` never raises from :meth:`~MixerOutput.ready`: when
  ``pygame.mixer.init`` fails (no sound card, device unplugged) it logs once,
  and tries again later with backoff (2 s doubling to 60 s). A failure while
  playing closes the mixer and raises :class:`OutputError`; the next
  :meth:`ready` reopens it. With ``silent_is_absent`` (what an announcer
  uses), SDL's ``dummy`` driver (``SDL_AUDIODRIVER=dummy``), which plays to
  no device, counts as no sound card: :meth:`ready` stays false, so the
  announcements go to the fallback (WAV files) instead of into silence.
* :class:`FallbackOutput` always plays somewhere: the sound card when it is
  there, otherwise its fallback (WAV files or the log).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Protocol

import numpy as np

from . import RATE
from .errors import AudioError
from .pcm import concat, resample, to_float, write_wav

if TYPE_CHECKING:
    from .announcement import Announcement

log = logging.getLogger(__name__)


class OutputError(AudioError):
    """The sound device failed while playing."""


class Output(Protocol):
    name: str

    def ready(self) -> bool:
        """True if :meth:`play` can be called now (may try to open the device)."""
        ...

    def play(self, chime: np.ndarray | None, speech: np.ndarray, volume: float, ann: Announcement) -> None:
        """Hand the chime then the speech over, gap-free; return at once."""
        ...

    def busy(self) -> bool:
        """True while the last announcement is still sounding."""
        ...

    def stop(self) -> None:
        """Silence at once (shutting down)."""
        ...


# --- the sound card ---------------------------------------------------------------------------

def to_mixer_bytes(samples: np.ndarray, freq: int, size: int, channels: int) -> bytes:
    """``int16`` mono at :data:`RATE` to the raw format of an initialised mixer."""
    x = samples
    if freq != RATE:
        x = resample(to_float(x), RATE, freq)
        x = (np.clip(x, -1, 1) * 32767).astype(np.int16)
    if size == -16:
        y: np.ndarray = x.astype("<i2")
    elif size == 16:
        y = (x.astype(np.int32) + 32768).astype("<u2")
    elif size == 32:
        y = to_float(x).astype("<f4")
    elif size == -8:
        y = (x >> 8).astype(np.int8)
    elif size == 8:
        y = ((x >> 8) + 128).astype(np.uint8)
    else:
        raise OutputError(f"unsupported mixer sample format {size}")
    if channels > 1:
        y = np.repeat(y[:, None], channels, axis=1).ravel()
    return y.tobytes()


class MixerOutput:
    """pygame-ce's mixer on one reserved channel: ``play(chime)`` then ``queue(speech)``.

    ``mixer`` is ``pygame.mixer`` unless a test passes a stand-in; ``clock`` is
    monotonic seconds. If another part of the process (a screen) already
    initialised the mixer, it is used as it is, in its own format.
    """

    name = "mixer"

    def __init__(self, mixer: Any = None, *, buffer: int = 1024, first_retry: float = 2.0,
                 max_retry: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 silent_is_absent: bool = False) -> None:
        if mixer is None:
            import pygame

            mixer = pygame.mixer
        self.mixer = mixer
        self.buffer = buffer
        self.first_retry = first_retry
        self.max_retry = max_retry
        self.clock = clock
        self.channel: Any = None
        self.format: tuple[int, int, int] | None = None
        self.failures = 0             # init failures in a row
        self.opened = 0               # successful opens (reopen after a failure counts)
        self._next_try = 0.0
        self._chime_cache: tuple[int, Any] | None = None  # (id of the chime array, its Sound)
        self.silent_is_absent = silent_is_absent
        self.silent = False           # the mixer opened on SDL's dummy driver, refused (silent_is_absent)

    def ready(self) -> bool:
        if self.channel is not None:
            return True
        if self.silent:
            return False  # the driver is chosen once per process: it stays the dummy one
        now = self.clock()
        if now < self._next_try:
            return False
        try:
            opened_here = not self.mixer.get_init()
            if opened_here:
                self.mixer.init(RATE, -16, 1, self.buffer)
            fmt = self.mixer.get_init()
            if not fmt:
                raise OutputError("mixer did not start")
            if self.silent_is_absent and self.driver() == "dummy":
                self.silent = True
                log.warning('the audio driver is SDL\'s "dummy" one (SDL_AUDIODRIVER=dummy), which plays to '
                            "no device: announcements go elsewhere (WAV files with --wav-dir); unset "
                            "SDL_AUDIODRIVER to use the sound card")
                if opened_here:
                    self.mixer.quit()
                return False
            if self.mixer.get_num_channels() < 1:
                self.mixer.set_num_channels(8)
            self.mixer.set_reserved(1)  # other parts' sounds never take our channel
            self.channel = self.mixer.Channel(0)
        except Exception as exc:  # pygame.error, or anything a broken driver throws
            self.failures += 1
            wait = min(self.max_retry, self.first_retry * 2 ** (self.failures - 1))
            self._next_try = now + wait
            level = logging.WARNING if self.failures == 1 else logging.DEBUG
            log.log(level, "no sound device (%s); announcements go elsewhere, retrying in %.0f s",
                    exc, wait)
            self.channel = None
            return False
        self.format = (int(fmt[0]), int(fmt[1]), int(fmt[2]))
        if self.failures:
            log.info("sound device is back after %d failed tries", self.failures)
        self.failures = 0
        self.opened += 1
        self._chime_cache = None
        return True

    def driver(self) -> str | None:
        """The name of SDL's audio driver the mixer runs on (``alsa``, ``pulseaudio``, ``dummy``...)."""
        get = getattr(self.mixer, "get_driver", None)
        try:
            return str(get()) if callable(get) else None
        except Exception:  # not initialised, or a stand-in without it
            return None

    def _sound(self, samples: np.ndarray) -> Any:
        assert self.format is not None
        return self.mixer.Sound(buffer=to_mixer_bytes(samples, *self.format))

    def play(self, chime: np.ndarray | None, speech: np.ndarray, volume: float, ann: Announcement) -> None:
        if self.channel is None and not self.ready():
            raise OutputError("no sound device")
        try:
            speech_sound = self._sound(speech)
            self.channel.set_volume(max(0.0, min(1.0, volume)))
            if chime is not None and len(chime):
                cached = self._chime_cache
                if cached is None or cached[0] != id(chime):
                    cached = (id(chime), self._sound(chime))
                    self._chime_cache = cached
                self.channel.play(cached[1])
                self.channel.queue(speech_sound)  # starts the instant the chime ends
            else:
                self.channel.play(speech_sound)
        except OutputError:
            raise
        except Exception as exc:
            self._lost(exc)
            raise OutputError(f"sound device failed: {exc}") from exc

    def busy(self) -> bool:
        if self.channel is None:
            return False
        try:
            return bool(self.channel.get_busy() or self.channel.get_queue() is not None)
        except Exception as exc:
            self._lost(exc)
            return False

    def _lost(self, exc: BaseException) -> None:
        log.warning("sound device lost: %s; will reopen", exc)
        self.channel = None
        try:
            self.mixer.quit()
        except Exception:
            pass

    def stop(self) -> None:
        if self.channel is not None:
            try:
                self.channel.stop()
            except Exception:
                pass


# --- without a sound card ---------------------------------------------------------------------

def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "_", text)[:20] or "x"


class WavOutput:
    """Each announcement as a WAV file (chime then speech, at its volume) in ``folder``.

    Files are named ``<date>-<time>-<seq>-<kind>-<ticket>-w<window>.wav``;
    ``written`` lists them in order.
    """

    name = "wav"

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.written: list[Path] = []

    def ready(self) -> bool:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.warning("cannot write announcements to %s: %s", self.folder, exc)
            return False
        return True

    def play(self, chime: np.ndarray | None, speech: np.ndarray, volume: float, ann: Announcement) -> None:
        parts = [chime, speech] if chime is not None else [speech]
        audio = concat([p for p in parts if p is not None])
        if volume < 1.0:
            audio = (audio.astype(np.float32) * max(0.0, volume)).round().astype(np.int16)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        seq = f"{ann.seq:07d}" if isinstance(ann.seq, int) else "local"
        path = self.folder / f"{stamp}-{seq}-{ann.kind}-{_safe(ann.ticket)}-w{ann.window}.wav"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_wav(path, audio)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc}") from exc
        self.written.append(path)
        log.info("wrote %s (%.1f s): %s", path.name, len(audio) / RATE, ann.text)

    def busy(self) -> bool:
        return False

    def stop(self) -> None:
        pass


class LogOutput:
    """Says in the log what would have been announced (no sound card, no WAV folder)."""

    name = "log"

    def ready(self) -> bool:
        return True

    def play(self, chime: np.ndarray | None, speech: np.ndarray, volume: float, ann: Announcement) -> None:
        log.info("no sound device; would announce (%.1f s): %s", len(speech) / RATE, ann.text)

    def busy(self) -> bool:
        return False

    def stop(self) -> None:
        pass


class FallbackOutput:
    """The sound card when it works, else ``fallback``; switches back by itself."""

    name = "fallback"

    def __init__(self, primary: Output, fallback: Output) -> None:
        self.primary = primary
        self.fallback = fallback
        self._current: Output = fallback

    def ready(self) -> bool:
        return True

    def play(self, chime: np.ndarray | None, speech: np.ndarray, volume: float, ann: Announcement) -> None:
        if self.primary.ready():
            try:
                self.primary.play(chime, speech, volume, ann)
                self._current = self.primary
                return
            except OutputError as exc:
                log.warning("%s; this announcement goes to %s", exc, self.fallback.name)
        self._current = self.fallback
        if self.fallback.ready():
            self.fallback.play(chime, speech, volume, ann)

    def busy(self) -> bool:
        return self._current.busy()

    def stop(self) -> None:
        self._current.stop()
