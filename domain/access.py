"""Who may see and do what: decided here, once, for every entry point.

Invisible things are reported as not found by the entry points, so their existence does not
leak; a visible thing the role may not change is forbidden.
"""

from __future__ import annotations

from domain.financing import AgreementView, Claim
from domain.money import MoneyLine, fund_covers
from domain.trajectory import Trajectory
from domain.values import Actor, Role


def can_see_trajectory(actor: Actor, trajectory: Trajectory) -> bool:
    if actor.role is Role.KLANTMANAGER:
        return actor.organisation == trajectory.municipality
    if actor.role is Role.PROCESREGIE:
        return True
    if actor.role is Role.EMPLOYER:
        return any(p.employer_kvk == actor.organisation for p in trajectory.placements.values())
    return False


def can_see_personal_data(actor: Actor, trajectory: Trajectory) -> bool:
    return actor.role is Role.KLANTMANAGER and actor.organisation == trajectory.municipality


def can_see_placement(actor: Actor, trajectory: Trajectory, placement_id: str) -> bool:
    placement = trajectory.placements.get(placement_id)
    if placement is None or not can_see_trajectory(actor, trajectory):
        return False
    if actor.role is Role.EMPLOYER:
        return placement.employer_kvk == actor.organisation
    return True


def can_manage_route(actor: Actor, trajectory: Trajectory) -> bool:
    """Log steps, benefit changes and maatwerk: the municipality's own klantmanagers."""
    return actor.role is Role.KLANTMANAGER and actor.organisation == trajectory.municipality


def can_see_agreement(actor: Actor, agreement: AgreementView, region_of_own: str | None = None) -> bool:
    """Procesregie sees every agreement; its payer and named claimant see it; without a named
    claimant, the klantmanagers of municipalities it covers see it (they file its claims)."""
    if actor.role is Role.PROCESREGIE:
        return True
    if actor.organisation in (agreement.payer, agreement.claimant):
        return actor.role in (Role.KLANTMANAGER, Role.FUND)
    if actor.role is Role.KLANTMANAGER and agreement.claimant is None:
        return any(
            actor.organisation in t.municipalities or (region_of_own is not None and region_of_own in t.regions)
            or (not t.municipalities and not t.regions)
            for t in agreement.terms_history
        )
    return False


def can_see_trajectory_money(actor: Actor, trajectory: Trajectory, fund_agreements: list[AgreementView], region: str) -> bool:
    """A trajectory's money: its municipality, procesregie, and a fund one of whose agreements covers it."""
    if actor.role is Role.FUND:
        return fund_covers(fund_agreements, trajectory, region)
    return actor.role is not Role.EMPLOYER and can_see_trajectory(actor, trajectory)


def can_see_claim(actor: Actor, claim: Claim) -> bool:
    """Its claimant and payer, the trajectory's municipality, and procesregie."""
    if actor.role is Role.PROCESREGIE:
        return True
    if actor.role in (Role.KLANTMANAGER, Role.FUND) and actor.organisation in (claim.payer, claim.claimant):
        return True
    return actor.role is Role.KLANTMANAGER and actor.organisation == claim.municipality


def can_see_money_line(actor: Actor, line: MoneyLine) -> bool:
    """In reports: a klantmanager its municipality's trajectories, a fund the agreements it pays
    or claims under, procesregie everything."""
    if actor.role is Role.PROCESREGIE:
        return True
    if actor.role is Role.KLANTMANAGER:
        return line.municipality == actor.organisation
    return actor.role is Role.FUND and actor.organisation in (line.payer, line.claimant)


def can_see_savings(actor: Actor, municipality: str) -> bool:
    """Bijstand savings: the municipality itself and procesregie."""
    return actor.role is Role.PROCESREGIE or (actor.role is Role.KLANTMANAGER and actor.organisation == municipality)


# Roles that may call each kind of write at all (checked before the body is even read).
ROUTE_WRITERS = frozenset({Role.KLANTMANAGER})
PLACEMENT_ANSWERERS = frozenset({Role.EMPLOYER})
PLACEMENT_PARTIES = frozenset({Role.KLANTMANAGER, Role.EMPLOYER})
TRAJECTORY_READERS = frozenset({Role.KLANTMANAGER, Role.PROCESREGIE})
LIST_READERS = frozenset({Role.KLANTMANAGER, Role.PROCESREGIE})
PLACEMENT_LIST_READERS = frozenset({Role.KLANTMANAGER, Role.EMPLOYER, Role.PROCESREGIE})
AGREEMENT_WRITERS = frozenset({Role.KLANTMANAGER, Role.FUND})
CLAIM_WRITERS = frozenset({Role.KLANTMANAGER, Role.FUND})
MONEY_READERS = frozenset({Role.KLANTMANAGER, Role.FUND, Role.PROCESREGIE})
