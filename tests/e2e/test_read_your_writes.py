"""Read-your-writes where visibility depends on a read model: a fund's coverage comes from its
agreements, which the read models hold; an agreement the fund has just concluded counts at once,
before any projection has run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import TODAY, assert_problem, new_municipality, registration, test_settings


@pytest.fixture
def stalled(fresh_database: str, tmp_path: Path):
    """A leerroute whose projections never run (no worker, no catch-up): the read models stay empty."""
    from fastapi.testclient import TestClient

    from adapters.clock import FixedClock
    from api.main import create_app
    from leerroute.bootstrap import build
    from tests.conftest import Tokens

    settings = test_settings(tmp_path, fresh_database, LEERROUTE_READ_WAIT_MAX_SECONDS=0.1)
    container = build(settings, clock=FixedClock(TODAY))
    with TestClient(create_app(container, run_worker=False)) as client:
        yield client, Tokens(container), container
    from adapters.database import dispose_engine

    dispose_engine(fresh_database)


def test_a_fund_sees_the_trajectories_of_the_agreement_it_just_concluded(stalled):
    api, tokens, container = stalled
    municipality = new_municipality()
    km = tokens.klantmanager(municipality)
    created = api.post("/v1/trajectories", json=registration(), headers=km)
    assert created.status_code == 201, created.text
    trajectory = created.headers["Location"]
    fund = tokens.headers("fund", "OO-ryw")
    assert_problem(api.get(trajectory, headers=fund), 404)  # no agreement yet

    agreement = api.post("/v1/financing-agreements", headers=fund, json={
        "kind": "result", "trigger": "registered", "claimant": "OO-ryw", "validFrom": "2025-01-01", "concludedOn": "2025-01-01",
        "terms": {"amountCents": 50_000, "municipalities": [municipality]}})
    assert agreement.status_code == 201, agreement.text
    assert container.projections.lowest_position() < int(agreement.headers["Leerroute-Log-Position"])  # nothing projected

    read = api.get(trajectory, headers=fund)
    assert read.status_code == 200, read.text
    assert api.get(trajectory + "/money", headers=fund).status_code == 200
    claim = api.post("/v1/claims", headers=fund, json={
        "agreementId": agreement.json()["id"], "trajectoryId": created.json()["id"], "filedOn": "2026-01-10"})
    assert claim.status_code == 201, claim.text


def test_a_read_whose_wait_runs_out_answers_with_the_position_it_reached(stalled):
    api, tokens, _ = stalled
    km = tokens.klantmanager(new_municipality())
    created = api.post("/v1/trajectories", json=registration(), headers=km)
    position = int(created.headers["Leerroute-Log-Position"])
    listed = api.get("/v1/trajectories", params={"minPosition": position}, headers=km)
    assert listed.status_code == 200
    assert int(listed.headers["Leerroute-Log-Position"]) < position  # not yet: ask again
    read = api.get(created.headers["Location"], params={"minPosition": position}, headers=km)
    assert read.status_code == 200 and int(read.headers["Leerroute-Log-Position"]) < position


def test_a_claim_under_an_agreement_that_does_not_cover_a_trajectory_the_fund_sees_names_the_unmet_condition(stalled):
    api, tokens, _ = stalled
    municipality = new_municipality()
    trajectory = api.post("/v1/trajectories", json=registration(), headers=tokens.klantmanager(municipality)).json()["id"]
    fund = tokens.headers("fund", "OO-two")

    def conclude(municipalities: list[str]) -> str:
        created = api.post("/v1/financing-agreements", headers=fund, json={
            "kind": "result", "trigger": "registered", "claimant": "OO-two", "validFrom": "2025-01-01",
            "concludedOn": "2025-01-01", "terms": {"amountCents": 50_000, "municipalities": municipalities}})
        assert created.status_code == 201, created.text
        return created.json()["id"]

    conclude([municipality])  # through this one the fund sees the trajectory (just concluded, not yet projected)
    elsewhere = conclude([new_municipality()])
    refused = api.post("/v1/claims", headers=fund, json={"agreementId": elsewhere, "trajectoryId": trajectory, "filedOn": "2026-01-10"})
    body = assert_problem(refused, 409)
    assert body["condition"] == "municipality-or-region", body
