"""Faults on purpose: a hub process to kill, a link to cut or freeze, clients that watch.

The pieces of the reliability suite (docs/reliability.md), shared by
``signage bench soak`` (:mod:`server.tools.soak`) and ``tests/test_reliability_*.py``:

* :class:`HubProcess`: a real hub in a child process (``signage serve``, or the
  soak's hub with a simulated clock) that can be killed with SIGKILL and
  started again on the same port and database.
* :class:`Staff`: a kiosk and windows sending ``issue`` and ``call_next``
  steadily, as staff do; a command whose answer was lost with the connection is
  sent again with the same request id after reconnecting. Every answer received
  is recorded: that is what "acknowledged" means.
* :class:`Watcher`: one wall screen (the real :class:`signage.display.app.DisplayApp`
  without a display: its hub client, inbox and view, and its "hub unreachable"
  flag) and one announcer (the real :class:`signage.hubclient.HubClient` feeding
  :class:`audio.announcer.Announcer`), in this process.
* :class:`TcpProxy`: a loopback relay between watchers and hub that can be cut
  (an outage: every link closed, new ones refused) or frozen (a half-open link:
  the sockets stay open but nothing passes, as when a Wi-Fi access point or a
  NAT loses its state).
* :func:`log_problems` and :func:`view_differences`: the checks.

Nothing here asserts: functions return what they found, the tests and the bench
decide.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import queue
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from audio.announcer import SPOKEN_EVENTS

ROOT = Path(__file__).resolve().parents[2]
LAYOUTS = ROOT / "layouts"
DEMO_TOKENS = LAYOUTS / "demo-tokens.yaml"


# --- set-up ------------------------------------------------------------------------------

def hall_open_all_day(folder: Path, hall: str = "zhongshan", digits: int = 4) -> Path:
    """A copy of a sample hall file that is open 24 hours (the suite runs at any hour)."""
    text = (LAYOUTS / f"{hall}.yaml").read_text(encoding="utf-8")
    text = re.sub(r"  hours:\n(    - .*\n)+", '  hours: "24h"\n', text, count=1)
    text = re.sub(r"ticket_digits: \d", f"ticket_digits: {digits}", text, count=1)
    path = Path(folder) / f"{hall}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def demo_token(role: str, hall: str = "zhongshan", window: int | None = None) -> str:
    """The public demo token (layouts/demo-tokens.yaml) for a role of a sample hall."""
    from signage.config.tokens import load_tokens

    for e in load_tokens(DEMO_TOKENS).entries:
        if e.role == role and e.covers_hall(hall) and (window is None or window in e.windows):
            return e.secret
    raise LookupError(f"no demo {role} token for {hall}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


# --- a hub in a child process ------------------------------------------------------------------

LISTENING = re.compile(r"listening on ws://[^:]+:(\d+)\s+halls: (.*)")


class HubProcess:
    """A hub in a child process: started, killed (SIGKILL) or stopped (SIGTERM), started again.

    ``command`` is the child's command line without the port; ``port`` stays the
    same across restarts so that clients find the new process where the old one
    was. Standard error (the hub's log) is appended to ``log_path``; standard
    output lines other than the "listening" line are kept in :attr:`lines`.
    """

    def __init__(self, command: list[str], log_path: Path, port: int | None = None) -> None:
        self.command = command
        self.log_path = Path(log_path)
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.seqs: dict[str, int] = {}   # each hall's seq when the process said it was listening
        self.lines: "queue.Queue[str]" = queue.Queue()
        self.starts = 0

    @classmethod
    def serve(cls, folder: Path, hall_file: Path, *, estimator: str = "naive",
              tokens: Path = DEMO_TOKENS, port: int | None = None) -> "HubProcess":
        """``signage serve`` as an operator runs it (fsync on), on 127.0.0.1."""
        cmd = [sys.executable, "-m", "signage.cli", "serve", str(hall_file), "--tokens", str(tokens),
               "--db", str(Path(folder) / "hub.db"), "--estimator", estimator, "--no-watch"]
        return cls(cmd, Path(folder) / "hub.log", port)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 30.0) -> float:
        """Start the child; return the seconds until it listens. Raises RuntimeError if it does not."""
        t0 = time.monotonic()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([*self.command, "--port", str(self.port)], stdout=subprocess.PIPE,
                                         stderr=log, stdin=subprocess.PIPE, text=True, cwd=ROOT,
                                         env=dict(os.environ, PYTHONUNBUFFERED="1"))
        lines: "queue.Queue[str]" = queue.Queue()
        self.lines = lines
        proc = self.proc
        threading.Thread(target=self._read, args=(proc, lines), daemon=True).start()
        while True:
            left = timeout - (time.monotonic() - t0)
            try:
                line = lines.get(timeout=max(0.01, left))
            except queue.Empty:
                line = None
            if line is None or left <= 0:
                self.kill()
                raise RuntimeError(f"the hub did not start; see {self.log_path}")
            m = LISTENING.search(line)
            if m:
                self.seqs = {h: int(s) for h, s in re.findall(r"(\S+) \(seq (\d+)\)", m.group(2))}
                self.starts += 1
                return time.monotonic() - t0

    @staticmethod
    def _read(proc: subprocess.Popen, lines: "queue.Queue[str | None]") -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)  # type: ignore[arg-type]

    def send(self, line: str) -> None:
        """A line to the child's standard input (the soak's hub takes commands there)."""
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no snapshot, no close frames: a power cut for the process."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self._reap()

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM and wait (a clean stop); the exit status."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        code = self.proc.returncode if self.proc is not None else None
        self._reap()
        return code

    def _reap(self) -> None:
        if self.proc is not None:
            self.proc.wait()
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    if f is not None:
                        f.close()
                except OSError:
                    pass
        self.proc = None


def log_problems(path: Path) -> list[str]:
    """The ERROR and CRITICAL lines and tracebacks of a log file."""
    if not Path(path).exists():
        return []
    out = []
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback"):
            out.append(line)
    return out


# --- the log, read beside the hub ----------------------------------------------------------------

@dataclass
class LogCheck:
    events: int = 0
    gaps: list[str] = field(default_factory=list)
    duplicate_numbers: list[str] = field(default_factory=list)
    issued: dict[str, str] = field(default_factory=dict)        # ticket id -> number
    calls: dict[int, tuple[str, str, int]] = field(default_factory=dict)  # seq -> (kind, number, window)


def read_log(db: Path, hall: str = "zhongshan") -> LogCheck:
    """What the event log holds, read-only (the hub may be running): gaps, numbers given twice, calls."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        rows = con.execute("SELECT seq, data FROM events WHERE hall=? ORDER BY seq", (hall,)).fetchall()
    finally:
        con.close()
    out = LogCheck(events=len(rows))
    expected = 1
    numbers: set[str] = set()
    for seq, data in rows:
        if seq != expected:
            out.gaps.append(f"seq {seq} follows {expected - 1}")
        expected = seq + 1
        e = json.loads(data)
        kind = e.get("type")
        if kind == "day_started":
            numbers = set()  # numbers start again each day
        elif kind == "ticket_issued":
            t = e["ticket"]
            if t["number"] in numbers or t["id"] in out.issued:
                out.duplicate_numbers.append(f"seq {seq}: {t['number']}")
            numbers.add(t["number"])
            out.issued[t["id"]] = t["number"]
        elif kind in ("ticket_called", "ticket_recalled"):
            out.calls[seq] = (kind, e["ticket"]["number"], e["window"])
    return out


