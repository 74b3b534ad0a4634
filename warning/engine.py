"""The engine: one transport-agnostic entry point for readings, wake-ups and acknowledgements.

The in-process driver (drills, the demo, `warning run`) and the faust workers call the same
methods. Decisions are made under one lock per process and committed with their effects; sends
happen after the commit and outside the lock, because a provider may call our webhooks back while
we wait for it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sensors.decode import ReadingDecoder
from warning.clock import Clock
from warning.decisions.events import (
    AcknowledgementRefusedEvent,
    HandoverRefused,
    InputDeadLettered,
    NotificationExpired,
    OrganisationLoaded,
    OrganisationReloadRefused,
    QualityGateFailed,
    QualityGatePassed,
    ReadingsRedelivered,
    RulesReloaded,
    RulesReloadRefused,
    SilenceAdded,
    SilenceExpired,
    WebhookReplayed,
)
from warning.dispatch.dispatcher import Dispatcher
from warning.domain import (
    Acknowledgement,
    AckSource,
    Channel,
    DeadLetter,
    Detection,
    Incident,
    IncidentStatus,
    Level,
    NotificationPurpose,
    Reading,
)
from warning.errors import AcknowledgementRefused, ConfigFileError, EvaluationError, ReadingRejected, WriteConflict
from warning.escalation.driver import EscalationDriver
from warning.escalation.org import Organisation, organisation_from_text
from warning.incidents.service import Change, apply_detection
from warning.metrics import EngineMetrics
from warning.rulebook import Rulebook, RuleEvaluator
from warning.rulebook.compound import MemberWarning, compound_key, judge_compound
from warning.rulebook.content import compound_content
from warning.rulebook.evaluator import GateChanged
from warning.silences import Silence, SilenceRequest, area_prefix, scoped_area
from warning.statuses import PROVIDER_FINAL, PageStatus, move_page
from warning.store.models import IncidentRow, NotificationRow, SilenceRow
from warning.store.repository import Store, Transaction

log = logging.getLogger(__name__)

CONFLICT_ATTEMPTS = 3
STEP_BATCH = 100  # escalation steps decided between two rounds of sending
PRIMING_LOOKBACK = timedelta(days=1)  # how far back an area taken over looks for its stations' last readings
REDELIVERIES_NAMED = 20  # reading ids a redelivery decision names; it counts them all
_ACK_REPLY = re.compile(r"^\s*(?:1|(?:ACK|确认)\s*([A-Za-z]\d{4}))\s*$", re.IGNORECASE)


def _codes_asked(tx: Transaction, row: NotificationRow) -> list[str]:
    """Codes of the warnings a message asked to acknowledge: its own, or every page it bundled."""
    members = tx.bundle_members(row.bundle_id) if row.bundle_id is not None else [row]
    codes = []
    for member in members:
        incident = tx.incident(member.incident_id)
        assert incident is not None
        if member.purpose == "page" and incident.code not in codes:
            codes.append(incident.code)
    return codes


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


@dataclass(frozen=True, slots=True)
class AckResult:
    accepted: bool
    message: str
    incident_code: str | None = None


def _reached(provider_status: str) -> bool | None:
    """Whether the provider's final word means the person was reached; None when it is not final."""
    return next((reached for final, reached in PROVIDER_FINAL.items() if final.value == provider_status), None)


