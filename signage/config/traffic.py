"""The traffic profile: who comes to a hall, when, for what, and how staff work.

A profile lives beside its hall file (``layouts/<hall>.traffic.yaml``) and
drives the hall simulator (``server/sim/simulator.py``): the benchmark of the wait
estimator and the demo run simulated days from it. It is a *model of a day*,
not a record: arrivals are drawn from it, a new day each seed.

What a profile says (every number has a unit in its name or its comment):

* ``arrivals.rate``: walk-ins per minute, straight lines between ``[HH:MM, rate]``
  points (zero outside them), times a day-level demand factor drawn from a
  lognormal with ``demand_sigma``; ``priority_share`` / ``green_share`` of
  walk-ins take the priority (免预约优先) or green-channel class.
* ``services``: per service id of the hall, its ``share`` of walk-ins, its true
  mean ``minutes`` (default: the hall file's) and the coefficient of variation
  ``cv`` of a lognormal service time.
* ``windows``: which windows are staffed, the hidden per-window ``speed``
  factor range (drawn each day), the ``gap_minutes`` between citizens, and in
  what order idle windows press "next" (``random`` or ``by_number``).
* ``breaks``: the planned breaks (a hall's staff rota: known to the estimator)
  and ``late_minutes``, the mean of an exponential late return (not planned).
* ``no_show``: the share of tickets whose citizen has left, and the minutes a
  window spends calling again before it skips.
* ``appointments``: slots for some services, booking and show-up
  probabilities, the arrival offset around the slot.

Like the hall file, every model forbids unknown keys, and :func:`load_profile`
reports problems as ``file:line: path: message`` with a "did you mean".

The format is read here, in the shared core, so that ``signage validate`` can
check a profile; the simulator, the demo and the hub (``server/``) are the ones
that use it, through ``server.sim.traffic``, which names the same things.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .loader import Problem, did_you_mean, expected, parse_yaml, validation_problems
from .model import HallConfig, Int, Num, TimeOfDay, minutes_of

PROFILE_FORMAT = 1
Minutes = Annotated[Num, Field(ge=0, le=600)]
Share = Annotated[Num, Field(ge=0, le=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Arrivals(_Strict):
    """Walk-ins (appointments come on top, from :class:`Appointments`)."""

    rate: list[tuple[TimeOfDay, Annotated[Num, Field(ge=0, le=100)]]] = Field(
        min_length=2, description='walk-ins per minute: [["09:00", 0.5], ["09:30", 0.95], ...], straight lines between'
    )
    demand_sigma: Num = Field(0.1, ge=0, le=2, description="sigma of the lognormal day-level demand factor")
    priority_share: Share = Field(0.0, description="walk-ins in the priority class (elderly, disabled, ...)")
    green_share: Share = Field(0.0, description="walk-ins sent to the green channel")


class ServiceTraffic(_Strict):
    share: Share = Field(description="share of walk-ins (all services add up to 1)")
    minutes: Num | None = Field(None, gt=0, le=240, description="true mean service time; default: the hall file's")
    cv: Num = Field(0.6, ge=0, le=3, description="coefficient of variation of the lognormal service time")


class Speed(_Strict):
    low: Num = Field(1.0, gt=0, le=5)
    high: Num = Field(1.0, gt=0, le=5)


class WindowTraffic(_Strict):
    staffed: list[Int] | Literal["all"] = Field("all", description="window numbers with staff all day")
    speed: Speed = Field(default_factory=Speed, description="hidden time factor per window, uniform in [low, high], drawn each day")
    gap_minutes: Minutes = Field(0.3, description="mean of the exponential gap between two citizens")
    idle_order: Literal["random", "by_number"] = Field(
        "random", description='which idle window presses "next" first when a ticket comes'
    )


class Break(_Strict):
    windows: list[Int] = Field(min_length=1)
    start: TimeOfDay = Field(alias="from")
    end: TimeOfDay = Field(alias="to")
    reason: str = "午休"


class Breaks(_Strict):
    plan: list[Break] = Field(default_factory=list, description="the staff rota: planned breaks")
    late_minutes: Minutes = Field(0.0, description="mean of an exponential late return from a break (not planned)")


class NoShow(_Strict):
    share: Share = Field(0.0, description="tickets whose citizen is gone when called")
    recall_minutes: Minutes = Field(1.0, description="time a window spends calling again before it skips")


class Offset(_Strict):
    mean: Num = Field(0.0, ge=-240, le=240)
    sd: Num = Field(0.0, ge=0, le=240)


class Appointments(_Strict):
    services: list[str] = Field(min_length=1)
    every_minutes: Num = Field(gt=0, le=480, description="one slot per service every so many minutes")
    start: TimeOfDay = Field(alias="from", description="first slot")
    end: TimeOfDay = Field(alias="to", description="last slot")
    booked: Share = Field(description="probability a slot is booked")
    show: Share = Field(description="probability a booked citizen comes")
    offset_minutes: Offset = Field(default_factory=Offset, description="arrival minus slot, normal")


class TrafficProfile(_Strict):
    format: Literal[1] = Field(description="version of this file format")
    hall: str = Field(description="the id of the hall this profile is for")
    arrivals: Arrivals
    services: dict[str, ServiceTraffic] = Field(min_length=1)
    windows: WindowTraffic = Field(default_factory=WindowTraffic)
    breaks: Breaks = Field(default_factory=Breaks)
    no_show: NoShow = Field(default_factory=NoShow)
    appointments: Appointments | None = None

    # --- what the simulator and the estimator read ---
    def rate_at(self, minute: float) -> float:
        """Walk-ins per minute at ``minute`` after midnight (before the demand factor)."""
        pts = [(minutes_of(t), r) for t, r in self.arrivals.rate]
        if minute < pts[0][0] or minute > pts[-1][0]:
            return 0.0
        for (m0, r0), (m1, r1) in zip(pts, pts[1:]):
            if m0 <= minute <= m1:
                return r0 if m1 == m0 else r0 + (r1 - r0) * (minute - m0) / (m1 - m0)
        return 0.0

    def expected_walk_ins(self) -> float:
        """Walk-ins on a day with demand factor 1 (the integral of the rate)."""
        pts = [(minutes_of(t), r) for t, r in self.arrivals.rate]
        return sum((m1 - m0) * (r0 + r1) / 2 for (m0, r0), (m1, r1) in zip(pts, pts[1:]))

    def planned_breaks(self) -> list["PlannedBreak"]:
        """The rota as the estimator takes it: one entry per window and break."""
        return sorted((PlannedBreak(w, b.start, b.end, b.reason) for b in self.breaks.plan for w in b.windows),
                      key=lambda x: (x.window, x.start))


@dataclass(frozen=True, order=True)
class PlannedBreak:
    """A window's planned break, ``"HH:MM"`` to ``"HH:MM"`` local time."""

    window: Int
    start: str
    end: str
    reason: str = field(default="午休", compare=False)


