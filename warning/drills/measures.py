"""What an after-action report measures, read from a drill's decision log: each warning's levels over
time, each department's pages and acknowledgement (the escalation chart), times to acknowledge by
department and tier, MTTD / MTTA / MTTR, and the messages each person got against the carrier budgets.

Definitions (the report prints them):
- time to detect: from the first reading at or over a threshold to the warning (or the cause) it
  opened, for causes judged on a reading's own value; a rate or a window has no single first reading.
- time to acknowledge: from a department's first page about a warning to its first acknowledgement.
- MTTA: from a warning's opening to its first acknowledgement, by anyone, averaged over warnings.
- MTTR: from a warning's opening to its lifting, averaged over the warnings lifted in the drill.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import mean
from typing import Any

from warning.areas import level_of
from warning.decisions.events import (
    CauseAdded,
    EscalationReevaluated,
    EscalationStepTaken,
    Event,
    IncidentAcknowledged,
    IncidentCreated,
    IncidentDowngraded,
    IncidentLifted,
    IncidentOpened,
    IncidentRelevelled,
    IncidentUpgraded,
    NotificationSent,
    QuorumProgressed,
    decision_from,
)
from warning.dispatch.budget import CarrierBudget
from warning.domain import Level


@dataclass(frozen=True, slots=True)
class LevelSpan:
    level: Level
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Page:
    at: datetime
    person: str
    channel: str
    purpose: str


@dataclass
class Track:
    """One department's part in one warning: when it was first paged, every message, its acknowledgement."""

    incident: str
    department: str
    tier: str  # district, city, province ...
    first_paged: datetime
    pages: list[Page] = field(default_factory=list)
    acknowledged: datetime | None = None
    acknowledged_by: str | None = None
    # Below the quorum level one department's acknowledgement settles every track of the warning.
    settled: datetime | None = None

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        return self.acknowledged - self.first_paged if self.acknowledged is not None else None


@dataclass(frozen=True, slots=True)
class Detection:
    incident: str
    rule: str
    station: str
    crossed: datetime  # the first reading at or over the threshold, in the run that led to it
    detected: datetime

    @property
    def took(self) -> timedelta:
        return self.detected - self.crossed


@dataclass
class WarningMeasure:
    code: str
    hazard: str
    opened: datetime
    first_level: Level
    lifted: datetime | None = None
    acknowledged: datetime | None = None
    spans: list[LevelSpan] = field(default_factory=list)
    # The stations it was judged on, with every threshold of its value-judged causes.
    thresholds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PersonLoad:
    person: str
    sms: int
    voice: int
    busiest_voice_hour: int
    busiest_voice_day: int
    most_identical_sms_day: int


@dataclass
class Measures:
    warnings: list[WarningMeasure]
    tracks: list[Track]
    detections: list[Detection]
    loads: list[PersonLoad]
    budget: CarrierBudget

    @property
    def mtta(self) -> timedelta | None:
        return _mean([w.acknowledged - w.opened for w in self.warnings if w.acknowledged is not None])

    @property
    def mttr(self) -> timedelta | None:
        return _mean([w.lifted - w.opened for w in self.warnings if w.lifted is not None])

    @property
    def mttd(self) -> timedelta | None:
        return _mean([d.took for d in self.detections])

    def acknowledgement_by(self, key: str) -> dict[str, timedelta | None]:
        """Mean time to acknowledge per `department` or per `tier` (None: paged, never acknowledged)."""
        grouped: dict[str, list[timedelta | None]] = defaultdict(list)
        for track in self.tracks:
            grouped[getattr(track, key)].append(track.time_to_acknowledge)
        return {name: _mean([t for t in times if t is not None]) for name, times in grouped.items()}


def _mean(spans: Sequence[timedelta]) -> timedelta | None:
    return timedelta(seconds=mean(span.total_seconds() for span in spans)) if spans else None


