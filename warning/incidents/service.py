"""Turn detections into incident changes: each detection moves its cause (idempotently by its key),
and each cause its incident (one per group key), whose level is the highest of its open causes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from warning.catalogue import both
from warning.decisions.events import (
    CauseAdded,
    CauseChanged,
    CauseCleared,
    Evidence,
    IncidentAcknowledged,
    IncidentDowngraded,
    IncidentLifted,
    IncidentMerged,
    IncidentOpened,
    IncidentUpgraded,
)
from warning.domain import Acknowledgement, Detection, IncidentStatus, Level, Person
from warning.errors import AcknowledgementRefused, ActionRefused
from warning.incidents.lifecycle import IncidentEvent, transition
from warning.store.models import CauseRow, IncidentRow
from warning.store.repository import Transaction


class Change(StrEnum):
    opened = "opened"
    upgraded = "upgraded"
    downgraded = "downgraded"
    lifted = "lifted"
    causes = "causes"  # a cause joined, moved or cleared; the incident's level stands
    merged = "merged"  # closed into a compound's incident


@dataclass(frozen=True, slots=True)
class IncidentChanged:
    incident: IncidentRow
    change: Change
    from_level: Level | None  # None when it opened


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
        said=dict(detection.content.get("reason", {})),
    )


def _leader(causes: list[CauseRow]) -> CauseRow:
    """The cause an incident speaks for: the highest level, then the latest to change."""
    return max(causes, key=lambda cause: (Level(cause.level).rank, cause.updated_at, cause.id))


def _follow_causes(
    tx: Transaction, incident: IncidentRow, now: datetime, *, rising: Level | None = None
) -> Level | None:
    """Set the incident's level and texts from its open causes; its new level, None when none stands.
    A level set by hand holds until a cause rises (`rising`) above it: new readings, new facts."""
    causes = tx.causes_of(incident.id, open_only=True)
    if not causes:
        return None
    leader = _leader(causes)
    level = Level(leader.level)
    if incident.hand_level is not None:
        if rising is not None and rising.rank > Level(incident.hand_level).rank:
            incident.hand_level = None
        else:
            level = Level(incident.hand_level)
    incident.level = level.value
    incident.title, incident.reason, incident.content = leader.title, leader.reason, leader.content
    incident.updated_at = now
    return level


def apply_detection(
    tx: Transaction, detection: Detection, now: datetime, *, group: str, exercise: bool, title: str
) -> IncidentChanged | None:
    """Move the detection's cause (open, re-level or clear it), and its incident with it: a new cause
    joins the open incident of its group or opens one; the incident's level is the highest of its
    open causes and it is lifted with the last. Every step is recorded with the detection's evidence."""
    evidence = _evidence(detection)
    cause = tx.open_cause(detection.key, for_update=True)
    if cause is None:
        if detection.level is None:
            return None  # nothing open to lift: a stale "clear" for a key already lifted
        incident = tx.open_incident(group, for_update=True)
        opening = incident is None
        if incident is None:
            incident = _open_incident(tx, detection, now, group=group, exercise=exercise, title=title)
        cause = tx.add_cause(CauseRow(
            incident_id=incident.id, key=detection.key, open_key=detection.key, rule_id=detection.rule_id,
            rule_version=detection.rule_version, station_id=detection.station_id, area=detection.area, title=title,
            reason=detection.reason, content=detection.content, level=detection.level.value, opened_at=now,
            updated_at=now, cleared_at=None,
        ))  # fmt: skip
        if opening:
            opened = IncidentOpened(incident=incident.code, level=detection.level, hazard=detection.hazard,
                                    area=detection.area, evidence=evidence)  # fmt: skip
            tx.record(now, opened, incident.id)
            return IncidentChanged(incident, Change.opened, None)
        previous = Level(incident.level)
        level = _follow_causes(tx, incident, now, rising=detection.level)
        assert level is not None  # the new cause stands
        added = CauseAdded(incident=incident.code, level=detection.level, incident_level=level, evidence=evidence)
        tx.record(now, added, incident.id)
        return _level_moved(tx, incident, previous, level, evidence, now)

    incident = tx.incident(cause.incident_id, for_update=True)
    assert incident is not None  # foreign key: a cause always has its incident
    previous, cause_was = Level(incident.level), Level(cause.level)
    cause.reason, cause.content, cause.updated_at = detection.reason, detection.content, now
    if detection.level is None:
        cause.open_key, cause.cleared_at = None, now
        level = _follow_causes(tx, incident, now)
        if level is None:  # the last cause: the warning is lifted, and says why in the rule's words
            incident.reason, incident.content = detection.reason, detection.content
            return _lift(tx, incident, previous, evidence, now)
        left = len(tx.causes_of(incident.id, open_only=True))
        cleared = CauseCleared(incident=incident.code, from_level=cause_was, incident_level=level,
                               causes_left=left, evidence=evidence)  # fmt: skip
        tx.record(now, cleared, incident.id)
        return _level_moved(tx, incident, previous, level, evidence, now)
    cause.level, cause.rule_version = detection.level.value, detection.rule_version
    rose = detection.level.rank > cause_was.rank
    level = _follow_causes(tx, incident, now, rising=detection.level if rose else None)
    assert level is not None
    if level == previous:
        moved = CauseChanged(incident=incident.code, from_level=cause_was, level=detection.level,
                             incident_level=level, evidence=evidence)  # fmt: skip
        tx.record(now, moved, incident.id)
    return _level_moved(tx, incident, previous, level, evidence, now)