# --- loading -------------------------------------------------------------------

@dataclass
class ProfileResult:
    profile: TrafficProfile | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class ProfileError(Exception):
    """A profile that cannot be used; ``str()`` lists the problems, one a line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_profile_text(text: str, filename: str = "<profile>", hall: HallConfig | None = None) -> ProfileResult:
    """Validate a profile (and, given the hall, check it against the hall). Never raises."""
    data, lines, problems = parse_yaml(text, filename)
    if data is None and not problems:
        return ProfileResult(None, [Problem(filename, 1, "", "the file is empty: a traffic profile is a mapping (format, hall, arrivals, services, ...)")])
    if data is None:
        return ProfileResult(None, problems)
    if not isinstance(data, dict):
        return ProfileResult(None, [Problem(filename, lines.line_of(()), "", "a traffic profile is a mapping (format, hall, arrivals, services, ...)")])
    try:
        profile = TrafficProfile.model_validate(data)
    except ValidationError as exc:
        return ProfileResult(None, problems + validation_problems(exc, TrafficProfile, lines, filename))
    for path, message, severity in check_profile(profile, hall):
        problems.append(Problem(filename, lines.line_of(path), _fmt(path), message, severity))
    problems.sort(key=lambda p: p.line)
    ok = not any(p.severity == "error" for p in problems)
    return ProfileResult(profile if ok else None, problems)


def load_profile(path: str | Path, hall: HallConfig | None = None) -> ProfileResult:
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return ProfileResult(None, [Problem(name, 0, "", f"cannot read the file: {getattr(exc, 'strerror', None) or exc}")])
    return load_profile_text(text, name, hall)


def _fmt(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def check_profile(profile: TrafficProfile, hall: HallConfig | None) -> list[tuple[tuple, str, str]]:
    """Rules the model alone cannot see: (path, message, severity) each."""
    found: list[tuple[tuple, str, str]] = []

    def err(path: tuple, msg: str, severity: str = "error") -> None:
        found.append((path, msg, severity))

    times = [minutes_of(t) for t, _ in profile.arrivals.rate]
    for i in range(1, len(times)):
        if times[i] < times[i - 1]:
            err(("arrivals", "rate", i), f"{profile.arrivals.rate[i][0]} comes before {profile.arrivals.rate[i - 1][0]} (expected the points in order of time)")
    total = sum(s.share for s in profile.services.values())
    if abs(total - 1) > 0.01:
        err(("services",), f"the shares add up to {total:.3g} (expected 1)")
    if profile.arrivals.priority_share + profile.arrivals.green_share > 1:
        err(("arrivals", "priority_share"), "priority_share and green_share add up to more than 1")
    if profile.windows.speed.low > profile.windows.speed.high:
        err(("windows", "speed"), f"low {profile.windows.speed.low} is above high {profile.windows.speed.high}")
    for i, b in enumerate(profile.breaks.plan):
        if minutes_of(b.start) >= minutes_of(b.end):
            err(("breaks", "plan", i), f"from {b.start} to {b.end}: expected the end after the start")
    a = profile.appointments
    if a is not None and minutes_of(a.start) > minutes_of(a.end):
        err(("appointments", "from"), f"first slot {a.start} is after the last slot {a.end}")
    if hall is None:
        return found
    if profile.hall != hall.hall.id:
        err(("hall",), f'this profile is for hall "{profile.hall}", not "{hall.hall.id}"')
    ids = [s.id for s in hall.services]
    for sid in profile.services:
        if sid not in ids:
            err(("services", sid), f'unknown service "{sid}"{expected(ids, sid)}')
    for sid in ids:
        if sid not in profile.services:
            err(("services",), f'service "{sid}" of the hall has no traffic (give it a share, 0 is fine)', "warning")
    numbers = [w.number for w in hall.windows]
    staffed = profile.windows.staffed
    if staffed != "all":
        for i, n in enumerate(staffed):
            if n not in numbers:
                err(("windows", "staffed", i), f"window {n} is not in the hall file{expected(numbers, None)}")
    for i, b in enumerate(profile.breaks.plan):
        for j, n in enumerate(b.windows):
            if n not in numbers:
                err(("breaks", "plan", i, "windows", j), f"window {n} is not in the hall file{expected(numbers, None)}")
    if a is not None:
        for i, sid in enumerate(a.services):
            svc = hall.service(sid)
            if svc is None:
                err(("appointments", "services", i), f'unknown service "{sid}"{did_you_mean(sid, ids)}')
            elif not svc.appointments:
                err(("appointments", "services", i), f'service "{sid}" does not take appointments in the hall file (appointments: true)', "warning")
    if hall.hall.hours != "24h":
        opens = min(minutes_of(h.open) for h in hall.hall.hours)
        closes = max(minutes_of(h.close) for h in hall.hall.hours)
        if times[0] < opens or times[-1] > closes:
            err(("arrivals", "rate"), f"walk-ins from {profile.arrivals.rate[0][0]} to {profile.arrivals.rate[-1][0]}, "
                f"but the hall issues tickets only from {_hhmm(opens)} to {_hhmm(closes)}: those outside are turned away", "warning")
    return found


def _hhmm(minute: float) -> str:
    m = int(round(minute))
    return f"{m // 60:02d}:{m % 60:02d}"


def profile_beside(hall_path: str | Path) -> Path:
    """``layouts/x.yaml`` -> ``layouts/x.traffic.yaml``."""
    p = Path(hall_path)
    return p.with_name(p.name.removesuffix(".yaml").removesuffix(".yml") + ".traffic.yaml")

