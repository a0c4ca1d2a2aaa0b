"""The national basic model of the route and its regional variants, as values.

APT procesregie publishes versions of one national model (``NationalModel``): per stage a norm
duration with the bounds a region must keep, whether the stage may be left out by a region and
on which grounds a route may skip it, its components and expected certificates; the milestone
terms; the national drop-out categories. A labour-market region fills a version in locally
(``RegionalVariant``): which optional stages it offers, its providers, its own norms within the
national bounds, and drop-out sub-reasons that each roll up to a national category.

The vocabulary is closed so that results stay comparable: stage codes are the route's stages
(``Stage``: intake is ``registered``), norm keys are a stage or a stage's component
(``pre-trajectory.practice``), categories are ``DropOutReason`` values. A version chooses norms,
bounds and terms; it cannot invent a stage.

``EffectiveRoute`` is what one route follows: a national version with the variant of its region
(or none), resolved. Guards, time policies, the worklist and the comparison read their terms and
norms from it, never from configuration. Everything here is pure: the aggregates that keep these
values in the log are in ``domain.route_models``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.errors import InvalidField, RuleViolation
from domain.values import CertificateKind, DropOutReason, MilestoneTerms, SkipBasis, Stage

# Stages of the route a model gives norms for, in route order. Intake is ``registered``: from the
# registration to the start (or skip) of the first phase.
ROUTE_STAGES: tuple[Stage, ...] = tuple(Stage)
# Components of the pre-trajectory (DOMAIN.md: language, practice, employee skills).
COMPONENTS: Mapping[Stage, tuple[str, ...]] = {Stage.PRE_TRAJECTORY: ("vaktaal", "practice", "employee-skills")}


def route_model_id(version: int) -> UUID:
    """The aggregate id of national version ``version`` (1, 2, 3, ...): the same everywhere
    (its aggregate is ``domain.route_models.RouteModel``)."""
    return uuid5(NAMESPACE_URL, f"leerroute:route-model:{version}")


# Version 1, the baseline: every route registered before models were data follows it.
BASELINE_MODEL_ID = route_model_id(1)


def norm_key(stage: Stage, component: str | None = None) -> str:
    """``pre-trajectory`` or ``pre-trajectory.practice``: what a norm (and a deviation) names."""
    return str(stage) if component is None else f"{stage}.{component}"


def parse_norm_key(key: str) -> tuple[Stage, str | None]:
    stage_code, _, component = key.partition(".")
    try:
        stage = Stage(stage_code)
    except ValueError:
        raise InvalidField("norm", f"unknown stage {stage_code!r}; stages are {', '.join(ROUTE_STAGES)}") from None
    if component and component not in COMPONENTS.get(stage, ()):
        known = ", ".join(COMPONENTS.get(stage, ())) or "none"
        raise InvalidField("norm", f"{stage} has no component {component!r} (its components: {known})")
    return stage, component or None


@dataclass(frozen=True)
class Norm:
    """A norm duration in weeks, with the bounds a regional variant's own norm must keep."""

    weeks: int
    min_weeks: int
    max_weeks: int

    def check(self, where: str) -> None:
        if not 0 < self.min_weeks <= self.weeks <= self.max_weeks <= 520:
            raise InvalidField(where, f"a norm needs 0 < minWeeks <= weeks <= maxWeeks <= 520 (got {self.min_weeks}, {self.weeks}, {self.max_weeks})")


@dataclass(frozen=True)
class StageModel:
    """One stage of a national version."""

    stage: Stage
    norm: Norm | None  # None: no duration norm (the guarantee runs for its term)
    optional: bool = False  # a region may leave it out (it is then "not offered" there)
    skip_bases: frozenset[SkipBasis] = frozenset()  # grounds on which one route may skip it
    components: Mapping[str, Norm | None] = field(default_factory=dict)
    certificates: tuple[CertificateKind, ...] = ()


