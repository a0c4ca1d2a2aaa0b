"""Who may see and do what: decided here, once, for every entry point.

Two questions, in this order:

1. May the role call this kind of operation at all? (the role sets below; a no is 403, checked
   before a body is read.)
2. Is the trajectory visible to this caller, and what of it? (``AccessPolicy``: an invisible
   trajectory is reported as not found, so its existence does not leak; a visible one the
   caller may not change is 403.)

What each role sees of a visible trajectory:

| role | trajectories | candidate | benefit amounts |
| --- | --- | --- | --- |
| klantmanager | the own municipality's | everything | yes |
| privacy officer | the own municipality's (access log, erasure) | nothing | no |
| employer | those with a placement proposed to it; only those placements | name | no |
| fund | those its financing agreements cover (``fund_coverage``) | name, no BSN or birth date | no |
| procesregie | all | a stable pseudonym only | yes |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.errors import Forbidden
from domain.financing import AgreementView, Claim
from domain.money import MoneyLine, MoneyScope, fund_covers
from domain.trajectory import Trajectory
from domain.values import Actor, Role

# Whether a fund's financing agreements cover a trajectory: (fund organisation, trajectory) → bool.
FundCoverage = Callable[[str, Trajectory], bool]


def covers_nothing(fund: str, trajectory: Trajectory) -> bool:
    """The default coverage: without financing agreements a fund sees no trajectory."""
    return False


# Event fields that hold benefit data (amounts and dates of the bijstand).
BENEFIT_FIELDS = frozenset({"benefit_monthly_cents", "benefit_since", "monthly_cents"})


@dataclass(frozen=True)
class View:
    """What of a visible trajectory a caller gets."""

    personal_data: bool  # BSN, names, birth date
    candidate_name: bool  # the name alone
    benefit: bool  # benefit amounts and dates
    route: bool  # phases, certificates, drop-outs, deviations, guarantee
    placements_of: str | None = None  # only the placements of this employer (KvK); None: all


FULL = View(personal_data=True, candidate_name=True, benefit=True, route=True)
PSEUDONYMISED = View(personal_data=False, candidate_name=False, benefit=True, route=True)
FUND = View(personal_data=False, candidate_name=True, benefit=False, route=True)
NOTHING = View(personal_data=False, candidate_name=False, benefit=False, route=False)


class AccessPolicy:
    def __init__(self, fund_coverage: FundCoverage = covers_nothing):
        self._fund_coverage = fund_coverage

    def view(self, actor: Actor, trajectory: Trajectory) -> View | None:
        """What the caller sees of the trajectory; None when it is invisible to them."""
        own_municipality = actor.organisation == trajectory.municipality
        match actor.role:
            case Role.KLANTMANAGER:
                return FULL if own_municipality else None
            case Role.PRIVACY_OFFICER:
                return NOTHING if own_municipality else None
            case Role.PROCESREGIE:
                return PSEUDONYMISED
            case Role.EMPLOYER:
                if any(p.employer_kvk == actor.organisation for p in trajectory.placements.values()):
                    return View(personal_data=False, candidate_name=True, benefit=False, route=False, placements_of=actor.organisation)
                return None
            case Role.FUND:
                return FUND if self._fund_coverage(actor.organisation, trajectory) else None
        return None

    def can_see(self, actor: Actor, trajectory: Trajectory) -> bool:
        return self.view(actor, trajectory) is not None

    def can_see_placement(self, actor: Actor, trajectory: Trajectory, placement_id: str) -> bool:
        placement = trajectory.placements.get(placement_id)
        view = self.view(actor, trajectory)
        if placement is None or view is None:
            return False
        return view.placements_of is None or placement.employer_kvk == view.placements_of

    def can_manage_route(self, actor: Actor, trajectory: Trajectory) -> bool:
        """Log steps, benefit changes and maatwerk: the municipality's own klantmanagers."""
        return actor.role is Role.KLANTMANAGER and actor.organisation == trajectory.municipality

    def can_act_on_placement(self, actor: Actor, trajectory: Trajectory) -> bool:
        """Answer or report on a placement: its employer, or the municipality's klantmanager."""
        return actor.role is Role.EMPLOYER or self.can_manage_route(actor, trajectory)

    def can_erase(self, actor: Actor, trajectory: Trajectory) -> bool:
        return actor.role in ERASERS and actor.organisation == trajectory.municipality

    def can_read_access_log(self, actor: Actor, trajectory: Trajectory) -> bool:
        if actor.role is Role.PROCESREGIE:
            return True
        return actor.role is Role.PRIVACY_OFFICER and actor.organisation == trajectory.municipality

    @staticmethod
    def municipality_scope(actor: Actor, requested: str | None, *, whole_country: bool = False) -> str | None:
        """The municipality a list or report of the caller covers (None: every municipality).
        A klantmanager is held to the own municipality; procesregie chooses."""
        if actor.role is Role.KLANTMANAGER:
            if whole_country or requested not in (None, actor.organisation):
                raise Forbidden("a klantmanager sees the own municipality only")
            return actor.organisation
        if actor.role is Role.PROCESREGIE:
            return requested
        raise Forbidden(f"{actor.role} sees no lists of trajectories")

    @staticmethod
    def placement_filter(actor: Actor) -> dict[str, str]:
        """Which placements a caller lists: an employer its own, a klantmanager the own
        municipality's, procesregie all."""
        if actor.role is Role.EMPLOYER:
            return {"employer_kvk": actor.organisation}
        if actor.role is Role.KLANTMANAGER:
            return {"municipality": actor.organisation}
        if actor.role is Role.PROCESREGIE:
            return {}
        raise Forbidden(f"{actor.role} lists no placements")

    @staticmethod
    def event_data(view: View, data: dict) -> dict:
        """An event's own data as the caller may see it."""
        if view.benefit:
            return data
        return {k: v for k, v in data.items() if k not in BENEFIT_FIELDS}


