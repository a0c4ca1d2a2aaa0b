"""Every trajectory's events are hash-chained; `leerroute verify` names each event that was
changed, removed, inserted or reordered, and exits with 1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from adapters.clock import FixedClock
from adapters.database import get_engine, write_session
from adapters.tables import event_hashes, events
from domain.values import Role
from tests.conftest import TODAY, new_kvk, registration, test_settings


@pytest.fixture
def store(fresh_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A store of its own with two routes of several events each; the CLI reads it too."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from leerroute.bootstrap import build

    settings = test_settings(tmp_path, fresh_database, REDIS_URL=None)
    container = build(settings, clock=FixedClock(TODAY))
    for key, value in {
        "DATABASE_URL": fresh_database,
        "LEERROUTE_DATA_DIR": str(tmp_path),
        "LEERROUTE_PERSONAL_DATA_SECRET": settings.personal_data_secret,
        "LEERROUTE_PSEUDONYM_SECRET": settings.pseudonym_secret,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("REDIS_URL", raising=False)
    token = container.tokens.issue(
        subject="km", role=Role.KLANTMANAGER, organisation="GM0363", now=datetime.now(UTC), ttl=timedelta(hours=1)
    )
    km = {"Authorization": f"Bearer {token}"}
    ids = []
    with TestClient(create_app(container, run_worker=False)) as api:
        for _ in range(2):
            t = api.post("/v1/trajectories", json=registration(), headers=km).json()["id"]
            base = f"/v1/trajectories/{t}"
            for path, body in [
                ("/phases/orientation/start", {"date": "2026-01-12"}),
                ("/phases/orientation/completion", {"date": "2026-02-06"}),
                ("/phases/pre-trajectory/start", {"date": "2026-02-09"}),
                ("/placements", {"date": "2026-06-01", "employer": {"kvkNumber": new_kvk(), "name": "Installatiebedrijf Noord BV"},
                                 "function": "assistent-hulpmonteur", "hoursPerWeek": 36, "level": "assistent"}),
            ]:
                assert api.post(base + path, json=body, headers=km).status_code in (200, 201)
            ids.append(t)
    return fresh_database, ids


def _verify(*args: str) -> tuple[int, str]:
    from leerroute.cli import cli

    result = CliRunner().invoke(cli, ["verify", *args])
    return result.exit_code, result.output


def _event(url: str, trajectory_id: str, version: int):
    with get_engine(url).connect() as connection:
        return connection.execute(
            select(events).where(events.c.originator_id == trajectory_id, events.c.originator_version == version)
        ).one()


def test_an_untouched_store_verifies(store):
    url, ids = store
    code, output = _verify()
    assert code == 0, output
    with get_engine(url).connect() as connection:
        chained = connection.execute(select(event_hashes.c.originator_id).where(event_hashes.c.originator_id == ids[0])).all()
    assert len(chained) == 5  # registration and four steps, each chained in its own write


def test_verify_names_an_updated_event(store):
    url, ids = store
    row = _event(url, ids[0], 3)
    assert b"2026-02-06" in bytes(row.state)
    with write_session(url) as session:
        session.execute(update(events).where(events.c.id == row.id).values(state=bytes(row.state).replace(b"2026-02-06", b"2026-02-05")))
    code, output = _verify()
    assert code == 1
    assert f"{ids[0]} v3: changed" in output
    assert output.count(": changed") == 1 and ids[1] not in output


def test_verify_names_a_deleted_event(store):
    url, ids = store
    with write_session(url) as session:
        session.execute(delete(events).where(events.c.originator_id == ids[1], events.c.originator_version == 2))
    code, output = _verify()
    assert code == 1
    assert f"{ids[1]} v2: removed" in output
    assert ids[0] not in output


def test_verify_names_a_swapped_pair(store):
    url, ids = store
    with write_session(url) as session:
        where = (events.c.originator_id == ids[0]) & (events.c.originator_version.in_([2, 3]))
        first, second = session.execute(select(events.c.id, events.c.topic, events.c.state).where(where).order_by(events.c.originator_version)).all()
        session.execute(update(events).where(events.c.id == first.id).values(topic=second.topic, state=bytes(second.state)))
        session.execute(update(events).where(events.c.id == second.id).values(topic=first.topic, state=bytes(first.state)))
    code, output = _verify()
    assert code == 1
    assert f"{ids[0]} v2: reordered: this is the event recorded as version 3" in output
    assert f"{ids[0]} v3: reordered: this is the event recorded as version 2" in output


def test_verify_names_events_swapped_in_the_order_of_the_whole_log(store):
    url, ids = store
    first, second = _event(url, ids[0], 2), _event(url, ids[1], 2)
    with write_session(url) as session:  # swap their positions in the log, each staying in its own trajectory
        session.execute(update(events).where(events.c.id == first.id).values(id=-1))
        session.execute(update(events).where(events.c.id == second.id).values(id=first.id))
        session.execute(update(events).where(events.c.id == -1).values(id=second.id))
    code, output = _verify()
    assert code == 1
    assert f"{ids[0]} v2: reordered: recorded at log position {first.id}, now at {second.id}" in output
    assert f"{ids[1]} v2: reordered: recorded at log position {second.id}, now at {first.id}" in output


def test_verify_names_a_removed_last_event_and_an_altered_chain_record(store):
    url, ids = store
    with write_session(url) as session:
        session.execute(delete(events).where(events.c.originator_id == ids[0], events.c.originator_version == 5))
        session.execute(
            update(event_hashes)
            .where(event_hashes.c.originator_id == ids[1], event_hashes.c.originator_version == 4)
            .values(chain_hash="0" * 64)
        )
    code, output = _verify()
    assert code == 1
    assert f"{ids[0]} v5: removed" in output
    assert f"{ids[1]} v5: chain-altered" in output  # v4's record no longer leads to v5's


def test_events_stored_before_the_chain_existed_are_chained_by_the_migration(store):
    from alembic import command

    from adapters.migrations import alembic_config

    url, _ = store
    command.downgrade(alembic_config(url), "0003")  # the store as it was before tamper evidence
    command.upgrade(alembic_config(url), "head")
    code, output = _verify()
    assert code == 0, output
    with get_engine(url).connect() as connection:
        assert len(connection.execute(select(event_hashes)).all()) == len(connection.execute(select(events.c.id)).all())


def test_an_anchor_kept_outside_catches_events_rewritten_with_their_chain(store, tmp_path):
    from adapters.hash_chain import chain_rows

    url, ids = store
    anchor = tmp_path / "anchor.json"
    code, output = _verify("--anchor", str(anchor))
    assert code == 0 and anchor.exists(), output
    # Someone with write access changes an event and recomputes the chain records to match.
    row = _event(url, ids[0], 3)
    with write_session(url) as session:
        session.execute(update(events).where(events.c.id == row.id).values(state=bytes(row.state).replace(b"2026-02-06", b"2026-02-05")))
        stored = session.execute(
            select(events.c.originator_id, events.c.originator_version, events.c.id, events.c.topic, events.c.state)
            .where(events.c.originator_id == ids[0]).order_by(events.c.originator_version)
        ).all()
        session.execute(delete(event_hashes).where(event_hashes.c.originator_id == ids[0]))
        session.execute(event_hashes.insert(), chain_rows(None, [(r[0], r[1], r[2], r[3], bytes(r[4])) for r in stored]))
    code, output = _verify()
    assert code == 0, output  # the chain alone cannot tell
    code, output = _verify("--anchor", str(anchor))
    assert code == 1
    assert f"{ids[0]} v5: rewritten" in output and ids[1] not in output
