"""A client's local view of one hall, kept current from the hub's messages.

Theory of operation
-------------------
A screen (or an announcer) connects, says ``hello`` and gets ``welcome``:
either a snapshot of the hall's public state as of ``seq``, or (``replay``) a
promise that the events it missed follow. From then on every ``event`` carries
the next ``seq``; :meth:`HallView.apply` folds each one into the view, exactly
as ``docs/protocol.md`` describes. ``estimates``, ``messages``, ``notice`` and
``config`` replace their part of the view.

What a caller may rely on:

* :meth:`HallView.apply` never raises. A message with missing or wrong fields
  changes what it can and is otherwise ignored; an unknown event type is
  ignored (newer hubs may add some).
* An event whose ``seq`` is not after the view's ``seq`` is a duplicate (a
  replay overlapping what we had) and changes nothing: a reconnect never shows
  a call twice.
* ``recent_calls`` is newest first, one entry per ticket (a recall or a new
  call of the same ticket moves it to the top), at most :data:`MAX_RECENT`.
* A call that arrived live (not from a snapshot or a replay) has ``fresh_at``
  set to the local time it arrived: the call banner highlights only those, so a
  screen that reconnects does not flash old calls.
* ``rev`` counts changes per part (``calls``, ``windows``, ``waiting``,
  ``estimates``, ``messages``, ``notice``, ``config``) so that a widget can
  tell cheaply whether its inputs changed.

Nothing here touches a socket, a clock or pygame: time is passed in.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from .config.model import WEEKDAYS, HallConfig, minutes_of
from .stream import Apply, AskSince, HubStream, Other, ReplayFollows, Snapshot

log = logging.getLogger(__name__)

MAX_RECENT = 20
PARTS = ("calls", "windows", "waiting", "estimates", "messages", "notice", "config")


@dataclass
class CallEntry:
    seq: int
    ticket: dict[str, str]  # short form: id, number, service, class
    window: int
    at: float
    recall: int = 0
    fresh_at: float | None = None  # local arrival time of a live call

    @property
    def number(self) -> str:
        return self.ticket.get("number", "")


@dataclass
class WindowView:
    number: int
    state: str = "closed"  # closed, open, paused (the hub starts windows closed)
    reason: str | None = None
    until: str | None = None
    ticket: dict[str, str] | None = None
    ticket_state: str | None = None  # called, serving
    since: float | None = None


@dataclass
class HallView:
    config: HallConfig | None = None
    hall: str | None = None
    stream: HubStream = field(default_factory=HubStream)  # seq, replays, duplicates and gaps
    day: str | None = None
    windows: dict[int, WindowView] = field(default_factory=dict)
    recent_calls: list[CallEntry] = field(default_factory=list)
    waiting: dict[str, int] = field(default_factory=dict)
    messages: list[dict[str, Any]] | None = None  # None: the hall file's messages apply
    notice: dict[str, Any] | None = None
    estimates: dict[str, dict[str, Any]] = field(default_factory=dict)
    ticket_estimates: dict[str, dict[str, Any]] = field(default_factory=dict)
    estimates_at: float | None = None
    clock_offset: float = 0.0  # the hub's clock minus ours, from the last estimates (seconds)
    rev: Counter = field(default_factory=Counter)
    config_error: str | None = None
    # tickets known to be out of the waiting line (called, skipped): a later
    # cancel or recall must not count them off the waiting numbers again
    _left_queue: set[str] = field(default_factory=set)

    # --- messages ---------------------------------------------------------------

    def apply(self, message: dict[str, Any], now: float) -> set[str]:
        """Fold one hub message into the view; the names of the parts that changed."""
        before = Counter(self.rev)
        try:
            for step in self.stream.receive(message):
                if isinstance(step, (Snapshot, ReplayFollows)):
                    self._welcome(step)
                elif isinstance(step, Apply):
                    handler = _EVENTS.get(step.event.get("type"))  # type: ignore[arg-type]
                    if handler is not None:
                        handler(self, step.event, step.seq, None if step.replayed else now)
                elif isinstance(step, AskSince):
                    log.warning("event %d after %d: %d events missing; waiting for them",
                                step.got, step.since, step.got - step.since - 1)
                elif isinstance(step, Other):
                    handler = _MESSAGES.get(step.message.get("type"))  # type: ignore[arg-type]
                    if handler is not None:
                        handler(self, step.message, now)
        except Exception:  # a malformed message must never take a screen down
            log.exception("could not apply %r", message.get("type") if isinstance(message, dict) else message)
        return {p for p in PARTS if self.rev[p] != before[p]}

    @property
    def seq(self) -> int:
        """The last event folded in (0 before the first welcome)."""
        return self.stream.seq or 0

    @property
    def gaps(self) -> int:
        return self.stream.gaps

    def _welcome(self, step: Snapshot | ReplayFollows) -> None:
        m = step.message
        self.hall = _str(m.get("hall")) or self.hall
        if isinstance(m.get("config"), dict):
            self._set_config(m["config"])
        if isinstance(step, Snapshot) and step.snapshot is not None:
            self._load_snapshot(step.snapshot)

    def _load_snapshot(self, snap: dict[str, Any]) -> None:
        self.day = _str(snap.get("day"))
        self.windows = {}
        for key, w in (snap.get("windows") or {}).items():
            if not isinstance(w, dict):
                continue
            number = _int(w.get("number"), _int(key, 0))
            if number <= 0:
                continue
            ticket = _ticket(w.get("ticket"))
            self.windows[number] = WindowView(
                number=number, state=_str(w.get("state")) or "open", reason=_str(w.get("reason")),
                until=_str(w.get("until")), ticket=ticket,
                ticket_state=_str(w.get("ticket_state")) if ticket else None,
                since=_float(w.get("since")))
        self.recent_calls = []
        seen: set[str] = set()
        for c in snap.get("recent_calls") or []:
            if not isinstance(c, dict):
                continue
            ticket = _ticket(c.get("ticket"))
            window = _int(c.get("window"), 0)
            if ticket is None or window <= 0 or _key(ticket) in seen:
                continue
            seen.add(_key(ticket))
            self.recent_calls.append(CallEntry(
                seq=_int(c.get("seq"), 0), ticket=ticket, window=window,
                at=_float(c.get("at")) or 0.0, recall=_int(c.get("recall"), 0)))
            if len(self.recent_calls) >= MAX_RECENT:
                break
        self.waiting = {str(k): max(0, _int(v, 0)) for k, v in (snap.get("waiting") or {}).items()}
        self._left_queue = set()
        messages = snap.get("messages")
        self.messages = [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else None
        self.notice = snap.get("notice") if isinstance(snap.get("notice"), dict) else None
        self.rev.update(("calls", "windows", "waiting", "messages", "notice"))

    def _estimates(self, m: dict[str, Any], now: float) -> None:
        services = m.get("services")
        if not isinstance(services, dict):
            return
        self.estimates = {str(k): v for k, v in services.items() if isinstance(v, dict)}
        tickets = m.get("tickets")
        self.ticket_estimates = {str(k): v for k, v in tickets.items() if isinstance(v, dict)} \
            if isinstance(tickets, dict) else {}
        self.estimates_at = _float(m.get("at"))
        if self.estimates_at is not None:
            self.clock_offset = self.estimates_at - now
        self.rev["estimates"] += 1
        # The hub's count is authoritative (it corrects any drift of our own counting), but only
        # if it is not older than the events we have already folded in.
        seq = m.get("seq")
        if isinstance(seq, int) and not isinstance(seq, bool) and seq < self.seq:
            return
        counted = {s: _int(e.get("waiting"), -1) for s, e in self.estimates.items()}
        counted = {s: n for s, n in counted.items() if n >= 0}
        if any(self.waiting.get(s) != n for s, n in counted.items()):
            self.waiting.update(counted)
            self.rev["waiting"] += 1

    def _messages(self, m: dict[str, Any], now: float) -> None:
        messages = m.get("messages")
        if isinstance(messages, list):
            self.messages = [x for x in messages if isinstance(x, dict)]
            self.rev["messages"] += 1

    def _notice(self, m: dict[str, Any], now: float) -> None:
        notice = m.get("notice")
        self.notice = notice if isinstance(notice, dict) else None
        self.rev["notice"] += 1

    def _config(self, m: dict[str, Any], now: float) -> None:
        if isinstance(m.get("config"), dict):
            self._set_config(m["config"])

    def _set_config(self, raw: dict[str, Any]) -> None:
        try:
            config = HallConfig.model_validate(raw)
        except Exception as exc:  # keep the last good configuration
            self.config_error = str(exc).splitlines()[0]
            log.warning("hub sent a configuration this screen cannot use: %s", self.config_error)
            return
        self.config = config
        self.config_error = None
        self.rev["config"] += 1

    # --- events -------------------------------------------------------------------

    def _window(self, number: Any) -> WindowView | None:
        n = _int(number, 0)
        if n <= 0:
            return None
        return self.windows.setdefault(n, WindowView(number=n))

    def _free_window(self, number: Any, ticket: dict[str, str] | None) -> None:
        w = self._window(number)
        if w is None:
            return
        if ticket is None or w.ticket is None or _key(w.ticket) == _key(ticket):
            w.ticket, w.ticket_state, w.since = None, None, None
            self.rev["windows"] += 1

    def _add_waiting(self, ticket: dict[str, str] | None, service: str | None = None, n: int = 1) -> None:
        service = service or (ticket or {}).get("service")
        if not service:
            return
        self.waiting[service] = max(0, self.waiting.get(service, 0) + n)
        if ticket is not None:
            (self._left_queue.discard if n > 0 else self._left_queue.add)(_key(ticket))
        self.rev["waiting"] += 1

    def _ev_day_started(self, e: dict[str, Any], seq: int, fresh: float | None) -> None:
        # A new day clears the call history; citizens still waiting or at a window stay
        # (the hub keeps live tickets across midnight for a 24-hour hall).
        self.day = _str(e.get("day")) or self.day
        self.recent_calls = []
        self.rev["calls"] += 1

    def _ev_issued(self, e: dict[str, Any], seq: int, fresh: float | None) -> None:
        ticket = _ticket(e.get("ticket"))
        if ticket is not None:
            self._add_waiting(ticket)

    def _ev_called(self, e: dict[str, Any], seq: int, fresh: float | None, recall: int = 0) -> None:
        ticket = _ticket(e.get("ticket"))
        w = self._window(e.get("window"))
        if ticket is None or w is None:
            return
        at = _float(e.get("at")) or 0.0
        if recall == 0 and _key(ticket) not in self._left_queue:
            self._add_waiting(ticket, n=-1)
        # the window's previous citizen (if any) is replaced by this one;
        # calling from a closed window opens it (as the hub does)
        if recall and w.ticket is not None and _key(w.ticket) == _key(ticket):
            pass  # a recall keeps the window as it is (called or already serving)
        else:
            w.ticket, w.ticket_state, w.since = ticket, "called", at
        if w.state == "closed":
            w.state = "open"
        self.rev["windows"] += 1
        self.recent_calls = [c for c in self.recent_calls if _key(c.ticket) != _key(ticket)]
        self.recent_calls.insert(0, CallEntry(seq=seq, ticket=ticket, window=w.number, at=at,
                                              recall=recall, fresh_at=fresh))
        del self.recent_calls[MAX_RECENT:]
        self.rev["calls"] += 1

    def _ev_recalled(self, e: dict[str, Any], seq: int, fresh: float | None) -> None:
        self._ev_called(e, seq, fresh, recall=max(1, _int(e.get("count"), 1)))

    def _ev_serving(self, e: dict[str, Any], seq: int, fresh: float | None) -> None:
        ticket = _ticket(e.get("ticket"))
        w = self._window(e.get("window"))
        if ticket is None or w is None:
            return
        w.ticket, w.ticket_state = ticket, "serving"
        w.since = _float(e.get("at")) or w.since
        self.rev["windows"] += 1

    def _ev_done(self, e: dict[str, Any], seq: int, fresh: float | None) -> None:
        # skipped or completed: the window is free again
        self._free_window(e.get("window"), _ticket(e.get("ticket")))

    def _ev_requeued(self, e: dict[str, Any], seq: int, fresh: float | None) -> None:
        ticket = _ticket(e.get("ticket"))
        if ticket is not None:
            self._add_waiting(ticket)

    def _ev_transferred(self, e: dict[str, Any], seq: int, fresh: float | None) -> None:
        ticket = _ticket(e.get("ticket"))
        self._free_window(e.get("window"), ticket)
        if ticket is not None:
            self._add_waiting(ticket, service=_str(e.get("to_service")) or ticket.get("service"))

    def _ev_cancelled(self, e: dict[str, Any], seq: int, fresh: float | None) -> None:
        ticket = _ticket(e.get("ticket"))
        if ticket is None:
            return
        at_window = [w for w in self.windows.values() if w.ticket is not None and _key(w.ticket) == _key(ticket)]
        for w in at_window:
            self._free_window(w.number, ticket)
        if not at_window and _key(ticket) not in self._left_queue:
            self._add_waiting(ticket, n=-1)

    def _ev_window_state(self, e: dict[str, Any], seq: int, fresh: float | None) -> None:
        w = self._window(e.get("window"))
        if w is None:
            return
        kind = e.get("type")
        if kind == "window_paused":
            w.state, w.reason, w.until = "paused", _str(e.get("reason")), _str(e.get("until"))
        else:
            w.state = "closed" if kind == "window_closed" else "open"
            w.reason = w.until = None
        self.rev["windows"] += 1

    def _ev_messages_set(self, e: dict[str, Any], seq: int, fresh: float | None) -> None:
        self._messages(e, 0.0)

    def _ev_notice_set(self, e: dict[str, Any], seq: int, fresh: float | None) -> None:
        self._notice(e, 0.0)

    def _ev_notice_cleared(self, e: dict[str, Any], seq: int, fresh: float | None) -> None:
        self.notice = None
        self.rev["notice"] += 1

    # --- questions widgets ask ----------------------------------------------------------

    def window_view(self, number: int) -> WindowView:
        """A window's state; one the hub has not mentioned is shown closed."""
        return self.windows.get(number) or WindowView(number=number, state="closed")

    def current_messages(self) -> list[dict[str, Any]]:
        """The messages in force: a manager's list, else the hall file's."""
        if self.messages is not None:
            return self.messages
        if self.config is None:
            return []
        return [m.model_dump(by_alias=True, exclude_none=True) for m in self.config.messages]

    def to_snapshot(self) -> dict[str, Any]:
        """The view in the protocol's snapshot form (what a hub would send now)."""
        return {
            "day": self.day,
            "windows": {str(n): {"number": n, "state": w.state, "reason": w.reason, "until": w.until,
                                 **({"ticket": dict(w.ticket), "ticket_state": w.ticket_state, "since": w.since}
                                    if w.ticket else {})}
                        for n, w in sorted(self.windows.items())},
            "recent_calls": [{"seq": c.seq, "ticket": dict(c.ticket), "window": c.window, "at": c.at,
                              "recall": c.recall} for c in self.recent_calls],
            "waiting": dict(sorted(self.waiting.items())),
            "messages": self.messages,
            "notice": self.notice,
        }

    def notice_for(self, screen_id: str) -> dict[str, Any] | None:
        n = self.notice
        if not n:
            return None
        screens = n.get("screens")
        if isinstance(screens, list) and screens and screen_id not in screens:
            return None
        return n


