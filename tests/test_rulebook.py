"""Rule files: strict loading with file:line errors, band compilation, hysteresis through durable-rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warning.domain import Level, Reading
from warning.errors import EvaluationError, RuleFileError
from warning.rulebook import RuleEvaluator, load_rule_files
from warning.rulebook.compiler import Band, band_condition, build_bands, compile_station, quantize
from warning.rulebook.evaluator import _BandTable, next_level
from warning.rulebook.spec import StationSpec

ROOT = Path(__file__).resolve().parent.parent


def _reading(value: float, n: int = 0, sensor: str = "HY-370102-01") -> Reading:
    return Reading(
        reading_id=f"r{n}",
        sensor_id=sensor,
        kind="water_level",
        value=value,
        observed_at=datetime(2026, 7, 1, tzinfo=UTC) + timedelta(minutes=n),
    )


def test_bands_cover_the_number_line_without_overlap() -> None:
    station = compile_station(
        StationSpec.model_validate(
            {
                "id": "S",
                "name": "S",
                "area": "370102",
                "levels": {"yellow": {"above": 3.5, "clear_below": 3.3}, "orange": {"above": 4.2, "clear_below": 4.0}},
            }
        )
    )
    bands = station.bands
    assert [(b.low, b.high) for b in bands] == [
        (float("-inf"), 3.3),
        (3.3, 3.5),
        (3.5, 4.0),
        (4.0, 4.2),
        (4.2, float("inf")),
    ]
    assert [(b.floor, b.cap) for b in bands] == [
        (None, None),
        (None, Level.yellow),
        (Level.yellow, Level.yellow),
        (Level.yellow, Level.orange),
        (Level.orange, Level.orange),
    ]


def test_adjacent_bands_with_the_same_verdict_merge() -> None:
    station = compile_station(
        StationSpec.model_validate(
            {
                "id": "S",
                "name": "S",
                "area": "370102",
                "levels": {"yellow": {"above": 3.0, "clear_below": 2.0}, "red": {"above": 5.0, "clear_below": 4.0}},
            }
        )
    )
    # yellow clears at 2 and fires at 3; red clears at 4 and fires at 5: five bands, none repeated.
    y, r = Level.yellow, Level.red
    assert [(b.floor, b.cap) for b in station.bands] == [(None, None), (None, y), (y, y), (y, r), (r, r)]
    assert build_bands(()) == (Band(0, float("-inf"), float("inf"), None, None),)
    assert all(a.high == b.low for a, b in zip(station.bands, station.bands[1:], strict=False))


@pytest.mark.parametrize(
    ("current", "band", "expected"),
    [
        (None, Band(0, 3.5, 4.0, Level.yellow, Level.yellow), Level.yellow),  # crossing up fires
        (None, Band(0, 3.3, 3.5, None, Level.yellow), None),  # between clear and fire: stay quiet
        (Level.yellow, Band(0, 3.3, 3.5, None, Level.yellow), Level.yellow),  # ...or stay warned (hysteresis)
        (Level.orange, Band(0, 4.0, 4.2, Level.yellow, Level.orange), Level.orange),
        (Level.orange, Band(0, 3.5, 4.0, Level.yellow, Level.yellow), Level.yellow),  # fell below orange clear
        (Level.yellow, Band(0, float("-inf"), 3.3, None, None), None),  # lifted
        (Level.yellow, Band(0, 4.2, float("inf"), Level.orange, Level.orange), Level.orange),
    ],
)
def test_next_level_applies_hysteresis(current: Level | None, band: Band, expected: Level | None) -> None:
    assert next_level(current, band) == expected


def test_evaluator_walks_a_rising_and_falling_river_through_durable_rules() -> None:
    evaluator = RuleEvaluator(load_rule_files([ROOT / "rules" / "flood.yaml"]))
    levels: dict[str, Level | None] = {}
    seen = []
    for n, value in enumerate([2.8, 3.4, 3.6, 3.45, 4.1, 4.3, 4.1, 3.9, 3.4, 3.2]):
        for detection in evaluator.evaluate(_reading(value, n), levels.get).detections:
            levels[detection.key] = detection.level
            seen.append((value, detection.level))
            assert detection.rule_version == evaluator.rules["river-stage"].version
            assert detection.reading.value == value
    assert seen == [(3.6, Level.yellow), (4.3, Level.orange), (3.9, Level.yellow), (3.2, None)]


def test_identical_readings_are_each_evaluated() -> None:
    """durable-rules identifies content-equal messages; every reading must still be judged."""
    evaluator = RuleEvaluator(load_rule_files([ROOT / "rules" / "flood.yaml"]))
    for n in range(3):
        assert [d.level for d in evaluator.evaluate(_reading(3.7, n), lambda key: None).detections] == [Level.yellow]


def test_a_reading_of_another_kind_from_a_known_station_is_not_judged_by_this_rule() -> None:
    evaluator = RuleEvaluator(load_rule_files([ROOT / "rules" / "flood.yaml"]))
    other = _reading(99.0).model_copy(update={"kind": "rainfall"})
    assert evaluator.evaluate(other, lambda key: None).detections == ()


def _write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD_STATION = """      - id: S1
        name: Gauge
        area: "370102"
        levels:
          yellow: {above: 3.5, clear_below: 3.3}
