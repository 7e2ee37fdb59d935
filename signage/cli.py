"""The ``signage`` command: one entry point, a subcommand for each part.

Each part owns its subcommands in its own ``cli`` module with a
``register(subparsers)`` function; this file only gathers them, so the list in
:data:`PARTS` is the map of the whole command line.

It is also the one module that may import every floor (signage < audio <
server), so a command that needs two parts is joined here: ``signage display
--announce`` draws with the display (signage) and speaks with the audio part,
whose starter :func:`build_parser` hands to the display command.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Callable

from . import __version__

# Modules that add subcommands; a part that is not installed is skipped.
PARTS = [
    "signage.cli_config",      # validate, schema, describe
    "server.cli",              # serve, stats, call, take, simulate, demo, bench wait|hub|engine
    "signage.display.cli",     # display, preview, bench render
    "audio.cli",               # announce, voicepack, bench voice
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="signage",
        description="Queue hub, wall screens and voice announcements for public-service halls.",
    )
    parser.add_argument("--version", action="version", version=f"signage {__version__} (hall format 1, protocol 1)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    bench = sub.add_parser("bench", help="measure performance (figures, not pass/fail)")
    bench_sub = bench.add_subparsers(dest="bench", metavar="WHAT")
    for name in PARTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue  # that part is not built yet
            raise
        module.register(sub, bench_sub)
    display = sub.choices.get("display")
    if display is not None:
        display.set_defaults(start_voice=start_display_voice)
    return parser


def start_display_voice(**kwargs):
    """The voice of ``signage display --announce``: ``audio.service.start_announcer`` with
    the display's ``hall_id``, ``zone``, ``pack_dir`` and ``wav_dir`` (the hall's
    configuration comes later, from the hub)."""
    from audio.service import start_announcer

    return start_announcer(None, **kwargs)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] | None = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    try:
        return int(run(args) or 0)
    except KeyboardInterrupt:
        return 130


def print_json(obj: object) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    sys.exit(main())
