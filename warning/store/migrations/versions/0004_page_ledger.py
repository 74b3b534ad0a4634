"""The page ledger: a page's key parts become columns (origin, policy, position), and the provider's
statuses on the way (queued, sending, sent, ringing, in-progress) move beside the ledger's own status
(`provider_status`), which stays `accepted` until the provider's final word.

Existing pages are filled in from their keys, once, here: nothing parses a key after this.

Revision ID: 0004_page_ledger
Revises: 0003_cap_messages
Create Date: 2026-11-30 09:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_page_ledger"
down_revision = "0003_cap_messages"
branch_labels = None
depends_on = None

_ON_THE_WAY = ("queued", "sending", "sent", "ringing", "in-progress", "initiated", "scheduled")


def _parts(key: str) -> tuple[str, str | None, int | None]:
    """(origin, policy, position) of a key of one of the shapes warning/ledger.py lists."""
    parts = key.split(":")
    origin = "moved" if ":moved:" in key else "fallback" if ":fallback:" in key else None
    if len(parts) >= 7 and parts[3] == "position" and parts[4].isdigit():
        return origin or "step", parts[2], int(parts[4])
    if len(parts) >= 4 and parts[3] in ("inform", "handover"):
        return origin or parts[3], parts[2], None
    return origin or "told", None, None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.add_column(sa.Column("origin", sa.String(length=10), nullable=False, server_default="step"))
        batch_op.add_column(sa.Column("policy_id", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("provider_status", sa.String(length=20), nullable=True))
    connection = op.get_bind()
    pages = sa.table(
        "notifications", sa.column("id", sa.Integer), sa.column("idempotency_key", sa.String),
        sa.column("status", sa.String), sa.column("provider_sid", sa.String), sa.column("origin", sa.String),
        sa.column("policy_id", sa.String), sa.column("position", sa.Integer), sa.column("provider_status", sa.String),
    )  # fmt: skip
    rows = connection.execute(sa.select(pages.c.id, pages.c.idempotency_key, pages.c.status, pages.c.provider_sid))
    for page_id, key, status, provider_sid in rows.all():
        origin, policy, position = _parts(key)
        values: dict[str, object] = {"origin": origin, "policy_id": policy, "position": position}
        if status in _ON_THE_WAY and (status != "sending" or provider_sid is not None):
            values |= {"status": "accepted", "provider_status": status}
        connection.execute(sa.update(pages).where(pages.c.id == page_id).values(**values))
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.alter_column("origin", server_default=None)


def downgrade() -> None:
    connection = op.get_bind()
    pages = sa.table("notifications", sa.column("status", sa.String), sa.column("provider_status", sa.String))
    connection.execute(
        sa.update(pages)
        .where(pages.c.status == "accepted", pages.c.provider_status.is_not(None))
        .values(status=pages.c.provider_status)
    )
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.drop_column("provider_status")
        batch_op.drop_column("position")
        batch_op.drop_column("policy_id")
        batch_op.drop_column("origin")
