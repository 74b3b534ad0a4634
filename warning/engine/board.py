"""The dispatcher's board: every incident with its escalation tracks and any silence covering it."""

from __future__ import annotations

from warning.domain import (
    Incident,
    IncidentStatus,
)
from warning.engine.parts import EngineParts


class Board(EngineParts):
    def board(self) -> list[Incident]:
        """Every incident, newest last, as the dispatcher's board shows it."""
        board, now = [], self.clock.now()
        with self.store.transaction() as tx:
            for row in tx.all_incidents():
                tracks = [{"policy": t.policy_id, "department_kind": t.policy["department_kind"], "state": t.state,
                           "department": t.department_id, "acknowledged_by": t.acknowledged_by or ""}
                          for t in tx.escalations_of(row.id)]  # fmt: skip
                silence = tx.silence_for(row, now) if row.status != IncidentStatus.lifted else None
                extra = {"escalations": tracks, "silenced": silence.describe() if silence else None}
                board.append(Incident.model_validate(row).model_copy(update=extra))
        return board
