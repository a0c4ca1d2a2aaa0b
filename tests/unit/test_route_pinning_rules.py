"""Each route follows its own route model: the version (and regional variant) in force in its
region on the day it was registered, until a recorded decision moves it. Its guards (what the
region offers, the grounds for a skip, the drop-out reasons, the norms of maatwerk) and its time
policies follow that version; old events load as pinned to version 1."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, StoredEvent, UUIDAsHex

from adapters.eventstore import register_transcodings
from domain import commands as c
from domain.errors import InvalidField, RuleViolation
from domain.route_model import BASELINE_MODEL_ID, RegionalVariant, route_model_id
from domain.values import DeviationRule, DropOutReason, Phase, SkipBasis, Stage
from tests.route_model_scenario import AMSTERDAM, RIJNMOND, SUB_REASON, Published, publish, version_3
from tests.unit.fakes import APT, KM, OTHER_PERSON, TERMS, TODAY, Actor, Role, World

RIJNMOND_KM = Actor("km-5", Role.KLANTMANAGER, "GM0599")
HAAGLANDEN_KM = Actor("km-6", Role.KLANTMANAGER, "GM0518")
REGIONS = {"GM0363": AMSTERDAM, "GM0599": RIJNMOND, "GM0518": "Haaglanden"}
ON_V2 = date(2026, 3, 2)


def _world(**published: Any) -> tuple[World, Published]:
    """Versions 1 and 2 and version 2's two variants, published through the service (and ``v3``)."""
    world = World(regions=REGIONS)
    return world, publish(world.handle, TERMS, on=TODAY, **published)


def _trajectory(world: World, trajectory_id: UUID):
    return world.log.aggregate(trajectory_id)


def test_a_route_is_pinned_to_the_version_and_variant_in_force_in_its_region_on_its_registration_date():
    world, published = _world()
    before = world.register(on=date(2026, 1, 20))
    amsterdam = world.register(on=ON_V2, person=OTHER_PERSON)
    rijnmond = world.register(actor=RIJNMOND_KM, on=ON_V2)
    haaglanden = world.register(actor=HAAGLANDEN_KM, on=ON_V2)
    pins = {t: (_trajectory(world, t).route_model, _trajectory(world, t).route_variant) for t in (before, amsterdam, rijnmond, haaglanden)}
    assert pins == {
        before: (BASELINE_MODEL_ID, None),
        amsterdam: (route_model_id(2), published.variant(2, AMSTERDAM)),
        rijnmond: (route_model_id(2), published.variant(2, RIJNMOND)),
        haaglanden: (route_model_id(2), None),
    }
    registered = world.log.history(rijnmond)[0]
    assert (registered.route_model, registered.route_variant) == (route_model_id(2), published.variant(2, RIJNMOND))


def test_a_stage_the_variant_does_not_offer_cannot_be_started_nor_skipped():
    world, _ = _world()
    amsterdam = world.register(on=ON_V2)
    rijnmond = world.register(actor=RIJNMOND_KM, on=ON_V2)
    for t, actor in ((amsterdam, KM), (rijnmond, RIJNMOND_KM)):
        for phase in (Phase.ORIENTATION, Phase.PRE_TRAJECTORY):
            world.step(c.StartPhase, t, actor=actor, on=date(2026, 3, 4), phase=phase)
            world.step(c.CompletePhase, t, actor=actor, on=date(2026, 3, 4), phase=phase)
    start = c.StartPhase(actor=KM, trajectory_id=amsterdam, on=date(2026, 3, 5), phase=Phase.BEDRIJFSVAKSCHOOL, provider="Bouwmensen")
    assert world.refuses(start, RuleViolation).rule == "stage-offered-in-region"
    skip = c.SkipPhase(actor=KM, trajectory_id=amsterdam, on=date(2026, 3, 5), phase=Phase.BEDRIJFSVAKSCHOOL,
                       basis=SkipBasis.NOT_AVAILABLE_IN_REGION, reason="geen bedrijfsvakschool")
    assert world.refuses(skip, RuleViolation).rule == "stage-offered-in-region"
    # Rijnmond offers it.
    world.step(c.StartPhase, rijnmond, actor=RIJNMOND_KM, on=date(2026, 3, 5), phase=Phase.BEDRIJFSVAKSCHOOL, provider="Bouwmensen")


