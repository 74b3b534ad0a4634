"""A command centre running a shift on the API alone: users with roles scoped to areas, tokens and
console sessions; hotline reports as incidents; every hand action, attributed in the timeline and
audited; refusals by role, department and area; run-time duty overrides."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, START, audit_of, events_of, http_json, make_runtime, reading, step_to
from warning.access import Role
from warning.app import Runtime, build_accounts
from warning.clock import VirtualClock
from warning.decisions.events import (
    EscalatedByHand,
    EscalationStarted,
    IncidentAcknowledged,
    IncidentClosed,
    IncidentCreated,
    IncidentReassigned,
    IncidentRelevelled,
    NoteAdded,
    Repaged,
)

PASSWORD = "correct horse battery"


@pytest.fixture
def centre(database_url: str, clock: VirtualClock) -> Iterator[tuple[Runtime, dict[str, str]]]:
    """A runtime with a city dispatcher, a district dispatcher, a planner and an officer's account."""
    runtime = make_runtime(database_url, clock, tokens={"token-li-na": "li-na", "token-chen": "chen-gang"})
    accounts = build_accounts(runtime.store, runtime.engine)
    accounts.add_user("zhang", Role.dispatcher, "370100", full_name="Zhang Hua", password=PASSWORD)
    accounts.add_user("lixia-desk", Role.dispatcher, "370102", full_name="Lixia desk")
    accounts.add_user("huaiyin-desk", Role.dispatcher, "370104", full_name="Huaiyin desk")
    accounts.add_user("planner", Role.planner, "370100", full_name="Planner Qi")
    accounts.add_user("wang", Role.duty_officer, "370102", full_name="Wang Wei", person="wang-wei")
    tokens = {name: accounts.issue_token(name, "test").secret for name in
              ("zhang", "lixia-desk", "huaiyin-desk", "planner", "wang")}  # fmt: skip
    try:
        yield runtime, tokens
    finally:
        runtime.close()


def _call(runtime: Runtime, method: str, path: str, token: str | None, body: object = None) -> tuple[int, Any]:
    assert runtime.api is not None
    return http_json(method, f"{runtime.api.url}{path}", body, token)


HOTLINE = {
    "hazard": "flood", "level": "yellow", "area": "370102", "title": "Water over the road at Heihu Spring",
    "description": "A caller reports knee-deep water on Heihu Spring North Road, rising.", "source": "hotline_12345",
    "callback": "+8613900000000", "location": [117.03, 36.67],
}  # fmt: skip


def test_a_hotline_report_becomes_an_incident_and_escalates(centre: tuple[Runtime, dict[str, str]]) -> None:
    runtime, tokens = centre
    status, answer = _call(runtime, "POST", "/api/incidents", tokens["zhang"], HOTLINE)
    assert status == 201 and answer["incident"] == "F0001", answer
    (created,) = events_of(runtime.store, IncidentCreated)
    assert (created.by, created.by_name, created.source, created.callback) == (
        "zhang", "Zhang Hua", "hotline_12345", "+8613900000000"
    )  # fmt: skip
    assert {e.policy for e in events_of(runtime.store, EscalationStarted)} == {"flood-water"}
    assert [(n.person_id, n.channel) for n in runtime.store.notifications()] == [("wang-wei", "sms")]
    status, detail = _call(runtime, "GET", "/api/incidents/F0001", tokens["zhang"])
    assert status == 200 and detail["incident"]["report"]["source"] == "hotline_12345"
    assert [(c["rule"], c["level"], c["standing"]) for c in detail["causes"]] == [("hand", "yellow", True)]
    status, timeline = _call(runtime, "GET", "/api/incidents/F0001/timeline?language=zh-CN", tokens["zhang"])
    assert status == 200 and timeline[0]["kind"] == "incident_created"
    assert timeline[0]["summary"].startswith("Zhang Hua人工发布黄色（III级）洪水预警F0001（12345热线）")
    # A report outside the dispatcher's area, or with a bad field, is refused, and says why.
    status, refused = _call(runtime, "POST", "/api/incidents", tokens["lixia-desk"], {**HOTLINE, "area": "370104"})
    assert status == 403 and "outside Lixia desk's area 370102" in refused["error"]
    status, invalid = _call(runtime, "POST", "/api/incidents", tokens["zhang"], {**HOTLINE, "level": "purple"})
    assert status == 422 and invalid["detail"][0]["loc"] == ["body", "level"]
    # Nobody is a planner's area's dispatcher: a planner opens nothing.
    status, refused = _call(runtime, "POST", "/api/incidents", tokens["planner"], HOTLINE)
    assert status == 403 and "planner has no live actions" in refused["error"]


