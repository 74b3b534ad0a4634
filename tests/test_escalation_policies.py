"""Escalation across departments and tiers: fan-out by hazard and level, the starting tier by colour,
quorum acknowledgement, upgrades re-deciding the current step, hand-over, and the organisation in
the database. Driven through the engine on a virtual clock with the bundled Jinan organisation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import ROOT, START, events_of, gauge_rules, make_runtime, read_gauge, step_to
from warning.app import Runtime
from warning.clock import VirtualClock
from warning.decisions.events import IncidentAcknowledged
from warning.domain import AckSource
from warning.escalation.org import load_organisation


def _runtime(tmp_path: Path, database_url: str, clock: VirtualClock, organisation: Path | None = None) -> Runtime:
    return make_runtime(database_url, clock, organisation=organisation, rules=gauge_rules(tmp_path))


@pytest.fixture
def gauge(tmp_path: Path, database_url: str, clock: VirtualClock) -> Iterator[Runtime]:
    rt = _runtime(tmp_path, database_url, clock)
    try:
        yield rt
    finally:
        rt.close()


def _pages(runtime: Runtime) -> list[tuple[str, str, str, str]]:
    """(minutes after START, person, channel, purpose) of every notification claimed."""
    return [
        (f"+{int((row.claimed_at - START).total_seconds() // 60)}m", row.person_id, row.channel, row.purpose)
        for row in runtime.store.notifications()
    ]


def _kinds(runtime: Runtime) -> list[str]:
    return [d.kind for d in runtime.store.decisions()]


def _status(runtime: Runtime) -> str:
    (incident,) = runtime.engine.board()
    return incident.status.value


def test_orange_fans_out_and_every_department_must_acknowledge(gauge: Runtime, clock: VirtualClock) -> None:
    read_gauge(gauge, clock, 3.2, timedelta(0))  # yellow: the water bureau alone
    assert _pages(gauge) == [("+0m", "wang-wei", "sms", "page")]
    read_gauge(gauge, clock, 4.2, timedelta(minutes=5))  # orange: traffic police and emergency management join
    # 20:05 in Jinan: the traffic brigade's night shift has Ma Li as duty officer. Wang Wei's step is
    # re-decided at orange but reaches nobody new, so he is told of the change, not paged twice.
    assert _pages(gauge)[1:] == [
        ("+5m", "ma-li", "sms", "page"),
        ("+5m", "tian-lei", "sms", "page"),
        ("+5m", "tian-lei", "voice", "page"),
        ("+5m", "wang-wei", "sms", "update"),
    ]
    code = gauge.engine.board()[0].code
    assert gauge.engine.acknowledge(code, "tian-lei", AckSource.api).accepted
    assert _status(gauge) == "open"  # one of three departments
    again = gauge.engine.acknowledge(code, "qin-yu", AckSource.api)
    assert not again.accepted and "already acknowledged for Lixia District Emergency Management Bureau" in again.message
    step_to(gauge, clock, START + timedelta(minutes=16))
    # Water and traffic keep escalating; emergency management, which acknowledged, does not.
    later = [page for page in _pages(gauge) if page[3] == "page"][4:]
    assert later == [("+15m", "li-na", "voice", "page"), ("+15m", "guo-qiang", "sms", "page"),
                     ("+15m", "guo-qiang", "voice", "page")]  # fmt: skip
    assert gauge.engine.acknowledge(code, "li-na", AckSource.api).accepted
    assert _status(gauge) == "open"
    assert gauge.engine.acknowledge(code, "guo-qiang", AckSource.api).accepted
    assert _status(gauge) == "acknowledged"
    acknowledged = [(e.incident, e.person, e.source, e.quorum) for e in events_of(gauge.store, IncidentAcknowledged)]
    assert acknowledged == [(code, "guo-qiang", AckSource.api, 3)]
    step_to(gauge, clock, START + timedelta(hours=2))
    assert len([p for p in _pages(gauge) if p[3] == "page"]) == 7  # nothing more once the quorum is met


def test_below_the_quorum_level_one_department_acknowledges_for_all(
    tmp_path: Path, database_url: str, clock: VirtualClock
) -> None:
    org = tmp_path / "org.yaml"
    org.write_text((ROOT / "org" / "jinan.yaml").read_text(encoding="utf-8").replace(
        "quorum_from: orange", "quorum_from: red"), encoding="utf-8")  # fmt: skip
    runtime = _runtime(tmp_path, database_url, clock, org)
    try:
        read_gauge(runtime, clock, 4.2, timedelta(0))
        code = runtime.engine.board()[0].code
        assert runtime.engine.acknowledge(code, "ma-li", AckSource.api).accepted
        assert _status(runtime) == "acknowledged"
        step_to(runtime, clock, START + timedelta(hours=2))
        assert {p[1] for p in _pages(runtime)} == {"wang-wei", "ma-li", "tian-lei"}  # no further steps
    finally:
        runtime.close()


def test_red_starts_at_the_city_and_informs_the_province(gauge: Runtime, clock: VirtualClock) -> None:
    read_gauge(gauge, clock, 5.3, timedelta(0))
    assert _pages(gauge) == [
        ("+0m", "zhou-jie", "sms", "inform"),  # the provincial water department, for information
        ("+0m", "zhao-min", "sms", "page"),  # the city water bureau's duty officer, not the district's
        ("+0m", "xu-feng", "sms", "page"),  # the city traffic detachment
        ("+0m", "fang-hui", "sms", "page"),  # the city emergency management bureau
        ("+0m", "fang-hui", "voice", "page"),
    ]
    inform = next(row for row in gauge.store.notifications() if row.purpose == "inform")
    assert "知悉" in inform.text and "回复" not in inform.text  # no acknowledgement asked of the province


def test_an_upgrade_re_decides_the_current_step_at_the_new_level(gauge: Runtime, clock: VirtualClock) -> None:
    read_gauge(gauge, clock, 3.2, timedelta(0))
    read_gauge(gauge, clock, 5.3, timedelta(minutes=5))  # red: the water track now starts at the city
    water = [p for p in _pages(gauge) if p[1] in ("wang-wei", "zhao-min", "zhou-jie", "sun-hao", "li-na")]
    assert water == [("+0m", "wang-wei", "sms", "page"), ("+5m", "zhou-jie", "sms", "inform"),
                     ("+5m", "zhao-min", "sms", "page"), ("+5m", "wang-wei", "sms", "update")]  # fmt: skip
    assert "escalation_reevaluated" in _kinds(gauge)
    # The re-decided step's 15-minute wait starts again at +5m: the city deputy is called at +20m, not +15m.
    step_to(gauge, clock, START + timedelta(minutes=19))
    assert not any(p[1] == "sun-hao" for p in _pages(gauge))
    step_to(gauge, clock, START + timedelta(minutes=20))
    assert ("+20m", "sun-hao", "voice", "page") in _pages(gauge)


def test_hand_over_pages_the_colleague_and_gives_them_the_step_wait(gauge: Runtime, clock: VirtualClock) -> None:
    read_gauge(gauge, clock, 3.2, timedelta(0))
    code = gauge.engine.board()[0].code
    step_to(gauge, clock, START + timedelta(minutes=10))
    refused = gauge.engine.hand_over(code, "wang-wei", "ma-li")
    assert not refused.accepted and "not in Wang Wei's department" in refused.message
    assert gauge.engine.hand_over(code, "wang-wei", "li-na").accepted
    assert ("+10m", "li-na", "sms", "page") in _pages(gauge)
    # Li Na has the step's 15 minutes from the hand-over: no deputy call at +15m.
    step_to(gauge, clock, START + timedelta(minutes=24))
    assert [p for p in _pages(gauge) if p[2] == "voice"] == []
    step_to(gauge, clock, START + timedelta(minutes=25))
    assert ("+25m", "li-na", "voice", "page") in _pages(gauge)
    assert "handed_over" in _kinds(gauge) and "handover_refused" in _kinds(gauge)


def test_the_organisation_is_stored_and_a_second_engine_follows_a_reload(
    tmp_path: Path, database_url: str, clock: VirtualClock
) -> None:
    first = _runtime(tmp_path, database_url, clock)
    second = _runtime(tmp_path, database_url, clock)
    try:
        loaded = [d for d in first.store.decisions() if d.kind == "organisation_loaded"]
        assert len(loaded) == 1  # the second engine found the same version already stored
        edited = tmp_path / "org.yaml"
        edited.write_text((ROOT / "org" / "jinan.yaml").read_text(encoding="utf-8").replace(
            "roster: {duty_officer: wang-wei, deputy: li-na}", "roster: {duty_officer: li-na, deputy: wang-wei}"),
            encoding="utf-8")  # fmt: skip
        assert first.engine.reload_organisation(lambda: load_organisation(edited), str(edited))
        assert second.engine.follow_stored_organisation()
        assert second.engine.org.on_duty("water-370102", "duty_officer", START).id == "li-na"  # type: ignore[union-attr]
        edited.write_text("areas: []\n", encoding="utf-8")
        assert not first.engine.reload_organisation(lambda: load_organisation(edited), str(edited))
        assert first.engine.org.on_duty("water-370102", "duty_officer", START).id == "li-na"  # type: ignore[union-attr]
        assert "organisation_reload_refused" in [d.kind for d in first.store.decisions()]
    finally:
        first.close()
        second.close()


def test_an_acknowledged_warning_upgraded_to_red_reopens_for_the_new_departments(
    gauge: Runtime, clock: VirtualClock
) -> None:
    read_gauge(gauge, clock, 3.2, timedelta(0))
    code = gauge.engine.board()[0].code
    assert gauge.engine.acknowledge(code, "wang-wei", AckSource.sms_reply).accepted
    assert _status(gauge) == "acknowledged"
    read_gauge(gauge, clock, 5.3, timedelta(minutes=5))
    # Water acknowledged already; the province is still told of the red warning, and the city
    # traffic and emergency management bureaus are paged: the warning awaits them again.
    assert ("+5m", "zhou-jie", "sms", "inform") in _pages(gauge)
    assert {("xu-feng", "page"), ("fang-hui", "page")} <= {(p[1], p[3]) for p in _pages(gauge)}
    assert _status(gauge) == "open" and "incident_reopened" in _kinds(gauge)
    states = {e["policy"]: e["state"] for e in gauge.engine.board()[0].escalations}
    assert states == {"flood-water": "acknowledged", "flood-traffic": "active", "flood-emergency": "active"}
    assert gauge.engine.acknowledge(code, "xu-feng", AckSource.api).accepted
    assert gauge.engine.acknowledge(code, "fang-hui", AckSource.api).accepted
    assert _status(gauge) == "acknowledged"
