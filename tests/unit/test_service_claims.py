"""Claims through ``Service.handle``: filing one (which agreement, which trajectory, who claims, the
filing date, eligibility from the trajectory's own events, one claim per trigger) and the payer's
decisions (approve within the budget cap, reject, record the payment). Who may decide at all is
in ``test_service_authorisation``."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from domain import commands as c
from domain.access import covers_nothing
from domain.errors import Ineligible, InvalidField, NotFound, RuleViolation
from domain.terms import ClaimStatus, Terms, Trigger
from domain.values import Actor, PlacementEndReason, TargetGroup
from tests.unit.fakes import EMPLOYER, FUND, KM, OTHER_FUND, OTHER_KM, OTHER_PERSON, World

FILED_ON = date(2026, 3, 20)


def _working(world: World, **registration: object) -> UUID:
    """A GM0363 trajectory registered on 5 January whose placement's contract started on 9 March."""
    t = world.register(**registration)  # type: ignore[arg-type]
    world.working(t)
    return t


def _claim(agreement: UUID, t: UUID, *, actor: Actor = KM, on: date = FILED_ON) -> c.FileClaim:
    return c.FileClaim(actor=actor, on=on, agreement_id=agreement, trajectory_id=t)


# --- which agreement, which trajectory, who claims -------------------------------------------------------


def test_a_claim_under_an_unknown_agreement_is_an_invalid_agreement_id():
    world = World()
    t = _working(world)
    assert world.refuses(_claim(uuid4(), t), InvalidField).name == "agreementId"


def test_a_claim_naming_a_trajectory_as_its_agreement_is_an_invalid_agreement_id():
    world = World()
    t = _working(world)
    assert world.refuses(_claim(t, t), InvalidField).name == "agreementId"


@pytest.mark.parametrize(
    ("payer", "claimant", "municipalities"),
    [
        pytest.param(OTHER_FUND, None, ("GM0599",), id="a-fund-agreement-for-another-municipality"),
        pytest.param(FUND, FUND.organisation, ("GM0363",), id="a-fund-agreement-another-claims-under"),
        pytest.param(OTHER_KM, None, (), id="another-municipalitys-own-agreement"),
    ],
)
def test_a_claim_under_an_agreement_the_klantmanager_cannot_see_is_an_invalid_agreement_id(payer, claimant, municipalities):
    world = World()
    t = _working(world)
    agreement = world.conclude(actor=payer, claimant=claimant, municipalities=municipalities)
    assert world.refuses(_claim(agreement, t), InvalidField).name == "agreementId"


def test_a_claim_naming_a_trajectory_the_claimant_cannot_see_is_not_found():
    world = World()
    t = _working(world)
    theirs = world.conclude(actor=FUND, municipalities=("GM0599",))  # OTHER_KM sees it and files its claims
    assert world.refuses(_claim(theirs, t, actor=OTHER_KM), NotFound).what == "trajectory"
    assert world.refuses(_claim(theirs, uuid4(), actor=OTHER_KM), NotFound).what == "trajectory"


def test_a_fund_names_a_trajectory_its_own_new_agreement_covers_before_its_coverage_knows_it():
    world = World(fund_coverage=covers_nothing)  # as if the read models had not caught up yet
    t = _working(world)
    agreement = world.conclude(actor=FUND, claimant=FUND.organisation)
    claim = world.handle(_claim(agreement, t, actor=FUND)).aggregate
    assert (claim.status, claim.claimant, claim.payer) == (ClaimStatus.FILED, FUND.organisation, FUND.organisation)


def test_a_fund_claims_as_the_named_claimant_of_a_municipalitys_agreement():
    world = World(fund_coverage=covers_nothing)
    t = _working(world)
    agreement = world.conclude(actor=KM, claimant=FUND.organisation)
    claim = world.handle(_claim(agreement, t, actor=FUND)).aggregate
    assert (claim.claimant, claim.payer, claim.municipality) == (FUND.organisation, "GM0363", "GM0363")


def test_a_klantmanager_sees_and_claims_under_a_fund_agreement_covering_its_region():
    world = World(regions={"GM0363": "Groot Amsterdam"})
    t = _working(world)
    agreement = world.conclude(actor=FUND, municipalities=(), regions=("Groot Amsterdam",))
    assert world.handle(_claim(agreement, t)).aggregate.status is ClaimStatus.FILED