# --- staff sending commands ----------------------------------------------------------------------

@dataclass
class Answer:
    command: dict[str, Any]
    answer: dict[str, Any]
    at: float


class Staff:
    """A kiosk issuing tickets and windows pressing "next" (and recall, start), steadily, through drops and restarts.

    Each actor has its own connection and sends one command at a time. A
    connection that drops with a command unanswered reconnects and sends the
    same command again (same ``id``): the hub answers it with its first answer
    if it had been done. :attr:`answers` holds every answer received.
    """

    def __init__(self, url: str, hall: str = "zhongshan", windows: tuple[int, ...] = (3, 4, 6),
                 services: tuple[str, ...] = ("id-card", "passport", "hukou-move"),
                 interval: float = 0.03, seed: int = 1) -> None:
        self.url = url
        self.hall = hall
        self.windows = windows
        self.services = services
        self.interval = interval
        self.rng = random.Random(seed)
        self.answers: list[Answer] = []
        self.resent = 0           # commands sent again after a drop
        self.running = asyncio.Event()
        self.running.set()
        self._stop = asyncio.Event()
        self._busy = 0
        self._tasks: list[asyncio.Task] = []
        self._ids = itertools.count(1)

    def start(self) -> None:
        kiosk = {"type": "hello", "v": 1, "role": "kiosk", "hall": self.hall, "token": demo_token("kiosk", self.hall)}
        self._tasks.append(asyncio.ensure_future(self._actor(kiosk, self._issue)))
        for w in self.windows:
            hello = {"type": "hello", "v": 1, "role": "window", "hall": self.hall, "window": w,
                     "token": demo_token("window", self.hall, w)}
            self._tasks.append(asyncio.ensure_future(self._actor(hello, lambda w=w: self._call(w))))

    def _issue(self) -> dict[str, Any]:
        return {"type": "issue", "id": f"k-{next(self._ids)}", "service": self.rng.choice(self.services)}

    def _call(self, window: int) -> dict[str, Any]:
        kind = self.rng.choices(["call_next", "recall", "start"], [6, 1, 1])[0]
        return {"type": kind, "id": f"w{window}-{next(self._ids)}", "window": window}

    async def pause(self, timeout: float = 10.0) -> None:
        """Stop sending new commands; return when every command sent has its answer."""
        self.running.clear()
        deadline = time.monotonic() + timeout
        while self._busy and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    def resume(self) -> None:
        self.running.set()

    async def stop(self) -> None:
        self._stop.set()
        self.running.set()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _actor(self, hello: dict[str, Any], make: Callable[[], dict[str, Any]]) -> None:
        from websockets.asyncio.client import connect

        pending: dict[str, Any] | None = None
        while not self._stop.is_set():
            try:
                async with connect(self.url, open_timeout=3, ping_interval=None, close_timeout=0.5,
                                   compression=None) as ws:
                    await ws.send(json.dumps(hello))
                    first = json.loads(await asyncio.wait_for(ws.recv(), 5))
                    if first.get("type") != "welcome":
                        raise RuntimeError(f"refused: {first}")
                    while not self._stop.is_set():
                        if pending is None:
                            await self.running.wait()
                            if self._stop.is_set():
                                return
                            pending = make()
                            self._busy += 1  # until answered, across reconnects
                        else:
                            self.resent += 1
                        await ws.send(json.dumps(pending))
                        while True:
                            msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
                            if msg.get("type") in ("ok", "error") and msg.get("id") == pending["id"]:
                                break
                        self.answers.append(Answer(pending, msg, time.time()))
                        self._busy -= 1
                        pending = None
                        await asyncio.sleep(self.interval * self.rng.uniform(0.5, 1.5))
            except asyncio.CancelledError:
                raise
            except Exception:  # the hub is down or restarting: try again
                await asyncio.sleep(0.05)

    def acknowledged_tickets(self) -> dict[str, str]:
        """Ticket id -> number of every ``issue`` answered ok."""
        return {a.answer["result"]["ticket"]["id"]: a.answer["result"]["ticket"]["number"]
                for a in self.answers if a.command["type"] == "issue" and a.answer.get("type") == "ok"}


