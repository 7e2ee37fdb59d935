"""The commands: voicepack build/check, bench voice, and announce against a fake hub on loopback."""

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from audio.pcm import read_wav
from signage import protocol as p
from signage.cli import main

ROOT = Path(__file__).resolve().parent.parent
HALL = str(ROOT / "layouts" / "zhongshan.yaml")


def test_voicepack_build_and_check(tmp_path, capsys):
    out = tmp_path / "pack"
    assert main(["voicepack", "build", "--hall", HALL, "--engine", "espeak", "--out", str(out), "--quiet"]) == 0
    said = capsys.readouterr().out
    assert "clips for zhongshan by espeak" in said
    assert (out / "manifest.json").is_file()
    assert main(["voicepack", "check", "--hall", HALL, "--pack", str(out)]) == 0
    assert "0 missing" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    (out / manifest["clips"][0]["file"]).unlink()
    assert main(["voicepack", "check", "--hall", HALL, "--pack", str(out)]) == 1


def test_voicepack_build_refuses_a_bad_hall(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: 1\nhall: {id: x}\n")
    assert main(["voicepack", "build", "--hall", str(bad), "--out", str(tmp_path / "p"), "--quiet"]) == 1
    assert "bad.yaml" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()


def test_bench_voice_prints_figures(capsys):
    assert main(["bench", "voice", "--hall", HALL, "--calls", "10"]) == 0
    out = capsys.readouterr().out
    for words in ("voice pack for zhongshan", "with the voice pack: median", "espeak-ng fallback", "p99"):
        assert words in out


# --- announce, end to end -----------------------------------------------------------------------------------

class FakeHub:
    """A hub on 127.0.0.1 that plays a script: a live call, a drop, then a replay."""

    def __init__(self) -> None:
        self.hellos: list[dict] = []
        self.port = 0
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=self._main, daemon=True)
        self.thread.start()
        assert self.ready.wait(5)

    @staticmethod
    def call(seq: int, number: str, at: float, window: int = 3) -> str:
        return p.EventMessage(type="event", seq=seq, event={
            "type": "ticket_called", "at": at, "window": window,
            "ticket": {"id": f"t{seq}", "number": number, "service": "id-card", "class": "normal"}}).to_json()

    async def _handler(self, ws) -> None:
        frame = await ws.recv()
        assert p.parse_client(frame).type == "hello"  # a hello the real hub takes
        hello = json.loads(frame)
        self.hellos.append(hello)
        now = time.time()
        if len(self.hellos) == 1:
            await ws.send(p.Welcome(type="welcome", hall="zhongshan", role="announcer", seq=10, replay=False,
                                    snapshot={"recent_calls": []}).to_json())
            await ws.send(self.call(11, "A011", now))
            await asyncio.sleep(0.3)
            return  # the line drops
        await ws.send(p.Welcome(type="welcome", hall="zhongshan", role="announcer", seq=14, replay=True).to_json())
        await ws.send(self.call(12, "A012", now - 300))  # missed long ago: not to be spoken
        await ws.send(self.call(13, "A013", now - 10))
        await ws.send(self.call(14, "A014", now - 5, window=4))  # window 3's A013 is not superseded
        await asyncio.sleep(30)

    def _main(self) -> None:
        from websockets.asyncio.server import serve

        async def run() -> None:
            async with serve(self._handler, "127.0.0.1", 0) as server:
                self.port = server.sockets[0].getsockname()[1]
                self.loop = asyncio.get_running_loop()
                self.ready.set()
                await asyncio.Future()

        try:
            asyncio.run(run())
        except RuntimeError:  # stopped by close()
            pass

    def close(self) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def test_announce_without_a_sound_device_writes_wavs_and_recovers_a_reconnect(tmp_path):
    hub = FakeHub()
    wavs = tmp_path / "wavs"
    env = dict(os.environ, SDL_AUDIODRIVER="no-such-driver", PYGAME_HIDE_SUPPORT_PROMPT="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "signage.cli", "announce", "--hub", f"ws://127.0.0.1:{hub.port}",
         "--token", "secret", "--hall", HALL, "--pack", str(tmp_path / "no-pack"), "--wav-dir", str(wavs)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(list(wavs.glob("*.wav"))) < 3:
            assert proc.poll() is None, proc.stdout.read()
            time.sleep(0.1)
        time.sleep(0.3)
    finally:
        proc.terminate()
        try:
            output = proc.communicate(timeout=10)[0]
        except subprocess.TimeoutExpired:
            proc.kill()
            output = proc.communicate()[0]
        hub.close()
    files = sorted(wavs.glob("*.wav"))
    assert [f.name.split("-")[4] for f in files] == ["A011", "A013", "A014"], output
    for f in files:
        samples, rate = read_wav(f.read_bytes())
        assert 3 < len(samples) / rate < 40
    assert "no sound device" in output
    assert hub.hellos[0]["role"] == "announcer" and hub.hellos[0]["token"] == "secret"
    assert hub.hellos[0]["hall"] == "zhongshan" and "since" not in hub.hellos[0]
    assert hub.hellos[1]["since"] == 11  # asked for what it missed
    assert proc.returncode == 0


@pytest.mark.parametrize("argv", [["voicepack"], ["announce", "--help"]])
def test_help(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    assert code in (0, 2)
