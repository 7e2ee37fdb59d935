"""``signage validate``, ``signage schema`` (the hall format, or ``--protocol`` the wire protocol) and
``signage describe``."""

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

    p = sub.add_parser("schema", help="print the JSON Schema of the hall file format (for editors), "
                                      "or with --protocol of the wire protocol")
    p.add_argument("--protocol", action="store_true",
                   help="the wire protocol's frames and events instead (docs/protocol.md)")
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
    problems = result.problems
    if c is not None and not result.errors:
        problems = measured_problems(c, path, problems)
    return "hall file", problems, summary


_MEASURED: dict[tuple[str, str], list[Problem]] = {}


def measured_problems(config: HallConfig, path: Path, problems: list[Problem], text: str | None = None) -> list[Problem]:
    """The estimated text heights replaced by the ones measured on what is drawn.

    Every screen is rendered offscreen in every language (signage/display/measure.py);
    a text below the rule, and one the renderer had to wrap, shorten or cut to stay at
    the minimum, is a warning. Without pygame the estimate stays, and a note says so.
    ``text``: the file's text when it is not (yet) what ``path`` holds (the hub's editor checks a
    draft of the hall file at ``path``).
    """
    from .config.legibility import ESTIMATE_MARK
    from .config.loader import config_json

    try:
        from .display.measure import measure_hall, start_pygame

        why = start_pygame()
    except Exception as exc:  # pygame not installed, or broken
        why = f"{type(exc).__name__}: {exc}"
    if why is not None:
        return problems + [Problem(str(path), 0, "screens", "text sizes are estimated, not measured: pygame "
                                   f"could not start offscreen ({why})", "warning")]
    key = (str(path.resolve()), __import__("hashlib").sha256(config_json(config)).hexdigest())
    found = _MEASURED.get(key)
    if found is None:
        lines = (text.splitlines() if text is not None
                 else path.read_text("utf-8", "replace").splitlines() if path.exists() else [])
        found = []
        try:
            measured = measure_hall(config, path.resolve().parent)
        except Exception as exc:  # a bug in a widget must not hide the file's other problems
            return problems + [Problem(str(path), 0, "screens", f"text sizes are estimated: measuring them "
                                       f"failed ({type(exc).__name__}: {exc})", "warning")]
        index = {s.id: i for i, s in enumerate(config.screens)}
        for f in measured.findings:
            i = index.get(f.screen, 0)
            found.append(Problem(str(path), _line_of_screen(lines, f.screen), f"screens[{i}]", f.message(),
                                 f.severity))  # a board's pages: "info", not a warning
        _MEASURED[key] = found
        while len(_MEASURED) > 64:  # a hub checks a draft at every pause in typing: keep the last ones only
            _MEASURED.pop(next(iter(_MEASURED)))
    return [p for p in problems if ESTIMATE_MARK not in p.message] + found


def _line_of_screen(lines: list[str], screen_id: str) -> int:
    import re

    pattern = re.compile(r"^\s*(-\s*)?id:\s*[\"']?" + re.escape(screen_id) + r"[\"']?\s*(#.*)?$")
    in_screens = False
    for n, line in enumerate(lines, 1):
        if re.match(r"^screens\s*:", line):
            in_screens = True
        elif in_screens and pattern.match(line):
            return n
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def run_schema(args: argparse.Namespace) -> int:
    from .cli import print_json

    if getattr(args, "protocol", False):
        from .protocol import protocol_schema

        print_json(protocol_schema())
        return 0
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
    from .i18n import pick

    first = c.hall.languages[0]
    name = c.hall.name  # as written in the hall's languages, else every one written (a name only in zh-Hant)
    order = [lang for lang in c.hall.languages if lang in name] or list(name)
    names = "  ".join(dict.fromkeys(name[lang] for lang in order))
    print(f"{names}  ({c.hall.id}, {c.hall.timezone})")
    hours = "24 h" if c.hall.hours == "24h" else "; ".join(
        f"{','.join(h.days)} {h.open}-{h.close}" for h in c.hall.hours)
    print(f"  hours: {hours}")
    print(f"  services ({len(c.services)}):")
    for s in c.services:
        print(f"    {s.prefix}  {pick(s.name, first)}  ~{s.minutes:g} min  [{s.group}]")
    print(f"  windows ({len(c.windows)}):")
    for w in c.windows:
        # services: [] takes no tickets: it calls only those other windows transfer to it
        served = "all" if w.services == "all" else ",".join(w.services) or "— (transfers only)"
        print(f"    {w.number:>3}  {w.kind:<10} {w.floor}  {served}")
    print(f"  floors: {', '.join(f.id for f in c.floors)}")
    print(f"  screens ({len(c.screens)}):")
    for s in c.screens:
        w, h = s.canvas_size
        print(f"    {s.id:<16} {s.kind:<10} {w}x{h}  {len(s.regions)} regions")
    return 0
