"""A page that cannot reach its person: our own SMS validity timer, the voice fallback, and the
`next_step` policy that moves on to the next person once every page of a step to someone failed.
Driven through the engine and the simulator (scripted phones) on a virtual clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from notifiers.simulator import PhoneBehaviour
from tests.conftest import ROOT, START, events_of, gauge_rules, make_runtime, read_gauge, step_to
from warning.app import Runtime
from warning.clock import VirtualClock
from warning.decisions.events import EscalationHastened, PageReplanned
from warning.domain import Channel

WANG_WEI, LI_NA = "+8613800000001", "+8613800000002"


def _organisation(tmp_path: Path, on_failure: str) -> Path:
    text = (ROOT / "org" / "jinan.yaml").read_text(encoding="utf-8")
    marker = "    department_kind: water\n    # A red flood warning"
    assert marker in text
    org = tmp_path / "org.yaml"
    org.write_text(text.replace(marker, f"    department_kind: water\n    on_failure: {on_failure}\n"
                                "    sms_validity: 4m\n    # A red flood warning", 1), encoding="utf-8")  # fmt: skip
    return org


def _runtime(tmp_path: Path, database_url: str, clock: VirtualClock, on_failure: str | None) -> Runtime:
    org = _organisation(tmp_path, on_failure) if on_failure else None
    return make_runtime(database_url, clock, organisation=org, rules=gauge_rules(tmp_path))


def _pages(runtime: Runtime) -> list[tuple[str, str, str, str]]:
    """(time after START, person, channel, status) of every page."""
    return [
        (str(row.claimed_at - START), row.person_id, row.channel, row.status)
        for row in runtime.store.notifications()
        if row.purpose == "page"
    ]


@pytest.fixture
def default_policy(tmp_path: Path, database_url: str, clock: VirtualClock) -> Iterator[Runtime]:
    runtime = _runtime(tmp_path, database_url, clock, None)
    try:
        yield runtime
    finally:
        runtime.close()


def test_an_sms_never_confirmed_delivered_becomes_a_call_after_its_validity(
    default_policy: Runtime, clock: VirtualClock
) -> None:
    runtime = default_policy
    assert runtime.simulator is not None
    runtime.simulator.set_behaviour(WANG_WEI, PhoneBehaviour(sms="no-receipt", voice="answer", press="1"))
    read_gauge(runtime, clock, 3.2, timedelta(0))
    step_to(runtime, clock, START + timedelta(minutes=4, seconds=59))
    assert _pages(runtime) == [("0:00:00", "wang-wei", "sms", "accepted")]
    assert runtime.store.notifications()[0].provider_status == "sent"  # the carrier still "trying"
    step_to(runtime, clock, START + timedelta(minutes=6))
    # Five minutes (the default sms_validity) after Twilio accepted it: failed by our own timer.
    assert _pages(runtime)[0] == ("0:00:00", "wang-wei", "sms", "expired")
    assert _pages(runtime)[1][:3] == ("0:05:00", "wang-wei", "voice")
    kinds = [d.kind for d in runtime.store.decisions()]
    assert kinds.index("notification_expired") < kinds.index("fallback_call_placed")
    assert runtime.engine.board()[0].status.value == "acknowledged"  # he pressed 1 on the call


def test_next_step_moves_on_once_every_page_to_the_person_failed(
    tmp_path: Path, database_url: str, clock: VirtualClock
) -> None:
    runtime = _runtime(tmp_path, database_url, clock, "[voice, next_step]")
    try:
        assert runtime.simulator is not None
        runtime.simulator.set_behaviour(WANG_WEI, PhoneBehaviour(sms="no-receipt", voice="no-answer",
                                                                 answer_after=timedelta(seconds=30)))  # fmt: skip
        runtime.simulator.set_behaviour(LI_NA, PhoneBehaviour(voice="busy"))
        read_gauge(runtime, clock, 3.2, timedelta(0))
        step_to(runtime, clock, START + timedelta(minutes=10))
        # SMS unconfirmed at 4 min (this policy's sms_validity) -> call -> no answer after 30 s -> the
        # deputy's step now, not at 15 min -> busy -> the city duty officer, all within five minutes.
        assert _pages(runtime) == [
            ("0:00:00", "wang-wei", "sms", "expired"),
            ("0:04:00", "wang-wei", "voice", "no-answer"),
            ("0:04:30", "li-na", "voice", "busy"),
            ("0:04:32", "zhao-min", "sms", "delivered"),
            ("0:04:32", "zhao-min", "voice", "completed"),
        ], _pages(runtime)
        hastened = [(e.person, e.cause, e.failure) for e in events_of(runtime.store, EscalationHastened)]
        assert len(hastened) == 2 and hastened[0] == ("wang-wei", "unreachable", "no-answer")
    finally:
        runtime.close()


def test_without_next_step_a_failed_call_waits_for_the_step(default_policy: Runtime, clock: VirtualClock) -> None:
    runtime = default_policy
    assert runtime.simulator is not None
    runtime.simulator.set_behaviour(WANG_WEI, PhoneBehaviour(sms="undelivered", voice="busy"))
    read_gauge(runtime, clock, 3.2, timedelta(0))
    step_to(runtime, clock, START + timedelta(minutes=14))
    assert [page[1:] for page in _pages(runtime)] == [("wang-wei", "sms", "undelivered"), ("wang-wei", "voice", "busy")]
    step_to(runtime, clock, START + timedelta(minutes=15))
    assert _pages(runtime)[2][:3] == ("0:15:00", "li-na", "voice")


HELD_ORG = """
carrier_budget:
  voice: [{count: 1, per: 1h}]
  identical_sms: {count: 1, per: 1d}
