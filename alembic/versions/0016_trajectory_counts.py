"""Trajectory counts: how many route summaries there are per municipality, stage, status and
target group, kept by the route-summaries projection, so a list's total no longer counts every
route of the municipality. Filled here from the summaries themselves.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trajectory_counts",
        sa.Column("municipality", sa.String(6), primary_key=True),
        sa.Column("stage", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(20), primary_key=True),
        sa.Column("target_group", sa.String(20), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.execute(
        "INSERT INTO trajectory_counts (municipality, stage, status, target_group, n) "
        "SELECT municipality, stage, status, target_group, count(*) FROM trajectory_summaries "
        "GROUP BY municipality, stage, status, target_group"
    )


def downgrade() -> None:
    op.drop_table("trajectory_counts")
