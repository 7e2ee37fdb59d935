"""A screen's picture as PNG, encoded off the frame loop.

The frame loop only copies its canvas (:meth:`Screenshots.submit`); a worker
thread encodes the copy and hands the bytes on. :func:`encode_png` is written
so that the worker lets go of the GIL most of the time: pixels are read a band
of rows at a time and compressed by :mod:`zlib` (which releases the GIL while
it deflates). ``pygame.image.save`` holds the GIL for the whole encode (about
0.4 s for a 4K picture): in a thread it would stall the frame loop just as much.
"""

from __future__ import annotations

import logging
import struct
import threading
import queue
import zlib
from typing import Any, Callable

import pygame

log = logging.getLogger(__name__)

BAND_ROWS = 32  # rows read and compressed at a time


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(surface: pygame.Surface, level: int = 6) -> bytes:
    """The surface as an 8-bit RGB PNG (no filter; the screens' flat panels compress well)."""
    w, h = surface.get_size()
    deflate = zlib.compressobj(level)
    parts: list[bytes] = []
    for y in range(0, h, BAND_ROWS):
        rows = min(BAND_ROWS, h - y)
        raw = pygame.image.tobytes(surface.subsurface((0, y, w, rows)), "RGB")
        stride = w * 3
        band = b"".join(b"\x00" + raw[i * stride:(i + 1) * stride] for i in range(rows))
        parts.append(deflate.compress(band))
    parts.append(deflate.flush())
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")


class Screenshots:
    """One worker thread that runs the jobs the frame loop hands it, in order."""

    def __init__(self) -> None:
        self._jobs: "queue.SimpleQueue[Callable[[], Any] | None]" = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pending = 0
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)

    def submit(self, job: Callable[[], Any]) -> None:
        with self._lock:
            self._pending += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="screenshots", daemon=True)
                self._thread.start()
        self._jobs.put(job)

    @property
    def pending(self) -> int:
        """Jobs handed in and not finished yet."""
        return self._pending

    def wait(self, timeout: float | None = None) -> bool:
        """Until every job handed in is done (tests, shutdown); whether they are."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def stop(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._jobs.put(None)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                job()
            except Exception:
                log.exception("screenshot failed")
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()
