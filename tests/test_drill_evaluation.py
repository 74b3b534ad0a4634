"""Drills that evaluate: faults, scripted players and hotline reports as injects; expectations scored
from the decision events; a miss makes `warning drill run` exit 1; bad scenarios refused at their lines."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from warning.cli import main
from warning.drills.expectations import Evaluation, ExpectationSpec, Verdict
from warning.drills.runner import DrillResult, run_drill
from warning.drills.scenario import load_scenario
from warning.errors import ScenarioFileError

FLOOD_DRILL = ROOT / "scenarios" / "flood-drill.yaml"
DEPUTY_AWAY = ROOT / "scenarios" / "flood-drill-deputy-away.yaml"


@pytest.fixture(scope="module")
def flood_drill() -> DrillResult:
    return run_drill(FLOOD_DRILL)


def _kinds(result: DrillResult, kind: str) -> list[dict[str, Any]]:
    return [decision for decision in result.decisions if decision["kind"] == kind]


def test_the_bundled_drill_meets_every_expectation_and_its_injects_all_land(flood_drill: DrillResult) -> None:
    assert [(s.expectation.id, s.verdict) for s in flood_drill.scores] == [
        (f"E{n}", Verdict.met) for n in range(1, 9)
    ], [s.detail for s in flood_drill.scores]
    outcomes = {outcome.id: outcome for outcome in flood_drill.injects}
    assert sorted(outcomes) == [f"I0{n}" for n in range(1, 9)]
    assert all(outcome.accepted for outcome in outcomes.values()), [o.result for o in outcomes.values()]
    assert outcomes["I04"].result == "opened W0002"
    assert outcomes["I01"].expect == {
        "zh-CN": "值班员联系不上时呼叫副职",
        "en": "The deputy is called when the duty officer cannot be reached.",
    }
    # The hotline report, the override, the escalation by hand and the lift are in the decision log.
    created = _kinds(flood_drill, "incident_created")
    assert [(d["incident"], d["data"]["source"]) for d in created] == [("W0002", "hotline_12345")]
    assert [d["data"]["person"] for d in _kinds(flood_drill, "duty_overridden")] == ["li-na"]
    assert [d["data"]["department"] for d in _kinds(flood_drill, "escalated_by_hand")] == ["water-370100"]
    assert [d["incident"] for d in _kinds(flood_drill, "incident_closed")] == ["W0002"]
    # The silent gauge sent nothing for its hour: six readings never reached the engine.
    assert flood_drill.dropped_readings == 6


def test_faults_play_out_as_the_provider_and_phones_would(flood_drill: DrillResult) -> None:
    at = {d["seq"]: datetime.fromisoformat(d["at"]) for d in flood_drill.decisions}
    start = flood_drill.scenario.start

    def minute(decision: dict[str, Any]) -> float:
        return (at[decision["seq"]] - start).total_seconds() / 60

    # Wang Wei's phone is off from 20:55 for 2 h: his SMS of 21:40 is never delivered.
    expired = _kinds(flood_drill, "notification_expired")
    assert [(d["data"]["person"], minute(d)) for d in expired] == [("wang-wei", 105.0)]
    # The SMS gateway refuses everything 21:19-21:21: the orange pages at 21:20 fail, are retried
    # and go out after it recovers, each exactly once.
    failed = [d for d in _kinds(flood_drill, "notification_failed") if d["data"]["channel"] == "sms"]
    assert failed and all(80 <= minute(d) < 81 for d in failed)
    assert all(d["data"]["outcome"] != "gave_up" for d in failed)
    sent = [d["data"]["notification"] for d in _kinds(flood_drill, "notification_sent")]
    assert len(sent) == len(set(sent))
    assert {d["data"]["notification"] for d in failed} <= set(sent)
    # Receipts lost 21:30-22:00: the W0002 SMS of 21:40 are confirmed by asking Twilio at 21:45.
    confirmed = [
        d
        for d in _kinds(flood_drill, "notification_status_changed")
        if d["incident"] == "W0002" and d["data"]["channel"] == "sms" and d["data"]["purpose"] == "page"
    ]
    assert {(d["data"]["person"], minute(d), d["data"]["status"]) for d in confirmed} == {
        ("tian-lei", 105.0, "delivered"), ("ma-li", 105.0, "delivered"),
    }  # fmt: skip


def test_a_drill_with_faults_and_players_replays_to_the_same_decision_log() -> None:
    first, second = run_drill(DEPUTY_AWAY), run_drill(DEPUTY_AWAY)
    assert first.decisions == second.decisions
    assert [(s.verdict, s.measured, s.detail) for s in first.scores] == [
        (s.verdict, s.measured, s.detail) for s in second.scores
    ]


def test_the_variant_misses_the_district_acknowledgement_and_the_command_exits_1() -> None:
    result = CliRunner().invoke(main, ["drill", "run", str(DEPUTY_AWAY)])
    assert result.exit_code == 1, result.output
    assert "E1    MISSED" in result.output
    assert "F0001: paged, never acknowledged by water-370102" in result.output
    assert "7 of 8 met, 1 missed, 0 not applicable" in result.output
    met = CliRunner().invoke(main, ["drill", "run", str(FLOOD_DRILL)])
    assert met.exit_code == 0, met.output
    assert "8 of 8 met, 0 missed" in met.output


# -- refusing bad scenarios ---------------------------------------------------------------------


def _scenario(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    data = yaml.safe_load(FLOOD_DRILL.read_text(encoding="utf-8"))
    data["rules"] = [str(ROOT / "rules" / "flood.yaml")]
    data["organisation"] = str(ROOT / "org" / "jinan.yaml")
    data["series"] = [str(ROOT / "scenarios" / "series" / "xiaoqing-storm.csv")]
    edit(data)
    path = tmp_path / "drill.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _refusals(path: Path) -> list[tuple[str, str]]:
    """(the line's text, the message) of every problem."""
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert all(problem.path == str(path) for problem in caught.value.problems)
    return [(lines[problem.line - 1].strip(), problem.message) for problem in caught.value.problems]


def test_every_reference_a_scenario_gets_wrong_is_refused_at_its_line(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        injects = data["injects"]
        injects[0]["fault"]["phone"] = "+8613900000099"  # not on the roster
        injects[3]["report"]["by"] = "nobody"
        injects[3]["report"]["area"] = "110101"  # Beijing: no department or station there
        injects[4]["override"]["department"] = "water-999999"
        injects[5]["action"]["by"] = "li-nah"
        injects[6]["fault"]["station"] = "HY-000000-00"
        injects[7]["at"] = "9h"  # after the end
        data["expectations"][0]["acknowledged"]["department"] = "watr-370102"
        data["expectations"][3]["informed"]["person"] = "zhao-min"  # and a department too: one only
        data["expectations"][4]["id"] = "E1"

    # A problem of shape (a check naming both) stops the file before its references are checked...
    assert _refusals(_scenario(tmp_path, edit)) == [("informed:", "expectations.3.informed: name a department or "
                                                     "a person")]  # fmt: skip

    # ... and once it is fixed, every wrong reference is reported at once, each at its line.
    def fixed(data: dict[str, Any]) -> None:
        edit(data)
        del data["expectations"][3]["informed"]["person"]

    problems = _refusals(_scenario(tmp_path, fixed))
    found = {message.split(":")[0]: line for line, message in problems}
    assert found["unknown person nobody"] == "by: nobody"
    assert found["unknown area 110101"] == "area: '110101'"
    assert found["unknown department water-999999"] == "department: water-999999"
    assert found["unknown person li-nah"] == "by: li-nah"
    assert found["unknown station HY-000000-00"] == "station: HY-000000-00"
    assert found["unknown department watr-370102"] == "department: watr-370102"
    assert found["expectation id E1 is already used"] == "- id: E1"
    assert found["fault on +8613900000099, which is not on the drill roster"] == "phone: '+8613900000099'"
    assert found["inject 8 at 9"] == "at: 9h"


@pytest.mark.parametrize(
    ("inject", "says"),
    [
        ({"at": "1h", "fault": {"phone": "+8613800000001", "for": "10m"}}, "needs both `phone` and `state`"),
        ({"at": "1h", "fault": {"provider": "sms", "mode": "error", "station": "X", "for": "1m"}}, "names one of"),
        ({"at": "1h", "fault": {"provider": "fax", "mode": "error", "for": "1m"}}, "provider"),
        (
            {"at": "1h", "action": {"do": "lift", "by": "tian-lei", "incident": "F0001", "via": "sms"}},
            "only an acknowledgement can be sent by SMS",
        ),
        ({"at": "1h", "action": {"do": "relevel", "by": "tian-lei", "incident": "F0001"}}, "relevel needs `level`"),
        ({"at": "1h", "action": {"do": "lift", "by": "tian-lei", "incident": "F 1"}}, "incident"),
        ({"at": "1h", "reading": {"sensor_id": "X"}, "fault": {"station": "X", "for": "1m"}}, "reading and fault"),
    ],
)
def test_a_malformed_inject_is_refused_with_its_line_and_why(tmp_path: Path, inject: dict[str, Any],
                                                             says: str) -> None:  # fmt: skip
    def edit(data: dict[str, Any]) -> None:
        data["injects"].append(inject)

    path = _scenario(tmp_path, edit)
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(path)
    problems = caught.value.problems
    assert any(says in problem.message for problem in problems), problems
    # Located in the inject that is wrong: after the last bundled inject, before the expectations.
    lines = path.read_text(encoding="utf-8").splitlines()
    last_bundled = next(n for n, text in enumerate(lines, 1) if text.strip() == "- id: I08")
    expectations = lines.index("expectations:") + 1
    assert all(last_bundled < problem.line < expectations for problem in problems), problems


def test_a_variant_is_checked_in_its_own_file_and_its_base_in_the_base(tmp_path: Path) -> None:
    base = _scenario(tmp_path, lambda data: None)
    variant = tmp_path / "variant.yaml"
    variant.write_text(
        "base: drill.yaml\nname: v\ninjects:\n  - id: I01\n    at: 1h\n"
        "    fault: {phone: '+8613800000002', state: 'off', for: 1h}\n"
        "  - {at: 2h, action: {do: acknowledge, by: nobody, incident: F0001}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(variant)
    assert [(p.path, p.line, p.message.split(":")[0]) for p in caught.value.problems] == [
        (str(variant), 7, "unknown person nobody"),
        (str(variant), 4, "inject id I01 is already used in the base"),
    ]
    base.write_text(base.read_text().replace("duration: 8h", "duration: 8x"), encoding="utf-8")
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(variant)
    assert [p.path for p in caught.value.problems] == [str(base)]


def test_a_refused_player_action_is_an_outcome_and_the_drill_goes_on(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["injects"] = [
            {"id": "X1", "at": "30m", "action": {"do": "lift", "by": "tian-lei", "incident": "F0009"}},
            # A duty officer may not re-level: only dispatchers and administrators may.
            {
                "id": "X2",
                "at": "1h30m",
                "action": {"do": "relevel", "by": "li-na", "role": "duty_officer", "incident": "F0001", "level": "red"},
            },
            {
                "id": "X3",
                "at": "1h31m",
                "action": {"do": "acknowledge", "by": "zhao-min", "via": "phone", "incident": "F0001"},
            },
        ]
        data["expectations"] = []

    result = run_drill(_scenario(tmp_path, edit))
    outcomes = {outcome.id: outcome for outcome in result.injects}
    assert not outcomes["X1"].accepted and "no incident F0009" in outcomes["X1"].result
    assert not outcomes["X2"].accepted and "refused" in outcomes["X2"].result
    # The city officer was never engaged: the engine refuses, and says why in the log too.
    assert not outcomes["X3"].accepted
    assert _kinds(result, "incident_lifted")  # the drill played to its end


# -- scoring ----------------------------------------------------------------------------------


def _sent(seq: int, at: datetime, person: str, channel: str = "voice") -> dict[str, Any]:
    return {"seq": seq, "at": at.isoformat(), "incident": "F0001", "kind": "notification_sent",
            "summary": f"{channel} to {person}",
            "data": {"kind": "notification_sent", "incident": "F0001", "notification": f"n{seq}", "person": person,
                     "channel": channel, "purpose": "page", "phone": "+8613800000001", "provider_sid": f"CA{seq}",
                     "text": "t", "bundled": 1}}  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=240), max_size=30), st.integers(min_value=0, max_value=6))
def test_pages_at_most_counts_the_busiest_hour_as_a_brute_force_would(minutes: list[int], most: int) -> None:
    start = datetime(2026, 7, 14, 12, tzinfo=UTC)
    times = sorted(start + timedelta(minutes=m) for m in minutes)
    log = [_sent(n, at, "wang-wei") for n, at in enumerate(times, 1)]
    spec = ExpectationSpec.model_validate({"id": "E", "objective": "no more than n calls an hour",
                                           "pages_at_most": {"count": most, "per": "1h"}})  # fmt: skip
    score = Evaluation(log, {"wang-wei": "water-370102"}, ["+8613800000001"], start + timedelta(hours=8)).score_one(
        spec
    )
    busiest = max((sum(1 for t in times if a <= t < a + timedelta(hours=1)) for a in times), default=0)
    if not times:
        assert score.verdict is Verdict.not_applicable
    else:
        assert score.verdict is (Verdict.met if busiest <= most else Verdict.missed)
        assert f"at most {busiest} " in score.detail
        assert len(score.proof) == busiest


def test_an_expectation_about_no_warning_of_the_drill_is_not_applicable(flood_drill: DrillResult) -> None:
    spec = ExpectationSpec.model_validate({"id": "E9", "objective": "red reaches the province",
                                           "level": "red", "informed": {"department": "water-370000"}})  # fmt: skip
    department_of = {"zhou-jie": "water-370000"}
    evaluation = Evaluation(flood_drill.decisions, department_of, [], flood_drill.scenario.start + timedelta(hours=8))
    assert evaluation.score_one(spec).verdict is Verdict.not_applicable


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10**12), st.floats(allow_nan=True), st.text(max_size=12),
    st.sampled_from(["1h", "0m", "-5m", "F0001", "wang-wei", "+8613800000001", "370102", "off", "sms", "red", "9999d"]),
    st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
)  # fmt: skip
_KEYS = ["at", "id", "expect", "fault", "action", "report", "override", "silence", "reading", "phone", "state",
         "for", "provider", "mode", "do", "by", "incident", "via", "level", "to", "within", "department"]  # fmt: skip


@settings(max_examples=int(os.environ.get("WARNING_FUZZ_EXAMPLES", "60")), deadline=None)
@given(
    target=st.sampled_from(["inject", "fault", "action", "expectation", "check"]),
    index=st.integers(0, 7),
    key=st.sampled_from(_KEYS),
    value=_VALUES,
)
def test_any_careless_edit_of_a_scenario_loads_or_is_refused_at_a_line_never_crashes(
    tmp_path_factory: pytest.TempPathFactory, target: str, index: int, key: str, value: Any
) -> None:
    def edit(data: dict[str, Any]) -> None:
        inject = data["injects"][index]
        expectation = data["expectations"][index]
        place = {
            "inject": inject,
            "fault": inject.get("fault", inject),
            "action": inject.get("action", inject),
            "expectation": expectation,
            "check": next((v for v in expectation.values() if isinstance(v, dict)), expectation),
        }[target]
        place[key] = value

    path = _scenario(tmp_path_factory.mktemp("fuzz"), edit)
    lines = len(path.read_text(encoding="utf-8").splitlines())
    try:
        load_scenario(path)
    except ScenarioFileError as exc:
        assert exc.problems and all(1 <= problem.line <= lines for problem in exc.problems), exc.problems
