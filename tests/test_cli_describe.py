"""``signage describe``: a hall summarised, each window with what it serves."""

from __future__ import annotations

from signage.cli import main

from conftest import LAYOUTS


def test_describe_says_a_counter_without_tickets_takes_transfers_only(capsys) -> None:
    assert main(["describe", str(LAYOUTS / "riverside.yaml")]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("    ") and line.split()[0].isdigit()}
    assert rows["12"].rstrip().endswith("1F  — (transfers only)"), rows["12"]     # services: []
    assert rows["1"].rstrip().endswith("1F  all") and rows["7"].rstrip().endswith("registration,title")