def test_every_hand_action_works_and_is_in_the_timeline_with_who_did_it(
    centre: tuple[Runtime, dict[str, str]], clock: VirtualClock
) -> None:
    runtime, tokens = centre
    zhang = tokens["zhang"]
    _call(runtime, "POST", "/api/incidents", zhang, HOTLINE)

    def act(path: str, body: object) -> dict[str, Any]:
        status, answer = _call(runtime, "POST", f"/api/incidents/F0001/{path}", zhang, body)
        assert status == 200, answer
        return dict(answer)

    act("notes", {"text": "Traffic police asked to close the road"})
    act("escalate", {})  # the next step now: Li Na (deputy) is called
    assert ("li-na", "voice") in [(n.person_id, n.channel) for n in runtime.store.notifications()]
    act("escalate", {"tier": 1})  # straight to the city water bureau
    assert "zhao-min" in {n.person_id for n in runtime.store.notifications()}
    act("level", {"level": "orange", "reason": "Water reaching ground floors"})  # engages traffic and emergency
    assert {e.policy for e in events_of(runtime.store, EscalationStarted)} >= {"flood-traffic", "flood-emergency"}
    act("escalate", {"department": "em-370100"})  # the city's emergency management, by name
    act("reassign", {"department": "water-370100", "reason": "The city bureau runs the pumps"})
    act("repage", {"people": ["zhao-min"]})
    act("ack-for", {"person": "zhao-min", "note": "by phone at 21:14"})
    act("lift", {"reason": "Water drained; road reopened"})
    kinds = [(type(e).__name__, e.by) for e in [
        *events_of(runtime.store, NoteAdded), *events_of(runtime.store, EscalatedByHand),
        *events_of(runtime.store, IncidentRelevelled), *events_of(runtime.store, IncidentReassigned),
        *events_of(runtime.store, Repaged), *events_of(runtime.store, IncidentClosed),
    ]]  # fmt: skip
    assert len(kinds) == 8 and {by for _, by in kinds} == {"zhang"}
    # Zhao Min's acknowledgement, recorded by the dispatcher: it settles the city water bureau's part.
    on_behalf = [d.data for d in runtime.store.decisions() if d.kind in ("incident_acknowledged", "quorum_progressed")]
    assert [(d["person"], d["source"], d["by"]) for d in on_behalf] == [("zhao-min", "phone", "zhang")]
    assert not events_of(runtime.store, IncidentAcknowledged) or on_behalf[0]["kind"] == "incident_acknowledged"
    _status, detail = _call(runtime, "GET", "/api/incidents/F0001", zhang)
    assert detail["incident"]["status"] == "lifted"
    assert {t["policy"]: t["state"] for t in detail["tracks"]}["hand:water-370100"] in ("acknowledged", "stopped")
    entries = [entry["summary"] for entry in _call(runtime, "GET", "/api/incidents/F0001/timeline", zhang)[1]]
    assert "Zhang Hua noted on F0001: Traffic police asked to close the road" in entries
    assert any(line.startswith("Zhang Hua lifted F0001 by hand (everyone paged is told)") for line in entries)
    # Every accepted action is audited: who, in what role, how, from where.
    accepted = [(row.user_name, row.action, row.via, row.address) for row in audit_of(runtime)
                if row.outcome == "accepted"]  # fmt: skip
    assert ("zhang", "lift", "token", "127.0.0.1") in accepted and len(accepted) == 10


