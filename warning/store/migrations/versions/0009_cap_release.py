"""CAP messages held for a dispatcher's approval before their public release, and pushed to
subscribers once released.

Revision ID: 0009_cap_release
Revises: 0008_page_providers
Create Date: 2026-12-01 01:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_cap_release"
down_revision = "0008_page_providers"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("published_alerts") as table:
        table.add_column(sa.Column("level", sa.String(length=10), nullable=True))
        table.add_column(sa.Column("released_at", _TIME, nullable=True))
        table.add_column(sa.Column("released_by", sa.String(length=100), nullable=True))
        table.create_index("ix_published_alerts_released_at", ["released_at"])
    # What was published before approvals existed was released as it was issued.
    op.execute("UPDATE published_alerts SET released_at = sent, released_by = 'automatic'")
    op.create_table(
        "cap_pushes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subscriber", sa.String(length=100), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("pushed_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["published_alerts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscriber", "alert_id"),
    )


def downgrade() -> None:
    op.drop_table("cap_pushes")
    with op.batch_alter_table("published_alerts") as table:
        table.drop_index("ix_published_alerts_released_at")
        table.drop_column("released_by")
        table.drop_column("released_at")
        table.drop_column("level")
