"""A hall day, simulated: citizens and staff sending the real commands.

Theory of operation
-------------------
The simulator is a discrete-event simulation of one day of a hall, drawn from a
traffic profile (:mod:`server.sim.traffic`). It does not decide anything the queue
engine decides: it *sends commands* (``issue``, ``call_next``, ``start``,
``recall``, ``skip``, ``complete``, ``pause``, ``resume``, ``open``, ``close``
from :mod:`signage.protocol`) at simulated times and reacts to the answers,
as kiosks and window staff do. Which ticket a window gets is the engine's
answer, so the simulated hall follows the hall file's own rule.

The core, :meth:`HallDay.steps`, is a generator without I/O::

    gen = day.steps()
    step = next(gen)                 # Step(at, actor, command)
    while True:
        outcome = <run step.command at step.at>   # engine, or a live hub
        step = gen.send(outcome)     # ... until StopIteration(value=DayResult)

:func:`run_on_engine` runs it against an in-process :class:`QueueEngine`
(the benchmark, the tests, ``signage simulate``); a demo can run the same
steps against a live hub, sleeping until each ``at`` (scaled).

What staff and citizens do (the profile gives the numbers):

* Walk-ins arrive by a non-homogeneous Poisson process (thinning), with a
  day-level demand factor; a share are priority or green-channel citizens.
  Appointment holders arrive around their slot; before the hall opens they
  wait at the door and take their ticket at opening time.
* A window that is free presses "next" after a short exponential gap; a
  window with nothing to call waits, and when a ticket comes (or an
  appointment becomes callable) the idle windows press "next" in random
  order.
* A citizen who is there is served at once (``start``), for a lognormal time
  scaled by the window's hidden speed; one who has left costs the window the
  no-show minutes (a ``recall`` half-way, then ``skip``).
* A window finishes its citizen before a planned break, pauses until the
  planned end and comes back late by an exponential delay. A window that
  frees only after its break should have ended skips the break.
* After closing time no ticket is issued; windows serve until the hall is
  empty, then close.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Generator, Iterable

from signage import protocol as p
from signage.config.model import HallConfig, WEEKDAYS, minutes_of

from server.queue.engine import Decision, QueueEngine, _zone
from server.reports.stats import percentile
from server.sim.traffic import TrafficProfile



def priority_kinds(config: HallConfig) -> tuple[str, ...]:
    """The priority categories citizens come as: the hall's that the kiosk offers (all of them
    when it offers none); without a ``priority`` section elderly, disabled, pregnant, infant, military."""
    categories = config.priority.categories
    return tuple(c.id for c in categories if c.kiosk) or tuple(c.id for c in categories)


@dataclass
class Citizen:
    """One person with a reason to come, drawn before the day starts."""

    key: int
    service: str
    arrive: float                   # Unix time they reach the ticket machine
    klass: str = "normal"           # normal | priority | green | appointment
    priority: str | None = None
    slot: str | None = None         # "HH:MM" for appointments
    no_show: bool = False           # gone when called
    # What happened:
    ticket: str | None = None
    number: str | None = None
    issued_at: float | None = None
    called_at: float | None = None  # first call
    window: int | None = None
    served_seconds: float | None = None
    turned_away: str | None = None  # the refusal code, if no ticket

    @property
    def wait(self) -> float | None:
        """Seconds from ticket to first call (the figure the estimates predict)."""
        if self.issued_at is None or self.called_at is None:
            return None
        return self.called_at - self.issued_at


@dataclass
class Step:
    """Send ``command`` as ``actor`` at ``at`` (Unix seconds)."""

    at: float
    actor: str
    command: Any


@dataclass
class Outcome:
    """The answer to a step: ``result`` as in the protocol's ``ok``, or a refusal ``code``."""

    ok: bool
    result: dict = field(default_factory=dict)
    code: str | None = None

    @classmethod
    def of(cls, decision: Decision) -> "Outcome":
        if decision.ok:
            return cls(True, decision.result or {})
        return cls(False, {}, decision.refusal.code if decision.refusal else "refused")


@dataclass
class WindowDay:
    number: int
    speed: float
    busy: bool = False              # a citizen called or at the counter
    idle: bool = False              # free, found nothing to call
    paused: bool = False
    breaks: list[tuple[float, float, str, str]] = field(default_factory=list)  # (start, end, "HH:MM" end, reason)
    served: int = 0
    busy_seconds: float = 0.0


@dataclass
class DayResult:
    day: str
    citizens: list[Citizen]
    windows: dict[int, WindowDay]
    opened_at: float
    ended_at: float
    max_waiting: int = 0

    def served(self) -> list[Citizen]:
        return [c for c in self.citizens if c.called_at is not None and not c.no_show]