# --- a screen and an announcer ---------------------------------------------------------------------

class Watcher:
    """A wall screen and an announcer of one hall, in this process, fed by the real hub clients.

    The screen is :class:`signage.display.app.DisplayApp` without a display: its
    own :class:`HubClient` thread fills its inbox and a pump thread folds the
    inbox into its :class:`HallView` as the frame loop would (``connected`` is
    the flag that puts the "offline" badge on the wall). The announcer is a
    second :class:`HubClient` feeding :class:`audio.announcer.Announcer`, whose
    announcements are collected instead of played.

    ``client_options`` go to both hub clients (e.g. a short ``ping_interval``
    or backoff in tests; the defaults are the product's).
    """

    def __init__(self, url: str, hall: str = "zhongshan", screen: str = "main", zone: str | None = None,
                 announcer: bool = True, **client_options: Any) -> None:
        from audio.announcer import Announcer, hello_message
        from signage.display.app import DisplayApp
        from signage.hubclient import HubClient

        self.lock = threading.Lock()
        self.app = DisplayApp(url, demo_token("screen", hall), hall, screen)
        for k, v in client_options.items():
            setattr(self.app.client, k, v)
        self.announcements: list[Any] = []
        self.welcomes: list[tuple[float, str, int, bool]] = []  # (time, who, seq, replay)
        self.live_seqs: set[int] = set()     # call events the screen got live (not in a replay)
        self.audio_snapshot_gaps: list[tuple[int, int]] = []  # (seq before, welcome seq) of snapshot welcomes
        self._screen_welcome_seq = 0
        self.queued_at: list[float] = []     # local time each announcement was queued (to check its age)
        self.announcer = Announcer(self._queue, zone=zone) if announcer else None
        self.audio_client = None
        self.audio_connected = False
        if announcer:
            self.audio_client = HubClient(url, hello_message(hall, demo_token("announcer", hall), zone),
                                          self._on_audio, self._on_audio_status)
            for k, v in client_options.items():
                setattr(self.audio_client, k, v)
        inbox_put = self.app.inbox.put

        def spy(message: dict[str, Any]) -> None:  # sees what the screen's inbox gets, in order
            kind = message.get("type")
            if kind == "welcome":
                self.welcomes.append((time.monotonic(), "screen", message.get("seq", -1), bool(message.get("replay"))))
                self._screen_welcome_seq = message.get("seq", 0)
            elif kind == "event" and message.get("seq", 0) > self._screen_welcome_seq and \
                    message.get("event", {}).get("type") in ("ticket_called", "ticket_recalled"):
                self.live_seqs.add(message["seq"])
            inbox_put(message)

        self.app.client.on_message = spy
        self._stop = threading.Event()
        self._pump = threading.Thread(target=self._pump_loop, daemon=True, name="watcher-pump")

    def start(self) -> "Watcher":
        self.app.client.start_thread("watcher-screen")
        if self.audio_client is not None:
            self.audio_client.start_thread("watcher-announcer")
        self._pump.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.app.client.stop()
        if self.audio_client is not None:
            self.audio_client.stop()
        self._pump.join(5)

    def _pump_loop(self) -> None:
        while not self._stop.is_set():
            with self.lock:
                self.app.pump(time.time())
            time.sleep(0.005)

    def _queue(self, announcement: Any) -> None:
        self.announcements.append(announcement)
        self.queued_at.append(time.time())

    def late_announcements(self) -> list[str]:
        """Announcements queued when their call was already older than the hall's max age (must be none)."""
        with self.lock:
            return [f"{a.ticket} -> {a.window} (#{a.seq}) {q - a.at:.1f} s old"
                    for a, q in zip(self.announcements, self.queued_at) if q - a.at > a.max_age + 0.5]

    def _on_audio(self, message: dict[str, Any]) -> None:
        with self.lock:
            assert self.announcer is not None
            if message.get("type") == "welcome":
                self.welcomes.append((time.monotonic(), "announcer", message.get("seq", -1),
                                      bool(message.get("replay"))))
                if not message.get("replay") and self.announcer.seq is not None:
                    self.audio_snapshot_gaps.append((self.announcer.seq, message.get("seq", -1)))
            self.announcer.handle(message, time.time())

    def _on_audio_status(self, up: bool) -> None:
        self.audio_connected = up

    # --- what the tests and the bench look at ------------------------------------------------------

    @property
    def view(self) -> Any:
        return self.app.view

    @property
    def unreachable(self) -> bool:
        """The screen's "hub unreachable" flag (the badge shows after a short grace)."""
        with self.lock:
            return not self.app.connected

    def synced_to(self, seq: int) -> bool:
        """Both clients welcomed again and both have every event up to ``seq``."""
        with self.lock:
            screen = self.app.connected and self.app.view.seq >= seq
            audio = self.announcer is None or (self.audio_connected and (self.announcer.seq or 0) >= seq)
        return screen and audio

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return self.app.view.to_snapshot() | {"seq": self.app.view.seq}

    def stale_fresh_calls(self) -> list[int]:
        """Calls the screen would highlight as new although they did not arrive live (must be none)."""
        with self.lock:
            return [c.seq for c in self.app.view.recent_calls if c.fresh_at is not None and c.seq not in self.live_seqs]

    def spoken(self) -> list[tuple[int, str, str, int]]:
        with self.lock:
            return [(a.seq, a.kind, a.ticket, a.window) for a in self.announcements]


