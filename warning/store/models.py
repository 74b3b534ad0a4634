"""SQLAlchemy tables: columns and constraints only; behaviour lives in the domain packages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime reached the database; every time must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime, dict[str, Any]: JSON}


class ProcessedReadingRow(Base):
    """Readings already evaluated: a redelivered reading is recognised here and does nothing, and
    rule windows are re-primed from here after a restart."""

    __tablename__ = "processed_readings"
    reading_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    sensor_id: Mapped[str] = mapped_column(String(100))  # no index: see migration 0002
    kind: Mapped[str] = mapped_column(String(50))
    value: Mapped[float]
    unit: Mapped[str | None] = mapped_column(String(20))
    observed_at: Mapped[datetime] = mapped_column(index=True)
    valid_until: Mapped[datetime | None]  # an event's own end (a CAP alert's expiry): see migration 0003
    processed_at: Mapped[datetime]


class DeadLetterRow(Base):
    __tablename__ = "dead_letters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]


class IncidentRow(Base):
    """One situation: its causes (incident_causes) are the detections grouped under its key; its
    level is the highest of its open causes."""

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    key: Mapped[str] = mapped_column(String(300), index=True)  # the group key (RuleSpec.group_by)
    # Equal to `key` while the incident is open, NULL once lifted: the unique constraint makes a
    # second open incident for the same key impossible, whoever tries to open it.
    open_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    # rule, station and the texts below are those of the cause that opened it, then of its leading
    # cause (the highest level, the latest to change).
    rule_id: Mapped[str] = mapped_column(String(100))
    rule_version: Mapped[str] = mapped_column(String(40))
    hazard: Mapped[str] = mapped_column(String(50))
    area: Mapped[str] = mapped_column(String(12))  # GB/T 2260 code, or a 12-digit community code
    station_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    # The latest detection's CAP fields and localized texts (see warning.rulebook.content).
    content: Mapped[dict[str, Any]]
    level: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    exercise: Mapped[bool]
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    acknowledged_at: Mapped[datetime | None]
    lifted_at: Mapped[datetime | None]
    # A warning whose causes joined a compound's incident is closed into it (status lifted).
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    # The level a dispatcher set by hand: it holds until a cause rises above it, or another hand.
    hand_level: Mapped[str | None] = mapped_column(String(10))
    # A manual incident's report (source, description, location, reporter's callback number) and
    # the user who created it; None for one a rule opened.
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(64))


class CauseRow(Base):
    """One cause of an incident: a rule's detections at one station (or a compound's in one area),
    with its own level: the level its readings are judged against (hysteresis), kept per cause."""

    __tablename__ = "incident_causes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    key: Mapped[str] = mapped_column(String(300), index=True)  # the detection key: rule:station, compound:area
    # Equal to `key` while the cause stands, NULL once it cleared: one open cause per key.
    open_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    rule_id: Mapped[str] = mapped_column(String(100), index=True)
    rule_version: Mapped[str] = mapped_column(String(40))
    station_id: Mapped[str] = mapped_column(String(100))
    area: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    content: Mapped[dict[str, Any]]
    level: Mapped[str] = mapped_column(String(10))  # its level now, or its last one once cleared
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]


class DecisionRow(Base):
    """The decision log and every incident's audit timeline: one row per decision, in order."""

    __tablename__ = "decisions"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(50))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]]


class EscalationRow(Base):
    """One escalation track: an incident paging one kind of department under one policy, with the
    policy frozen when the track started, where it stands, and when it is next due."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("incident_id", "policy_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    policy_id: Mapped[str] = mapped_column(String(100))
    policy: Mapped[dict[str, Any]]
    step_index: Mapped[int]
    tier: Mapped[int]
    department_id: Mapped[str] = mapped_column(String(100))
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    # Bumped on every change; a wake-up carrying an older token is stale and does nothing.
    token: Mapped[int]
    # active (paging), exhausted (no step left, awaiting a human), acknowledged, stopped (lifted)
    state: Mapped[str] = mapped_column(String(20))
    stop_reason: Mapped[str | None] = mapped_column(Text)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    acknowledged_at: Mapped[datetime | None]
    # The silence the track waits for (its due_at is that silence's end); cleared when it steps.
    silence_id: Mapped[int | None] = mapped_column(ForeignKey("silences.id"))


class OrganisationVersionRow(Base):
    """Every organisation (areas, departments, rosters, policies) the engine has run with: the
    running engines read the newest, and an incident's audit can name the one in force."""

    __tablename__ = "organisation_versions"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(40), index=True)
    source: Mapped[str] = mapped_column(Text)
    document: Mapped[dict[str, Any]]
    loaded_at: Mapped[datetime]


