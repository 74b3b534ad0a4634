"""The effects ledger's rows: claimed once by key, found by provider sid, due to go, sent to a number
lately, bundled, expiring."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from warning.statuses import TAKEABLE, PageStatus
from warning.store.models import (
    IncidentRow,
    NotificationRow,
)
from warning.store.repository.part import TransactionPart


class PagesTx(TransactionPart):
    def claim(self, row: NotificationRow) -> NotificationRow | None:
        """Insert the effect unless its idempotency key was claimed before; None if it was."""
        existing = self.session.scalars(
            select(NotificationRow).where(NotificationRow.idempotency_key == row.idempotency_key)
        ).first()
        if existing is not None:
            return None
        self.session.add(row)
        self.session.flush()
        return row

    def expired_sms_pages(self, now: datetime) -> list[NotificationRow]:
        """SMS pages the provider accepted but the carrier has not confirmed delivered in time."""
        query = (
            select(NotificationRow)
            .where(NotificationRow.status == PageStatus.accepted, NotificationRow.expires_at <= now)
            .order_by(NotificationRow.expires_at, NotificationRow.id)
        )
        return list(self.session.scalars(query))

    def next_expiry_at(self) -> datetime | None:
        query = (
            select(NotificationRow.expires_at)
            .where(NotificationRow.status == PageStatus.accepted, NotificationRow.expires_at.is_not(None))
            .order_by(NotificationRow.expires_at)
            .limit(1)
        )
        return self.session.scalars(query).first()

    def release_silenced_pages(self, incident_id: int, now: datetime) -> None:
        """An incident no silence covers any more (it rose above one's level): its held pages go now."""
        self.session.execute(
            update(NotificationRow)
            .where(
                NotificationRow.incident_id == incident_id,
                NotificationRow.silence_id.is_not(None),
                NotificationRow.status == PageStatus.claimed,
            )
            .values(retry_at=now)
        )

    def notification(self, notification_id: int, *, for_update: bool = False) -> NotificationRow | None:
        return self.session.get(NotificationRow, notification_id, with_for_update=for_update)

    def notifications_by_sid(self, provider_sid: str) -> list[NotificationRow]:
        """The notifications one provider message or call carried (several when bundled)."""
        query = select(NotificationRow).where(NotificationRow.provider_sid == provider_sid).order_by(NotificationRow.id)
        return list(self.session.scalars(query))

    def notifications_due(self, now: datetime) -> list[NotificationRow]:
        """Notifications to send (claimed) or to reconcile (uncertain) whose retry time has come."""
        query = (
            select(NotificationRow)
            .where(
                NotificationRow.status.in_(TAKEABLE),
                (NotificationRow.retry_at.is_(None)) | (NotificationRow.retry_at <= now),
            )
            .order_by(NotificationRow.id)
        )
        return list(self.session.scalars(query))

    def sends_to(
        self, phone: str, channel: str, *, since: datetime, excluding: int
    ) -> list[tuple[datetime, str, str | None]]:
        """(attempt time, text, provider) of every page handed to a provider for this number and channel
        since `since`, whatever became of it afterwards: the carrier counted it."""
        query = select(
            NotificationRow.attempt_started_at,
            NotificationRow.text,
            NotificationRow.sent_text,
            NotificationRow.provider,
        ).where(
            NotificationRow.phone == phone,
            NotificationRow.channel == channel,
            NotificationRow.id != excluding,
            NotificationRow.attempt_started_at.is_not(None),
            NotificationRow.attempt_started_at > since,
            # A bundle is one message: only its lead counts.
            NotificationRow.bundle_id.is_(None) | (NotificationRow.bundle_id == NotificationRow.id),
        )
        return [(started, sent or text, provider) for started, text, sent, provider in self.session.execute(query)
                if started is not None]  # fmt: skip

    def bundle_companions(self, lead: NotificationRow, limit: int) -> list[NotificationRow]:
        """Other notifications waiting to go to the same number by the same channel, which may go
        with `lead` as one message: not held by a silence, not unclear (those must be reconciled)."""
        query = (
            select(NotificationRow)
            .where(
                NotificationRow.phone == lead.phone,
                NotificationRow.channel == lead.channel,
                NotificationRow.exercise == lead.exercise,
                NotificationRow.status == PageStatus.claimed,
                NotificationRow.silence_id.is_(None),
                NotificationRow.id != lead.id,
            )
            .order_by(NotificationRow.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def bundle_members(self, bundle_id: int) -> list[NotificationRow]:
        query = select(NotificationRow).where(NotificationRow.bundle_id == bundle_id).order_by(NotificationRow.id)
        return list(self.session.scalars(query))

    def next_retry_at(self) -> datetime | None:
        query = (
            select(NotificationRow.retry_at)
            .where(NotificationRow.status.in_(TAKEABLE), NotificationRow.retry_at.is_not(None))
            .order_by(NotificationRow.retry_at)
            .limit(1)
        )
        return self.session.scalars(query).first()

    def notifications_for(self, incident_id: int) -> list[NotificationRow]:
        query = select(NotificationRow).where(NotificationRow.incident_id == incident_id).order_by(NotificationRow.id)
        return list(self.session.scalars(query))

    def last_notification_id(self) -> int:
        return self.session.scalar(select(func.max(NotificationRow.id))) or 0

    def notifications_after(self, notification_id: int, incident_ids: list[int]) -> list[NotificationRow]:
        """The incidents' pages claimed after a known one, in order (what an action has just claimed)."""
        query = select(NotificationRow).where(
            NotificationRow.id > notification_id, NotificationRow.incident_id.in_(incident_ids)
        )
        return list(self.session.scalars(query.order_by(NotificationRow.id)))

    def latest_pages_of_many(self, incident_ids: list[int]) -> dict[tuple[int, str], NotificationRow]:
        """The last page of each escalation track of several incidents, by (incident, policy)."""
        if not incident_ids:
            return {}
        latest = (
            select(func.max(NotificationRow.id))
            .where(NotificationRow.incident_id.in_(incident_ids), NotificationRow.policy_id.is_not(None))
            .group_by(NotificationRow.incident_id, NotificationRow.policy_id)
        )
        rows = self.session.scalars(select(NotificationRow).where(NotificationRow.id.in_(latest)))
        return {(row.incident_id, row.policy_id or ""): row for row in rows}

    def latest_page_to(self, phone: str) -> NotificationRow | None:
        """The most recent page to this number on an incident still awaiting acknowledgement."""
        query = (
            select(NotificationRow)
            .join(IncidentRow, IncidentRow.id == NotificationRow.incident_id)
            .where(
                NotificationRow.phone == phone,
                NotificationRow.purpose == "page",
                IncidentRow.status == "open",
            )
            .order_by(NotificationRow.id.desc())
        )
        return self.session.scalars(query).first()