def wait_until(cond: Callable[[], bool], timeout: float, step: float = 0.005) -> float | None:
    """Seconds until ``cond()`` held, or None if it did not within ``timeout``."""
    t0 = time.monotonic()
    while True:
        if cond():
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            return None
        time.sleep(step)


async def await_until(cond: Callable[[], bool], timeout: float, step: float = 0.005) -> float | None:
    t0 = time.monotonic()
    while True:
        if cond():
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            return None
        await asyncio.sleep(step)


async def hub_snapshot(url: str, hall: str = "zhongshan") -> dict[str, Any]:
    """The hub's public state now, as a newly connected screen gets it (snapshot + its seq)."""
    from websockets.asyncio.client import connect

    async with connect(url, max_size=8 * 1024 * 1024, compression=None, open_timeout=5) as ws:
        await ws.send(json.dumps({"type": "hello", "v": 1, "role": "screen", "hall": hall,
                                  "token": demo_token("screen", hall)}))
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 5))
    return welcome["snapshot"] | {"seq": welcome["seq"]}


def view_differences(view: dict[str, Any], hub: dict[str, Any]) -> list[str]:
    """How a screen's view (``HallView.to_snapshot`` + seq) differs from the hub's snapshot; [] if in sync."""
    out = []
    if view.get("seq") != hub.get("seq"):
        out.append(f"seq {view.get('seq')} != hub {hub.get('seq')}")
    waiting = {k: v for k, v in hub["waiting"].items() if v}
    mine = {k: v for k, v in view["waiting"].items() if v}
    if mine != waiting:
        out.append(f"waiting {mine} != hub {waiting}")
    calls = [(c["seq"], c["ticket"]["number"], c["window"], c["recall"]) for c in view["recent_calls"]]
    theirs = [(c["seq"], c["ticket"]["number"], c["window"], c["recall"]) for c in hub["recent_calls"]]
    if calls != theirs:
        out.append(f"recent calls {calls[:3]}... != hub {theirs[:3]}...")
    for n, w in hub["windows"].items():
        m = view["windows"].get(n, {"state": "closed"})
        got = (m["state"], (m.get("ticket") or {}).get("number"), m.get("ticket_state"))
        want = (w["state"], (w.get("ticket") or {}).get("number"), w.get("ticket_state"))
        if got != want:
            out.append(f"window {n}: {got} != hub {want}")
    return out


