"""Incident status changes as a transition table, not nested ifs."""

from __future__ import annotations

from enum import StrEnum

from warning.domain import IncidentStatus


class IncidentEvent(StrEnum):
    level_changed = "level_changed"
    acknowledged = "acknowledged"
    cleared = "cleared"
    # An upgrade engaged departments that have not acknowledged yet.
    departments_added = "departments_added"


TRANSITIONS: dict[tuple[IncidentStatus, IncidentEvent], IncidentStatus] = {
    (IncidentStatus.open, IncidentEvent.level_changed): IncidentStatus.open,
    (IncidentStatus.acknowledged, IncidentEvent.level_changed): IncidentStatus.acknowledged,
    (IncidentStatus.open, IncidentEvent.acknowledged): IncidentStatus.acknowledged,
    (IncidentStatus.open, IncidentEvent.cleared): IncidentStatus.lifted,
    (IncidentStatus.acknowledged, IncidentEvent.cleared): IncidentStatus.lifted,
    (IncidentStatus.acknowledged, IncidentEvent.departments_added): IncidentStatus.open,
    (IncidentStatus.open, IncidentEvent.departments_added): IncidentStatus.open,
}


def transition(status: IncidentStatus, event: IncidentEvent) -> IncidentStatus | None:
    """The next status, or None when `event` is not allowed in `status` (e.g. acknowledging twice)."""
    return TRANSITIONS.get((status, event))
