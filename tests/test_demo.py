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
