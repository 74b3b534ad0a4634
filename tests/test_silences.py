"""Silences and maintenance windows: a matching warning opens and shows on the board, but pages
nobody and does not escalate until the silence ends; a red warning breaks through a silence set
`up_to` a lower level; pages made stale meanwhile are dropped with the reason; the API checks who
may silence what. Driven through the engine on a virtual clock with the bundled organisation."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, START, events_of, gauge_rules, http_json, make_runtime, read_gauge, step_to
from warning.app import Runtime
from warning.clock import VirtualClock
from warning.decisions.events import NotificationSuppressed
from warning.domain import AckSource, Level, NotificationPurpose
from warning.drills.runner import run_drill
from warning.drills.scenario import load_scenario
from warning.errors import ScenarioFileError
from warning.silences import SilenceRequest

TOKENS = {"token-wang": "wang-wei", "token-ma": "ma-li", "token-zhao": "zhao-min"}


@pytest.fixture
def gauge(tmp_path: Path, database_url: str, clock: VirtualClock) -> Iterator[Runtime]:
    runtime = make_runtime(database_url, clock, tokens=TOKENS, rules=gauge_rules(tmp_path))
    try:
        yield runtime
    finally:
        runtime.close()


def _sent(runtime: Runtime) -> list[tuple[str, str, str]]:
    """(person, channel, purpose) of every notification a provider accepted."""
    return [(r.person_id, r.channel, r.purpose) for r in runtime.store.notifications() if r.provider_sid is not None]


def _kinds(runtime: Runtime) -> list[str]:
    return [d.kind for d in runtime.store.decisions()]


def _silence(runtime: Runtime, by: str = "wang-wei", **asked: Any) -> int:
    request = SilenceRequest.model_validate({"reason": "gauge G1 serviced", "duration": "1h", **asked})
    return runtime.engine.add_silence(by, request).id


def test_a_maintenance_window_holds_pages_and_escalation_until_it_ends(gauge: Runtime, clock: VirtualClock) -> None:
    _silence(gauge, station="G1")
    read_gauge(gauge, clock, 3.2, timedelta(0))
    (incident,) = gauge.engine.board()
    assert (
        incident.status.value == "open" and incident.silenced is not None and "gauge G1 serviced" in incident.silenced
    )
    step_to(gauge, clock, START + timedelta(minutes=59))
    assert _sent(gauge) == []  # nobody paged, and the escalation did not climb meanwhile
    # The first step waited instead of claiming pages: nothing piles up to go out at the end.
    assert _kinds(gauge).count("escalation_silenced") == 1 and gauge.store.notifications() == []
    assert gauge.simulator is not None and gauge.simulator.events_of("sms") == []
    step_to(gauge, clock, START + timedelta(minutes=61))
    # The silence is over: the held page goes, and the escalation resumes from where it waited.
    assert _sent(gauge) == [("wang-wei", "sms", "page")]
    assert gauge.engine.board()[0].silenced is None
    step_to(gauge, clock, START + timedelta(minutes=76))
    assert ("li-na", "voice", "page") in _sent(gauge)  # the next step, 15 minutes after the resumed one


def test_a_red_warning_breaks_through_a_silence_set_up_to_yellow(gauge: Runtime, clock: VirtualClock) -> None:
    _silence(gauge, station="G1", up_to="yellow")
    read_gauge(gauge, clock, 3.2, timedelta(0))
    assert _sent(gauge) == []
    read_gauge(gauge, clock, 5.3, timedelta(minutes=5))  # red: starts at the city, and is not silenced
    step_to(gauge, clock, START + timedelta(minutes=5))  # the resumed step is due at once
    sent = _sent(gauge)
    assert ("zhao-min", "sms", "page") in sent and ("zhou-jie", "sms", "inform") in sent


def test_pages_a_lifted_warning_no_longer_needs_are_dropped_with_the_reason(
    gauge: Runtime, clock: VirtualClock
) -> None:
    read_gauge(gauge, clock, 3.2, timedelta(0))
    assert _sent(gauge) == [("wang-wei", "sms", "page")]
    _silence(gauge, area="370102", rule="gauge", duration="30m")
    read_gauge(gauge, clock, 4.2, timedelta(minutes=2))  # orange while silenced: Wang Wei's update is held
    read_gauge(gauge, clock, 2.5, timedelta(minutes=10))  # the water falls: lifted while silenced
    assert _sent(gauge) == [("wang-wei", "sms", "page")]
    step_to(gauge, clock, START + timedelta(hours=1))
    # The update about orange is stale; the traffic police and emergency management were never paged;
    # Wang Wei, who was paged before the silence, hears that it is over once it ends.
    assert _sent(gauge) == [("wang-wei", "sms", "page"), ("wang-wei", "sms", "lifted")]
    assert {(r.person_id, r.purpose, r.status) for r in gauge.store.notifications() if r.provider_sid is None} == {
        ("wang-wei", "update", "suppressed")
    }
    reasons = [(e.person, e.purpose, e.cause) for e in events_of(gauge.store, NotificationSuppressed)]
    assert reasons == [("wang-wei", NotificationPurpose.update, "incident_lifted")]
    lifted_at = next(d.at for d in gauge.store.decisions() if d.kind == "incident_lifted")
    sent_at = [d.at for d in gauge.store.decisions() if d.kind == "notification_sent"]
    assert lifted_at == START + timedelta(minutes=10) and sent_at[-1] == START + timedelta(minutes=30)


def test_an_acknowledged_warning_is_not_paged_after_the_silence(gauge: Runtime, clock: VirtualClock) -> None:
    _silence(gauge, station="G1", duration="20m")
    read_gauge(gauge, clock, 3.2, timedelta(0))
    code = gauge.engine.board()[0].code
    assert gauge.engine.acknowledge(code, "wang-wei", AckSource.api).accepted  # seen on the board
    step_to(gauge, clock, START + timedelta(hours=1))
    assert _sent(gauge) == [] and gauge.store.notifications() == []
    assert "escalation_step_taken" not in _kinds(gauge)


def _api(runtime: Runtime, method: str, path: str, token: str | None, body: Any = None) -> tuple[int, Any]:
    assert runtime.api is not None
    return http_json(method, runtime.api.url + path, body, token)


def test_the_api_sets_lists_and_ends_silences_for_your_own_area_only(gauge: Runtime, clock: VirtualClock) -> None:
    window = {"station": "G1", "duration": "2h", "reason": "gauge G1 recalibrated"}
    assert _api(gauge, "POST", "/api/silences", None, window)[0] == 401
    status, body = _api(gauge, "POST", "/api/silences", "token-wang", {**window, "area": "370103"})
    assert status == 403 and "area 370103 is outside Wang Wei's area 370102" in body["error"]
    status, body = _api(gauge, "POST", "/api/silences", "token-wang", {"reason": "pump test", "duration": "1h"})
    assert status == 422 and "say what to silence" in body["error"]  # invalid as a request: 422
    status, body = _api(gauge, "POST", "/api/silences", "token-wang", {**window, "reason": ""})
    assert status == 422 and body["error"].startswith("reason:") and body["detail"][0]["loc"] == ["body", "reason"]
    status, body = _api(gauge, "POST", "/api/silences", "token-wang", {**window, "duration": "40d"})
    assert status == 409 and "at most 30 days" in body["error"]
    status, made = _api(gauge, "POST", "/api/silences", "token-wang", window)
    assert status == 201 and made["area"] == "370102" and made["created_by"] == "wang-wei"  # scoped to his district
    assert [s["id"] for s in _api(gauge, "GET", "/api/silences", "token-ma")[1]] == [made["id"]]

    read_gauge(gauge, clock, 3.2, timedelta(minutes=1))
    assert _sent(gauge) == []
    # The city's duty officer may end a district's silence (it lies in the city); the page goes at once.
    status, ended = _api(gauge, "DELETE", f"/api/silences/{made['id']}", "token-zhao")
    assert status == 200 and ended["expired_by"] == "zhao-min"
    step_to(gauge, clock, clock.now())
    assert _sent(gauge) == [("wang-wei", "sms", "page")]
    assert _api(gauge, "GET", "/api/silences", "token-ma")[1] == []
    assert _api(gauge, "DELETE", f"/api/silences/{made['id']}", "token-zhao")[0] == 409  # already over


def test_a_district_cannot_end_a_city_wide_silence(gauge: Runtime) -> None:
    silence = _silence(gauge, by="zhao-min", area="3701", rule="gauge", up_to=Level.orange.value)
    with pytest.raises(ValueError, match="outside your department's area"):
        gauge.engine.expire_silence("wang-wei", silence)


def test_a_scenario_silence_by_someone_unknown_is_refused_with_its_line(tmp_path: Path) -> None:
    scenario = (ROOT / "scenarios" / "riverside-flood.yaml").read_text(encoding="utf-8")
    text = scenario.replace("injects:\n", "injects:\n  - at: 0m\n    silence: {by: nobody, duration: 1h, "
                            "station: HY-370102-01, reason: gauge serviced}\n", 1)  # fmt: skip
    path = tmp_path / "drill.yaml"
    path.write_text(text.replace("../", str(ROOT) + "/"), encoding="utf-8")
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(path)
    line = text.splitlines().index("  - at: 0m") + 2
    assert str(caught.value) == f"{path}:{line}: unknown person nobody: use a person id from the organisation file"


def test_the_command_line_sets_lists_and_ends_a_silence(gauge: Runtime) -> None:
    assert gauge.api is not None
    env = {**os.environ, "WARNING_API_URL": gauge.api.url, "WARNING_API_TOKEN": "token-wang"}

    def warning(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "warning.cli", "silence", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, check=False)

    added = warning("add", "--station", "G1", "--duration", "90m", "--reason", "gauge G1 serviced")
    assert added.returncode == 0 and added.stdout.startswith("silence 1 until 2026-07-14T13:30:00"), added.stderr
    listed = warning("list")
    assert "1: area 370102, station_id G1; " in listed.stdout and "(by wang-wei)" in listed.stdout
    refused = warning("add", "--area", "370103", "--duration", "1h", "--reason", "not mine")
    assert refused.returncode == 1 and "area 370103 is outside Wang Wei's area 370102" in refused.stderr
    assert warning("expire", "1").stdout.startswith("silence 1 ended at 2026-07-14T12:00:00")
    assert warning("list").stdout == ""


def test_a_drill_can_set_a_maintenance_window(tmp_path: Path) -> None:
    scenario = (ROOT / "scenarios" / "riverside-flood.yaml").read_text(encoding="utf-8")
    # From 20:55 to 21:25 the gauge is being serviced: its yellow warnings wait; orange breaks through.
    text = scenario.replace("injects:\n", "injects:\n  - at: 55m\n    silence: {by: wang-wei, duration: 30m, "
                            "station: HY-370102-01, up_to: yellow, reason: gauge serviced}\n", 1)  # fmt: skip
    path = tmp_path / "drill.yaml"
    path.write_text(text.replace("../", str(ROOT) + "/"), encoding="utf-8")
    first, second = run_drill(path), run_drill(path)
    assert first.decisions == second.decisions  # a drill with a silence replays identically
    kinds = [entry["kind"] for entry in first.decisions]
    # One warning for the gauge (its rate and stage are causes of F0001): its escalation waits once.
    assert kinds.count("silence_added") == 1 and kinds.count("escalation_silenced") == 1
    assert "escalation_resumed" in kinds  # F0001 turned orange at 21:20, above the silence
