"""Every decision the engine records, as a typed event named in the past tense: what the console, the
after-action report and outside systems read. The decision log stores each event's fields (`data`,
with its `kind`) and its English summary, rendered from the fields by `render.py`.

The contract is versioned (`LOG_VERSION`) and published as JSON Schema (`warning schema decisions`):
a field is added in a compatible way (optional, with a default) or the version goes up.

Conventions: `incident` is the incident's code (F0001); `person`, `department`, `policy`, `rule` and
`station` are ids; `notification` is a page's idempotency key; times are ISO 8601 with offset.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from warning.domain import AckSource, Channel, Level, NotificationPurpose

LOG_VERSION = 1


class Event(BaseModel):
    # Published with every field required, defaults included: a reader can count on `kind`.
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_serialization_defaults_required=True)

    kind: str


# readings and feeds --------------------------------------------------------------------------


class InputDeadLettered(Event):
    """A payload that is not a reading, set aside with why."""

    kind: Literal["input_dead_lettered"] = "input_dead_lettered"
    source: str
    reason: str


class ReadingsRedelivered(Event):
    """Readings judged before came again (one event per batch) and were not judged twice."""

    kind: Literal["readings_redelivered"] = "readings_redelivered"
    count: int
    readings: list[str] = Field(description="the first few reading ids")


class QualityGateFailed(Event):
    kind: Literal["quality_gate_failed"] = "quality_gate_failed"
    rule: str
    station: str
    problems: list[str]
    reading: str
    blocks: bool = Field(description="true: its readings are not judged; false: judged as Possible")


class QualityGatePassed(Event):
    kind: Literal["quality_gate_passed"] = "quality_gate_passed"
    rule: str
    station: str
    reading: str


# configuration ------------------------------------------------------------------------------


class OrganisationLoaded(Event):
    kind: Literal["organisation_loaded"] = "organisation_loaded"
    version: str
    source: str
    departments: int
    people: int
    policies: int


class OrganisationReloadRefused(Event):
    """The new organisation file has problems: the running one stays in force."""

    kind: Literal["organisation_reload_refused"] = "organisation_reload_refused"
    source: str
    problems: list[str]


class RulesReloadRefused(Event):
    kind: Literal["rules_reload_refused"] = "rules_reload_refused"
    source: str
    problems: list[str]


class RulesReloaded(Event):
    kind: Literal["rules_reloaded"] = "rules_reloaded"
    versions: dict[str, str] = Field(description="rule or compound id -> version in force")


# incidents ----------------------------------------------------------------------------------


class Evidence(BaseModel):
    """What a detection was judged on."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_serialization_defaults_required=True)

    rule: str
    rule_version: str
    station: str
    reading: dict[str, Any] | None = Field(description="the reading that decided, as the feed sent it")
    no_data: bool = False
    thresholds: list[dict[str, Any]] = []
    signal_value: float | None = None
    certainty: str
    quality: list[str] = []
    reason: str = Field(description="the rule engine's account of the detection (English)")
    message: dict[str, str] = Field(default={}, description="the rule's own message, by language")
    said: dict[str, str] = Field(default={}, description="the reason by language (zh-CN, en), where the rule made one")

    @property
    def judged_on_value(self) -> bool:
        """Judged on the reading's own value (a stage), not a rate, a window or a silence."""
        value = (self.reading or {}).get("value")
        return not self.no_data and self.signal_value is not None and value == self.signal_value


class IncidentOpened(Event):
    kind: Literal["incident_opened"] = "incident_opened"
    incident: str
    level: Level
    hazard: str
    area: str
    evidence: Evidence


class IncidentUpgraded(Event):
    kind: Literal["incident_upgraded"] = "incident_upgraded"
    incident: str
    from_level: Level
    level: Level
    evidence: Evidence


class IncidentDowngraded(Event):
    kind: Literal["incident_downgraded"] = "incident_downgraded"
    incident: str
    from_level: Level
    level: Level
    evidence: Evidence


