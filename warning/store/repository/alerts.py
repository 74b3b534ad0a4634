"""CAP messages we published about our warnings, kept as published."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from warning.store.models import PublishedAlertRow
from warning.store.repository.part import TransactionPart


class AlertsTx(TransactionPart):
    def add_published_alert(self, row: PublishedAlertRow) -> None:
        self.session.add(row)
        self.session.flush()

    def published_alert(self, identifier: str) -> PublishedAlertRow | None:
        return self.session.scalar(select(PublishedAlertRow).where(PublishedAlertRow.identifier == identifier))

    def published_alerts_of(self, incident_id: int) -> list[PublishedAlertRow]:
        """An incident's messages, oldest first."""
        query = (
            select(PublishedAlertRow).where(PublishedAlertRow.incident_id == incident_id).order_by(PublishedAlertRow.id)
        )
        return list(self.session.scalars(query))

    def published_alerts(
        self, *, area_prefix: str = "", since: datetime | None = None, limit: int = 200
    ) -> list[PublishedAlertRow]:  # fmt: skip
        """The latest messages (newest first) about warnings in an area and below it."""
        query = select(PublishedAlertRow).order_by(PublishedAlertRow.id.desc()).limit(limit)
        if area_prefix:
            query = query.where(PublishedAlertRow.area.startswith(area_prefix, autoescape=True))
        if since is not None:
            query = query.where(PublishedAlertRow.sent >= since)
        return list(self.session.scalars(query))
