"""Drills: the riverside scenario plays as written, replays byte-identically, and stays inside its roster."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from warning.decisions.events import (
    CauseAdded,
    EscalationStepTaken,
    IncidentAcknowledged,
    IncidentOpened,
    NotificationSent,
    QuorumProgressed,
    decision_from,
)
from warning.domain import Channel
from warning.drills.runner import run_drill, write_decision_log
from warning.errors import ScenarioFileError

SCENARIO = ROOT / "scenarios" / "riverside-flood.yaml"


def test_riverside_flood_plays_as_the_planner_wrote_it() -> None:
    result = run_drill(SCENARIO)
    events = [decision_from(d["data"]) for d in result.decisions]
    kinds = [event.kind for event in events]
    # One gauge, one situation: the rate of rise opens F0001 and the stage joins it as a cause; it
    # goes orange, is acknowledged by a quorum of departments, falls to yellow and is lifted.
    assert {d["incident"] for d in result.decisions if d["incident"]} == {"F0001"}
    assert (
        kinds.index("incident_opened")
        < kinds.index("cause_added")
        < kinds.index("incident_upgraded")
        < kinds.index("incident_downgraded")
        < kinds.index("incident_lifted")
    )
    sent = [event for event in events if isinstance(event, NotificationSent)]
    assert (sent[0].channel, sent[0].person) == (Channel.sms, "wang-wei")
    assert any((event.channel, event.person) == (Channel.voice, "li-na") for event in sent)
    assert len(sent) == 15  # 25 when each rule paged on its own
    pages = [(e.person, e.channel) for e in sent if e.purpose.value == "page"]
    assert len(pages) == len(set(pages))  # nobody paged twice on one channel for one river
    acks = [
        (e.incident, e.person, e.source.value, e.quorum) if isinstance(e, IncidentAcknowledged)
        else (e.incident, e.person, e.source.value, (e.department, e.acknowledged, e.engaged, e.awaiting_kinds))
        for e in events
        if isinstance(e, IncidentAcknowledged | QuorumProgressed)
    ]  # fmt: skip
    assert acks == [
        ("F0001", "li-na", "keypress", None),
        # At orange (21:20) the warning fans out to traffic and emergency management, which must
        # acknowledge too; the water bureau's acknowledgement at yellow stands.
        ("F0001", "tian-lei", "keypress", ("em-370102", 2, 3, ["traffic"])),
        ("F0001", "ma-li", "sms_reply", 3),
    ]
    assert "incident_reopened" in kinds
    # Ma Li is the traffic duty officer on the night shift (20:00-08:00); by day it is Guo Qiang.
    traffic = next(e for e in events if isinstance(e, EscalationStepTaken) and e.policy == "flood-traffic")
    assert (traffic.department, traffic.role, [(p.person, p.channels) for p in traffic.paged]) == (
        "traffic-370102", "duty officer", [("ma-li", [Channel.sms])],
    )  # fmt: skip
    assert kinds[-1] == "notification_status_changed" and kinds.count("incident_lifted") == 1
    (opened,) = [(d["at"], decision_from(d["data"])) for d in result.decisions if d["kind"] == "incident_opened"]
    (joined,) = [(d["at"], decision_from(d["data"])) for d in result.decisions if d["kind"] == "cause_added"]
    assert isinstance(opened[1], IncidentOpened) and isinstance(joined[1], CauseAdded)
    assert (opened[1].evidence.rule, opened[0]) == ("river-rise", "2026-07-14T13:00:00+00:00")
    assert (joined[1].evidence.rule, joined[0]) == ("river-stage", "2026-07-14T13:10:00+00:00")
    assert joined[1].evidence.reading is not None and joined[1].evidence.reading["value"] == 3.62
    first_ack = next(d for d in result.decisions if d["kind"] == "incident_acknowledged")
    assert first_ack["at"] == "2026-07-14T13:15:25+00:00"  # 15 min wait, then 25 s to answer
    # Every message of the drill is marked as one.
    texts = [d["data"]["text"] for d in result.decisions if d["kind"] == "notification_sent"]
    assert all(text.startswith(("【演练】", "[DRILL] ")) for text in texts)
    assert any(text.startswith("[DRILL] ") for text in texts)  # Ma Li reads English


def test_two_runs_write_identical_decision_logs(tmp_path: Path) -> None:
    first, second = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    write_decision_log(run_drill(SCENARIO).decisions, first)
    write_decision_log(run_drill(SCENARIO).decisions, second)
    assert first.read_bytes() == second.read_bytes()
    assert len(first.read_text(encoding="utf-8").splitlines()) > 15


def test_drill_traffic_never_leaves_the_roster(tmp_path: Path) -> None:
    """Nobody answers, so escalation reaches the city, whose duty officer is not on the drill roster."""
    text = SCENARIO.read_text(encoding="utf-8")
    text = text.replace(
        'roster: ["+8613800000001", "+8613800000002", "+8613800000011", "+8613800000052", "+8613800000071"]',
        'roster: ["+8613800000001", "+8613800000002"]',
    )
    text = text.replace('{voice: answer, answer_after: 25s, press: "1"}', "{voice: no-answer}")
    text = "\n".join(
        line for line in text.splitlines() if not line.startswith(('  "+8613800000052"', '  "+8613800000071"'))
    )
    text = text.replace("rules: [../rules/flood.yaml]", f"rules: [{ROOT / 'rules' / 'flood.yaml'}]")
    text = text.replace("organisation: ../org/jinan.yaml", f"organisation: {ROOT / 'org' / 'jinan.yaml'}")
    path = tmp_path / "silent.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_drill(path)
    blocked_numbers = {d["data"]["phone"] for d in result.decisions if d["kind"] == "drill_guard_blocked"}
    # The city water bureau, and the traffic police and emergency management the orange warning engages.
    assert {"+8613800000011", "+8613800000052", "+8613800000071"} <= blocked_numbers
    assert not blocked_numbers & {"+8613800000001", "+8613800000002"}
    sent_to = {d["data"]["phone"] for d in result.decisions if d["kind"] == "notification_sent"}
    assert sent_to <= {"+8613800000001", "+8613800000002"}


def test_invalid_scenario_is_refused_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: x\nstart: 2026-07-14T20:00:00\nduration: 1h\nrules: [r.yaml]\norganisation: o.yaml\n"
        "roster: ['+8613800000001']\ninjects:\n  - {at: 2h, reading: {}}\n  - {at: soon, reading: {}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioFileError) as caught:
        run_drill(path)
    messages = [str(p) for p in caught.value.problems]
    assert f"{path}:2: start: timestamp must carry a time zone (e.g. 2026-07-14T20:00:00+08:00)" in messages
    assert any(m.startswith(f"{path}:9: injects.1.at: duration 'soon'") for m in messages)


def test_drill_command_prints_the_timeline_and_writes_the_log(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "warning.cli", "drill", "run", str(SCENARIO), "--decision-log", str(log)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "WARNING     yellow (III) flood warning F0001 opened" in done.stdout
    assert "CAUSE+      F0001 has a new cause (yellow, rule river-stage at HY-370102-01)" in done.stdout
    assert "ACK         Li Na acknowledged F0001 by keypress" in done.stdout
    assert log.read_text(encoding="utf-8").count("\n") > 15


def test_readings_at_one_moment_are_one_batch_split_by_a_silence_and_replay_identically(tmp_path: Path) -> None:
    """Three gauges at one instant, with a maintenance window set between the first and the others:
    the first pages; the two after the silence open but wait; two runs log the same decisions."""
    (tmp_path / "stations.yaml").write_text((ROOT / "rules" / "stations.yaml").read_text(encoding="utf-8"))
    from tests.conftest import GAUGE_RULES

    (tmp_path / "gauge.yaml").write_text(GAUGE_RULES, encoding="utf-8")
    scenario = tmp_path / "drill.yaml"
    scenario.write_text(
        f"""name: one moment
start: 2026-07-14T20:00:00+08:00
duration: 1h
rules: [gauge.yaml]
organisation: {ROOT / "org" / "jinan.yaml"}
roster: ["+8613800000001", "+8613800000002"]
injects:
  - {{at: 0m, reading: {{sensor_id: G1, kind: water_level, value: 3.4, unit: m}}}}
  - {{at: 0m, silence: {{by: wang-wei, duration: 2h, station: G2, reason: gauge serviced}}}}
  - {{at: 0m, reading: {{sensor_id: G2, kind: water_level, value: 3.4, unit: m}}}}
  - {{at: 0m, reading: {{sensor_id: G3, kind: water_level, value: 3.4, unit: m}}}}
""",
        encoding="utf-8",
    )
    first, second = run_drill(scenario), run_drill(scenario)
    assert first.decisions == second.decisions
    opened = [d["data"]["evidence"]["station"] for d in first.decisions if d["kind"] == "incident_opened"]
    assert opened == ["G1", "G2", "G3"]
    kinds = [d["kind"] for d in first.decisions]
    assert kinds.index("incident_opened") < kinds.index("silence_added") < len(kinds) - 1
    assert "escalation_silenced" in kinds  # G2's track waits for the silence
