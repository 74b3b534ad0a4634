"""The effects ledger, below both escalation and dispatch: one row per page, claimed once by its
idempotency key, in the transaction of the decision that asked for it; nothing else sends. A page's
key is built here from its parts, and the parts are stored as columns (incident, policy, position,
person, channel, origin), so nobody parses a key back.

Keys keep the shape they have always had, so a page claimed before an upgrade is still recognised:
- a step page: `incident:ID:POLICY:position:P:PERSON:CHANNEL`;
- the call that replaces an undelivered SMS page: `<that page's key>:fallback:voice`;
- a page moved to the other channel over the carrier budget: `<that page's key>:moved:CHANNEL`;
- a higher tier informed: `incident:ID:POLICY:inform:LEVEL:PERSON`;
- a hand-over: `incident:ID:POLICY:handover:PERSON:AT:CHANNEL`;
- a level change or lift told to whoever was paged: `incident:ID:PURPOSE:LEVEL:UPDATED_AT:PERSON`;
- a page again by hand: `incident:ID:POLICY:repage:PERSON:AT:CHANNEL`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from warning.domain import Channel, Level, NotificationPurpose
from warning.statuses import PageStatus
from warning.store.models import NotificationRow
from warning.store.repository import Transaction

DEFAULT_SMS_VALIDITY = 300  # seconds: an SMS page whose policy names none (older tracks, pages moved from a call)


class PageOrigin(StrEnum):
    step = "step"  # a policy step paged the person
    fallback = "fallback"  # a call instead of an undelivered SMS page
    moved = "moved"  # the other channel, over the carrier budget
    inform = "inform"  # a higher tier told, no acknowledgement asked
    handover = "handover"  # an officer handed the warning to a colleague
    told = "told"  # a level change or lift, told to whoever was paged
    repage = "repage"  # a dispatcher paged someone again, by hand


@dataclass(frozen=True, slots=True)
class PageKey:
    """What identifies one page: a second claim of the same key is the same page, and is refused."""

    incident_id: int
    person_id: str
    channel: Channel
    origin: PageOrigin
    policy_id: str | None = None
    position: int | None = None  # the policy position of a step page (and of its fallback or move)
    text: str = ""  # the key itself, built by the constructors below

    @staticmethod
    def step(incident_id: int, policy_id: str, position: int, person_id: str, channel: Channel) -> PageKey:
        text = f"incident:{incident_id}:{policy_id}:position:{position}:{person_id}:{channel.value}"
        return PageKey(incident_id, person_id, channel, PageOrigin.step, policy_id, position, text)

    @staticmethod
    def inform(incident_id: int, policy_id: str, level: Level, person_id: str) -> PageKey:
        text = f"incident:{incident_id}:{policy_id}:inform:{level.value}:{person_id}"
        return PageKey(incident_id, person_id, Channel.sms, PageOrigin.inform, policy_id, None, text)

    @staticmethod
    def handover(incident_id: int, policy_id: str, person_id: str, at: datetime, channel: Channel) -> PageKey:
        text = f"incident:{incident_id}:{policy_id}:handover:{person_id}:{at.isoformat()}:{channel.value}"
        return PageKey(incident_id, person_id, channel, PageOrigin.handover, policy_id, None, text)

    @staticmethod
    def repage(incident_id: int, policy_id: str, person_id: str, at: datetime, channel: Channel) -> PageKey:
        text = f"incident:{incident_id}:{policy_id}:repage:{person_id}:{at.isoformat()}:{channel.value}"
        return PageKey(incident_id, person_id, channel, PageOrigin.repage, policy_id, None, text)

    @staticmethod
    def told(
        incident_id: int, purpose: NotificationPurpose, level: Level, updated_at: datetime, person_id: str
    ) -> PageKey:
        text = f"incident:{incident_id}:{purpose.value}:{level.value}:{updated_at.isoformat()}:{person_id}"
        return PageKey(incident_id, person_id, Channel.sms, PageOrigin.told, None, None, text)

    @staticmethod
    def of(row: NotificationRow) -> PageKey:
        """The key of a claimed page, from its columns."""
        return PageKey(row.incident_id, row.person_id, Channel(row.channel), PageOrigin(row.origin), row.policy_id,
                       row.position, row.idempotency_key)  # fmt: skip

    def fallback(self) -> PageKey:
        """The call that replaces this (SMS) page when it cannot be delivered."""
        return replace(self, channel=Channel.voice, origin=PageOrigin.fallback, text=f"{self.text}:fallback:voice")

    def moved(self, channel: Channel) -> PageKey:
        """This page on another channel."""
        return replace(self, channel=channel, origin=PageOrigin.moved, text=f"{self.text}:moved:{channel.value}")

    @property
    def of_a_step(self) -> bool:
        """A step page, or the fallback or move of one: the step's wait and `on_failure` apply."""
        return self.policy_id is not None and self.position is not None


@dataclass(frozen=True, slots=True)
class PageContent:
    """To whom, and what, a page says."""

    department_id: str
    phone: str
    language: str
    text: str
    exercise: bool
    why: str
    # The message's kind and placeholder values, for a provider that sends registered templates.
    parts: dict[str, Any] | None = None


def claim_page(
    tx: Transaction,
    key: PageKey,
    content: PageContent,
    purpose: NotificationPurpose,
    now: datetime,
    *,
    valid_for: timedelta | None = None,
    due_at: datetime | None = None,
) -> NotificationRow | None:
    """Claim the page in the ledger unless its key was claimed before (then None): the one place a
    page comes into being. The dispatcher sends it after the decision's transaction commits (or, with
    `due_at`, on the wake-up armed for then)."""
    return tx.claim(
        NotificationRow(
            idempotency_key=key.text, incident_id=key.incident_id, person_id=key.person_id,
            department_id=content.department_id, phone=content.phone, channel=key.channel.value,
            purpose=purpose.value, origin=key.origin.value, policy_id=key.policy_id, position=key.position,
            language=content.language, text=content.text, parts=content.parts, exercise=content.exercise,
            why=content.why,
            status=PageStatus.claimed.value, provider_sid=None, error=None, claimed_at=now, updated_at=now,
            retry_at=due_at, valid_for_seconds=int(valid_for.total_seconds()) if valid_for is not None else None,
        )
    )  # fmt: skip
