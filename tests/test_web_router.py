"""server/web/router.py: the table of routes and the one place that answers 404, 405, HEAD and 500;
and the pages on a real hub through it (HEAD, 405 with Allow)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from hub_harness import HubHarness, hub_test
from server.web.router import Router, compile_pattern
from test_web import get


class Conn:
    """What the router needs of a connection: ``respond`` (as websockets' ServerConnection has it)."""

    def respond(self, status: int, text: str) -> Response:
        body = text.encode()
        return Response(status, "", Headers({"Content-Length": str(len(body)),
                                             "Content-Type": "text/plain; charset=utf-8"}), body)


def plain(connection, status, text, headers):  # type: ignore[no-untyped-def]
    response = connection.respond(status, text)
    for k, v in headers.items():
        response.headers[k] = v
    return response


def request(path: str, method: str = "GET") -> Request:
    return Request(path, Headers({"Host": "127.0.0.1"}), method)


def ok(text: str):  # type: ignore[no-untyped-def]
    return lambda req: Conn().respond(200, text.format(**req.params, q=req.arg("q")))


def test_patterns_match_one_segment_or_a_path_and_keep_their_suffix() -> None:
    assert compile_pattern("/t/{key}").fullmatch("/t/abc").groupdict() == {"key": "abc"}
    assert compile_pattern("/t/{key}").fullmatch("/t/a/b") is None
    assert compile_pattern("/t/{key}").fullmatch("/t/") is None
    assert compile_pattern("/qr/{key}.svg").fullmatch("/qr/k.x.svg").groupdict() == {"key": "k.x"}
    assert compile_pattern("/qr/{key}.svg").fullmatch("/qr/k.png") is None
    assert compile_pattern("/f/{rest:path}.png").fullmatch("/f/a/../b.png").groupdict() == {"rest": "a/../b"}
    assert compile_pattern("/a.b").fullmatch("/aXb") is None  # literal text is literal
    with pytest.raises(ValueError):
        compile_pattern("no-slash")
    with pytest.raises(ValueError):
        compile_pattern("/{a}/{a}")


def test_the_router_answers_its_routes_404_405_head_and_500() -> None:
    router = Router(plain)
    router.get("/", ok("home"))
    router.get("/t/{key}", ok("ticket {key}"))
    router.post("/t/{key}", ok("posted {key}"))
    router.get("/search", ok("q={q}"))

    def broken(req):  # type: ignore[no-untyped-def]
        raise RuntimeError("bug")

    router.get("/boom", broken)
    conn = Conn()
    assert router(conn, request("/")).body == b"home"
    assert router(conn, request("/t/A1?x=1")).body == b"ticket A1"
    assert router(conn, request("/t/A1", "POST")).body == b"posted A1"
    assert router(conn, request("/search?q=%E5%8F%B7")).body == "q=号".encode()
    missing = router(conn, request("/nope"))
    assert missing.status_code == 404
    wrong = router(conn, request("/", "DELETE"))
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "GET, HEAD"
    assert router(conn, request("/t/A1", "PUT")).headers["Allow"] == "GET, HEAD, POST"
    head = router(conn, request("/t/A1", "HEAD"))
    assert head.status_code == 200 and head.body == b"" and head.headers["Content-Length"] == str(len("ticket A1"))
    assert router(conn, request("/nope", "HEAD")).body == b""
    failed = router(conn, request("/boom"))
    assert failed.status_code == 500 and b"logged" in failed.body


def test_a_custom_404_and_overlapping_routes_refused() -> None:
    router = Router(plain, not_found=lambda req: Conn().respond(404, f"no {req.path}"))
    router.get("/static/{name}", ok("file {name}"))
    assert router(Conn(), request("/static/a/b")).body == b"no /static/a/b"
    with pytest.raises(ValueError):
        router.get("/static/{other}", ok("x"))
    with pytest.raises(ValueError):
        router.get("/static/hub.js", ok("x"))  # /static/{name} already answers it
    router.post("/static/{name}", ok("post"))  # another method: no overlap
    with pytest.raises(ValueError):
        router.add("HEAD", "/x", ok("x"))  # HEAD follows GET


def test_every_page_route_is_in_one_table() -> None:
    from server.web.pages import PAGES, Web

    web = Web(SimpleNamespace(halls={}, public_url=None))  # type: ignore[arg-type]
    patterns = [(r.method, r.pattern) for r in web.router.routes]
    assert [("GET", p) for p in PAGES] == patterns[:len(PAGES)]
    assert ("GET", "/t/{key}") in patterns and ("GET", "/api/link") in patterns


@hub_test()
async def test_a_hub_answers_head_and_405_through_the_router(hub: HubHarness) -> None:
    status, h, body = await get(hub, "/staff", method="HEAD")
    full_status, full_h, full = await get(hub, "/staff")
    assert status == full_status == 200 and body == b"" and int(h["content-length"]) == len(full) > 0
    assert h["content-type"] == full_h["content-type"] == "text/html; charset=utf-8"
    status, h, _ = await get(hub, "/staff", method="DELETE")
    assert status == 405 and h["allow"] == "GET, HEAD"
    status, _, body = await get(hub, "/nope", method="HEAD")
    assert status == 404 and body == b""
