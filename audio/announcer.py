"""Hub messages in, announcements out: which calls to speak, in which words.

Theory of operation
-------------------
:meth:`Announcer.handle` takes every message the hub sends (as a dict, the
way :class:`signage.hubclient.HubClient` delivers them) and the local time it
arrived. It keeps the last ``seq`` seen and the hall's configuration, and for
each ``ticket_called`` / ``ticket_recalled`` event builds an
:class:`~audio.announcement.Announcement` (phrases per language, repeat, chime,
volume for this time of day) and hands it to ``submit`` (the player's queue).

Calls must never be spoken late. A call that arrives live is timed by its
arrival; a call that arrives in a replay after a reconnect (``welcome`` with
``replay: true``, then the missed events up to the welcome's ``seq``), or that
is found in a fresh snapshot's ``recent_calls`` after a gap, is timed by its
``at`` on the hub's clock, corrected by the clock difference measured on live
events. Only those younger than ``voice.max_age_seconds`` are spoken, oldest
first; the player drops any that grow too old while waiting their turn, and
any that a newer call of the same window supersedes (:mod:`audio.player`).
A recall is said ``voice.repeat_on_recall`` times (default ``repeat``), with
the hall's pauses between languages and repeats.

Where the announcer is: ``zone`` is a floor id, or a zone named on screens
(``screens[].zone``) whose floor is then used. A call to a window on another
floor adds a sentence naming that floor. An announcer with no zone, in a hall
with several floors, always names the floor.

What a caller may rely on: :meth:`handle` never raises. Unknown message or
event types are ignored; an event with missing or wrong fields is logged and
skipped; a duplicate event (``seq`` not after the last one) is ignored, so a
reconnect never speaks a call twice; a config that does not validate is logged
and the previous one kept. Nothing here does I/O or reads a clock.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from collections import deque
from typing import Any, Callable
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from signage.config.model import HallConfig, Voice, minutes_of

from signage.stream import Apply, HubStream, Other, ReplayFollows, Snapshot

from .announcement import Announcement
from .phrases import Values, call_phrases, shown_languages, valid_ticket

log = logging.getLogger(__name__)

SPOKEN_EVENTS = {"ticket_called": "call", "ticket_recalled": "recall"}


def volume_at(voice: Voice, minute_of_day: int) -> float:
    """The volume at a time of day: ``voice.volume``, lowered in quiet hours.

    Quiet hours never make it louder (the lower of the two applies); a range
    whose end is before its start runs past midnight.
    """
    volume = voice.volume
    for q in voice.quiet_hours:
        start, end = minutes_of(q.start), minutes_of(q.end)
        inside = start <= minute_of_day < end if start <= end else (minute_of_day >= start or minute_of_day < end)
        if inside:
            volume = min(volume, q.volume)
    return volume


def zone_floor(config: HallConfig, zone: str | None) -> str | None:
    """The floor an announcer of ``zone`` stands on, or None if unknown."""
    if zone is None:
        return None
    if config.floor(zone) is not None:
        return zone
    floors = {s.floor for s in config.screens if s.zone == zone}
    return floors.pop() if len(floors) == 1 else None


def hello_message(hall: str, token: str, zone: str | None = None) -> dict[str, Any]:
    """The ``hello`` an announcer sends (the hub client adds ``since``)."""
    hello: dict[str, Any] = {"type": "hello", "v": 1, "role": "announcer", "hall": hall, "token": token,
                             "client": "signage-announce"}
    if zone:
        hello["zone"] = zone
    return hello


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


class Announcer:
    """Turns hub messages into announcements for ``submit``.

    ``config`` is the hall file if known before the hub sends it (a hub's
    ``welcome`` or ``config`` replaces it); without any, the format's default
    voice is used and floors are not mentioned.
    """

    def __init__(self, submit: Callable[[Announcement], None], *, config: HallConfig | None = None,
                 zone: str | None = None) -> None:
        self.submit = submit
        self.zone = zone
        self.config: HallConfig | None = None
        self.stream = HubStream()               # seq, replays, duplicates and gaps
        self._offsets: deque[float] = deque(maxlen=15)  # local clock - hub clock, on live events
        self._zone_floor: str | None = None
        self._default_voice = Voice()
        if config is not None:
            self.set_config(config)

    # --- configuration -------------------------------------------------------------------

    def set_config(self, config: HallConfig) -> None:
        self.config = config
        self._zone_floor = zone_floor(config, self.zone)
        if self.zone is not None and self._zone_floor is None:
            log.warning("zone %r is neither a floor of hall %s nor the zone of one floor's screens; "
                        "floors will be named whenever the hall has several", self.zone, config.hall.id)

    def _config_from(self, data: Any) -> None:
        if not isinstance(data, dict):
            return
        try:
            self.set_config(HallConfig.model_validate(data))
        except ValidationError as exc:
            log.warning("the hub sent a hall config that does not validate; keeping the old one: %s",
                        str(exc).splitlines()[0])

    @property
    def voice(self) -> Voice:
        return self.config.voice if self.config is not None else self._default_voice

    @property
    def clock_offset(self) -> float:
        """Local minus hub clock, seconds (0 until a live call has been seen)."""
        return statistics.median(self._offsets) if self._offsets else 0.0

    # --- messages ------------------------------------------------------------------------------

    def handle(self, message: Any, now: float) -> list[Announcement]:
        """Take one hub message that arrived at local time ``now``; return what was queued."""
        out: list[Announcement] = []
        try:
            for step in self.stream.receive(message):
                if isinstance(step, (Snapshot, ReplayFollows)):
                    self._config_from(step.message.get("config"))
                if isinstance(step, Snapshot):
                    out += self._missed_calls(step, now)
                elif isinstance(step, Apply):
                    out += self._event(step, now)
                elif isinstance(step, Other) and step.message.get("type") == "config":
                    self._config_from(step.message.get("config"))
        except Exception:  # a surprise in one message must not silence the hall
            kind = message.get("type") if isinstance(message, dict) else type(message).__name__
            log.exception("could not handle a %r message", kind)
        return out

    @property
    def seq(self) -> int | None:
        """The last event seen."""
        return self.stream.seq

    def _missed_calls(self, step: Snapshot, now: float) -> list[Announcement]:
        """A snapshot after a gap: speak the recent calls we missed (if still fresh)."""
        calls = step.snapshot.get("recent_calls") if step.snapshot is not None else None
        if step.previous is None or not isinstance(calls, list):
            return []
        out: list[Announcement] = []
        missed = [c for c in calls if isinstance(c, dict) and isinstance(c.get("seq"), int)
                  and step.previous < c["seq"] <= step.seq]
        for c in sorted(missed, key=lambda c: c["seq"]):
            kind = "recall" if (_number(c.get("recall")) or 0) > 0 else "call"
            out += self._announce(kind, c.get("ticket"), c.get("window"), c["seq"],
                                  self._hub_to_local(c.get("at")), now)
        return out

    def _event(self, step: Apply, now: float) -> list[Announcement]:
        event = step.event
        kind = SPOKEN_EVENTS.get(event.get("type"))  # type: ignore[arg-type]
        if kind is None:
            return []
        hub_at = _number(event.get("at"))
        if step.replayed:
            at = self._hub_to_local(hub_at)
        else:
            at = now  # live: it is happening now, whatever the clocks say
            if hub_at is not None:
                self._offsets.append(now - hub_at)
        return self._announce(kind, event.get("ticket"), event.get("window"), step.seq, at, now)

    def _hub_to_local(self, hub_at: Any) -> float | None:
        t = _number(hub_at)
        return None if t is None else t + self.clock_offset

    # --- one call ------------------------------------------------------------------------------------

    def _announce(self, kind: str, ticket: Any, window: Any, seq: int, at: float | None,
                  now: float) -> list[Announcement]:
        number = ticket.get("number") if isinstance(ticket, dict) else None
        if not isinstance(number, str) or not valid_ticket(number) or isinstance(window, bool) \
                or not isinstance(window, int) or not 1 <= window <= 999:
            log.warning("call #%s with a bad ticket or window ignored: ticket=%r window=%r", seq, ticket, window)
            return []
        voice = self.voice
        if at is None:
            log.info("replayed call %s without a time: not spoken (it may be old)", number)
            return []
        age = now - at
        if age > voice.max_age_seconds:
            log.info("missed call %s -> window %d is %.0f s old: not spoken", number, window, age)
            return []
        values = self._values(number, window, ticket.get("service"))  # type: ignore[union-attr]
        terms = getattr(self.config, "terms", None) if self.config is not None else None
        phrases = call_phrases(voice, kind, values, terms, shown_languages(self.config))  # type: ignore[arg-type]
        if not phrases:
            log.warning("no template to say %s for %s", kind, number)
            return []
        ann = Announcement(seq=seq, kind=kind, ticket=number, window=window, at=min(at, now),
                           phrases=tuple(phrases), repeat=voice.repeats(kind), chime=voice.chime,
                           volume=self._volume(now), max_age=voice.max_age_seconds,
                           pause=voice.pause_ms / 1000, repeat_pause=voice.repeat_pause_ms / 1000)
        self.submit(ann)
        return [ann]

    def _values(self, number: str, window: int, service_id: Any) -> Values:
        c = self.config
        if c is None:
            return Values(number, window)
        floor = None
        other = False
        w = c.window(window)
        if w is not None:
            f = c.floor(w.floor)
            if f is not None:
                floor = (f.id, f.level)
                here = self._zone_floor
                other = (w.floor != here) if here is not None else len(c.floors) > 1
        service = c.service(service_id) if isinstance(service_id, str) else None
        names = {str(lang): text for lang, text in service.name.items()} if service else None
        return Values(number, window, floor, names, other)

    def _volume(self, now: float) -> float:
        tz: dt.tzinfo | None
        try:
            tz = ZoneInfo(self.config.hall.timezone) if self.config is not None else None
        except Exception:  # an unknown zone name: the machine's own time is the best guess
            tz = None
        local = dt.datetime.fromtimestamp(now, tz)
        return volume_at(self.voice, local.hour * 60 + local.minute)
