"""Schema migrations: a database from release 0.1, holding incidents, notifications and decisions,
is upgraded by `warning db upgrade` with nothing lost, on SQLite and PostgreSQL; an engine refuses a
database behind the code and names the command; the migrations and the models agree."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from tests.conftest import ROOT, START, make_runtime, reading
from warning.clock import VirtualClock
from warning.errors import SchemaMismatch
from warning.store import Store
from warning.store.models import Base
from warning.store.repository import connect
from warning.store.schema import head_revision, schema_state, upgrade

RELEASE = ROOT / "tests" / "data" / "release-0.1"
TABLES = ("incidents", "notifications", "decisions", "escalations", "processed_readings", "organisation_versions")


def _warning(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warning.cli", *args], capture_output=True, text=True, timeout=120, check=False,
        cwd=ROOT, env={**os.environ, **(env or {})},
    )  # fmt: skip


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def release_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database exactly as release 0.1 left it after the riverside drill (its create_all schema)."""
    if request.param == "sqlite":
        path = tmp_path / "release.db"
        with sqlite3.connect(path) as db:
            db.executescript((RELEASE / "sqlite.sql").read_text(encoding="utf-8"))
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as db:
        db.execute((RELEASE / "postgresql.sql").read_text(encoding="utf-8"))  # type: ignore[arg-type]
    yield url


def _counts(url: str) -> dict[str, int]:
    engine = connect(url)
    try:
        with engine.connect() as connection:
            return {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in TABLES}
    finally:
        engine.dispose()


def test_a_release_database_is_refused_upgraded_and_then_runs_with_nothing_lost(release_database: str) -> None:
    before = _counts(release_database)
    assert before["incidents"] == 2 and before["notifications"] > 5 and before["decisions"] > 50
    # The engine refuses it and names the command.
    with pytest.raises(SchemaMismatch, match="run `warning db upgrade`"):
        Store(release_database)
    current = _warning("db", "current", "--db", release_database)
    assert current.returncode == 1 and "from before migrations" in current.stdout
    live = _warning("run", env={"WARNING_DATABASE_URL": release_database, "WARNING_PROVIDER": "simulator"})
    assert live.returncode == 1 and "run `warning db upgrade`" in live.stderr and "Traceback" not in live.stderr
    # Upgraded, nothing lost, and the engine carries on from where the release stopped.
    done = _warning("db", "upgrade", "--db", release_database)
    assert done.returncode == 0 and done.stdout.strip() == f"upgraded from release 0.1 to {head_revision()}"
    assert _counts(release_database) == before
    _assert_page_parts_filled_in(release_database)
    assert _warning("db", "current", "--db", release_database).returncode == 0
    assert _warning("db", "upgrade", "--db", release_database).stdout.startswith("already at")
    later = START + timedelta(days=1)  # after the drill the release recorded
    runtime = make_runtime(release_database, VirtualClock(later))
    try:
        runtime.engine.ingest_payload(reading(3.8, later), "test")
        assert [row.code for row in runtime.store.incidents()] == ["F0001", "F0002", "F0003"]
        assert runtime.store.incidents()[0].acknowledged_by is not None  # the release's history reads back
    finally:
        runtime.close()


def _assert_page_parts_filled_in(url: str) -> None:
    """Migration 0004 filled each page's key parts in from its key, and moved provider statuses aside."""
    engine = connect(url)
    try:
        with engine.connect() as connection:
            pages = connection.execute(
                text("SELECT idempotency_key, origin, policy_id, position, status, provider_status FROM notifications")
            ).all()
    finally:
        engine.dispose()
    origins = set()
    for key, origin, policy, position, status, provider_status in pages:
        parts = key.split(":")
        origins.add(origin)
        if parts[3] == "position":
            assert (policy, position) == (parts[2], int(parts[4])), key
            assert origin == ("fallback" if ":fallback:" in key else "moved" if ":moved:" in key else "step"), key
        else:
            assert position is None and origin in ("inform", "handover", "told"), (key, origin)
        assert status not in ("queued", "sent", "sending") or provider_status is None, (key, status)
    assert {"step", "told"} <= origins


def test_tables_without_a_revision_that_are_not_the_release_schema_are_refused(sqlite_url: str) -> None:
    engine = connect(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE incidents (id INTEGER PRIMARY KEY)"))
    with pytest.raises(SchemaMismatch, match=r"not release 0\.1's .*table decisions is missing"):
        upgrade(engine)
    engine.dispose()


def test_the_migrations_build_the_schema_the_models_describe(database_url: str) -> None:
    """An empty database is built from the models and stamped; `db upgrade` builds it by migration:
    both must be the same schema, or one of them is wrong."""
    engine = connect(database_url)
    try:
        before, after = upgrade(engine)
        assert before.empty and after.up_to_date
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == []
        Store(database_url).dispose()  # accepted as it is
        assert schema_state(engine).revision == head_revision()
    finally:
        engine.dispose()
