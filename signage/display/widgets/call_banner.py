"""The newest call, huge: "A023" and "→ 3号窗口 / Window 3", always in Chinese and English.

A live call is highlighted (the panel turns the highlight colour) for
``highlight_seconds``, then settles. Calls that arrive together (three windows
calling in the same second) queue up and are each shown for a few seconds, in
the order they were made: none is lost. The banner never lags behind the
hall: a queued call is dropped when its window calls again, or when it has
waited more than ``MAX_LAG`` for its turn (it was spoken and is in the recent
calls). A recall is a new call and shows again. Calls from a snapshot or a
replay after a reconnect are shown settled, never flashed.
"""

from __future__ import annotations

import logging
from typing import Hashable

import pygame

from ...i18n import t as tr
from ...view import CallEntry
from ...wayfinding import Arrow, wayfinder_for
from .. import sizing
from .base import Ctx, Widget

log = logging.getLogger(__name__)

MIN_SHOW = 4.0    # seconds each queued call stays up before the next
BUSY_SHOW = 2.5   # ... when many are waiting their turn
MAX_LAG = 20.0    # seconds a call may wait for its turn; later it is only in the recent calls


class CallBanner(Widget):
    name = "call_banner"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.shown: CallEntry | None = None
        self.shown_since = 0.0
        self.shown_fresh = False
        self.queue: list[CallEntry] = []
        self.queued_at: dict[int, float] = {}  # seq -> ctx.t it joined the queue (``fresh_at`` is the
        self.last_seq = -1                     # machine's clock, ``ctx.now`` may be the hub's)

    @property
    def highlight_seconds(self) -> float:
        return self.options.highlight_seconds if self.options else 10.0

    def tick(self, ctx: Ctx) -> None:
        calls = ctx.view.recent_calls
        if calls and self.last_seq < 0:
            # first sight of the hall: what is already there is history, shown settled
            self.last_seq = max(c.seq for c in calls if c.fresh_at is None) if any(
                c.fresh_at is None for c in calls) else -1
        fresh = sorted((c for c in calls if c.fresh_at is not None and c.seq > self.last_seq),
                       key=lambda c: c.seq)
        if fresh:
            # A window that called again has moved on: its older call, not yet shown, is stale.
            for c in fresh:
                self.queue = [q for q in self.queue if q.window != c.window] + [c]
                self.queued_at[c.seq] = ctx.t
            self.last_seq = fresh[-1].seq
        if calls:
            self.last_seq = max(self.last_seq, max(c.seq for c in calls))
        if len(self.queue) > 1:
            # Never fall behind the hall: a call that waited too long for its turn was spoken
            # and is in the recent calls; the banner moves on (the newest call always stays).
            self.queue = [c for c in self.queue[:-1] if ctx.t - self.queued_at.get(c.seq, ctx.t) <= MAX_LAG] + \
                self.queue[-1:]
        if len(self.queued_at) > len(self.queue):
            self.queued_at = {c.seq: self.queued_at[c.seq] for c in self.queue if c.seq in self.queued_at}
        show_for = min(self.highlight_seconds, BUSY_SHOW if len(self.queue) > 3 else MIN_SHOW)
        lit = self.highlighted(ctx)
        if self.queue and (not lit or ctx.t - self.shown_since >= show_for):
            self.shown, self.shown_since, self.shown_fresh = self.queue.pop(0), ctx.t, True
        elif not self.queue and not lit:
            # settled: show the newest call we know (a replay may have brought a newer one)
            newest = calls[0] if calls else None
            if newest is None or self.shown is None or newest.seq != self.shown.seq:
                self.shown, self.shown_fresh = newest, False

    def highlighted(self, ctx: Ctx) -> bool:
        return self.shown_fresh and ctx.t - self.shown_since < self.highlight_seconds

    def key(self, ctx: Ctx) -> Hashable:
        c = self.shown
        call = (c.seq, c.number, c.window, c.recall) if c else None
        return call, self.highlighted(ctx), ctx.zh, ctx.palette

    def arrow(self, ctx: Ctx, call: CallEntry) -> Arrow | None:
        """The way to the window for a reader of this screen (``←``, ``↗``, ``2F ↑``...), or None:
        ``show_arrow: false``, a screen whose position or facing is not known, no way to it."""
        if self.options is not None and not self.options.show_arrow:
            return None
        return arrow_for(ctx, call.window)

    def destination(self, ctx: Ctx, call: CallEntry, arrow: Arrow | None = None) -> tuple[str, str]:
        """("3号窗口", "Window 3"), with the floor when the window is on another floor
        (in the Chinese line the arrow says it: "2F ↑ 7号窗口")."""
        window = ctx.config.window(call.window)
        if arrow is not None and arrow.floor is not None:
            zh = tr("window_n", ctx.zh, window=call.window)
            en = tr("window_n_floor", "en", window=call.window, floor=arrow.floor)
        elif window is not None and window.floor != ctx.screen.floor:
            zh = tr("window_n_floor", ctx.zh, window=call.window, floor=window.floor)
            en = tr("window_n_floor", "en", window=call.window, floor=window.floor)
        else:
            zh = tr("window_n", ctx.zh, window=call.window)
            en = tr("window_n", "en", window=call.window)
        return zh, en

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
        if call is None:
            lines = (tr("please_wait", ctx.zh), tr("please_wait", "en"))
            half = area.height // 2
            for i, line in enumerate(lines):
                r = pygame.Rect(area.x, area.y + i * half, area.width, half).inflate(-area.width // 10, -half // 4)
                text.draw(surface, line, ctx.zh if i == 0 else "en", r, p.muted, int(half * 0.5))
            return surface
        way = self.arrow(ctx, call)
        zh, en = self.destination(ctx, call, way)
        arrow = f"{way.symbol} " if way is not None and way.symbol else ""
        text.draw(surface, call.number, "en", box(L.number), fg, L.number_px * 2, min_px=8)
        if L.side:
            px = min(text.fit(arrow + zh, ctx.zh, L.dest[0][2], L.dest[0][3], L.dest_px * 2),
                     text.fit(en, "en", L.dest[1][2], L.dest[1][3], L.dest_px * 2))
            text.draw(surface, arrow + zh, ctx.zh, box(L.dest[0]), fg, px, align="left", px=px)
            text.draw(surface, en, "en", box(L.dest[1]), fg, px, align="left", px=px)
        else:
            header = "  ".join((tr("calling_again" if call.recall else "now_calling", ctx.zh),
                                tr("calling_again" if call.recall else "now_calling", "en")))
            if L.header is not None:
                text.draw(surface, header, ctx.zh, box(L.header), soft, L.header_px, bold=False)
            if len(L.dest) == 2:  # a tall banner: Chinese and English on lines of their own
                px = min(text.fit(arrow + zh, ctx.zh, L.dest[0][2], L.dest[0][3], L.dest_px * 2),
                         text.fit(en, "en", L.dest[1][2], L.dest[1][3], L.dest_px * 2))
                text.draw(surface, arrow + zh, ctx.zh, box(L.dest[0]), fg, px, px=px)
                text.draw(surface, en, "en", box(L.dest[1]), fg, px, px=px)
            else:
                text.draw(surface, f"{arrow}{zh} / {en}", ctx.zh, box(L.dest[0]), fg, L.dest_px * 2)
        return surface


def arrow_for(ctx: Ctx, window_number: int) -> Arrow | None:
    """The arrow a reader of ``ctx.screen`` needs for ``window_number`` (see
    docs/wayfinding.md), or None when it cannot be right: the screen's facing is not
    written, the screen or window has no place on the plan, or there is no way.
    Calls to the love window take the step-free way. Never raises."""
    screen = ctx.screen
    if getattr(screen, "position", None) is None:
        return None
    try:
        window = ctx.config.window(window_number)
        finder = wayfinder_for(ctx.config)
        arrow = finder.arrow(screen.id, window_number, step_free=window is not None and window.kind == "love")
        if arrow is None and window is not None and window.kind == "love":
            arrow = finder.arrow(screen.id, window_number)
    except Exception:
        log.exception("no arrow for window %s on screen %s", window_number, screen.id)
        return None
    if arrow is None or (getattr(screen, "facing", 0) is None and arrow.floor is None):
        return None  # which way is left depends on which way the screen faces
    return arrow
