"""The browser pages the hub serves itself: staff console, kiosk, my ticket, rating pad, manager.

Plain files in ``server/web/static/`` (HTML, CSS, JavaScript modules; no build step, no
external resources: the halls have no internet) and a few HTTP routes, all on the
hub's own port: :func:`attach_web` makes the router (server/web/router.py) of
:data:`Web.routes` the hub's ``http_fallback`` and attaches the live side
(server/web/live.py) to the hub (docs/web.md):

=============================  ==========================================================
``/``                          a list of the pages
``/staff``, ``/kiosk``,        the pages; each signs in over the websocket with a token
``/rate``, ``/manage``,        of the hub's tokens file (remembered in the browser)
``/guide``, ``/edit``
``/t/<key>``                   "my ticket" for the ticket whose link key is ``key``
``/static/<file>``             the pages' scripts, styles and images
``/catalogue/<page>.json``     a page's words in one of its hall's languages, and the hall's
                              languages (``?hall=H`` or ``?ticket=<key>``, ``&lang=L``)
``/qr/<key>.svg``              the QR code of a ticket's link (printed on the ticket)
``/api/link``                  a ticket's link key (kiosk or manager token)
``/api/screenshot/<r>.png``    a screen's picture a manager asked for (manager token)
=============================  ==========================================================

What a caller may rely on: :meth:`Web.http` never raises and answers every path
(404 for unknown ones, 405 for a known path under another method; HEAD as GET
without the body); only the files present in ``server/web/static/`` when the hub
started are served, by exact name, so no path can reach another file; API routes
take the token as ``Authorization: Bearer <token>`` and check its role and hall
as the websocket does. A new page or API route is one more line in :meth:`Web.routes`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from server.web.live import LiveSide
from server.web.router import HttpRequest, Router
from signage import page_words

if TYPE_CHECKING:
    from server.hub.hub import Hub  # the hub core; it never imports the pages
    from signage.config.tokens import TokenEntry

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent / "static"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json; charset=utf-8",
    ".ico": "image/x-icon",
}
PAGES = {"/": "index.html", "/staff": "staff.html", "/kiosk": "kiosk.html", "/rate": "rate.html",
         "/manage": "manage.html", "/guide": "guide.html", "/edit": "edit.html"}
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*\.[a-z]{2,4}$")
KEY = re.compile(r"^[A-Za-z0-9_-]{22}$")
# Nothing from elsewhere: scripts, styles, pictures and the websocket all come from the hub.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; "
                               "script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a ticket's link key stays off other sites' logs
}


def answer(connection: ServerConnection, status: int, body: bytes | str, content_type: str,
           cache: str = "no-store", headers: dict[str, str] | None = None) -> Response:
    """An HTTP response with ``body`` (bytes or text) and our headers."""
    response = connection.respond(status, "")
    data = body.encode() if isinstance(body, str) else bytes(body)
    response.body = data
    for name, value in {"Content-Type": content_type, "Content-Length": str(len(data)), "Cache-Control": cache,
                        **SECURITY_HEADERS, **(headers or {})}.items():
        if name in response.headers:
            del response.headers[name]  # Headers keeps several values per name: replace, not add
        response.headers[name] = value
    return response


class Web:
    """The pages and API routes of one hub; :func:`attach_web` hooks them (and the live side) in."""

    def __init__(self, hub: "Hub", root: Path = WEB_DIR) -> None:
        self.hub = hub
        self.live = LiveSide(hub)
        # Every file that may be served, read once: a name that is not here is a 404, whatever it holds.
        self.files: dict[str, tuple[bytes, str]] = {}
        if root.is_dir():
            for path in sorted(root.iterdir()):
                ctype = CONTENT_TYPES.get(path.suffix)
                if path.is_file() and ctype and FILE_NAME.match(path.name):
                    self.files[path.name] = (path.read_bytes(), ctype)
        else:
            log.error("the web pages' folder %s is missing; the pages will answer 404", root)
        # (hall, page, language) -> (the hall's configuration it was made from, body, etag)
        self._catalogues: dict[tuple[str, str, str], tuple[Any, bytes, str]] = {}
        self.router = Router(lambda connection, status, text, headers: answer(
            connection, status, text, "text/plain; charset=utf-8", headers=headers), not_found=self._not_found)
        for method, pattern, handler in self.routes():
            self.router.add(method, pattern, handler)

    def routes(self) -> list[tuple[str, str, Any]]:
        """The table: (method, path pattern, handler). HEAD is answered by each GET route."""
        pages = [("GET", path, lambda req, name=name: self._file(req, name)) for path, name in PAGES.items()]
        return pages + [
            ("GET", "/static/{name}", lambda req: self._file(req, req.params["name"])),
            ("GET", "/catalogue/{page}.json", self._catalogue),
            ("GET", "/t/{key}", self._ticket_page),
            ("GET", "/qr/{key}.svg", self._qr),
            ("GET", "/api/link", self._link),
            ("GET", "/api/screenshot/{request:path}.png", self._picture),  # 401 before anything is said
        ]

    def attach(self) -> None:
        """Answer the hub's plain HTTP requests, and attach the live side (server/web/live.py)."""
        self.hub.http_fallback = self.http
        self.live.attach()

    @property
    def public_url(self) -> str | None:
        """The address phones use to reach the hub (the QR codes' links); None: the Host they used."""
        return self.hub.public_url

    # ------------------------------------------------------------------ dispatch
    def http(self, connection: ServerConnection, request: Request) -> Response:
        """The answer to a plain HTTP request (not a websocket upgrade); never raises."""
        return self.router(connection, request)

    # ------------------------------------------------------------------ answers
    def _text(self, connection: ServerConnection, status: int, text: str) -> Response:
        return answer(connection, status, text, "text/plain; charset=utf-8")

    def _json(self, connection: ServerConnection, status: int, body: dict[str, Any]) -> Response:
        return answer(connection, status, json.dumps(body, ensure_ascii=False) + "\n",
                      "application/json; charset=utf-8")

    def _not_found(self, req: HttpRequest) -> Response:
        page = self.files.get("404.html")
        if page is not None:
            return answer(req.connection, 404, page[0], page[1])
        return self._text(req.connection, 404, "not found\n")

    def _file(self, req: HttpRequest, name: str) -> Response:
        found = self.files.get(name)
        if found is None:
            return self._not_found(req)
        # no-cache: the browser asks again each time (small files, one LAN), so an upgraded hub is seen at once
        return answer(req.connection, 200, found[0], found[1], cache="no-cache")

    def _catalogue(self, req: HttpRequest) -> Response:
        """A page's words (signage/page_words.py), in the language the page asks for (``lang``, its
        remembered choice) when its hall has it, else in the hall's first; the hall is that of
        ``?ticket=<key>`` (the ticket page), else ``?hall=H``, else the hub's first (a page before
        sign-in with no hall in its address). Made once per hall configuration, page and language;
        ``no-cache`` with an ETag, so a page asks each time and gets 304 while nothing changed."""
        page = req.params["page"]
        if page not in page_words.PAGES:
            return self._json(req.connection, 404, {"error": "unknown_page",
                                                    "message": f"pages: {', '.join(page_words.PAGES)}"})
        hall = None
        key = req.arg("ticket")
        if key and KEY.match(key):
            found = self.live.find(key)
            hall = found[0] if found else None
        if hall is None:
            hall = self.hub.halls.get(req.arg("hall")) or next(iter(self.hub.halls.values()), None)
        config = hall.config if hall is not None else None
        languages = list(config.hall.languages) if config is not None else ["en"]
        want = req.arg("lang")
        lang = want if want in languages else languages[0]
        cache_key = (hall.id if hall is not None else "", page, lang)
        cached = self._catalogues.get(cache_key)
        if cached is None or cached[0] is not config:
            body = page_words.page_catalogue(page, lang, languages, config.terms if config is not None else {})
            body["hall"] = hall.id if hall is not None else None
            data = (json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
            cached = (config, data, '"' + hashlib.sha256(data).hexdigest()[:20] + '"')
            if len(self._catalogues) > 512:
                self._catalogues.clear()
            self._catalogues[cache_key] = cached
        _, data, etag = cached
        if req.request.headers.get("If-None-Match") == etag:
            return answer(req.connection, 304, b"", "application/json; charset=utf-8", cache="no-cache",
                          headers={"ETag": etag})
        return answer(req.connection, 200, data, "application/json; charset=utf-8", cache="no-cache",
                      headers={"ETag": etag})

    def _ticket_page(self, req: HttpRequest) -> Response:
        key = req.params["key"]
        if not KEY.match(key) or self.live.find(key) is None:
            return self._not_found(req)
        page = self.files.get("ticket.html")
        if page is None:
            return self._not_found(req)
        return answer(req.connection, 200, page[0], page[1], cache="no-store")

    def base_url(self, request: Request) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = request.headers.get("Host", "127.0.0.1")
        scheme = "https" if request.headers.get("X-Forwarded-Proto", "").lower() == "https" else "http"
        return f"{scheme}://{host}"

    def _qr(self, req: HttpRequest) -> Response:
        key = req.params["key"]
        if not KEY.match(key) or self.live.find(key) is None:
            return self._not_found(req)
        return answer(req.connection, 200, qr_svg(f"{self.base_url(req.request)}/t/{key}"), "image/svg+xml",
                      cache="private, max-age=86400")

    # ------------------------------------------------------------------ API (tokens)
    def authorize(self, request: Request, roles: tuple[str, ...], hall: str | None) -> "TokenEntry | str":
        """The token entry of ``Authorization: Bearer <token>``, or what is wrong with it."""
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return "send the token as Authorization: Bearer <token>"
        entry = self.hub.tokens.match(auth[len("Bearer "):].strip())
        if entry is None or entry.role not in roles or (hall is not None and not entry.covers_hall(hall)):
            return f"wrong token: this needs a {' or '.join(roles)} token" + (f" of hall {hall}" if hall else "")
        return entry

    def _link(self, req: HttpRequest) -> Response:
        connection = req.connection
        hall_id, ticket = req.arg("hall"), req.arg("ticket")
        entry = self.authorize(req.request, ("kiosk", "manager"), hall_id or None)
        if isinstance(entry, str):
            return self._json(connection, 401, {"error": "unauthorized", "message": entry})
        hall = self.hub.halls.get(hall_id)
        if hall is None:
            return self._json(connection, 404, {"error": "unknown_hall",
                                                "message": f'this hub serves {", ".join(self.hub.halls)}, '
                                                           f'not "{hall_id}" (?hall=...)'})
        state = hall.durable.engine.state
        tid = state.numbers.get(ticket.upper(), ticket)
        if tid not in state.tickets:
            return self._json(connection, 404, {"error": "unknown_ticket",
                                                "message": f'no ticket "{ticket}" today in hall {hall_id} (?ticket=id or number)'})
        key = self.live.key_of(hall.id, tid)
        return self._json(connection, 200, {"key": key, "path": f"/t/{key}",
                                            "url": f"{self.base_url(req.request)}/t/{key}", "qr": f"/qr/{key}.svg"})

    def _picture(self, req: HttpRequest) -> Response:
        connection = req.connection
        found = self.live.pictures.get(req.params["request"])
        entry = self.authorize(req.request, ("manager",), found[0] if found else None)
        if isinstance(entry, str):
            return self._json(connection, 401, {"error": "unauthorized", "message": entry})
        if found is None:
            return self._json(connection, 404, {"error": "unknown_screenshot",
                                                "message": "no such picture (the hub keeps the last few only); "
                                                           "ask the screen again"})
        return answer(connection, 200, found[2], "image/png")


def attach_web(hub: "Hub", root: Path = WEB_DIR) -> Web:
    """The browser pages, "my ticket" and the manager's who and screenshots, attached to ``hub``
    (before it starts). The hub knows nothing of them; this is the one way they meet."""
    web = Web(hub, root)
    web.attach()
    return web


def qr_svg(text: str) -> str:
    """``text`` as a QR code in SVG (black on white, with its quiet zone), made here: no internet."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=4, border=4, xmldecl=False, svgns=True,
                                     title="QR", dark="#000", light="#fff")
    return out.getvalue().decode()
