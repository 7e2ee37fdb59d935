"""The hub's tokens file: who may connect, in which role, for which hall and window.

Tokens are kept out of the hall file on purpose: every screen receives the hall
file, so a secret written there would be on every wall. The file is YAML::

    tokens:
      - name: zhongshan-window-3        # for logs and for the engine's actor
        token: "q0yB9dX2...(16+ chars)"   # the secret; make one with `signage token`
        role: window                      # screen | announcer | window | kiosk | guide | manager
        hall: zhongshan                   # a hall id, a list of them, or "*" (any hall)
        windows: [3]                      # windows only: the window number(s) it may be
      - name: lobby-kiosk
        token: "..."
        role: kiosk
        hall: zhongshan
      - name: zhongshan-walls
        token: "..."
        role: screen
        hall: zhongshan
        screens: [main, strip-6]          # screens only, optional: these screen ids only

A file may say ``demo: true`` at the top: the hub then warns loudly and refuses
to listen beyond loopback with it (see ``docs/hub.md``).

The format is read here, in the shared core, so that ``signage validate`` can
check a tokens file; the hub (``server/hub/hub.py``) is the one that uses it.

What a caller may rely on:

* :func:`load_tokens` returns a :class:`Tokens` or raises :class:`TokensError`
  whose ``problems`` each read ``file:line: path: what is wrong``.
* Secrets are unique and at least :data:`MIN_TOKEN_CHARS` long; names are unique.
* :meth:`Tokens.match` compares the given secret with *every* entry using
  :func:`hmac.compare_digest`, so its time does not depend on which entry (if
  any) matched or how much of a secret was right.
"""

from __future__ import annotations

import difflib
import hmac
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..protocol import ROLES
from .loader import parse_yaml

MIN_TOKEN_CHARS = 16
ENTRY_KEYS = ("name", "token", "role", "hall", "windows", "screens")


class TokensError(Exception):
    """A tokens file that cannot be used; ``problems`` point at the lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class TokenEntry:
    name: str
    secret: str = field(repr=False)
    role: str
    halls: frozenset[str] | None          # None: any hall the hub serves
    windows: frozenset[int] = frozenset()  # for role window
    screens: frozenset[str] | None = None  # for role screen; None: any screen

    def covers_hall(self, hall: str) -> bool:
        return self.halls is None or hall in self.halls


@dataclass(frozen=True)
class Tokens:
    entries: tuple[TokenEntry, ...]
    demo: bool = False
    source: str = ""

    def match(self, secret: str) -> TokenEntry | None:
        """The entry whose secret is ``secret``, compared in constant time against every entry."""
        given = secret.encode("utf-8", "surrogatepass")
        found = None
        for entry in self.entries:
            # No early exit: the loop costs the same whichever entry matches.
            if hmac.compare_digest(entry.secret.encode("utf-8"), given):
                found = entry
        return found

    def by_name(self, name: str) -> TokenEntry | None:
        return next((e for e in self.entries if e.name == name), None)


def load_tokens(path: str | Path) -> Tokens:
    """Read and check a tokens file. Raises :class:`TokensError` with pointed problems."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TokensError([f"{name}: cannot read the tokens file: {getattr(exc, 'strerror', None) or exc}"]) from None
    return parse_tokens(text, name)


