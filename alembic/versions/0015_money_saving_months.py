"""Bijstand savings as month aggregates: per trajectory and recording moment what it changed in
the savings per month, and their sums per municipality, recording month and month, kept by the
money projection, so a money report reads a municipality's months instead of its routes.

The tables start empty; the money digests are emptied and the money projection's position is
reset, so the worker replays the log into the digests and the new tables (as 0007 did): filling
them here would mean decoding every event in the migration. Until the replay has caught up,
money reads decode the part of the log after the projection's position, as they do for any lag,
so the figures are the same throughout.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "money_saving_changes",
        sa.Column("trajectory_id", sa.Uuid(), primary_key=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("kind", sa.String(5), primary_key=True),
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("municipality", sa.String(6), nullable=False),
        sa.Column("cents", sa.BigInteger(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.create_index("money_saving_changes_municipality_idx", "money_saving_changes", ["municipality", "recorded_at"])
    op.create_table(
        "money_saving_totals",
        sa.Column("municipality", sa.String(6), primary_key=True),
        sa.Column("recorded_month", sa.Date(), primary_key=True),
        sa.Column("kind", sa.String(5), primary_key=True),
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("cents", sa.BigInteger(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.execute("DELETE FROM money_digests")
    op.execute("DELETE FROM projection_positions WHERE name = 'money'")


def downgrade() -> None:
    op.drop_table("money_saving_totals")
    op.drop_index("money_saving_changes_municipality_idx", table_name="money_saving_changes")
    op.drop_table("money_saving_changes")
