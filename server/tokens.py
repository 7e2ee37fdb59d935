"""The hub's tokens file: who may connect, in which role, for which hall and window.

The format (its YAML, its checks, :class:`Tokens` and :meth:`Tokens.match`) is
defined in the shared core, :mod:`signage.config.tokens`, where ``signage
validate`` reads it too; the hub imports it from there or from here. See that
module for what a caller may rely on, and ``docs/hub.md`` for the file.
"""

from __future__ import annotations

from signage.config.tokens import (
    ENTRY_KEYS, MIN_TOKEN_CHARS, TokenEntry, Tokens, TokensError, load_tokens, parse_tokens,
)

__all__ = ["ENTRY_KEYS", "MIN_TOKEN_CHARS", "TokenEntry", "Tokens", "TokensError", "load_tokens", "parse_tokens"]