def parse_tokens(text: str, filename: str = "<tokens>") -> Tokens:
    """Check the text of a tokens file. Raises :class:`TokensError` with pointed problems."""
    data, lines, syntax = parse_yaml(text, filename)
    if syntax:
        raise TokensError([str(p) for p in syntax])
    found: list[tuple[int, str]] = []

    def bad(path: tuple[Any, ...], message: str) -> None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        line = lines.line_of(path)
        found.append((line, f"{filename}:{line}: {where + ': ' if where else ''}{message}"))

    if not isinstance(data, dict) or not isinstance(data.get("tokens"), list):
        raise TokensError([f"{filename}:1: a tokens file is a mapping with a list under \"tokens\" "
                           "(see docs/hub.md)"])
    for key in data:
        if key not in ("tokens", "demo"):
            bad((key,), f'unknown key "{key}" (expected tokens, demo){_did_you_mean(key, ("tokens", "demo"))}')
    demo = data.get("demo", False)
    if not isinstance(demo, bool):
        bad(("demo",), "expected true or false")
        demo = False
    entries: list[TokenEntry] = []
    seen_names: dict[str, int] = {}
    seen_secrets: dict[str, int] = {}
    for i, raw in enumerate(data["tokens"]):
        entry = _entry(raw, ("tokens", i), bad)
        if entry is None:
            continue
        if entry.name in seen_names:
            bad(("tokens", i, "name"), f'the name "{entry.name}" is also used by tokens[{seen_names[entry.name]}]')
        if entry.secret in seen_secrets:
            bad(("tokens", i, "token"), f"the same token as tokens[{seen_secrets[entry.secret]}]: every token must be different")
        seen_names.setdefault(entry.name, i)
        seen_secrets.setdefault(entry.secret, i)
        entries.append(entry)
    if found:
        raise TokensError([text for _, text in sorted(found, key=lambda f: f[0])])  # in file order
    return Tokens(tuple(entries), demo=demo, source=filename)


def _entry(raw: Any, path: tuple[Any, ...], bad: Any) -> TokenEntry | None:
    if not isinstance(raw, dict):
        bad(path, "expected a mapping with name, token, role, hall")
        return None
    ok = True
    for key in raw:
        if key not in ENTRY_KEYS:
            bad((*path, key), f'unknown key "{key}" (expected one of: {", ".join(ENTRY_KEYS)})'
                              f"{_did_you_mean(key, ENTRY_KEYS)}")
            ok = False
    for key in ("name", "token", "role", "hall"):
        if key not in raw:
            bad(path, f'"{key}" is missing')
            ok = False
    name, secret, role, hall = raw.get("name"), raw.get("token"), raw.get("role"), raw.get("hall")
    if "name" in raw and (not isinstance(name, str) or not name.strip()):
        bad((*path, "name"), "expected a name (text)")
        ok = False
    if "token" in raw:
        if not isinstance(secret, str):
            bad((*path, "token"), "expected text in quotes")
            ok = False
        elif len(secret) < MIN_TOKEN_CHARS:
            bad((*path, "token"), f"too short ({len(secret)} characters; at least {MIN_TOKEN_CHARS}): "
                                  "make one with `signage token`")
            ok = False
    if "role" in raw and role not in ROLES:
        bad((*path, "role"), f'unknown role "{role}" (expected one of: {", ".join(ROLES)}){_did_you_mean(role, ROLES)}')
        ok = False
    halls: frozenset[str] | None = None
    if "hall" in raw:
        if hall == "*":
            halls = None
        elif isinstance(hall, str) and hall:
            halls = frozenset({hall})
        elif isinstance(hall, list) and hall and all(isinstance(h, str) and h for h in hall):
            halls = frozenset(hall)
        else:
            bad((*path, "hall"), 'expected a hall id, a list of hall ids, or "*"')
            ok = False
    windows: frozenset[int] = frozenset()
    if role == "window":
        got = raw.get("windows")
        if not isinstance(got, list) or not got or not all(
                isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 999 for n in got):
            bad((*path, "windows"), "a window token needs windows: [numbers] (the windows it may act as)")
            ok = False
        else:
            windows = frozenset(got)
    elif "windows" in raw:
        bad((*path, "windows"), f"only a window token has windows (this one is a {role})")
        ok = False
    screens: frozenset[str] | None = None
    if "screens" in raw:
        got = raw["screens"]
        if role != "screen":
            bad((*path, "screens"), f"only a screen token has screens (this one is a {role})")
            ok = False
        elif not isinstance(got, list) or not got or not all(isinstance(s, str) and s for s in got):
            bad((*path, "screens"), "expected a list of screen ids")
            ok = False
        else:
            screens = frozenset(got)
    if not ok:
        return None
    return TokenEntry(name=name.strip(), secret=secret, role=role, halls=halls, windows=windows, screens=screens)


def _did_you_mean(word: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""
