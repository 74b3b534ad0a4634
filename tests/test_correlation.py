"""One incident per situation: detections grouped by their rules' `group_by` become causes of one
incident, each with its own level and hysteresis; a compound gathers its members' warnings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import ROOT, START, events_of, make_runtime, read_gauge
from warning.app import Runtime, Settings, build_runtime
from warning.clock import VirtualClock
from warning.decisions.events import (
    CauseAdded,
    CauseChanged,
    CauseCleared,
    EscalationStopped,
    IncidentMerged,
    IncidentOpened,
)
from warning.errors import RuleFileError
from warning.rulebook.compiler import load_rulebook
from warning.silences import SilenceRequest

# Two rules on one gauge, grouped by station (a stage and its rate of rise); a third rule on the
# same gauge keeps the default grouping (its own incident per rule and station).
GROUPED = """hazard: flood
rules:
  - id: stage
    title: Stage high
    kind: water_level
    group_by: [station]
    stations:
      - id: G1
        name: Riverside gauge
        area: "370102"
        levels:
          yellow: {{above: 3.0, clear_below: 2.8}}
          orange: {{above: 4.0, clear_below: 3.8}}
  - id: stage-low-bar
    title: Stage above the low bar
    kind: water_level
    group_by: [station]
    stations:
      - id: G1
        name: Riverside gauge
        area: "370102"
        levels:
          yellow: {{above: 2.0, clear_below: 1.5}}
  - id: apart
    title: Stage watched apart
    kind: water_level
{apart_grouping}
    stations:
      - id: G1
        name: Riverside gauge
        area: "370102"
        levels:
          yellow: {{above: 2.5, clear_below: 2.4}}
