"""Turn detections into incident changes, idempotently by incident key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from warning.decisions.events import (
    Evidence,
    IncidentAcknowledged,
    IncidentDowngraded,
    IncidentLifted,
    IncidentOpened,
    IncidentUpgraded,
)
from warning.domain import Acknowledgement, Detection, IncidentStatus, Level, Person, level_rank
from warning.errors import AcknowledgementRefused
from warning.incidents.lifecycle import IncidentEvent, transition
from warning.store.models import IncidentRow
from warning.store.repository import Transaction


class Change(StrEnum):
    opened = "opened"
    upgraded = "upgraded"
    downgraded = "downgraded"
    lifted = "lifted"


@dataclass(frozen=True, slots=True)
class IncidentChanged:
    incident: IncidentRow
    change: Change
    detection: Detection


def _evidence(detection: Detection) -> Evidence:
    return Evidence(
        rule=detection.rule_id,
        rule_version=detection.rule_version,
        station=detection.station_id,
        reading=detection.reading.model_dump(mode="json") if detection.reading else None,
        no_data=detection.no_data,
        thresholds=[t.model_dump(mode="json") for t in detection.thresholds],
        signal_value=detection.signal_value,
        certainty=detection.certainty,
        quality=list(detection.quality),
        reason=detection.reason,
        message=dict(detection.content.get("text", {})),
    )


def apply_detection(
    tx: Transaction, detection: Detection, now: datetime, *, exercise: bool, title: str
) -> IncidentChanged | None:
    """Open, upgrade, downgrade or lift the incident for the detection's key; record why."""
    incident = tx.open_incident(detection.key, for_update=True)
    evidence = _evidence(detection)
    if incident is None:
        if detection.level is None:
            return None  # nothing open to lift: a stale "clear" for a key already lifted
        incident = tx.add_incident(
            IncidentRow(
                code="pending",
                key=detection.key,
                open_key=detection.key,
                rule_id=detection.rule_id,
                rule_version=detection.rule_version,
                hazard=detection.hazard,
                area=detection.area,
                station_id=detection.station_id,
                title=title,
                reason=detection.reason,
                content=detection.content,
                level=detection.level.value,
                status=IncidentStatus.open.value,
                exercise=exercise,
                opened_at=now,
                updated_at=now,
                acknowledged_by=None,
                acknowledged_at=None,
                lifted_at=None,
            )
        )
        incident.code = f"{detection.hazard[:1].upper()}{incident.id:04d}"
        opened = IncidentOpened(incident=incident.code, level=detection.level, hazard=detection.hazard,
                                area=detection.area, evidence=evidence)  # fmt: skip
        tx.record(now, opened, incident.id)
        return IncidentChanged(incident, Change.opened, detection)

    previous = Level(incident.level)
    incident.reason = detection.reason
    incident.content = detection.content
    incident.updated_at = now
    if detection.level is None:
        status = transition(IncidentStatus(incident.status), IncidentEvent.cleared)
        if status is None:
            return None
        incident.status, incident.open_key, incident.lifted_at = status.value, None, now
        tx.record(now, IncidentLifted(incident=incident.code, from_level=previous, evidence=evidence), incident.id)
        return IncidentChanged(incident, Change.lifted, detection)

    change = Change.upgraded if level_rank(detection.level) > level_rank(previous) else Change.downgraded
    incident.level = detection.level.value
    moved = IncidentUpgraded if change is Change.upgraded else IncidentDowngraded
    tx.record(now, moved(incident=incident.code, from_level=previous, level=detection.level, evidence=evidence),
              incident.id)  # fmt: skip
    return IncidentChanged(incident, change, detection)


def acknowledge(
    tx: Transaction, incident: IncidentRow, person: Person, ack: Acknowledgement, *, quorum: int | None = None
) -> None:
    """Mark the incident acknowledged (the escalation driver has checked who may, and whether a
    quorum of departments is complete). Raises AcknowledgementRefused when it is not awaiting one;
    the caller's transaction then rolls back and the caller records the refusal on its own."""
    status = transition(IncidentStatus(incident.status), IncidentEvent.acknowledged)
    if status is None:
        raise AcknowledgementRefused(f"incident {incident.code} is {incident.status}, not awaiting acknowledgement")
    incident.status, incident.acknowledged_by, incident.acknowledged_at = status.value, person.id, ack.at
    incident.updated_at = ack.at
    acknowledged = IncidentAcknowledged(incident=incident.code, person=person.id, source=ack.source,
                                        acknowledged_at=ack.at, quorum=quorum)  # fmt: skip
    tx.record(ack.at, acknowledged, incident.id)
