"""The national model's versions and the regions' variants through ``Service.handle``: drafted,
revised while draft, published, succeeded; the bounds a variant keeps; who may; and which version
and variant ``uow.route_models.in_force`` answers on the days around each boundary."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from domain import route_model_commands as rm
from domain.errors import Forbidden, InvalidField, NotFound, RuleViolation
from domain.route_model import baseline_model, model_to_dict
from domain.route_models import BASELINE_MODEL_ID, STARTUP_ACTOR, ModelStatus, RouteModel, RouteVariant, model_id_of
from domain.values import DropOutReason, Stage
from tests.unit.fakes import APT, KM, OTHER_KM, TERMS, World

AMSTERDAM, RIJNMOND = "Groot Amsterdam", "Rijnmond"
REGIONS = {"GM0363": AMSTERDAM, "GM0599": RIJNMOND}
CENTRES = {AMSTERDAM: "GM0363", RIJNMOND: "GM0599"}
ON = date(2026, 11, 20)


def national(*, bedrijfsvakschool_optional: bool = True, **changes: Any) -> dict[str, Any]:
    """The baseline's content, with the bedrijfsvakschool optional (a region may leave it out)."""
    content = model_to_dict(baseline_model(TERMS))
    for stage in content["stages"]:
        if stage["stage"] == "bedrijfsvakschool":
            stage["optional"] = bedrijfsvakschool_optional
    return {**content, **changes}


def without_bedrijfsvakschool(region: str = AMSTERDAM) -> dict[str, Any]:
    return {"region": region, "offered": []}


def longer_practice(region: str = RIJNMOND, *, offered: bool = True) -> dict[str, Any]:
    """``offered``: the bedrijfsvakschool is listed (only where the national version marks it optional)."""
    return {"region": region, "offered": ["bedrijfsvakschool"] if offered else [], "norms": {"pre-trajectory.practice": 12},
            "subReasons": {"no-childcare": "care-duties"}}


@pytest.fixture
def world() -> World:
    w = World(regions=REGIONS, centres=CENTRES)
    w.handle(rm.PublishBaselineModel(actor=STARTUP_ACTOR, on=ON))
    return w


def draft(world: World, valid_from: date, valid_until: date | None = None, **content: Any) -> int:
    outcome = world.handle(rm.DraftRouteModel(actor=APT, on=ON, content=national(**content), valid_from=valid_from,
                                              valid_until=valid_until))
    return outcome.aggregate.number


def publish(world: World, version: int) -> RouteModel:
    return world.handle(rm.PublishRouteModel(actor=APT, on=ON, model_version=version)).aggregate


def variant(world: World, version: int, content: dict[str, Any], valid_from: date, valid_until: date | None = None, *,
            actor: Any = APT, published: bool = True) -> UUID:
    outcome = world.handle(rm.DraftRouteVariant(actor=actor, on=ON, model_version=version, content=content,
                                                valid_from=valid_from, valid_until=valid_until))
    if published:
        world.handle(rm.PublishRouteVariant(actor=actor, on=ON, variant_id=outcome.aggregate.id))
    return outcome.aggregate.id


def in_force(world: World, region: str | None, on: date) -> tuple[int, UUID | None]:
    route = world.log.unit_of_work().route_models.in_force(region, on)
    return route.version, route.variant_id


# --- version 1 ----------------------------------------------------------------------------------------


def test_version_one_is_the_baseline_published_once_whoever_asks_again():
    world = World()
    first = world.handle(rm.PublishBaselineModel(actor=STARTUP_ACTOR, on=ON))
    again = world.handle(rm.PublishBaselineModel(actor=STARTUP_ACTOR, on=ON))
    assert first.aggregate.id == BASELINE_MODEL_ID and first.recorded == 2
    assert again.position is None and again.recorded == 0
    assert world.log.event_names(BASELINE_MODEL_ID) == ["RouteModelDrafted", "RouteModelPublished"]
    route = world.log.unit_of_work().route_models.in_force(None, date(2026, 1, 1))
    assert route.model_id == BASELINE_MODEL_ID and route.national == baseline_model(TERMS) and route.variant is None


def test_before_version_one_is_published_the_baseline_stands_in():
    route = World().log.unit_of_work().route_models.effective(BASELINE_MODEL_ID, None)
    assert route.version == 1 and route.national == baseline_model(TERMS)


