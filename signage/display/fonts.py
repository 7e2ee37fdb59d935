"""Finding the font, and the right face of it, for each language.

Noto Sans CJK comes as a collection (``.ttc``) holding Japanese, Korean,
Simplified, Traditional and Hong Kong faces: the same code point is drawn
differently in each (骨, 直, 写...), so Simplified text must use the SC face and
Traditional text the TC face. Faces are found by name, never by a fixed index,
because the order differs between font releases.

Where the font comes from, first found wins: the theme's ``font``, the
``SIGNAGE_FONT`` environment variable, Debian's ``fonts-noto-cjk`` (installed by
the Makefile), other distributions' paths, then ``fc-match``. Without any CJK
font the screen still runs with pygame's own font (Chinese shows as boxes) and
says so in the log.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pygame
import pygame.freetype

from ..languages import font_for

log = logging.getLogger(__name__)

SEARCH_DIRS = (
    "/usr/share/fonts/opentype/noto",      # Debian, Ubuntu: fonts-noto-cjk
    "/usr/share/fonts/noto-cjk",           # Arch
    "/usr/share/fonts/google-noto-cjk",    # Fedora
    "/usr/share/fonts/opentype/noto-cjk",
    "/usr/local/share/fonts",
    str(Path.home() / ".local/share/fonts"),
)
FILES = {True: ("NotoSansCJK-Bold.ttc", "NotoSansCJKsc-Bold.otf"),
         False: ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf")}

# The face of a collection the first languages read best in ("Noto Sans CJK SC"); every
# other tag's is found from its script (signage/languages.py, cjk_region and font_for).
REGION = {"zh-Hans": "SC", "zh-Hant": "TC", "en": "SC"}


@dataclass(frozen=True)
class Face:
    path: str | None  # None: pygame's built-in font
    index: int
    name: str


def _init() -> None:
    if not pygame.freetype.get_init():
        pygame.freetype.init()


def find_font_file(bold: bool = True, override: str | None = None) -> str | None:
    """The path of a CJK font file, or None if this machine has none."""
    for candidate in (override, os.environ.get("SIGNAGE_FONT")):
        if candidate and Path(candidate).is_file():
            return candidate
        if candidate:
            log.warning("font %s not found; using the bundled CJK font", candidate)
    for d in SEARCH_DIRS:
        for name in FILES[bold] + FILES[not bold]:
            p = Path(d) / name
            if p.is_file():
                return str(p)
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", f"Noto Sans CJK SC:{'bold' if bold else 'regular'}"],
                                 capture_output=True, text=True, timeout=5).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and Path(out).is_file() and "CJK" in out:
            return out
    return None


@lru_cache(maxsize=16)
def faces_in(path: str) -> tuple[str, ...]:
    """Names of the faces in a font file, by index."""
    _init()
    names: list[str] = []
    for index in range(64):
        try:
            names.append(pygame.freetype.Font(path, 12, font_index=index).name or "")
        except (OSError, pygame.error, ValueError):
            break
    return tuple(names)


def face_index(path: str, region: str) -> int:
    """Index of the proportional face for ``region`` (SC, TC...) in a collection; 0 if none."""
    names = faces_in(path)
    for i, name in enumerate(names):
        words = name.split()
        if region in words and "Mono" not in words:
            return i
    return 0


@lru_cache(maxsize=64)
def face_for(lang: str, bold: bool = True, override: str | None = None) -> Face:
    """The face that draws ``lang`` (any BCP 47 tag), chosen by its script
    (:func:`signage.languages.font_for`): a face of the CJK collection (SC for zh-Hans,
    TC for zh-Hant/zh-TW, HK for zh-HK/yue, JP, KR; SC for English, Spanish and the other
    languages it covers), else the installed font fontconfig says covers it (DejaVu Sans
    for Vietnamese, French...). A language no installed font draws gets the CJK face (its
    letters show as boxes: validation says which package to install)."""
    choice = font_for(lang, bold)
    if choice is not None and choice.cjk is None and choice.path:
        names = faces_in(choice.path)
        return Face(choice.path, 0, names[0] if names and names[0] else choice.family)
    if choice is None:
        log.warning("no installed font draws %s; validation says which package to install", lang)
    path = find_font_file(bold, override)
    if path is None:
        log.warning("no CJK font found (install fonts-noto-cjk); Chinese will not be readable")
        return Face(None, 0, "pygame default")
    index = face_index(path, choice.cjk if choice is not None and choice.cjk else REGION.get(lang, "SC"))
    names = faces_in(path)
    return Face(path, index, names[index] if index < len(names) else Path(path).stem)


@lru_cache(maxsize=32)
def load(face: Face) -> pygame.freetype.Font:
    """A freetype font object for a face; the size is given per call."""
    _init()
    font = pygame.freetype.Font(face.path, 16, font_index=face.index) if face.path else \
        pygame.freetype.Font(None, 16)
    font.pad = False
    font.kerning = False  # Noto CJK has no useful Latin kerning here; faster without
    return font
