"""What the browser pages need from the hub besides the queue: ticket links, "my ticket"
watchers, the manager's list of connected clients and remote screenshots.

Theory of operation
-------------------
* **Ticket links.** A ticket's page is ``/t/<key>`` where ``key`` is an HMAC of the
  hall and the ticket id under a per-hub secret kept in the event log's ``meta``
  table (so links survive restarts and backups). The key cannot be guessed from
  the ticket number, and the ticket id (which screens and consoles see in events)
  does not give it either. :meth:`LiveSide.find` maps a key back to its ticket by
  computing the keys of the hall's tickets once each (a small cache).
* **Watching one ticket.** A page says ``hello`` with ``role: "ticket"`` and the
  key; it is welcomed without a snapshot and gets ``ticket`` messages with that
  ticket's public view only. Watchers are not in the hall's fan-out: after every
  commit, day tick and estimates push the hall calls :meth:`LiveSide.hall_changed`
  (a listener, on the event loop) and each watcher whose view changed gets it.
* **Who is connected** (``who``, manager only) and **screenshots** (``screenshot``,
  manager only): the hub asks the screen with ``screenshot_request``; the screen
  sends the PNG back in ``screenshot_part`` messages (websockets' HTTP side reads
  no request bodies, and a frame is at most 64 KiB); the manager is told
  ``screenshot_ready`` and fetches it with ``GET /api/screenshot/<request>.png``.

Nothing here changes a hall's state; every refusal is an ``error`` with a code and a
message for a person.

What it counts in the hub's ``/metrics`` (docs/hub.md): the ticket pages connected
(``signage_hub_connections{role="ticket"}``), link keys looked up
(``signage_hub_ticket_link_lookups_total``), views pushed to them
(``signage_hub_ticket_pushes_total``) and the phones dropped for falling behind
(``signage_hub_slow_client_drops_total{role="ticket"}``); who and screenshots by
result in ``signage_hub_commands_total`` like every command, and how each screenshot
ended (``signage_hub_screenshots_total``, ``signage_hub_screenshot_bytes_total``).

This side attaches itself to a hub (:meth:`LiveSide.attach`, called by
:func:`server.web.pages.attach_web`): the hub's ``hello_handlers`` get the ticket
role, its ``command_handlers`` the commands of :data:`server.hub.hub.ATTACHED_COMMANDS`,
its ``leave_listeners`` and each hall's ``listeners`` this side's. The hub knows
nothing of it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from websockets.asyncio.server import ServerConnection

from signage import protocol as p

from server.hub.hall import Client, HallRuntime, close_soon, dumps, error_frame, ok_frame

if TYPE_CHECKING:
    from server.hub.hub import Hub  # the hub core; it never imports this side

log = logging.getLogger(__name__)

SECRET_SETTING = "ticket-link-secret"
KEY_CHARS = 22                  # 128 bits, base64url
SCREENSHOT_TIMEOUT = 20.0       # seconds a screen has to send its picture
SCREENSHOTS_KEPT = 8            # pictures kept in memory for the managers to fetch
MAX_SCREENSHOT_BYTES = 6 * 1024 * 1024
DIRECTIONS_FROM = ("kind:ticket_machine", "kind:entrance", "kind:info_desk")

Refuse = Callable[..., Awaitable[None]]


@dataclass
class _Shot:
    """A screenshot asked for: who asked, which screen, the parts received so far."""

    request: str
    hall: str
    screen: str
    manager: Client
    screen_client: Client
    parts: dict[int, str] = field(default_factory=dict)
    count: int | None = None
    size: int = 0


class LiveSide:
    def __init__(self, hub: "Hub") -> None:
        self.hub = hub
        self._secret: bytes | None = None
        self._keys: dict[str, dict[str, str]] = {}     # hall -> ticket id -> key
        self._tickets: dict[str, dict[str, str]] = {}  # hall -> key -> ticket id
        self.watchers: dict[Client, str] = {}          # ticket client -> ticket id
        self._watching: dict[str, dict[str, set[Client]]] = {}  # hall -> ticket id -> its ticket clients
        self._sent: dict[Client, bytes] = {}           # the last view sent to each watcher
        self._directions: dict[tuple[int, int], tuple[Any, dict | None]] = {}  # (id(config), window)
        self._shots: dict[str, _Shot] = {}
        self.pictures: OrderedDict[str, tuple[str, str, bytes, float]] = OrderedDict()  # request -> (hall, screen, png, at)

    def attach(self) -> None:
        """Hook this side into its hub: the ticket role's hello, who and screenshots, the goodbyes,
        and each hall's commits."""
        from server.hub.hub import ATTACHED_COMMANDS

        if set(COMMANDS) != ATTACHED_COMMANDS:  # the hub's table and this one name the same commands
            raise RuntimeError(f"server/web/live.py answers {sorted(COMMANDS)}, the hub hands over "
                               f"{sorted(ATTACHED_COMMANDS)}")
        hub = self.hub
        hub.hello_handlers[p.TICKET_ROLE] = self.ticket_hello
        for kind in COMMANDS:
            hub.command_handlers[kind] = self.command
        hub.leave_listeners.append(self.leave)
        hub.connection_counters.append(self.watcher_counts)
        for hall in hub.halls.values():
            hall.listeners.append(self.hall_changed)

    # ------------------------------------------------------------------ ticket links
    @property
    def secret(self) -> bytes:
        if self._secret is None:
            self._secret = self.hub.store.setting(SECRET_SETTING, lambda: secrets.token_hex(32)).encode()
        return self._secret

    def key_of(self, hall: str, ticket_id: str) -> str:
        """The unguessable link key of a ticket (stable for the life of the database)."""
        known = self._keys.setdefault(hall, {})
        key = known.get(ticket_id)
        if key is None:
            mac = hmac.new(self.secret, f"{hall}/{ticket_id}".encode(), hashlib.sha256).digest()
            key = base64.urlsafe_b64encode(mac).decode()[:KEY_CHARS]
            if len(known) > 50_000:  # earlier days' tickets: let them go
                known.clear()
                self._tickets.get(hall, {}).clear()
            known[ticket_id] = key
            self._tickets.setdefault(hall, {})[key] = ticket_id
        return key

    def find(self, key: str, via: str = "http") -> tuple[HallRuntime, str] | None:
        """The hall and ticket id of a link key, or None (unknown, or from a day the hub forgot);
        counted in ``signage_hub_ticket_link_lookups_total`` by ``via`` (``http``: the page or its QR
        code, server/web/pages.py; ``watch``: a ticket page's hello)."""
        found = self._find(key)
        self.hub.metrics.ticket_lookups.inc(via=via, result="unknown" if found is None else "found")
        return found

    def _find(self, key: str) -> tuple[HallRuntime, str] | None:
        if not isinstance(key, str) or len(key) != KEY_CHARS:
            return None
        for hall in self.hub.halls.values():
            tid = self._tickets.get(hall.id, {}).get(key)
            if tid is None:
                known = self._keys.get(hall.id, {})
                # list(): one step, safe while the hall's worker thread folds events
                for t_id in list(hall.durable.engine.state.tickets):
                    if t_id not in known:
                        self.key_of(hall.id, t_id)
                tid = self._tickets.get(hall.id, {}).get(key)
            if tid is not None and hmac.compare_digest(self.key_of(hall.id, tid), key):
                return hall, tid
        return None

    # ------------------------------------------------------------------ watching a ticket
    async def ticket_hello(self, ws: ServerConnection, hello: p.Hello, refuse: Refuse) -> Client | None:
        found = self.find(hello.ticket or "", via="watch")
        if found is None:
            await refuse(ws, "unknown_ticket", "no ticket with this link today: the link is wrong or the "
                                               "ticket is from an earlier day; take a new ticket at the kiosk",
                         hello.id)
            return None
        hall, tid = found
        if hello.hall not in ("*", hall.id):
            await refuse(ws, "unknown_ticket", f'this ticket is not of hall "{hello.hall}"', hello.id)
            return None
        client = Client(ws=ws, role=p.TICKET_ROLE, hall=hall.id, actor="ticket", token="(ticket link)")
        async with hall.lock:  # a quiet engine: the view is whole
            client.push(dumps(p.Welcome.frame(hall.id, p.TICKET_ROLE, hall.durable.seq, False, hello.id)))
            view = self._view_frame(hall, tid)
            client.push(view)
            self._sent[client] = view
            self.watchers[client] = tid
            self._watching.setdefault(hall.id, {}).setdefault(tid, set()).add(client)
        return client

    def watcher_counts(self) -> dict[tuple[str, str], int]:
        """For ``signage_hub_connections``: the ticket pages connected, by hall (0 included)."""
        counts = {(hall, p.TICKET_ROLE): 0 for hall in self.hub.halls}
        for client in list(self.watchers):
            key = (client.hall, p.TICKET_ROLE)
            counts[key] = counts.get(key, 0) + 1
        return counts

    def leave(self, client: Client) -> None:
        tid = self.watchers.pop(client, None)
        self._sent.pop(client, None)
        watched = self._watching.get(client.hall, {})
        if tid in watched:
            watched[tid].discard(client)
            if not watched[tid]:
                del watched[tid]

    def hall_changed(self, hall: HallRuntime, tickets: set[str] | None = None) -> None:
        """After a commit, a tick or an estimates push: each watcher of ``hall`` whose view changed
        gets it. ``tickets``: only these tickets' views can have changed (None: any).
        The work is per watched ticket of this hall, not per watcher of the hub."""
        watched = self._watching.get(hall.id)
        if not watched:
            return
        for tid in list(watched) if tickets is None else [t for t in tickets if t in watched]:
            frame = self._view_frame(hall, tid)  # once, however many phones follow the ticket
            for client in list(watched.get(tid, ())):
                if frame == self._sent.get(client):
                    continue
                if client.backlog() > hall.max_backlog:  # a phone that stopped reading: it reconnects later
                    self.leave(client)
                    self.hub.metrics.drops.inc(hall=hall.id, role=p.TICKET_ROLE)
                    close_soon(client.ws, 1013, "too far behind: reconnect", hall.close_grace)
                    continue
                self._sent[client] = frame
                client.push(frame)
                self.hub.metrics.ticket_pushes.inc(hall=hall.id)

    def _view_frame(self, hall: HallRuntime, tid: str) -> bytes:
        return dumps(p.TicketView.frame(self.ticket_view(hall, tid)))

    def ticket_view(self, hall: HallRuntime, tid: str) -> dict[str, Any]:
        """What a citizen may see of a ticket: number, service, state, place in line, estimate, window."""
        config = hall.config
        t = hall.durable.engine.state.tickets.get(tid)
        view: dict[str, Any] = {"hall": hall.id, "hall_name": config.hall.name}
        if t is None:
            view["state"] = "gone"  # finished on an earlier day
            return view
        service = config.service(t.service)
        view.update({"number": t.number, "service": t.service,
                     "service_name": dict(service.name) if service else {"en": t.service},
                     "state": t.state, "class": t.klass, "issued_at": t.issued_at, "recalls": t.recalls})
        est = hall.latest_estimates
        if t.state == "waiting":
            mine = (est.get("tickets") or {}).get(tid) or {}
            svc = (est.get("services") or {}).get(t.service) or {}
            view.update({"ahead": mine.get("ahead"), "minutes": mine.get("minutes"), "low": mine.get("low"),
                         "high": mine.get("high"), "closed_until": svc.get("closed_until"),
                         "waiting": svc.get("waiting")})
            if t.to_window is not None:
                view["to_window"] = t.to_window
        elif t.state in ("called", "serving") and t.window is not None:
            view["called_at"] = t.called_at
            view["window"] = self.window_info(hall, t.window)
        return view

    def window_info(self, hall: HallRuntime, number: int) -> dict[str, Any] | None:
        """A window as a citizen looks for it: number, label, floor, and the way there in words."""
        config = hall.config
        key = (id(config), number)
        hit = self._directions.get(key)
        if hit is None or hit[0] is not config:  # an id of a configuration gone (a reload) may be reused
            if len(self._directions) > 2000:
                self._directions.clear()
            hit = self._directions[key] = (config, _window_info(config, number))  # holding it keeps its id
        return hit[1]

    def command(self, client: Client, hall: HallRuntime, msg: Any) -> str:
        """One of :data:`COMMANDS` (roles already checked by the hub); a bug answers, never raises.
        Returns the result the hub counts (``ok``, ``refused``: answered with an error, ``internal_error``)."""
        try:
            return COMMANDS[msg.type](self, client, hall, msg)
        except Exception:
            log.exception("hall %s: %s from %s failed", hall.id, msg.type, client)
            client.push(error_frame("internal_error", f"the hub failed on this {msg.type} (logged)",
                                    getattr(msg, "id", None)))
            return "internal_error"

    # ------------------------------------------------------------------ manager: who
    def _who(self, client: Client, hall: HallRuntime, msg: Any) -> str:
        clients = [{"role": c.role, "name": c.token, "screen": c.screen, "zone": c.zone, "window": c.window,
                    "address": (c.ws.remote_address or ("?",))[0], "since": round(c.joined, 1)}
                   for c in hall.clients]
        clients.sort(key=lambda c: (c["role"], c["screen"] or "", c["window"] or 0, c["since"]))
        watching = sum(len(phones) for phones in self._watching.get(hall.id, {}).values())
        client.push(ok_frame(msg.id, {"clients": clients, "ticket_pages": watching}))
        return "ok"

    # ------------------------------------------------------------------ manager: screenshots
    def _screenshot(self, client: Client, hall: HallRuntime, msg: p.Screenshot) -> str:
        if hall.config.screen(msg.screen) is None:
            ids = ", ".join(s.id for s in hall.config.screens) or "none"
            client.push(error_frame("unknown_screen", f'no screen "{msg.screen}" in hall {hall.id} (screens: {ids})',
                                    msg.id))
            return "refused"
        screens = [c for c in hall.clients if c.role == "screen" and c.screen == msg.screen]
        if not screens:
            online = sorted({c.screen for c in hall.clients if c.role == "screen" and c.screen})
            client.push(error_frame("screen_offline", f'screen "{msg.screen}" is not connected now '
                                    f'(connected: {", ".join(online) or "none"}); check its PC and network',
                                    msg.id))
            return "refused"
        target = max(screens, key=lambda c: c.joined)  # the newest connection of that screen
        request = secrets.token_urlsafe(12)
        self._shots[request] = _Shot(request, hall.id, msg.screen, client, target)
        target.push(dumps(p.ScreenshotRequest.frame(request)))
        client.push(ok_frame(msg.id, {"request": request, "screen": msg.screen}))
        hall.spawn(self._expire(request))
        return "ok"

    async def _expire(self, request: str) -> None:
        import asyncio

        await asyncio.sleep(SCREENSHOT_TIMEOUT)
        shot = self._shots.pop(request, None)
        if shot is not None:
            self._failed(shot, f"screen {shot.screen} did not send its picture within {SCREENSHOT_TIMEOUT:g} s "
                               "(an old version of signage display, or a busy PC)", "timeout")

    def _failed(self, shot: _Shot, message: str, result: str) -> None:
        """Tell the manager; ``result`` for ``signage_hub_screenshots_total``."""
        self.hub.metrics.screenshots.inc(hall=shot.hall, result=result)
        shot.manager.push(dumps(p.ScreenshotFailed.frame(shot.request, shot.screen, message)))

    def _screenshot_part(self, client: Client, hall: HallRuntime, msg: p.ScreenshotPart) -> str:
        """A part of a picture: ``ok`` when taken (the picture may still fail: counted in
        ``signage_hub_screenshots_total``), ``refused`` when answered with an error."""
        shot = self._shots.get(msg.request)
        if shot is None or shot.screen_client is not client:
            client.push(error_frame("unknown_request", "no screenshot was asked of this screen with that request "
                                                       "(it may have timed out)", msg.id))
            return "refused"
        if shot.count is None:
            shot.count = msg.count
        if msg.count != shot.count or msg.index >= shot.count:
            del self._shots[msg.request]
            self._failed(shot, "the screen sent inconsistent parts", "bad_parts")
            client.push(error_frame("bad_field", f"screenshot_part: index {msg.index} of {msg.count}, "
                                                 f"but the picture has {shot.count} parts", msg.id))
            return "refused"
        if msg.index not in shot.parts:
            shot.parts[msg.index] = msg.data
            shot.size += len(msg.data)
        if shot.size > MAX_SCREENSHOT_BYTES * 4 // 3 + 4:
            del self._shots[msg.request]
            self._failed(shot, f"the picture is larger than {MAX_SCREENSHOT_BYTES // (1024 * 1024)} MiB",
                         "too_large")
            return "ok"
        if len(shot.parts) < shot.count:
            return "ok"
        del self._shots[msg.request]
        try:
            png = base64.b64decode("".join(shot.parts[i] for i in range(shot.count)), validate=True)
        except (binascii.Error, ValueError):
            self._failed(shot, "the screen sent a picture that is not base64", "bad_picture")
            return "ok"
        if not png.startswith(b"\x89PNG\r\n\x1a\n"):
            self._failed(shot, "the screen sent something that is not a PNG", "bad_picture")
            return "ok"
        self.pictures[shot.request] = (shot.hall, shot.screen, png, time.time())
        while len(self.pictures) > SCREENSHOTS_KEPT:
            self.pictures.popitem(last=False)
        shot.manager.push(dumps(p.ScreenshotReady.frame(shot.request, shot.screen,
                                                        f"/api/screenshot/{shot.request}.png", len(png))))
        self.hub.metrics.screenshots.inc(hall=shot.hall, result="ready")
        self.hub.metrics.screenshot_bytes.inc(len(png), hall=shot.hall)
        return "ok"