# Which handler folds which message / event type.
_MESSAGES = {
    "estimates": HallView._estimates,
    "messages": HallView._messages,
    "notice": HallView._notice,
    "config": HallView._config,
}

_EVENTS = {
    "day_started": HallView._ev_day_started,
    "ticket_issued": HallView._ev_issued,
    "ticket_called": HallView._ev_called,
    "ticket_recalled": HallView._ev_recalled,
    "ticket_serving": HallView._ev_serving,
    "ticket_skipped": HallView._ev_done,
    "ticket_completed": HallView._ev_done,
    "ticket_requeued": HallView._ev_requeued,
    "ticket_transferred": HallView._ev_transferred,
    "ticket_cancelled": HallView._ev_cancelled,
    "window_opened": HallView._ev_window_state,
    "window_closed": HallView._ev_window_state,
    "window_resumed": HallView._ev_window_state,
    "window_paused": HallView._ev_window_state,
    "messages_set": HallView._ev_messages_set,
    "notice_set": HallView._ev_notice_set,
    "notice_cleared": HallView._ev_notice_cleared,
}
# The event types of signage/events.py a view has nothing to show for (the log keeps them, for
# the statistics and the kiosks): every registered event type is in _EVENTS or here, never both
# (tests/test_protocol_registry.py). Unknown types (a newer hub's) are ignored as well.
NOT_SHOWN = frozenset({
    "rated",               # a citizen's rating of a service
    "appointment_booked",  # a booking for today or a later day: it shows once checked in (ticket_issued)
    "config_published",    # a new version of the hall file: the config push that follows is what shows
})


