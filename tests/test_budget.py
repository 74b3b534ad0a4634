"""Carrier budgets: a page the carrier would drop is re-planned, never dropped. Several warnings
for one person become one message (bundled), a short hold is waited out (delayed), and a page
facing a long one moves to the other channel (moved). The real twilio client against the simulator."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import ROOT, START, claim_pages, events_of, gauge_rules, make_runtime, read_gauge, step_to
from warning.app import Runtime
from warning.clock import VirtualClock
from warning.decisions.events import BudgetHeld, NotificationHeldForBundle, PageReplanned
from warning.dispatch.budget import CarrierBudget, earliest_allowed, replan
from warning.domain import Channel
from warning.errors import OrganisationFileError
from warning.escalation.org import load_organisation

SEC, MIN, HOUR = timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1)
LI_NA, WANG_WEI = "+8613800000002", "+8613800000001"


def test_earliest_allowed_respects_every_window() -> None:
    voice = CarrierBudget().voice
    assert earliest_allowed([], voice, START) == START
    assert earliest_allowed([START - 30 * timedelta(seconds=1)], voice, START) == START + 30 * timedelta(seconds=1)
    five = [START - k * 10 * MIN for k in range(1, 6)]  # five calls in the last 50 minutes
    assert earliest_allowed(five, voice, START) == START - 50 * MIN + HOUR
    assert earliest_allowed([START - 2 * HOUR], voice, START) == START


def test_replan_waits_out_short_holds_and_moves_long_ones() -> None:
    budget = CarrierBudget()
    assert replan("voice", START + MIN, START, START, budget).until == START + MIN
    assert replan("voice", START + HOUR, START, START, budget).channel == "sms"
    assert replan("voice", START + HOUR, START, None, budget).until == START + HOUR  # nowhere to move
    assert replan("sms", START + HOUR, START, START + 30 * MIN, budget).until == START + HOUR


def _run(rt: Runtime, clock: VirtualClock, until: datetime) -> None:
    assert rt.simulator is not None
    while True:
        rt.simulator.advance(clock.now())
        rt.engine.dispatcher.send_pending()
        due = rt.engine.next_due_at()
        if due is None or due > until:
            break
        clock.advance_to(max(due, clock.now()))
    clock.advance_to(max(until, clock.now()))
    rt.simulator.advance(clock.now())


def _calls(rt: Runtime) -> list[float]:
    assert rt.simulator is not None
    return [(datetime.fromisoformat(e["at"]) - START).total_seconds() for e in rt.simulator.events_of("call")]


def test_warnings_due_together_for_one_person_go_as_one_call(sqlite_runtime: tuple[Runtime, VirtualClock]) -> None:
    rt, clock = sqlite_runtime
    for code in ("F0001", "F0002", "F0003"):
        claim_pages(rt, [("voice", LI_NA, f"call about {code}")], incident_code=code)
    _run(rt, clock, START + MIN)
    assert _calls(rt) == [0.0]
    rows = rt.store.notifications()
    assert len({row.provider_sid for row in rows}) == 1 and {row.bundle_id for row in rows} == {rows[0].id}
    text = rows[0].sent_text or ""
    assert (
        text.startswith("3 warnings: yellow flood warning F0001 warning F0001; ")
        and "Press 1 to acknowledge all" in text
    )
    assert rt.engine.notification_text(rows[0].id) == (text, "en")  # what the call's TwiML reads


def test_a_call_right_after_another_waits_out_the_minute(sqlite_runtime: tuple[Runtime, VirtualClock]) -> None:
    rt, clock = sqlite_runtime
    claim_pages(rt, [("voice", LI_NA, "first")], incident_code="F0001")
    _run(rt, clock, START + 20 * SEC)
    claim_pages(rt, [("voice", LI_NA, "second")], incident_code="F0002")
    claim_pages(rt, [("voice", LI_NA, "third")], incident_code="F0003")
    _run(rt, clock, START + 5 * MIN)
    assert _calls(rt) == [0.0, 60.0]  # the second and third wait for the minute, then go as one call
    held = events_of(rt.store, BudgetHeld)
    assert len(held) == 2 and held[0].until == START + MIN  # one per page, until the minute is over


def test_the_sixth_call_in_an_hour_moves_to_sms(sqlite_runtime: tuple[Runtime, VirtualClock]) -> None:
    rt, clock = sqlite_runtime
    for n in range(6):  # one new warning every 70 s: each call alone, within 1 a minute
        claim_pages(rt, [("voice", LI_NA, f"call {n}")], incident_code=f"F000{n + 1}")
        _run(rt, clock, START + (n + 1) * 70 * SEC)
    assert _calls(rt) == [0.0, 70.0, 140.0, 210.0, 280.0]  # five an hour: the carrier would drop a sixth
    moved = rt.store.notifications()[-1]
    assert (moved.channel, moved.status, moved.idempotency_key.endswith(":moved:sms")) == ("sms", "delivered", True)
    assert rt.store.notifications()[-2].status == "replanned"
    replanned = [(d.person, d.phone, d.channel, d.to, d.held_until) for d in events_of(rt.store, PageReplanned)]
    assert replanned == [("li-na", LI_NA, Channel.voice, Channel.sms, START + HOUR)]
    assert "Reply 1 or ACK F0006" in moved.text


def test_sms_for_one_person_within_a_minute_are_bundled_and_one_reply_answers_them(
    tmp_path: Path, sqlite_url: str, clock: VirtualClock
) -> None:
    rt = make_runtime(sqlite_url, clock, rules=gauge_rules(tmp_path))
    try:
        assert rt.simulator is not None
        read_gauge(rt, clock, 3.2, timedelta(0), "G1")
        read_gauge(rt, clock, 3.3, 10 * SEC, "G2")
        read_gauge(rt, clock, 3.4, 30 * SEC, "G3")
        step_to(rt, clock, START + 2 * MIN)
        sent = [(e["at"], e["body"]) for e in rt.simulator.events_of("sms")]
        assert [at for at, _ in sent] == [START.isoformat(), (START + MIN).isoformat()]
        assert sent[0][1].startswith("黄色(III级)洪水预警 F0001") and sent[1][1].startswith(
            "2条预警：黄色洪水预警 F0002 "
        )
        assert "F0003" in sent[1][1] and sent[1][1].endswith("回复1全部确认，或“确认 编号”确认其一。")
        waits = events_of(rt.store, NotificationHeldForBundle)
        assert len(waits) == 2 and waits[0].until == START + MIN
        # A reply of 1 to the bundle acknowledges both warnings it asked about, not the first one.
        result = rt.engine.acknowledge_by_sms(WANG_WEI, "1")
        assert result.accepted and result.message == "F0002, F0003已确认，谢谢。"  # texted back in Chinese
        assert [i.status.value for i in rt.engine.board()] == ["open", "acknowledged", "acknowledged"]
    finally:
        rt.close()


def test_a_fourth_identical_sms_moves_to_a_call(sqlite_runtime: tuple[Runtime, VirtualClock]) -> None:
    rt, clock = sqlite_runtime
    assert rt.simulator is not None
    for n in range(4):  # the same page again every 5 minutes (a repeating step), same text
        claim_pages(rt, [("sms", LI_NA, "same text")])
        _run(rt, clock, START + (n + 1) * 5 * MIN)
    assert len(rt.simulator.events_of("sms")) == 3 and len(rt.simulator.events_of("call")) == 1
    fourth = rt.store.notifications()[3]
    assert fourth.status == "replanned"
    assert rt.store.notifications()[4].channel == "voice"


def test_a_storm_on_one_person_goes_in_full_messages_without_waiting(
    sqlite_runtime: tuple[Runtime, VirtualClock],
) -> None:
    rt, clock = sqlite_runtime
    assert rt.simulator is not None
    for n in range(12):  # a new warning every 5 s
        clock.advance_to(START + 5 * n * SEC)
        claim_pages(rt, [("sms", LI_NA, f"storm {n}")], incident_code=f"S{n:04d}")
        rt.simulator.advance(clock.now())
        rt.engine.tick()
    _run(rt, clock, START + 3 * MIN)
    sent = [(datetime.fromisoformat(e["at"]) - START, e["body"]) for e in rt.simulator.events_of("sms")]
    # The first at once; then each time five are waiting they go as one message, not a minute later;
    # the last one waits out the minute after the previous message for company, then goes alone.
    assert [(at.total_seconds(), body[:10]) for at, body in sent] == [
        (0.0, "storm 0"), (25.0, "5 warnings"), (50.0, "5 warnings"), (110.0, "storm 11")
    ]  # fmt: skip
    assert {row.status for row in rt.store.notifications()} == {"delivered"}


def test_the_budget_comes_from_the_organisation_file(tmp_path: Path, sqlite_url: str, clock: VirtualClock) -> None:
    text = (ROOT / "org" / "jinan.yaml").read_text(encoding="utf-8")
    org = tmp_path / "org.yaml"
    org.write_text(text.replace("quorum_from: orange\n", "quorum_from: orange\ncarrier_budget:\n  voice: "
                                "[{count: 2, per: 1m}]\n  max_bundle: 1\n", 1), encoding="utf-8")  # fmt: skip
    rt = make_runtime(sqlite_url, clock, organisation=org)
    try:
        for code in ("F0001", "F0002", "F0003"):  # no bundling (max_bundle 1), two calls a minute
            claim_pages(rt, [("voice", LI_NA, f"call about {code}")], incident_code=code)
        _run(rt, clock, START + 5 * MIN)
        assert _calls(rt) == [0.0, 0.0, 60.0]
    finally:
        rt.close()
    org.write_text(text.replace("quorum_from: orange\n", "quorum_from: orange\ncarrier_budget:\n  voice: "
                                "[{count: 0, per: 1m}]\n", 1), encoding="utf-8")  # fmt: skip
    with pytest.raises(OrganisationFileError) as caught:
        load_organisation(org)
    assert f"{org}:9: carrier_budget.voice.0.count: Input should be greater than or equal to 1" in str(caught.value)
