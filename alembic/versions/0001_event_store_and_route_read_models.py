"""Event store, idempotency records and the first read models of the route.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy_utils.types.uuid import UUIDType

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "leerroute_events",
        sa.Column("id", _big_id, primary_key=True, autoincrement=True),
        sa.Column("originator_id", UUIDType(), nullable=False),
        sa.Column("originator_version", _big_id, nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
    )
    op.create_index(
        "leerroute_events_aggregate_idx", "leerroute_events", ["originator_id", "originator_version"], unique=True
    )
    op.create_table(
        "idempotency_records",
        sa.Column("scope", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "projection_positions",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("position", _big_id, nullable=False),
    )
    op.create_table(
        "trajectory_summaries",
        sa.Column("trajectory_id", sa.Uuid(), primary_key=True),
        sa.Column("municipality", sa.String(6), nullable=False),
        sa.Column("target_group", sa.String(20), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("last_step_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index(
        "trajectory_summaries_municipality_idx",
        "trajectory_summaries",
        ["municipality", "registered_on", "trajectory_id"],
    )
    op.create_table(
        "placement_summaries",
        sa.Column("placement_id", sa.String(36), primary_key=True),
        sa.Column("trajectory_id", sa.Uuid(), nullable=False),
        sa.Column("municipality", sa.String(6), nullable=False),
        sa.Column("employer_kvk", sa.String(8), nullable=False),
        sa.Column("employer_name", sa.String(200), nullable=False),
        sa.Column("function", sa.String(200), nullable=False),
        sa.Column("hours_per_week", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("proposed_on", sa.Date(), nullable=False),
        sa.Column("confirmed_on", sa.Date()),
        sa.Column("declined_on", sa.Date()),
        sa.Column("contract_start_on", sa.Date()),
        sa.Column("ended_on", sa.Date()),
    )
    op.create_index(
        "placement_summaries_employer_idx", "placement_summaries", ["employer_kvk", "proposed_on", "placement_id"]
    )
    op.create_index("placement_summaries_trajectory_idx", "placement_summaries", ["trajectory_id"])


def downgrade() -> None:
    op.drop_table("placement_summaries")
    op.drop_table("trajectory_summaries")
    op.drop_table("projection_positions")
    op.drop_table("idempotency_records")
    op.drop_table("leerroute_events")