@dataclass(frozen=True)
class RouteTerms:
    """The milestone terms of a version (until 2026 these were configuration)."""

    lasting_placement_months: int
    check_in_interval_months: int
    check_in_window_days: int
    guarantee_years: int
    stall_weeks: int

    def milestone_terms(self, retention_months: int) -> MilestoneTerms:
        return MilestoneTerms(
            lasting_placement_months=self.lasting_placement_months,
            check_in_interval_months=self.check_in_interval_months,
            check_in_window_days=self.check_in_window_days,
            guarantee_years=self.guarantee_years,
            stall_weeks=self.stall_weeks,
            retention_months=retention_months,
        )

    @classmethod
    def of(cls, terms: MilestoneTerms) -> RouteTerms:
        return cls(terms.lasting_placement_months, terms.check_in_interval_months, terms.check_in_window_days,
                   terms.guarantee_years, terms.stall_weeks)


@dataclass(frozen=True)
class NationalModel:
    """The content of one version of the national basic model."""

    stages: tuple[StageModel, ...]
    terms: RouteTerms
    drop_out_categories: tuple[DropOutReason, ...] = tuple(DropOutReason)

    def stage(self, stage: Stage) -> StageModel:
        for model in self.stages:
            if model.stage == stage:
                return model
        raise InvalidField("stage", f"unknown stage {stage!r} in this version")

    def check(self) -> None:
        """Refuse a version that is incomplete or out of order (the field named)."""
        codes = [s.stage for s in self.stages]
        if codes != [s for s in ROUTE_STAGES if s in codes] or len(set(codes)) != len(codes):
            raise InvalidField("stages", f"stages are listed once each, in route order: {', '.join(ROUTE_STAGES)}")
        if set(codes) != set(ROUTE_STAGES):
            missing = ", ".join(s for s in ROUTE_STAGES if s not in codes)
            raise InvalidField("stages", f"every stage of the route is in the model; missing: {missing}")
        for model in self.stages:
            where = f"stages.{model.stage}"
            if model.norm is not None:
                model.norm.check(f"{where}.norm")
            if model.optional and model.stage in (Stage.REGISTERED, Stage.PLACEMENT, Stage.GUARANTEE):
                raise InvalidField(f"{where}.optional", f"{model.stage} is part of every route; only a phase may be optional")
            known = COMPONENTS.get(model.stage, ())
            for component, norm in model.components.items():
                if component not in known:
                    raise InvalidField(f"{where}.components", f"{model.stage} has no component {component!r} (known: {', '.join(known) or 'none'})")
                if norm is not None:
                    norm.check(f"{where}.components.{component}")
        if not self.drop_out_categories or len(set(self.drop_out_categories)) != len(self.drop_out_categories):
            raise InvalidField("dropOutCategories", "the national drop-out categories are listed once each, at least one")
        t = self.terms
        for name, value, low, high in (
            ("lastingPlacementMonths", t.lasting_placement_months, 1, 60),
            ("checkInIntervalMonths", t.check_in_interval_months, 1, 24),
            ("checkInWindowDays", t.check_in_window_days, 0, 180),
            ("guaranteeYears", t.guarantee_years, 1, 20),
            ("stallWeeks", t.stall_weeks, 1, 104),
        ):
            if not low <= value <= high:
                raise InvalidField(f"terms.{name}", f"{name} lies between {low} and {high} (got {value})")