def test_a_duty_officer_acts_only_for_their_department(centre: tuple[Runtime, dict[str, str]]) -> None:
    runtime, tokens = centre
    runtime.engine.ingest_payload(reading(3.7, START), "test")  # F0001: the water bureau is paged
    status, refused = _call(runtime, "POST", "/api/incidents/F0001/escalate", "token-chen", {})
    assert status == 403 and "gas-370102 is not engaged in this incident" in refused["error"]
    status, refused = _call(runtime, "POST", "/api/incidents/F0001/lift", tokens["wang"], {"reason": "not mine"})
    assert status == 403 and "may not lift" in refused["error"]
    status, answer = _call(runtime, "POST", "/api/incidents/F0001/ack", tokens["wang"])
    assert status == 200 and answer["message"] == "F0001 acknowledged"
    # A planner reads the board but takes no live action, whatever the route.
    assert _call(runtime, "GET", "/api/incidents", tokens["planner"])[1]["total"] == 1
    for path, body in (("ack", None), ("notes", {"text": "x"}), ("escalate", {}), ("repage", {})):
        status, refused = _call(runtime, "POST", f"/api/incidents/F0001/{path}", tokens["planner"], body)
        assert status == 403 and "planner has no live actions" in refused["error"], path
    # Another district's dispatcher neither sees it nor acts on it.
    assert _call(runtime, "GET", "/api/incidents", tokens["huaiyin-desk"])[1]["total"] == 0
    status, refused = _call(runtime, "GET", "/api/incidents/F0001", tokens["huaiyin-desk"])
    assert status == 403 and "outside Huaiyin desk's area" in refused["error"]
    refusals = [(row.user_name, row.action) for row in audit_of(runtime) if row.outcome == "refused"]
    assert ("person:chen-gang", "escalate") in refusals and ("planner", "note") in refusals


def test_a_revoked_token_or_a_disabled_user_stops_at_once(centre: tuple[Runtime, dict[str, str]]) -> None:
    runtime, tokens = centre
    accounts = build_accounts(runtime.store, runtime.engine)
    assert _call(runtime, "GET", "/api/me", tokens["zhang"])[1]["role"] == "dispatcher"
    token_id = next(row.id for row in accounts.tokens("zhang"))
    accounts.revoke_token(token_id)
    status, refused = _call(runtime, "GET", "/api/incidents", tokens["zhang"])
    assert status == 401 and "revoked" in refused["error"]
    accounts.disable_user("lixia-desk")
    assert _call(runtime, "GET", "/api/incidents", tokens["lixia-desk"])[0] == 401
    assert _call(runtime, "GET", "/api/incidents", "wt_not-a-token")[0] == 401
    assert _call(runtime, "GET", "/api/incidents", None)[0] == 401


