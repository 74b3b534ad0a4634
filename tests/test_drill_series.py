"""Series files: readings at scale in a scenario, streamed in time order, checked line by line at load."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from warning.drills.runner import run_drill
from warning.drills.scenario import load_scenario
from warning.drills.series import MOST_PROBLEMS, check_series, read_series
from warning.errors import ScenarioFileError

RIVERSIDE = ROOT / "scenarios" / "riverside-flood.yaml"


def _riverside_with_series(tmp_path: Path, series_name: str, lines: str) -> Path:
    """The riverside drill with its readings moved from inline injects into a series file."""
    text = RIVERSIDE.read_text(encoding="utf-8")
    head = text[: text.index("injects:")]
    head = head.replace("rules: [../rules/flood.yaml]", f"rules: [{ROOT / 'rules' / 'flood.yaml'}]")
    head = head.replace("organisation: ../org/jinan.yaml", f"organisation: {ROOT / 'org' / 'jinan.yaml'}")
    (tmp_path / series_name).write_text(lines, encoding="utf-8")
    scenario = tmp_path / "drill.yaml"
    scenario.write_text(head + f"series: [{series_name}]\n", encoding="utf-8")
    return scenario


def _same_play(first: list[dict[str, object]], second: list[dict[str, object]]) -> bool:
    """The same decisions, but for the organisation file's path as each scenario wrote it."""
    return first[0]["kind"] == second[0]["kind"] == "organisation_loaded" and first[1:] == second[1:]


