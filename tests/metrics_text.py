"""/metrics read back with prometheus_client's own text parser, for the tests."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

Series = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def families(text: str) -> dict[str, tuple[str, set[tuple[str, ...]]]]:
    """Family name -> (type, the label names of its samples, ``le`` left out)."""
    out: dict[str, tuple[str, set[tuple[str, ...]]]] = {}
    for family in text_string_to_metric_families(text):
        names = {tuple(sorted(k for k in sample.labels if k != "le")) for sample in family.samples}
        out[family.name] = (family.type, names)
    return out


def series(text: str) -> Series:
    """(sample name, sorted labels) -> value, for every sample of every family."""
    out: Series = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            assert key not in out, f"{key} twice"
            out[key] = sample.value
    return out


def value(text_or_series: str | Series, name: str, **labels: str) -> float | None:
    """One sample's value, or None when there is no such series."""
    got = series(text_or_series) if isinstance(text_or_series, str) else text_or_series
    return got.get((name, tuple(sorted(labels.items()))))


def scrape(port: int, host: str = "127.0.0.1") -> tuple[str, str]:
    """(Content-Type, text) of the hub's /metrics."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://{host}:{port}/metrics", timeout=5) as resp:
        return resp.headers["Content-Type"], resp.read().decode()


def status(port: int, path: str, host: str = "127.0.0.1") -> int:
    """The HTTP status of ``GET path`` on the hub (a page, not /metrics)."""
    import urllib.error

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"http://{host}:{port}{path}", timeout=5) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code