def test_a_stage_not_offered_counts_as_passed_for_the_phase_order():
    # Version 3 lets a region leave out orientation; Amsterdam's variant of it does.
    world, _ = _world(v3=version_3(TERMS, orientation_optional=True),
                      v3_variants=(RegionalVariant(region=AMSTERDAM, offered=frozenset({Stage.BEDRIJFSVAKSCHOOL})),))
    t = world.register(on=date(2026, 9, 7))
    world.step(c.StartPhase, t, on=date(2026, 9, 8), phase=Phase.PRE_TRAJECTORY)  # orientation is not offered: no skip needed
    assert world.log.event_names(t)[-1] == "PhaseStarted"
    route = world.refuses(c.StartPhase(actor=KM, trajectory_id=t, on=date(2026, 9, 9), phase=Phase.ORIENTATION), RuleViolation)
    assert route.rule == "stage-offered-in-region"


def test_a_skip_needs_a_basis_the_routes_version_allows():
    world, _ = _world()
    baseline = world.register(on=date(2026, 1, 20))
    on_v2 = world.register(on=ON_V2, person=OTHER_PERSON)
    world.step(c.SkipPhase, baseline, on=date(2026, 3, 3), phase=Phase.ORIENTATION, basis=SkipBasis.OTHER, reason="ervaring")
    refused = world.refuses(c.SkipPhase(actor=KM, trajectory_id=on_v2, on=date(2026, 3, 3), phase=Phase.ORIENTATION,
                                        basis=SkipBasis.OTHER, reason="ervaring"), RuleViolation)
    assert refused.rule == "skip-basis-allowed"
    assert "evc" in str(refused)
    world.step(c.SkipPhase, on_v2, on=date(2026, 3, 3), phase=Phase.ORIENTATION, basis=SkipBasis.EVC, reason="EVC")


def test_a_drop_out_takes_a_national_category_or_a_sub_reason_of_the_routes_variant():
    world, _ = _world()
    rijnmond = world.register(actor=RIJNMOND_KM, on=ON_V2)
    amsterdam = world.register(on=ON_V2)
    world.step(c.DropOut, rijnmond, actor=RIJNMOND_KM, on=date(2026, 3, 3), reason=SUB_REASON, explanation="rijbewijs nodig")
    event = world.log.history(rijnmond)[-1]
    assert (type(event).__name__, event.reason, event.sub_reason) == ("DroppedOut", DropOutReason.NOT_SUITED, SUB_REASON)
    assert _trajectory(world, rijnmond).drop_outs[-1]["sub_reason"] == SUB_REASON
    refused = world.refuses(c.DropOut(actor=KM, trajectory_id=amsterdam, on=date(2026, 3, 3), reason=SUB_REASON, explanation="x"),
                            InvalidField)
    assert refused.name == "reason"
    world.step(c.DropOut, amsterdam, on=date(2026, 3, 3), reason=DropOutReason.HEALTH, explanation="ziek")
    event = world.log.history(amsterdam)[-1]
    assert (event.reason, event.sub_reason) == (DropOutReason.HEALTH, None)