# --- national versions ----------------------------------------------------------------------------------


def test_a_draft_takes_the_next_number_and_is_revised_while_draft(world):
    version = draft(world, date(2027, 1, 1))
    assert version == 2
    revised = world.handle(rm.ReviseRouteModel(actor=APT, on=ON, model_version=2, changes={"validUntil": date(2027, 12, 31)}))
    model = revised.aggregate
    assert model.validity.valid_until == date(2027, 12, 31) and model.status is ModelStatus.DRAFT
    assert world.log.event_names(model_id_of(2)) == ["RouteModelDrafted", "RouteModelRevised"]
    actor = world.log.history(model_id_of(2))[-1].actor
    assert actor == APT


def test_a_published_version_is_never_edited(world):
    version = draft(world, date(2027, 1, 1))
    publish(world, version)
    error = world.refuses(rm.ReviseRouteModel(actor=APT, on=ON, model_version=version, changes={"validUntil": None}),
                          RuleViolation)
    assert error.rule == "published-version-is-not-edited"
    assert world.refuses(rm.PublishRouteModel(actor=APT, on=ON, model_version=version), RuleViolation).rule == \
        "published-version-is-not-edited"


def test_an_unknown_stage_is_refused_naming_where_it_is(world):
    content = national()
    content["stages"][1]["stage"] = "kennismaking"
    error = world.refuses(rm.DraftRouteModel(actor=APT, on=ON, content=content, valid_from=date(2027, 1, 1)), InvalidField)
    assert error.name == "stages[1].stage" and "kennismaking" in error.reason


def test_an_incomplete_model_is_refused(world):
    content = national()
    content["stages"] = content["stages"][:-1]
    error = world.refuses(rm.DraftRouteModel(actor=APT, on=ON, content=content, valid_from=date(2027, 1, 1)), InvalidField)
    assert error.name == "stages" and "guarantee" in error.reason


def test_a_successor_closes_its_open_predecessor_the_day_before(world):
    version = draft(world, date(2027, 1, 1))
    outcome = world.handle(rm.PublishRouteModel(actor=APT, on=ON, model_version=version))
    assert outcome.recorded == 2
    predecessor = world.log.aggregate(BASELINE_MODEL_ID)
    assert predecessor.status is ModelStatus.SUCCEEDED and predecessor.succeeded_by == model_id_of(2)
    assert predecessor.valid_until == date(2026, 12, 31)
    assert world.log.event_names(BASELINE_MODEL_ID)[-1] == "RouteModelSucceeded"
    assert in_force(world, None, date(2026, 12, 31)) == (1, None)
    assert in_force(world, None, date(2027, 1, 1)) == (2, None)


def test_an_overlapping_validity_is_refused(world):
    publish(world, draft(world, date(2027, 1, 1)))  # version 1 now ends 2026-12-31
    version = draft(world, date(2026, 6, 1), date(2027, 3, 1))
    error = world.refuses(rm.PublishRouteModel(actor=APT, on=ON, model_version=version), RuleViolation)
    assert error.rule == "validity-periods-do-not-overlap" and "version 1" in error.detail
    starts_first = draft(world, date(1999, 1, 1), date(2000, 6, 1))
    assert world.refuses(rm.PublishRouteModel(actor=APT, on=ON, model_version=starts_first), RuleViolation).rule == \
        "validity-periods-do-not-overlap"


def test_only_procesregie_writes_the_national_model(world):
    with pytest.raises(Forbidden):
        world.handle(rm.DraftRouteModel(actor=KM, on=ON, content=national(), valid_from=date(2027, 1, 1)))
    assert world.refuses(rm.PublishRouteModel(actor=APT, on=ON, model_version=7), NotFound).what == "route model"


# --- regional variants ------------------------------------------------------------------------------------