def test_a_console_session_needs_its_csrf_token_to_change_anything(centre: tuple[Runtime, dict[str, str]]) -> None:
    runtime, _tokens = centre
    assert runtime.api is not None
    with httpx.Client(base_url=runtime.api.url) as browser:
        assert browser.post("/api/session", json={"user": "zhang", "password": "wrong password"}).status_code == 401
        signed = browser.post("/api/session", json={"user": "zhang", "password": PASSWORD})
        assert signed.status_code == 200 and "httponly" in signed.headers["set-cookie"].lower()
        csrf = signed.json()["csrf_token"]
        assert browser.get("/api/me").json()["via"] == "session"
        forged = browser.post("/api/incidents", json=HOTLINE)  # a cross-site form cannot know the token
        assert forged.status_code == 403 and "X-CSRF-Token" in forged.json()["error"]
        made = browser.post("/api/incidents", json=HOTLINE, headers={"X-CSRF-Token": csrf})
        assert made.status_code == 201
        assert browser.request("DELETE", "/api/session", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert browser.get("/api/me").status_code == 401


def test_a_dispatcher_puts_a_colleague_on_duty_until_a_time(
    centre: tuple[Runtime, dict[str, str]], clock: VirtualClock
) -> None:
    runtime, tokens = centre
    until = (START + timedelta(hours=8)).isoformat()
    body = {"department": "water-370102", "role": "duty_officer", "person": "li-na", "until": until,
            "reason": "Wang Wei is at the pumping station"}  # fmt: skip
    status, answer = _call(runtime, "POST", "/api/duty-overrides", tokens["lixia-desk"], body)
    assert status == 201, answer
    status, view = _call(runtime, "GET", "/api/duty/water-370102", tokens["lixia-desk"])
    holders = {h["role"]: (h["person"], h["source"]) for h in view["holders"]}
    assert holders["duty_officer"] == ("li-na", "override (run time)")
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    assert next((n.person_id, n.channel) for n in runtime.store.notifications()) == ("li-na", "sms")
    # Another district's dispatcher may not, and the role must exist.
    assert _call(runtime, "POST", "/api/duty-overrides", tokens["huaiyin-desk"], body)[0] == 403
    status, refused = _call(runtime, "POST", "/api/duty-overrides", tokens["zhang"], {**body, "role": "captain"})
    assert status == 409 and "has no role captain" in refused["error"]
    (override,) = _call(runtime, "GET", "/api/duty-overrides", tokens["zhang"])[1]
    assert _call(runtime, "DELETE", f"/api/duty-overrides/{override['id']}", tokens["zhang"])[0] == 200
    step_to(runtime, clock, START + timedelta(minutes=1))
    assert _call(runtime, "GET", "/api/duty/water-370102", tokens["zhang"])[1]["holders"][0]["source"] in (
        "roster", "shift"
    )  # fmt: skip


def test_the_incident_readings_come_with_their_thresholds(
    centre: tuple[Runtime, dict[str, str]], clock: VirtualClock
) -> None:
    runtime, tokens = centre
    for minutes, value in ((0, 3.1), (10, 3.3), (20, 3.7)):
        step_to(runtime, clock, START + timedelta(minutes=minutes))
        runtime.engine.ingest_payload(reading(value, START + timedelta(minutes=minutes)), "test")
    code = runtime.store.incidents()[0].code
    status, series = _call(runtime, "GET", f"/api/incidents/{code}/readings", tokens["zhang"])
    assert status == 200
    (station,) = series["stations"]
    assert station["station"] == "HY-370102-01" and [r["value"] for r in station["readings"]] == [3.1, 3.3, 3.7]
    assert {(t["level"], t["above"], t["clear_below"]) for t in station["thresholds"]} >= {("yellow", 3.5, 3.3)}


def test_the_command_line_creates_and_acts_on_incidents(centre: tuple[Runtime, dict[str, str]]) -> None:
    runtime, tokens = centre
    assert runtime.api is not None
    env = {**os.environ, "WARNING_API_URL": runtime.api.url, "WARNING_API_TOKEN": tokens["zhang"]}

    def warning(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "warning.cli", "incident", *args], capture_output=True,
                              text=True, env=env, cwd=ROOT, timeout=60, check=False)  # fmt: skip

    made = warning("create", "--hazard", "flood", "--level", "yellow", "--area", "370102", "--title", "Road flooded",
                   "--description", "Reported by a bus driver", "--source", "field_report")  # fmt: skip
    assert made.returncode == 0 and made.stdout.strip() == "F0001 opened", made.stderr
    assert warning("note", "F0001", "--text", "Bus diverted").stdout.strip() == "note added to F0001"
    refused = warning("level", "F0001", "--level", "yellow", "--reason", "same again")
    assert refused.returncode == 1 and "is yellow already" in refused.stderr
    listed = warning("list", "--status", "open")
    assert "F0001  yellow  open" in listed.stdout and listed.stdout.strip().endswith("1 of 1")
    assert warning("escalate", "F0001").stdout.strip() == "F0001 escalated"
    # Both steps ran at the same instant here (the clock stands still): their people are paged again.
    assert warning("repage", "F0001").stdout.strip() == "Wang Wei, Li Na paged again"
    assert warning("reassign", "F0001", "--department", "em-370102", "--reason", "Emergency management leads")\
        .stdout.strip() == "F0001 reassigned to Lixia District Emergency Management Bureau"  # fmt: skip
    assert warning("ack-for", "F0001", "--person", "tian-lei", "--note", "by phone").stdout.strip() == (
        "F0001 acknowledged for Tian Lei"
    )  # fmt: skip
    assert warning("lift", "F0001", "--reason", "Road reopened", "--no-tell").stdout.strip() == "F0001 lifted"
    shown = warning("show", "F0001").stdout
    assert "Zhang Hua noted on F0001: Bus diverted" in shown and "Tian Lei acknowledged F0001 by phone" in shown
