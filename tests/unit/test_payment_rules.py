"""What an agreement pays for a trajectory (``domain.payments``) on hand-made facts and agreements:
coverage, when the trigger was reached, lapses, eligibility and the figures of a money line."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from domain.money import AsOf, ClaimView, LoggedEvent, TrajectoryFacts, trajectory_facts
from domain.payments import (
    FIGURES,
    Figures,
    Reached,
    agreement_places,
    eligibility,
    fund_covers,
    lapsed_on,
    money_line,
    terms_cover,
    trigger_reached,
)
from domain.terms import AgreementView, ClaimStatus, FinancingKind, PayerKind, Terms, Trigger
from domain.values import Phase, TargetGroup

RECORDED = datetime(2026, 11, 1, tzinfo=UTC)


def _event(name: str, on: str, recorded: datetime = RECORDED, **data: object) -> LoggedEvent:
    return LoggedEvent(name, date.fromisoformat(on), recorded, data)


def _registered(on: str = "2025-01-06", cents: int = 120000, group: str = "statushouder", municipality: str = "GM0363"):
    return _event("TrajectoryRegistered", on, municipality=municipality, target_group=group, benefit_monthly_cents=cents)


def _agreement(trigger: Trigger, *terms: Terms, valid_from: date = date(2025, 1, 1), valid_until: date | None = None,
               phase: Phase | None = None, payer_kind: PayerKind = PayerKind.MUNICIPALITY, payer: str = "GM0363",
               claimant: str | None = None) -> AgreementView:
    return AgreementView(
        id=uuid4(), payer_kind=payer_kind, payer=payer, claimant=claimant, kind=FinancingKind.RESULT,
        trigger=trigger, phase=phase, valid_from=valid_from, valid_until=valid_until, budget_cap_cents=None,
        terms_history=terms or (Terms(date(2025, 1, 1), 300000),),
    )


def _facts(*events: LoggedEvent, as_of: AsOf = AsOf(date(2026, 6, 30)), region: str = "Groot Amsterdam") -> TrajectoryFacts:  # noqa: B008
    facts = trajectory_facts(uuid4(), list(events), as_of, region)
    assert facts is not None
    return facts


def _plain_facts(**fields: object) -> TrajectoryFacts:
    values: dict = dict(id=uuid4(), municipality="GM0363", target_group="statushouder", registered_on=date(2025, 1, 6),
                        region="Groot Amsterdam", benefit_intake_cents=120000)
    values.update(fields)
    return TrajectoryFacts(**values)


def _claim(status: ClaimStatus, amount: int = 300000, paid_on: date | None = None) -> ClaimView:
    return ClaimView(
        id=uuid4(), agreement_id=uuid4(), trajectory_id=uuid4(), municipality="GM0363", claimant="GM0363", trigger_on=date(2025, 1, 6),
        amount_cents=amount, filed_on=date(2025, 2, 1), status=status, approved_on=None, rejected_on=None, rejection_reason=None,
        paid_on=paid_on,
    )


# -- coverage ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "unmet"),
    [
        (Terms(date(2025, 1, 1), 1), None),
        (Terms(date(2025, 1, 1), 1, municipalities=("GM0363",)), None),
        (Terms(date(2025, 1, 1), 1, municipalities=("GM0599",)), "municipality-or-region"),
        (Terms(date(2025, 1, 1), 1, regions=("Groot Amsterdam",)), None),
        (Terms(date(2025, 1, 1), 1, regions=("Rijnmond",)), "municipality-or-region"),
        (Terms(date(2025, 1, 1), 1, municipalities=("GM0599",), regions=("Groot Amsterdam",)), None),
        (Terms(date(2025, 1, 1), 1, municipalities=("GM0363",), regions=("Rijnmond",)), None),
        (Terms(date(2025, 1, 1), 1, municipalities=("GM0599",), regions=("Rijnmond",)), "municipality-or-region"),
        (Terms(date(2025, 1, 1), 1, target_groups=("statushouder",)), None),
        (Terms(date(2025, 1, 1), 1, target_groups=("other",)), "target-group"),
        (Terms(date(2025, 1, 1), 1, target_groups=("other",), municipalities=("GM0599",)), "municipality-or-region"),
    ],
)
def test_terms_cover_a_trajectory_in_a_place_and_target_group_they_name(terms, unmet):
    assert terms_cover(terms, "GM0363", "Groot Amsterdam", "statushouder") == unmet


def test_a_trajectory_of_an_unknown_region_is_covered_only_by_its_municipality():
    assert terms_cover(Terms(date(2025, 1, 1), 1, regions=("Groot Amsterdam",)), "GM0363", None, "statushouder") == "municipality-or-region"
    assert terms_cover(Terms(date(2025, 1, 1), 1, municipalities=("GM0363",)), "GM0363", None, "statushouder") is None


class _Trajectory:
    municipality = "GM0363"
    target_group = TargetGroup.STATUSHOUDER


@pytest.mark.parametrize(
    ("terms", "covered"),
    [
        (Terms(date(2025, 1, 1), 1), True),
        (Terms(date(2025, 1, 1), 1, municipalities=("GM0363",)), True),
        (Terms(date(2025, 1, 1), 1, municipalities=("GM0599",)), False),
        (Terms(date(2025, 1, 1), 1, regions=("Groot Amsterdam",)), True),
        (Terms(date(2025, 1, 1), 1, municipalities=("GM0599",), regions=("Rijnmond",)), False),
        (Terms(date(2025, 1, 1), 1, target_groups=("other",)), False),
        (Terms(date(2025, 1, 1), 1, target_groups=("statushouder",)), True),
    ],
)
def test_a_fund_sees_a_trajectory_its_agreements_cover(terms, covered):
    assert fund_covers([_agreement(Trigger.REGISTERED, terms)], _Trajectory(), "Groot Amsterdam") is covered


def test_a_fund_sees_a_trajectory_that_any_terms_of_any_of_its_agreements_ever_covered():
    elsewhere = _agreement(Trigger.REGISTERED, Terms(date(2025, 1, 1), 1, municipalities=("GM0599",)))
    changed = _agreement(Trigger.REGISTERED, Terms(date(2025, 1, 1), 1, municipalities=("GM0599",)),
                         Terms(date(2025, 6, 1), 1, municipalities=("GM0363",)))
    assert fund_covers([elsewhere, changed], _Trajectory(), "Groot Amsterdam")
    assert not fund_covers([elsewhere], _Trajectory(), "Groot Amsterdam")
    assert not fund_covers([], _Trajectory(), "Groot Amsterdam")


def test_a_fund_sees_no_trajectory_by_its_region_when_the_region_is_unknown():
    by_region = _agreement(Trigger.REGISTERED, Terms(date(2025, 1, 1), 1, regions=("Groot Amsterdam",)))
    assert not fund_covers([by_region], _Trajectory())


def test_the_places_of_an_agreement_are_all_its_terms_ever_named_or_none_when_one_named_none():
    named = _agreement(Trigger.REGISTERED, Terms(date(2025, 1, 1), 1, municipalities=("GM0363",)),
                       Terms(date(2025, 6, 1), 1, regions=("Rijnmond", "Twente")))
    assert agreement_places(named) == frozenset({"GM0363", "Rijnmond", "Twente"})
    assert agreement_places(_agreement(Trigger.REGISTERED, Terms(date(2025, 1, 1), 1, municipalities=("GM0363",)))) == frozenset({"GM0363"})
    assert agreement_places(_agreement(Trigger.REGISTERED, Terms(date(2025, 1, 1), 1, regions=("Rijnmond",)))) == frozenset({"Rijnmond"})
    anywhere = _agreement(Trigger.REGISTERED, Terms(date(2025, 1, 1), 1, municipalities=("GM0363",)), Terms(date(2025, 6, 1), 1))
    assert agreement_places(anywhere) is None


# -- the trigger ------------------------------------------------------------------------------------------


def test_the_registration_trigger_is_reached_on_the_registration_day():
    assert trigger_reached(_agreement(Trigger.REGISTERED), _plain_facts(), date(2025, 1, 6)) == Reached(date(2025, 1, 6))


@pytest.mark.parametrize(("trigger", "field"), [(Trigger.PHASE_STARTED, "phase_started"), (Trigger.PHASE_COMPLETED, "phase_completed")])
def test_a_phase_trigger_is_reached_on_the_day_its_own_phase_started_or_completed(trigger, field):
    agreement = _agreement(trigger, phase=Phase.PRE_TRAJECTORY)
    assert trigger_reached(agreement, _plain_facts(**{field: {"orientation": date(2025, 2, 1)}}), date(2025, 12, 31)) is None
    facts = _plain_facts(**{field: {"orientation": date(2025, 2, 1), "pre-trajectory": date(2025, 3, 1)}})
    assert trigger_reached(agreement, facts, date(2025, 12, 31)) == Reached(date(2025, 3, 1))
    assert trigger_reached(_agreement(trigger), facts, date(2025, 12, 31)) is None  # no phase named: never


def test_a_certificate_trigger_is_reached_with_the_first_certificate_of_its_phase_or_of_any_phase():
    facts = _plain_facts(certificates=[(date(2025, 6, 1), "bedrijfsvakschool"), (date(2025, 4, 1), "pre-trajectory"),
                                       (date(2025, 5, 1), "bedrijfsvakschool")])
    assert trigger_reached(_agreement(Trigger.CERTIFICATE_OBTAINED), facts, date(2025, 12, 31)) == Reached(date(2025, 4, 1))
    of_school = _agreement(Trigger.CERTIFICATE_OBTAINED, phase=Phase.BEDRIJFSVAKSCHOOL)
    assert trigger_reached(of_school, facts, date(2025, 12, 31)) == Reached(date(2025, 5, 1))
    assert trigger_reached(_agreement(Trigger.CERTIFICATE_OBTAINED, phase=Phase.ORIENTATION), facts, date(2025, 12, 31)) is None
    assert trigger_reached(_agreement(Trigger.CERTIFICATE_OBTAINED), _plain_facts(), date(2025, 12, 31)) is None


def test_a_placement_trigger_is_reached_with_the_first_contract_start_and_of_two_on_one_day_the_first_placement_id():
    agreement = _agreement(Trigger.PLACEMENT_STARTED)
    facts = _plain_facts(contracts={"p2": date(2025, 3, 1), "p3": date(2025, 3, 5), "p1": date(2025, 3, 1)})
    assert trigger_reached(agreement, facts, date(2025, 12, 31)) == Reached(date(2025, 3, 1), "p1")
    assert trigger_reached(agreement, _plain_facts(contracts={"p1": date(2025, 3, 9), "p2": date(2025, 3, 1)}), date(2025, 12, 31)) == (
        Reached(date(2025, 3, 1), "p2")
    )
    assert trigger_reached(agreement, _plain_facts(), date(2025, 12, 31)) is None


def test_a_lasting_placement_is_reached_on_the_day_its_minimum_months_are_complete_not_before():
    agreement = _agreement(Trigger.LASTING_PLACEMENT, Terms(date(2025, 1, 1), 300000, min_placement_months=6))
    facts = _plain_facts(contracts={"p1": date(2025, 3, 10)})
    assert trigger_reached(agreement, facts, date(2025, 9, 9)) is None
    assert trigger_reached(agreement, facts, date(2025, 9, 10)) == Reached(date(2025, 9, 10), "p1")


def test_a_placement_ending_on_the_day_it_became_lasting_counts_and_one_ending_before_does_not_but_the_next_does():
    agreement = _agreement(Trigger.LASTING_PLACEMENT, Terms(date(2025, 1, 1), 300000, min_placement_months=6))
    kept = _plain_facts(contracts={"p1": date(2025, 3, 10)}, placement_ends={"p1": date(2025, 9, 10)})
    assert trigger_reached(agreement, kept, date(2025, 12, 31)) == Reached(date(2025, 9, 10), "p1")
    facts = _plain_facts(contracts={"p1": date(2025, 3, 10), "p2": date(2025, 10, 1)}, placement_ends={"p1": date(2025, 9, 9)})
    assert trigger_reached(agreement, facts, date(2026, 3, 31)) is None
    assert trigger_reached(agreement, facts, date(2026, 4, 1)) == Reached(date(2026, 4, 1), "p2")


def test_a_lasting_placement_without_minimum_months_is_reached_on_its_contract_start():
    agreement = _agreement(Trigger.LASTING_PLACEMENT, Terms(date(2025, 1, 1), 300000))
    assert trigger_reached(agreement, _plain_facts(contracts={"p1": date(2025, 3, 10)}), date(2025, 3, 10)) == Reached(date(2025, 3, 10), "p1")


def test_a_lasting_placement_uses_the_minimum_months_of_the_terms_in_force_on_the_contract_start():
    agreement = _agreement(
        Trigger.LASTING_PLACEMENT,
        Terms(date(2025, 1, 1), 300000, min_placement_months=6),
        Terms(date(2025, 9, 1), 350000, min_placement_months=3),
    )
    placed = [_registered(), _event("ContractStarted", "2025-03-10", placement_id="p1")]
    assert eligibility(agreement, _facts(*placed), date(2025, 9, 9)).unmet == "trigger-reached"
    reached = eligibility(agreement, _facts(*placed), date(2025, 9, 10))
    # Reached on 2025-09-10, when the later terms are in force: their amount is paid.
    assert (reached.trigger_on, reached.amount_cents) == (date(2025, 9, 10), 350000)
    ended_early = _facts(*placed, _event("PlacementEnded", "2025-09-09", placement_id="p1"))
    assert eligibility(agreement, ended_early, date(2025, 12, 31)).unmet == "trigger-reached"
    later = _facts(_registered(), _event("ContractStarted", "2025-09-01", placement_id="p1"))
    assert trigger_reached(agreement, later, date(2025, 12, 1)) == Reached(date(2025, 12, 1), "p1")


# -- lapses -------------------------------------------------------------------------------------------------


def test_a_started_placement_that_ends_inside_the_minimum_months_lapses_on_its_end_day():
    agreement = _agreement(Trigger.PLACEMENT_STARTED, Terms(date(2025, 1, 1), 300000, min_placement_months=6))
    reached = Reached(date(2025, 3, 10), "p1")
    assert lapsed_on(agreement, _plain_facts(placement_ends={"p1": date(2025, 9, 9)}), reached) == date(2025, 9, 9)
    assert lapsed_on(agreement, _plain_facts(placement_ends={"p1": date(2025, 9, 10)}), reached) is None
    assert lapsed_on(agreement, _plain_facts(), reached) is None
    assert lapsed_on(agreement, _plain_facts(placement_ends={"p2": date(2025, 4, 1)}), reached) is None


def test_without_minimum_months_or_for_another_trigger_nothing_lapses():
    ends = _plain_facts(placement_ends={"p1": date(2025, 3, 11)})
    assert lapsed_on(_agreement(Trigger.PLACEMENT_STARTED, Terms(date(2025, 1, 1), 300000)), ends, Reached(date(2025, 3, 10), "p1")) is None
    lasting = _agreement(Trigger.LASTING_PLACEMENT, Terms(date(2025, 1, 1), 300000, min_placement_months=6))
    assert lapsed_on(lasting, ends, Reached(date(2025, 3, 10), "p1")) is None
    started = _agreement(Trigger.PLACEMENT_STARTED, Terms(date(2025, 1, 1), 300000, min_placement_months=6))
    assert lapsed_on(started, ends, Reached(date(2025, 3, 10))) is None


def test_the_minimum_months_of_a_lapse_are_those_of_the_terms_in_force_on_the_contract_start():
    agreement = _agreement(Trigger.PLACEMENT_STARTED, Terms(date(2025, 1, 1), 300000, min_placement_months=6),
                           Terms(date(2025, 4, 1), 300000, min_placement_months=1))
    ends = _plain_facts(placement_ends={"p1": date(2025, 5, 1)})
    assert lapsed_on(agreement, ends, Reached(date(2025, 3, 10), "p1")) == date(2025, 5, 1)
    assert lapsed_on(agreement, ends, Reached(date(2025, 4, 1), "p1")) is None


# -- eligibility ------------------------------------------------------------------------------------------


def test_an_eligible_claim_has_the_trigger_date_and_the_amount_of_the_terms_then_in_force():
    agreement = _agreement(Trigger.REGISTERED, Terms(date(2025, 1, 1), 100000), Terms(date(2025, 1, 6), 200000),
                           Terms(date(2025, 1, 7), 300000))
    result = eligibility(agreement, _plain_facts(), date(2025, 12, 31))
    assert (result.eligible, result.unmet, result.trigger_on, result.amount_cents) == (True, None, date(2025, 1, 6), 200000)


def test_a_claim_for_a_trajectory_the_terms_do_not_cover_is_not_eligible_naming_the_condition():
    elsewhere = _agreement(Trigger.REGISTERED, Terms(date(2025, 1, 1), 1, municipalities=("GM0599",)))
    result = eligibility(elsewhere, _plain_facts(), date(2025, 12, 31))
    assert (result.eligible, result.unmet, result.trigger_on, result.amount_cents) == (False, "municipality-or-region", None, 0)
    assert "GM0363" in result.detail
    other_group = _agreement(Trigger.REGISTERED, Terms(date(2025, 1, 1), 1, target_groups=("other",)))
    result = eligibility(other_group, _plain_facts(), date(2025, 12, 31))
    assert (result.eligible, result.unmet, result.amount_cents) == (False, "target-group", 0)


def test_coverage_is_judged_by_the_terms_in_force_when_the_trigger_was_reached_or_today_when_not_yet():
    agreement = _agreement(Trigger.PLACEMENT_STARTED, Terms(date(2025, 1, 1), 1), Terms(date(2025, 6, 1), 2, municipalities=("GM0599",)))
    early = _plain_facts(contracts={"p1": date(2025, 5, 31)})
    assert eligibility(agreement, early, date(2025, 12, 31)).eligible
    late = _plain_facts(contracts={"p1": date(2025, 6, 1)})
    assert eligibility(agreement, late, date(2025, 12, 31)).unmet == "municipality-or-region"
    assert eligibility(agreement, _plain_facts(), date(2025, 5, 31)).unmet == "trigger-reached"
    assert eligibility(agreement, _plain_facts(), date(2025, 6, 1)).unmet == "municipality-or-region"


def test_a_claim_for_a_trajectory_in_the_place_and_target_group_the_terms_name_is_eligible():
    for terms in (
        Terms(date(2025, 1, 1), 7, target_groups=("statushouder",)),
        Terms(date(2025, 1, 1), 7, municipalities=("GM0363",)),
        Terms(date(2025, 1, 1), 7, regions=("Groot Amsterdam",)),
    ):
        result = eligibility(_agreement(Trigger.REGISTERED, terms), _plain_facts(), date(2025, 12, 31))
        assert (result.eligible, result.amount_cents) == (True, 7)


def test_a_claim_before_the_trigger_is_reached_is_not_eligible():
    result = eligibility(_agreement(Trigger.PLACEMENT_STARTED), _plain_facts(), date(2025, 12, 31))
    assert (result.eligible, result.unmet, result.trigger_on, result.amount_cents) == (False, "trigger-reached", None, 0)


@pytest.mark.parametrize(("started", "eligible"), [(date(2024, 12, 31), False), (date(2025, 1, 1), True), (date(2025, 12, 31), True),
                                                   (date(2026, 1, 1), False)])
def test_only_a_trigger_reached_within_the_validity_of_the_agreement_earns_a_payment(started, eligible):
    agreement = _agreement(Trigger.PLACEMENT_STARTED, valid_from=date(2025, 1, 1), valid_until=date(2025, 12, 31))
    result = eligibility(agreement, _plain_facts(contracts={"p1": started}), date(2026, 6, 30))
    assert result.eligible is eligible
    assert result.unmet == (None if eligible else "validity-period")


def test_an_open_ended_agreement_covers_every_trigger_from_its_start():
    agreement = _agreement(Trigger.PLACEMENT_STARTED, valid_from=date(2025, 1, 1))
    assert eligibility(agreement, _plain_facts(contracts={"p1": date(2030, 1, 1)}), date(2030, 1, 1)).eligible


def test_a_started_placement_ending_inside_its_months_is_not_eligible_from_its_end_day_on():
    agreement = _agreement(Trigger.PLACEMENT_STARTED, Terms(date(2025, 1, 1), 300000, min_placement_months=6))
    facts = _plain_facts(contracts={"p1": date(2025, 3, 10)}, placement_ends={"p1": date(2025, 9, 9)})
    assert eligibility(agreement, facts, date(2025, 9, 8)).eligible
    result = eligibility(agreement, facts, date(2025, 9, 9))
    assert (result.eligible, result.unmet, result.amount_cents) == (False, "minimum-placement-months", 0)


def test_as_known_ignores_what_was_recorded_later_and_as_happened_ignores_later_business_dates():
    late = datetime(2026, 11, 20, tzinfo=UTC)
    events = [_registered(), _event("ContractStarted", "2025-03-10", late, placement_id="p1")]
    agreement = _agreement(Trigger.PLACEMENT_STARTED, Terms(date(2025, 1, 1), 100))
    assert eligibility(agreement, _facts(*events, as_of=AsOf(date(2025, 6, 30))), date(2025, 6, 30)).eligible
    known_before = AsOf(date(2025, 6, 30), known=datetime(2026, 11, 2, tzinfo=UTC))
    assert eligibility(agreement, _facts(*events, as_of=known_before), date(2025, 6, 30)).unmet == "trigger-reached"
    assert eligibility(agreement, _facts(*events, as_of=AsOf(date(2025, 3, 9))), date(2025, 3, 9)).unmet == "trigger-reached"


# -- the figures -----------------------------------------------------------------------------------------


def test_figures_add_up_figure_by_figure_and_read_as_a_dict_in_their_order():
    one = Figures(*range(1, 10))
    one.add(Figures(*range(10, 100, 10)))
    assert one.as_dict() == {"committed": 11, "due": 22, "claimed": 33, "approved": 44, "paid": 55, "lapsed": 66,
                             "to_recover": 77, "savings": 88, "net": 99}
    assert list(one.as_dict()) == list(FIGURES)


def test_a_reached_trigger_is_due_and_committed_with_the_amount_of_its_terms():
    agreement = _agreement(Trigger.REGISTERED, Terms(date(2025, 1, 1), 300000), payer_kind=PayerKind.FUND, payer="OO-BOUW",
                           claimant="GM0363")
    facts = _plain_facts()
    line = money_line(agreement, facts, None, date(2025, 12, 31))
    assert line is not None
    assert (line.agreement_id, line.trajectory_id, line.municipality, line.payer_kind, line.payer, line.claimant, line.kind) == (
        agreement.id, facts.id, "GM0363", PayerKind.FUND, "OO-BOUW", "GM0363", FinancingKind.RESULT,
    )
    assert (line.status, line.trigger_on, line.claim) == ("due", date(2025, 1, 6), None)
    assert line.figures == Figures(committed=300000, due=300000)


@pytest.mark.parametrize(
    "terms",
    [Terms(date(2025, 1, 1), 300000, target_groups=("statushouder",)), Terms(date(2025, 1, 1), 300000, municipalities=("GM0363",)),
     Terms(date(2025, 1, 1), 300000, regions=("Groot Amsterdam",))],
)
def test_a_trajectory_in_the_place_and_target_group_the_terms_name_has_its_line(terms):
    line = money_line(_agreement(Trigger.REGISTERED, terms), _plain_facts(), None, date(2025, 12, 31))
    assert line is not None and (line.status, line.figures.due) == ("due", 300000)


def test_a_reached_trigger_earns_the_amount_of_the_terms_in_force_on_the_day_it_was_reached():
    agreement = _agreement(Trigger.REGISTERED, Terms(date(2025, 1, 1), 100), Terms(date(2025, 6, 1), 200))
    line = money_line(agreement, _plain_facts(), None, date(2025, 12, 31))
    assert line is not None and (line.status, line.figures.due) == ("due", 100)


def test_a_lasting_placement_is_due_from_the_day_its_months_are_complete_and_committed_before():
    agreement = _agreement(Trigger.LASTING_PLACEMENT, Terms(date(2025, 1, 1), 300000, min_placement_months=6))
    facts = _plain_facts(contracts={"p1": date(2025, 3, 10)})
    line = money_line(agreement, facts, None, date(2025, 9, 9))
    assert line is not None and (line.status, line.trigger_on, line.figures) == ("committed", None, Figures(committed=300000))
    line = money_line(agreement, facts, None, date(2025, 9, 10))
    assert line is not None and (line.status, line.trigger_on, line.figures) == ("due", date(2025, 9, 10), Figures(committed=300000, due=300000))


def test_a_trigger_still_ahead_commits_the_amount_under_todays_terms_while_the_route_runs():
    agreement = _agreement(Trigger.PLACEMENT_STARTED, Terms(date(2025, 1, 1), 100), Terms(date(2025, 6, 1), 200),
                           Terms(date(2025, 9, 1), 300), valid_until=date(2025, 12, 31))
    line = money_line(agreement, _plain_facts(), None, date(2025, 7, 1))
    assert line is not None and (line.status, line.trigger_on, line.figures) == ("committed", None, Figures(committed=200))
    open_ended = _agreement(Trigger.PLACEMENT_STARTED, Terms(date(2025, 1, 1), 100), Terms(date(2025, 6, 1), 200))
    line = money_line(open_ended, _plain_facts(), None, date(2025, 7, 1))
    assert line is not None and line.figures == Figures(committed=200)


def test_an_agreement_that_starts_later_already_commits_its_amount_and_one_that_ended_commits_nothing():
    later = _agreement(Trigger.PLACEMENT_STARTED, Terms(date(2025, 1, 1), 100), valid_from=date(2025, 9, 1))
    line = money_line(later, _plain_facts(), None, date(2025, 7, 1))
    assert line is not None and (line.status, line.figures.committed) == ("committed", 100)
    ended = _agreement(Trigger.PLACEMENT_STARTED, Terms(date(2025, 1, 1), 100), valid_until=date(2025, 6, 30))
    assert money_line(ended, _plain_facts(), None, date(2025, 7, 1)) is None
    assert money_line(ended, _plain_facts(), None, date(2025, 6, 30)) is not None


def test_a_route_that_dropped_out_commits_nothing_for_a_trigger_it_did_not_reach():
    agreement = _agreement(Trigger.PLACEMENT_STARTED)
    assert money_line(agreement, _plain_facts(drop_outs=[date(2025, 3, 1)]), None, date(2025, 7, 1)) is None
    line = money_line(agreement, _plain_facts(drop_outs=[date(2025, 3, 1)], re_entries=[date(2025, 4, 1)]), None, date(2025, 7, 1))
    assert line is not None and line.status == "committed"
    reached = money_line(_agreement(Trigger.REGISTERED), _plain_facts(drop_outs=[date(2025, 3, 1)]), None, date(2025, 7, 1))
    assert reached is not None and reached.status == "due"


def test_a_started_placement_ending_inside_its_months_lapses_and_what_was_paid_is_to_be_recovered():
    agreement = _agreement(Trigger.PLACEMENT_STARTED, Terms(date(2025, 1, 1), 300000, min_placement_months=6))
    started = [_registered(), _event("ContractStarted", "2025-03-10", placement_id="p1")]
    ended = _event("PlacementEnded", "2025-09-09", placement_id="p1")
    line = money_line(agreement, _facts(*started, ended), None, date(2025, 12, 31))
    assert line is not None and (line.status, line.figures) == ("lapsed", Figures(lapsed=300000))
    assert eligibility(agreement, _facts(*started, ended), date(2025, 12, 31)).unmet == "minimum-placement-months"
    paid = money_line(agreement, _facts(*started, ended), _claim(ClaimStatus.PAID, 300000, date(2025, 5, 1)), date(2025, 12, 31))
    assert paid is not None and paid.figures == Figures(claimed=300000, approved=300000, paid=300000, lapsed=300000, to_recover=300000,
                                                        net=-300000)
    # Ending on the day the months are complete is no lapse.
    kept = _event("PlacementEnded", "2025-09-10", placement_id="p1")
    line = money_line(agreement, _facts(*started, kept), None, date(2025, 12, 31))
    assert line is not None and (line.status, line.figures.due) == ("due", 300000)


def test_a_lapse_counts_from_its_end_day_on():
    agreement = _agreement(Trigger.PLACEMENT_STARTED, Terms(date(2025, 1, 1), 300000, min_placement_months=6))
    facts = _plain_facts(contracts={"p1": date(2025, 3, 10)}, placement_ends={"p1": date(2025, 9, 9)})
    before = money_line(agreement, facts, None, date(2025, 9, 8))
    assert before is not None and before.status == "due"
    on_the_day = money_line(agreement, facts, None, date(2025, 9, 9))
    assert on_the_day is not None and on_the_day.status == "lapsed"


@pytest.mark.parametrize(
    ("status", "figures"),
    [
        (ClaimStatus.FILED, Figures(committed=300000, due=300000, claimed=250000)),
        (ClaimStatus.APPROVED, Figures(committed=300000, due=300000, claimed=250000, approved=250000)),
        (ClaimStatus.PAID, Figures(committed=300000, due=300000, claimed=250000, approved=250000, paid=250000, net=-250000)),
        (ClaimStatus.REJECTED, Figures(committed=300000, due=300000)),
    ],
)
def test_a_claim_counts_as_claimed_approved_and_paid_as_far_as_it_got_and_a_rejected_one_nowhere(status, figures):
    claim = _claim(status, 250000)
    line = money_line(_agreement(Trigger.REGISTERED), _plain_facts(), claim, date(2025, 12, 31))
    assert line is not None and (line.status, line.claim, line.figures) == ("due", claim, figures)


def test_an_agreement_that_does_not_cover_the_trajectory_has_no_line_unless_it_was_claimed():
    elsewhere = _agreement(Trigger.REGISTERED, Terms(date(2025, 1, 1), 1, municipalities=("GM0599",)))
    assert money_line(elsewhere, _plain_facts(), None, date(2025, 12, 31)) is None
    claimed = money_line(elsewhere, _plain_facts(), _claim(ClaimStatus.PAID, 500), date(2025, 12, 31))
    assert claimed is not None
    assert (claimed.status, claimed.trigger_on, claimed.figures) == (
        "not-covered", date(2025, 1, 6), Figures(claimed=500, approved=500, paid=500, net=-500),
    )
    not_ahead = _agreement(Trigger.PLACEMENT_STARTED, Terms(date(2025, 1, 1), 1, municipalities=("GM0599",)))
    assert money_line(not_ahead, _plain_facts(), None, date(2025, 12, 31)) is None


def test_a_trigger_reached_outside_the_validity_earns_nothing():
    agreement = _agreement(Trigger.REGISTERED, valid_from=date(2025, 2, 1))
    assert money_line(agreement, _plain_facts(), None, date(2025, 12, 31)) is None
