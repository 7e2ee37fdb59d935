"""What the boards that show their rows a page at a time share (the waiting board, the window
board): how long a page stays and which one is up, the rows split into pages, the room kept for
"1/3" and its drawing, and the pages already drawn, kept so that turning back to one is a blit."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Hashable, Sequence

import pygame

from .base import Ctx, Widget


class Paged(Widget):
    """A widget whose plan (anything with ``pages``) may split its rows into pages."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # pages drawn, kept so that turning back to a page whose rows did not change is a blit
        self._pages: OrderedDict[Hashable, Any] = OrderedDict()

    @property
    def page_seconds(self) -> float:
        """How long a page stays: the option, else the screen's language turn times its
        languages (each page is then seen once in every language)."""
        v = getattr(self.options, "page_seconds", None)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
            return float(v)
        langs = self.screen.languages or (self.config.hall.languages if self.config.hall else None) or ["zh-Hans"]
        return float(self.screen.rotate_seconds) * max(1, len(dict.fromkeys(langs)))

    def page(self, ctx: Ctx, plan: Any) -> int:
        return int(ctx.now // self.page_seconds) % len(plan.pages) if len(plan.pages) > 1 else 0

    def kept_page(self, key: Hashable) -> Any:
        """A page drawn before for the same ``key`` (None if there is none)."""
        hit = self._pages.get(key)
        if hit is not None:
            self._pages.move_to_end(key)
        return hit

    def keep_page(self, ctx: Ctx, plan: Any, key: Hashable, drawn: Any) -> None:
        """Keep a page drawn: the newest, up to twice the plan's pages in every language."""
        self._pages[key] = drawn
        while len(self._pages) > 2 * len(plan.pages) * max(1, len(ctx.langs)):
            self._pages.popitem(last=False)


def balanced(items: Sequence[Any], pages: int) -> tuple[tuple[Any, ...], ...]:
    """``items`` in ``pages`` runs of nearly equal length, in order (11 in 3: 4, 4, 3)."""
    n = len(items)
    out, start = [], 0
    for i in range(pages):
        size = n // pages + (1 if i < n % pages else 0)
        out.append(tuple(items[start:start + size]))
        start += size
    return tuple(out)


def number_room(ctx: Ctx, area: pygame.Rect, pages: int) -> int:
    """Room for "1/3" on a board of ``area``: a strip down its right if it is wide, else along its foot."""
    widest = "8" * len(str(pages))
    widest = f"{widest}/{widest}"
    r = ctx.text.measure(widest, "en", max(ctx.text.floor_px(widest, "en"), int(area.height * 0.06)), False)
    return max(8, int(r.width * 1.3) if area.width > area.height * 1.5 else int(r.height * 1.5))


def rows_area(area: pygame.Rect, room: int) -> pygame.Rect:
    """Where the rows go when ``room`` is kept for the page number (:func:`number_room`)."""
    if not room:
        return area
    if area.width > area.height * 1.5:
        return pygame.Rect(area.x, area.y, max(1, area.width - room), area.height)
    return pygame.Rect(area.x, area.y, area.width, max(1, area.height - room))


def draw_page_number(ctx: Ctx, surface: pygame.Surface, box: pygame.Rect, k: int, pages: int,
                     board_height: int, side: bool) -> None:
    """"2/3" in ``box``: beside the rows (``side``) at a size of its own, else its box's height."""
    ctx.text.draw(surface, f"{k + 1}/{pages}", "en", box, ctx.palette.muted,
                  max(box.height // 2, int(board_height * 0.06)) if side else box.height,
                  align="right", bold=False)
