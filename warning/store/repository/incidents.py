"""Incidents: the open one of a key (its level is what readings are judged against), by id or code, and
every one for the board."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from warning.domain import Level
from warning.store.models import (
    IncidentRow,
)
from warning.store.repository.part import TransactionPart


class IncidentsTx(TransactionPart):
    def open_levels(self) -> dict[str, Level]:
        """The level of every open incident, by key: what a batch of readings is judged against."""
        query = select(IncidentRow.open_key, IncidentRow.level).where(IncidentRow.open_key.is_not(None))
        return {str(key): Level(level) for key, level in self.session.execute(query)}

    def open_incident(self, key: str, *, for_update: bool = False) -> IncidentRow | None:
        query = select(IncidentRow).where(IncidentRow.open_key == key)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def current_level(self, key: str) -> Level | None:
        row = self.open_incident(key)
        return Level(row.level) if row is not None else None

    def open_incidents_of(self, rule_ids: Collection[str]) -> list[IncidentRow]:
        """Incidents of these rules (or compounds) not yet lifted, oldest first."""
        query = (
            select(IncidentRow)
            .where(IncidentRow.rule_id.in_(list(rule_ids)), IncidentRow.open_key.is_not(None))
            .order_by(IncidentRow.id)
        )
        return list(self.session.scalars(query))

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