# --- the money ------------------------------------------------------------------------------


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
    if actor.role is Role.KLANTMANAGER:
        return actor.organisation == trajectory.municipality
    return actor.role is Role.PROCESREGIE


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


def money_report_scope(actor: Actor) -> MoneyScope:
    """What a report needs to read for the lines and savings the caller may see (the reading
    side of ``can_see_money_line`` and ``can_see_savings``)."""
    if actor.role is Role.KLANTMANAGER:
        return MoneyScope(municipality=actor.organisation)
    if actor.role is Role.FUND:
        return MoneyScope(fund=actor.organisation)
    return MoneyScope()


# Roles that may call each kind of operation at all (checked before the body is even read).
ROUTE_WRITERS = frozenset({Role.KLANTMANAGER})
PLACEMENT_ANSWERERS = frozenset({Role.EMPLOYER})
PLACEMENT_PARTIES = frozenset({Role.KLANTMANAGER, Role.EMPLOYER})
TRAJECTORY_READERS = frozenset({Role.KLANTMANAGER, Role.PROCESREGIE, Role.FUND})
LIST_READERS = frozenset({Role.KLANTMANAGER, Role.PROCESREGIE})
PLACEMENT_LIST_READERS = frozenset({Role.KLANTMANAGER, Role.EMPLOYER, Role.PROCESREGIE})
ERASERS = frozenset({Role.KLANTMANAGER, Role.PRIVACY_OFFICER})
ACCESS_LOG_READERS = frozenset({Role.PRIVACY_OFFICER, Role.PROCESREGIE})
WORKLIST_READERS = frozenset({Role.KLANTMANAGER})
FUNNEL_READERS = frozenset({Role.KLANTMANAGER, Role.PROCESREGIE})
AGREEMENT_WRITERS = frozenset({Role.KLANTMANAGER, Role.FUND})
CLAIM_WRITERS = frozenset({Role.KLANTMANAGER, Role.FUND})
MONEY_READERS = frozenset({Role.KLANTMANAGER, Role.FUND, Role.PROCESREGIE})
