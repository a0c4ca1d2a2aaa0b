"""Subscription commands through ``Service.handle`` on the in-memory unit of work: the secret and
the cursor commit with the subscription's events, a refused command records nothing, and only
the organisation (in its role) that registered a subscription can touch it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from domain import commands as c
from domain.errors import InvalidField, NotFound, RuleViolation
from domain.notification_access import triggers_reached
from domain.payments import fund_covers
from domain.subscriptions import Filters
from domain.terms import Trigger
from domain.values import Actor
from tests.unit.fakes import APT, EMPLOYER, FUND, KM, OTHER_EMPLOYER, OTHER_KM, World

ON = date(2026, 11, 22)
PROPOSED = ("nl.leerroute.placement.proposed",)


def _register(world: World, actor=KM, **fields) -> c.RegisterSubscription:
    values = {"callback_url": "http://127.0.0.1:8080/hooks", "event_types": PROPOSED} | fields
    return c.RegisterSubscription(actor=actor, on=ON, **values)


def test_a_registration_keeps_its_secret_and_opens_its_cursor_at_its_own_event():
    world = World()
    world.register()
    outcome = world.handle(_register(world))
    subscription = outcome.aggregate
    assert world.log.cursors[subscription.id] == {"organisation": "GM0363", "role": "klantmanager", "status": "active",
                                                 "position": outcome.position}
    secret, valid_until = world.log.secrets[(subscription.id, 1)]
    assert secret.startswith("whsec_") and valid_until is None
    assert world.log.event_names(subscription.id) == ["SubscriptionRegistered"]


def test_a_repeated_registration_with_its_key_is_the_first_one():
    world = World()
    first = world.handle(_register(world), idempotency_key="sub-1")
    again = world.handle(_register(world), idempotency_key="sub-1")
    assert again.replayed and again.aggregate.id == first.aggregate.id and len(world.log.cursors) == 1


def test_bad_registrations_record_nothing():
    world = World()
    world.refuses(_register(world, callback_url="ftp://127.0.0.1/x"), InvalidField)
    world.refuses(_register(world, callback_url="https://evil.example.com/x"), InvalidField)
    world.refuses(_register(world, event_types=("nl.leerroute.nothing",)), InvalidField)
    world.refuses(_register(world, actor=EMPLOYER, event_types=("nl.leerroute.benefit.stopped",)), InvalidField)
    world.refuses(_register(world, filters=Filters(municipality="GM0599")), InvalidField)
    t = world.register(actor=OTHER_KM)
    refused = world.refuses(_register(world, filters=Filters(trajectory_id=t)), InvalidField)
    assert refused.name == "filters.trajectoryId"


def test_rotation_pause_resume_replay_and_delete_keep_the_cursor_and_secrets_in_step():
    world = World()
    sid = world.handle(_register(world)).aggregate.id
    rotated = world.handle(c.RotateSubscriptionSecret(actor=KM, on=ON, subscription_id=sid))
    assert rotated.aggregate.secret_version == 2
    old, until = world.log.secrets[(sid, 1)]
    new, _ = world.log.secrets[(sid, 2)]
    assert old != new and until is not None and until > datetime.now(UTC)
    world.handle(c.PauseSubscription(actor=KM, on=ON, subscription_id=sid))
    assert world.log.cursors[sid]["status"] == "paused"
    world.refuses(c.PauseSubscription(actor=KM, on=ON, subscription_id=sid), RuleViolation)
    world.handle(c.ResumeSubscription(actor=KM, on=ON, subscription_id=sid))
    world.handle(c.ReplaySubscription(actor=KM, on=ON, subscription_id=sid, from_position=0))
    assert world.log.cursors[sid]["position"] == 0 and world.log.cursors[sid]["status"] == "active"
    world.refuses(c.ReplaySubscription(actor=KM, on=ON, subscription_id=sid), InvalidField)
    world.refuses(c.ReplaySubscription(actor=KM, on=ON, subscription_id=sid, from_position=1,
                                       from_time=datetime(2026, 1, 1, tzinfo=UTC)), InvalidField)
    world.handle(c.ReplaySubscription(actor=KM, on=ON, subscription_id=sid, from_time=datetime(2000, 1, 1, tzinfo=UTC)))
    assert world.log.cursors[sid]["position"] == 0
    world.handle(c.DeleteSubscription(actor=KM, on=ON, subscription_id=sid))
    assert world.log.cursors[sid]["status"] == "deleted"
    world.refuses(c.ResumeSubscription(actor=KM, on=ON, subscription_id=sid), RuleViolation)


def test_another_organisation_or_role_cannot_touch_a_subscription():
    world = World()
    sid = world.handle(_register(world)).aggregate.id
    for actor in (OTHER_KM, EMPLOYER, FUND, APT):
        for kind in (c.PauseSubscription, c.DeleteSubscription, c.RotateSubscriptionSecret):
            world.refuses(kind(actor=actor, on=ON, subscription_id=sid), NotFound)
    world.refuses(c.PauseSubscription(actor=KM, on=ON, subscription_id=uuid4()), NotFound)
    world.refuses(c.PauseSubscription(actor=OTHER_EMPLOYER, on=ON, subscription_id=sid), NotFound)


def test_a_trigger_reached_names_the_agreements_of_the_subscriber_that_cover_the_trajectory():
    world = World()
    covering = world.conclude(trigger=Trigger.PLACEMENT_STARTED, municipalities=("GM0363",))
    world.conclude(trigger=Trigger.PLACEMENT_STARTED, municipalities=("GM0599",))
    world.conclude(trigger=Trigger.REGISTERED, municipalities=("GM0363",))
    t = world.register()
    world.working(t)
    trajectory = world.log.aggregate(t)
    agreements = [world.log.aggregate(i).view() for i in world.log.events if hasattr(world.log.aggregate(i), "payer")]
    fields = {"on": date(2026, 3, 9), "placement_id": "p"}
    reached = triggers_reached(Actor(f"subscription:{t}", FUND.role, FUND.organisation), "ContractStarted", fields,
                               trajectory, "onbekend", lambda organisation: agreements)
    assert [a.id for a in reached] == [covering] and fund_covers(reached, trajectory)
    assert triggers_reached(EMPLOYER, "ContractStarted", fields, trajectory, "onbekend", lambda o: agreements) == []
    assert triggers_reached(FUND, "PlacementConfirmed", fields, trajectory, "onbekend", lambda o: agreements) == []
    early = {"on": date(2025, 6, 1), "placement_id": "p"}
    assert triggers_reached(FUND, "ContractStarted", early, trajectory, "onbekend", lambda o: agreements) == []
