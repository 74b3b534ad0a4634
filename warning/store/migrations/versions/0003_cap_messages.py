"""CAP warnings from the meteorological bureau: processed readings keep how long an event stands
(`valid_until`, an alert's expiry), so that a restarted engine still lifts the warning when the alert
expires; and the messages read are remembered, so that an Update or Cancel finds what it references.

Revision ID: 0003_cap_messages
Revises: 0002_no_reading_sensor_index
Create Date: 2026-11-30 09:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_cap_messages"
down_revision = "0002_no_reading_sensor_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("processed_readings") as batch_op:
        batch_op.add_column(sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "cap_messages",
        sa.Column("prefix", sa.String(length=40), nullable=False),
        sa.Column("message_key", sa.Text(), nullable=False),
        sa.Column("msg_type", sa.String(length=10), nullable=False),
        sa.Column("series", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("prefix"),
    )


def downgrade() -> None:
    op.drop_table("cap_messages")
    with op.batch_alter_table("processed_readings") as batch_op:
        batch_op.drop_column("valid_until")
