"""The hub's Prometheus metrics, kept and rendered by ``prometheus_client``.

One :class:`prometheus_client.CollectorRegistry` per hub (tests run several hubs
in one process; the library's global registry is never used). In it: the hub's
counters and histograms (the library's own types), the gauges read from the
hub's state when scraped (:class:`_LiveGauges`), and the library's process,
platform and garbage-collector metrics (``process_*``, ``python_*``).

The hot path increments a counter per command and per event and observes a few
histograms per commit: :class:`Counter` and :class:`Histogram` keep the
library's child of each label set they have seen, so an increment is one
dictionary lookup and the child's own (locked) add, not a ``labels()`` call.

What a caller may rely on: every series has the labels its table in
docs/hub.md gives, never an empty one (the connections that have not said hello
are ``signage_hub_unwelcomed_connections``, without labels); :meth:`HubMetrics.render`
never raises because of a gauge (a failing one is left out and logged, the
others stay); no ``*_created`` series (a hub's start time is
``process_start_time_seconds``).
"""

from __future__ import annotations

import logging
from typing import Callable, Iterable

import prometheus_client
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest

log = logging.getLogger(__name__)

Labels = tuple[tuple[str, str], ...]
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # what generate_latest writes, and every scraper reads

# The *_created series (a timestamp per label set) would double the series and say nothing a hub's
# process_start_time_seconds does not. A switch of the library, for the whole process: nothing else
# in a hub process exports metrics.
prometheus_client.disable_created_metrics()


class Counter:
    """A labelled counter: ``inc(**labels)``, ``get(**labels)``."""

    def __init__(self, name: str, help: str, labels: Iterable[str], registry: CollectorRegistry) -> None:
        self.metric = prometheus_client.Counter(name, help, tuple(labels), registry=registry)
        self._children: dict[Labels, prometheus_client.Counter] = {}

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        # Keyed as called (the same call site names its labels in the same order): no sort, no labels().
        key = tuple(labels.items())
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self.metric.labels(**labels)
        child.inc(amount)

    def get(self, **labels: str) -> float:
        """The value for these labels (0 if never incremented)."""
        for sample in self.metric.collect()[0].samples:
            if sample.name.endswith("_total") and sample.labels == labels:
                return sample.value
        return 0.0


class Histogram:
    """A labelled histogram with fixed buckets: ``observe(value, **labels)``, ``count``, ``sum``."""

    def __init__(self, name: str, help: str, labels: Iterable[str], buckets: Iterable[float],
                 registry: CollectorRegistry) -> None:
        self.metric = prometheus_client.Histogram(name, help, tuple(labels), buckets=tuple(buckets),
                                                  registry=registry)
        self._children: dict[Labels, prometheus_client.Histogram] = {}

    def observe(self, value: float, **labels: str) -> None:
        key = tuple(labels.items())
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self.metric.labels(**labels)
        child.observe(value)

    def _sample(self, suffix: str, labels: dict[str, str]) -> float:
        for sample in self.metric.collect()[0].samples:
            if sample.name == self.metric._name + suffix and sample.labels == labels:
                return sample.value
        return 0.0

    def count(self, **labels: str) -> int:
        return int(self._sample("_count", labels))

    def sum(self, **labels: str) -> float:
        return self._sample("_sum", labels)


Collect = Callable[[], dict[Labels, float]]


class _LiveGauges:
    """The gauges read from the hub when scraped; a gauge whose reading fails is left out (and logged)."""

    def __init__(self) -> None:
        self.gauges: list[tuple[str, str, tuple[str, ...], Collect]] = []
        self._failed: set[str] = set()  # told once in the log, not at every scrape

    def add(self, name: str, help: str, labels: tuple[str, ...], collect: Collect) -> None:
        self.gauges.append((name, help, labels, collect))

    def describe(self) -> list[Metric]:
        return [GaugeMetricFamily(name, help, labels=list(labels)) for name, help, labels, _ in self.gauges]

    def collect(self) -> Iterable[Metric]:
        for name, help, labels, read in self.gauges:
            try:
                values = read()
                family = GaugeMetricFamily(name, help, labels=list(labels))
                for key, value in sorted(values.items()):
                    given = dict(key)
                    if set(given) != set(labels) or not all(given.values()):  # never an empty label
                        raise ValueError(f"labels {key} for {labels}")
                    family.add_metric([given[k] for k in labels], float(value))
            except Exception:  # a broken gauge must not hide the others
                if name not in self._failed:
                    self._failed.add(name)
                    log.exception("metric %s is not available (left out of /metrics)", name)
                continue
            yield family