@pytest.mark.parametrize(
    ("payer", "claimant", "filer"),
    [
        pytest.param(FUND, None, FUND, id="the-paying-fund-where-the-municipality-claims"),
        pytest.param(KM, FUND.organisation, KM, id="the-paying-municipality-where-a-fund-claims"),
        pytest.param(FUND, KM.organisation, FUND, id="the-paying-fund-where-a-municipality-claims"),
    ],
)
def test_only_the_agreements_claimant_files_its_claims(payer, claimant, filer):
    world = World()
    t = _working(world)
    agreement = world.conclude(actor=payer, claimant=claimant)
    assert world.refuses(_claim(agreement, t, actor=filer), RuleViolation).rule == "claimant-claims"


# --- the filing date ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("valid_from", "filed_on"),
    [
        pytest.param(date(2026, 1, 1), date(2026, 11, 23), id="after-today"),
        pytest.param(date(2026, 4, 1), date(2026, 3, 31), id="before-the-agreement-starts"),
        pytest.param(date(2026, 1, 1), date(2026, 1, 4), id="before-the-registration"),
    ],
)
def test_a_claim_is_filed_on_a_day_the_agreement_and_the_trajectory_exist(valid_from, filed_on):
    world = World()
    t = world.register()
    agreement = world.conclude(trigger=Trigger.REGISTERED, valid_from=valid_from, on=date(2026, 1, 1))
    assert world.refuses(_claim(agreement, t, on=filed_on), InvalidField).name == "filedOn"


# --- eligibility -------------------------------------------------------------------------------------------


def _ineligible(world: World, command: c.FileClaim) -> str:
    error = world.refuses(command, Ineligible)
    assert error.rule == "eligibility"
    return error.condition


def test_a_claim_before_its_trigger_is_reached_is_ineligible():
    world = World()
    t = world.register()
    agreement = world.conclude(trigger=Trigger.PLACEMENT_STARTED)
    assert _ineligible(world, _claim(agreement, t)) == "trigger-reached"


def test_eligibility_is_as_of_the_filing_date():
    world = World()
    t = _working(world)  # the contract started on 9 March
    agreement = world.conclude(trigger=Trigger.PLACEMENT_STARTED)
    assert _ineligible(world, _claim(agreement, t, on=date(2026, 3, 8))) == "trigger-reached"
    assert world.handle(_claim(agreement, t, on=date(2026, 3, 9))).aggregate.trigger_on == date(2026, 3, 9)


def test_a_claim_for_a_target_group_the_agreement_does_not_cover_is_ineligible():
    world = World()
    t = _working(world, target_group=TargetGroup.STATUSHOUDER)
    agreement = world.conclude(target_groups=("other",))
    assert _ineligible(world, _claim(agreement, t)) == "target-group"


def test_a_claim_for_a_municipality_the_agreement_does_not_cover_is_ineligible():
    # The fund sees the trajectory (another of its agreements covers it), not through this one.
    world = World(fund_coverage=lambda fund, trajectory: fund == FUND.organisation)
    t = _working(world)
    agreement = world.conclude(actor=FUND, claimant=FUND.organisation, municipalities=("GM0599",))
    assert _ineligible(world, _claim(agreement, t, actor=FUND)) == "municipality-or-region"


@pytest.mark.parametrize(
    ("trigger", "valid_from", "valid_until"),
    [
        pytest.param(Trigger.REGISTERED, date(2026, 2, 1), None, id="reached-before-the-agreement"),
        pytest.param(Trigger.PLACEMENT_STARTED, date(2026, 1, 1), date(2026, 3, 1), id="reached-after-the-agreement"),
    ],
)
def test_a_trigger_reached_outside_the_agreements_validity_is_ineligible(trigger, valid_from, valid_until):
    world = World()
    t = _working(world)
    agreement = world.conclude(trigger=trigger, valid_from=valid_from, valid_until=valid_until)
    assert _ineligible(world, _claim(agreement, t)) == "validity-period"


def test_a_placement_that_ended_inside_the_minimum_months_is_ineligible():
    world = World()
    t = world.register()
    placement = world.working(t)
    world.step(c.EndPlacement, t, actor=EMPLOYER, on=date(2026, 4, 30), placement_id=placement,
               reason=PlacementEndReason.DISMISSED)
    agreement = world.conclude(trigger=Trigger.PLACEMENT_STARTED, min_placement_months=6)
    assert _ineligible(world, _claim(agreement, t, on=date(2026, 5, 10))) == "minimum-placement-months"
    # Filed while it ran, it was eligible.
    assert world.handle(_claim(agreement, t, on=date(2026, 4, 29))).aggregate.status is ClaimStatus.FILED


