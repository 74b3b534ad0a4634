"""Organisation versions: each one put in force, stored once, so every engine of a deployment follows
the newest; and the duty overrides made at run time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from warning.store.models import (
    DutyOverrideRow,
    OrganisationVersionRow,
)
from warning.store.repository.part import TransactionPart


class OrganisationsTx(TransactionPart):
    def store_organisation(self, version: str, document: dict[str, Any], source: str, now: datetime) -> bool:
        """Make this organisation version the newest; False when it already is (nothing changed).
        Going back to an earlier version stores it again, so the newest row is always the one in force."""
        latest = self.latest_organisation()
        if latest is not None and latest.version == version:
            return False
        self.session.add(OrganisationVersionRow(version=version, source=source, document=document, loaded_at=now))
        self.session.flush()
        return True

    def latest_organisation_version(self) -> str | None:
        query = select(OrganisationVersionRow.version).order_by(OrganisationVersionRow.seq.desc()).limit(1)
        return self.session.scalars(query).first()

    def latest_organisation(self) -> OrganisationVersionRow | None:
        query = select(OrganisationVersionRow).order_by(OrganisationVersionRow.seq.desc()).limit(1)
        return self.session.scalars(query).first()

    def add_duty_override(self, row: DutyOverrideRow) -> DutyOverrideRow:
        self.session.add(row)
        self.session.flush()
        return row

    def duty_override(self, override_id: int) -> DutyOverrideRow | None:
        return self.session.get(DutyOverrideRow, override_id, with_for_update=True)

    def duty_overrides_ending_after(self, moment: datetime) -> list[DutyOverrideRow]:
        """Overrides in force at `moment` or still to come, in the order they were made."""
        query = select(DutyOverrideRow).where(DutyOverrideRow.ends_at > moment).order_by(DutyOverrideRow.id)
        return list(self.session.scalars(query))
