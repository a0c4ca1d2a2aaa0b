"""Routes pinned to their route model, over HTTP on the configured database: a national version
with two regional variants (one without a bedrijfsvakschool, one with a longer practice norm and
an extra drop-out sub-reason) and a later version; each route's guards, time policies and
worklist follow its own version, and a bulk migration's dry run lists what would change without
writing, while its commit moves the routes (once)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from adapters.clock import FixedClock
from domain.values import Role
from tests.conftest import TODAY, assert_problem, registration, test_settings
from tests.e2e.test_health_and_metrics import bearer
from tests.route_model_scenario import AMSTERDAM, RIJNMOND, SUB_REASON, publish_over_http


@pytest.fixture
def world(fresh_database: str, tmp_path: Path):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from leerroute.bootstrap import build

    settings = test_settings(tmp_path, fresh_database, REDIS_URL=None)
    container = build(settings, clock=FixedClock(TODAY))
    with TestClient(create_app(container, run_worker=False)) as client:
        apt = bearer(container, Role.PROCESREGIE, "APT")
        published = publish_over_http(lambda path, body, status: _post(client, apt, path, body, status),
                                      settings.milestone_terms, with_v3=True)
        yield container, client, published


def _register(client, headers, on: str) -> str:
    response = client.post("/v1/trajectories", json=registration(registered_on=on), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _post(client, headers, path: str, body: dict | None, status: int = 200) -> dict:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def test_each_route_follows_its_own_version_and_a_migration_moves_them_once(world):
    container, client, published = world
    amsterdam, rijnmond, haaglanden = (bearer(container, Role.KLANTMANAGER, m) for m in ("GM0363", "GM0599", "GM0518"))
    apt = bearer(container, Role.PROCESREGIE, "APT")
    baseline = _register(client, amsterdam, "2026-01-05")
    without_school = _register(client, amsterdam, "2026-03-02")
    longer_practice = _register(client, rijnmond, "2026-03-02")
    national_v2 = _register(client, haaglanden, "2026-03-02")
    on_v3 = _register(client, haaglanden, "2026-10-01")

    read = client.get(f"/v1/trajectories/{without_school}", headers=amsterdam).json()
    assert read["routeModel"] == {"modelId": read["routeModel"]["modelId"], "version": 2,
                                  "variantId": str(published.variant(2, AMSTERDAM)), "region": AMSTERDAM}
    assert read["phases"]["bedrijfsvakschool"]["status"] == "not-offered"
    assert client.get(f"/v1/trajectories/{baseline}", headers=amsterdam).json()["routeModel"]["version"] == 1
    assert client.get(f"/v1/trajectories/{on_v3}", headers=haaglanden).json()["routeModel"]["version"] == 3

    # The guards: a stage not offered, a skip basis the version does not allow, a regional sub-reason.
    for t, km in ((without_school, amsterdam), (longer_practice, rijnmond)):
        _post(client, km, f"/v1/trajectories/{t}/phases/orientation/skip", {"date": "2026-03-09", "basis": "evc", "reason": "EVC"})
        _post(client, km, f"/v1/trajectories/{t}/phases/pre-trajectory/start", {"date": "2026-03-09"})
        _post(client, km, f"/v1/trajectories/{t}/practice-periods",
              {"startsOn": "2026-03-09", "description": "werkplaats", "hoursPerWeek": 16}, status=201)
    refused = assert_problem(client.post(f"/v1/trajectories/{national_v2}/phases/orientation/skip",
                                         json={"date": "2026-03-09", "basis": "other", "reason": "ervaring"}, headers=haaglanden), 409)
    assert refused["rule"] == "skip-basis-allowed"
    _post(client, amsterdam, f"/v1/trajectories/{without_school}/phases/pre-trajectory/completion", {"date": "2026-03-20"})
    refused = assert_problem(client.post(f"/v1/trajectories/{without_school}/phases/bedrijfsvakschool/start",
                                         json={"date": "2026-03-21", "provider": "Bouwmensen"}, headers=amsterdam), 409)
    assert refused["rule"] == "stage-offered-in-region"
    # Amsterdam's pre-trajectory is done; Rijnmond's practice runs past its 16 weeks, unless maatwerk allows 40.
    dropped = _post(client, haaglanden, f"/v1/trajectories/{on_v3}/drop-out",
                    {"date": "2026-10-05", "reason": "not-suited", "explanation": "x"})
    assert dropped["dropOuts"][0]["subReason"] is None
    unknown = assert_problem(client.post(f"/v1/trajectories/{national_v2}/drop-out",
                                         json={"date": "2026-10-05", "reason": SUB_REASON, "explanation": "x"}, headers=haaglanden), 400)
    assert unknown["invalidParams"][0]["name"] == "reason"

    container.projections.catch_up()
    worklist = client.get("/v1/worklist", headers=rijnmond).json()["overNorm"]
    assert {(r["trajectoryId"], r["norm"], r["normWeeks"]) for r in worklist} == {
        (longer_practice, "pre-trajectory", 26), (longer_practice, "pre-trajectory.practice", 16)
    }
    deviation = _post(client, rijnmond, f"/v1/trajectories/{longer_practice}/deviations",
                      {"rule": "training-duration", "reason": "langere praktijk", "startsOn": "2026-03-09", "endsOn": "2026-12-31",
                       "grantedBy": "teamleider", "norm": "pre-trajectory.practice", "normWeeks": 40}, status=201)
    assert deviation["deviations"][0]["norm"] == "pre-trajectory.practice"
    container.projections.catch_up()
    worklist = client.get("/v1/worklist", headers=rijnmond).json()["overNorm"]
    assert [(r["norm"], r["withinNormUntil"]) for r in worklist] == [("pre-trajectory", "2026-09-07")]

    # The time policies: a route stalls after the weeks of its own version (1: 8, 2: 4, 3: 6).
    container.time_policies.run()
    stalled = {}
    for t, km in ((baseline, amsterdam), (national_v2, haaglanden)):
        events = client.get(f"/v1/trajectories/{t}/history", headers=km).json()["events"]
        stalled[t] = [e["occurredOn"] for e in events if e["type"] == "RouteStalled"]
    assert stalled == {baseline: ["2026-03-02"], national_v2: ["2026-03-30"]}

    # A dry run of moving the routes of version 2 lists the differences and writes nothing.
    container.projections.catch_up()
    size = container.store.log_size()
    dry = _post(client, apt, "/v1/route-model-migrations", {"fromVersion": 2})
    assert dry["dryRun"] is True and dry["moved"] == 0
    moves = {r["trajectoryId"]: r for r in dry["routes"]}
    assert set(moves) == {without_school, longer_practice, national_v2}
    assert {r["outcome"] for r in moves.values()} == {"would-move"}
    assert {"what": "terms.stall_weeks", "from": 4, "to": 6} in moves[national_v2]["differences"]
    assert {"what": "offered.bedrijfsvakschool", "from": False, "to": True} in moves[without_school]["differences"]
    assert {"what": "norm.pre-trajectory.practice", "from": 16, "to": 8} in moves[longer_practice]["differences"]
    assert (moves[longer_practice]["before"]["region"], moves[longer_practice]["after"]["version"]) == (RIJNMOND, 3)
    assert container.store.log_size() == size
    assert client.get(f"/v1/trajectories/{national_v2}", headers=haaglanden).json()["routeModel"]["version"] == 2

    # Only procesregie migrates; a commit needs a reason; an unknown region is named.
    assert_problem(client.post("/v1/route-model-migrations", json={"fromVersion": 2}, headers=amsterdam), 403)
    missing = assert_problem(client.post("/v1/route-model-migrations", json={"dryRun": False}, headers=apt), 400)
    assert missing["invalidParams"][0]["name"] == "reason"
    region = assert_problem(client.post("/v1/route-model-migrations", json={"region": "Atlantis"}, headers=apt), 400)
    assert region["invalidParams"][0]["name"] == "region"
    assert_problem(client.post("/v1/route-model-migrations", json={"fromVersion": "2"}, headers=apt), 400)

    # The commit, for one region: its routes move, the others stay; running it again moves nothing.
    body = {"fromVersion": 2, "region": RIJNMOND, "dryRun": False, "reason": "landelijke versie 3"}
    committed = _post(client, apt, "/v1/route-model-migrations", body)
    assert (committed["moved"], [r["trajectoryId"] for r in committed["routes"]]) == (1, [longer_practice])
    moved = client.get(f"/v1/trajectories/{longer_practice}", headers=rijnmond).json()
    assert (moved["routeModel"]["version"], moved["routeModel"]["variantId"]) == (3, None)
    history = client.get(f"/v1/trajectories/{longer_practice}/history", headers=rijnmond).json()["events"]
    assert [(e["type"], e["data"]["reason"], e["actor"]["role"]) for e in history if e["type"] == "RouteModelChanged"] == [
        ("RouteModelChanged", "landelijke versie 3", "procesregie")
    ]
    container.projections.catch_up()
    again = _post(client, apt, "/v1/route-model-migrations", body)
    assert (again["moved"], again["routes"]) == (0, [])
    assert client.get(f"/v1/trajectories/{without_school}", headers=amsterdam).json()["routeModel"]["version"] == 2
    # Moved routes follow their new version: Rijnmond's practice norm is the national 8 weeks now.
    assert {r["norm"] for r in client.get("/v1/worklist", headers=rijnmond).json()["overNorm"]} == {"pre-trajectory"}
    assert date.fromisoformat(dry["date"]) == TODAY.date()
