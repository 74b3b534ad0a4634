"""The database schema, owned by the Alembic migrations in `migrations/`.

A new, empty database is built from the models and stamped with the newest revision (Alembic's
recipe for a database made from scratch; a test checks that the models and the migrations give the
same schema). A database with tables is only ever changed by `warning db upgrade`, which runs the
migrations; an engine refuses a database behind the code and names that command.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from warning.errors import SchemaMismatch
from warning.store.models import Base

MIGRATIONS = Path(__file__).parent / "migrations"
# The schema of release 0.1, made by `create_all` before there were migrations.
BASELINE = "0001_release_0_1"
_LOCK_ID = 7_305_912  # a PostgreSQL advisory lock: one process builds or upgrades the schema at a time
VERSION_TABLE = "alembic_version"


@dataclass(frozen=True)
class SchemaState:
    revision: str | None  # None: no revision recorded (empty, or made before migrations)
    head: str
    tables: frozenset[str]

    @property
    def up_to_date(self) -> bool:
        return self.revision == self.head

    @property
    def empty(self) -> bool:
        return not self.tables - {VERSION_TABLE}

    def describe(self) -> str:
        if self.up_to_date:
            return f"at {self.revision}, the newest revision"
        if self.empty:
            return f"empty; `warning db upgrade` creates the schema at {self.head}"
        at = f"at {self.revision}" if self.revision else f"from before migrations (release 0.1, revision {BASELINE})"
        return f"{at}, behind this engine's {self.head}: run `warning db upgrade`"


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@cache
def _script() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS))


def head_revision() -> str:
    head = _script().get_current_head()
    assert head is not None, "the migrations have one head"
    return head


def schema_state(engine: Engine) -> SchemaState:
    with engine.connect() as connection:
        return _state(connection)


def _state(connection: Connection) -> SchemaState:
    revision = MigrationContext.configure(connection).get_current_revision()
    return SchemaState(revision, head_revision(), frozenset(inspect(connection).get_table_names()))


def _serialise(connection: Connection) -> None:
    """Hold off any other process doing the same until this transaction ends (SQLite's BEGIN
    IMMEDIATE, set on the engine, already does)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})


def prepare(engine: Engine, attempts: int = 5) -> None:
    """Make an empty database ready; accept one at the newest revision; refuse any other."""
    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as connection:
                _serialise(connection)
                state = _state(connection)
                if state.up_to_date:
                    return
                if not state.empty:
                    raise SchemaMismatch(f"the database is {state.describe()}, then start again")
                Base.metadata.create_all(connection)
                MigrationContext.configure(connection).stamp(_script(), "heads")
                return
        except (IntegrityError, OperationalError, ProgrammingError):
            # Two processes creating one database at once: the loser's error is harmless, look again.
            if attempt == attempts:
                raise
            time.sleep(0.2 * attempt)


@cache
def _baseline_columns() -> dict[str, frozenset[str]]:
    """Tables and columns at BASELINE, built by its migration in a scratch database."""
    scratch = create_engine("sqlite://")
    with scratch.begin() as connection:
        command.upgrade(_config(connection), BASELINE)
        inspector = inspect(connection)
        return {
            table: frozenset(column["name"] for column in inspector.get_columns(table))
            for table in inspector.get_table_names()
            if table != VERSION_TABLE
        }


def _not_baseline(connection: Connection) -> list[str]:
    """How a database without a revision differs from release 0.1's schema (nothing: adopt it)."""
    inspector = inspect(connection)
    present = set(inspector.get_table_names())
    problems = []
    for table, columns in sorted(_baseline_columns().items()):
        if table not in present:
            problems.append(f"table {table} is missing")
            continue
        missing = sorted(columns - {column["name"] for column in inspector.get_columns(table)})
        if missing:
            problems.append(f"table {table} lacks column(s) {', '.join(missing)}")
    return problems


def upgrade(engine: Engine) -> tuple[SchemaState, SchemaState]:
    """Run the migrations up to the newest revision; (before, after). A database from before
    migrations is first checked against release 0.1's schema and stamped as that revision."""
    with engine.connect() as connection, _foreign_keys_unchecked(connection), connection.begin():
        _serialise(connection)
        before = _state(connection)
        if before.revision is None and not before.empty:
            problems = _not_baseline(connection)
            if problems:
                raise SchemaMismatch(
                    f"the database has tables but no revision, and they are not release 0.1's ({'; '.join(problems)}): "
                    "it was not made by this engine, or was changed by hand"
                )
            MigrationContext.configure(connection).stamp(_script(), BASELINE)
        command.upgrade(_config(connection), "heads")
        after = _state(connection)
        _foreign_keys_hold(connection)
    return before, after


@contextmanager
def _foreign_keys_unchecked(connection: Connection) -> Iterator[None]:
    """SQLite changes a table by building a new one and dropping the old (batch mode), which its
    foreign key checks refuse while other tables refer to it: they are off for the migration (the
    pragma only takes effect outside a transaction) and everything is checked before it commits."""
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    try:
        yield
    finally:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def _foreign_keys_hold(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise SchemaMismatch(f"the migration left rows referring to nothing: {broken[:5]}")
