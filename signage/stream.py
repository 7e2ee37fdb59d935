"""Following one hall's numbered stream of events, without I/O.

Theory of operation
-------------------
Every client that keeps a picture of a hall (a screen's view, an announcer,
the hub client that reconnects for them) reads the same stream from the hub:

* ``welcome`` either carries a snapshot as of ``seq`` (the picture is
  *replaced*), or says ``replay: true``: the events after the client's
  ``since`` follow, up to the welcome's ``seq``, then live ones;
* every ``event`` carries the next ``seq``; one at or before the last one seen
  is a duplicate (a replay overlapping what we had) and changes nothing;
* an event after a *gap* must not be folded in out of order: the client asks
  again from the last event it has (``since``), and the hub replays.

:class:`HubStream` holds only that bookkeeping. :meth:`HubStream.receive`
takes one decoded message and returns what it means, as steps: replace with
this snapshot, apply this event (live or replayed), ask since N, or "not a
stream message" (estimates, config, answers) for the caller to handle. The
callers do the rest: :class:`signage.view.HallView` folds, the
:class:`audio.announcer.Announcer` speaks, :class:`signage.hubclient.HubClient`
reconnects. The h11 / websockets idea: the protocol's state in one small
object that never touches a socket or a clock.

What a caller may rely on: :meth:`receive` never raises; a message with a
missing or wrong ``seq`` yields nothing; after :class:`AskSince` the events
that follow are held back (nothing is yielded for them) until a welcome
starts the stream again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union


@dataclass(frozen=True)
class Snapshot:
    """Replace the picture with ``snapshot`` (may be None: start counting from ``seq``)."""

    seq: int
    snapshot: dict[str, Any] | None
    previous: int | None  # the last seq seen before it (None: the first welcome)
    message: dict[str, Any]


@dataclass(frozen=True)
class ReplayFollows:
    """The events missed follow, up to ``until``; the picture stays."""

    until: int
    message: dict[str, Any]


@dataclass(frozen=True)
class Apply:
    """Fold ``event`` (number ``seq``) in. ``replayed``: it happened while we were away."""

    seq: int
    event: dict[str, Any]
    replayed: bool


@dataclass(frozen=True)
class AskSince:
    """Events after ``since`` are missing (``got`` came next): ask the hub again from ``since``."""

    since: int
    got: int


@dataclass(frozen=True)
class Other:
    """Not part of the numbered stream (estimates, config, messages, notice, ok, error, pong)."""

    message: dict[str, Any]


Step = Union[Snapshot, ReplayFollows, Apply, AskSince, Other]


def _seq(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


class HubStream:
    def __init__(self, since: int | None = None) -> None:
        self.seq: int | None = since       # the last event folded in (or the snapshot's seq)
        self.replay_until: int | None = None  # events up to here are a replay
        self.gaps = 0                       # gaps seen; the hub promises none
        self.waiting_since: int | None = None  # after a gap: held back until a welcome

    @property
    def since(self) -> int | None:
        """What to say as ``since`` when (re)connecting."""
        return self.seq

    def receive(self, message: Any) -> list[Step]:
        if not isinstance(message, dict):
            return []
        kind = message.get("type")
        if kind == "welcome":
            return self._welcome(message)
        if kind == "event":
            return self._event(message)
        return [Other(message)]

    def _welcome(self, m: dict[str, Any]) -> list[Step]:
        seq = _seq(m.get("seq"))
        if seq is None:
            return []
        self.waiting_since = None
        if m.get("replay"):
            # The welcome's seq is where the replay will end, not what we have: if the line
            # drops halfway, we must ask again from the last event we got.
            if self.seq is None or seq < self.seq:
                self.seq = seq
            self.replay_until = seq
            return [ReplayFollows(seq, m)]
        previous, self.seq = self.seq, seq
        self.replay_until = seq
        snapshot = m.get("snapshot")
        return [Snapshot(seq, snapshot if isinstance(snapshot, dict) else None, previous, m)]

    def _event(self, m: dict[str, Any]) -> list[Step]:
        seq, event = _seq(m.get("seq")), m.get("event")
        if seq is None or not isinstance(event, dict):
            return []
        if self.waiting_since is not None:
            return []  # held back: the replay we asked for brings it in order
        if self.seq is not None and seq <= self.seq:
            return []  # already folded in: a replay overlapping what we had
        if self.seq is not None and seq != self.seq + 1:
            self.gaps += 1
            self.waiting_since = self.seq
            return [AskSince(self.seq, seq)]
        self.seq = seq
        replayed = self.replay_until is not None and seq <= self.replay_until
        if self.replay_until is not None and seq >= self.replay_until:
            self.replay_until = None
        return [Apply(seq, event, replayed)]
