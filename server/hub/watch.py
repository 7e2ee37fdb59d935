"""Watching files for edits by polling: the hall files and the tokens file.

Polling ``os.stat`` every 0.3 s costs microseconds, needs no extra package and
works the same on every file system (network shares and bind mounts included,
where inotify is unreliable). A change of modification time, size or inode
(editors often save by writing a new file and renaming it over the old one)
makes the watcher wait a moment for the writing to settle, then read the file;
only when the *content* differs from the last seen content is ``on_change``
called, so ``touch`` or a save without changes does nothing.

What a caller may rely on: ``on_change(path)`` is awaited on the event loop, one
call at a time, at most once per content change, within about
``interval + settle`` seconds of the write. An exception in it is logged and
watching goes on. A file that disappears is reported when it comes back.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from pathlib import Path
from typing import Awaitable, Callable

from signage.config.files import read_bounded

log = logging.getLogger(__name__)

Fingerprint = tuple[int, int, int]  # mtime_ns, size, inode


def fingerprint(path: Path) -> Fingerprint | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


# Far above any file the hub watches (a hall file is at most 1 MiB): a larger one is simply
# "changed", and its reload is refused with the loader's own message.
WATCH_LIMIT = 16 * 1024 * 1024


def digest(path: Path) -> bytes | None:
    """The file's content hash; None when it is gone, not a regular file (a FIFO would
    block the hub's whole event loop) or larger than :data:`WATCH_LIMIT`."""
    try:
        return hashlib.blake2b(read_bounded(path, WATCH_LIMIT), digest_size=16).digest()
    except OSError:  # also NotAFile and TooBig
        return None


class FileWatcher:
    def __init__(self, paths: list[Path], on_change: Callable[[Path], Awaitable[None]], *,
                 interval: float = 0.3, settle: float = 0.1) -> None:
        self.paths = [Path(p) for p in paths]
        self.on_change = on_change
        self.interval = interval
        self.settle = settle
        self._seen: dict[Path, tuple[Fingerprint | None, bytes | None]] = {
            p: (fingerprint(p), digest(p)) for p in self.paths}

    def mark_seen(self, path: Path) -> None:
        """Take the file as it is now as known (after a reload done another way)."""
        path = Path(path)
        self._seen[path] = (fingerprint(path), digest(path))

    async def run(self) -> None:
        """Poll until cancelled."""
        while True:
            await asyncio.sleep(self.interval)
            for path in self.paths:
                await self._check(path)

    async def _check(self, path: Path) -> None:
        fp, known = self._seen.get(path, (None, None))
        now = fingerprint(path)
        if now == fp:
            return
        # Something is being written: wait until two looks agree (bounded).
        for _ in range(10):
            await asyncio.sleep(self.settle)
            again = fingerprint(path)
            if again == now:
                break
            now = again
        content = digest(path)
        self._seen[path] = (now, content)
        if content is None or content == known:
            return
        try:
            await self.on_change(path)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("reacting to a change of %s failed", path)
