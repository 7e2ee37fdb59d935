"""``signage demo``: the whole hall in one command, on loopback.

Starts a hub with a sample hall (a fresh database in a folder it names), each
of the hall's screens as its own ``signage display`` process (windows on a
desktop; without a display, headless, writing a PNG of every screen every few
seconds), an announcer (speakers if there are any, else a WAV file per
announcement), and a simulated day from the hall's traffic profile, sent to the
hub as real kiosk and window commands over WebSockets. ``--speed`` runs the day
faster than real time: the hub's clock is the simulated one.

A person can join in: the URLs of the staff console, kiosk and manager page
are printed with the demo tokens. Ctrl-C stops everything cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from signage.config import HallConfig, load_hall

from server.queue.engine import local_time
from server.hub.hub import run_hub
from server.serve import open_hub
from server.sim.simulator import HallDay, Outcome
from signage.config.tokens import Tokens, load_tokens
from server.sim.traffic import load_profile

log = logging.getLogger("demo")
LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"
DEMO_TOKENS = LAYOUTS / "demo-tokens.yaml"
DEFAULT_PORT = 8765


class SimClock:
    """The hall's clock in the demo: a simulated time running ``speed`` times faster."""

    def __init__(self, start: float, speed: float) -> None:
        self.speed = speed
        self.anchor(start)

    def anchor(self, start: float) -> None:
        self._sim0, self._real0 = start, time.monotonic()

    def __call__(self) -> float:
        return self._sim0 + (time.monotonic() - self._real0) * self.speed

    def real_seconds_until(self, at: float) -> float:
        return max(0.0, (at - self()) / self.speed)


class Actor:
    """One kiosk or window of the simulated hall: a WebSocket and its pending answers."""

    def __init__(self, ws: ClientConnection, answer_timeout: float = 15.0) -> None:
        self.ws = ws
        self.answer_timeout = answer_timeout
        self.pending: dict[str, asyncio.Future] = {}
        self.reader = asyncio.ensure_future(self._read())

    @classmethod
    async def connect(cls, url: str, hello: dict) -> "Actor":
        ws = await connect(url, open_timeout=10)
        await ws.send(json.dumps(hello))
        welcome = json.loads(await ws.recv())
        if welcome.get("type") != "welcome":
            raise RuntimeError(f"hub refused {hello['role']}: {welcome.get('message')}")
        return cls(ws)

    async def _read(self) -> None:
        async for frame in self.ws:
            msg = json.loads(frame)
            fut = self.pending.pop(msg.get("id"), None) if msg.get("type") in ("ok", "error") else None
            if fut is not None and not fut.done():
                fut.set_result(msg)

    async def request(self, command: Any) -> dict:
        fut = asyncio.get_running_loop().create_future()
        self.pending[command.id] = fut
        await self.ws.send(command.to_json())
        return await asyncio.wait_for(fut, self.answer_timeout)

    async def close(self) -> None:
        self.reader.cancel()
        await self.ws.close()


def _token(tokens: Tokens, hall: str, role: str, window: int | None = None) -> str:
    for e in tokens.entries:
        if e.role == role and e.covers_hall(hall) and (window is None or window in e.windows):
            return e.secret
    raise LookupError(f"the tokens file has no {role} token for hall {hall}" + (f" window {window}" if window else ""))


async def drive_days(url: str, config: HallConfig, profile: Any, tokens: Tokens, clock: SimClock,
                     first_day: dt.date, seed: int, stop: asyncio.Event, rate_share: float = 0.4) -> int:
    """Send simulated days to the hub, one after another, until ``stop``. Returns commands sent."""
    hall = config.hall.id
    actors: dict[str, Actor] = {}
    rng = random.Random(seed)
    ratings = itertools.count(1)
    sent = 0

    async def actor(name: str) -> Actor:
        if name not in actors:
            if name.startswith("window:"):
                n = int(name.split(":")[1])
                hello = {"type": "hello", "v": 1, "role": "window", "hall": hall, "window": n,
                         "token": _token(tokens, hall, "window", n), "client": "demo"}
            else:
                hello = {"type": "hello", "v": 1, "role": "kiosk", "hall": hall,
                         "token": _token(tokens, hall, "kiosk"), "client": "demo"}
            actors[name] = await Actor.connect(url, hello)
        return actors[name]

    try:
        for day in _open_days(config, profile, first_day, seed):
            clock.anchor(day.at(day.open_min) - 120)
            log.info("simulated day %s starts (%.0fx real time)", day.day, clock.speed)
            gen = day.steps()
            step = next(gen)
            while not stop.is_set():
                wait = clock.real_seconds_until(step.at)
                if wait > 0:
                    try:
                        await asyncio.wait_for(stop.wait(), wait)
                        break
                    except asyncio.TimeoutError:
                        pass
                who = await actor(step.actor)
                answer = await who.request(step.command)
                sent += 1
                outcome = Outcome(answer["type"] == "ok", answer.get("result") or {}, answer.get("code"))
                if step.command.type == "call_next" and outcome.ok and rng.random() < rate_share:
                    # the citizen before rates the service on the pad at the window
                    from signage import protocol as p
                    score = rng.choices([4, 3, 2, 1], [70, 22, 6, 2])[0]
                    await who.request(p.Rate(type="rate", id=f"demo-rate-{next(ratings)}",
                                             window=step.command.window, score=score))
                try:
                    step = gen.send(outcome)
                except StopIteration:
                    break
            if stop.is_set():
                break
    finally:
        for a in actors.values():
            await a.close()
    return sent


