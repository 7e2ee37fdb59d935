"""The newest call, huge: "A023" and "→ 3号窗口 / Window 3", in every language of the screen.

The banner always shows the newest call of the view (of its ``floors``' windows,
when the option is given): the same call that heads the recent calls, whose
ticket the window tiles show and whose route the map draws. Every widget of a
screen shows one state of the hall at every frame. During a burst (three
windows calling in the same second) the banner moves straight to the newest
call and the older ones are in the recent calls at once; the voice keeps its
own queue and speaks each in turn (``audio/``). A live call is highlighted (the
panel turns the highlight colour) for ``highlight_seconds``, then settles; each
new call starts the highlight again. A recall is a new call and shows again.
Calls from a snapshot or a replay after a reconnect are shown settled, never
flashed.

The destination is written in each language of the screen, in the hall's
order, and says the floor in each when the window is on another floor than the
screen ("2F ↑ 7号窗口" / "Window 7, 2F").
"""

from __future__ import annotations

import logging
from typing import Any, Hashable, Iterable

import pygame

from ...i18n import is_chinese, t as tr
from ...view import CallEntry
from ...wayfinding import Arrow, wayfinder_for
from .. import sizing
from .base import Ctx, Widget

log = logging.getLogger(__name__)


class CallBanner(Widget):
    name = "call_banner"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.shown: CallEntry | None = None
        self.shown_since = 0.0    # ctx.t it came up (``fresh_at`` is the machine's clock, ``ctx.now``
        self.shown_fresh = False  # may be the hub's)

    @property
    def highlight_seconds(self) -> float:
        return self.options.highlight_seconds if self.options else 10.0

    def tick(self, ctx: Ctx) -> None:
        calls = on_floors(ctx, ctx.view.recent_calls, floors_of(self))
        newest = calls[0] if calls else None
        if newest is None:
            self.shown, self.shown_fresh = None, False
        elif self.shown is None or newest.seq != self.shown.seq or newest.number != self.shown.number:
            # a new call (or a recall, which comes with its own seq): up at once, lit if it is live
            self.shown, self.shown_since, self.shown_fresh = newest, ctx.t, newest.fresh_at is not None
        else:
            self.shown = newest

    def highlighted(self, ctx: Ctx) -> bool:
        return self.shown_fresh and ctx.t - self.shown_since < self.highlight_seconds

    def key(self, ctx: Ctx) -> Hashable:
        c = self.shown
        call = (c.seq, c.number, c.window, c.recall) if c else None
        return call, self.highlighted(ctx), banner_langs(ctx, self.options), ctx.palette

    def arrow(self, ctx: Ctx, call: CallEntry) -> Arrow | None:
        """The way to the window for a reader of this screen (``←``, ``↗``, ``2F ↑``...), or None:
        ``show_arrow: false``, a screen whose position or facing is not known, no way to it."""
        if self.options is not None and not self.options.show_arrow:
            return None
        return arrow_for(ctx, call.window)

    def destination(self, ctx: Ctx, call: CallEntry, arrow: Arrow | None = None) -> list[tuple[str, str]]:
        """[(lang, "2F ↑ 7号窗口"), (lang, "Window 7, 2F")...]: one line per language of the
        banner (:func:`banner_langs`); the arrow leads the first line, and every line says the
        floor when the window is on another floor (the arrow's "2F ↑" says it in its line)."""
        return [(lang, line) for lang, line in destination_lines(ctx, call.window, banner_langs(ctx, self.options),
                                                                 arrow)]

    def render(self, ctx: Ctx) -> pygame.Surface:
        p = ctx.palette
        lit = self.highlighted(ctx)
        surface = self.blank(ctx, p.highlight if lit else p.panel)
        fg = p.background if lit else p.text
        soft = p.background if lit else p.muted
        area = self.inner(0.0)
        L = sizing.banner_layout(area.width, area.height, ctx.config.hall.ticket_digits)

        def box(b: sizing.Box) -> pygame.Rect:
            return pygame.Rect(area.x + b[0], area.y + b[1], b[2], b[3])

        call = self.shown
        text = ctx.text
        langs = banner_langs(ctx, self.options)
        if call is None:  # "Please wait for your number" in each language, all at one size
            lines = list(dict.fromkeys((tr("please_wait", lang), lang) for lang in langs))
            row = area.height // max(1, len(lines))
            rows = [pygame.Rect(area.x, area.y + i * row, area.width, row).inflate(-area.width // 10, -row // 4)
                    for i in range(len(lines))]
            px = min(text.fit(line, lang, r.width, r.height, int(row * 0.5)) for (line, lang), r in zip(lines, rows))
            for (line, lang), r in zip(lines, rows):
                text.draw(surface, line, lang, r, p.muted, px, px=px)
            return surface
        way = self.arrow(ctx, call)
        dest = self.destination(ctx, call, way)
        text.draw(surface, call.number, "en", box(L.number), fg, L.number_px * 2, min_px=8)
        first = dest[0][0]
        if L.side or len(L.dest) == 2:  # tall or very wide: each language on a line of its own
            rows = split_rows([box(d) for d in L.dest], len(dest))
            px = min(text.fit(line, lang, r.width, r.height, L.dest_px * 2) for (lang, line), r in zip(dest, rows))
            for (lang, line), r in zip(dest, rows):
                text.draw(surface, line, lang, r, fg, px, align="left" if L.side else "center", px=px)
            if not L.side and L.header is not None:
                draw_run(ctx, surface, self.header(call, langs), box(L.header), soft, L.header_px, "  ", bold=False)
        else:
            if L.header is not None:
                draw_run(ctx, surface, self.header(call, langs), box(L.header), soft, L.header_px, "  ", bold=False)
            draw_run(ctx, surface, dest, box(L.dest[0]), fg, L.dest_px * 2)
        return surface

    @staticmethod
    def header(call: CallEntry, langs: Iterable[str]) -> list[tuple[str, str]]:
        """"正在叫号  正在叫號  Now calling" (a recall: "再次叫号 ... Calling again"), as parts."""
        key = "calling_again" if call.recall else "now_calling"
        parts: list[tuple[str, str]] = []
        for lang in langs:
            if all(tr(key, lang) != x for _, x in parts):
                parts.append((lang, tr(key, lang)))
        return parts


def draw_run(ctx: Ctx, surface: pygame.Surface, parts: list[tuple[str, str]], box: pygame.Rect, color: tuple,
             max_px: int, sep: str = " / ", bold: bool = True) -> None:
    """One line made of texts in several languages ("7号窗口 / 7號窗口 / Window 7"), centred in
    ``box``, each part in its own language's face (Simplified and Traditional Chinese are drawn
    differently) at one size."""
    parts = [(lang, x) for lang, x in parts if x]
    if not parts:
        return
    joined = sep.join(x for _, x in parts)
    if not {"zh-Hans", "zh-Hant"} <= {lang for lang, _ in parts}:  # one face does
        face = next((lang for lang, _ in parts if is_chinese(lang)), parts[0][0])
        ctx.text.draw(surface, joined, face, box, color, max_px, bold=bold)
        return
    text = ctx.text
    px = text.fit(joined, parts[0][0], box.width, box.height, max_px, bold=bold)
    pieces: list[tuple[str, str]] = []
    for i, (lang, x) in enumerate(parts):
        pieces.append((lang, x))
        if i < len(parts) - 1:
            pieces.append(("en", sep))
    widths = [max(1, text.measure(x, lang, px, bold).width) for lang, x in pieces]
    gap = max(1, px // 5)
    total = sum(widths) + gap * (len(pieces) - 1)
    x = box.x + max(0, (box.width - total) // 2)
    for (lang, piece), w in zip(pieces, widths):
        cell = pygame.Rect(x, box.y, min(w + gap // 2, box.right - x), box.height)
        if cell.width > 0 and piece.strip():
            text.draw(surface, piece, lang, cell, color, px, align="left", px=px, bold=bold)
        x += w + gap


def split_rows(boxes: list[pygame.Rect], n: int) -> list[pygame.Rect]:
    """``n`` rows over the area the boxes cover (the layout's lines, for n languages)."""
    if len(boxes) == n:
        return boxes
    area = boxes[0].unionall(boxes[1:]) if len(boxes) > 1 else boxes[0]
    h = area.height / max(1, n)
    return [pygame.Rect(area.x, area.y + round(i * h), area.width, round((i + 1) * h) - round(i * h)) for i in range(n)]


def window_line(ctx: Ctx, number: int, lang: str, arrow: Arrow | None = None, with_arrow: bool = False) -> str:
    """"7号窗口", "Window 7, 2F" when the window is on another floor than the screen,
    "2F ↑ 7号窗口" with the arrow (which says the floor itself)."""
    window = ctx.config.window(number)
    symbol = f"{arrow.symbol} " if with_arrow and arrow is not None and arrow.symbol else ""
    if symbol and arrow is not None and arrow.floor is not None:
        return symbol + tr("window_n", lang, window=number)
    floor = arrow.floor if arrow is not None and arrow.floor is not None else (
        window.floor if window is not None and window.floor != ctx.screen.floor else None)
    if floor is not None:
        return symbol + tr("window_n_floor", lang, window=number, floor=floor)
    return symbol + tr("window_n", lang, window=number)


def destination_lines(ctx: Ctx, number: int, langs: Iterable[str], arrow: Arrow | None = None) -> list[tuple[str, str]]:
    """The window in each language (the arrow on the first line); a line that reads the same
    in two languages is shown once."""
    lines: list[tuple[str, str]] = []
    for i, lang in enumerate(langs):
        line = window_line(ctx, number, lang, arrow, with_arrow=i == 0)
        if all(line != x for _, x in lines):
            lines.append((lang, line))
    return lines


def banner_langs(ctx: Ctx, options: Any) -> tuple[str, ...]:
    """The languages a banner shows together: its ``languages`` option (those of them the
    screen shows, in the option's order), ``turn``: the language of the screen's turn only;
    by default every language of the screen (:attr:`Ctx.all_langs`). Never a language the
    screen does not show (a preview's Chinese stands in for the screen's, as in all_langs)."""
    chosen = getattr(options, "languages", None)
    if chosen == "turn":
        return (ctx.lang,)
    shown = ctx.all_langs
    if not chosen:
        return shown
    out = [x if x in shown else ctx.lang for x in chosen
           if x in shown or (is_chinese(x) and is_chinese(ctx.lang) and ctx.lang in shown)]
    return tuple(dict.fromkeys(out)) or shown


def floors_of(widget: Widget) -> tuple[str, ...] | None:
    """A widget's ``floors`` option: the floors whose windows it shows (None: all)."""
    floors = getattr(widget.options, "floors", None)
    return tuple(floors) if floors else None


def on_floors(ctx: Ctx, calls: list[CallEntry], floors: tuple[str, ...] | None) -> list[CallEntry]:
    """The calls to windows on ``floors`` (all of them for None), newest first as given."""
    if not floors:
        return calls
    out = []
    for c in calls:
        window = ctx.config.window(c.window)
        if window is not None and window.floor in floors:
            out.append(c)
    return out


_ARROWS: list[Any] = [None, {}]  # [the configuration, {(screen, window): arrow}]


def arrow_for(ctx: Ctx, window_number: int) -> Arrow | None:
    """The arrow a reader of ``ctx.screen`` needs for ``window_number`` (see
    docs/wayfinding.md), or None when it cannot be right: the screen's facing is not
    written, the screen or window has no place on the plan, or there is no way.
    Calls to the love window take the step-free way. Never raises."""
    screen = ctx.screen
    if getattr(screen, "position", None) is None:
        return None
    if _ARROWS[0] is not ctx.config:  # the arrows of one configuration at a time
        _ARROWS[:] = [ctx.config, {}]
    arrows = _ARROWS[1]
    key = (screen.id, window_number)
    if key in arrows:  # (the recent calls ask for every row at every call)
        arrow = arrows[key]
    else:
        try:
            window = ctx.config.window(window_number)
            finder = wayfinder_for(ctx.config)
            arrow = finder.arrow(screen.id, window_number, step_free=window is not None and window.kind == "love")
            if arrow is None and window is not None and window.kind == "love":
                arrow = finder.arrow(screen.id, window_number)
        except Exception:
            log.exception("no arrow for window %s on screen %s", window_number, screen.id)
            return None
        if len(arrows) > 512:
            arrows.clear()
        arrows[key] = arrow
    if arrow is None or (getattr(screen, "facing", 0) is None and arrow.floor is None):
        return None  # which way is left depends on which way the screen faces
    return arrow
