"""``signage demo``: the whole hall in one command, on loopback.

Starts a hub with a sample hall (a fresh database in a folder it names), each
of the hall's screens as its own ``signage display`` process (windows on a
desktop; without a display, headless, writing a PNG of every screen every few
seconds), an announcer (speakers if there are any, else a WAV file per
announcement), and a simulated day from the hall's traffic profile, sent to the
hub as real kiosk and window commands over WebSockets. ``--speed`` runs the day
faster than real time: the hub's clock is the simulated one.

A person can join in: the URLs of the staff console, kiosk and manager page
are printed with the demo tokens. One window (3 unless ``--your-window``) is
left to that person: the simulation never calls from it, never calls a ticket
taken in the browser, and that window's "next" calls such a ticket before the
simulated queue (:class:`Steering`). Ctrl-C stops everything cleanly.
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

from server.queue.engine import QueueEngine, local_time, refuse
from server.queue.rules import pick_next, window_plans
from signage import protocol as p
from server.hub.hub import run_hub
from server.web.serve import open_hub
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


class Steering:
    """Who calls whose ticket in the demo, so that a person can call their own.

    The simulation's tickets are the ones its kiosk was given (``sim_tickets``);
    any other (the browser kiosk's, ``signage take``'s) is the person's. At the
    person's window (``mine``) "next" calls the person's waiting ticket first
    (by the hall's own rule among them), then the simulated queue; a simulated
    window never calls a person's ticket: its "next" goes to the simulated
    ticket the rule puts first, or finds nobody waiting. The engine's decision
    is wrapped in the demo's hub only (:meth:`install`); the rest of the hall's
    rules are untouched.
    """

    def __init__(self, mine: int | None) -> None:
        self.mine = mine
        self.sim_tickets: set[str] = set()

    def install(self, durable: Any) -> None:
        """Wrap the decisions of ``durable``'s engine (again whenever it was rebuilt)."""
        submit_many = durable.submit_many

        def steered_submit_many(commands: list) -> list:
            engine = durable.engine
            if not getattr(engine, "_demo_steered", False):
                self._wrap(engine)
            return submit_many(commands)

        durable.submit_many = steered_submit_many
        self._wrap(durable.engine)

    def _wrap(self, engine: QueueEngine) -> None:
        decide = engine.decide

        def steered(cmd: Any, now: float, actor: str, mint_id: Any) -> Any:
            if getattr(cmd, "type", None) != "call_next":
                return decide(cmd, now, actor, mint_id)
            chosen = self.choose(engine, cmd.window, now)
            if chosen is None:
                return decide(cmd, now, actor, mint_id)
            if chosen is False:
                return refuse("nothing_waiting", f"no ticket of the simulation is waiting for window {cmd.window}")
            decision = decide(p.Call(type="call", id=cmd.id, window=cmd.window, ticket=chosen), now, actor, mint_id)
            for e in decision.events:  # still the "next" it was (a resent request is a duplicate, not a clash)
                if e.get("command") == "call":
                    e["command"] = "call_next"
            return decision

        engine.decide = steered  # type: ignore[method-assign]
        engine._demo_steered = True  # type: ignore[attr-defined]

    def choose(self, engine: QueueEngine, window: int, now: float) -> str | None | bool:
        """The ticket id ``window``'s "next" should call; None: as the engine would; False: nobody."""
        plan = window_plans(engine.config).get(window)
        if plan is None:
            return None
        rules = engine.config.rules
        waiting = engine.state.waiting()
        if window == self.mine:
            theirs = pick_next(rules, plan, [t for t in waiting if t.id not in self.sim_tickets], now)
            return None if theirs is None else theirs.id
        first = pick_next(rules, plan, waiting, now)
        if first is None or first.id in self.sim_tickets:
            return None
        ours = pick_next(rules, plan, [t for t in waiting if t.id in self.sim_tickets], now)
        return False if ours is None else ours.id


def demo_profile(profile: Any, config: HallConfig, mine: int | None) -> Any:
    """``profile`` without window ``mine``: not staffed, no breaks (it is the person's)."""
    if mine is None:
        return profile
    windows = profile.windows
    staffed = [w.number for w in config.windows] if windows.staffed == "all" else windows.staffed
    plan = [b.model_copy(update={"windows": [n for n in b.windows if n != mine]}) for b in profile.breaks.plan]
    return profile.model_copy(update={
        "windows": windows.model_copy(update={"staffed": [n for n in staffed if n != mine]}),
        "breaks": profile.breaks.model_copy(update={"plan": [b for b in plan if b.windows]})})


def _token(tokens: Tokens, hall: str, role: str, window: int | None = None) -> str:
    for e in tokens.entries:
        if e.role == role and e.covers_hall(hall) and (window is None or window in e.windows):
            return e.secret
    raise LookupError(f"the tokens file has no {role} token for hall {hall}" + (f" window {window}" if window else ""))


async def drive_days(url: str, config: HallConfig, profile: Any, tokens: Tokens, clock: SimClock,
                     first_day: dt.date, seed: int, stop: asyncio.Event, rate_share: float = 0.4,
                     steering: Steering | None = None) -> int:
    """Send simulated days to the hub, one after another, until ``stop``. Returns commands sent.
    The tickets the simulation is given are noted in ``steering``."""
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
                if steering is not None and step.command.type == "issue" and outcome.ok:
                    steering.sim_tickets.add(outcome.result["ticket"]["id"])
                if step.command.type == "call_next" and outcome.ok and rng.random() < rate_share:
                    # the citizen before rates the service on the pad at the window
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
    p.add_argument("--your-window", type=int, default=3, metavar="N",
                   help="the window left to you at the staff console link: the simulation never calls from it, "
                        "nor calls the tickets you take (default 3; 0: the simulation drives every window)")
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
    mine = args.your_window or None
    if mine is not None and mine not in {w.number for w in config.windows}:
        print(f"--your-window {mine}: the hall {config.hall.id} has windows "
              f"{', '.join(str(w.number) for w in config.windows)}", file=sys.stderr)
        return 2
    profile = demo_profile(loaded.profile, config, mine)
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
    mine = args.your_window or None
    steering = Steering(mine)
    steering.install(hub.halls[config.hall.id].durable)
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
    w = mine or 3
    if mine is not None:
        window = next(x for x in config.windows if x.number == mine)
        served = [config.service(sid) for sid in config.services_of(window)]
        names = ", ".join(f"{sv.name.get(lang, '')} {sv.name.get('en', '')}".strip() + f" ({sv.prefix})"
                          for sv in served if sv is not None
                          for lang in [next((l for l in ('zh-Hans', 'zh-Hant') if sv.name.get(l)), 'en')])
        yours = (f"  yours      window {mine} is left to you: the simulation never calls from it, nor the tickets\n"
                 f"             you take. At the kiosk take a ticket for a service of window {mine}:\n"
                 f"             {names};\n"
                 f"             then press 下一位 (next) at the staff console: window {mine} calls your ticket first.\n")
    else:
        yours = "  yours      none (--your-window 0): the simulation drives every window\n"
    print(f"\n  {title}  {name.get('en', '')}  (simulated at {args.speed:g}x)\n"
          f"  hub        {url}   health: {http}/healthz{moved}\n"
          f"  pages (open in a browser; the demo token is in the link after #, docs/web.md):\n"
          f"  staff      {http}/staff?hall={hall}&window={w}#token={_token(tokens, hall, 'window', w)}\n"
          f"  kiosk      {http}/kiosk?hall={hall}#token={_token(tokens, hall, 'kiosk')}\n"
          f"  rating pad {http}/rate?hall={hall}&window={w}#token={_token(tokens, hall, 'window', w)}\n"
          f"  manager    {http}/manage?hall={hall}#token={_token(tokens, hall, 'manager')}\n"
          f"{yours}"
          f"  screens    {screens}\n"
          f"  voice      {voice}\n"
          f"  output     {out}\n"
          "  Ctrl-C stops everything.\n", flush=True)
    driver = asyncio.ensure_future(drive_days(url, config, profile, tokens, clock, today, args.seed, stop,
                                              steering=steering))
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
