"""What people do to incidents by hand, each attributed to who did it in the timeline: open one (a
hotline report), acknowledge on an officer's behalf, escalate now (next step, a tier, a named
department), set the level, lift, reassign, note, page again; and put a colleague on duty.

Every action first asks warning/access.py whether the caller's role and area allow it (NotAllowed,
answered 403), then whether the incident allows it (ActionRefused, 409); nothing changes on a refusal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from warning.access import Principal, refusal
from warning.areas import within
from warning.decisions.events import (
    DutyOverridden,
    DutyOverrideEnded,
    EscalatedByHand,
    IncidentClosed,
    IncidentCreated,
    IncidentReassigned,
    IncidentRelevelled,
    NoteAdded,
    PublicReleaseApproved,
    Repaged,
    decision_from,
)
from warning.decisions.render import summary
from warning.domain import Acknowledgement, AckSource, Channel, IncidentStatus, Level, NotificationPurpose
from warning.engine.responses import Responses
from warning.errors import ActionRefused, NotAllowed, NotFound
from warning.incidents.requests import (
    AcknowledgeFor,
    DutyOverrideRequest,
    Escalate,
    Lift,
    NewIncident,
    Note,
    Reassign,
    Relevel,
    Repage,
)
from warning.incidents.service import close_by_hand, open_by_hand, relevel_by_hand
from warning.incidents.views import Preview, PreviewPage
from warning.store.models import DutyOverrideRow, IncidentRow
from warning.store.repository import Transaction

REHEARSED_STEPS = 20  # a step with no wait runs the next at once; never more than this in one preview


@dataclass
class Rehearsal:
    """Asks an action to show what it would do instead of doing it (the console's confirmation)."""

    language: str = "en"
    preview: Preview = field(default_factory=lambda: Preview(decisions=[], pages=[]))


class _RollBack(Exception):
    """Raised inside a rehearsed action's transaction, so that nothing it did is kept."""


def _allowed(principal: Principal, action: str, area: str, departments: frozenset[str] = frozenset()) -> None:
    reason = refusal(principal, action, area, departments)
    if reason is not None:
        raise NotAllowed(reason)


class Hands(Responses):
    def _incident(self, tx: Transaction, code: str) -> IncidentRow:
        incident = tx.incident_by_code(code, for_update=True)
        if incident is None:
            raise NotFound(f"no incident {code.upper()}")
        return incident

    def _engaged(self, tx: Transaction, incident: IncidentRow) -> frozenset[str]:
        return frozenset(self.escalation.engaged_departments(tx, incident.id))

    def _check(self, tx: Transaction, principal: Principal, action: str, code: str) -> IncidentRow:
        incident = self._incident(tx, code)
        _allowed(principal, action, incident.area, self._engaged(tx, incident))
        return incident

    def _open(self, incident: IncidentRow) -> None:
        if incident.status == IncidentStatus.lifted.value:
            raise ActionRefused(f"incident {incident.code} is lifted")

    @contextmanager
    def _unit(self, rehearsal: Rehearsal | None) -> Iterator[Transaction]:
        """The action's transaction; rehearsed, it also runs the steps falling due, notes the decisions
        and pages, and is rolled back. The escalation driver keeps no state outside the database."""
        if rehearsal is None:
            with self.store.transaction() as tx:
                yield tx
            return
        try:
            with self.store.transaction() as tx:
                before = tx.last_notification_id()
                yield tx
                rehearsal.preview = self._rehearsed(tx, before, rehearsal.language)
                raise _RollBack
        except _RollBack:
            pass

    def _rehearsed(self, tx: Transaction, before: int, language: str) -> Preview:
        now = self.clock.now()
        incidents = sorted({row.incident_id for row in tx.recorded if row.incident_id is not None})
        for _ in range(REHEARSED_STEPS):
            due = [t for i in incidents for t in tx.escalations_of(i)
                   if t.state == "active" and t.due_at is not None and t.due_at <= now]  # fmt: skip
            if not due:
                break
            for track in due:
                self.escalation.run_due(tx, track.id, track.token, now)
        names = self.org.display_names(language)
        decisions = [summary(decision_from(row.data), language, names) for row in tx.recorded]
        pages = []
        for page in tx.notifications_after(before, incidents):
            person = self.org.people.get(page.person_id)
            department = self.org.departments.get(page.department_id)
            department_name = page.department_id
            if department is not None:
                department_name = (department.name_zh or department.name) if language == "zh-CN" else department.name
            pages.append(PreviewPage(person=page.person_id, person_name=person.name if person else page.person_id,
                                     department=page.department_id, department_name=department_name,
                                     channel=Channel(page.channel), purpose=page.purpose))  # fmt: skip
        return Preview(decisions=decisions, pages=pages)

    def _mine(self, principal: Principal) -> set[str] | None:
        """The departments whose tracks a duty officer acts on (their own); None: all of them."""
        return {principal.department} if principal.role.value == "duty_officer" and principal.department else None

    # opening ----------------------------------------------------------------------------------

    def create_incident(self, principal: Principal, request: NewIncident, rehearsal: Rehearsal | None = None) -> str:
        """Open a warning by hand; the same policies escalate it. Its code."""
        _allowed(principal, "create", request.area)
        known = {rule.hazard for rule in self.evaluator.rules.values()} | {p.hazard for p in self.org.spec.policies}
        if request.hazard not in known:
            raise ActionRefused(f"hazard {request.hazard!r} is unknown here; known: {', '.join(sorted(known))}")
        now = self.clock.now()
        report = request.model_dump(mode="json", include={"source", "callback", "location", "description"})
        with self._lock, self._unit(rehearsal) as tx:
            incident = open_by_hand(
                tx, hazard=request.hazard, level=request.level, area=request.area, title=request.title,
                description=request.description, station=request.station, report=report, by=principal.user, now=now,
                exercise=self.exercise,
            )  # fmt: skip
            created = IncidentCreated(
                incident=incident.code, by=principal.user, by_name=principal.name, level=request.level,
                hazard=request.hazard, area=request.area, title=request.title, description=request.description,
                source=request.source.value, callback=request.callback, location=request.location,
                station=request.station,
            )  # fmt: skip
            tx.record(now, created, incident.id)
            self.escalation.start(tx, incident, now)
            code = incident.code
        self._after_decisions()
        return code

    # acting on one ----------------------------------------------------------------------------

    def acknowledge_for(
        self, principal: Principal, code: str, request: AcknowledgeFor, rehearsal: Rehearsal | None = None
    ) -> str:
        """An officer who phoned in, acknowledged by a dispatcher on their behalf."""
        if request.person not in self.org.people:
            raise ActionRefused(f"unknown person {request.person}")
        now = self.clock.now()
        with self._lock, self._unit(rehearsal) as tx:
            incident = self._check(tx, principal, "acknowledge_for", code)
            ack = Acknowledgement(incident_code=incident.code, person_id=request.person, source=AckSource.phone,
                                  at=now, by=principal.user, note=request.note)  # fmt: skip
            self.escalation.acknowledge(tx, incident, self.org.person(request.person), ack)
        self._after_decisions()
        return f"{code.upper()} acknowledged for {self.org.person(request.person).name}"

    def acknowledge_as(self, principal: Principal, code: str) -> str:
        """The caller acknowledges for their own department (they must be the organisation's person)."""
        with self.store.transaction() as tx:
            self._check(tx, principal, "acknowledge", code)
        person = principal.person
        if person is None:
            raise NotAllowed(f"{principal.name} is not a person of the organisation: acknowledge for an officer")
        # Signed in to the console, or a program with a token.
        result = self.acknowledge(code, person, AckSource.console if principal.via == "session" else AckSource.api)
        if not result.accepted:
            raise ActionRefused(result.message)
        return result.message

    def hand_over_as(self, principal: Principal, code: str, colleague: str) -> str:
        with self.store.transaction() as tx:
            self._check(tx, principal, "hand_over", code)
        if principal.person is None:
            raise NotAllowed(f"{principal.name} is not a person of the organisation: nothing to hand over")
        result = self.hand_over(code, principal.person, colleague)
        if not result.accepted:
            raise ActionRefused(result.message)
        return result.message

    def escalate(self, principal: Principal, code: str, request: Escalate, rehearsal: Rehearsal | None = None) -> str:
        now = self.clock.now()
        with self._lock, self._unit(rehearsal) as tx:
            incident = self._check(tx, principal, "escalate", code)
            self._open(incident)
            if request.department is not None:
                if request.department not in self.org.departments:
                    raise ActionRefused(f"unknown department {request.department}")
                policies = [self.escalation.engage_department(tx, incident, request.department, now)]
            elif request.tier is not None:
                policies = self.escalation.jump_to_tier(tx, incident, request.tier, now)
            else:
                policies = self.escalation.hasten(tx, incident, self._mine(principal), principal.user, now)
            if not policies:
                raise ActionRefused(f"no escalation of {incident.code} is waiting that could move "
                                    f"{'to tier ' + str(request.tier) if request.tier else 'on'}")  # fmt: skip
            escalated = EscalatedByHand(incident=incident.code, by=principal.user, by_name=principal.name,
                                        to=request.target, tier=request.tier, department=request.department,
                                        policies=policies)  # fmt: skip
            tx.record(now, escalated, incident.id)
        self.tick()
        return f"{code.upper()} escalated"

    def relevel(self, principal: Principal, code: str, request: Relevel, rehearsal: Rehearsal | None = None) -> str:
        now = self.clock.now()
        with self._lock, self._unit(rehearsal) as tx:
            incident = self._check(tx, principal, "relevel", code)
            self._open(incident)
            if Level(incident.level) == request.level:
                raise ActionRefused(f"{incident.code} is {request.level.value} already")
            previous = relevel_by_hand(tx, incident, request.level, now)
            tx.record(now, IncidentRelevelled(incident=incident.code, by=principal.user, by_name=principal.name,
                                              from_level=previous, level=request.level, reason=request.reason),
                      incident.id)  # fmt: skip
            # The policy re-decides as on an automatic change: an upgrade pages whom the new level reaches.
            self.escalation.level_changed(tx, incident, request.level.rank > previous.rank, now)
            self.escalation.inform_paged(tx, incident, NotificationPurpose.update, now)
        self._after_decisions()
        return f"{code.upper()} set to {request.level.value}"

    def lift(self, principal: Principal, code: str, request: Lift, rehearsal: Rehearsal | None = None) -> str:
        now = self.clock.now()
        with self._lock, self._unit(rehearsal) as tx:
            incident = self._check(tx, principal, "lift", code)
            previous = close_by_hand(tx, incident, now)
            tx.record(now, IncidentClosed(incident=incident.code, by=principal.user, by_name=principal.name,
                                          from_level=previous, reason=request.reason, told=request.tell),
                      incident.id)  # fmt: skip
            self.escalation.stop(tx, incident, "lifted", now)
            if request.tell:
                self.escalation.inform_paged(tx, incident, NotificationPurpose.lifted, now)
        self._after_decisions()
        return f"{code.upper()} lifted"

    def reassign(self, principal: Principal, code: str, request: Reassign, rehearsal: Rehearsal | None = None) -> str:
        if request.department not in self.org.departments:
            raise ActionRefused(f"unknown department {request.department}")
        now = self.clock.now()
        with self._lock, self._unit(rehearsal) as tx:
            incident = self._check(tx, principal, "reassign", code)
            self._open(incident)
            waiting = {t.policy_id for t in tx.escalations_of(incident.id) if t.state in ("active", "exhausted")}
            waiting.discard(f"hand:{request.department}")
            stopped = self.escalation.stop(tx, incident, "reassigned", now, only=waiting)
            self.escalation.engage_department(tx, incident, request.department, now)
            tx.record(now, IncidentReassigned(incident=incident.code, by=principal.user, by_name=principal.name,
                                              to=request.department, stopped=stopped, reason=request.reason),
                      incident.id)  # fmt: skip
        self._after_decisions()
        return f"{code.upper()} reassigned to {self.org.departments[request.department].name}"

    def note(self, principal: Principal, code: str, request: Note) -> str:
        now = self.clock.now()
        with self._lock, self.store.transaction() as tx:
            incident = self._check(tx, principal, "note", code)
            tx.record(now, NoteAdded(incident=incident.code, by=principal.user, by_name=principal.name,
                                     text=request.text), incident.id)  # fmt: skip
        return f"note added to {code.upper()}"

    def release(self, principal: Principal, identifier: str) -> list[str]:
        """Release a held CAP message to the public, with every earlier held message of its warning
        (in order); the identifiers released. ActionRefused for one not held or outside the area."""
        now = self.clock.now()
        with self._lock, self.store.transaction() as tx:
            row = tx.published_alert(identifier, released_only=False)
            if row is None or not within(row.area, principal.area):
                raise NotFound(f"no message {identifier} awaits release")
            incident = tx.incident(row.incident_id)
            assert incident is not None  # foreign key
            _allowed(principal, "release", incident.area, frozenset())
            if row.released_at is not None:
                raise ActionRefused(f"{identifier} was released at {row.released_at.isoformat()} by {row.released_by}")
            released = [earlier for earlier in tx.published_alerts_of(incident.id)
                        if earlier.released_at is None and earlier.id <= row.id]  # fmt: skip
            for earlier in released:
                earlier.released_at, earlier.released_by = now, principal.user
            identifiers = [earlier.identifier for earlier in released]
            tx.record(now, PublicReleaseApproved(incident=incident.code, by=principal.user, by_name=principal.name,
                                                 identifiers=identifiers), incident.id)  # fmt: skip
        self._after_decisions()
        return identifiers

    def repage(self, principal: Principal, code: str, request: Repage, rehearsal: Rehearsal | None = None) -> str:
        for person in request.people or []:
            if person not in self.org.people:
                raise ActionRefused(f"unknown person {person}")
        now = self.clock.now()
        with self._lock, self._unit(rehearsal) as tx:
            incident = self._check(tx, principal, "repage", code)
            self._open(incident)
            why = f"{principal.name} paged again for {incident.code}"
            people = self.escalation.repage(tx, incident, request.people, self._mine(principal), why, now)
            tx.record(now, Repaged(incident=incident.code, by=principal.user, by_name=principal.name, people=people),
                      incident.id)  # fmt: skip
        self._after_decisions()
        return f"{', '.join(self.org.person(p).name for p in people)} paged again"

    # duty -------------------------------------------------------------------------------------

    def put_on_duty(self, principal: Principal, request: DutyOverrideRequest) -> int:
        """A named colleague holds a role of a department until a time, from now (or `starts_at`)."""
        department = self.org.departments.get(request.department)
        if department is None:
            raise ActionRefused(f"unknown department {request.department}")
        _allowed(principal, "duty_override", department.area)
        if request.person not in self.org.people:
            raise ActionRefused(f"unknown person {request.person}")
        if request.role not in department.roles():
            raise ActionRefused(f"{department.name} has no role {request.role} (roles: "
                                f"{', '.join(sorted(department.roles()))})")  # fmt: skip
        now = self.clock.now()
        starts_at = request.starts_at or now
        if request.until <= max(starts_at, now):
            raise ActionRefused("the override must end after it starts, and after now")
        with self._lock, self.store.transaction() as tx:
            row = tx.add_duty_override(DutyOverrideRow(
                department_id=request.department, role=request.role, person_id=request.person, starts_at=starts_at,
                ends_at=request.until, reason=request.reason, created_by=principal.user, created_at=now, ended_by=None,
            ))  # fmt: skip
            tx.record(now, DutyOverridden(override=row.id, department=request.department, role=request.role,
                                          person=request.person, starts_at=starts_at, ends_at=request.until,
                                          by=principal.user, reason=request.reason))  # fmt: skip
            override_id = row.id
        self.follow_duty_overrides()
        return override_id

    def end_duty_override(self, principal: Principal, override_id: int) -> None:
        now = self.clock.now()
        with self._lock, self.store.transaction() as tx:
            row = tx.duty_override(override_id)
            if row is None or row.ends_at <= now:
                raise NotFound(f"no duty override {override_id} is in force or to come")
            _allowed(principal, "duty_override", self.org.departments[row.department_id].area)
            row.ends_at, row.ended_by = max(now, row.starts_at), principal.user
            tx.record(now, DutyOverrideEnded(override=override_id, by=principal.user))
        self.follow_duty_overrides()

    def duty_overrides(self, at: datetime | None = None) -> list[DutyOverrideRow]:
        """Overrides made at run time in force at `at` (default now) or still to come."""
        with self.store.transaction() as tx:
            return tx.duty_overrides_ending_after(at or self.clock.now())
