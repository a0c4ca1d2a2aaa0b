"""Notifications: subscriptions' secrets, cursors on the log and delivery attempts.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "subscription_secrets",
        sa.Column("subscription_id", sa.Uuid(), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "notification_cursors",
        sa.Column("subscription_id", sa.Uuid(), primary_key=True),
        sa.Column("organisation", sa.String(20), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("position", _big_id, nullable=False),
        sa.Column("lease_owner", sa.String(32)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("failures", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("failing_since", sa.DateTime(timezone=True)),
        sa.Column("delivered", _big_id, nullable=False, server_default=sa.text("0")),
        sa.Column("last_delivered_at", sa.DateTime(timezone=True)),
    )
    op.create_index("notification_cursors_organisation_idx", "notification_cursors", ["organisation", "role"])
    op.create_table(
        "notification_attempts",
        sa.Column("id", _big_id, primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("position", _big_id, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("status_code", sa.Integer()),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(300)),
    )
    op.create_index("notification_attempts_subscription_idx", "notification_attempts", ["subscription_id", "id"])


def downgrade() -> None:
    op.drop_table("notification_attempts")
    op.drop_table("notification_cursors")
    op.drop_table("subscription_secrets")
