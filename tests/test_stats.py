"""`signage stats` from the log alone."""

from __future__ import annotations

from signage.cli import main
from server.reports.stats import day_stats
from server.queue.store import EventStore
from engine_hall import Driver


def _day(tmp_path):
    d = Driver()
    d.at(0); d.issue("id-card")
    d.at(1); d.issue("id-card")
    d.at(2); d.issue("passport")
    d.at(10); d.call_next(3)                 # A001 waited 10 min
    d.at(14); d.call_next(3)                 # A001 served 4 min; A002 waited 13 min
    d.at(15); d.send("skip", window=3)
    d.at(20); d.call_next(4); d.send("transfer", window=4, service="id-card")
    d.at(21); d.call_next(3); d.at(27); d.send("complete", window=3)
    d.send("rate", window=3, score=1, comment="态度差")
    store = EventStore(tmp_path / "hall.db")
    store.append("test-hall", 1, d.log)
    return store


def test_day_figures(tmp_path):
    stats = day_stats(_day(tmp_path).events("test-hall"), "test-hall", None)
    a = stats.services["id-card"].row()
    assert (a["issued"], a["no_shows"]) == (2, 1)
    assert a["mean_wait_min"] == 11.5
    w3 = stats.windows[3].row()
    assert w3["served"] == 2 and w3["bad_ratings"] == 1 and w3["mean_service_min"] == 5.0
    assert stats.windows[4].row()["transfers"] == 1


def test_cli_table_and_csv(tmp_path, capsys):
    _day(tmp_path).close()
    assert main(["stats", "--db", str(tmp_path / "hall.db")]) == 0
    out = capsys.readouterr().out
    assert "test-hall  2026-11-23" in out and "态度差" in out
    assert main(["stats", "--db", str(tmp_path / "hall.db"), "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("hall,day,kind,name,issued") and len(lines) == 1 + 2 + 2


def test_cli_on_a_broken_database(tmp_path, capsys):
    bad = tmp_path / "bad.db"
    bad.write_text("garbage" * 1000)
    assert main(["stats", "--db", str(bad)]) == 1
    assert "left untouched" in capsys.readouterr().err
