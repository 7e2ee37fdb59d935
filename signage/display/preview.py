"""One frame of a screen to a PNG, without a display: for managers, docs and tests."""

from __future__ import annotations

import os
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # a preview never opens a window
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402

from ..config.model import HallConfig  # noqa: E402
from ..view import HallView, sample_time, sample_view  # noqa: E402
from .renderer import Renderer  # noqa: E402

def preview_time(config: HallConfig | None = None) -> float:
    """The sample data's clock: an hour ``config``'s hall is open (:func:`signage.view.sample_time`);
    without a hall, Monday 2026-11-23 10:15 in China."""
    if config is not None:
        return sample_time(config)
    import datetime as dt
    from zoneinfo import ZoneInfo

    return dt.datetime(2026, 11, 23, 10, 15, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()


def render_preview(config: HallConfig, screen_id: str, *, view: HallView | None = None, lang: str | None = None,
                   now: float | None = None, size: tuple[int, int] | None = None,
                   base_dir: Path | None = None, connected: bool = True,
                   texts: list[dict] | None = None) -> Renderer:
    """A renderer that has drawn one frame of ``screen_id`` (sample state unless ``view`` is given).

    ``texts``: a list that receives every text drawn (the text record, docs/screens.md).
    """
    if not pygame.get_init():
        pygame.display.init()
    now = preview_time(config) if now is None else now
    view = view if view is not None else sample_view(config, now)
    if view.config is None:
        view.config = config
    renderer = Renderer(config, screen_id, lang=lang, size=size, base_dir=base_dir)
    if texts is not None:
        assert renderer.text is not None
        renderer.text.record = texts
    t = 1000.0
    renderer.frame(view, now, t, connected=True)
    if not connected:  # past the badge's grace time
        renderer.frame(view, now, t + 0.1, connected=False)
        renderer.frame(view, now, t + 10, connected=False)
    if texts is not None:
        renderer.text.record = None
    return renderer


def save_preview(renderer: Renderer, out: str | Path) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(renderer.screenshot_png())
    return out


def live_view(url: str, hello: dict, wait: float = 5.0) -> HallView:
    """The view of a running hub: connect, take the welcome (and estimates if quick), leave."""
    import queue

    from ..hubclient import HubClient

    inbox: "queue.Queue[dict]" = queue.Queue()
    client = HubClient(url, hello, inbox.put)
    client.start_thread()
    view = HallView()
    end = time.monotonic() + wait
    welcomed_at = None
    try:
        while time.monotonic() < end:
            try:
                message = inbox.get(timeout=0.1)
            except queue.Empty:
                if welcomed_at is not None and time.monotonic() - welcomed_at > 1.0:
                    break  # an estimate usually follows the welcome within a second
                continue
            if message.get("type") == "error":
                raise RuntimeError(f"hub refused: {message.get('code')}: {message.get('message')}")
            view.apply(message, time.time())
            if message.get("type") == "welcome" and welcomed_at is None:
                welcomed_at = time.monotonic()
    finally:
        client.stop()
    if welcomed_at is None:
        raise RuntimeError(f"no welcome from {url} within {wait:g} s")
    return view