class HallDay:
    """One simulated day of ``config`` under ``profile``, from ``seed``."""

    def __init__(self, config: HallConfig, profile: TrafficProfile, day: dt.date, seed: int) -> None:
        self.config = config
        self.profile = profile
        self.day = day
        self.rng = random.Random(f"{seed}:{day.isoformat()}:{config.hall.id}")
        self.tz = _zone(config.hall.timezone)
        self.midnight = dt.datetime.combine(day, dt.time(0), self.tz).timestamp()
        self.open_min, self.close_min = self._hours()
        self._rid = itertools.count(1)

    # --- the plan of the day (drawn before it starts) ---
    def _hours(self) -> tuple[float, float]:
        hours = self.config.hall.hours
        if hours == "24h":
            pts = [minutes_of(t) for t, _ in self.profile.arrivals.rate]
            return float(min(pts)), float(max(pts))
        wd = WEEKDAYS[self.day.weekday()]
        today = [h for h in hours if wd in h.days]
        if not today:
            return 0.0, 0.0  # closed today
        return float(min(minutes_of(h.open) for h in today)), float(max(minutes_of(h.close) for h in today))

    def at(self, minute: float) -> float:
        """Unix time of ``minute`` after local midnight of the day."""
        return self.midnight + minute * 60.0

    def citizens(self) -> list[Citizen]:
        """Everyone who comes today, in order of arrival."""
        prof, rng = self.profile, self.rng
        if self.close_min <= self.open_min:
            return []
        demand = rng.lognormvariate(0.0, prof.arrivals.demand_sigma) if prof.arrivals.demand_sigma > 0 else 1.0
        kinds = priority_kinds(self.config)
        services = list(prof.services)
        weights = [prof.services[s].share for s in services]
        pts = [(minutes_of(t), r) for t, r in prof.arrivals.rate]
        peak = max(r for _, r in pts) * demand
        out: list[Citizen] = []
        if peak > 0:
            m = float(pts[0][0])
            while True:  # thinning: candidates at the peak rate, kept with rate/peak
                m += rng.expovariate(peak)
                if m > pts[-1][0]:
                    break
                if rng.random() * peak <= prof.rate_at(m) * demand and self.open_min <= m < self.close_min:
                    c = Citizen(len(out), rng.choices(services, weights)[0], self.at(m))
                    u = rng.random()
                    if u < prof.arrivals.green_share:
                        c.klass = "green"
                    elif u < prof.arrivals.green_share + prof.arrivals.priority_share:
                        c.klass, c.priority = "priority", rng.choice(kinds)
                    out.append(c)
        a = prof.appointments
        if a is not None:
            slot = float(minutes_of(a.start))
            while slot <= minutes_of(a.end) + 1e-9:
                for sid in a.services if self.open_min <= slot < self.close_min else ():  # slots of today's hours
                    if rng.random() < a.booked and rng.random() < a.show:
                        arrive = slot + rng.gauss(a.offset_minutes.mean, a.offset_minutes.sd)
                        # Early birds wait at the door and take a ticket at opening.
                        arrive = max(arrive, self.open_min)
                        hhmm = f"{int(slot) // 60:02d}:{int(slot) % 60:02d}"
                        out.append(Citizen(0, sid, self.at(arrive), "appointment", slot=hhmm))
                slot += a.every_minutes
        out.sort(key=lambda c: c.arrive)
        for i, c in enumerate(out):
            c.key = i
            c.no_show = rng.random() < prof.no_show.share
        return out

    def windows(self) -> dict[int, WindowDay]:
        prof, rng = self.profile, self.rng
        staffed = prof.windows.staffed
        numbers = [w.number for w in self.config.windows if staffed == "all" or w.number in staffed]
        out = {n: WindowDay(n, rng.uniform(prof.windows.speed.low, prof.windows.speed.high)) for n in numbers}
        for b in prof.breaks.plan:
            for n in b.windows:
                if n in out:
                    out[n].breaks.append((self.at(minutes_of(b.start)), self.at(minutes_of(b.end)), b.end, b.reason))
        for w in out.values():
            w.breaks.sort()
        return out

    # --- the day, as commands ---
    def _id(self) -> str:
        return f"sim-{self.day.isoformat()}-{next(self._rid)}"

    def service_seconds(self, service: str, w: WindowDay) -> float:
        st = self.profile.services.get(service)
        minutes = st.minutes if st and st.minutes else self.config.service(service).minutes
        cv = st.cv if st else 0.6
        mean = minutes * 60.0 * w.speed
        if cv <= 0:
            return mean
        s2 = math.log(1 + cv * cv)
        return self.rng.lognormvariate(math.log(mean) - s2 / 2, math.sqrt(s2))

    def steps(self) -> Generator[Step, Outcome, DayResult]:
        """The day as a dialogue: yields commands, receives their outcomes."""
        prof, rng, rules = self.profile, self.rng, self.config.rules
        people = self.citizens()
        wins = self.windows()
        by_ticket: dict[str, Citizen] = {}
        waiting: set[str] = set()  # tickets issued and not yet called (for the summary)
        max_waiting = 0
        heap: list[tuple[float, int, str, Any]] = []
        order = itertools.count()

        def push(t: float, kind: str, data: Any) -> None:
            heapq.heappush(heap, (t, next(order), kind, data))

        opened = self.at(self.open_min)
        if self.close_min <= self.open_min or not wins:
            return DayResult(self.day.isoformat(), people, wins, opened, opened)
        push(opened, "open", None)
        for c in people:
            push(c.arrive, "arrive", c)
        for w in wins.values():
            for start, _end, _hhmm, _reason in w.breaks:
                push(start, "break", w.number)
        gap = prof.windows.gap_minutes * 60.0
        cost = prof.no_show.recall_minutes * 60.0
        now = opened

        def wactor(n: int) -> str:
            return f"window:{n}"

        # Sub-dialogues (yield from): each sends one or a few commands.
        def call_next(w: WindowDay) -> Generator[Step, Outcome, bool]:
            out = yield Step(now, wactor(w.number), p.CallNext(type="call_next", id=self._id(), window=w.number))
            if not out.ok:
                w.idle = True
                return False
            tid = out.result["ticket"]["id"]
            c = by_ticket.get(tid)
            w.idle, w.busy = False, True
            waiting.discard(tid)
            if c is not None and c.called_at is None:
                c.called_at, c.window = now, w.number
            if c is not None and c.no_show:
                push(now + cost / 2, "recall", w.number)
                push(now + cost, "skip", w.number)
                w.busy_seconds += cost
            else:
                yield Step(now, wactor(w.number), p.Start(type="start", id=self._id(), window=w.number))
                secs = self.service_seconds(c.service if c else out.result["ticket"]["service"], w)
                if c is not None:
                    c.served_seconds = secs
                w.busy_seconds += secs
                push(now + secs, "done", w.number)
            return True

        def pending_break(w: WindowDay) -> tuple[float, float, str, str] | None:
            while w.breaks and w.breaks[0][1] <= now:
                w.breaks.pop(0)  # freed only after it should have ended: skipped
            return w.breaks[0] if w.breaks and w.breaks[0][0] <= now else None

        def after_citizen(w: WindowDay) -> Generator[Step, Outcome, None]:
            w.busy = False
            br = pending_break(w)
            if br is not None:
                yield from take_break(w, br)
            else:
                push(now + (rng.expovariate(1 / gap) if gap > 0 else 0.0), "free", w.number)

        def take_break(w: WindowDay, br: tuple[float, float, str, str]) -> Generator[Step, Outcome, None]:
            w.breaks.remove(br)
            out = yield Step(now, wactor(w.number), p.Pause(type="pause", id=self._id(), window=w.number,
                                                             reason=br[3], until=br[2]))
            if out.ok:
                w.paused, w.idle = True, False
                late = rng.expovariate(1 / (prof.breaks.late_minutes * 60)) if prof.breaks.late_minutes > 0 else 0.0
                push(br[1] + late, "back", w.number)
            else:  # cannot happen with a free window; keep working rather than stall
                push(now, "free", w.number)

        def wake_idle() -> Generator[Step, Outcome, None]:
            idle = [w for w in wins.values() if w.idle and not w.busy and not w.paused]
            if prof.windows.idle_order == "random":
                rng.shuffle(idle)
            for w in idle:
                yield from call_next(w)

        while heap:
            now, _, kind, data = heapq.heappop(heap)
            if kind == "open":
                for w in wins.values():
                    out = yield Step(now, "manager", p.Open(type="open", id=self._id(), window=w.number))
                    w.idle = True
                yield from wake_idle()
            elif kind == "arrive":
                c: Citizen = data
                cmd = p.Issue(type="issue", id=self._id(), service=c.service, priority=c.priority,
                              green=c.klass == "green", reason="urgent (simulated)" if c.klass == "green" else None,
                              appointment=f"AP{c.key:04d}" if c.slot else None, slot=c.slot)
                out = yield Step(now, "kiosk:1", cmd)
                if not out.ok:
                    c.turned_away = out.code
                    continue
                t = out.result["ticket"]
                c.ticket, c.number, c.issued_at = t["id"], t["number"], now
                by_ticket[c.ticket] = c
                waiting.add(c.ticket)
                max_waiting = max(max_waiting, len(waiting))
                if c.slot:
                    due = self.at(minutes_of(c.slot) - rules.appointment_early_minutes)
                    if due > now:
                        push(due, "due", c.ticket)
                yield from wake_idle()
            elif kind == "due":
                if data in waiting:
                    yield from wake_idle()
            elif kind == "free":
                w = wins[data]
                br = pending_break(w)
                if br is not None:
                    yield from take_break(w, br)
                else:
                    yield from call_next(w)
            elif kind == "done":
                w = wins[data]
                yield Step(now, wactor(w.number), p.Complete(type="complete", id=self._id(), window=w.number))
                w.served += 1
                yield from after_citizen(w)
            elif kind == "recall":
                yield Step(now, wactor(data), p.Recall(type="recall", id=self._id(), window=data))
            elif kind == "skip":
                w = wins[data]
                yield Step(now, wactor(w.number), p.Skip(type="skip", id=self._id(), window=w.number))
                yield from after_citizen(w)
            elif kind == "break":
                w = wins[data]
                br = pending_break(w)
                if br is not None and not w.busy and not w.paused:
                    yield from take_break(w, br)  # an idle window goes at once; a busy one when free
            elif kind == "back":
                w = wins[data]
                out = yield Step(now, wactor(w.number), p.Resume(type="resume", id=self._id(), window=w.number))
                w.paused = False
                yield from call_next(w)
        # The hall is empty: close the windows.
        for w in wins.values():
            yield Step(now, wactor(w.number), p.Close(type="close", id=self._id(), window=w.number))
        return DayResult(self.day.isoformat(), people, wins, opened, now, max_waiting)


