"""A national basic model with two regional variants, as the tests of pinning publish them.

Version 1 is the baseline (published at start-up). Version 2, from 1 February 2026, lets a region
leave out the bedrijfsvakschool, allows skipping orientation on EVC only and has its own terms (a
placement lasts after 12 months, a route stalls after 4 weeks). Two regions fill it in: Groot
Amsterdam offers no bedrijfsvakschool; Rijnmond offers it, has a longer practice norm (16 weeks
instead of 8) and an extra drop-out sub-reason. Version 3, from 1 September 2026, changes the
stall term again (6 weeks) and has no variants.

``publish`` records them through ``Service.handle`` with the route models' own commands
(``domain.route_model_commands``); ``publish_over_http`` through ``/v1/route-models`` and
``/v1/route-variants``. Both answer the ids of what they published. ``scenario`` gives the same
versions as an in-memory port (``MemoryRouteModels``), for tests of pure reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain import route_model_commands as rm
from domain.route_model import (
    EffectiveRoute,
    NationalModel,
    RegionalVariant,
    RouteTerms,
    baseline_model,
    model_to_dict,
    route_model_id,
    variant_to_dict,
)
from domain.route_models import STARTUP_ACTOR
from domain.values import Actor, DropOutReason, MilestoneTerms, Role, SkipBasis, Stage

AMSTERDAM = "Groot Amsterdam"  # GM0363
RIJNMOND = "Rijnmond"  # GM0599
V2_FROM = date(2026, 2, 1)
V3_FROM = date(2026, 9, 1)
SUB_REASON = "geen-rijbewijs"
APT = Actor("apt-1", Role.PROCESREGIE, "APT")


def version_2(terms: MilestoneTerms) -> NationalModel:
    base = baseline_model(terms)
    stages = []
    for stage in base.stages:
        if stage.stage is Stage.BEDRIJFSVAKSCHOOL:
            stage = replace(stage, optional=True)
        if stage.stage is Stage.ORIENTATION:
            stage = replace(stage, skip_bases=frozenset({SkipBasis.EVC}))
        stages.append(stage)
    return NationalModel(
        stages=tuple(stages),
        terms=RouteTerms(lasting_placement_months=12, check_in_interval_months=3, check_in_window_days=14,
                         guarantee_years=5, stall_weeks=4),
    )


def version_3(terms: MilestoneTerms, *, orientation_optional: bool = False) -> NationalModel:
    v2 = version_2(terms)
    stages = tuple(replace(s, optional=True) if orientation_optional and s.stage is Stage.ORIENTATION else s for s in v2.stages)
    return replace(v2, stages=stages, terms=replace(v2.terms, stall_weeks=6))


WITHOUT_BEDRIJFSVAKSCHOOL = RegionalVariant(region=AMSTERDAM, offered=frozenset())
LONGER_PRACTICE = RegionalVariant(
    region=RIJNMOND, offered=frozenset({Stage.BEDRIJFSVAKSCHOOL}), norms={"pre-trajectory.practice": 16},
    sub_reasons={SUB_REASON: DropOutReason.NOT_SUITED},
)


@dataclass(frozen=True)
class Published:
    variants: dict[tuple[int, str], UUID]  # (version, region) -> variant id

    def variant(self, version: int, region: str) -> UUID:
        return self.variants[(version, region)]


def publish(handle: Callable[[Any], Any], terms: MilestoneTerms, *, on: date, v3: NationalModel | None = None,
            v3_variants: tuple[RegionalVariant, ...] = ()) -> Published:
    """Version 1 (if not yet), version 2 with both variants, and ``v3`` (with its variants) if given."""
    handle(rm.PublishBaselineModel(actor=STARTUP_ACTOR, on=on))
    variants: dict[tuple[int, str], UUID] = {}
    plan: list[tuple[int, NationalModel, date, tuple[RegionalVariant, ...]]] = [
        (2, version_2(terms), V2_FROM, (WITHOUT_BEDRIJFSVAKSCHOOL, LONGER_PRACTICE))
    ]
    if v3 is not None:
        plan.append((3, v3, V3_FROM, v3_variants))
    for version, national, valid_from, regional in plan:
        drafted = handle(rm.DraftRouteModel(actor=APT, on=on, content=model_to_dict(national), valid_from=valid_from))
        assert drafted.aggregate.number == version
        handle(rm.PublishRouteModel(actor=APT, on=on, model_version=version))
        for variant in regional:
            draft = handle(rm.DraftRouteVariant(actor=APT, on=on, model_version=version, content=variant_to_dict(variant),
                                                valid_from=valid_from))
            handle(rm.PublishRouteVariant(actor=APT, on=on, variant_id=draft.aggregate.id))
            variants[(version, variant.region)] = draft.aggregate.id
    return Published(variants)


def publish_over_http(post: Callable[[str, dict | None, int], dict], terms: MilestoneTerms, *, with_v3: bool) -> Published:
    """The same through the API (``post(path, body, status)`` as procesregie); version 1 is there."""
    variants: dict[tuple[int, str], UUID] = {}
    plan: list[tuple[NationalModel, date, tuple[RegionalVariant, ...]]] = [
        (version_2(terms), V2_FROM, (WITHOUT_BEDRIJFSVAKSCHOOL, LONGER_PRACTICE))
    ]
    if with_v3:
        plan.append((version_3(terms), V3_FROM, ()))
    for national, valid_from, regional in plan:
        drafted = post("/v1/route-models", {**model_to_dict(national), "validFrom": valid_from.isoformat()}, 201)
        post(f"/v1/route-models/{drafted['version']}/publish", None, 200)
        for variant in regional:
            body = {"modelVersion": drafted["version"], **variant_to_dict(variant), "validFrom": valid_from.isoformat()}
            draft = post("/v1/route-variants", body, 201)
            post(f"/v1/route-variants/{draft['id']}/publish", None, 200)
            variants[(drafted["version"], variant.region)] = UUID(draft["id"])
    return Published(variants)


def variant_id(version: int, region: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"leerroute:route-model:{version}:variant:{region}")


@dataclass
class _Publication:
    route: EffectiveRoute
    valid_from: date
    valid_until: date | None

    def valid_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)


class MemoryRouteModels:
    """Published national versions and regional variants, in memory."""

    def __init__(self, terms: MilestoneTerms):
        self.versions: list[_Publication] = [
            _Publication(EffectiveRoute(route_model_id(1), 1, baseline_model(terms)), date(2000, 1, 1), None)
        ]
        self.variants: list[_Publication] = []

    def publish(self, version: int, national: NationalModel, valid_from: date) -> None:
        national.check()
        last = self.versions[-1]
        if last.valid_until is None:
            last.valid_until = valid_from - timedelta(days=1)
        self.versions.append(_Publication(EffectiveRoute(route_model_id(version), version, national), valid_from, None))

    def publish_variant(self, version: int, variant: RegionalVariant, valid_from: date) -> None:
        national = self._version(route_model_id(version)).route
        variant.check(national.national)
        route = replace(national, variant_id=variant_id(version, variant.region), variant=variant)
        self.variants.append(_Publication(route, valid_from, None))

    def _version(self, model_id: UUID) -> Published:
        return next(v for v in self.versions if v.route.model_id == model_id)

    def in_force(self, region: str | None, on: date) -> EffectiveRoute:
        national = next(v for v in self.versions if v.valid_on(on)).route
        for published in self.variants:
            route = published.route
            if route.model_id == national.model_id and route.variant is not None and route.variant.region == region \
                    and published.valid_on(on):
                return route
        return national

    def effective(self, model_id: UUID, variant_id: UUID | None) -> EffectiveRoute:
        if variant_id is None:
            return self._version(model_id).route
        return next(p.route for p in self.variants if p.route.model_id == model_id and p.route.variant_id == variant_id)


def scenario(terms: MilestoneTerms) -> MemoryRouteModels:
    """Versions 1 and 2 and the two variants of version 2 (version 3 is published by the tests that need it)."""
    models = MemoryRouteModels(terms)
    models.publish(2, version_2(terms), V2_FROM)
    models.publish_variant(2, WITHOUT_BEDRIJFSVAKSCHOOL, V2_FROM)
    models.publish_variant(2, LONGER_PRACTICE, V2_FROM)
    return models