# --- a loopback relay to cut and to freeze ---------------------------------------------------------

class TcpProxy:
    """``127.0.0.1:port`` relayed to ``127.0.0.1:target``, in a thread of its own.

    * :meth:`cut` closes every link and refuses new ones until :meth:`restore`
      (an outage: a cable pulled, a switch rebooting).
    * :meth:`freeze` makes the links open now stop passing bytes in both
      directions while their sockets stay open: a half-open connection. Links
      opened afterwards work normally.
    """

    def __init__(self, target: int, port: int | None = None) -> None:
        self.target = target
        self.port = port or free_port()
        self.links = 0                       # links opened so far
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="tcp-proxy")
        self._server: asyncio.base_events.Server | None = None
        self._open: dict[int, tuple[asyncio.StreamWriter, asyncio.StreamWriter, asyncio.Event]] = {}

    def start(self) -> "TcpProxy":
        self._thread.start()
        self._call(self._listen())
        return self

    def _call(self, coro: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._link, "127.0.0.1", self.port, reuse_address=True)

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.close()
            return
        key = next(_link_ids)
        flowing = asyncio.Event()
        flowing.set()
        self._open[key] = (writer, up_w, flowing)
        self.links += 1

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    await flowing.wait()  # frozen: held here, the socket stays open
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                if flowing.is_set():
                    dst.close()

        try:
            await asyncio.gather(pipe(reader, up_w), pipe(up_r, writer))
        except asyncio.CancelledError:
            pass  # the relay is closing
        finally:
            self._open.pop(key, None)

    def cut(self) -> None:
        async def go() -> None:
            if self._server is not None:
                self._server.close()
                self._server = None
            for a, b, _ in list(self._open.values()):
                a.transport.abort()
                b.transport.abort()
        self._call(go())

    def restore(self) -> None:
        self._call(self._listen())

    def freeze(self) -> int:
        """Freeze every link open now; how many."""
        async def go() -> int:
            for _, _, flowing in self._open.values():
                flowing.clear()
            return len(self._open)
        return self._call(go())

    def close(self) -> None:
        async def go() -> None:
            if self._server is not None:
                self._server.close()
            for a, b, _ in list(self._open.values()):
                a.transport.abort()
                b.transport.abort()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        try:
            self._call(go())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)


_link_ids = itertools.count()


# --- crash cycles ----------------------------------------------------------------------------------

SPOKEN = SPOKEN_EVENTS  # the event types the announcer speaks, and as what (audio/announcer.py)


@dataclass
class CrashReport:
    cycles: int = 0
    acknowledged: int = 0        # answers received by the staff (ok or refusal)
    tickets: int = 0             # of which tickets issued
    resent: int = 0              # commands sent again after a kill (same id)
    events: int = 0              # events in the log at the end
    spoken: int = 0              # announcements
    restart: list[float] = field(default_factory=list)  # seconds from SIGKILL to the new process listening
    resync: list[float] = field(default_factory=list)   # seconds from listening to screen and announcer in sync
    problems: list[str] = field(default_factory=list)