@dataclass(frozen=True)
class RegionalVariant:
    """The content of a region's local filling of one national version."""

    region: str
    offered: frozenset[Stage]  # the optional stages the region offers (mandatory ones always are)
    norms: Mapping[str, int] = field(default_factory=dict)  # norm key -> weeks, within the bounds
    providers: Mapping[Stage, tuple[str, ...]] = field(default_factory=dict)
    sub_reasons: Mapping[str, DropOutReason] = field(default_factory=dict)  # sub-reason -> category

    def check(self, national: NationalModel) -> None:
        """Refuse a variant that breaks the national version: the broken bound is named."""
        for stage in self.offered:
            if not national.stage(stage).optional:
                raise InvalidField("offered", f"{stage} is offered everywhere; list only optional stages")
        for key, weeks in self.norms.items():
            stage, component = parse_norm_key(key)
            model = national.stage(stage)
            norm = model.norm if component is None else model.components.get(component)
            if norm is None:
                raise InvalidField(f"norms.{key}", f"the national version sets no norm for {key}")
            if not norm.min_weeks <= weeks <= norm.max_weeks:
                raise RuleViolation(
                    "norm-within-national-bounds",
                    f"norm {key} of {weeks} weeks lies outside the national bounds {norm.min_weeks}-{norm.max_weeks} weeks",
                )
            if not self.offers(stage, national):
                raise InvalidField(f"norms.{key}", f"{stage} is not offered in this variant")
        for stage in self.providers:
            if not self.offers(stage, national):
                raise InvalidField(f"providers.{stage}", f"{stage} is not offered in this variant")
        for sub_reason, category in self.sub_reasons.items():
            if not sub_reason.strip() or sub_reason in national.drop_out_categories:
                raise InvalidField("subReasons", f"sub-reason {sub_reason!r} is a new name, not empty nor a national category")
            if category not in national.drop_out_categories:
                raise RuleViolation(
                    "sub-reason-of-national-category",
                    f"sub-reason {sub_reason!r} maps to {category!r}, which is not a national category of this version",
                )

    def offers(self, stage: Stage, national: NationalModel) -> bool:
        return not national.stage(stage).optional or stage in self.offered


@dataclass(frozen=True)
class EffectiveRoute:
    """What one route follows: a national version and its region's variant (if any), resolved."""

    model_id: Any  # the national version's aggregate id
    version: int
    national: NationalModel
    variant_id: Any | None = None
    variant: RegionalVariant | None = None

    @property
    def terms(self) -> RouteTerms:
        return self.national.terms

    def offers(self, stage: Stage) -> bool:
        return self.variant is None or self.variant.offers(stage, self.national)

    def norm_weeks(self, stage: Stage, component: str | None = None) -> int | None:
        """The norm of the stage (or component) for this route, before any maatwerk deviation."""
        key = norm_key(stage, component)
        if self.variant is not None and key in self.variant.norms:
            return self.variant.norms[key]
        model = self.national.stage(stage)
        norm = model.norm if component is None else model.components.get(component)
        return None if norm is None else norm.weeks

    def may_skip(self, stage: Stage, basis: SkipBasis) -> bool:
        return basis in self.national.stage(stage).skip_bases

    def category_of(self, reason: str) -> DropOutReason:
        """The national category of a drop-out reason: itself, or the category of a sub-reason."""
        if reason in self.national.drop_out_categories:
            return DropOutReason(reason)
        if self.variant is not None and reason in self.variant.sub_reasons:
            return self.variant.sub_reasons[reason]
        raise InvalidField("reason", f"unknown drop-out reason {reason!r} for this route's model")

    def providers(self, stage: Stage) -> tuple[str, ...]:
        return () if self.variant is None else tuple(self.variant.providers.get(stage, ()))


def baseline_model(terms: MilestoneTerms) -> NationalModel:
    """The first national version: the route as leerroute enforced it before models were data.

    Every phase may be skipped on every basis, no region leaves a stage out, the terms are the
    configured ones and the categories the fixed list, so routes moved onto it behave exactly as
    before. Its norms are new (nothing before measured against a norm); they are the durations of
    the plan of action: orientation about 6 weeks, pre-trajectory half a year, bedrijfsvakschool a
    year, a placement found within 3 months, intake within 4 weeks.
    """
    every_basis = frozenset(SkipBasis)
    return NationalModel(
        stages=(
            StageModel(Stage.REGISTERED, Norm(4, 2, 12)),
            StageModel(Stage.ORIENTATION, Norm(6, 2, 16), skip_bases=every_basis),
            StageModel(
                Stage.PRE_TRAJECTORY,
                Norm(26, 12, 52),
                skip_bases=every_basis,
                components={"vaktaal": Norm(26, 8, 52), "practice": Norm(8, 4, 26), "employee-skills": None},
                certificates=(CertificateKind.VCA,),
            ),
            StageModel(
                Stage.BEDRIJFSVAKSCHOOL,
                Norm(52, 26, 104),
                skip_bases=every_basis,
                certificates=(CertificateKind.MBO_CERTIFICAAT, CertificateKind.PRAKTIJKVERKLARING),
            ),
            StageModel(Stage.PLACEMENT, Norm(13, 4, 26)),
            StageModel(Stage.GUARANTEE, None),
        ),
        terms=RouteTerms.of(terms),
    )


