"""Per-recipient carrier budgets: what mainland providers will actually deliver, and what to do
with a page they would not.

Domestic voice providers drop calls beyond about 1 a minute, 5 an hour and 20 a day per callee, and
identical SMS beyond 3 a day per number. A page over budget is never dropped: it is re-planned.
Several warnings for one person go out as one message (bundled); a short wait is taken (delayed);
a long one moves the page to the other channel if the carrier takes that now (moved).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class CarrierBudget:
    voice: tuple[tuple[int, timedelta], ...] = (
        (1, timedelta(minutes=1)),
        (5, timedelta(hours=1)),
        (20, timedelta(days=1)),
    )
    identical_sms: tuple[int, timedelta] = (3, timedelta(days=1))
    # Over budget for longer than this, a page moves to the other channel instead of waiting.
    max_delay: timedelta = timedelta(minutes=2)
    # An SMS within this long of the previous one to the same number waits for the window to end and
    # takes along whatever else is due for that person by then: one message instead of a burst.
    bundle_window: timedelta = timedelta(seconds=60)
    max_bundle: int = 5  # warnings per message: a longer SMS splits, a longer call is not listened to


@dataclass(frozen=True, slots=True)
class Replan:
    """What becomes of a page the carrier would drop now: wait until `until`, or move to `channel`."""

    until: datetime | None = None
    channel: str | None = None


def replan(
    channel: str, hold: datetime, now: datetime, other_allowed: datetime | None, budget: CarrierBudget
) -> Replan:
    """Wait out a short hold; move a page facing a long one to the other channel when the carrier
    takes that now (`other_allowed`: when it would, None when moving is not an option)."""
    if hold - now <= budget.max_delay or other_allowed is None or other_allowed > now:
        return Replan(until=hold)
    return Replan(channel="sms" if channel == "voice" else "voice")


def earliest_allowed(sent_at: Sequence[datetime], limits: Sequence[tuple[int, timedelta]], now: datetime) -> datetime:
    """The first moment one more send keeps within every (count, window) limit, given earlier sends."""
    allowed = now
    recent = sorted(sent_at, reverse=True)
    for count, window in limits:
        inside = [moment for moment in recent if moment > now - window]
        if len(inside) >= count:
            # The count-th most recent send must have left the window first.
            allowed = max(allowed, inside[count - 1] + window)
    return allowed
