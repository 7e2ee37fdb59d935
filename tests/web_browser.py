"""A real hub in a thread and Debian's Chromium driven by Playwright, for the pages' tests
and for ``python -m server.tools.web_screens``.

Chromium is the one installed by the Makefile (``/usr/bin/chromium``), never a
downloaded one (``playwright install`` is not needed and must not be run).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

CHROMIUM = os.environ.get("SIGNAGE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def have_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (make setup installs Debian's chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


class HubThread:
    """The real hub (tests/hub_harness.py's set-up) in a thread with its own event loop."""

    def __init__(self, tmp: Path, **harness: Any) -> None:
        import hub_harness

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="hub")
        self.thread.start()
        self.harness = hub_harness.HubHarness(tmp, **harness)
        self.run(self.harness.start())
        self.hub = self.harness.hub
        self.http = f"http://127.0.0.1:{self.hub.port}"
        self.ws = f"ws://127.0.0.1:{self.hub.port}"

    def run(self, coro: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def events(self, hall: str = "zhongshan") -> list[dict]:
        return [e for _, e in self.hub.store.events(hall)]

    def close(self) -> None:
        try:
            self.run(self.harness.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)


def hub_fixture(folder: str, make: Callable[[Path], HubThread] = HubThread) -> Any:
    """A fixture of a test module, under the name it is given there: the hub ``make`` starts on a
    new temporary folder (named after ``folder``), closed after the module's tests."""

    @pytest.fixture(scope="module")
    def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubThread]:
        h = make(tmp_path_factory.mktemp(folder))
        yield h
        h.close()

    return hub


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """The browser, one for a test module (import this fixture into the module to have it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


@contextlib.contextmanager
def page_context(browser: Any, locale: str = "zh-CN", *, console: bool = False) -> Iterator[Any]:
    """A new context of ``browser`` (1280x900, 8 s timeouts) that fails, once closed, if its pages
    threw an error; with ``console``, also if they logged one (but for the favicon's and the
    WebSocket's). The errors so far: ``ctx.errors``."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    ctx.set_default_timeout(8000)
    errors: list[str] = []
    ctx.errors = errors

    def watch(page: Any) -> None:
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        if console:
            page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)

    ctx.on("page", watch)
    yield ctx
    ctx.close()
    real = [e for e in errors if "favicon" not in e and "WebSocket" not in e] if console else errors
    assert not real, real


def sign_in(page: Any, token: str, *, hall: str | None = None, window: int | None = None) -> None:
    """Fill the page's sign-in form (the hall and window may come from the address)."""
    page.wait_for_selector("#signin:not([hidden])")
    if hall is not None:
        page.fill("#f-hall", hall)
    if window is not None:
        page.fill("#f-window", str(window))
    page.fill("#f-token", token)
    page.click("#signin button[type=submit]")


def until(cond: Callable[[], Any], timeout: float = 8.0, pump: Callable[[], Any] | None = None,
          what: str = "condition") -> Any:
    """Poll ``cond`` (pumping a screen's frame loop between tries) until it is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        if pump is not None:
            pump()
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.03)


def wait_js(page: Any, expression: str, timeout: float = 8.0) -> Any:
    """Poll a JavaScript expression until truthy. (Playwright's wait_for_function polls with
    eval inside the page, which the pages' Content-Security-Policy rightly forbids.)"""
    return until(lambda: page.evaluate(expression), timeout, what=expression)
