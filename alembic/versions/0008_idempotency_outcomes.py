"""Idempotency records keep the outcome of a command, not an HTTP response.

A repeated request is answered from the command's outcome (the aggregate, its version and log
position, the id of what the command created), presented again by the entry point, so no
response body (and so no presentation of the aggregate) is copied into the records. Records of
requests made before this migration are converted from their stored responses: the aggregate
id and version from the body, the position from ``Leerroute-Log-Position``, the created id
from a placement's ``Location``. Their command is unknown; an erasure forgets those of its
trajectory too (see ``forget_requests``: a command of NULL matches), as it did before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import hashlib
import json
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_records = sa.table(
    "idempotency_records",
    sa.column("scope", sa.String),
    sa.column("key", sa.String),
    sa.column("status_code", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("headers", sa.Text),
    sa.column("aggregate_id", sa.Uuid),
    sa.column("version", sa.Integer),
    sa.column("position", sa.BigInteger),
    sa.column("created", sa.String),
)


def _outcome(body: str, headers: str) -> dict | None:
    try:
        data, head = json.loads(body), json.loads(headers)
        aggregate_id, version = uuid.UUID(str(data["id"])), int(data["version"])
    except (ValueError, TypeError, KeyError):
        return None
    position = head.get("Leerroute-Log-Position")
    location = head.get("Location", "")
    parts = location.strip("/").split("/")
    created = parts[4] if len(parts) == 5 and parts[1] == "trajectories" and parts[3] == "placements" else None
    return {"aggregate_id": aggregate_id, "version": version, "position": int(position) if position else None, "created": created}


def _scope(old: str) -> str:
    organisation, _, subject = old.partition("/")
    return hashlib.sha256(json.dumps([organisation, subject]).encode()).hexdigest()


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    with op.batch_alter_table("idempotency_records") as batch:
        batch.add_column(sa.Column("command", sa.String(64)))
        batch.add_column(sa.Column("aggregate_id", sa.Uuid()))
        batch.add_column(sa.Column("version", sa.Integer()))
        batch.add_column(sa.Column("position", big_id))
        batch.add_column(sa.Column("created", sa.String(64)))
    connection = op.get_bind()
    rows = connection.execute(sa.select(_records.c.scope, _records.c.key, _records.c.body, _records.c.headers)).all()
    for scope, key, body, headers in rows:
        where = (_records.c.scope == scope) & (_records.c.key == key)
        outcome = _outcome(body, headers)
        if outcome is None:  # a request that was still running, or did not name an aggregate
            connection.execute(sa.delete(_records).where(where))
        else:
            connection.execute(sa.update(_records).where(where).values(scope=_scope(scope), **outcome))
    with op.batch_alter_table("idempotency_records") as batch:
        batch.drop_column("status_code")
        batch.drop_column("body")
        batch.drop_column("headers")
        batch.create_index("idempotency_records_aggregate_idx", ["aggregate_id"])


def downgrade() -> None:
    with op.batch_alter_table("idempotency_records") as batch:
        batch.drop_index("idempotency_records_aggregate_idx")
        batch.add_column(sa.Column("status_code", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("body", sa.Text(), nullable=False, server_default="null"))
        batch.add_column(sa.Column("headers", sa.Text(), nullable=False, server_default="{}"))
        batch.drop_column("created")
        batch.drop_column("position")
        batch.drop_column("version")
        batch.drop_column("aggregate_id")
        batch.drop_column("command")
    op.execute("DELETE FROM idempotency_records")
