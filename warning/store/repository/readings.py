"""Readings judged: each stored once (a redelivery is found by its id, in one statement per batch),
read back to prime rule windows; and payloads set aside as dead letters."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, func, select

from warning.domain import DeadLetter, Reading
from warning.store.models import (
    DeadLetterRow,
    ProcessedReadingRow,
)
from warning.store.repository.part import TransactionPart

_CLAIM_ON_POSTGRESQL = (
    "INSERT INTO processed_readings (reading_id, sensor_id, kind, value, unit, observed_at, valid_until, processed_at) "
    "SELECT r.*, %s::timestamptz FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[], %s::float8[], %s::varchar[], "
    "%s::timestamptz[], %s::timestamptz[]) AS r ON CONFLICT (reading_id) DO NOTHING RETURNING reading_id"
)


_INSERT_ON_SQLITE = (
    "INSERT INTO processed_readings (reading_id, sensor_id, kind, value, unit, observed_at, valid_until, processed_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


_IDS_PER_QUERY = 1000  # well under SQLite's limit of bound parameters in one statement


def _sqlite_time(moment: datetime) -> str:
    """An aware time as UtcDateTime and SQLAlchemy's SQLite dialect store it: naive UTC, with microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _reading(row: ProcessedReadingRow) -> Reading:
    return Reading(reading_id=row.reading_id, sensor_id=row.sensor_id, kind=row.kind, value=row.value, unit=row.unit,
                   observed_at=row.observed_at, valid_until=row.valid_until)  # fmt: skip


class ReadingsTx(TransactionPart):
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

    def readings_between(self, sensors: Collection[str], start: datetime, end: datetime) -> list[Reading]:
        """The stored readings of a few sensors from `start` to `end`, oldest first (the time range is
        indexed; sensors are filtered among it: keep the span to hours)."""
        query = (
            select(ProcessedReadingRow)
            .where(ProcessedReadingRow.observed_at >= start, ProcessedReadingRow.observed_at <= end)
            .where(ProcessedReadingRow.sensor_id.in_(sorted(sensors)[:_IDS_PER_QUERY]))
            .order_by(ProcessedReadingRow.observed_at, ProcessedReadingRow.reading_id)
        )
        return [_reading(row) for row in self.session.scalars(query)]

    def last_readings_of(self, sensors: Collection[str], since: datetime) -> dict[str, Reading]:
        """Each sensor's newest stored reading, looking back no further than `since`."""
        newest = self.latest_observed_of(sensors, since)
        latest: dict[str, Reading] = {}
        for sensor, at in newest.items():
            query = select(ProcessedReadingRow).where(
                ProcessedReadingRow.observed_at == at, ProcessedReadingRow.sensor_id == sensor
            )
            row = self.session.scalars(query).first()
            if row is not None:
                latest[sensor] = _reading(row)
        return latest

    def dead_letters_page(self, limit: int, before: int | None = None) -> list[DeadLetterRow]:
        """Dead letters, newest first, older than the id `before` when given."""
        query = select(DeadLetterRow).order_by(DeadLetterRow.id.desc()).limit(limit)
        if before is not None:
            query = query.where(DeadLetterRow.id < before)
        return list(self.session.scalars(query))

    def add_dead_letter(self, letter: DeadLetter) -> DeadLetterRow:
        row = DeadLetterRow(**letter.model_dump())
        self.session.add(row)
        self.session.flush()
        return row
