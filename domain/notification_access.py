"""Who may subscribe to what, and which events a subscription receives.

The rules of ``domain.access`` applied to notifications, with the subscription's organisation in
its role as the reader (``Subscription.subscriber``):

| kind of event | received by whoever |
| --- | --- |
| route (phases, certificates, guarantee, drop-out, ...) | sees the trajectory's route (its municipality, a fund whose agreements cover it, procesregie) |
| benefit | also sees its benefit data (its municipality, procesregie) |
| placement | sees that placement (its employer, and those who see the route) |
| claim | sees the claim (claimant, payer, the trajectory's municipality, procesregie) |
| claim trigger reached | pays or claims under the agreement whose trigger the trajectory reached, which covers it |

These are checked at registration (a type the role can never receive, or a filter on something
the organisation may not see, is refused) and again for every event at delivery, on the state of
the aggregate right after that event and the rights as they are then: a change of rights takes
effect at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from domain.access import AccessPolicy, can_see_agreement, can_see_claim
from domain.errors import InvalidField
from domain.event_types import CATALOGUE, EventType, Kind
from domain.financing import Claim
from domain.payments import terms_cover
from domain.subscriptions import Filters
from domain.terms import AgreementView, Trigger
from domain.trajectory import Trajectory
from domain.values import Actor, Role

# The kinds of events each role can ever receive.
ROLE_KINDS: dict[Role, frozenset[Kind]] = {
    Role.KLANTMANAGER: frozenset(Kind),
    Role.PROCESREGIE: frozenset(Kind),
    Role.FUND: frozenset({Kind.ROUTE, Kind.PLACEMENT, Kind.CLAIM}),
    Role.EMPLOYER: frozenset({Kind.PLACEMENT}),
}


def check_subscribable(actor: Actor, event_types: tuple[str, ...]) -> None:
    """Refuse a type the role can never receive (an employer and the bijstand, say)."""
    kinds = ROLE_KINDS.get(actor.role, frozenset())
    for name in event_types:
        if CATALOGUE[name].kind not in kinds:
            raise InvalidField("eventTypes", f"{name}: a {actor.role} receives no events of this kind")


def check_filters_visible(access: AccessPolicy, actor: Actor, filters: Filters, trajectory: Trajectory | None) -> None:
    """A filter may only name what the organisation may see: a klantmanager its own municipality,
    an employer itself, and a trajectory it sees (``trajectory``: the one the filter names, as it
    stands, or None when there is none)."""
    if filters.municipality is not None and actor.role is Role.KLANTMANAGER and filters.municipality != actor.organisation:
        raise InvalidField("filters.municipality", "a klantmanager subscribes to the own municipality only")
    if filters.employer_kvk is not None and actor.role is Role.EMPLOYER and filters.employer_kvk != actor.organisation:
        raise InvalidField("filters.employerKvk", "an employer subscribes to its own placements only")
    if filters.trajectory_id is not None and (trajectory is None or not access.can_see(actor, trajectory)):
        raise InvalidField("filters.trajectoryId", f"no trajectory {filters.trajectory_id}")


def matches_filters(filters: Filters, *, municipality: str | None, trajectory_id: Any, employer_kvk: str | None) -> bool:
    if filters.municipality is not None and municipality != filters.municipality:
        return False
    if filters.trajectory_id is not None and trajectory_id != filters.trajectory_id:
        return False
    return filters.employer_kvk is None or employer_kvk == filters.employer_kvk


def may_receive(
    access: AccessPolicy, subscriber: Actor, kind: EventType, *, trajectory: Trajectory | None = None,
    placement_id: str | None = None, claim: Claim | None = None,
) -> bool:
    """Whether the subscriber may receive this event, judged on the aggregate after it."""
    if kind.kind not in ROLE_KINDS.get(subscriber.role, frozenset()):
        return False
    if kind.kind is Kind.CLAIM:
        return claim is not None and can_see_claim(subscriber, claim)
    if trajectory is None:
        return False
    if kind.kind is Kind.PLACEMENT:
        return placement_id is not None and access.can_see_placement(subscriber, trajectory, placement_id)
    view = access.view(subscriber, trajectory)
    if view is None or not view.route:
        return False
    return kind.kind is not Kind.BENEFIT or view.benefit


# The domain events that reach a trigger of a financing agreement.
TRIGGERS: dict[str, Trigger] = {
    "TrajectoryRegistered": Trigger.REGISTERED,
    "PhaseStarted": Trigger.PHASE_STARTED,
    "PhaseCompleted": Trigger.PHASE_COMPLETED,
    "CertificateObtained": Trigger.CERTIFICATE_OBTAINED,
    "ContractStarted": Trigger.PLACEMENT_STARTED,
    "LastingPlacementReached": Trigger.LASTING_PLACEMENT,
}


def triggers_reached(
    subscriber: Actor, domain_event: str, fields: dict[str, Any], trajectory: Trajectory, region: str,
    agreements_of: Callable[[str], list[AgreementView]],
) -> list[AgreementView]:
    """The agreements the subscriber pays or claims under whose trigger this event reaches, in
    force on its date and covering the trajectory."""
    trigger = TRIGGERS.get(domain_event)
    if trigger is None or Kind.CLAIM not in ROLE_KINDS.get(subscriber.role, frozenset()):
        return []
    on: date = fields["on"]
    reached = []
    for agreement in agreements_of(subscriber.organisation):
        if agreement.trigger is not trigger or subscriber.organisation not in (agreement.payer, agreement.claimant):
            continue
        if not can_see_agreement(subscriber, agreement):
            continue
        if trigger.needs_phase and str(agreement.phase) != str(fields.get("phase")):
            continue
        if not agreement.covers_date(on):
            continue
        if terms_cover(agreement.terms_on(on), trajectory.municipality, region, str(trajectory.target_group)) is None:
            reached.append(agreement)
    return reached
