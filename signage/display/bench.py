"""``signage bench render``: what a wall screen costs the machine.

For the main screen of a hall at 1920x1080 and 3840x2160, for a strip
screen and for a wayfinding screen (the map's route is animated every frame): CPU time of a frame in steady state (the ticker scrolling, languages
turning, calls arriving now and then), the cost of the frames that bring a new
call up (banner, recent calls, window board and waiting counts drawn ahead, a
widget or two a frame, then shown together: the worst of those frames, their
sum, and how many there were), the frame rate that CPU time would allow, and
memory. Frames are drawn off screen (as with the dummy
video driver), with a copy of the changed rectangles standing in for the
display update. Figures, not pass/fail.
"""

from __future__ import annotations

import gc
import os
import resource
import statistics
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402

from ..config import load_hall  # noqa: E402
from ..config.model import HallConfig  # noqa: E402
from ..view import sample_view  # noqa: E402
from .app import RENDER_BUDGET  # noqa: E402  (as the display app runs)
from .preview import preview_time  # noqa: E402
from .renderer import Renderer  # noqa: E402

FPS = 60


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_case(config: HallConfig, screen_id: str, size: tuple[int, int] | None, frames: int) -> dict[str, float]:
    now0 = preview_time()
    view = sample_view(config, now0)
    renderer = Renderer(config, screen_id, size=size, render_budget=RENDER_BUDGET)
    display = pygame.Surface(renderer.size)  # stands in for the window: dirty rects are copied to it
    rss0 = _rss_mb()
    cpu, wall, changed, changed_total, spans = [], [], [], [], []
    seq = view.seq
    screen = config.screen(screen_id)
    # calls go where this screen shows them: a strip's own window, or any window
    windows = [screen.window] if screen is not None and screen.window else [w.number for w in config.windows]
    number = 500

    def frame(i: int) -> tuple[float, float]:
        t = 1000.0 + i / FPS
        c0, w0 = time.process_time(), time.perf_counter()
        dirty = renderer.frame(view, now0 + i / FPS, t)
        for r in dirty:
            display.blit(renderer.canvas, r, r)
        return time.process_time() - c0, time.perf_counter() - w0

    for i in range(60):  # warm the caches: the first frame renders every text once
        frame(i)
    gc.collect()
    for i in range(60, 60 + frames):
        if i % (FPS * 5) == 0:  # a call every five seconds, as in a busy hall
            seq += 1
            number += 1
            view.apply({"type": "event", "seq": seq, "event": {
                "type": "ticket_called", "at": now0, "window": windows[seq % len(windows)],
                "ticket": {"id": f"b{number}", "number": f"A{number % 1000:03d}", "service": config.services[0].id,
                           "class": "normal"}}}, now0 + i / FPS)
        c, w = frame(i)
        cpu.append(c)
        wall.append(w)
    # the frames of a new call alone: from the one it arrives in to the one that shows it
    base = 60 + frames
    for k in range(20):
        seq += 1
        number += 1
        view.apply({"type": "event", "seq": seq, "event": {
            "type": "ticket_called", "at": now0, "window": windows[k % len(windows)],
            "ticket": {"id": f"c{number}", "number": f"B{number % 1000:03d}", "service": config.services[0].id,
                       "class": "normal"}}}, now0)
        i = base + k * FPS * 5  # far enough apart that each call is drawn alone
        span = [frame(i)[0]]
        for j in range(1, FPS):  # drawn ahead over a few frames, then up in one
            if not renderer.holding:
                break
            span.append(frame(i + j)[0])
        for j in range(len(span), len(span) + 6):  # what the budget put off besides (a language turn)
            if not any(w.stale for w in renderer.widgets):
                break
            span.append(frame(i + j)[0])
        changed.append(max(span))
        changed_total.append(sum(span))
        spans.append(len(span))
    cpu.sort()
    median = statistics.median(cpu)
    return {
        "median_ms": median * 1000,
        "p99_ms": cpu[min(len(cpu) - 1, int(len(cpu) * 0.99))] * 1000,
        "wall_median_ms": statistics.median(wall) * 1000,
        "change_ms": statistics.median(changed) * 1000,
        "change_total_ms": statistics.median(changed_total) * 1000,
        "change_worst_ms": max(changed) * 1000,
        "change_frames": max(spans),
        "fps": 1 / median if median > 0 else float("inf"),
        "core_at_60": median * FPS,
        "rss_mb": _rss_mb(),
        "rss_growth_mb": _rss_mb() - rss0,
        "cache_mb": renderer.text.cached_bytes / 2**20 if renderer.text else 0.0,
        "canvas_mb": renderer.size[0] * renderer.size[1] * 4 / 2**20,
    }


def bench_render(hall: Path | None = None, frames: int = 600) -> int:
    path = hall or Path(__file__).resolve().parents[2] / "layouts" / "zhongshan.yaml"
    result = load_hall(path)
    if result.config is None:
        for p in result.problems:
            print(p)
        return 1
    config = result.config
    pygame.display.init()
    main = next((s for s in config.screens if s.kind == "main"), config.screens[0] if config.screens else None)
    strip = next((s for s in config.screens if s.kind == "strip"), None)
    if main is None:
        print(f"{path}: no screens to measure")
        return 1
    cases = [(f"{main.id} 1920x1080", main.id, (1920, 1080)), (f"{main.id} 3840x2160", main.id, (3840, 2160))]
    if strip is not None:
        w, h = strip.resolution
        cases.append((f"{strip.id} {w}x{h}", strip.id, None))
    # a screen with the floor map (its route animated every frame) or the directory
    way = next((s for s in config.screens if any(r.widget == "map" for r in s.regions)), None) or \
        next((s for s in config.screens if any(r.widget == "directory" for r in s.regions)), None)
    if way is not None:
        w, h = way.canvas_size
        cases.append((f"{way.id} {w}x{h}", way.id, None))
    print(f"signage bench render: {config.hall.id}, {frames} steady frames per case, ticker running, "
          f"a call every 5 s; CPU time per frame")
    header = (f"{'screen':<28}{'median':>9}{'p99':>9}{'new call':>10}{'(all)':>9}{'fps':>8}{'core@60':>9}"
              f"{'text cache':>12}{'RSS':>9}")
    print(header)
    print("-" * len(header))
    spans = []
    for label, sid, size in cases:
        r = bench_case(config, sid, size, frames)
        spans.append(f"{label} {r['change_frames']} ({r['change_worst_ms']:.1f}ms)")
        print(f"{label:<28}{r['median_ms']:>7.2f}ms{r['p99_ms']:>7.2f}ms{r['change_ms']:>8.1f}ms"
              f"{r['change_total_ms']:>7.1f}ms{r['fps']:>8.0f}"
              f"{r['core_at_60'] * 100:>8.1f}%{r['cache_mb']:>10.1f}MB{r['rss_mb']:>7.0f}MB")
    print("frames until a new call is up (the most of 20 calls; the worst frame of all 20): " + ", ".join(spans))
    print("median/p99: steady frames; new call: the worst frame of those that bring a new call up (its widgets\n"
          f"drawn ahead off screen, at most {RENDER_BUDGET} a frame, then shown together in one; median over 20 calls),\n"
          "(all): the sum of those frames;\n"
          "fps: 1/median CPU time; "
          "core@60: share of one core at 60 frames per second; RSS: the process after the case.")
    return 0