class IncidentLifted(Event):
    kind: Literal["incident_lifted"] = "incident_lifted"
    incident: str
    from_level: Level
    evidence: Evidence


class CauseAdded(Event):
    """A detection joined an open incident as a new cause (the same situation: its group key, or a
    compound's area): it pages nobody by itself; the incident's level is the highest of its causes."""

    kind: Literal["cause_added"] = "cause_added"
    incident: str
    level: Level = Field(description="the new cause's level")
    incident_level: Level
    evidence: Evidence


class CauseChanged(Event):
    """A cause moved to another level without moving its incident's (another cause is higher)."""

    kind: Literal["cause_changed"] = "cause_changed"
    incident: str
    from_level: Level
    level: Level
    incident_level: Level
    evidence: Evidence


class CauseCleared(Event):
    """A cause cleared while others still stand: the incident stays open at the highest of them."""

    kind: Literal["cause_cleared"] = "cause_cleared"
    incident: str
    from_level: Level
    incident_level: Level
    causes_left: int
    evidence: Evidence


class IncidentMerged(Event):
    """A warning's causes joined a compound's incident (attach_members): it is closed into that one,
    and its escalation stops there; the compound's incident pages from now on."""

    kind: Literal["incident_merged"] = "incident_merged"
    incident: str
    into: str
    causes: list[str] = Field(description="the detection keys that moved")


# hand actions: every one names the user who took it (`by`, and their name as the console shows it)


class _ByHand(Event):
    incident: str
    by: str = Field(description="the user (or person:<id> for a token from the settings)")
    by_name: str


class IncidentCreated(_ByHand):
    """A dispatcher (or an officer) opened a warning by hand: a hotline report, a field report."""

    kind: Literal["incident_created"] = "incident_created"
    level: Level
    hazard: str
    area: str
    title: str
    description: str
    source: str = Field(description="hotline_12345, video_analytics, field_report, another_agency, other")
    callback: str | None = Field(default=None, description="the reporter's callback number")
    location: tuple[float, float] | None = Field(default=None, description="[longitude, latitude]")
    station: str | None = None


class IncidentRelevelled(_ByHand):
    """The level set by hand; it holds until a cause rises above it or another hand sets it."""

    kind: Literal["incident_relevelled"] = "incident_relevelled"
    from_level: Level
    level: Level
    reason: str


class IncidentClosed(_ByHand):
    """Lifted by hand (the sensor died; a false alarm; handled): every cause cleared."""

    kind: Literal["incident_closed"] = "incident_closed"
    from_level: Level
    reason: str
    told: bool = Field(description="whether everyone paged is told of the lift")


class IncidentReassigned(_ByHand):
    kind: Literal["incident_reassigned"] = "incident_reassigned"
    to: str = Field(description="the department now paged")
    stopped: list[str] = Field(description="the policies whose escalation stopped")
    reason: str


class EscalatedByHand(_ByHand):
    kind: Literal["escalated_by_hand"] = "escalated_by_hand"
    to: Literal["next_step", "tier", "department"]
    tier: int | None = None
    department: str | None = None
    policies: list[str] = Field(description="the tracks moved, or the one started for the department")


class NoteAdded(_ByHand):
    kind: Literal["note_added"] = "note_added"
    text: str


class Repaged(_ByHand):
    kind: Literal["repaged"] = "repaged"
    people: list[str]


class DutyOverridden(Event):
    kind: Literal["duty_overridden"] = "duty_overridden"
    override: int
    department: str
    role: str
    person: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    by: str
    reason: str


class DutyOverrideEnded(Event):
    kind: Literal["duty_override_ended"] = "duty_override_ended"
    override: int
    by: str


class IncidentAcknowledged(Event):
    kind: Literal["incident_acknowledged"] = "incident_acknowledged"
    incident: str
    person: str
    source: AckSource
    acknowledged_at: AwareDatetime
    quorum: int | None = Field(default=None, description="departments that acknowledged, when a quorum applied")
    by: str | None = Field(default=None, description="the user who recorded it on the person's behalf")
    note: str | None = None


