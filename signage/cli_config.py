"""``signage validate``, ``signage schema`` and ``signage describe``."""

from __future__ import annotations

import argparse
import sys

from pathlib import Path

from .config import HallConfig, Problem, load_hall


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check hall files; exit 1 with pointed messages if any is wrong")
    p.add_argument("files", nargs="+", metavar="FILE", help="hall files, traffic profiles (*.traffic.yaml) or tokens files")
    p.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    p.set_defaults(run=run_validate)

    p = sub.add_parser("schema", help="print the JSON Schema of the hall file format (for editors)")
    p.set_defaults(run=run_schema)

    p = sub.add_parser("describe", help="summarise a hall: services, windows, floors, screens")
    p.add_argument("file", metavar="FILE", help="a hall file")
    p.set_defaults(run=run_describe)


def run_validate(args: argparse.Namespace) -> int:
    """Check each file by its kind: a hall, a traffic profile (*.traffic.yaml) or a tokens file."""
    failed = False
    for name in args.files:
        kind, problems, summary = _check_file(Path(name))
        for problem in problems:
            print(problem, file=sys.stderr if problem.severity == "error" else sys.stdout)
        errors = [p for p in problems if p.severity == "error"]
        if errors or summary is None:
            failed = True
            n = len(errors)
            print(f"{name}: INVALID {kind} ({n} problem{'s' if n != 1 else ''})", file=sys.stderr)
        elif not args.quiet:
            print(f"{name}: ok: {summary}")
    return 1 if failed else 0


class _Said(str):
    """A problem already written out in full (``file:line: path: what``)."""

    severity = "error"


def _check_file(path: Path) -> tuple[str, list[Problem], str | None]:
    # Traffic profiles and tokens files live beside the halls in layouts/; they
    # have their own formats (signage/config/traffic.py, signage/config/tokens.py).
    if path.name.endswith(".traffic.yaml"):
        from .config.traffic import load_profile

        hall_file = path.with_name(path.name[: -len(".traffic.yaml")] + ".yaml")
        hall = load_hall(hall_file).config if hall_file.exists() else None
        result = load_profile(path, hall)
        return "traffic profile", result.problems, None if result.profile is None else \
            f"traffic profile for hall {result.profile.hall}" + ("" if hall else " (hall file not found beside it)")
    if "tokens" in path.name:
        from .config.tokens import TokensError, load_tokens

        try:
            tokens = load_tokens(path)
        except TokensError as exc:
            return "tokens file", [_Said(p) for p in exc.problems], None
        demo = " (DEMO ONLY: public tokens)" if tokens.demo else ""
        return "tokens file", [], f"tokens file, {len(tokens.entries)} tokens{demo}"
    result = load_hall(path)
    c = result.config
    summary = None if c is None else (f"hall {c.hall.id}, {len(c.services)} services, {len(c.windows)} windows, "
                                      f"{_count(len(c.floors), 'floor')}, {_count(len(c.screens), 'screen')}")
    return "hall file", result.problems, summary


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def run_schema(args: argparse.Namespace) -> int:
    from .cli import print_json

    schema = HallConfig.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Hall file (format 1)"
    print_json(schema)
    return 0


def run_describe(args: argparse.Namespace) -> int:
    result = load_hall(args.file)
    if result.config is None:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        return 1
    c = result.config
    name = c.hall.name
    print(f"{name.get('zh-Hans', '')}  {name.get('en', '')}  ({c.hall.id}, {c.hall.timezone})")
    hours = "24 h" if c.hall.hours == "24h" else "; ".join(
        f"{','.join(h.days)} {h.open}-{h.close}" for h in c.hall.hours)
    print(f"  hours: {hours}")
    print(f"  services ({len(c.services)}):")
    for s in c.services:
        print(f"    {s.prefix}  {s.name.get('zh-Hans', s.name.get('en', ''))}  ~{s.minutes:g} min  [{s.group}]")
    print(f"  windows ({len(c.windows)}):")
    for w in c.windows:
        served = "all" if w.services == "all" else ",".join(w.services)
        print(f"    {w.number:>3}  {w.kind:<10} {w.floor}  {served}")
    print(f"  floors: {', '.join(f.id for f in c.floors)}")
    print(f"  screens ({len(c.screens)}):")
    for s in c.screens:
        w, h = s.canvas_size
        print(f"    {s.id:<16} {s.kind:<10} {w}x{h}  {len(s.regions)} regions")
    return 0