def test_a_training_duration_deviation_names_a_norm_of_the_routes_model_and_its_weeks():
    world, _ = _world()
    t = world.register(actor=RIJNMOND_KM, on=ON_V2)

    def grant(**fields):
        return c.GrantDeviation(actor=RIJNMOND_KM, trajectory_id=t, on=date(2026, 3, 3), until=date(2026, 9, 1),
                                reason="langere praktijk", granted_by="teamleider", **fields)

    world.handle(grant(rule=DeviationRule.TRAINING_DURATION, norm="pre-trajectory.practice", norm_weeks=20))
    event = world.log.history(t)[-1]
    assert (type(event).__name__, event.norm, event.norm_weeks) == ("DeviationGranted", "pre-trajectory.practice", 20)
    assert world.refuses(grant(rule=DeviationRule.TRAINING_DURATION, norm="pre-trajectory.cooking", norm_weeks=20),
                         InvalidField).name == "norm"
    assert world.refuses(grant(rule=DeviationRule.PHASE_ORDER, norm="pre-trajectory", norm_weeks=20), InvalidField).name == "norm"
    assert world.refuses(grant(rule=DeviationRule.TRAINING_DURATION, norm="pre-trajectory"), InvalidField).name == "normWeeks"
    assert world.refuses(grant(rule=DeviationRule.TRAINING_DURATION, norm="guarantee", norm_weeks=20), InvalidField).name == "norm"
    world.handle(grant(rule=DeviationRule.TRAINING_DURATION))  # without a norm, as before
    assert world.log.history(t)[-1].norm is None


def test_the_time_policies_follow_each_routes_own_terms():
    world, _ = _world()
    baseline = world.register(on=date(2026, 1, 20))  # stalls after 8 weeks
    on_v2 = world.register(on=ON_V2, person=OTHER_PERSON)  # after 4
    milestones = world.handle(c.RecordDueMilestones(trajectory_id=on_v2, on=ON_V2 + timedelta(weeks=4)))
    assert (milestones.recorded, world.log.event_names(on_v2)[-1]) == (1, "RouteStalled")
    assert world.handle(c.RecordDueMilestones(trajectory_id=baseline, on=date(2026, 3, 16))).recorded == 0
    assert world.handle(c.RecordDueMilestones(trajectory_id=baseline, on=date(2026, 3, 17))).recorded == 1


def test_a_later_version_changes_new_routes_only():
    world, _ = _world(v3=version_3(TERMS))
    earlier = world.register(on=ON_V2)
    later = world.register(on=date(2026, 9, 7), person=OTHER_PERSON)
    assert (_trajectory(world, earlier).route_model, _trajectory(world, later).route_model) == (route_model_id(2), route_model_id(3))
    assert _trajectory(world, later).route_variant is None  # Amsterdam has no variant of version 3
    assert world.handle(c.RecordDueMilestones(trajectory_id=later, on=date(2026, 9, 7) + timedelta(weeks=4))).recorded == 0
    assert world.handle(c.RecordDueMilestones(trajectory_id=later, on=date(2026, 9, 7) + timedelta(weeks=6))).recorded == 1
    # The earlier route still stalls after the 4 weeks of version 2.
    world.step(c.StartPhase, earlier, on=date(2026, 10, 1), phase=Phase.ORIENTATION)
    assert world.handle(c.RecordDueMilestones(trajectory_id=earlier, on=date(2026, 10, 29))).recorded == 1


def test_moving_a_route_to_the_version_in_force_is_a_recorded_decision_with_a_reason():
    world, _ = _world(v3=version_3(TERMS))
    t = world.register(on=ON_V2)
    unreasoned = c.MoveRoute(actor=KM, trajectory_id=t, on=date(2026, 9, 7), reason=" ")
    assert world.refuses(unreasoned, RuleViolation).rule == "route-model-change-reasoned"
    backwards = c.MoveRoute(actor=APT, trajectory_id=t, on=date(2026, 9, 7), reason="terug", route_model=BASELINE_MODEL_ID)
    assert world.refuses(backwards, RuleViolation).rule == "route-model-moves-forward"
    world.handle(c.MoveRoute(actor=APT, trajectory_id=t, on=date(2026, 9, 7), reason="landelijke versie 3"))
    event = world.log.history(t)[-1]
    assert (type(event).__name__, event.route_model, event.route_variant, event.reason, event.actor, event.on) == (
        "RouteModelChanged", route_model_id(3), None, "landelijke versie 3", APT, date(2026, 9, 7)
    )
    assert world.refuses(c.MoveRoute(actor=KM, trajectory_id=t, on=date(2026, 9, 8), reason="nogmaals"), RuleViolation).rule \
        == "route-model-changes"
    # From now on the route stalls after the 6 weeks of version 3, and may start a bedrijfsvakschool again.
    assert world.handle(c.RecordDueMilestones(trajectory_id=t, on=ON_V2 + timedelta(weeks=6))).recorded == 1