class IncidentReopened(Event):
    """An upgrade engaged departments that have not acknowledged yet: the incident awaits them."""

    kind: Literal["incident_reopened"] = "incident_reopened"
    incident: str
    level: Level


class AcknowledgementRefusedEvent(Event):
    kind: Literal["acknowledgement_refused"] = "acknowledgement_refused"
    incident: str = Field(description="the code as given: it may name no incident")
    person: str
    source: AckSource
    reason: str


class QuorumProgressed(Event):
    """One department of several acknowledged a warning at the quorum level; others are awaited."""

    kind: Literal["quorum_progressed"] = "quorum_progressed"
    incident: str
    level: Level
    person: str
    source: AckSource
    department: str
    acknowledged: int
    engaged: int
    awaiting: list[str] = Field(description="policies still awaiting acknowledgement")
    awaiting_kinds: list[str] = Field(description="their department kinds")
    acknowledgement: dict[str, Any]
    by: str | None = Field(default=None, description="the user who recorded it on the person's behalf")


class HandedOver(Event):
    kind: Literal["handed_over"] = "handed_over"
    incident: str
    person: str
    to: str
    policy: str


class HandoverRefused(Event):
    kind: Literal["handover_refused"] = "handover_refused"
    incident: str
    person: str
    to: str
    reason: str


# escalation ---------------------------------------------------------------------------------


class EscalationNotStarted(Event):
    """Nobody is paged for a warning: no policy covers it, or no department of the policy's kind covers
    its area."""

    kind: Literal["escalation_not_started"] = "escalation_not_started"
    incident: str
    cause: Literal["no_policy", "no_department"]
    level: Level
    hazard: str
    area: str
    policy: str | None = None
    department_kind: str | None = None


class EscalationStarted(Event):
    kind: Literal["escalation_started"] = "escalation_started"
    incident: str
    policy: str
    steps: int
    departments: list[str]
    organisation: str = Field(description="the organisation version the policy was frozen from")
    snapshot: dict[str, Any] = Field(description="the policy as frozen onto the incident")


