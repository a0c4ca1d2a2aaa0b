"""Money digests: per trajectory, agreement and claim the events the money is derived from, kept
by the money projection, so money reports no longer decode the log.

The table starts empty and the money projection's position is reset, so the worker replays the
log into it (as 0002 did for the route summaries): filling it here would mean decoding every
event in the migration, with the event store's settings. Until the replay has caught up, money
reads decode the part of the log after the projection's position, as they did before, so the
figures are the same throughout. The projection's other rows are only rewritten with the state
they already have or a later one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "money_digests",
        sa.Column("aggregate_id", sa.Uuid(), primary_key=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("municipality", sa.String(6)),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("born", big_id, nullable=False),
        sa.Column("position", big_id, nullable=False),
        sa.Column("events", sa.Text(), nullable=False),
    )
    op.create_index("money_digests_municipality_idx", "money_digests", ["kind", "municipality"])
    op.execute("DELETE FROM projection_positions WHERE name = 'money'")


def downgrade() -> None:
    op.drop_index("money_digests_municipality_idx", table_name="money_digests")
    op.drop_table("money_digests")
