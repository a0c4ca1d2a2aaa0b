"""The command handlers: load, authorise (``domain.access``), call one domain method, save.

Each handler runs inside the unit of work ``Service.handle`` opened for it and returns the
``Outcome``; it never commits. The rules are the domain's: a handler only finds the aggregates,
asks ``domain.access`` who may, and hands the command's data to the aggregate's method.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID

from domain import commands as c
from domain import retention
from domain.access import AccessPolicy, can_see_agreement, can_see_claim
from domain.candidate import Candidate
from domain.errors import Ineligible, InvalidField, NotFound, RuleViolation
from domain.financing import Claim, FinancingAgreement, claim_id_for
from domain.inflow import InflowTarget, check_target, inflow_target_id
from domain.money import AsOf, trajectory_facts
from domain.municipalities import Municipalities
from domain.payments import eligibility
from domain.route_model import EffectiveRoute
from domain.subscriptions import SubscriptionTerms
from domain.terms import payer_kind_of
from domain.trajectory import Trajectory
from domain.values import Actor, MilestoneTerms, Role
from leerroute import route_model_handlers, subscription_handlers
from leerroute.errors import VersionMismatch
from leerroute.route_models import BaselineRouteModels, NoRegions, Regions, RouteModels
from leerroute.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Outcome:
    """What a command produced: the aggregate as it now stands (a trajectory, an agreement or a
    claim), the log position of the last event recorded (None: nothing was recorded; the service
    sets it from the commit, a handler leaves it None), the id of
    what the command created in the aggregate (a placement, a certificate, ...), how many events
    it recorded, and whether it is the kept outcome of an earlier, identical request."""

    aggregate: Any
    position: int | None
    created: str | None = None
    recorded: int = 0
    replayed: bool = False


def _utc_now() -> datetime:
    return datetime.now(UTC)


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True)
class Context:
    uow: UnitOfWork
    today: date
    trace_id: str
    access: AccessPolicy
    region_of: Callable[[str], str]
    terms: MilestoneTerms
    new_id: Callable[[], UUID]
    municipalities: Callable[[], Municipalities]
    subscription_terms: SubscriptionTerms = field(default_factory=SubscriptionTerms)
    now: Callable[[], datetime] = _utc_now
    new_secret: Callable[[], str] = new_webhook_secret
    models: RouteModels | None = None  # the published route models, where the unit of work has none
    regions: Regions = field(default_factory=NoRegions)

    @property
    def route_models(self) -> RouteModels:
        """The unit of work's route models, else those given to the service, else version 1 alone."""
        found = getattr(self.uow, "route_models", None)
        if found is not None:
            return found
        return self.models if self.models is not None else BaselineRouteModels(self.terms)

    def route_of(self, trajectory: Trajectory) -> EffectiveRoute:
        """The route model (and regional variant) the trajectory follows."""
        return self.route_models.effective(trajectory.route_model, trajectory.route_variant)

    def terms_of(self, trajectory: Trajectory) -> MilestoneTerms:
        """The trajectory's own milestone terms (its version's), with the configured retention term."""
        return self.route_of(trajectory).terms.milestone_terms(self.terms.retention_months)


def check_version(aggregate: Any, expected: int | None) -> None:
    if expected is not None and aggregate.version != expected:
        raise VersionMismatch(expected, aggregate.version)


A = TypeVar("A")


def _get(uow: UnitOfWork, aggregate_id: UUID, kind: type[A], what: str) -> A:
    """The one getter: the aggregate of this kind, or ``NotFound``."""
    aggregate = uow.get(aggregate_id)
    if not isinstance(aggregate, kind):
        raise NotFound(what, f"no {what} {aggregate_id}")
    return aggregate


# --- the route ----------------------------------------------------------------------------------


