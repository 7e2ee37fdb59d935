"""The hall configuration: its format (model), loading and validation."""

from .loader import LoadResult, Problem, load_hall, load_hall_text
from .model import FORMAT_VERSION, HallConfig
from .themes import builtin_themes, theme_for

__all__ = [
    "FORMAT_VERSION", "HallConfig", "LoadResult", "Problem",
    "builtin_themes", "load_hall", "load_hall_text", "theme_for",
]