def run_on_engine(day: HallDay, engine: QueueEngine | None = None,
                  on_events: Callable[[list[dict], QueueEngine], None] | None = None) -> DayResult:
    """Run a simulated day against an in-process engine (a new one by default).

    ``on_events(events, engine)`` is called after each command's events are
    folded in: the benchmark takes its estimates there.
    """
    engine = engine or QueueEngine(day.config)
    ids = itertools.count(1)
    prefix = day.day.strftime("%y%m%d")

    def mint() -> str:
        return f"t{prefix}-{next(ids):05d}"

    gen = day.steps()
    try:
        step = next(gen)
        while True:
            decision = engine.execute(step.command, step.at, step.actor, mint)
            if on_events is not None and decision.events:
                on_events(decision.events, engine)
            step = gen.send(Outcome.of(decision))
    except StopIteration as stop:
        return stop.value


# --- a day in numbers --------------------------------------------------------------

def summarize(result: DayResult, config: HallConfig) -> dict:
    """Per service and per window figures of a simulated day (minutes)."""
    tz = _zone(config.hall.timezone)

    def hhmm(t: float) -> str:
        return dt.datetime.fromtimestamp(t, tz).strftime("%H:%M")

    def block(cs: list[Citizen]) -> dict:
        waits = [c.wait / 60 for c in cs if c.wait is not None and not c.no_show]
        return {"tickets": len([c for c in cs if c.ticket]), "served": len(waits),
                "no_shows": sum(1 for c in cs if c.no_show and c.called_at is not None),
                "mean_wait": _r(sum(waits) / len(waits)) if waits else None,
                "p90_wait": _r(percentile(waits, 90)), "max_wait": _r(max(waits)) if waits else None}

    cs = result.citizens
    services = {s.id: block([c for c in cs if c.service == s.id]) for s in config.services}
    classes = {k: block([c for c in cs if c.klass == k]) for k in ("normal", "priority", "green", "appointment")
               if any(c.klass == k for c in cs)}
    span = max(1.0, result.ended_at - result.opened_at)
    windows = {n: {"served": w.served, "busy": round(100 * w.busy_seconds / span), "speed": round(w.speed, 3)}
               for n, w in result.windows.items()}
    return {"day": result.day, "opened": hhmm(result.opened_at), "emptied": hhmm(result.ended_at),
            "turned_away": sum(1 for c in cs if c.turned_away), "max_waiting": result.max_waiting,
            "all": block(cs), "services": services, "classes": classes, "windows": windows}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def simulate_days(config: HallConfig, profile: TrafficProfile, first: dt.date, days: int, seed: int) -> Iterable[DayResult]:
    """Independent days from ``first`` on, each from its own stream of ``seed``."""
    for i in range(days):
        yield run_on_engine(HallDay(config, profile, first + dt.timedelta(days=i), seed))
