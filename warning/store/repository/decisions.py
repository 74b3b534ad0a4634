"""The decision log: each typed decision appended with its English summary, and kept for the
transaction's watchers."""

from __future__ import annotations

from datetime import datetime

from warning.decisions.events import Event
from warning.decisions.render import summary
from warning.store.models import (
    DecisionRow,
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
