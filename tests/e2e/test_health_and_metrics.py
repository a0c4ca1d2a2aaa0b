"""Operations over HTTP: liveness and readiness without a token, readiness failing as
problem+json naming the failed check, and the Prometheus metrics moving with the writes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.clock import FixedClock
from domain.values import Role
from tests.conftest import TODAY, assert_problem, new_municipality, registration, test_settings


def bearer(container, role: Role, org: str) -> dict[str, str]:
    token = container.tokens.issue(subject=f"{role}-1", role=role, organisation=org, now=datetime.now(UTC), ttl=timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus exposition (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.match(r"^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(3) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(4))
    return 0.0


def test_live_and_ready_answer_without_a_token(api, container):
    live = api.get("/health/live")
    assert live.status_code == 200 and live.json() == {"status": "up"}
    assert live.headers["API-Version"]
    container.projections.catch_up()
    ready = api.get("/health/ready")
    assert ready.status_code == 200, ready.text
    names = {c["name"] for c in ready.json()["checks"]}
    assert {"database", "migrations", "projection:route-summaries", "projection:funnel", "projection:money"} <= names
    assert ("redis" in names) == bool(container.settings.redis_url)


def test_ready_is_503_naming_a_projection_that_lags_beyond_the_bound(fresh_database: str, tmp_path: Path):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from leerroute.bootstrap import build

    container = build(test_settings(tmp_path, fresh_database, REDIS_URL=None, LEERROUTE_READY_MAX_LAG_EVENTS=0), clock=FixedClock(TODAY))
    with TestClient(create_app(container, run_worker=False)) as client:
        km = bearer(container, Role.KLANTMANAGER, "GM0363")
        assert client.post("/v1/trajectories", json=registration(), headers=km).status_code == 201
        body = assert_problem(client.get("/health/ready"), 503)
        failed = {c["name"] for c in body["failedChecks"]}
        assert failed == {"projection:route-summaries", "projection:funnel", "projection:money", "projection:retention",
                          "projection:comparison"}
        container.projections.catch_up()
        assert client.get("/health/ready").status_code == 200


def test_metrics_count_commands_requests_and_projection_lag(api, tokens, container):
    before = api.get("/metrics").text
    km = tokens.klantmanager(new_municipality())
    t = api.post("/v1/trajectories", json=registration(), headers=km).json()["id"]
    assert api.post(f"/v1/trajectories/{t}/phases/orientation/start", json={"date": "2026-01-12"}, headers=km).status_code == 200
    assert api.post(f"/v1/trajectories/{t}/phases/orientation/start", json={"date": "2026-01-13"}, headers=km).status_code == 409
    assert api.get(f"/v1/trajectories/{t}", headers=km).status_code == 200
    container.projections.catch_up()
    after = api.get("/metrics")
    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")
    text = after.text

    def moved(name: str, **labels: str) -> float:
        return sample(text, name, **labels) - sample(before, name, **labels)

    assert moved("leerroute_commands_total", command="RegisterTrajectory", outcome="ok") == 1
    assert moved("leerroute_commands_total", command="StartPhase", outcome="ok") == 1
    assert moved("leerroute_commands_total", command="StartPhase", outcome="rule-violation") == 1
    requests = "leerroute_http_request_duration_seconds_count"  # the histogram's count: requests seen, by route template
    assert moved(requests, method="GET", route="/v1/trajectories/{trajectory_id}", status="200") >= 1
    assert moved(requests, method="POST", route="/v1/trajectories", status="201") == 1
    assert t not in text  # templates, never ids
    for projection in ("route-summaries", "funnel", "money"):
        assert f'leerroute_projection_lag_events{{projection="{projection}"}}' in text
        assert sample(text, "leerroute_projection_stopped", projection=projection) == 0
    assert 'leerroute_queue_depth{queue="projections"}' in text


@pytest.mark.parametrize("path", ["/health/live", "/health/ready", "/metrics"])
def test_operational_paths_are_documented_at_the_root(api, path):
    document = api.get("/openapi.json").json()
    assert document["paths"][path]["servers"] == [{"url": "/"}]