def test_a_claim_is_paid_by_the_terms_in_force_on_its_trigger_date():
    world = World()
    t = _working(world)  # the trigger: 9 March
    agreement = world.conclude(trigger=Trigger.PLACEMENT_STARTED, amount_cents=250_000)
    world.handle(c.ChangeAgreementTerms(actor=FUND, on=date(2026, 3, 10), agreement_id=agreement,
                                        terms=Terms(effective_from=date(2026, 3, 10), amount_cents=400_000,
                                                    municipalities=("GM0363",))))
    claim = world.handle(_claim(agreement, t)).aggregate
    assert (claim.trigger_on, claim.amount_cents) == (date(2026, 3, 9), 250_000)


# --- one claim per trigger ---------------------------------------------------------------------------------


def test_a_second_identical_claim_is_refused():
    world = World()
    t = _working(world)
    agreement = world.conclude()
    world.handle(_claim(agreement, t))
    assert world.refuses(_claim(agreement, t, on=date(2026, 3, 21)), RuleViolation).rule == "one-claim-per-trigger"


@pytest.mark.parametrize("decided", ["approved", "paid"])
def test_a_decided_claim_is_not_filed_again(decided):
    world = World()
    t = _working(world)
    agreement = world.conclude()
    claim = world.handle(_claim(agreement, t)).aggregate.id
    world.handle(c.ApproveClaim(actor=FUND, on=date(2026, 3, 21), claim_id=claim))
    if decided == "paid":
        world.handle(c.RecordPayment(actor=FUND, on=date(2026, 3, 22), claim_id=claim))
    assert world.refuses(_claim(agreement, t, on=date(2026, 3, 23)), RuleViolation).rule == "one-claim-per-trigger"


def test_a_claim_for_another_trajectory_under_the_agreement_is_another_claim():
    world = World()
    t = _working(world)
    other = _working(world, person=OTHER_PERSON)
    agreement = world.conclude()
    assert world.handle(_claim(agreement, t)).aggregate.id != world.handle(_claim(agreement, other)).aggregate.id


def test_a_rejected_claim_filed_again_is_the_same_claim():
    world = World()
    t = _working(world)
    agreement = world.conclude()
    first = world.handle(_claim(agreement, t)).aggregate
    world.handle(c.RejectClaim(actor=FUND, on=date(2026, 3, 25), claim_id=first.id, reason="contract missing"))
    again = world.handle(_claim(agreement, t, on=date(2026, 4, 1))).aggregate
    assert again.id == first.id and again.version == 3
    assert (again.status, again.filed_on, again.rejection) == (ClaimStatus.FILED, date(2026, 4, 1), None)
    assert world.log.event_names(first.id) == ["ClaimFiled", "ClaimRejected", "ClaimRefiled"]


def test_a_rejected_claim_is_not_filed_again_before_its_rejection():
    world = World()
    t = _working(world)
    agreement = world.conclude()
    claim = world.handle(_claim(agreement, t)).aggregate.id
    world.handle(c.RejectClaim(actor=FUND, on=date(2026, 3, 25), claim_id=claim, reason="contract missing"))
    assert world.refuses(_claim(agreement, t, on=date(2026, 3, 24)), InvalidField).name == "filedOn"


# --- decisions ---------------------------------------------------------------------------------------------


def _filed(world: World, *, budget_cap_cents: int | None = None, amount_cents: int = 250_000) -> tuple[UUID, UUID]:
    t = _working(world)
    agreement = world.conclude(budget_cap_cents=budget_cap_cents, amount_cents=amount_cents)
    return agreement, world.handle(_claim(agreement, t)).aggregate.id


def _approve(claim: UUID, on: date = date(2026, 3, 21)) -> c.ApproveClaim:
    return c.ApproveClaim(actor=FUND, on=on, claim_id=claim)


def _reject(claim: UUID, on: date = date(2026, 3, 22), reason: str = "no proof") -> c.RejectClaim:
    return c.RejectClaim(actor=FUND, on=on, claim_id=claim, reason=reason)


def _pay(claim: UUID, on: date = date(2026, 3, 23)) -> c.RecordPayment:
    return c.RecordPayment(actor=FUND, on=on, claim_id=claim)


def test_the_payer_approves_and_reserves_the_amount_against_the_budget():
    world = World()
    agreement, claim = _filed(world, budget_cap_cents=1_000_000)
    outcome = world.handle(_approve(claim))
    assert outcome.aggregate.status is ClaimStatus.APPROVED and outcome.recorded == 2
    assert world.log.aggregate(agreement).reservations == {str(claim): 250_000}
    assert outcome.position == world.log.last_position()


def test_an_approval_beyond_the_budget_cap_is_refused():
    world = World()
    _, claim = _filed(world, budget_cap_cents=200_000)
    assert world.refuses(_approve(claim), RuleViolation).rule == "budget-cap"


