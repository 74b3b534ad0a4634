"""Alembic's entry point for the engine's migrations; run through `warning.store.schema`, which
hands over an open connection (`config.attributes["connection"]`)."""

from __future__ import annotations

from alembic import context

from warning.store.models import Base

connection = context.config.attributes["connection"]
# SQLite cannot ALTER most things: batch mode rebuilds a table to change it, on PostgreSQL it alters.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