def differences(before: EffectiveRoute, after: EffectiveRoute) -> list[dict[str, Any]]:
    """What changes for a route moved from one effective route to another: terms, norms, offered
    stages, skip grounds. A dry run of a migration lists these; an empty list changes nothing."""
    changes: list[dict[str, Any]] = []
    for name in ("lasting_placement_months", "check_in_interval_months", "check_in_window_days", "guarantee_years", "stall_weeks"):
        old, new = getattr(before.terms, name), getattr(after.terms, name)
        if old != new:
            changes.append({"what": f"terms.{name}", "from": old, "to": new})
    for stage in ROUTE_STAGES:
        keys: Iterable[str | None] = (None, *COMPONENTS.get(stage, ()))
        for component in keys:
            old_norm, new_norm = before.norm_weeks(stage, component), after.norm_weeks(stage, component)
            if old_norm != new_norm:
                changes.append({"what": f"norm.{norm_key(stage, component)}", "from": old_norm, "to": new_norm})
        if before.offers(stage) != after.offers(stage):
            changes.append({"what": f"offered.{stage}", "from": before.offers(stage), "to": after.offers(stage)})
        old_bases = sorted(before.national.stage(stage).skip_bases)
        new_bases = sorted(after.national.stage(stage).skip_bases)
        if old_bases != new_bases:
            changes.append({"what": f"skipBases.{stage}", "from": old_bases, "to": new_bases})
    return changes


# --- as plain dicts: what the events carry (and the API's JSON, camelCase) -------------------------
#
# A stored event's dict is read by these functions forever: a new field gets a default here.


