"""The database engine: SQLite with its pragmas (WAL, the chosen synchronous level, write lock
taken at BEGIN) or PostgreSQL, made ready by the migrations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry

from warning.errors import DatabaseUnavailable
from warning.store.schema import prepare

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
