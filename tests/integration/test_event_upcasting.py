"""Events are forever: a trajectory whose events were stored in their first form (before routes
were pinned to a route model, drop-outs had sub-reasons and deviations named norms) loads from
the database through the upcasters, as a route on version 1."""

from __future__ import annotations

import json
from datetime import date
from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from adapters import migrations
from adapters.eventstore import EventStore
from domain.route_model import BASELINE_MODEL_ID, route_model_id
from domain.trajectory import Trajectory
from domain.values import Actor, DeviationRule, DropOutReason, Role

KM = Actor("km-1", Role.KLANTMANAGER, "GM0363")
FIRST_FORM = {"TrajectoryRegistered": ("route_model", "route_variant"), "DeviationGranted": ("norm", "norm_weeks"),
              "DroppedOut": ("sub_reason",)}


def _first_form(stored: StoredEvent) -> StoredEvent:
    """The stored event as leerroute wrote it before its class had a second version."""
    name = stored.topic.rsplit(".", 1)[-1]
    state = json.loads(stored.state)
    if name in FIRST_FORM:
        assert state.pop("class_version") == 2
        for field in FIRST_FORM[name]:
            del state[field]
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode())


def test_a_trajectory_stored_in_the_first_form_of_its_events_loads_as_pinned_to_version_1(fresh_database):
    migrations.upgrade(fresh_database)
    store = EventStore(fresh_database)
    t = Trajectory.register(
        trajectory_id=uuid4(), municipality="GM0363", candidate_id=uuid4(), target_group="statushouder", on=date(2025, 3, 3),
        today=date(2026, 11, 22), benefit_monthly_cents=0, benefit_since=None, actor=KM,
    )
    t.grant_deviation(deviation_id="d-1", rule=DeviationRule.TRAINING_DURATION, reason="langer", on=date(2025, 4, 1),
                      until=date(2025, 9, 1), granted_by="teamleider", today=date(2026, 11, 22), actor=KM)
    t.drop_out(on=date(2025, 5, 1), today=date(2026, 11, 22), reason=DropOutReason.HEALTH, explanation="ziek", actor=KM)
    old = [_first_form(store.mapper.to_stored_event(e)) for e in t.collect_events()]
    store.recorder.insert_events(old)

    loaded = store.aggregate(t.id)
    assert isinstance(loaded, Trajectory)
    assert (loaded.route_model, loaded.route_variant, loaded.version) == (BASELINE_MODEL_ID, None, 3)
    assert loaded.drop_outs[0]["reason"] == DropOutReason.HEALTH and "sub_reason" not in loaded.drop_outs[0]
    assert "norm" not in loaded.deviations[0]
    registered, deviation, dropped = store.history(t.id)
    assert (registered.route_model, deviation.norm, deviation.norm_weeks, dropped.sub_reason) == (BASELINE_MODEL_ID, None, None, None)
    assert route_model_id(1) == BASELINE_MODEL_ID