def check_log_and_clients(db: Path, staff: Staff, watcher: Watcher | None, hall: str = "zhongshan",
                          final: bool = False) -> list[str]:
    """Everything acknowledged is in the log, no gap, no number twice; each call spoken once, as logged.

    ``final`` (the staff stopped, every command answered): the log has exactly one ticket per
    ``issue`` answered ok and one call per ``call_next`` answered ok, so a command sent again
    after a kill never had a second effect.
    """
    log = read_log(db, hall)
    problems = [f"log: {g}" for g in log.gaps] + [f"log: number given twice at {d}" for d in log.duplicate_numbers]
    if final:
        oks = [a for a in staff.answers if a.answer.get("type") == "ok"]
        issued = sum(a.command["type"] == "issue" for a in oks)
        called = sum(a.command["type"] == "call_next" for a in oks)
        logged_calls = sum(c[0] == "ticket_called" for c in log.calls.values())
        if (len(log.issued), logged_calls) != (issued, called):
            problems.append(f"log: {len(log.issued)} tickets and {logged_calls} calls for {issued} issues and "
                            f"{called} calls acknowledged (a retry had a second effect?)")
    for tid, number in staff.acknowledged_tickets().items():
        if log.issued.get(tid) != number:
            problems.append(f"acknowledged ticket {number} ({tid}) is not in the log")
    calls_in_log = {(c[1], c[2]) for c in log.calls.values()}  # (number, window); once, not per answer
    for a in staff.answers:
        if a.command["type"] == "call_next" and a.answer.get("type") == "ok":
            t = a.answer["result"]["ticket"]
            if (t["number"], a.command["window"]) not in calls_in_log:
                problems.append(f"acknowledged call of {t['number']} at window {a.command['window']} is not in the log")
    if watcher is not None and watcher.announcer is not None:
        spoken = watcher.spoken()
        seqs = [s for s, *_ in spoken]
        if len(seqs) != len(set(seqs)):
            problems.append(f"a call was spoken twice: {sorted(s for s in seqs if seqs.count(s) > 1)[:5]}")
        for seq, kind, number, window in spoken:
            logged = log.calls.get(seq)
            if logged is None or (SPOKEN[logged[0]], logged[1], logged[2]) != (kind, number, window):
                problems.append(f"spoke {kind} {number} -> {window} as #{seq}, the log says {logged}")
        # Every call is spoken once. After a snapshot welcome (the hub sends one instead of a replay
        # when it is smaller) the announcer knows only the snapshot's recent calls: the latest call
        # of each of the last 20 tickets called. Calls that the snapshot could not hold are excused.
        synced = (watcher.announcer.seq or 0)
        said = set(seqs)

        def excused(s: int, number: str) -> bool:
            if any(t > s and c[1] == number and t in said for t, c in log.calls.items()):
                return True  # the ticket's later call or recall was spoken: the latest is what counts
            for before, welcome in watcher.audio_snapshot_gaps:
                if before < s <= welcome:
                    later = {c[1] for t, c in log.calls.items() if s < t <= welcome}
                    return len(later - {number}) >= 20  # pushed out of the snapshot's recent calls
            return False

        unspoken = [s for s, (_, number, _) in log.calls.items() if s <= synced and s not in said
                    and not excused(s, number)]
        if unspoken:
            problems.append(f"calls never spoken: {unspoken[:5]}")
        stale = watcher.stale_fresh_calls()
        if stale:
            problems.append(f"the screen shows calls as new that did not arrive live: {stale}")
    return problems


async def compare_with_hub(url: str, watcher: Watcher, staff: Staff | None, hall: str = "zhongshan",
                           timeout: float = 5.0) -> list[str]:
    """With the staff paused, the screen's view comes to equal a fresh snapshot from the hub.

    Polled until equal or ``timeout``: the waiting counts also come with the
    estimates, which follow the events by up to half a second.
    """
    if staff is not None:
        await staff.pause()
    try:
        deadline = time.monotonic() + timeout
        while True:
            snap = await hub_snapshot(url, hall)  # again now and then: a day rollover may slip in
            for _ in range(10):
                diffs = view_differences(watcher.snapshot(), snap)
                if not diffs or time.monotonic() > deadline:
                    return diffs
                await asyncio.sleep(0.05)
    finally:
        if staff is not None:
            staff.resume()


async def crash_cycles(folder: Path, cycles: int, *, seed: int = 1, hall: str = "zhongshan",
                       load_seconds: tuple[float, float] = (0.3, 1.2),
                       progress: Callable[[int, CrashReport], None] | None = None) -> CrashReport:
    """A real hub under steady load, killed with SIGKILL at random moments ``cycles`` times and restarted.

    After each restart: every acknowledged ticket and call is in the log, the
    log has no gap and no number twice, the screen and the announcer are back in
    sync by themselves (the time is measured), the screen's view equals the
    hub's state, and no call was spoken twice or shown as new after a replay.
    """
    folder = Path(folder)
    rng = random.Random(seed)
    report = CrashReport()
    hub = HubProcess.serve(folder, hall_open_all_day(folder, hall))
    await asyncio.to_thread(hub.start)
    watcher = Watcher(hub.url, hall).start()
    staff = Staff(hub.url, hall, seed=seed)
    staff.start()
    try:
        if await await_until(lambda: watcher.synced_to(0), 10) is None:
            report.problems.append("the watcher never connected")
            return report
        for cycle in range(cycles):
            await asyncio.sleep(rng.uniform(*load_seconds))
            killed = time.monotonic()
            hub.kill()
            await asyncio.sleep(rng.uniform(0.0, 0.3))
            await asyncio.to_thread(hub.start)
            report.restart.append(time.monotonic() - killed)
            target = hub.seqs.get(hall, 0)
            took = await await_until(lambda: watcher.synced_to(target), 30)
            if took is None:
                report.problems.append(f"cycle {cycle}: screen or announcer not back in sync within 30 s")
            else:
                report.resync.append(took)
            diffs = await compare_with_hub(hub.url, watcher, staff, hall)
            report.problems += [f"cycle {cycle}: screen view: {d}" for d in diffs]
            found = check_log_and_clients(folder / "hub.db", staff, None, hall)
            report.problems += [f"cycle {cycle}: {p}" for p in found]
            report.cycles = cycle + 1
            report.acknowledged, report.tickets = len(staff.answers), len(staff.acknowledged_tickets())
            if progress is not None:
                progress(cycle + 1, report)
        await staff.pause()
        await await_until(lambda: watcher.synced_to(read_log(folder / "hub.db", hall).events), 10)
        report.problems += check_log_and_clients(folder / "hub.db", staff, watcher, hall, final=True)
    finally:
        await staff.stop()
        watcher.stop()
        code = hub.stop()
        if code not in (0, None):
            report.problems.append(f"the hub exited with {code} on SIGTERM")
    report.problems += [f"hub log: {line}" for line in log_problems(hub.log_path)]
    log = read_log(folder / "hub.db", hall)
    report.events = log.events
    report.acknowledged = len(staff.answers)
    report.tickets = len(staff.acknowledged_tickets())
    report.resent = staff.resent
    report.spoken = len(watcher.announcements)
    return report