def _open_incident(
    tx: Transaction, detection: Detection, now: datetime, *, group: str, exercise: bool, title: str
) -> IncidentRow:
    assert detection.level is not None
    incident = tx.add_incident(
        IncidentRow(
            code="pending", key=group, open_key=group, rule_id=detection.rule_id,
            rule_version=detection.rule_version, hazard=detection.hazard, area=detection.area,
            station_id=detection.station_id, title=title, reason=detection.reason, content=detection.content,
            level=detection.level.value, status=IncidentStatus.open.value, exercise=exercise, opened_at=now,
            updated_at=now, acknowledged_by=None, acknowledged_at=None, lifted_at=None,
        )
    )  # fmt: skip
    incident.code = f"{detection.hazard[:1].upper()}{incident.id:04d}"
    return incident


def _level_moved(
    tx: Transaction, incident: IncidentRow, previous: Level, level: Level, evidence: Evidence, now: datetime
) -> IncidentChanged:
    if level == previous:
        return IncidentChanged(incident, Change.causes, previous)
    change = Change.upgraded if level.rank > previous.rank else Change.downgraded
    moved = IncidentUpgraded if change is Change.upgraded else IncidentDowngraded
    tx.record(now, moved(incident=incident.code, from_level=previous, level=level, evidence=evidence), incident.id)
    return IncidentChanged(incident, change, previous)


def _lift(
    tx: Transaction, incident: IncidentRow, previous: Level, evidence: Evidence, now: datetime
) -> IncidentChanged:
    status = transition(IncidentStatus(incident.status), IncidentEvent.cleared)
    assert status is not None  # an incident with an open cause is open or acknowledged
    incident.status, incident.open_key, incident.lifted_at = status.value, None, now
    incident.updated_at = now
    tx.record(now, IncidentLifted(incident=incident.code, from_level=previous, evidence=evidence), incident.id)
    return IncidentChanged(incident, Change.lifted, previous)


def merge_causes(tx: Transaction, causes: list[CauseRow], into: IncidentRow, now: datetime) -> list[IncidentChanged]:
    """Move open causes of other incidents into `into` (a compound's incident gathering its members):
    an incident left without an open cause is closed into it; one left with others follows them."""
    by_incident: dict[int, list[CauseRow]] = {}
    for cause in causes:
        if cause.incident_id != into.id:
            by_incident.setdefault(cause.incident_id, []).append(cause)
    changes: list[IncidentChanged] = []
    for incident_id, moving in sorted(by_incident.items()):
        source = tx.incident(incident_id, for_update=True)
        assert source is not None
        previous = Level(source.level)
        for cause in moving:
            cause.incident_id = into.id
        merged = IncidentMerged(incident=source.code, into=into.code, causes=[cause.key for cause in moving])
        tx.record(now, merged, source.id)
        level = _follow_causes(tx, source, now)
        if level is None:
            status = transition(IncidentStatus(source.status), IncidentEvent.cleared)
            assert status is not None
            source.status, source.open_key, source.lifted_at = status.value, None, now
            source.merged_into, source.updated_at = into.id, now
            changes.append(IncidentChanged(source, Change.merged, previous))
        elif level != previous:
            changes.append(IncidentChanged(source, Change.downgraded, previous))
    previous = Level(into.level)
    level = _follow_causes(tx, into, now)
    assert level is not None
    if level != previous:
        change = Change.upgraded if level.rank > previous.rank else Change.downgraded
        changes.append(IncidentChanged(into, change, previous))
    return changes


