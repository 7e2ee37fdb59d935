"""Speech engines: espeak-ng (offline, in-process) and gTTS (online, cached).

Both answer ``synthesize(text, lang) -> (samples, rate)`` with ``float32``
mono samples in [-1, 1], or raise :class:`~audio.errors.EngineError`. ``lang``
is a clip language (``zh-Hans``, ``zh-Hant``, ``yue``, ``en``, ``es``...) or any
BCP 47 tag of the hall file, which ``signage.config.voices`` maps to the
engine's voice (``zh-TW`` -> espeak-ng ``cmn``, gTTS ``zh-TW``).

* :class:`EspeakEngine` drives libespeak-ng (shipped by ``espeakng-loader``)
  through ctypes: about 5 ms for a whole call. The library is not thread-safe,
  so every call in the process runs on one worker thread, whoever asks.
  espeak-ng is GPL-3.0.
* :class:`GttsEngine` asks Google Translate's speech endpoint through gTTS.
  Halls have no internet (and Google is not reachable from mainland China), so
  it is only for filling a voice pack ahead of time. Every request has a
  connect and a read timeout (gTTS's default waits forever), failures are
  retried with backoff, and answers are kept in a :class:`DiskCache` keyed by
  engine, language and text, so a rebuilt pack asks for nothing it already has.
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from . import RATE
from .errors import EngineError
from signage.config.voices import ESPEAK_VOICES as _ESPEAK, GTTS_VOICES as _GTTS, voice_key

from .pcm import read_wav, to_float

log = logging.getLogger(__name__)

Clip = tuple[np.ndarray, int]  # float32 samples, sample rate


class Engine(Protocol):
    """What the voice pack builder and the fallback need from an engine."""

    name: str

    def synthesize(self, text: str, lang: str) -> Clip:
        """Speech for ``text`` in ``lang``; raises :class:`EngineError`."""
        ...


# --- espeak-ng ---------------------------------------------------------------------------

ESPEAK_VOICES = _ESPEAK  # clip language -> espeak-ng voice (cmn, yue, en, es, vi, ko, ...)

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_PARAM_RATE = 1
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
MAX_TEXT = 1000  # characters; a call is under 100
WORDS_PER_MINUTE = 170  # espeak-ng's speed for calls at voice.rate 1 (its own default is 175)


class _Espeak:
    """The one libespeak-ng of the process. Only ever touched from its worker thread."""

    def __init__(self) -> None:
        import espeakng_loader

        try:
            self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
            data = Path(espeakng_loader.get_data_path())
        except (OSError, RuntimeError) as exc:
            raise EngineError(f"cannot load espeak-ng: {exc}") from exc
        lib = self.lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                     ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        # espeak wants the folder that *contains* espeak-ng-data.
        self.rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, str(data.parent).encode(),
                                          _INITIALIZE_DONT_EXIT)
        if self.rate <= 0:
            raise EngineError(f"espeak-ng did not start (data at {data})")
        self._chunks: list[bytes] = []
        self._callback = _SYNTH_CALLBACK(self._on_audio)  # kept: ctypes must not free it
        lib.espeak_SetSynthCallback(self._callback)
        self._voice = ""
        self._wpm = 0

    def _on_audio(self, wav: ctypes.POINTER(ctypes.c_short), n: int, _events: int) -> int:  # type: ignore[valid-type]
        if wav and n > 0:
            self._chunks.append(ctypes.string_at(wav, n * 2))
        return 0

    def synth(self, text: str, voice: str, wpm: int) -> Clip:
        if wpm != self._wpm:
            self.lib.espeak_SetParameter(_PARAM_RATE, wpm, 0)
            self._wpm = wpm
        if voice != self._voice:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise EngineError(f"espeak-ng has no voice {voice!r}")
            self._voice = voice
        self._chunks = []
        data = text.encode("utf-8") + b"\0"
        err = self.lib.espeak_Synth(data, len(data), 0, 0, 0, _CHARS_UTF8, None, None)
        self.lib.espeak_Synchronize()
        if err != 0:
            raise EngineError(f"espeak-ng failed ({err}) on {text!r}")
        pcm = np.frombuffer(b"".join(self._chunks), dtype="<i2")
        return to_float(pcm.astype(np.int16)), self.rate


_espeak_lock = threading.Lock()
_espeak_worker: ThreadPoolExecutor | None = None
_espeak: _Espeak | None = None


def _clean_text(text: str) -> str:
    # Control characters could switch espeak-ng into modes we do not want.
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())[:MAX_TEXT]


class EspeakEngine:
    """Offline speech through libespeak-ng. Safe to use from any thread.

    ``words_per_minute`` is espeak-ng's speed (its default is 175); calls are
    read a little slower, for the elderly at the back of the hall.
    """

    name = "espeak"

    def __init__(self, words_per_minute: int = WORDS_PER_MINUTE, timeout: float = 20.0) -> None:
        self.words_per_minute = words_per_minute
        self.timeout = timeout

    @classmethod
    def at_rate(cls, rate: float, **options: float) -> EspeakEngine:
        """The engine at a hall's ``voice.rate``: :data:`WORDS_PER_MINUTE` times ``rate``."""
        return cls(words_per_minute=int(round(WORDS_PER_MINUTE * rate)), **options)  # type: ignore[arg-type]

    @staticmethod
    def _worker() -> ThreadPoolExecutor:
        global _espeak_worker
        with _espeak_lock:
            if _espeak_worker is None:
                _espeak_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="espeak")
            return _espeak_worker

    def synthesize(self, text: str, lang: str) -> Clip:
        voice = ESPEAK_VOICES.get(voice_key(lang))
        if voice is None:
            raise EngineError(f"espeak-ng: no voice for language {lang!r}")
        text = _clean_text(text)
        if not text:
            return np.zeros(0, dtype=np.float32), RATE
        worker = self._worker()
        wpm = self.words_per_minute

        def job() -> Clip:
            global _espeak
            if _espeak is None:
                _espeak = _Espeak()
            return _espeak.synth(text, voice, wpm)

        try:
            return worker.submit(job).result(timeout=self.timeout)
        except EngineError:
            raise
        except Exception as exc:  # a timeout, a ctypes surprise: one bad token, not a crash
            raise EngineError(f"espeak-ng failed on {text!r}: {exc!r}") from exc


