"""What every widget is: (options from the YAML, view of the hall) -> pixels in its region.

A widget says which of its inputs matter (:meth:`Widget.key`) and how to draw
its whole region from them (:meth:`Widget.render`). :meth:`Widget.draw`, called
every frame, re-renders only when the key changed and otherwise does nothing:
the canvas keeps the last picture. Animated widgets (the ticker) override
:meth:`draw`; stateful ones (the call banner's queue) use :meth:`tick`.

A widget may also be drawn ahead (:meth:`prepare`): its new picture is rendered on a
spare buffer while the old one stays on the canvas, and :meth:`show` puts it up later.
The renderer does that when the hall's state changed, so that the costly re-renders of
a call are spread over a few frames and every widget's new picture goes up in one frame.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Hashable

import pygame

from ...config.model import HallConfig, Region, Screen, Theme
from ...config.widgets import WIDGET_OPTIONS
from ...i18n import is_chinese, pick, set_terms
from ...view import HallView
from .. import sizing
from ..text import TextRenderer

log = logging.getLogger(__name__)

Color = tuple[int, int, int]


def rgb(hex_color: str) -> Color:
    return int(hex_color[1:3], 16), int(hex_color[3:5], 16), int(hex_color[5:7], 16)


@dataclass(frozen=True)
class Palette:
    """A theme's colours as pygame wants them."""

    background: Color
    panel: Color
    text: Color
    muted: Color
    accent: Color
    highlight: Color
    warning: Color
    scale: float

    @classmethod
    def of(cls, theme: Theme) -> "Palette":
        return cls(rgb(theme.background), rgb(theme.panel), rgb(theme.text), rgb(theme.muted),
                   rgb(theme.accent), rgb(theme.highlight), rgb(theme.warning), theme.text_scale)


@dataclass
class Ctx:
    """Everything a widget may look at while drawing one frame."""

    view: HallView
    config: HallConfig
    screen: Screen
    palette: Palette
    lang: str              # the language shown now (rotates)
    langs: tuple[str, ...]  # the screen's languages
    now: float             # wall clock, Unix seconds: clocks, schedules, rotation
    t: float               # monotonic seconds: animation
    text: TextRenderer
    base_dir: Path | None = None
    connected: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The hall's terms (terms: in the hall file) replace the catalogues' words from this
        # frame on: every t() of every widget sees them, no widget passes them (signage/i18n.py).
        set_terms(getattr(self.config, "terms", None))

    @property
    def zh(self) -> str:
        """The Chinese of this screen: the one shown now (zh-Hant, zh-TW, yue...), else zh-Hans
        if it lists it, else the first Chinese it lists, else zh-Hans."""
        if is_chinese(self.lang):
            return self.lang
        if "zh-Hans" in self.langs:
            return "zh-Hans"
        return next((x for x in self.langs if is_chinese(x)), "zh-Hans")

    @property
    def all_langs(self) -> tuple[str, ...]:
        """Every language of the screen in the hall's order, for a widget that shows them all
        at once (the call banner, a strip). A preview fixed to a Chinese the screen does not
        list shows it in place of the listed Chinese (as :attr:`zh` does)."""
        order = list(self.screen.languages or self.config.hall.languages or self.langs)
        if self.lang not in order and is_chinese(self.lang):
            order = [self.lang if is_chinese(x) else x for x in order]
        order = list(dict.fromkeys(order))
        return tuple(order) or (self.lang,)

    def pick(self, text: Any, lang: str | None = None) -> str:
        return pick(text, lang or self.lang)


