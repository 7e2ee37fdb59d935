"""``signage bench fanout``: one message to a thousand loopback clients, and a small page's GET, by
several servers: the figures behind "The HTTP side" in docs/architecture.md.

Figures, not a test. Each server runs in its own process (``python -m
server.tools.bench_fanout serve KIND``) and does the least its way allows: a
client's first message is a hello, answered ``welcome``; a connection that says
``{"role": "window"}`` first is the trigger, and every later message it sends
is written as it is to every client. The clients are the raw epoll sockets of
``signage bench hub`` (server/tools/bench_hub.py), all in this process. The kinds:

``hub``
    websockets, each message framed once (:func:`server.hub.hall.ws_frame`) and
    the same bytes written to every client's transport (:func:`server.hub.hall.write_all`):
    the hub's own way.
``broadcast``
    websockets, :func:`websockets.asyncio.server.broadcast`.
``aiohttp``
    aiohttp, ``await ws.send_str(text)`` to each client in turn (what its documentation shows).
``aiohttp-framed``
    aiohttp, framed once and written to each client's ``request.transport`` (public API) when
    the socket is not closing: the hub's way on aiohttp.
``starlette``
    Starlette on uvicorn (its websockets implementation), ``await ws.send_text(text)`` to each.

A message's latency is from the trigger's write to the moment the last client
has read it (p50, p99, max over the messages); "write" is the server's own time
from receiving the message to its last write returning. The page is
``server/web/static/index.html`` (about 1 KiB) at ``GET /page``, fetched by
``--http-workers`` connections from this process, one request after another
on each: "new" opens a connection per request (the only way websockets' hook
answers: it closes after every response), "keep-alive" reuses it (aiohttp and
uvicorn).

aiohttp, Starlette and uvicorn are optional (``pip install -e '.[bench]'``);
a kind whose library is missing is left out with a note.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from server.tools.bench_hub import (Bench, Raw, _call_arrivals, _latencies, _quantiles, _rss_kib, _sample_frames,
                                    start_server, stop_server)

KINDS = ("hub", "broadcast", "aiohttp", "aiohttp-framed", "starlette")
NEEDS = {"aiohttp": ("aiohttp",), "aiohttp-framed": ("aiohttp",), "starlette": ("starlette", "uvicorn")}
PAGE = Path(__file__).resolve().parents[1] / "web" / "static" / "index.html"
WELCOME = '{"type":"welcome","v":1,"seq":0,"replay":true}'


# --- the servers, each in its own process ------------------------------------------------------

class _Stats:
    """The server's own time per fan-out (seconds), told to the trigger when it sends ``stats``."""

    def __init__(self) -> None:
        self.writes: list[float] = []

    def reply(self) -> str:
        return json.dumps({"stats": True, "writes": [round(w * 1000, 4) for w in self.writes]})


def _page() -> bytes:
    return PAGE.read_bytes()


def _serve_websockets(kind: str) -> None:
    from websockets.asyncio.server import broadcast, serve
    from websockets.datastructures import Headers
    from websockets.http11 import Response

    from server.hub.hall import write_all, ws_frame

    page = _page()
    screens: set = set()
    stats = _Stats()

    def process_request(connection, request):  # type: ignore[no-untyped-def]
        if request.path == "/page":
            return Response(200, "OK", Headers({"Content-Type": "text/html; charset=utf-8",
                                                "Content-Length": str(len(page))}), page)
        return None

    async def handler(ws) -> None:  # type: ignore[no-untyped-def]
        first = json.loads(await ws.recv())
        if first.get("role") == "window":
            async for message in ws:
                if message == "stats":
                    await ws.send(stats.reply())
                    continue
                t0 = time.perf_counter()
                if kind == "hub":
                    write_all(screens, ws_frame(message.encode()))
                else:
                    broadcast(screens, message)
                stats.writes.append(time.perf_counter() - t0)
            return
        await ws.send(WELCOME)
        screens.add(ws)
        try:
            await ws.wait_closed()
        finally:
            screens.discard(ws)

    async def main() -> None:
        async with serve(handler, "127.0.0.1", 0, compression=None, max_size=2**20, max_queue=64,
                         process_request=process_request) as server:
            print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
            await asyncio.Future()

    asyncio.run(main())