class PageTaken(BaseModel):
    """Who a step reached and how."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_serialization_defaults_required=True)

    person: str
    channels: list[Channel]
    notifications: list[str]


StepSkip = Literal["beyond_top", "below_level", "outside_hours", "nobody_in_role"]


class EscalationStepTaken(Event):
    kind: Literal["escalation_step_taken"] = "escalation_step_taken"
    incident: str
    policy: str
    position: int = Field(description="counting across repeats from 0")
    step: int = Field(description="the step of the policy, from 1")
    steps: int
    round: int = Field(description="from 1")
    department: str
    role: str
    paged: list[PageTaken]
    skipped: StepSkip | None = None
    skip_detail: dict[str, str] = Field(default={}, description="min_level and level; hours, zone and local time")
    due_at: AwareDatetime
    next_at: AwareDatetime | None


class EscalationReevaluated(Event):
    """An upgrade re-decided the current step: whoever it now reaches and was not paged is paged."""

    kind: Literal["escalation_reevaluated"] = "escalation_reevaluated"
    incident: str
    level: Level
    policy: str
    position: int
    department: str
    paged: list[PageTaken]
    next_at: AwareDatetime | None


class SuperiorInformed(Event):
    """A policy's `inform_up`: a higher tier's duty officer told by SMS, no acknowledgement asked."""

    kind: Literal["superior_informed"] = "superior_informed"
    incident: str
    level: Level
    policy: str
    person: str
    department: str
    notification: str


class EscalationSilenced(Event):
    kind: Literal["escalation_silenced"] = "escalation_silenced"
    incident: str
    policy: str
    silence: int
    until: AwareDatetime


class EscalationResumed(Event):
    kind: Literal["escalation_resumed"] = "escalation_resumed"
    incident: str
    level: Level
    policy: str


class EscalationExhausted(Event):
    """Every step ran and nobody acknowledged: the dispatcher must follow up by hand."""

    kind: Literal["escalation_exhausted"] = "escalation_exhausted"
    incident: str
    policy: str
    steps: int


class EscalationHastened(Event):
    """The next step runs now: someone asked, or the person paged cannot be reached."""

    kind: Literal["escalation_hastened"] = "escalation_hastened"
    incident: str
    policy: str
    person: str
    cause: Literal["asked", "unreachable", "carrier_budget"]
    failure: str | None = Field(default=None, description="unreachable: what became of the page")
    held_until: AwareDatetime | None = Field(default=None, description="carrier_budget: the earliest send")


StopCause = Literal["lifted", "merged", "reassigned"]


class EscalationStopped(Event):
    kind: Literal["escalation_stopped"] = "escalation_stopped"
    incident: str
    policy: str
    cause: StopCause


class FallbackCallPlaced(Event):
    """An SMS page could not be delivered: the person is called instead."""

    kind: Literal["fallback_call_placed"] = "fallback_call_placed"
    incident: str
    person: str
    failed: str = Field(description="what became of the SMS")
    sms: str
    notification: str


# notifications ------------------------------------------------------------------------------


SuppressedBecause = Literal["incident_moved_on", "incident_lifted", "never_told"]
FailureOutcome = Literal["uncertain", "will_retry", "gave_up", "failed_over"]


class _Page(Event):
    incident: str
    notification: str
    person: str
    channel: Channel
    purpose: NotificationPurpose


class DrillGuardBlocked(_Page):
    """A drill page to a number outside the drill roster: never sent."""

    kind: Literal["drill_guard_blocked"] = "drill_guard_blocked"
    phone: str
    reason: str


class NotificationHeldForBundle(_Page):
    """An SMS right after another to the same number waits, so what else falls due goes with it."""

    kind: Literal["notification_held_for_bundle"] = "notification_held_for_bundle"
    until: AwareDatetime


class PageReplanned(_Page):
    """Over the carrier budget for a long while: the page moves to the other channel, or the next step
    runs instead."""

    kind: Literal["page_replanned"] = "page_replanned"
    phone: str
    to: Channel | Literal["next_step"]
    held_until: AwareDatetime


class BudgetHeld(_Page):
    """The carrier would drop the message before then: it waits."""

    kind: Literal["budget_held"] = "budget_held"
    phone: str
    until: AwareDatetime


class NotificationSilenced(_Page):
    kind: Literal["notification_silenced"] = "notification_silenced"
    silence: int
    until: AwareDatetime


class NotificationSuppressed(_Page):
    """Held by a silence that ended, and no longer true: not sent."""

    kind: Literal["notification_suppressed"] = "notification_suppressed"
    silence: int | None
    cause: SuppressedBecause
    status: str = Field(description="the incident's status when the silence ended")


class NotificationSent(_Page):
    """The provider accepted the message (or the call)."""

    kind: Literal["notification_sent"] = "notification_sent"
    phone: str
    provider_sid: str
    text: str
    bundled: int = Field(description="notifications the one message carried")
    provider: str | None = Field(default=None, description="the provider that carried it (twilio, aliyun)")


class NotificationReconciled(_Page):
    """An unclear answer from the provider: asked, it had the message, so it is not sent again."""

    kind: Literal["notification_reconciled"] = "notification_reconciled"
    provider_sid: str
    text: str
    bundled: int
    provider: str | None = None


class NotificationFailed(_Page):
    kind: Literal["notification_failed"] = "notification_failed"
    outcome: FailureOutcome
    attempts: int
    error: str
    retry_at: AwareDatetime | None
    provider: str | None = None
    next_provider: str | None = Field(default=None, description="the provider the next attempt goes through")


class NotificationExpired(_Page):
    """An SMS not delivered within its validity after acceptance: treated as failed."""

    kind: Literal["notification_expired"] = "notification_expired"
    valid_for_seconds: int
    provider_status: str | None


class NotificationStatusChanged(_Page):
    """The provider's final word on a message or call."""

    kind: Literal["notification_status_changed"] = "notification_status_changed"
    status: str


