"""docs/cli.md is the command line's reference: generated, and never out of date."""

from pathlib import Path

from signage.cli import build_parser
from signage.cli_doc import commands, option_strings, render

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def test_every_command_and_option_is_documented_and_explained() -> None:
    text = DOC.read_text("utf-8")
    for name, parser in commands(build_parser()):
        assert name == "signage" or f"### `{name}`" in text, f"{name} is missing from docs/cli.md"
        for action in parser._actions:
            if action.option_strings and "-h" in action.option_strings or action.dest in ("version",):
                continue
            if action.help is None and not action.choices:
                raise AssertionError(f"{name} {action.option_strings or action.dest}: no help text")
        for option in option_strings(parser):
            assert option in text, f"{name} {option} is missing from docs/cli.md"


def test_the_reference_is_up_to_date() -> None:
    assert DOC.read_text("utf-8") == render(), \
        "docs/cli.md is out of date: run  python -m signage.cli_doc > docs/cli.md"