def _serve_aiohttp(kind: str) -> None:
    from aiohttp import WSMsgType, web

    from server.hub.hall import ws_frame

    page = _page()
    screens: dict = {}  # WebSocketResponse -> its transport
    stats = _Stats()

    async def get_page(request: web.Request) -> web.Response:
        return web.Response(body=page, content_type="text/html", charset="utf-8")

    async def ws_handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=2**20)
        await ws.prepare(request)
        first = await ws.receive()
        if json.loads(first.data).get("role") == "window":
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                if msg.data == "stats":
                    await ws.send_str(stats.reply())
                    continue
                t0 = time.perf_counter()
                if kind == "aiohttp":
                    for client in list(screens):
                        await client.send_str(msg.data)
                else:
                    frame = ws_frame(msg.data.encode())
                    for client, transport in screens.items():
                        if not client.closed and not transport.is_closing():
                            transport.write(frame)
                stats.writes.append(time.perf_counter() - t0)
            return ws
        await ws.send_str(WELCOME)
        screens[ws] = request.transport
        try:
            async for _ in ws:
                pass
        finally:
            screens.pop(ws, None)
        return ws

    app = web.Application()
    app.router.add_get("/", ws_handler)
    app.router.add_get("/page", get_page)

    async def main() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        print(f"port {port}", flush=True)
        await asyncio.Future()

    asyncio.run(main())


def _serve_starlette(kind: str) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    page = _page()
    screens: set = set()
    stats = _Stats()

    async def get_page(request):  # type: ignore[no-untyped-def]
        return Response(page, media_type="text/html; charset=utf-8")

    async def ws_endpoint(ws: WebSocket) -> None:
        await ws.accept()
        try:
            first = json.loads(await ws.receive_text())
            if first.get("role") == "window":
                while True:
                    message = await ws.receive_text()
                    if message == "stats":
                        await ws.send_text(stats.reply())
                        continue
                    t0 = time.perf_counter()
                    for client in list(screens):
                        await client.send_text(message)
                    stats.writes.append(time.perf_counter() - t0)
            await ws.send_text(WELCOME)
            screens.add(ws)
            while True:
                await ws.receive_text()
        except WebSocketDisconnect:
            pass
        finally:
            screens.discard(ws)

    app = Starlette(routes=[WebSocketRoute("/", ws_endpoint), Route("/page", get_page)])
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets whose proto says TCP (0 would leave
    # Nagle on, and uvicorn's head and body, written apart, would wait 40 ms for a delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4096)  # before the port is told: a client may connect before uvicorn has started
    import importlib.util

    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws_per_message_deflate=False,
                            ws_max_size=2**20, access_log=False, backlog=4096, http=http)
    server = uvicorn.Server(config)
    print(f"port {sock.getsockname()[1]}", flush=True)
    server.run(sockets=[sock])


def serve_kind(kind: str) -> None:
    if kind in ("hub", "broadcast"):
        _serve_websockets(kind)
    elif kind.startswith("aiohttp"):
        _serve_aiohttp(kind)
    elif kind == "starlette":
        _serve_starlette(kind)
    else:
        raise SystemExit(f"unknown kind {kind}")


# --- the measurements ------------------------------------------------------------------------

def _start(kind: str) -> tuple[subprocess.Popen, int]:
    return start_server([sys.executable, "-m", "server.tools.bench_fanout", "serve", kind])


def measure_fanout(kind: str, clients: int, messages: int, rate: float, frame: str, first: int = 0) -> dict:
    proc, port = _start(kind)
    bench = Bench(port)
    try:
        trigger = Raw(port)
        trigger.send(json.dumps({"role": "window"}))
        time.sleep(0.2)
        rss0 = _rss_kib(proc.pid)
        bench.connect_screens(clients)
        time.sleep(0.5)
        rss1 = _rss_kib(proc.pid)
        sent: dict[bytes, float] = {}
        arrivals, on_frame = _call_arrivals()
        period = 1.0 / rate
        t_next = time.perf_counter() + 0.2
        for i in range(first, first + messages):
            bench.pump(t_next, on_frame)
            rid = f"c{i}"
            text = frame.replace("REQ", rid)
            sent[rid.encode()] = time.perf_counter()
            trigger.send(text)
            t_next += period
        bench.pump(time.perf_counter() + 2.0, on_frame)
        trigger.frames()
        trigger.send("stats")
        server: dict = {}
        deadline = time.monotonic() + 10
        while not server and time.monotonic() < deadline:
            for f in trigger.frames():
                if f.startswith(b'{"stats"'):
                    server = json.loads(f)
            time.sleep(0.01)
        return {"sent": sent, "arrivals": arrivals, "kib_per_conn": (rss1 - rss0) / clients,
                "writes": server.get("writes", [])}
    finally:
        bench.close()
        stop_server(proc)


