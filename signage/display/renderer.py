"""One screen's picture: its regions' widgets on a canvas, overlays on top.

:meth:`Renderer.frame` is called once per frame with the view of the hall and
the time. Each widget redraws its region only when its inputs changed; the
frame returns the rectangles that changed, so the display updates only those.
When the hall's state changes (a call, a window, the waiting counts), the widgets
that show it are drawn ahead, off the canvas, a few per frame (``render_budget``),
while the canvas keeps the old state; once all are drawn their pictures go up
together in one frame. Every frame thus shows one state of the hall, and no frame
pays for all the re-renders of a call: the new state is up a few frames after it
arrived (at most :data:`HOLD_SECONDS`; then whatever is left is drawn at once).
Overlays (an urgent notice, the offline badge) are drawn after the widgets and
again wherever a widget under them changed. When an overlay appears, changes
or goes, the whole canvas is redrawn from the widgets' cached pictures (cheap:
blits, no text rendering).

The canvas is the screen's layout size (:attr:`Screen.canvas_size`, portrait
already turned); the display app turns it for a panel mounted on its side.
"""

from __future__ import annotations

import io
import re
import logging
from pathlib import Path
from typing import Any, Hashable

import pygame

from ..config.assets import AssetError, font_file
from ..config.legibility import BANNER_FACTOR, min_glyph_px
from ..config.model import HallConfig, Screen
from ..config.themes import theme_for
from ..view import HallView
from . import sizing
from .quickfit import QuickFitText
from .text import TextRenderer
from .widgets import WIDGETS, Ctx, Palette, Widget
from .widgets.notice import NoticeOverlay
from .widgets.status_badge import GRACE_SECONDS, StatusBadge

log = logging.getLogger(__name__)

TICKET_NUMBER = re.compile(r"[A-Z]{1,2}[0-9]{2,5}")  # the called number on the banner: its own minimum
HOLD_SECONDS = 0.1  # a new state of the hall is on the canvas at most this long after it arrived
# A frame draws ahead another widget only if that keeps it within this (by the widget's last
# render), and shows the new state itself only if it spent less: the rest waits a frame.
AHEAD_SECONDS = 0.006


