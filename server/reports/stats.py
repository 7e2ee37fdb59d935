"""``signage stats``: a day of a hall, per service and per window, from the log.

Reads only the event log (the audit trail), so it works on a copied database
without the hall file: days are cut at the ``day_started`` events the engine
wrote in the hall's own time zone.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from dataclasses import dataclass, field
from typing import Iterable

from signage.protocol import escape_text

from server.queue.store import EventStore, StoreError

SCORES = {4: "非常满意 very satisfied", 3: "满意 satisfied", 2: "基本满意 fair", 1: "不满意 dissatisfied"}


@dataclass
class Tally:
    issued: int = 0
    served: int = 0
    no_shows: int = 0
    transfers: int = 0
    waits: list[float] = field(default_factory=list)        # minutes, issue -> first call
    services: list[float] = field(default_factory=list)     # minutes at the window
    ratings: list[int] = field(default_factory=list)
    bad: list[dict] = field(default_factory=list)            # ratings to follow up

    def row(self) -> dict:
        return {
            "issued": self.issued, "served": self.served, "no_shows": self.no_shows,
            "transfers": self.transfers,
            "mean_wait_min": _round(mean(self.waits)), "p90_wait_min": _round(percentile(self.waits, 90)),
            "mean_service_min": _round(mean(self.services)),
            "ratings": len(self.ratings), "mean_rating": _round(mean(self.ratings)),
            "bad_ratings": len(self.bad),
        }


def mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def percentile(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    k = (len(s) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


@dataclass
class DayStats:
    hall: str
    day: str
    services: dict[str, Tally]
    windows: dict[int, Tally]


def day_stats(events: Iterable[tuple[int, dict]], hall: str, day: str | None) -> DayStats | None:
    """Statistics of ``day`` (ISO date; None: the last day in the log)."""
    days: dict[str, list[dict]] = {}
    current: list[dict] | None = None
    for _, e in events:
        if e["type"] == "day_started":
            current = days.setdefault(e["day"], [])
        if current is not None:
            current.append(e)
    if not days:
        return None
    day = day or max(days)
    if day not in days:
        return None
    services: dict[str, Tally] = {}
    windows: dict[int, Tally] = {}
    issued_at: dict[str, float] = {}
    first_call: set[str] = set()
    for e in days[day]:
        t = e.get("ticket") or {}
        kind = e["type"]
        if kind == "ticket_issued":
            services.setdefault(t["service"], Tally()).issued += 1
            issued_at[t["id"]] = t["issued_at"]
            continue
        svc = services.setdefault(t["service"], Tally()) if t else None
        win = windows.setdefault(e["window"], Tally()) if "window" in e and e["window"] is not None else None
        if kind == "ticket_called" and t["id"] not in first_call and t["id"] in issued_at:
            first_call.add(t["id"])
            wait = (e["at"] - issued_at[t["id"]]) / 60
            svc.waits.append(wait)
            if win:
                win.waits.append(wait)
        elif kind == "ticket_completed":
            for tally in (svc, win):
                if tally:
                    tally.served += 1
                    tally.services.append(e.get("service_seconds", 0) / 60)
        elif kind == "ticket_skipped":
            for tally in (svc, win):
                if tally:
                    tally.no_shows += 1
        elif kind == "ticket_transferred":
            for tally in (svc, win):
                if tally:
                    tally.transfers += 1
        elif kind == "rated" and win:
            win.ratings.append(e["score"])
            if e["score"] <= 1 or min(e.get(k) or 4 for k in ("attitude", "efficiency", "environment")) <= 1:
                win.bad.append(e)
    return DayStats(hall, day, dict(sorted(services.items())), dict(sorted(windows.items())))


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stats", help="a day's figures per service and per window, from the event log")
    p.add_argument("--db", required=True, help="the hub's database file")
    p.add_argument("--hall", help="hall id (default: every hall in the log)")
    p.add_argument("--day", help="YYYY-MM-DD in the hall's time zone (default: the last day)")
    p.add_argument("--csv", action="store_true", help="CSV on standard output")
    p.set_defaults(run=run_stats)


def run_stats(args: argparse.Namespace) -> int:
    try:
        store = EventStore(args.db)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    halls = [args.hall] if args.hall else store.halls()
    if not halls:
        print(f"{args.db}: no events yet", file=sys.stderr)
        return 1
    # Everything printed comes from the log, which may hold texts from before the protocol's
    # text rule (an ESC in a comment would rewrite the terminal): escaped, never raw.
    writer = csv.writer(sys.stdout) if args.csv else None
    header_done = False
    for hall in halls:
        stats = day_stats(store.events(hall), hall, args.day)
        shown = escape_text(hall)
        if stats is None:
            print(f"{shown}: no events for {escape_text(args.day or 'any day')}", file=sys.stderr)
            continue
        rows = [("service", escape_text(k), t.row()) for k, t in stats.services.items()] + \
               [("window", escape_text(k), t.row()) for k, t in stats.windows.items()]
        day = escape_text(stats.day)
        if writer:
            if not header_done:
                writer.writerow(["hall", "day", "kind", "name", *rows[0][2].keys()] if rows else [])
                header_done = True
            for kind, name, row in rows:
                writer.writerow([shown, day, kind, name, *["" if v is None else v for v in row.values()]])
            continue
        print(f"{shown}  {day}")
        _print_table(rows)
        bad = [(n, e) for n, t in stats.windows.items() for e in t.bad]
        if bad:
            print("  ratings to follow up (不满意):")
            for n, e in bad:
                num = escape_text((e.get("ticket") or {}).get("number", "?"))
                print(f"    window {escape_text(n)}  ticket {num}  score {escape_text(e['score'])}  "
                      f"{escape_text(e.get('comment') or '')}")
    return 0


def _print_table(rows: list[tuple[str, str, dict]]) -> None:
    cols = ["issued", "served", "no_shows", "transfers", "mean_wait_min", "p90_wait_min",
            "mean_service_min", "ratings", "mean_rating", "bad_ratings"]
    heads = ["issued", "served", "no-show", "transf", "wait", "p90", "service", "rated", "rating", "bad"]
    print(f"  {'':8} {'':>16} " + " ".join(f"{h:>8}" for h in heads))
    for kind, name, row in rows:
        cells = ["-" if row[c] is None else str(row[c]) for c in cols]
        print(f"  {kind:8} {name:>16} " + " ".join(f"{c:>8}" for c in cells))
