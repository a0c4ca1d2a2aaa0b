"""An event a projection cannot process stops that projection alone: the others stay current,
the stop shows (with the event's position and the error) on /health/ready, /metrics and
`leerroute projections status`, and after the fix the projection goes on from that event,
without a rebuild."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.clock import FixedClock
from adapters.projections import RouteSummaries
from domain.values import Role
from tests.conftest import TODAY, assert_problem, registration, test_settings
from tests.e2e.test_health_and_metrics import bearer, sample

POISONED = "GM0599"


class BreaksOnOneMunicipality(RouteSummaries):
    """The route summaries, with a bug: a trajectory of ``POISONED`` cannot be summarised."""

    broken = True

    def write(self, session, trajectories, *, rebuilding=False):
        for trajectory in trajectories.values():
            if self.broken and trajectory.municipality == POISONED:
                raise ValueError(f"cannot summarise trajectory {trajectory.id}")
        super().write(session, trajectories, rebuilding=rebuilding)


@pytest.fixture
def leerroute(fresh_database: str, tmp_path: Path):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from leerroute.bootstrap import build

    settings = test_settings(tmp_path, fresh_database, REDIS_URL=None)
    container = build(settings, clock=FixedClock(TODAY))
    runner = container.projections
    flaky = BreaksOnOneMunicipality(container.settings.milestone_terms)
    runner.projections = [flaky if p.name == flaky.name else p for p in runner.projections]
    env = {
        "DATABASE_URL": fresh_database, "LEERROUTE_DATA_DIR": str(tmp_path), "REDIS_URL": "",
        "LEERROUTE_PERSONAL_DATA_SECRET": settings.personal_data_secret, "LEERROUTE_JWT_SECRET": settings.jwt_secret,
        "LEERROUTE_PSEUDONYM_SECRET": settings.pseudonym_secret,
    }
    with TestClient(create_app(container, run_worker=False)) as api:
        yield container, api, flaky, env


def cli(env: dict[str, str], *args: str):
    from leerroute.cli import cli as app

    return CliRunner().invoke(app, list(args), env=env)


def test_a_projection_stops_at_the_event_it_cannot_process_and_resumes_after_the_fix(leerroute):
    container, api, _, env = leerroute
    runner = container.projections
    km, poisoned_km = bearer(container, Role.KLANTMANAGER, "GM0363"), bearer(container, Role.KLANTMANAGER, POISONED)
    first = api.post("/v1/trajectories", json=registration(), headers=km)
    bad = api.post("/v1/trajectories", json=registration(), headers=poisoned_km)
    after = api.post("/v1/trajectories", json=registration(), headers=km)
    bad_position = int(bad.headers["Leerroute-Log-Position"])
    runner.catch_up()

    states = {s.name: s for s in runner.states()}
    end = runner.log_size()
    stopped = states["route-summaries"].stopped
    assert stopped is not None and stopped.position == bad_position and "cannot summarise" in stopped.error
    assert stopped.topic.endswith("Trajectory.TrajectoryRegistered")
    assert states["route-summaries"].position == bad_position - 1  # everything before it is applied
    assert states["funnel"].position == end and states["money"].position == end and states["funnel"].stopped is None

    # The others go on with new writes; the stopped one stays where it is.
    later = api.post("/v1/trajectories", json=registration(), headers=km)
    runner.catch_up()
    states = {s.name: s for s in runner.states()}
    assert states["funnel"].position == runner.log_size() and states["route-summaries"].position == bad_position - 1
    # A read waiting for a position is not held up by the stopped projection.
    assert runner.wait_for(int(later.headers["Leerroute-Log-Position"]), timeout=5)

    ready = assert_problem(api.get("/health/ready"), 503)
    assert [c["name"] for c in ready["failedChecks"]] == ["projection:route-summaries"]
    assert f"stopped at log position {bad_position}" in ready["failedChecks"][0]["detail"]
    metrics = api.get("/metrics").text
    assert sample(metrics, "leerroute_projection_stopped", projection="route-summaries") == 1
    assert sample(metrics, "leerroute_projection_stopped", projection="funnel") == 0
    status = cli(env, "projections", "status")
    assert status.exit_code == 1, status.output
    assert f"stopped at log position {bad_position}" in status.output and "cannot summarise" in status.output

    # The fix: `projections resume` runs the code as it is now (without the bug).
    rows_before = {i["id"] for i in api.get("/v1/trajectories", headers=km).json()["items"]}
    assert first.json()["id"] in rows_before and after.json()["id"] not in rows_before  # read up to the stop
    resumed = cli(env, "projections", "resume", "route-summaries")
    assert resumed.exit_code == 0, resumed.output
    assert "resumed route-summaries" in resumed.output
    states = {s.name: s for s in runner.states()}
    assert all(s.stopped is None and s.position == runner.log_size() for s in states.values())
    assert api.get(f"/v1/trajectories/{bad.json()['id']}", headers=poisoned_km).status_code == 200
    listed = {i["id"] for i in api.get("/v1/trajectories", headers=poisoned_km).json()["items"]}
    assert bad.json()["id"] in listed
    assert {first.json()["id"], after.json()["id"], later.json()["id"]} <= {
        i["id"] for i in api.get("/v1/trajectories", headers=km).json()["items"]}
    assert api.get("/health/ready").status_code == 200
    assert cli(env, "projections", "status").exit_code == 0


def test_a_stopped_projection_tries_again_when_the_workers_start(leerroute):
    container, api, flaky, _ = leerroute
    runner = container.projections
    api.post("/v1/trajectories", json=registration(), headers=bearer(container, Role.KLANTMANAGER, POISONED))
    runner.catch_up()
    assert next(s for s in runner.states() if s.name == "route-summaries").stopped is not None

    runner.catch_up()  # still broken: still stopped, at the same event
    assert next(s for s in runner.states() if s.name == "route-summaries").stopped is not None
    flaky.broken = False  # the next start brings the fix
    container.workers.start(consume=False, policies=False)
    try:
        assert runner.wait_for(runner.log_size(), timeout=30)
        assert all(s.stopped is None for s in runner.states())
    finally:
        container.workers.stop()
