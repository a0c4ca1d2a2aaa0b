"""The comparison across regions: per trajectory event the comparison reads, its business date,
recording time and fields. Filled by the ``comparison`` projection, which reads the log from the
start the first time the workers run after this migration.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "comparison_events",
        sa.Column("trajectory_id", sa.Uuid(), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("position", big_id, nullable=False),
        sa.Column("municipality", sa.String(6), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
    )
    op.create_index("comparison_events_municipality_idx", "comparison_events", ["municipality", "occurred_on"])


def downgrade() -> None:
    op.drop_index("comparison_events_municipality_idx", table_name="comparison_events")
    op.drop_table("comparison_events")