def register_trajectory(command: c.RegisterTrajectory, ctx: Context) -> Outcome:
    actor, uow = command.actor, ctx.uow
    municipality = actor.organisation
    ctx.municipalities().check_registration(municipality, command.on)
    found = uow.find_candidate(municipality, command.person.bsn)
    existing = uow.get(found) if found is not None else None
    if isinstance(existing, Candidate):
        raise RuleViolation(
            "one-trajectory-per-candidate",
            f"this candidate is already registered in {municipality} (trajectory {existing.trajectory_id})",
        )
    trajectory_id = ctx.new_id()
    candidate = Candidate.register(
        candidate_id=ctx.new_id(), municipality=municipality, person=command.person, registered_on=command.on,
        trajectory_id=trajectory_id, actor=actor, seal=uow.seal,
    )
    uow.remember_candidate(municipality, command.person.bsn, candidate.id)
    route = ctx.route_models.in_force(ctx.region_of(municipality), command.on)
    trajectory = Trajectory.register(
        trajectory_id=trajectory_id, municipality=municipality, candidate_id=candidate.id, target_group=command.target_group,
        on=command.on, today=ctx.today, benefit_monthly_cents=command.benefit_monthly_cents,
        benefit_since=command.benefit_since, actor=actor, route=route,
    )
    uow.save(candidate, trajectory)
    uow.record_access(actor, [trajectory], activity=command.activity, trace_id=ctx.trace_id)
    return Outcome(trajectory, None, recorded=2)


# What each command does to the trajectory: one domain method; returns the id of what it creates.
Change = Callable[[Trajectory, Any, Context], str | None]


def _new(ctx: Context) -> str:
    return str(ctx.new_id())


def _practice(t: Trajectory, x: c.RecordPractice, ctx: Context) -> str:
    practice_id = _new(ctx)
    t.record_practice(practice_id=practice_id, on=x.on, until=x.until, today=ctx.today, description=x.description,
                      hours_per_week=x.hours_per_week, actor=x.actor)
    return practice_id


def _certificate(t: Trajectory, x: c.ObtainCertificate, ctx: Context) -> str:
    certificate_id = _new(ctx)
    t.obtain_certificate(certificate_id=certificate_id, phase=x.phase, kind=x.kind, title=x.title, on=x.on, today=ctx.today,
                         actor=x.actor)
    return certificate_id


def _placement(t: Trajectory, x: c.ProposePlacement, ctx: Context) -> str:
    placement_id = _new(ctx)
    t.propose_placement(placement_id=placement_id, employer_kvk=x.employer_kvk, employer_name=x.employer_name,
                        function=x.function, hours_per_week=x.hours_per_week, level=x.level, on=x.on, today=ctx.today,
                        actor=x.actor)
    return placement_id


def _deviation(t: Trajectory, x: c.GrantDeviation, ctx: Context) -> str:
    deviation_id = _new(ctx)
    t.grant_deviation(deviation_id=deviation_id, rule=x.rule, reason=x.reason, on=x.on, until=x.until,
                      granted_by=x.granted_by, today=ctx.today, actor=x.actor, norm=x.norm, norm_weeks=x.norm_weeks,
                      route=ctx.route_of(t))
    return deviation_id


def _milestones(t: Trajectory, x: c.RecordDueMilestones, ctx: Context) -> None:
    if x.on > ctx.today:
        raise RuleViolation("no-future-dates", f"milestones are recorded up to today ({ctx.today}), not {x.on}")
    t.record_due_milestones(today=x.on, terms=ctx.route_of(t).terms, actor=x.actor)


def _move(t: Trajectory, x: c.MoveRoute, ctx: Context) -> None:
    current = ctx.route_of(t)
    if x.route_model is None:
        target = ctx.route_models.in_force(ctx.region_of(t.municipality), x.on)
    else:
        target = ctx.route_models.effective(x.route_model, x.route_variant)
        if target.variant is not None and target.variant.region != ctx.region_of(t.municipality):
            raise InvalidField("routeVariant", f"variant {x.route_variant} is of region {target.variant.region}, not this route's")
    t.move_route(current=current, target=target, on=x.on, today=ctx.today, reason=x.reason, actor=x.actor)


