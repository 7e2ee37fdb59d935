"""Can the people in the hall read the screens? Checked when a hall file is validated.

Two rules, both warnings (the file still loads; a person decides):

* **Text height.** From ``viewing_distance_m`` (the farthest seat that should
  read the screen) a character needs at least 25 mm of height per 10 m
  (the common signage rule of thumb, about 1:400); the called number on the
  call banner needs half as much again (37.5 mm per 10 m), because an elderly
  person at the back must catch it at a glance. A character's height comes
  from the widget's font size (the same layout arithmetic the screen uses,
  :mod:`signage.display.sizing`), the panel's resolution and its diagonal.
* **Contrast.** Every colour pair a widget draws text with must reach 7:1
  (WCAG AAA) for primary text (text, highlight, the banner's and the notice's
  inverted text) and 4.5:1 for secondary text (muted, accent). The pairs
  ``text`` and ``highlight`` on ``background`` of a hall's own themes are
  already checked by :mod:`.checks`, and are not reported twice.

No pygame here: sizes are estimated from character counts, so a warning is
about the ordinary case (a long English name may still be drawn smaller).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Iterator

from .model import HallConfig, Region, Screen, Theme
from .themes import builtin_themes, contrast_ratio

Found = tuple[tuple, str, str]

ESTIMATE_MARK = "would be about"  # in the estimate's warnings: validate replaces them by measured ones
MM_PER_10M = 25.0
BANNER_FACTOR = 1.5
PRIMARY_CONTRAST = 7.0
SECONDARY_CONTRAST = 4.5

# (foreground, background, minimum, what it is) for every pair the widgets draw
PAIRS = (
    ("text", "background", PRIMARY_CONTRAST, "text on the background"),
    ("highlight", "background", PRIMARY_CONTRAST, "the newest call on the background"),
    ("text", "panel", PRIMARY_CONTRAST, "text on panels"),
    ("highlight", "panel", PRIMARY_CONTRAST, "called tickets on panels"),
    ("background", "highlight", PRIMARY_CONTRAST, "the highlighted call banner"),
    ("background", "warning", PRIMARY_CONTRAST, "an urgent notice"),
    ("warning", "panel", SECONDARY_CONTRAST, "paused windows and closed services"),
    ("muted", "panel", SECONDARY_CONTRAST, "secondary text on panels"),
    ("accent", "panel", SECONDARY_CONTRAST, "titles on panels"),
)
CHECKED_IN_CHECKS = {("text", "background"), ("highlight", "background")}


def pixel_pitch_mm(screen: Screen) -> float:
    w, h = screen.resolution
    return screen.diagonal_inches * 25.4 / math.hypot(w, h)


def needed_mm(screen: Screen, factor: float = 1.0) -> float:
    return MM_PER_10M * screen.viewing_distance_m / 10 * factor


def min_glyph_px(screen: Screen, factor: float = 1.0) -> float:
    """The smallest character the screen may draw, in pixels of ink ("H" or "国")."""
    return needed_mm(screen, factor) / pixel_pitch_mm(screen)


def check_legibility(ctx: Any) -> Iterator[Found]:
    """The check run by validation (``ctx`` is the checks' context, or a :class:`HallConfig`)."""
    config: HallConfig = getattr(ctx, "config", ctx)
    themes = {**builtin_themes(), **config.themes}
    yield from _check_contrast(config, themes)
    for si, screen in enumerate(config.screens):
        theme = themes.get(screen.theme) or builtin_themes()["default"]
        pitch = pixel_pitch_mm(screen)
        for ri, region in enumerate(screen.regions):
            try:
                sizes = text_sizes(config, screen, region, theme.text_scale)
            except Exception:  # a check never raises; a half-valid hall may surprise us
                continue
            for what, px, ink, factor in sizes:
                if px <= 0:
                    continue
                mm = px * ink * pitch
                need = needed_mm(screen, factor)
                if mm + 1e-9 < need:
                    rule = "37.5 mm per 10 m for the called number" if factor > 1 else "25 mm per 10 m"
                    yield (("screens", si, "regions", ri, "rect"),
                           f"{what} of the {region.widget} would be about {mm:.0f} mm tall ({int(px)} px on this "
                           f"{screen.diagonal_inches:g}\" {screen.resolution[0]}x{screen.resolution[1]} panel); "
                           f"read from {screen.viewing_distance_m:g} m it needs {need:.0f} mm ({rule}): give the "
                           f"region more room, show fewer rows, or use a larger or nearer screen",
                           "warning")


def _check_contrast(config: HallConfig, themes: dict[str, Theme]) -> Iterator[Found]:
    used: dict[str, int] = {}
    for si, screen in enumerate(config.screens):
        used.setdefault(screen.theme, si)
    for name, si in used.items():
        theme = themes.get(name)
        if theme is None:
            continue  # an unknown theme is an error reported by the checks
        own = name in config.themes
        for fg, bg, minimum, what in PAIRS:
            if own and (fg, bg) in CHECKED_IN_CHECKS:
                continue
            ratio = contrast_ratio(getattr(theme, fg), getattr(theme, bg))
            if ratio + 1e-9 < minimum:
                path = ("themes", name, fg) if own else ("screens", si, "theme")
                yield (path, f'theme "{name}": contrast of {fg} on {bg} ({what}) is {ratio:.1f}:1; at least '
                             f"{minimum:g}:1 is needed for reading across a hall", "warning")


# --- how tall each widget's text is -----------------------------------------------------------

def _inner(screen: Screen, region: Region, pad: float) -> tuple[int, int]:
    """A region's drawing area as the widgets compute it (panel gap and padding taken off)."""
    from ..display import sizing

    canvas = screen.canvas_size
    _, _, w, h = sizing.region_box(region.rect, canvas)
    d = sizing.gap(canvas) // 2 + max(1, round(min(w, h) * pad))
    return max(1, w - 2 * d), max(1, h - 2 * d)


def text_sizes(config: HallConfig, screen: Screen, region: Region,
               scale: float) -> list[tuple[str, float, float, float]]:
    """(what, font px, ink height per px, factor of the distance rule) of a region's main texts."""
    from ..display import sizing as z
    from .widgets import WIDGET_OPTIONS

    try:
        opts = WIDGET_OPTIONS[region.widget].model_validate(region.options)
    except Exception:
        return []  # bad options are reported by the loader
    name = region.widget
    sizes = _text_sizes(config, screen, region, scale, opts)
    if name in PAGED:  # they show their rows a page at a time rather than shrink them below the rule:
        # the size that counts is that of a page of one row (one tile), the most a page can give
        least = MM_PER_10M * screen.viewing_distance_m / 10 / pixel_pitch_mm(screen)
        single = _text_sizes(config, screen, region, scale, opts, single=True)
        sizes = [(what, max(px, min(least / ink, one)), ink, f)
                 for (what, px, ink, f), (_, one, _, _) in zip(sizes, single)]
    return sizes


# widgets that never shrink their rows below the rule: they split them into pages in turn
PAGED = ("window_board", "waiting_board")


def _text_sizes(config: HallConfig, screen: Screen, region: Region, scale: float,
                opts, single: bool = False) -> list[tuple[str, float, float, float]]:
    from ..display import sizing as z

    name = region.widget
    if name == "call_banner":
        w, h = _inner(screen, region, 0.0)
        lay = z.banner_layout(w, h, config.hall.ticket_digits if config.hall else 3)
        return [("the called number", lay.number_px, z.CAP_INK, BANNER_FACTOR),
                ("the window it is called to", lay.dest_px, z.CJK_INK, 1.0)]
    if name == "recent_calls":
        w, h = _inner(screen, region, 0.03)
        return [("each recent call", z.recent_calls_px(w, h, opts.count, scale), z.CAP_INK, 1.0)]
    if name == "window_board":
        w, h = _inner(screen, region, 0.0)
        numbers = opts.windows or ([screen.window] if screen.window is not None else [x.number for x in config.windows])
        if single and len(numbers) > 1:
            numbers = numbers[:1] * 2  # a page of one tile (not the strip's layout)
        if len(numbers) == 1:
            w, h = _inner(screen, region, 0.05)
            label, number = z.strip_px(w, h)
            return [("the window's name", label, z.CJK_INK, 1.0), ("its ticket number", number, z.CAP_INK, 1.0)]
        cols, rows = (1, 1) if single else z.window_grid(w, h, len(numbers), opts.columns)
        tw, th = w / cols, h / rows
        body_w, body_h = tw * 0.9, th * 11 / 12
        label, number = z.tile_px(body_w, body_h, scale)
        return [("window names", label, z.CJK_INK, 1.0), ("ticket numbers", number, z.CAP_INK, 1.0)]
    if name == "waiting_board":
        w, h = _inner(screen, region, 0.03)
        ids = opts.services or [s.id for s in config.services]
        services = [s for s in (config.service(i) for i in ids) if s is not None]
        if single:
            services = services[:1]
        longest = max((len(s.name.get("zh-Hans") or s.name.get("zh-Hant") or "") for s in services), default=6)
        _, px = z.waiting_columns(w, h, len(services), scale, max(4, min(longest, 10)))
        return [("service rows (at the longest name)", px, z.CJK_INK, 1.0)]
    if name == "ticker":
        w, h = _inner(screen, region, 0.0)
        return [("the scrolling messages", z.ticker_px(h, scale, screen.canvas_size), z.CJK_INK, 1.0)]
    if name == "clock":
        w, h = _inner(screen, region, 0.06)
        texts = clock_texts(config, screen, opts)
        if opts.show_date:  # clock_px sizes the time for "14:05"; it is drawn fitted into its box
            time_px, _ = z.clock_px(w, h)
            box_w = w * 0.38 if w >= 3 * h else w   # wide: the time on the left, the date on the right
            px = min(z.fit_px(text, box_w, time_px) for text in texts)
        else:
            px = min(z.fit_px(text, w, h * 0.8) for text in texts)
        return [("the time", px, z.CAP_INK, 1.0)]
    if name == "process_guide":
        return _guide_sizes(config, screen, region, opts, scale)
    if name == "map":
        w, h = _inner(screen, region, 0.03)
        _, _, pw, ph = z.map_layout(w, h)
        return [("the names on the plan", z.plan_label_px(pw, ph, scale) * 0.85, z.CJK_INK, 1.0)]
    if name == "text":
        w, h = _inner(screen, region, 0.06)
        texts = [t for t in opts.text.values() if t]
        px = min((_wrapped_px(t, w, h, h * 0.7) for t in texts), default=0)
        return [("the text", px, z.CJK_INK, 1.0)]
    return []


# a morning and an afternoon hour: the widest times of a day ("10:05 AM", "2:05 PM", "下午2:05")
CLOCK_SAMPLES = (dt.datetime(2026, 12, 3, 10, 5, 9), dt.datetime(2026, 12, 3, 14, 5, 9))


def clock_texts(config: HallConfig, screen: Screen, opts: Any) -> list[str]:
    """The times the clock draws on ``screen``, in each of its languages, with its options'
    ``hour_cycle`` and ``show_seconds`` (:func:`signage.display.clock_text.time_text`)."""
    from ..display.clock_text import time_text

    langs = [str(x) for x in (screen.languages or (config.hall.languages if config.hall else None) or ["en"])]
    cycle, seconds = getattr(opts, "hour_cycle", None), bool(getattr(opts, "show_seconds", False))
    return list(dict.fromkeys(time_text(when, lang, cycle, seconds) for lang in langs for when in CLOCK_SAMPLES))


def _guide_sizes(config: HallConfig, screen: Screen, region: Region, opts, scale: float
                 ) -> list[tuple[str, float, float, float]]:
    from ..display import sizing as z

    w, h = _inner(screen, region, 0.04)
    title_px, body_max = z.guide_px(w, h, scale)
    ids = opts.services or [s.id for s in config.services]
    services = [s for s in (config.service(i) for i in ids) if s is not None and s.guide]
    worst, worst_name = float(body_max), ""
    body_h = h - int(h * 0.12 * 1.25)
    for s in services:
        g = s.guide
        items = [*g.steps, *g.materials, *g.notes]
        sections = sum(1 for part in (g.steps, g.materials, g.notes) if part)
        has_qr = bool(g.qr) and opts.show_qr
        bw, bh = w, body_h
        if has_qr:
            if bw > bh * 1.2:
                bw -= min(int(bw * 0.32), bh) + w // 30
            else:
                bh -= int(min(int(bh * 0.3), int(bw * 0.45)) * 1.2) + h // 40
        for lang in ("zh-Hans", "en"):
            texts = [t.get(lang) or t.get("zh-Hans") or "" for t in items]
            px = _page_px(texts, sections, bw, bh, body_max)
            if px < worst:
                worst, worst_name = px, s.id
    sizes = [("the guide's title", title_px, z.CJK_INK, 1.0)]
    if services:
        what = f'the guide text (longest page: "{worst_name}")' if worst_name else "the guide text"
        sizes.append((what, worst, z.CJK_INK, 1.0))
    return sizes


def _page_px(texts: list[str], sections: int, w: float, h: float, max_px: float) -> float:
    """The size at which a page of list items (and section titles) fits w x h."""
    from ..display import sizing as z

    lo, hi = 6.0, max(6.0, max_px)
    for _ in range(20):
        mid = (lo + hi) / 2
        indent = mid * 1.5
        lines = sections + sum(max(1, math.ceil(z.estimate_width(t, mid) / max(1.0, w - indent))) for t in texts)
        height = lines * mid * 1.3 + max(0, sections - 1) * mid * 0.5
        if height <= h:
            lo = mid
        else:
            hi = mid
    return lo


def _wrapped_px(text: str, w: float, h: float, max_px: float) -> float:
    from ..display import sizing as z

    lo, hi = 6.0, max(6.0, max_px)
    for _ in range(20):
        mid = (lo + hi) / 2
        lines = max(1, math.ceil(z.estimate_width(text, mid) / max(1.0, w)))
        if (lines - 1) * mid * 1.3 + mid * 1.1 <= h:
            lo = mid
        else:
            hi = mid
    return lo
