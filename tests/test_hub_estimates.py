"""The estimator's own process: fed like a screen, answering like an estimator, following edits."""

from __future__ import annotations

from server.hub.estimates import EstimatorProcess
from server.hub.hall import naive_estimates

from tests.engine_hall import HALL_YAML, Driver, hall_config


def test_an_edited_hall_file_reaches_the_estimator_process(tmp_path) -> None:
    hall = tmp_path / "test-hall.yaml"
    hall.write_text(HALL_YAML, "utf-8")
    d = Driver()
    for _ in range(3):
        d.issue("passport")
    d.send("open", actor="window:4", window=4)
    est = EstimatorProcess(hall, fallback=naive_estimates)
    try:
        est.start(d.engine.config.model_dump(mode="json", by_alias=True), d.engine.state.to_json(), [])
        before = est(d.engine, d.now)["services"]["passport"]["minutes"]
        # The manager says a passport takes ten times longer: the same waiting line waits longer.
        slower = hall_config(HALL_YAML.replace("minutes: 6, name: 护照", "minutes: 60, name: 护照"))
        est.set_config(slower.model_dump(mode="json", by_alias=True))
        after = est(d.engine, d.now)["services"]["passport"]["minutes"]
        assert not est.dead
        assert after > 3 * before, (before, after)
    finally:
        est.close()
