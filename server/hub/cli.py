"""``signage call``, ``take``, ``cancel`` and ``token``; the options of ``signage serve`` (server/web/serve.py).

``call`` and ``take`` are small clients of the hub for staff without a browser
and for scripts: one command, one answer, exit status 0 (done), 1 (refused by
the hall's rules) or 2 (cannot reach the hub, or not allowed). A dropped
connection is retried with the same request id, so a retry never has a second
effect (the hub answers it with the first answer).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import secrets
import sys
import urllib.request
import uuid
from typing import Any, Callable
from urllib.parse import urlsplit, urlunsplit

from signage.config.model import default_priority_categories
from signage.protocol import PROTOCOL_VERSION

ACTIONS = {"next": "call_next", "recall": "recall", "skip": "skip", "complete": "complete", "start": "start",
           "pause": "pause", "resume": "resume", "open": "open", "close": "close"}
DEFAULT_PRIORITIES = ", ".join(c.id for c in default_priority_categories())


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--hub", default=os.environ.get("SIGNAGE_HUB", "ws://127.0.0.1:8765"),
                        help="hub address (default: $SIGNAGE_HUB or ws://127.0.0.1:8765)")
    common.add_argument("--token", default=os.environ.get("SIGNAGE_TOKEN"),
                        help="your token (default: $SIGNAGE_TOKEN)")
    common.add_argument("--hall", default=os.environ.get("SIGNAGE_HALL"),
                        help="hall id (default: $SIGNAGE_HALL, or the hub's only hall)")
    common.add_argument("--id", help="request id (default: a new one); the same id again has no second effect")
    common.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the answer")
    common.add_argument("--json", action="store_true", help="print the hub's answer as JSON")

    c = sub.add_parser("call", parents=[common], help="a window's command: next, recall, skip, complete, ...",
                       description="Send one window command to the hub, e.g. `signage call --window 3 next`.")
    c.add_argument("--window", type=int, required=True, help="your window number")
    c.add_argument("--role", default="window", choices=["window", "manager"], help="the role of your token")
    c.add_argument("action", choices=list(ACTIONS), help="next calls the next citizen (and completes the one at "
                   "the window); start: the citizen arrived")
    c.add_argument("--reason", default="", help="pause: why (shown on the screens)")
    c.add_argument("--until", help="pause: back at HH:MM")
    c.set_defaults(run=run_call)

    t = sub.add_parser("take", parents=[common], help="issue a ticket (a kiosk from the command line)",
                       description="Issue a ticket, e.g. `signage take --service A` (a service id or its letter).")
    t.add_argument("--service", required=True, help="service id or its ticket letter (A, B, ...)")
    t.add_argument("--priority", metavar="CATEGORY",
                   help="免预约优先: who qualifies, a category id of the hall file's priority.categories "
                        f"(without one: {DEFAULT_PRIORITIES})")
    t.add_argument("--green", action="store_true", help="绿色通道 (urgent; needs --reason)")
    t.add_argument("--reason", help="why green channel or priority: the urgent case (e.g. 'flight in 3 days')")
    t.add_argument("--appointment", help="appointment code")
    t.add_argument("--slot", help="appointment time HH:MM")
    t.add_argument("--role", default="kiosk", choices=["kiosk", "guide", "manager"],
                   help="the role of your token")
    t.set_defaults(run=run_take)

    x = sub.add_parser("cancel", parents=[common], help="cancel a range of tickets (a manager: a flood, a misprint)",
                       description="Cancel today's waiting and skipped tickets of one letter in a range, e.g. "
                                   "`signage cancel --service A --from 12 --to 995 --reason \"flood\"` "
                                   "(a manager token; docs/protocol.md, cancel_tickets).")
    x.add_argument("--service", required=True, help="service id or its ticket letter (A, B, ...)")
    x.add_argument("--from", dest="first", type=int, required=True, metavar="N", help="first number (12 for A012)")
    x.add_argument("--to", dest="last", type=int, required=True, metavar="N", help="last number, included")
    x.add_argument("--reason", required=True, help="why: recorded with every ticket cancelled")
    x.set_defaults(run=run_cancel)

    k = sub.add_parser("token", help="make a new random token (optionally as a tokens-file entry)")
    k.add_argument("--name", help="print a YAML entry with this name")
    k.add_argument("--role", choices=["screen", "announcer", "window", "kiosk", "guide", "manager"], default="window",
                   help="the role of the entry printed (default window)")
    k.add_argument("--hall", default="*", help='the hall id of the entry (default "*": every hall of the hub)')
    k.add_argument("--window", type=int, action="append", help="window number(s), for --role window")
    k.set_defaults(run=run_token)


def _not_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} should be a number of 0 or more")
    return value


def _at_least_one(text: str) -> float:
    value = _not_negative(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} should be 1 or more (a bucket that cannot hold one ticket "
                                         "would refuse them all)")
    return value


# --- serve -----------------------------------------------------------------------------

def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ticket_limits(args: argparse.Namespace) -> dict[str, Any]:
    """The ticket limits of ``signage serve``'s options as :class:`server.hub.hub.Limits` fields."""
    return {"issue_per_minute": args.issue_rate or None, "issue_burst": args.issue_burst,
            "hall_issue_per_minute": args.hall_issue_rate or None, "hall_issue_burst": args.hall_issue_burst,
            "check_in_misses": args.check_in_misses if args.check_in_misses > 0 else None,
            "check_in_lockout": args.check_in_lockout}


