"""``signage bench hub``: from a window's ``call_next`` to the event on every screen.

Figures, not a test. The set-up, so that the numbers can be read honestly:

* The hub runs in its own process (``python -m server.tools.bench_hub hub ...``),
  exactly the production code with the production limits except the per-connection
  rate limit (raised, so that one bench connection may stand for many kiosks) and
  the sample hall opened 24 hours (so that the bench runs at any hour).
* The screens, the windows and the kiosks all live in this process, on raw
  non-blocking sockets read with ``epoll``: a minimal websocket client (handshake,
  frame parsing, pong) costs a few microseconds per frame, so that a thousand
  screens in one process measure the hub and not the bench. Both processes share
  this machine's two cores.
* A call's latency is the time from the ``call_next`` frame being written to the
  moment the last screen has read the ``ticket_called`` event it caused (p50,
  p99 and max over the calls); "per screen" is over every (call, screen) pair.
* The floor is a bare websockets server (``python -m server.tools.bench_hub floor``)
  that, given the same two frames a call causes (``ticket_completed`` and
  ``ticket_called``), sends them with :func:`websockets.broadcast`, and between
  calls the ``ticket_issued`` frame of the kiosk's ticket: the traffic the
  screens get from the hub, minus estimates; what any hub must at least do.
  The ratio is hub p99 / floor p99.
* The queue stays about 60 long: a kiosk issues a ticket between calls. The
  hub runs its default estimator (server/sim/estimator.py) in its own thread.
* Commands per second: issue commands from 4 kiosk connections, pipelined, with
  the screens connected, until the last screen has the last event.
* Memory per connection: the hub process's resident memory after the screens
  joined minus before, divided by their number.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import os
import re
import select
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Callable

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"
WINDOWS = (1, 2, 3, 4, 5, 8, 11)  # the sample hall's windows that serve id cards
SCREEN_TOKEN = "bench-screens-0123456789"
KIOSK_TOKEN = "bench-kiosk-0123456789"
CALLED = b'"type":"ticket_called"'
QUEUE = 60  # tickets waiting while the windows call


def _hall_file(tmp: Path) -> Path:
    text = (LAYOUTS / "zhongshan.yaml").read_text(encoding="utf-8")
    text = re.sub(r"  hours:\n(    - .*\n)+", '  hours: "24h"\n', text, count=1)
    text = text.replace("ticket_digits: 3", "ticket_digits: 5")
    path = tmp / "zhongshan.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _tokens_file(tmp: Path) -> Path:
    lines = ["tokens:",
             f"  - {{name: screens, role: screen, hall: zhongshan, token: {SCREEN_TOKEN}}}",
             f"  - {{name: kiosk, role: kiosk, hall: zhongshan, token: {KIOSK_TOKEN}}}"]
    lines += [f"  - {{name: w{w}, role: window, hall: zhongshan, windows: [{w}], token: bench-window-{w}-0123456789}}"
              for w in WINDOWS]
    path = tmp / "tokens.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- the two servers, each in its own process ----------------------------------------

def _serve_hub(args: argparse.Namespace) -> None:
    from server.hub.hub import ESTIMATORS, Limits, run_hub
    from server.web.serve import open_hub

    # All from 127.0.0.1; one kiosk connection stands for many kiosks (no ticket limits).
    limits = Limits(rate=1e6, burst=1e6, watch_interval=None, unwelcomed_per_address=1_000_000,
                    issue_per_minute=None, hall_issue_per_minute=None)
    hub = open_hub([args.hall], args.tokens, args.db, limits=limits, durable=not args.no_fsync,
                   estimator=ESTIMATORS[args.estimator])

    async def main() -> None:
        import signal
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await run_hub(hub, "127.0.0.1", 0, stop, lambda h: print(f"port {h.port}", flush=True))

    asyncio.run(main())


def _serve_floor(args: argparse.Namespace) -> None:
    from websockets.asyncio.server import broadcast, serve

    screens: set = set()

    async def handler(ws) -> None:  # type: ignore[no-untyped-def]
        first = json.loads(await ws.recv())
        if first.get("role") == "window":
            async for message in ws:  # a trigger: the frames a call causes, to broadcast as they are
                for frame in json.loads(message)["frames"]:
                    broadcast(screens, frame)
            return
        await ws.send('{"type":"welcome","v":1,"seq":0,"replay":true}')
        screens.add(ws)
        try:
            await ws.wait_closed()
        finally:
            screens.discard(ws)

    async def main() -> None:
        async with serve(handler, "127.0.0.1", 0, compression=None, max_size=2**20) as server:
            print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
            await asyncio.Future()

    asyncio.run(main())


# --- a minimal websocket client on a raw socket ----------------------------------------

class Raw:
    """A blocking handshake, then non-blocking reads parsed into frames. Pings are answered."""

    __slots__ = ("sock", "buf", "fd")

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.split(b"\r\n")[0].decode())
        self.buf = bytearray(head.split(b"\r\n\r\n", 1)[1])
        self.sock.setblocking(False)
        self.fd = self.sock.fileno()

    def send(self, text: str | bytes, opcode: int = 1) -> None:
        data = text.encode() if isinstance(text, str) else text
        n = len(data)
        # A client frame must be masked; a zero key leaves the payload as it is.
        head = bytes([0x80 | opcode, 0x80 | n]) if n < 126 else (
            struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n) if n < 65536 else
            struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n))
        view = memoryview(head + b"\0\0\0\0" + data)
        while view:
            try:
                sent = self.sock.send(view)
                view = view[sent:]
            except BlockingIOError:
                select.select([], [self.sock], [], 1)

    def frames(self) -> list[bytes]:
        """Read what is there; return the complete text frames."""
        try:
            while True:
                chunk = self.sock.recv(1 << 18)
                if not chunk:
                    raise ConnectionError("closed by the server")
                self.buf += chunk
                if len(chunk) < 1 << 18:
                    break
        except BlockingIOError:
            pass
        out = []
        buf = self.buf
        pos = 0
        while len(buf) - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            n, start = b1 & 0x7F, pos + 2
            if n == 126:
                if len(buf) - pos < 4:
                    break
                n, start = struct.unpack_from("!H", buf, pos + 2)[0], pos + 4
            elif n == 127:
                if len(buf) - pos < 10:
                    break
                n, start = struct.unpack_from("!Q", buf, pos + 2)[0], pos + 10
            if len(buf) - start < n:
                break
            payload = bytes(buf[start:start + n])
            pos = start + n
            opcode = b0 & 0x0F
            if opcode == 1:
                out.append(payload)
            elif opcode == 9:
                self.send(payload, opcode=10)
            elif opcode == 8:
                raise ConnectionError(f"closed by the server: {payload[2:]!r}")
        del buf[:pos]
        return out


def _hello(role: str, token: str, **extra: object) -> str:
    return json.dumps({"type": "hello", "v": 1, "role": role, "hall": "zhongshan", "token": token, **extra})


class Bench:
    def __init__(self, port: int) -> None:
        self.port = port
        self.screens: list[Raw] = []
        self.ep = select.epoll()
        self.by_fd: dict[int, Raw] = {}

    def connect_screens(self, n: int) -> None:
        for _ in range(n):
            r = Raw(self.port)
            r.send(_hello("screen", SCREEN_TOKEN, screen="main"))
            self.screens.append(r)
            self.by_fd[r.fd] = r
            self.ep.register(r.fd, select.EPOLLIN)
        welcomed: set[int] = set()
        deadline = time.monotonic() + 60
        while len(welcomed) < n and time.monotonic() < deadline:
            for fd, _ in self.ep.poll(0.5):
                if any(b'"type":"welcome"' in f for f in self.by_fd[fd].frames()):
                    welcomed.add(fd)
        if len(welcomed) < n:
            raise RuntimeError(f"only {len(welcomed)} of {n} screens were welcomed")

    def pump(self, until: float, on_frame) -> None:  # type: ignore[no-untyped-def]
        """Read every screen until ``until`` (perf_counter), calling ``on_frame(frame, t)``."""
        while True:
            left = until - time.perf_counter()
            if left <= 0:
                return
            for fd, _ in self.ep.poll(min(left, 0.05)):
                frames = self.by_fd[fd].frames()
                if frames:
                    t = time.perf_counter()
                    for f in frames:
                        on_frame(f, t)

    def close(self) -> None:
        for r in self.screens:
            r.sock.close()
        self.ep.close()


def _answers(conn: Raw, want: int, timeout: float = 60) -> list[dict]:
    got: list[dict] = []
    deadline = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        select.select([conn.sock], [], [], 0.2)
        got += [m for m in map(json.loads, conn.frames()) if m.get("type") in ("ok", "error")]
    return got


def _welcomed(conn: Raw) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        select.select([conn.sock], [], [], 0.2)
        for f in conn.frames():
            m = json.loads(f)
            if m["type"] == "welcome":
                return
            if m["type"] == "error":
                raise RuntimeError(m)
    raise RuntimeError("no welcome")


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def _quantiles(values: list[float]) -> tuple[float, float, float]:
    values = sorted(values)
    if not values:
        return (float("nan"),) * 3
    p = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    return p(0.50), p(0.99), values[-1]


# --- the measurements ------------------------------------------------------------------

def start_server(cmd: list[str]) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # type: ignore[union-attr]
    if not line.startswith("port "):
        proc.kill()
        raise RuntimeError(f"server did not start: {line!r}")
    return proc, int(line.split()[1])


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def measure_hub(tmp: Path, n: int, calls: int, rate: float, burst: int, no_fsync: bool,
                estimator: str = "shadow") -> dict:
    db = tmp / f"hub-{n}.db"
    cmd = [sys.executable, "-m", "server.tools.bench_hub", "hub", str(_hall_file(tmp)), str(_tokens_file(tmp)), str(db)]
    proc, port = start_server(cmd + (["--no-fsync"] if no_fsync else []) + ["--estimator", estimator])
    bench = Bench(port)
    try:
        kiosk = Raw(port)
        kiosk.send(_hello("kiosk", KIOSK_TOKEN))
        _welcomed(kiosk)
        for i in range(QUEUE):  # a queue as on a busy morning; then one citizen in for each one called
            kiosk.send(json.dumps({"type": "issue", "id": f"pre{i}", "service": "id-card"}))
        assert all(a["type"] == "ok" for a in _answers(kiosk, QUEUE)), "pre-issuing failed"
        windows = {}
        for w in WINDOWS:
            windows[w] = Raw(port)
            windows[w].send(_hello("window", f"bench-window-{w}-0123456789", window=w))
            _welcomed(windows[w])
        time.sleep(0.3)
        rss0 = _rss_kib(proc.pid)
        bench.connect_screens(n)
        time.sleep(0.5)
        rss1 = _rss_kib(proc.pid)

        sent: dict[bytes, float] = {}
        arrivals, on_frame = _call_arrivals()

        before = _hub_metrics(port)
        period = 1.0 / rate
        t_next = time.perf_counter() + 0.1
        for i in range(calls):
            bench.pump(t_next, on_frame)
            w = WINDOWS[i % len(WINDOWS)]
            rid = f"c{i}"
            sent[rid.encode()] = time.perf_counter()
            windows[w].send(json.dumps({"type": "call_next", "id": rid, "window": w}))
            windows[w].frames()  # keep the window's own line drained
            bench.pump(time.perf_counter() + period / 2, on_frame)
            kiosk.send(json.dumps({"type": "issue", "id": f"in{i}", "service": "id-card"}))
            kiosk.frames()
            t_next += period
        bench.pump(time.perf_counter() + 2.0, on_frame)
        refused = sum(1 for w in windows.values() for m in map(json.loads, w.frames()) if m.get("type") == "error")
        result = _latencies(sent, arrivals, n)
        result.update(refused=refused, kib_per_conn=(rss1 - rss0) / n,
                      metrics=_means(before, _hub_metrics(port)))

        # Throughput: 4 kiosks, pipelined issues, until every screen has the last event.
        kiosks = [kiosk] + [Raw(port) for _ in range(3)]
        for k in kiosks[1:]:
            k.send(_hello("kiosk", KIOSK_TOKEN))
            _welcomed(k)
        for k in kiosks:
            k.frames()
        t0 = time.perf_counter()
        last_seen = [0]
        per = burst // len(kiosks)
        marker = f'"request":"t{len(kiosks) - 1}-{per - 1}"'.encode()
        for j in range(per):
            for i, k in enumerate(kiosks):
                k.send(json.dumps({"type": "issue", "id": f"t{i}-{j}", "service": "id-card"}))

        def count_last(frame: bytes, t: float) -> None:
            if marker in frame and b"ticket_issued" in frame:
                last_seen[0] += 1

        deadline = time.perf_counter() + 60
        while last_seen[0] < n and time.perf_counter() < deadline:
            bench.pump(time.perf_counter() + 0.05, count_last)
            for k in kiosks:
                k.frames()
        result["commands_per_s"] = per * len(kiosks) / (time.perf_counter() - t0)
        return result
    finally:
        bench.close()
        stop_server(proc)


def measure_floor(n: int, calls: int, rate: float, frames: tuple[str, str, str]) -> dict:
    proc, port = start_server([sys.executable, "-m", "server.tools.bench_hub", "floor"])
    bench = Bench(port)
    try:
        trigger = Raw(port)
        trigger.send(json.dumps({"role": "window"}))
        time.sleep(0.2)
        rss0 = _rss_kib(proc.pid)
        bench.connect_screens(n)
        time.sleep(0.5)
        rss1 = _rss_kib(proc.pid)
        sent: dict[bytes, float] = {}
        arrivals, on_frame = _call_arrivals()

        period = 1.0 / rate
        t_next = time.perf_counter() + 0.1
        for i in range(calls):
            bench.pump(t_next, on_frame)
            rid = f"c{i}"
            payload = json.dumps({"frames": [f.replace("REQ", rid) for f in frames[:2]]}, ensure_ascii=False)
            sent[rid.encode()] = time.perf_counter()
            trigger.send(payload)
            bench.pump(time.perf_counter() + period / 2, on_frame)
            trigger.send(json.dumps({"frames": [frames[2].replace("REQ", f"in{i}")]}, ensure_ascii=False))
            t_next += period
        bench.pump(time.perf_counter() + 2.0, on_frame)
        result = _latencies(sent, arrivals, n)
        result["kib_per_conn"] = (rss1 - rss0) / n
        return result
    finally:
        bench.close()
        stop_server(proc)


def _call_arrivals() -> tuple[dict[bytes, list[float]], Callable[[bytes, float], None]]:
    """When each screen got each call (by request id ``cN``), and the frame handler that records it."""
    arrivals: dict[bytes, list[float]] = {}

    def on_frame(frame: bytes, t: float) -> None:
        if CALLED in frame:
            m = re.search(rb'"request":"(c\d+)"', frame)
            if m:
                arrivals.setdefault(m.group(1), []).append(t)

    return arrivals, on_frame


def _latencies(sent: dict[bytes, float], arrivals: dict[bytes, list[float]], n: int) -> dict:
    every, each, lost = [], [], 0
    for rid, t0 in sent.items():
        got = arrivals.get(rid, [])
        if len(got) < n:
            lost += 1
            continue
        every.append((max(got) - t0) * 1000)
        each += [(t - t0) * 1000 for t in got]
    return {"every": _quantiles(every), "each": _quantiles(each), "incomplete": lost}


def _hub_metrics(port: int) -> dict[str, tuple[float, float]]:
    """(sum, count) of the hub's histograms, from its /metrics page."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    text = opener.open(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    out: dict[str, tuple[float, float]] = {}
    for name in ("signage_hub_commit_seconds", "signage_hub_fanout_seconds", "signage_hub_commit_commands"):
        s = re.search(rf'^{name}_sum{{hall="zhongshan"}} (\S+)$', text, re.M)
        c = re.search(rf'^{name}_count{{hall="zhongshan"}} (\S+)$', text, re.M)
        if s and c:
            out[name] = (float(s.group(1)), float(c.group(1)))
    return out