async def _get_many(port: int, workers: int, seconds: float, keep_alive: bool) -> tuple[int, float, int]:
    """GETs of /page over ``workers`` connections for ``seconds``; (requests done, seconds, failures)."""
    head = (b"GET /page HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (b"" if keep_alive else b"Connection: close\r\n")
            + b"\r\n")
    done = [0]
    failed = [0]
    deadline = time.perf_counter() + seconds

    async def read_one(reader: asyncio.StreamReader) -> bool:
        status = await reader.readuntil(b"\r\n")
        length = None
        while True:
            line = await reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            await reader.read()
        else:
            await reader.readexactly(length)
        return status.startswith(b"HTTP/1.1 200")

    async def worker() -> None:
        reader = writer = None
        while time.perf_counter() < deadline:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(head)
                if not await read_one(reader):  # type: ignore[arg-type]
                    failed[0] += 1
                done[0] += 1
                if not keep_alive:
                    writer.close()
                    writer = None
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                failed[0] += 1
                writer = None
        if writer is not None:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return done[0], time.perf_counter() - t0, failed[0]


def measure_http(kind: str, workers: int, seconds: float) -> dict[str, tuple[int, float, int]]:
    """Per mode ("new", "keep-alive"): (requests, seconds, failures)."""
    proc, port = _start(kind)
    try:
        out = {}
        modes = (False,) if kind in ("hub", "broadcast") else (False, True)
        for keep_alive in modes:
            asyncio.run(_get_many(port, workers, 0.3, keep_alive))  # warm up
            out["keep-alive" if keep_alive else "new"] = asyncio.run(_get_many(port, workers, seconds, keep_alive))
        return out
    finally:
        stop_server(proc)


def _available(kind: str) -> str | None:
    """None if the kind's libraries are installed; else what is missing."""
    import importlib.util

    missing = [m for m in NEEDS.get(kind, ()) if importlib.util.find_spec(m) is None]
    return ", ".join(missing) or None


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in ("websockets", "aiohttp", "starlette", "uvicorn"):
        try:
            out.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            pass
    return ", ".join(out)