# The commands this side answers for the hub (server/hub/hub.py ATTACHED_COMMANDS, handed over through
# Hub.command_handlers).
COMMANDS: dict[str, Callable[[LiveSide, Client, HallRuntime, Any], str]] = {
    "who": LiveSide._who,
    "screenshot": LiveSide._screenshot,
    "screenshot_part": LiveSide._screenshot_part,
}


def _window_info(config: Any, number: int) -> dict[str, Any] | None:
    window = config.window(number)
    if window is None:
        return None
    floor = config.floor(window.floor)
    info: dict[str, Any] = {"number": number, "label": dict(window.label) if window.label else None,
                            "floor": window.floor, "floor_name": dict(floor.name) if floor else None,
                            "directions": None, "summary": None, "from": None}
    try:
        from signage.wayfinding import render, summary, wayfinder_for

        finder = wayfinder_for(config)
        for origin in DIRECTIONS_FROM:
            try:
                route = finder.route(origin, f"window:{number}")
            except KeyError:  # UnknownPlace: the hall has no such point
                continue
            if route is None:
                continue
            langs = list(dict.fromkeys(config.hall.languages))  # the phone page's: the hall's, its first first
            info["directions"] = {lang: render(route, lang) for lang in langs}
            info["summary"] = {lang: summary(route, lang) for lang in langs}
            info["from"] = origin.split(":", 1)[1]
            break
    except Exception:  # directions are a help, never a reason to fail a ticket page
        log.exception("no directions to window %s", number)
    return info
