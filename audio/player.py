"""The playback queue: calls spoken one after another, in order, each to its end.

Theory of operation
-------------------
:meth:`Player.submit` puts an :class:`Announcement` on a FIFO and returns at
once (it is called from the hub client's thread). One worker thread takes them
in order and, for each:

1. drops it if it is older than its ``max_age`` (a burst of calls, or calls
   replayed after a reconnect, are not spoken minutes late);
2. assembles the speech (pack clips, else espeak-ng), repeated as configured;
3. hands the chime and the speech to the output in one go: ``channel.play``
   of the chime and ``channel.queue`` of the speech, so there is no gap;
4. waits until the output is silent before taking the next one. A new call
   never cuts off the one being spoken (a known failure of other systems): it
   waits its turn. The wait is capped at the sound's length plus a margin, so a
   stuck device cannot stall the queue.

Nothing here raises into the caller; failures are logged and the worker goes on.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable

import numpy as np

from . import RATE
from .announcement import Announcement  # defined there; still importable from here
from .assemble import Assembler
from .chime import chime as make_chime
from .outputs import Output, OutputError

log = logging.getLogger(__name__)

STUCK_MARGIN = 3.0  # seconds past the expected end before we stop waiting on the device


# What the player reports to an observer: ("played" | "dropped" | "failed", announcement, detail)
Observer = Callable[[str, Announcement, str], None]


class Player:
    """A FIFO of announcements played by one worker thread through ``output``.

    ``clock`` gives the local time compared with ``Announcement.at``;
    ``observer`` (optional) hears of every announcement played, dropped or
    failed, on the worker thread.
    """

    def __init__(self, assembler: Assembler, output: Output, *, clock: Callable[[], float] = time.time,
                 observer: Observer | None = None, poll: float = 0.01) -> None:
        self.assembler = assembler
        self.output = output
        self.clock = clock
        self.observer = observer
        self.poll = poll
        self.played = 0
        self.dropped = 0
        self._queue: queue.Queue[Announcement | None] = queue.Queue()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._unfinished = 0
        self._count_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # --- from any thread ----------------------------------------------------------------

    def submit(self, ann: Announcement) -> None:
        """Queue an announcement; never blocks."""
        with self._count_lock:
            self._unfinished += 1
            self._idle.clear()
        self._queue.put(ann)

    def start(self) -> Player:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="announcer-player", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after silencing the output; queued announcements are dropped."""
        self._stop.set()
        self._queue.put(None)
        self.output.stop()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until everything submitted has been played or dropped."""
        return self._idle.wait(timeout)

    @property
    def pending(self) -> int:
        """Announcements submitted and not yet played or dropped."""
        return self._unfinished

    # --- the worker ---------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                ann = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            if ann is None:
                continue
            try:
                self._one(ann)
            except Exception:  # never let one announcement end the announcer
                log.exception("announcement %s failed", ann.ticket)
                self._tell("failed", ann, "internal error")
            with self._count_lock:
                self._unfinished -= 1
                if self._unfinished <= 0:
                    self._idle.set()

    def _tell(self, what: str, ann: Announcement, detail: str) -> None:
        if self.observer is not None:
            try:
                self.observer(what, ann, detail)
            except Exception:
                log.exception("player observer failed")

    def _one(self, ann: Announcement) -> None:
        age = self.clock() - ann.at
        if age > ann.max_age:
            self.dropped += 1
            log.info("dropped %s -> window %s: %.0f s old (limit %.0f s)", ann.ticket, ann.window, age, ann.max_age)
            self._tell("dropped", ann, f"{age:.1f} s old")
            return
        speech = self.assembler.speech(list(ann.phrases), ann.repeat)
        if len(speech) == 0:
            log.warning("nothing to say for %s -> window %s", ann.ticket, ann.window)
            self._tell("failed", ann, "no speech")
            return
        chime: np.ndarray | None = make_chime() if ann.chime else None
        try:
            self.output.play(chime, speech, ann.volume, ann)
        except OutputError as exc:
            log.warning("could not play %s: %s", ann.ticket, exc)
            self._tell("failed", ann, str(exc))
            return
        self.played += 1
        seconds = (len(speech) + (len(chime) if chime is not None else 0)) / RATE
        self._tell("played", ann, f"{seconds:.2f} s")
        self._wait_until_silent(seconds)

    def _wait_until_silent(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds + STUCK_MARGIN
        while not self._stop.is_set():
            try:
                if not self.output.busy():
                    return
            except Exception:
                log.exception("output.busy failed")
                return
            if time.monotonic() > deadline:
                log.warning("the sound device did not finish in time; going on")
                self.output.stop()
                return
            time.sleep(self.poll)
