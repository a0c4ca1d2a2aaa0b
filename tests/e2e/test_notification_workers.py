"""Notifications delivered by a separate worker process on PostgreSQL and Redis: a real receiver
outage of more than a minute, and the worker SIGKILLed in the middle of a delivery. Nothing is
lost, nothing is out of order, and a notification delivered twice carries the same id."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.clock import FixedClock
from domain.event_types import CATALOGUE
from tests.conftest import TODAY, own_database, requires_postgres_and_redis, test_settings
from tests.e2e.notification_world import World
from tests.e2e.test_workers import Processes, process_env, wait_until
from tests.notifications.receiver import Receiver

pytestmark = requires_postgres_and_redis

A = "GM0363"
ROUTE = ["nl.leerroute.trajectory.registered", "nl.leerroute.phase.started", "nl.leerroute.phase.completed",
         "nl.leerroute.benefit.stopped", "nl.leerroute.placement.proposed", "nl.leerroute.placement.confirmed",
         "nl.leerroute.placement.contract-started"]
OUTAGE_SECONDS = 65


@pytest.fixture
def leerroute(tmp_path: Path) -> Iterator[tuple[World, Processes]]:
    from fastapi.testclient import TestClient

    from api.main import create_app
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        fast = {"LEERROUTE_CATCH_UP_SECONDS": 0.5, "LEERROUTE_NOTIFICATION_BACKOFF_SECONDS": 0.5,
                "LEERROUTE_NOTIFICATION_MAX_BACKOFF_SECONDS": 4, "LEERROUTE_NOTIFICATION_LEASE_SECONDS": 3,
                "LEERROUTE_NOTIFICATION_FAILING_AFTER_SECONDS": 30}
        settings = test_settings(tmp_path, url, **fast)
        container = build(settings, clock=FixedClock(TODAY))
        env = process_env(settings) | {k: str(v) for k, v in fast.items()}
        processes = Processes(env, tmp_path)
        with TestClient(create_app(container, run_worker=False)) as client:
            world = World(container, client, FixedClock(datetime.now(UTC)))
            try:
                yield world, processes
            finally:
                processes.stop()


def _delivered(receiver: Receiver, count: int) -> bool:
    return len(receiver.unique_events()) >= count


def _in_order_and_complete(receiver: Receiver, trajectories: list[str]) -> None:
    events = receiver.unique_events()
    assert [e["type"] for e in events] == ROUTE * len(trajectories)
    assert [e["data"]["trajectoryId"] for e in events] == [t for t in trajectories for _ in ROUTE]
    positions = [int(e["sequence"]) for e in events]
    assert positions == sorted(positions)
    bodies: dict[str, set[str]] = {}
    for received in receiver.received:
        bodies.setdefault(received.event["id"], set()).add(received.body)
    assert all(len(b) == 1 for b in bodies.values()), "a redelivery carries the same id and the same body"
    assert receiver.rejected_signatures == 0


def test_a_receiver_down_for_over_a_minute_gets_everything_afterwards_in_order(leerroute):
    world, processes = leerroute
    receiver = Receiver()
    subscription = world.subscribe("klantmanager", A, receiver, sorted(CATALOGUE))
    processes.start_worker()
    first, _ = world.route(A, ["11111111"])
    wait_until(lambda: _delivered(receiver, len(ROUTE)), 60, "the first route's notifications")

    receiver.stop()
    down_since = time.monotonic()
    trajectories = [first]
    trajectories.append(world.route(A, ["22222222"])[0])

    def status() -> dict[str, Any]:
        return world.status("klantmanager", A, subscription["id"])

    # A bounded poll through the outage: retries keep failing, the subscription turns failing.
    wait_until(lambda: status()["failures"] >= 3, 60, "failed retries during the outage")
    trajectories.append(world.route(A, ["33333333"])[0])
    wait_until(lambda: time.monotonic() - down_since >= OUTAGE_SECONDS and status()["failing"], OUTAGE_SECONDS + 60,
               "an outage of over a minute")
    assert len(receiver.unique_events()) == len(ROUTE)
    assert status()["lagEvents"] >= 2 * len(ROUTE) and "ConnectError" in (status()["attempts"][0]["error"] or "")

    receiver.start()
    wait_until(lambda: _delivered(receiver, 3 * len(ROUTE)), 60, "the notifications after the outage")
    wait_until(lambda: not status()["failing"] and status()["lagEvents"] == 0, 30, "the subscription to recover")
    _in_order_and_complete(receiver, trajectories)


def test_a_worker_killed_mid_delivery_loses_nothing_and_repeats_with_the_same_id(leerroute):
    world, processes = leerroute
    receiver = Receiver()
    world.subscribe("klantmanager", A, receiver, sorted(CATALOGUE))
    processes.start_worker()
    receiver.hold.clear()  # the receiver keeps the next request open
    first, _ = world.route(A, ["11111111"])
    wait_until(receiver.held.is_set, 60, "a delivery in progress")
    processes.kill_worker()
    receiver.hold.set()
    processes.start_worker()
    second, _ = world.route(A, ["22222222"])
    wait_until(lambda: _delivered(receiver, 2 * len(ROUTE)), 90, "every notification after the restart")
    ids = [r.event["id"] for r in receiver.received]
    assert len(ids) > len(set(ids)), "the interrupted delivery was made again"
    _in_order_and_complete(receiver, [first, second])
