"""Readings in: a batch decoded, stored and judged in one transaction, each reading deciding as it
would alone; detections applied to incidents, compounds judged, quality gates and dead letters
recorded, and escalation started or re-decided on every change."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warning.catalogue import local_name
from warning.decisions.events import (
    InputDeadLettered,
    QualityGateFailed,
    QualityGatePassed,
    ReadingsRedelivered,
)
from warning.domain import (
    DeadLetter,
    Detection,
    Level,
    NotificationPurpose,
    Reading,
)
from warning.engine.parts import EngineParts
from warning.errors import EvaluationError, ReadingRejected, WriteConflict
from warning.incidents.service import Change, IncidentChanged, apply_detection, merge_causes
from warning.rulebook.compound import MemberWarning, compound_key, judge_compound
from warning.rulebook.content import compound_content
from warning.rulebook.evaluator import GateChanged
from warning.store.models import IncidentRow
from warning.store.repository import Transaction

log = logging.getLogger(__name__)

CONFLICT_ATTEMPTS = 3
REDELIVERIES_NAMED = 20  # reading ids a redelivery decision names; it counts them all

Payload = bytes | str | dict[str, Any]


@dataclass(frozen=True, slots=True)
class Arrival:
    """One payload of a batch: where it came from, and the reading it decoded to or why it could not."""

    source: str
    verdict: Reading | ReadingRejected
    payload: Payload = ""  # as it came, kept in the dead letter of a rejected one


class _OpenLevels:
    """The open incidents' levels a batch is judged against: for a batch, read in one query (and
    again after a reading changed an incident); for one reading, only the keys it asks about."""

    def __init__(self, tx: Transaction, *, whole: bool) -> None:
        self._tx, self._whole = tx, whole
        self._known: dict[str, Level | None] = dict(tx.open_levels()) if whole else {}

    def get(self, key: str) -> Level | None:
        if self._whole:
            return self._known.get(key)
        if key not in self._known:
            self._known[key] = self._tx.current_level(key)
        return self._known[key]

    def changed(self) -> None:
        self._known = dict(self._tx.open_levels()) if self._whole else {}


class Intake(EngineParts):
    def ingest_payload(self, payload: Payload, source: str) -> Reading | None:
        """Decode and ingest one feed payload; bad input becomes a dead letter and returns None."""
        (verdict,) = self.ingest_payloads([(source, payload)])
        return verdict if isinstance(verdict, Reading) else None

    def ingest_payloads(
        self, payloads: Sequence[tuple[str, Payload | ReadingRejected]]
    ) -> list[Reading | ReadingRejected]:
        """Decode and ingest a batch of (source, payload) in one transaction, in order: each reading
        decides exactly as it would alone, and each bad payload is dead-lettered where it stands (one
        a feed adapter refused already comes as a ReadingRejected). Returns each payload's reading,
        or why it was refused."""
        now = self.clock.now()
        raw = [payload for _, payload in payloads]
        if len(raw) > 1 and all(isinstance(payload, bytes) for payload in raw):
            verdicts = self.decoder.decode_many(raw, now)  # type: ignore[arg-type]  # all bytes, checked
        else:
            verdicts = [self._verdict(payload, now) for payload in raw]
        self._ingest([
            Arrival(source, verdict, payload.payload if isinstance(payload, ReadingRejected) else payload)
            for (source, payload), verdict in zip(payloads, verdicts, strict=True)
        ])  # fmt: skip
        return verdicts

    def _verdict(self, payload: Payload | ReadingRejected, now: datetime) -> Reading | ReadingRejected:
        if isinstance(payload, ReadingRejected):
            return payload
        try:
            return self.decoder.decode(payload, now)
        except ReadingRejected as rejected:
            return rejected

    def dead_letter(self, source: str, payload: Payload, reason: str) -> None:
        with self._lock, self.store.transaction() as tx:
            self._record_dead_letter(tx, source, payload, reason, self.clock.now())

    def _record_dead_letter(self, tx: Transaction, source: str, payload: Payload, reason: str, now: datetime) -> None:
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
        tx.add_dead_letter(DeadLetter(source=source, payload=text, reason=reason, received_at=now))
        tx.record(now, InputDeadLettered(source=source, reason=reason))
        log.warning("dead letter from %s: %s", source, reason)

    def ingest(self, reading: Reading, *, source: str = "direct") -> None:
        """Evaluate one reading; idempotent for redeliveries (same reading id)."""
        self._ingest([Arrival(source, reading)])

    def _ingest(self, arrivals: Sequence[Arrival]) -> None:
        decided = False
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            try:
                decided = self._decide_on(arrivals)
                break
            except WriteConflict:
                # Another worker opened the incident or took a reading first; deciding again
                # sees its write and does the right thing (update it, or ignore the redelivery).
                if attempt == CONFLICT_ATTEMPTS:
                    raise
        # Most readings change nothing: no page to send, no earlier wake-up to arm (a sensor's
        # silence deadline only moves later), so the sending and re-arming round trip is skipped.
        if decided:
            self._after_decisions()

    def _decide_on(self, arrivals: Sequence[Arrival]) -> bool:
        """Evaluate and record a batch in one transaction; True when an incident may have changed.
        New readings are stored, and redeliveries found, with one statement."""
        now = self.clock.now()
        with self._lock, self.store.transaction() as tx:
            readings = [arrival.verdict for arrival in arrivals if isinstance(arrival.verdict, Reading)]
            fresh = tx.claim_readings(readings, now)
            claimed: set[str] = set()
            levels, decided, redelivered = _OpenLevels(tx, whole=len(readings) > 1), False, list[str]()
            started = time.perf_counter()  # for the evaluation-time figure only; decisions use the engine clock
            for arrival in arrivals:
                if isinstance(arrival.verdict, ReadingRejected):
                    self._record_dead_letter(tx, arrival.source, arrival.payload, arrival.verdict.reason, now)
                    continue
                reading = arrival.verdict
                if reading.reading_id not in fresh or reading.reading_id in claimed:  # stored before, or earlier here
                    redelivered.append(reading.reading_id)
                    # Judged by another worker before its area came here: our windows still want it.
                    self.evaluator.prime([reading])
                    continue
                claimed.add(reading.reading_id)
                try:
                    evaluation = self.evaluator.evaluate(reading, levels.get)
                except EvaluationError as exc:
                    tx.unmark_reading(reading.reading_id)  # a redelivery is tried again
                    self._record_dead_letter(tx, arrival.source, reading.model_dump_json(),
                                             f"evaluation failed: {exc}", now)  # fmt: skip
                    continue
                for gate in evaluation.gate_changes:
                    self._record_gate(tx, gate, now)
                if evaluation.detections:
                    changes = [self._apply(tx, detection, now) for detection in evaluation.detections]
                    changes += self._judge_compounds(tx, now)
                    self._react(tx, changes, now)
                    levels.changed()
                    decided = True
            if redelivered:  # one decision per batch: a feed replaying its backlog is thousands of them
                tx.record(now, ReadingsRedelivered(count=len(redelivered), readings=redelivered[:REDELIVERIES_NAMED]))
            if self.metrics is not None and claimed:
                self.metrics.evaluated(time.perf_counter() - started, len(claimed))
            return decided

    def _apply(
        self, tx: Transaction, detection: Detection, now: datetime, title: str | None = None
    ) -> IncidentChanged | None:
        """Move the detection's cause and incident; escalation follows once the reading has decided
        everything (a compound may gather the incident first)."""
        if title is None:
            rule = self.evaluator.rules[detection.rule_id]
            title = f"Sensor silent: {detection.station_name}" if detection.no_data else rule.spec.title
        return apply_detection(tx, detection, now, group=self._group_of(tx, detection), exercise=self.exercise,
                               title=title)  # fmt: skip

    def _group_of(self, tx: Transaction, detection: Detection) -> str:
        """The group key whose open incident a detection joins: an open compound incident of its area
        gathering this rule's warnings, else the rule's own grouping; a station's silence stands alone."""
        if detection.no_data:
            return detection.key
        for compound in self.evaluator.compounds.values():
            if compound.spec.attach_members and detection.rule_id in compound.spec.members:
                key = compound_key(compound.id, detection.area)
                if tx.open_incident(key) is not None:
                    return key
        rule = self.evaluator.rules.get(detection.rule_id)
        return rule.group_key(detection.station_id, detection.area) if rule is not None else detection.key

    def _rule_titles(self) -> dict[str, dict[str, str]]:
        """The member rules' titles by language, for a compound's reasons."""
        return {rule.id: local_name(rule.spec.title, rule.spec.title_zh) for rule in self.evaluator.rules.values()}

    def _member_warnings(self, tx: Transaction) -> dict[str, list[MemberWarning]]:
        """Open causes of every compound member rule, by area."""
        members = {member for compound in self.evaluator.compounds.values() for member in compound.spec.members}
        by_area: dict[str, list[MemberWarning]] = {}
        for cause, incident in tx.open_causes_of(members):
            warning = MemberWarning(cause.rule_id, cause.area, Level(cause.level), cause.opened_at, incident.code)
            by_area.setdefault(cause.area, []).append(warning)
        return by_area

    def _judge_compounds(self, tx: Transaction, now: datetime) -> list[IncidentChanged | None]:
        """Open, change or lift compound warnings from the member warnings now open, area by area; a
        compound that attaches its members gathers their open causes into its incident."""
        compounds = self.evaluator.compounds
        if not compounds:
            return []
        tx.session.flush()
        by_area = self._member_warnings(tx)
        areas = set(by_area) | {cause.area for cause, _ in tx.open_causes_of(list(compounds))}
        changes: list[IncidentChanged | None] = []
        for compound in compounds.values():
            for area in sorted(areas):
                verdict = judge_compound(compound, by_area.get(area, []), now, self._rule_titles())
                key = compound_key(compound.id, area)
                current = tx.current_level(key)
                if verdict.level != current:
                    detection = Detection(
                        rule_id=compound.id, rule_version=compound.version, hazard=compound.hazard, key=key,
                        station_id=f"area:{area}", station_name=compound.spec.title, area=area, level=verdict.level,
                        previous_level=current, reading=None, thresholds=(), reason=verdict.reason,
                        signal_value=None, content=compound_content(compound, verdict.level, current, verdict.reasons),
                    )  # fmt: skip
                    changes.append(apply_detection(tx, detection, now, group=key, exercise=self.exercise,
                                                   title=compound.spec.title))  # fmt: skip
                gathering = tx.open_incident(key, for_update=True) if compound.spec.attach_members else None
                if gathering is not None:
                    members = [cause for cause, _ in tx.open_causes_of(compound.spec.members) if cause.area == area]
                    changes += merge_causes(tx, members, gathering, now)
        return changes

    def _next_compound_due(self) -> datetime | None:
        if not any(c.spec.match == "absence" for c in self.evaluator.compounds.values()):
            return None
        now = self.clock.now()
        with self.store.transaction() as tx:
            by_area = self._member_warnings(tx)
        due = [
            verdict.due_at
            for compound in self.evaluator.compounds.values()
            for warnings in by_area.values()
            if (verdict := judge_compound(compound, warnings, now)).due_at is not None
        ]
        return min(due, default=None)

    def _record_gate(self, tx: Transaction, gate: GateChanged, now: datetime) -> None:
        reading = gate.reading.reading_id
        if gate.failing:
            failed = QualityGateFailed(rule=gate.rule_id, station=gate.station_id, problems=list(gate.problems),
                                       reading=reading, blocks=gate.blocks)  # fmt: skip
            tx.record(now, failed)
        else:
            tx.record(now, QualityGatePassed(rule=gate.rule_id, station=gate.station_id, reading=reading))

    def _react(self, tx: Transaction, changes: Sequence[IncidentChanged | None], now: datetime) -> None:
        """Escalate on what one reading did to each incident, taken together: opened (and moved on
        since) is opened at the level it reached; merged into a compound stops paging there."""
        net: dict[int, tuple[IncidentRow, Change, Level | None]] = {}
        for changed in changes:
            if changed is None:
                continue
            prior = net.get(changed.incident.id)
            change, from_level = changed.change, changed.from_level
            if prior is not None:
                # The end (lifted, merged) wins; a level move wins over a cause alone; the start stays.
                ends = change in (Change.lifted, Change.merged)
                change = change if ends or prior[1] is Change.causes else prior[1]
                from_level = prior[2]
            net[changed.incident.id] = (changed.incident, change, from_level)
        for incident, change, from_level in net.values():
            self._escalate(tx, incident, change, from_level, now)

    def _escalate(
        self, tx: Transaction, incident: IncidentRow, change: Change, from_level: Level | None, now: datetime
    ) -> None:
        if change is Change.opened:
            self.escalation.start(tx, incident, now)
        elif change is Change.merged:
            self.escalation.stop(tx, incident, "merged", now)
        elif change is Change.lifted:
            self.escalation.stop(tx, incident, "lifted", now)
            self.escalation.inform_paged(tx, incident, NotificationPurpose.lifted, now)
        elif change is Change.causes or from_level is None or Level(incident.level) == from_level:
            self.escalation.causes_changed(tx, incident, now)
        else:
            self.escalation.level_changed(tx, incident, Level(incident.level).rank > from_level.rank, now)
            self.escalation.inform_paged(tx, incident, NotificationPurpose.update, now)
