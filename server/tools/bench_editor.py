"""``signage bench editor``: what the hall editor's check and preview cost (docs/editor.md).

Each round edits one value of the hall file (so that no cache answers), then times, in this
process and on one thread as the hub's drawing thread does them:

* **validate**: the loader and the hall checks (``load_hall_text``), what every keystroke's
  ``config_check`` costs before the measure;
* **check**: the same plus the legibility measured on every screen in every language
  (``config_check`` and ``config_publish`` as the hub runs them);
* **preview**: one frame of a screen drawn offscreen, its PNG and the texts below the rule
  (``config_preview``).

Figures, never pass/fail: median and p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"


def register(bench: argparse._SubParsersAction) -> None:
    b = bench.add_parser("editor", help="the hall editor: validate, check (measured) and preview of a draft, ms")
    b.add_argument("--hall", type=Path, default=LAYOUTS / "zhongshan.yaml", help="hall file (default: zhongshan)")
    b.add_argument("--screen", default=None, help="screen to preview (default: the hall's first)")
    b.add_argument("--rounds", type=int, default=30, help="drafts timed (default 30)")
    b.set_defaults(run=run)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from server.hub.editor import check_text, render_draft
    from signage.config import load_hall_text
    from signage.config.edit import edit

    text = args.hall.read_text("utf-8")
    config = load_hall_text(text, str(args.hall)).config
    if config is None:
        print(f"{args.hall}: not a valid hall file (signage validate says why)")
        return 1
    screen = args.screen or config.screens[0].id
    minutes = config.services[0].minutes
    render_draft(text, args.hall, screen, None, time.time())  # pygame and the fonts, once
    times: dict[str, list[float]] = {"validate": [], "check": [], "preview": []}
    for i in range(max(1, args.rounds)):
        draft = edit(text, "services[0].minutes", minutes + 1 + i % 50)
        t0 = time.perf_counter()
        load_hall_text(draft, str(args.hall))
        t1 = time.perf_counter()
        check_text(draft, args.hall, config.hall.id)
        t2 = time.perf_counter()
        out = render_draft(draft, args.hall, screen, None, time.time())
        t3 = time.perf_counter()
        times["validate"].append((t1 - t0) * 1000)
        times["check"].append((t2 - t1) * 1000)
        times["preview"].append((t3 - t2) * 1000)
    print(f"signage bench editor: {args.hall.name} ({len(text.encode()):,} bytes, {len(config.screens)} screens), "
          f"preview of {screen} ({out['width']}x{out['height']}, PNG {out['bytes']:,} bytes), {args.rounds} drafts")
    print(f"{'':10} {'median ms':>10} {'p99 ms':>10}")
    for name, values in times.items():
        print(f"{name:10} {statistics.median(values):10.1f} {_p(values, 0.99):10.1f}")
    return 0
