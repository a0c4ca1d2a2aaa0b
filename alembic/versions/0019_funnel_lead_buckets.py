"""The funnel's lead-time histogram also in buckets of 16 days, so that a funnel reads the buckets
that hold its percentiles and only those buckets' days, not every distinct number of days.

The buckets are filled here from the histogram per day the funnel projection has kept so far;
from then on the projection keeps both in the same transaction. A bucket's ``from_days`` is its
first day, a multiple of 16 (rounded down, also below zero: ``%`` keeps the dividend's sign on
PostgreSQL and SQLite, so the remainder is made non-negative first).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "funnel_lead_buckets",
        sa.Column("municipality", sa.String(6), primary_key=True),  # '' for the whole country
        sa.Column("cohort", sa.String(7), primary_key=True),
        sa.Column("target_group", sa.String(20), primary_key=True),
        sa.Column("stage", sa.String(32), primary_key=True),
        sa.Column("from_days", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    from_days = "lead_days - (lead_days % 16 + 16) % 16"
    op.execute(
        "INSERT INTO funnel_lead_buckets (municipality, cohort, target_group, stage, from_days, count) "
        f"SELECT municipality, cohort, target_group, stage, {from_days}, SUM(count) FROM funnel_lead_days "
        f"GROUP BY municipality, cohort, target_group, stage, {from_days}"
    )


def downgrade() -> None:
    op.drop_table("funnel_lead_buckets")
