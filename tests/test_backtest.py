"""Backtests: rules over recorded readings, warnings scored against observed events."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from warning.backtest import BacktestFileError, ObservedEvent, load_observed, run_backtest
from warning.cli import main
from warning.drills.runner import run_drill

START = datetime(2026, 7, 1, tzinfo=UTC)
RECORDED = ROOT / "recorded" / "xiaoqing-summer-2026.csv"
OBSERVED = ROOT / "recorded" / "xiaoqing-summer-2026.observed.yaml"


def _gauge(tmp_path: Path, values: list[float], every: timedelta = timedelta(minutes=10)) -> tuple[Path, Path]:
    rules = tmp_path / "gauge.yaml"
    shutil.copy(ROOT / "tests" / "data" / "one-gauge.yaml", rules)
    readings = tmp_path / "gauge.csv"
    readings.write_text("observed_at,sensor_id,kind,value,unit\n" + "".join(
        f"{(START + n * every).isoformat()},G1,water_level,{value},m\n" for n, value in enumerate(values)
    ), encoding="utf-8")  # fmt: skip
    return rules, readings


def _event(name: str, start_step: int, end_step: int) -> ObservedEvent:
    step = timedelta(minutes=10)
    return ObservedEvent(id=name, station="G1", start=START + start_step * step, end=START + end_step * step)


def test_hits_misses_false_alarms_lead_time_and_flaps_are_counted_as_a_forecaster_would(tmp_path: Path) -> None:
    # Warnings: steps 2-5 (then cleared), 6-7 (a flap: again within the hour), and 20-22.
    values = [3.0, 3.2, 3.6, 3.7, 3.6, 3.2, 3.6, 3.2] + [3.0] * 12 + [3.8, 3.9, 3.1, 3.0]
    rules, readings = _gauge(tmp_path, values)
    events = [_event("flooded", 5, 6), _event("unforeseen", 30, 31)]  # step 30: after the readings' warnings
    result = run_backtest([rules], [readings], events, lead_window=timedelta(hours=1))
    (score,) = result.scores
    assert (score.warnings, score.hits, score.misses, score.false_alarms, score.flaps) == (3, 1, 1, 1, 1)
    assert score.leads == [timedelta(minutes=30)]  # warned at step 2, flooded at step 5
    assert score.in_warning == timedelta(minutes=30 + 10 + 20)
    totals = result.totals()
    assert totals["events_warned"] == 1 and totals["events_missed"] == 1
    assert totals["probability_of_detection"] == 0.5 and totals["false_alarm_ratio"] == 0.5
    # A warning that comes only once the event has begun is a hit with a negative lead.
    late = run_backtest([rules], [readings], [_event("late", 19, 23)], lead_window=timedelta(0))
    assert late.scores[0].leads == [timedelta(minutes=-10)]


def test_a_bad_line_is_set_aside_with_its_file_and_line_and_the_rest_is_judged(tmp_path: Path) -> None:
    rules, readings = _gauge(tmp_path, [3.0, 3.6, 3.7])
    lines = readings.read_text().splitlines()
    lines.insert(2, f"{START.isoformat()},G1,water_level,high,m")  # a value that is not a number
    lines.insert(3, "2026-07-01T00:20:00,G1,water_level,3.6,m")  # no time zone
    lines.insert(4, f"{START.isoformat()},G9,water_level,3.6,m")  # nobody watches G9
    lines.insert(5, "only,three,cells")
    readings.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_backtest([rules], [readings], [])
    assert result.readings == 3 and len(result.periods) == 1
    found = {problem.line: problem.message for problem in result.set_aside}
    assert sorted(found) == [3, 4, 5, 6] and all(p.path == str(readings) for p in result.set_aside)
    assert "value" in found[3] and "time zone" in found[4] and "G9" in found[5] and "3 cells" in found[6]


def test_an_observed_events_file_with_a_mistake_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "observed.yaml"
    path.write_text(
        "events:\n"
        "  - {id: A, station: G1, start: '2026-07-01T10:00:00+08:00', end: '2026-07-01T09:00:00+08:00'}\n"
        "  - {id: B, station: G1, start: '2026-07-01T10:00:00', end: '2026-07-01T11:00:00+08:00'}\n",
        encoding="utf-8",
    )
    with pytest.raises(BacktestFileError) as caught:
        load_observed(path)
    assert [(p.line, "end is before start" in p.message or "zone" in p.message.lower() or "timezone" in p.message)
            for p in caught.value.problems] == [(2, True), (3, True)]  # fmt: skip


def test_the_backtest_judges_a_series_exactly_as_the_drill_engine_does(tmp_path: Path) -> None:
    """The flood drill's river series, recorded with absolute times: the backtest raises its warnings
    when the drill's engine opened its causes."""
    drill = run_drill(ROOT / "scenarios" / "flood-drill.yaml")
    opened = sorted((d["data"]["evidence"]["rule"], d["data"]["evidence"]["station"], d["at"])
                    for d in drill.decisions if d["kind"] in ("incident_opened", "cause_added"))  # fmt: skip
    series = (ROOT / "scenarios" / "series" / "xiaoqing-storm.csv").read_text().splitlines()[1:]
    start = drill.scenario.start
    recorded = tmp_path / "storm.jsonl"
    with recorded.open("w", encoding="utf-8") as out:
        for line in series:
            at, sensor, kind, value, unit = line.split(",")
            minutes = sum(int(n) * (60 if u == "h" else 1) for n, u in _parts(at))
            moment = (start + timedelta(minutes=minutes)).astimezone(UTC).isoformat()
            out.write(json.dumps({"observed_at": moment, "sensor_id": sensor, "kind": kind, "value": float(value),
                                  "unit": unit}) + "\n")  # fmt: skip
    result = run_backtest([ROOT / "rules" / "flood.yaml"], [recorded], [])
    raised = sorted((p.rule, p.station, p.start.isoformat()) for p in result.periods)
    assert raised == opened