# --- tolerant field readers ----------------------------------------------------------------

def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _int(v: Any, default: int) -> int:
    if isinstance(v, bool):
        return default
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.strip().lstrip("-").isdigit():
        return int(v)
    if isinstance(v, float) and v == v:
        return int(v)
    return default


def _float(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _ticket(v: Any) -> dict[str, str] | None:
    """The short ticket form, or None when it has no number to show."""
    if not isinstance(v, dict) or not isinstance(v.get("number"), str) or not v["number"]:
        return None
    return {
        "id": str(v.get("id") or v["number"]),
        "number": v["number"],
        "service": str(v.get("service") or ""),
        "class": str(v.get("class") or "normal"),
    }


def _key(ticket: dict[str, str]) -> str:
    return ticket.get("id") or ticket.get("number", "")


# --- a busy hall for previews -----------------------------------------------------------------

def sample_view(config: HallConfig, now: float, *, seed: int | None = None) -> HallView:
    """A realistic busy state of ``config``'s hall at ``now`` (take :func:`sample_time`:
    an hour the hall is open), for previews and tests.

    Built by feeding a welcome snapshot and a few live events through
    :meth:`HallView.apply`, so a preview exercises the same code as a screen.
    The newest call arrived just now (highlighted); one window is paused, one closed;
    the paused window and a closed service are back at a time of this opening
    (:func:`sample_until`), not a fixed 13:00.
    """
    rng = random.Random(seed if seed is not None else config.hall.id)
    digits = config.hall.ticket_digits
    counters: dict[str, int] = {}

    def ticket(service_id: str, klass: str = "normal") -> dict[str, str]:
        svc = config.service(service_id)
        prefix = svc.prefix if svc else "A"
        counters[service_id] = counters.get(service_id, rng.randint(12, 40)) + rng.randint(1, 3)
        number = f"{prefix}{counters[service_id] % 10 ** digits:0{digits}d}"
        return {"id": f"t-{number}", "number": number, "service": service_id, "class": klass}

    windows: dict[str, Any] = {}
    calls: list[dict[str, Any]] = []
    seq = 400 + rng.randint(0, 200)
    at = now - 60 * 20
    back = sample_until(config, now)
    ordered = sorted(config.windows, key=lambda w: w.number)
    paused = ordered[-2].number if len(ordered) > 4 else None
    closed = ordered[-1].number if len(ordered) > 6 and ordered[-1].kind == "normal" else None
    open_numbers = [w.number for w in ordered if w.number not in (paused, closed)]
    live = open_numbers[-1] if open_numbers else None           # called just now: the banner
    called = open_numbers[-2] if len(open_numbers) > 1 else None  # called a moment ago, on its way
    for w in ordered:
        served = config.services_of(w) or [config.services[0].id]
        klass = {"love": "priority", "green": "green"}.get(w.kind, "normal")
        entry: dict[str, Any] = {"number": w.number, "state": "open", "reason": None, "until": None}
        if w.number == paused:
            entry.update(state="paused", reason="休息", until=back)
        elif w.number == closed:
            entry.update(state="closed")
        elif w.number != live:
            t = ticket(rng.choice(served), klass)
            at += rng.uniform(20, 90)
            seq += rng.randint(1, 4)
            entry.update(ticket=t, ticket_state="called" if w.number == called else "serving", since=at)
            calls.append({"seq": seq, "ticket": t, "window": w.number, "at": at, "recall": 0})
        windows[str(w.number)] = entry
    calls.sort(key=lambda c: c["seq"], reverse=True)
    waiting = {s.id: rng.randint(0, 14) for s in config.services}
    snapshot = {"day": _day(config, now), "windows": windows, "recent_calls": calls[:MAX_RECENT],
                "waiting": waiting, "messages": None, "notice": None}
    view = HallView(config=config, hall=config.hall.id)
    view.apply({"type": "welcome", "v": 1, "hall": config.hall.id, "role": "screen",
                "seq": seq, "snapshot": snapshot, "replay": False}, now)
    view.rev["config"] += 1
    if live is not None:  # one live call: what the banner shows, highlighted
        w = config.window(live)
        t = ticket(rng.choice(config.services_of(w) or [config.services[0].id]))
        view.apply({"type": "event", "seq": seq + 1, "event": {
            "type": "ticket_called", "at": now - 0.5, "ticket": t, "window": live}}, now)
    services: dict[str, Any] = {}
    for s in config.services:
        n = view.waiting.get(s.id, 0)
        per_window = max(1, sum(1 for w in config.windows if s.id in config.services_of(w)))
        minutes = round(n * s.minutes / min(per_window, 3))
        services[s.id] = {"waiting": n, "minutes": minutes, "low": round(minutes * 0.6),
                          "high": round(minutes * 1.5) + 1, "closed_until": None}
    if len(config.services) > 3:
        last = config.services[-1].id
        services[last].update(minutes=None, low=None, high=None, closed_until=back)
    view.apply({"type": "estimates", "at": now, "services": services, "tickets": {}}, now)
    return view


def _zone(config: HallConfig) -> Any:
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(config.hall.timezone)
    except Exception:  # an unknown zone: the project's usual one
        return ZoneInfo("Asia/Shanghai")


def _day(config: HallConfig, now: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(now, _zone(config)).date().isoformat()


SAMPLE_MONDAY = (2026, 11, 23)  # a Monday: previews and measurements are of a working day
SAMPLE_MORNING = 10 * 60 + 15   # 10:15, the usual busy morning


def _periods(config: HallConfig, weekday: int) -> list[tuple[int, int]]:
    """The opening periods (minutes after midnight) of a day of the week, earliest first."""
    hours = config.hall.hours
    if hours == "24h":
        return [(0, 24 * 60)]
    day = WEEKDAYS[weekday]
    return sorted((minutes_of(h.open), minutes_of(h.close)) for h in hours if day in h.days)


def sample_time(config: HallConfig) -> float:
    """An hour the hall is open, for sample data (``signage preview``, the measurement of
    ``signage validate``): Monday 2026-11-23 at 10:15 in the hall's time zone when the hall is
    open then (any hall open 24 hours), else the first opening of a weekday (Monday first,
    the weekend last), an hour after it opens (half-way through a shorter opening)."""
    import datetime as dt

    monday = dt.datetime(*SAMPLE_MONDAY, tzinfo=_zone(config))
    if any(o <= SAMPLE_MORNING < c for o, c in _periods(config, 0)):
        return (monday + dt.timedelta(minutes=SAMPLE_MORNING)).timestamp()
    for d in range(7):
        periods = _periods(config, d)
        if periods:
            o, c = periods[0]
            return (monday + dt.timedelta(days=d, minutes=o + min(60, (c - o) // 2))).timestamp()
    return (monday + dt.timedelta(minutes=SAMPLE_MORNING)).timestamp()  # never open: any time


def sample_until(config: HallConfig, now: float, minutes: int = 45) -> str:
    """"HH:MM" a little after ``now`` (``minutes`` on, up to the quarter hour), within the
    opening ``now`` falls in: when a sample's paused window and closed service are back."""
    import datetime as dt

    local = dt.datetime.fromtimestamp(now, _zone(config))
    at = local.hour * 60 + local.minute
    back = -(-(at + minutes) // 15) * 15
    for o, c in _periods(config, local.weekday()):
        if o <= at < c:
            back = min(back, c)
    back %= 24 * 60
    return f"{back // 60:02d}:{back % 60:02d}"


def replay(messages: Iterable[dict[str, Any]], now: float, view: HallView | None = None) -> HallView:
    """Apply several messages in order (tests, tools)."""
    view = view or HallView()
    for m in messages:
        view.apply(m, now)
    return view
