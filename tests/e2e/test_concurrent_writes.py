"""Concurrent and repeated requests lose nothing and double nothing (real server, 20 threads)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import new_municipality, registration

THREADS = 20


def _register(base_url: str, headers: dict[str, str]) -> tuple[str, int]:
    with httpx.Client(base_url=base_url, headers=headers) as client:
        response = client.post("/v1/trajectories", json=registration())
        assert response.status_code == 201, response.text
        return response.json()["id"], response.json()["version"]


def _all_at_once(base_url: str, send) -> list[httpx.Response]:
    barrier = threading.Barrier(THREADS)

    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            barrier.wait()
            return send(client)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(one, range(THREADS)))


def _event_count(api, headers, trajectory_id: str) -> int:
    return len(api.get(f"/v1/trajectories/{trajectory_id}/history", headers=headers).json()["events"])


def test_twenty_writers_with_the_same_if_match_one_wins_the_rest_get_412(live_server, api, tokens):
    km = tokens.klantmanager(new_municipality())
    trajectory_id, version = _register(live_server, km)

    responses = _all_at_once(
        live_server,
        lambda client: client.post(
            f"/v1/trajectories/{trajectory_id}/phases/orientation/start",
            json={"date": "2026-02-02"},
            headers={**km, "If-Match": f'"{version}"'},
        ),
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) == 1, statuses
    assert statuses.count(412) == THREADS - 1, statuses
    for response in responses:
        if response.status_code == 412:
            assert response.headers["content-type"].startswith("application/problem+json")
    assert _event_count(api, km, trajectory_id) == version + 1


def test_twenty_identical_requests_with_one_idempotency_key_record_one_event(live_server, api, tokens):
    km = tokens.klantmanager(new_municipality())
    trajectory_id, version = _register(live_server, km)

    responses = _all_at_once(
        live_server,
        lambda client: client.post(
            f"/v1/trajectories/{trajectory_id}/phases/orientation/start",
            json={"date": "2026-02-02"},
            headers={**km, "Idempotency-Key": "start-orientation-1"},
        ),
    )

    assert {r.status_code for r in responses} == {200}, [r.text for r in responses if r.status_code != 200]
    bodies = {r.text for r in responses}
    assert len(bodies) == 1, "every repeat gets the first response"
    assert sum(1 for r in responses if r.headers.get("Idempotent-Replayed") != "true") == 1
    assert len({r.headers["Leerroute-Log-Position"] for r in responses}) == 1
    assert _event_count(api, km, trajectory_id) == version + 1


def test_twenty_writers_without_if_match_lose_nothing(live_server, api, tokens):
    """Different facts written at once: every one is recorded, none overwritten."""
    km = tokens.klantmanager(new_municipality())
    trajectory_id, version = _register(live_server, km)

    counter = iter(range(THREADS))
    lock = threading.Lock()

    def send(client: httpx.Client) -> httpx.Response:
        with lock:
            n = next(counter)
        return client.post(
            f"/v1/trajectories/{trajectory_id}/deviations",
            json={
                "rule": "training-duration",
                "reason": f"extra weken scholing {n}",
                "startsOn": "2026-02-01",
                "endsOn": "2026-03-01",
                "grantedBy": "teamleider Werk",
            },
            headers=km,
        )

    responses = _all_at_once(live_server, send)
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses if r.status_code != 201]
    detail = api.get(f"/v1/trajectories/{trajectory_id}", headers=km).json()
    assert sorted(d["reason"] for d in detail["deviations"]) == sorted(f"extra weken scholing {n}" for n in range(THREADS))
    assert detail["version"] == version + THREADS


def test_a_repeated_key_with_another_body_is_refused_and_records_nothing(api, tokens):
    km = tokens.klantmanager(new_municipality())
    created = api.post("/v1/trajectories", json=registration(), headers=km)
    trajectory_id = created.json()["id"]
    path = f"/v1/trajectories/{trajectory_id}/phases/orientation/start"
    first = api.post(path, json={"date": "2026-02-02"}, headers={**km, "Idempotency-Key": "k-1"})
    assert first.status_code == 200
    again = api.post(path, json={"date": "2026-02-02"}, headers={**km, "Idempotency-Key": "k-1"})
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = api.post(path, json={"date": "2026-02-03"}, headers={**km, "Idempotency-Key": "k-1"})
    assert other.status_code == 422
    assert other.headers["content-type"].startswith("application/problem+json")
    assert _event_count(api, km, trajectory_id) == 2


def test_a_stale_if_match_changes_nothing(api, tokens):
    km = tokens.klantmanager(new_municipality())
    trajectory_id = api.post("/v1/trajectories", json=registration(), headers=km).json()["id"]
    base = f"/v1/trajectories/{trajectory_id}"
    assert api.post(f"{base}/phases/orientation/start", json={"date": "2026-02-02"}, headers={**km, "If-Match": '"1"'}).status_code == 200
    stale = api.post(f"{base}/phases/orientation/completion", json={"date": "2026-02-20"}, headers={**km, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["currentVersion"] == 2
    assert _event_count(api, km, trajectory_id) == 2
    bad = api.post(f"{base}/phases/orientation/completion", json={"date": "2026-02-20"}, headers={**km, "If-Match": "yesterday"})
    assert bad.status_code == 400