def test_the_budget_cap_counts_what_is_reserved_and_a_rejection_frees_it():
    world = World()
    t, other = _working(world), _working(world, person=OTHER_PERSON)
    agreement = world.conclude(budget_cap_cents=400_000)
    first = world.handle(_claim(agreement, t)).aggregate.id
    second = world.handle(_claim(agreement, other)).aggregate.id
    world.handle(_approve(first))
    assert world.refuses(_approve(second), RuleViolation).rule == "budget-cap"
    rejected = world.handle(_reject(first))
    assert rejected.recorded == 2 and world.log.event_names(agreement)[-1] == "BudgetReleased"
    assert world.handle(_approve(second, on=date(2026, 3, 23))).aggregate.status is ClaimStatus.APPROVED


@pytest.mark.parametrize("before", ["approved", "rejected", "paid"])
def test_only_a_filed_claim_is_approved(before):
    world = World()
    _, claim = _filed(world)
    if before == "rejected":
        world.handle(_reject(claim, on=date(2026, 3, 21)))
    else:
        world.handle(_approve(claim, on=date(2026, 3, 21)))
        if before == "paid":
            world.handle(_pay(claim, on=date(2026, 3, 21)))
    assert world.refuses(_approve(claim, on=date(2026, 3, 25)), RuleViolation).rule == "claim-must-be-filed"


@pytest.mark.parametrize("on", [date(2026, 3, 19), date(2026, 11, 23)], ids=["before-the-filing", "after-today"])
def test_an_approval_is_dated_between_the_filing_and_today(on):
    world = World()
    _, claim = _filed(world)
    assert world.refuses(_approve(claim, on=on), InvalidField).name == "date"


@pytest.mark.parametrize("on", [date(2026, 3, 19), date(2026, 11, 23)], ids=["before-the-filing", "after-today"])
def test_a_rejection_is_dated_between_the_filing_and_today(on):
    world = World()
    _, claim = _filed(world)
    assert world.refuses(_reject(claim, on=on), InvalidField).name == "date"


def test_a_rejection_states_its_reason():
    world = World()
    _, claim = _filed(world)
    assert world.refuses(_reject(claim, reason="  "), InvalidField).name == "reason"


@pytest.mark.parametrize("before", ["rejected", "paid"])
def test_a_rejected_or_paid_claim_can_no_longer_be_rejected(before):
    world = World()
    _, claim = _filed(world)
    if before == "rejected":
        world.handle(_reject(claim, on=date(2026, 3, 21)))
    else:
        world.handle(_approve(claim, on=date(2026, 3, 21)))
        world.handle(_pay(claim, on=date(2026, 3, 21)))
    assert world.refuses(_reject(claim, on=date(2026, 3, 25)), RuleViolation).rule == "claim-must-be-open"


def test_an_approved_claim_not_yet_paid_can_be_rejected_and_its_reservation_released():
    world = World()
    agreement, claim = _filed(world)
    world.handle(_approve(claim))
    assert world.handle(_reject(claim)).aggregate.status is ClaimStatus.REJECTED
    assert world.log.aggregate(agreement).reservations == {}


@pytest.mark.parametrize("before", ["filed", "rejected", "paid"])
def test_only_an_approved_claim_is_paid(before):
    world = World()
    _, claim = _filed(world)
    if before == "rejected":
        world.handle(_reject(claim, on=date(2026, 3, 21)))
    elif before == "paid":
        world.handle(_approve(claim, on=date(2026, 3, 21)))
        world.handle(_pay(claim, on=date(2026, 3, 21)))
    assert world.refuses(_pay(claim, on=date(2026, 3, 25)), RuleViolation).rule == "claim-must-be-approved"


@pytest.mark.parametrize("on", [date(2026, 3, 20), date(2026, 11, 23)], ids=["before-the-approval", "after-today"])
def test_a_payment_is_dated_between_the_approval_and_today(on):
    world = World()
    _, claim = _filed(world)
    world.handle(_approve(claim, on=date(2026, 3, 21)))
    assert world.refuses(_pay(claim, on=on), InvalidField).name == "date"


def test_the_payer_records_the_payment():
    world = World()
    _, claim = _filed(world)
    world.handle(_approve(claim))
    paid = world.handle(_pay(claim))
    assert (paid.aggregate.status, paid.aggregate.paid_on, paid.recorded) == (ClaimStatus.PAID, date(2026, 3, 23), 1)
    # Claims and their decisions concern no candidate's data: the access log has the route's steps only.
    assert {e.activity for e in world.log.access_log} == {"register_trajectory", "propose_placement", "confirm_placement",
                                                           "start_contract"}
