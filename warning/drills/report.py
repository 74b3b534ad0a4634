"""Plain-words output of a drill: the timeline, and a closing account of what happened and why."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, tzinfo
from typing import Any

from warning.decisions.events import (
    AcknowledgementRefusedEvent,
    CauseAdded,
    CauseChanged,
    CauseCleared,
    DrillGuardBlocked,
    EscalationExhausted,
    EscalationReevaluated,
    EscalationStarted,
    EscalationStepTaken,
    Event,
    HandedOver,
    IncidentAcknowledged,
    IncidentDowngraded,
    IncidentLifted,
    IncidentMerged,
    IncidentOpened,
    IncidentReopened,
    IncidentUpgraded,
    InputDeadLettered,
    NotificationFailed,
    NotificationSent,
    NotificationStatusChanged,
    QuorumProgressed,
    SuperiorInformed,
    decision_from,
)
from warning.decisions.render import summary
from warning.drills.expectations import span_text
from warning.drills.injects import in_language
from warning.drills.runner import DrillResult

_LABELS = {
    "reading": "reading",
    "incident_opened": "WARNING",
    "incident_upgraded": "UPGRADE",
    "incident_downgraded": "DOWNGRADE",
    "incident_lifted": "LIFTED",
    "cause_added": "CAUSE+",
    "cause_changed": "cause",
    "cause_cleared": "cause-",
    "incident_merged": "MERGED",
    "incident_acknowledged": "ACK",
    "quorum_progressed": "ack-part",
    "incident_reopened": "REOPENED",
    "escalation_reevaluated": "re-decide",
    "superior_informed": "inform",
    "handed_over": "HANDOVER",
    "escalation_started": "policy",
    "escalation_step_taken": "escalate",
    "escalation_stopped": "stop",
    "escalation_exhausted": "EXHAUSTED",
    "notification_sent": "sent",
    "notification_status_changed": "status",
    "notification_failed": "FAILED",
    "drill_guard_blocked": "BLOCKED",
    "input_dead_lettered": "dead-letter",
    "acknowledgement_refused": "REFUSED",
}


def _offset(start: datetime, at: datetime) -> str:
    minutes = int((at - start).total_seconds() // 60)
    seconds = int((at - start).total_seconds() % 60)
    return f"T+{minutes // 60:02d}:{minutes % 60:02d}" + (f":{seconds:02d}" if seconds else "   ")


def timeline_lines(result: DrillResult) -> list[str]:
    start = result.scenario.start
    zone: tzinfo | None = start.tzinfo
    lines = []
    for entry in result.timeline:
        local = entry.at.astimezone(zone).strftime("%H:%M:%S")
        label = _LABELS.get(entry.kind, entry.kind)
        lines.append(f"{_offset(start, entry.at)}  {local}  {label:<11} {entry.summary}")
    return lines


def _threshold_text(threshold: dict[str, Any]) -> str:
    if threshold.get("above") is not None:
        return f"{threshold['level']} at {threshold['above']:g} (clears below {threshold['clear_below']:g})"
    return f"{threshold['level']} at or below {threshold['below']:g} (clears above {threshold['clear_above']:g})"


# What the after-action account tells of each warning, besides its opening: whatever a dispatcher
# would ask about afterwards (a delivered page's status is not news; a failed one is).
_TOLD = (
    CauseChanged,
    CauseCleared,
    IncidentMerged,
    IncidentUpgraded,
    IncidentDowngraded,
    IncidentLifted,
    EscalationStarted,
    EscalationStepTaken,
    NotificationSent,
    IncidentAcknowledged,
    QuorumProgressed,
    IncidentReopened,
    EscalationReevaluated,
    SuperiorInformed,
    HandedOver,
    EscalationExhausted,
    DrillGuardBlocked,
    AcknowledgementRefusedEvent,
    NotificationFailed,
)


def narrative_lines(result: DrillResult) -> list[str]:
    """What happened, incident by incident, and why: the dispatcher's after-action view."""
    zone = result.scenario.start.tzinfo
    by_incident: dict[str, list[tuple[str, Event]]] = defaultdict(list)
    loose: list[tuple[str, Event]] = []
    for decision in result.decisions:
        entry = (decision["at"], decision_from(decision["data"]))
        (by_incident[decision["incident"]] if decision["incident"] else loose).append(entry)

    def clock(at: str) -> str:
        return datetime.fromisoformat(at).astimezone(zone).strftime("%H:%M")

    names = result.names
    lines: list[str] = []
    for code, decisions in by_incident.items():
        lines.append(f"Warning {code}:")
        for at, event in decisions:
            if isinstance(event, IncidentOpened | CauseAdded):
                evidence = event.evidence
                thresholds = ", ".join(_threshold_text(t) for t in evidence.thresholds)
                if isinstance(event, IncidentOpened):
                    lines.append(f"  {clock(at)} opened because {evidence.reason}.")
                else:
                    lines.append(f"  {clock(at)} another cause joined ({event.level.value}): {evidence.reason}.")
                lines.append(
                    f"        Rule {evidence.rule} (version {evidence.rule_version}), thresholds: {thresholds}."
                )
            elif isinstance(event, EscalationStepTaken):
                lines.append(f"  {clock(at)} {summary(event, 'en', names).split(': ', 1)[1]}.")
            elif isinstance(event, _TOLD) or (
                isinstance(event, NotificationStatusChanged) and event.status not in ("delivered", "completed")
            ):
                lines.append(f"  {clock(at)} {summary(event, 'en', names)}.")
    for at, event in loose:
        if isinstance(event, InputDeadLettered):
            lines.append(f"Input set aside at {clock(at)}: {event.reason}")
    if not by_incident:
        lines.append("No warning was raised.")
    return lines


def score_lines(result: DrillResult) -> list[str]:
    """Each expectation with its verdict, the time measured and what decided it."""
    lines = []
    for score in result.scores:
        spec = score.expectation
        measured = f" ({span_text(score.measured)})" if score.measured is not None else ""
        lines.append(f"{spec.id:<5} {score.verdict.value.upper():<15} {in_language(spec.objective, 'en')}{measured}")
        lines.append(f"      {score.detail}")
    if result.scores:
        met = sum(score.verdict.value == "met" for score in result.scores)
        lines.append(f"{met} of {len(result.scores)} met, {len(result.missed)} missed, "
                     f"{len(result.scores) - met - len(result.missed)} not applicable")  # fmt: skip
    return lines
