"""The benchmarks of the queue and the hub (``signage bench engine``, ``signage bench hub``, ``signage bench
fanout``).

Figures, never pass/fail: see the README's *Benchmarks*. The soak and the demo
register their own commands (:mod:`server.tools.soak`, :mod:`server.tools.demo`).
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    b = bench.add_parser("hub", help="call-to-screen latency with 10/100/1000 screens, vs websockets.broadcast")
    b.add_argument("--screens", default="10,100,1000", help="screen counts to try (default: 10,100,1000)")
    b.add_argument("--calls", type=int, default=400, help="calls measured per screen count")
    b.add_argument("--rate", type=float, default=20.0, help="calls per second (steady)")
    b.add_argument("--burst", type=int, default=2000, help="commands for the throughput figure")
    b.add_argument("--no-fsync", action="store_true", help="log without fsync (to see what the disk costs)")
    b.add_argument("--estimator", default="shadow", choices=["shadow", "naive"],
                   help="the hub's estimator (default: shadow, as in production)")
    b.set_defaults(run=_run_bench_hub)
    b = bench.add_parser("engine", help="commands per second through engine + durable log; replay time")
    b.add_argument("--events", type=int, default=100_000, help="events in the log to rebuild from (default 100000)")
    b.set_defaults(run=_run_bench_engine)
    from server.tools.bench_editor import register as register_editor  # imports its parts when run
    from server.tools.bench_fanout import register as register_fanout  # stdlib only until a kind is measured

    register_editor(bench)

    register_fanout(sub, bench)


def _run_bench_hub(args: argparse.Namespace) -> int:
    from server.tools.bench_hub import run

    return run(args)


def _run_bench_engine(args: argparse.Namespace) -> int:
    from server.tools.bench_engine import run

    return run(args)
