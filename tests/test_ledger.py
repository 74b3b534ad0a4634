"""The effects ledger: page and track statuses move only as their tables allow, and a page's key parts
are columns that agree with the key a decision claimed it by."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ROOT
from warning.drills.runner import run_drill
from warning.ledger import PageOrigin
from warning.statuses import (
    FINAL,
    PAGE_TRANSITIONS,
    PROVIDER_FINAL,
    TAKEABLE,
    TRACK_TRANSITIONS,
    ForbiddenTransition,
    PageStatus,
    TrackState,
    move_page,
    move_track,
)
from warning.store import Store


@dataclass
class _Page:
    idempotency_key: str
    status: str


@dataclass
class _Track:
    id: int
    policy_id: str
    state: str


def test_the_tables_say_what_a_page_and_a_track_may_do() -> None:
    assert {PageStatus.claimed, PageStatus.uncertain} == TAKEABLE  # what the dispatcher takes for a request
    assert set(PROVIDER_FINAL) <= FINAL and {PageStatus.blocked, PageStatus.suppressed, PageStatus.replanned} <= FINAL
    assert PageStatus.expired not in FINAL  # the provider's late final word still counts
    reachable, frontier = {PageStatus.claimed}, [PageStatus.claimed]
    while frontier:  # every status is reachable from a fresh claim
        for nxt in PAGE_TRANSITIONS.get(frontier.pop(), frozenset()):
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert reachable == set(PageStatus)
    assert set(TRACK_TRANSITIONS) == {TrackState.active, TrackState.exhausted}


@pytest.mark.parametrize(("start", "to"), list(product(PageStatus, PageStatus)))
def test_a_page_moves_exactly_as_the_table_allows(start: PageStatus, to: PageStatus) -> None:
    page = _Page("incident:1:flood-water:position:0:wang-wei:sms", start.value)
    if to in PAGE_TRANSITIONS.get(start, frozenset()):
        move_page(page, to)
        assert page.status == to.value
    else:
        with pytest.raises(ForbiddenTransition, match=f"{start.value} -> {to.value} is not allowed"):
            move_page(page, to)
        assert page.status == start.value  # nothing written


@given(st.lists(st.sampled_from(list(TrackState)), max_size=8))
def test_a_track_never_leaves_acknowledged_or_stopped(moves: list[TrackState]) -> None:
    track = _Track(1, "flood-water", TrackState.active.value)
    for to in moves:
        allowed = to in TRACK_TRANSITIONS.get(TrackState(track.state), frozenset())
        if allowed:
            move_track(track, to)
        else:
            with pytest.raises(ForbiddenTransition):
                move_track(track, to)
    assert track.state in {state.value for state in TrackState}


def test_the_key_parts_of_a_drill_s_pages_are_columns_that_agree_with_their_keys(sqlite_url: str) -> None:
    result = run_drill(ROOT / "scenarios" / "riverside-flood.yaml", database_url=sqlite_url)
    store = Store(result.store_url)
    try:
        pages = store.notifications()
    finally:
        store.dispose()
    steps = [page for page in pages if page.origin == PageOrigin.step]
    assert steps and all(
        page.idempotency_key == f"incident:{page.incident_id}:{page.policy_id}:position:{page.position}:"
        f"{page.person_id}:{page.channel}"
        for page in steps
    )
    told = [page for page in pages if page.origin == PageOrigin.told]
    assert told and all(page.policy_id is None and page.position is None for page in told)
    assert {page.status for page in pages} <= {"delivered", "completed", "no-answer", "busy"}
