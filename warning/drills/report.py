"""Plain-words output of a drill: the timeline, and a closing account of what happened and why."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, tzinfo
from typing import Any

from warning.drills.runner import DrillResult

_LABELS = {
    "reading": "reading",
    "incident_opened": "WARNING",
    "incident_upgraded": "UPGRADE",
    "incident_downgraded": "DOWNGRADE",
    "incident_lifted": "LIFTED",
    "incident_acknowledged": "ACK",
    "quorum_partial": "ack-part",
    "incident_reopened": "REOPENED",
    "escalation_reevaluated": "re-decide",
    "escalation_inform": "inform",
    "handed_over": "HANDOVER",
    "escalation_started": "policy",
    "escalation_step": "escalate",
    "escalation_stopped": "stop",
    "escalation_exhausted": "EXHAUSTED",
    "notification_sent": "sent",
    "notification_status": "status",
    "notification_failed": "FAILED",
    "drill_guard_blocked": "BLOCKED",
    "dead_letter": "dead-letter",
    "ack_refused": "REFUSED",
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


def narrative_lines(result: DrillResult) -> list[str]:
    """What happened, incident by incident, and why: the dispatcher's after-action view."""
    zone = result.scenario.start.tzinfo
    by_incident: dict[str, list[dict[str, Any]]] = defaultdict(list)
    loose: list[dict[str, Any]] = []
    for decision in result.decisions:
        (by_incident[decision["incident"]] if decision["incident"] else loose).append(decision)

    def clock(decision: dict[str, Any]) -> str:
        return datetime.fromisoformat(decision["at"]).astimezone(zone).strftime("%H:%M")

    lines: list[str] = []
    for code, decisions in by_incident.items():
        lines.append(f"Warning {code}:")
        for decision in decisions:
            kind, data = decision["kind"], decision["data"]
            if kind == "incident_opened":
                thresholds = ", ".join(_threshold_text(t) for t in data["thresholds"])
                lines.append(f"  {clock(decision)} opened because {decision['summary'].split(': ', 1)[1]}.")
                lines.append(f"        Rule {data['rule']} (version {data['rule_version']}), thresholds: {thresholds}.")
            elif (
                kind in ("incident_upgraded", "incident_downgraded", "incident_lifted") or kind == "escalation_started"
            ):
                lines.append(f"  {clock(decision)} {decision['summary']}.")
            elif kind == "escalation_step":
                lines.append(f"  {clock(decision)} {decision['summary'].split(': ', 1)[1]}.")
            elif (
                kind == "notification_sent"
                or kind
                in (
                    "incident_acknowledged",
                    "quorum_partial",
                    "incident_reopened",
                    "escalation_reevaluated",
                    "escalation_inform",
                    "handed_over",
                    "escalation_exhausted",
                    "drill_guard_blocked",
                    "ack_refused",
                    "notification_failed",
                )
                or (kind == "notification_status" and data.get("status") not in ("delivered", "completed"))
            ):
                lines.append(f"  {clock(decision)} {decision['summary']}.")
    for decision in loose:
        if decision["kind"] == "dead_letter":
            lines.append(f"Input set aside at {clock(decision)}: {decision['data']['reason']}")
    if not by_incident:
        lines.append("No warning was raised.")
    return lines
