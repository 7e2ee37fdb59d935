"""Themes: colours and text scale, from data files, never from code."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from .model import HallConfig, Screen, Theme


@cache
def builtin_themes() -> dict[str, Theme]:
    text = resources.files(__package__).joinpath("themes.yaml").read_text("utf-8")
    return {name: Theme.model_validate(t) for name, t in yaml.safe_load(text).items()}


def theme_for(config: HallConfig, screen: Screen) -> Theme:
    """The theme a screen uses (the hall's own themes win over built-in ones)."""
    return config.themes.get(screen.theme) or builtin_themes().get(screen.theme) or builtin_themes()["default"]


def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""

    def luminance(color: str) -> float:
        channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
