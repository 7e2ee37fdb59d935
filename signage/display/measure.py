"""Legibility measured on what is drawn: every screen rendered offscreen, every text checked.

``signage validate`` calls :func:`measure_hall`: each screen of the hall is drawn
with the SDL dummy driver in each of its languages, with sample data at an hour
the hall is open, the frame clock stepped so that every page of the paginated
and rotating widgets (process guide, directory, a route over floors, queued
calls) is drawn. :attr:`TextRenderer.record` keeps every text drawn (widget,
lang, text, rect, glyph_px); a text whose characters are smaller than the rule
(:mod:`signage.config.legibility`: 25 mm per 10 m, 37.5 mm for the called
number) is a finding, and so is every text the renderer had to wrap, shorten
or cut to stay at the minimum size (:attr:`TextRenderer.events`).

Layout never draws below the rule (the renderer sets the minimum), so the
first kind of finding means a bug or a renderer built without the rule.

The window board, the waiting board and the directory show their rows a page
at a time when they do not all fit at the minimum (their ``page_seconds``: the
stepping goes on until the longest has passed with nothing new, so every page
is drawn); each says "paginated into N pages", a :attr:`Finding.severity`
``"info"``: nothing was cut.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..config.legibility import BANNER_FACTOR, needed_mm, pixel_pitch_mm
from ..config.model import HallConfig

MAX_STEPS = 120     # frames per screen and language, at most
QUIET_STEPS = 3     # stop after this many steps that drew nothing new
RECORD_KEYS = ("widget", "lang", "text", "rect", "glyph_px")


@dataclass(frozen=True)
class Finding:
    screen: str
    widget: str
    lang: str
    text: str
    what: str          # "below the rule", "wrapped to 2 lines", "shortened", "cut", "paginated into 3 pages ..."
    mm: float = 0.0    # for "below the rule": the size drawn and the size needed
    need_mm: float = 0.0

    @property
    def paged(self) -> bool:
        """A widget split its rows into pages (the window board, the waiting board, the
        directory): nothing was cut; said for information."""
        return self.what.startswith("paginated")

    @property
    def severity(self) -> str:
        return "info" if self.paged else "warning"

    def message(self) -> str:
        shown = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        where = f'screen "{self.screen}", {self.widget or "overlay"}, {self.lang}'
        if self.what == "below the rule":
            return (f'{where}: "{shown}" is drawn {self.mm:.1f} mm tall; read from this screen\'s '
                    f"viewing distance it needs {self.need_mm:.1f} mm")
        if self.paged:
            return (f"{where}: {shown} {self.what}, shown in turn, each page whole, so that every text keeps "
                    f"the minimum size ({self.need_mm:.0f} mm)")
        return f'{where}: "{shown}" {self.what} to stay at the minimum size ({self.need_mm:.0f} mm)'


@dataclass
class Measured:
    findings: list[Finding] = field(default_factory=list)
    smallest: dict[tuple[str, str], float] = field(default_factory=dict)  # (screen, lang) -> mm
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (screen, lang, widget) that raised
    screens: int = 0
    frames: int = 0
    texts: int = 0


def open_time(config: HallConfig) -> float:
    """An hour the hall is open: the sample data's clock, as in ``signage preview``
    (:func:`signage.view.sample_time`)."""
    from ..view import sample_time

    return sample_time(config)


def start_pygame() -> str | None:
    """Start pygame offscreen; None if it did, else why not."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        import pygame
        import pygame.freetype

        if not pygame.display.get_init():
            pygame.display.init()
        if not pygame.freetype.get_init():
            pygame.freetype.init()
        from . import fonts

        fonts.load(fonts.face_for("zh-Hans", True, None))
    except Exception as exc:  # no SDL, no font: the caller falls back to the estimate
        return f"{type(exc).__name__}: {exc}"
    return None


