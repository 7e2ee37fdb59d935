"""``signage demo`` as a new user meets it: it speaks (or writes WAVs), finds a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_demo(tmp_path: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    env = dict(os.environ if env is None else env, SDL_VIDEODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1")
    return subprocess.Popen([sys.executable, "-m", "signage.cli", "demo", "--out", str(tmp_path), *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def banner(proc: subprocess.Popen) -> str:
    """What the demo prints up to "Ctrl-C stops everything."."""
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "Ctrl-C stops everything" in line:
            break
    return "".join(lines)


def stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        return proc.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()[0]


def test_with_the_dummy_audio_driver_the_demos_announcer_writes_wavs(tmp_path):
    # SDL_AUDIODRIVER=dummy plays to no device: the announcer must not speak into it.
    env = dict(os.environ, SDL_AUDIODRIVER="dummy")
    proc = start_demo(tmp_path, "--no-screens", "--port", "0", "--speed", "60", "--duration", "90", env=env)
    wavs = tmp_path / "announcements"
    try:
        text = banner(proc)
        assert f"a WAV file per announcement in {wavs} (SDL_AUDIODRIVER=dummy)" in text, text
        deadline = time.monotonic() + 80
        while time.monotonic() < deadline and len(list(wavs.glob("*.wav"))) < 2:
            assert proc.poll() is None, proc.stdout.read()
            time.sleep(0.5)
    finally:
        output = stop(proc)
    files = sorted(wavs.glob("*.wav"))
    log = (tmp_path / "logs" / "announcer.log").read_text()
    assert len(files) >= 2, output + log
    assert all(f.stat().st_size > 16000 and "-call-" in f.name for f in files[:2])
    assert 'SDL\'s "dummy"' in log


def test_the_demo_picks_a_free_port_when_8765_is_taken(tmp_path):
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past the last demo's TIME_WAITs
    try:
        try:
            holder.bind(("127.0.0.1", 8765))
            holder.listen()
        except OSError:
            pass  # taken already: all the same to the demo
        proc = start_demo(tmp_path, "--no-screens", "--no-announcer", "--duration", "15")
        try:
            text = banner(proc)
        finally:
            stop(proc)
    finally:
        holder.close()
    assert "port 8765 is taken: a free one was picked" in text, text
    assert "ws://127.0.0.1:8765 " not in text and "ws://127.0.0.1:" in text


def test_a_person_calls_their_own_ticket_at_the_window_left_to_them(tmp_path):
    """The simulation (at 60x, a morning queue) never calls from window 3 nor calls the
    ticket taken at the kiosk link; window 3's "next" calls that ticket, not the queue's."""
    import asyncio
    import json
    import re

    from websockets.asyncio.client import connect

    proc = start_demo(tmp_path, "--no-screens", "--no-announcer", "--port", "0", "--speed", "60",
                      "--duration", "120")
    try:
        text = banner(proc)
        assert "window 3 is left to you" in text and "(A)" in text, text
        url = re.search(r"hub\s+(ws://\S+)", text).group(1)

        async def hello(role: str, token: str, **more) -> object:
            ws = await connect(url)
            await ws.send(json.dumps({"type": "hello", "v": 1, "role": role, "hall": "zhongshan",
                                      "token": token, "client": "test", **more}))
            assert json.loads(await ws.recv())["type"] == "welcome"
            return ws

        async def answer(ws, rid: str) -> dict:
            while True:
                msg = json.loads(await ws.recv())
                if msg.get("id") == rid and msg["type"] in ("ok", "error"):
                    return msg

        async def person() -> tuple[dict, list[dict], dict]:
            screen = await hello("screen", "demo-zhongshan-screens-not-secret", screen="main")
            calls: list[dict] = []

            async def watch() -> None:
                async for frame in screen:
                    msg = json.loads(frame)
                    if msg.get("type") == "event" and msg["event"]["type"] == "ticket_called":
                        calls.append(msg["event"])

            watcher = asyncio.ensure_future(watch())
            while len(calls) < 25:  # 20 minutes or so into the morning queue
                await asyncio.sleep(0.2)
            kiosk = await hello("kiosk", "demo-zhongshan-kiosks-not-secret")
            await kiosk.send(json.dumps({"type": "issue", "id": "mine", "service": "id-card"}))
            got = await answer(kiosk, "mine")
            assert got["type"] == "ok", got
            mine = {**got["result"]["ticket"], "ahead": got["result"]["ahead"]}
            seen = len(calls)
            while len(calls) < seen + 10:  # the simulated windows call on, 10 times, around it
                await asyncio.sleep(0.2)
            window = await hello("window", "demo-zhongshan-window-3-not-secret", window=3)
            await window.send(json.dumps({"type": "call_next", "id": "my-next", "window": 3}))
            called = await answer(window, "my-next")
            await asyncio.sleep(0.5)
            watcher.cancel()
            for ws in (screen, kiosk, window):
                await ws.close()
            return mine, calls, called

        mine, calls, called = asyncio.run(asyncio.wait_for(person(), 100))
    finally:
        output = stop(proc)
    assert called["type"] == "ok", (called, output[-3000:])
    assert mine["ahead"] >= 1, mine                                    # a queue was waiting before it ...
    assert called["result"]["ticket"]["id"] == mine["id"]             # ... yet window 3 calls it
    by_sim = [c for c in calls if c.get("request") != "my-next"]
    assert by_sim and all(c["window"] != 3 for c in by_sim)           # the simulation never calls from 3
    assert all(c["ticket"]["id"] != mine["id"] for c in by_sim)      # nor calls the person's ticket
    assert any(c["window"] == 3 and c["ticket"]["id"] == mine["id"] for c in calls)  # the screens saw it
