"""The hub as it is served: the hub core (server/hub) with the browser pages (server/web) attached,
and ``signage serve``.

The hub core imports nothing of the pages; the pages attach themselves to a hub
(:func:`server.web.pages.attach_web`: its HTTP fallback, the ticket role's hello,
who and screenshots, its goodbyes). :func:`open_hub` is the one place the two are
put together: ``signage serve``, the demo, the benchmarks, the soak, the fault
suites and the test harness build their hubs with it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.hub.cli import _at_least_one, _is_loopback, _not_negative, ticket_limits

if TYPE_CHECKING:
    from server.hub.hub import Hub


def open_hub(hall_paths: list[str | Path], tokens: Any, db: str | Path, *, public_url: str | None = None,
             pages: bool = True, **options: Any) -> "Hub":
    """:meth:`server.hub.hub.Hub.open` (same arguments and errors), with the browser pages attached
    (``pages=False``: the bare hub core). ``public_url``: the address phones use (the QR codes' links;
    its host name is answered)."""
    from server.hub.hub import Hub
    from server.web.pages import attach_web

    hub = Hub.open(hall_paths, tokens, db, **options)
    hub.public_url = public_url
    if pages:
        attach_web(hub)
    return hub


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    s = sub.add_parser("serve", help="run the hub (websocket + /healthz + /metrics) for one or more halls",
                       description="Run the hub for the halls given. See docs/hub.md.")
    s.add_argument("halls", nargs="+", metavar="HALL.yaml", help="hall files (layouts/*.yaml)")
    s.add_argument("--tokens", required=True, metavar="TOKENS.yaml", help="who may connect (docs/hub.md)")
    s.add_argument("--db", default="hub.db", help="the event log, SQLite (default: hub.db)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    s.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0: any free port)")
    s.add_argument("--no-watch", action="store_true", help="do not reload hall files when they change")
    s.add_argument("--allow-demo-tokens", action="store_true",
                   help="listen beyond this machine even with a demo tokens file (never in a real hall)")
    s.add_argument("--origin", action="append", default=[], metavar="URL",
                   help="a browser origin allowed besides the hub's own (repeatable)")
    s.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="a host name the hub answers to besides its IP addresses, localhost and this "
                        "machine's names (repeatable; .example.cn: every name under it); docs/hub.md")
    s.add_argument("--public-url", metavar="URL",
                   help="the address phones use to reach the hub, for the QR codes on tickets "
                        "(default: the address the kiosk used; docs/web.md)")
    s.add_argument("--estimator", default="shadow", choices=["shadow", "naive"],
                   help="waiting-time estimates: shadow (the hall's rule run forward, docs/estimates.md; "
                        "default) or naive (waiting x minutes / open windows)")
    s.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                   help="what the log on standard error says (default INFO)")
    lim = s.add_argument_group("ticket limits (docs/hub.md, Limits; 0 turns a limit off)")
    lim.add_argument("--issue-rate", type=_not_negative, default=20.0, metavar="PER_MIN",
                     help="tickets a minute per kiosk or manager token, steadily (default 20: one every 3 s)")
    lim.add_argument("--issue-burst", type=_at_least_one, default=10.0, metavar="N",
                     help="tickets one token may take at once before the rate applies (default 10)")
    lim.add_argument("--hall-issue-rate", type=_not_negative, default=30.0, metavar="PER_MIN",
                     help="tickets a minute per hall, every token together (default 30)")
    lim.add_argument("--hall-issue-burst", type=_at_least_one, default=30.0, metavar="N",
                     help="tickets a hall may give at once before its rate applies (default 30)")
    lim.add_argument("--check-in-misses", type=int, default=10, metavar="N",
                     help="wrong appointment codes a minute per token before its check-ins are refused (default 10)")
    lim.add_argument("--check-in-lockout", type=_not_negative, default=300.0, metavar="SECONDS",
                     help="how long a token's check-ins are then refused (default 300)")
    s.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from server.hub.hub import ESTIMATORS, Hub, HubError, Limits, PlainFormatter, run_hub
    from signage.config.tokens import TokensError, load_tokens

    handler = logging.StreamHandler()  # standard error; control characters escaped (PlainFormatter)
    handler.setFormatter(PlainFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=args.log_level, handlers=[handler])
    logging.getLogger("websockets").setLevel(logging.WARNING)
    try:
        tokens = load_tokens(args.tokens)
    except TokensError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 2
    if tokens.demo and not _is_loopback(args.host) and not args.allow_demo_tokens:
        print(f"error: {args.tokens} is a demo tokens file (demo: true): its tokens are public. Make real ones "
              "(`signage token`, docs/hub.md) or listen on 127.0.0.1.", file=sys.stderr)
        return 2
    if args.public_url and not args.public_url.startswith(("http://", "https://")):
        print(f"error: --public-url {args.public_url}: expected an address such as http://hub.local:8765 "
              "or https://hall.example.cn", file=sys.stderr)
        return 2
    limits = Limits(watch_interval=None if args.no_watch else 0.3, origins=tuple(args.origin),
                    hosts=tuple(args.allow_host), **ticket_limits(args))
    try:
        hub = open_hub(args.halls, args.tokens, args.db, limits=limits, estimator=ESTIMATORS[args.estimator],
                       public_url=args.public_url)
    except HubError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 2

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)

        def ready(h: Hub) -> None:
            halls = ", ".join(f"{i} (seq {r.durable.seq})" for i, r in h.halls.items())
            print(f"signage hub listening on ws://{args.host}:{h.port}  halls: {halls}", flush=True)

        await run_hub(hub, args.host, args.port, stop, ready)

    try:
        asyncio.run(main())
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0
