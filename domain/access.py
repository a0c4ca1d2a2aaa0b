"""Who may see and do what: decided here, once, for every entry point.

Three questions, in this order:

1. May the role issue this kind of command, or call this kind of read, at all? (``COMMAND_ROLES``
   and the reader sets below; a no is ``Forbidden``. The API asks it before it reads a body.)
2. Is the thing visible to this caller, and what of it? (``AccessPolicy.view``: an invisible
   trajectory, placement, agreement or claim is ``NotFound``, so its existence does not leak.)
3. May this caller do this to a visible thing? (a no is ``Forbidden``.)

What each role sees of a visible trajectory:

| role | trajectories | candidate | benefit amounts |
| --- | --- | --- | --- |
| klantmanager | the own municipality's | everything | yes |
| privacy officer | the own municipality's (access log, erasure) | nothing | no |
| employer | those with a placement proposed to it; only those placements | name | no |
| fund | those its financing agreements cover (``fund_coverage``) | name, no BSN or birth date | no |
| procesregie | all | a stable pseudonym only | yes |

Lists and reports read the read models through a scope object made here (``trajectory_scope``,
``placement_scope``, ``agreement_scope``, ``claim_scope``, ``money_report_scope``), which the
queries apply as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain import commands as c
from domain import retention
from domain import route_model_commands as rm
from domain.errors import Forbidden, NotFound
from domain.financing import Claim
from domain.money import MoneyScope
from domain.payments import MoneyLine, fund_covers
from domain.subscriptions import SUBSCRIBER_ROLES
from domain.terms import AgreementView
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


# --- who may issue which command --------------------------------------------------------------

ROUTE_WRITERS = frozenset({Role.KLANTMANAGER})
PLACEMENT_ANSWERERS = frozenset({Role.EMPLOYER})
PLACEMENT_PARTIES = frozenset({Role.KLANTMANAGER, Role.EMPLOYER})
ERASERS = frozenset({Role.KLANTMANAGER, Role.PRIVACY_OFFICER})
AGREEMENT_WRITERS = frozenset({Role.KLANTMANAGER, Role.FUND})
CLAIM_WRITERS = frozenset({Role.KLANTMANAGER, Role.FUND})
SYSTEM = frozenset({Role.SYSTEM})
SUBSCRIBERS = SUBSCRIBER_ROLES

COMMAND_ROLES: dict[type[c.Command], frozenset[Role]] = {
    **dict.fromkeys(
        (
            c.RegisterTrajectory, c.StartPhase, c.CompletePhase, c.EndPhase, c.SkipPhase, c.AssessLanguage,
            c.RecordPractice, c.ObtainCertificate, c.ProposePlacement, c.IssueGuarantee, c.RecordCheckIn,
            c.EndGuarantee, c.DropOut, c.ReEnter, c.ChangeBenefit, c.GrantDeviation,
        ),
        ROUTE_WRITERS,
    ),
    c.ConfirmPlacement: PLACEMENT_ANSWERERS,
    c.DeclinePlacement: PLACEMENT_ANSWERERS,
    c.StartContract: PLACEMENT_PARTIES,
    c.EndPlacement: PLACEMENT_PARTIES,
    c.EraseCandidate: ERASERS,
    c.MoveRoute: frozenset({Role.KLANTMANAGER, Role.PROCESREGIE}),
    c.RecordDueMilestones: SYSTEM,
    c.ApplyRetention: SYSTEM,
    c.HoldRetention: retention.HOLDERS,
    c.EndRetentionHold: retention.HOLDERS,
    c.ConcludeAgreement: AGREEMENT_WRITERS,
    c.ChangeAgreementTerms: AGREEMENT_WRITERS,
    c.FileClaim: CLAIM_WRITERS,
    c.ApproveClaim: CLAIM_WRITERS,
    c.RejectClaim: CLAIM_WRITERS,
    c.RecordPayment: CLAIM_WRITERS,
    **dict.fromkeys(
        (c.RegisterSubscription, c.RotateSubscriptionSecret, c.PauseSubscription, c.ResumeSubscription,
         c.DeleteSubscription, c.ReplaySubscription),
        SUBSCRIBERS,
    ),
    **dict.fromkeys((rm.DraftRouteModel, rm.ReviseRouteModel, rm.PublishRouteModel), frozenset({Role.PROCESREGIE})),
    rm.PublishBaselineModel: SYSTEM,
    **dict.fromkeys((rm.DraftRouteVariant, rm.ReviseRouteVariant, rm.PublishRouteVariant),
                    frozenset({Role.KLANTMANAGER, Role.PROCESREGIE})),
}

# Roles that may call each kind of read at all.
TRAJECTORY_READERS = frozenset({Role.KLANTMANAGER, Role.PROCESREGIE, Role.FUND})
LIST_READERS = frozenset({Role.KLANTMANAGER, Role.PROCESREGIE})
SEARCHERS = frozenset({Role.KLANTMANAGER})
PLACEMENT_LIST_READERS = frozenset({Role.KLANTMANAGER, Role.EMPLOYER, Role.PROCESREGIE})
ACCESS_LOG_READERS = frozenset({Role.PRIVACY_OFFICER, Role.PROCESREGIE})
WORKLIST_READERS = frozenset({Role.KLANTMANAGER})
FUNNEL_READERS = frozenset({Role.KLANTMANAGER, Role.PROCESREGIE})
MONEY_READERS = frozenset({Role.KLANTMANAGER, Role.FUND, Role.PROCESREGIE})
COMPARISON_READERS = frozenset({Role.KLANTMANAGER, Role.PROCESREGIE})


# The national model and its regional variants: every role that signs in reads the published
# versions and variants; a draft only those who may change it (``can_write_route_model``,
# ``can_write_variant``).
ROUTE_MODEL_READERS = frozenset({Role.KLANTMANAGER, Role.PROCESREGIE, Role.FUND, Role.EMPLOYER, Role.PRIVACY_OFFICER})


def can_write_route_model(actor: Actor) -> bool:
    """A version of the national model is drafted, revised and published by procesregie (APT)."""
    return actor.role is Role.PROCESREGIE


def can_see_route_model(actor: Actor, *, published: bool) -> bool:
    return actor.role in ROUTE_MODEL_READERS and (published or can_write_route_model(actor))


def can_see_variant(actor: Actor, centre: str | None, *, published: bool) -> bool:
    return actor.role in ROUTE_MODEL_READERS and (published or can_write_variant(actor, centre))


def can_write_variant(actor: Actor, centre: str | None) -> bool:
    """A region's variant: procesregie, or a klantmanager of the region's centrumgemeente
    (``centre``, the coordinating municipality; None when the region has none on record)."""
    if actor.role is Role.PROCESREGIE:
        return True
    return actor.role is Role.KLANTMANAGER and centre is not None and actor.organisation == centre


# A spreadsheet import brings in a caseload: a klantmanager, for the own municipality only.
IMPORTERS = frozenset({Role.KLANTMANAGER})


def can_see_import(actor: Actor, municipality: str) -> bool:
    """An import (its status, its problems, its marked workbook) is its municipality's klantmanagers'."""
    return actor.role is Role.KLANTMANAGER and actor.organisation == municipality


def check_role(actor: Actor, roles: frozenset[Role]) -> None:
    if actor.role not in roles:
        names = ", ".join(sorted(str(r) for r in roles))
        raise Forbidden(f"role {actor.role} may not do this (allowed: {names})")


def roles_for(command: type[c.Command]) -> frozenset[Role]:
    return COMMAND_ROLES[command]


# --- trajectories -------------------------------------------------------------------------------


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
            case Role.PROCESREGIE | Role.SYSTEM:
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

    def visible(self, actor: Actor, trajectory: Trajectory) -> View:
        """The caller's view of the trajectory; ``NotFound`` when it is invisible to them."""
        view = self.view(actor, trajectory)
        if view is None:
            raise NotFound("trajectory", f"no trajectory {trajectory.id}")
        return view

    def can_see_placement(self, actor: Actor, trajectory: Trajectory, placement_id: str) -> bool:
        placement = trajectory.placements.get(placement_id)
        view = self.view(actor, trajectory)
        if placement is None or view is None:
            return False
        return (view.route and view.placements_of is None) or placement.employer_kvk == view.placements_of

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

    def can_name_in_claim(self, actor: Actor, trajectory: Trajectory, agreement: AgreementView, region: str) -> bool:
        """A claim may name a trajectory the caller sees, or (a fund) one that this agreement of
        its own covers: it need not wait until the agreement shows in the read models."""
        own = actor.role is Role.FUND and can_see_agreement(actor, agreement)
        return (own and fund_covers([agreement], trajectory, region)) or self.can_see(actor, trajectory)

    def check_command(self, command: c.TrajectoryCommand, trajectory: Trajectory) -> None:
        """May ``command.actor`` issue this command on this trajectory? An invisible trajectory
        or placement is ``NotFound``; a visible one the caller may not change is ``Forbidden``."""
        actor = command.actor
        check_role(actor, roles_for(type(command)))
        self.visible(actor, trajectory)
        if isinstance(command, c.PlacementCommand):
            if not self.can_see_placement(actor, trajectory, command.placement_id):
                raise NotFound("placement", f"no placement {command.placement_id} on this trajectory")
            allowed = self.can_act_on_placement(actor, trajectory)
        elif isinstance(command, c.EraseCandidate):
            allowed = self.can_erase(actor, trajectory)
        elif isinstance(command, (c.RecordDueMilestones, c.ApplyRetention)):
            allowed = True  # the system itself (its role is checked above)
        elif isinstance(command, (c.HoldRetention, c.EndRetentionHold)):
            allowed = retention.can_hold(actor, trajectory)
        elif isinstance(command, c.MoveRoute):
            allowed = actor.role is Role.PROCESREGIE or self.can_manage_route(actor, trajectory)
        else:
            allowed = self.can_manage_route(actor, trajectory)
        if not allowed:
            raise Forbidden(f"{actor.role} {actor.organisation} may not do this")

    @staticmethod
    def event_data(view: View, data: dict) -> dict:
        """An event's own data as the caller may see it."""
        if view.benefit:
            return data
        return {k: v for k, v in data.items() if k not in BENEFIT_FIELDS}