def _means(before: dict[str, tuple[float, float]], after: dict[str, tuple[float, float]]) -> dict[str, float]:
    """Mean of each histogram over the interval between two readings."""
    out = {}
    for name, (s, c) in after.items():
        s0, c0 = before.get(name, (0.0, 0.0))
        if c > c0:
            out[name] = (s - s0) / (c - c0)
    return out


def _sample_frames() -> tuple[str, str, str]:
    """The two frames a call_next causes and the one of the ticket issued between calls, as the hub
    writes them (sizes matter for the floor)."""
    at = time.time()
    ticket = {"id": "k3JxQ2mZ8pLw9vTb", "number": "A00042", "service": "id-card", "class": "normal"}
    tail = {"request": "REQ", "actor": "window:3", "command": "call_next"}
    done = {"type": "ticket_completed", "ticket": {**ticket, "number": "A00041"}, "window": 3,
            "service_seconds": 241.5, "at": at, **tail}
    called = {"type": "ticket_called", "ticket": ticket, "window": 3, "at": at, **tail}
    dump = lambda seq, e: json.dumps({"type": "event", "seq": seq, "event": e}, ensure_ascii=False,  # noqa: E731
                                     separators=(",", ":"))
    issued = {"type": "ticket_issued", "ticket": {**ticket, "number": "A00101", "issued_at": at, "priority": None,
                                                  "appointment": None, "slot": None},
              "ahead": 60, "counter": 101, "at": at, "request": "REQ", "actor": "kiosk:kiosk", "command": "issue"}
    return dump(1241, done), dump(1242, called), dump(1243, issued)


