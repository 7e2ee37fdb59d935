"""The voice pack: every clip a hall's announcements need, prepared ahead of time.

A pack is a folder::

    manifest.json            what is in it (below)
    clips/<lang>/<key>.wav   one clip per (language, text): 16-bit mono at audio.RATE

``manifest.json``::

    {"format": 1, "engine": "espeak", "rate": 22050, "built_at": "2026-11-23T12:00:00Z",
     "halls": ["zhongshan"],
     "clips": [{"lang": "zh-Hans", "text": "请", "file": "clips/zh-Hans/3f…wav",
                "sha256": "…", "seconds": 0.41}, …],
     "failed": [{"lang": "en", "text": "…", "error": "…"}]}

A pack made of a hall's own recordings (:mod:`audio.recorded`, ``signage voicepack
import``) has the same layout; its ``engine`` is ``recorded``, each clip adds
``"source": "recorded"`` with its ``key``, the file it came ``from`` and its ``lufs``,
and ``missing`` lists the phrases not recorded (said by espeak-ng).

What a caller may rely on:

* :func:`build_pack` writes the whole pack to a new folder and then swaps it in,
  so a pack on disk is always complete; a token the engine could not say is
  listed under ``failed`` and the build goes on.
* :meth:`VoicePack.load` checks every clip against its checksum; a missing or
  damaged clip is left out (and reported in ``problems``), never fatal: the
  assembler then says that token with espeak-ng.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from . import RATE
from .engines import Engine
from .errors import EngineError, PackError
from .pcm import prepare_clip, read_wav, resample, to_float, to_int16, wav_bytes

log = logging.getLogger(__name__)

PACK_FORMAT = 1
MANIFEST = "manifest.json"
Token = tuple[str, str]  # (lang, text)


def clip_file(lang: str, text: str) -> str:
    """The path of a token's clip inside a pack (stable: the same token, the same name)."""
    key = hashlib.sha256(f"{lang}\0{text}".encode()).hexdigest()[:20]
    return f"clips/{lang}/{key}.wav"


@dataclass
class BuildReport:
    """What a build did: clips written, tokens that failed, seconds taken."""

    out: Path
    engine: str
    clips: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # lang, text, error
    seconds: float = 0.0
    synth_seconds: list[float] = field(default_factory=list)  # per clip, engine time only


