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
    severity: str = "error"  # or "warning": reported, does not reject the file; "info": said, nothing to fix

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        tag = f"{self.severity}: " if self.severity in ("warning", "info") else ""
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
    """``'; did you mean "x"?'`` for a close match, else ``""``.

    Case does not count ("1f" -> "1F"). A number is matched only to the one
    number a single slip away (a digit left out, added, changed or swapped:
    12 -> 2, 102, 21 ...): window 12 of windows 1 to 11 suggests nothing rather
    than a guess.
    """
    names = list(dict.fromkeys(str(c) for c in choices))
    got = str(word)
    if got in names:
        return ""
    same = [n for n in names if n.casefold() == got.casefold()]
    if same:
        return f'; did you mean "{same[0]}"?'
    if isinstance(word, int) and not isinstance(word, bool):
        near = [n for n in names if n.isdigit() and _one_slip(got, n)]
        return f"; did you mean {near[0]}?" if len(near) == 1 else ""
    match = difflib.get_close_matches(got, names, n=1, cutoff=0.6)
    return f'; did you mean "{match[0]}"?' if match else ""


def _one_slip(a: str, b: str) -> bool:
    """Whether b is a with one character left out, added, changed, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                   and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def expected(choices: Iterable[Any], got: Any = None, limit: int = 16) -> str:
    """``(expected one of: a, b; did you mean "b"?)``; long lists are cut short."""
    names = [str(c) for c in choices]
    hint = did_you_mean(got, names) if got is not None else ""
    shown = ", ".join(names[:limit]) + (", …" if len(names) > limit else "")
    if not names:
        return ""
    what = f"expected {shown}" if len(names) == 1 else f"expected one of: {shown}"
    return f" ({what}{hint})"
