"""Tamper evidence, per-candidate keys, candidate lookup and the access log.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy_utils.types.uuid import UUIDType

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "event_hashes",
        sa.Column("originator_id", UUIDType(), primary_key=True),
        sa.Column("originator_version", _big_id, primary_key=True, autoincrement=False),
        sa.Column("position", _big_id, nullable=False),
        sa.Column("event_digest", sa.String(64), nullable=False),
        sa.Column("chain_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "candidate_keys",
        sa.Column("candidate_id", sa.Uuid(), primary_key=True),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "candidate_lookup",
        sa.Column("municipality", sa.String(6), primary_key=True),
        sa.Column("bsn_digest", sa.String(64), primary_key=True),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
    )
    op.create_table(
        "access_log",
        sa.Column("id", _big_id, primary_key=True, autoincrement=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("organisation", sa.String(64), nullable=False),
        sa.Column("municipality", sa.String(6), nullable=False),
        sa.Column("trajectory_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_pseudonym", sa.String(64), nullable=False),
        sa.Column("activity", sa.String(80), nullable=False),
        sa.Column("trace_id", sa.String(32), nullable=False),
    )
    op.create_index("access_log_candidate_idx", "access_log", ["candidate_pseudonym", "occurred_at"])
    op.create_index("access_log_trajectory_idx", "access_log", ["trajectory_id", "occurred_at"])
    _chain_existing_events()


def _chain_existing_events() -> None:
    """Events stored before this revision get their chain records now."""
    from adapters.hash_chain import chain_rows
    from adapters.tables import event_hashes, events

    connection = op.get_bind()
    rows = connection.execute(
        sa.select(events.c.id, events.c.originator_id, events.c.originator_version, events.c.topic, events.c.state).order_by(
            events.c.originator_id, events.c.originator_version
        )
    )
    pending: list[dict] = []
    current = None
    previous = None
    for row in rows:
        if row.originator_id != current:
            current, previous = row.originator_id, None
        [record] = chain_rows(previous, [(row.originator_id, row.originator_version, row.id, row.topic, bytes(row.state))])
        previous = record["chain_hash"]
        pending.append(record)
        if len(pending) >= 5000:
            connection.execute(sa.insert(event_hashes), pending)
            pending = []
    if pending:
        connection.execute(sa.insert(event_hashes), pending)


def downgrade() -> None:
    op.drop_index("access_log_trajectory_idx", "access_log")
    op.drop_index("access_log_candidate_idx", "access_log")
    op.drop_table("access_log")
    op.drop_table("candidate_lookup")
    op.drop_table("candidate_keys")
    op.drop_table("event_hashes")
