"""The decision log: each typed decision appended with its English summary, and kept for the
transaction's watchers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from warning.decisions.events import Event
from warning.decisions.render import summary
from warning.store.models import (
    DecisionRow,
    IncidentRow,
)
from warning.store.repository.part import TransactionPart


class DecisionsTx(TransactionPart):
    def record(self, at: datetime, event: Event, incident_id: int | None = None) -> DecisionRow:
        """Append a decision to the log: its typed fields, and its English summary rendered from them."""
        row = DecisionRow(at=at, kind=event.kind, summary=summary(event), incident_id=incident_id,
                          data=event.model_dump(mode="json"))  # fmt: skip
        self.session.add(row)
        self.session.flush()
        self.recorded.append(row)
        return row

    def decisions_of(self, incident_id: int) -> list[DecisionRow]:
        """An incident's timeline, in order."""
        query = select(DecisionRow).where(DecisionRow.incident_id == incident_id).order_by(DecisionRow.seq)
        return list(self.session.scalars(query))

    def decisions_with_incident_after(self, seq: int, limit: int) -> list[tuple[DecisionRow, str | None, str | None]]:
        """Decisions after `seq`, in order, each with its incident's code and area (None for one about
        no incident)."""
        query = (
            select(DecisionRow, IncidentRow.code, IncidentRow.area)
            .outerjoin(IncidentRow, IncidentRow.id == DecisionRow.incident_id)
            .where(DecisionRow.seq > seq)
            .order_by(DecisionRow.seq)
            .limit(limit)
        )
        return [(row, code, area) for row, code, area in self.session.execute(query)]

    def last_decision_seq(self) -> int:
        return int(self.session.scalar(select(func.max(DecisionRow.seq))) or 0)
