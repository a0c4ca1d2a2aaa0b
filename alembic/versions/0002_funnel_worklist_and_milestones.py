"""Read models for the worklist, the funnel and time-driven milestones.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The new columns are derived from the log: the route-summaries projection starts over.
    op.execute("DELETE FROM trajectory_summaries")
    op.execute("DELETE FROM placement_summaries")
    op.execute("DELETE FROM projection_positions WHERE name = 'route-summaries'")
    with op.batch_alter_table("trajectory_summaries") as batch:
        batch.add_column(sa.Column("cohort", sa.String(7), nullable=False))
        batch.add_column(sa.Column("stalled_since", sa.Date()))
        batch.add_column(sa.Column("check_in_due_on", sa.Date()))
        batch.add_column(sa.Column("next_milestone_on", sa.Date()))
        batch.create_index("trajectory_summaries_next_milestone_idx", ["next_milestone_on"])
    with op.batch_alter_table("placement_summaries") as batch:
        batch.add_column(sa.Column("lasting_on", sa.Date()))

    op.create_table(
        "deviation_summaries",
        sa.Column("deviation_id", sa.String(36), primary_key=True),
        sa.Column("trajectory_id", sa.Uuid(), nullable=False),
        sa.Column("municipality", sa.String(6), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
    )
    op.create_index("deviation_summaries_municipality_idx", "deviation_summaries", ["municipality", "ends_on"])
    op.create_table(
        "stage_facts",
        sa.Column("trajectory_id", sa.Uuid(), primary_key=True),
        sa.Column("stage", sa.String(32), primary_key=True),
        sa.Column("municipality", sa.String(6), nullable=False),
        sa.Column("cohort", sa.String(7), nullable=False),
        sa.Column("target_group", sa.String(20), nullable=False),
        sa.Column("entered_on", sa.Date()),
        sa.Column("completed_on", sa.Date()),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("lead_days", sa.Integer()),
    )
    op.create_index("stage_facts_scope_idx", "stage_facts", ["municipality", "cohort", "target_group", "stage"])
    op.create_table(
        "drop_out_facts",
        sa.Column("trajectory_id", sa.Uuid(), primary_key=True),
        sa.Column("sequence", sa.Integer(), primary_key=True),
        sa.Column("municipality", sa.String(6), nullable=False),
        sa.Column("cohort", sa.String(7), nullable=False),
        sa.Column("target_group", sa.String(20), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("dropped_on", sa.Date(), nullable=False),
    )
    op.create_index("drop_out_facts_scope_idx", "drop_out_facts", ["municipality", "cohort", "target_group"])
    op.create_table(
        "municipality_regions",
        sa.Column("municipality", sa.String(6), primary_key=True),
        sa.Column("region", sa.String(100), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("municipality_regions")
    op.drop_table("drop_out_facts")
    op.drop_table("stage_facts")
    op.drop_table("deviation_summaries")
    with op.batch_alter_table("placement_summaries") as batch:
        batch.drop_column("lasting_on")
    with op.batch_alter_table("trajectory_summaries") as batch:
        batch.drop_index("trajectory_summaries_next_milestone_idx")
        batch.drop_column("next_milestone_on")
        batch.drop_column("check_in_due_on")
        batch.drop_column("stalled_since")
        batch.drop_column("cohort")