ROUTE_CHANGES: dict[type[c.TrajectoryCommand], Change] = {
    c.StartPhase: lambda t, x, ctx: t.start_phase(x.phase, on=x.on, today=ctx.today, provider=x.provider, actor=x.actor,
                                                  route=ctx.route_of(t)),
    c.CompletePhase: lambda t, x, ctx: t.complete_phase(x.phase, on=x.on, today=ctx.today, actor=x.actor),
    c.EndPhase: lambda t, x, ctx: t.end_phase_without_completion(x.phase, on=x.on, today=ctx.today, reason=x.reason,
                                                                 actor=x.actor),
    c.SkipPhase: lambda t, x, ctx: t.skip_phase(x.phase, on=x.on, today=ctx.today, basis=x.basis, reason=x.reason,
                                                actor=x.actor, route=ctx.route_of(t)),
    c.AssessLanguage: lambda t, x, ctx: t.assess_language(on=x.on, today=ctx.today, levels=x.levels, actor=x.actor),
    c.RecordPractice: _practice,
    c.ObtainCertificate: _certificate,
    c.ProposePlacement: _placement,
    c.ConfirmPlacement: lambda t, x, ctx: t.confirm_placement(x.placement_id, on=x.on, today=ctx.today, actor=x.actor),
    c.DeclinePlacement: lambda t, x, ctx: t.decline_placement(x.placement_id, on=x.on, today=ctx.today, reason=x.reason,
                                                              actor=x.actor),
    c.StartContract: lambda t, x, ctx: t.start_contract(x.placement_id, on=x.on, today=ctx.today,
                                                        hours_per_week=x.hours_per_week, actor=x.actor),
    c.EndPlacement: lambda t, x, ctx: t.end_placement(x.placement_id, on=x.on, today=ctx.today, reason=x.reason,
                                                      explanation=x.explanation, actor=x.actor),
    c.IssueGuarantee: lambda t, x, ctx: t.issue_guarantee(on=x.on, today=ctx.today, issued_by=x.issued_by, actor=x.actor),
    c.RecordCheckIn: lambda t, x, ctx: t.record_guarantee_check_in(on=x.on, today=ctx.today, summary=x.summary, actor=x.actor),
    c.EndGuarantee: lambda t, x, ctx: t.end_guarantee(on=x.on, today=ctx.today, reason=x.reason, actor=x.actor),
    c.DropOut: lambda t, x, ctx: t.drop_out(on=x.on, today=ctx.today, reason=x.reason, explanation=x.explanation,
                                            actor=x.actor, route=ctx.route_of(t), sub_reason=x.sub_reason),
    c.ReEnter: lambda t, x, ctx: t.re_enter(on=x.on, today=ctx.today, explanation=x.explanation, actor=x.actor),
    c.ChangeBenefit: lambda t, x, ctx: t.change_benefit(kind=x.kind, on=x.on, today=ctx.today, monthly_cents=x.monthly_cents,
                                                        actor=x.actor),
    c.GrantDeviation: _deviation,
    c.RecordDueMilestones: _milestones,
    c.MoveRoute: _move,
    c.HoldRetention: lambda t, x, ctx: t.hold_retention(on=x.on, today=ctx.today, reason=x.reason, actor=x.actor),
    c.EndRetentionHold: lambda t, x, ctx: t.end_retention_hold(on=x.on, today=ctx.today, reason=x.reason, actor=x.actor),
}


def change_trajectory(command: c.TrajectoryCommand, ctx: Context) -> Outcome:
    """Every step of a route: one domain method on the trajectory, under its lock."""
    uow = ctx.uow
    uow.lock(command.trajectory_id)
    trajectory = _get(uow, command.trajectory_id, Trajectory, "trajectory")
    ctx.access.check_command(command, trajectory)
    check_version(trajectory, command.expected_version)
    before = trajectory.version
    created = ROUTE_CHANGES[type(command)](trajectory, command, ctx)
    uow.save(trajectory)
    recorded = trajectory.version - before
    if isinstance(command, c.RecordDueMilestones):
        return Outcome(trajectory, None, recorded=recorded)
    if not recorded:
        raise RuleViolation("nothing-to-record", "the command recorded no event")
    uow.record_access(command.actor, [trajectory], activity=command.activity, trace_id=ctx.trace_id)
    return Outcome(trajectory, None, created, recorded)


def erase_candidate(command: c.EraseCandidate, ctx: Context) -> Outcome:
    """Erase the candidate's personal data (AVG art. 17): record ``CandidateErased`` and destroy
    the candidate's key and BSN lookup, and forget the kept registration request (its fingerprint
    is a hash over the personal data), in one transaction. The route, its money and its audit
    trail stay. Whatever version the caller names: the trajectory itself does not change."""
    trajectory, candidate = _trajectory_and_candidate(command, ctx)
    candidate.erase(on=command.on, today=ctx.today, actor=command.actor)
    return _erased(command, ctx, trajectory, candidate)


def apply_retention(command: c.ApplyRetention, ctx: Context) -> Outcome:
    """The retention term: erase as on request once ``domain.retention`` says it is due;
    nothing (no event, no access-log entry) when it is not, is held, or was erased already."""
    trajectory, candidate = _trajectory_and_candidate(command, ctx)
    if command.on > ctx.today:
        raise RuleViolation("no-future-dates", f"retention is applied up to today ({ctx.today}), not {command.on}")
    if not retention.erasure_due(trajectory, erased=candidate.is_erased, today=command.on, terms=ctx.terms_of(trajectory)):
        return Outcome(trajectory, None)
    candidate.erase(on=command.on, today=ctx.today, actor=command.actor)
    return _erased(command, ctx, trajectory, candidate)