class NotificationRow(Base):
    """The effects ledger: a page exists once per idempotency key, and only its claimer sends it."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("idempotency_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(300))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    person_id: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(20))
    # The parts of the key (warning/ledger.py): how the page came about, and for a step page
    # (or its fallback or move) the policy and position: read as columns, never parsed from the key.
    origin: Mapped[str] = mapped_column(String(10))
    policy_id: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[int | None]
    language: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    # The message's kind and placeholder values (warning/dispatch/messages.py: Composed), for a
    # provider that sends registered templates rather than text.
    parts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    exercise: Mapped[bool]
    why: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)  # warning/statuses.py: PageStatus
    provider_status: Mapped[str | None] = mapped_column(String(20))  # the provider's word on the way (queued, sent ...)
    attempts: Mapped[int] = mapped_column(default=0)
    attempt_started_at: Mapped[datetime | None]
    retry_at: Mapped[datetime | None] = mapped_column(index=True)
    provider_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    # The provider of the attempt under way or last made (twilio, aliyun): its reference is in
    # provider_sid, and only it can say whether an unclear attempt reached the phone.
    provider: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Several notifications sent as one message share the id of the first (their lead) and the text sent.
    bundle_id: Mapped[int | None] = mapped_column(index=True)
    sent_text: Mapped[str | None] = mapped_column(Text)
    sent_parts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # An SMS page's own validity timer: undelivered by expires_at (acceptance + valid_for) is failed.
    valid_for_seconds: Mapped[int | None]
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    # The silence holding this page (its retry_at is that silence's end); cleared when it is sent.
    silence_id: Mapped[int | None] = mapped_column(ForeignKey("silences.id"))


class SilenceRow(Base):
    """A silence or maintenance window: matching warnings page nobody from starts_at to ends_at."""

    __tablename__ = "silences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    area: Mapped[str | None] = mapped_column(String(12))
    station_id: Mapped[str | None] = mapped_column(String(100))
    rule_id: Mapped[str | None] = mapped_column(String(100))
    up_to: Mapped[str | None] = mapped_column(String(10))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    expired_by: Mapped[str | None] = mapped_column(String(100))  # who ended it early


class WebhookReceiptRow(Base):
    """Inbound provider messages already acted on: a replayed SMS (same MessageSid) does nothing."""

    __tablename__ = "webhook_receipts"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    received_at: Mapped[datetime]


class UserRow(Base):
    """Someone who signs in to the console or calls the API: a role scoped to an area subtree,
    optionally the organisation's person they are (a duty officer's department comes from there)."""

    __tablename__ = "users"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # warning/access.py: Role
    area: Mapped[str] = mapped_column(String(12))
    person_id: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(Text)  # argon2id; None: signs in by token only
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class ApiTokenRow(Base):
    """An API token: only its SHA-256 digest is kept (the token is shown once, when issued)."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class SessionRow(Base):
    """A console sign-in: the cookie's digest, and the CSRF token a changing request must echo."""

    __tablename__ = "sessions"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class AuditRow(Base):
    """Every action asked of the API, accepted or refused: who, in what role, when, from where."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    via: Mapped[str] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    target: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(10))  # accepted, refused
    detail: Mapped[str] = mapped_column(Text)


class DutyOverrideRow(Base):
    """Someone put on duty for a role of a department until a time, at run time (beside the
    organisation file's overrides)."""

    __tablename__ = "duty_overrides"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department_id: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(50))
    person_id: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    ended_by: Mapped[str | None] = mapped_column(String(64))


class CapMessageRow(Base):
    """CAP messages from the meteorological bureau already read (sensors/cap.py), and the (station,
    kind) series their readings were of: an Update or Cancel that references one lowers those."""

    __tablename__ = "cap_messages"
    prefix: Mapped[str] = mapped_column(String(40), primary_key=True)  # its readings' id prefix
    message_key: Mapped[str] = mapped_column(Text)  # sender,identifier,sent
    msg_type: Mapped[str] = mapped_column(String(10))
    series: Mapped[list[list[str]]] = mapped_column(JSON)  # [[station, kind], ...]
    received_at: Mapped[datetime]


class PublishedAlertRow(Base):
    """A CAP 1.2 message we issued about one of our warnings (warning/publish/): an Alert when it
    opened, an Update when it changed, a Cancel when it was lifted, each written with the decision
    that made it, as it was published (the Atom feed and the drill's --cap-out serve these bytes)."""

    __tablename__ = "published_alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    identifier: Mapped[str] = mapped_column(String(120), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    decision_seq: Mapped[int] = mapped_column(ForeignKey("decisions.seq"), unique=True)
    msg_type: Mapped[str] = mapped_column(String(10))  # Alert, Update, Cancel
    status: Mapped[str] = mapped_column(String(10))  # Actual, Exercise
    area: Mapped[str] = mapped_column(String(12), index=True)
    sent: Mapped[datetime]
    expires: Mapped[datetime]
    xml: Mapped[str] = mapped_column(Text)
    level: Mapped[str | None] = mapped_column(String(10))  # the level the message states
    # Released to the public (the feed, subscribers) when, and by whom ("automatic" when no approval
    # was needed); None while a dispatcher's approval is awaited.
    released_at: Mapped[datetime | None] = mapped_column(index=True)
    released_by: Mapped[str | None] = mapped_column(String(100))


class CapPushRow(Base):
    """A released CAP message handed to one subscriber (a webhook, an MQTT topic), which took it: what
    is not here is pushed (again) in release order."""

    __tablename__ = "cap_pushes"
    __table_args__ = (UniqueConstraint("subscriber", "alert_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscriber: Mapped[str] = mapped_column(String(100))
    alert_id: Mapped[int] = mapped_column(ForeignKey("published_alerts.id"))
    pushed_at: Mapped[datetime]