class Engine:
    def __init__(
        self,
        *,
        store: Store,
        evaluator: RuleEvaluator,
        decoder: ReadingDecoder,
        escalation: EscalationDriver,
        dispatcher: Dispatcher,
        clock: Clock,
        exercise: bool = False,
        metrics: EngineMetrics | None = None,
    ) -> None:
        """Built by the composition root (warning/app.py), which alone knows the concrete parts."""
        self.store = store
        self.metrics = metrics
        self.evaluator = evaluator
        self.decoder = decoder
        self.escalation = escalation
        self.dispatcher = dispatcher
        self.clock = clock
        self.exercise = exercise
        self._lock = threading.RLock()
        self._prime(evaluator)
        # Called with the next due time after every decision, so a live timer can re-arm itself.
        self.on_schedule_changed: Callable[[datetime | None], None] | None = None

    # the organisation ---------------------------------------------------------------------

    @property
    def org(self) -> Organisation:
        return self.escalation.org

    def _run_with(self, org: Organisation) -> None:
        self.escalation.org = org
        self.dispatcher.budget = org.spec.carrier_budget.budget()

    def use_organisation(self, org: Organisation, source: str) -> None:
        """Store `org` as the newest organisation and run with it. Tracks under way keep their
        frozen policies and department chains; who is on duty is read from the new rosters."""
        now = self.clock.now()
        with self._lock, self.store.transaction() as tx:
            if tx.store_organisation(org.version, {"yaml": org.text}, source, now):
                loaded = OrganisationLoaded(version=org.version, source=source, departments=len(org.departments),
                                            people=len(org.people), policies=len(org.policies))  # fmt: skip
                tx.record(now, loaded)
            self._run_with(org)

    def reload_organisation(self, load: Callable[[], Organisation], source: str) -> bool:
        """Load the organisation file again; on any error keep the running one and record why."""
        try:
            org = load()
        except Exception as exc:  # whatever is wrong with the new file, the running organisation stays
            self._record_reload_refused(OrganisationReloadRefused, source, exc)
            return False
        self.use_organisation(org, source)
        return True

    def _record_reload_refused(
        self, refused: type[OrganisationReloadRefused | RulesReloadRefused], source: str, exc: Exception
    ) -> None:
        if isinstance(exc, ConfigFileError):
            problems = [str(p) for p in exc.problems]
        else:  # not a problem the loader located: a bug, kept visible rather than fatal
            log.exception("reload from %s failed", source)
            problems = [f"{source}: {type(exc).__name__}: {exc}"]
        with self._lock, self.store.transaction() as tx:
            tx.record(self.clock.now(), refused(source=source, problems=problems))
        for problem in problems:
            log.error("reload refused: %s", problem)

    def follow_stored_organisation(self) -> bool:
        """Adopt a newer organisation another process stored (so every engine on one database
        pages by the same rosters). True when it changed."""
        with self.store.transaction() as tx:
            if tx.latest_organisation_version() in (None, self.org.version):
                return False  # the usual case: one small query per wake-up
            latest = tx.latest_organisation()
            assert latest is not None
            org = organisation_from_text(str(latest.document["yaml"]))
        with self._lock:
            self._run_with(org)
        return True

    # rules --------------------------------------------------------------------------------

    def _prime(self, evaluator: RuleEvaluator) -> None:
        """Refill rule windows from stored readings, so a restart does not forget the last hour."""
        evaluator.watch_from(self.clock.now())
        reach = evaluator.window_reach()
        events, lapse = evaluator.event_stations()
        if not reach and not events:
            return
        with self.store.transaction() as tx:
            start = self._window_start(tx, reach)
            if events:  # an event older than every window still decides when its warning lapses
                since = min(start, self.clock.now() - max(lapse, PRIMING_LOOKBACK))
                evaluator.prime(r for r in tx.readings_since(since, events) if r.observed_at <= start)
            if reach:
                evaluator.prime(tx.readings_since(start))

    def _window_start(self, tx: Transaction, reach: float) -> datetime:
        """Where the stored readings that windows need begin: `reach` before now, or before the newest
        stored reading when that is older (a feed catching up on a backlog judges the past)."""
        newest = tx.latest_observed_at()
        now = self.clock.now()
        return (min(now, newest) if newest is not None else now) - timedelta(seconds=reach)

    def take_areas(self, areas: frozenset[str] | None) -> None:
        """Judge only the stations of `areas` from now on (None: all), as one of several stream
        workers sharing a province by area. An area gained is primed from the stored readings
        first, as after a restart; silence is watched only in our own areas."""
        with self._lock:
            gained = self.evaluator.assign(areas)
            reach = self.evaluator.window_reach()
            events, lapse = self.evaluator.event_stations()
            events &= gained
            if events or (gained and reach):
                with self.store.transaction() as tx:
                    if events:  # their last event decides when their warnings lapse, however old it is
                        since = self.clock.now() - max(lapse, PRIMING_LOOKBACK)
                        self.evaluator.prime(tx.readings_since(since, events))
                    if reach and gained - events:
                        self.evaluator.prime(self._recent_readings_of(tx, gained - events, reach))
        log.info("judging %s", "every area" if areas is None else f"areas {', '.join(sorted(areas)) or '(none)'}")

    def _recent_readings_of(self, tx: Transaction, sensors: set[str], reach: float) -> list[Reading]:
        """The stored readings each sensor's windows need: `reach` back from its own latest reading.
        Per sensor, since the workers of a province run at their own pace: one catching up on a
        backlog judges the past while another is at the present."""
        window = timedelta(seconds=reach)
        latest = tx.latest_observed_of(sensors, self.clock.now() - PRIMING_LOOKBACK)
        if not latest:
            return []
        wanted = {sensor: at - window for sensor, at in latest.items()}
        readings = tx.readings_since(min(wanted.values()), wanted)
        return [reading for reading in readings if reading.observed_at > wanted[reading.sensor_id]]

    def reload_rules(self, load: Callable[[], Rulebook], source: str = "the rule files") -> bool:
        """Swap in freshly loaded rules atomically, keeping windows and timers; on any error in the
        files keep the running rules and record why. True when the new rules are in force."""
        try:
            rulebook = load()
        except Exception as exc:  # whatever is wrong with the new files, the running rules stay
            self._record_reload_refused(RulesReloadRefused, source, exc)
            return False
        with self._lock:
            try:
                evaluator = RuleEvaluator(rulebook.rules, compounds=rulebook.compounds, carry_over=self.evaluator)
            except Exception as exc:
                self._record_reload_refused(RulesReloadRefused, source, exc)
                return False
            now = self.clock.now()
            self.evaluator = evaluator
            self.decoder.sensors = self.evaluator.sensors
            versions = {rule.id: rule.version for rule in rulebook.rules}
            versions |= {compound.id: compound.version for compound in rulebook.compounds}
            with self.store.transaction() as tx:
                tx.record(now, RulesReloaded(versions=versions))
        return True

    # inbound ------------------------------------------------------------------------------

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
                for detection in evaluation.detections:
                    self._apply(tx, detection, now)
                if evaluation.detections:
                    self._judge_compounds(tx, now)
                    levels.changed()
                    decided = True
            if redelivered:  # one decision per batch: a feed replaying its backlog is thousands of them
                tx.record(now, ReadingsRedelivered(count=len(redelivered), readings=redelivered[:REDELIVERIES_NAMED]))
            if self.metrics is not None and claimed:
                self.metrics.evaluated(time.perf_counter() - started, len(claimed))
            return decided

    def _apply(self, tx: Transaction, detection: Detection, now: datetime, title: str | None = None) -> None:
        if title is None:
            rule = self.evaluator.rules[detection.rule_id]
            title = f"Sensor silent: {detection.station_name}" if detection.no_data else rule.spec.title
        changed = apply_detection(tx, detection, now, exercise=self.exercise, title=title)
        if changed is not None:
            self._react(tx, changed.incident, changed.change, now)

    def _member_warnings(self, tx: Transaction) -> dict[str, list[MemberWarning]]:
        """Open warnings of every compound member rule, by area."""
        members = {member for compound in self.evaluator.compounds.values() for member in compound.spec.members}
        by_area: dict[str, list[MemberWarning]] = {}
        for row in tx.open_incidents_of(members):
            warning = MemberWarning(row.rule_id, row.area, Level(row.level), row.opened_at, row.code)
            by_area.setdefault(row.area, []).append(warning)
        return by_area

    def _judge_compounds(self, tx: Transaction, now: datetime) -> None:
        """Open, change or lift compound warnings from the member warnings now open, area by area."""
        compounds = self.evaluator.compounds
        if not compounds:
            return
        tx.session.flush()
        by_area = self._member_warnings(tx)
        areas = set(by_area) | {row.area for row in tx.open_incidents_of(list(compounds))}
        for compound in compounds.values():
            for area in sorted(areas):
                verdict = judge_compound(compound, by_area.get(area, []), now)
                key = compound_key(compound.id, area)
                current = tx.current_level(key)
                if verdict.level == current:
                    continue
                detection = Detection(
                    rule_id=compound.id, rule_version=compound.version, hazard=compound.hazard, key=key,
                    station_id=f"area:{area}", station_name=compound.spec.title, area=area, level=verdict.level,
                    previous_level=current, reading=None, thresholds=(), reason=verdict.reason, signal_value=None,
                    content=compound_content(compound, verdict.level, current),
                )  # fmt: skip
                self._apply(tx, detection, now, title=compound.spec.title)

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

    def _react(self, tx: Transaction, incident: IncidentRow, change: Change, now: datetime) -> None:
        if change is Change.opened:
            self.escalation.start(tx, incident, now)
        elif change is Change.lifted:
            self.escalation.stop(tx, incident, "warning lifted", now)
            self.escalation.inform_paged(tx, incident, NotificationPurpose.lifted, now)
        else:
            self.escalation.level_changed(tx, incident, change is Change.upgraded, now)
            self.escalation.inform_paged(tx, incident, NotificationPurpose.update, now)

    # time ---------------------------------------------------------------------------------

    def tick(self) -> int:
        """Run every escalation step due now, each in its own transaction, in batches with the
        pages of each batch sent before the next (a backlog pages as it goes, and readings are
        not held up behind it). Steps falling due meanwhile are run too. Returns steps run."""
        self.follow_stored_organisation()
        now = self.clock.now()
        ran = 0
        with self._lock, self.store.transaction() as tx:
            for detection in self.evaluator.silent(now, tx.current_level) + self.evaluator.lapsed(
                now, tx.current_level
            ):
                self._apply(tx, detection, now)
            self._judge_compounds(tx, now)
            expired = [(row.id, row.channel, row.provider_sid) for row in tx.expired_sms_pages(now)]
        self._expire_sms_pages(expired, now)
        while True:
            with self._lock:
                with self.store.transaction() as tx:
                    due = tx.due_escalations(self.clock.now(), limit=STEP_BATCH)
                # Each step is decided, and logged, at the moment it actually runs.
                progressed = 0
                for escalation_id, token in due:
                    with self.store.transaction() as tx:
                        progressed += self.escalation.run_due(tx, escalation_id, token, self.clock.now())
            ran += progressed
            if len(due) < STEP_BATCH or not progressed:
                break
            self.dispatcher.send_pending()
        self._after_decisions()
        return ran

    def _expire_sms_pages(self, expired: list[tuple[int, str, str | None]], now: datetime) -> None:
        """Our own SMS validity timer: a page not confirmed delivered in time has failed. The
        provider is asked first, since a status callback can be lost (our server was down)."""
        for notification_id, channel, provider_sid in expired:
            status = self.dispatcher.provider_status(channel, provider_sid) if provider_sid else None
            if provider_sid and status is not None and _reached(status) is not None:
                self.record_delivery_status(provider_sid, status)  # the callback we missed
                continue
            with self._lock, self.store.transaction() as tx:
                row = tx.notification(notification_id, for_update=True)
                if row is None or row.status != PageStatus.accepted or row.valid_for_seconds is None:
                    continue  # a callback came meanwhile
                move_page(row, PageStatus.expired)
                row.updated_at = now
                incident = tx.incident(row.incident_id)
                assert incident is not None
                expiry = NotificationExpired(
                    incident=incident.code, notification=row.idempotency_key, person=row.person_id,
                    channel=Channel(row.channel), purpose=NotificationPurpose(row.purpose),
                    valid_for_seconds=row.valid_for_seconds, provider_status=status,
                )  # fmt: skip
                tx.record(now, expiry, row.incident_id)
                self.escalation.page_failed(tx, incident, row, "expired", now)

    def next_due_at(self) -> datetime | None:
        """The next moment the engine must wake: an escalation step, or a sensor falling silent."""
        with self.store.transaction() as tx:
            escalation = tx.next_due_at()
            retry = tx.next_retry_at()
            expiry = tx.next_expiry_at()
        silence = self.evaluator.next_silence_due()
        lapse = self.evaluator.next_lapse_due()
        compound = self._next_compound_due()
        moments = (escalation, retry, expiry, silence, lapse, compound)
        return min((moment for moment in moments if moment is not None), default=None)

    def _after_decisions(self) -> None:
        self.dispatcher.send_pending()
        if self.on_schedule_changed is not None:
            self.on_schedule_changed(self.next_due_at())

    # acknowledgements ---------------------------------------------------------------------

    def acknowledge(self, incident_code: str, person_id: str, source: AckSource) -> AckResult:
        ack = Acknowledgement(
            incident_code=incident_code.upper(), person_id=person_id, source=source, at=self.clock.now()
        )
        try:
            with self._lock, self.store.transaction() as tx:
                incident = tx.incident_by_code(ack.incident_code)
                if incident is None:
                    return AckResult(False, f"no incident {ack.incident_code}")
                if person_id not in self.org.people:
                    return AckResult(False, f"unknown person {person_id}")
                self.escalation.acknowledge(tx, incident, self.org.person(person_id), ack)
        except AcknowledgementRefused as exc:
            self._record_refusal(ack, str(exc))
            return AckResult(False, str(exc), ack.incident_code)
        self._after_decisions()
        return AckResult(True, f"{ack.incident_code} acknowledged", ack.incident_code)

    def hand_over(self, incident_code: str, person_id: str, colleague_id: str) -> AckResult:
        """`person_id` hands the incident to `colleague_id` of the same department, who is paged."""
        code, now = incident_code.upper(), self.clock.now()
        try:
            with self._lock, self.store.transaction() as tx:
                incident = tx.incident_by_code(code)
                if incident is None:
                    return AckResult(False, f"no incident {code}")
                for someone in (person_id, colleague_id):
                    if someone not in self.org.people:
                        return AckResult(False, f"unknown person {someone}")
                colleague = self.org.person(colleague_id)
                self.escalation.hand_over(tx, incident, self.org.person(person_id), colleague, now)
        except AcknowledgementRefused as exc:
            with self._lock, self.store.transaction() as tx:
                incident = tx.incident_by_code(code)
                refused = HandoverRefused(incident=code, person=person_id, to=colleague_id, reason=str(exc))
                tx.record(now, refused, incident.id if incident else None)
            return AckResult(False, str(exc), code)
        self._after_decisions()
        return AckResult(True, f"{code} handed over to {colleague.name}", code)

    # silences and maintenance windows ------------------------------------------------------------

    def add_silence(self, person_id: str, request: SilenceRequest) -> Silence:
        """Record a silence asked for by `person_id`; ValueError says what is wrong with it."""
        now = self.clock.now()
        area = scoped_area(request, self._area_of(person_id))
        starts_at, ends_at = request.window(now)
        with self._lock, self.store.transaction() as tx:
            row = tx.add_silence(SilenceRow(area=area, station_id=request.station, rule_id=request.rule,
                                            up_to=request.up_to.value if request.up_to else None, starts_at=starts_at,
                                            ends_at=ends_at, reason=request.reason, created_by=person_id,
                                            created_at=now))  # fmt: skip
            silence = Silence.model_validate(row)
            added = SilenceAdded(silence=silence.id, person=person_id, area=area, station=request.station,
                                 rule=request.rule, up_to=request.up_to, starts_at=starts_at, ends_at=ends_at,
                                 reason=request.reason)  # fmt: skip
            tx.record(now, added)
        return silence

    def _area_of(self, person_id: str) -> str:
        """The area of the person's department: what they may silence."""
        if person_id not in self.org.people:
            raise ValueError(f"unknown person {person_id}")
        return self.org.department(self.org.person(person_id).department).area

    def silences(self) -> list[Silence]:
        """Silences active now or still to come."""
        with self.store.transaction() as tx:
            return [Silence.model_validate(row) for row in tx.silences_ending_after(self.clock.now())]

    def expire_silence(self, person_id: str, silence_id: int) -> Silence:
        """End a silence now: whatever it held pages at once. ValueError if it cannot be ended by them."""
        now = self.clock.now()
        own_area = self._area_of(person_id)
        with self._lock, self.store.transaction() as tx:
            row = tx.silence(silence_id)
            if row is None or row.ends_at <= now:
                raise ValueError(f"no silence {silence_id} is active or to come")
            if not (row.area or "").startswith(area_prefix(own_area)):
                raise ValueError(f"silence {silence_id} covers area {row.area}, outside your department's area")
            row.ends_at, row.expired_by = max(now, row.starts_at), person_id
            tx.resume_after_silence(silence_id, now)
            silence = Silence.model_validate(row)
            tx.record(now, SilenceExpired(silence=silence_id, person=person_id))
        self._after_decisions()
        return silence

    def _record_refusal(self, ack: Acknowledgement, reason: str) -> None:
        with self._lock, self.store.transaction() as tx:
            incident = tx.incident_by_code(ack.incident_code)
            refused = AcknowledgementRefusedEvent(incident=ack.incident_code, person=ack.person_id, source=ack.source,
                                                  reason=reason)  # fmt: skip
            tx.record(ack.at, refused, incident.id if incident else None)

    def board(self) -> list[Incident]:
        """Every incident, newest last, as the dispatcher's board shows it."""
        board, now = [], self.clock.now()
        with self.store.transaction() as tx:
            for row in tx.all_incidents():
                tracks = [{"policy": t.policy_id, "department_kind": t.policy["department_kind"], "state": t.state,
                           "department": t.department_id, "acknowledged_by": t.acknowledged_by or ""}
                          for t in tx.escalations_of(row.id)]  # fmt: skip
                silence = tx.silence_for(row, now) if row.status != IncidentStatus.lifted else None
                extra = {"escalations": tracks, "silenced": silence.describe() if silence else None}
                board.append(Incident.model_validate(row).model_copy(update=extra))
        return board

    def accept_webhook(self, key: str, what: str) -> bool:
        """Remember one provider request (its MessageSid, or CallSid and prompt, and status); False,
        with a `webhook_replayed` decision, when it came before. A captured, correctly signed request
        replayed must not act again: a "1" would acknowledge whatever page is newest by then, a "2"
        would run the escalation chain to its end."""
        now = self.clock.now()
        try:
            with self._lock, self.store.transaction() as tx:
                if tx.remember_webhook(key, now):
                    return True
                request, _, reference = key.partition(":")
                replayed = WebhookReplayed(key=key, request=request, reference=reference.partition(":")[0])
                tx.record(now, replayed)
                return False
        except WriteConflict:  # the same request twice at once: the other one took it
            return False

    def acknowledge_by_sms(self, phone: str, body: str) -> AckResult:
        """An inbound SMS reply: '1' acknowledges the latest page to this number; 'ACK F0001' a named one."""
        person = self.org.person_by_phone(phone)
        if person is None:
            return AckResult(False, "this number is not on any roster")
        match = _ACK_REPLY.match(body)
        if match is None:
            return AckResult(False, "reply 1, or ACK followed by the incident code, to acknowledge")
        code = match.group(1)
        if code is not None:
            return self.acknowledge(code.upper(), person.id, AckSource.sms_reply)
        with self.store.transaction() as tx:
            page = tx.latest_page_to(phone)
            codes = _codes_asked(tx, page) if page is not None else []
        if not codes:
            return AckResult(False, "no open warning is waiting for your acknowledgement")
        return self._acknowledge_all(codes, person.id, AckSource.sms_reply)

    def _acknowledge_all(self, codes: list[str], person_id: str, source: AckSource) -> AckResult:
        """Acknowledge every warning a (bundled) message asked about: '1' answers the whole message."""
        results = [self.acknowledge(code, person_id, source) for code in codes]
        if len(results) == 1:
            return results[0]
        accepted = [result.incident_code for result in results if result.accepted]
        refused = [result.message for result in results if not result.accepted]
        message = "; ".join(([f"{', '.join(map(str, accepted))} acknowledged"] if accepted else []) + refused)
        return AckResult(bool(accepted), message, accepted[0] if accepted else None)

    def keypress(self, notification_id: int, digits: str) -> str:
        """A keypress on a voice page: 'acknowledged', 'escalated', 'repeat' or 'invalid'."""
        with self.store.transaction() as tx:
            row = tx.notification(notification_id)
            if row is None:
                return "invalid"
            codes, person_id = _codes_asked(tx, row), row.person_id
        if digits == "1":
            result = self._acknowledge_all(codes, person_id, AckSource.keypress) if codes else None
            return "acknowledged" if result is not None and result.accepted else "refused"
        if digits == "2":
            now = self.clock.now()
            with self._lock, self.store.transaction() as tx:
                for code in codes:
                    incident = tx.incident_by_code(code)
                    assert incident is not None
                    self.escalation.escalate_now(tx, incident, self.org.person(person_id), now)
            self.tick()
            return "escalated"
        if digits == "9":
            return "repeat"
        return "invalid"

    def record_delivery_status(self, provider_sid: str, status: str) -> None:
        """A provider status callback. A page by SMS that could not be delivered, on a warning still
        awaiting acknowledgement, becomes a voice call to the same person at once (same transaction:
        the provider does not send the callback again)."""
        now = self.clock.now()
        with self._lock, self.store.transaction() as tx:
            changed = self.dispatcher.apply_status(tx, provider_sid, status)  # rows with a new final status
            failed = [row for row in changed if _reached(status) is False and row.purpose == "page"]
            for row in failed:
                incident = tx.incident(row.incident_id)
                assert incident is not None
                self.escalation.page_failed(tx, incident, row, status, now)
        if failed:
            self._after_decisions()  # only a fallback call or a hastened step needs running and arming

    def notification_text(self, notification_id: int) -> tuple[str, str] | None:
        """(text, language) of a notification, for the voice TwiML."""
        with self.store.transaction() as tx:
            row = tx.notification(notification_id)
            return (row.sent_text or row.text, row.language) if row is not None else None
