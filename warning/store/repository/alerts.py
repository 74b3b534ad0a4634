"""CAP messages we published about our warnings, kept as published."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from warning.store.models import CapPushRow, PublishedAlertRow
from warning.store.repository.part import TransactionPart


class AlertsTx(TransactionPart):
    def add_published_alert(self, row: PublishedAlertRow) -> None:
        self.session.add(row)
        self.session.flush()

    def published_alert(self, identifier: str, *, released_only: bool = True) -> PublishedAlertRow | None:
        query = select(PublishedAlertRow).where(PublishedAlertRow.identifier == identifier)
        if released_only:
            query = query.where(PublishedAlertRow.released_at.is_not(None))
        return self.session.scalar(query)

    def held_alerts(self, *, area_prefix: str = "", limit: int = 200) -> list[PublishedAlertRow]:
        """Messages awaiting a dispatcher's approval for public release, oldest first."""
        query = (
            select(PublishedAlertRow)
            .where(PublishedAlertRow.released_at.is_(None))
            .order_by(PublishedAlertRow.id)
            .limit(limit)
        )
        if area_prefix:
            query = query.where(PublishedAlertRow.area.startswith(area_prefix, autoescape=True))
        return list(self.session.scalars(query))

    def unpushed_alerts(self, subscriber: str, limit: int = 50) -> list[PublishedAlertRow]:
        """Released messages a subscriber has not taken yet, in the order they were released."""
        taken = select(CapPushRow.alert_id).where(CapPushRow.subscriber == subscriber)
        query = (
            select(PublishedAlertRow)
            .where(PublishedAlertRow.released_at.is_not(None), PublishedAlertRow.id.not_in(taken))
            .order_by(PublishedAlertRow.released_at, PublishedAlertRow.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def alert_pushed(self, subscriber: str, alert_id: int, at: datetime) -> None:
        """The subscriber took the message (another engine may have pushed it too: kept once)."""
        taken = select(CapPushRow.id).where(CapPushRow.subscriber == subscriber, CapPushRow.alert_id == alert_id)
        if self.session.scalar(taken) is None:
            self.session.add(CapPushRow(subscriber=subscriber, alert_id=alert_id, pushed_at=at))
            self.session.flush()

    def published_alerts_of(self, incident_id: int) -> list[PublishedAlertRow]:
        """An incident's messages, oldest first."""
        query = (
            select(PublishedAlertRow).where(PublishedAlertRow.incident_id == incident_id).order_by(PublishedAlertRow.id)
        )
        return list(self.session.scalars(query))

    def published_alerts(
        self, *, area_prefix: str = "", since: datetime | None = None, limit: int = 200
    ) -> list[PublishedAlertRow]:  # fmt: skip
        """The latest released messages (newest first) about warnings in an area and below it."""
        query = (
            select(PublishedAlertRow)
            .where(PublishedAlertRow.released_at.is_not(None))
            .order_by(PublishedAlertRow.id.desc())
            .limit(limit)
        )
        if area_prefix:
            query = query.where(PublishedAlertRow.area.startswith(area_prefix, autoescape=True))
        if since is not None:
            query = query.where(PublishedAlertRow.sent >= since)
        return list(self.session.scalars(query))