def _trajectory_and_candidate(command: c.TrajectoryCommand, ctx: Context) -> tuple[Trajectory, Candidate]:
    ctx.uow.lock(command.trajectory_id)
    trajectory = _get(ctx.uow, command.trajectory_id, Trajectory, "trajectory")
    ctx.access.check_command(command, trajectory)
    candidate = ctx.uow.get(trajectory.candidate_id)
    if not isinstance(candidate, Candidate):
        raise RuleViolation("candidate-exists", f"trajectory {trajectory.id} has no candidate record")
    return trajectory, candidate


def _erased(command: c.TrajectoryCommand, ctx: Context, trajectory: Trajectory, candidate: Candidate) -> Outcome:
    uow = ctx.uow
    uow.save(candidate)
    uow.destroy_personal_data(candidate.id)
    uow.forget_requests(c.RegisterTrajectory.activity, trajectory.id)
    uow.record_access(command.actor, [trajectory], activity=command.activity, trace_id=ctx.trace_id)
    return Outcome(trajectory, None, recorded=1)


# --- the money ----------------------------------------------------------------------------------


def _own_region(actor: Actor, ctx: Context) -> str | None:
    """The region of a klantmanager's municipality (an agreement may cover it by its region)."""
    return ctx.region_of(actor.organisation) if actor.role is Role.KLANTMANAGER else None


def _visible_agreement(command: c.Command, agreement_id: UUID, ctx: Context) -> FinancingAgreement:
    agreement = _get(ctx.uow, agreement_id, FinancingAgreement, "financing agreement")
    if not can_see_agreement(command.actor, agreement.view(), _own_region(command.actor, ctx)):
        raise NotFound("financing agreement", f"no financing agreement {agreement_id}")
    return agreement


def conclude_agreement(command: c.ConcludeAgreement, ctx: Context) -> Outcome:
    actor = command.actor
    agreement = FinancingAgreement.conclude(
        agreement_id=ctx.new_id(), payer_kind=payer_kind_of(actor), payer=actor.organisation, claimant=command.claimant,
        kind=command.kind, trigger=command.trigger, phase=command.phase, valid_from=command.valid_from,
        valid_until=command.valid_until, budget_cap_cents=command.budget_cap_cents, terms=command.terms, on=command.on,
        today=ctx.today, actor=actor,
    )
    ctx.uow.save(agreement)
    return Outcome(agreement, None, recorded=1)


def change_agreement_terms(command: c.ChangeAgreementTerms, ctx: Context) -> Outcome:
    ctx.uow.lock(command.agreement_id)
    agreement = _visible_agreement(command, command.agreement_id, ctx)
    agreement.check_payer(command.actor)  # who may, before which version
    check_version(agreement, command.expected_version)
    agreement.change_terms(replace(command.terms, effective_from=command.on), today=ctx.today, actor=command.actor)
    ctx.uow.save(agreement)
    return Outcome(agreement, None, recorded=1)


def file_claim(command: c.FileClaim, ctx: Context) -> Outcome:
    """Eligibility follows from the trajectory's events as of the filing date alone. Identical
    claims share one id (``claim_id_for``): of racing ones the first is filed, the others meet
    it and are refused; a rejected claim is filed again under the same id."""
    actor, uow = command.actor, ctx.uow
    agreement = uow.get(command.agreement_id)
    if not isinstance(agreement, FinancingAgreement) or not can_see_agreement(actor, agreement.view(), _own_region(actor, ctx)):
        raise InvalidField("agreementId", f"no financing agreement {command.agreement_id}")
    trajectory = _get(uow, command.trajectory_id, Trajectory, "trajectory")
    region = ctx.region_of(trajectory.municipality)
    if not ctx.access.can_name_in_claim(actor, trajectory, agreement.view(), region):
        raise NotFound("trajectory", f"no trajectory {command.trajectory_id}")
    if not agreement.may_claim(actor, trajectory.municipality):
        who = agreement.claimant or f"the municipality of the trajectory ({trajectory.municipality})"
        raise RuleViolation("claimant-claims", f"under this agreement {who} files the claims")
    Claim.check_filing_date(agreement, command.on, ctx.today)
    facts = trajectory_facts(trajectory.id, uow.events(trajectory.id), AsOf(command.on), region)
    if facts is None:
        raise InvalidField("filedOn", f"the trajectory was not registered by {command.on}")
    result = eligibility(agreement.view(), facts, command.on)
    if result.unmet is not None or result.trigger_on is None:
        raise Ineligible(str(result.unmet), result.detail)
    claim_id = claim_id_for(agreement.id, trajectory.id, agreement.trigger)
    uow.lock(claim_id)
    existing = uow.get(claim_id)
    if isinstance(existing, Claim):
        existing.refile(agreement, trigger_on=result.trigger_on, amount_cents=result.amount_cents, on=command.on,
                        today=ctx.today, actor=actor)
        uow.save(existing)
        return Outcome(existing, None, recorded=1)
    claim = Claim.file(
        agreement=agreement, trajectory_id=trajectory.id, municipality=trajectory.municipality, trigger_on=result.trigger_on,
        amount_cents=result.amount_cents, on=command.on, today=ctx.today, actor=actor,
    )
    uow.save(claim)
    return Outcome(claim, None, recorded=1)


