"""What every widget is: (options from the YAML, view of the hall) -> pixels in its region.

A widget says which of its inputs matter (:meth:`Widget.key`) and how to draw
its whole region from them (:meth:`Widget.render`). :meth:`Widget.draw`, called
every frame, re-renders only when the key changed and otherwise does nothing:
the canvas keeps the last picture. Animated widgets (the ticker) override
:meth:`draw`; stateful ones (the call banner's queue) use :meth:`tick`.
"""

from __future__ import annotations

import logging
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
        self._key: Hashable = object()
        self._surface: pygame.Surface | None = None
        self.renders = 0  # for tests and the bench
        self._blanks: dict[tuple, pygame.Surface] = {}
        self._buffers: list[pygame.Surface] = []  # what blank() draws on: at most two
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
        (the renderer spreads costly re-renders over frames); see :attr:`stale`.
        """
        try:
            key = self.key(ctx)
        except Exception:
            log.exception("%s: key failed", self.name)
            key = ("error",)
        self.stale = key != self._key
        if self._surface is None or (self.stale and may_render):
            self._surface = self._safe_render(ctx)
            self._key = key
            self.stale = False
            force = True
        if force:
            canvas.blit(self._surface, self.rect)
            return [self.rect.copy()]
        return []

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
        # drawn on one of two buffers of the region's size, never the one now shown (a failed
        # or put-off render keeps the old picture): a blit into memory already there is about
        # three times cheaper than a fresh copy at 4K (no new pages to fault in)
        buffers = [b for b in self._buffers if b.get_size() == self.rect.size]
        spare = next((b for b in buffers if b is not self._surface), None)
        if spare is None or len(buffers) != len(self._buffers):
            spare = template.copy()
            self._buffers = [b for b in buffers if b is self._surface] + [spare]
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
