"""Municipalities with validity periods, successors and centrumgemeenten.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "municipalities",
        sa.Column("municipality", sa.String(6), primary_key=True),
        sa.Column("period", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("region", sa.String(100)),
        sa.Column("valid_from", sa.Date()),
        sa.Column("valid_to", sa.Date()),
        sa.Column("successor", sa.String(6)),
        sa.Column("centre", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("municipalities")
