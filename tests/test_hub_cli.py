"""`signage serve` as a real process; `signage call` / `take` / `token` against it; SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from hub_harness import LAYOUTS, TOKENS_YAML

from signage.cli import main as signage

ROOT = Path(__file__).resolve().parent.parent


def open_all_day(tmp: Path) -> Path:
    # The real clock runs in a subprocess: a 24-hour copy of the hall, so tickets are issued at any hour.
    text = (LAYOUTS / "zhongshan.yaml").read_text(encoding="utf-8")
    text = re.sub(r"  hours:\n(    - .*\n)+", '  hours: "24h"\n', text, count=1)
    path = tmp / "zhongshan.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def served(tmp_path):
    hall = open_all_day(tmp_path)
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text(TOKENS_YAML, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "signage.cli", "serve", str(hall), "--tokens", str(tokens),
         "--db", str(tmp_path / "hub.db"), "--port", "0", "--log-level", "WARNING"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    match = re.search(r"ws://127\.0\.0\.1:(\d+)", line)
    assert match, (line, proc.stderr.read() if proc.poll() is not None else "")
    yield proc, f"ws://127.0.0.1:{match.group(1)}"
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_take_call_and_sigterm(served, capsys) -> None:
    proc, url = served
    kiosk = ["--hub", url, "--token", "test-kiosk-0123456789"]
    w3 = ["--hub", url, "--token", "test-window-3-0123456789", "--window", "3"]
    assert signage(["take", *kiosk, "--service", "A"]) == 0
    assert capsys.readouterr().out.startswith("A001  身份证办理  (0 ahead)")
    assert signage(["take", *kiosk, "--service", "passport", "--priority", "elderly", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"]["ticket"]["class"] == "priority"
    assert signage(["call", *w3, "next"]) == 0
    assert capsys.readouterr().out.startswith("window 3: A001 身份证办理")
    assert signage(["call", *w3, "next", "--id", "same"]) == 1  # window 3 does not serve passports
    assert "nothing_waiting" in capsys.readouterr().err
    assert signage(["call", *w3, "pause", "--reason", "lunch", "--until", "13:30"]) == 1  # A001 is at the window
    assert "window_busy" in capsys.readouterr().err
    assert signage(["call", *w3, "complete"]) == 0
    assert signage(["call", *w3, "pause", "--reason", "lunch", "--until", "13:30"]) == 0
    capsys.readouterr()
    assert signage(["call", "--hub", url, "--token", "test-window-3-0123456789", "--window", "4", "next"]) == 2
    assert "unauthorized" in capsys.readouterr().err
    assert signage(["call", "--hub", "ws://127.0.0.1:9", "--token", "x" * 20, "--window", "3", "next",
                    "--hall", "zhongshan", "--timeout", "1"]) == 2

    # SIGTERM: connected clients are told "going away" and the process ends cleanly.
    with connect(url, compression=None, max_size=2**23) as ws:
        ws.send(json.dumps({"type": "hello", "v": 1, "role": "screen", "hall": "zhongshan",
                            "token": "test-screens-0123456789"}))
        welcome = json.loads(ws.recv(timeout=3))
        assert welcome["seq"] >= 6 and welcome["snapshot"]["windows"]["3"]["state"] == "paused"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0  # (how fast it stops is no test's business: 10 s only stops a hang)
        with pytest.raises(ConnectionClosed):
            while True:
                ws.recv(timeout=3)
        assert ws.close_code == 1001


def test_token_command(capsys) -> None:
    assert signage(["token"]) == 0
    secret = capsys.readouterr().out.strip()
    assert len(secret) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", secret)
    assert signage(["token", "--name", "w3", "--role", "window", "--hall", "zhongshan", "--window", "3"]) == 0
    entry = capsys.readouterr().out
    assert "role: window" in entry and "windows: [3]" in entry
    from signage.config.tokens import parse_tokens
    assert parse_tokens("tokens:\n" + entry).entries[0].windows == {3}


def test_demo_tokens_refused_beyond_loopback(tmp_path, capsys) -> None:
    code = signage(["serve", str(LAYOUTS / "zhongshan.yaml"), "--tokens", str(LAYOUTS / "demo-tokens.yaml"),
                    "--host", "0.0.0.0", "--db", str(tmp_path / "x.db")])
    assert code == 2 and "demo tokens file" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()


def test_serve_reports_invalid_files(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((LAYOUTS / "zhongshan.yaml").read_text(encoding="utf-8").replace("minutes: 4", "minutes: four", 1),
                   encoding="utf-8")
    code = signage(["serve", str(bad), "--tokens", str(LAYOUTS / "demo-tokens.yaml"), "--db", str(tmp_path / "x.db")])
    err = capsys.readouterr().err
    assert code == 2 and "bad.yaml:" in err and "minutes" in err