# --- call / take -----------------------------------------------------------------------

class CliError(Exception):
    """Cannot reach the hub, or the hub did not let us in (exit status 2)."""


def _http_url(ws_url: str, path: str) -> str:
    parts = urlsplit(ws_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def _only_hall(ws_url: str, timeout: float) -> str:
    try:
        with urllib.request.urlopen(_http_url(ws_url, "/healthz"), timeout=timeout) as resp:
            halls = list(json.load(resp).get("halls", {}))
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot reach the hub at {ws_url}: {exc}") from None
    if len(halls) != 1:
        raise CliError(f"the hub serves {', '.join(halls) or 'no hall'}: say which with --hall")
    return halls[0]


Command = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]] | None


async def send_command(url: str, hello: dict[str, Any], command: Command,
                       timeout: float, retries: int = 3) -> tuple[dict[str, Any], dict[str, Any]]:
    """Say hello, send ``command``, return (welcome, answer). Retries a dropped line with the same id.

    ``command`` may be a function of the welcome (to look things up in the hall file)."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidHandshake, WebSocketException

    last: Exception | None = None
    for attempt in range(retries):
        try:
            async with asyncio.timeout(timeout):
                async with connect(url, max_size=8 * 1024 * 1024, compression=None) as ws:
                    await ws.send(json.dumps(hello, ensure_ascii=False))
                    welcome: dict[str, Any] | None = None
                    async for frame in ws:
                        msg = json.loads(frame)
                        if welcome is None:
                            if msg.get("type") == "error":
                                raise CliError(f"the hub refused us: {msg.get('code')}: {msg.get('message')}")
                            if msg.get("type") != "welcome":
                                continue
                            welcome = msg
                            if command is None:
                                return welcome, {}
                            if callable(command):
                                command = command(welcome)
                            await ws.send(json.dumps(command, ensure_ascii=False))
                        elif msg.get("type") in ("ok", "error") and msg.get("id") == command["id"]:  # type: ignore[index]
                            return welcome, msg
        except (OSError, WebSocketException, InvalidHandshake, TimeoutError) as exc:
            last = exc
            if isinstance(exc, InvalidHandshake) and not isinstance(exc, OSError):
                break
            await asyncio.sleep(0.5 * (attempt + 1))
    raise CliError(f"no answer from the hub at {url}: {last or 'connection closed'}")


def _run_one(args: argparse.Namespace, role: str, command: Command,
             hello_extra: dict[str, Any], show: Any) -> int:
    if not args.token:
        print("error: give your token with --token (or $SIGNAGE_TOKEN)", file=sys.stderr)
        return 2
    try:
        hall = args.hall or _only_hall(args.hub, args.timeout)
        hello = {"type": "hello", "v": PROTOCOL_VERSION, "role": role, "hall": hall, "token": args.token,
                 "client": "signage-cli", **hello_extra}
        welcome, answer = asyncio.run(send_command(args.hub, hello, command, args.timeout))
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(answer, ensure_ascii=False, indent=2))
    if answer.get("type") == "error":
        if not args.json:
            print(f"refused: {answer.get('code')}: {answer.get('message')}", file=sys.stderr)
        return 1
    if not args.json:
        print(show(answer.get("result") or {}, welcome.get("config") or {}))
    return 0


def _service_name(config: dict[str, Any], service_id: str | None) -> str:
    for s in config.get("services", []):
        if s.get("id") == service_id:
            name = s.get("name") or {}
            return name.get("zh-Hans") or next(iter(name.values()), service_id) if isinstance(name, dict) else str(name)
    return service_id or ""


def run_call(args: argparse.Namespace) -> int:
    command: dict[str, Any] = {"type": ACTIONS[args.action], "id": args.id or f"cli-{uuid.uuid4().hex[:16]}",
                               "window": args.window}
    if args.action == "pause":
        command["reason"] = args.reason
        if args.until:
            command["until"] = args.until
    extra = {"window": args.window} if args.role == "window" else {}

    def show(result: dict[str, Any], config: dict[str, Any]) -> str:
        ticket = result.get("ticket") or {}
        events = ", ".join(result.get("events", [])) or "nothing new (already done)"
        if ticket:
            return f"window {args.window}: {ticket.get('number')} {_service_name(config, ticket.get('service'))} ({events})"
        return f"window {args.window}: {events}"

    return _run_one(args, args.role, command, extra, show)


def run_take(args: argparse.Namespace) -> int:
    command: dict[str, Any] = {"type": "issue", "id": args.id or f"cli-{uuid.uuid4().hex[:16]}",
                               "service": args.service}
    for key in ("priority", "reason", "appointment", "slot"):
        if getattr(args, key):
            command[key] = getattr(args, key)
    if args.green:
        command["green"] = True

    def with_service(welcome: dict[str, Any]) -> dict[str, Any]:
        # A ticket letter (A, B...) stands for its service: the hall file comes with the welcome.
        for s in (welcome.get("config") or {}).get("services", []):
            if s.get("id") != args.service and str(s.get("prefix", "")).upper() == args.service.upper():
                return {**command, "service": s["id"]}
        return command

    def show(result: dict[str, Any], config: dict[str, Any]) -> str:
        ticket = result.get("ticket") or {}
        return f"{ticket.get('number')}  {_service_name(config, ticket.get('service'))}  ({result.get('ahead', 0)} ahead)"

    return _run_one(args, args.role, with_service, {}, show)


def run_cancel(args: argparse.Namespace) -> int:
    command: dict[str, Any] = {"type": "cancel_tickets", "id": args.id or f"cli-{uuid.uuid4().hex[:16]}",
                               "service": args.service, "from": args.first, "to": args.last, "reason": args.reason}

    def show(result: dict[str, Any], config: dict[str, Any]) -> str:
        numbers = result.get("cancelled") or []
        listed = ", ".join(numbers) if len(numbers) <= 12 else f"{numbers[0]} ... {numbers[-1]}"
        return f"{len(numbers)} tickets cancelled: {listed}" if numbers else "nothing new (already done)"

    return _run_one(args, "manager", command, {}, show)


# --- token -----------------------------------------------------------------------------

def run_token(args: argparse.Namespace) -> int:
    secret = secrets.token_urlsafe(24)  # 192 random bits
    if not args.name:
        print(secret)
        return 0
    lines = [f"  - name: {args.name}", f'    token: "{secret}"', f"    role: {args.role}",
             f'    hall: {json.dumps(args.hall) if args.hall == "*" else args.hall}']
    if args.role == "window":
        if not args.window:
            print("error: a window token needs --window N", file=sys.stderr)
            return 2
        lines.append(f"    windows: [{', '.join(str(w) for w in args.window)}]")
    print("\n".join(lines))
    return 0
