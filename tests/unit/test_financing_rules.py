"""Financing agreements and claims (``domain.financing``) on the aggregates: who concludes and
changes an agreement, its budget, and a claim from filing through the payer's decision to payment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import pytest

from domain.errors import Forbidden, InvalidField, RuleViolation
from domain.financing import Claim, Decision, FinancingAgreement, claim_id_for
from domain.terms import ClaimStatus, FinancingKind, PayerKind, Terms, Trigger
from domain.values import SYSTEM_ACTOR, Actor, Phase, Role

KM = Actor("km-1", Role.KLANTMANAGER, "GM0363")
OTHER_KM = Actor("km-2", Role.KLANTMANAGER, "GM0599")
FUND = Actor("f-1", Role.FUND, "OO-BOUW")
OTHER_FUND = Actor("f-2", Role.FUND, "OO-TECHNIEK")
TODAY = date(2026, 11, 22)


def _violation(call: Callable[[], object]) -> RuleViolation:
    with pytest.raises(RuleViolation) as error:
        call()
    assert type(error.value) is RuleViolation
    return error.value


def _invalid(call: Callable[[], object]) -> InvalidField:
    with pytest.raises(InvalidField) as error:
        call()
    return error.value


def _conclude(**overrides: object) -> FinancingAgreement:
    arguments: dict = dict(
        agreement_id=uuid4(), payer_kind="municipality", payer="GM0363", claimant=None, kind="result", trigger="registered", phase=None,
        valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31), budget_cap_cents=None, terms=Terms(date(2000, 1, 1), 300000),
        on=date(2026, 1, 1), today=TODAY, actor=KM,
    )
    arguments.update(overrides)
    return FinancingAgreement.conclude(**arguments)


def _fund_agreement(**overrides: object) -> FinancingAgreement:
    values: dict = dict(payer_kind="fund", payer="OO-BOUW", actor=FUND, kind="training", trigger="phase-completed",
                        phase="bedrijfsvakschool", claimant="OO-BOUW")
    values.update(overrides)
    return _conclude(**values)


# -- concluding an agreement ------------------------------------------------------------------------------


def test_a_municipality_concludes_an_agreement_for_its_own_trajectories_recorded_with_its_klantmanager():
    agreement_id = uuid4()
    agreement = _conclude(agreement_id=agreement_id, budget_cap_cents=900000, on=date(2025, 12, 15),
                          terms=Terms(date(2000, 1, 1), 300000, 6, ("statushouder",)))
    assert (agreement.id, agreement.payer_kind, agreement.payer, agreement.claimant, agreement.kind, agreement.trigger, agreement.phase) == (
        agreement_id, PayerKind.MUNICIPALITY, "GM0363", None, FinancingKind.RESULT, Trigger.REGISTERED, None,
    )
    assert (agreement.valid_from, agreement.valid_until, agreement.budget_cap_cents, agreement.concluded_on) == (
        date(2026, 1, 1), date(2026, 12, 31), 900000, date(2025, 12, 15),
    )
    # The terms take effect on the first day of validity and cover the municipality itself.
    assert agreement.terms_history == [Terms(date(2026, 1, 1), 300000, 6, ("statushouder",), ("GM0363",), ())]
    assert (agreement.reservations, agreement.reserved_cents) == ({}, 0)
    event = agreement.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.payer_kind, event.valid_from) == (
        "FinancingAgreementConcluded", KM, date(2025, 12, 15), "municipality", date(2026, 1, 1),
    )
    assert event.terms == Terms(date(2026, 1, 1), 300000, 6, ("statushouder",), ("GM0363",), ()).as_dict()


def test_a_fund_concludes_an_agreement_for_the_places_it_names():
    agreement = _fund_agreement(terms=Terms(date(2000, 1, 1), 5000, regions=("Rijnmond",)))
    assert (agreement.payer_kind, agreement.payer, agreement.claimant, agreement.phase) == (
        PayerKind.FUND, "OO-BOUW", "OO-BOUW", Phase.BEDRIJFSVAKSCHOOL,
    )
    assert agreement.terms_history == [Terms(date(2026, 1, 1), 5000, regions=("Rijnmond",))]
    assert agreement.pending_events[-1].actor == FUND


@pytest.mark.parametrize(
    ("payer_kind", "payer", "actor"),
    [
        ("municipality", "GM0363", OTHER_KM),  # a klantmanager of another municipality
        ("municipality", "GM0363", Actor("f", Role.FUND, "GM0363")),  # that organisation, but not a klantmanager
        ("fund", "OO-BOUW", OTHER_FUND),
        ("fund", "OO-BOUW", Actor("km", Role.KLANTMANAGER, "OO-BOUW")),
        ("fund", "OO-BOUW", Actor("apt", Role.PROCESREGIE, "OO-BOUW")),
    ],
)
def test_only_the_payer_concludes_its_agreements(payer_kind, payer, actor):
    with pytest.raises(Forbidden):
        _conclude(payer_kind=payer_kind, payer=payer, actor=actor)


def test_a_municipality_pays_under_its_municipality_code():
    error = _invalid(lambda: _conclude(payer="Amsterdam", actor=Actor("km", Role.KLANTMANAGER, "Amsterdam")))
    assert (error.name, "GM0363" in error.reason) == ("payer", True)
    _fund_agreement(payer="OO-BOUW")  # a fund is named as it likes


def test_an_agreement_is_concluded_today_at_the_latest():
    _conclude(on=TODAY)
    error = _invalid(lambda: _conclude(on=date(2026, 11, 23)))
    assert (error.rule, error.name) == ("invalid-field", "concludedOn")


@pytest.mark.parametrize("trigger", ["phase-started", "phase-completed"])
def test_a_phase_trigger_names_its_phase(trigger):
    assert _invalid(lambda: _conclude(trigger=trigger, phase=None)).name == "phase"
    assert _conclude(trigger=trigger, phase="orientation").phase is Phase.ORIENTATION


@pytest.mark.parametrize("trigger", ["registered", "placement-started", "lasting-placement"])
def test_a_trigger_of_no_phase_names_none(trigger):
    assert _invalid(lambda: _conclude(trigger=trigger, phase="orientation")).name == "phase"
    assert _conclude(trigger=trigger, phase=None).phase is None


def test_a_certificate_trigger_names_a_phase_or_none():
    assert _conclude(trigger="certificate-obtained", phase=None).phase is None
    assert _conclude(trigger="certificate-obtained", phase="pre-trajectory").phase is Phase.PRE_TRAJECTORY


def test_an_agreement_is_valid_for_at_least_a_day_or_open_ended():
    assert _conclude(valid_until=date(2026, 1, 1)).valid_until == date(2026, 1, 1)
    assert _conclude(valid_until=None).valid_until is None
    assert _invalid(lambda: _conclude(valid_until=date(2025, 12, 31))).name == "validUntil"


@pytest.mark.parametrize("cap", [0, -1, 1.5, "100"])
def test_a_budget_cap_is_a_whole_number_of_cents_greater_than_zero_or_none(cap):
    assert _invalid(lambda: _conclude(budget_cap_cents=cap)).name == "budgetCapCents"


def test_the_terms_of_a_new_agreement_are_validated():
    assert _invalid(lambda: _conclude(terms=Terms(date(2026, 1, 1), 0))).name == "amountCents"


@pytest.mark.parametrize(
    "terms",
    [
        Terms(date(2026, 1, 1), 1, municipalities=("GM0599",)),
        Terms(date(2026, 1, 1), 1, municipalities=("GM0363", "GM0599")),
        Terms(date(2026, 1, 1), 1, regions=("Groot Amsterdam",)),
        Terms(date(2026, 1, 1), 1, municipalities=("GM0363",), regions=("Groot Amsterdam",)),
    ],
)
def test_a_municipality_finances_its_own_trajectories_only(terms):
    assert _invalid(lambda: _conclude(terms=terms)).name == "municipalities"


def test_a_municipality_may_name_itself_in_its_terms():
    agreement = _conclude(terms=Terms(date(2026, 1, 1), 1, municipalities=("GM0363",)))
    assert agreement.terms_history[0].municipalities == ("GM0363",)


def test_an_agreement_as_a_view_and_its_terms_and_days():
    agreement = _fund_agreement(budget_cap_cents=1000, terms=Terms(date(2026, 1, 1), 10, 3, ("other",), (), ("Rijnmond",)))
    view = agreement.view()
    assert (view.id, view.payer_kind, view.payer, view.claimant, view.kind, view.trigger, view.phase) == (
        agreement.id, PayerKind.FUND, "OO-BOUW", "OO-BOUW", FinancingKind.TRAINING, Trigger.PHASE_COMPLETED, Phase.BEDRIJFSVAKSCHOOL,
    )
    assert (view.valid_from, view.valid_until, view.budget_cap_cents, view.terms_history) == (
        date(2026, 1, 1), date(2026, 12, 31), 1000, (Terms(date(2026, 1, 1), 10, 3, ("other",), (), ("Rijnmond",)),),
    )
    assert agreement.terms_on(date(2026, 6, 1)) == view.terms_history[0]
    assert agreement.covers_date(date(2026, 12, 31)) and not agreement.covers_date(date(2027, 1, 1))


# -- changing the terms -----------------------------------------------------------------------------------


def test_the_payer_changes_the_terms_from_a_later_date_recorded_with_that_date_and_its_actor():
    agreement = _conclude()
    agreement.change_terms(Terms(date(2026, 1, 2), 350000, 3), today=TODAY, actor=KM)
    assert agreement.terms_history == [Terms(date(2026, 1, 1), 300000, 0, (), ("GM0363",)), Terms(date(2026, 1, 2), 350000, 3, (), ("GM0363",))]
    event = agreement.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.terms) == (
        "TermsChanged", KM, date(2026, 1, 2), Terms(date(2026, 1, 2), 350000, 3, (), ("GM0363",)).as_dict(),
    )
    assert agreement.terms_on(date(2026, 1, 1)).amount_cents == 300000
    assert agreement.terms_on(date(2026, 1, 2)).amount_cents == 350000


def test_a_change_of_terms_takes_effect_after_the_last_one_within_the_validity():
    agreement = _conclude()
    assert _invalid(lambda: agreement.change_terms(Terms(date(2026, 1, 1), 1), today=TODAY, actor=KM)).name == "effectiveFrom"
    agreement.change_terms(Terms(date(2026, 6, 1), 2), today=TODAY, actor=KM)
    assert _invalid(lambda: agreement.change_terms(Terms(date(2026, 6, 1), 3), today=TODAY, actor=KM)).name == "effectiveFrom"
    assert _invalid(lambda: agreement.change_terms(Terms(date(2027, 1, 1), 3), today=TODAY, actor=KM)).name == "effectiveFrom"
    agreement.change_terms(Terms(date(2026, 12, 31), 3), today=TODAY, actor=KM)
    assert [t.amount_cents for t in agreement.terms_history] == [300000, 2, 3]


def test_changed_terms_are_validated_and_a_fund_keeps_the_places_it_names():
    agreement = _fund_agreement()
    assert _invalid(lambda: agreement.change_terms(Terms(date(2026, 2, 1), -5), today=TODAY, actor=FUND)).name == "amountCents"
    agreement.change_terms(Terms(date(2026, 2, 1), 5, regions=("Twente", "Rijnmond")), today=TODAY, actor=FUND)
    assert agreement.terms_history[-1] == Terms(date(2026, 2, 1), 5, regions=("Rijnmond", "Twente"))


@pytest.mark.parametrize(
    "terms",
    [Terms(date(2026, 2, 1), 1, municipalities=("GM0599",)), Terms(date(2026, 2, 1), 1, regions=("Groot Amsterdam",))],
)
def test_changed_terms_of_a_municipality_cover_its_own_trajectories_only(terms):
    agreement = _conclude()
    assert _invalid(lambda: agreement.change_terms(terms, today=TODAY, actor=KM)).name == "municipalities"
    agreement.change_terms(Terms(date(2026, 2, 1), 1, municipalities=("GM0363",)), today=TODAY, actor=KM)
    assert agreement.terms_history[-1].municipalities == ("GM0363",)


@pytest.mark.parametrize("actor", [OTHER_KM, FUND, Actor("f", Role.FUND, "GM0363"), Actor("apt", Role.PROCESREGIE, "GM0363")])
def test_only_the_payer_changes_the_terms(actor):
    agreement = _conclude()
    with pytest.raises(Forbidden):
        agreement.change_terms(Terms(date(2026, 2, 1), 1), today=TODAY, actor=actor)


# -- the parties ------------------------------------------------------------------------------------------


def test_the_payer_of_an_agreement_is_its_municipalitys_klantmanager_or_the_fund_itself():
    municipal = _conclude()
    assert municipal.is_payer(KM) and not municipal.is_payer(OTHER_KM) and not municipal.is_payer(Actor("f", Role.FUND, "GM0363"))
    fund = _fund_agreement()
    assert fund.is_payer(FUND) and not fund.is_payer(OTHER_FUND) and not fund.is_payer(Actor("k", Role.KLANTMANAGER, "OO-BOUW"))
    municipal.check_payer(KM)
    with pytest.raises(Forbidden):
        municipal.check_payer(OTHER_KM)


def test_a_named_claimant_claims_and_without_one_the_trajectorys_own_municipality():
    unnamed = _conclude()
    assert unnamed.may_claim(KM, "GM0363")
    assert not unnamed.may_claim(KM, "GM0599")
    assert not unnamed.may_claim(Actor("f", Role.FUND, "GM0363"), "GM0363")
    named = _fund_agreement(claimant="GM0599")
    assert named.may_claim(OTHER_KM, "GM0363")
    assert named.may_claim(Actor("f", Role.FUND, "GM0599"), "GM0363")
    assert not named.may_claim(Actor("apt", Role.PROCESREGIE, "GM0599"), "GM0363")
    assert not named.may_claim(KM, "GM0363")
    assert not named.may_claim(FUND, "GM0363")


def test_the_parties_of_an_agreement_are_its_payer_and_its_named_claimant():
    named = _fund_agreement(claimant="GM0599")
    assert named.is_party(FUND) and named.is_party(OTHER_KM) and named.is_party(Actor("apt", Role.PROCESREGIE, "GM0599"))
    assert not named.is_party(KM) and not named.is_party(OTHER_FUND)
    unnamed = _fund_agreement(claimant=None)
    assert unnamed.is_party(FUND) and not unnamed.is_party(KM)


# -- the budget -------------------------------------------------------------------------------------------


def test_approvals_reserve_the_budget_up_to_its_cap_exactly_and_no_further():
    agreement = _conclude(budget_cap_cents=1000)
    first, second, third = uuid4(), uuid4(), uuid4()
    agreement.reserve(first, 600, on=date(2026, 2, 1), actor=KM)
    agreement.reserve(second, 400, on=date(2026, 2, 2), actor=KM)
    assert (agreement.reservations, agreement.reserved_cents) == ({str(first): 600, str(second): 400}, 1000)
    event = agreement.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.claim_id, event.amount_cents) == (
        "BudgetReserved", KM, date(2026, 2, 2), str(second), 400,
    )
    assert _violation(lambda: agreement.reserve(third, 1, on=date(2026, 2, 3), actor=KM)).rule == "budget-cap"
    agreement.release(first, on=date(2026, 2, 4), actor=KM)
    assert agreement.reservations == {str(second): 400}
    event = agreement.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.claim_id) == ("BudgetReleased", KM, date(2026, 2, 4), str(first))
    agreement.reserve(third, 600, on=date(2026, 2, 5), actor=KM)
    assert agreement.reserved_cents == 1000


def test_a_budget_without_a_cap_reserves_any_amount_and_releasing_what_was_not_reserved_records_nothing():
    agreement = _conclude()
    agreement.reserve(uuid4(), 10**12, on=date(2026, 2, 1), actor=KM)
    count = len(agreement.pending_events)
    agreement.release(uuid4(), on=date(2026, 2, 2), actor=KM)
    assert len(agreement.pending_events) == count


# -- claims -----------------------------------------------------------------------------------------------


def test_one_claim_id_per_agreement_trajectory_and_trigger():
    agreement_id, trajectory_id = uuid4(), uuid4()
    same = claim_id_for(agreement_id, trajectory_id, Trigger.REGISTERED)
    assert claim_id_for(agreement_id, trajectory_id, "registered") == same
    assert claim_id_for(agreement_id, trajectory_id, Trigger.PLACEMENT_STARTED) != same
    assert claim_id_for(uuid4(), trajectory_id, Trigger.REGISTERED) != same
    assert claim_id_for(agreement_id, uuid4(), Trigger.REGISTERED) != same
    assert same.version == 5


def test_the_claim_id_is_derived_by_name_from_the_agreement_the_trajectory_and_the_trigger():
    agreement_id = UUID("00000000-0000-0000-0000-000000000001")
    trajectory_id = UUID("00000000-0000-0000-0000-000000000002")
    expected = uuid5(uuid5(NAMESPACE_URL, f"leerroute:agreement:{agreement_id}"), f"{trajectory_id}:placement-started")
    assert claim_id_for(agreement_id, trajectory_id, Trigger.PLACEMENT_STARTED) == expected


def _file(agreement: FinancingAgreement, trajectory_id=None, on: date = date(2026, 3, 1), amount: int = 300000, actor: Actor = KM) -> Claim:
    return Claim.file(agreement=agreement, trajectory_id=trajectory_id or uuid4(), municipality="GM0363", trigger_on=date(2026, 2, 1),
                      amount_cents=amount, on=on, today=TODAY, actor=actor)


def test_a_claim_is_filed_for_one_trajectory_under_one_agreement_by_its_claimant():
    agreement = _conclude()
    trajectory_id = uuid4()
    claim = _file(agreement, trajectory_id)
    assert claim.id == claim_id_for(agreement.id, trajectory_id, Trigger.REGISTERED)
    assert (claim.agreement_id, claim.trajectory_id, claim.municipality, claim.payer, claim.trigger) == (
        agreement.id, trajectory_id, "GM0363", "GM0363", Trigger.REGISTERED,
    )
    assert (claim.trigger_on, claim.amount_cents, claim.filed_on, claim.claimant, claim.status) == (
        date(2026, 2, 1), 300000, date(2026, 3, 1), "GM0363", ClaimStatus.FILED,
    )
    assert (claim.approval, claim.rejection, claim.paid_on) == (None, None, None)
    event = claim.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.claimant) == ("ClaimFiled", KM, date(2026, 3, 1), "GM0363")


def test_a_claim_is_filed_from_the_start_of_the_agreement_up_to_today():
    agreement = _conclude(valid_from=date(2026, 1, 1))
    assert _invalid(lambda: _file(agreement, on=date(2025, 12, 31))).name == "filedOn"
    assert _invalid(lambda: _file(agreement, on=date(2026, 11, 23))).name == "filedOn"
    assert _file(agreement, on=date(2026, 1, 1)).filed_on == date(2026, 1, 1)
    assert _file(agreement, on=TODAY).filed_on == TODAY


@pytest.mark.parametrize("amount", [0, -1, 1.5])
def test_a_claim_is_for_a_whole_number_of_cents_greater_than_zero(amount):
    assert _invalid(lambda: _file(_conclude(), amount=amount)).name == "amountCents"


def _approved(cap: int | None = None) -> tuple[FinancingAgreement, Claim]:
    agreement = _conclude(budget_cap_cents=cap)
    claim = _file(agreement)
    claim.approve(agreement, on=date(2026, 3, 10), today=TODAY, actor=KM)
    return agreement, claim


def test_the_payer_approves_a_filed_claim_reserving_its_amount_recorded_with_its_actor():
    agreement, claim = _approved(cap=300000)
    assert (claim.status, claim.approval, agreement.reservations) == (ClaimStatus.APPROVED, Decision(date(2026, 3, 10)), {str(claim.id): 300000})
    event = claim.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on) == ("ClaimApproved", KM, date(2026, 3, 10))
    reserved = agreement.pending_events[-1]
    assert (type(reserved).__name__, reserved.actor, reserved.on, reserved.claim_id, reserved.amount_cents) == (
        "BudgetReserved", KM, date(2026, 3, 10), str(claim.id), 300000,
    )


def test_an_approval_beyond_the_budget_cap_is_refused_and_leaves_the_claim_filed():
    agreement = _conclude(budget_cap_cents=299999)
    claim = _file(agreement)
    assert _violation(lambda: claim.approve(agreement, on=date(2026, 3, 10), today=TODAY, actor=KM)).rule == "budget-cap"
    assert claim.status is ClaimStatus.FILED


@pytest.mark.parametrize("actor", [OTHER_KM, FUND, Actor("apt", Role.PROCESREGIE, "GM0363"), SYSTEM_ACTOR], ids=lambda a: str(a.role))
def test_only_the_payer_decides_on_a_claim_and_records_its_payment(actor):
    agreement = _conclude()
    claim = _file(agreement)
    with pytest.raises(Forbidden):
        claim.approve(agreement, on=date(2026, 3, 10), today=TODAY, actor=actor)
    with pytest.raises(Forbidden):
        claim.reject(agreement, on=date(2026, 3, 10), today=TODAY, reason="x", actor=actor)
    claim.approve(agreement, on=date(2026, 3, 10), today=TODAY, actor=KM)
    with pytest.raises(Forbidden):
        claim.record_payment(agreement, on=date(2026, 3, 20), today=TODAY, actor=actor)


def test_a_decision_lies_on_or_after_the_filing_and_not_in_the_future():
    agreement = _conclude()
    claim = _file(agreement, on=date(2026, 3, 1))
    assert _invalid(lambda: claim.approve(agreement, on=date(2026, 2, 28), today=TODAY, actor=KM)).name == "date"
    assert _invalid(lambda: claim.approve(agreement, on=date(2026, 11, 23), today=TODAY, actor=KM)).name == "date"
    assert _invalid(lambda: claim.reject(agreement, on=date(2026, 2, 28), today=TODAY, reason="x", actor=KM)).name == "date"
    assert _invalid(lambda: claim.reject(agreement, on=date(2026, 11, 23), today=TODAY, reason="x", actor=KM)).name == "date"
    claim.approve(agreement, on=date(2026, 3, 1), today=TODAY, actor=KM)
    assert claim.approval == Decision(date(2026, 3, 1))


def test_only_a_filed_claim_is_approved():
    agreement, claim = _approved()
    assert _violation(lambda: claim.approve(agreement, on=date(2026, 3, 11), today=TODAY, actor=KM)).rule == "claim-must-be-filed"
    claim.record_payment(agreement, on=date(2026, 3, 20), today=TODAY, actor=KM)
    assert _violation(lambda: claim.approve(agreement, on=date(2026, 3, 21), today=TODAY, actor=KM)).rule == "claim-must-be-filed"


def test_the_payer_rejects_a_filed_claim_with_its_reason_recorded_with_its_actor():
    agreement = _conclude()
    claim = _file(agreement)
    claim.reject(agreement, on=date(2026, 3, 1), today=TODAY, reason="bewijs ontbreekt", actor=KM)
    assert (claim.status, claim.rejection) == (ClaimStatus.REJECTED, Decision(date(2026, 3, 1), "bewijs ontbreekt"))
    event = claim.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.reason) == ("ClaimRejected", KM, date(2026, 3, 1), "bewijs ontbreekt")


def test_rejecting_an_approved_claim_not_yet_paid_releases_its_reservation():
    agreement, claim = _approved(cap=300000)
    claim.reject(agreement, on=date(2026, 3, 15), today=TODAY, reason="fout", actor=KM)
    assert (claim.status, agreement.reservations) == (ClaimStatus.REJECTED, {})
    released = agreement.pending_events[-1]
    assert (type(released).__name__, released.actor, released.on, released.claim_id) == ("BudgetReleased", KM, date(2026, 3, 15), str(claim.id))


def test_a_paid_or_rejected_claim_can_no_longer_be_rejected():
    agreement, claim = _approved()
    claim.record_payment(agreement, on=date(2026, 3, 20), today=TODAY, actor=KM)
    assert _violation(lambda: claim.reject(agreement, on=date(2026, 3, 21), today=TODAY, reason="x", actor=KM)).rule == "claim-must-be-open"
    other = _file(agreement)
    other.reject(agreement, on=date(2026, 3, 21), today=TODAY, reason="x", actor=KM)
    assert _violation(lambda: other.reject(agreement, on=date(2026, 3, 22), today=TODAY, reason="x", actor=KM)).rule == "claim-must-be-open"


@pytest.mark.parametrize("reason", ["", "  "])
def test_a_rejection_states_its_reason(reason):
    agreement = _conclude()
    claim = _file(agreement)
    error = _invalid(lambda: claim.reject(agreement, on=date(2026, 3, 10), today=TODAY, reason=reason, actor=KM))
    assert error.name == "reason"
    assert claim.status is ClaimStatus.FILED


def test_the_payer_records_the_payment_of_an_approved_claim_recorded_with_its_actor():
    agreement, claim = _approved()
    claim.record_payment(agreement, on=date(2026, 3, 10), today=TODAY, actor=KM)  # the approval day is fine
    assert (claim.status, claim.paid_on) == (ClaimStatus.PAID, date(2026, 3, 10))
    event = claim.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.amount_cents) == ("PaymentRecorded", KM, date(2026, 3, 10), 300000)


def test_a_payment_lies_on_or_after_the_approval_and_not_in_the_future():
    agreement, claim = _approved()
    assert _invalid(lambda: claim.record_payment(agreement, on=date(2026, 3, 9), today=TODAY, actor=KM)).name == "date"
    assert _invalid(lambda: claim.record_payment(agreement, on=date(2026, 11, 23), today=TODAY, actor=KM)).name == "date"
    claim.record_payment(agreement, on=TODAY, today=TODAY, actor=KM)
    assert claim.paid_on == TODAY


def test_only_an_approved_claim_is_paid():
    agreement = _conclude()
    claim = _file(agreement)
    assert _violation(lambda: claim.record_payment(agreement, on=date(2026, 3, 20), today=TODAY, actor=KM)).rule == "claim-must-be-approved"
    claim.approve(agreement, on=date(2026, 3, 10), today=TODAY, actor=KM)
    claim.record_payment(agreement, on=date(2026, 3, 20), today=TODAY, actor=KM)
    assert _violation(lambda: claim.record_payment(agreement, on=date(2026, 3, 21), today=TODAY, actor=KM)).rule == "claim-must-be-approved"


def _rejected() -> tuple[FinancingAgreement, Claim]:
    agreement = _conclude()
    claim = _file(agreement)
    claim.reject(agreement, on=date(2026, 3, 10), today=TODAY, reason="bewijs ontbreekt", actor=KM)
    return agreement, claim


def test_a_rejected_claim_is_filed_again_with_its_new_trigger_amount_and_claimant():
    agreement, claim = _rejected()
    claim.refile(agreement, trigger_on=date(2026, 2, 15), amount_cents=250000, on=date(2026, 3, 10), today=TODAY, actor=OTHER_KM)
    assert (claim.status, claim.trigger_on, claim.amount_cents, claim.claimant, claim.filed_on) == (
        ClaimStatus.FILED, date(2026, 2, 15), 250000, "GM0599", date(2026, 3, 10),
    )
    assert (claim.approval, claim.rejection) == (None, None)
    event = claim.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.amount_cents, event.claimant) == (
        "ClaimRefiled", OTHER_KM, date(2026, 3, 10), 250000, "GM0599",
    )
    claim.approve(agreement, on=date(2026, 3, 11), today=TODAY, actor=KM)
    assert claim.status is ClaimStatus.APPROVED


@pytest.mark.parametrize("state", ["filed", "approved", "paid"])
def test_a_claim_not_rejected_is_not_filed_again(state):
    agreement = _conclude()
    claim = _file(agreement)
    if state != "filed":
        claim.approve(agreement, on=date(2026, 3, 10), today=TODAY, actor=KM)
    if state == "paid":
        claim.record_payment(agreement, on=date(2026, 3, 11), today=TODAY, actor=KM)
    rule = _violation(lambda: claim.refile(agreement, trigger_on=date(2026, 2, 1), amount_cents=1, on=date(2026, 3, 12), today=TODAY,
                                           actor=KM)).rule
    assert rule == "one-claim-per-trigger"


def test_a_claim_filed_again_lies_on_or_after_its_rejection_within_the_agreement_up_to_today():
    agreement, claim = _rejected()

    def refile(on: date, amount: int = 1) -> None:
        claim.refile(agreement, trigger_on=date(2026, 2, 1), amount_cents=amount, on=on, today=TODAY, actor=KM)

    assert _invalid(lambda: refile(date(2026, 3, 9))).name == "filedOn"
    assert _invalid(lambda: refile(date(2026, 11, 23))).name == "filedOn"
    assert _invalid(lambda: refile(date(2026, 3, 10), amount=0)).name == "amountCents"
    refile(date(2026, 3, 10))
    assert claim.filed_on == date(2026, 3, 10)


def test_a_claim_filed_again_lies_not_before_the_start_of_the_agreement():
    agreement = _conclude(valid_from=date(2026, 1, 1))
    claim = _file(agreement, on=date(2026, 1, 1))
    claim.reject(agreement, on=date(2026, 1, 1), today=TODAY, reason="x", actor=KM)
    # An agreement's start cannot move, so a refiling before it is caught by the rejection date as well.
    with pytest.raises(InvalidField) as error:
        claim.refile(agreement, trigger_on=date(2026, 1, 1), amount_cents=1, on=date(2025, 12, 31), today=TODAY, actor=KM)
    assert error.value.name == "filedOn"
