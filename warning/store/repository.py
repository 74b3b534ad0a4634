"""Database access. One Transaction per engine decision: the decision, its audit entry and every
effect it claims commit together or not at all."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from sqlalchemy import Engine, create_engine, delete, event, func, select, update
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from warning.decisions.events import Event
from warning.decisions.render import summary
from warning.domain import DeadLetter, Level, Reading
from warning.errors import DatabaseUnavailable, WriteConflict
from warning.silences import Silence, covering
from warning.statuses import TAKEABLE, PageStatus, TrackState
from warning.store.models import (
    CapMessageRow,
    DeadLetterRow,
    DecisionRow,
    EscalationRow,
    IncidentRow,
    NotificationRow,
    OrganisationVersionRow,
    ProcessedReadingRow,
    SilenceRow,
    WebhookReceiptRow,
)
from warning.store.schema import prepare, schema_state

SqliteSynchronous = Literal["full", "normal"]


def _sqlite_pragmas(synchronous: SqliteSynchronous) -> Callable[[DBAPIConnection, ConnectionPoolEntry], None]:
    def on_connect(connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (the driver's implicit BEGIN is deferred).
        connection.isolation_level = None
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # full: every commit reaches the disk before it returns. normal (in WAL mode): a process
        # crash loses nothing, a power cut may lose the last commits; for throwaway drill databases.
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    return on_connect


def connect(url: str, *, sqlite_synchronous: SqliteSynchronous = "full") -> Engine:
    """An engine on a SQLite file (default) or PostgreSQL (postgresql+psycopg://...), schema untouched."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas(sqlite_synchronous))
        # BEGIN IMMEDIATE takes the write lock up front: two engines on one file then queue on the
        # busy timeout instead of deadlocking when both try to upgrade a read lock to a write lock.
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    # pre-ping: a connection the server dropped (a restart) is replaced at checkout, not used
    return create_engine(url, pool_pre_ping=True)


def build_database(url: str, *, sqlite_synchronous: SqliteSynchronous = "full") -> Engine:
    """An engine on a database at the newest schema: an empty one is built; one behind the code is
    refused (SchemaMismatch names `warning db upgrade`)."""
    engine = connect(url, sqlite_synchronous=sqlite_synchronous)
    try:
        prepare(engine)
    except (OperationalError, InterfaceError) as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(f"cannot reach the database at {engine.url.render_as_string()}: {reason}") from exc
    except BaseException:
        engine.dispose()
        raise
    return engine


_IDS_PER_QUERY = 1000  # well under SQLite's limit of bound parameters in one statement


_CLAIM_ON_POSTGRESQL = (
    "INSERT INTO processed_readings (reading_id, sensor_id, kind, value, unit, observed_at, valid_until, processed_at) "
    "SELECT r.*, %s::timestamptz FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[], %s::float8[], %s::varchar[], "
    "%s::timestamptz[], %s::timestamptz[]) AS r ON CONFLICT (reading_id) DO NOTHING RETURNING reading_id"
)


_INSERT_ON_SQLITE = (
    "INSERT INTO processed_readings (reading_id, sensor_id, kind, value, unit, observed_at, valid_until, processed_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _sqlite_time(moment: datetime) -> str:
    """An aware time as UtcDateTime and SQLAlchemy's SQLite dialect store it: naive UTC, with microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _reading(row: ProcessedReadingRow) -> Reading:
    return Reading(reading_id=row.reading_id, sensor_id=row.sensor_id, kind=row.kind, value=row.value, unit=row.unit,
                   observed_at=row.observed_at, valid_until=row.valid_until)  # fmt: skip


class TransactionWatcher(Protocol):
    """Told of every transaction: how long it took, and the decisions it committed (metrics, logs)."""

    def committed(self, decisions: Sequence[DecisionRow]) -> None: ...

    def timed(self, seconds: float, committed: bool) -> None: ...


class Transaction:
    """Repository methods over one open database transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.recorded: list[DecisionRow] = []  # the decisions of this transaction, for the watchers

    # readings -------------------------------------------------------------------------------

    def claim_readings(self, readings: Sequence[Reading], now: datetime) -> set[str]:
        """Record the readings not processed before, in one statement, and return their ids: a
        redelivery (stored already, or earlier in this batch) is left out. On PostgreSQL a reading
        another worker is storing at this moment waits for its commit and is then left out too."""
        firsts: dict[str, Reading] = {}
        for reading in readings:
            firsts.setdefault(reading.reading_id, reading)
        if not firsts:
            return set()
        if self.session.get_bind().dialect.name == "postgresql":
            return self._claim_on_postgresql(list(firsts.values()), now)
        return self._claim_on_sqlite(list(firsts.values()), now)

    def _claim_on_sqlite(self, readings: list[Reading], now: datetime) -> set[str]:
        """Those stored already, found by key; the rest inserted with the driver's executemany. Our
        transaction holds SQLite's write lock from its start (BEGIN IMMEDIATE), so nobody stores one
        in between. Times are written as SQLAlchemy writes them (naive UTC, microseconds), without its
        per-value conversions, which cost more than SQLite's own work."""
        connection = self.session.connection()
        seen: set[str] = set()
        for start in range(0, len(readings), _IDS_PER_QUERY):
            ids = [r.reading_id for r in readings[start : start + _IDS_PER_QUERY]]
            marks = ",".join("?" * len(ids))
            query = f"SELECT reading_id FROM processed_readings WHERE reading_id IN ({marks})"  # marks only
            seen.update(str(row[0]) for row in connection.exec_driver_sql(query, tuple(ids)))
        fresh = [r for r in readings if r.reading_id not in seen]
        if fresh:
            processed_at = _sqlite_time(now)
            connection.exec_driver_sql(_INSERT_ON_SQLITE, [
                (r.reading_id, r.sensor_id, r.kind, r.value, r.unit, _sqlite_time(r.observed_at),
                 None if r.valid_until is None else _sqlite_time(r.valid_until), processed_at)
                for r in fresh
            ])  # fmt: skip
        return {r.reading_id for r in fresh}

    def _claim_on_postgresql(self, readings: list[Reading], now: datetime) -> set[str]:
        """The same as one statement of eight arrays, unnested by the server: a statement of thousands
        of parameters costs more to build and parse than the rows cost to store."""
        columns = (
            now, [r.reading_id for r in readings], [r.sensor_id for r in readings], [r.kind for r in readings],
            [r.value for r in readings], [r.unit for r in readings], [r.observed_at for r in readings],
            [r.valid_until for r in readings],
        )  # fmt: skip
        result = self.session.connection().exec_driver_sql(_CLAIM_ON_POSTGRESQL, columns)
        return {str(row[0]) for row in result}

    def unmark_reading(self, reading_id: str) -> None:
        """Forget that a reading was processed (its evaluation failed: a redelivery tries it again)."""
        self.session.execute(delete(ProcessedReadingRow).where(ProcessedReadingRow.reading_id == reading_id))

    def open_levels(self) -> dict[str, Level]:
        """The level of every open incident, by key: what a batch of readings is judged against."""
        query = select(IncidentRow.open_key, IncidentRow.level).where(IncidentRow.open_key.is_not(None))
        return {str(key): Level(level) for key, level in self.session.execute(query)}

    def latest_observed_at(self) -> datetime | None:
        """When the newest stored reading was observed (the observed_at index answers it)."""
        return self.session.scalar(select(func.max(ProcessedReadingRow.observed_at)))

    def readings_since(self, since: datetime, sensors: Collection[str] | None = None) -> list[Reading]:
        """Stored readings observed after `since` (of these sensors only, if given), oldest first."""
        query = (
            select(ProcessedReadingRow)
            .where(ProcessedReadingRow.observed_at > since)
            .order_by(ProcessedReadingRow.observed_at, ProcessedReadingRow.reading_id)
        )
        if sensors is not None:  # the time range (indexed), and the sensors among it, chunk by chunk
            readings: list[Reading] = []
            ids = sorted(sensors)
            for start in range(0, len(ids), _IDS_PER_QUERY):
                chunk = query.where(ProcessedReadingRow.sensor_id.in_(ids[start : start + _IDS_PER_QUERY]))
                readings += map(_reading, self.session.scalars(chunk))
            readings.sort(key=lambda reading: (reading.observed_at, reading.reading_id))
            return readings
        return [_reading(row) for row in self.session.scalars(query)]

    def latest_observed_of(self, sensors: Collection[str], since: datetime) -> dict[str, datetime]:
        """When each of these sensors last reported, looking back no further than `since`."""
        latest: dict[str, datetime] = {}
        ids = sorted(sensors)
        for start in range(0, len(ids), _IDS_PER_QUERY):
            query = (
                select(ProcessedReadingRow.sensor_id, func.max(ProcessedReadingRow.observed_at))
                .where(ProcessedReadingRow.observed_at > since)
                .where(ProcessedReadingRow.sensor_id.in_(ids[start : start + _IDS_PER_QUERY]))
                .group_by(ProcessedReadingRow.sensor_id)
            )
            latest |= {str(sensor): at for sensor, at in self.session.execute(query)}
        return latest

    def remember_webhook(self, key: str, now: datetime) -> bool:
        """False when this inbound message was received before (a replay)."""
        if self.session.get(WebhookReceiptRow, key) is not None:
            return False
        self.session.add(WebhookReceiptRow(key=key, received_at=now))
        self.session.flush()
        return True

    def add_dead_letter(self, letter: DeadLetter) -> DeadLetterRow:
        row = DeadLetterRow(**letter.model_dump())
        self.session.add(row)
        self.session.flush()
        return row

    # incidents ------------------------------------------------------------------------------

    def open_incident(self, key: str, *, for_update: bool = False) -> IncidentRow | None:
        query = select(IncidentRow).where(IncidentRow.open_key == key)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def current_level(self, key: str) -> Level | None:
        row = self.open_incident(key)
        return Level(row.level) if row is not None else None

    def open_incidents_of(self, rule_ids: Collection[str]) -> list[IncidentRow]:
        """Incidents of these rules (or compounds) not yet lifted, oldest first."""
        query = (
            select(IncidentRow)
            .where(IncidentRow.rule_id.in_(list(rule_ids)), IncidentRow.open_key.is_not(None))
            .order_by(IncidentRow.id)
        )
        return list(self.session.scalars(query))

    def incident(self, incident_id: int, *, for_update: bool = False) -> IncidentRow | None:
        return self.session.get(IncidentRow, incident_id, with_for_update=for_update)

    def incident_by_code(self, code: str) -> IncidentRow | None:
        return self.session.scalars(select(IncidentRow).where(IncidentRow.code == code.upper())).first()

    def add_incident(self, row: IncidentRow) -> IncidentRow:
        self.session.add(row)
        self.session.flush()
        return row

    def record(self, at: datetime, event: Event, incident_id: int | None = None) -> DecisionRow:
        """Append a decision to the log: its typed fields, and its English summary rendered from them."""
        row = DecisionRow(at=at, kind=event.kind, summary=summary(event), incident_id=incident_id,
                          data=event.model_dump(mode="json"))  # fmt: skip
        self.session.add(row)
        self.session.flush()
        self.recorded.append(row)
        return row

    # escalations ----------------------------------------------------------------------------

    def add_escalation(self, row: EscalationRow) -> None:
        self.session.add(row)
        self.session.flush()

    def escalation(self, escalation_id: int, *, for_update: bool = False) -> EscalationRow | None:
        return self.session.get(EscalationRow, escalation_id, with_for_update=for_update)

    def escalations_of(self, incident_id: int, *, for_update: bool = False) -> list[EscalationRow]:
        """The incident's escalation tracks, in the order they started (the first one leads)."""
        query = select(EscalationRow).where(EscalationRow.incident_id == incident_id).order_by(EscalationRow.id)
        if for_update:
            query = query.with_for_update()
        return list(self.session.scalars(query))

    def due_escalations(self, now: datetime, limit: int | None = None) -> list[tuple[int, int]]:
        """(escalation id, token) of the active tracks due by `now`, oldest first."""
        query = (
            select(EscalationRow.id, EscalationRow.token)
            .where(EscalationRow.state == TrackState.active, EscalationRow.due_at <= now)
            .order_by(EscalationRow.due_at, EscalationRow.id)
            .limit(limit)
        )
        return [(escalation_id, token) for escalation_id, token in self.session.execute(query)]

    def next_due_at(self) -> datetime | None:
        query = (
            select(EscalationRow.due_at)
            .where(EscalationRow.state == TrackState.active, EscalationRow.due_at.is_not(None))
            .order_by(EscalationRow.due_at)
            .limit(1)
        )
        return self.session.scalars(query).first()

    # the organisation ------------------------------------------------------------------------

    def store_organisation(self, version: str, document: dict[str, Any], source: str, now: datetime) -> bool:
        """Make this organisation version the newest; False when it already is (nothing changed).
        Going back to an earlier version stores it again, so the newest row is always the one in force."""
        latest = self.latest_organisation()
        if latest is not None and latest.version == version:
            return False
        self.session.add(OrganisationVersionRow(version=version, source=source, document=document, loaded_at=now))
        self.session.flush()
        return True

    def latest_organisation_version(self) -> str | None:
        query = select(OrganisationVersionRow.version).order_by(OrganisationVersionRow.seq.desc()).limit(1)
        return self.session.scalars(query).first()

    def all_incidents(self) -> list[IncidentRow]:
        return list(self.session.scalars(select(IncidentRow).order_by(IncidentRow.id)))

    def latest_organisation(self) -> OrganisationVersionRow | None:
        query = select(OrganisationVersionRow).order_by(OrganisationVersionRow.seq.desc()).limit(1)
        return self.session.scalars(query).first()

    # notifications (the effects ledger) -----------------------------------------------------

    def claim(self, row: NotificationRow) -> NotificationRow | None:
        """Insert the effect unless its idempotency key was claimed before; None if it was."""
        existing = self.session.scalars(
            select(NotificationRow).where(NotificationRow.idempotency_key == row.idempotency_key)
        ).first()
        if existing is not None:
            return None
        self.session.add(row)
        self.session.flush()
        return row

    # silences ---------------------------------------------------------------------------------

    def add_silence(self, row: SilenceRow) -> SilenceRow:
        self.session.add(row)
        self.session.flush()
        return row

    def silence(self, silence_id: int) -> SilenceRow | None:
        return self.session.get(SilenceRow, silence_id)

    def silences_ending_after(self, moment: datetime) -> list[SilenceRow]:
        """Silences not over by `moment`: the active ones and those still to come."""
        query = select(SilenceRow).where(SilenceRow.ends_at > moment).order_by(SilenceRow.starts_at, SilenceRow.id)
        return list(self.session.scalars(query))

    def silence_for(self, incident: IncidentRow, now: datetime) -> Silence | None:
        """The active silence covering this warning at its level now (the one ending last), if any."""
        silences = [Silence.model_validate(row) for row in self.silences_ending_after(now)]
        return covering(silences, incident.area, incident.station_id, incident.rule_id, Level(incident.level), now)

    def resume_after_silence(self, silence_id: int, now: datetime) -> None:
        """A silence ended early: the tracks and pages waiting for its end are due now."""
        self.session.execute(
            update(EscalationRow)
            .where(EscalationRow.silence_id == silence_id, EscalationRow.state == TrackState.active)
            .values(due_at=now, token=EscalationRow.token + 1)
        )
        self.session.execute(
            update(NotificationRow)
            .where(NotificationRow.silence_id == silence_id, NotificationRow.status == PageStatus.claimed)
            .values(retry_at=now)
        )

    def expired_sms_pages(self, now: datetime) -> list[NotificationRow]:
        """SMS pages the provider accepted but the carrier has not confirmed delivered in time."""
        query = (
            select(NotificationRow)
            .where(NotificationRow.status == PageStatus.accepted, NotificationRow.expires_at <= now)
            .order_by(NotificationRow.expires_at, NotificationRow.id)
        )
        return list(self.session.scalars(query))

    def next_expiry_at(self) -> datetime | None:
        query = (
            select(NotificationRow.expires_at)
            .where(NotificationRow.status == PageStatus.accepted, NotificationRow.expires_at.is_not(None))
            .order_by(NotificationRow.expires_at)
            .limit(1)
        )
        return self.session.scalars(query).first()

    def release_silenced_pages(self, incident_id: int, now: datetime) -> None:
        """An incident no silence covers any more (it rose above one's level): its held pages go now."""
        self.session.execute(
            update(NotificationRow)
            .where(
                NotificationRow.incident_id == incident_id,
                NotificationRow.silence_id.is_not(None),
                NotificationRow.status == PageStatus.claimed,
            )
            .values(retry_at=now)
        )

    def notification(self, notification_id: int, *, for_update: bool = False) -> NotificationRow | None:
        return self.session.get(NotificationRow, notification_id, with_for_update=for_update)

    def notifications_by_sid(self, provider_sid: str) -> list[NotificationRow]:
        """The notifications one provider message or call carried (several when bundled)."""
        query = select(NotificationRow).where(NotificationRow.provider_sid == provider_sid).order_by(NotificationRow.id)
        return list(self.session.scalars(query))

    def notifications_due(self, now: datetime) -> list[NotificationRow]:
        """Notifications to send (claimed) or to reconcile (uncertain) whose retry time has come."""
        query = (
            select(NotificationRow)
            .where(
                NotificationRow.status.in_(TAKEABLE),
                (NotificationRow.retry_at.is_(None)) | (NotificationRow.retry_at <= now),
            )
            .order_by(NotificationRow.id)
        )
        return list(self.session.scalars(query))

    def sends_to(self, phone: str, channel: str, *, since: datetime, excluding: int) -> list[tuple[datetime, str]]:
        """(attempt time, text) of every page handed to the provider for this number and channel since
        `since`, whatever became of it afterwards: the carrier counted it."""
        query = select(NotificationRow.attempt_started_at, NotificationRow.text, NotificationRow.sent_text).where(
            NotificationRow.phone == phone,
            NotificationRow.channel == channel,
            NotificationRow.id != excluding,
            NotificationRow.attempt_started_at.is_not(None),
            NotificationRow.attempt_started_at > since,
            # A bundle is one message: only its lead counts.
            NotificationRow.bundle_id.is_(None) | (NotificationRow.bundle_id == NotificationRow.id),
        )
        return [(started, sent or text) for started, text, sent in self.session.execute(query) if started is not None]

    def bundle_companions(self, lead: NotificationRow, limit: int) -> list[NotificationRow]:
        """Other notifications waiting to go to the same number by the same channel, which may go
        with `lead` as one message: not held by a silence, not unclear (those must be reconciled)."""
        query = (
            select(NotificationRow)
            .where(
                NotificationRow.phone == lead.phone,
                NotificationRow.channel == lead.channel,
                NotificationRow.exercise == lead.exercise,
                NotificationRow.status == PageStatus.claimed,
                NotificationRow.silence_id.is_(None),
                NotificationRow.id != lead.id,
            )
            .order_by(NotificationRow.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def bundle_members(self, bundle_id: int) -> list[NotificationRow]:
        query = select(NotificationRow).where(NotificationRow.bundle_id == bundle_id).order_by(NotificationRow.id)
        return list(self.session.scalars(query))

    def next_retry_at(self) -> datetime | None:
        query = (
            select(NotificationRow.retry_at)
            .where(NotificationRow.status.in_(TAKEABLE), NotificationRow.retry_at.is_not(None))
            .order_by(NotificationRow.retry_at)
            .limit(1)
        )
        return self.session.scalars(query).first()

    def notifications_for(self, incident_id: int) -> list[NotificationRow]:
        query = select(NotificationRow).where(NotificationRow.incident_id == incident_id).order_by(NotificationRow.id)
        return list(self.session.scalars(query))

    def latest_page_to(self, phone: str) -> NotificationRow | None:
        """The most recent page to this number on an incident still awaiting acknowledgement."""
        query = (
            select(NotificationRow)
            .join(IncidentRow, IncidentRow.id == NotificationRow.incident_id)
            .where(
                NotificationRow.phone == phone,
                NotificationRow.purpose == "page",
                IncidentRow.status == "open",
            )
            .order_by(NotificationRow.id.desc())
        )
        return self.session.scalars(query).first()


class Store:
    """The engine's database: SQLite file by default, PostgreSQL by URL."""

    def __init__(
        self,
        url: str,
        *,
        sqlite_synchronous: SqliteSynchronous = "full",
        watchers: Sequence[TransactionWatcher] = (),
    ) -> None:
        self.url = url
        self.engine = build_database(url, sqlite_synchronous=sqlite_synchronous)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.watchers = tuple(watchers)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One unit of work; a unique-key race with another writer surfaces as WriteConflict."""
        if not self.watchers:
            with self._translated_errors(), self._sessions.begin() as session:
                yield Transaction(session)
            return
        started, committed = time.perf_counter(), False  # elapsed time for the figures, not a decision input
        try:
            with self._translated_errors(), self._sessions.begin() as session:
                tx = Transaction(session)
                yield tx
            committed = True
        finally:
            elapsed = time.perf_counter() - started
            for watcher in self.watchers:
                watcher.timed(elapsed, committed)
        if tx.recorded:
            for watcher in self.watchers:
                watcher.committed(tx.recorded)

    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        try:
            yield
        except IntegrityError as exc:
            raise WriteConflict(str(exc.orig)) from exc
        except (OperationalError, InterfaceError) as exc:
            # The server went away, is restarting, or (SQLite) stayed locked past the busy timeout:
            # the transaction did not commit; the pool replaces a dropped connection at next use.
            raise DatabaseUnavailable(str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)) from exc

    def decisions(self, after: int = 0) -> list[DecisionRow]:
        """The decision log in order; from sequence number `after` on, for one who read up to there."""
        with self.transaction() as tx:
            query = select(DecisionRow).where(DecisionRow.seq > after).order_by(DecisionRow.seq)
            return list(tx.session.scalars(query))

    def dead_letters(self) -> list[DeadLetterRow]:
        with self.transaction() as tx:
            return list(tx.session.scalars(select(DeadLetterRow).order_by(DeadLetterRow.id)))

    def incidents(self) -> list[IncidentRow]:
        with self.transaction() as tx:
            return tx.all_incidents()

    def notifications(self) -> list[NotificationRow]:
        with self.transaction() as tx:
            return list(tx.session.scalars(select(NotificationRow).order_by(NotificationRow.id)))

    def cap_series_of(self, prefixes: Iterable[str]) -> set[tuple[str, str]]:
        """The (station, kind) series of the CAP messages read before with these reading-id prefixes."""
        wanted = sorted(set(prefixes))
        with self.transaction() as tx:
            query = select(CapMessageRow.series).where(CapMessageRow.prefix.in_(wanted))
            return {(station, kind) for series in tx.session.scalars(query) for station, kind in series}

    def remember_cap_message(
        self, prefix: str, message_key: str, msg_type: str, series: Iterable[tuple[str, str]], now: datetime
    ) -> None:
        """Note a CAP message as read (once: a message that comes again is noted already)."""
        row = CapMessageRow(prefix=prefix, message_key=message_key, msg_type=msg_type,
                            series=[list(pair) for pair in sorted(series)], received_at=now)  # fmt: skip
        try:
            with self.transaction() as tx:
                if tx.session.get(CapMessageRow, prefix) is None:
                    tx.session.add(row)
        except WriteConflict:
            pass  # another engine noted the same message at the same moment

    def schema_revision(self) -> tuple[str | None, bool]:
        """The schema's revision and whether it is the newest this code knows (Alembic's head)."""
        state = schema_state(self.engine)
        return state.revision, state.up_to_date

    def reachable(self) -> bool:
        """Whether the database answers a trivial query now."""
        try:
            with self.engine.connect() as connection:
                connection.execute(select(1))
        except (OperationalError, DBAPIError):
            return False
        return True

    def dispose(self) -> None:
        self.engine.dispose()
