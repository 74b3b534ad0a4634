"""Property-based tests: whatever arrives, never a crash and never a silent pass; always a clear error."""

from __future__ import annotations

import copy
import itertools
import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from sensors.decode import ReadingDecoder
from tests.conftest import ROOT, node_paths
from warning.domain import Level, Reading, level_rank
from warning.errors import ReadingRejected, RuleFileError
from warning.rulebook import RuleEvaluator, load_rule_files
from warning.rulebook.spec import StationSpec

NOW = datetime(2026, 7, 14, 12, tzinfo=UTC)
DECODER = ReadingDecoder({"HY-370102-01"})

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)

reading_fields = st.fixed_dictionaries(
    {},
    optional={
        "sensor_id": st.one_of(st.just("HY-370102-01"), json_values),
        "kind": st.one_of(st.just("water_level"), json_values),
        "value": st.one_of(st.floats(allow_nan=True, allow_infinity=True), json_values),
        "unit": json_values,
        "observed_at": st.one_of(
            st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
            st.datetimes().map(lambda d: d.isoformat()),
            json_values,
        ),
        "reading_id": json_values,
        "extra": json_values,
    },
)


def _judge_payload(payload: Any) -> None:
    try:
        reading = DECODER.decode(payload, NOW)
    except ReadingRejected as rejected:
        assert rejected.reason.strip(), "a rejection must say why"
        return
    assert isinstance(reading, Reading)
    assert math.isfinite(reading.value) and reading.observed_at.tzinfo is not None
    assert reading.observed_at - NOW <= timedelta(minutes=5)
    assert reading.sensor_id == "HY-370102-01" and reading.reading_id


@given(reading_fields)
def test_any_reading_object_is_accepted_whole_or_rejected_with_a_reason(payload: dict[str, Any]) -> None:
    _judge_payload(payload)
    _judge_payload(json.dumps(payload, allow_nan=True).encode())


@given(st.binary(max_size=200))
def test_any_bytes_are_accepted_or_rejected_with_a_reason(payload: bytes) -> None:
    _judge_payload(payload)


@given(st.lists(st.one_of(reading_fields.map(lambda p: json.dumps(p).encode()), st.binary(max_size=40)), max_size=8))
def test_a_batch_gives_each_payload_the_verdict_it_gets_alone(payloads: list[bytes]) -> None:
    batch = DECODER.decode_many(payloads, NOW)
    assert len(batch) == len(payloads)
    for payload, verdict in zip(payloads, batch, strict=True):
        try:
            alone: Reading | ReadingRejected = DECODER.decode(payload, NOW)
        except ReadingRejected as rejected:
            alone = rejected
        assert type(verdict) is type(alone)
        if isinstance(verdict, Reading):
            assert verdict == alone


BASE_RULES = YAML(typ="safe").load((ROOT / "rules" / "flood.yaml").read_text(encoding="utf-8"))


ALL_PATHS = node_paths(BASE_RULES)


@st.composite
def mutated_rule_files(draw: st.DrawFn) -> dict[str, Any]:
    document = copy.deepcopy(BASE_RULES)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent: Any = document
        try:
            for part in path[:-1]:
                parent = parent[part]
            if draw(st.booleans()):
                parent[path[-1]] = draw(json_values)
            elif isinstance(parent, dict):
                del parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue
    return document


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutated_rule_files())
def test_a_damaged_rule_file_loads_or_is_refused_with_file_and_line(tmp_path: Path, document: dict[str, Any]) -> None:
    path = tmp_path / "damaged.yaml"
    with path.open("w", encoding="utf-8") as handle:
        YAML().dump(document, handle)
    try:
        rules = load_rule_files([path])
    except RuleFileError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.path == str(path) and problem.line >= 1 and problem.message.strip()
        return
    for rule in rules:  # loaded: then it must also compile into a working evaluator
        RuleEvaluator([rule])