"""


def _rules(tmp_path: Path, apart_grouping: str = "") -> tuple[Path, ...]:
    path = tmp_path / "grouped.yaml"
    path.write_text(GROUPED.format(apart_grouping=apart_grouping), encoding="utf-8")
    return (path,)


@pytest.fixture
def grouped(database_url: str, clock: VirtualClock, tmp_path: Path) -> Iterator[Runtime]:
    runtime = make_runtime(database_url, clock, rules=_rules(tmp_path))
    yield runtime
    runtime.close()


def _codes(runtime: Runtime) -> list[tuple[str, str, str]]:
    return [(i.code, i.level, i.status) for i in runtime.store.incidents()]


def test_rules_grouped_by_station_are_causes_of_one_incident(grouped: Runtime, clock: VirtualClock) -> None:
    read_gauge(grouped, clock, 2.2, timedelta(minutes=0))  # stage-low-bar yellow: opens F0001
    read_gauge(grouped, clock, 3.1, timedelta(minutes=10))  # stage yellow joins; apart opens its own
    incidents = grouped.store.incidents()
    assert [(i.code, i.rule_id, i.level) for i in incidents] == [("F0001", "stage-low-bar", "yellow"),
                                                                 ("F0002", "apart", "yellow")]  # fmt: skip
    (added,) = events_of(grouped.store, CauseAdded)
    assert (added.incident, added.level, added.incident_level, added.evidence.rule) == (
        "F0001", "yellow", "yellow", "stage"
    )  # fmt: skip
    read_gauge(grouped, clock, 4.2, timedelta(minutes=20))  # stage orange: the incident follows its highest cause
    assert _codes(grouped)[0] == ("F0001", "orange", "open")
    assert grouped.store.incidents()[0].title == "Stage high"  # the leading cause speaks for it

    # Each cause keeps its own hysteresis: at 3.9 the stage holds orange (clears below 3.8).
    read_gauge(grouped, clock, 3.9, timedelta(minutes=30))
    assert _codes(grouped)[0] == ("F0001", "orange", "open")
    read_gauge(grouped, clock, 2.7, timedelta(minutes=40))  # stage clears (below 2.8); the low bar stands
    assert _codes(grouped)[0] == ("F0001", "yellow", "open")
    (cleared,) = events_of(grouped.store, CauseCleared)
    assert (cleared.evidence.rule, cleared.from_level, cleared.incident_level, cleared.causes_left) == (
        "stage", "orange", "yellow", 1
    )  # fmt: skip
    read_gauge(grouped, clock, 1.4, timedelta(minutes=50))  # the last cause clears: lifted
    assert [status for _, _, status in _codes(grouped)] == ["lifted", "lifted"]
    assert len(events_of(grouped.store, IncidentOpened)) == 2


def test_one_page_per_person_per_situation(grouped: Runtime, clock: VirtualClock) -> None:
    read_gauge(grouped, clock, 2.2, timedelta(minutes=0))
    read_gauge(grouped, clock, 3.1, timedelta(minutes=1))  # stage joins F0001; apart opens F0002
    pages = [(n.incident_id, n.person_id, n.purpose) for n in grouped.store.notifications()]
    first = grouped.store.incidents()[0].id
    # F0001 paged its duty officer once though two rules warn at its station.
    assert [p for p in pages if p[0] == first] == [(first, "wang-wei", "page")]


def test_a_cause_moving_below_another_changes_no_level(grouped: Runtime, clock: VirtualClock) -> None:
    read_gauge(grouped, clock, 4.1, timedelta(minutes=0))  # stage orange, low bar yellow, apart yellow
    read_gauge(grouped, clock, 2.6, timedelta(minutes=10))  # stage clears; the low bar holds yellow
    read_gauge(grouped, clock, 3.5, timedelta(minutes=20))  # stage yellow again: a new cause, no level move
    first = grouped.store.incidents()[0]
    assert (first.level, first.status) == ("yellow", "open")
    assert [e.evidence.rule for e in events_of(grouped.store, CauseAdded)] == ["stage-low-bar", "stage"]
    assert events_of(grouped.store, CauseChanged) == []
    with grouped.store.transaction() as tx:
        causes = [(c.rule_id, c.level, c.open_key is not None) for c in tx.causes_of(first.id)]
    assert causes == [("stage", "orange", False), ("stage-low-bar", "yellow", True), ("stage", "yellow", True)]


def test_the_default_grouping_keeps_each_rule_and_station_apart(grouped: Runtime, clock: VirtualClock) -> None:
    read_gauge(grouped, clock, 2.6, timedelta(minutes=0))  # low bar and apart: two rules, two groupings
    assert [i.key for i in grouped.store.incidents()] == ["flood/station=G1", "flood/rule=apart/station=G1"]


def test_a_named_group_and_area_grouping(database_url: str, clock: VirtualClock, tmp_path: Path) -> None:
    rules = _rules(tmp_path, apart_grouping="    group_by: [area]\n    group: riverside")
    runtime = make_runtime(database_url, clock, rules=rules)
    try:
        read_gauge(runtime, clock, 2.6, timedelta(minutes=0))
        assert [i.key for i in runtime.store.incidents()] == [
            "flood/station=G1", "flood/area=370102/group=riverside"
        ]  # fmt: skip
    finally:
        runtime.close()


def test_group_by_is_checked_and_leaves_rule_versions_alone(tmp_path: Path) -> None:
    (path,) = _rules(tmp_path, apart_grouping="    group_by: [station, station]")
    with pytest.raises(RuleFileError) as refused:
        load_rulebook([path])
    assert f"{path}:" in str(refused.value) and "group_by names a field twice" in str(refused.value)
    (path,) = _rules(tmp_path, apart_grouping="    group_by: [rule, station]")
    written_out = {rule.id: rule.version for rule in load_rulebook([path]).rules}
    (path,) = _rules(tmp_path)
    assert {rule.id: rule.version for rule in load_rulebook([path]).rules} == written_out


def _waterlogging(database_url: str, clock: VirtualClock) -> Runtime:
    settings = Settings(provider="simulator", database_url=database_url, rules=(ROOT / "rules",),
                        organisation=ROOT / "org" / "jinan.yaml")  # fmt: skip
    return build_runtime(settings, clock, serve_http=False)


def _feed(runtime: Runtime, sensor: str, kind: str, value: float, minute: float) -> None:
    at = START + timedelta(minutes=minute)
    payload = {"sensor_id": sensor, "kind": kind, "value": value, "observed_at": at.isoformat()}
    runtime.engine.ingest_payload(payload, "test")


def test_a_compound_gathers_its_members_warnings(database_url: str, clock: VirtualClock) -> None:
    runtime = _waterlogging(database_url, clock)
    try:
        clock.advance_to(START + timedelta(hours=1))
        _feed(runtime, "WD-370102-01", "water_depth", 0.2, 0)
        _feed(runtime, "WD-370102-01", "water_depth", 0.2, 6)  # standing water yellow at 6m: its own incident
        for minute in range(0, 11):
            _feed(runtime, "TR-370102-JS01", "speed", 12.0, minute)  # speed collapse yellow at 10m
        _feed(runtime, "RG-370102-01", "rainfall", 20.0, 5)
        _feed(runtime, "RG-370102-01", "rainfall", 15.0, 20)  # rainfall yellow at 20m: all three warn
        incidents = {i.rule_id: i for i in runtime.store.incidents()}
        compound = incidents["urban-waterlogging"]
        assert (compound.level, compound.status) == ("orange", "open")
        merged = events_of(runtime.store, IncidentMerged)
        # Every member warning (each opened, and paged, on its own before) closed into the compound's.
        members = ("standing-water", "speed-collapse", "rainfall-1h")
        assert sorted(m.incident for m in merged) == sorted(incidents[rule].code for rule in members)
        assert {m.into for m in merged} == {compound.code}
        for rule in members:
            assert (incidents[rule].status, incidents[rule].merged_into) == ("lifted", compound.id)
        stopped = {e.incident for e in events_of(runtime.store, EscalationStopped) if e.cause == "merged"}
        assert stopped == {incidents[rule].code for rule in members}
        with runtime.store.transaction() as tx:
            causes = sorted(c.rule_id for c in tx.causes_of(compound.id, open_only=True))
        assert causes == ["rainfall-1h", "speed-collapse", "standing-water", "urban-waterlogging"]

        # A member moving now moves a cause of the compound's incident, and pages nobody on its own.
        pages_before = len(runtime.store.notifications())
        _feed(runtime, "RG-370102-01", "rainfall", 30.0, 25)  # 65 mm in the hour: rainfall orange
        assert [i.code for i in runtime.store.incidents() if i.status != "lifted"] == [compound.code]
        new_pages = runtime.store.notifications()[pages_before:]
        assert {n.incident_id for n in new_pages} <= {compound.id}
    finally:
        runtime.close()


TWO_GAUGES = """hazard: flood
rules:
  - id: district-stage
    title: Stage high in the district
    kind: water_level
    group_by: [area]
    stations:
      - {id: G1, name: Riverside gauge, area: "370102", levels: {yellow: {above: 3.0, clear_below: 2.8}}}
      - {id: G2, name: Upstream gauge, area: "370102", levels: {yellow: {above: 3.0, clear_below: 2.8}}}
"""


def test_a_silence_covers_a_warning_only_when_it_covers_every_cause(
    database_url: str, clock: VirtualClock, tmp_path: Path
) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(TWO_GAUGES, encoding="utf-8")
    runtime = make_runtime(database_url, clock, rules=(path,))
    try:
        runtime.engine.add_silence("li-na", SilenceRequest(station="G1", duration="4h", reason="maintenance"))
        read_gauge(runtime, clock, 3.1, timedelta(minutes=1))  # G1 yellow: its only cause is silenced
        (board,) = runtime.engine.board()
        assert board.silenced is not None
        read_gauge(runtime, clock, 3.1, timedelta(minutes=2), gauge="G2")  # G2 joins by area: it pages
        runtime.engine.tick()
        (board,) = runtime.engine.board()
        assert board.silenced is None
        assert {n.person_id for n in runtime.store.notifications()} == {"wang-wei"}
    finally:
        runtime.close()
