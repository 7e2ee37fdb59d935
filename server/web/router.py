"""A small router for the HTTP requests the hub answers from websockets' request hook.

A table of (method, path pattern) -> handler, and the one place that answers what
the table does not: 404 for a path no route has, 405 (with ``Allow``) for a path
some route has under another method, 500 for a handler that raised (logged).
``HEAD`` is answered by the ``GET`` route of the path, with the body left off and
its ``Content-Length`` kept (websockets would send the body).

A pattern is a path with ``{name}`` placeholders; a placeholder matches one
path segment (no ``/``), non-empty, and may be followed by a literal suffix in
the same segment (``/qr/{key}.svg``); ``{name:path}`` matches one or more
segments, slashes included (a handler that must answer 401 before it says
anything about a name). Placeholders are handed to the handler by name in
:attr:`HttpRequest.params`; the handler checks their form itself. Two
routes of one method whose patterns overlap (one pattern matches the other's
text) are refused when added, so at most one route answers a path.

What websockets' hook cannot do, whatever the router does (docs/architecture.md,
"The HTTP side"): read a request body (a request with one is closed unanswered),
keep a connection alive (each response ends its connection), stream a response.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

log = logging.getLogger(__name__)

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")  # HEAD follows GET; OPTIONS is not routed
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(:path)?\}")


@dataclass
class HttpRequest:
    """What a handler gets: the connection (to build the response), the request, and the path read."""

    connection: ServerConnection
    request: Request
    method: str
    path: str                                   # without the query
    query: dict[str, list[str]]
    params: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str) -> str:
        """The first value of query argument ``name`` ("" when absent)."""
        return (self.query.get(name) or [""])[0]


Handler = Callable[[HttpRequest], Response]
Answer = Callable[[ServerConnection, int, str, dict[str, str]], Response]  # (connection, status, text, headers)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    handler: Handler
    regex: re.Pattern[str]


def compile_pattern(pattern: str) -> re.Pattern[str]:
    if not pattern.startswith("/"):
        raise ValueError(f"a route's pattern starts with /: {pattern!r}")
    out, pos, names = [], 0, set()
    for m in _PLACEHOLDER.finditer(pattern):
        out.append(re.escape(pattern[pos:m.start()]))
        if m.group(1) in names:
            raise ValueError(f"{pattern!r} names {{{m.group(1)}}} twice")
        names.add(m.group(1))
        chars = "." if m.group(2) else "[^/]"
        lazy = "?" if pattern[m.end():m.end() + 1] not in ("", "/") else ""  # a suffix follows in the segment
        out.append(f"(?P<{m.group(1)}>{chars}+{lazy})")
        pos = m.end()
    out.append(re.escape(pattern[pos:]))
    return re.compile("".join(out))


class Router:
    """``router.get("/t/{key}", handler)``; ``router(connection, request)`` answers any request."""

    def __init__(self, answer: Answer, not_found: Handler | None = None) -> None:
        self.routes: list[Route] = []
        self._answer = answer
        self._not_found = not_found

    # ------------------------------------------------------------------ the table
    def add(self, method: str, pattern: str, handler: Handler) -> None:
        method = method.upper()
        if method not in METHODS:
            raise ValueError(f"{method}: a route's method is one of {', '.join(METHODS)} (HEAD follows GET)")
        for route in self.routes:
            if route.method == method and (route.pattern == pattern or route.regex.fullmatch(pattern)
                                           or compile_pattern(pattern).fullmatch(route.pattern)):
                raise ValueError(f"{method} {pattern} overlaps {route.method} {route.pattern}")
        self.routes.append(Route(method, pattern, handler, compile_pattern(pattern)))

    def get(self, pattern: str, handler: Handler) -> None:
        self.add("GET", pattern, handler)

    def post(self, pattern: str, handler: Handler) -> None:
        self.add("POST", pattern, handler)

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
        """(the route, its params, []) or (None, {}, the methods the path has: 405 if any, else 404)."""
        method = "GET" if method == "HEAD" else method
        allowed: list[str] = []
        for route in self.routes:
            m = route.regex.fullmatch(path)
            if m is None:
                continue
            if route.method == method:
                return route, m.groupdict(), []
            allowed.append(route.method)
        return None, {}, allowed

    # ------------------------------------------------------------------ answering
    def __call__(self, connection: ServerConnection, request: Request) -> Response:
        """The answer to a plain HTTP request; never raises."""
        method = (getattr(request, "method", None) or "GET").upper()
        url = urlsplit(request.path)
        req = HttpRequest(connection, request, method, url.path, parse_qs(url.query))
        try:
            route, req.params, allowed = self.match(method, url.path)
            if route is None:
                if allowed:
                    methods = sorted({*allowed, *(("HEAD",) if "GET" in allowed else ())})
                    response = self._answer(connection, 405, f"{method} is not allowed here (allowed: "
                                                             f"{', '.join(methods)})\n", {"Allow": ", ".join(methods)})
                elif self._not_found is not None:
                    response = self._not_found(req)
                else:
                    response = self._answer(connection, 404, "not found\n", {})
            else:
                response = route.handler(req)
        except Exception:  # a page must never take the hub down
            log.exception("HTTP %s %s failed", method, request.path[:200])
            response = self._answer(connection, 500, "the hub failed on this request (logged)\n", {})
        if method == "HEAD":
            response.body = b""  # Content-Length stays: what GET would send
        return response
