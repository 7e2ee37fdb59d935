"""A problem in a file a person wrote, said so that they can fix it.

``file:line: path: what (expected …; did you mean …?)``: every check of the hall
file, the tokens file and the traffic profiles reports in these words.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Iterable


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    path: str
    message: str
    severity: str = "error"  # or "warning": reported, does not reject the file

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        tag = "warning: " if self.severity == "warning" else ""
        return f"{where}: {self.path + ': ' if self.path else ''}{tag}{self.message}"


def format_path(path: Iterable[Any]) -> str:
    """``("screens", 0, "regions", 2)`` -> ``screens[0].regions[2]``."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def did_you_mean(word: Any, choices: Iterable[Any]) -> str:
    """``'; did you mean "x"?'`` for a close match, else ``""``."""
    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f'; did you mean "{match[0]}"?' if match else ""


def expected(choices: Iterable[Any], got: Any = None, limit: int = 16) -> str:
    """``(expected one of: a, b; did you mean "b"?)``; long lists are cut short."""
    names = [str(c) for c in choices]
    hint = did_you_mean(got, names) if got is not None else ""
    shown = ", ".join(names[:limit]) + (", …" if len(names) > limit else "")
    if not names:
        return ""
    what = f"expected {shown}" if len(names) == 1 else f"expected one of: {shown}"
    return f" ({what}{hint})"
