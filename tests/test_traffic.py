"""The traffic profile format: the shipped profiles load, mistakes are pointed at."""

from __future__ import annotations

import pytest

from conftest import LAYOUTS
from server.sim.traffic import PlannedBreak, load_profile, load_profile_text, profile_beside
from signage.config import load_hall


@pytest.fixture(scope="module")
def reference():
    return load_hall(LAYOUTS / "reference.yaml").config


GOOD = """\
format: 1
hall: reference
arrivals:
  rate: [["09:00", 0.5], ["10:00", 1.5], ["12:00", 0.5]]
  priority_share: 0.1
services:
  id-card: {share: 0.5}
  household: {share: 0.3, minutes: 7}
  exit-entry: {share: 0.1}
  traffic: {share: 0.1}
breaks:
  late_minutes: 5
  plan:
    - {windows: [1, 3], from: "11:30", to: "12:15"}
"""


def problems(text: str, hall=None) -> list[str]:
    return [str(p) for p in load_profile_text(text, "t.traffic.yaml", hall).problems]


@pytest.mark.parametrize("hall", ["reference", "zhongshan"])
def test_shipped_profiles_load_clean(hall):
    config = load_hall(LAYOUTS / f"{hall}.yaml").config
    result = load_profile(profile_beside(LAYOUTS / f"{hall}.yaml"), config)
    assert result.problems == [] and result.profile is not None
    assert result.profile.hall == hall


def test_reference_profile_is_the_bench_scenario(reference):
    prof = load_profile(LAYOUTS / "reference.traffic.yaml", reference).profile
    # WAIT_BENCH.md: rate through (minutes after 09:00, rate) points; about 330 walk-ins.
    assert prof.rate_at(9 * 60) == pytest.approx(0.5)
    assert prof.rate_at(9 * 60 + 15) == pytest.approx(0.725)
    assert prof.rate_at(16 * 60 + 30) == pytest.approx(0.35)
    assert prof.rate_at(17 * 60) == 0
    assert 315 < prof.expected_walk_ins() < 335
    assert {s: v.minutes for s, v in prof.services.items()} == {
        "id-card": 3, "household": 6, "exit-entry": 10, "traffic": 15}
    assert PlannedBreak(2, "12:15", "13:00") in prof.planned_breaks()
    assert prof.appointments.services == ["household", "exit-entry"]
    assert reference.rules.order == ["green", "appointment", "priority", "normal"]
    assert reference.rules.starvation_minutes is None


def test_zhongshan_is_about_470_a_day():
    config = load_hall(LAYOUTS / "zhongshan.yaml").config
    prof = load_profile(LAYOUTS / "zhongshan.traffic.yaml", config).profile
    assert 440 < prof.expected_walk_ins() < 520


def test_a_good_profile_has_no_problems(reference):
    assert problems(GOOD, reference) == []


def test_unknown_key_is_pointed_at_with_a_suggestion():
    bad = GOOD.replace("priority_share", "priorty_share")
    (msg,) = problems(bad)
    assert msg.startswith("t.traffic.yaml:5: arrivals.priorty_share: unknown key")
    assert 'did you mean "priority_share"' in msg


def test_bad_values_name_the_place():
    msgs = problems(GOOD.replace('["10:00", 1.5]', '["25:00", 1.5]'))
    assert any("arrivals.rate[1]" in m and "25:00" in m for m in msgs), msgs
    msgs = problems(GOOD.replace("share: 0.5}", "share: 1.5}"))
    assert any("services.id-card.share" in m and "at most 1" in m for m in msgs), msgs


def test_shares_must_add_up():
    msgs = problems(GOOD.replace("share: 0.5}", "share: 0.6}"))
    assert any("services: the shares add up to 1.1" in m for m in msgs), msgs


def test_against_the_hall(reference):
    msgs = problems(GOOD.replace("  traffic: {share: 0.1}", "  trafic: {share: 0.1}"), reference)
    assert any('unknown service "trafic"' in m and 'did you mean "traffic"' in m for m in msgs), msgs
    assert any('"traffic" of the hall has no traffic' in m and "warning" in m for m in msgs)
    msgs = problems(GOOD.replace("windows: [1, 3]", "windows: [1, 9]"), reference)
    assert any(m.startswith("t.traffic.yaml:14: breaks.plan[0].windows[1]: window 9 is not in the hall file")
               for m in msgs), msgs
    msgs = problems(GOOD.replace("hall: reference", "hall: zhongshan"), reference)
    assert any('for hall "zhongshan", not "reference"' in m for m in msgs)


def test_order_of_things():
    msgs = problems(GOOD.replace('["12:00", 0.5]', '["09:30", 0.5]'))
    assert any("09:30 comes before 10:00" in m for m in msgs), msgs
    msgs = problems(GOOD.replace('to: "12:15"', 'to: "11:00"'))
    assert any("expected the end after the start" in m for m in msgs), msgs


def test_not_a_profile():
    assert "the file is empty" in problems("")[0]
    assert "is a mapping" in problems("- 1\n- 2\n")[0]
    assert "\"[\" opened on this line is not closed: add \"]\"" in problems("format: [1\n")[0]


def test_planned_breaks_beside_a_hall(tmp_path, reference):
    from server.sim.traffic import planned_breaks_beside
    plan = planned_breaks_beside(LAYOUTS / "reference.yaml", reference)
    assert len(plan) == 6 and plan[0] == PlannedBreak(1, "11:30", "12:15")
    assert planned_breaks_beside(tmp_path / "nowhere.yaml", reference) == []