def test_two_variants_one_without_a_bedrijfsvakschool_one_with_a_longer_practice_and_a_sub_reason(world):
    version = draft(world, date(2027, 1, 1))
    publish(world, version)
    amsterdam = variant(world, version, without_bedrijfsvakschool(), date(2027, 1, 1), actor=KM)  # its centrumgemeente
    rijnmond = variant(world, version, longer_practice(), date(2027, 2, 1))
    uow = world.log.unit_of_work()
    route = uow.route_models.in_force(AMSTERDAM, date(2027, 3, 1))
    assert route.variant_id == amsterdam and not route.offers(Stage.BEDRIJFSVAKSCHOOL) and route.offers(Stage.ORIENTATION)
    route = uow.route_models.in_force(RIJNMOND, date(2027, 3, 1))
    assert route.variant_id == rijnmond and route.offers(Stage.BEDRIJFSVAKSCHOOL)
    assert route.norm_weeks(Stage.PRE_TRAJECTORY, "practice") == 12
    assert route.category_of("no-childcare") is DropOutReason.CARE_DUTIES
    assert uow.route_models.in_force(RIJNMOND, date(2027, 1, 31)).variant_id is None  # before its validity
    assert uow.route_models.effective(model_id_of(version), rijnmond) == route


def test_a_variant_outside_the_national_bounds_names_the_bound(world):
    version = draft(world, date(2027, 1, 1))
    publish(world, version)
    content = {**longer_practice(), "norms": {"pre-trajectory.practice": 40}}
    error = world.refuses(rm.DraftRouteVariant(actor=APT, on=ON, model_version=version, content=content,
                                               valid_from=date(2027, 1, 1)), RuleViolation)
    assert error.rule == "norm-within-national-bounds" and "4-26" in error.detail


def test_a_variant_cannot_leave_out_a_stage_the_national_version_does_not_mark_optional(world):
    version = draft(world, date(2027, 1, 1), bedrijfsvakschool_optional=False)
    publish(world, version)
    content = {"region": AMSTERDAM, "offered": [], "norms": {"bedrijfsvakschool": 60}}
    variant_id = variant(world, version, content, date(2027, 1, 1))
    route = world.log.unit_of_work().route_models.effective(model_id_of(version), variant_id)
    assert route.offers(Stage.BEDRIJFSVAKSCHOOL)  # not optional: offered everywhere
    error = world.refuses(rm.DraftRouteVariant(actor=APT, on=ON, model_version=version, valid_from=date(2027, 1, 1),
                                               content={"region": AMSTERDAM, "offered": ["bedrijfsvakschool"]}), InvalidField)
    assert error.name == "offered"


def test_a_variant_for_an_unknown_region_or_version_is_refused(world):
    error = world.refuses(rm.DraftRouteVariant(actor=APT, on=ON, model_version=1, content={"region": "Atlantis"},
                                               valid_from=date(2027, 1, 1)), InvalidField)
    assert error.name == "region" and "Atlantis" in error.reason
    error = world.refuses(rm.DraftRouteVariant(actor=APT, on=ON, model_version=9, content={"region": AMSTERDAM},
                                               valid_from=date(2027, 1, 1)), InvalidField)
    assert error.name == "modelVersion"


def test_a_variant_outside_its_national_versions_validity_is_refused(world):
    version = draft(world, date(2027, 1, 1), date(2027, 12, 31))
    publish(world, version)
    variant_id = variant(world, version, without_bedrijfsvakschool(), date(2027, 6, 1), date(2028, 3, 1), published=False)
    error = world.refuses(rm.PublishRouteVariant(actor=APT, on=ON, variant_id=variant_id), RuleViolation)
    assert error.rule == "variant-within-national-validity"


def test_a_variant_of_a_draft_version_waits_for_its_publication(world):
    version = draft(world, date(2027, 1, 1))
    variant_id = variant(world, version, without_bedrijfsvakschool(), date(2027, 1, 1), published=False)
    assert world.refuses(rm.PublishRouteVariant(actor=APT, on=ON, variant_id=variant_id), RuleViolation).rule == \
        "national-version-published"


def test_only_procesregie_or_the_centrumgemeentes_klantmanager_writes_a_variant(world):
    with pytest.raises(Forbidden):
        world.handle(rm.DraftRouteVariant(actor=OTHER_KM, on=ON, model_version=1, content=without_bedrijfsvakschool(),
                                          valid_from=date(2027, 1, 1)))
    variant_id = variant(world, 1, {"region": AMSTERDAM}, date(2027, 1, 1), actor=KM, published=False)
    # A draft is its writers' alone: another region's klantmanager does not find it.
    assert world.refuses(rm.PublishRouteVariant(actor=OTHER_KM, on=ON, variant_id=variant_id), NotFound).what == "route variant"


