"""Escalation tracks: one per engaged policy of an incident, and the steps falling due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from warning.statuses import TrackState
from warning.store.models import (
    EscalationRow,
)
from warning.store.repository.part import TransactionPart


class EscalationsTx(TransactionPart):
    def add_escalation(self, row: EscalationRow) -> None:
        self.session.add(row)
        self.session.flush()

    def escalation(self, escalation_id: int, *, for_update: bool = False) -> EscalationRow | None:
        return self.session.get(EscalationRow, escalation_id, with_for_update=for_update)

    def escalations_of(self, incident_id: int, *, for_update: bool = False) -> list[EscalationRow]:
        """The incident's escalation tracks, in the order they started (the first one leads)."""
        query = select(EscalationRow).where(EscalationRow.incident_id == incident_id).order_by(EscalationRow.id)
        if for_update:
            query = query.with_for_update()
        return list(self.session.scalars(query))

    def escalations_of_many(self, incident_ids: list[int]) -> dict[int, list[EscalationRow]]:
        """The tracks of several incidents at once, by incident, each in the order they started."""
        found: dict[int, list[EscalationRow]] = {}
        if incident_ids:
            query = select(EscalationRow).where(EscalationRow.incident_id.in_(incident_ids)).order_by(EscalationRow.id)
            for row in self.session.scalars(query):
                found.setdefault(row.incident_id, []).append(row)
        return found

    def due_escalations(self, now: datetime, limit: int | None = None) -> list[tuple[int, int]]:
        """(escalation id, token) of the active tracks due by `now`, oldest first."""
        query = (
            select(EscalationRow.id, EscalationRow.token)
            .where(EscalationRow.state == TrackState.active, EscalationRow.due_at <= now)
            .order_by(EscalationRow.due_at, EscalationRow.id)
            .limit(limit)
        )
        return [(escalation_id, token) for escalation_id, token in self.session.execute(query)]

    def next_due_at(self) -> datetime | None:
        query = (
            select(EscalationRow.due_at)
            .where(EscalationRow.state == TrackState.active, EscalationRow.due_at.is_not(None))
            .order_by(EscalationRow.due_at)
            .limit(1)
        )
        return self.session.scalars(query).first()