DECISIONS: dict[type[c.ClaimDecision], Callable[[Claim, FinancingAgreement, Any, Context], None]] = {
    c.ApproveClaim: lambda claim, a, x, ctx: claim.approve(a, on=x.on, today=ctx.today, actor=x.actor),
    c.RejectClaim: lambda claim, a, x, ctx: claim.reject(a, on=x.on, today=ctx.today, reason=x.reason, actor=x.actor),
    c.RecordPayment: lambda claim, a, x, ctx: claim.record_payment(a, on=x.on, today=ctx.today, actor=x.actor),
}


def decide_claim(command: c.ClaimDecision, ctx: Context) -> Outcome:
    """Approve, reject or pay a claim; the agreement's budget changes in the same transaction."""
    uow = ctx.uow
    uow.lock(command.claim_id)
    claim = _get(uow, command.claim_id, Claim, "claim")
    if not can_see_claim(command.actor, claim):
        raise NotFound("claim", f"no claim {command.claim_id}")
    uow.lock(claim.agreement_id)
    agreement = _get(uow, claim.agreement_id, FinancingAgreement, "financing agreement")
    agreement.check_payer(command.actor)  # who may, before which version
    check_version(claim, command.expected_version)
    before = claim.version + agreement.version
    DECISIONS[type(command)](claim, agreement, command, ctx)
    uow.save(claim, agreement)
    return Outcome(claim, None, recorded=claim.version + agreement.version - before)


Handler = Callable[[Any, Context], Outcome]

def set_inflow_target(command: c.SetInflowTarget, ctx: Context) -> Outcome:
    """The first target of a scope and year creates its aggregate (the id follows from both);
    a later one changes it."""
    if command.region is not None and command.region not in ctx.municipalities().regions():
        raise InvalidField("region", f"{command.region!r} is not one of the {len(ctx.municipalities().regions())} labour-market regions")
    values = check_target(command.year, command.statushouders, command.total, command.baseline_year, ctx.today)
    target_id = inflow_target_id(command.year, command.region)
    ctx.uow.lock(target_id)
    target = ctx.uow.get(target_id)
    if isinstance(target, InflowTarget):
        check_version(target, command.expected_version)
        target.change(values, on=command.on, today=ctx.today, actor=command.actor)
    else:
        target = InflowTarget.set_first(year=command.year, region=command.region, values=values, on=command.on,
                                        today=ctx.today, actor=command.actor)
    ctx.uow.save(target)
    return Outcome(target, None, recorded=1)


HANDLERS: dict[type[c.Command], Handler] = {
    **dict.fromkeys(ROUTE_CHANGES, change_trajectory),
    c.RegisterTrajectory: register_trajectory,
    c.EraseCandidate: erase_candidate,
    c.ApplyRetention: apply_retention,
    c.ConcludeAgreement: conclude_agreement,
    c.ChangeAgreementTerms: change_agreement_terms,
    c.FileClaim: file_claim,
    **dict.fromkeys(DECISIONS, decide_claim),
    **subscription_handlers.HANDLERS,
    c.SetInflowTarget: set_inflow_target,
    **route_model_handlers.HANDLERS,
}


def handler_of(command: c.Command) -> Handler:
    try:
        return HANDLERS[type(command)]
    except KeyError:
        raise TypeError(f"no handler for {type(command).__name__}") from None