HAND = "hand"  # the rule id of a cause a person stated: a manual incident's report


def open_by_hand(
    tx: Transaction, *, hazard: str, level: Level, area: str, title: str, description: str, station: str | None,
    report: dict[str, Any], by: str, now: datetime, exercise: bool,
) -> IncidentRow:  # fmt: skip
    """A warning a person opened (a hotline report): its one cause is theirs, at the level they set,
    and only a hand lifts it."""
    content: dict[str, Any] = {"text": {"en": description, "zh-CN": description}}
    incident = tx.add_incident(IncidentRow(
        code="pending", key="pending", open_key=None, rule_id=HAND, rule_version="", hazard=hazard, area=area,
        station_id=station or "", title=title, reason=description, content=content, level=level.value,
        status=IncidentStatus.open.value, exercise=exercise, opened_at=now, updated_at=now, acknowledged_by=None,
        acknowledged_at=None, lifted_at=None, hand_level=level.value, report=report, created_by=by,
    ))  # fmt: skip
    incident.code = f"{hazard[:1].upper()}{incident.id:04d}"
    incident.key = incident.open_key = f"{HAND}/{incident.id}"
    tx.add_cause(CauseRow(
        incident_id=incident.id, key=incident.key, open_key=incident.key, rule_id=HAND, rule_version="",
        station_id=station or "", area=area, title=title, reason=description, content=content, level=level.value,
        opened_at=now, updated_at=now, cleared_at=None,
    ))  # fmt: skip
    return incident


def relevel_by_hand(tx: Transaction, incident: IncidentRow, level: Level, now: datetime) -> Level:
    """Set the level by hand; the previous level. A manual incident's own cause follows."""
    previous = Level(incident.level)
    incident.hand_level = incident.level = level.value
    incident.updated_at = now
    for cause in tx.causes_of(incident.id, open_only=True, for_update=True):
        if cause.rule_id == HAND:
            cause.level, cause.updated_at = level.value, now
    return previous


def close_by_hand(tx: Transaction, incident: IncidentRow, now: datetime) -> Level:
    """Clear every cause and lift the incident; the level it had. A sensor still above its threshold
    warns again at its next reading, as a new incident."""
    status = transition(IncidentStatus(incident.status), IncidentEvent.cleared)
    if status is None:
        raise ActionRefused(f"incident {incident.code} is {incident.status} already")
    for cause in tx.causes_of(incident.id, open_only=True, for_update=True):
        cause.open_key, cause.cleared_at, cause.updated_at = None, now, now
    previous = Level(incident.level)
    incident.status, incident.open_key, incident.lifted_at, incident.updated_at = status.value, None, now, now
    return previous


# An incident's status as a refusal names it.
_STATUS_WORDS = {
    status.value: {"en": status.value, "zh-CN": zh}
    for status, zh in (
        (IncidentStatus.open, "待确认"),
        (IncidentStatus.acknowledged, "已确认"),
        (IncidentStatus.lifted, "已解除"),
    )
}


def acknowledge(
    tx: Transaction, incident: IncidentRow, person: Person, ack: Acknowledgement, *, quorum: int | None = None
) -> None:
    """Mark the incident acknowledged (the escalation driver has checked who may, and whether a
    quorum of departments is complete). Raises AcknowledgementRefused when it is not awaiting one;
    the caller's transaction then rolls back and the caller records the refusal on its own."""
    status = transition(IncidentStatus(incident.status), IncidentEvent.acknowledged)
    if status is None:
        status_words = _STATUS_WORDS.get(incident.status, incident.status)
        raise AcknowledgementRefused(both("incident {code} is {status}, not awaiting acknowledgement",
                                          code=incident.code, status=status_words))  # fmt: skip
    incident.status, incident.acknowledged_by, incident.acknowledged_at = status.value, person.id, ack.at
    incident.updated_at = ack.at
    acknowledged = IncidentAcknowledged(incident=incident.code, person=person.id, source=ack.source,
                                        acknowledged_at=ack.at, quorum=quorum, by=ack.by, note=ack.note)  # fmt: skip
    tx.record(ack.at, acknowledged, incident.id)