# --- scopes of lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrajectoryScope:
    """The trajectories a list covers: one municipality's, or (None) every one."""

    municipality: str | None


def municipality_scope(actor: Actor, requested: str | None, *, whole_country: bool = False) -> str | None:
    """The municipality a list, funnel or report of the caller covers (None: every municipality).
    A klantmanager is held to the own municipality; procesregie chooses."""
    if actor.role is Role.KLANTMANAGER:
        if whole_country or requested not in (None, actor.organisation):
            raise Forbidden("a klantmanager sees the own municipality only")
        return actor.organisation
    if actor.role is Role.PROCESREGIE:
        return requested
    raise Forbidden(f"{actor.role} sees no lists of trajectories")


def trajectory_scope(actor: Actor, requested: str | None) -> TrajectoryScope:
    return TrajectoryScope(municipality_scope(actor, requested))


@dataclass(frozen=True)
class PlacementScope:
    """The placements a list covers: an employer's, a municipality's, or (both None) all."""

    employer_kvk: str | None = None
    municipality: str | None = None


def placement_scope(actor: Actor) -> PlacementScope:
    """An employer lists its own placements, a klantmanager the own municipality's, procesregie all."""
    if actor.role is Role.EMPLOYER:
        return PlacementScope(employer_kvk=actor.organisation)
    if actor.role is Role.KLANTMANAGER:
        return PlacementScope(municipality=actor.organisation)
    if actor.role is Role.PROCESREGIE:
        return PlacementScope()
    raise Forbidden(f"{actor.role} lists no placements")


