"""Files a hall file names: the pictures of ``image`` regions and the fonts of themes.

A hall file is written by a hall manager and copied to the hub and to every
screen PC with its folder; the files it names come with it. So a name is a
path *inside the hall file's folder* (on a screen PC: inside ``--assets``),
and what it names must be a file a screen can read quickly and whole:

* relative, with ``/`` between folders: not absolute, no ``..``, no ``\\``;
* still inside the folder once symbolic links are followed;
* a regular file: a FIFO would make the screen wait for ever, a device or
  ``/proc`` file might never end;
* at most :data:`MAX_IMAGE_BYTES` (pictures, also at most
  :data:`MAX_IMAGE_PIXELS` pixels) or :data:`MAX_FONT_BYTES` (fonts).

``signage validate`` checks all of it (:func:`check_file`); the screens check
again when they open the file (:func:`read_image`, :func:`font_file`), because
the folder may change after the file was validated. The name rules alone
(:func:`name_problem`) are part of the format (model.py): they need no folder.
"""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path

from .files import NotAFile, TooBig, file_kind, read_bounded
from .values import name_problem

__all__ = ["AssetError", "MAX_FONT_BYTES", "MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS", "check_file", "font_file",
           "image_size", "locate", "name_problem", "read_image"]

# A picture is read whole into memory before it is decoded, on every screen PC.
# A full-screen 4K photo is 1-4 MB as JPEG, a logo or a floor sign as PNG far less.
MAX_IMAGE_BYTES = 8 * 1024 * 1024
# Decoded, a picture takes 4 bytes a pixel: a 2 MB PNG can unpack to gigabytes.
# 4096 x 4096 (64 MiB decoded) is twice a 4K screen, more than any region shows.
MAX_IMAGE_PIXELS = 4096 * 4096
# A CJK font is large (Noto Sans CJK: about 20 MB a weight); 64 MiB holds a
# whole collection and still stops a file that is not a font.
MAX_FONT_BYTES = 64 * 1024 * 1024

WHAT = {"image": "picture", "font": "font"}


class AssetError(Exception):
    """Why a named file cannot be used (a message for a person); ``missing``: it is simply not there."""

    def __init__(self, message: str, missing: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.missing = missing


def locate(root: Path, name: str) -> Path:
    """The real path of ``name`` inside ``root``; :class:`AssetError` if it is not allowed there."""
    problem = name_problem(name)
    if problem:
        raise AssetError(problem)
    try:
        base = Path(root).resolve()
        target = (base / name).resolve()  # follows links, even dangling ones, as far as they go
    except (OSError, RuntimeError) as exc:  # a loop of links
        raise AssetError(f'cannot follow "{name}": {exc}') from None
    if target != base and base not in target.parents:
        raise AssetError(f'"{name}" is a link to {target}, outside the hall file\'s folder '
                         "(copy the file into the folder instead of linking to it)")
    return target


def _limit(kind: str) -> int:
    return MAX_FONT_BYTES if kind == "font" else MAX_IMAGE_BYTES


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _stat_problem(name: str, target: Path, kind: str) -> AssetError | None:
    try:
        st = os.stat(target)  # stat never opens: safe on a FIFO
    except FileNotFoundError:
        return AssetError(f'no file "{name}" next to the hall file (paths are relative to it)', missing=True)
    except OSError as exc:
        return AssetError(f'cannot read "{name}": {exc.strerror or exc}')
    if not stat.S_ISREG(st.st_mode):
        return AssetError(f'"{name}" is {file_kind(st.st_mode)}, not a file (name a {WHAT[kind]} file)')
    if st.st_size > _limit(kind):
        return AssetError(f'"{name}" is {_mib(st.st_size)}; a {WHAT[kind]} is at most {_mib(_limit(kind))} '
                          f"({'make it smaller' if kind == 'image' else 'use a single font file, not a collection'})")
    return None


def check_file(root: Path, name: str, kind: str = "image") -> AssetError | None:
    """What ``signage validate`` says about a named file (None: fine). Never opens a FIFO."""
    try:
        target = locate(root, name)
    except AssetError as exc:
        return exc
    problem = _stat_problem(name, target, kind)
    if problem is not None or kind != "image":
        return problem
    try:
        return _pixels_problem(name, read_bounded(target, MAX_IMAGE_BYTES, follow=False))
    except (OSError, ValueError):  # changed under our feet: the screens check again
        return None


def read_image(root: Path | None, name: str) -> bytes:
    """The bytes of a picture, checked as it is opened: never waits on a FIFO, never reads past the bound."""
    target = locate(Path.cwd() if root is None else root, name)
    try:
        data = read_bounded(target, MAX_IMAGE_BYTES, follow=False)
    except FileNotFoundError:
        raise AssetError(f'no file "{name}" (paths are relative to the hall file)', missing=True) from None
    except NotAFile as exc:
        raise AssetError(f'"{name}" is {exc.kind}, not a file') from None
    except TooBig as exc:
        raise AssetError(f'"{name}" is {_mib(exc.size)}; a picture is at most {_mib(MAX_IMAGE_BYTES)}') from None
    except OSError as exc:  # ELOOP: it became a link after locate(): look again next time
        raise AssetError(f'cannot read "{name}": {exc.strerror or exc}') from None
    problem = _pixels_problem(name, data)
    if problem is not None:
        raise problem
    return data


def font_file(root: Path | None, name: str) -> str:
    """The path of a theme's font, checked now (freetype opens it by name, again for each face)."""
    target = locate(Path.cwd() if root is None else root, name)
    problem = _stat_problem(name, target, "font")
    if problem is not None:
        raise problem
    return str(target)


# --- the size of a picture, from its first bytes --------------------------------------

def _pixels_problem(name: str, data: bytes) -> AssetError | None:
    size = image_size(data)
    if size is None or size[0] * size[1] <= MAX_IMAGE_PIXELS:
        return None
    return AssetError(f'"{name}" is {size[0]} x {size[1]} pixels; a picture is at most {MAX_IMAGE_PIXELS:,} pixels '
                      "(4096 x 4096): scale it down")


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, BMP or JPEG from its header; None if unknown."""
    try:
        if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<HH", data[6:10])
        if data[:2] == b"BM":
            w, h = struct.unpack("<ii", data[18:26])
            return abs(w), abs(h)
        if data[:2] == b"\xff\xd8":
            return _jpeg_size(data)
    except struct.error:
        return None
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # padding
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start of frame
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + length
    return None
