"""A short soak: one simulated day of the Zhongshan hall at high speed, screens and announcer connected.

``signage bench soak`` runs a week and reports the figures (docs/reliability.md);
this is its pass/fail part in short: the hub in its own process with a
simulated clock, the hall's traffic profile played as real commands, two
screens and an announcer connected throughout. At the end of the day every
screen's view equals the hub's state, nothing waits in any queue, the hub's log
has no ERROR line, and its memory stayed within a generous bound (the exact
figures are the bench's business: the machines that run the tests are shared).
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from server.tools.soak import queue_problems, soak_week


@pytest.mark.slow
def test_a_simulated_day_leaves_no_error_no_backlog_and_screens_in_sync(tmp_path) -> None:
    monday = dt.date(2026, 11, 16)
    report = asyncio.run(soak_week(tmp_path, days=1, first=monday, speed=3000, screens=2, announcers=1,
                                   fsync=False))
    assert report.problems == []
    assert queue_problems(report) == []
    [day] = report.days
    assert day.commands > 1000 and day.events > 1000   # a real day went through
    assert day.out_of_sync == 0 and day.spoken > 100 and day.log_errors == 0
    h = day.stats["halls"]["zhongshan"]
    assert h["clients"] >= 3 and h["ring"] <= 5000
    assert day.rss_kib - report.rss_start_kib < 128 * 1024  # generous: the bench reports the real figure