# --- the money ------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class AgreementScope:
    """The agreements a list may hold (each one still passes ``can_see_agreement``): those of
    ``party`` as payer or claimant (None: every agreement), and with ``unnamed_claimant`` also
    the agreements of funds that name no claimant (a klantmanager files their claims)."""

    party: str | None = None
    unnamed_claimant: bool = False


def agreement_scope(actor: Actor) -> AgreementScope:
    if actor.role is Role.PROCESREGIE:
        return AgreementScope()
    return AgreementScope(party=actor.organisation, unnamed_claimant=actor.role is Role.KLANTMANAGER)


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


@dataclass(frozen=True)
class ClaimScope:
    """The claims a list holds: those ``party`` files or pays, and those on the trajectories of
    ``municipality``; both None: every claim."""

    party: str | None = None
    municipality: str | None = None


def claim_scope(actor: Actor) -> ClaimScope:
    """The reading side of ``can_see_claim``."""
    if actor.role is Role.PROCESREGIE:
        return ClaimScope()
    return ClaimScope(party=actor.organisation, municipality=actor.organisation if actor.role is Role.KLANTMANAGER else None)


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


# --- the comparison across regions ------------------------------------------------------------------


def comparison_regions(actor: Actor, requested: str | None, own_region: str | None, regions: list[str]) -> list[str]:
    """The regions whose figures a comparison shows (beside the national ones, which hold no
    personal data): procesregie every region or the one asked; a klantmanager the own
    municipality's region only."""
    if actor.role is Role.PROCESREGIE:
        return regions if requested is None else [requested]
    if actor.role is Role.KLANTMANAGER and own_region is not None and requested in (None, own_region):
        return [own_region]
    raise Forbidden("a klantmanager compares the own labour-market region only")
