"""Layout arithmetic of the widgets, in pure Python.

The widgets size their text with these functions, and validation's legibility
check (:mod:`signage.config.legibility`) calls the same ones to tell a hall
manager, without drawing anything, how tall the text on each screen will be.
So "the waiting board's rows are 55% text" is written once, here.

Sizes are pixels of the screen's canvas (:attr:`Screen.canvas_size`); a "px"
is a font size (the em), whose Chinese characters are about 0.88 px tall and
Latin capitals and digits about 0.73 px.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Box = tuple[int, int, int, int]  # x, y, w, h

CJK_INK = 0.88   # height of a Chinese character, in font sizes
CAP_INK = 0.73   # height of a Latin capital or digit


def region_box(rect: tuple[float, float, float, float], canvas: tuple[int, int]) -> Box:
    """A region's pixels; edges are rounded so that touching regions tile exactly."""
    W, H = canvas
    x, y, w, h = rect
    x0, y0 = round(x * W / 100), round(y * H / 100)
    x1, y1 = round(min(100.0, x + w) * W / 100), round(min(100.0, y + h) * H / 100)
    return x0, y0, max(1, x1 - x0), max(1, y1 - y0)


def gap(canvas: tuple[int, int]) -> int:
    """Space between neighbouring panels."""
    return max(2, round(min(canvas) * 0.008))


