"""The one place that acts on escalation decisions: starts one track per engaged policy, persists
each step's outcome, claims its pages in the effects ledger, fences stale wake-ups with a token,
and settles acknowledgements (one for all below the quorum level; each department at or above it).

Everything here runs inside the caller's transaction, so a decision and the pages it claims commit
together: a crash either loses both (the step runs again, same keys) or keeps both (no repeat).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from warning.catalogue import N_, both, local_name
from warning.decisions.events import (
    EscalationExhausted,
    EscalationHastened,
    EscalationNotStarted,
    EscalationReevaluated,
    EscalationResumed,
    EscalationSilenced,
    EscalationStarted,
    EscalationStepTaken,
    EscalationStopped,
    FallbackCallPlaced,
    HandedOver,
    IncidentReopened,
    PageTaken,
    QuorumProgressed,
    StopCause,
    SuperiorInformed,
)
from warning.dispatch.messages import compose_message
from warning.domain import Acknowledgement, Channel, IncidentStatus, Level, NotificationPurpose, Person
from warning.errors import AcknowledgementRefused, ActionRefused
from warning.escalation.org import Organisation
from warning.escalation.policy import (
    PlannedPage,
    decide_step,
    plan_inform,
    snapshot_policy,
    start_tier,
    total_positions,
)
from warning.incidents.lifecycle import IncidentEvent, transition
from warning.incidents.service import acknowledge
from warning.ledger import DEFAULT_SMS_VALIDITY, PageContent, PageKey, claim_page
from warning.statuses import AWAITING, NOT_REACHED, PageStatus, TrackState, move_track
from warning.store.models import EscalationRow, IncidentRow, NotificationRow
from warning.store.repository import Transaction


def _awaiting(track: EscalationRow) -> bool:
    """Still waiting for its department's acknowledgement."""
    return TrackState(track.state) in AWAITING


def _paged(pages: tuple[PlannedPage, ...], claimed: list[bool]) -> list[PageTaken]:
    """Whom a step paged, by which channels, person by person in the step's order: the pages claimed
    now (one claimed before, by an earlier run of the step, is not paged again)."""
    by_person: dict[str, list[PlannedPage]] = {}
    for page, ok in zip(pages, claimed, strict=True):
        if ok:
            by_person.setdefault(page.person.id, []).append(page)
    return [
        PageTaken(person=person, channels=[p.channel for p in taken], notifications=[p.key for p in taken])
        for person, taken in by_person.items()
    ]


