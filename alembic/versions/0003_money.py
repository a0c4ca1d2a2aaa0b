"""Financing agreements, claims and bijstand savings read models.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "money_agreements",
        sa.Column("agreement_id", sa.Uuid(), primary_key=True),
        sa.Column("payer_kind", sa.String(20), nullable=False),
        sa.Column("payer", sa.String(100), nullable=False),
        sa.Column("claimant", sa.String(100)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("trigger", sa.String(40), nullable=False),
        sa.Column("phase", sa.String(40)),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date()),
        sa.Column("budget_cap_cents", sa.BigInteger()),
        sa.Column("reserved_cents", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("terms_changes", sa.Integer(), nullable=False),
        sa.Column("concluded_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("money_agreements_payer_idx", "money_agreements", ["payer", "concluded_on", "agreement_id"])
    op.create_table(
        "money_claims",
        sa.Column("claim_id", sa.Uuid(), primary_key=True),
        sa.Column("agreement_id", sa.Uuid(), nullable=False),
        sa.Column("trajectory_id", sa.Uuid(), nullable=False),
        sa.Column("municipality", sa.String(6), nullable=False),
        sa.Column("payer", sa.String(100), nullable=False),
        sa.Column("claimant", sa.String(100), nullable=False),
        sa.Column("trigger", sa.String(40), nullable=False),
        sa.Column("trigger_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("approved_on", sa.Date()),
        sa.Column("rejected_on", sa.Date()),
        sa.Column("rejection_reason", sa.Text()),
        sa.Column("paid_on", sa.Date()),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("money_claims_agreement_idx", "money_claims", ["agreement_id", "filed_on", "claim_id"])
    op.create_index("money_claims_municipality_idx", "money_claims", ["municipality", "filed_on", "claim_id"])
    op.create_table(
        "money_saving_periods",
        sa.Column("trajectory_id", sa.Uuid(), primary_key=True),
        sa.Column("starts_on", sa.Date(), primary_key=True),
        sa.Column("municipality", sa.String(6), nullable=False),
        sa.Column("ends_on", sa.Date()),
        sa.Column("baseline_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
    )
    op.create_index("money_saving_periods_municipality_idx", "money_saving_periods", ["municipality", "starts_on"])


def downgrade() -> None:
    op.drop_table("money_saving_periods")
    op.drop_table("money_claims")
    op.drop_table("money_agreements")
