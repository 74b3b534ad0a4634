"""Incidents and their causes: the open cause of a detection key (its level is what readings are
judged against), the open incident of a group key, by id or code, and every one for the board."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from warning.domain import Level
from warning.store.models import (
    CauseRow,
    IncidentRow,
)
from warning.store.repository.part import TransactionPart


class IncidentsTx(TransactionPart):
    def open_levels(self) -> dict[str, Level]:
        """The level of every open cause, by detection key: what a batch of readings is judged against."""
        query = select(CauseRow.open_key, CauseRow.level).where(CauseRow.open_key.is_not(None))
        return {str(key): Level(level) for key, level in self.session.execute(query)}

    def open_incident(self, group_key: str, *, for_update: bool = False) -> IncidentRow | None:
        query = select(IncidentRow).where(IncidentRow.open_key == group_key)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def open_cause(self, key: str, *, for_update: bool = False) -> CauseRow | None:
        query = select(CauseRow).where(CauseRow.open_key == key)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def current_level(self, key: str) -> Level | None:
        """The level of the open cause of a detection key, if any."""
        row = self.open_cause(key)
        return Level(row.level) if row is not None else None

    def causes_of(self, incident_id: int, *, open_only: bool = False, for_update: bool = False) -> list[CauseRow]:
        """An incident's causes, in the order they joined."""
        query = select(CauseRow).where(CauseRow.incident_id == incident_id).order_by(CauseRow.id)
        if open_only:
            query = query.where(CauseRow.open_key.is_not(None))
        if for_update:
            query = query.with_for_update()
        return list(self.session.scalars(query))

    def add_cause(self, row: CauseRow) -> CauseRow:
        self.session.add(row)
        self.session.flush()
        return row

    def open_causes_of(self, rule_ids: Collection[str]) -> list[tuple[CauseRow, IncidentRow]]:
        """Open causes of these rules (or compounds), each with its incident, oldest first."""
        query = (
            select(CauseRow, IncidentRow)
            .join(IncidentRow, IncidentRow.id == CauseRow.incident_id)
            .where(CauseRow.rule_id.in_(list(rule_ids)), CauseRow.open_key.is_not(None))
            .order_by(CauseRow.id)
        )
        return [(cause, incident) for cause, incident in self.session.execute(query).all()]

    def incident(self, incident_id: int, *, for_update: bool = False) -> IncidentRow | None:
        return self.session.get(IncidentRow, incident_id, with_for_update=for_update)

    def incident_by_code(self, code: str) -> IncidentRow | None:
        return self.session.scalars(select(IncidentRow).where(IncidentRow.code == code.upper())).first()

    def add_incident(self, row: IncidentRow) -> IncidentRow:
        self.session.add(row)
        self.session.flush()
        return row

    def all_incidents(self) -> list[IncidentRow]:
        return list(self.session.scalars(select(IncidentRow).order_by(IncidentRow.id)))
