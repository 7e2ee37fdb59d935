"""``signage display``: one wall screen, fed by the hub, drawn at a steady frame rate.

Two threads and a queue: the hub client (its own thread and event loop,
reconnecting by itself) puts every message into a queue; the frame loop
(the main thread: SDL wants it) takes what arrived, folds it into the view and
draws. Nothing the network does can hold up a frame, and a lost hub only adds
the offline badge: the last good picture stays up.

Before the first welcome the screen shows whom it is waiting for, and why, if
the hub said no (a wrong token, an unknown screen).
"""

from __future__ import annotations

import base64
import logging
import os
import queue
import time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse

import pygame

from ..hubclient import HubClient
from ..view import HallView
from .renderer import Renderer, display_to_canvas
from .snapshot import Screenshots, encode_png
from .text import TextRenderer

log = logging.getLogger(__name__)

RENDER_BUDGET = 2  # widgets re-rendered per frame at most: a new call never costs a long frame
MAX_MESSAGES_PER_FRAME = 500  # a long replay is spread over a few frames, never one long stall


def hall_from_url(url: str) -> str | None:
    """``ws://hub:8765/zhongshan`` -> ``zhongshan``."""
    path = urlparse(url).path.strip("/")
    return path.rsplit("/", 1)[-1] or None if path else None