def test_a_move_to_a_variant_of_another_region_is_refused():
    world, published = _world()
    t = world.register(on=ON_V2)
    other = c.MoveRoute(actor=APT, trajectory_id=t, on=date(2026, 3, 3), reason="x", route_model=route_model_id(2),
                        route_variant=published.variant(2, RIJNMOND))
    assert world.refuses(other, InvalidField).name == "routeVariant"


def test_without_published_models_every_route_follows_the_baseline_as_before():
    world = World()
    t = world.register()
    assert (_trajectory(world, t).route_model, _trajectory(world, t).route_variant) == (BASELINE_MODEL_ID, None)
    world.step(c.SkipPhase, t, on=date(2026, 1, 10), phase=Phase.ORIENTATION, basis=SkipBasis.OTHER, reason="ervaring")


# -- events recorded in their first form ----------------------------------------------------------------


def _mapper() -> Mapper:
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    register_transcodings(transcoder)
    return Mapper(transcoder)


def _as_v1(mapper: Mapper, event, *dropped: str) -> StoredEvent:
    """The event as it was stored before its class had a second version."""
    stored = mapper.to_stored_event(event)
    state = json.loads(stored.state)
    assert state.pop("class_version") == 2
    for name in dropped:
        del state[name]
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode())


@pytest.mark.parametrize("sub_reason", [None, SUB_REASON])
def test_events_stored_in_their_first_form_load_through_the_upcasters(sub_reason):
    world, published = _world()
    t = world.register(actor=RIJNMOND_KM, on=ON_V2)
    world.step(c.GrantDeviation, t, actor=RIJNMOND_KM, on=date(2026, 3, 3), rule=DeviationRule.TRAINING_DURATION,
               reason="langer", until=date(2026, 6, 1), granted_by="teamleider", norm="pre-trajectory", norm_weeks=30)
    world.step(c.DropOut, t, actor=RIJNMOND_KM, on=date(2026, 3, 4), reason=sub_reason or DropOutReason.HEALTH, explanation="x")
    registered, deviation, dropped = world.log.history(t)
    mapper = _mapper()
    old = [
        _as_v1(mapper, registered, "route_model", "route_variant"),
        _as_v1(mapper, deviation, "norm", "norm_weeks"),
        _as_v1(mapper, dropped, "sub_reason"),
    ]
    loaded = [mapper.to_domain_event(stored) for stored in old]
    assert (loaded[0].route_model, loaded[0].route_variant) == (BASELINE_MODEL_ID, None)
    assert (loaded[1].norm, loaded[1].norm_weeks) == (None, None)
    assert loaded[2].sub_reason is None and loaded[2].reason == dropped.reason
    trajectory = None
    for event in loaded:
        trajectory = event.mutate(trajectory)
    assert (trajectory.route_model, trajectory.route_variant, trajectory.municipality) == (BASELINE_MODEL_ID, None, "GM0599")
    assert "norm" not in trajectory.deviations[0] and "sub_reason" not in trajectory.drop_outs[0]
    # A current event is stored as version 2 and loads as it was.
    assert mapper.to_domain_event(mapper.to_stored_event(registered)).route_variant == published.variant(2, RIJNMOND)