"""


def test_unknown_key_is_reported_with_its_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f"hazard: flood\nrules:\n  - id: r1\n    title: T\n    kind: water_level\n"
        f"    threshold: 3\n    stations:\n{GOOD_STATION}",
    )
    with pytest.raises(RuleFileError) as caught:
        load_rule_files([path])
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:6: unknown key 'threshold': remove it or check its spelling"
    ]


def test_clear_level_above_fire_level_is_refused_with_a_fix(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "hazard: flood\nrules:\n  - id: r1\n    title: T\n    kind: water_level\n"
        '    stations:\n      - id: S1\n        name: Gauge\n        area: "370102"\n'
        "        levels:\n          yellow: {above: 3.5, clear_below: 3.6}\n",
    )
    with pytest.raises(RuleFileError) as caught:
        load_rule_files([path])
    (problem,) = caught.value.problems
    assert problem.line == 11
    assert "clear_below (3.6) must be below above (3.5)" in problem.message


def test_every_problem_is_reported_at_once_across_files(tmp_path: Path) -> None:
    first = _write(
        tmp_path,
        f"hazard: flood\nrules:\n  - id: r1\n    title: T\n    kind: water_level\n    stations:\n{GOOD_STATION}",
        "a.yaml",
    )
    second = _write(
        tmp_path,
        "hazard: flood\nrules:\n  - id: r1\n    title: T\n    kind: water_level\n"
        f"    stations:\n{GOOD_STATION}  - id: Bad Id\n    title: T\n    kind: k\n"
        "    stations: []\n",
        "b.yaml",
    )
    with pytest.raises(RuleFileError) as caught:
        load_rule_files([first, second])
    messages = [str(p) for p in caught.value.problems]
    assert any(m.startswith(f"{second}:3: rule id 'r1' is already used in {first}") for m in messages)
    assert f"{second}:12: id: String should match pattern '^[a-z0-9][a-z0-9-]*$'" in messages
    assert any(m.startswith(f"{second}:15: stations:") for m in messages)
    assert len(messages) == 3


def test_yaml_syntax_error_points_at_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "hazard: flood\nrules:\n  - id: [unclosed\n")
    with pytest.raises(RuleFileError) as caught:
        load_rule_files([path])
    assert caught.value.problems[0].path == str(path)
    assert caught.value.problems[0].line >= 3
    assert "not valid YAML" in caught.value.problems[0].message


def test_levels_must_rise_with_severity(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "hazard: flood\nrules:\n  - id: r1\n    title: T\n    kind: water_level\n"
        '    stations:\n      - id: S1\n        name: Gauge\n        area: "370102"\n'
        "        levels:\n          yellow: {above: 3.5, clear_below: 3.3}\n"
        "          orange: {above: 3.0, clear_below: 2.9}\n",
    )
    with pytest.raises(RuleFileError, match=r"orange above \(3.0\) must be higher than yellow above"):
        load_rule_files([path])


def test_no_band_match_is_an_error_not_a_safe_reading() -> None:
    """Bands cover the number line; were a ruleset ever to leave a gap, the reading is an error."""
    evaluator = RuleEvaluator(load_rule_files([ROOT / "rules" / "flood.yaml"]))
    band = Band(0, 0.0, 1.0, None, None)
    evaluator._host.set_rulesets({"gap": {"band-0": {"all": [band_condition(band)], "run": lambda _c: None}}})
    feed = evaluator._feeds_of["HY-370102-01"][0]
    gapped = replace(feed, table=_BandTable("gap", []))
    with pytest.raises(EvaluationError, match="matched no band"):
        evaluator._match_band(gapped, _reading(3.0), quantize(3.0))


def test_a_band_durable_rules_matched_serves_every_station_with_the_same_thresholds(tmp_path: Path) -> None:
    stations = "".join(
        f'      - id: S{i}\n        name: Gauge {i}\n        area: "370102"\n'
        "        levels:\n          yellow: {above: 2.0, clear_below: 1.5}\n"
        for i in range(3)
    )
    path = _write(tmp_path, f"hazard: flood\nrules:\n  - id: r1\n    title: T\n    kind: water_level\n"
                            f"    stations:\n{stations}")  # fmt: skip
    evaluator = RuleEvaluator(load_rule_files([path]))
    tables = [evaluator._feeds_of[f"S{i}"][0].table for i in range(3)]
    assert tables[0] is tables[1] is tables[2]  # one ruleset for the three stations
    levels = [evaluator.evaluate(_reading(2.5, sensor=f"S{i}"), lambda key: None).detections[0].level for i in range(3)]
    assert levels == [Level.yellow] * 3
    table = tables[0]
    assert len(table.matched) == 1  # durable-rules was asked once, for the first station


@pytest.mark.parametrize("value", [1e-05, -1.5e-7, 1e15, 123456789.123, 0.0])
def test_numbers_durable_rules_cannot_parse_are_compared_as_micro_units(value: float) -> None:
    """durable-rules' JSON parser rejects exponent notation (1e-05), which Python writes for such floats."""
    evaluator = RuleEvaluator(load_rule_files([ROOT / "rules" / "flood.yaml"]))
    assert evaluator.evaluate(_reading(value), lambda key: None).detections == () or value >= 3.5