def _open_days(config: HallConfig, profile: Any, first: dt.date, seed: int):
    day = first
    for _ in range(3650):
        hd = HallDay(config, profile, day, seed)
        if hd.close_min > hd.open_min:
            yield hd
        day += dt.timedelta(days=1)


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) \
        and os.environ.get("SDL_VIDEODRIVER") not in ("dummy", "offscreen")


def _port_free(port: int) -> bool:
    """True if the hub could listen on 127.0.0.1:``port`` now (bound as asyncio binds it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def sound_card() -> str | None:
    """The audio driver the announcer will play through, or None: no sound card, or SDL's
    silent ``dummy`` driver (then the announcer writes WAV files, audio/outputs.py)."""
    if os.environ.get("SDL_AUDIODRIVER", "").strip().lower() == "dummy":
        return None
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        import pygame

        if pygame.mixer.get_init():
            return pygame.mixer.get_driver()
        pygame.mixer.init()
        try:
            driver = pygame.mixer.get_driver()
        finally:
            pygame.mixer.quit()
    except Exception:  # pygame.error: no device; ImportError
        return None
    return None if driver == "dummy" else driver


def _die_with_parent() -> None:
    # Linux: a screen or announcer of the demo ends when the demo does, even killed.
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _spawn(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    with open(log_path, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "signage.cli", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                preexec_fn=_die_with_parent)


def start_clients(config: HallConfig, hall_file: Path, url: str, tokens: Tokens, out: Path,
                  headless: bool, every: float, screens: bool, announcer: bool) -> list[subprocess.Popen]:
    env = dict(os.environ, PYGAME_HIDE_SUPPORT_PROMPT="1")
    procs = []
    hall = config.hall.id
    logs = out / "logs"
    logs.mkdir(exist_ok=True)
    if screens:
        screen_env = dict(env, SDL_VIDEODRIVER="dummy") if headless else env
        for s in config.screens:
            args = ["display", "--hub", url, "--token", _token(tokens, hall, "screen"), "--screen", s.id,
                    "--hall", hall]
            if headless:
                args += ["--png-dir", str(out / "screens"), "--png-every", str(every), "--fps", "10"]
            else:
                w, h = s.canvas_size
                scale = min(1.0, 960 / w, 720 / h)
                args += ["--windowed", "--size", f"{int(w * scale)}x{int(h * scale)}"]
            procs.append(_spawn(args, screen_env, logs / f"screen-{s.id}.log"))
    if announcer:
        args = ["announce", "--hub", url, "--token", _token(tokens, hall, "announcer"),
                "--hall", str(hall_file), "--wav-dir", str(out / "announcements")]
        procs.append(_spawn(args, env, logs / "announcer.log"))
    return procs


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run a sample hall on this machine: hub, screens, announcer and a simulated day")
    p.add_argument("--hall", default=str(LAYOUTS / "zhongshan.yaml"), metavar="FILE",
                   help="hall file (default: the Zhongshan sample hall)")
    p.add_argument("--profile", metavar="FILE", help="traffic profile (default: HALL.traffic.yaml beside it)")
    p.add_argument("--speed", type=float, default=10.0, metavar="X", help="simulated seconds per real second (default 10)")
    p.add_argument("--headless", action="store_true", help="no windows: write PNGs of the screens (automatic without a display)")
    p.add_argument("--out", metavar="DIR", help="folder for the database, PNGs, WAVs and logs (default: a new temporary one)")
    p.add_argument("--port", type=int, metavar="PORT",
                   help=f"the hub's port on 127.0.0.1 (default {DEFAULT_PORT}, or a free one when it is taken; "
                        "0: any free one)")
    p.add_argument("--png-every", type=float, default=5.0, metavar="S", help="headless: seconds between PNGs")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S real seconds (default: run until Ctrl-C)")
    p.add_argument("--seed", type=int, default=1, help="seed of the simulated day (same seed, same day)")
    p.add_argument("--no-screens", action="store_true", help="do not start the screens")
    p.add_argument("--no-announcer", action="store_true", help="do not start the announcer")
    p.set_defaults(run=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("websockets").setLevel(logging.WARNING)  # one line per connection is noise here
    hall_file = Path(args.hall)
    result = load_hall(hall_file)
    if result.config is None:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        return 1
    config = result.config
    profile_path = Path(args.profile) if args.profile else hall_file.with_suffix(".traffic.yaml")
    loaded = load_profile(profile_path, config)
    if loaded.profile is None:
        for problem in loaded.problems:
            print(problem, file=sys.stderr)
        return 1
    profile = loaded.profile
    tokens = load_tokens(DEMO_TOKENS)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="signage-demo-"))
    out.mkdir(parents=True, exist_ok=True)
    db = out / f"demo-{dt.datetime.now():%Y%m%d-%H%M%S}.db"   # always fresh, never someone's data
    headless = args.headless or not _has_display()
    today = dt.date.today()
    clock = SimClock(time.time(), args.speed)
    try:
        return asyncio.run(_demo(args, config, hall_file, profile, tokens, out, db, headless, clock, today))
    except KeyboardInterrupt:
        return 130


async def _demo(args, config, hall_file, profile, tokens, out, db, headless, clock, today) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    port, moved = args.port, ""
    if port is None:
        port = DEFAULT_PORT
        if not _port_free(port):  # another demo or program has it: any free port will do
            port, moved = 0, f"   (port {DEFAULT_PORT} is taken: a free one was picked)"
    elif port and not _port_free(port):
        print(f"port {port} on 127.0.0.1 is taken; choose another --port, or leave --port out to have a "
              "free one picked", file=sys.stderr)
        return 2
    hub = open_hub([hall_file], tokens, db, clock=clock)  # with the pages: the demo prints their links
    ready = asyncio.Event()
    server = asyncio.ensure_future(run_hub(hub, "127.0.0.1", port, stop, lambda h: ready.set()))
    await asyncio.wait([server, asyncio.ensure_future(ready.wait())], return_when=asyncio.FIRST_COMPLETED)
    if server.done():
        server.result()  # raises the hub's start-up error (port in use...)
    url = f"ws://127.0.0.1:{hub.port}"
    http = f"http://127.0.0.1:{hub.port}"
    hall = config.hall.id
    card = None if args.no_announcer else sound_card()  # asked before the announcer opens it
    procs = start_clients(config, hall_file, url, tokens, out, headless, args.png_every,
                          not args.no_screens, not args.no_announcer)
    name = config.hall.name
    if args.no_screens:
        screens = "not started (--no-screens)"
    elif headless:
        screens = f"a PNG of each screen every {args.png_every:g} s in {out / 'screens'} (no display)"
    else:
        screens = "a window per screen on this desktop"
    if args.no_announcer:
        voice = "not started (--no-announcer)"
    elif card:
        voice = f"through the speakers (audio driver {card}); the log: {out / 'logs' / 'announcer.log'}"
    else:
        why = "SDL_AUDIODRIVER=dummy" if os.environ.get("SDL_AUDIODRIVER", "").strip().lower() == "dummy" \
            else "no sound card"
        voice = f"a WAV file per announcement in {out / 'announcements'} ({why})"
    title = name.get('zh-Hans') or name.get('zh-Hant') or ''
    print(f"\n  {title}  {name.get('en', '')}  (simulated at {args.speed:g}x)\n"
          f"  hub        {url}   health: {http}/healthz{moved}\n"
          f"  pages (open in a browser; the demo token is in the link after #, docs/web.md):\n"
          f"  staff      {http}/staff?hall={hall}&window=3#token={_token(tokens, hall, 'window', 3)}\n"
          f"  kiosk      {http}/kiosk?hall={hall}#token={_token(tokens, hall, 'kiosk')}\n"
          f"  rating pad {http}/rate?hall={hall}&window=3#token={_token(tokens, hall, 'window', 3)}\n"
          f"  manager    {http}/manage?hall={hall}#token={_token(tokens, hall, 'manager')}\n"
          f"  screens    {screens}\n"
          f"  voice      {voice}\n"
          f"  output     {out}\n"
          "  Ctrl-C stops everything.\n", flush=True)
    driver = asyncio.ensure_future(drive_days(url, config, profile, tokens, clock, today, args.seed, stop))
    if args.duration:
        loop.call_later(args.duration, stop.set)
    sent = 0
    try:
        await stop.wait()
        sent = await asyncio.wait_for(driver, 20)
    except Exception:
        log.exception("the simulated day stopped with an error")
    finally:
        stop.set()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        await server
        local = local_time(config, clock())
        print(f"demo stopped at simulated {local:%Y-%m-%d %H:%M}: {sent} commands sent; output in {out}")
    return 0
