"""Carrier budgets: pages the carrier would drop are held until it would accept them, never dropped."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.conftest import START, claim_pages
from warning.app import Runtime
from warning.clock import VirtualClock
from warning.dispatch.budget import CarrierBudget, earliest_allowed

MIN, HOUR = timedelta(minutes=1), timedelta(hours=1)


def test_earliest_allowed_respects_every_window() -> None:
    voice = CarrierBudget().voice
    assert earliest_allowed([], voice, START) == START
    assert earliest_allowed([START - 30 * timedelta(seconds=1)], voice, START) == START + 30 * timedelta(seconds=1)
    five = [START - k * 10 * MIN for k in range(1, 6)]  # five calls in the last 50 minutes
    assert earliest_allowed(five, voice, START) == START - 50 * MIN + HOUR
    assert earliest_allowed([START - 2 * HOUR], voice, START) == START


def _claim(rt: Runtime, pages: list[tuple[str, str]]) -> None:
    claim_pages(rt, [(channel, "+8613800000002", text) for channel, text in pages])


def _run(rt: Runtime, clock: VirtualClock, until: timedelta) -> None:
    assert rt.simulator is not None
    while True:
        rt.simulator.advance(clock.now())
        rt.engine.dispatcher.send_pending()
        due = rt.engine.next_due_at()
        if due is None or due > START + until:
            return
        clock.advance_to(max(due, clock.now()))


def test_calls_to_one_person_are_spaced_as_the_carrier_allows(sqlite_runtime: tuple[Runtime, VirtualClock]) -> None:
    rt, clock = sqlite_runtime
    _claim(rt, [("voice", f"call {n}") for n in range(7)])
    _run(rt, clock, until=2 * HOUR)
    assert rt.simulator is not None
    calls = [e["at"] for e in rt.simulator.events_of("call")]
    offsets = [(datetime.fromisoformat(at) - START).total_seconds() / 60 for at in calls]
    assert offsets == [0, 1, 2, 3, 4, 60, 61]  # 1 a minute, 5 an hour
    held = [d for d in rt.store.decisions() if d.kind == "budget_held"]
    assert held and "the carrier would drop it before then" in held[0].summary


def test_a_fourth_identical_sms_waits_a_day(sqlite_runtime: tuple[Runtime, VirtualClock]) -> None:
    rt, clock = sqlite_runtime
    _claim(rt, [("sms", "same text")] * 4 + [("sms", "other text")])
    _run(rt, clock, until=2 * HOUR)
    assert rt.simulator is not None
    assert len(rt.simulator.events_of("sms")) == 4  # three identical and the other one
    fourth = rt.store.notifications()[3]
    assert (fourth.status, fourth.retry_at) == ("claimed", START + timedelta(days=1))
    _run(rt, clock, until=timedelta(days=2))
    assert rt.store.notifications()[3].status in ("accepted", "delivered")
