"""One call to speak, as it travels from the announcer through the player to an output.

A plain data type of its own, so that :mod:`.announcer` (makes them),
:mod:`.player` (queues them) and :mod:`.outputs` (plays them) all import it
and none of them imports another for its type.
"""

from __future__ import annotations

from dataclasses import dataclass

from .phrases import Phrase


@dataclass(frozen=True)
class Announcement:
    """One call to speak. ``at`` is when the call happened, on the local clock
    (``time.time()`` seconds); it is dropped once older than ``max_age``."""

    seq: int | None
    kind: str                      # "call" or "recall"
    ticket: str
    window: int
    at: float
    phrases: tuple[Phrase, ...]
    repeat: int = 1
    chime: bool = True
    volume: float = 1.0
    max_age: float = 60.0
    pause: float = 0.55            # seconds between languages (voice.pause_ms)
    repeat_pause: float = 0.9      # seconds between repeats (voice.repeat_pause_ms)

    @property
    def text(self) -> str:
        """Every language's words, for logs."""
        return " / ".join(p.text for p in self.phrases)
