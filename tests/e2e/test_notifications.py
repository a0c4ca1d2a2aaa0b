"""Notifications to real HTTP receivers on loopback: every event a subscription may see and no
other, in log order, signed (checked with the ``standardwebhooks`` reference verifier), as NL GOV
CloudEvents without personal data; long outages (simulated with the delivery clock) lose nothing
and reorder nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from adapters.notifications.sender import signature_headers
from domain.event_types import CATALOGUE, Kind
from tests.conftest import new_bsn
from tests.e2e.notification_world import OIN, World, make_world
from tests.notifications.profile import check_event
from tests.notifications.receiver import Received, Receiver

A, B = "GM0363", "GM0599"
E1, E2 = "11111111", "22222222"
FUND = "OO-installatie"
ALL = sorted(CATALOGUE)
PLACEMENT_TYPES = sorted(n for n, t in CATALOGUE.items() if t.kind is Kind.PLACEMENT)
NOT_BENEFIT = sorted(n for n, t in CATALOGUE.items() if t.kind is not Kind.BENEFIT)
ROUTE = ["nl.leerroute.trajectory.registered", "nl.leerroute.phase.started", "nl.leerroute.phase.completed",
         "nl.leerroute.benefit.stopped", "nl.leerroute.placement.proposed", "nl.leerroute.placement.proposed",
         "nl.leerroute.placement.confirmed", "nl.leerroute.placement.contract-started"]
ROUTE_ONE = ROUTE[:4] + ROUTE[5:]  # a route with a placement proposed to one employer
EMPLOYER_SEES = ["nl.leerroute.placement.proposed", "nl.leerroute.placement.confirmed", "nl.leerroute.placement.contract-started"]


@pytest.fixture
def world(fresh_database: str, tmp_path: Path):
    w, client = make_world(fresh_database, tmp_path, LEERROUTE_OIN=OIN)
    yield w
    client.__exit__(None, None, None)


def _agreement(world: World, municipality: str) -> str:
    body = {"kind": "result", "trigger": "placement-started", "validFrom": "2025-01-01", "concludedOn": "2025-01-01",
            "terms": {"amountCents": 100_000, "municipalities": [municipality]}}
    return world.post("/v1/financing-agreements", body, "fund", FUND)["id"]


def _personal_data_absent(receivers: list[Receiver], values: list[str]) -> None:
    for receiver in receivers:
        for received in receiver.received:
            text = received.body + " ".join(received.headers.values())
            for value in values:
                assert value not in text and value.lower() not in text.lower(), f"{value!r} was delivered"


def test_each_subscription_receives_exactly_what_it_may_see_in_log_order(world: World):
    agreement = _agreement(world, A)
    receivers = {name: Receiver() for name in ("km", "employer", "fund", "procesregie")}
    world.subscribe("klantmanager", A, receivers["km"], ALL)
    world.subscribe("employer", E1, receivers["employer"], PLACEMENT_TYPES)
    world.subscribe("fund", FUND, receivers["fund"], NOT_BENEFIT)
    world.subscribe("procesregie", "APT", receivers["procesregie"], ALL)
    bsn_a, bsn_b = new_bsn(), new_bsn()
    t_a, placements_a = world.route(A, [E1, E2], bsn=bsn_a)
    t_b, placements_b = world.route(B, [E1], bsn=bsn_b)

    assert world.deliver() > 0
    km, employer, fund, apt = (receivers[n].events() for n in ("km", "employer", "fund", "procesregie"))

    assert [e["type"] for e in km] == ROUTE and {e["data"]["trajectoryId"] for e in km} == {t_a}
    assert [e["type"] for e in employer] == EMPLOYER_SEES * 2
    assert {e["data"]["employerKvk"] for e in employer} == {E1}, "an employer never gets another employer's placement"
    assert [e["subject"] for e in employer] == [placements_a[E1]] * 3 + [placements_b[E1]] * 3
    fund_types = [t for t in ROUTE if not t.startswith("nl.leerroute.benefit")]
    fund_types.append("nl.leerroute.claim.trigger-reached")  # at the contract start, in the same event's place
    assert [e["type"] for e in fund] == fund_types and {e["data"]["trajectoryId"] for e in fund} == {t_a}
    trigger = fund[-1]
    assert trigger["data"]["agreementId"] == agreement and trigger["sequence"] == fund[-2]["sequence"]
    assert [e["type"] for e in apt] == ROUTE + ROUTE_ONE and [e["data"]["trajectoryId"] for e in apt] == [t_a] * 8 + [t_b] * 7

    for receiver in receivers.values():
        assert receiver.rejected_signatures == 0 and len(receiver.received) == len(receiver.accepted)
        events = receiver.events()
        positions = [int(e["sequence"]) for e in events]
        assert positions == sorted(positions), "in log order"
        assert len({e["id"] for e in events}) == len(events)
        for event in events:
            check_event(event, oin=OIN)
            assert event["source"] == f"urn:nld:oin:{OIN}:systeem:leerroute"
    assert km[4]["dataref"].endswith(f"/v1/trajectories/{t_a}/placements/{placements_a[E1]}")
    _personal_data_absent(list(receivers.values()), [bsn_a, bsn_b, "Amal", "Haddad", "1990-03-04", "Installatiebedrijf"])


def test_a_long_outage_loses_nothing_and_reorders_nothing(world: World):
    receiver = Receiver()
    subscription = world.subscribe("klantmanager", A, receiver, ALL)
    receiver.status = 500
    t1, _ = world.route(A, [E1])
    world.deliver()
    status = world.status("klantmanager", A, subscription["id"])
    assert status["failures"] == 1 and status["lagEvents"] >= len(ROUTE_ONE) and not status["failing"]
    assert status["attempts"][0]["statusCode"] == 500 and status["attempts"][0]["error"] == "HTTP 500"

    # Two hours of a receiver answering 500, retried with backoff, while the route goes on.
    for _ in range(30):
        world.later(300)
        world.deliver()
    t2, _ = world.route(A, [E2])
    assert world.status("klantmanager", A, subscription["id"])["failing"]
    # Then three hours with nothing listening at all.
    receiver.stop()
    for _ in range(36):
        world.later(300)
        world.deliver()
    status = world.status("klantmanager", A, subscription["id"])
    assert status["failing"] and status["failures"] > 60 and "ConnectError" in status["attempts"][0]["error"]

    receiver.status = 204
    receiver.start()
    world.later(301)
    world.deliver()
    events = receiver.unique_events()
    assert [e["type"] for e in events] == ROUTE_ONE * 2
    assert [e["data"]["trajectoryId"] for e in events] == [t1] * 7 + [t2] * 7
    positions = [int(e["sequence"]) for e in events]
    assert positions == sorted(positions)
    # every redelivery of an event carried the same id
    by_id: dict[str, set[str]] = {}
    for received in receiver.received:
        by_id.setdefault(received.event["id"], set()).add(received.body)
    assert all(len(bodies) == 1 for bodies in by_id.values())
    status = world.status("klantmanager", A, subscription["id"])
    assert not status["failing"] and status["failures"] == 0 and status["lagEvents"] == 0 and status["delivered"] == 14


def test_signatures_verify_and_a_tampered_body_or_a_stale_timestamp_fails(world: World):
    receiver = Receiver()
    subscription = world.subscribe("klantmanager", A, receiver, ALL)
    world.route(A, [E1])
    world.deliver()
    first: Received = receiver.accepted[0]
    secret = subscription["secret"]
    assert secret.startswith("whsec_")
    Webhook(secret).verify(first.body, first.headers)  # the reference verifier
    with pytest.raises(Exception, match="signature"):
        Webhook(secret).verify(first.body.replace('"sequence":"', '"sequence":"9'), first.headers)
    stale = signature_headers(first.headers["webhook-id"], first.body, [secret], datetime.now(UTC) - timedelta(minutes=10))
    with pytest.raises(Exception, match="too old"):
        Webhook(secret).verify(first.body, stale)
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "A" * 43 + "=").verify(first.body, first.headers)

    # A rotation: for the grace period each delivery is signed with the new and the old secret.
    rotated = world.api.post(f"/v1/subscriptions/{subscription['id']}/secret-rotation",
                             headers=world.headers("klantmanager", A))
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != secret and rotated.json()["secretVersion"] == 2
    receiver.secrets = [new_secret]
    world.route(A, [E2])
    world.deliver()
    during = receiver.accepted[-1]
    assert receiver.verifies(during, [secret]) and receiver.verifies(during, [new_secret])
    world.later(25 * 3600)
    world.route(A, [E1])
    world.deliver()
    after = receiver.accepted[-1]
    assert receiver.verifies(after, [new_secret]) and not receiver.verifies(after, [secret])
    assert receiver.rejected_signatures == 0


def test_a_fund_receives_what_its_agreements_cover_from_the_moment_they_do(world: World):
    receiver = Receiver()
    world.subscribe("fund", FUND, receiver, NOT_BENEFIT)
    t_before, _ = world.route(A, [E1])
    world.deliver()
    assert receiver.events() == [], "a fund sees nothing outside its agreements"
    _agreement(world, A)
    t_after, _ = world.route(A, [E2])
    t_elsewhere, _ = world.route(B, [E1])
    world.deliver()
    events = receiver.events()
    assert {e["data"]["trajectoryId"] for e in events} == {t_after}
    assert t_before not in str(events) and t_elsewhere not in str(events)


def test_pause_resume_replay_and_delete(world: World):
    receiver = Receiver()
    km = world.headers("klantmanager", A)
    subscription = world.subscribe("klantmanager", A, receiver, ["nl.leerroute.trajectory.registered"])
    base = f"/v1/subscriptions/{subscription['id']}"
    assert world.api.post(f"{base}/pause", headers=km).json()["status"] == "paused"
    t1, _ = world.route(A, [E1])
    world.deliver()
    assert receiver.events() == []
    assert world.api.post(f"{base}/resumption", headers=km).json()["status"] == "active"
    world.deliver()
    assert [e["data"]["trajectoryId"] for e in receiver.events()] == [t1]
    first = receiver.events()[0]

    replayed = world.api.post(f"{base}/replay", json={"fromPosition": 0}, headers=km)
    assert replayed.status_code == 200, replayed.text
    world.deliver()
    assert [e["id"] for e in receiver.events()] == [first["id"], first["id"]], "a replay carries the same ids"
    assert world.api.post(f"{base}/replay", json={"fromTime": "2000-01-01T00:00:00Z"}, headers=km).status_code == 200
    world.deliver()
    assert len(receiver.events()) == 3
    listed = world.api.get("/v1/subscriptions", headers=km).json()["items"]
    assert ([s["id"] for s in listed] == [subscription["id"]] and "secret" not in listed[0]) or listed[0]["secret"] is None
    assert world.api.get(base, headers=world.headers("klantmanager", B)).status_code == 404

    assert world.api.delete(base, headers=km).status_code == 204
    world.route(A, [E2])
    world.deliver()
    assert len(receiver.events()) == 3
    assert world.api.get(base, headers=km).status_code == 404


def test_the_workers_deliver_in_the_background(api, tokens):
    """The session's leerroute, its workers running (in-process on the embedded default, through
    Redis with REDIS_URL): a write's notification arrives without anyone asking for it."""
    import threading
    import time

    from tests.conftest import new_municipality, registration

    municipality = new_municipality()
    km = tokens.klantmanager(municipality)
    receiver = Receiver()
    created = api.post("/v1/subscriptions", json={"callbackUrl": receiver.url, "eventTypes": ["nl.leerroute.trajectory.registered"]},
                       headers=km)
    assert created.status_code == 201, created.text
    receiver.secrets.append(created.json()["secret"])
    written = api.post("/v1/trajectories", json=registration(), headers=km)
    assert written.status_code == 201, written.text
    deadline, pause = time.monotonic() + 60, threading.Event()
    while not receiver.events():
        assert time.monotonic() < deadline, "the notification did not arrive"
        pause.wait(0.05)
    event = receiver.events()[0]
    assert event["subject"] == written.json()["id"] and event["sequence"] == written.headers["Leerroute-Log-Position"]
    receiver.stop()
    scraped = api.get("/metrics").text
    assert 'leerroute_notification_delivery_seconds_count{outcome="delivered"}' in scraped
