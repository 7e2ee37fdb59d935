"""The playback queue: calls spoken one after another, each to its end, the newest of each window.

Theory of operation
-------------------
:meth:`Player.submit` puts an :class:`Announcement` in the waiting list and
returns at once (it is called from the hub client's thread). One worker thread,
each time the output is free, looks at everything waiting and:

1. drops a waiting call that a call submitted after it, to the same window,
   has superseded: the window has called someone else since, or called the
   same ticket again (a recall replaces its waiting call; it is not added);
2. drops a call older than its ``max_age`` (a burst of calls, or calls
   replayed after a reconnect, are not spoken minutes late);
3. takes the oldest of the calls left (one per window, in the order they
   happened, so none waits behind a newer one and grows too old), assembles
   its speech (pack clips, else espeak-ng; repeated, with the pauses of the
   hall file) and hands the chime and the speech to the output in one go:
   ``channel.play`` of the chime and ``channel.queue`` of the speech;
4. waits until the output is silent before taking the next one. A new call
   never cuts off the one being spoken (a known failure of other systems): it
   waits its turn. The wait is capped at the sound's length plus a margin, so a
   stuck device cannot stall the queue.

Every drop is told to the observer as ``("dropped", ann, detail)`` with a
detail that starts with its reason, ``superseded`` or ``too old``, and is
counted (:attr:`Player.superseded`, :attr:`Player.too_old`, both in
:attr:`Player.dropped`).

Nothing here raises into the caller; failures are logged and the worker goes on.
"""

from __future__ import annotations

import logging
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
SUPERSEDED = "superseded"
TOO_OLD = "too old"


# What the player reports to an observer: ("played" | "dropped" | "failed", announcement, detail)
Observer = Callable[[str, Announcement, str], None]


class Player:
    """The waiting calls, played by one worker thread through ``output``.

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
        self.dropped = 0      # superseded + too_old
        self.superseded = 0
        self.too_old = 0
        self._waiting: list[Announcement] = []   # in the order submitted
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._unfinished = 0
        self._thread: threading.Thread | None = None

    # --- from any thread ----------------------------------------------------------------

    def submit(self, ann: Announcement) -> None:
        """Queue an announcement; never blocks."""
        with self._cond:
            self._unfinished += 1
            self._idle.clear()
            self._waiting.append(ann)
            self._cond.notify()

    def start(self) -> Player:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="announcer-player", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after silencing the output; waiting announcements are dropped."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
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

    def _take(self) -> tuple[Announcement | None, list[tuple[Announcement, str]]]:
        """The next call to speak, and the waiting ones dropped (with why); under the lock."""
        waiting = self._waiting
        last = {a.window: i for i, a in enumerate(waiting)}  # the newest of each window
        now = self.clock()
        dropped: list[tuple[Announcement, str]] = []
        keep: list[Announcement] = []
        for i, a in enumerate(waiting):
            newer = waiting[last[a.window]]
            if last[a.window] != i:
                what = "its recall" if newer.ticket == a.ticket else f"{newer.kind} of {newer.ticket}"
                dropped.append((a, f"{SUPERSEDED} by {what} to window {a.window}"))
            elif now - a.at > a.max_age:
                dropped.append((a, f"{TOO_OLD}: {now - a.at:.1f} s old (limit {a.max_age:.0f} s)"))
            else:
                keep.append(a)
        ann = None
        if keep:
            first = min(range(len(keep)), key=lambda i: keep[i].at)  # ties: the first submitted
            ann = keep.pop(first)
        self._waiting = keep
        return ann, dropped

    def _done(self, n: int = 1) -> None:
        with self._cond:
            self._unfinished -= n
            if self._unfinished <= 0:
                self._idle.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._cond:
                if not self._waiting:
                    self._cond.wait(0.5)
                    continue
                ann, dropped = self._take()
            for old, detail in dropped:
                self.dropped += 1
                if detail.startswith(SUPERSEDED):
                    self.superseded += 1
                else:
                    self.too_old += 1
                log.info("dropped %s -> window %s: %s", old.ticket, old.window, detail)
                self._tell("dropped", old, detail)
            if dropped:
                self._done(len(dropped))
            if ann is None:
                continue
            try:
                self._one(ann)
            except Exception:  # never let one announcement end the announcer
                log.exception("announcement %s failed", ann.ticket)
                self._tell("failed", ann, "internal error")
            self._done()

    def _tell(self, what: str, ann: Announcement, detail: str) -> None:
        if self.observer is not None:
            try:
                self.observer(what, ann, detail)
            except Exception:
                log.exception("player observer failed")

    def _one(self, ann: Announcement) -> None:
        speech = self.assembler.speech(list(ann.phrases), ann.repeat, pause=ann.pause,
                                       repeat_pause=ann.repeat_pause)
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