def build_pack(tokens: Iterable[Token], engine: Engine, out: str | Path, *, halls: Iterable[str] = (),
               progress: bool = False, on_token: Callable[[Token], None] | None = None) -> BuildReport:
    """Synthesise every token with ``engine`` into a pack at ``out`` (replacing it).

    ``progress`` shows a tqdm bar on stderr. Tokens the engine fails on are
    reported, not fatal. Raises :class:`PackError` only if ``out`` cannot be
    written.
    """
    out = Path(out)
    todo = sorted(set(tokens))
    report = BuildReport(out=out, engine=engine.name)
    started = time.perf_counter()
    tmp = out.with_name(out.name + ".building")
    try:
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
    except OSError as exc:
        raise PackError(f"cannot write the voice pack at {out}: {exc}") from exc

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), unit="clip", desc=f"voice pack ({engine.name})", leave=True)
    clips: list[dict[str, object]] = []
    failed: list[dict[str, str]] = []
    try:
        for lang, text in todo:
            if on_token is not None:
                on_token((lang, text))
            t0 = time.perf_counter()
            try:
                samples, rate = engine.synthesize(text, lang)
                report.synth_seconds.append(time.perf_counter() - t0)
                clip = prepare_clip(samples, rate)
                if len(clip) == 0:
                    raise EngineError("the engine produced only silence")
            except EngineError as exc:
                log.warning("voice pack: cannot say %r (%s): %s", text, lang, exc)
                report.failed.append((lang, text, str(exc)))
                failed.append({"lang": lang, "text": text, "error": str(exc)})
            else:
                rel = clip_file(lang, text)
                data = wav_bytes(clip, RATE)
                path = tmp / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                clips.append({"lang": lang, "text": text, "file": rel,
                              "sha256": hashlib.sha256(data).hexdigest(),
                              "seconds": round(len(clip) / RATE, 3)})
            if bar is not None:
                bar.update(1)
        manifest = {
            "format": PACK_FORMAT, "engine": engine.name, "rate": RATE,
            "built_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "halls": sorted(set(halls)), "clips": clips, "failed": failed,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        _swap_in(tmp, out)
    except OSError as exc:
        raise PackError(f"cannot write the voice pack at {out}: {exc}") from exc
    finally:
        if bar is not None:
            bar.close()
    report.clips = len(clips)
    report.seconds = time.perf_counter() - started
    return report


def _swap_in(new: Path, out: Path) -> None:
    # Rename is atomic; the old pack is removed only once the new one is in place.
    old = out.with_name(out.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if out.exists():
        out.rename(old)
    new.rename(out)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def write_pack(clips: dict[Token, np.ndarray], out: str | Path, *, engine: str, halls: Iterable[str] = (),
               extra: dict[Token, dict[str, object]] | None = None,
               manifest_extra: dict[str, object] | None = None) -> None:
    """Write clips made elsewhere (``int16`` at :data:`RATE`, e.g. recorded ones:
    :mod:`audio.recorded`) as a pack at ``out``, the way :func:`build_pack` does: a new
    folder swapped in, checksums in the manifest; ``extra`` adds fields to a clip's entry
    (``"source": "recorded"``), ``manifest_extra`` to the manifest. Raises :class:`PackError`."""
    out = Path(out)
    tmp = out.with_name(out.name + ".building")
    try:
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        entries: list[dict[str, object]] = []
        for (lang, text), clip in sorted(clips.items()):
            rel = clip_file(lang, text)
            data = wav_bytes(clip, RATE)
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            entries.append({"lang": lang, "text": text, "file": rel, "sha256": hashlib.sha256(data).hexdigest(),
                            "seconds": round(len(clip) / RATE, 3), **(extra or {}).get((lang, text), {})})
        manifest = {
            "format": PACK_FORMAT, "engine": engine, "rate": RATE,
            "built_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "halls": sorted(set(halls)), "clips": entries, "failed": [], **(manifest_extra or {}),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        _swap_in(tmp, out)
    except OSError as exc:
        raise PackError(f"cannot write the voice pack at {out}: {exc}") from exc


class VoicePack:
    """A loaded pack: clips in memory, looked up by ``(lang, text)``; ``recorded`` the
    tokens whose clips were recorded (``signage voicepack import``), not synthesised."""

    def __init__(self, clips: dict[Token, np.ndarray], *, engine: str = "", halls: list[str] | None = None,
                 path: Path | None = None, problems: list[str] | None = None,
                 recorded: set[Token] | None = None, lufs: float | None = None) -> None:
        self.clips = clips
        self.recorded = recorded or set()
        self.lufs = lufs  # a recorded pack's loudness: the fallback's clips are brought to it
        self.engine = engine
        self.halls = halls or []
        self.path = path
        self.problems = problems or []

    def __len__(self) -> int:
        return len(self.clips)

    def get(self, lang: str, text: str) -> np.ndarray | None:
        """The clip (``int16`` at :data:`RATE`), or None if the pack lacks it."""
        return self.clips.get((lang, text))

    def missing(self, tokens: Iterable[Token]) -> set[Token]:
        """The tokens this pack has no clip for."""
        return {t for t in tokens if t not in self.clips}

    @classmethod
    def load(cls, path: str | Path) -> VoicePack:
        """Read a pack folder. Raises :class:`PackError` if there is no readable manifest;
        a missing or damaged clip is only reported in ``problems``."""
        path = Path(path)
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except OSError as exc:
            raise PackError(f"no voice pack at {path}: {exc.strerror or exc}") from exc
        except ValueError as exc:
            raise PackError(f"{path / MANIFEST} is not valid JSON: {exc}") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != PACK_FORMAT:
            raise PackError(f"{path / MANIFEST}: not a voice pack of format {PACK_FORMAT}")
        clips: dict[Token, np.ndarray] = {}
        recorded: set[Token] = set()
        problems: list[str] = []
        entries = manifest.get("clips")
        for entry in entries if isinstance(entries, list) else []:
            try:
                lang, text, rel, digest = entry["lang"], entry["text"], entry["file"], entry["sha256"]
                file = (path / rel).resolve()
                if not file.is_relative_to(path.resolve()):
                    raise ValueError("clip outside the pack")
                data = file.read_bytes()
                if hashlib.sha256(data).hexdigest() != digest:
                    raise ValueError("checksum mismatch (damaged or edited)")
                samples, rate = read_wav(data)
                if rate != RATE:
                    samples = to_int16(resample(to_float(samples), rate, RATE))
            except (KeyError, TypeError, ValueError, OSError, EOFError) as exc:
                where = entry.get("file") if isinstance(entry, dict) else entry
                problems.append(f"{path}: clip {where}: {exc}")
                continue
            except Exception as exc:  # wave.Error and friends: one bad file, not a dead announcer
                problems.append(f"{path}: clip {entry.get('file')}: {exc}")
                continue
            samples.flags.writeable = False
            clips[(lang, text)] = samples
            if entry.get("source") == "recorded":
                recorded.add((lang, text))
        for p in problems:
            log.warning("voice pack: %s", p)
        halls = manifest.get("halls")
        lufs = manifest.get("lufs")
        lufs = float(lufs) if isinstance(lufs, (int, float)) and not isinstance(lufs, bool) \
            and -70.0 < lufs < 0.0 else None
        return cls(clips, engine=str(manifest.get("engine", "")), path=path, problems=problems, recorded=recorded,
                   halls=[str(h) for h in halls] if isinstance(halls, list) else [], lufs=lufs)
