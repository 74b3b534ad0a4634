"""What a warning says: CAP 1.2 info fields and the rule's message templates, filled from a detection."""

from __future__ import annotations

from typing import Any

from warning.catalogue import local_name, pick
from warning.domain import Level, Threshold
from warning.rulebook.compiler import CompiledCompound, CompiledRule, CompiledStation
from warning.rulebook.spec import CapSpec

SEVERITY = {Level.red: "Extreme", Level.orange: "Severe", Level.yellow: "Moderate", Level.blue: "Minor"}


def render_content(
    rule: CompiledRule,
    station: CompiledStation,
    *,
    value: float | None,
    unit: str,
    level: Level | None,
    previous: Level | None,
    certainty: str,
    reasons: dict[str, str],
) -> dict[str, Any]:
    """{"cap": {...}, "text": {language: sentence}, "title": {language: the rule's title},
    "reason": {language: why}} for one detection."""
    cap = rule.spec.cap
    judged = level or previous  # a lift is described against the level it leaves
    by_level: dict[Level, Threshold] = {threshold.level: threshold for threshold in station.thresholds}
    threshold = by_level.get(judged) if judged is not None else None
    if threshold is None:
        boundary = None
    elif level is not None:
        boundary = threshold.above if threshold.rising else threshold.below
    else:
        boundary = threshold.clear_below if threshold.rising else threshold.clear_above
    fields = {
        "station": station.spec.name,
        "station_id": station.spec.id,
        "area": station.spec.area,
        "value": f"{value:.3g}" if value is not None else "",
        "unit": unit.strip(),
        "threshold": f"{boundary:g}" if boundary is not None else "",
    }
    texts = {
        language: template.format(
            **{**fields, "station": _station_name(station, language)},
            level=_level_name(judged, language),
            reason=pick(reasons, language),
            title=pick(local_name(rule.spec.title, rule.spec.title_zh), language),
        )
        for language, template in rule.spec.messages.items()
    }
    return {
        "cap": cap_fields(cap, rule.spec.title, level, previous, certainty),
        "text": texts,
        "title": local_name(rule.spec.title, rule.spec.title_zh),
        "reason": reasons,
    }


def compound_content(
    compound: CompiledCompound, level: Level | None, previous: Level | None, reasons: dict[str, str]
) -> dict[str, Any]:
    return {
        "cap": cap_fields(compound.spec.cap, compound.spec.title, level, previous, "Observed"),
        "text": {},
        "title": local_name(compound.spec.title, compound.spec.title_zh),
        "reason": reasons,
    }


def cap_fields(cap: CapSpec, title: str, level: Level | None, previous: Level | None, certainty: str) -> dict[str, Any]:
    """CAP 1.2 info fields; a lift (level None) is Past and AllClear, at the severity it leaves."""
    judged = level or previous
    return {
        "event": cap.event or title,
        "category": cap.category,
        "urgency": cap.urgency if level is not None else "Past",
        "severity": cap.severity or (SEVERITY[judged] if judged is not None else "Unknown"),
        "certainty": certainty,
        "responseType": list(cap.response_type) if level is not None else ["AllClear"],
        "instruction": dict(cap.instruction),
    }


def _station_name(station: CompiledStation, language: str) -> str:
    return station.spec.name_zh if language == "zh-CN" and station.spec.name_zh else station.spec.name


def _level_name(level: Level | None, language: str) -> str:
    if level is None:
        return ""
    return level.zh if language == "zh-CN" else level.value