def _riverside_readings() -> list[tuple[str, float]]:
    spec, _, _ = load_scenario(RIVERSIDE)
    rows = []
    for inject in spec.injects:
        assert inject.reading is not None
        minutes = int(inject.at.total_seconds() // 60)
        rows.append((f"{minutes}m", inject.reading["value"]))
    return rows


def test_a_series_file_plays_exactly_as_the_same_readings_inline(tmp_path: Path) -> None:
    inline = run_drill(RIVERSIDE)
    lines = "".join(
        json.dumps({"at": at, "sensor_id": "HY-370102-01", "kind": "water_level", "value": value, "unit": "m"}) + "\n"
        for at, value in _riverside_readings()
    )
    jsonl = run_drill(_riverside_with_series(tmp_path, "gauge.jsonl", lines))
    assert _same_play(jsonl.decisions, inline.decisions)
    assert jsonl.series_readings == len(_riverside_readings())
    # The inline readings are on the timeline; a series' readings are counted instead (a day of
    # 500 stations would be 720,000 lines of it).
    assert [e.kind for e in inline.timeline].count("reading") == len(_riverside_readings())
    assert [e.kind for e in jsonl.timeline].count("reading") == 0

    csv_rows = "at,sensor_id,kind,value,unit\n" + "".join(
        f"{at},HY-370102-01,water_level,{value},m\n" for at, value in _riverside_readings()
    )
    csv_dir = tmp_path / "csv"
    csv_dir.mkdir()
    assert _same_play(run_drill(_riverside_with_series(csv_dir, "gauge.csv", csv_rows)).decisions, inline.decisions)


def test_a_bad_reading_in_a_series_is_dead_lettered_where_it_stands_and_the_rest_play(tmp_path: Path) -> None:
    rows = _riverside_readings()
    lines = [
        json.dumps({"at": at, "sensor_id": "HY-370102-01", "kind": "water_level", "value": value, "unit": "m"})
        for at, value in rows
    ]
    lines.insert(3, json.dumps({"at": rows[2][0], "sensor_id": "HY-370102-01", "kind": "water_level", "value": "4"}))
    result = run_drill(_riverside_with_series(tmp_path, "gauge.jsonl", "\n".join(lines) + "\n"))
    dead = [d for d in result.decisions if d["kind"] == "input_dead_lettered"]
    assert len(dead) == 1 and dead[0]["data"]["source"] == "series:gauge.jsonl"
    assert "value" in dead[0]["data"]["reason"]
    kinds = [d["kind"] for d in result.decisions]
    assert (kinds.count("incident_opened"), kinds.count("cause_added")) == (1, 1)  # the drill played on


BAD_LINES = {
    "not JSON": ('{"at": "1m", "sensor_id": "S"\n', "not JSON"),
    "not an object": ("[1, 2]\n", "one JSON object"),
    "no at": ('{"sensor_id": "S", "kind": "k", "value": 1}\n', "no `at`"),
    "bad at": ('{"at": "soon", "sensor_id": "S"}\n', "`at` duration 'soon'"),
    "at a list": ('{"at": [1], "sensor_id": "S"}\n', "`at` must be an offset"),
    "negative seconds": ('{"at": -5, "sensor_id": "S"}\n', "not an offset within a drill"),
    "after the end": ('{"at": "3h", "sensor_id": "S"}\n', "after the drill ends"),
    "too deep": ('{"at": "1m", "x": ' + "[" * 400 + "]" * 400 + "}\n", "not JSON"),
}


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_a_bad_line_is_refused_at_load_with_its_line_and_the_good_lines_around_it_pass(
    tmp_path: Path, case: str
) -> None:
    line, words = BAD_LINES[case]
    path = tmp_path / "series.jsonl"
    path.write_text('{"at": "0m", "sensor_id": "S"}\n\n' + line + '{"at": "2h", "sensor_id": "S"}\n', encoding="utf-8")
    (problem,) = check_series(path, timedelta(hours=2))
    assert (problem.path, problem.line) == (str(path), 3) and words in problem.message, problem


def test_lines_out_of_time_order_and_unreadable_bytes_are_located(tmp_path: Path) -> None:
    path = tmp_path / "series.jsonl"
    path.write_bytes(b'{"at": "10m"}\n{"at": "5m"}\n{"at": "\xff"}\n{"at": "20m"}\n')
    problems = check_series(path, timedelta(hours=1))
    assert [(p.line, p.message.split(" (")[0]) for p in problems] == [
        (2, "at 0:05:00 comes before the line above"),
        (3, "not UTF-8"),
    ]


def test_csv_series_problems_are_located(tmp_path: Path) -> None:
    path = tmp_path / "series.csv"
    path.write_text("at,sensor_id,kind,value\n1m,S,k,1\n2m,S,k\n3m,S,k,3\nlater,S,k,4\n", encoding="utf-8")
    problems = check_series(path, timedelta(hours=1))
    assert [(p.line, p.message) for p in problems] == [
        (3, "3 cells where the header names 4 columns"),
        (5, "`at` duration 'later': write it like 30s, 15m, 2h or 1h30m"),
    ]
    headless = tmp_path / "headless.csv"
    headless.write_text("1m,S,k,1\n", encoding="utf-8")
    (problem,) = check_series(headless, timedelta(hours=1))
    assert problem.line == 1 and "header row" in problem.message
    assert next(line.reading for line in read_series(path)) == {"sensor_id": "S", "kind": "k", "value": 1.0}


def test_a_scenario_names_every_bad_series_file_and_stops_counting_after_the_first_problems(tmp_path: Path) -> None:
    many = tmp_path / "many.jsonl"
    many.write_text("not json\n" * (MOST_PROBLEMS + 7), encoding="utf-8")
    (tmp_path / "data.txt").write_text("x", encoding="utf-8")
    scenario = tmp_path / "drill.yaml"
    scenario.write_text(
        f"name: x\nstart: 2026-07-14T20:00:00+08:00\nduration: 1h\nrules: [{ROOT / 'rules' / 'flood.yaml'}]\n"
        f"organisation: {ROOT / 'org' / 'jinan.yaml'}\nroster: ['+8613800000001']\n"
        "series:\n  - missing.jsonl\n  - data.txt\n  - many.jsonl\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(scenario)
    messages = [str(p) for p in caught.value.problems]
    assert messages[0] == f"{scenario}:8: series file missing.jsonl not found"
    assert messages[1].startswith(f"{tmp_path / 'data.txt'}:1: series files end in .jsonl, .ndjson, .csv")
    assert len(messages) == 2 + MOST_PROBLEMS + 1
    assert messages[-1] == f"{many}:{MOST_PROBLEMS}: and 7 more problem(s) like these"


def test_a_scenario_with_neither_injects_nor_series_is_refused(tmp_path: Path) -> None:
    scenario = tmp_path / "drill.yaml"
    scenario.write_text(
        f"name: x\nstart: 2026-07-14T20:00:00+08:00\nduration: 1h\nrules: [{ROOT / 'rules' / 'flood.yaml'}]\n"
        f"organisation: {ROOT / 'org' / 'jinan.yaml'}\nroster: ['+8613800000001']\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(scenario)
    assert "a drill needs injects, or series files of readings, or both" in str(caught.value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_no_bytes_crash_the_series_check_and_every_problem_is_located(tmp_path: Path, data: bytes) -> None:
    for suffix in (".jsonl", ".csv"):
        path = tmp_path / f"fuzz{suffix}"
        path.write_bytes(data)
        problems = check_series(path, timedelta(hours=1))
        lines = max(1, data.count(b"\n") + 1)
        assert all(p.path == str(path) and 1 <= p.line <= lines and p.message for p in problems)
        if not problems:  # a file the check passes reads without error, in time order
            ats = [line.at for line in read_series(path)]
            assert ats == sorted(ats)


def test_a_byte_that_is_not_utf8_in_a_csv_series_is_reported_on_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "series.csv"
    path.write_bytes(b"at,sensor_id,kind,value\n1m,S,k,1\n2m,S,k,\xff\n3m,S,k,3\n")
    (problem,) = check_series(path, timedelta(hours=1))
    assert problem.line == 3 and problem.message.startswith("not UTF-8")
