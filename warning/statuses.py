"""The statuses of a page and of an escalation track, and the moves allowed between them, each in one
table: a move the table does not allow is an error (`ForbiddenTransition`), never a silent write.

A page's status is the ledger's own: claimed (waiting to go), sending (a provider request under way),
uncertain (a request whose outcome is unknown: the provider is asked before any resend), accepted (the
provider has it), then the provider's final word, or ours (expired, blocked, suppressed, replanned,
failed after the last attempt). What the provider says on the way (queued, sending, sent, ringing,
in-progress) is kept beside it (`provider_status`) and moves nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class ForbiddenTransition(RuntimeError):
    """A status change the table does not allow: a bug, surfaced where it happens."""


class PageStatus(StrEnum):
    claimed = "claimed"
    sending = "sending"
    uncertain = "uncertain"
    accepted = "accepted"
    # the provider's final word
    delivered = "delivered"
    completed = "completed"
    undelivered = "undelivered"
    failed = "failed"  # the provider's, or ours after the last attempt
    no_answer = "no-answer"
    busy = "busy"
    canceled = "canceled"
    # ours
    expired = "expired"  # not delivered within its validity after acceptance
    blocked = "blocked"  # the drill guard refused it
    suppressed = "suppressed"  # held by a silence, and no longer true after it
    replanned = "replanned"  # moved to another channel, or handed on to the next step


# The provider's final statuses, and whether each means the person was reached.
PROVIDER_FINAL: dict[PageStatus, bool] = {
    PageStatus.delivered: True,
    PageStatus.completed: True,
    PageStatus.undelivered: False,
    PageStatus.failed: False,
    PageStatus.no_answer: False,
    PageStatus.busy: False,
    PageStatus.canceled: False,
}
_PROVIDER_FINAL = frozenset(PROVIDER_FINAL)

PAGE_TRANSITIONS: dict[PageStatus, frozenset[PageStatus]] = {
    # held (a bundle, the carrier budget, a silence) stays claimed with a later retry_at
    PageStatus.claimed: frozenset({PageStatus.claimed, PageStatus.sending}),
    PageStatus.sending: frozenset(
        {
            PageStatus.accepted,
            PageStatus.uncertain,
            PageStatus.failed,
            PageStatus.claimed,  # the request's outcome
            PageStatus.blocked,
            PageStatus.suppressed,
            PageStatus.replanned,  # decided once taken, before any request
        }
    ),
    PageStatus.uncertain: frozenset({PageStatus.sending}),  # taken again: asked first, then sent or not
    PageStatus.accepted: _PROVIDER_FINAL | {PageStatus.expired},
    PageStatus.expired: _PROVIDER_FINAL,  # the provider's late final word still counts
}

# Waiting to be taken for a provider request (by one worker: the move to `sending` is conditional).
TAKEABLE = frozenset(status for status, moves in PAGE_TRANSITIONS.items() if PageStatus.sending in moves)
# Final: nothing moves a page on from here.
FINAL = frozenset(PageStatus) - frozenset(PAGE_TRANSITIONS)
# Not reached its person, for good.
NOT_REACHED = frozenset(
    {status for status, reached in PROVIDER_FINAL.items() if not reached}
    | {PageStatus.expired, PageStatus.blocked, PageStatus.suppressed}
)


class _HasStatus(Protocol):
    idempotency_key: str
    status: str


def move_page(row: _HasStatus, to: PageStatus) -> None:
    """Set the page's status, if the table allows the move from where it is."""
    now = PageStatus(row.status)
    if to not in PAGE_TRANSITIONS.get(now, frozenset()):
        raise ForbiddenTransition(f"page {row.idempotency_key}: {now.value} -> {to.value} is not allowed")
    row.status = to.value


def page_moves(from_: PageStatus, to: PageStatus) -> bool:
    return to in PAGE_TRANSITIONS.get(from_, frozenset())


class TrackState(StrEnum):
    active = "active"  # stepping: the next step is due at due_at
    exhausted = "exhausted"  # every step ran; still awaiting its department's acknowledgement
    acknowledged = "acknowledged"
    stopped = "stopped"  # the warning was lifted


TRACK_TRANSITIONS: dict[TrackState, frozenset[TrackState]] = {
    TrackState.active: frozenset(
        {TrackState.active, TrackState.exhausted, TrackState.acknowledged, TrackState.stopped}
    ),
    # an upgrade re-decides the last step: whoever it newly reaches is paged, and the track waits again
    TrackState.exhausted: frozenset({TrackState.active, TrackState.acknowledged, TrackState.stopped}),
}
AWAITING = frozenset({TrackState.active, TrackState.exhausted})  # awaiting their department's acknowledgement


class _HasState(Protocol):
    id: int
    policy_id: str
    state: str


def move_track(track: _HasState, to: TrackState) -> None:
    """Set the track's state, if the table allows the move from where it is."""
    now = TrackState(track.state)
    if to not in TRACK_TRANSITIONS.get(now, frozenset()):
        raise ForbiddenTransition(
            f"escalation {track.id} ({track.policy_id}): {now.value} -> {to.value} is not allowed"
        )
    track.state = to.value


def provider_final(provider_status: str) -> PageStatus | None:
    """The ledger status of a provider's final word; None for a status on the way (queued, sent ...)."""
    return _PROVIDER_FINAL_BY_WORD.get(provider_status)


def reached(provider_status: str) -> bool | None:
    """Whether the provider's final word means the person was reached; None when it is not final."""
    final = provider_final(provider_status)
    return None if final is None else PROVIDER_FINAL[final]


_PROVIDER_FINAL_BY_WORD = {status.value: status for status in PROVIDER_FINAL}
