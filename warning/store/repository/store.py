"""The engine's database and its transactions, each told to the watchers (metrics, logs)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import sessionmaker

from warning.errors import DatabaseUnavailable, WriteConflict
from warning.store.models import (
    CapMessageRow,
    DeadLetterRow,
    DecisionRow,
    IncidentRow,
    NotificationRow,
    PublishedAlertRow,
)
from warning.store.repository.database import SqliteSynchronous, build_database
from warning.store.repository.transaction import Transaction
from warning.store.schema import schema_state


class TransactionWatcher(Protocol):
    """Told of every transaction: how long it took, and the decisions it committed (metrics, logs)."""

    def committed(self, decisions: Sequence[DecisionRow]) -> None: ...

    def timed(self, seconds: float, committed: bool) -> None: ...


class BeforeCommit(Protocol):
    """Told of a transaction's decisions before it commits, to write what follows from them in the
    same transaction (the CAP messages a warning's lifecycle publishes): both commit, or neither."""

    def __call__(self, tx: Transaction, decisions: Sequence[DecisionRow]) -> None: ...


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
        self.before_commit: tuple[BeforeCommit, ...] = ()

    def add_before_commit(self, hook: BeforeCommit) -> None:
        self.before_commit = (*self.before_commit, hook)

    def _finish(self, tx: Transaction) -> None:
        if tx.recorded:
            for hook in self.before_commit:
                hook(tx, tx.recorded)

    def watch(self, watcher: TransactionWatcher) -> None:
        """Tell `watcher` of every transaction from now on (the decision stream follows the log)."""
        self.watchers = (*self.watchers, watcher)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One unit of work; a unique-key race with another writer surfaces as WriteConflict."""
        if not self.watchers:
            with self._translated_errors(), self._sessions.begin() as session:
                tx = Transaction(session)
                yield tx
                self._finish(tx)
            return
        started, committed = time.perf_counter(), False  # elapsed time for the figures, not a decision input
        try:
            with self._translated_errors(), self._sessions.begin() as session:
                tx = Transaction(session)
                yield tx
                self._finish(tx)
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

    def published_alerts(self) -> list[PublishedAlertRow]:
        """Every CAP message published, oldest first."""
        with self.transaction() as tx:
            return list(tx.session.scalars(select(PublishedAlertRow).order_by(PublishedAlertRow.id)))

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
