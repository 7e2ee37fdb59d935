"""Writes ``docs/cli.md``: the ``signage`` command line, from the parser itself.

The command line is a public interface; its reference is generated so that it
cannot drift from the code (``tests/test_cli_doc.py`` checks it is up to date).
Run ``python -m signage.cli_doc > docs/cli.md`` after changing a command.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Iterator

INTRO = """\
# The `signage` command line

One command with a subcommand for each job. The command line is a public
interface, versioned with the package: a subcommand or option is added freely,
but one is removed or changes meaning only in a new major version, after a
release that warns when it is used. `signage --version` prints the package
version with the hall-file format and protocol versions it speaks.

*This page is generated from the parser (`python -m signage.cli_doc >
docs/cli.md`); a test fails when it is out of date.*

## Exit status

| status | meaning |
|---|---|
| 0 | done |
| 1 | the input is wrong or the hall's rules refused (the reason on standard error, with `file:line` for files) |
| 2 | the command line is wrong, the hub cannot be reached, or the token is not allowed |
| 130 | interrupted (Ctrl-C) |

Commands that talk to a hub read `SIGNAGE_HUB` and `SIGNAGE_TOKEN` when
`--hub` / `--token` are not given (`call`, `take`, `cancel`, `announce`).

## Who uses what

| command | for | more |
|---|---|---|
| `validate`, `describe`, `schema`, `preview` | hall managers editing a hall file | [hall-format.md](hall-format.md), [screens.md](screens.md) |
| `serve`, `token`, `stats` | whoever runs the hub | [hub.md](hub.md) |
| `display` | each wall screen's PC | [screens.md](screens.md) |
| `announce`, `voicepack` | each announcer's PC | [audio.md](audio.md) |
| `call`, `take` | window staff without a browser, scripts | [hub.md](hub.md), [web.md](web.md) for the pages |
| `cancel` | hall managers: a range of tickets taken by mistake or by a flood | [hub.md](hub.md) |
| `demo`, `simulate` | newcomers, planners | README, [estimates.md](estimates.md) |
| `bench ...` | developers: figures, never pass/fail | README *Benchmarks*, [reliability.md](reliability.md) |

## Reference
"""


def commands(parser: argparse.ArgumentParser, prefix: str = "signage") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every command and subcommand, depth first, in the order of ``--help``."""
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, f"{prefix} {name}")


def option_strings(parser: argparse.ArgumentParser) -> list[str]:
    """What a user can type after the command: its options and positional names."""
    out = []
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        if action.option_strings:
            out += action.option_strings
        elif action.choices:  # shown as {a,b,c}
            out += [str(c) for c in action.choices]
        else:
            out.append(action.metavar or action.dest)
    return out


def render() -> str:
    os.environ["COLUMNS"] = "100"  # argparse wraps at the terminal's width: make it the same everywhere
    from .cli import build_parser

    parts = [INTRO]
    every = [(n, p) for n, p in commands(build_parser()) if n != "signage"]
    # the hall's commands first, the developers' benchmarks last
    for name, parser in sorted(every, key=lambda c: c[0].startswith("signage bench")):
        parser.prog = name
        parts.append(f"### `{name}`\n\n```\n{parser.format_help().rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(render())
