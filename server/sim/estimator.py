"""Waiting-time estimates: the hall's own rule, run forward from the live state.

Theory of operation
-------------------
A wait depends on everything the calling rule will do before a ticket's turn:
which windows serve its service and what else they serve, who is at each
counter now and for how long already, who goes to lunch and when they come
back, which priority tickets and appointments will jump ahead, how many
called citizens are already gone. A formula cannot hold all that; a small
simulation can. So :meth:`Estimator.estimate` plays the rest of the queue out,
several times (Monte Carlo), with :func:`server.queue.rules.pick_next` choosing the
ticket each time a window frees, and reads each ticket's call time off the
runs: the median is the estimate, the spread the range.

What a shadow run starts from (the live :class:`~server.queue.engine.QueueEngine`):

* the waiting tickets, their class, slot and place in line; a "ghost" normal
  ticket per service issued now (it answers "a new ticket would wait N min"
  and costs no window time, so the ghosts never delay anyone);
* each window: free now; busy with a citizen for a remaining time drawn from
  the service-time distribution *given the time already spent*; paused until
  its ``until`` plus a late return; closed (left out);
* the break plan (a staff rota, e.g. the traffic profile's): a window
  finishes its citizen, then breaks until the planned end plus a late return.

What it learns online from :meth:`Estimator.observe` (every event):

* service time per service (EWMA of ``ticket_completed.service_seconds``),
  a speed factor per window, and the spread (coefficient of variation);
* the no-show rate and the time a no-show costs, the gap between citizens,
  how late staff come back from a pause with ``until``;
* arrival rates of the classes that jump the line (green, priority,
  appointment) per service and half-hour, from earlier days when it has seen
  some, else from today so far;
* a calibration of the range: each ticket's first estimate is kept and
  compared with its real wait when it is called; the range widens or narrows
  so that about 10 % of waits fall below it and 10 % above (an online
  quantile tracker, as in adaptive conformal inference).

The cost is a few runs of a simple loop per update; see docs/estimates.md for
figures (``signage bench wait --cost``).

Two simpler estimators live here as yardsticks for the benchmark:
:func:`naive_minutes` (all waiting × mean service / open windows) and
:func:`queue_length_minutes` (same-service tickets ahead × that service's
mean / open windows serving it).
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Iterable, Sequence

from signage.config.model import HallConfig, WEEKDAYS, minutes_of

from server.queue.engine import QueueEngine, _zone
from server.queue.rules import (AT_WINDOW_STATES, Ticket, WindowPlan, ahead_counts, class_order, effective_class,
                               pick_next, window_plans)
from server.sim.traffic import PlannedBreak

JUMPING = ("green", "priority", "appointment")  # classes whose future arrivals can pass a waiting ticket
BIN_MINUTES = 30
_NORMAL = NormalDist()
INF = float("inf")


PRIOR_WEIGHT = 5  # the hall file's service time counts as this many observed services


@dataclass
class Ewma:
    """A mean that starts from a prior worth ``weight`` observations, then forgets slowly."""

    value: float
    weight: float = 1.0
    floor: float = 0.02  # smallest step: how fast it keeps forgetting

    def add(self, x: float) -> None:
        self.weight += 1
        self.value += max(1.0 / self.weight, self.floor) * (x - self.value)


@dataclass
class Calibration:
    """Scales of the range, tracked from real waits (adaptive conformal style).

    Each update moves a scale up when a wait fell outside its side of the
    range and down a little when it did not, so that in the long run about
    ``(1 - coverage) / 2`` of the waits fall below the range and as many above,
    whatever the shadow runs get wrong. The point estimate is left alone: a
    sign-based nudge of it was tried and hurt (rounded small waits dominate).
    """

    low: float = 1.0      # multiplies the Monte Carlo spread below the median
    high: float = 1.0     # ... and above it
    rate: float = 0.02    # step of each update (0: frozen)
    coverage: float = 0.8

    def update(self, wait_min: float, shown: tuple[float, float, float]) -> None:
        _minutes, low, high = shown
        tail = (1 - self.coverage) / 2
        self.low = _clamp(self.low * math.exp(self.rate * ((wait_min < low) - tail)), 0.2, 20)
        self.high = _clamp(self.high * math.exp(self.rate * ((wait_min > high) - tail)), 0.2, 20)


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


@dataclass
class _Run:
    """What a shadow run needs of a window."""

    number: int
    plan: WindowPlan
    services: tuple[str, ...]
    state: str
    busy_ticket: Ticket | None
    busy_since: float | None
    until: float | None
    paused_for: float
    breaks: list[tuple[float, float]] = field(default_factory=list)
    in_gap: bool = False  # free with tickets for it waiting: about to press "next"


class Estimator:
    """Waiting-time estimates for one hall. Feed it every event; ask when needed."""

    DEFAULT_RUNS = 16

    def __init__(self, config: HallConfig, breaks: Sequence[PlannedBreak] = (), *, runs: int = DEFAULT_RUNS,
                 seed: int | None = None, coverage: float = 0.8) -> None:
        self.runs = runs
        self.breaks = list(breaks)
        self.rng = random.Random(seed)
        self.calibration = Calibration(coverage=coverage)
        # learned, per hall
        self.mean: dict[str, Ewma] = {}  # per service; the config setter adds each with its prior
        self._prior: dict[str, float] = {}  # per service: the hall file's seconds behind that prior
        self.config = config
        self.mean_all = Ewma(sum(s.minutes for s in config.services) * 60.0 / len(config.services), 5, 0.02)
        self.speed: dict[int, Ewma] = {}
        self.cv2 = Ewma(0.25, 10, 0.01)
        self.no_show = Ewma(0.05, 20, 0.01)
        self.no_show_cost = Ewma(60.0, 3, 0.05)
        self.gap = Ewma(15.0, 3, 0.02)
        self.late = Ewma(180.0, 2, 0.03)
        self.pause_len = Ewma(600.0, 1, 0.2)
        self.appt_lead = Ewma(180.0, 2, 0.05)  # issue -> callable, for appointments not yet here
        self.rates: dict[tuple[str, str], list[float]] = {}  # (service, class) -> per-minute rate per bin
        self.days_seen = 0
        # today
        self.day: str | None = None
        self.today: dict[tuple[str, str], list[int]] = {}
        self.first_issue: float | None = None
        self.tickets: dict[str, list] = {}     # id -> [state, service, class, show/no-show counted]
        self.waiting_n: dict[str, int] = {}    # service -> callable-class tickets waiting (mirror)
        self.free_since: dict[int, tuple[float, bool]] = {}  # window -> (since, a ticket was waiting)
        self.paused_at: dict[int, tuple[float, float | None]] = {}  # window -> (when, until ts), while paused
        self.last_pause: dict[int, float] = {}  # window -> when it last paused today (kept after it resumes)
        self.pending: dict[str, tuple[float, tuple[float, float, float]]] = {}  # first estimate of a ticket
        self.called_at: dict[str, float] = {}  # tickets at a window: when called

    # ------------------------------------------------------------ configuration
    @property
    def config(self) -> HallConfig:
        return self._config

    @config.setter
    def config(self, config: HallConfig) -> None:
        self._config = config
        self.plans = window_plans(config)
        for s in config.services:  # a reload may add services; the others keep what was learned
            prior, mean = s.minutes * 60.0, self.mean.get(s.id)
            if mean is None:
                self.mean[s.id] = Ewma(prior, PRIOR_WEIGHT, 0.03)
            elif prior != self._prior[s.id]:
                # The manager's new figure takes the old one's place in the mean (exactly, until
                # the mean starts forgetting); what was observed since still counts.
                mean.value = max(1.0, mean.value + PRIOR_WEIGHT * (prior - self._prior[s.id]) / mean.weight)
            self._prior[s.id] = prior

    # ---------------------------------------------------------------- learning
    def observe(self, event: dict) -> None:
        """Learn from one event of the hall (any type; unknown ones are ignored)."""
        kind = event.get("type")
        at = float(event.get("at", 0.0))
        tk = event.get("ticket") or {}
        tid = tk.get("id")
        if kind == "day_started":
            self._new_day(event.get("day"))
        elif kind == "ticket_issued":
            klass, service = tk.get("class", "normal"), tk.get("service")
            self.tickets[tid] = ["waiting", service, klass, False]
            if klass != "appointment":
                self.waiting_n[service] = self.waiting_n.get(service, 0) + 1
            if self.first_issue is None:
                self.first_issue = at
            if klass in JUMPING:
                b = self._bin(at)
                counts = self.today.setdefault((service, klass), [0] * (24 * 60 // BIN_MINUTES))
                counts[b] += 1
            slot = tk.get("slot")
            if klass == "appointment" and slot is not None:
                self.appt_lead.add(max(0.0, slot - self.config.rules.appointment_early_minutes * 60 - at))
        elif kind == "ticket_called":
            w = event.get("window")
            rec = self.tickets.get(tid)
            if rec is not None:
                if rec[0] == "waiting" and rec[2] != "appointment":
                    self.waiting_n[rec[1]] = max(0, self.waiting_n.get(rec[1], 0) - 1)
                rec[0] = "called"
            self.called_at[tid] = at
            since = self.free_since.pop(w, None)
            if since is not None and since[1]:
                # A long "gap" is mostly a window that found nothing and waited: cut it.
                self.gap.add(min(at - since[0], 120.0))
            first = self.pending.pop(tid, None)
            if first is not None:
                self.calibration.update((at - first[0]) / 60.0, first[1])
        elif kind == "ticket_skipped":
            rec = self.tickets.get(tid)
            if rec is not None:
                rec[0] = "skipped"
                if not rec[3]:
                    rec[3] = True
                    self.no_show.add(1.0)
            called = self.called_at.pop(tid, None)
            if called is not None:
                self.no_show_cost.add(at - called)
            self._freed(event.get("window"), at)
        elif kind == "ticket_serving":
            self._showed(tid)
        elif kind == "ticket_completed":
            w, secs = event.get("window"), float(event.get("service_seconds", 0.0))
            rec = self.tickets.get(tid)
            service = tk.get("service") or (rec[1] if rec else None)
            if rec is not None:
                rec[0] = "completed"
            self._showed(tid)
            self.called_at.pop(tid, None)
            if service in self.mean and secs > 0:
                self._learn_service(service, w, secs)
            self._freed(w, at)
        elif kind in ("ticket_requeued", "ticket_transferred"):
            rec = self.tickets.get(tid)
            if rec is not None:
                if rec[0] == "waiting" and rec[2] != "appointment":
                    self.waiting_n[rec[1]] = max(0, self.waiting_n.get(rec[1], 0) - 1)
                if kind == "ticket_transferred":
                    rec[1] = event.get("to_service", rec[1])
                rec[0] = "waiting"
                if rec[2] != "appointment":
                    self.waiting_n[rec[1]] = self.waiting_n.get(rec[1], 0) + 1
            if kind == "ticket_transferred":
                self._freed(event.get("window"), at)
        elif kind == "ticket_cancelled":
            rec = self.tickets.pop(tid, None)
            if rec is not None and rec[0] == "waiting" and rec[2] != "appointment":
                self.waiting_n[rec[1]] = max(0, self.waiting_n.get(rec[1], 0) - 1)
            self.pending.pop(tid, None)
        elif kind == "window_paused":
            w = event.get("window")
            until = event.get("until")
            self.paused_at[w] = (at, self._today_at(until, at) if until else None)
            self.last_pause[w] = at
            self.free_since.pop(w, None)
        elif kind in ("window_resumed", "window_opened"):
            w = event.get("window")
            paused = self.paused_at.pop(w, None) if kind == "window_resumed" else None
            if paused is not None:
                if paused[1] is not None:
                    self.late.add(max(0.0, at - paused[1]))
                else:
                    self.pause_len.add(at - paused[0])
            self._freed(w, at)
        elif kind == "window_closed":
            self.free_since.pop(event.get("window"), None)

    def _showed(self, tid: str | None) -> None:
        rec = self.tickets.get(tid) if tid else None
        if rec is not None and not rec[3]:
            rec[3] = True
            self.no_show.add(0.0)

    def _freed(self, window: int | None, at: float) -> None:
        if window is None:
            return
        plan = self.plans.get(window)
        backlog = plan is not None and any(self.waiting_n.get(s, 0) > 0 for s in plan.services)
        self.free_since[window] = (at, backlog)

    def _learn_service(self, service: str, window: int | None, secs: float) -> None:
        mean = self.mean[service].value
        sp = self.speed.setdefault(window, Ewma(1.0, 10, 0.02)) if window is not None else None
        expected = mean * (sp.value if sp else 1.0)
        self.cv2.add(min((secs / expected - 1.0) ** 2, 9.0))
        if sp is not None:
            sp.add(_clamp(secs / mean, 0.1, 5.0))
        self.mean[service].add(secs)
        self.mean_all.add(secs)

    def _new_day(self, day: str | None) -> None:
        if self.day is not None and self.today:
            self.days_seen += 1
            alpha = max(1.0 / self.days_seen, 0.2)
            for key in sorted(set(self.rates) | set(self.today)):  # sorted: same order in every process
                counts = self.today.get(key, [0] * (24 * 60 // BIN_MINUTES))
                old = self.rates.get(key)
                new = [c / BIN_MINUTES for c in counts]
                self.rates[key] = new if old is None else [o + alpha * (n - o) for o, n in zip(old, new)]
        self.day = day
        self.today, self.first_issue = {}, None
        self.tickets, self.waiting_n, self.free_since, self.paused_at, self.pending = {}, {}, {}, {}, {}
        self.called_at, self.last_pause = {}, {}

    # -------------------------------------------------------------- local time
    def _midnight(self, at: float) -> float:
        tz = _zone(self.config.hall.timezone)
        d = dt.datetime.fromtimestamp(at, tz)
        return d.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()

    def _bin(self, at: float) -> int:
        return min(int((at - self._midnight(at)) // (BIN_MINUTES * 60)), 24 * 60 // BIN_MINUTES - 1)

    def _today_at(self, hhmm: str, at: float) -> float:
        return self._midnight(at) + minutes_of(hhmm) * 60.0

    def _closing(self, now: float, midnight: float) -> float:
        """When ticket issuing stops today (Unix time); the far future for a 24-hour hall."""
        hours = self.config.hall.hours
        if hours == "24h":
            return INF
        wd = WEEKDAYS[dt.datetime.fromtimestamp(now, _zone(self.config.hall.timezone)).weekday()]
        closes = [minutes_of(h.close) for h in hours if wd in h.days]
        return midnight + max(closes) * 60.0 if closes else now

    # ---------------------------------------------------------------- the rates
    def _rate_table(self, now: float, midnight: float) -> dict[tuple[str, str], list[float]]:
        """Per-minute arrival rates of the line-jumping classes, per bin of today."""
        nbins = 24 * 60 // BIN_MINUTES
        if self.rates:
            return self.rates
        if not self.today or self.first_issue is None:
            return {}
        # No earlier day: today's average so far, flat (at least half an hour of evidence).
        span = max(now - self.first_issue, BIN_MINUTES * 60.0) / 60.0
        return {key: [sum(c) / span] * nbins for key, c in list(self.today.items())}

    # -------------------------------------------------------------- estimating
    def __call__(self, engine: QueueEngine, now: float) -> dict:
        """The hub's estimator signature: ``estimator(engine, now) -> dict``."""
        return self.estimate(engine, now)

    def estimate(self, engine: QueueEngine, now: float, *, tickets: Iterable[str] | None = None,
                 services: bool = True) -> dict:
        """The ``estimates`` message body: ``{"services": {...}, "tickets": {...}}``.

        ``tickets`` limits the per-ticket part to these ids (the others are not
        computed; each one's numbers are the same as in a full estimate);
        ``services=False`` leaves out the per-service part.
        """
        if engine.config is not self.config:
            self.config = engine.config
        cfg, rules, st = self.config, self.config.rules, engine.state
        midnight = self._midnight(now)
        # list(...) copies in one step: a hub may fold events while this runs in a thread.
        waiting = [t for t in list(st.tickets.values()) if t.state == "waiting"]
        wanted = None if tickets is None else set(tickets)
        targets = [t for t in waiting if wanted is None or t.id in wanted]
        ghosts: dict[str, Ticket] = {}
        if services:
            for s in cfg.services:
                ghosts[s.id] = Ticket(id=f"~{s.id}", number="~", service=s.id, klass="normal",
                                      issued_at=now, order_at=now)
        calls = self._shadow(engine, now, midnight, waiting, targets, list(ghosts.values()))
        out_tickets: dict[str, dict] = {}
        # Who is ahead: the calling rule's own count (server.queue.rules.ahead_counts), for the
        # tickets and for a new normal ticket of each service (its ghost).
        counted = targets + list(ghosts.values())
        ahead = ahead_counts(rules, self.plans.values(), waiting, now, counted) if counted else {}
        for t in targets:
            shown = self._shown(calls.get(t.id), now)
            out_tickets[t.id] = {"ahead": ahead.get(t.id, 0), **shown}
            if t.id not in self.pending and shown["minutes"] is not None:
                self.pending[t.id] = (now, (shown["minutes"], shown["low"], shown["high"]))
        out_services: dict[str, dict] = {}
        if services:
            counts: dict[str, int] = {}
            for t in waiting:
                counts[t.service] = counts.get(t.service, 0) + 1
            for s in cfg.services:
                closed = self._closed_until(engine, s.id, now, midnight)
                shown = {"minutes": None, "low": None, "high": None} if closed else self._shown(calls.get(ghosts[s.id].id), now)
                out_services[s.id] = {"waiting": counts.get(s.id, 0), "ahead": ahead.get(ghosts[s.id].id, 0),
                                      **shown, "closed_until": closed}
        return {"services": out_services, "tickets": out_tickets}

    def _shown(self, times: list[float] | None, now: float) -> dict:
        """Rounded minutes and range from the call times of the runs."""
        if not times:
            return {"minutes": None, "low": None, "high": None}
        times = sorted(times)
        k = len(times)
        if times[(k - 1) // 2] == INF:
            return {"minutes": None, "low": None, "high": None}  # not called in most runs: no honest number
        q10, med, q90 = (_quantile(times, q) for q in (0.1, 0.5, 0.9))
        cal = self.calibration
        m = max(0.0, med - now)
        lo_spread = max(0.0, med - q10) + 30.0
        hi_spread = (q90 - med if q90 != INF else 3600.0) + 30.0
        low = max(0.0, m - cal.low * lo_spread)
        high = m + cal.high * hi_spread
        minutes = round(m / 60)
        return {"minutes": minutes, "low": min(minutes, math.floor(low / 60)), "high": max(minutes, math.ceil(high / 60))}

    def _closed_until(self, engine: QueueEngine, service: str, now: float, midnight: float) -> str | None:
        """``"HH:MM"`` when no window serving ``service`` is open before then."""
        untils = []
        for n, plan in self.plans.items():
            if service not in plan.services:
                continue
            ws = engine.state.windows.get(n)
            if ws is None or ws.state == "open":
                return None
            if ws.state == "paused":
                if not ws.until:
                    return None  # back at an unknown time: the runs give a number
                untils.append(ws.until)
        if not untils:
            return self._opening(now, midnight)  # all closed: say when the hall opens, if today
        future = [u for u in untils if midnight + minutes_of(u) * 60 > now]
        if len(future) != len(untils):
            return None  # someone is overdue: they may be back any minute
        return min(future, key=minutes_of)

    def _opening(self, now: float, midnight: float) -> str | None:
        """Today's opening time ``"HH:MM"`` if the hall has not opened yet, else None."""
        hours = self.config.hall.hours
        if hours == "24h":
            return None
        wd = WEEKDAYS[dt.datetime.fromtimestamp(now, _zone(self.config.hall.timezone)).weekday()]
        later = [h.open for h in hours if wd in h.days and midnight + minutes_of(h.open) * 60 > now]
        return min(later, key=minutes_of) if later else None

    # ------------------------------------------------------------ the shadow
    def _windows(self, engine: QueueEngine, now: float, midnight: float) -> list[_Run]:
        st = engine.state
        out = []
        planned: dict[int, list[tuple[float, float]]] = {}
        for b in self.breaks:
            planned.setdefault(b.window, []).append((midnight + minutes_of(b.start) * 60, midnight + minutes_of(b.end) * 60))
        for n, plan in self.plans.items():
            ws = st.windows.get(n)
            if ws is None or ws.state == "closed":
                continue
            cur = st.tickets.get(ws.ticket) if ws.ticket else None
            if cur is not None and not (cur.state in AT_WINDOW_STATES and cur.window == n):
                cur = None
            paused = self.paused_at.get(n)
            until = midnight + minutes_of(ws.until) * 60 if ws.state == "paused" and ws.until else None
            paused_for = now - paused[0] if paused and ws.state == "paused" else 0.0
            # A planned break counts as taken once the window paused after (about) its start,
            # even if it came back before the planned end.
            taken_after = self.last_pause.get(n, -INF)
            brs = [(s, e) for s, e in sorted(planned.get(n, [])) if e > now and not (taken_after >= s - 900)
                   and not (ws.state == "paused" and s <= now)]
            free = self.free_since.get(n)
            in_gap = ws.state == "open" and cur is None and free is not None and free[1] and now - free[0] < 120
            out.append(_Run(n, plan, tuple(sorted(plan.services)), ws.state, cur,
                            (cur.started_at or cur.called_at or ws.since) if cur else None, until, paused_for, brs,
                            in_gap))
        return out

    def _shadow(self, engine: QueueEngine, now: float, midnight: float, waiting: list[Ticket],
                targets: list[Ticket], ghosts: list[Ticket]) -> dict[str, list[float]]:
        """Call times of the targets and ghosts, one per run (INF: not called)."""
        rules = self.config.rules
        runs = self._windows(engine, now, midnight)
        calls: dict[str, list[float]] = {t.id: [] for t in targets}
        calls.update({g.id: [] for g in ghosts})
        if not calls or not runs:
            return {k: [INF] * self.runs for k in calls}
        early = rules.appointment_early_minutes * 60

        # The line, fixed for this estimate. pick_next takes the longest wait
        # within a class, so of a queue of one service and class in line order
        # only its head can be chosen: each window offers pick_next the heads of
        # its queues (and every appointment, whose callability depends on its
        # slot). A normal ticket past starvation_minutes changes class: the
        # queue in issue order offers its head too. Tickets sent to one window
        # wait apart, offered to that window only.
        starving = rules.starvation_minutes is not None
        by_key: dict[tuple[str, str], list[Ticket]] = {}
        pinned: dict[int, list[Ticket]] = {}
        for t in list(waiting) + ghosts:
            if t.to_window is not None:
                pinned.setdefault(t.to_window, []).append(t)
            else:
                by_key.setdefault((t.service, t.klass), []).append(t)
        queues: list[list[Ticket]] = []   # offered by their head
        everyone: list[list[Ticket]] = []  # appointments, in the order they become callable
        q_of: dict[str, list[int]] = {}
        all_of: dict[str, list[int]] = {}
        for (service, klass), q in by_key.items():
            if klass == "appointment":
                q.sort(key=lambda t: (t.slot or 0.0, t.order_at))
                all_of.setdefault(service, []).append(len(everyone))
                everyone.append(q)
                continue
            q.sort(key=lambda t: (t.order_at, t.number))
            q_of.setdefault(service, []).append(len(queues))
            queues.append(q)
            if starving and klass == "normal":
                q_of[service].append(len(queues))
                queues.append(sorted(q, key=lambda t: (t.issued_at, t.number)))
        appt_due = sorted(t.slot - early for t in waiting if t.klass == "appointment" and t.slot is not None)
        # Future tickets that jump the line arrive in queues of their own (for
        # appointments too: all come with the same lead, so the first in line is
        # also the first callable).
        rates = {k: v for k, v in self._rate_table(now, midnight).items() if k[0] in self.mean}
        ekeys = list(rates)
        e_index = {k: i for i, k in enumerate(ekeys)}
        heads_of: dict[int, tuple[int, ...]] = {}
        alls_of: dict[int, tuple[int, ...]] = {}
        eheads_of: dict[int, tuple[int, ...]] = {}
        for r in runs:
            heads_of[r.number] = tuple(i for s in r.services for i in q_of.get(s, ()))
            alls_of[r.number] = tuple(i for s in r.services for i in all_of.get(s, ()))
            eheads_of[r.number] = tuple(e_index[(s, k)] for s in r.services for k in JUMPING if (s, k) in e_index)

        # The model of the day so far.
        sig2 = math.log(1.0 + max(self.cv2.value, 0.0))
        sig = math.sqrt(sig2)
        mu: dict[tuple[str, int], float] = {}
        for r in runs:
            f = self.speed[r.number].value if r.number in self.speed else 1.0
            for s in self.mean:
                mu[(s, r.number)] = math.log(max(self.mean[s].value * f, 1.0)) - sig2 / 2
        p_ns, ns_cost = self.no_show.value, self.no_show_cost.value
        gap, late = self.gap.value, self.late.value
        closing = self._closing(now, midnight)
        horizon = now + 12 * 3600
        target_ids = set(calls)
        plans = self.plans
        push, pop = heapq.heappush, heapq.heappop
        # Each run has its own stream: a run draws the same numbers whatever
        # tickets are asked for, so a partial estimate equals the full one.
        seed0 = self.rng.getrandbits(62)

        for run in range(self.runs):
            rng = random.Random(seed0 + run)
            expo, lognorm, uniform = rng.expovariate, rng.lognormvariate, rng.random
            taken: set[str] = set()
            left = len(target_ids)
            heads = [0] * len(queues)
            due_next = [0] * len(everyone)     # appointments not yet callable start here
            callable_: list[list[tuple[float, str, int]]] = [[] for _ in everyone]  # heaps by place in line
            arrivals = self._arrivals(rng, rates, e_index, now, min(closing, horizon), midnight, early)
            elists: list[list[Ticket]] = [[] for _ in ekeys]
            eheads = [0] * len(ekeys)
            ai = 0
            heap: list[tuple[float, float, int]] = []
            for r in runs:
                if r.state == "paused":
                    if r.until is not None and r.until > now:
                        t0 = r.until + (expo(1.0 / late) if late > 0 else 0.0)
                    elif r.until is not None:
                        t0 = now + (expo(1.0 / late) if late > 0 else 0.0)  # overdue: memoryless
                    else:
                        t0 = now + expo(1.0 / max(120.0, self.pause_len.value - r.paused_for))
                elif r.busy_ticket is not None:
                    t0 = now + self._remaining(rng, r, now, mu, sig, ns_cost) + (expo(1.0 / gap) if gap > 0 else 0.0)
                elif r.in_gap:
                    t0 = now + (expo(1.0 / gap) if gap > 0 else 0.0)  # between two citizens
                else:
                    t0 = now
                heap.append((t0, uniform(), r.number))  # random ties: idle windows press in random order
            heapq.heapify(heap)
            bi = {r.number: 0 for r in runs}
            brk = {r.number: r.breaks for r in runs}
            while heap and left:
                t, _, n = pop(heap)
                if t > horizon:
                    break
                brs, i = brk[n], bi[n]
                while i < len(brs) and brs[i][1] <= t:
                    i += 1  # freed after the break should have ended: skipped
                if i < len(brs) and brs[i][0] <= t:
                    bi[n] = i + 1
                    push(heap, (brs[i][1] + (expo(1.0 / late) if late > 0 else 0.0), uniform(), n))
                    continue
                bi[n] = i
                while ai < len(arrivals) and arrivals[ai][0] <= t:
                    elists[arrivals[ai][2]].append(arrivals[ai][1])
                    ai += 1
                cands: list[Ticket] = []
                for qi in heads_of[n]:
                    q, j = queues[qi], heads[qi]
                    while j < len(q) and q[j].id in taken:
                        j += 1
                    heads[qi] = j
                    if j < len(q):
                        cands.append(q[j])
                for qi in alls_of[n]:
                    q, j, h = everyone[qi], due_next[qi], callable_[qi]
                    while j < len(q) and (q[j].slot or 0.0) - early <= t:
                        push(h, (q[j].order_at, q[j].number, j))
                        j += 1
                    due_next[qi] = j
                    while h and q[h[0][2]].id in taken:
                        pop(h)
                    if h:
                        cands.append(q[h[0][2]])
                for qi in eheads_of[n]:
                    q, j = elists[qi], eheads[qi]
                    while j < len(q) and q[j].id in taken:
                        j += 1
                    eheads[qi] = j
                    if j < len(q):
                        cands.append(q[j])
                for x in pinned.get(n, ()):
                    if x.id not in taken:
                        cands.append(x)
                tk = pick_next(rules, plans[n], cands, t) if cands else None
                if tk is None:
                    # Nothing callable: sleep until a ticket this window serves comes,
                    # or an appointment becomes callable.
                    services = plans[n].services
                    j = ai
                    while j < len(arrivals) and arrivals[j][1].service not in services:
                        j += 1
                    wake = arrivals[j][0] if j < len(arrivals) else INF
                    for d in appt_due:
                        if d > t:
                            wake = min(wake, d)
                            break
                    for qi in eheads_of[n]:
                        q, j = elists[qi], eheads[qi]
                        if j < len(q) and q[j].slot is not None and t < q[j].slot - early < wake:
                            wake = q[j].slot - early
                    if wake < INF:
                        push(heap, (wake, uniform(), n))
                    continue
                taken.add(tk.id)
                if tk.id in target_ids:
                    calls[tk.id].append(t)
                    left -= 1
                if tk.number == "~":
                    push(heap, (t, -1.0, n))  # a ghost costs nothing (and no random draw): pick again
                    continue
                if p_ns > 0 and uniform() < p_ns:
                    dur = ns_cost
                else:
                    dur = lognorm(mu.get((tk.service, n), 0.0), sig)
                if gap > 0:
                    dur += expo(1.0 / gap)
                push(heap, (t + dur, uniform(), n))
            for ts in calls.values():
                if len(ts) <= run:
                    ts.append(INF)
        return calls

    def _remaining(self, rng: random.Random, r: _Run, now: float, mu: dict, sig: float, ns_cost: float) -> float:
        """Time left for the citizen at a window, given the time already spent."""
        t = r.busy_ticket
        spent = max(0.0, now - (r.busy_since or now))
        if t.state == "called" and t.recalls > 0:
            return max(0.0, ns_cost - spent)  # being called again: most likely gone
        m = mu.get((t.service, r.number))
        if m is None:
            m = math.log(max(self.mean.get(t.service, self.mean_all).value, 1.0))
        if spent <= 0 or sig <= 0:
            return rng.lognormvariate(m, sig) if sig > 0 else math.exp(m)
        # Lognormal conditioned on being longer than `spent` (inverse CDF).
        p0 = _NORMAL.cdf((math.log(spent) - m) / sig)
        if p0 > 0.999:
            return spent * 0.1 + 10.0
        u = p0 + (1 - p0) * rng.random()
        u = min(max(u, 1e-9), 1 - 1e-9)
        return math.exp(m + sig * _NORMAL.inv_cdf(u)) - spent

    def _arrivals(self, rng: random.Random, rates: dict[tuple[str, str], list[float]], e_index: dict[tuple[str, str], int],
                  now: float, until: float, midnight: float, early: float) -> list[tuple[float, Ticket, int]]:
        """Future tickets of the classes that jump the line, for one run (time, ticket, queue)."""
        if not rates or until <= now:
            return []
        expo = rng.expovariate
        out: list[tuple[float, Ticket, int]] = []
        lead = self.appt_lead.value
        width = BIN_MINUTES * 60
        b0 = int((now - midnight) // width)
        b1 = int((until - midnight) // width)
        for key, table in rates.items():
            service, klass = key
            ei = e_index[key]
            for b in range(max(b0, 0), min(b1, len(table) - 1) + 1):
                lam = table[b]
                if lam <= 0:
                    continue
                t = max(now, midnight + b * width)
                hi = min(until, midnight + (b + 1) * width)
                while True:
                    t += expo(lam / 60.0)
                    if t >= hi:
                        break
                    out.append((t, Ticket(id=f"~{ei}.{len(out)}", number=f"~{klass}", service=service, klass=klass,
                                          issued_at=t, order_at=t,
                                          slot=t + lead + early if klass == "appointment" else None), ei))
        out.sort(key=lambda x: x[0])
        return out


def _quantile(xs: list[float], q: float) -> float:
    k = (len(xs) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    if xs[hi] == INF:
        return INF if hi == lo or xs[lo] == INF else xs[lo]
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


# --- yardsticks ---------------------------------------------------------------------

def _open_windows(engine: QueueEngine) -> list[int]:
    return [n for n, w in engine.state.windows.items() if w.state == "open" and engine.config.window(n) is not None]


def naive_minutes(engine: QueueEngine, ticket: Ticket, mean_service_s: float) -> float:
    """What most queue systems show: all waiting (ahead) × mean service / open windows."""
    ahead = sum(1 for t in engine.state.tickets.values() if t.state == "waiting" and t.id != ticket.id)
    return ahead * mean_service_s / 60.0 / max(1, len(_open_windows(engine)))


def queue_length_minutes(engine: QueueEngine, ticket: Ticket, mean_s: dict[str, float], now: float) -> float:
    """A queue-length estimator that knows which windows serve which service.

    The work ahead is every waiting ticket before ``ticket`` in the calling
    order (class, then place in line) whose service shares a window with it,
    each counted for the part of its windows that also serve ``ticket``'s
    service; it is shared by the open windows serving that service.
    """
    cfg, rules = engine.config, engine.config.rules
    open_ = set(_open_windows(engine))
    serves = {s.id: {w.number for w in cfg.windows if s.id in cfg.services_of(w)} & open_ for s in cfg.services}
    mine = serves.get(ticket.service, set())
    if not mine:
        return 0.0
    rank = {c: i for i, c in enumerate(class_order(rules, "normal"))}

    def key(t: Ticket) -> tuple:
        return (rank[effective_class(t, now, rules) or "appointment"], t.order_at, t.number)

    me = key(ticket)
    work = 0.0
    for t in engine.state.tickets.values():
        if t.state != "waiting" or t.id == ticket.id or key(t) >= me:
            continue
        theirs = serves.get(t.service, set())
        shared = len(theirs & mine)
        if shared:
            work += mean_s.get(t.service, 0.0) * shared / len(theirs)
    return work / 60.0 / len(mine)