def run(args: argparse.Namespace) -> int:
    sizes = [int(x) for x in str(args.screens).split(",") if x.strip()]
    frames = _sample_frames()
    print(f"signage bench hub: zhongshan, windows calling {args.rate:g}/s, {args.calls} calls per size; "
          f"hub and floor each in their own process, screens in this one (raw sockets, epoll); "
          f"{os.cpu_count()} cores; log {'without fsync' if args.no_fsync else 'SQLite WAL, synchronous=FULL'}; "
          f"{args.estimator} estimator")
    print("latency = call_next written -> ticket_called read by the last screen (ms); "
          "floor = the same two frames by websockets.broadcast alone")
    head = (f"{'screens':>7} | {'hub p50':>7} {'p99':>7} {'max':>7} | {'floor p50':>9} {'p99':>7} {'max':>7} | "
            f"{'p99 ratio':>9} | {'cmd/s':>6} | {'hub KiB/conn':>12} | {'floor KiB/conn':>14}")
    print(head)
    print("-" * len(head))
    rows = []
    # The instrument must not pause: no garbage collection in this process while measuring.
    gc.collect()
    gc.disable()
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            hub = measure_hub(Path(tmp), n, args.calls, args.rate, args.burst, args.no_fsync, args.estimator)
            floor = measure_floor(n, args.calls, args.rate, frames)
            h, f = hub["every"], floor["every"]
            ratio = h[1] / f[1] if f[1] else float("nan")
            print(f"{n:>7} | {h[0]:>7.2f} {h[1]:>7.2f} {h[2]:>7.2f} | {f[0]:>9.2f} {f[1]:>7.2f} {f[2]:>7.2f} | "
                  f"{ratio:>8.2f}x | {hub['commands_per_s']:>6.0f} | {hub['kib_per_conn']:>12.1f} | "
                  f"{floor['kib_per_conn']:>14.1f}", flush=True)
            rows.append((n, hub, floor))
    print()
    for n, hub, floor in rows:
        m = hub["metrics"]
        each, feach = hub["each"], floor["each"]
        notes = []
        if hub["incomplete"] or floor["incomplete"]:
            notes.append(f"incomplete calls: hub {hub['incomplete']}, floor {floor['incomplete']}")
        if hub["refused"]:
            notes.append(f"refused calls: {hub['refused']}")
        print(f"{n:>5} screens: per screen p50/p99 hub {each[0]:.2f}/{each[1]:.2f} ms, floor {feach[0]:.2f}/{feach[1]:.2f} ms; "
              f"in the hub: commit {m.get('signage_hub_commit_seconds', 0) * 1000:.2f} ms mean, "
              f"{m.get('signage_hub_commit_commands', 0):.1f} commands per commit, "
              f"arrival to written-to-all {m.get('signage_hub_fanout_seconds', 0) * 1000:.2f} ms mean"
              + (f" ({'; '.join(notes)})" if notes else ""))
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m server.tools.bench_hub")
    sub = parser.add_subparsers(dest="what", required=True)
    h = sub.add_parser("hub")
    h.add_argument("hall")
    h.add_argument("tokens")
    h.add_argument("db")
    h.add_argument("--no-fsync", action="store_true")
    h.add_argument("--estimator", default="shadow")
    sub.add_parser("floor")
    args = parser.parse_args(argv)
    if args.what == "hub":
        _serve_hub(args)
    else:
        _serve_floor(args)


if __name__ == "__main__":
    main()