# --- the cache ------------------------------------------------------------------------------

def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/hall-signage/tts`` (``~/.cache/...``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hall-signage" / "tts"


class DiskCache:
    """Engine answers kept as files, keyed by engine, language and text.

    A value is written to a temporary file and renamed, so a crash never
    leaves half an answer to be served later.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @staticmethod
    def key(engine: str, lang: str, text: str) -> str:
        return hashlib.sha256(f"{engine}\0{lang}\0{text}".encode()).hexdigest()

    def path(self, engine: str, lang: str, text: str) -> Path:
        k = self.key(engine, lang, text)
        return self.root / engine / k[:2] / k

    def get(self, engine: str, lang: str, text: str) -> bytes | None:
        try:
            data = self.path(engine, lang, text).read_bytes()
        except OSError:
            return None
        return data or None

    def put(self, engine: str, lang: str, text: str, data: bytes) -> None:
        p = self.path(engine, lang, text)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp = p.with_name(f"{p.name}.{os.getpid()}.{threading.get_ident()}.part")
            tmp.write_bytes(data)
            tmp.replace(p)
        except OSError as exc:  # a full or read-only disk costs a re-download, nothing more
            log.warning("cannot write the speech cache %s: %s", p, exc)


# --- decoding -----------------------------------------------------------------------------

_decode_lock = threading.Lock()


def _ensure_mixer() -> tuple[int, int, int]:
    """An initialised pygame mixer to decode with; the dummy driver if there is no sound card."""
    import pygame

    init = pygame.mixer.get_init()
    if init:
        return init
    try:
        pygame.mixer.init(RATE, -16, 1)
    except pygame.error:
        # Decoding needs no speakers: try again with SDL's silent driver.
        old = os.environ.get("SDL_AUDIODRIVER")
        os.environ["SDL_AUDIODRIVER"] = "dummy"
        try:
            pygame.mixer.init(RATE, -16, 1)
        finally:
            if old is None:
                os.environ.pop("SDL_AUDIODRIVER", None)
            else:
                os.environ["SDL_AUDIODRIVER"] = old
    init = pygame.mixer.get_init()
    if not init:
        raise EngineError("cannot start pygame's mixer to decode audio")
    return init


def decode_audio(data: bytes) -> Clip:
    """WAV (read directly) or MP3/OGG (decoded by pygame's SDL_mixer) to float samples."""
    if data[:4] == b"RIFF":
        try:
            pcm, rate = read_wav(data)
            return to_float(pcm), rate
        except Exception as exc:
            raise EngineError(f"bad WAV data: {exc}") from exc
    import pygame

    with _decode_lock:
        freq, size, channels = _ensure_mixer()
        try:
            raw = pygame.mixer.Sound(file=io.BytesIO(data)).get_raw()
        except pygame.error as exc:
            raise EngineError(f"cannot decode audio ({len(data)} bytes): {exc}") from exc
    dtype = {-16: "<i2", 16: "<u2", 32: "<f4", -8: "i1", 8: "u1"}.get(size)
    if dtype is None:
        raise EngineError(f"unexpected mixer sample format {size}")
    x = np.frombuffer(raw, dtype=dtype).astype(np.float32)
    if size == 16:
        x = (x - 32768.0) / 32768.0
    elif size == -16:
        x /= 32768.0
    elif size == 8:
        x = (x - 128.0) / 128.0
    elif size == -8:
        x /= 128.0
    if channels > 1:
        x = x[: len(x) // channels * channels].reshape(-1, channels).mean(axis=1)
    return x.astype(np.float32), freq


# --- gTTS ------------------------------------------------------------------------------------

GTTS_LANGS = _GTTS  # clip language -> gTTS language code (zh-CN, zh-TW, yue, en, es, ...)


def _gtts_class() -> type:
    from gtts import gTTS

    class PointedGTTS(gTTS):  # type: ignore[misc]
        """gTTS that can be pointed at another endpoint (a local fake in tests, a mirror)."""

        endpoint: str | None = None

        def _prepare_requests(self):  # noqa: ANN202 - gTTS's own signature
            requests_ = super()._prepare_requests()
            if self.endpoint:
                for r in requests_:
                    r.prepare_url(self.endpoint, None)
            return requests_

    return PointedGTTS


class GttsEngine:
    """Google's speech through gTTS, with timeouts, retries and a disk cache.

    ``endpoint`` replaces Google's URL (``https://translate.google.<tld>/_/
    TranslateWebserverUi/data/batchexecute``); ``timeout`` is gTTS's
    ``(connect, read)`` in seconds; ``retries`` is the number of attempts;
    ``sleep`` is how to wait between them (tests pass a fake). Raises
    :class:`EngineError` when every attempt failed.
    """

    name = "gtts"

    def __init__(self, *, cache: DiskCache | None = None, endpoint: str | None = None, tld: str = "com",
                 timeout: tuple[float, float] = (3.05, 10.0), retries: int = 3, backoff: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.cache = cache
        self.endpoint = endpoint
        self.tld = tld
        self.timeout = timeout
        self.retries = max(1, retries)
        self.backoff = backoff
        self.sleep = sleep
        self.requests = 0  # requests sent, for tests and the build report

    def fetch(self, text: str, lang: str) -> bytes:
        """The MP3 for ``text`` in ``lang``, from the cache or the network."""
        code = GTTS_LANGS.get(voice_key(lang))
        if code is None:
            raise EngineError(f"gTTS: no voice for language {lang!r}")
        text = _clean_text(text)
        if self.cache is not None:
            cached = self.cache.get(self.name, lang, text)
            if cached is not None:
                return cached
        from gtts import gTTSError

        cls = _gtts_class()
        last: Exception | None = None
        for attempt in range(self.retries):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            tts = cls(text, tld=self.tld, lang=code, lang_check=False, timeout=self.timeout)
            tts.endpoint = self.endpoint
            self.requests += 1
            try:
                data = b"".join(tts.stream())
            except (gTTSError, OSError, ValueError) as exc:
                last = exc
                log.info("gTTS attempt %d/%d for %r failed: %s", attempt + 1, self.retries, text, exc)
                continue
            except Exception as exc:  # requests can raise its own family; still just a failure
                last = exc
                log.info("gTTS attempt %d/%d for %r failed: %r", attempt + 1, self.retries, text, exc)
                continue
            if not data:
                last = EngineError("empty answer")
                continue
            if self.cache is not None:
                self.cache.put(self.name, lang, text, data)
            return data
        raise EngineError(f"gTTS failed for {text!r} ({lang}) after {self.retries} attempts: {last}")

    def synthesize(self, text: str, lang: str) -> Clip:
        return decode_audio(self.fetch(text, lang))


def make_engine(name: str, **options: object) -> Engine:
    """An engine by name (``espeak`` or ``gtts``); options go to its constructor."""
    if name == "espeak":
        return EspeakEngine(**options)  # type: ignore[arg-type]
    if name == "gtts":
        return GttsEngine(**options)  # type: ignore[arg-type]
    raise EngineError(f"unknown engine {name!r} (expected espeak or gtts)")