def _parts(offset: str) -> list[tuple[str, str]]:
    import re

    return re.findall(r"(\d+)([hm])", offset)


def test_warning_backtest_scores_the_bundled_rules_and_a_variant_side_by_side(tmp_path: Path) -> None:
    out = tmp_path / "backtest.json"
    result = CliRunner().invoke(main, [
        "backtest", "--rules", str(ROOT / "rules" / "flood.yaml"), "--readings", str(RECORDED),
        "--events", str(OBSERVED), "--compare", str(ROOT / "recorded" / "variants" / "flood-sooner.yaml"),
        "--json", str(out),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "26352 readings from 2026-06-15 00:00 to 2026-08-14 23:50" in result.output
    assert "rules: 12 of 12 events warned (POD 1.00), 10 false alarms" in result.output
    assert "compare: 12 of 12 events warned (POD 1.00), 13 false alarms" in result.output
    row = next(line for line in result.output.splitlines() if line.startswith("river-stage @ HY-370102-01"))
    assert row.split()[3:10] == ["6", "3", "0", "3", "+70", "129.0", "0"] and "|" in row
    figures = json.loads(out.read_text())
    assert [f["totals"]["events"] for f in figures] == [12, 12]
    assert figures[0]["readings"] == 26352


def test_workers_sharing_the_stations_find_what_one_process_finds(tmp_path: Path) -> None:
    recorded = tmp_path / "both.csv"
    bad = [f"{START.isoformat()},G9,water_level,3.6,m", "only,three,cells", f"{START.isoformat()},G1,water_level,x,m"]
    recorded.write_text(RECORDED.read_text(encoding="utf-8") + "\n".join(bad) + "\n", encoding="utf-8")
    observed = load_observed(OBSERVED).events
    flood = [ROOT / "rules" / "flood.yaml"]
    alone = run_backtest(flood, [recorded], observed, workers=1)
    shared = run_backtest(flood, [recorded], observed, workers=2)
    assert shared.readings == alone.readings == 26352
    key = lambda p: (p.start, p.rule, p.station)  # noqa: E731
    assert sorted(map(vars, shared.periods), key=lambda v: (v["start"], v["rule"], v["station"])) == sorted(
        map(vars, alone.periods), key=lambda v: (v["start"], v["rule"], v["station"])
    )
    assert sorted(alone.periods, key=key)[0].start == sorted(shared.periods, key=key)[0].start
    assert [vars(s) for s in shared.scores] == [vars(s) for s in alone.scores]
    assert shared.set_aside == alone.set_aside and len(alone.set_aside) == 3
    assert shared.totals() == alone.totals()


def test_a_byte_that_is_not_utf8_costs_its_own_line_only(tmp_path: Path) -> None:
    rules, readings = _gauge(tmp_path, [3.0, 3.6, 3.7])
    lines = readings.read_bytes().splitlines(keepends=True)
    lines.insert(2, f"{START.isoformat()},G1,water_level,3.6,m\xe9\n".encode("latin-1"))
    readings.write_bytes(b"".join(lines))
    result = run_backtest([rules], [readings], [])
    assert result.readings == 3 and len(result.periods) == 1  # the readings after it are judged
    assert [(p.line, p.message.split(" (")[0]) for p in result.set_aside] == [(3, "not UTF-8")]
