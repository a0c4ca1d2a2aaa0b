"""Migration 0008: requests kept before it (as HTTP responses) are kept as outcomes after it, so
a repeat sent across an upgrade is still answered from its first outcome."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import text

from adapters import migrations
from adapters.database import dispose_engine, get_engine
from domain.values import Actor, Role
from leerroute.service import request_scope


def test_kept_responses_become_kept_outcomes_and_unfinished_ones_are_dropped(fresh_database):
    url = fresh_database
    migrations.upgrade(url, "0007")
    trajectory, placement = uuid.uuid4(), uuid.uuid4()
    rows = [
        ("GM0363/km-1", "register", 201, {"id": str(trajectory), "version": 1},
         {"Location": f"/v1/trajectories/{trajectory}", "ETag": '"1"', "Leerroute-Log-Position": "2"}),
        ("GM0363/km-1", "propose", 201, {"id": str(trajectory), "version": 4},
         {"Location": f"/v1/trajectories/{trajectory}/placements/{placement}", "Leerroute-Log-Position": "9"}),
        ("GM0363/km-1", "running", 0, None, {}),
    ]
    with get_engine(url).begin() as connection:
        for scope, key, status, body, headers in rows:
            connection.execute(
                text("INSERT INTO idempotency_records (scope, key, fingerprint, status_code, body, headers, created_at) "
                     "VALUES (:scope, :key, :fingerprint, :status, :body, :headers, :at)"),
                {"scope": scope, "key": key, "fingerprint": "f" * 64, "status": status, "body": json.dumps(body),
                 "headers": json.dumps(headers), "at": datetime.now(UTC)},
            )
    dispose_engine(url)
    migrations.upgrade(url)
    migrations.check(url)
    with get_engine(url).connect() as connection:
        kept = {
            row.key: row
            for row in connection.execute(text("SELECT scope, key, command, aggregate_id, version, position, created FROM idempotency_records"))
        }
    assert set(kept) == {"register", "propose"}
    # the scope the service computes for that caller now
    assert {row.scope for row in kept.values()} == {request_scope(Actor("km-1", Role.KLANTMANAGER, "GM0363"))}
    register, propose = kept["register"], kept["propose"]
    assert (uuid.UUID(str(register.aggregate_id)), register.version, register.position, register.created) == (trajectory, 1, 2, None)
    assert (propose.version, propose.position, propose.created) == (4, 9, str(placement))
    assert register.command is None and propose.command is None
