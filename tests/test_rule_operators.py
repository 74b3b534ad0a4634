"""Temporal operators and the data-quality gate, judged on the readings' own timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from warning.domain import Level, Reading
from warning.rulebook import RuleEvaluator, load_rule_files
from warning.rulebook.evaluator import Evaluation

T0 = datetime(2026, 7, 14, 12, tzinfo=UTC)


def _rule(tmp_path: Path, **extra: Any) -> RuleEvaluator:
    rule: dict[str, Any] = {
        "id": "r",
        "title": "Test rule",
        "kind": "water_level",
        "unit": "m",
        **extra,
        "stations": [
            {
                "id": "S",
                "name": "Gauge",
                "area": "370102",
                "levels": extra.pop("levels", None)
                or {"yellow": {"above": 3.5, "clear_below": 3.3}, "orange": {"above": 4.2, "clear_below": 4.0}},
            }
        ],
    }
    rule.pop("levels", None)
    path = tmp_path / "rule.yaml"
    with path.open("w", encoding="utf-8") as handle:
        YAML().dump({"hazard": "flood", "rules": [rule]}, handle)
    return RuleEvaluator(load_rule_files([path]))


class Series:
    """Feeds readings at given minutes and keeps the level as the engine would (open incident)."""

    def __init__(self, evaluator: RuleEvaluator) -> None:
        self.evaluator = evaluator
        self.level: Level | None = None
        self.n = 0

    def feed(self, minute: float, value: float) -> Evaluation:
        self.n += 1
        reading = Reading(
            reading_id=f"r{self.n}",
            sensor_id="S",
            kind="water_level",
            value=value,
            observed_at=T0 + timedelta(minutes=minute),
        )
        evaluation = self.evaluator.evaluate(reading, lambda key: self.level)
        for detection in evaluation.detections:
            self.level = detection.level
        return evaluation

    def levels(self, points: list[tuple[float, float]]) -> list[Level | None]:
        result = []
        for minute, value in points:
            self.feed(minute, value)
            result.append(self.level)
        return result


def test_pending_fires_only_once_the_condition_held_long_enough(tmp_path: Path) -> None:
    series = Series(_rule(tmp_path, **{"for": "20m"}))
    y, o = Level.yellow, Level.orange
    assert series.levels([(0, 3.6), (10, 3.7), (19, 3.6), (20, 3.8)]) == [None, None, None, y]
    # A dip below the fire level resets the pending clock.
    series = Series(_rule(tmp_path, **{"for": "20m"}))
    assert series.levels([(0, 3.6), (10, 3.4), (20, 3.6), (35, 3.6), (40, 3.6)]) == [None, None, None, None, y]
    # An upgrade pends too.
    assert series.levels([(45, 4.3), (60, 4.4), (65, 4.4)]) == [y, y, o]


def test_keep_firing_for_holds_a_level_after_it_clears(tmp_path: Path) -> None:
    series = Series(_rule(tmp_path, keep_firing_for="30m"))
    y = Level.yellow
    assert series.levels([(0, 3.6), (10, 3.2), (20, 3.6), (30, 3.1), (50, 3.0), (60, 3.0)]) == [y, y, y, y, y, None]


def test_rate_of_rise_over_a_window(tmp_path: Path) -> None:
    series = Series(
        _rule(
            tmp_path,
            signal={"of": "rate", "over": "1h"},
            levels={"yellow": {"above": 0.3, "clear_below": 0.1}, "orange": {"above": 0.6, "clear_below": 0.4}},
        )
    )
    # Judged only from half an hour of data; compared with the reading an hour back once there is
    # one. Rates (m/h): -, -, -, 0.70, 0.675, 0.624, 0.55 (orange holds above its clear level 0.4),
    # 0.23 (down to yellow), 0.03 (cleared).
    points = [(0, 2.0), (10, 2.1), (20, 2.2), (30, 2.35), (40, 2.45), (50, 2.52), (60, 2.55), (90, 2.58), (120, 2.58)]
    assert series.levels(points) == [None, None, None, Level.orange, Level.orange, Level.orange, Level.orange,
                                     Level.yellow, None]  # fmt: skip
    evaluation = series.feed(130, 3.3)  # +0.75 m since the 2.55 m of 60m (70 min back) -> 0.643 m/h
    (detection,) = evaluation.detections
    assert detection.level is Level.orange and detection.signal_value == pytest.approx(0.643, abs=1e-3)
    assert detection.reason.startswith("Gauge (S) rate over 1h was 0.643 m/h, at or above the orange threshold 0.6")
    # Readings two hours apart are too sparse to judge a one-hour rate: nothing moves.
    assert series.feed(260, 5.0).detections == () and series.level is Level.orange


def test_sum_over_a_window_for_rainfall(tmp_path: Path) -> None:
    series = Series(
        _rule(
            tmp_path,
            signal={"of": "sum", "over": "1h"},
            levels={"yellow": {"above": 30, "clear_below": 20}, "orange": {"above": 50, "clear_below": 40}},
        )
    )
    points = [(0, 10), (15, 10), (30, 15), (45, 20), (60, 5), (75, 0), (90, 0), (105, 0), (120, 0)]
    # sums: 10, 20, 35, 55, 50 (reading at 0 left the window), 40, 25, 5, 0
    assert series.levels(points) == [None, None, Level.yellow, Level.orange, Level.orange, Level.orange,
                                     Level.yellow, None, None]  # fmt: skip


@pytest.mark.parametrize(
    ("quality", "points", "problem"),
    [
        ({"range": [0, 20]}, [(0, 3.6), (10, 25.0)], "value 25 outside the physical range [0, 20]"),
        ({"spike": 1.0}, [(0, 3.0), (10, 4.5)], "jump of +1.5 since the last reading exceeds 1"),
        ({"stuck_for": "30m"}, [(0, 3.6), (10, 3.6), (20, 3.6), (30, 3.6)], "value stuck at 3.6 for 30m"),
    ],
)
def test_quality_gate_blocks_and_never_reads_as_safe(
    tmp_path: Path, quality: dict[str, Any], points: list[tuple[float, float]], problem: str
) -> None:
    series = Series(_rule(tmp_path, quality=quality))
    for minute, value in points[:-1]:
        series.feed(minute, value)
    before = series.level
    evaluation = series.feed(*points[-1])
    assert evaluation.detections == () and series.level == before
    (gate,) = evaluation.gate_changes
    assert gate.failing and gate.blocks and gate.problems == (problem,)


def test_a_blocked_reading_does_not_clear_a_warning_and_the_gate_reopens(tmp_path: Path) -> None:
    series = Series(_rule(tmp_path, quality={"range": [0, 20], "spike": 1.0}))
    assert series.levels([(0, 3.6), (10, -5.0), (20, 3.7)]) == [Level.yellow, Level.yellow, Level.yellow]
    # The spike check compares with the last good value (3.7), not with the rejected -5.
    evaluation = series.feed(30, 3.8)
    assert evaluation.gate_changes == ()
    evaluation = series.feed(40, 3.1)
    assert [d.level for d in evaluation.detections] == [None]


def test_lower_certainty_judges_the_reading_but_says_so(tmp_path: Path) -> None:
    series = Series(_rule(tmp_path, quality={"spike": 0.5, "on_fail": "lower_certainty"}))
    series.feed(0, 3.0)
    evaluation = series.feed(10, 3.8)
    (detection,) = evaluation.detections
    assert detection.level is Level.yellow and detection.certainty == "Possible"
    assert detection.quality == ("jump of +0.8 since the last reading exceeds 0.5",)
    (gate,) = evaluation.gate_changes
    assert gate.failing and not gate.blocks


def test_out_of_order_readings_are_not_judged(tmp_path: Path) -> None:
    series = Series(_rule(tmp_path))
    series.feed(10, 3.6)
    assert series.feed(5, 3.0).detections == ()
    assert series.level is Level.yellow


def test_hot_reload_keeps_windows_and_timers(tmp_path: Path) -> None:
    evaluator = _rule(tmp_path, signal={"of": "sum", "over": "1h"}, **{"for": "10m"},
                      levels={"yellow": {"above": 30, "clear_below": 20}})  # fmt: skip
    series = Series(evaluator)
    series.levels([(0, 10), (10, 10), (20, 15)])  # sum 35: pending since minute 20
    reloaded = RuleEvaluator(evaluator.rules.values(), carry_over=evaluator)
    series.evaluator = reloaded
    assert series.levels([(30, 0)]) == [Level.yellow]  # sum still 35, held 10 minutes


def test_priming_restores_windows_after_a_restart(tmp_path: Path) -> None:
    def make() -> RuleEvaluator:
        return _rule(tmp_path, signal={"of": "sum", "over": "1h"}, levels={"yellow": {"above": 30, "clear_below": 20}})

    history = [
        Reading(reading_id=f"h{i}", sensor_id="S", kind="water_level", value=10, observed_at=T0 + timedelta(minutes=m))
        for i, m in enumerate([0, 15])
    ]
    fresh = make()
    fresh.prime(history)
    series = Series(fresh)
    assert series.levels([(30, 15)]) == [Level.yellow]  # 10 + 10 + 15
    cold = Series(make())
    assert cold.levels([(30, 15)]) == [None]


def test_falling_thresholds_fire_on_a_collapse(tmp_path: Path) -> None:
    levels = {"yellow": {"below": 30, "clear_above": 40}, "orange": {"below": 15, "clear_above": 25}}
    series = Series(_rule(tmp_path, levels=levels))
    y, o = Level.yellow, Level.orange
    assert series.levels([(0, 60), (5, 28), (10, 12), (15, 20), (20, 27), (25, 35), (30, 45)]) == [
        None, y, o, o, y, y, None]  # fmt: skip
    evaluation = series.feed(35, 10)
    (detection,) = evaluation.detections
    assert detection.reason == "Gauge (S) read 10 m, at or below the orange threshold 15 m"
    assert detection.thresholds[0].below == 30 and detection.thresholds[0].above is None


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ({"yellow": {"below": 30, "clear_above": 20}}, "clear_above (20.0) must be above below (30.0)"),
        ({"yellow": {"below": 30}}, "a falling threshold needs both below and clear_above"),
        ({"yellow": {"above": 3, "clear_below": 2, "below": 1}}, "write either above and clear_below"),
        (
            {"yellow": {"below": 30, "clear_above": 40}, "orange": {"above": 50, "clear_below": 45}},
            "all levels must fire the same way",
        ),
        (
            {"yellow": {"below": 30, "clear_above": 40}, "orange": {"below": 35, "clear_above": 45}},
            "orange below (35.0) must be lower than yellow below (30.0)",
        ),
    ],
)
def test_threshold_mistakes_are_explained(tmp_path: Path, levels: dict[str, Any], message: str) -> None:
    from warning.errors import RuleFileError

    with pytest.raises(RuleFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _rule(tmp_path, levels=levels)