def test_a_threshold_written_in_exponent_notation_compiles(tmp_path: Path) -> None:
    path = _write(tmp_path, "hazard: flood\nrules:\n  - id: r1\n    title: T\n    kind: water_level\n"
                            "    stations:\n      - id: S1\n        name: Gauge\n        area: \"370102\"\n"
                            "        levels:\n          yellow: {above: 2e-5, clear_below: 1e-5}\n")  # fmt: skip
    evaluator = RuleEvaluator(load_rule_files([path]))
    reading = _reading(3e-5, sensor="S1")
    assert [d.level for d in evaluator.evaluate(reading, lambda key: None).detections] == [Level.yellow]


def test_a_value_too_large_to_compare_is_an_evaluation_error(tmp_path: Path) -> None:
    """Without a quality gate to stop it, an absurd value is an error (dead-lettered), never "safe"."""
    path = _write(tmp_path, f"hazard: flood\nrules:\n  - id: r1\n    title: T\n    kind: water_level\n"
                            f"    stations:\n{GOOD_STATION}")  # fmt: skip
    evaluator = RuleEvaluator(load_rule_files([path]))
    with pytest.raises(EvaluationError, match="too large to compare"):
        evaluator.evaluate(_reading(1e15, sensor="S1"), lambda key: None)


def test_an_unknown_template_placeholder_is_refused_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "hazard: flood\nrules:\n  - id: r1\n    title: T\n    kind: water_level\n"
                            "    messages:\n      en: '{station} at {stage}'\n"
                            f"    stations:\n{GOOD_STATION}")  # fmt: skip
    with pytest.raises(RuleFileError) as caught:
        load_rule_files([path])
    (problem,) = caught.value.problems
    assert problem.line == 3  # the rule; pydantic reports model-level problems there
    assert "messages.en: unknown placeholder {stage}; use station, station_id" in problem.message


def test_a_compound_naming_an_unknown_member_is_refused_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "hazard: waterlogging\ncompounds:\n  - id: c\n    title: C\n    match: all_of\n"
                            "    members: [river-stage, no-such-rule]\n    within: 1h\n")  # fmt: skip
    with pytest.raises(RuleFileError) as caught:
        load_rule_files([ROOT / "rules" / "flood.yaml", path])
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:6: compound c: member 'no-such-rule' is not a rule in the loaded files"
    ]


def test_absence_needs_exactly_two_members_and_a_window(tmp_path: Path) -> None:
    path = _write(tmp_path, "hazard: gas\ncompounds:\n  - id: c\n    title: C\n    match: absence\n"
                            "    members: [a, b, c]\n")  # fmt: skip
    with pytest.raises(RuleFileError, match="absence takes exactly two members"):
        load_rule_files([path])


CATALOGUE = """stations:
  - {id: G1, name: Gauge 1, area: "370102", kinds: [water_level], tags: [river], stages: {warning_stage: 3.5}}
  - {id: G2, name: Gauge 2, area: "370203", kinds: [water_level], tags: [river], stages: {warning_stage: 2.0}}
  - {id: G3, name: Gauge 3, area: "370102", kinds: [water_level], tags: [lake]}
"""


