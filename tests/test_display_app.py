"""End to end with the real hub: a call reaches the screen's view and its pixels; a lost hub shows the badge."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pygame

from signage.display import renderer as renderer_module
from signage.display.app import DisplayApp, hall_from_url
from signage.display.widgets.base import Palette
from signage.config.themes import theme_for

import hub_harness
from test_display_widgets import Recorder, assert_text_shown, color_pixels


class HubThread:
    """The real hub in a thread of its own (the screen's frame loop owns the main thread)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.harness = None
        self.port = 0

    def run(self, coro, timeout: float = 10.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> str:
        async def go():
            h = hub_harness.HubHarness(self.tmp)
            h.hub = hub_harness.Hub.open([h.hall_path], h.tokens_path, h.db, limits=h.limits, clock=h.clock,
                                         durable=False)
            await h.hub.start("127.0.0.1", self.port)
            return h

        self.harness = self.run(go())
        self.port = self.harness.hub.port
        return f"ws://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.harness is not None:
            self.run(self.harness.stop())
            self.harness = None

    def close(self) -> None:
        self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def run_until(app: DisplayApp, cond, timeout: float = 8.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.step(app.hall_time(), time.monotonic())
        if cond():
            return
        time.sleep(0.01)
    raise AssertionError("timed out")


def test_hall_from_url() -> None:
    assert hall_from_url("ws://hub:8765/zhongshan") == "zhongshan"
    assert hall_from_url("ws://hub:8765") is None


def test_display_announce_speaks_with_the_voice_the_entry_point_hands_in(monkeypatch) -> None:
    """``signage display --announce``: the display never imports audio; signage/cli.py gives the
    command its voice starter, and every hub message reaches the screen and the voice."""
    from signage import cli
    from signage.display import app as app_module

    seen: dict = {}

    class FakeApp:
        def __init__(self, hub, token, hall, screen_id, **kwargs) -> None:
            self.client = SimpleNamespace(on_message=lambda m: seen.setdefault("screen", []).append(m))

        def run(self) -> int:
            self.client.on_message({"type": "welcome", "config": {"screens": [{"id": "main", "floor": "1F"}]}})
            return 0

    class FakeVoice:
        announcer = SimpleNamespace(zone=None)

        def handle(self, message) -> None:
            seen.setdefault("voice", []).append(message)

        def stop(self) -> None:
            seen["stopped"] = True

    def start_voice(**kwargs):
        seen["started"] = kwargs
        return FakeVoice()

    monkeypatch.setattr(app_module, "DisplayApp", FakeApp)
    args = cli.build_parser().parse_args(["display", "--hub", "ws://hub:8765/zhongshan", "--screen", "main",
                                          "--announce", "--pack", "packs/z"])
    assert args.start_voice is cli.start_display_voice
    args.start_voice = start_voice
    assert args.run(args) == 0
    assert seen["started"] == {"hall_id": "zhongshan", "zone": None, "pack_dir": "packs/z", "wav_dir": None}
    assert seen["screen"] == seen["voice"] and len(seen["voice"]) == 1 and seen["stopped"]
    assert FakeVoice.announcer.zone == "1F"  # no --zone: the screen's floor, from the welcome


def test_a_call_reaches_the_screen_and_a_lost_hub_shows_the_badge(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(renderer_module, "GRACE_SECONDS", 0.3)
    hub = HubThread(tmp_path)
    url = hub.start()
    app = DisplayApp(url, hub_harness.TOKENS["screen"], "zhongshan", "main", windowed=True, size=(960, 540))
    app.client.min_backoff, app.client.max_backoff = 0.05, 0.3
    pygame.display.init()
    app.open_display()
    app.client.start_thread()
    try:
        run_until(app, lambda: app.renderer is not None and app.connected)
        assert app.renderer.size == (960, 540)
        run_until(app, lambda: app.view.estimates_at is not None)  # estimates follow the welcome
        assert abs(app.hall_time() - hub.harness.clock.now) < 5  # the screen keeps the hub's time
        text = Recorder()
        app.renderer.text = text
        app.renderer.redraw()

        async def call_one():
            kiosk = await hub.harness.connect("kiosk")
            ticket = await hub.harness.issue(kiosk, "id-card")
            window = await hub.harness.connect("window", window=3)
            answer = await window.request({"type": "call_next", "window": 3})
            assert answer["type"] == "ok", answer
            await kiosk.close()
            await window.close()
            return ticket["number"]

        number = hub.run(call_one())
        banner = app.renderer.widget_at("call_banner")
        # the new call is drawn ahead over a frame or two, then shown on every widget at once
        run_until(app, lambda: banner.shown is not None and banner.shown.number == number
                  and not app.renderer.holding)
        app.step(app.hall_time(), time.monotonic())
        drawn = text.find(number)
        assert drawn, "the number was never drawn"
        assert_text_shown(drawn[-1], app.display, banner.rect.topleft)  # on the display itself
        assert [c.number for c in app.view.recent_calls].count(number) == 1

        palette = Palette.of(theme_for(app.renderer.config, app.renderer.screen))
        corner = pygame.Rect(960 * 3 // 4, 0, 960 // 4, 60)
        assert color_pixels(app.display, corner, palette.warning) == 0
        hub.stop()  # the hub goes away: the badge comes, the picture stays
        run_until(app, lambda: color_pixels(app.display, corner, palette.warning) > 200)
        assert banner.shown.number == number
        url2 = hub.start()  # back on the same port, from the same log
        assert url2 == url
        run_until(app, lambda: app.connected and color_pixels(app.display, corner, palette.warning) == 0)
        assert [c.number for c in app.view.recent_calls].count(number) == 1
        app.png_dir = tmp_path / "screens"  # what `signage demo --headless` reads
        out = app.write_png()
        assert out == tmp_path / "screens" / "main.png" and out.read_bytes()[:4] == b"\x89PNG"
    finally:
        app.client.stop()
        hub.close()


def test_preview_of_a_live_hall(tmp_path: Path) -> None:
    from signage.cli import main

    hub = HubThread(tmp_path)
    url = hub.start()
    try:
        out = tmp_path / "live.png"
        assert main(["preview", str(hub.harness.hall_path), "--screen", "main", "--out", str(out), "--state", "live",
                     "--hub", url, "--token", hub_harness.TOKENS["screen"]]) == 0
        assert pygame.image.load(str(out)).get_size() == (1920, 1080)
        assert main(["preview", str(hub.harness.hall_path), "--screen", "main", "--out", str(out), "--state", "live",
                     "--hub", url, "--token", "wrong"]) == 1
    finally:
        hub.close()


def test_a_screenshot_is_encoded_off_the_frame_loop() -> None:
    """The frame loop copies the picture and goes on drawing frames while the worker encodes
    it (here an encoder that waits until told, as a large 4K picture would take); the parts
    are sent when it is done, of the picture as it was when asked."""
    import base64
    import io
    import json

    from signage.config import load_hall
    from signage.display.snapshot import encode_png
    from signage.view import sample_view

    release, started = threading.Event(), threading.Event()

    def slow_encode(surface):
        started.set()
        assert release.wait(30)
        return encode_png(surface)

    class Recorder:
        def __init__(self):
            self.sent = []

        def send(self, message):
            self.sent.append(message)
            return True

    config = load_hall(Path(__file__).resolve().parents[1] / "layouts" / "zhongshan.yaml").config
    app = DisplayApp("ws://127.0.0.1:1", "t" * 20, "zhongshan", "main", client=Recorder(), encode=slow_encode,
                     size=(640, 360))
    pygame.display.init()
    try:
        app.display = pygame.display.set_mode((640, 360))
        app.view = sample_view(config, 1_700_000_000.0)
        app.step(1_700_000_000.0, 0.0)
        asked = app.renderer.canvas.copy()
        app.inbox.put({"type": "screenshot_request", "request": "big"})
        frames = 0
        app.step(1_700_000_000.0, 0.1)  # takes the request: copies, hands it to the worker
        assert started.wait(30)
        app.renderer.canvas.fill((255, 0, 0))  # the screen changes meanwhile
        for i in range(30):  # the encoder is still busy: the frame loop is not held up
            app.step(1_700_000_000.0 + i / 60, 0.2 + i / 60)
            frames += 1
        assert frames == 30 and app.screenshots.pending == 1 and app.client.sent == []
        release.set()
        assert app.screenshots.wait(30)
        sent = sorted(app.client.sent, key=lambda m: m["index"])
        assert sent and all(m["request"] == "big" for m in sent) and all(len(json.dumps(m)) < 64 * 1024 for m in sent)
        png = pygame.image.load(io.BytesIO(base64.b64decode("".join(m["data"] for m in sent))))
        assert png.get_size() == (640, 360)
        for xy in [(5, 5), (320, 180), (600, 300)]:  # the picture of when it was asked
            assert png.get_at(xy)[:3] == asked.get_at(xy)[:3]
    finally:
        release.set()
        app.screenshots.stop()
        pygame.display.quit()


def test_the_png_encoder_writes_what_pygame_reads() -> None:
    import io
    import random

    from signage.display.snapshot import encode_png

    surface = pygame.Surface((333, 71))
    surface.fill((10, 30, 60))
    surface.blit(pygame.image.frombuffer(random.Random(2).randbytes(50 * 40 * 3), (50, 40), "RGB"), (7, 9))
    back = pygame.image.load(io.BytesIO(encode_png(surface)))
    assert back.get_size() == surface.get_size()
    assert all(back.get_at((x, y))[:3] == surface.get_at((x, y))[:3] for x in range(0, 333, 7) for y in range(0, 71, 3))