class EscalationDriver:
    def __init__(self, org: Organisation) -> None:
        self.org = org

    # starting ------------------------------------------------------------------------------

    def start(self, tx: Transaction, incident: IncidentRow, now: datetime) -> None:
        """Freeze every policy the warning engages onto the incident and run each first step now."""
        if not self.org.policies_for(incident.hazard, Level(incident.level)):
            missing = EscalationNotStarted(incident=incident.code, cause="no_policy", level=Level(incident.level),
                                           hazard=incident.hazard, area=incident.area)  # fmt: skip
            tx.record(now, missing, incident.id)
            return
        self._engage(tx, incident, now)

    def _engage(self, tx: Transaction, incident: IncidentRow, now: datetime) -> list[EscalationRow]:
        """Start a track for each policy the incident's level engages that has none yet."""
        level = Level(incident.level)
        existing = {row.policy_id for row in tx.escalations_of(incident.id)}
        started: list[EscalationRow] = []
        for policy in self.org.policies_for(incident.hazard, level):
            if policy.id in existing:
                continue
            chain = self.org.department_chain(policy.department_kind, incident.area)
            if not chain:
                missing = EscalationNotStarted(incident=incident.code, cause="no_department", level=level,
                                               hazard=incident.hazard, area=incident.area, policy=policy.id,
                                               department_kind=policy.department_kind)  # fmt: skip
                tx.record(now, missing, incident.id)
                continue
            row = self._start_track(tx, incident, policy.id, snapshot_policy(policy, chain), now)
            started.append(row)
        return started

    def _start_track(
        self, tx: Transaction, incident: IncidentRow, policy_id: str, snapshot: dict[str, Any], now: datetime
    ) -> EscalationRow:
        """A track under the frozen `snapshot`, its first step run now."""
        chain = list(snapshot["departments"])
        row = EscalationRow(
            incident_id=incident.id, policy_id=policy_id, policy=snapshot, step_index=0, tier=0,
            department_id=chain[0], due_at=now, token=1, state=TrackState.active.value, stop_reason=None,
            acknowledged_by=None, acknowledged_at=None,
        )  # fmt: skip
        tx.add_escalation(row)
        started_event = EscalationStarted(
            incident=incident.code, policy=policy_id, steps=len(snapshot["steps"]), departments=chain,
            organisation=self.org.version, snapshot=snapshot,
        )  # fmt: skip
        tx.record(now, started_event, incident.id)
        self._inform(tx, incident, row, now)
        self.run_due(tx, row.id, row.token, now)
        return row

    # by hand -------------------------------------------------------------------------------

    def engage_department(self, tx: Transaction, incident: IncidentRow, department_id: str, now: datetime) -> str:
        """Page a named department now (a dispatcher escalates or reassigns to it): a track starting
        at that department and going up its tier tree, with the steps of the hazard's policy for its
        kind (or its duty officer, then the tier above, every 15 minutes). The track's policy id."""
        department = self.org.departments[department_id]
        chain = self.org.department_chain(department.kind, department.area)
        chain = [department_id, *(d for d in chain if d != department_id)]
        policy_id = f"hand:{department_id}"
        existing = next((t for t in tx.escalations_of(incident.id, for_update=True) if t.policy_id == policy_id), None)
        if existing is not None:
            state = "is being paged" if _awaiting(existing) else f"was paged ({existing.state})"
            raise ActionRefused(f"{department.name} {state} for {incident.code} already; page again instead")
        model = next((p for p in self.org.spec.policies if p.hazard == incident.hazard
                      and p.department_kind == department.kind), None)  # fmt: skip
        if model is not None:
            snapshot = snapshot_policy(model, chain)
            snapshot["start_up"] = {}
        else:
            step = {"notify": "duty_officer", "channels": None, "wait_seconds": 900, "min_level": None, "hours": None}
            snapshot = {
                "policy_id": policy_id, "hazard": incident.hazard, "department_kind": department.kind, "repeat": 0,
                "departments": chain, "start_up": {}, "inform_up": {}, "sms_validity_seconds": DEFAULT_SMS_VALIDITY,
                "on_failure": ["voice"], "steps": [step | {"up": 0}, step | {"up": 1}],
            }  # fmt: skip
        snapshot["policy_id"] = policy_id
        self._start_track(tx, incident, policy_id, snapshot, now)
        if incident.status == IncidentStatus.acknowledged.value:
            status = transition(IncidentStatus(incident.status), IncidentEvent.departments_added)
            assert status is not None
            incident.status = status.value
            tx.record(now, IncidentReopened(incident=incident.code, level=Level(incident.level)), incident.id)
        return policy_id

    def hasten(self, tx: Transaction, incident: IncidentRow, departments: set[str] | None, by: str,
               now: datetime) -> list[str]:  # fmt: skip
        """Bring the next step of every waiting track (of `departments`, when given) forward to now;
        the policies moved."""
        moved = []
        for track in tx.escalations_of(incident.id, for_update=True):
            if track.state != TrackState.active or track.due_at is None:
                continue
            if departments is not None and not departments & set(track.policy["departments"]):
                continue
            self._hasten(tx, incident, track, EscalationHastened(incident=incident.code, policy=track.policy_id,
                                                                 person=by, cause="asked"), now)  # fmt: skip
            moved.append(track.policy_id)
        return moved

    def jump_to_tier(self, tx: Transaction, incident: IncidentRow, tier: int, now: datetime) -> list[str]:
        """Every waiting track goes straight to its first step at `tier` tiers above the incident's
        area or higher, now; the policies moved (a track with no such step stays as it is)."""
        moved = []
        level = Level(incident.level)
        for track in tx.escalations_of(incident.id, for_update=True):
            if not _awaiting(track):
                continue
            steps, start = track.policy["steps"], start_tier(track.policy, level)
            for position in range(track.step_index, total_positions(track.policy)):
                if start + int(steps[position % len(steps)]["up"]) >= tier:
                    track.step_index, track.due_at, track.token = position, now, track.token + 1
                    move_track(track, TrackState.active)
                    moved.append(track.policy_id)
                    break
        return moved

    def repage(self, tx: Transaction, incident: IncidentRow, people: list[str] | None, departments: set[str] | None,
               why: str, now: datetime) -> list[str]:  # fmt: skip
        """Page again now, by their own channels: the named people, or whoever the current step of each
        waiting track (of `departments`, when given) paged last. The people paged."""
        tracks = [t for t in tx.escalations_of(incident.id) if _awaiting(t)
                  and (departments is None or departments & set(t.policy["departments"]))]  # fmt: skip
        targets: dict[str, EscalationRow] = {}
        if people is not None:
            for person_id in people:
                person = self.org.person(person_id)
                track = next((t for t in tracks if person.department in t.policy["departments"]), None)
                if track is None:
                    raise ActionRefused(f"{person.name}'s department is not awaited on {incident.code}")
                targets[person_id] = track
        else:
            for track in tracks:
                last = [
                    row for row in tx.notifications_for(incident.id)
                    if row.policy_id == track.policy_id and row.purpose == NotificationPurpose.page.value
                ]  # fmt: skip
                if last:
                    latest = max(row.claimed_at for row in last)
                    for row in last:
                        if row.claimed_at == latest:
                            targets.setdefault(row.person_id, track)
        if not targets:
            raise ActionRefused(f"nobody awaited on {incident.code} has been paged yet; escalate instead")
        for person_id, track in targets.items():
            person = self.org.person(person_id)
            for channel in self.org.preferred_channels(person_id):
                key = PageKey.repage(incident.id, track.policy_id, person_id, now, channel)
                self._claim_page(tx, incident, PlannedPage(key, person, person.department, why), now, track=track)
        return list(targets)

    def _inform(self, tx: Transaction, incident: IncidentRow, track: EscalationRow, now: datetime) -> None:
        page = plan_inform(track.policy, incident.id, Level(incident.level), self.org, now)
        if page is not None and self._claim_page(tx, incident, page, now, NotificationPurpose.inform):
            informed = SuperiorInformed(
                incident=incident.code,
                level=Level(incident.level),
                policy=track.policy_id,
                person=page.person.id,
                department=page.department_id,
                notification=page.key,
            )
            tx.record(now, informed, incident.id)

    # stepping ------------------------------------------------------------------------------

    def run_due(self, tx: Transaction, escalation_id: int, token: int, now: datetime) -> bool:
        """Run the step due on this track if `token` is current; False for a stale wake-up."""
        track = tx.escalation(escalation_id, for_update=True)
        if (
            track is None
            or track.state != TrackState.active
            or track.token != token
            or track.due_at is None
            or track.due_at > now
        ):
            return False
        incident = tx.incident(track.incident_id)
        assert incident is not None  # foreign key: an escalation always has its incident
        silence = tx.silence_for(incident, now)
        if silence is not None:  # a maintenance window: the step waits for its end, nothing is lost
            if track.silence_id != silence.id:
                silenced = EscalationSilenced(incident=incident.code, policy=track.policy_id, silence=silence.id,
                                              until=silence.ends_at)  # fmt: skip
                tx.record(now, silenced, incident.id)
            track.due_at, track.silence_id = silence.ends_at, silence.id
            track.token += 1
            return True
        track.silence_id = None
        if track.step_index >= total_positions(track.policy):
            move_track(track, TrackState.exhausted)
            track.due_at = None
            track.token += 1
            exhausted = EscalationExhausted(incident=incident.code, policy=track.policy_id, steps=track.step_index)
            tx.record(now, exhausted, incident.id)
            return True
        due_at = track.due_at
        level = Level(incident.level)
        # Skipped steps (condition unmet) take no time: decide on until a step pages or waits.
        while True:
            outcome = decide_step(track.policy, incident.id, track.step_index, due_at, level, self.org, now)
            claimed = [self._claim_page(tx, incident, page, now, track=track) for page in outcome.pages]
            taken = EscalationStepTaken(
                incident=incident.code, policy=track.policy_id, position=track.step_index, step=outcome.step,
                steps=outcome.steps, round=outcome.round, department=outcome.department_id, role=outcome.role,
                paged=_paged(outcome.pages, claimed), skipped=outcome.skip, skip_detail=outcome.skip_detail,
                due_at=due_at, next_at=outcome.next_at,
            )  # fmt: skip
            tx.record(now, taken, incident.id)
            track.step_index = outcome.next_position
            track.tier = outcome.tier
            track.department_id = outcome.department_id
            track.due_at = outcome.next_at
            if not outcome.skipped or track.step_index >= total_positions(track.policy):
                break
        track.token += 1
        return True

    def level_changed(self, tx: Transaction, incident: IncidentRow, upgraded: bool, now: datetime) -> None:
        """On an upgrade, re-decide each waiting track's current step at the new level: whoever it
        now reaches and was not paged yet (a higher starting tier, a step that applies from this
        level) is paged now and the step's wait starts again; if it reaches nobody new, the track
        keeps its schedule. Then start the tracks the new level engages, and inform upward."""
        if not upgraded:
            return
        level = Level(incident.level)
        still_silenced = tx.silence_for(incident, now) is not None
        if not still_silenced:
            tx.release_silenced_pages(incident.id, now)  # e.g. a silence `up_to` yellow, and now it is red
        for track in tx.escalations_of(incident.id, for_update=True):
            if track.state != TrackState.stopped:
                self._inform(tx, incident, track, now)  # the province hears of a red warning, acknowledged or not
            if track.state == TrackState.active and track.silence_id is not None and not still_silenced:
                self._resume(tx, incident, track, now)
                continue
            if not _awaiting(track) or track.step_index == 0:
                continue
            position = track.step_index - 1
            outcome = decide_step(track.policy, incident.id, position, now, level, self.org, now)
            claimed = [self._claim_page(tx, incident, page, now, track=track) for page in outcome.pages]
            if not any(claimed):
                continue
            reevaluated = EscalationReevaluated(
                incident=incident.code,
                level=level,
                policy=track.policy_id,
                position=position,
                department=outcome.department_id,
                paged=_paged(outcome.pages, claimed),
                next_at=outcome.next_at,
            )
            tx.record(now, reevaluated, incident.id)
            move_track(track, TrackState.active)
            track.due_at = outcome.next_at
            track.tier, track.department_id = outcome.tier, outcome.department_id
            track.token += 1
        if self._engage(tx, incident, now) and incident.status == IncidentStatus.acknowledged.value:
            status = transition(IncidentStatus(incident.status), IncidentEvent.departments_added)
            assert status is not None
            incident.status = status.value
            tx.record(now, IncidentReopened(incident=incident.code, level=level), incident.id)

    def causes_changed(self, tx: Transaction, incident: IncidentRow, now: datetime) -> None:
        """A cause joined or cleared without moving the level: a silence that covered every cause
        before may not cover the new one, and what waited for it goes on now."""
        if tx.silence_for(incident, now) is not None:
            return
        tx.release_silenced_pages(incident.id, now)
        for track in tx.escalations_of(incident.id, for_update=True):
            if track.state == TrackState.active and track.silence_id is not None:
                self._resume(tx, incident, track, now)

    def _resume(self, tx: Transaction, incident: IncidentRow, track: EscalationRow, now: datetime) -> None:
        track.due_at, track.token = now, track.token + 1
        resumed = EscalationResumed(incident=incident.code, level=Level(incident.level), policy=track.policy_id)
        tx.record(now, resumed, incident.id)

    def escalate_now(self, tx: Transaction, incident: IncidentRow, person: Person, now: datetime) -> None:
        """Bring the next step of the person's own track forward to now."""
        for track in tx.escalations_of(incident.id, for_update=True):
            if track.state != TrackState.active or person.department not in track.policy["departments"]:
                continue
            track.due_at = now
            track.token += 1
            hastened = EscalationHastened(
                incident=incident.code, policy=track.policy_id, person=person.id, cause="asked"
            )
            tx.record(now, hastened, incident.id)

    def stop(
        self, tx: Transaction, incident: IncidentRow, cause: StopCause, now: datetime, only: set[str] | None = None
    ) -> list[str]:
        """Stop every track still waiting (of the policies `only` names, when given): the warning was
        lifted, joined another or was reassigned. The policies stopped."""
        stopped = []
        reason = {"lifted": "warning lifted", "merged": "warning merged into another",
                  "reassigned": "warning reassigned"}[cause]  # fmt: skip
        for track in tx.escalations_of(incident.id, for_update=True):
            if not _awaiting(track) or (only is not None and track.policy_id not in only):
                continue
            move_track(track, TrackState.stopped)
            track.stop_reason, track.due_at = reason, None
            track.token += 1
            tx.record(now, EscalationStopped(incident=incident.code, policy=track.policy_id, cause=cause), incident.id)
            stopped.append(track.policy_id)
        return stopped

    # acknowledgement and hand-over ---------------------------------------------------------

    def engaged_departments(self, tx: Transaction, incident_id: int) -> list[str]:
        return [dept for track in tx.escalations_of(incident_id) for dept in track.policy["departments"]]

    def acknowledge(self, tx: Transaction, incident: IncidentRow, person: Person, ack: Acknowledgement) -> None:
        """Settle an acknowledgement. Below the quorum level one engaged department acknowledges for
        all; from it up, each engaged department's track stops only with its own acknowledgement and
        the incident is acknowledged when the last one does. Refusals raise AcknowledgementRefused."""
        tracks = tx.escalations_of(incident.id, for_update=True)
        mine = [track for track in tracks if person.department in track.policy["departments"]]
        if not mine:
            raise _not_engaged(person, incident.code)
        if incident.status == IncidentStatus.lifted.value:
            raise AcknowledgementRefused(both("incident {code} is lifted, not awaiting acknowledgement",
                                              code=incident.code))  # fmt: skip
        pending = [track for track in mine if _awaiting(track)]
        if not pending:
            by = ", ".join(sorted({t.acknowledged_by or "?" for t in mine}))
            department = self.org.departments[person.department]
            raise AcknowledgementRefused(both("incident {code} was already acknowledged for {department} (by {by})",
                                              code=incident.code, by=by,
                                              department=local_name(department.name, department.name_zh)))  # fmt: skip
        quorum = self.org.quorum_applies(Level(incident.level)) and len(tracks) > 1
        settles = pending if quorum else [track for track in tracks if _awaiting(track)]
        for track in settles:
            move_track(track, TrackState.acknowledged)
            track.due_at, track.stop_reason = None, f"acknowledged by {person.name}"
            track.acknowledged_by, track.acknowledged_at = person.id, ack.at
            track.token += 1
        waiting = [track for track in tracks if _awaiting(track)]
        if waiting:
            kinds = [str(track.policy["department_kind"]) for track in waiting]
            done = len(tracks) - len(waiting)
            progressed = QuorumProgressed(
                incident=incident.code, level=Level(incident.level), person=person.id, source=ack.source,
                department=person.department, acknowledged=done, engaged=len(tracks),
                awaiting=[t.policy_id for t in waiting], awaiting_kinds=kinds,
                acknowledgement=ack.model_dump(mode="json", exclude_none=True), by=ack.by,
            )  # fmt: skip
            tx.record(ack.at, progressed, incident.id)
            return
        acknowledge(tx, incident, person, ack, quorum=len(tracks) if quorum else None)

    def hand_over(
        self, tx: Transaction, incident: IncidentRow, person: Person, colleague: Person, now: datetime
    ) -> None:
        """`person` hands the incident to a colleague of the same department, who is paged now and
        given the current step's wait to acknowledge before escalation goes on."""
        if colleague.department != person.department:
            department = self.org.departments[person.department]
            message = N_("{colleague} is not in {person}'s department; hand over to a colleague of {department}")
            raise AcknowledgementRefused(both(message, colleague=_named(colleague), person=_named(person),
                                              department=local_name(department.name, department.name_zh)))  # fmt: skip
        if incident.status == IncidentStatus.lifted.value:
            raise AcknowledgementRefused(both("incident {code} is lifted; nothing to hand over", code=incident.code))
        mine = [
            t for t in tx.escalations_of(incident.id, for_update=True) if person.department in t.policy["departments"]
        ]
        if not mine:
            raise _not_engaged(person, incident.code)
        track = mine[0]
        handed = HandedOver(incident=incident.code, person=person.id, to=colleague.id, policy=track.policy_id)
        tx.record(now, handed, incident.id)
        for channel in self.org.preferred_channels(colleague.id):
            key = PageKey.handover(incident.id, track.policy_id, colleague.id, now, channel)
            why = f"{person.name} handed {incident.code} over to {colleague.name}"
            page = PlannedPage(key, colleague, person.department, why)
            self._claim_page(tx, incident, page, now, track=track)
        if track.state == TrackState.active and track.step_index:
            step = track.policy["steps"][(track.step_index - 1) % len(track.policy["steps"])]
            track.due_at = now + timedelta(seconds=int(step["wait_seconds"]))
            track.token += 1

    # informing -----------------------------------------------------------------------------

    def inform_paged(self, tx: Transaction, incident: IncidentRow, purpose: NotificationPurpose, now: datetime) -> None:
        """Tell everyone already paged or informed about a level change or a lift, by SMS, once per
        change; except whoever was just paged or informed at the new level."""
        paged: dict[str, NotificationRow] = {}
        just_paged: set[str] = set()
        for row in tx.notifications_for(incident.id):
            if row.purpose in (NotificationPurpose.page.value, NotificationPurpose.inform.value):
                paged.setdefault(row.person_id, row)
                if row.claimed_at == now:
                    just_paged.add(row.person_id)
        for person_id, first_page in paged.items():
            if person_id in just_paged and purpose is NotificationPurpose.update:
                continue
            person = self.org.person(person_id)
            key = PageKey.told(incident.id, purpose, Level(incident.level), incident.updated_at, person_id)
            page = PlannedPage(
                key,
                person,
                first_page.department_id,
                f"{person.name} was told of {incident.code}, so is told of the "
                f"{'lift' if purpose is NotificationPurpose.lifted else 'level change'}",
            )
            self._claim_page(tx, incident, page, now, purpose)

    def page_failed(
        self, tx: Transaction, incident: IncidentRow, row: NotificationRow, why: str, now: datetime
    ) -> None:
        """A page that could not reach its person, on a warning still open: do what the track's
        policy says (`on_failure`): call the person instead of the SMS, and/or bring the next step
        forward once every page of the step to that person has failed."""
        track = self._track_of_page(tx, incident, row)
        if track is None or not _awaiting(track):
            return  # not a step page, the department acknowledged meanwhile, or the warning was lifted
        on_failure = track.policy.get("on_failure", ["voice"])
        if (
            row.channel == Channel.sms.value
            and "voice" in on_failure
            and self.fall_back_to_voice(tx, incident, row, why, now)
        ):
            return
        last_step = row.position is not None and track.step_index == row.position + 1
        if "next_step" not in on_failure or track.state != TrackState.active or not last_step:
            return
        step_pages = [
            other for other in tx.notifications_for(incident.id)
            if (other.policy_id, other.position, other.person_id) == (row.policy_id, row.position, row.person_id)
        ]  # fmt: skip
        if any(PageStatus(other.status) not in NOT_REACHED for other in step_pages):
            return  # another page of the step may still reach them
        unreachable = EscalationHastened(incident=incident.code, policy=track.policy_id, person=row.person_id,
                                         cause="unreachable", failure=why)  # fmt: skip
        self._hasten(tx, incident, track, unreachable, now)

    def hand_on_held_page(self, tx: Transaction, row: NotificationRow, held_until: datetime, now: datetime) -> bool:
        """A page the carriers would hold for long on every channel: with `next_step` in the policy's
        `on_failure`, the next step runs now (the next person) and the page is not sent."""
        incident = tx.incident(row.incident_id)
        assert incident is not None
        track = self._track_of_page(tx, incident, row)
        if track is None or row.position is None:
            return False
        if (
            track.state != TrackState.active
            or track.step_index != row.position + 1
            or "next_step" not in track.policy.get("on_failure", [])
        ):
            return False
        held = EscalationHastened(incident=incident.code, policy=track.policy_id, person=row.person_id,
                                  cause="carrier_budget", held_until=held_until)  # fmt: skip
        self._hasten(tx, incident, track, held, now)
        return True

    def _track_of_page(self, tx: Transaction, incident: IncidentRow, row: NotificationRow) -> EscalationRow | None:
        """The track of a step page (or its fallback or move) on a warning still open; None for any other."""
        if not PageKey.of(row).of_a_step or incident.status != IncidentStatus.open.value:
            return None
        return next((t for t in tx.escalations_of(incident.id, for_update=True) if t.policy_id == row.policy_id), None)

    def _hasten(
        self, tx: Transaction, incident: IncidentRow, track: EscalationRow, hastened: EscalationHastened, now: datetime
    ) -> None:
        track.due_at, track.token = now, track.token + 1
        tx.record(now, hastened, incident.id)

    def fall_back_to_voice(self, tx: Transaction, incident: IncidentRow, sms: NotificationRow, why: str,
                           now: datetime) -> bool:  # fmt: skip
        """Call the person whose SMS page could not be delivered; False if that call was made already."""
        person = self.org.person(sms.person_id)
        reason = f"the SMS page to {person.name} was {why}: calling instead"
        page = PlannedPage(PageKey.of(sms).fallback(), person, sms.department_id, reason)
        if not self._claim_page(tx, incident, page, now):
            return False
        fallback = FallbackCallPlaced(incident=incident.code, person=person.id, failed=why, sms=sms.idempotency_key,
                                      notification=page.key)  # fmt: skip
        tx.record(now, fallback, incident.id)
        return True

    def _claim_page(
        self,
        tx: Transaction,
        incident: IncidentRow,
        page: PlannedPage,
        now: datetime,
        purpose: NotificationPurpose = NotificationPurpose.page,
        *,
        track: EscalationRow | None = None,
    ) -> bool:
        message = compose_message(
            purpose=purpose,
            channel=page.channel,
            language=page.person.language,
            exercise=incident.exercise,
            code=incident.code,
            hazard=incident.hazard,
            level=Level(incident.level),
            title=incident.title,
            reason=incident.reason,
            content=incident.content,
        )
        content = PageContent(department_id=page.department_id, phone=page.person.phone, language=page.person.language,
                              text=message.text, exercise=incident.exercise, why=page.why,
                              parts=message.parts())  # fmt: skip
        valid_for = None
        if track is not None and page.channel is Channel.sms and purpose is NotificationPurpose.page:
            valid_for = timedelta(seconds=int(track.policy.get("sms_validity_seconds", DEFAULT_SMS_VALIDITY)))
        return claim_page(tx, page.address, content, purpose, now, valid_for=valid_for) is not None


def _named(person: Person) -> dict[str, str]:
    return local_name(person.name, person.name_zh)


def _not_engaged(person: Person, code: str) -> AcknowledgementRefused:
    return AcknowledgementRefused(both("{person} is not in a department engaged in incident {code}",
                                       person=_named(person), code=code))  # fmt: skip