def run(args: argparse.Namespace) -> int:
    kinds = [k.strip() for k in str(args.kinds).split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        print(f"error: unknown kind(s) {', '.join(unknown)} (there are: {', '.join(KINDS)})", file=sys.stderr)
        return 2
    for kind in list(kinds):
        missing = _available(kind)
        if missing:
            print(f"{kind}: not measured: {missing} not installed (pip install -e '.[bench]')")
            kinds.remove(kind)
    frame = _sample_frames()[1]
    print(f"signage bench fanout: {args.clients} loopback clients, {args.messages} messages at {args.rate:g}/s "
          f"({len(frame.encode())} bytes, a ticket_called event) per kind and round, {args.rounds} rounds with the "
          f"kinds in turn; GETs of a {PAGE.stat().st_size}-byte page over {args.http_workers} connections for "
          f"{args.http_seconds:g} s per kind, mode and round; each server in its own process, the clients in this "
          f"one (raw sockets, epoll); {os.cpu_count()} cores; {_versions()}; Python {sys.version.split()[0]}")
    print("to last = trigger's write -> the last client has read it (ms); write = the server's own time from "
          "the message read to its last write (ms); GET/s: new = a connection per request, keep-alive = reused")
    gc.collect()
    gc.disable()  # the instrument must not pause
    fans: dict[str, dict] = {k: {"sent": {}, "arrivals": {}, "writes": [], "kib": [], "rounds": []} for k in kinds}
    gets: dict[str, dict[str, list[int | float]]] = {k: {} for k in kinds}
    for r in range(args.rounds):
        for kind in kinds:  # in turn, so that what else the machine does weighs on every kind alike
            if args.messages:
                got = measure_fanout(kind, args.clients, args.messages, args.rate, frame, first=r * args.messages)
                acc = fans[kind]
                acc["sent"].update(got["sent"])
                for rid, times in got["arrivals"].items():
                    acc["arrivals"].setdefault(rid, []).extend(times)
                acc["writes"] += got["writes"]
                acc["kib"].append(got["kib_per_conn"])
                acc["rounds"].append(_latencies(got["sent"], got["arrivals"], args.clients)["every"][1])
            if args.http_seconds:
                for mode, (n, secs, failed) in measure_http(kind, args.http_workers, args.http_seconds).items():
                    row = gets[kind].setdefault(mode, [0, 0.0, 0])
                    row[0] += n
                    row[1] += secs
                    row[2] += failed
        print(f"  round {r + 1} of {args.rounds} done", file=sys.stderr, flush=True)
    head = (f"{'kind':<15} | {'to last p50':>11} {'p99':>7} {'max':>7} | {'write p50':>9} {'p99':>7} | "
            f"{'KiB/conn':>8} | {'GET/s new':>9} {'keep-alive':>10}")
    print(head)
    print("-" * len(head))
    p99s: dict[str, float] = {}
    notes = []
    nan = float("nan")
    for kind in kinds:
        acc = fans[kind]
        cells = f"{'':>11} {'':>7} {'':>7} | {'':>9} {'':>7} | {'':>8}"
        if args.messages:
            lat = _latencies(acc["sent"], acc["arrivals"], args.clients)
            e, w = lat["every"], _quantiles(acc["writes"])
            p99s[kind] = e[1]
            cells = (f"{e[0]:>11.2f} {e[1]:>7.2f} {e[2]:>7.2f} | {w[0]:>9.2f} {w[1]:>7.2f} | "
                     f"{statistics.median(acc['kib']):>8.1f}")
            if lat["incomplete"]:
                notes.append(f"{kind}: {lat['incomplete']} messages did not reach every client")
        rates = {mode: n / secs if secs else nan for mode, (n, secs, _) in gets[kind].items()}
        for mode, (_, _, failed) in gets[kind].items():
            if failed:
                notes.append(f"{kind}: {failed} failed GETs ({mode})")
        print(f"{kind:<15} | {cells} | {rates.get('new', nan):>9.0f} {rates.get('keep-alive', nan):>10.0f}",
              flush=True)
    if args.messages:
        notes.append("p99 to last, round by round (ms): " + "; ".join(
            f"{kind} {' '.join(f'{x:.1f}' for x in fans[kind]['rounds'])}" for kind in kinds))
    if "hub" in p99s and "broadcast" in p99s:
        notes.append(f"hub / broadcast p99: {p99s['hub'] / p99s['broadcast']:.2f}x")
    for note in notes:
        print(note)
    return 0


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    b = bench.add_parser("fanout", help="one message to 1000 clients and a page's GET: websockets (the hub's "
                                        "way, broadcast), aiohttp, Starlette/uvicorn")
    b.add_argument("--kinds", default=",".join(KINDS), help=f"servers to measure (default: {','.join(KINDS)})")
    b.add_argument("--clients", type=int, default=1000, help="loopback websocket clients (default 1000)")
    b.add_argument("--messages", type=int, default=100, help="messages per kind and round (default 100; 0: none)")
    b.add_argument("--rate", type=float, default=20.0, help="messages per second (default 20)")
    b.add_argument("--rounds", type=int, default=3, help="rounds, the kinds in turn in each (default 3)")
    b.add_argument("--http-seconds", type=float, default=2.0, help="seconds of GETs per kind, mode and round "
                                                                   "(default 2; 0: none)")
    b.add_argument("--http-workers", type=int, default=8, help="connections the GETs go over at once (default 8)")
    b.set_defaults(run=run)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m server.tools.bench_fanout")
    sub = parser.add_subparsers(dest="what", required=True)
    s = sub.add_parser("serve")
    s.add_argument("kind", choices=KINDS)
    args = parser.parse_args(argv)
    serve_kind(args.kind)


if __name__ == "__main__":
    main()
