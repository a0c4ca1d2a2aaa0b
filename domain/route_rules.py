"""The rules a route's own model sets: which stages its region offers, on which grounds a phase
may be skipped, which drop-out reasons it knows, which norms a maatwerk deviation may depart from,
and when a route may move to another version.

``route`` is the ``EffectiveRoute`` the trajectory follows; None stands for version 1 as
leerroute enforced it before models were data (every phase offered, every skip basis allowed, the
national categories and no sub-reasons), so a caller that knows no model keeps that behaviour.
"""

from __future__ import annotations

from domain.errors import InvalidField, RuleViolation
from domain.route_model import EffectiveRoute, parse_norm_key
from domain.values import DeviationRule, DropOutReason, Phase, PhaseStatus, SkipBasis, Stage


def offered(route: EffectiveRoute | None, phase: Phase) -> bool:
    return route is None or route.offers(Stage(phase.value))


def shown_status(status: PhaseStatus, phase: Phase, route: EffectiveRoute | None) -> PhaseStatus:
    """A phase's status as shown: ``not-offered`` for one not started that the route's regional
    variant does not offer (derived from the variant, never recorded; not a skip)."""
    if status is PhaseStatus.NOT_STARTED and not offered(route, phase):
        return PhaseStatus.NOT_OFFERED
    return status


def check_offered(route: EffectiveRoute | None, phase: Phase) -> None:
    if not offered(route, phase):
        raise RuleViolation(
            "stage-offered-in-region",
            f"{phase} is not offered in this route's region (route model version {route.version if route else 1})",
        )


def check_skip(route: EffectiveRoute | None, phase: Phase, basis: SkipBasis) -> None:
    """A skip needs a basis the route's version allows for that phase; a phase the region does
    not offer is not skipped (the route goes past it without a decision)."""
    if route is None:
        return
    check_offered(route, phase)
    if not route.may_skip(Stage(phase.value), basis):
        allowed = ", ".join(sorted(route.national.stage(Stage(phase.value)).skip_bases)) or "none"
        raise RuleViolation(
            "skip-basis-allowed",
            f"route model version {route.version} allows skipping {phase} on these grounds only: {allowed} (not {basis})",
        )


def drop_out_reason(route: EffectiveRoute | None, reason: str, sub_reason: str | None = None) -> tuple[DropOutReason, str | None]:
    """The national category of a drop-out and its sub-reason: ``reason`` is a category or a
    sub-reason of the route's variant; a ``sub_reason`` given apart must be of the category."""
    text = str(reason)
    if route is None:
        if sub_reason is not None:
            raise InvalidField("subReason", "this route's model has no drop-out sub-reasons")
        return DropOutReason(text), None  # a ValueError for an unknown one, as the vocabulary raises it
    category = route.category_of(text)
    given = None if text == category.value else text
    if sub_reason is not None:
        if given is not None or sub_reason in route.national.drop_out_categories:
            raise InvalidField("subReason", "a sub-reason comes with its national category as the reason")
        try:
            of = route.category_of(sub_reason)
        except InvalidField:
            raise InvalidField("subReason", f"unknown drop-out sub-reason {sub_reason!r} for this route's region") from None
        if of != category:
            raise RuleViolation("sub-reason-of-category", f"sub-reason {sub_reason!r} belongs to {of}, not {category}")
        given = sub_reason
    return category, given


def check_deviation_norm(
    route: EffectiveRoute | None, rule: DeviationRule, norm: str | None, norm_weeks: int | None
) -> str | None:
    """A deviation names a norm and its weeks together, and only for ``training-duration``; the
    norm must be one the route's model sets. Returns the norm key as it is written."""
    if norm is None and norm_weeks is None:
        return None
    if rule is not DeviationRule.TRAINING_DURATION:
        raise InvalidField("norm", f"only a {DeviationRule.TRAINING_DURATION} deviation names a norm (this one is {rule})")
    if norm is None or norm_weeks is None:
        raise InvalidField("norm" if norm is None else "normWeeks", "a deviation of a norm names the norm and its weeks")
    if isinstance(norm_weeks, bool) or not isinstance(norm_weeks, int) or not 1 <= norm_weeks <= 520:
        raise InvalidField("normWeeks", "a whole number of weeks between 1 and 520")
    stage, component = parse_norm_key(norm)
    if route is not None and route.norm_weeks(stage, component) is None:
        raise InvalidField("norm", f"route model version {route.version} sets no norm for {norm}")
    return norm


def check_move(current: EffectiveRoute, target: EffectiveRoute, reason: str) -> None:
    """A route moves forward only, to something else, for a stated reason."""
    if not reason.strip():
        raise RuleViolation("route-model-change-reasoned", "moving a route to another route model states its reason")
    if (target.model_id, target.variant_id) == (current.model_id, current.variant_id):
        raise RuleViolation("route-model-changes", f"the route follows version {current.version} of this variant already")
    if target.version < current.version:
        raise RuleViolation(
            "route-model-moves-forward", f"a route on version {current.version} moves to a newer version, not {target.version}"
        )
