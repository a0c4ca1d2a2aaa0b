"""The funnel's counts per municipality and for the country, kept by the funnel projection, so a
funnel no longer groups every route's facts on each request.

The counts are filled here from the fact tables the funnel projection has written so far; from
then on the projection keeps them in the same transaction as the facts. The facts' indexes for
grouping them per scope have no reader left and go: they only slowed down each batch.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _scope() -> list[sa.Column]:
    return [
        sa.Column("municipality", sa.String(6), primary_key=True),  # '' for the whole country
        sa.Column("cohort", sa.String(7), primary_key=True),
        sa.Column("target_group", sa.String(20), primary_key=True),
        sa.Column("stage", sa.String(32), primary_key=True),
    ]


def upgrade() -> None:
    op.create_table(
        "funnel_stage_counts",
        *_scope(),
        sa.Column("facts", sa.Integer(), nullable=False),
        sa.Column("entered", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
    )
    op.create_table(
        "funnel_lead_days",
        *_scope(),
        sa.Column("lead_days", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_table(
        "funnel_drop_out_counts",
        *_scope(),
        sa.Column("reason", sa.String(40), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    # Per municipality, then the country ('' as the municipality), from the facts so far.
    for municipality, grouped in (("municipality", "municipality, "), ("''", "")):
        op.execute(
            "INSERT INTO funnel_stage_counts (municipality, cohort, target_group, stage, facts, entered, completed, skipped) "
            f"SELECT {municipality}, cohort, target_group, stage, COUNT(*), COUNT(entered_on), COUNT(completed_on), "
            "COALESCE(SUM(CASE WHEN skipped THEN 1 ELSE 0 END), 0) "
            f"FROM stage_facts GROUP BY {grouped}cohort, target_group, stage"
        )
        op.execute(
            "INSERT INTO funnel_lead_days (municipality, cohort, target_group, stage, lead_days, count) "
            f"SELECT {municipality}, cohort, target_group, stage, lead_days, COUNT(*) "
            f"FROM stage_facts WHERE lead_days IS NOT NULL GROUP BY {grouped}cohort, target_group, stage, lead_days"
        )
        op.execute(
            "INSERT INTO funnel_drop_out_counts (municipality, cohort, target_group, stage, reason, count) "
            f"SELECT {municipality}, cohort, target_group, stage, reason, COUNT(*) "
            f"FROM drop_out_facts GROUP BY {grouped}cohort, target_group, stage, reason"
        )
    op.drop_index("stage_facts_lead_days_idx", table_name="stage_facts")
    op.drop_index("stage_facts_scope_idx", table_name="stage_facts")
    op.drop_index("drop_out_facts_scope_idx", table_name="drop_out_facts")


def downgrade() -> None:
    op.create_index("drop_out_facts_scope_idx", "drop_out_facts", ["municipality", "cohort", "target_group"])
    op.create_index("stage_facts_scope_idx", "stage_facts", ["municipality", "cohort", "target_group", "stage"])
    op.create_index("stage_facts_lead_days_idx", "stage_facts",
                    ["municipality", "cohort", "target_group", "stage", "lead_days"],
                    postgresql_include=["entered_on", "completed_on", "skipped"])
    op.drop_table("funnel_drop_out_counts")
    op.drop_table("funnel_lead_days")
    op.drop_table("funnel_stage_counts")