# silences and provider requests ---------------------------------------------------------------


class SilenceAdded(Event):
    kind: Literal["silence_added"] = "silence_added"
    silence: int
    person: str
    area: str | None
    station: str | None
    rule: str | None
    up_to: Level | None
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: str


class SilenceExpired(Event):
    kind: Literal["silence_expired"] = "silence_expired"
    silence: int
    person: str


class WebhookReplayed(Event):
    """A provider request acted on before came again (a replay): refused."""

    kind: Literal["webhook_replayed"] = "webhook_replayed"
    key: str
    request: str = Field(description="status (a status callback), gather (a keypress) or sms (an inbound SMS)")
    reference: str = Field(description="MessageSid or CallSid")


class PublicReleaseHeld(Event):
    """A CAP message about a warning at or above the organisation's approval level waits for a
    dispatcher before it reaches the public feed and the subscribers."""

    kind: Literal["public_release_held"] = "public_release_held"
    incident: str
    identifier: str
    msg_type: str = Field(description="Alert, Update or Cancel")
    level: Level


class PublicReleaseApproved(_ByHand):
    """A dispatcher released held CAP messages of a warning to the public (the one approved, and any
    earlier one of the same warning still held)."""

    kind: Literal["public_release_approved"] = "public_release_approved"
    identifiers: list[str]


Decision = Annotated[
    InputDeadLettered
    | ReadingsRedelivered
    | QualityGateFailed
    | QualityGatePassed
    | OrganisationLoaded
    | OrganisationReloadRefused
    | RulesReloadRefused
    | RulesReloaded
    | IncidentOpened
    | IncidentUpgraded
    | IncidentDowngraded
    | IncidentLifted
    | CauseAdded
    | CauseChanged
    | CauseCleared
    | IncidentMerged
    | IncidentCreated
    | IncidentRelevelled
    | IncidentClosed
    | IncidentReassigned
    | EscalatedByHand
    | NoteAdded
    | Repaged
    | DutyOverridden
    | DutyOverrideEnded
    | IncidentAcknowledged
    | IncidentReopened
    | AcknowledgementRefusedEvent
    | QuorumProgressed
    | HandedOver
    | HandoverRefused
    | EscalationNotStarted
    | EscalationStarted
    | EscalationStepTaken
    | EscalationReevaluated
    | SuperiorInformed
    | EscalationSilenced
    | EscalationResumed
    | EscalationExhausted
    | EscalationHastened
    | EscalationStopped
    | FallbackCallPlaced
    | DrillGuardBlocked
    | NotificationHeldForBundle
    | PageReplanned
    | BudgetHeld
    | NotificationSilenced
    | NotificationSuppressed
    | NotificationSent
    | NotificationReconciled
    | NotificationFailed
    | NotificationExpired
    | NotificationStatusChanged
    | SilenceAdded
    | SilenceExpired
    | WebhookReplayed
    | PublicReleaseHeld
    | PublicReleaseApproved,
    Field(discriminator="kind"),
]
DECISION: TypeAdapter[Decision] = TypeAdapter(Decision)


def decision_from(data: dict[str, Any]) -> Event:
    """The typed event of a stored decision's `data`."""
    event: Event = DECISION.validate_python(data)
    return event


def decision_schema() -> dict[str, Any]:
    """The decision log's JSON Schema: one of the events, by `kind`."""
    schema = DECISION.json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:warning:decision-log:{LOG_VERSION}",
        "title": f"warning decision log, version {LOG_VERSION}",
        "description": "The `data` of one decision: its kind and typed fields (warning/decisions/events.py).",
        **schema,
    }
