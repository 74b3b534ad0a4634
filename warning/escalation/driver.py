"""The one place that acts on escalation decisions: persists each step's outcome, claims its pages
in the effects ledger, and fences stale wake-ups with a token.

Everything here runs inside the caller's transaction, so a decision and the pages it claims commit
together: a crash either loses both (the step runs again, same keys) or keeps both (no repeat).
"""

from __future__ import annotations

from datetime import datetime

from warning.dispatch.messages import compose
from warning.domain import Channel, Level, NotificationPurpose, Person
from warning.escalation.org import Organisation
from warning.escalation.policy import PlannedPage, decide_step, snapshot_policy, total_positions
from warning.store.models import EscalationRow, IncidentRow, NotificationRow
from warning.store.repository import Transaction


class EscalationDriver:
    def __init__(self, org: Organisation) -> None:
        self.org = org

    def start(self, tx: Transaction, incident: IncidentRow, now: datetime) -> None:
        """Freeze the hazard's policy onto the incident and run its first step now."""
        policy = self.org.policy_for(incident.hazard)
        if policy is None:
            tx.record(
                now,
                "escalation_missing",
                f"no escalation policy covers hazard '{incident.hazard}': nobody is paged for "
                f"{incident.code}; add one to the organisation file",
                incident.id,
            )
            return
        chain = self.org.department_chain(policy.department_kind, incident.area)
        if not chain:
            tx.record(
                now,
                "escalation_missing",
                f"no {policy.department_kind} department covers area {incident.area} or any area "
                f"above it: nobody is paged for {incident.code}",
                incident.id,
            )
            return
        snapshot = snapshot_policy(policy, chain)
        tx.add_escalation(
            EscalationRow(
                incident_id=incident.id,
                policy=snapshot,
                step_index=0,
                tier=0,
                department_id=chain[0],
                due_at=now,
                token=1,
                state="active",
                stop_reason=None,
            )
        )
        tx.record(
            now,
            "escalation_started",
            f"escalation of {incident.code} follows policy {policy.id}: "
            f"{len(policy.steps)} steps through {', '.join(chain)}",
            incident.id,
            policy=snapshot,
        )
        self.run_due(tx, incident.id, 1, now)

    def run_due(self, tx: Transaction, incident_id: int, token: int, now: datetime) -> bool:
        """Run the step due for this incident if `token` is current; False for a stale wake-up."""
        escalation = tx.escalation(incident_id, for_update=True)
        if (
            escalation is None
            or escalation.state != "active"
            or escalation.token != token
            or escalation.due_at is None
            or escalation.due_at > now
        ):
            return False
        incident = tx.incident(incident_id)
        assert incident is not None  # foreign key: an escalation always has its incident
        if escalation.step_index >= total_positions(escalation.policy):
            self.stop(
                tx,
                incident,
                f"policy exhausted after {escalation.step_index} steps with no "
                f"acknowledgement; the dispatcher must follow up by hand",
                now,
                kind="escalation_exhausted",
            )
            return True
        outcome = decide_step(escalation.policy, incident_id, escalation.step_index, escalation.due_at, self.org)
        claimed = [self._claim_page(tx, incident, page, now) for page in outcome.pages]
        tx.record(
            now,
            "escalation_step",
            f"{incident.code}: {outcome.summary}",
            incident.id,
            position=escalation.step_index,
            department=outcome.department_id,
            pages=[page.key for page, ok in zip(outcome.pages, claimed, strict=True) if ok],
            next_at=outcome.next_at.isoformat() if outcome.next_at else None,
        )
        escalation.step_index = outcome.next_position
        escalation.tier = outcome.tier
        escalation.department_id = outcome.department_id
        escalation.due_at = outcome.next_at
        escalation.token += 1
        return True

    def escalate_now(self, tx: Transaction, incident: IncidentRow, person: Person, now: datetime) -> None:
        escalation = tx.escalation(incident.id, for_update=True)
        if escalation is None or escalation.state != "active":
            return
        escalation.due_at = now
        escalation.token += 1
        tx.record(
            now,
            "escalation_hastened",
            f"{person.name} asked to escalate {incident.code} now",
            incident.id,
            person=person.id,
        )

    def stop(
        self, tx: Transaction, incident: IncidentRow, reason: str, now: datetime, kind: str = "escalation_stopped"
    ) -> None:
        escalation = tx.escalation(incident.id, for_update=True)
        if escalation is None or escalation.state != "active":
            return
        escalation.state, escalation.stop_reason, escalation.due_at = "stopped", reason, None
        escalation.token += 1
        tx.record(now, kind, f"escalation of {incident.code} stopped: {reason}", incident.id)

    def engaged_departments(self, tx: Transaction, incident_id: int) -> list[str]:
        escalation = tx.escalation(incident_id)
        return list(escalation.policy["departments"]) if escalation is not None else []

    def inform_paged(self, tx: Transaction, incident: IncidentRow, purpose: NotificationPurpose, now: datetime) -> None:
        """Tell everyone already paged about a level change or a lift, by SMS, once per change."""
        paged: dict[str, NotificationRow] = {}
        for row in tx.notifications_for(incident.id):
            if row.purpose == NotificationPurpose.page.value:
                paged.setdefault(row.person_id, row)
        for person_id, first_page in paged.items():
            person = self.org.person(person_id)
            key = (
                f"incident:{incident.id}:{purpose.value}:{incident.level}:{incident.updated_at.isoformat()}:{person_id}"
            )
            page = PlannedPage(
                key,
                person,
                first_page.department_id,
                Channel.sms,
                f"{person.name} was paged for {incident.code}, so is told of the "
                f"{'lift' if purpose is NotificationPurpose.lifted else 'level change'}",
            )
            self._claim_page(tx, incident, page, now, purpose)

    def fall_back_to_voice(
        self, tx: Transaction, incident: IncidentRow, sms: NotificationRow, status: str, now: datetime
    ) -> None:
        """Call the person whose SMS page could not be delivered."""
        person = self.org.person(sms.person_id)
        why = f"the SMS page to {person.name} was {status}: calling instead"
        page = PlannedPage(f"{sms.idempotency_key}:fallback:voice", person, sms.department_id, Channel.voice, why)
        if self._claim_page(tx, incident, page, now):
            tx.record(now, "page_fallback", f"{incident.code}: {why}", incident.id, notification=page.key)

    def _claim_page(
        self,
        tx: Transaction,
        incident: IncidentRow,
        page: PlannedPage,
        now: datetime,
        purpose: NotificationPurpose = NotificationPurpose.page,
    ) -> bool:
        text = compose(
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
        row = tx.claim(
            NotificationRow(
                idempotency_key=page.key,
                incident_id=incident.id,
                person_id=page.person.id,
                department_id=page.department_id,
                phone=page.person.phone,
                channel=page.channel.value,
                purpose=purpose.value,
                language=page.person.language,
                text=text,
                exercise=incident.exercise,
                why=page.why,
                status="claimed",
                provider_sid=None,
                error=None,
                claimed_at=now,
                updated_at=now,
            )
        )
        return row is not None
