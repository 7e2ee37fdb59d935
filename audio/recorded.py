"""A hall's own voice: the clips to record, and recorded files made into a voice pack.

``signage voicepack phrases --hall FILE`` lists every clip the hall's
announcements can need, one a line, ``KEY<TAB>LANGUAGE<TAB>TEXT``::

    zh-Hans.请            zh-Hans  请
    zh-Hans.digit-0       zh-Hans  零
    zh-Hans.window-11     zh-Hans  十一
    en.please-go-to-window  en     please go to window

The list is :func:`audio.phrases.all_hall_tokens`, the very set the announcer's
phrase builder (:func:`audio.phrases.call_phrases`) can produce, so it cannot
disagree with what is spoken; the keys only name those clips. A key is the clip
language, a dot, and what the clip is: ``digit-N`` and ``letter-X`` (ticket
characters), ``window-N``, ``floor-ID``, ``service-ID``, else the words of
the template piece themselves (lower case, anything but letters and digits
made ``-``). One clip serving several roles (English "3" is a digit and
window 3) has one key; a file named for any of its roles is taken
(:attr:`PhraseClip.aliases`).

``signage voicepack import DIR --hall FILE --out PACK`` reads ``KEY.wav``,
``.flac``, ``.ogg`` or ``.mp3`` files (:func:`import_recordings`): each is made
mono, trimmed of leading and trailing silence (below :data:`TRIM_DB` under the
clip's peak, keeping :data:`EDGE_SECONDS`), resampled with soxr to the pack's
rate, brought to one loudness (EBU R128 with pyloudnorm, −16 LUFS unless told),
and written as a voice pack of the format the announcer reads
(:mod:`audio.voicepack`), each clip marked ``"source": "recorded"``. A bad file
(unreadable, too long, silent) is refused with a sentence and the rest of the
pack is built; a phrase without a recording is left out of the pack, listed
under ``missing`` in its manifest, and said by espeak-ng at run time (the
assembler's fallback, one clip at a time). Nothing here raises for bad input.
"""

from __future__ import annotations

import difflib
import math
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import numpy as np

from signage.config.voices import voice_key

from . import RATE
from .errors import PackError
from .phrases import Values, _service_name, all_hall_tokens, call_phrases, say_floor, say_number, ticket_words
from .voicepack import Token, write_pack

if TYPE_CHECKING:
    from signage.config.model import HallConfig

EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3")  # in this order when two files name one clip
MAX_SECONDS = 20.0      # a clip file longer than this is refused (a phrase is a few seconds)
TRIM_DB = -35.0         # below the clip's peak by this much is silence
EDGE_SECONDS = 0.010    # kept before the first and after the last sound
FADE_SECONDS = 0.004    # fades at the cut edges, against clicks
SILENT_PEAK = 10 ** (-60 / 20)  # a file whose peak is under -60 dBFS holds nothing to use
MIN_SPEECH = 0.03       # seconds of sound a clip needs after trimming
DEFAULT_LUFS = -16.0
MIN_RATE, MAX_RATE = 4000, 768000  # a header saying another rate is damaged
PEAK_LIMIT = 10 ** (-1 / 20)  # never louder than -1 dBFS: a clip that would be is raised less
MEASURE_SECONDS = 1.2   # clips shorter than this are measured looped (R128 needs 400 ms blocks)

_ROLE_ORDER = {"piece": 0, "letter": 1, "digit": 2, "window": 3, "floor": 4, "service": 5}


# --- the clips to record ---------------------------------------------------------------------

@dataclass
class PhraseClip:
    """One clip of a hall's pack: its key (the recording's file name without extension),
    clip language and text, what it is (``role``), and other keys a file may have."""

    key: str
    lang: str
    text: str
    role: str = "piece"
    aliases: list[str] = field(default_factory=list)

    @property
    def token(self) -> Token:
        return (self.lang, self.text)


def slug(text: str, limit: int = 60) -> str:
    """Words made file-name-safe: lower case, letters and digits of any script kept,
    everything else one ``-`` ("once again, please go to" -> ``once-again-please-go-to``)."""
    text = unicodedata.normalize("NFC", text).lower()
    out = "".join(ch if ch.isalnum() else "-" for ch in text)
    out = re.sub(r"-+", "-", out).strip("-")
    return out[:limit].rstrip("-")


