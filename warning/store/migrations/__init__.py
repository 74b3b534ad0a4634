"""Alembic migrations of the engine's schema (see warning.store.schema)."""