class Widget:
    name = ""
    # whether its new picture can be drawn ahead (:meth:`prepare`); None: when it draws
    # through :meth:`draw` as is (a widget with a draw of its own, the ticker, says so itself)
    ahead: bool | None = None

    def __init__(self, region: Region, rect: pygame.Rect, screen: Screen, config: HallConfig) -> None:
        self.region = region
        self.rect = pygame.Rect(rect)
        self.screen = screen
        self.config = config
        model = WIDGET_OPTIONS.get(self.name)
        try:
            self.options = model.model_validate(region.options) if model else None
        except Exception:  # validation reports it; the screen draws defaults meanwhile
            log.warning("%s: bad options %r; using defaults", self.name, region.options)
            self.options = _defaults(model)
        self._key: Hashable = object()  # the inputs of the newest picture (shown or waiting)
        self._surface: pygame.Surface | None = None  # the newest picture (what render() last drew)
        self._onscreen: pygame.Surface | None = None  # the picture on the canvas (may be older)
        self.shown_key: Hashable = None  # the inputs of the picture on the canvas
        self.renders = 0  # for tests and the bench
        self.render_seconds = 0.0  # how long the last render took (the bench)
        self._blanks: dict[tuple, pygame.Surface] = {}
        self._buffers: list[pygame.Surface] = []  # what blank() draws on: at most three
        self.stale = False  # its inputs changed but its picture is not redrawn yet
        self.failed = False

    # --- to override ----------------------------------------------------------------

    def key(self, ctx: Ctx) -> Hashable:
        """Everything the picture depends on; the same key means the same pixels."""
        return (ctx.lang, ctx.palette)

    def render(self, ctx: Ctx) -> pygame.Surface:
        raise NotImplementedError

    def tick(self, ctx: Ctx) -> None:
        """Advance any state of the widget's own (called every frame, drawn or not)."""

    def tap(self, pos: tuple[int, int], t: float) -> bool:
        """A tap at ``pos`` (pixels in the region) on a touch screen, at monotonic time ``t``;
        whether the widget took it. Most widgets do not (the directory does); one that
        does changes its :meth:`key` so that the next frame redraws it."""
        return False

    # --- the frame loop's side -------------------------------------------------------------

    def draw(self, canvas: pygame.Surface, ctx: Ctx, force: bool = False,
             may_render: bool = True) -> list[pygame.Rect]:
        """Blit the region if it changed (or ``force``); re-render first if its inputs changed.

        With ``may_render`` False a changed widget keeps its old picture one frame more
        (the renderer spreads costly re-renders over frames); see :attr:`stale`. A
        picture drawn ahead (:meth:`prepare`) stays off the canvas until :meth:`show`,
        or a frame that may render.
        """
        key = self._safe_key(ctx)
        self.stale = key != self._key
        if self._surface is None or (self.stale and may_render):
            self._render(ctx, key)
        if self._onscreen is not self._surface and (may_render or self._onscreen is None):
            return self.show(canvas)
        if force and self._onscreen is not None:
            canvas.blit(self._onscreen, self.rect)
            return [self.rect.copy()]
        return []

    def prepare(self, ctx: Ctx, may_render: bool = True) -> bool:
        """Draw the new picture ahead, off the canvas, if the inputs changed (and
        ``may_render``); whether it is still behind its inputs. A widget with no
        picture yet is never drawn ahead: :meth:`draw` renders and shows its first."""
        if self._surface is None:
            return False
        key = self._safe_key(ctx)
        self.stale = key != self._key
        if self.stale and may_render:
            self._render(ctx, key)
        return self.stale

    @property
    def draws_ahead(self) -> bool:
        return self.ahead if self.ahead is not None else type(self).draw is Widget.draw

    @property
    def waiting(self) -> bool:
        """A picture drawn ahead waits to be shown."""
        return self._onscreen is not self._surface

    def show(self, canvas: pygame.Surface | None) -> list[pygame.Rect]:
        """Put the newest picture on the canvas (None: take it as shown, e.g. hidden under a
        notice; the next forced frame blits it)."""
        if self._surface is None:
            return []
        self._onscreen, self.shown_key = self._surface, self._key
        if canvas is None:
            return []
        canvas.blit(self._onscreen, self.rect)
        return [self.rect.copy()]

    def _safe_key(self, ctx: Ctx) -> Hashable:
        try:
            return self.key(ctx)
        except Exception:
            log.exception("%s: key failed", self.name)
            return ("error",)

    def _render(self, ctx: Ctx, key: Hashable) -> None:
        start = time.perf_counter()
        self._surface = self._safe_render(ctx)
        self.render_seconds = time.perf_counter() - start
        self._key = key
        self.stale = False

    def _safe_render(self, ctx: Ctx) -> pygame.Surface:
        self.renders += 1
        try:
            surface = self.render(ctx)
            self.failed = False
            return surface
        except Exception:
            if not self.failed:  # log once, not sixty times a second
                log.exception("%s widget failed to draw", self.name)
            self.failed = True
            return self.blank(ctx)

    def invalidate(self) -> None:
        self._key = object()

    # --- helpers for subclasses ------------------------------------------------------------

    def blank(self, ctx: Ctx, color: Color | None = None) -> pygame.Surface:
        """A region-sized surface: the screen background with a panel (a copy of a cached one)."""
        color = color or ctx.palette.panel
        key = (self.rect.size, color, ctx.palette.background)
        template = self._blanks.get(key)
        if template is None:
            template = pygame.Surface(self.rect.size)
            template.fill(ctx.palette.background)
            d = sizing.gap(self.screen.canvas_size) // 2
            panel = pygame.Rect(0, 0, *self.rect.size).inflate(-2 * d, -2 * d)
            if panel.width > 0 and panel.height > 0:
                pygame.draw.rect(template, color, panel, border_radius=max(0, min(panel.size) // 24))
            if len(self._blanks) > 4:
                self._blanks.clear()
            self._blanks[key] = template
        # drawn on a buffer of the region's size kept for it, never the one now shown nor the
        # newest (a failed or put-off render keeps the old picture; a picture drawn ahead
        # waits on its own): a blit into memory already there is about three times cheaper
        # than a fresh copy at 4K (no new pages to fault in). Two buffers, a third only
        # while a picture drawn ahead is drawn again (the hall changed again meanwhile).
        keep = (self._surface, self._onscreen)
        buffers = [b for b in self._buffers if b.get_size() == self.rect.size]
        spare = next((b for b in buffers if not any(b is k for k in keep)), None)
        if spare is None or len(buffers) != len(self._buffers):
            spare = template.copy()
            self._buffers = [b for b in buffers if any(b is k for k in keep)] + [spare]
            return spare
        spare.blit(template, (0, 0))
        return spare

    def inner(self, pad_ratio: float = 0.04) -> pygame.Rect:
        """The drawing area inside the panel, relative to the region."""
        w, h = self.rect.size
        d = sizing.gap(self.screen.canvas_size) // 2 + max(1, round(min(w, h) * pad_ratio))
        return pygame.Rect(0, 0, w, h).inflate(-2 * d, -2 * d)


def mix(a: Color, b: Color, f: float) -> Color:
    """``a`` moved a fraction ``f`` towards ``b``."""
    return (round(a[0] + (b[0] - a[0]) * f), round(a[1] + (b[1] - a[1]) * f), round(a[2] + (b[2] - a[2]) * f))


def _defaults(model: Any) -> Any:
    if model is None:
        return None
    try:
        return model.model_validate({})
    except Exception:
        return None
