"""The rules of the route as ``Service.handle`` surfaces them: for each trajectory command each rule
of its domain method, with the exact error class and rule (or field), and nothing committed.

Not reachable through the service, because the access check refuses first (and so not here):
``klantmanager-only`` (only a klantmanager may issue the route's commands), ``employer-answers-own-
proposal`` and ``placement-party-only`` (another employer does not see the placement: NotFound),
``registration-by-own-municipality`` (a registration is always in the klantmanager's own
municipality) and the handler's ``nothing-to-record`` (every route method records or raises)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest

from domain import commands as c
from domain.errors import InvalidField, RuleViolation
from domain.values import (
    BenefitChangeKind,
    CertificateKind,
    DropOutReason,
    GuaranteeEndReason,
    JobLevel,
    Phase,
    PlacementEndReason,
    SkipBasis,
)
from tests.unit.fakes import EMPLOYER, KM, ROUTE_COMMANDS, TODAY, World, sample


@dataclass
class Route:
    world: World
    t: UUID
    p: str = "p-1"

    def step(self, kind: type[c.TrajectoryCommand], /, *, on: date, **fields: object) -> None:
        self.world.step(kind, self.t, on=on, **fields)


# --- where a route stands ---------------------------------------------------------------------------


def registered(world: World) -> Route:
    return Route(world, world.register())


def on_benefit(world: World) -> Route:
    return Route(world, world.register(benefit_monthly_cents=125_000, benefit_since=date(2024, 6, 1)))


def benefit_stopped(world: World) -> Route:
    route = on_benefit(world)
    route.step(c.ChangeBenefit, on=date(2026, 2, 1), kind=BenefitChangeKind.STOPPED)
    return route


def benefit_reduced(world: World) -> Route:
    route = on_benefit(world)
    route.step(c.ChangeBenefit, on=date(2026, 3, 1), kind=BenefitChangeKind.REDUCED, monthly_cents=60_000)
    return route


def in_orientation(world: World) -> Route:
    route = registered(world)
    route.step(c.StartPhase, on=date(2026, 1, 12), phase=Phase.ORIENTATION)
    return route


def orientation_completed(world: World) -> Route:
    route = in_orientation(world)
    route.step(c.CompletePhase, on=date(2026, 2, 1), phase=Phase.ORIENTATION)
    return route


def in_pre_trajectory(world: World) -> Route:
    route = registered(world)
    route.step(c.SkipPhase, on=date(2026, 1, 10), phase=Phase.ORIENTATION, basis=SkipBasis.EVC, reason="EVC")
    route.step(c.StartPhase, on=date(2026, 1, 12), phase=Phase.PRE_TRAJECTORY)
    return route


def pre_trajectory_skipped(world: World) -> Route:
    route = registered(world)
    world.skip_to_bedrijfsvakschool(route.t)
    return route


def dropped_out(world: World) -> Route:
    route = registered(world)
    route.step(c.DropOut, on=date(2026, 3, 1), reason=DropOutReason.MOTIVATION, explanation="stopped coming")
    return route


def proposed(world: World) -> Route:
    route = registered(world)
    route.p = world.propose(route.t)  # on 2 March
    return route


def declined(world: World) -> Route:
    route = proposed(world)
    route.step(c.DeclinePlacement, actor=EMPLOYER, on=date(2026, 3, 5), placement_id=route.p, reason="full")
    return route


def confirmed(world: World) -> Route:
    route = registered(world)
    route.p = world.confirmed(route.t)  # proposed 2 March, confirmed 5 March
    return route


def working(world: World) -> Route:
    route = registered(world)
    route.p = world.working(route.t)  # the contract started on 9 March
    return route


def placement_ended(world: World) -> Route:
    route = working(world)
    route.step(c.EndPlacement, actor=EMPLOYER, on=date(2026, 4, 1), placement_id=route.p, reason=PlacementEndReason.RESIGNED)
    return route


def guaranteed(world: World) -> Route:
    route = confirmed(world)
    route.step(c.IssueGuarantee, on=date(2026, 3, 10), issued_by="OTIB")
    return route


def guarantee_ended(world: World) -> Route:
    route = guaranteed(world)
    route.step(c.EndGuarantee, on=date(2026, 4, 1), reason=GuaranteeEndReason.LEFT_SECTOR)
    return route


# --- the table -----------------------------------------------------------------------------------------

Build = Callable[[Route], c.Command]


def case(name: str, setup: Callable[[World], Route], build: Build, rule: str, error: type[Exception] = RuleViolation) -> object:
    return pytest.param(setup, build, error, rule, id=f"{name}/{rule}")


def km(command: type[c.TrajectoryCommand], on: date, /, **fields: object) -> Build:
    return lambda r: command(actor=KM, trajectory_id=r.t, on=on, **fields)


def employer(command: type[c.PlacementCommand], on: date, /, **fields: object) -> Build:
    return lambda r: command(actor=EMPLOYER, trajectory_id=r.t, on=on, placement_id=r.p, **fields)


def propose(on: date, *, kvk: str = EMPLOYER.organisation, hours: int = 32) -> Build:
    return km(c.ProposePlacement, on, employer_kvk=kvk, employer_name="Bouw BV", function="monteur", hours_per_week=hours,
              level=JobLevel.ASSISTENT)


def benefit(kind: BenefitChangeKind, on: date, cents: object = None) -> Build:
    return km(c.ChangeBenefit, on, kind=kind, monthly_cents=cents)


def deviation(on: date, until: date, *, reason: str = "EVC pending", granted_by: str = "team leader") -> Build:
    return km(c.GrantDeviation, on, rule="phase-order", reason=reason, until=until, granted_by=granted_by)


LEVELS = {"reading": "A2"}
D = date

CASES = [
    # phases
    case("start-phase", in_orientation, km(c.StartPhase, D(2026, 2, 1), phase=Phase.ORIENTATION), "phase-starts-once"),
    case("start-phase-completed", orientation_completed, km(c.StartPhase, D(2026, 2, 5), phase=Phase.ORIENTATION),
         "phase-starts-once"),
    case("start-phase-skipped", in_pre_trajectory, km(c.StartPhase, D(2026, 2, 1), phase=Phase.ORIENTATION), "phase-starts-once"),
    case("start-phase", registered, km(c.StartPhase, D(2026, 1, 12), phase=Phase.PRE_TRAJECTORY), "phases-in-order"),
    case("start-phase-before-the-earlier-ended", orientation_completed,
         km(c.StartPhase, D(2026, 1, 20), phase=Phase.PRE_TRAJECTORY), "phases-in-order"),
    case("start-phase", pre_trajectory_skipped, km(c.StartPhase, D(2026, 1, 12), phase=Phase.BEDRIJFSVAKSCHOOL),
         "provider-required"),
    case("complete-phase", registered, km(c.CompletePhase, D(2026, 1, 12), phase=Phase.ORIENTATION), "phase-must-be-in-progress"),
    case("complete-phase-twice", orientation_completed, km(c.CompletePhase, D(2026, 2, 5), phase=Phase.ORIENTATION),
         "phase-must-be-in-progress"),
    case("complete-phase", in_orientation, km(c.CompletePhase, D(2026, 1, 10), phase=Phase.ORIENTATION), "end-after-start"),
    case("end-phase", orientation_completed, km(c.EndPhase, D(2026, 2, 5), phase=Phase.ORIENTATION, reason="x"),
         "phase-must-be-in-progress"),
    case("end-phase", in_orientation, km(c.EndPhase, D(2026, 1, 10), phase=Phase.ORIENTATION, reason="x"), "end-after-start"),
    case("skip-phase", in_orientation, km(c.SkipPhase, D(2026, 1, 13), phase=Phase.ORIENTATION, basis=SkipBasis.EVC, reason="x"),
         "skip-only-unstarted-phase"),
    case("skip-phase-twice", in_pre_trajectory,
         km(c.SkipPhase, D(2026, 1, 13), phase=Phase.ORIENTATION, basis=SkipBasis.OTHER, reason="x"), "skip-only-unstarted-phase"),
    # the pre-trajectory
    case("assess-language", in_pre_trajectory, km(c.AssessLanguage, D(2026, 2, 1), levels={}), "language-levels-required"),
    case("assess-language", registered, km(c.AssessLanguage, D(2026, 2, 1), levels=LEVELS), "phase-must-have-started"),
    case("assess-language-before-the-start", in_pre_trajectory, km(c.AssessLanguage, D(2026, 1, 11), levels=LEVELS),
         "phase-must-have-started"),
    case("assess-language-skipped", pre_trajectory_skipped, km(c.AssessLanguage, D(2026, 2, 1), levels=LEVELS),
         "phase-must-have-started"),
    case("record-practice", registered, km(c.RecordPractice, D(2026, 2, 1), until=None, description="x", hours_per_week=16),
         "phase-must-have-started"),
    case("record-practice", in_pre_trajectory,
         km(c.RecordPractice, D(2026, 2, 1), until=D(2026, 1, 20), description="x", hours_per_week=16), "end-after-start"),
    case("record-practice-0-hours", in_pre_trajectory,
         km(c.RecordPractice, D(2026, 2, 1), until=None, description="x", hours_per_week=0), "plausible-hours"),
    case("record-practice-61-hours", in_pre_trajectory,
         km(c.RecordPractice, D(2026, 2, 1), until=None, description="x", hours_per_week=61), "plausible-hours"),
    case("obtain-certificate", in_orientation,
         km(c.ObtainCertificate, D(2026, 2, 1), phase=Phase.ORIENTATION, kind=CertificateKind.VCA, title="VCA"), "certificate-phase"),
    case("obtain-certificate", registered,
         km(c.ObtainCertificate, D(2026, 2, 1), phase=Phase.PRE_TRAJECTORY, kind=CertificateKind.VCA, title="VCA"),
         "phase-must-have-started"),
    case("obtain-certificate-bedrijfsvakschool", in_pre_trajectory,
         km(c.ObtainCertificate, D(2026, 2, 1), phase=Phase.BEDRIJFSVAKSCHOOL, kind=CertificateKind.MBO_DIPLOMA, title="x"),
         "phase-must-have-started"),
    # placements
    case("propose-placement-0-hours", registered, propose(D(2026, 3, 2), hours=0), "plausible-hours"),
    case("propose-placement-61-hours", registered, propose(D(2026, 3, 2), hours=61), "plausible-hours"),
    case("propose-placement", proposed, propose(D(2026, 3, 3)), "one-open-proposal-per-employer"),
    case("confirm-placement-twice", confirmed, employer(c.ConfirmPlacement, D(2026, 3, 10)), "placement-must-be-proposed"),
    case("confirm-placement-declined", declined, employer(c.ConfirmPlacement, D(2026, 3, 10)), "placement-must-be-proposed"),
    case("confirm-placement", proposed, employer(c.ConfirmPlacement, D(2026, 3, 1)), "answer-after-proposal"),
    case("decline-placement", confirmed, employer(c.DeclinePlacement, D(2026, 3, 10), reason="x"), "placement-must-be-proposed"),
    case("decline-placement", proposed, employer(c.DeclinePlacement, D(2026, 3, 1), reason="x"), "answer-after-proposal"),
    case("start-contract", proposed, employer(c.StartContract, D(2026, 3, 10), hours_per_week=32),
         "contract-needs-confirmed-placement"),
    case("start-contract-declined", declined, employer(c.StartContract, D(2026, 3, 10), hours_per_week=32),
         "contract-needs-confirmed-placement"),
    case("start-contract-twice", working, employer(c.StartContract, D(2026, 3, 10), hours_per_week=32),
         "contract-needs-confirmed-placement"),
    case("start-contract", confirmed, employer(c.StartContract, D(2026, 3, 1), hours_per_week=32), "contract-after-proposal"),
    case("start-contract-0-hours", confirmed, employer(c.StartContract, D(2026, 3, 10), hours_per_week=0), "plausible-hours"),
    case("start-contract-61-hours", confirmed, employer(c.StartContract, D(2026, 3, 10), hours_per_week=61), "plausible-hours"),
    case("end-placement-proposed", proposed, employer(c.EndPlacement, D(2026, 3, 10), reason=PlacementEndReason.OTHER),
         "placement-must-be-active"),
    case("end-placement-ended", placement_ended, employer(c.EndPlacement, D(2026, 4, 2), reason=PlacementEndReason.OTHER),
         "placement-must-be-active"),
    case("end-placement-before-the-contract", working,
         employer(c.EndPlacement, D(2026, 3, 8), reason=PlacementEndReason.DISMISSED), "end-after-start"),
    case("end-placement-before-the-confirmation", confirmed,
         employer(c.EndPlacement, D(2026, 3, 4), reason=PlacementEndReason.DISMISSED), "end-after-start"),
    # the guarantee
    case("issue-guarantee", guaranteed, km(c.IssueGuarantee, D(2026, 3, 11), issued_by="OTIB"), "one-guarantee"),
    case("issue-guarantee", proposed, km(c.IssueGuarantee, D(2026, 3, 10), issued_by="OTIB"), "guarantee-needs-confirmed-placement"),
    case("issue-guarantee-before-the-confirmation", confirmed, km(c.IssueGuarantee, D(2026, 3, 4), issued_by="OTIB"),
         "guarantee-needs-confirmed-placement"),
    case("issue-guarantee-after-the-placement", placement_ended, km(c.IssueGuarantee, D(2026, 4, 2), issued_by="OTIB"),
         "guarantee-needs-confirmed-placement"),
    case("issue-guarantee", confirmed, km(c.IssueGuarantee, D(2026, 3, 10), issued_by="  "), "guarantee-issuer-required"),
    case("check-in", registered, km(c.RecordCheckIn, D(2026, 3, 10), summary="x"), "guarantee-must-be-active"),
    case("check-in-ended", guarantee_ended, km(c.RecordCheckIn, D(2026, 4, 2), summary="x"), "guarantee-must-be-active"),
    case("check-in", guaranteed, km(c.RecordCheckIn, D(2026, 3, 9), summary="x"), "check-in-after-issue"),
    case("end-guarantee", registered, km(c.EndGuarantee, D(2026, 3, 10), reason=GuaranteeEndReason.OTHER),
         "guarantee-must-be-active"),
    case("end-guarantee-twice", guarantee_ended, km(c.EndGuarantee, D(2026, 4, 2), reason=GuaranteeEndReason.OTHER),
         "guarantee-must-be-active"),
    case("end-guarantee", guaranteed, km(c.EndGuarantee, D(2026, 3, 9), reason=GuaranteeEndReason.OTHER), "end-after-start"),
    # drop-out and re-entry
    case("drop-out", confirmed, km(c.DropOut, D(2026, 3, 10), reason=DropOutReason.HEALTH, explanation="x"),
         "end-placement-before-drop-out"),
    case("drop-out-twice", dropped_out, km(c.DropOut, D(2026, 3, 10), reason=DropOutReason.HEALTH, explanation="x"),
         "no-steps-after-drop-out"),
    case("re-enter", registered, km(c.ReEnter, D(2026, 3, 10), explanation="x"), "re-entry-after-drop-out"),
    case("re-enter-before-the-drop-out", dropped_out, km(c.ReEnter, D(2026, 2, 20), explanation="x"), "re-entry-after-drop-out"),
    case("re-enter", dropped_out, km(c.ReEnter, D(2026, 1, 4), explanation="x"), "not-before-registration"),
    case("re-enter", dropped_out, km(c.ReEnter, D(2026, 11, 23), explanation="x"), "no-future-dates"),
    # the benefit
    case("change-benefit", benefit_reduced, benefit(BenefitChangeKind.STOPPED, D(2026, 2, 1)), "benefit-changes-in-order"),
    case("change-benefit-stop-none", registered, benefit(BenefitChangeKind.STOPPED, D(2026, 2, 1)), "benefit-must-be-paid"),
    case("change-benefit-stop-twice", benefit_stopped, benefit(BenefitChangeKind.STOPPED, D(2026, 3, 1)), "benefit-must-be-paid"),
    case("change-benefit-reduce-stopped", benefit_stopped, benefit(BenefitChangeKind.REDUCED, D(2026, 3, 1), 50_000),
         "benefit-must-be-paid"),
    case("change-benefit-reduce-none", registered, benefit(BenefitChangeKind.REDUCED, D(2026, 3, 1), 50_000),
         "benefit-must-be-paid"),
    case("change-benefit-reduce", on_benefit, benefit(BenefitChangeKind.REDUCED, D(2026, 3, 1)), "amount-required"),
    case("change-benefit-resume", benefit_stopped, benefit(BenefitChangeKind.RESUMED, D(2026, 3, 1)), "amount-required"),
    case("change-benefit-0", on_benefit, benefit(BenefitChangeKind.REDUCED, D(2026, 3, 1), 0), "monthlyAmountCents", InvalidField),
    case("change-benefit-negative", benefit_stopped, benefit(BenefitChangeKind.RESUMED, D(2026, 3, 1), -1), "monthlyAmountCents",
         InvalidField),
    case("change-benefit-fraction", on_benefit, benefit(BenefitChangeKind.REDUCED, D(2026, 3, 1), 500.5), "monthlyAmountCents",
         InvalidField),
    case("change-benefit-same", on_benefit, benefit(BenefitChangeKind.REDUCED, D(2026, 3, 1), 125_000), "reduction-lowers-amount"),
    case("change-benefit-more", on_benefit, benefit(BenefitChangeKind.REDUCED, D(2026, 3, 1), 130_000), "reduction-lowers-amount"),
    case("change-benefit-resume-paid", on_benefit, benefit(BenefitChangeKind.RESUMED, D(2026, 3, 1), 100_000),
         "benefit-must-be-stopped"),
    case("change-benefit", on_benefit, benefit(BenefitChangeKind.STOPPED, D(2026, 1, 4)), "not-before-registration"),
    case("change-benefit", on_benefit, benefit(BenefitChangeKind.STOPPED, D(2026, 11, 23)), "no-future-dates"),
    # maatwerk
    case("grant-deviation", registered, deviation(D(2026, 1, 4), D(2026, 6, 1)), "not-before-registration"),
    case("grant-deviation", registered, deviation(D(2026, 3, 1), D(2026, 2, 28)), "end-after-start"),
    case("grant-deviation-no-reason", registered, deviation(D(2026, 3, 1), D(2026, 6, 1), reason=" "), "deviation-reasoned"),
    case("grant-deviation-no-granter", registered, deviation(D(2026, 3, 1), D(2026, 6, 1), granted_by=""), "deviation-reasoned"),
]


def _name(error: Exception) -> str:
    return error.name if isinstance(error, InvalidField) else error.rule  # type: ignore[attr-defined]


@pytest.mark.parametrize(("setup", "build", "error", "rule"), CASES)
def test_a_route_command_that_breaks_a_rule_is_refused_and_records_nothing(setup, build, error, rule):
    world = World()
    route = setup(world)
    assert _name(world.refuses(build(route), error)) == rule


def test_an_invalid_kvk_number_is_refused_as_the_invalid_field_employer_kvk_number():
    # A form or an import row builds the command from what a person typed: refused like a request.
    world = World()
    route = registered(world)
    error = world.refuses(propose(D(2026, 3, 2), kvk="1234")(route), InvalidField)
    assert (error.name, error.reason) == ("employer.kvkNumber", "a KvK number is exactly eight digits")


# --- the shared guards of every step ----------------------------------------------------------------------

BEFORE_REGISTRATION, AFTER_TODAY = date(2026, 1, 4), date(2026, 11, 23)


def _route_with_a_proposal(world: World) -> Route:
    return proposed(world)


@pytest.mark.parametrize("kind", [k for k in ROUTE_COMMANDS if k not in (c.EraseCandidate, c.RecordDueMilestones, c.ApplyRetention, c.ReEnter)],
                         ids=lambda k: k.__name__)
def test_no_step_is_dated_before_the_registration(kind):
    world = World()
    route = _route_with_a_proposal(world)
    error = world.refuses(sample(kind, route.t, on=BEFORE_REGISTRATION, placement_id=route.p), RuleViolation)
    assert error.rule == "not-before-registration"


@pytest.mark.parametrize("kind", [k for k in ROUTE_COMMANDS if k not in (c.GrantDeviation, c.ReEnter)], ids=lambda k: k.__name__)
def test_no_step_is_dated_after_today(kind):
    world = World()
    route = _route_with_a_proposal(world)
    error = world.refuses(sample(kind, route.t, on=AFTER_TODAY, placement_id=route.p), RuleViolation)
    assert error.rule == "no-future-dates"
    assert AFTER_TODAY > TODAY


STEPS = [c.StartPhase, c.CompletePhase, c.EndPhase, c.SkipPhase, c.AssessLanguage, c.RecordPractice, c.ObtainCertificate,
         c.ProposePlacement, c.ConfirmPlacement, c.DeclinePlacement, c.StartContract, c.EndPlacement, c.IssueGuarantee,
         c.RecordCheckIn, c.EndGuarantee, c.DropOut]


@pytest.mark.parametrize("kind", STEPS, ids=lambda k: k.__name__)
def test_no_step_is_recorded_after_a_drop_out(kind):
    world = World()
    route = _route_with_a_proposal(world)  # the proposal stays open: only an active placement stops a drop-out
    route.step(c.DropOut, on=date(2026, 3, 5), reason=DropOutReason.HEALTH, explanation="x")
    error = world.refuses(sample(kind, route.t, on=date(2026, 3, 10), placement_id=route.p), RuleViolation)
    assert error.rule == "no-steps-after-drop-out"


def test_a_benefit_change_is_recorded_after_a_drop_out_and_a_re_entry_reopens_the_route():
    world = World()
    route = on_benefit(world)
    route.step(c.DropOut, on=date(2026, 3, 5), reason=DropOutReason.HEALTH, explanation="x")
    route.step(c.ChangeBenefit, on=date(2026, 3, 6), kind=BenefitChangeKind.REDUCED, monthly_cents=90_000)
    route.step(c.ReEnter, on=date(2026, 4, 1), explanation="recovered")
    route.step(c.StartPhase, on=date(2026, 4, 2), phase=Phase.ORIENTATION)
    assert world.log.event_names(route.t)[-4:] == ["DroppedOut", "BenefitReduced", "ReEntered", "PhaseStarted"]