# --- network faults --------------------------------------------------------------------------------

class HubThread:
    """The hub in this process, in a thread with its own event loop, stopped and started on one port.

    Used where a test looks inside the hub (its clients, its queues) while the
    network between it and the screens misbehaves.
    """

    def __init__(self, folder: Path, hall_file: Path, *, limits: Any = None, port: int | None = None) -> None:
        self.folder = Path(folder)
        self.hall_file = hall_file
        self.limits = limits
        self.port = port or free_port()
        self.hub: Any = None
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="hub")
        self.thread.start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def call(self, coro: Any, timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> None:
        from server.hub.hub import naive_estimator
        from server.web.serve import open_hub

        async def go() -> Any:
            hub = open_hub([self.hall_file], DEMO_TOKENS, self.folder / "hub.db", limits=self.limits,
                           estimator=naive_estimator, durable=False)
            await hub.start("127.0.0.1", self.port)
            return hub

        self.hub = self.call(go())

    def stop(self) -> None:
        if self.hub is not None:
            self.call(self.hub.shutdown())
            self.hub = None

    def connections(self, hall: str = "zhongshan") -> dict[str, int]:
        async def go() -> dict[str, int]:
            return dict(self.hub.halls[hall].connections())
        return self.call(go())

    def close(self) -> None:
        self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@dataclass
class NetworkReport:
    outage: float = 0.0
    badge_after: float | None = None          # seconds from the cut to the screen's "hub unreachable" flag
    back_after_outage: float | None = None    # seconds from the link's return to screen and announcer in sync
    missed_in_outage: int = 0                 # calls the announcer did not hear live (outage and reconnection)
    spoken_during_outage: int = 0             # ... spoken when it was back (young enough, in the welcome)
    dropped_as_stale: int = 0                 # ... not spoken: too old, or older than a snapshot's last 20 calls
    half_open_detected: float | None = None   # seconds from the freeze to the screen seeing the link dead
    back_after_half_open: float | None = None
    hub_dropped_half_open: float | None = None  # seconds until the hub let go of the frozen connections
    back_after_restart: float | None = None   # seconds from the restarted hub listening to both in sync
    problems: list[str] = field(default_factory=list)


async def network_faults(folder: Path, outage: float, *, hall: str = "zhongshan", keepalive: float = 1.0,
                         max_age: float | None = None, backoff: tuple[float, float] | None = None,
                         seed: int = 1) -> NetworkReport:
    """A screen and an announcer behind a relay, staff calling the whole time, and three faults in turn:

    1. an outage of ``outage`` seconds (the relay refuses everything), then the link back;
    2. a half-open link (the relay freezes: nothing passes, nothing closes), found by the
       keepalive pings (``keepalive`` seconds between pings and to wait for a pong, both ends);
    3. a hub restart (a clean stop and start on the same port and database).

    After each: the screen showed "hub unreachable" meanwhile, both clients are back in
    sync by themselves, the screen's view equals the hub's state, nothing was shown as
    new that did not arrive live, no call was spoken twice, none spoken older than the
    hall's ``voice.max_age_seconds`` (``max_age`` overrides it, to test that with a short outage).
    """
    from server.hub.hub import Limits

    folder = Path(folder)
    report = NetworkReport(outage=outage)
    hall_file = hall_open_all_day(folder, hall)
    if max_age is not None:
        text = hall_file.read_text(encoding="utf-8")
        text, n = re.subn(r"max_age_seconds: [\d.]+", f"max_age_seconds: {max_age:g}", text)
        if not n:
            text = text.replace("\nvoice:\n", f"\nvoice:\n  max_age_seconds: {max_age:g}\n", 1)
        hall_file.write_text(text, encoding="utf-8")
    limits = Limits(ping_interval=keepalive, ping_timeout=keepalive, watch_interval=None, close_grace=0.5)
    hub = HubThread(folder, hall_file, limits=limits)
    hub.start()
    proxy = TcpProxy(hub.port).start()
    options: dict[str, Any] = {"ping_interval": keepalive}
    if backoff is not None:
        options.update(min_backoff=backoff[0], max_backoff=backoff[1])
    watcher = Watcher(f"ws://127.0.0.1:{proxy.port}", hall, **options).start()
    staff = Staff(hub.url, hall, interval=0.15, seed=seed)
    staff.start()
    problems = report.problems

    async def in_sync(what: str, since: float) -> float | None:
        seq = read_log(folder / "hub.db", hall).events
        took = await await_until(lambda: watcher.synced_to(seq), 60)
        if took is None:
            problems.append(f"{what}: not back in sync within 60 s")
            return None
        diffs = await compare_with_hub(hub.url, watcher, staff, hall)
        problems.extend(f"{what}: screen view: {d}" for d in diffs)
        return time.monotonic() - since

    try:
        if await await_until(lambda: watcher.synced_to(0), 10) is None:
            problems.append("the watcher never connected")
            return report
        await asyncio.sleep(1.0)
        # 1. an outage
        spoken_before = len(watcher.announcements)
        seq_before = read_log(folder / "hub.db", hall).events
        cut = time.monotonic()
        await asyncio.to_thread(proxy.cut)
        report.badge_after = await await_until(lambda: watcher.unreachable, 10)
        if report.badge_after is None:
            problems.append("outage: the screen never noticed")
        await asyncio.sleep(max(0.0, outage - (time.monotonic() - cut)))
        if not watcher.unreachable:
            problems.append("outage: the screen says connected during the outage")
        restored = time.monotonic()
        await asyncio.to_thread(proxy.restore)
        report.back_after_outage = await in_sync("outage", restored)
        # The calls the announcer missed: from before the cut to its first welcome after the link came back.
        back = [seq for t, who, seq, _ in watcher.welcomes if who == "announcer" and t >= restored]
        missed = {s for s in read_log(folder / "hub.db", hall).calls if seq_before < s <= (back[0] if back else 0)}
        said = {a.seq for a in watcher.announcements[spoken_before:]}
        report.missed_in_outage = len(missed)
        report.spoken_during_outage = len(missed & said)
        report.dropped_as_stale = len(missed - said)
        # 2. a half-open link
        await asyncio.sleep(1.0)
        frozen = await asyncio.to_thread(proxy.freeze)
        froze = time.monotonic()
        if frozen < 2:
            problems.append(f"half-open: {frozen} links frozen, expected the screen's and the announcer's")
        report.half_open_detected = await await_until(lambda: watcher.unreachable, 10 * keepalive + 10)
        if report.half_open_detected is None:
            problems.append("half-open: never detected")
        report.back_after_half_open = await in_sync("half-open", froze)
        expected = {"screen": 1, "announcer": 1}
        report.hub_dropped_half_open = await await_until(
            lambda: {k: v for k, v in hub.connections(hall).items() if k in expected} == expected,
            10 * keepalive + 10, 0.05)
        if report.hub_dropped_half_open is None:
            problems.append(f"half-open: the hub still holds {hub.connections(hall)}")
        else:
            report.hub_dropped_half_open += report.back_after_half_open or 0.0
        # 3. a hub restart
        await asyncio.sleep(0.5)
        await asyncio.to_thread(hub.stop)
        if await await_until(lambda: watcher.unreachable, 10) is None:
            problems.append("restart: the screen never noticed")
        await asyncio.sleep(0.5)
        await asyncio.to_thread(hub.start)
        report.back_after_restart = await in_sync("restart", time.monotonic())
        await staff.pause()
        await await_until(lambda: watcher.synced_to(read_log(folder / "hub.db", hall).events), 30)
        problems.extend(check_log_and_clients(folder / "hub.db", staff, None, hall))
        problems.extend(f"spoken too late: {x}" for x in watcher.late_announcements())
        seqs = [a.seq for a in watcher.announcements]
        if len(seqs) != len(set(seqs)):
            problems.append("a call was spoken twice")
        stale = watcher.stale_fresh_calls()
        if stale:
            problems.append(f"the screen shows calls as new that did not arrive live: {stale}")
    finally:
        await staff.stop()
        watcher.stop()
        proxy.close()
        hub.close()
    return report