# Latency buckets in seconds: from a fast loopback fan-out to a very slow disk.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class HubMetrics:
    """The hub's metrics in a registry of their own. Gauges read live state through the callables given."""

    def __init__(self, connections: Collect, last_seq: Collect, numbers_used: Collect = dict,
                 unwelcomed: Callable[[], float] = lambda: 0.0) -> None:
        self.registry = r = CollectorRegistry()
        prometheus_client.ProcessCollector(registry=r)    # process_cpu_seconds_total, process_resident_memory_bytes, ...
        prometheus_client.PlatformCollector(registry=r)   # python_info
        prometheus_client.GCCollector(registry=r)         # python_gc_*
        live = _LiveGauges()
        live.add("signage_hub_connections", "Open websocket connections that said hello, by hall and role "
                 "(ticket: the phones' ticket pages, /t/<key>).", ("hall", "role"), connections)
        live.add("signage_hub_unwelcomed_connections",
                 "Open websocket connections that have not said hello yet (any hall).",
                 (), lambda: {(): float(unwelcomed())})
        live.add("signage_hub_last_seq", "Sequence number of the last event of each hall.", ("hall",), last_seq)
        live.add("signage_hub_ticket_numbers_used_ratio",
                 "Share of a ticket letter's numbers given today (1 = exhausted: numbers_exhausted), "
                 "by hall and prefix. Alert well before 1.", ("hall", "prefix"), numbers_used)
        r.register(live)
        self.events = Counter("signage_hub_events_total", "Events made durable and fanned out, by hall.",
                              ("hall",), r)
        # The engine's commands and the ones the hub answers itself (ping, reload, who, screenshot,
        # screenshot_part: server/hub/hub.py HUB_COMMANDS) alike: one family.
        self.commands = Counter("signage_hub_commands_total",
                                "Commands by hall, type and result (ok, duplicate, refused, "
                                "forbidden, rate_limited, storage_error, internal_error, unavailable); "
                                "those the hub answers itself (ping, reload, who, screenshot, "
                                "screenshot_part) too.",
                                ("hall", "command", "result"), r)
        self.rejected = Counter("signage_hub_rejected_frames_total",
                                "Frames or connections refused before reaching a hall, by error code.", ("code",), r)
        self.rate_limited = Counter("signage_hub_rate_limited_total",
                                    "Commands refused rate_limited, by hall, role, command (\"*\": a frame over "
                                    "the connection's limit, not read) and limit (connection, token, hall, "
                                    "check_in).", ("hall", "role", "command", "limit"), r)
        self.drops = Counter("signage_hub_slow_client_drops_total",
                             "Clients closed because they fell too far behind (1013), by hall and role.",
                             ("hall", "role"), r)
        self.screenshots = Counter("signage_hub_screenshots_total",
                                   "Screenshots asked of a screen (screenshot answered ok), by hall and how "
                                   "they ended (ready, timeout, too_large, bad_parts, bad_picture).",
                                   ("hall", "result"), r)
        self.screenshot_bytes = Counter("signage_hub_screenshot_bytes_total",
                                        "PNG bytes of the screenshots relayed to managers (ready), by hall.",
                                        ("hall",), r)
        self.ticket_lookups = Counter("signage_hub_ticket_link_lookups_total",
                                      "Ticket link keys looked up, by where (http: GET /t/<key> or "
                                      "/qr/<key>.svg; watch: a ticket page's hello) and result (found, "
                                      "unknown).", ("via", "result"), r)
        self.ticket_pushes = Counter("signage_hub_ticket_pushes_total",
                                     "Ticket views pushed to the phone pages watching them after a change "
                                     "(not the first, at hello), by hall.", ("hall",), r)
        self.reloads = Counter("signage_hub_config_reloads_total", "Hall file reloads by hall and result.",
                               ("hall", "result"), r)
        self.fanout = Histogram("signage_hub_fanout_seconds",
                                "From a command's arrival to its events written to every client of the hall.",
                                ("hall",), LATENCY_BUCKETS, r)
        self.commit = Histogram("signage_hub_commit_seconds",
                                "One group commit: decide a batch of commands and make its events durable.",
                                ("hall",), LATENCY_BUCKETS, r)
        self.batch = Histogram("signage_hub_commit_commands", "Commands per group commit.", ("hall",),
                               (1, 2, 4, 8, 16, 32, 64, 128, 256), r)

    def render(self) -> str:
        """The text exposition format (0.0.4) of everything in the registry."""
        return generate_latest(self.registry).decode()
