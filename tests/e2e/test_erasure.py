"""Erasure under the AVG (art. 17): after it, no copy of the BSN or the names is left in the
database in any form, while the route, its money figures and its audit trail read the same."""

from __future__ import annotations

import base64
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from adapters.clock import FixedClock
from adapters.database import get_engine, is_sqlite
from adapters.tables import candidate_keys, candidate_lookup, idempotency_records
from domain.values import Role
from tests.conftest import TODAY, assert_problem, new_bsn, new_kvk, registration, test_settings

GIVEN = "Zainab Qadira"
FAMILY = "Oyelaran-Vrolijk"
PERSONAL_KEYS = {"candidate", "candidateName"}


def figures(api, headers: dict[str, str], paths: list[str]) -> dict[str, object]:
    """The bodies of GET ``paths`` without the candidate's own section: the figures erasure must
    leave as they were."""

    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in PERSONAL_KEYS}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    result = {}
    for path in paths:
        response = api.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)
        result[path] = strip(response.json())
    return result


def forms(text: str) -> set[bytes]:
    """Every way a value could lie in a dump or a database file."""
    variants = {text, text.upper(), text.lower(), json.dumps(text)[1:-1]}
    found = set()
    for v in variants:
        raw = v.encode()
        found |= {raw, raw.hex().encode(), raw.hex().upper().encode(), base64.b64encode(raw).rstrip(b"=")}
    return found


def database_bytes(url: str) -> bytes:
    """The whole database as bytes: a pg_dump on PostgreSQL, the files on SQLite."""
    if is_sqlite(url):
        path = Path(make_url(url).database)
        return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    u = make_url(url)
    return subprocess.run(
        ["pg_dump", "-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres", "-d", u.database],
        check=True, capture_output=True, env={"PGPASSWORD": u.password or "", "PATH": "/usr/bin:/bin"},
    ).stdout


@pytest.fixture
def leerroute(fresh_database: str, tmp_path: Path):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from leerroute.bootstrap import build

    container = build(test_settings(tmp_path, fresh_database, REDIS_URL=None), clock=FixedClock(TODAY))

    def headers(role: str, org: str) -> dict[str, str]:
        token = container.tokens.issue(
            subject=f"{role}-1", role=Role(role), organisation=org, now=datetime.now(UTC), ttl=timedelta(hours=1)
        )
        return {"Authorization": f"Bearer {token}"}

    with TestClient(create_app(container, run_worker=False)) as api:
        yield container, api, headers


