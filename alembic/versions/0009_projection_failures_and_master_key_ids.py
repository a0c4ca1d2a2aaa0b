"""Projections that stop on an event they cannot process, and master key ids on candidate keys.

``projection_failures`` holds, per stopped projection, the log position and topic of the event
it could not process and the error. ``candidate_keys.master_key_id`` names the master key that
wrapped each candidate's key, so ``leerroute keys rotate`` can find the keys still wrapped by an
older one (NULL for keys wrapped before this migration).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "projection_failures",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("position", _big_id, nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("candidate_keys") as batch:
        batch.add_column(sa.Column("master_key_id", sa.String(16)))
        batch.create_index("candidate_keys_master_key_idx", ["master_key_id"])


def downgrade() -> None:
    with op.batch_alter_table("candidate_keys") as batch:
        batch.drop_index("candidate_keys_master_key_idx")
        batch.drop_column("master_key_id")
    op.drop_table("projection_failures")
