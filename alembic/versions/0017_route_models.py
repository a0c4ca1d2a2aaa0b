"""The national model's versions and their regional variants, with their validity.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "route_models",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(100)),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date()),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("aggregate_version", sa.Integer(), nullable=False),
    )
    op.create_index("route_models_model_idx", "route_models", ["model_id", "region"])


def downgrade() -> None:
    op.drop_table("route_models")