def _file_safe(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", name).strip("-").lower() or "x"


def _roles(config: HallConfig) -> dict[Token, list[tuple[str, str]]]:
    """What each of the hall's value words is: (lang, text) -> [(role, role name)], from the
    same functions the phrase builder reads values with."""
    roles: dict[Token, list[tuple[str, str]]] = {}

    def add(token: Token, role: str, name: str) -> None:
        found = roles.setdefault(token, [])
        if (role, name) not in found:
            found.append((role, name))

    langs = list(dict.fromkeys(voice_key(str(t)) for t in config.voice.languages))
    letters = sorted({ch for s in config.services for ch in str(s.prefix).upper() if "A" <= ch <= "Z"})
    for lang in langs:
        for d, w in enumerate(ticket_words("0123456789", lang)):
            add((lang, w), "digit", f"digit-{d}")
        for ch in letters:
            add((lang, ch), "letter", f"letter-{ch.lower()}")
        for window in config.windows:
            if window.number:
                add((lang, say_number(window.number, lang)), "window", f"window-{window.number}")
        for floor in config.floors:
            add((lang, say_floor(floor.id, floor.level, lang)), "floor", f"floor-{_file_safe(str(floor.id))}")
        for service in config.services:
            name = _service_name(dict(service.name), lang)
            if name is not None:
                add((name[1], " ".join(name[0].split())), "service",
                    f"service-{_file_safe(str(service.id))}")
    return roles


def _said_order(configs: list[HallConfig]) -> dict[Token, int]:
    """The order in which a call, then a recall, says its clips (only to list the pieces in
    the order a recordist reads them; which clips there are is :func:`all_hall_tokens`')."""
    order: dict[Token, int] = {}
    for config in configs:
        floors = [(f.id, f.level) for f in config.floors]
        prefix = next((str(s.prefix) for s in config.services if s.prefix), "A")
        window = next((w.number for w in config.windows if w.number), 1)
        values = Values(ticket=f"{prefix}0", window=window, floor=floors[-1] if floors else None,
                        other_floor=len(floors) > 1)
        for kind in ("call", "recall"):
            for phrase in call_phrases(config.voice, kind, values, getattr(config, "terms", None)):
                for s in phrase.segments:
                    order.setdefault((s.lang, s.text), len(order))
    return order


def hall_phrases(configs: Iterable[HallConfig]) -> list[PhraseClip]:
    """Every clip the halls' announcements can need, keyed, in recording order: per clip
    language (the voices' order), the template pieces, letters, digits, windows, floors, services."""
    configs = list(configs)
    tokens = all_hall_tokens(configs)
    roles: dict[Token, list[tuple[str, str]]] = {}
    order: list[str] = []
    for config in configs:
        for token, found in _roles(config).items():
            for r in found:
                if r not in roles.setdefault(token, []):
                    roles[token].append(r)
        order += [voice_key(str(t)) for t in config.voice.languages]
    lang_rank = {lang: i for i, lang in enumerate(dict.fromkeys(order))}
    said = _said_order(configs)

    def rank(name: str) -> tuple:
        num = re.search(r"\d+$", name)
        return (int(num.group()) if num else -1, name)

    clips: list[PhraseClip] = []
    for lang, text in tokens:
        found = sorted(roles.get((lang, text), []), key=lambda r: (_ROLE_ORDER[r[0]], rank(r[1])))
        if found:
            role, names = found[0][0], [n for _, n in found]
        else:
            role, names = "piece", [slug(text) or "piece"]
        clips.append(PhraseClip(f"{lang}.{names[0]}", lang, text, role, [f"{lang}.{n}" for n in names[1:]]))
    clips.sort(key=lambda c: (lang_rank.get(c.lang, len(lang_rank)), c.lang, _ROLE_ORDER[c.role],
                              said.get(c.token, len(said)) if c.role == "piece" else 0,
                              rank(c.key.partition(".")[2]), c.text))
    seen: dict[str, int] = {}
    for c in clips:  # two pieces with one slug ("Ticket" and "ticket"): the second gets -2
        n = seen.get(c.key.casefold(), 0) + 1
        seen[c.key.casefold()] = n
        if n > 1:
            c.key = f"{c.key}-{n}"
    return clips


def phrase_lines(clips: Iterable[PhraseClip]) -> list[str]:
    """The lines of ``signage voicepack phrases``: ``KEY<TAB>LANGUAGE<TAB>TEXT``."""
    return [f"{c.key}\t{c.lang}\t{c.text}" for c in clips]


# --- reading a recording ------------------------------------------------------------------------

class Refused(Exception):
    """A recording that cannot be used; the message is the sentence to print."""


def _read_mp3(path: Path, name: str) -> tuple[np.ndarray, int]:
    """An MP3 file by audioread (if installed) or the ffmpeg program; Refused if neither is there."""
    try:
        import audioread  # type: ignore[import-not-found]
    except ImportError:
        audioread = None
    if audioread is not None:
        try:
            with audioread.audio_open(str(path)) as f:
                rate, channels = f.samplerate, f.channels
                if f.duration > MAX_SECONDS:
                    raise Refused(_too_long(name, f.duration))
                raw = b"".join(f)
            x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
            return x[: len(x) // channels * channels].reshape(-1, channels), rate
        except Refused:
            raise
        except Exception as exc:
            raise Refused(f"{name}: cannot be read as MP3 ({exc}): export it again, or as WAV or FLAC") from exc
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise Refused(f"{name}: MP3 needs ffmpeg here (this libsndfile cannot read MP3): "
                      "install ffmpeg, or export the recording as WAV or FLAC")
    try:
        done = subprocess.run([ffmpeg, "-v", "error", "-t", str(MAX_SECONDS + 1), "-i", str(path),
                               "-f", "f32le", "-ac", "1", "-ar", str(RATE), "-"],
                              capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise Refused(f"{name}: ffmpeg cannot read it: export it again, or as WAV or FLAC") from exc
    x = np.frombuffer(done.stdout, dtype="<f4").reshape(-1, 1)
    if len(x) > MAX_SECONDS * RATE:
        raise Refused(_too_long(name, None))
    return x, RATE


def _too_long(name: str, seconds: float | None) -> str:
    length = f"{seconds:.0f} s" if seconds is not None else f"over {MAX_SECONDS:.0f} s"
    return (f"{name}: {length} long; a clip is at most {MAX_SECONDS:.0f} s "
            "(one phrase): cut it to the phrase and import again")


def read_recording(path: Path, name: str | None = None) -> tuple[np.ndarray, int]:
    """Samples (frames x channels, float32) and rate of a recording; :class:`Refused` with a
    sentence for a file that cannot be read or is too long."""
    import soundfile as sf

    name = name or path.name
    mp3 = path.suffix.lower() == ".mp3"
    if mp3 and "MP3" not in sf.available_formats():
        return _read_mp3(path, name)
    try:
        info = sf.info(str(path))
    except Exception as exc:  # LibsndfileError, RuntimeError, TypeError: not audio
        raise Refused(f"{name}: not a readable audio file ({_reason(exc, path)}): "
                      "record or export it again") from exc
    if not MIN_RATE <= info.samplerate <= MAX_RATE:
        raise Refused(f"{name}: its header says {info.samplerate} Hz, no recording's rate "
                      f"({MIN_RATE}-{MAX_RATE} Hz): record or export it again")
    if info.channels <= 0:
        raise Refused(f"{name}: its header says no channels: record or export it again")
    if info.frames > MAX_SECONDS * info.samplerate:
        raise Refused(_too_long(name, info.frames / info.samplerate))
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:
        raise Refused(f"{name}: damaged ({_reason(exc, path)}): record or export it again") from exc
    return data, int(rate)


def _reason(exc: BaseException, path: Path | None = None) -> str:
    """libsndfile's words for what is wrong, without the file's path (said already)."""
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    if path is not None:
        text = text.replace(repr(str(path)), "").replace(str(path), "")
    text = text.replace("Error opening", "").strip(" :.")
    return text[:160] or type(exc).__name__


# --- making a clip of it ----------------------------------------------------------------------

def trim(x: np.ndarray, rate: int, db: float = TRIM_DB, edge: float = EDGE_SECONDS) -> np.ndarray:
    """Leading and trailing silence cut: below ``db`` under the clip's peak, ``edge`` seconds kept."""
    if len(x) == 0:
        return x
    peak = float(np.max(np.abs(x)))
    loud = np.flatnonzero(np.abs(x) >= peak * 10 ** (db / 20))
    keep = int(round(edge * rate))
    return x[max(0, loud[0] - keep): min(len(x), loud[-1] + 1 + keep)]


def loudness(x: np.ndarray, rate: int) -> float:
    """Integrated loudness (EBU R128 / ITU-R BS.1770, LUFS) of a mono clip. A clip shorter than
    :data:`MEASURE_SECONDS` is measured looped: R128 measures 400 ms blocks, and a looped clip
    has the clip's own loudness. ``-inf`` for silence."""
    import pyloudnorm

    if len(x) == 0:
        return float("-inf")
    need = int(MEASURE_SECONDS * rate)
    y = np.tile(x, math.ceil(need / len(x))) if len(x) < need else x
    return float(pyloudnorm.Meter(rate).integrated_loudness(y.astype(np.float64)))


def at_loudness(clip: np.ndarray, lufs: float, rate: int = RATE) -> np.ndarray:
    """An ``int16`` clip (an espeak-ng fallback in a recorded pack) brought to ``lufs``,
    peaks under -1 dBFS; unchanged if it cannot be measured."""
    x = clip.astype(np.float32) / 32768.0
    try:
        current = loudness(x, rate)
    except Exception:  # pyloudnorm missing or a clip it cannot measure: leave it as it is
        return clip
    if not math.isfinite(current) or len(x) == 0:
        return clip
    gain = min(10 ** ((lufs - current) / 20), PEAK_LIMIT / max(float(np.max(np.abs(x))), 1e-9))
    return (np.clip(x * gain, -1.0, 1.0) * 32767.0).round().astype(np.int16)


def _fade(x: np.ndarray, rate: int, seconds: float = FADE_SECONDS) -> np.ndarray:
    n = min(int(seconds * rate), len(x) // 2)
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, endpoint=False, dtype=np.float32)
        x = x.copy()
        x[:n] *= ramp
        x[-n:] *= ramp[::-1]
    return x


@dataclass
class Made:
    """A recording made into a clip: ``int16`` at the pack's rate, its loudness, what was done."""

    samples: np.ndarray
    lufs: float
    notes: list[str] = field(default_factory=list)


def make_clip(data: np.ndarray, rate: int, *, name: str = "clip", lufs: float = DEFAULT_LUFS,
              to_rate: int = RATE) -> Made:
    """Frames x channels at ``rate`` -> a pack clip: mono, trimmed, resampled (soxr), at
    ``lufs``, faded at the cuts. :class:`Refused` for silence; ``notes`` say what was converted."""
    import soxr

    notes: list[str] = []
    data = np.asarray(data, dtype=np.float32)
    if data.ndim == 1:
        data = data[:, None]
    if not np.all(np.isfinite(data)):
        data = np.nan_to_num(data, nan=0.0, posinf=0.0, neginf=0.0)
        notes.append("samples that were not numbers made silent")
    if data.shape[1] > 1:
        notes.append(f"{data.shape[1]} channels mixed to mono")
    x = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if peak < SILENT_PEAK:
        what = "empty" if len(x) == 0 else f"silent (peak {20 * math.log10(peak):.0f} dBFS)" if peak > 0 else "silent"
        raise Refused(f"{name}: {what}: nothing to use; it is said by espeak-ng until recorded again")
    x = trim(x, rate)
    if len(x) < MIN_SPEECH * rate:
        raise Refused(f"{name}: only a click ({1000 * len(x) / rate:.0f} ms of sound): "
                      "record the phrase again; meanwhile espeak-ng says it")
    if rate != to_rate:
        x = soxr.resample(x, rate, to_rate, quality="HQ").astype(np.float32)
        notes.append(f"{rate} Hz resampled to {to_rate} Hz")
    current = loudness(x, to_rate)
    if not math.isfinite(current):
        raise Refused(f"{name}: too quiet to measure: record it again; meanwhile espeak-ng says it")
    gain = 10 ** ((lufs - current) / 20)
    top = float(np.max(np.abs(x)))
    if top * gain > PEAK_LIMIT:
        gain = PEAK_LIMIT / top
        notes.append(f"raised only to {current + 20 * math.log10(gain):.1f} LUFS (its peaks would clip)")
    x = _fade(x * gain, to_rate)
    out = (np.clip(x, -1.0, 1.0) * 32767.0).round().astype(np.int16)
    return Made(out, loudness(out.astype(np.float32) / 32768.0, to_rate), notes)


# --- the import ---------------------------------------------------------------------------------

@dataclass
class ImportReport:
    """What an import did: every sentence to print, and the pack written."""

    out: Path
    recorded: dict[str, str] = field(default_factory=dict)       # key -> file name
    converted: list[str] = field(default_factory=list)           # "file: what was done"
    refused: list[str] = field(default_factory=list)             # one sentence each
    missing: list[PhraseClip] = field(default_factory=list)      # said by espeak-ng
    unused: list[str] = field(default_factory=list)              # one sentence each
    lufs: dict[str, float] = field(default_factory=dict)         # key -> measured

    def lines(self) -> list[str]:
        out = [f"converted: {c}" for c in self.converted]
        out += [f"refused: {r}" for r in self.refused]
        out += [f"unused: {u}" for u in self.unused]
        out += [f"missing: {c.key}\t{c.lang}\t{c.text}\t(said by espeak-ng)" for c in self.missing]
        return out


def _ext_rank(path: Path) -> int:
    ext = path.suffix.lower()
    return EXTENSIONS.index(ext) if ext in EXTENSIONS else len(EXTENSIONS)


def _key_of(path: Path) -> str:
    return unicodedata.normalize("NFC", path.stem).casefold()


def import_recordings(src: str | Path, clips: list[PhraseClip], out: str | Path, *, lufs: float = DEFAULT_LUFS,
                      halls: Iterable[str] = ()) -> ImportReport:
    """Make the recordings in ``src`` (``KEY.wav|flac|ogg|mp3``) into a pack at ``out``.

    Never raises for a bad recording (it is refused with a sentence, the rest goes on);
    raises :class:`PackError` only if ``src`` cannot be read or ``out`` cannot be written."""
    src, out = Path(src), Path(out)
    report = ImportReport(out=out)
    if not src.is_dir():
        raise PackError(f"no folder of recordings at {src}")
    try:
        files = sorted((p for p in src.rglob("*") if p.is_file() and not p.name.startswith(".")
                        and not p.resolve().is_relative_to(out.resolve())),
                       key=lambda p: (p.parent, p.stem, _ext_rank(p), p.name))
    except OSError as exc:
        raise PackError(f"cannot read the recordings in {src}: {exc.strerror or exc}") from exc
    by_key: dict[str, PhraseClip] = {}
    for c in clips:
        by_key.setdefault(c.key.casefold(), c)
    for c in clips:
        for a in c.aliases:
            by_key.setdefault(a.casefold(), c)
    names = [c.key for c in clips] + [a for c in clips for a in c.aliases]

    chosen: dict[str, tuple[Path, bool]] = {}  # clip key -> (file, named by its own key)
    for path in files:
        rel = path.relative_to(src)
        if path.suffix.lower() not in EXTENSIONS:
            report.unused.append(f"{rel}: not a recording (KEY.wav, .flac, .ogg or .mp3)")
            continue
        clip = by_key.get(_key_of(path))
        if clip is None:
            close = difflib.get_close_matches(unicodedata.normalize("NFC", path.stem), names, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}{path.suffix}?" if close else \
                "; `signage voicepack phrases` lists the keys"
            report.unused.append(f"{rel}: names no phrase of the hall{hint}")
            continue
        own = _key_of(path) == clip.key.casefold()
        before = chosen.get(clip.key)
        if before is not None:
            keep_new = own and not before[1]
            dropped = before[0] if keep_new else path
            if keep_new:
                chosen[clip.key] = (path, own)
            report.unused.append(f"{dropped.relative_to(src)}: another recording of {clip.key} is used "
                                 f"({chosen[clip.key][0].relative_to(src)})")
            continue
        chosen[clip.key] = (path, own)

    made: dict[Token, np.ndarray] = {}
    extra: dict[Token, dict[str, object]] = {}
    for clip in clips:
        if clip.key not in chosen:
            report.missing.append(clip)
            continue
        path = chosen[clip.key][0]
        rel = str(path.relative_to(src))
        try:
            data, rate = read_recording(path, rel)
            result = make_clip(data, rate, name=rel, lufs=lufs)
        except Refused as exc:
            report.refused.append(str(exc))
            report.missing.append(clip)
            continue
        except Exception as exc:  # whatever a decoder throws: one bad file, not a dead import
            report.refused.append(f"{rel}: cannot be used ({_reason(exc, path)}): record or export it again")
            report.missing.append(clip)
            continue
        if result.notes:
            report.converted.append(f"{rel}: {'; '.join(result.notes)}")
        made[clip.token] = result.samples
        extra[clip.token] = {"source": "recorded", "key": clip.key, "from": rel, "lufs": round(result.lufs, 2)}
        report.recorded[clip.key] = rel
        report.lufs[clip.key] = result.lufs
    report.missing.sort(key=lambda c: clips.index(c))
    write_pack(made, out, engine="recorded", halls=halls, extra=extra, manifest_extra={
        "lufs": lufs, "missing": [{"lang": c.lang, "text": c.text, "key": c.key} for c in report.missing]})
    return report
