"""Per-recipient carrier budgets: what mainland providers will actually deliver.

Domestic voice providers drop calls beyond about 1 a minute, 5 an hour and 20 a day per callee, and
identical SMS beyond 3 a day per number. A page over budget is held until the budget allows it,
never dropped silently, so an escalation plan never schedules what the carrier would discard.
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
