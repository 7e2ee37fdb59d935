"""Every benchmark runs, at its smallest, and prints its figures; so do the docs' pictures and the voice service.

The figures themselves are the benchmarks' business (``signage bench ...`` on a quiet machine):
these tests never read a timing. They only check that each bench still runs from end to end and
prints the rows it promises, so that a change elsewhere cannot leave a bench broken until the day
someone needs its figures. Each runs as its users run it, ``python -m signage.cli bench ...`` in
a process of its own (the hub bench turns the garbage collector off, the render bench owns
pygame's display): the timeout only stops a hung bench, it is no assertion.

``signage bench wait`` and ``signage bench voice`` are run in test_estimator.py and
test_audio_cli.py.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import LAYOUTS, ROOT

NUMBER = r"-?[0-9][0-9,]*(?:\.[0-9]+)?"


def bench(*argv: str, timeout: float = 300) -> str:
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1")
    proc = subprocess.run([sys.executable, "-m", "signage.cli", "bench", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.mark.slow
def test_bench_editor_prints_its_three_rows():
    out = bench("editor", "--rounds", "2")
    assert out.startswith("signage bench editor: zhongshan.yaml") and "preview of main (1920x1080" in out, out
    for label in ("validate", "check", "preview"):
        assert re.search(rf"^{label}\s+{NUMBER}\s+{NUMBER}$", out, re.M), out


@pytest.mark.slow
def test_bench_engine_prints_its_three_figures():
    out = bench("engine", "--events", "1000")
    assert out.startswith("engine + durable log")
    for label in ("single (1 command per commit)", "grouped (50 per commit)"):
        assert re.search(rf"{re.escape(label)}\s+{NUMBER} commands/s\s+{NUMBER} events/s", out), out
    rebuilt = re.search(rf"rebuild from ({NUMBER}) events \(no snapshot\): {NUMBER} s", out)
    assert rebuilt and int(rebuilt[1].replace(",", "")) >= 1000, out  # at least the events asked for
    assert re.search(rf"rebuild from a snapshot at {rebuilt[1]}:\s+{NUMBER} s", out), out


@pytest.mark.slow
def test_bench_hub_prints_its_row_and_loses_no_call():
    out = bench("hub", "--screens", "2", "--calls", "5", "--rate", "50", "--burst", "20", "--no-fsync",
                "--estimator", "naive")
    assert "signage bench hub: zhongshan" in out and "5 calls per size" in out and "log without fsync" in out
    head = [line for line in out.splitlines() if line.startswith("screens |")]
    assert len(head) == 1 and "p99 ratio" in head[0] and "hub KiB/conn" in head[0]
    for n in (2,):
        row = re.search(rf"^\s+{n} \|((?:\s+{NUMBER}){{3}}) \|((?:\s+{NUMBER}){{3}}) \|\s+{NUMBER}x \|"
                        rf"\s+{NUMBER} \|\s+{NUMBER} \|\s+{NUMBER}$", out, re.M)
        assert row, out
        p50, p99, worst = (float(x) for x in row[1].split())
        assert p50 <= p99 <= worst  # quantiles of one set of calls (no timing is compared with anything)
        summary = re.search(rf"^\s+{n} screens: per screen p50/p99 hub .*commands per commit.*$", out, re.M)
        assert summary, out
        # every call reached every screen, and none was refused: the bench measured what it says
        assert "incomplete calls" not in summary[0] and "refused calls" not in summary[0], summary[0]


def test_bench_fanout_prints_a_row_per_kind_and_loses_no_message():
    out = bench("fanout", "--clients", "3", "--messages", "4", "--rate", "50", "--rounds", "1",
                "--http-seconds", "0.2", "--http-workers", "2")
    assert "signage bench fanout: 3 loopback clients" in out
    for kind in ("hub", "broadcast", "aiohttp", "aiohttp-framed", "starlette"):
        if re.search(rf"^{kind}: not measured: .* not installed", out, re.M):
            continue  # an optional framework (.[bench]) this machine does not have
        row = re.search(rf"^{re.escape(kind)}\s+\|((?:\s+{NUMBER}){{3}}) \|((?:\s+{NUMBER}){{2}}) \|\s+{NUMBER} \|"
                        rf"\s+{NUMBER}\s+(?:{NUMBER}|nan)$", out, re.M)
        assert row, (kind, out)
        p50, p99, worst = (float(x) for x in row[1].split())
        assert p50 <= p99 <= worst
    assert "did not reach every client" not in out and "failed GETs" not in out, out


@pytest.mark.slow
def test_bench_render_prints_every_screen_case():
    out = bench("render", "--frames", "2")
    assert "signage bench render: zhongshan, 2 steady frames per case" in out
    for case in ("main 1920x1080", "main 3840x2160", "strip-6 1280x320", "lobby-wayfinding 1920x1080"):
        row = re.search(rf"^{re.escape(case)}\s+{NUMBER}ms\s+{NUMBER}ms\s+{NUMBER}ms\s+{NUMBER}ms"
                        rf"\s+{NUMBER}\s+{NUMBER}%\s+{NUMBER}MB\s+{NUMBER}MB$", out, re.M)
        assert row, (case, out)


@pytest.mark.slow
def test_bench_soak_runs_a_day_and_a_crash_cycle_without_problems(tmp_path):
    """The network-fault part is left out (it waits out a real 10 s keepalive); test_reliability_network.py has it."""
    out = bench("soak", "--days", "1", "--speed", "20000", "--screens", "1", "--announcers", "1",
                "--crash-cycles", "1", "--outage", "0", "--no-fsync", "--estimator", "naive", "--out", str(tmp_path))
    assert "The week (hub memory in MiB" in out
    row = re.search(r"^2026-\d\d-\d\d\s+(\d+)\s+(\d+)\s", out, re.M)  # the day, its commands, its last seq
    assert row and int(row[1]) > 100 and int(row[2]) > 100, out
    assert re.search(r"Crash: 1 SIGKILL cycles survived; \d+ answers \(\d+ tickets\) acknowledged", out), out
    assert out.rstrip().endswith("no problems"), out
    assert (tmp_path / "week").is_dir() and (tmp_path / "crash").is_dir()


@pytest.mark.slow
def test_web_screens_takes_every_picture(tmp_path):
    """``python -m server.tools.web_screens DIR``: the pictures of the docs, from a real hub and Chromium."""
    sys.path.insert(0, str(ROOT / "tests"))
    from web_browser import have_browser

    why = have_browser()
    if why:
        pytest.skip(why)
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1")
    proc = subprocess.run([sys.executable, "-m", "server.tools.web_screens", str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pages = ["kiosk", "kiosk-ticket", "ticket-waiting", "staff", "ticket-called", "rate", "manage", "edit"]
    expected = {f"web-{page}-{lang}.png" for page in pages for lang in ("zh", "en")} | {"web-staff-offline-zh.png"}
    listed = {Path(line).name for line in proc.stdout.split()}
    assert listed == expected, proc.stdout
    assert {p.name for p in tmp_path.iterdir()} == expected
    for name in expected:
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, name  # a picture, not an empty page


# --- audio/service.py: the announcer that `signage announce` and a screen with speakers run -------

def call(seq: int, number: str, at: float, window: int = 3) -> dict:
    return {"type": "event", "seq": seq, "event": {
        "type": "ticket_called", "at": at, "window": window,
        "ticket": {"id": f"t{seq}", "number": number, "service": "id-card", "class": "normal"}}}


def welcome(seq: int) -> dict:
    return {"type": "welcome", "v": 1, "hall": "zhongshan", "role": "announcer", "seq": seq, "replay": False,
            "snapshot": {"recent_calls": []}}


def service_with(monkeypatch, mixer, tmp_path, **kwargs):
    from audio import service
    from audio.outputs import MixerOutput
    from signage.config import load_hall

    monkeypatch.setattr(service, "MixerOutput", lambda **kw: MixerOutput(mixer, **kw))
    config = load_hall(LAYOUTS / "zhongshan.yaml").config
    assert config is not None
    return service.start_announcer(config, pack_dir=tmp_path / "no-pack", **kwargs)


def test_announcer_service_without_a_sound_card_writes_each_call_to_a_wav(monkeypatch, tmp_path, caplog):
    from test_audio_player import FlakyMixer

    from audio.pcm import read_wav

    caplog.set_level(logging.INFO)
    wavs = tmp_path / "wavs"
    voice = service_with(monkeypatch, FlakyMixer(failures=10**6), tmp_path, zone="1F", wav_dir=wavs)
    try:
        assert voice.assembler.pack is None  # no pack: espeak-ng says every word
        voice.handle(welcome(10))
        voice.handle(call(11, "A011", time.time()))
        voice.handle({"type": "nonsense"})   # never raises
        voice.handle("not even a message")
        voice.handle(call(12, "A012", time.time(), window=4))  # window 3's A011 is not superseded
        assert voice.player.wait_idle(120)
    finally:
        voice.stop()
    files = sorted(wavs.glob("*.wav"))
    assert [f.name.split("-")[2:5] for f in files] == [["0000011", "call", "A011"], ["0000012", "call", "A012"]]
    for f in files:
        samples, rate = read_wav(f.read_bytes())
        assert len(samples) > rate  # more than a second of chime and speech
    assert "no pack" in caplog.text.lower() or "espeak-ng" in caplog.text
    assert "no sound device" in caplog.text


def test_announcer_service_plays_on_the_sound_card(monkeypatch, tmp_path):
    from test_audio_player import FlakyMixer

    mixer = FlakyMixer(failures=0)
    wavs = tmp_path / "wavs"
    voice = service_with(monkeypatch, mixer, tmp_path, wav_dir=wavs)
    try:
        voice.handle(welcome(1))
        voice.handle(call(2, "B007", time.time()))
        assert voice.player.wait_idle(120)
        assert voice.player.played == 1
    finally:
        voice.stop()
    assert mixer.inits == 1 and len(mixer.played) == 2  # the chime, then the speech queued behind it
    assert not wavs.exists() or not list(wavs.iterdir())  # the card worked: nothing went to the fallback
