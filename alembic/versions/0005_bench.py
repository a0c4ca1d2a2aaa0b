"""Indexes found by the benchmark: the worklist and the funnel stay fast as the population grows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The worklist: placements awaiting the employer, per municipality, oldest first.
    op.create_index("placement_summaries_municipality_idx", "placement_summaries",
                    ["municipality", "status", "proposed_on", "placement_id"])
    # The worklist: check-ins due and stalled routes, per municipality (only the rows that are).
    op.create_index("trajectory_summaries_check_in_due_idx", "trajectory_summaries",
                    ["municipality", "check_in_due_on", "trajectory_id"],
                    postgresql_where=sa.text("check_in_due_on IS NOT NULL"),
                    sqlite_where=sa.text("check_in_due_on IS NOT NULL"))
    op.create_index("trajectory_summaries_stalled_idx", "trajectory_summaries",
                    ["municipality", "last_step_on", "trajectory_id"],
                    postgresql_where=sa.text("stalled_since IS NOT NULL AND status = 'active'"),
                    sqlite_where=sa.text("stalled_since IS NOT NULL AND status = 'active'"))
    # The funnel's lead times per scope, read from the index alone.
    op.create_index("stage_facts_lead_days_idx", "stage_facts",
                    ["municipality", "cohort", "target_group", "stage", "lead_days"],
                    postgresql_include=["entered_on", "completed_on", "skipped"])


def downgrade() -> None:
    op.drop_index("stage_facts_lead_days_idx", table_name="stage_facts")
    op.drop_index("trajectory_summaries_stalled_idx", table_name="trajectory_summaries")
    op.drop_index("trajectory_summaries_check_in_due_idx", table_name="trajectory_summaries")
    op.drop_index("placement_summaries_municipality_idx", table_name="placement_summaries")
