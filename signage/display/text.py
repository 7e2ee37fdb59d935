"""Text for the screens: rendered once, cached, fitted to a box, wrapped.

Every text a widget draws goes through :class:`TextRenderer`: a rendered line
is kept (least recently used first out, within a byte budget) so that a widget
re-rendering its panel only blits; sizes that fit a box are remembered too.

Placement is by baseline, so that Chinese and Latin text on one row line up:
a line of size ``px`` centred on a row sits with its baseline at
``centre + 0.38 * px``, and its ink spans about ``0.88 px`` above the baseline
(CJK) to ``0.22 px`` below (Latin descenders). :func:`fit` checks the real
ink box, so a fitted text never leaves its box.

**Never smaller than the rule.** :attr:`TextRenderer.min_glyph` is the
smallest character the screen may show, in pixels of ink (a capital "H" for
Latin text, "国" for Chinese; the renderer sets it from the legibility rule
and the panel's geometry, :func:`signage.config.legibility.min_glyph_px`).
No fitting goes below it: a line that does not fit its box at that size is
wrapped at word boundaries if the box has room for more lines, else drawn in
its short form (``short=``) if it has one, else drawn at the minimum and cut
with an ellipsis. What had to be done is kept in :attr:`TextRenderer.events`.

**The record.** With :attr:`TextRenderer.record` a list, every text drawn is
appended to it (widget, lang, text, rect in screen pixels, glyph_px): what
``signage validate`` checks and ``signage preview --texts`` writes.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Iterable, Literal

import pygame
import pygame.freetype

from . import fonts

Color = tuple[int, int, int]
Align = Literal["left", "center", "right"]

BASELINE = 0.38  # baseline below a row's centre, in font sizes
LINE_SPACING = 1.3
ELLIPSIS = "…"


def is_cjk(text: str) -> bool:
    """Whether a text is measured by its Chinese characters ("国") rather than "H"."""
    return any(_CJK_CHAR.match(ch) for ch in text)


def has_letters(text: str) -> bool:
    """Texts without a letter or digit (a separator mark, an arrow) are not held to the rule."""
    return any(ch.isalnum() for ch in text)


class TextRenderer:
    """Renders and caches lines of text in the face that suits each language."""

    def __init__(self, font_override: str | None = None, budget_bytes: int = 96 * 1024 * 1024) -> None:
        self.font_override = font_override
        self.budget = budget_bytes
        self._surfaces: OrderedDict[tuple, tuple[pygame.Surface, pygame.Rect]] = OrderedDict()
        self._bytes = 0
        self._fits: dict[tuple, int] = {}
        self._measures: dict[tuple, pygame.Rect] = {}
        self._wraps: dict[tuple, tuple[int, tuple[str, ...]]] = {}
        self.renders = 0  # lines rendered to a surface (not from the cache): for the bench and tests
        self.draws = 0    # lines drawn straight onto a surface
        self.min_glyph = 0.0  # smallest ink height (px) of an "H" / "国"; 0: no floor
        self.record: list[dict] | None = None  # every text drawn, when a list
        self.events: list[tuple[str, str, str, str]] = []  # (widget, lang, text, what was done)
        self.widget = ""  # who draws now, and where its surface sits on the screen
        self.origin = (0, 0)
        # texts held to a larger minimum: widget -> (pattern of the text, factor); the
        # renderer puts the call banner's ticket number here (37.5 mm per 10 m)
        self.emphasized: dict[str, tuple[re.Pattern[str], float]] = {}
        self._noted: set[tuple[str, str, str, str]] = set()
        self._glyphs: dict[tuple, int] = {}
        self._floors: dict[tuple, int] = {}

    # --- the rule -----------------------------------------------------------------------

    def glyph_px(self, text: str, lang: str, px: int, bold: bool = True) -> int:
        """Ink height of "H" (Latin text) or "国" (Chinese text) at this font and size."""
        ref = "国" if is_cjk(text) else "H"
        face = fonts.face_for(lang, bold, self.font_override)
        key = (face, int(px), ref)
        hit = self._glyphs.get(key)
        if hit is None:
            hit = self._glyphs[key] = self.font(lang, bold).get_rect(ref, size=max(1, int(px))).height
        return hit

    def floor_px(self, text: str, lang: str, bold: bool = True, emphasis: float = 1.0) -> int:
        """The smallest font size whose characters reach the screen's minimum (1 if none)."""
        need = self.min_glyph * emphasis
        if need <= 0 or not has_letters(text):
            return 1
        ref = "国" if is_cjk(text) else "H"
        face = fonts.face_for(lang, bold, self.font_override)
        key = (face, ref, round(need, 3))
        hit = self._floors.get(key)
        if hit is None:
            lo, hi = 1, max(2, int(need * 3) + 4)
            while lo < hi:
                mid = (lo + hi) // 2
                if self.glyph_px(ref, lang, mid, bold) >= need - 1e-6:
                    hi = mid
                else:
                    lo = mid + 1
            hit = self._floors[key] = lo
        return hit

    def note(self, text: str, lang: str, what: str) -> None:
        """Say what had to be done to a text to keep it at the minimum size."""
        event = (self.widget, lang, text, what)
        if event not in self._noted and len(self._noted) < 2000:
            self._noted.add(event)
            self.events.append(event)

    def forget_events(self) -> None:
        self.events, self._noted = [], set()

    def _record(self, text: str, lang: str, rect: pygame.Rect, px: int, bold: bool,
                emphasis: float = 1.0) -> None:
        if self.record is None or not text.strip():
            return
        ox, oy = self.origin
        entry = {"widget": self.widget, "lang": lang, "text": text,
                 "rect": [rect.x + ox, rect.y + oy, rect.width, rect.height],
                 "glyph_px": self.glyph_px(text, lang, px, bold)}
        if emphasis != 1.0:
            entry["emphasis"] = emphasis  # held to a larger minimum (the called number)
        self.record.append(entry)

    def font(self, lang: str, bold: bool = True) -> pygame.freetype.Font:
        return fonts.load(fonts.face_for(lang, bold, self.font_override))

    # --- single lines ----------------------------------------------------------------

    def render(self, text: str, lang: str, px: int, color: Color, bold: bool = True,
               bg: Color | None = None) -> tuple[pygame.Surface, pygame.Rect]:
        """A line of text and its ink rect relative to the pen origin (x right, y up)."""
        px = max(1, int(px), self.floor_px(text, lang, bold))
        key = (text, lang, px, color, bold, bg)
        hit = self._surfaces.get(key)
        if hit is not None:
            self._surfaces.move_to_end(key)
            self._record(text, lang, pygame.Rect(0, 0, hit[1].width, hit[1].height), px, bold)
            return hit
        font = self.font(lang, bold)
        if not text.strip():
            surf, rect = pygame.Surface((1, 1), pygame.SRCALPHA), pygame.Rect(0, 0, 1, 1)
        else:
            surf, rect = font.render(text, color, bg, size=px)
        if bg is not None:
            # freetype hands back per-pixel alpha even on a background; an opaque copy
            # blits about a hundred times faster (the ticker blits it every frame)
            opaque = pygame.Surface(surf.get_size())
            opaque.blit(surf, (0, 0))
            surf = opaque
        elif pygame.display.get_init() and pygame.display.get_surface() is not None:
            surf = surf.convert_alpha()
        self.renders += 1
        size = surf.get_width() * surf.get_height() * 4
        self._surfaces[key] = (surf, rect)
        self._bytes += size
        while self._bytes > self.budget and len(self._surfaces) > 1:
            _, (old, _) = self._surfaces.popitem(last=False)
            self._bytes -= old.get_width() * old.get_height() * 4
        self._record(text, lang, pygame.Rect(0, 0, rect.width, rect.height), px, bold)
        return surf, rect

    def measure(self, text: str, lang: str, px: int, bold: bool = True) -> pygame.Rect:
        """Ink rect of a line at ``px`` (x from the pen, y up from the baseline)."""
        if not text.strip():
            return pygame.Rect(0, 0, 0, 0)
        key = (text, lang, int(px), bold)
        hit = self._measures.get(key)
        if hit is None:
            if len(self._measures) > 50000:
                self._measures.clear()
            hit = self._measures[key] = self.font(lang, bold).get_rect(text, size=max(1, int(px)))
        return hit.copy()

    def fit(self, text: str, lang: str, w: int, h: int, max_px: int, min_px: int = 6, bold: bool = True,
            emphasis: float = 1.0) -> int:
        """The largest size <= max_px at which the line fits a w x h box (at least min_px,
        and never below the screen's minimum: then the line may not fit)."""
        floor = self.floor_px(text, lang, bold, emphasis)
        min_px = max(min_px, floor)
        max_px = max(int(max_px), floor)
        key = (text, lang, w, h, int(max_px), min_px, bold)
        hit = self._fits.get(key)
        if hit is not None:
            return hit
        lo, hi = min_px, max(min_px, int(max_px))
        if not self._fits_box(text, lang, w, h, hi, bold):
            while lo < hi:  # binary search: the largest size that fits
                mid = (lo + hi + 1) // 2
                if self._fits_box(text, lang, w, h, mid, bold):
                    lo = mid
                else:
                    hi = mid - 1
            hi = lo
        if len(self._fits) > 20000:
            self._fits.clear()
        self._fits[key] = hi
        return hi

    def _fits_box(self, text: str, lang: str, w: int, h: int, px: int, bold: bool) -> bool:
        r = self.measure(text, lang, px, bold)
        top, bottom = ink_extent(px, r)
        return r.width <= w and bottom - top <= h

    def draw(self, target: pygame.Surface, text: str, lang: str, box: pygame.Rect, color: Color,
             max_px: int, *, align: Align = "center", bold: bool = True, min_px: int = 6,
             bg: Color | None = None, px: int | None = None, baseline: int | None = None,
             short: str | None = None, emphasis: float = 1.0) -> pygame.Rect:
        """Draw one line fitted into ``box``; returns the rect its ink covers.

        Never below the screen's minimum (:attr:`min_glyph`, times ``emphasis`` for
        the called number): a line too wide for the box at that size is wrapped at
        word boundaries if the box holds more lines, else ``short`` is drawn if it
        fits, else the line is cut with an ellipsis.

        Glyphs are drawn straight onto ``target`` (freetype's own glyph cache makes
        that far cheaper than blending a rendered line); use :meth:`render` for a
        line that is blitted again and again (the ticker).
        """
        strong = self.emphasized.get(self.widget)
        if strong is not None and strong[0].fullmatch(text.strip()):
            emphasis = max(emphasis, strong[1])
        floor = self.floor_px(text, lang, bold, emphasis)
        if px is None:
            px = self.fit(text, lang, box.width, box.height, max_px, min_px, bold, emphasis)
        px = max(1, int(px), floor)
        if not text.strip():
            return pygame.Rect(box.x, box.y, 0, 0)
        ink = self.measure(text, lang, px, bold)
        if ink.width > box.width and floor > 1 and has_letters(text):
            return self._too_wide(target, text, lang, box, color, px, align, bold, bg, baseline, short, emphasis)
        if floor > 1 and px <= floor and ink.height > box.height and has_letters(text):
            self.note(text, lang, "taller than its box")  # the rule wins over the layout
        return self._line(target, text, lang, box, color, px, align, bold, bg, baseline, ink, emphasis)

    def _line(self, target: pygame.Surface, text: str, lang: str, box: pygame.Rect, color: Color, px: int,
              align: Align, bold: bool, bg: Color | None, baseline: int | None,
              ink: pygame.Rect | None = None, emphasis: float = 1.0) -> pygame.Rect:
        ink = ink if ink is not None else self.measure(text, lang, px, bold)
        x, top = self.place(ink, box, px, align, baseline)
        self.draws += 1
        drawn = self.font(lang, bold).render_to(target, (x, top), text, color, bg, size=px)
        self._record(text, lang, drawn, px, bold, emphasis)
        return drawn

    def _too_wide(self, target: pygame.Surface, text: str, lang: str, box: pygame.Rect, color: Color, px: int,
                  align: Align, bold: bool, bg: Color | None, baseline: int | None, short: str | None,
                  emphasis: float) -> pygame.Rect:
        """A line that does not fit at the minimum size: wrap, shorten or cut; never smaller."""
        lines = self.wrap(text, lang, px, box.width, bold)
        if 1 < len(lines) and lines_height(len(lines), px) <= box.height and \
                all(self.measure(line, lang, px, bold).width <= box.width for line in lines):
            self.note(text, lang, f"wrapped to {len(lines)} lines")
            self.draw_lines(target, lines, lang, box, color, px, align=align, bold=bold, valign="center")
            return box.copy()
        if short and short != text:
            spx = max(px, self.floor_px(short, lang, bold, emphasis))
            if self.measure(short, lang, spx, bold).width <= box.width:
                self.note(text, lang, "shortened")
                return self._line(target, short, lang, box, color, spx, align, bold, bg, baseline,
                                  emphasis=emphasis)
        self.note(text, lang, "cut")
        cut = self.ellipsize(text, lang, px, box.width, bold)
        cpx = max(px, self.floor_px(cut, lang, bold, emphasis))  # "3号窗口" cut to "3…" is held to "H"
        if cpx != px:
            cut = self.ellipsize(text, lang, cpx, box.width, bold)
        return self._line(target, cut, lang, box, color, cpx, align, bold, bg, baseline, emphasis=emphasis)

    def ellipsize(self, text: str, lang: str, px: int, width: int, bold: bool = True) -> str:
        """The longest beginning of ``text`` that fits ``width`` with "…" after it."""
        if self.measure(text, lang, px, bold).width <= width:
            return text
        lo, hi = 0, len(text)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.measure(text[:mid].rstrip() + ELLIPSIS, lang, px, bold).width <= width:
                lo = mid
            else:
                hi = mid - 1
        return text[:lo].rstrip() + ELLIPSIS if lo else ELLIPSIS

    def place(self, ink: pygame.Rect, box: pygame.Rect, px: int, align: Align = "center",
              baseline: int | None = None) -> tuple[int, int]:
        """Top-left of a line's ink placed in ``box`` on its baseline, kept inside the box."""
        if align == "left":
            x = box.left
        elif align == "right":
            x = box.right - ink.width
        else:
            x = box.centerx - ink.width // 2
        if baseline is None:
            baseline = int(box.centery + BASELINE * px)
        top = baseline - ink.y
        # keep the ink inside the box even for odd glyphs (a tall accent, a deep descender)
        if top + ink.height > box.bottom:
            top = box.bottom - ink.height
        if top < box.top:
            top = box.top
        x = max(box.left, min(x, box.right - ink.width))
        return x, top

    # --- paragraphs ----------------------------------------------------------------------

    def wrap(self, text: str, lang: str, px: int, width: int, bold: bool = True) -> list[str]:
        """Break text into lines no wider than ``width`` (Chinese at any character, others at
        spaces). A Latin word is never broken: one wider than the line stays whole on a line
        of its own (drawing it then cuts it with an ellipsis)."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for token in tokens(paragraph):
                candidate = line + token
                if line and self.measure(candidate.rstrip(), lang, px, bold).width > width:
                    lines.append(line.rstrip())
                    line = token.lstrip()
                else:
                    line = candidate
            lines.append(line.rstrip())
        return lines

    def fit_wrapped(self, text: str, lang: str, w: int, h: int, max_px: int, min_px: int = 6,
                    max_lines: int | None = None, bold: bool = True,
                    spacing: float = LINE_SPACING) -> tuple[int, list[str]]:
        """The largest size whose wrapped lines fit w x h, and those lines (never below the
        screen's minimum: there, lines beyond ``max_lines`` are left out and the last cut)."""
        floor = self.floor_px(text, lang, bold)
        min_px = max(min_px, floor)
        max_px = max(int(max_px), floor)
        key = (text, lang, w, h, int(max_px), min_px, max_lines, bold, spacing)
        hit = self._wraps.get(key)
        if hit is not None:
            return hit[0], list(hit[1])

        def ok(px: int) -> list[str] | None:
            lines = self.wrap(text, lang, px, w, bold)
            if max_lines is not None and len(lines) > max_lines:
                return None
            if lines_height(len(lines), px, spacing) > h:
                return None
            if any(self.measure(line, lang, px, bold).width > w for line in lines):
                return None  # a word wider than the box: smaller, rather than cut in two
            return lines

        lo, hi = min_px, max(min_px, int(max_px))
        best = ok(hi)
        if best is None:
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if ok(mid) is not None:
                    lo = mid
                else:
                    hi = mid - 1
            best = ok(lo)
            if best is None:
                best = self.wrap(text, lang, lo, w, bold)
                if max_lines is not None and len(best) > max_lines:
                    self.note(text, lang, "cut")
                    best = best[:max_lines]
                    best[-1] = self.ellipsize(best[-1] + ELLIPSIS, lang, lo, w, bold)
        if len(self._wraps) > 5000:
            self._wraps.clear()
        self._wraps[key] = (hi, tuple(best))
        return hi, best

    def draw_lines(self, target: pygame.Surface, lines: Iterable[str], lang: str, box: pygame.Rect,
                   color: Color, px: int, *, align: Align = "left", bold: bool = True,
                   spacing: float = LINE_SPACING, valign: Literal["top", "center"] = "top") -> int:
        """Draw wrapped lines from the top of ``box``; returns the y below the last line."""
        lines = list(lines)
        px = max(int(px), self.floor_px("".join(lines), lang, bold))
        step = int(px * spacing)
        total = lines_height(len(lines), px, spacing)
        y = box.top if valign == "top" else box.top + max(0, (box.height - total) // 2)
        for i, line in enumerate(lines):
            row = pygame.Rect(box.left, y, box.width, min(step, box.bottom - y))
            if row.height <= 0:
                if self.min_glyph > 0:  # under the rule nothing is dropped unsaid
                    self.note(" ".join(lines), lang, "cut")
                break
            self.draw(target, line, lang, row, color, px, align=align, bold=bold, px=px,
                      baseline=int(y + px * 0.5 + BASELINE * px))
            y += step
        return y

    def clear(self) -> None:
        self._surfaces.clear()
        self._bytes = 0
        self._fits.clear()
        self._wraps.clear()
        self._measures.clear()
        self._floors.clear()

    @property
    def cached_bytes(self) -> int:
        return self._bytes


def ink_extent(px: int, ink: pygame.Rect) -> tuple[float, float]:
    """Top and bottom of a line's ink relative to its row centre (y down)."""
    baseline = BASELINE * px
    return baseline - ink.y, baseline - ink.y + ink.height


def lines_height(n: int, px: int, spacing: float = LINE_SPACING) -> int:
    """Height of ``n`` lines of ``px`` text: full steps between, one line's ink for the last."""
    if n <= 0:
        return 0
    return int((n - 1) * px * spacing + px * 1.1)


_CJK_CHAR = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3400-\u4dbf]")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
_NO_LINE_START = set("，。、；：！？）」』】》〉,.;:!?)]}%）·…—")


def tokens(text: str) -> list[str]:
    """Pieces a line may break between: each CJK character, each Latin word with its space."""
    out: list[str] = []
    word = ""
    for ch in text:
        if _CJK.match(ch):
            if word:
                out.append(word)
                word = ""
            if ch in _NO_LINE_START and out:
                out[-1] += ch  # 避头: closing punctuation stays with what it closes
            else:
                out.append(ch)
        elif ch == " ":
            word += ch
            out.append(word)
            word = ""
        else:
            if not word and ch in _NO_LINE_START and out:
                out[-1] += ch
            else:
                word += ch
    if word:
        out.append(word)
    return out
