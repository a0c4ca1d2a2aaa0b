"""Route pins and norm overruns: which route model (national version) and regional variant each
route follows, in the route summaries; and per route the norms of its model it runs against now,
with the last day within each (the worklist shows those past it).

Every route summarised before this migration follows version 1 (the baseline). The norm overruns
are filled as routes change; ``leerroute projections rebuild route-summaries`` fills them for
every route at once.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, uuid5

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BASELINE_MODEL_ID = uuid5(NAMESPACE_URL, "leerroute:route-model:1")  # as domain.route_model has it, fixed here


def upgrade() -> None:
    op.add_column("trajectory_summaries", sa.Column("route_model", sa.Uuid()))
    op.add_column("trajectory_summaries", sa.Column("route_variant", sa.Uuid()))
    summaries = sa.table("trajectory_summaries", sa.column("route_model", sa.Uuid()))
    op.execute(summaries.update().values(route_model=BASELINE_MODEL_ID))
    op.create_index("trajectory_summaries_route_model_idx", "trajectory_summaries", ["route_model", "municipality"])
    op.create_table(
        "norm_overruns",
        sa.Column("trajectory_id", sa.Uuid(), primary_key=True),
        sa.Column("norm", sa.String(40), primary_key=True),
        sa.Column("municipality", sa.String(6), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("norm_weeks", sa.Integer(), nullable=False),
        sa.Column("within_until", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date()),
    )
    op.create_index("norm_overruns_municipality_idx", "norm_overruns", ["municipality", "within_until"])


def downgrade() -> None:
    op.drop_table("norm_overruns")
    op.drop_index("trajectory_summaries_route_model_idx", table_name="trajectory_summaries")
    op.drop_column("trajectory_summaries", "route_variant")
    op.drop_column("trajectory_summaries", "route_model")