def test_erasure_leaves_no_personal_data_and_the_same_figures(leerroute):
    container, api, headers = leerroute
    url = container.database_url
    km, officer = headers("klantmanager", "GM0363"), headers("privacy-officer", "GM0363")
    bsn = new_bsn()
    body = registration(bsn=bsn)
    body["candidate"].update(givenNames=GIVEN, familyName=FAMILY)
    registered = api.post("/v1/trajectories", json=body, headers={**km, "Idempotency-Key": "intake-1"})
    t = registered.json()["id"]
    kvk = new_kvk()
    base = f"/v1/trajectories/{t}"
    for path, step in [
        ("/phases/orientation/start", {"date": "2026-01-12"}),
        ("/placements", {"date": "2026-06-01", "employer": {"kvkNumber": kvk, "name": "Installatiebedrijf Noord BV"},
                         "function": "assistent-hulpmonteur", "hoursPerWeek": 36, "level": "assistent"}),
        ("/benefit-changes", {"date": "2026-07-01", "kind": "reduced", "monthlyAmountCents": 60_000}),
    ]:
        assert api.post(base + path, json=step, headers=km).status_code in (200, 201)
    agreement = api.post("/v1/financing-agreements", headers=km, json={
        "kind": "start", "trigger": "registered", "validFrom": "2025-01-01", "concludedOn": "2025-01-01",
        "terms": {"amountCents": 125_000}}).json()["id"]
    claim = api.post("/v1/claims", json={"agreementId": agreement, "trajectoryId": t, "filedOn": "2026-01-10"}, headers=km)
    assert claim.status_code == 201, claim.text
    container.projections.catch_up()
    assert api.get(base, headers=km).json()["candidate"]["familyName"] == FAMILY
    [candidate_id] = [r.candidate_id for r in get_engine(url).connect().execute(select(candidate_lookup))]
    with get_engine(url).connect() as connection:
        wrapped_key = bytes(connection.execute(select(candidate_keys.c.wrapped_key)).scalar_one())
    assert wrapped_key.hex().encode() in database_bytes(url) or wrapped_key in database_bytes(url)

    paths = [
        base, f"{base}/history", "/v1/trajectories", "/v1/placements", "/v1/funnel?level=municipality&municipality=GM0363",
        f"{base}/money", "/v1/money/reports", "/v1/money/reports?asOf=2026-09-30", "/v1/claims",
    ]
    before = figures(api, km, paths)
    money = before[f"{base}/money"]
    assert money["lines"] and money["savings"], money  # there are figures to keep
    procesregie_before = figures(api, headers("procesregie", "APT"), [base, f"{base}/history", "/v1/money/reports"])

    with get_engine(url).connect() as connection:
        assert connection.execute(select(idempotency_records).where(idempotency_records.c.key == "intake-1")).first() is not None
    erased = api.post(f"{base}/candidate/erasure", json={"date": "2026-11-20"}, headers=officer)
    assert erased.status_code == 200, erased.text
    assert erased.json()["candidate"]["erasedOn"] == "2026-11-20"
    container.projections.catch_up()

    assert figures(api, km, paths) == before
    assert figures(api, headers("procesregie", "APT"), [base, f"{base}/history", "/v1/money/reports"]) == procesregie_before
    candidate = api.get(base, headers=km).json()["candidate"]
    assert candidate["erasedOn"] == "2026-11-20" and candidate["bsn"] is None and candidate["familyName"] is None
    assert api.get("/v1/placements", headers=headers("employer", kvk)).json()["items"][0]["candidateName"] is None
    assert api.post("/v1/trajectories/search", json={"bsn": bsn}, headers=km).json()["total"] == 0
    log = api.get(f"{base}/access-log", headers=officer).json()
    assert "erase_candidate" in [e["activity"] for e in log["items"]]

    dump = database_bytes(url)
    for value in (bsn, GIVEN, FAMILY, *GIVEN.split(), *FAMILY.split("-"), "1990-03-04"):
        leaked = [form for form in forms(value) if form in dump]
        assert not leaked, f"{value!r} is still in the database as {leaked}"
    assert wrapped_key not in dump and wrapped_key.hex().encode() not in dump
    with get_engine(url).connect() as connection:  # the registration's fingerprint hashed the personal data
        assert connection.execute(select(idempotency_records).where(idempotency_records.c.key == "intake-1")).first() is None
    with get_engine(url).connect() as connection:
        assert connection.execute(select(candidate_keys).where(candidate_keys.c.candidate_id == candidate_id)).first() is None

    # Erasure is recorded once; the route goes on without the personal data.
    assert_problem(api.post(f"{base}/candidate/erasure", json={"date": "2026-11-21"}, headers=officer), 409)
    assert api.post(f"{base}/phases/orientation/completion", json={"date": "2026-11-21"}, headers=km).status_code == 200


def test_erasure_is_for_the_own_municipality_only(leerroute):
    _, api, headers = leerroute
    km = headers("klantmanager", "GM0363")
    t = api.post("/v1/trajectories", json=registration(), headers=km).json()["id"]
    path = f"/v1/trajectories/{t}/candidate/erasure"
    assert_problem(api.post(path, json={"date": "2026-11-20"}, headers=headers("privacy-officer", "GM0599")), 404)
    assert_problem(api.post(path, json={"date": "2026-11-20"}, headers=headers("klantmanager", "GM0599")), 404)
    assert_problem(api.post(path, json={"date": "2026-11-20"}, headers=headers("procesregie", "APT")), 403)
    assert_problem(api.post(path, json={"date": "2026-12-20"}, headers=km), 409)  # after today
    assert_problem(api.post(path, json={"date": "20-11-2026"}, headers=km), 400)
    assert_problem(api.post(path, json={}, headers=km), 400)
    assert api.get(f"/v1/trajectories/{t}", headers=km).json()["candidate"]["familyName"] == "Haddad"
    assert api.post(path, json={"date": "2026-11-20"}, headers=km).status_code == 200
