"""CAP 1.2 messages the engine publishes about its own warnings (an Alert, Updates, a Cancel), kept
as published: the Atom feed and a drill's --cap-out serve them byte for byte.

Revision ID: 0007_published_alerts
Revises: 0006_people_and_hands
Create Date: 2026-11-30 22:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_published_alerts"
down_revision = "0006_people_and_hands"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "published_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("identifier", sa.String(length=120), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("decision_seq", sa.Integer(), nullable=False),
        sa.Column("msg_type", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("area", sa.String(length=12), nullable=False),
        sa.Column("sent", _TIME, nullable=False),
        sa.Column("expires", _TIME, nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.ForeignKeyConstraint(["decision_seq"], ["decisions.seq"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identifier"),
        sa.UniqueConstraint("decision_seq"),
    )
    with op.batch_alter_table("published_alerts") as batch_op:
        batch_op.create_index("ix_published_alerts_incident_id", ["incident_id"])
        batch_op.create_index("ix_published_alerts_area", ["area"])


def downgrade() -> None:
    op.drop_table("published_alerts")
