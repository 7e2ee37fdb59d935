"""A hub client that never gives up: screens and announcers use it.

    client = HubClient("ws://hub:8765", {"type": "hello", "v": 1, "role": "screen", ...},
                       on_message=inbox.put, on_status=lambda up: ...)
    client.start_thread()      # or: await client.run()
    client.send({"type": "ping"})
    client.stop()

What a caller may rely on:

* Every message from the hub reaches ``on_message`` as a dict, in order, on the
  client's own thread (its event loop). Frames that are not JSON objects are
  dropped. An exception raised by a callback is logged, never fatal.
* ``on_status(True)`` is called when the hub has welcomed us, ``on_status(False)``
  when that connection is lost; only on changes.
* After a drop the client reconnects by itself with jittered exponential backoff
  (0.5 s doubling to 10 s) and says ``since`` = the last ``seq`` it saw, so the
  hub replays what was missed instead of sending a fresh snapshot. For a minute
  after losing a hub that had welcomed it, it tries at least every second
  (jittered): a restarted hub is back in seconds, and the screens should be
  back within a second or two of it, not after a backoff that grew meanwhile.
* :meth:`send` may be called from any thread; while disconnected the message is
  dropped and ``False`` returned (screens and announcers only read, so there is
  nothing worth queueing).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import threading
from typing import Any, Callable

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidURI, WebSocketException

from .stream import AskSince, HubStream

log = logging.getLogger(__name__)

MAX_FRAME = 8 * 1024 * 1024  # a welcome carries the whole hall file


class HubClient:
    def __init__(self, url: str, hello: dict[str, Any], on_message: Callable[[dict[str, Any]], None],
                 on_status: Callable[[bool], None] | None = None, *,
                 min_backoff: float = 0.5, max_backoff: float = 10.0,
                 open_timeout: float = 5.0, ping_interval: float | None = 10.0,
                 quick_backoff: float = 1.0, quick_for: float = 60.0) -> None:
        self.url = url
        self.hello = dict(hello)
        self.on_message = on_message
        self.on_status = on_status
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.open_timeout = open_timeout
        self.ping_interval = ping_interval
        self.quick_backoff = quick_backoff  # the longest wait ...
        self.quick_for = quick_for          # ... for this long after a welcomed session ended
        self._lost_at: float | None = None
        self.stream = HubStream(hello.get("since") if isinstance(hello.get("since"), int) else None)
        self.connected = False
        self.attempts = 0  # connection attempts so far (for tests and logs)
        self._ws: ClientConnection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._stopped = False
        self._thread: threading.Thread | None = None

    # --- running -----------------------------------------------------------------

    async def run(self) -> None:
        """Connect, dispatch, reconnect, until :meth:`stop`."""
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        if self._stopped:
            return
        delay = self.min_backoff
        while not self._stop.is_set():
            welcomed = await self._session()
            if self._stop.is_set():
                break
            if welcomed:
                delay = self.min_backoff  # a good session: start the backoff over
                self._lost_at = self._loop.time()
            wait = self.next_wait(delay, self._loop.time())
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=wait)
            except asyncio.TimeoutError:
                pass
            delay = min(self.max_backoff, delay * 2)

    def next_wait(self, delay: float, now: float) -> float:
        """Seconds to wait before the next attempt, ``delay`` being the backoff reached."""
        # "equal jitter": half fixed, half random, so screens do not stampede a restarted hub
        wait = max(self.min_backoff, delay / 2 + random.uniform(0, delay / 2))
        if self._lost_at is not None and now - self._lost_at < self.quick_for:
            wait = min(wait, max(self.min_backoff, self.quick_backoff * random.uniform(0.5, 1.0)))
        return wait

    async def _session(self) -> bool:
        """One connection, from opening to its end. True if the hub welcomed us."""
        self.attempts += 1
        welcomed = False
        try:
            async with connect(self.url, open_timeout=self.open_timeout, max_size=MAX_FRAME,
                               ping_interval=self.ping_interval, ping_timeout=self.ping_interval,
                               close_timeout=2) as ws:
                self._ws = ws
                hello = dict(self.hello)
                hello.pop("since", None)
                if self.since is not None:
                    hello["since"] = self.since
                await ws.send(json.dumps(hello, ensure_ascii=False))
                async for frame in ws:
                    message = _decode(frame)
                    if message is None:
                        continue
                    if message.get("type") == "welcome" and not welcomed:
                        welcomed = True
                        self._set_status(True)
                    steps = self.stream.receive(message)
                    self._dispatch(message)
                    gap = next((s for s in steps if isinstance(s, AskSince)), None)
                    if gap is not None:  # the hub promises none; ask again from what we have
                        log.warning("hub %s: event %d after %d; asking again since %d",
                                    self.url, gap.got, gap.since, gap.since)
                        await ws.close()
                        break
        except (OSError, asyncio.TimeoutError, WebSocketException, InvalidHandshake) as exc:
            if isinstance(exc, InvalidURI):
                log.error("bad hub address %s: %s", self.url, exc)
            else:
                log.info("hub %s: %s", self.url, exc or type(exc).__name__)
        except asyncio.CancelledError:
            raise
        except Exception:  # never let a surprise end the reconnect loop
            log.exception("hub connection failed")
        finally:
            self._ws = None
            self._set_status(False)
        return welcomed

    @property
    def since(self) -> int | None:
        """The last ``seq`` seen: what the next hello says, so the hub replays what was missed."""
        return self.stream.since

    def _dispatch(self, message: dict[str, Any]) -> None:
        try:
            self.on_message(message)
        except Exception:
            log.exception("on_message failed for a %r message", message.get("type"))

    def _set_status(self, up: bool) -> None:
        if up == self.connected:
            return
        self.connected = up
        if self.on_status is not None:
            try:
                self.on_status(up)
            except Exception:
                log.exception("on_status failed")

    # --- from other threads --------------------------------------------------------------

    def start_thread(self, name: str = "hub-client") -> threading.Thread:
        """Run :meth:`run` in a daemon thread with its own event loop."""
        ready = threading.Event()

        def main() -> None:
            async def go() -> None:
                task = asyncio.ensure_future(self.run())
                await asyncio.sleep(0)
                ready.set()
                await task

            try:
                asyncio.run(go())
            finally:
                ready.set()

        self._thread = threading.Thread(target=main, name=name, daemon=True)
        self._thread.start()
        ready.wait(5)
        return self._thread

    def send(self, message: dict[str, Any]) -> bool:
        """Send one message if connected (from any thread); False if it was dropped."""
        ws, loop = self._ws, self._loop
        if ws is None or loop is None or loop.is_closed():
            return False
        text = json.dumps(message, ensure_ascii=False)

        async def go() -> None:
            try:
                await ws.send(text)
            except WebSocketException as exc:
                log.info("send failed: %s", exc)

        try:
            asyncio.run_coroutine_threadsafe(go(), loop)
        except RuntimeError:  # the loop just closed
            return False
        return True

    def resync(self) -> None:
        """Forget ``since`` and reconnect: the hub will send a fresh snapshot."""
        self.stream = HubStream()
        ws, loop = self._ws, self._loop
        if ws is not None and loop is not None and not loop.is_closed():
            asyncio.run_coroutine_threadsafe(ws.close(), loop)

    def stop(self, timeout: float = 5.0) -> None:
        """Close the connection and end :meth:`run` (and the thread, if any)."""
        self._stopped = True
        loop, stop, ws = self._loop, self._stop, self._ws
        if loop is not None and not loop.is_closed():
            def halt() -> None:
                if stop is not None:
                    stop.set()
                if ws is not None:
                    asyncio.ensure_future(ws.close())

            try:
                loop.call_soon_threadsafe(halt)
            except RuntimeError:
                pass
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)


def _decode(frame: str | bytes) -> dict[str, Any] | None:
    if isinstance(frame, bytes):
        return None
    try:
        message = json.loads(frame)
    except ValueError:
        log.warning("hub sent a frame that is not JSON")
        return None
    return message if isinstance(message, dict) else None