areas:
  - {code: "370000", name: Shandong}
  - {code: "370100", name: Jinan, parent: "370000"}
  - {code: "370102", name: Lixia, parent: "370100"}
departments:
  - {id: water-370102, name: Lixia Water, kind: water, area: "370102", roster: {duty_officer: wang-wei, deputy: li-na}}
people:
  - {id: wang-wei, name: Wang Wei, phone: "+8613800000001", department: water-370102, language: en}
  - {id: li-na, name: Li Na, phone: "+8613800000002", department: water-370102, language: en}
policies:
  - id: flood-water
    hazard: flood
    department_kind: water
    on_failure: [voice, next_step]
    steps:
      - {notify: duty_officer, channels: [sms], wait: 5m}
      - {notify: duty_officer, channels: [voice], wait: 5m}
      - {notify: duty_officer, channels: [sms], wait: 5m}
      - {notify: deputy, channels: [sms], wait: 5m}
"""


def test_a_page_no_channel_can_carry_for_long_goes_to_the_next_step(
    tmp_path: Path, sqlite_url: str, clock: VirtualClock
) -> None:
    org = tmp_path / "org.yaml"
    org.write_text(HELD_ORG, encoding="utf-8")
    runtime = make_runtime(sqlite_url, clock, organisation=org, rules=gauge_rules(tmp_path))
    try:
        read_gauge(runtime, clock, 3.2, timedelta(0))
        step_to(runtime, clock, START + timedelta(minutes=11))
        # At 10 min the third step would SMS Wang Wei the same text again (1 identical a day) and a
        # call would be his second within the hour: nothing can reach him for an hour, so the page is
        # handed on and the deputy's step runs at once instead of at 15 min.
        assert _pages(runtime) == [
            ("0:00:00", "wang-wei", "sms", "delivered"),
            ("0:05:00", "wang-wei", "voice", "completed"),
            ("0:10:00", "wang-wei", "sms", "replanned"),
            ("0:10:00", "li-na", "sms", "delivered"),
        ], _pages(runtime)
        replanned = [(e.person, e.channel, e.to, e.held_until) for e in events_of(runtime.store, PageReplanned)]
        assert replanned == [("wang-wei", Channel.sms, "next_step", datetime(2026, 7, 15, 12, tzinfo=UTC))]
    finally:
        runtime.close()