def _selecting(tmp_path: Path, select: str, levels: str) -> Path:
    (tmp_path / "stations.yaml").write_text(CATALOGUE, encoding="utf-8")
    return _write(tmp_path, "hazard: flood\nrules:\n  - id: r1\n    title: T\n    kind: water_level\n"
                            f"    select: {select}\n    levels:\n{levels}", "flood.yaml")  # fmt: skip


def test_rules_select_catalogue_stations_by_tag_and_area_and_use_their_own_stages(tmp_path: Path) -> None:
    path = _selecting(tmp_path, '{tags: [river], area: "3701"}',
                      "      yellow: {above: warning_stage, clear_below: warning_stage - 0.2}\n")  # fmt: skip
    (rule,) = load_rule_files([path])
    assert list(rule.stations) == ["G1"]  # G2 is in Qingdao (3702), G3 is a lake
    (threshold,) = rule.stations["G1"].thresholds
    assert (threshold.above, threshold.clear_below) == (3.5, 3.3)
    (everywhere,) = load_rule_files([_selecting(tmp_path, "{tags: [river]}", "      yellow: {above: warning_stage, "
                                                "clear_below: warning_stage - 0.5}\n")])  # fmt: skip
    assert everywhere.stations["G2"].thresholds[0].clear_below == 1.5


@pytest.mark.parametrize(
    ("select", "levels", "message"),
    [
        ("{tags: [lake]}", "      yellow: {above: warning_stage, clear_below: 1}\n",
         "rule r1: station G3 has no stage 'warning_stage' (its stages: none)"),
        ("{tags: [sea]}", "      yellow: {above: 3, clear_below: 2}\n",
         "rule r1 selects no station: none in the catalogue has kind 'water_level', tags sea"),
        ("{stations: [G9]}", "      yellow: {above: 3, clear_below: 2}\n",
         "rule r1: station G9 is not in the station catalogue"),
        ("{tags: [river]}", "      yellow: {above: warning_stage, clear_below: warning_stage + 1}\n",
         "rule r1, station G1: clear_below (4.5) must be below above (3.5)"),
    ],
)  # fmt: skip
def test_selection_problems_name_the_rule_and_station(tmp_path: Path, select: str, levels: str, message: str) -> None:
    with pytest.raises(RuleFileError) as caught:
        load_rule_files([_selecting(tmp_path, select, levels)])
    assert any(f":6: {message}" in str(p) for p in caught.value.problems), caught.value.problems


def test_a_malformed_stage_reference_is_refused_at_its_line(tmp_path: Path) -> None:
    path = _selecting(tmp_path, "{tags: [river]}", "      yellow: {above: warning stage, clear_below: 2}\n")
    with pytest.raises(RuleFileError, match="'warning stage' is neither a number nor a stage"):
        load_rule_files([path])


def test_a_rule_over_thousands_of_stations_compiles_and_judges_each(tmp_path: Path) -> None:
    """durable-rules hangs creating a ruleset of more than 512 rules; a ruleset holds one set of bands
    (at most nine), however many stations share it or the rule selects. Run in a subprocess so a
    regression fails on its timeout instead of hanging the suite."""
    import subprocess
    import sys
    import textwrap

    stations = "".join(
        f'      - {{id: S{n}, name: G{n}, area: "370102", levels: {{yellow: {{above: {3 + n / 1000}, '
        f"clear_below: 2.8}}, orange: {{above: 9, clear_below: 8}}}}}}\n"
        for n in range(2000)
    )
    path = _write(tmp_path, f"hazard: flood\nrules:\n  - id: r1\n    title: T\n    kind: water_level\n"
                            f"    stations:\n{stations}", "many.yaml")  # fmt: skip
    script = textwrap.dedent(f"""
        from datetime import UTC, datetime, timedelta
        from pathlib import Path
        from warning.domain import Reading
        from warning.rulebook import RuleEvaluator, load_rule_files
        evaluator = RuleEvaluator(load_rule_files([Path({str(path)!r})]))
        at = datetime(2026, 7, 14, tzinfo=UTC)
        levels = []
        for n in (0, 1999):
            for minute, value in enumerate((3.5, 9.5)):
                observed = at + timedelta(minutes=minute)
                reading = Reading(sensor_id=f"S{{n}}", kind="water_level", value=value, observed_at=observed)
                levels += [d.level.value for d in evaluator.evaluate(reading, lambda key: None).detections]
        print(levels)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    # S1999's yellow stage is 4.999: 3.5 is below it, so only its orange reading fires.
    assert done.stdout.strip() == "['yellow', 'orange', 'orange']"