def _listed(where: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidField(where, "a list")
    return value


def _object(where: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidField(where, "an object")
    return value


def _int(where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidField(where, f"a whole number (got {value!r})")
    return value


def _code(where: str, kind: type[Any], value: Any, what: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(str(v) for v in kind)
        raise InvalidField(where, f"unknown {what} {value!r}; known: {known}") from None


def _norm_to_dict(norm: Norm | None) -> dict[str, int] | None:
    return None if norm is None else {"weeks": norm.weeks, "minWeeks": norm.min_weeks, "maxWeeks": norm.max_weeks}


def _norm_from_dict(where: str, data: Any) -> Norm | None:
    if data is None:
        return None
    data = _object(where, data)
    for name in ("weeks", "minWeeks", "maxWeeks"):
        if name not in data:
            raise InvalidField(f"{where}.{name}", "missing")
    return Norm(_int(f"{where}.weeks", data["weeks"]), _int(f"{where}.minWeeks", data["minWeeks"]),
                _int(f"{where}.maxWeeks", data["maxWeeks"]))


def model_to_dict(model: NationalModel) -> dict[str, Any]:
    return {
        "stages": [
            {
                "stage": str(s.stage),
                "norm": _norm_to_dict(s.norm),
                "optional": s.optional,
                "skipBases": sorted(str(b) for b in s.skip_bases),
                "components": {name: _norm_to_dict(norm) for name, norm in s.components.items()},
                "certificates": [str(k) for k in s.certificates],
            }
            for s in model.stages
        ],
        "terms": {
            "lastingPlacementMonths": model.terms.lasting_placement_months,
            "checkInIntervalMonths": model.terms.check_in_interval_months,
            "checkInWindowDays": model.terms.check_in_window_days,
            "guaranteeYears": model.terms.guarantee_years,
            "stallWeeks": model.terms.stall_weeks,
        },
        "dropOutCategories": [str(r) for r in model.drop_out_categories],
    }


def model_from_dict(data: Mapping[str, Any]) -> NationalModel:
    """The national version of a dict (an event's, or a request's body): an unknown stage,
    component, basis, certificate or category is an ``InvalidField`` naming where it is. The
    result is not yet checked as a whole (``NationalModel.check``)."""
    data = _object("model", data)
    stages = []
    for i, raw in enumerate(_listed("stages", data.get("stages"))):
        where = f"stages[{i}]"
        raw = _object(where, raw)
        stage = _code(f"{where}.stage", Stage, raw.get("stage"), "stage")
        components = {}
        for name, norm in _object(f"{where}.components", raw.get("components") or {}).items():
            if name not in COMPONENTS.get(stage, ()):
                known = ", ".join(COMPONENTS.get(stage, ())) or "none"
                raise InvalidField(f"{where}.components", f"{stage} has no component {name!r} (its components: {known})")
            components[name] = _norm_from_dict(f"{where}.components.{name}", norm)
        optional = raw.get("optional", False)
        if not isinstance(optional, bool):
            raise InvalidField(f"{where}.optional", "true or false")
        stages.append(StageModel(
            stage=stage,
            norm=_norm_from_dict(f"{where}.norm", raw.get("norm")),
            optional=optional,
            skip_bases=frozenset(_code(f"{where}.skipBases", SkipBasis, b, "skip basis")
                                 for b in _listed(f"{where}.skipBases", raw.get("skipBases", []))),
            components=components,
            certificates=tuple(_code(f"{where}.certificates", CertificateKind, k, "certificate kind")
                               for k in _listed(f"{where}.certificates", raw.get("certificates", []))),
        ))
    terms = _object("terms", data.get("terms"))
    names = ("lastingPlacementMonths", "checkInIntervalMonths", "checkInWindowDays", "guaranteeYears", "stallWeeks")
    for name in names:
        if name not in terms:
            raise InvalidField(f"terms.{name}", "missing")
    categories = data.get("dropOutCategories")
    return NationalModel(
        stages=tuple(stages),
        terms=RouteTerms(*(_int(f"terms.{name}", terms[name]) for name in names)),
        drop_out_categories=tuple(DropOutReason) if categories is None else tuple(
            _code("dropOutCategories", DropOutReason, r, "drop-out category") for r in _listed("dropOutCategories", categories)
        ),
    )


def variant_to_dict(variant: RegionalVariant) -> dict[str, Any]:
    return {
        "region": variant.region,
        "offered": sorted(str(s) for s in variant.offered),
        "norms": dict(variant.norms),
        "providers": {str(stage): list(names) for stage, names in variant.providers.items()},
        "subReasons": {name: str(category) for name, category in variant.sub_reasons.items()},
    }


def variant_from_dict(data: Mapping[str, Any]) -> RegionalVariant:
    """A regional variant of a dict; unknown codes are an ``InvalidField``. The bounds of its
    national version are checked by ``RegionalVariant.check``."""
    data = _object("variant", data)
    region = data.get("region")
    if not isinstance(region, str) or not region.strip():
        raise InvalidField("region", "the name of a labour-market region")
    norms = {}
    for key, weeks in _object("norms", data.get("norms") or {}).items():
        parse_norm_key(key)
        norms[key] = _int(f"norms.{key}", weeks)
    providers = {}
    for code, names in _object("providers", data.get("providers") or {}).items():
        stage = _code(f"providers.{code}", Stage, code, "stage")
        listed = _listed(f"providers.{code}", names)
        if not all(isinstance(n, str) and n.strip() for n in listed):
            raise InvalidField(f"providers.{code}", "names of providers")
        providers[stage] = tuple(listed)
    sub_reasons = {}
    for name, category in _object("subReasons", data.get("subReasons") or {}).items():
        sub_reasons[name] = _code(f"subReasons.{name}", DropOutReason, category, "drop-out category")
    return RegionalVariant(
        region=region,
        offered=frozenset(_code("offered", Stage, s, "stage") for s in _listed("offered", data.get("offered", []))),
        norms=norms,
        providers=providers,
        sub_reasons=sub_reasons,
    )
