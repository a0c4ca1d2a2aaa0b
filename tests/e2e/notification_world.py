"""What the notification tests share: a leerroute of their own (a fresh database, a delivery clock
the test moves, no workers: the test runs the deliveries), routes to notify about and receivers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.clock import FixedClock
from domain.values import Role
from tests.conftest import TODAY, new_bsn, registration, test_settings
from tests.notifications.receiver import Receiver

OIN = "00000001234567890000"


@dataclass
class World:
    container: Any
    api: Any
    clock: FixedClock

    def headers(self, role: str, org: str) -> dict[str, str]:
        token = self.container.tokens.issue(
            subject=f"{role}-1", role=Role(role), organisation=org, now=datetime.now(UTC), ttl=timedelta(hours=1)
        )
        return {"Authorization": f"Bearer {token}"}

    def subscribe(self, role: str, org: str, receiver: Receiver, types: list[str], **filters: str) -> dict:
        body: dict[str, Any] = {"callbackUrl": receiver.url, "eventTypes": types}
        if filters:
            body["filters"] = filters
        created = self.api.post("/v1/subscriptions", json=body, headers=self.headers(role, org))
        assert created.status_code == 201, created.text
        subscription = created.json()
        receiver.secrets.append(subscription["secret"])
        return subscription

    def deliver(self, rounds: int = 50) -> int:
        """Bring the read models up to date and deliver what is due, until nothing more is."""
        total = 0
        for _ in range(rounds):
            self.container.projections.catch_up()
            delivered = self.container.dispatcher.deliver_due()
            total += delivered
            if not delivered:
                return total
        raise AssertionError("deliveries did not come to rest")

    def later(self, seconds: float) -> None:
        self.clock.move_to(self.clock.now() + timedelta(seconds=seconds))

    def status(self, role: str, org: str, subscription_id: str) -> dict:
        response = self.api.get(f"/v1/subscriptions/{subscription_id}/status", headers=self.headers(role, org))
        assert response.status_code == 200, response.text
        return response.json()

    # -- routes ------------------------------------------------------------------------------------------

    def post(self, path: str, body: dict, role: str, org: str) -> dict:
        response = self.api.post(path, json=body, headers=self.headers(role, org))
        assert response.status_code in (200, 201), response.text
        return response.json() | {"_location": response.headers.get("Location", "")}

    def route(self, municipality: str, employers: list[str], *, bsn: str | None = None) -> tuple[str, dict[str, str]]:
        """A route with a phase, a benefit stop and a placement proposed to each employer; the
        first employer confirms and starts. Returns the trajectory and each employer's placement."""
        km = ("klantmanager", municipality)
        t = self.post("/v1/trajectories", registration(bsn=bsn or new_bsn()), *km)["id"]
        base = f"/v1/trajectories/{t}"
        self.post(f"{base}/phases/orientation/start", {"date": "2026-01-12"}, *km)
        self.post(f"{base}/phases/orientation/completion", {"date": "2026-02-06"}, *km)
        self.post(f"{base}/benefit-changes", {"date": "2026-02-10", "kind": "stopped"}, *km)
        placements = {}
        for kvk in employers:
            created = self.post(f"{base}/placements", {
                "date": "2026-03-02", "employer": {"kvkNumber": kvk, "name": "Installatiebedrijf Noord BV"},
                "function": "assistent-hulpmonteur", "hoursPerWeek": 36, "level": "assistent"}, *km)
            placements[kvk] = created["_location"].rsplit("/", 1)[1]
        first = employers[0]
        self.post(f"{base}/placements/{placements[first]}/confirmation", {"date": "2026-03-05"}, "employer", first)
        self.post(f"{base}/placements/{placements[first]}/contract-start", {"date": "2026-03-09", "hoursPerWeek": 36},
                  "employer", first)
        return t, placements


def make_world(database_url: str, tmp_path: Path, **settings: object):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from leerroute.bootstrap import build

    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    container = build(test_settings(tmp_path, database_url, REDIS_URL=None, **settings), clock=FixedClock(TODAY),
                      notification_clock=clock)
    client = TestClient(create_app(container, run_worker=False))
    client.__enter__()
    return World(container, client, clock), client
