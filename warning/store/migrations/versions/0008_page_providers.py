"""Pages through more than one provider: which provider an attempt went through, and the message's
kind and placeholder values for a provider that sends registered templates (Alibaba Cloud).

Revision ID: 0008_page_providers
Revises: 0007_published_alerts
Create Date: 2026-12-01 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_page_providers"
down_revision = "0007_published_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as table:
        table.add_column(sa.Column("provider", sa.String(length=20), nullable=True))
        table.add_column(sa.Column("parts", sa.JSON(), nullable=True))
        table.add_column(sa.Column("sent_parts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as table:
        table.drop_column("sent_parts")
        table.drop_column("parts")
        table.drop_column("provider")