def render_texts(config: HallConfig, screen_id: str, lang: str, *, now: float | None = None,
                 base_dir: Path | None = None, steps: int = MAX_STEPS, enforce_rule: bool = True,
                 size: tuple[int, int] | None = None):
    """Draw a screen in one language, stepping the clock through its pages.

    Returns (records, events, frames): every text drawn (deduplicated), what the
    renderer had to do to keep texts at the minimum, and how many frames it took.
    Widgets that failed to draw are in ``render_texts.failed`` (a list, set anew).
    """
    from ..view import sample_view
    from .renderer import Renderer

    now = open_time(config) if now is None else now
    view = sample_view(config, now)
    if view.config is None:
        view.config = config
    renderer = Renderer(config, screen_id, lang=lang, base_dir=base_dir, enforce_rule=enforce_rule, size=size)
    text = renderer.text
    assert text is not None
    text.record = []
    text.forget_events()
    seen: dict[tuple, dict] = {}
    step = _page_step(renderer)
    # a widget that pages (the window board, the waiting board) keeps a page for a while:
    # go on until the longest of those times has passed with nothing new
    quiet_steps = max([QUIET_STEPS, *(math.ceil(s / step) + 1 for s in _page_times(renderer))])
    quiet, frames, t = 0, 0, 1000.0
    failed: set[str] = set()
    for k in range(max(1, steps)):
        renderer.frame(view, now + k * step, t + k * step, force=k == 0)
        frames += 1
        failed.update(renderer.failed())
        new = 0
        for r in text.record:
            key = (r["widget"], r["lang"], r["text"], r["glyph_px"])
            if key not in seen:
                seen[key] = r
                new += 1
        text.record.clear()
        quiet = 0 if new else quiet + 1
        if quiet >= quiet_steps:
            break
    events = list(text.events)
    render_texts.failed = sorted(failed)
    text.record = None
    text.forget_events()
    return list(seen.values()), events, frames


def _page_step(renderer) -> float:
    """Seconds between frames: the shortest page time of the screen's widgets (at most 4 s)."""
    step = 4.0
    for w in renderer.widgets:
        o = w.options
        for name in ("rotate_seconds", "cycle_seconds"):
            v = getattr(o, name, None) if o is not None else None
            if isinstance(v, (int, float)) and v > 0:
                step = min(step, float(v))
    for v in _page_times(renderer):
        step = min(step, v)
    return max(0.5, step)


def _page_times(renderer) -> list[float]:
    """How long the widgets that split their rows into pages keep each page (``page_seconds``)."""
    out = []
    for w in renderer.widgets:
        try:
            v = getattr(w, "page_seconds", None)
        except Exception:
            continue
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
            out.append(float(v))
    return out


def measure_hall(config: HallConfig, base_dir: Path | None = None, *, steps: int = MAX_STEPS,
                 enforce_rule: bool = True) -> Measured:
    """Every screen of the hall in every language: the findings (call :func:`start_pygame` first)."""
    out = Measured()
    now = open_time(config)
    for screen in config.screens:
        pitch = pixel_pitch_mm(screen)
        need = needed_mm(screen)
        langs = list(dict.fromkeys(screen.languages or config.hall.languages or ["zh-Hans"]))
        out.screens += 1
        for lang in langs:
            records, events, frames = render_texts(config, screen.id, lang, now=now, base_dir=base_dir,
                                                   steps=steps, enforce_rule=enforce_rule)
            out.frames += frames
            out.failed += [(screen.id, lang, w) for w in render_texts.failed]
            out.texts += len(records)
            for r in records:
                if not any(ch.isalnum() for ch in r["text"]):
                    continue
                mm = r["glyph_px"] * pitch
                factor = r.get("emphasis", 1.0)
                key = (screen.id, r["lang"])
                if factor == 1.0:
                    out.smallest[key] = min(out.smallest.get(key, mm), mm)
                if mm + 1e-6 < need * factor:
                    out.findings.append(Finding(screen.id, r["widget"], r["lang"], r["text"], "below the rule",
                                                mm, need * factor))
            for widget, elang, etext, what in events:
                out.findings.append(Finding(screen.id, widget, elang, etext, what, 0.0, need))
    return out


def export_records(records: list[dict]) -> list[dict]:
    """The text record as ``signage preview --texts`` writes it: exactly the documented keys."""
    return [{k: r[k] for k in RECORD_KEYS} for r in records]


__all__ = ["BANNER_FACTOR", "Finding", "Measured", "export_records", "measure_hall", "open_time",
           "render_texts", "start_pygame"]
