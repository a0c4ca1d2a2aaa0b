"""Retention (bewaartermijn): the personal data of a route that ended is erased by the time
policy, by the same crypto-shredding as an erasure on request, the configured months after the
end; a documented hold keeps it; a second run erases nothing; the privacy officer sees what
falls due in the coming month. The clock is injected and moved past the term."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import select

from adapters.clock import FixedClock
from adapters.database import get_engine
from adapters.tables import candidate_keys
from domain.values import Role
from tests.conftest import TODAY, assert_problem, new_bsn, registration, test_settings
from tests.e2e.test_erasure import database_bytes, forms
from tests.e2e.test_health_and_metrics import bearer

OWN = "GM0363"


@pytest.fixture
def leerroute(fresh_database: str, tmp_path: Path):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from leerroute.bootstrap import build

    clock = FixedClock(TODAY)
    container = build(test_settings(tmp_path, fresh_database, REDIS_URL=None, LEERROUTE_RETENTION_MONTHS=12), clock=clock)
    with TestClient(create_app(container, run_worker=False)) as api:
        yield container, api, clock


def _route(api, km, *steps, bsn=None, given="Amal", family="Haddad") -> str:
    body = registration(bsn=bsn or new_bsn())
    body["candidate"].update(givenNames=given, familyName=family)
    t = api.post("/v1/trajectories", json=body, headers=km).json()["id"]
    for path, step in steps:
        response = api.post(f"/v1/trajectories/{t}{path}", json=step, headers=km)
        assert response.status_code in (200, 201), response.text
    return t


def _drop_out(on: str):
    return ("/drop-out", {"date": on, "reason": "health", "explanation": "ziek"})


def test_the_term_erases_ended_routes_once_and_a_hold_keeps_one(leerroute):
    container, api, clock = leerroute
    km, officer = bearer(container, Role.KLANTMANAGER, OWN), bearer(container, Role.PRIVACY_OFFICER, OWN)
    bsn = new_bsn()
    ended = _route(api, km, _drop_out("2026-02-10"), bsn=bsn, given="Yusra Ilhaam", family="Quenneville-Otieno")
    re_entered = _route(api, km, _drop_out("2026-03-01"), ("/re-entry", {"date": "2026-04-01", "explanation": "hersteld"}))
    held = _route(api, km, _drop_out("2026-02-20"))
    later = _route(api, km, _drop_out("2026-06-30"))
    running = _route(api, km)
    hold = api.post(f"/v1/trajectories/{held}/retention-hold", json={"date": "2026-11-20", "reason": "bezwaarprocedure loopt"},
                    headers=officer)
    assert hold.status_code == 200, hold.text
    container.projections.catch_up()

    clock.move_to(datetime(2027, 1, 20, 9, tzinfo=UTC))
    schedule = api.get("/v1/retention-schedule", headers=officer)
    assert schedule.status_code == 200, schedule.text
    items = {i["trajectoryId"]: i for i in schedule.json()["items"]}
    assert list(items) == [ended, held]  # due up to a month from today, soonest first
    assert items[ended] == {"trajectoryId": ended, "endedOn": "2026-02-10", "dueOn": "2027-02-10", "hold": None}
    assert items[held]["hold"] == {"on": "2026-11-20", "reason": "bezwaarprocedure loopt"}
    assert api.get("/v1/retention-schedule", headers=bearer(container, Role.PRIVACY_OFFICER, "GM0599")).json()["items"] == []
    assert container.time_policies.run_retention(clock.today()) == 0  # nothing is due yet

    clock.move_to(datetime(2027, 3, 1, 9, tzinfo=UTC))
    container.time_policies.run()  # as the workers run it: the milestones, then the retention term
    container.projections.catch_up()
    container.time_policies.run()  # a second run erases nothing twice
    assert container.time_policies.run_retention(clock.today()) == 0

    candidate = api.get(f"/v1/trajectories/{ended}", headers=km).json()["candidate"]
    assert candidate["erasedOn"] == "2027-03-01" and candidate["bsn"] is None and candidate["familyName"] is None
    assert api.post("/v1/trajectories/search", json={"bsn": bsn}, headers=km).json()["total"] == 0
    trajectory = container.store.aggregate(UUID(ended))
    erasures = [e for e in container.store.history(trajectory.candidate_id) if type(e).__name__ == "CandidateErased"]
    assert len(erasures) == 1 and erasures[0].actor.role is Role.SYSTEM
    with get_engine(container.database_url).connect() as connection:
        assert connection.execute(select(candidate_keys).where(candidate_keys.c.candidate_id == trajectory.candidate_id)).first() is None
    log = api.get(f"/v1/trajectories/{ended}/access-log", headers=officer).json()
    assert "apply_retention" in [e["activity"] for e in log["items"]]
    dump = database_bytes(container.database_url)
    for value in (bsn, "Yusra", "Ilhaam", "Quenneville", "Otieno"):
        assert not [form for form in forms(value) if form in dump], f"{value!r} is still in the database"

    for kept in (held, re_entered, later, running):
        assert api.get(f"/v1/trajectories/{kept}", headers=km).json()["candidate"]["familyName"] == "Haddad", kept
    assert [i["trajectoryId"] for i in api.get("/v1/retention-schedule", headers=officer).json()["items"]] == [held]

    clock.move_to(datetime(2027, 7, 1, 9, tzinfo=UTC))
    assert container.time_policies.run_retention(clock.today()) == 1  # the later drop-out's term has passed now
    assert api.get(f"/v1/trajectories/{later}", headers=km).json()["candidate"]["familyName"] is None
    assert api.get(f"/v1/trajectories/{held}", headers=km).json()["candidate"]["familyName"] == "Haddad"

    # The hold ends: the term, long passed, erases at the next run.
    ending = api.post(f"/v1/trajectories/{held}/retention-hold/ending", json={"date": "2027-07-01", "reason": "bezwaar afgewezen"},
                      headers=officer)
    assert ending.status_code == 200, ending.text
    container.projections.catch_up()
    assert container.time_policies.run_retention(clock.today()) == 1
    assert api.get(f"/v1/trajectories/{held}", headers=km).json()["candidate"]["familyName"] is None


def test_a_hold_is_the_own_privacy_officers_with_a_reason_once(leerroute):
    container, api, _ = leerroute
    km, officer = bearer(container, Role.KLANTMANAGER, OWN), bearer(container, Role.PRIVACY_OFFICER, OWN)
    t = _route(api, km, _drop_out("2026-02-10"))
    path = f"/v1/trajectories/{t}/retention-hold"
    assert_problem(api.post(path, json={"date": "2026-11-20", "reason": "x"}, headers=km), 403)
    assert_problem(api.post(path, json={"date": "2026-11-20", "reason": "x"}, headers=bearer(container, Role.PRIVACY_OFFICER, "GM0599")), 404)
    body = assert_problem(api.post(path, json={"date": "2026-11-20"}, headers=officer), 400)
    assert [p["name"] for p in body["invalidParams"]] == ["reason"]
    assert_problem(api.post(path, json={"date": "2026-11-20", "reason": "   "}, headers=officer), 400)
    assert_problem(api.post(path, json={"date": "2026-12-20", "reason": "rechtszaak"}, headers=officer), 409)  # after today
    assert api.post(path, json={"date": "2026-11-20", "reason": "rechtszaak"}, headers=officer).status_code == 200
    assert_problem(api.post(path, json={"date": "2026-11-21", "reason": "nog een"}, headers=officer), 409)
    assert_problem(api.get("/v1/retention-schedule", headers=km), 403)
    end = f"{path}/ending"
    assert_problem(api.post(end, json={"date": "2026-11-21", "reason": "klaar"}, headers=km), 403)
    assert_problem(api.post(end, json={"date": "2026-11-21"}, headers=officer), 400)
    assert_problem(api.post(end, json={"date": "2026-11-19", "reason": "klaar"}, headers=officer), 409)  # before the hold
    assert api.post(end, json={"date": "2026-11-21", "reason": "klaar"}, headers=officer).status_code == 200
    assert_problem(api.post(end, json={"date": "2026-11-21", "reason": "klaar"}, headers=officer), 409)  # not held now