class Renderer:
    def __init__(self, config: HallConfig, screen_id: str, *, size: tuple[int, int] | None = None,
                 lang: str | None = None, base_dir: Path | None = None,
                 text: TextRenderer | None = None, render_budget: int | None = None,
                 enforce_rule: bool = True) -> None:
        """``size`` overrides the screen's canvas size; ``lang`` fixes the language (previews).

        ``render_budget``: at most this many widgets re-render in one frame (the call
        banner first); the others follow in the next frames. None: all at once. A change
        of the hall's state (a call, a window, the waiting counts) is drawn ahead over
        frames and shown in one: every widget shows the same state of the hall at every
        frame.
        """
        self.render_budget = render_budget
        self.enforce_rule = enforce_rule
        self.screen_id = screen_id
        self.size_override = size
        self.fixed_lang = lang
        self.base_dir = base_dir
        self.text = text
        self.config: HallConfig | None = None
        self.screen: Screen | None = None
        self.widgets: list[Widget] = []
        self.canvas = pygame.Surface((1, 1))
        self._overlay_key: Hashable = None
        self._overlay_surfaces: list[tuple[pygame.Surface, pygame.Rect]] = []
        self._offline_since: float | None = None
        self._hall_drawn: Hashable = None  # the hall's state the widgets last caught up with
        self._held_since: float | None = None  # when the widgets began drawing a new state ahead
        self._held: list[Widget] = []  # the widgets drawn ahead, waiting to be shown together
        self.hold_frames = 0  # frames the last new state waited off the canvas (tests, the bench)
        self.frames = 0
        self.set_config(config)

    # --- layout ------------------------------------------------------------------------------

    def set_config(self, config: HallConfig) -> None:
        """Lay the screen out again (a new hall file); keeps the old layout if the screen is gone."""
        screen = config.screen(self.screen_id)
        if screen is None:
            if self.screen is None:
                raise KeyError(f'no screen "{self.screen_id}" in hall {config.hall.id} '
                               f'(screens: {", ".join(s.id for s in config.screens) or "none"})')
            log.error("screen %s is no longer in the hall file; keeping the last layout", self.screen_id)
            return
        if self.size_override:
            screen = _resized(screen, self.size_override)
        self.config, self.screen = config, screen
        theme = theme_for(config, screen)
        self.palette = Palette.of(theme)
        font = self._font(theme.font)
        if self.text is None or self.text.font_override != font:
            self.text = QuickFitText(font)
        # never smaller than the legibility rule (docs/screens.md#legibility)
        self.text.min_glyph = min_glyph_px(screen) if self.enforce_rule else 0.0
        self.text.emphasized = {"call_banner": (TICKET_NUMBER, BANNER_FACTOR)}
        size = screen.canvas_size
        if self.canvas.get_size() != size:
            self.canvas = pygame.Surface(size)
        self.canvas.fill(self.palette.background)
        self.widgets = []
        for region in screen.regions:
            box = pygame.Rect(sizing.region_box(region.rect, size))
            cls = WIDGETS.get(region.widget)
            if cls is None:
                log.warning("unknown widget %s", region.widget)
                continue
            self.widgets.append(cls(region, box, screen, config))
        # the newest call is what matters most: it re-renders first when frames are rationed
        self.widgets.sort(key=lambda w: w.name != "call_banner")
        self.notice = NoticeOverlay(size)
        self.badge = StatusBadge(size)
        self._overlay_key = None
        self._held_since, self._held = None, []

    def _font(self, name: str | None) -> str | None:
        """A theme's font file, checked now (inside the hall's folder, a regular file, bounded); None: the bundled one."""
        if not name:
            return None
        try:
            return font_file(self.base_dir, name)
        except AssetError as exc:
            log.warning("font %s: %s; using the bundled CJK font", name, exc)
            return None

    @property
    def holding(self) -> bool:
        """A new state of the hall is being drawn ahead: the canvas shows the one before."""
        return self._held_since is not None

    @property
    def size(self) -> tuple[int, int]:
        return self.canvas.get_size()

    def languages(self) -> tuple[str, ...]:
        assert self.screen is not None and self.config is not None
        return tuple(self.screen.languages or self.config.hall.languages or ["zh-Hans"])

    def lang_at(self, now: float) -> str:
        """The language shown at ``now``: every screen of a hall turns at the same moment."""
        if self.fixed_lang:
            return self.fixed_lang
        langs = self.languages()
        assert self.screen is not None
        return langs[int(now // self.screen.rotate_seconds) % len(langs)]

    # --- a frame ----------------------------------------------------------------------------

    def frame(self, view: HallView, now: float, t: float, connected: bool = True,
              force: bool = False) -> list[pygame.Rect]:
        """Bring the canvas up to date; the rectangles that changed."""
        if view.config is not None and view.config is not self.config:
            self.set_config(view.config)
            force = True
        assert self.config is not None and self.screen is not None and self.text is not None
        self.frames += 1
        langs = self.languages()
        if self.fixed_lang:
            langs = (self.fixed_lang,) + tuple(x for x in langs if x != self.fixed_lang)
        ctx = Ctx(view=view, config=self.config, screen=self.screen, palette=self.palette,
                  lang=self.lang_at(now), langs=langs, now=now, t=t, text=self.text,
                  base_dir=self.base_dir, connected=connected)
        # overlays: what they are decides whether everything must be redrawn
        if connected:
            self._offline_since = None
        elif self._offline_since is None:
            self._offline_since = t
        offline = self._offline_since is not None and t - self._offline_since >= GRACE_SECONDS
        notice = view.notice_for(self.screen.id)
        key = (self.notice.key(ctx, notice) if notice else None, self.badge.key(ctx) if offline else None)
        if key != self._overlay_key:
            self._overlay_surfaces = []
            if notice:
                self._drawing("notice", self.notice.rect(notice))
                self._overlay_surfaces.append((self._safe(lambda: self.notice.render(ctx, notice)),
                                               self.notice.rect(notice)))
            if offline:
                self._drawing("status_badge", self.badge.rect(ctx))
                self._overlay_surfaces.append((self._safe(lambda: self.badge.render(ctx)), self.badge.rect(ctx)))
            self.text.widget, self.text.origin = "", (0, 0)
            if self._overlay_key is not None or any(self._overlay_surfaces):
                force = True
            self._overlay_key = key
        if force:
            self.canvas.fill(self.palette.background)
        covers = [r for s, r in self._overlay_surfaces if s is not None]
        dirty: list[pygame.Rect] = []
        budget = self.render_budget
        hall = (view.seq, view.rev["calls"], view.rev["windows"], view.rev["waiting"])
        if hall != self._hall_drawn:
            # One state per frame: when the hall changed, every widget that shows it is drawn
            # ahead (the banner first: its call is the first of the recent list and on the
            # tiles) and all are shown together once done. Another change meanwhile is drawn
            # ahead in turn: the state shown is always one the hall was in.
            self._hall_drawn = hall
            if self._held_since is None:
                self._held_since, self.hold_frames = t, 0
        holding = self._held_since is not None
        if holding and (force or budget is None or t - self._held_since >= HOLD_SECONDS):
            budget = None  # all at once: a full redraw, no budget, or waited long enough
        behind, ahead = False, 0.0
        for widget in self.widgets:
            self._drawing(widget.name, widget.rect)
            try:
                widget.tick(ctx)
            except Exception:
                log.exception("%s: tick failed", widget.name)
            if any(c.contains(widget.rect) for c in covers):
                continue  # hidden under a notice: no need to draw it
            renders = widget.renders
            if holding and not force and widget.draws_ahead:
                may = budget is None or (budget > 0 and (
                    ahead == 0.0 or ahead + widget.render_seconds <= AHEAD_SECONDS))
                if widget.prepare(ctx, may_render=may):
                    behind = True
                if widget.renders != renders:
                    self._held.append(widget)
                    ahead += widget.render_seconds
                dirty.extend(widget.draw(self.canvas, ctx, False, may_render=False))  # the old picture
            else:
                dirty.extend(widget.draw(self.canvas, ctx, force, may_render=budget is None or budget > 0))
            if budget is not None and widget.renders != renders:
                budget -= 1
        if holding:
            self.hold_frames += 1
            # every widget has the new state: up together, in this frame (or in the next, when
            # this one spent its share drawing ahead: the blits of a swap are not free at 4K)
            if not behind and (budget is None or ahead < AHEAD_SECONDS):
                for widget in dict.fromkeys(self._held):
                    if not widget.waiting:
                        continue  # shown already (a frame that could render)
                    if any(c.contains(widget.rect) for c in covers):
                        widget.show(None)  # under a notice: the next full redraw blits it
                    else:
                        dirty.extend(widget.show(self.canvas))
                self._held_since, self._held = None, []
        self.text.widget, self.text.origin = "", (0, 0)
        for surface, rect in self._overlay_surfaces:
            if surface is not None and (force or rect.collidelist(dirty) >= 0):
                self.canvas.blit(surface, rect)
                dirty.append(rect.copy())
        if force:
            return [self.canvas.get_rect()]
        return _merge(dirty)

    def _drawing(self, name: str, rect: pygame.Rect) -> None:
        """Tell the text renderer who draws now, and where its surface sits (the text record)."""
        assert self.text is not None
        self.text.widget, self.text.origin = name, (rect.x, rect.y)

    def _safe(self, make: Any) -> pygame.Surface | None:
        try:
            return make()
        except Exception:
            log.exception("overlay failed to draw")
            return None

    def redraw(self) -> None:
        """Forget every widget's picture (e.g. after the display was re-created)."""
        for w in self.widgets:
            w.invalidate()
        self._overlay_key = None

    # --- for managers and tests -----------------------------------------------------------------

    def screenshot_png(self) -> bytes:
        """The picture now on the canvas, as PNG bytes (a manager's remote check)."""
        buf = io.BytesIO()
        pygame.image.save(self.canvas, buf, "screen.png")
        return buf.getvalue()

    def failed(self) -> list[str]:
        """Widgets whose last drawing raised (they show an empty panel meanwhile)."""
        return [w.name for w in self.widgets if w.failed]

    def widget_at(self, name: str) -> Widget | None:
        return next((w for w in self.widgets if w.name == name), None)

    # --- touch ---------------------------------------------------------------------------------

    def tap(self, pos: tuple[int, int], t: float) -> bool:
        """A tap at ``pos`` (canvas pixels): the widget under it answers if it takes taps
        (:meth:`Widget.tap`) and redraws at the next frame. Whether one did."""
        for widget in self.widgets:
            if widget.rect.collidepoint(pos):
                try:
                    return bool(widget.tap((pos[0] - widget.rect.x, pos[1] - widget.rect.y), t))
                except Exception:
                    log.exception("%s: tap failed", widget.name)
                    return False
        return False


def display_to_canvas(pos: tuple[int, int], display_size: tuple[int, int], canvas_size: tuple[int, int],
                      rotate: int = 90) -> tuple[int, int]:
    """A point of the display in canvas pixels: the inverse of how the display app shows
    the canvas (as is, or turned for a portrait layout on a landscape output)."""
    x, y = pos
    cw, ch = canvas_size
    if tuple(display_size) == (cw, ch):
        return x, y
    if rotate == 90:  # canvas (x, y) was shown at (ch - 1 - y, x)
        return y, ch - 1 - x
    return cw - 1 - y, x  # turned the other way: canvas (x, y) at (y, cw - 1 - x)


def _resized(screen: Screen, size: tuple[int, int]) -> Screen:
    """The screen drawn at another size (``--size``, the bench): same layout, same mount."""
    w, h = size
    if screen.orientation == "portrait" and w > h:
        w, h = h, w
    return screen.model_copy(update={"resolution": (w, h)})


def _merge(rects: list[pygame.Rect]) -> list[pygame.Rect]:
    """Fewer, larger rectangles: overlapping ones are joined."""
    out: list[pygame.Rect] = []
    for r in rects:
        for i, o in enumerate(out):
            if o.colliderect(r):
                out[i] = o.union(r)
                break
        else:
            out.append(r)
    return out
