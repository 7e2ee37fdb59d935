"""Reading a file that a hall names, or that names a hall, without being fooled by it.

A FIFO or a device named where a file is expected would block a reader forever, a
huge file would fill the memory: :func:`read_bounded` refuses both before reading.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotAFile(OSError):
    """A FIFO, a directory, a device: reading it could wait forever or never end."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"it is {kind}, not a file")
        self.kind = kind


class TooBig(OSError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"it is {size:,} bytes, at most {limit:,}")
        self.size, self.limit = size, limit


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return kind
    return "not a regular file"


def read_bounded(path: str | Path, limit: int, *, follow: bool = True) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; never waits on a FIFO or a device.

    Opened without blocking (a FIFO opens at once, with no writer), then checked on
    the open file (fstat), so what was checked is what is read; read at most
    ``limit + 1`` bytes whatever the size said. ``follow=False``: a symbolic link
    is refused (ELOOP) rather than followed.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotAFile(file_kind(st.st_mode))
        if st.st_size > limit:
            raise TooBig(st.st_size, limit)
        chunks, got = [], 0
        while got <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > limit:  # it grew while being read
            raise TooBig(got, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)
