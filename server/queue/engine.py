"""The queue engine: a hall's commands in, events out. No I/O, no clock.

Theory of operation
-------------------
* :meth:`QueueEngine.decide` takes a command (a :mod:`signage.protocol` model),
  the time and who sent it, and returns a :class:`Decision`: the events that
  happen, or a :class:`Refusal` naming the rule that refused. It never changes
  the state, so a caller can first make the events durable. Which method decides
  which command is the :data:`DECIDERS` table.
* :meth:`QueueEngine.apply` folds one event (with its sequence number) into the
  state, by the :data:`_FOLDERS` table (one function per event type of
  :data:`signage.events.EVENT_MODELS`, whose models say each event's fields). The state is nothing but the fold of the events: replaying the log
  gives the same state, and that is how the hub starts.
* Every accepted command carries a request id; the events remember it, so the
  same request again returns the same answer and changes nothing (a
  double-click never skips two tickets).
* Randomness (unguessable ticket ids) and time come from the caller.

Which ticket a window gets is decided in :mod:`server.queue.rules`, shared with the
estimator and the simulator.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Callable
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from signage import protocol as p
from signage.config.model import HallConfig, Message, WEEKDAYS, minutes_of
from signage.config.values import plain_text_language

from server.queue.rules import (AT_WINDOW_STATES, LIVE_STATES, Ticket, ahead_of, can_serve, next_state, pick_next,
                               window_plans)

RECENT_CALLS = 20
MAX_REMEMBERED_REQUESTS = 50_000


class ReplayError(Exception):
    """An event that cannot follow the state: the log is damaged or out of order."""


@dataclass
class Refusal:
    code: str
    message: str
    rule: str = ""


@dataclass
class Decision:
    events: list[dict] = field(default_factory=list)
    result: dict | None = None
    refusal: Refusal | None = None
    duplicate: bool = False

    @property
    def ok(self) -> bool:
        return self.refusal is None


def refuse(code: str, message: str, rule: str = "") -> Decision:
    return Decision(refusal=Refusal(code, message, rule))


@dataclass
class WindowState:
    number: int
    state: str = "closed"           # closed | open | paused
    reason: str | None = None
    until: str | None = None
    ticket: str | None = None       # id of the ticket called to or served at it
    since: float | None = None      # when that ticket was called
    last_completed: str | None = None
    served: int = 0                 # today
    service_seconds: float = 0.0    # today, summed


@dataclass
class HallState:
    hall: str
    seq: int = 0
    day: str | None = None
    counters: dict[str, int] = field(default_factory=dict)       # prefix -> last number today
    tickets: dict[str, Ticket] = field(default_factory=dict)     # live tickets, and today's done ones
    numbers: dict[str, str] = field(default_factory=dict)        # "A023" -> ticket id, today and live
    windows: dict[int, WindowState] = field(default_factory=dict)
    requests: dict[str, list[dict]] = field(default_factory=dict)  # "actor|id" -> its events
    messages: list[dict] | None = None
    notice: dict | None = None
    recent_calls: list[dict] = field(default_factory=list)
    appointments: dict[str, dict] = field(default_factory=dict)  # code -> booked appointment, today and later

    # --- persistence of snapshots (the log stays the truth) ---
    def to_json(self) -> dict:
        d = asdict(self)
        d["windows"] = {str(k): v for k, v in d["windows"].items()}
        return d

    @classmethod
    def from_json(cls, d: dict) -> "HallState":
        d = dict(d)
        d["tickets"] = {k: Ticket(**v) for k, v in d["tickets"].items()}
        d["windows"] = {int(k): WindowState(**v) for k, v in d["windows"].items()}
        return cls(**d)

    def waiting(self) -> list[Ticket]:
        return [t for t in self.tickets.values() if t.state == "waiting"]


@lru_cache(maxsize=32)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_time(config: HallConfig, now: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, _zone(config.hall.timezone))


def hall_is_open(config: HallConfig, now: float) -> bool:
    """Whether tickets may be issued now (the hall's opening hours)."""
    if config.hall.hours == "24h":
        return True
    t = local_time(config, now)
    day = WEEKDAYS[t.weekday()]
    minute = t.hour * 60 + t.minute
    return any(day in h.days and minutes_of(h.open) <= minute < minutes_of(h.close) for h in config.hall.hours)


class QueueEngine:
    """One hall's queue. ``decide`` is pure; ``apply`` is the fold."""

    def __init__(self, config: HallConfig, state: HallState | None = None) -> None:
        self.state = state or HallState(hall=config.hall.id)
        self.config = config

    @property
    def config(self) -> HallConfig:
        return self._config

    @config.setter
    def config(self, config: HallConfig) -> None:
        # A reload may add windows or change what they serve; tickets stay.
        self._config = config
        self._plans = window_plans(config)
        self._prefix = {s.id: s.prefix for s in config.services}
        for w in config.windows:
            self.state.windows.setdefault(w.number, WindowState(w.number))

    # ------------------------------------------------------------------ decide
    def decide(self, cmd: Any, now: float, actor: str, mint_id: Callable[[], str]) -> Decision:
        """The events ``cmd`` causes at ``now``, or a refusal. Changes nothing."""
        rid = getattr(cmd, "id", None)
        key = f"{actor}|{rid}" if rid else None
        if key and key in self.state.requests:
            done = self.state.requests[key]
            if done and done[0].get("command") != cmd.type:
                return refuse("duplicate_id", f'request id "{rid}" was already used for a {done[0].get("command")} command')
            return Decision(events=[], result=result_of(done), duplicate=True)
        decider = DECIDERS.get(cmd.type)
        if decider is None:
            return refuse("unsupported", f"the queue does not handle {cmd.type!r}")
        prelude = self._day_rollover(now)
        decision: Decision = decider(self, cmd, now, mint_id, prelude)
        if decision.ok:
            events = prelude + decision.events
            for e in events:
                e.setdefault("at", now)
                if rid:
                    e["request"], e["actor"], e["command"] = rid, actor, cmd.type
            decision.events = events
            decision.result = result_of(decision.events)
        return decision

    def tick(self, now: float) -> list[dict]:
        """Events due to the passing of time alone (a new day)."""
        return self._day_rollover(now)

    def _day_rollover(self, now: float) -> list[dict]:
        today = local_time(self.config, now).date().isoformat()
        if self.state.day == today:
            return []
        events: list[dict] = [{"type": "day_started", "at": now, "day": today}]
        if self.state.day is not None and self.config.hall.hours != "24h":
            # A hall that closes at night ends the day's queue; a 24-hour hall keeps it.
            for t in self.state.tickets.values():
                if t.state in LIVE_STATES:
                    events.append({"type": "ticket_cancelled", "at": now, "ticket": t.short(), "reason": "day_end"})
        return events

    def _window(self, number: int) -> tuple[WindowState | None, Decision | None]:
        if number not in self._plans:
            return None, refuse("unknown_window", f"window {number} is not in the hall file")
        return self.state.windows[number], None

    def _current(self, w: WindowState) -> Ticket | None:
        t = self.state.tickets.get(w.ticket) if w.ticket else None
        return t if t is not None and t.state in AT_WINDOW_STATES and t.window == w.number else None

    def _find(self, ref: str) -> Ticket | None:
        tid = self.state.numbers.get(ref.upper(), ref)
        return self.state.tickets.get(tid)

    # --- issuing ---
    def _decide_issue(self, cmd: p.Issue, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        service = self.config.service(cmd.service)
        if service is None:
            ids = ", ".join(s.id for s in self.config.services)
            return refuse("unknown_service", f'no service "{cmd.service}" in this hall (services: {ids})')
        if cmd.priority is not None and cmd.priority not in (kinds := self.config.priority.ids):
            return refuse("unknown_priority", f'no priority category "{cmd.priority}" in this hall '
                                              f'(priority.categories: {", ".join(kinds)})', "priority.categories")
        if not hall_is_open(self.config, now):
            return refuse("hall_closed", "the hall is closed now: tickets are issued during opening hours", "hall.hours")
        reason = (cmd.reason or "").strip() or None
        if cmd.green and reason is None:
            return refuse("reason_required", "a green-channel ticket needs a reason: say what the urgent case is "
                                             "(reason, e.g. 'flight in 3 days', 'school starts Monday')", "issue.reason")
        if reason is not None and not (cmd.green or cmd.priority):
            return refuse("bad_reason", "a reason goes with a green-channel (green) or priority ticket only; "
                                        "a normal ticket has none", "issue.reason")
        appointment, slot_text = cmd.appointment, cmd.slot
        if appointment:
            # A booked code checks its booking in, whether it came as check_in or as an issue: one rule.
            booked, bad = self._booking(appointment, now)
            if bad is not None and bad.refusal.code != "unknown_appointment":
                return bad
            if booked is not None:
                if booked["service"] != service.id:
                    return refuse("wrong_service", f"appointment {appointment.upper()} is for {booked['service']}, "
                                                   f"not {service.id}: issue it for {booked['service']} or use check_in")
                appointment, slot_text = appointment.upper(), booked["slot"]
        fresh_day = any(e["type"] == "day_started" for e in prelude)
        counter = 0 if fresh_day else self.state.counters.get(service.prefix, 0)
        # Numbers are never reused within a day; a 24-hour hall may still hold
        # yesterday's live ticket with the same number: skip past it.
        ending = {e["ticket"]["id"] for e in prelude if e["type"] == "ticket_cancelled"}
        limit = 10 ** self.config.hall.ticket_digits - 1
        number = None
        while counter < limit:
            counter += 1
            candidate = f"{service.prefix}{counter:0{self.config.hall.ticket_digits}d}"
            holder = self.state.tickets.get(self.state.numbers.get(candidate, ""))
            if holder is None or holder.state not in LIVE_STATES or holder.id in ending:
                number = candidate
                break
        if number is None:
            return refuse("numbers_exhausted",
                          f"all {limit} numbers for {service.prefix} are used today; raise hall.ticket_digits",
                          "hall.ticket_digits")
        slot = None
        if slot_text:
            day = local_time(self.config, now)
            h, m = (int(x) for x in slot_text.split(":"))
            slot = day.replace(hour=h, minute=m, second=0, microsecond=0).timestamp()
        klass = "green" if cmd.green else "priority" if cmd.priority else "appointment" if slot is not None else "normal"
        ticket = {
            "id": mint_id(), "number": number, "service": service.id, "class": klass,
            "issued_at": now, "priority": cmd.priority, "appointment": appointment, "slot": slot,
        }
        ahead = self.ahead_of(Ticket(id=ticket["id"], number=number, service=service.id, klass=klass, issued_at=now,
                                     order_at=now, priority=cmd.priority, appointment=appointment, slot=slot), now)
        issued = {"type": "ticket_issued", "ticket": ticket, "ahead": ahead, "counter": counter}
        if reason is not None and klass in ("green", "priority"):
            issued["reason"] = reason  # in the log (with the actor): why this ticket goes first
        return Decision(events=[issued])

    # --- appointments ---
    def _decide_book(self, cmd: p.Book, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        today = local_time(self.config, now).date().isoformat()
        events, seen = [], set()
        for i, b in enumerate(cmd.appointments):
            code, where = b.code.upper(), f"appointments[{i}]"
            service = self.config.service(b.service)
            if service is None:
                ids = ", ".join(s.id for s in self.config.services)
                return refuse("unknown_service", f'{where}.service: no service "{b.service}" in this hall (services: {ids})')
            if not service.appointments:
                return refuse("no_appointments", f'{where}.service: "{service.id}" takes no appointments '
                                                 "(appointments: true for it in the hall file)", "services.appointments")
            day = b.day or today
            if day < today:
                return refuse("bad_appointment", f"{where}.day: {day} has passed (today is {today})")
            held = self.state.appointments.get(code)
            if held is not None and held.get("ticket"):
                return refuse("already_checked_in", f"{where}.code: {code} has checked in already; it cannot be booked again")
            if code in seen:
                return refuse("bad_appointment", f"{where}.code: {code} is in the list twice")
            seen.add(code)
            events.append({"type": "appointment_booked",
                           "appointment": {"code": code, "service": service.id, "slot": b.slot, "day": day}})
        return Decision(events=events)

    def appointment_today(self, code: str, now: float) -> dict | None:
        """The appointment booked under ``code`` for today (whether checked in or not), or None.

        One dictionary read: the hub asks it, without the hall's lock, to count wrong codes
        before a ``check_in`` reaches the queue (docs/hub.md, Limits)."""
        booked = self.state.appointments.get(code.upper())
        if booked is None or booked.get("day") != local_time(self.config, now).date().isoformat():
            return None
        return booked

    def ahead_of(self, ticket: Ticket, now: float) -> int:
        """How many waiting tickets a window serving ``ticket`` would call before it (the calling rule's
        :func:`server.queue.rules.ahead_of`)."""
        return ahead_of(self.config.rules, self._plans.values(), self.state.waiting(), now, ticket)

    def numbers_used(self, now: float) -> dict[str, tuple[int, int]]:
        """Per ticket letter of the hall: (the last number given today, the last number there is)."""
        limit = 10 ** self.config.hall.ticket_digits - 1
        today = local_time(self.config, now).date().isoformat()
        counters = dict(self.state.counters) if self.state.day == today else {}
        return {prefix: (counters.get(prefix, 0), limit) for prefix in sorted(set(self._prefix.values()))}

    def _booking(self, code: str, now: float) -> tuple[dict | None, Decision | None]:
        """The booking under ``code`` that may check in now, or a refusal saying why not (the one rule
        for ``check_in`` and for an ``issue`` carrying a booked code)."""
        code = code.upper()
        booked = self.state.appointments.get(code)
        today = local_time(self.config, now).date().isoformat()
        if booked is None:
            return None, refuse("unknown_appointment", f'no appointment "{code}": check the code in the booking '
                                                       "message, or take a normal ticket")
        if booked["day"] != today:
            return None, refuse("wrong_day", f"appointment {code} is for {booked['day']}, not today ({today})")
        if booked.get("ticket"):
            t = self.state.tickets.get(booked["ticket"])
            return None, refuse("already_checked_in", f"appointment {code} has checked in already"
                                                      + (f" (ticket {t.number})" if t else ""))
        return booked, None

    def _decide_check_in(self, cmd: p.CheckIn, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        booked, bad = self._booking(cmd.code, now)
        if bad is not None:
            return bad
        issue = p.Issue(type="issue", id=cmd.id, service=booked["service"], appointment=cmd.code.upper(),
                        slot=booked["slot"])
        return self._decide_issue(issue, now, mint_id, prelude)

    # --- cancelling ---
    def _decide_cancel_tickets(self, cmd: p.CancelTickets, now: float, mint_id: Callable[[], str],
                               prelude: list[dict]) -> Decision:
        """A manager cancels the waiting and skipped tickets of one letter numbered ``from``..``to``
        today (a flood, a stack misprinted). A ticket at a window is the window's to finish."""
        service = self.config.service(cmd.service)
        prefix = service.prefix if service is not None else cmd.service.upper()
        if prefix not in self._prefix.values():
            known = ", ".join(f"{s.id} ({s.prefix})" for s in self.config.services)
            return refuse("unknown_service", f'no service or ticket letter "{cmd.service}" in this hall (services: {known})')
        digits = self.config.hall.ticket_digits
        shown = f"{prefix}{cmd.from_:0{digits}d}" + (f"-{prefix}{cmd.to:0{digits}d}" if cmd.to != cmd.from_ else "")
        ending = {e["ticket"]["id"] for e in prelude if e["type"] == "ticket_cancelled"}  # a new day's end
        matched = []
        for t in self.state.tickets.values():
            number = t.number[len(prefix):]
            if t.number.startswith(prefix) and number.isdigit() and cmd.from_ <= int(number) <= cmd.to \
                    and t.state in LIVE_STATES and t.id not in ending:
                matched.append(t)
        matched.sort(key=lambda t: t.number)
        cancel = [t for t in matched if t.state not in AT_WINDOW_STATES]
        at_windows = [f"{t.number} (window {t.window})" for t in matched if t.state in AT_WINDOW_STATES]
        if not cancel:
            more = f"; {', '.join(at_windows)}: at a window, finished there (complete or skip)" if at_windows else ""
            return refuse("nothing_to_cancel", f"no waiting or skipped ticket {shown} today{more}")
        if len(cancel) > p.MAX_CANCEL:
            return refuse("too_many", f"{len(cancel)} tickets {shown} are waiting or skipped; cancel at most "
                                      f"{p.MAX_CANCEL} at once (a smaller range, then the rest)")
        note = cmd.reason.strip()
        return Decision(events=[{"type": "ticket_cancelled", "ticket": t.short(), "reason": "manager", "note": note}
                                for t in cancel])

    # --- calling ---
    def _decide_call_next(self, cmd: p.CallNext, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        w, bad = self._window(cmd.window)
        if bad:
            return bad
        if w.state == "paused":
            return refuse("window_paused", f"window {w.number} is paused ({w.reason or 'no reason given'}); resume it first")
        plan = self._plans[w.number]
        cancelled = {e["ticket"]["id"] for e in prelude if e["type"] == "ticket_cancelled"}
        waiting = (t for t in self.state.tickets.values() if t.state == "waiting" and t.id not in cancelled)
        nxt = pick_next(self.config.rules, plan, waiting, now)
        if nxt is None:
            if not plan.services:
                return refuse("nothing_waiting", f"no ticket has been transferred to window {w.number} "
                                                 "(it serves no ticketed service: it calls the tickets sent to it)")
            return refuse("nothing_waiting", f"no ticket is waiting for the services of window {w.number}")
        events = self._leave_current(w, now, prelude)
        if w.state == "closed":
            events.append({"type": "window_opened", "window": w.number})
        events.append({"type": "ticket_called", "ticket": nxt.short(), "window": w.number})
        return Decision(events=events)

    def _decide_call(self, cmd: p.Call, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        w, bad = self._window(cmd.window)
        if bad:
            return bad
        if w.state == "paused":
            return refuse("window_paused", f"window {w.number} is paused; resume it first")
        t = self._find(cmd.ticket)
        if t is None or any(e["type"] == "ticket_cancelled" and e["ticket"]["id"] == t.id for e in prelude):
            return refuse("unknown_ticket", f'no ticket "{cmd.ticket}" today')
        if t.state != "waiting":
            return refuse("ticket_not_waiting", f"{t.number} is {t.state}, not waiting")
        if not can_serve(self._plans[w.number], t):
            return refuse("not_for_this_window", f"window {w.number} does not serve {t.number} ({t.service})")
        events = self._leave_current(w, now, prelude)
        if w.state == "closed":
            events.append({"type": "window_opened", "window": w.number})
        events.append({"type": "ticket_called", "ticket": t.short(), "window": w.number, "out_of_order": True})
        return Decision(events=events)

    def _leave_current(self, w: WindowState, now: float, prelude: list[dict]) -> list[dict]:
        # Pressing "next" finishes the citizen at the counter: one key per citizen.
        cur = self._current(w)
        if cur is None or any(e.get("ticket", {}).get("id") == cur.id for e in prelude):
            return []
        return [self._completed(cur, w, now)]

    def _completed(self, t: Ticket, w: WindowState, now: float) -> dict:
        began = t.started_at or t.called_at or now
        return {"type": "ticket_completed", "ticket": t.short(), "window": w.number,
                "service_seconds": round(max(0.0, now - began), 3)}

    def _at_window(self, number: int) -> tuple[WindowState | None, Ticket | None, Decision | None]:
        w, bad = self._window(number)
        if bad:
            return None, None, bad
        cur = self._current(w)
        if cur is None:
            return w, None, refuse("nothing_called", f"window {number} has no ticket called")
        return w, cur, None

    def _decide_recall(self, cmd: p.Recall, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        w, cur, bad = self._at_window(cmd.window)
        if bad:
            return bad
        limit = self.config.rules.recall_limit
        if cur.recalls >= limit:
            return refuse("recall_limit", f"{cur.number} was called again {cur.recalls} times; skip it as a no-show", "rules.recall_limit")
        return Decision(events=[{"type": "ticket_recalled", "ticket": cur.short(), "window": w.number, "count": cur.recalls + 1}])

    def _decide_start(self, cmd: p.Start, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        w, cur, bad = self._at_window(cmd.window)
        if bad:
            return bad
        if cur.state == "serving":
            return refuse("already_serving", f"{cur.number} is already being served")
        return Decision(events=[{"type": "ticket_serving", "ticket": cur.short(), "window": w.number}])

    def _decide_skip(self, cmd: p.Skip, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        w, cur, bad = self._at_window(cmd.window)
        if bad:
            return bad
        if cur.state != "called":
            return refuse("already_serving", f"{cur.number} is being served; complete it instead of skipping")
        return Decision(events=[{"type": "ticket_skipped", "ticket": cur.short(), "window": w.number}])

    def _decide_complete(self, cmd: p.Complete, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        w, cur, bad = self._at_window(cmd.window)
        if bad:
            return bad
        return Decision(events=[self._completed(cur, w, now)])

    def _decide_requeue(self, cmd: p.Requeue, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        w, bad = self._window(cmd.window)
        if bad:
            return bad
        t = self._find(cmd.ticket)
        if t is None:
            return refuse("unknown_ticket", f'no ticket "{cmd.ticket}" today')
        if t.state != "skipped":
            return refuse("not_skipped", f"{t.number} is {t.state}; only a skipped ticket can be requeued")
        rules = self.config.rules
        if t.skipped_at is not None and now - t.skipped_at > rules.requeue_within_minutes * 60:
            return refuse("requeue_expired",
                          f"{t.number} was skipped more than {rules.requeue_within_minutes} minutes ago; take a new ticket",
                          "rules.requeue_within_minutes")
        # 过号重排: behind the next `requeue_behind` tickets of its service and class.
        same = sorted((x.order_at for x in self.state.tickets.values()
                       if x.state == "waiting" and x.service == t.service and x.klass == t.klass))
        behind = rules.requeue_behind
        if not same:
            order_at = now
        elif behind == 0:
            order_at = same[0] - 1e-3
        else:
            order_at = same[min(behind, len(same)) - 1] + 1e-3
        return Decision(events=[{"type": "ticket_requeued", "ticket": t.short(), "window": w.number,
                                 "order_at": order_at}])

    def _decide_transfer(self, cmd: p.Transfer, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        w, cur, bad = self._at_window(cmd.window)
        if bad:
            return bad
        if cmd.service is None and cmd.to_window is None:
            return refuse("bad_transfer", "say where to: a service, a window, or both")
        service = cur.service
        if cmd.service is not None:
            if self.config.service(cmd.service) is None:
                return refuse("unknown_service", f'no service "{cmd.service}" in this hall')
            service = cmd.service
        if cmd.to_window is not None:
            if cmd.to_window not in self._plans:
                return refuse("unknown_window", f"window {cmd.to_window} is not in the hall file")
            to = self._plans[cmd.to_window]
            # A window without ticketed services (a cashier, a photo booth) takes whatever is sent to it.
            if to.services and service not in to.services:
                return refuse("bad_transfer", f"window {cmd.to_window} does not serve {service}")
            if cmd.to_window == w.number and service == cur.service:
                return refuse("bad_transfer", "that is where the ticket already is")
        return Decision(events=[{"type": "ticket_transferred", "ticket": cur.short(), "window": w.number,
                                 "to_service": service, "to_window": cmd.to_window}])

    # --- windows ---
    def _decide_pause(self, cmd: p.Pause, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        w, bad = self._window(cmd.window)
        if bad:
            return bad
        cur = self._current(w)
        if cur is not None:
            return refuse("window_busy", f"{cur.number} is at window {w.number}: complete or skip it before pausing")
        if w.state == "paused":
            return refuse("already_paused", f"window {w.number} is already paused")
        return Decision(events=[{"type": "window_paused", "window": w.number, "reason": cmd.reason or None, "until": cmd.until}])

    def _decide_resume(self, cmd: p.Resume, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        w, bad = self._window(cmd.window)
        if bad:
            return bad
        if w.state != "paused":
            return refuse("not_paused", f"window {w.number} is not paused")
        return Decision(events=[{"type": "window_resumed", "window": w.number}])

    def _decide_open(self, cmd: p.Open, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        w, bad = self._window(cmd.window)
        if bad:
            return bad
        if w.state == "open":
            return refuse("already_open", f"window {w.number} is already open")
        return Decision(events=[{"type": "window_opened", "window": w.number}])

    def _decide_close(self, cmd: p.Close, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        w, bad = self._window(cmd.window)
        if bad:
            return bad
        cur = self._current(w)
        if cur is not None:
            return refuse("window_busy", f"{cur.number} is at window {w.number}: complete or skip it before closing")
        if w.state == "closed":
            return refuse("already_closed", f"window {w.number} is already closed")
        return Decision(events=[{"type": "window_closed", "window": w.number}])

    def _decide_rate(self, cmd: p.Rate, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        w, bad = self._window(cmd.window)
        if bad:
            return bad
        tid = None
        if cmd.ticket:
            t = self._find(cmd.ticket)
            if t is None:
                return refuse("unknown_ticket", f'no ticket "{cmd.ticket}" today')
            tid = t.id
        else:
            tid = w.last_completed
        t = self.state.tickets.get(tid) if tid else None
        # One rating per service, for a service this window gave: a window's token (the pad at
        # the counter) cannot rate itself again and again, nor rate another window's work.
        if t is None:
            return refuse("nothing_to_rate", f"window {w.number} has completed no service today to rate")
        if t.state != "completed" or t.window != w.number:
            return refuse("not_served_here", f"{t.number} was not served at window {w.number}")
        if t.rated:
            return refuse("already_rated", f"{t.number} has been rated already")
        return Decision(events=[{
            "type": "rated", "window": w.number, "ticket": t.short() if t else None, "score": cmd.score,
            "attitude": cmd.attitude, "efficiency": cmd.efficiency, "environment": cmd.environment,
            "comment": cmd.comment}])

    # --- messages and notices ---
    def _decide_set_messages(self, cmd: p.SetMessages, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        checked = []
        for i, m in enumerate(cmd.messages):
            try:
                with plain_text_language(self.config.hall.languages[0]):  # a plain string: as in the hall file
                    checked.append(Message.model_validate(m).model_dump(by_alias=True, exclude_none=True))
            except ValidationError as exc:
                first = exc.errors(include_url=False)[0]
                where = ".".join(str(x) for x in first["loc"])
                return refuse("bad_messages", f"messages[{i}].{where}: {first['msg']}")
        return Decision(events=[{"type": "messages_set", "messages": checked}])

    def _decide_set_notice(self, cmd: p.SetNotice, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        if not cmd.text:
            return refuse("bad_notice", "a notice needs text in at least one language")
        unknown = [s for s in (cmd.screens or []) if self.config.screen(s) is None]
        if unknown:
            return refuse("unknown_screen", f"no screen {', '.join(unknown)} in this hall")
        notice = {"text": dict(cmd.text), "style": cmd.style, "screens": cmd.screens}
        return Decision(events=[{"type": "notice_set", "notice": notice}])

    def _decide_clear_notice(self, cmd: p.ClearNotice, now: float, mint_id: Callable[[], str], prelude: list[dict]) -> Decision:
        if self.state.notice is None:
            return refuse("no_notice", "there is no notice to clear")
        return Decision(events=[{"type": "notice_cleared"}])

    # ------------------------------------------------------------------- fold
    def apply(self, event: dict, seq: int) -> None:
        """Fold one event into the state. Raises :class:`ReplayError` if it cannot follow."""
        if seq != self.state.seq + 1:
            raise ReplayError(f"event {seq} cannot follow event {self.state.seq}")
        kind = event.get("type")
        folder = _FOLDERS.get(kind)
        if folder is None:
            raise ReplayError(f"event {seq}: unknown event type {kind!r}")
        st = self.state
        if kind in TICKET_EVENTS and kind != "ticket_issued":
            t = st.tickets.get(event["ticket"]["id"])
            if t is None:
                raise ReplayError(f"event {seq}: {kind} for an unknown ticket {event['ticket'].get('number')}")
            to = next_state(kind, t.state)
            if to is None:
                raise ReplayError(f"event {seq}: {kind} is not allowed for {t.number} in state {t.state}")
            folder(self, event, t)
            t.state = to
        else:
            folder(self, event, None)
        st.seq = seq
        if event.get("request"):
            key = f"{event['actor']}|{event['request']}"
            st.requests.setdefault(key, []).append(event)
            if len(st.requests) > MAX_REMEMBERED_REQUESTS:
                st.requests.pop(next(iter(st.requests)))

    def execute(self, cmd: Any, now: float, actor: str, mint_id: Callable[[], str]) -> Decision:
        """Decide and fold at once: for simulations and tests without a log."""
        decision = self.decide(cmd, now, actor, mint_id)
        for e in decision.events:
            self.apply(e, self.state.seq + 1)
        return decision

    # -------------------------------------------------------------- public view
    def public_view(self) -> dict:
        """The snapshot screens and consoles start from (see docs/protocol.md)."""
        st = self.state
        windows = {}
        for w in self.config.windows:
            ws = st.windows[w.number]
            cur = self._current(ws)
            windows[str(w.number)] = {
                "number": w.number, "state": ws.state, "reason": ws.reason, "until": ws.until,
                "ticket": cur.short() if cur else None,
                "ticket_state": cur.state if cur else None,
                "since": ws.since if cur else None,
                "served": ws.served,
                "service_seconds": round(ws.service_seconds, 1),
            }
        waiting: dict[str, int] = {s.id: 0 for s in self.config.services}
        for t in st.tickets.values():
            if t.state == "waiting":
                waiting[t.service] = waiting.get(t.service, 0) + 1
        return {"day": st.day, "seq": st.seq, "windows": windows, "recent_calls": list(st.recent_calls),
                "waiting": waiting, "messages": st.messages, "notice": st.notice}


def result_of(events: list[dict]) -> dict:
    """The answer to a command, from its events (so a retry gets the same one)."""
    result: dict[str, Any] = {}
    for e in events:
        if "ticket" in e and e["ticket"]:
            result["ticket"] = e["ticket"]
        if "window" in e and e["type"] != "ticket_completed":
            result["window"] = e["window"]
        if e["type"] == "ticket_issued":
            result["ahead"] = e.get("ahead", 0)
    cancelled = [e["ticket"]["number"] for e in events
                 if e["type"] == "ticket_cancelled" and e.get("reason") == "manager"]
    if cancelled:  # cancel_tickets: the numbers, not the last of them as "the" ticket
        result.pop("ticket", None)
        result["cancelled"] = cancelled
    result["events"] = [e["type"] for e in events]
    return result


# --- folding, one function per event type --------------------------------------

def _f_day_started(eng: QueueEngine, e: dict, _: Ticket | None) -> None:
    st = eng.state
    st.day = e["day"]
    st.counters = {}
    st.recent_calls = []
    st.requests = {}
    # Finished tickets of earlier days live on in the log only.
    st.tickets = {k: t for k, t in st.tickets.items() if t.state in LIVE_STATES}
    st.numbers = {t.number: t.id for t in st.tickets.values()}
    for w in st.windows.values():
        w.served, w.service_seconds, w.last_completed = 0, 0.0, None
    st.appointments = {k: a for k, a in st.appointments.items() if a["day"] >= e["day"]}


def _f_issued(eng: QueueEngine, e: dict, _: Ticket | None) -> None:
    d = e["ticket"]
    st = eng.state
    if d["id"] in st.tickets:
        raise ReplayError(f"ticket {d['number']} issued twice")
    t = Ticket(id=d["id"], number=d["number"], service=d["service"], klass=d["class"],
               issued_at=d["issued_at"], order_at=d["issued_at"], priority=d.get("priority"),
               appointment=d.get("appointment"), slot=d.get("slot"))
    st.tickets[t.id] = t
    st.numbers[t.number] = t.id
    booked = st.appointments.get(t.appointment or "")
    if booked is not None and booked["day"] == st.day and not booked.get("ticket"):
        booked["ticket"] = t.id  # checked in
    prefix = t.number.rstrip("0123456789")
    st.counters[prefix] = max(st.counters.get(prefix, 0), e.get("counter") or int(t.number[len(prefix):]))


def _call_record(eng: QueueEngine, e: dict, recall: int) -> None:
    rec = {"seq": eng.state.seq + 1, "ticket": e["ticket"], "window": e["window"], "at": e["at"], "recall": recall}
    eng.state.recent_calls = [rec] + [c for c in eng.state.recent_calls if c["ticket"]["id"] != e["ticket"]["id"]][: RECENT_CALLS - 1]


def _f_called(eng: QueueEngine, e: dict, t: Ticket) -> None:
    w = eng.state.windows.setdefault(e["window"], WindowState(e["window"]))
    t.window, t.called_at, t.started_at, t.recalls, t.to_window = e["window"], e["at"], None, 0, None
    w.ticket, w.since = t.id, e["at"]
    if w.state == "closed":
        w.state = "open"
    _call_record(eng, e, 0)


def _f_recalled(eng: QueueEngine, e: dict, t: Ticket) -> None:
    t.recalls = e.get("count", t.recalls + 1)
    _call_record(eng, e, t.recalls)


def _f_serving(eng: QueueEngine, e: dict, t: Ticket) -> None:
    t.started_at = e["at"]


def _free_window(eng: QueueEngine, t: Ticket) -> None:
    w = eng.state.windows.get(t.window) if t.window is not None else None
    if w is not None and w.ticket == t.id:
        w.ticket, w.since = None, None


def _f_completed(eng: QueueEngine, e: dict, t: Ticket) -> None:
    _free_window(eng, t)
    w = eng.state.windows.get(e["window"])
    if w is not None:
        w.served += 1
        w.service_seconds += e.get("service_seconds", 0.0)
        w.last_completed = t.id


def _f_skipped(eng: QueueEngine, e: dict, t: Ticket) -> None:
    _free_window(eng, t)
    t.skipped_at = e["at"]


def _f_requeued(eng: QueueEngine, e: dict, t: Ticket) -> None:
    t.order_at = e.get("order_at", e["at"])
    t.window, t.skipped_at, t.recalls = None, None, 0


def _f_transferred(eng: QueueEngine, e: dict, t: Ticket) -> None:
    _free_window(eng, t)
    # The original place in line is kept: the citizen already waited.
    t.service, t.to_window, t.window = e["to_service"], e.get("to_window"), None


def _f_cancelled(eng: QueueEngine, e: dict, t: Ticket) -> None:
    _free_window(eng, t)


def _f_window(state: str) -> Callable[[QueueEngine, dict, Ticket | None], None]:
    def fold(eng: QueueEngine, e: dict, _: Ticket | None) -> None:
        w = eng.state.windows.setdefault(e["window"], WindowState(e["window"]))
        w.state = state
        w.reason = e.get("reason") if state == "paused" else None
        w.until = e.get("until") if state == "paused" else None
    return fold


def _f_booked(eng: QueueEngine, e: dict, _: Ticket | None) -> None:
    a = e["appointment"]
    eng.state.appointments[a["code"]] = {**a, "ticket": None}


def _f_rated(eng: QueueEngine, e: dict, _: Ticket | None) -> None:
    t = eng.state.tickets.get((e.get("ticket") or {}).get("id", ""))
    if t is not None:  # (the log keeps the rating itself, for the statistics)
        t.rated = True


def _f_messages(eng: QueueEngine, e: dict, _: Ticket | None) -> None:
    eng.state.messages = e["messages"]


def _f_notice(eng: QueueEngine, e: dict, _: Ticket | None) -> None:
    eng.state.notice = e.get("notice")


def _f_config(eng: QueueEngine, e: dict, _: Ticket | None) -> None:
    """A new version of the hall file: the hub swaps the configuration in (its reload); the queue's
    state does not change."""


_FOLDERS: dict[str, Callable[[QueueEngine, dict, Ticket | None], None]] = {
    "day_started": _f_day_started,
    "ticket_issued": _f_issued,
    "ticket_called": _f_called,
    "ticket_recalled": _f_recalled,
    "ticket_serving": _f_serving,
    "ticket_completed": _f_completed,
    "ticket_skipped": _f_skipped,
    "ticket_requeued": _f_requeued,
    "ticket_transferred": _f_transferred,
    "ticket_cancelled": _f_cancelled,
    "window_opened": _f_window("open"),
    "window_resumed": _f_window("open"),
    "window_paused": _f_window("paused"),
    "window_closed": _f_window("closed"),
    "rated": _f_rated,
    "appointment_booked": _f_booked,
    "messages_set": _f_messages,
    "notice_set": _f_notice,
    "notice_cleared": _f_notice,
    "config_published": _f_config,
}
TICKET_EVENTS = frozenset(k for k in _FOLDERS if k.startswith("ticket_"))
EVENT_TYPES = frozenset(_FOLDERS)  # = signage.events.EVENT_TYPES (tests/test_protocol_registry.py)

# --- deciding, one method per command type -----------------------------------------
#
# The commands the queue answers; the hub answers the others itself (server/hub/hub.py
# HUB_COMMANDS). tests/test_protocol_registry.py checks that every client command of
# signage/protocol.py has exactly one of the two.

Decider = Callable[[QueueEngine, Any, float, Callable[[], str], list[dict]], Decision]
DECIDERS: dict[str, Decider] = {
    "issue": QueueEngine._decide_issue,
    "check_in": QueueEngine._decide_check_in,
    "book": QueueEngine._decide_book,
    "cancel_tickets": QueueEngine._decide_cancel_tickets,
    "call_next": QueueEngine._decide_call_next,
    "call": QueueEngine._decide_call,
    "recall": QueueEngine._decide_recall,
    "start": QueueEngine._decide_start,
    "skip": QueueEngine._decide_skip,
    "complete": QueueEngine._decide_complete,
    "requeue": QueueEngine._decide_requeue,
    "transfer": QueueEngine._decide_transfer,
    "pause": QueueEngine._decide_pause,
    "resume": QueueEngine._decide_resume,
    "open": QueueEngine._decide_open,
    "close": QueueEngine._decide_close,
    "rate": QueueEngine._decide_rate,
    "set_messages": QueueEngine._decide_set_messages,
    "set_notice": QueueEngine._decide_set_notice,
    "clear_notice": QueueEngine._decide_clear_notice,
}
COMMAND_TYPES = frozenset(DECIDERS)
