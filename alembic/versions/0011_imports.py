"""Spreadsheet imports: the imports, their encrypted files and the rows they imported.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("import_id", sa.Uuid(), primary_key=True),
        sa.Column("municipality", sa.String(6), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("file_format", sa.String(4), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("rows_checked", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("rows_imported", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("rows_unchanged", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("rows_changed", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("rows_failed", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("wrapped_key", sa.LargeBinary()),
        sa.Column("error", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("request_scope", sa.String(64)),
        sa.Column("request_key", sa.String(200)),
        sa.Column("fingerprint", sa.String(64), nullable=False),
    )
    op.create_index("imports_municipality_idx", "imports", ["municipality", "created_at"])
    op.create_index("imports_request_idx", "imports", ["request_scope", "request_key"], unique=True)
    op.create_table(
        "import_files",
        sa.Column("import_id", sa.Uuid(), primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "imported_rows",
        sa.Column("municipality", sa.String(6), primary_key=True),
        sa.Column("bsn_digest", sa.String(64), primary_key=True),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("trajectory_id", sa.Uuid(), nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("cells", sa.Text(), nullable=False),
    )
    op.create_index("imported_rows_candidate_idx", "imported_rows", ["candidate_id"])
    op.create_index("imported_rows_import_idx", "imported_rows", ["import_id"])


def downgrade() -> None:
    op.drop_table("imported_rows")
    op.drop_table("import_files")
    op.drop_index("imports_request_idx", table_name="imports")
    op.drop_index("imports_municipality_idx", table_name="imports")
    op.drop_table("imports")