thresholds = st.lists(st.floats(min_value=-50, max_value=50, allow_nan=False), min_size=2, max_size=2).map(sorted)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(thresholds, min_size=1, max_size=4),
    # Sensors report with finite resolution; the engine compares at a millionth of the unit.
    st.lists(st.integers(min_value=-100_000, max_value=100_000).map(lambda n: n / 1000), min_size=1, max_size=40),
)
def test_levels_follow_thresholds_with_hysteresis(pairs: list[list[float]], values: list[float]) -> None:
    levels = [Level.blue, Level.yellow, Level.orange, Level.red][: len(pairs)]
    # Build a valid rising threshold set: fire and clear values both increase with severity.
    fires = sorted({round(p[1], 2) for p in pairs})
    if len(fires) < len(levels) or any(b - a < 0.01 for a, b in itertools.pairwise(fires)):
        return
    spec = {
        level.value: {"above": fire, "clear_below": fire - 0.005} for level, fire in zip(levels, fires, strict=True)
    }
    station = StationSpec.model_validate({"id": "S", "name": "S", "area": "370102", "levels": spec})
    from warning.rulebook.compiler import compile_rule
    from warning.rulebook.spec import RuleSpec

    rule = compile_rule("flood", RuleSpec(id="r", title="t", kind="k", stations=[station]), "test")
    evaluator = RuleEvaluator([rule])
    current: dict[str, Level | None] = {}
    for n, value in enumerate(values):
        reading = Reading(sensor_id="S", kind="k", value=value, observed_at=NOW + timedelta(minutes=n))
        for detection in evaluator.evaluate(reading, current.get).detections:
            current[detection.key] = detection.level
        level = current.get("r:S")
        # The level is always one the thresholds justify: fired by this value, or held above its clear level.
        fired = [lv for lv, fire in zip(levels, fires, strict=True) if value >= fire]
        held = [lv for lv, fire in zip(levels, fires, strict=True) if value >= round(fire - 0.005, 3)]
        assert level_rank(level) >= level_rank(fired[-1] if fired else None)
        assert level_rank(level) <= level_rank(held[-1] if held else None)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["block", "lower_certainty"]),
    st.sampled_from(["30m", None]),
    # Repeats (stuck), jumps (spike), values out of the physical range, and ordinary readings, each
    # some minutes after the last.
    st.lists(
        st.tuples(
            st.one_of(st.sampled_from([3.0, 5.2, 25.0, -1.0]), st.floats(min_value=-5, max_value=25)),
            st.sampled_from([1, 10, 29, 30, 31]),
        ),
        max_size=40,
    ),
)
def test_the_gate_on_the_evaluators_fast_path_agrees_with_the_quality_rules(
    on_fail: str, stuck_for: str | None, values: list[tuple[float, int]]
) -> None:
    """The evaluator checks the common case (the gate passes and stays open) inline; every reading
    must get the verdict quality_problems() gives it, gate changes and certainty included."""
    from warning.rulebook.compiler import compile_rule
    from warning.rulebook.series import SeriesState, quality_problems
    from warning.rulebook.spec import RuleSpec

    station = StationSpec.model_validate(
        {"id": "S", "name": "S", "area": "370102", "levels": {"yellow": {"above": 5, "clear_below": 4.5}}}
    )
    quality = {"range": [0, 20], "spike": 1.5, "stuck_for": stuck_for, "on_fail": on_fail}
    spec = RuleSpec.model_validate({"id": "r", "title": "t", "kind": "k", "quality": quality, "stations": [station]})
    evaluator = RuleEvaluator([compile_rule("flood", spec, "test")])
    assert spec.quality is not None
    reference = SeriesState("r:S")
    current: dict[str, Level | None] = {}
    at = NOW
    for value, minutes in values:
        at += timedelta(minutes=minutes)
        reading = Reading(sensor_id="S", kind="k", value=value, observed_at=at)
        problems = quality_problems(spec.quality, reference, reading)
        evaluation = evaluator.evaluate(reading, current.get)
        expected = []
        if bool(problems) != reference.gated:
            reference.gated = bool(problems)
            expected = [(bool(problems), tuple(problems))]
        assert [(change.failing, change.problems) for change in evaluation.gate_changes] == expected
        for detection in evaluation.detections:
            assert not (problems and on_fail == "block"), "a blocked reading moved a warning"
            assert detection.certainty == ("Possible" if problems else "Observed")
            assert detection.quality == tuple(problems)
            current[detection.key] = detection.level