class DisplayApp:
    def __init__(self, hub: str, token: str, hall: str, screen_id: str, *, windowed: bool = False,
                 size: tuple[int, int] | None = None, fps: int = 60, rotate: int = 90,
                 assets: Path | None = None, client: Any = None, png_dir: Path | None = None,
                 png_every: float = 5.0, encode: Callable[[pygame.Surface], bytes] | None = None) -> None:
        """``encode``: surface -> PNG bytes, run in the screenshot worker (tests hand in a slow one)."""
        self.hub_url = hub
        self.screen_id = screen_id
        self.windowed = windowed
        self.size = size
        self.fps = max(1, fps)
        self.rotate = rotate
        self.assets = assets
        self.png_dir = png_dir
        self.png_every = png_every
        self._last_png = float("-inf")
        self.headless = os.environ.get("SDL_VIDEODRIVER") in ("dummy", "offscreen")
        self.inbox: "queue.SimpleQueue[dict[str, Any]]" = queue.SimpleQueue()
        self.view = HallView()
        self.renderer: Renderer | None = None
        self.connected = False
        self.last_error: str | None = None
        self.display: pygame.Surface | None = None
        self.running = False
        self._splash_key: Any = None
        self.encode_png = encode or encode_png
        self.screenshots = Screenshots()  # PNGs are encoded there, never in the frame loop
        hello = {"type": "hello", "v": 1, "role": "screen", "hall": hall, "token": token, "screen": screen_id,
                 "client": "signage display"}
        self.client = client or HubClient(hub, hello, self.inbox.put, self._on_status)

    def _on_status(self, up: bool) -> None:  # the client's thread: only the queue is shared
        self.inbox.put({"type": "_status", "up": up})

    # --- the display ------------------------------------------------------------------------------

    def open_display(self) -> pygame.Surface:
        pygame.display.init()
        pygame.display.set_caption(f"signage {self.screen_id}")
        if self.windowed:
            size = self.size or _fit_desktop((1920, 1080))
            self.display = pygame.display.set_mode(size, pygame.RESIZABLE)
        else:
            self.display = pygame.display.set_mode(self.size or (0, 0), pygame.FULLSCREEN)
            pygame.mouse.set_visible(False)
        return self.display

    def _make_renderer(self) -> None:
        assert self.display is not None and self.view.config is not None
        screen = self.view.config.screen(self.screen_id)
        if screen is None:
            self.last_error = f'the hall file has no screen "{self.screen_id}"'
            return
        if self.headless and not self.size and self.display.get_size() != screen.canvas_size:
            self.display = pygame.display.set_mode(screen.canvas_size)  # no window: the screen's own size
        elif self.windowed and not self.size and self.display.get_size() != _fit_desktop(screen.canvas_size):
            # a window can take the screen's own shape (portrait too): no turning needed
            self.display = pygame.display.set_mode(_fit_desktop(screen.canvas_size), pygame.RESIZABLE)
        w, h = self.display.get_size()
        size = (w, h)
        if screen.orientation == "portrait" and w > h:
            size = (h, w)  # drawn upright, turned when shown
        self.renderer = Renderer(self.view.config, self.screen_id, size=size, base_dir=self.assets,
                                 render_budget=RENDER_BUDGET)
        if self.renderer.size == self.display.get_size():
            self.renderer.canvas = self.display  # draw straight onto the screen: no extra copy
            self.renderer.redraw()

    # --- one frame ------------------------------------------------------------------------------------

    def pump(self, now: float) -> int:
        """Fold what the hub sent since the last frame into the view; how many messages."""
        n = 0
        while n < MAX_MESSAGES_PER_FRAME:
            try:
                message = self.inbox.get_nowait()
            except queue.Empty:
                break
            n += 1
            kind = message.get("type")
            if kind == "_status":
                self.connected = bool(message.get("up"))
                continue
            if kind == "error" and message.get("id") is None:
                self.last_error = f"{message.get('code')}: {message.get('message')}"
                log.error("hub: %s", self.last_error)
                continue
            if kind == "welcome":
                self.last_error = None
            if kind == "screenshot_request":
                self.request_screenshot(str(message.get("request", "")))
                continue
            self.view.apply(message, time.time())
        return n

    def step(self, now: float, t: float) -> list[pygame.Rect]:
        """Take the hub's news and draw one frame; the rectangles of the display that changed."""
        assert self.display is not None
        self.pump(now)
        if self.view.config is not None and self.renderer is None:
            self._make_renderer()  # later configurations are taken up by the renderer itself
        if self.renderer is None:
            return self._splash()
        dirty = self.renderer.frame(self.view, now, t, connected=self.connected)
        return self._present(dirty)

    def _present(self, dirty: list[pygame.Rect]) -> list[pygame.Rect]:
        assert self.renderer is not None and self.display is not None
        canvas = self.renderer.canvas
        if canvas is self.display or not dirty:
            return dirty
        cw, ch = canvas.get_size()
        out = []
        for r in dirty:
            r = r.clip(canvas.get_rect())
            if not r.width or not r.height:
                continue
            part = canvas.subsurface(r)
            if self.display.get_size() == (cw, ch):
                out.append(self.display.blit(part, r))
            elif self.rotate == 90:  # turned clockwise: canvas (x, y) -> display (ch - y, x)
                out.append(self.display.blit(pygame.transform.rotate(part, -90), (ch - r.bottom, r.x)))
            else:
                out.append(self.display.blit(pygame.transform.rotate(part, 90), (r.y, cw - r.right)))
        return out

    def _splash(self) -> list[pygame.Rect]:
        """Before the first welcome: who we wait for, and why if the hub said no."""
        assert self.display is not None
        key = (self.last_error, self.connected)
        if key == self._splash_key:
            return []
        self._splash_key = key
        text = getattr(self, "_splash_text", None) or TextRenderer()
        self._splash_text = text
        d = self.display
        w, h = d.get_size()
        d.fill((11, 31, 58))
        lines = [("正在连接叫号服务器", "zh-Hans", (255, 255, 255)), ("Connecting to the hub", "en", (255, 255, 255)),
                 (f"{self.hub_url}  ·  {self.screen_id}", "en", (201, 214, 234))]
        if self.last_error:
            lines.append((self.last_error, "en", (255, 138, 101)))
        step = h // (len(lines) + 2)
        for i, (line, lang, color) in enumerate(lines):
            box = pygame.Rect(w // 10, step * (i + 1), w * 8 // 10, step)
            text.draw(d, line, lang, box, color, int(step * (0.5 if i < 2 else 0.3)))
        return [d.get_rect()]

    # --- the loop ---------------------------------------------------------------------------------------

    def run(self) -> int:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.client.start_thread()
        self.open_display()
        clock = pygame.time.Clock()
        self.running = True
        try:
            while self.running:
                for event in pygame.event.get():
                    if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key in (
                            pygame.K_ESCAPE, pygame.K_q)):
                        self.running = False
                    elif event.type == pygame.VIDEORESIZE and self.windowed:
                        self.display = pygame.display.get_surface()
                        self.renderer = None  # laid out again at the new size
                        self._splash_key = None
                    elif event.type == pygame.WINDOWEXPOSED and self.renderer is not None:
                        self.renderer.redraw()
                    elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and self.renderer is not None:
                        # a tap (SDL turns touches into clicks): the widget under it may answer (the directory)
                        self.renderer.tap(display_to_canvas(event.pos, self.display.get_size(), self.renderer.size,
                                                            self.rotate), time.monotonic())
                t = time.monotonic()
                dirty = self.step(self.hall_time(), t)
                if dirty and not self.headless:
                    pygame.display.update(dirty)
                if self.png_dir is not None and t - self._last_png >= self.png_every:
                    self._last_png = t
                    self.request_png()
                clock.tick(self.fps)
        finally:
            self.screenshots.stop()
            self.client.stop()
            pygame.display.quit()
        return 0

    def hall_time(self) -> float:
        """Now, by the hub's clock when this machine's is clearly off (an isolated network without NTP)."""
        offset = self.view.clock_offset
        return time.time() + (offset if abs(offset) > 2.0 else 0.0)

    def _picture(self) -> pygame.Surface | None:
        """A copy of what the screen shows now (the splash before the first welcome): the
        frame loop's whole part of a screenshot."""
        surface = self.renderer.canvas if self.renderer is not None else self.display
        return surface.copy() if surface is not None else None

    def request_png(self) -> bool:
        """Copy the picture now; the worker encodes it and writes ``png_dir/<screen>.png``."""
        if self.renderer is None or self.png_dir is None:
            return False
        picture = self._picture()
        if picture is None:
            return False
        self.screenshots.submit(lambda: self.write_png(picture))
        return True

    def write_png(self, picture: pygame.Surface | None = None) -> Path | None:
        """The screen now (or ``picture``), to ``png_dir/<screen>.png`` (written whole, then renamed)."""
        if picture is None and self.renderer is None:
            return None
        png = self.encode_png(picture if picture is not None else self.renderer.canvas)
        if self.png_dir is None:
            return None
        self.png_dir.mkdir(parents=True, exist_ok=True)
        out = self.png_dir / f"{self.screen_id}.png"
        tmp = out.with_suffix(".png.tmp")
        tmp.write_bytes(png)
        tmp.replace(out)
        return out

    def screenshot_png(self) -> bytes | None:
        """What the screen shows now (for a manager's remote check)."""
        return self.encode_png(self.renderer.canvas) if self.renderer else None

    def request_screenshot(self, request: str) -> bool:
        """A manager asked what this screen shows (the frame loop): copy the picture now, and
        let the worker encode and send it (:meth:`send_screenshot`). Whether one was asked."""
        picture = self._picture() if request else None
        if picture is None:
            return False
        self.screenshots.submit(lambda: self.send_screenshot(request, picture))
        return True

    def send_screenshot(self, request: str, picture: pygame.Surface | None = None) -> int:
        """Send a PNG of ``picture`` (default: what the screen shows now) to the hub as
        ``screenshot_part`` messages (each well below the 64 KiB frame limit; docs/protocol.md).
        Before the first welcome, the splash is what it shows. Returns the number of parts sent.
        Runs in the screenshot worker when asked by the hub (:meth:`request_screenshot`)."""
        from ..protocol import MAX_SCREENSHOT_PART, MAX_SCREENSHOT_PARTS

        surface = picture
        if surface is None:
            surface = self.renderer.canvas if self.renderer is not None else self.display
        if surface is None or not request:
            return 0
        while True:
            png = self.encode_png(surface)
            data = base64.b64encode(png).decode("ascii")
            if len(data) <= MAX_SCREENSHOT_PART * MAX_SCREENSHOT_PARTS or surface.get_width() < 64:
                break
            # a picture too busy for the limit: send it at half the size rather than not at all
            surface = pygame.transform.smoothscale_by(surface, 0.5)
        count = max(1, -(-len(data) // MAX_SCREENSHOT_PART))
        for i in range(count):
            self.client.send({"type": "screenshot_part", "request": request, "index": i, "count": count,
                              "data": data[i * MAX_SCREENSHOT_PART:(i + 1) * MAX_SCREENSHOT_PART]})
        log.info("screenshot %s sent in %d parts (%d bytes)", request, count, len(png))
        return count


def _fit_desktop(size: tuple[int, int]) -> tuple[int, int]:
    try:
        dw, dh = pygame.display.get_desktop_sizes()[0]
    except (pygame.error, IndexError):
        return size
    k = min(1.0, dw * 0.9 / size[0], dh * 0.9 / size[1])
    return int(size[0] * k), int(size[1] * k)