def test_a_successor_variant_closes_its_predecessor_and_an_overlap_is_refused(world):
    version = draft(world, date(2027, 1, 1))
    publish(world, version)
    first = variant(world, version, longer_practice(), date(2027, 1, 1))
    second = variant(world, version, {**longer_practice(), "norms": {"pre-trajectory.practice": 10}}, date(2027, 7, 1))
    closed = world.log.aggregate(first)
    assert closed.status is ModelStatus.SUCCEEDED and closed.valid_until == date(2027, 6, 30) and closed.succeeded_by == second
    overlapping = variant(world, version, longer_practice(), date(2027, 3, 1), date(2027, 8, 1), published=False)
    error = world.refuses(rm.PublishRouteVariant(actor=APT, on=ON, variant_id=overlapping), RuleViolation)
    assert error.rule == "validity-periods-do-not-overlap"
    assert in_force(world, RIJNMOND, date(2027, 6, 30)) == (version, first)
    assert in_force(world, RIJNMOND, date(2027, 7, 1)) == (version, second)


def test_a_published_variant_is_never_edited(world):
    variant_id = variant(world, 1, longer_practice(offered=False), date(2026, 1, 1))
    error = world.refuses(rm.ReviseRouteVariant(actor=APT, on=ON, variant_id=variant_id, changes={"offered": []}),
                          RuleViolation)
    assert error.rule == "published-version-is-not-edited"


def test_a_draft_variant_is_revised_and_checked_again(world):
    variant_id = variant(world, 1, longer_practice(offered=False), date(2026, 1, 1), published=False)
    outcome = world.handle(rm.ReviseRouteVariant(actor=APT, on=ON, variant_id=variant_id,
                                                 changes={"norms": {"pre-trajectory.practice": 20}}))
    assert outcome.aggregate.content.norms == {"pre-trajectory.practice": 20}
    error = world.refuses(rm.ReviseRouteVariant(actor=APT, on=ON, variant_id=variant_id, changes={"colour": "blue"}),
                          InvalidField)
    assert error.name == "colour"
    error = world.refuses(rm.ReviseRouteVariant(actor=APT, on=ON, variant_id=variant_id, changes={"region": AMSTERDAM}),
                          InvalidField)
    assert error.name == "region"


def test_a_national_successor_ends_its_predecessors_variants_with_it(world):
    regional = variant(world, 1, longer_practice(offered=False), date(2026, 1, 1))
    publish(world, draft(world, date(2027, 1, 1)))
    closed = world.log.aggregate(regional)
    assert isinstance(closed, RouteVariant) and closed.valid_until == date(2026, 12, 31)
    assert world.log.event_names(regional)[-1] == "RouteVariantClosed"
    assert in_force(world, RIJNMOND, date(2026, 12, 31)) == (1, regional)
    assert in_force(world, RIJNMOND, date(2027, 1, 1)) == (2, None)


# --- in force around each boundary ---------------------------------------------------------------------------


def test_in_force_on_the_days_around_every_boundary(world):
    v2 = draft(world, date(2027, 1, 1), date(2027, 12, 31))
    publish(world, v2)
    v3 = draft(world, date(2028, 1, 1))
    publish(world, v3)
    amsterdam = variant(world, v2, without_bedrijfsvakschool(), date(2027, 3, 1), date(2027, 9, 30))
    later = variant(world, v3, without_bedrijfsvakschool(), date(2028, 1, 1))
    expected = {
        date(2026, 12, 31): (1, None), date(2027, 1, 1): (v2, None), date(2027, 2, 28): (v2, None),
        date(2027, 3, 1): (v2, amsterdam), date(2027, 9, 30): (v2, amsterdam), date(2027, 10, 1): (v2, None),
        date(2027, 12, 31): (v2, None), date(2028, 1, 1): (v3, later), date(2040, 1, 1): (v3, later),
    }
    assert {day: in_force(world, AMSTERDAM, day) for day in expected} == expected
    assert in_force(world, RIJNMOND, date(2028, 1, 1)) == (v3, None)
    assert in_force(world, None, date(2027, 3, 1)) == (v2, None)
    with pytest.raises(RuleViolation) as caught:
        world.log.unit_of_work().route_models.in_force(AMSTERDAM, date(1999, 12, 31))
    assert caught.value.rule == "route-model-in-force"
