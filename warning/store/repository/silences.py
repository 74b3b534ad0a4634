"""Silences: added, found for an incident, and what waited for one resumed when it ends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from warning.domain import Level
from warning.silences import Silence, Subject, covering
from warning.statuses import PageStatus, TrackState
from warning.store.models import (
    CauseRow,
    EscalationRow,
    IncidentRow,
    NotificationRow,
    SilenceRow,
)
from warning.store.repository.part import TransactionPart


class SilencesTx(TransactionPart):
    def add_silence(self, row: SilenceRow) -> SilenceRow:
        self.session.add(row)
        self.session.flush()
        return row

    def silence(self, silence_id: int) -> SilenceRow | None:
        return self.session.get(SilenceRow, silence_id)

    def silences_ending_after(self, moment: datetime) -> list[SilenceRow]:
        """Silences not over by `moment`: the active ones and those still to come."""
        query = select(SilenceRow).where(SilenceRow.ends_at > moment).order_by(SilenceRow.starts_at, SilenceRow.id)
        return list(self.session.scalars(query))

    def silence_for(self, incident: IncidentRow, now: datetime) -> Silence | None:
        """The active silence covering this warning at its level now (the one ending last), if any."""
        silences = [Silence.model_validate(row) for row in self.silences_ending_after(now)]
        return covering(silences, self.silence_subjects(incident), Level(incident.level), now)

    def silence_subjects(self, incident: IncidentRow) -> list[Subject]:
        """What a silence must cover to cover this warning: each open cause (or, once none stands,
        the warning as it opened)."""
        query = select(CauseRow.area, CauseRow.station_id, CauseRow.rule_id).where(
            CauseRow.incident_id == incident.id, CauseRow.open_key.is_not(None)
        )
        subjects = [Subject(*row) for row in self.session.execute(query).all()]
        return subjects or [Subject(incident.area, incident.station_id, incident.rule_id)]

    def silence_subjects_of_many(self, incidents: list[IncidentRow]) -> dict[int, list[Subject]]:
        """What a silence must cover to cover each of these warnings (see silence_subjects)."""
        found: dict[int, list[Subject]] = {incident.id: [] for incident in incidents}
        if incidents:
            query = select(CauseRow.incident_id, CauseRow.area, CauseRow.station_id, CauseRow.rule_id).where(
                CauseRow.incident_id.in_(list(found)), CauseRow.open_key.is_not(None)
            )
            for incident_id, area, station, rule in self.session.execute(query).all():
                found[incident_id].append(Subject(area, station, rule))
        for incident in incidents:
            found[incident.id] = found[incident.id] or [Subject(incident.area, incident.station_id, incident.rule_id)]
        return found

    def resume_after_silence(self, silence_id: int, now: datetime) -> None:
        """A silence ended early: the tracks and pages waiting for its end are due now."""
        self.session.execute(
            update(EscalationRow)
            .where(EscalationRow.silence_id == silence_id, EscalationRow.state == TrackState.active)
            .values(due_at=now, token=EscalationRow.token + 1)
        )
        self.session.execute(
            update(NotificationRow)
            .where(NotificationRow.silence_id == silence_id, NotificationRow.status == PageStatus.claimed)
            .values(retry_at=now)
        )
