"""Rule unit tests, like `promtool test rules`: feed input series through the rules and compare the
detections with the expected ones, exactly (a missing and an unexpected detection both fail).

A test file:

    rule_files: [../flood.yaml]
    tests:
      - name: the river rises through yellow and orange, then falls
        start: 2026-07-14T20:00:00+08:00
        series:
          - {sensor: HY-370102-01, kind: water_level, every: 10m, values: [2.8, 3.6, 4.3, 3.9, 3.2]}
        expect:
          - {at: 10m, rule: river-stage, station: HY-370102-01, level: yellow}
          - {at: 20m, rule: river-stage, station: HY-370102-01, level: orange}
          - {at: 30m, rule: river-stage, station: HY-370102-01, level: yellow}
          - {at: 40m, rule: river-stage, station: HY-370102-01, level: none}

`values` may hold null for "no reading at that step". Optional `gates` lists expected quality-gate
changes: {at, rule, station, failing}. Compound warnings are expected with `station: area:<code>`.
Compounds are judged after every reading; an absence compound's deadline passing with no reading
at that moment is judged at the next reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from warning.domain import AwareDatetime, Level, Measurement, Reading, duration_field, format_duration
from warning.errors import EvaluationError, RuleFileError
from warning.rulebook.compiler import load_rulebook
from warning.rulebook.compound import MemberWarning, compound_key, judge_compound
from warning.rulebook.evaluator import RuleEvaluator
from warning.yamlfile import FileName, load_spec


def _offset(value: Any) -> timedelta:
    return timedelta(0) if value in (0, "0") else duration_field(value)


Offset = Annotated[timedelta, BeforeValidator(_offset)]


class Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SeriesSpec(Spec):
    sensor: str
    kind: str
    every: Offset = Field(description="time between values")
    start_at: Offset = timedelta(0)
    values: list[Measurement | None] = Field(min_length=1)


class ExpectSpec(Spec):
    at: Offset
    rule: str
    station: str
    level: Level | Literal["none"]


class GateExpectSpec(Spec):
    at: Offset
    rule: str
    station: str
    failing: bool


class RuleTestSpec(Spec):
    name: str
    start: AwareDatetime
    series: list[SeriesSpec] = Field(min_length=1)
    expect: list[ExpectSpec] = Field(default_factory=list)
    gates: list[GateExpectSpec] | None = None


class RuleTestFileSpec(Spec):
    rule_files: list[FileName] = Field(min_length=1)
    tests: list[RuleTestSpec] = Field(min_length=1)


@dataclass
class RuleTestResult:
    file: Path
    line: int
    name: str
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.missing and not self.unexpected


def _event(at: timedelta, rule: str, station: str, outcome: str) -> str:
    return f"+{format_duration(at) if at else '0s'} {rule} {station} -> {outcome}"


class SeriesProblem(ValueError):
    """A series whose values cannot be readings (a time out of range, an empty kind...)."""

    def __init__(self, series: int, message: str) -> None:
        self.series = series
        super().__init__(message)


def _series_readings(test: RuleTestSpec) -> list[tuple[timedelta, int, Reading]]:
    readings: list[tuple[timedelta, int, Reading]] = []
    for number, series in enumerate(test.series):
        for step, value in enumerate(series.values):
            if value is None:
                continue
            at = series.start_at + series.every * step
            try:
                reading = Reading(
                    reading_id=f"{series.sensor}#{step}",
                    sensor_id=series.sensor,
                    kind=series.kind,
                    value=value,
                    observed_at=test.start + at,
                )
            except (ValidationError, OverflowError) as exc:
                why = "; ".join(e["msg"] for e in exc.errors()) if isinstance(exc, ValidationError) else str(exc)
                raise SeriesProblem(number, f"value {step + 1} cannot be a reading: {why}") from exc
            readings.append((at, number, reading))
    return readings


def run_rule_test(evaluator: RuleEvaluator, test: RuleTestSpec) -> tuple[set[str], set[str]]:
    """(detections, gate changes) as comparable strings, for one test case on a fresh evaluator."""
    readings = _series_readings(test)
    readings.sort(key=lambda item: (item[0], item[1]))
    levels: dict[str, Level | None] = {}
    open_warnings: dict[str, MemberWarning] = {}  # key -> warning, as open incidents would hold them
    detections: set[str] = set()
    gates: set[str] = set()
    for at, _, reading in readings:
        evaluation = evaluator.evaluate(reading, levels.get)
        for detection in evaluation.detections:
            levels[detection.key] = detection.level
            outcome = detection.level.value if detection.level else "none"
            detections.add(_event(at, detection.rule_id, detection.station_id, outcome))
            if detection.level is None:
                open_warnings.pop(detection.key, None)
            else:
                since = open_warnings[detection.key].since if detection.key in open_warnings else reading.observed_at
                open_warnings[detection.key] = MemberWarning(
                    detection.rule_id, detection.area, detection.level, since, detection.key
                )
        for gate in evaluation.gate_changes:
            gates.add(_event(at, gate.rule_id, gate.station_id, "failing" if gate.failing else "passing"))
        for compound in evaluator.compounds.values():
            for area in sorted({w.area for w in open_warnings.values()} | _areas_of(levels, compound.id)):
                warnings = [w for w in open_warnings.values() if w.area == area]
                verdict = judge_compound(compound, warnings, reading.observed_at)
                key = compound_key(compound.id, area)
                if verdict.level != levels.get(key):
                    levels[key] = verdict.level
                    outcome = verdict.level.value if verdict.level else "none"
                    detections.add(_event(at, compound.id, f"area:{area}", outcome))
    return detections, gates


def _areas_of(levels: dict[str, Level | None], compound_id: str) -> set[str]:
    """Areas where this compound currently warns, so that it can also be lifted there."""
    return {key.rsplit(":", 1)[1] for key, level in levels.items() if key.startswith(f"{compound_id}:") and level}


def run_rule_test_file(path: Path) -> list[RuleTestResult]:
    """Run every test in one file; raises a ConfigFileError when the file or its rules are invalid."""
    spec, document = load_spec(path, RuleTestFileSpec, RuleFileError)
    rulebook = load_rulebook([(path.parent / name).resolve() for name in spec.rule_files])
    results, problems = [], []
    for index, test in enumerate(spec.tests):
        # Fresh windows and timers for every test case.
        evaluator = RuleEvaluator(rulebook.rules, compounds=rulebook.compounds)
        try:
            detections, gates = run_rule_test(evaluator, test)
        except SeriesProblem as exc:
            problems.append(document.problem(("tests", index, "series", exc.series), str(exc)))
            continue
        except EvaluationError as exc:
            problems.append(document.problem(("tests", index), f"the rules cannot judge this test's readings: {exc}"))
            continue
        expected = {_event(e.at, e.rule, e.station, e.level if isinstance(e.level, str) else e.level.value)
                    for e in test.expect}  # fmt: skip
        result = RuleTestResult(path, document.line_of(("tests", index)), test.name)
        result.missing = sorted(expected - detections)
        result.unexpected = sorted(detections - expected)
        if test.gates is not None:
            expected_gates = {
                _event(g.at, g.rule, g.station, "failing" if g.failing else "passing") for g in test.gates
            }
            result.missing += sorted(f"gate {g}" for g in expected_gates - gates)
            result.unexpected += sorted(f"gate {g}" for g in gates - expected_gates)
        results.append(result)
    if problems:
        raise RuleFileError(problems)
    return results


def find_test_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.rglob("*.test.yaml")) if path.is_dir() else [path])
    return files
