"""One incident per situation: an incident's causes (each rule's detections at one station, or a
compound's in one area) are rows of their own, with their own level; an incident may be merged into
a compound's; and areas may be 12-digit community codes (incidents, causes, silences).

Each existing incident becomes its own single cause, under the incident's key: a warning open across
the upgrade goes on being judged against its level.

Revision ID: 0005_incident_causes
Revises: 0004_page_ledger
Create Date: 2026-11-30 11:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_incident_causes"
down_revision = "0004_page_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_causes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("open_key", sa.String(length=300), nullable=True),
        sa.Column("rule_id", sa.String(length=100), nullable=False),
        sa.Column("rule_version", sa.String(length=40), nullable=False),
        sa.Column("station_id", sa.String(length=100), nullable=False),
        sa.Column("area", sa.String(length=12), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("open_key"),
    )
    op.create_index("ix_incident_causes_incident_id", "incident_causes", ["incident_id"])
    op.create_index("ix_incident_causes_key", "incident_causes", ["key"])
    op.create_index("ix_incident_causes_rule_id", "incident_causes", ["rule_id"])
    with op.batch_alter_table("incidents") as batch_op:
        batch_op.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_incidents_merged_into", "incidents", ["merged_into"], ["id"])
        batch_op.alter_column("area", type_=sa.String(length=12), existing_type=sa.String(length=6))
    with op.batch_alter_table("silences") as batch_op:
        batch_op.alter_column("area", type_=sa.String(length=12), existing_type=sa.String(length=6))
    op.execute(
        "INSERT INTO incident_causes (incident_id, key, open_key, rule_id, rule_version, station_id, area, title,"
        " reason, content, level, opened_at, updated_at, cleared_at)"
        " SELECT id, key, open_key, rule_id, rule_version, station_id, area, title, reason, content, level,"
        " opened_at, updated_at, lifted_at FROM incidents ORDER BY id"
    )


def downgrade() -> None:
    with op.batch_alter_table("silences") as batch_op:
        batch_op.alter_column("area", type_=sa.String(length=6), existing_type=sa.String(length=12))
    with op.batch_alter_table("incidents") as batch_op:
        batch_op.drop_constraint("fk_incidents_merged_into", type_="foreignkey")
        batch_op.drop_column("merged_into")
        batch_op.alter_column("area", type_=sa.String(length=6), existing_type=sa.String(length=12))
    op.drop_table("incident_causes")