def inset(box: Box, d: int) -> Box:
    x, y, w, h = box
    d = min(d, (w - 1) // 2, (h - 1) // 2)
    return x + d, y + d, w - 2 * d, h - 2 * d


def estimate_width(text: str, px: float) -> float:
    """Width of a line without a font at hand (Noto Sans CJK Bold proportions)."""
    total = 0.0
    for ch in text:
        o = ord(ch)
        if o >= 0x2E80:
            total += 1.0
        elif ch == " ":
            total += 0.25
        elif ch.isdigit():
            total += 0.57
        elif ch.isupper():
            total += 0.66
        else:
            total += 0.52
    return total * px


def fit_px(text: str, w: float, px: float) -> float:
    """``px``, reduced so the estimated line fits ``w``."""
    width = estimate_width(text, px)
    return px if width <= w or width <= 0 else px * w / width


# --- call banner -------------------------------------------------------------------------

@dataclass(frozen=True)
class BannerLayout:
    side: bool          # number on the left, destination on the right (wide, low regions)
    header: Box | None  # "正在叫号 Now calling"
    number: Box
    dest: tuple[Box, ...]  # one line (stacked) or two (side: Chinese, English)
    number_px: int
    dest_px: int
    header_px: int


def banner_layout(w: int, h: int, digits: int = 3) -> BannerLayout:
    pad = max(2, round(min(w, h) * 0.05))
    iw, ih = w - 2 * pad, h - 2 * pad
    sample = "A" + "0" * digits
    if w >= 3 * h:
        nw = round(iw * 0.42)
        number = (pad, pad, nw, ih)
        dx = pad + nw + pad
        dw = max(1, w - dx - pad)
        dest = ((dx, pad, dw, ih // 2), (dx, pad + ih // 2, dw, ih - ih // 2))
        number_px = fit_px(sample, nw, ih * 0.95 / CAP_INK * 0.9)
        dest_px = min(ih / 2 * 0.72, fit_px("3号窗口（2F）", dw, ih))
        return BannerLayout(True, None, number, dest, int(number_px), int(dest_px), 0)
    if h > 1.2 * w:  # portrait: the window on two lines of its own, Chinese then English
        hh, nh = round(ih * 0.1), round(ih * 0.42)
        dh = (ih - hh - nh) // 2
        header = (pad, pad, iw, hh)
        number = (pad, pad + hh, iw, nh)
        dest = ((pad, pad + hh + nh, iw, dh), (pad, pad + hh + nh + dh, iw, dh))
        number_px = fit_px(sample, iw * 0.96, nh * 0.96 / CAP_INK)
        dest_px = fit_px("Window 12", iw * 0.9, dh * 0.6)
        return BannerLayout(False, header, number, dest, int(number_px), int(dest_px), int(hh * 0.6))
    hh = round(ih * 0.16)
    nh = round(ih * 0.54)
    dh = ih - hh - nh
    header = (pad, pad, iw, hh)
    number = (pad, pad + hh, iw, nh)
    dest = ((pad, pad + hh + nh, iw, dh),)
    number_px = fit_px(sample, iw * 0.96, nh * 0.96 / CAP_INK)
    dest_px = fit_px("→ 3号窗口 / Window 3", iw, dh * 0.7)
    return BannerLayout(False, header, number, dest, int(number_px), int(dest_px), int(hh * 0.7))


# --- lists (recent calls, waiting board) ---------------------------------------------------

ROW_TEXT = 0.62   # share of a row's height that is text, before the theme's text_scale
ROW_TEXT_MAX = 0.8


def row_px(row_h: float, scale: float = 1.0) -> int:
    return int(row_h * min(ROW_TEXT_MAX, ROW_TEXT * scale))


def header_height(h: int, rows: int) -> int:
    """A list's title row: a little taller than a row would be, within limits."""
    return round(min(h * 0.2, max(h * 0.1, h / (rows + 1))))


def list_rows(h: int, count: int) -> tuple[int, float]:
    """Header height and row height of a list of ``count`` rows in ``h`` pixels."""
    count = max(1, count)
    hh = header_height(h, count)
    return hh, (h - hh) / count


def recent_calls_px(w: int, h: int, count: int, scale: float = 1.0) -> int:
    _, rh = list_rows(h, count)
    return int(min(row_px(rh, scale), fit_px("A023  12号窗口", w * 0.9, rh)))


def waiting_columns(w: int, h: int, n: int, scale: float = 1.0, name_chars: int = 7) -> tuple[int, int]:
    """How many side-by-side columns the waiting board uses, and its row text size."""
    best = (1, 0)
    for cols in (1, 2, 3):
        if cols > 1 and n < cols * 2:
            break
        per = math.ceil(n / cols)
        _, rh = list_rows(h, per)
        col_w = w / cols
        # name half the column, count ~13%, estimate ~37% ("约 12 分钟" is ~5 ems)
        px = min(row_px(rh, scale), col_w * 0.5 / max(4, name_chars), col_w * 0.37 / 5.2)
        if px > best[1] * 1.15:
            best = (cols, int(px))
    return best


# --- window board -----------------------------------------------------------------------------

TILE_ASPECT = 1.25  # a tile must be this much wider than tall to hold "Window 12" and "A023"


def window_grid(w: int, h: int, n: int, columns: int | None = None) -> tuple[int, int]:
    """Columns and rows of window tiles that make the tiles' text largest."""
    n = max(1, n)
    if columns:
        cols = max(1, min(columns, n))
        return cols, math.ceil(n / cols)
    best, best_score = (1, n), -1.0
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        score = min(h / rows, (w / cols) / TILE_ASPECT)
        if score > best_score + 1e-9:
            best, best_score = (cols, rows), score
    return best


def tile_px(tw: float, th: float, scale: float = 1.0) -> tuple[int, int]:
    """(label px, ticket number px) of a window tile."""
    label = min(th * 0.28 * 0.8 * min(1.3, scale), fit_px("12号窗口", tw * 0.9, th))
    number = min(th * 0.4 / CAP_INK * 0.85, fit_px("A023", tw * 0.9, th))
    return int(label), int(number)


def strip_px(w: int, h: int) -> tuple[int, int]:
    """(window label px, ticket number px) of a one-window strip screen."""
    if w >= 2 * h:
        left = w * 0.4
        label = min(h * 0.45 * 0.8, fit_px("12号窗口", left * 0.92, h))
        number = min(h * 0.7 / CAP_INK * 0.92, fit_px("A023", w * 0.55, h))
    else:
        label = min(h * 0.2 * 0.8, fit_px("12号窗口", w * 0.9, h))
        number = min(h * 0.45 / CAP_INK * 0.92, fit_px("A023", w * 0.9, h))
    return int(label), int(number)


# --- the rest -----------------------------------------------------------------------------------

def ticker_px(h: int, scale: float = 1.0, canvas: tuple[int, int] | None = None) -> int:
    """Text of a ticker band; a band taller than a tenth of the screen gets no bigger text."""
    px = h * min(0.72, 0.6 * scale)
    if canvas is not None:
        px = min(px, min(canvas) * 0.12)
    return int(px)


def clock_px(w: int, h: int) -> tuple[int, int]:
    """(time px, date px)."""
    if w >= 3 * h:
        return int(min(h * 0.75, fit_px("14:05", w * 0.35, h))), int(min(h * 0.38, fit_px("2026年11月23日 星期一", w * 0.58, h)))
    return int(min(h * 0.55, fit_px("14:05", w * 0.9, h))), int(min(h * 0.22, fit_px("2026年11月23日 星期一", w * 0.9, h)))


def guide_px(w: int, h: int, scale: float = 1.0) -> tuple[int, int]:
    """(title px, largest body px) of the process guide; the body shrinks to fit its text."""
    return int(h * 0.12 * 0.6), int(min(h * 0.075, w * 0.065) * min(1.4, scale))


def badge_px(canvas: tuple[int, int]) -> int:
    return max(12, round(min(canvas) * 0.035))


def map_layout(w: int, h: int) -> tuple[int, int, int, int]:
    """A map widget's drawing area of w x h: (title height, caption height, the plan
    box's width and height), the plan box inset by a title height for the icons on
    the walls."""
    th = max(8, int(min(h * 0.08, w * 0.06)))
    caption_h = int(th * 2.3) if h > 8 * th else 0
    plan_h = h - int(th * 1.25) - caption_h - (th // 3 if caption_h else 0)
    return th, caption_h, max(1, w - th), max(1, plan_h - th)


def plan_label_px(w: int, h: int, scale: float = 1.0) -> int:
    """The size of the labels on a floor plan drawn in a box of w x h (the names of
    the points are drawn at 0.85 of it)."""
    return max(10, int(min(w * 0.032, h * 0.036) * min(scale, 1.3)))

