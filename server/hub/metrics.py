"""A few Prometheus metrics, rendered as the text exposition format (version 0.0.4).

Small on purpose: counters, gauges computed when scraped, and histograms with
fixed buckets. No client library is needed to serve ``GET /metrics``; a
Prometheus server, ``curl`` or a person can read it.

What a caller may rely on: label values are escaped; every metric has a HELP and
a TYPE line; :meth:`Registry.render` never raises because of a metric's value.
"""

from __future__ import annotations

import bisect
import math
from typing import Callable, Iterable

Labels = tuple[tuple[str, str], ...]


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _num(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


class Counter:
    def __init__(self, name: str, help: str) -> None:
        self.name, self.help = name, help
        self.values: dict[Labels, float] = {}

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        self.values[key] = self.values.get(key, 0.0) + amount

    def get(self, **labels: str) -> float:
        return self.values.get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} counter"
        for key, value in sorted(self.values.items()):
            yield f"{self.name}{_labels(key)} {_num(value)}"


class Gauge:
    """A value read when scraped: ``collect()`` returns ``{labels: value}``."""

    def __init__(self, name: str, help: str, collect: Callable[[], dict[Labels, float]]) -> None:
        self.name, self.help, self.collect = name, help, collect

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} gauge"
        for key, value in sorted(self.collect().items()):
            yield f"{self.name}{_labels(key)} {_num(value)}"


class Histogram:
    def __init__(self, name: str, help: str, buckets: Iterable[float]) -> None:
        self.name, self.help = name, help
        self.buckets = sorted(buckets)
        self.series: dict[Labels, list[float]] = {}  # labels -> [count per bucket..., +Inf, sum]

    def observe(self, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        row = self.series.get(key)
        if row is None:
            row = self.series[key] = [0.0] * (len(self.buckets) + 2)
        row[bisect.bisect_left(self.buckets, value)] += 1
        row[-1] += value

    def count(self, **labels: str) -> int:
        row = self.series.get(tuple(sorted(labels.items())))
        return int(sum(row[:-1])) if row else 0

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} histogram"
        for key, row in sorted(self.series.items()):
            running = 0.0
            for bound, n in zip([*self.buckets, math.inf], row[:-1]):
                running += n
                yield f"{self.name}_bucket{_labels((*key, ('le', _num(bound))))} {_num(running)}"
            yield f"{self.name}_sum{_labels(key)} {row[-1]!r}"
            yield f"{self.name}_count{_labels(key)} {_num(running)}"


class Registry:
    def __init__(self) -> None:
        self.metrics: list[Counter | Gauge | Histogram] = []

    def counter(self, name: str, help: str) -> Counter:
        return self._add(Counter(name, help))

    def gauge(self, name: str, help: str, collect: Callable[[], dict[Labels, float]]) -> Gauge:
        return self._add(Gauge(name, help, collect))

    def histogram(self, name: str, help: str, buckets: Iterable[float]) -> Histogram:
        return self._add(Histogram(name, help, buckets))

    def _add(self, metric):  # type: ignore[no-untyped-def]
        self.metrics.append(metric)
        return metric

    def render(self) -> str:
        lines: list[str] = []
        for metric in self.metrics:
            try:
                lines.extend(metric.render())
            except Exception as exc:  # a broken gauge must not hide the others
                lines.append(f"# {metric.name}: not available ({type(exc).__name__})")
        return "\n".join(lines) + "\n"


# Latency buckets in seconds: from a fast loopback fan-out to a very slow disk.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class HubMetrics:
    """The hub's metrics. Gauges read live state through the callables given."""

    def __init__(self, connections: Callable[[], dict[Labels, float]],
                 last_seq: Callable[[], dict[Labels, float]],
                 numbers_used: Callable[[], dict[Labels, float]] = dict) -> None:
        self.registry = r = Registry()
        r.gauge("signage_hub_connections", "Open websocket connections by hall and role "
                "(hall=\"\" for connections that have not said hello yet).", connections)
        r.gauge("signage_hub_last_seq", "Sequence number of the last event of each hall.", last_seq)
        r.gauge("signage_hub_ticket_numbers_used_ratio",
                "Share of a ticket letter's numbers given today (1 = exhausted: numbers_exhausted), "
                "by hall and prefix. Alert well before 1.", numbers_used)
        self.events = r.counter("signage_hub_events_total", "Events made durable and fanned out, by hall.")
        self.commands = r.counter("signage_hub_commands_total",
                                  "Commands by hall, type and result (ok, duplicate, refused, "
                                  "forbidden, rate_limited, storage_error, internal_error, unavailable).")
        self.rejected = r.counter("signage_hub_rejected_frames_total",
                                  "Frames or connections refused before reaching a hall, by error code.")
        self.rate_limited = r.counter("signage_hub_rate_limited_total",
                                      "Commands refused rate_limited, by hall, role, command (\"*\": a frame over "
                                      "the connection's limit, not read) and limit (connection, token, hall, "
                                      "check_in).")
        self.drops = r.counter("signage_hub_slow_client_drops_total",
                               "Clients closed because they fell too far behind (1013), by hall and role.")
        self.reloads = r.counter("signage_hub_config_reloads_total", "Hall file reloads by hall and result.")
        self.fanout = r.histogram("signage_hub_fanout_seconds",
                                  "From a command's arrival to its events written to every client of the hall.",
                                  LATENCY_BUCKETS)
        self.commit = r.histogram("signage_hub_commit_seconds",
                                  "One group commit: decide a batch of commands and make its events durable.",
                                  LATENCY_BUCKETS)
        self.batch = r.histogram("signage_hub_commit_commands", "Commands per group commit.",
                                 (1, 2, 4, 8, 16, 32, 64, 128, 256))

    def render(self) -> str:
        return self.registry.render()
