"""A text renderer whose :meth:`fit` of a new text starts from the size the last one got.

:meth:`TextRenderer.fit` finds the largest size at which a line fits its box by a
binary search between the smallest size and the largest asked; each step measures
the line at another size, and a measure of a new text at a new size loads its
glyphs at that size (at the call banner's sizes, a millisecond each at 4K). A new
call brings new texts (its number on the banner, on its window's tile, in the
recent calls) to boxes that had others of as many characters just before: the
size they got is a close guess, and two or three measures near it find the same
size as the search (the largest that fits, never below the screen's minimum). A
guess more than a few steps off falls back to the search.
"""

from __future__ import annotations

from .text import TextRenderer

STEPS = 3  # measures near the guess before falling back to the binary search


class QuickFitText(TextRenderer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._guesses: dict[tuple, int] = {}
        self.guessed = 0  # fits found near a guess (for tests and the bench)

    def fit(self, text: str, lang: str, w: int, h: int, max_px: int, min_px: int = 6, bold: bool = True,
            emphasis: float = 1.0) -> int:
        floor = self.floor_px(text, lang, bold, emphasis)
        lo, hi = max(min_px, floor), max(int(max_px), floor)
        key = (text, lang, w, h, hi, lo, bold)  # as TextRenderer.fit keeps its answers
        hit = self._fits.get(key)
        if hit is not None:
            return hit
        shape = (len(text), lang, w, h, hi, lo, bold)
        guess = self._guesses.get(shape)
        px = None
        if guess is not None and lo <= guess < hi and not self._fits_box(text, lang, w, h, hi, bold):
            px = self._near(text, lang, w, h, lo, hi, bold, guess)
        if px is None:
            px = super().fit(text, lang, w, h, max_px, min_px, bold, emphasis)
        else:
            self.guessed += 1
            if len(self._fits) > 20000:
                self._fits.clear()
            self._fits[key] = px
        if len(self._guesses) > 4096:
            self._guesses.clear()
        self._guesses[shape] = px
        return px

    def _near(self, text: str, lang: str, w: int, h: int, lo: int, hi: int, bold: bool, guess: int) -> int | None:
        """The largest size in [lo, hi) that fits (hi does not), searched from ``guess``; None
        if it is further than :data:`STEPS` away."""
        if self._fits_box(text, lang, w, h, guess, bold):
            px = guess
            while px + 1 < hi and self._fits_box(text, lang, w, h, px + 1, bold):
                px += 1
                if px - guess >= STEPS:
                    return None
            return px
        px = guess - 1
        while px > lo and not self._fits_box(text, lang, w, h, px, bold):
            px -= 1
            if guess - px > STEPS:
                return None
        return max(px, lo)