def measure(
    decisions: Sequence[dict[str, Any]],
    department_of: dict[str, str],
    area_of_department: dict[str, str],
    series: dict[str, list[tuple[datetime, float]]],
    budget: CarrierBudget,
    end: datetime,
) -> Measures:
    warnings: dict[str, WarningMeasure] = {}
    tracks: dict[tuple[str, str], Track] = {}
    detections: list[Detection] = []
    sent: list[tuple[datetime, NotificationSent]] = []
    settled: dict[str, list[datetime]] = defaultdict(list)  # incident -> when it was acknowledged as a whole
    for row in decisions:
        at, event = datetime.fromisoformat(row["at"]), decision_from(row["data"])
        if isinstance(event, IncidentOpened | IncidentCreated):
            warnings[event.incident] = WarningMeasure(event.incident, event.hazard, at, event.level,
                                                      spans=[LevelSpan(event.level, at, end)])  # fmt: skip
        warning = warnings.get(row["incident"] or "")
        if warning is None:
            continue
        _follow_level(warning, event, at)
        if isinstance(event, IncidentOpened | CauseAdded):
            detection = _detection(warning, event, at, series)
            if detection is not None:
                detections.append(detection)
        elif isinstance(event, EscalationStepTaken | EscalationReevaluated) and event.paged:
            key = (warning.code, event.department)
            if key not in tracks:
                tier = level_of(area_of_department.get(event.department, "000000"))
                tracks[key] = Track(warning.code, event.department, tier, at)
        elif isinstance(event, NotificationSent):
            sent.append((at, event))
            track = tracks.get((warning.code, department_of.get(event.person, "")))
            if track is not None:
                track.pages.append(Page(at, event.person, event.channel.value, event.purpose.value))
        elif isinstance(event, IncidentAcknowledged | QuorumProgressed):
            warning.acknowledged = warning.acknowledged or at
            if isinstance(event, IncidentAcknowledged):
                settled[warning.code].append(at)
            track = tracks.get((warning.code, department_of.get(event.person, "")))
            if track is not None and track.acknowledged is None:
                track.acknowledged, track.acknowledged_by = at, event.person
    for track in tracks.values():
        if track.acknowledged is None:
            track.settled = next((at for at in settled[track.incident] if at >= track.first_paged), None)
    return Measures(list(warnings.values()), list(tracks.values()), detections, _loads(sent), budget)


def _follow_level(warning: WarningMeasure, event: Event, at: datetime) -> None:
    if isinstance(event, IncidentUpgraded | IncidentDowngraded | IncidentRelevelled):
        last = warning.spans[-1]
        warning.spans[-1] = LevelSpan(last.level, last.start, at)
        warning.spans.append(LevelSpan(event.level, at, last.end))
    elif isinstance(event, IncidentLifted) or event.kind == "incident_closed":
        last = warning.spans[-1]
        warning.spans[-1] = LevelSpan(last.level, last.start, at)
        warning.lifted = at


def _detection(
    warning: WarningMeasure, event: IncidentOpened | CauseAdded, at: datetime,
    series: dict[str, list[tuple[datetime, float]]],
) -> Detection | None:  # fmt: skip
    """How long after its first reading over the threshold a value-judged cause was raised."""
    evidence = event.evidence
    if not evidence.judged_on_value:
        return None
    warning.thresholds.setdefault(evidence.station, evidence.thresholds)
    above = next((t.get("above") for t in evidence.thresholds if t.get("level") == event.level.value), None)
    if not isinstance(above, int | float):
        return None
    crossed = None
    for observed, value in reversed([point for point in series.get(evidence.station, []) if point[0] <= at]):
        if value < above:
            break
        crossed = observed
    if crossed is None:
        return None
    return Detection(warning.code, evidence.rule, evidence.station, crossed, at)


def busiest(times: Sequence[datetime], window: timedelta) -> slice:
    """The most of these times (in order) that fall within any one `window`, as a slice of them."""
    best, first = slice(0, 0), 0
    for last in range(len(times)):
        while times[last] - times[first] >= window:
            first += 1
        if last + 1 - first > best.stop - best.start:
            best = slice(first, last + 1)
    return best


def _most_within(times: list[datetime], window: timedelta) -> int:
    return len(times[busiest(times, window)])


def _loads(sent: list[tuple[datetime, NotificationSent]]) -> list[PersonLoad]:
    by_person: dict[str, list[tuple[datetime, NotificationSent]]] = defaultdict(list)
    for at, event in sent:
        by_person[event.person].append((at, event))
    loads = []
    for person, messages in sorted(by_person.items()):
        voice = [at for at, event in messages if event.channel.value == "voice"]
        texts: dict[str, list[datetime]] = defaultdict(list)
        for at, event in messages:
            if event.channel.value == "sms":
                texts[event.text].append(at)
        loads.append(PersonLoad(
            person=person, sms=sum(len(times) for times in texts.values()), voice=len(voice),
            busiest_voice_hour=_most_within(voice, timedelta(hours=1)),
            busiest_voice_day=_most_within(voice, timedelta(days=1)),
            most_identical_sms_day=max((_most_within(times, timedelta(days=1)) for times in texts.values()), default=0),
        ))  # fmt: skip
    return loads
