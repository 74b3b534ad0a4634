"""Processed readings lose their index on sensor_id: nothing queries by it, and keeping it up to date
cost about 40% of storing a batch of readings on SQLite (500 stations: one index page per station
touched in every batch).

Revision ID: 0002_no_reading_sensor_index (Alembic keeps at most 32 characters)
Revises: 0001_release_0_1
Create Date: 2026-11-30 06:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0002_no_reading_sensor_index"
down_revision = "0001_release_0_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_processed_readings_sensor_id", table_name="processed_readings")


def downgrade() -> None:
    op.create_index("ix_processed_readings_sensor_id", "processed_readings", ["sensor_id"], unique=False)
