"""The retention schedule: when each route ended, when its candidate's personal data falls due
for erasure, and a documented hold. Filled by the ``retention`` projection, which reads the log
from the start the first time the workers run after this migration.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_schedule",
        sa.Column("trajectory_id", sa.Uuid, primary_key=True),
        sa.Column("candidate_id", sa.Uuid, nullable=False),
        sa.Column("municipality", sa.String(6), nullable=False),
        sa.Column("ended_on", sa.Date),
        sa.Column("due_on", sa.Date),
        sa.Column("held_on", sa.Date),
        sa.Column("hold_reason", sa.Text()),
    )
    op.create_index("retention_schedule_due_idx", "retention_schedule", ["due_on"])
    op.create_index("retention_schedule_municipality_idx", "retention_schedule", ["municipality", "due_on"])


def downgrade() -> None:
    op.drop_table("retention_schedule")
