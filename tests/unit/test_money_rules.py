"""The money rules of ``domain.money`` on hand-made facts: savings baselines and rounding,
triggers, lapses, coverage and the break-even month."""

from __future__ import annotations

from datetime import date, datetime, timezone
from uuid import uuid4

import pytest

from domain.money import AsOf, LoggedEvent, trajectory_facts
from domain.payments import eligibility, fund_covers, money_line
from domain.savings import SavingsBaseline, monthly_savings, municipality_position, saving_periods
from domain.terms import AgreementView, FinancingKind, PayerKind, Terms, Trigger

RECORDED = datetime(2026, 11, 1, tzinfo=timezone.utc)


def _event(name: str, on: str, recorded: datetime = RECORDED, **data: object) -> LoggedEvent:
    return LoggedEvent(name, date.fromisoformat(on), recorded, data)


def _registered(on: str = "2025-01-06", cents: int = 120000, group: str = "statushouder", municipality: str = "GM0363"):
    return _event("TrajectoryRegistered", on, municipality=municipality, target_group=group, benefit_monthly_cents=cents)


def _agreement(trigger: Trigger, *terms: Terms, valid_until: date | None = None, phase=None) -> AgreementView:  # noqa: ANN001
    return AgreementView(
        id=uuid4(), payer_kind=PayerKind.MUNICIPALITY, payer="GM0363", claimant=None, kind=FinancingKind.RESULT,
        trigger=trigger, phase=phase, valid_from=date(2025, 1, 1), valid_until=valid_until, budget_cap_cents=None,
        terms_history=terms,
    )


def _facts(*events: LoggedEvent, as_of: AsOf = AsOf(date(2026, 6, 30)), region: str = "Groot Amsterdam"):  # noqa: B008
    facts = trajectory_facts(uuid4(), list(events), as_of, region)
    assert facts is not None
    return facts


def test_savings_against_the_intake_amount_count_a_reduction_partly_and_stop_when_the_benefit_resumes():
    facts = _facts(
        _registered(cents=120000),
        _event("BenefitReduced", "2025-03-11", monthly_cents=40000),
        _event("BenefitStopped", "2025-05-01"),
        _event("BenefitResumed", "2025-07-16", monthly_cents=120000),
    )
    months = monthly_savings(saving_periods(facts, SavingsBaseline.INTAKE), date(2025, 12, 31))
    # March: 21 days x 80000 / 31 = 54193.55 -> 54194; April: 80000; May, June: 120000;
    # July: 15 days x 120000 / 31 = 58064.52 -> 58065; then nothing.
    assert months == {"2025-03": 54194, "2025-04": 80000, "2025-05": 120000, "2025-06": 120000, "2025-07": 58065}


def test_savings_against_the_last_amount_before_exit_ignore_reductions_before_the_exit():
    facts = _facts(
        _registered(cents=120000),
        _event("BenefitReduced", "2025-03-11", monthly_cents=40000),
        _event("BenefitStopped", "2025-05-01"),
    )
    periods = saving_periods(facts, SavingsBaseline.LAST_BEFORE_EXIT)
    assert [(p.starts_on, p.baseline_cents, p.paid_cents) for p in periods] == [(date(2025, 5, 1), 40000, 0)]
    assert monthly_savings(periods, date(2025, 6, 30)) == {"2025-05": 40000, "2025-06": 40000}


def test_only_completed_months_count_and_a_half_cent_rounds_up():
    facts = _facts(_registered(on="2024-12-02", cents=100), _event("BenefitStopped", "2025-01-17"))
    periods = saving_periods(facts, SavingsBaseline.INTAKE)
    # January: 15 days x 100 / 31 = 48.39 -> 48. February (28 days) is complete on 2025-02-28 only.
    assert monthly_savings(periods, date(2025, 2, 27)) == {"2025-01": 48}
    assert monthly_savings(periods, date(2025, 2, 28)) == {"2025-01": 48, "2025-02": 100}
    half = _facts(_registered(on="2024-12-02", cents=62), _event("BenefitStopped", "2025-02-15"))
    # 14 days (15 to 28 February) x 62 / 28 = 31.0; and x 1 / 28 = 0.5, half a cent, rounds up to 1.
    assert monthly_savings(saving_periods(half, SavingsBaseline.INTAKE), date(2025, 2, 28)) == {"2025-02": 31}
    one = _facts(_registered(on="2024-12-02", cents=1), _event("BenefitStopped", "2025-02-15"))
    assert monthly_savings(saving_periods(one, SavingsBaseline.INTAKE), date(2025, 2, 28)) == {"2025-02": 1}


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


def test_a_started_placement_ending_inside_its_months_lapses_and_what_was_paid_is_to_be_recovered():
    agreement = _agreement(Trigger.PLACEMENT_STARTED, Terms(date(2025, 1, 1), 300000, min_placement_months=6))
    started = [_registered(), _event("ContractStarted", "2025-03-10", placement_id="p1")]
    ended = _event("PlacementEnded", "2025-09-09", placement_id="p1")
    line = money_line(agreement, _facts(*started, ended), None, date(2025, 12, 31))
    assert line is not None and (line.status, line.figures.lapsed, line.figures.due) == ("lapsed", 300000, 0)
    assert eligibility(agreement, _facts(*started, ended), date(2025, 12, 31)).unmet == "minimum-placement-months"
    # Ending on the day the months are complete is no lapse.
    kept = _event("PlacementEnded", "2025-09-10", placement_id="p1")
    line = money_line(agreement, _facts(*started, kept), None, date(2025, 12, 31))
    assert line is not None and (line.status, line.figures.due) == ("due", 300000)


def test_as_known_ignores_what_was_recorded_later_and_as_happened_ignores_later_business_dates():
    late = datetime(2026, 11, 20, tzinfo=timezone.utc)
    events = [_registered(), _event("ContractStarted", "2025-03-10", late, placement_id="p1")]
    agreement = _agreement(Trigger.PLACEMENT_STARTED, Terms(date(2025, 1, 1), 100))
    assert eligibility(agreement, _facts(*events, as_of=AsOf(date(2025, 6, 30))), date(2025, 6, 30)).eligible
    known_before = AsOf(date(2025, 6, 30), known=datetime(2026, 11, 2, tzinfo=timezone.utc))
    assert eligibility(agreement, _facts(*events, as_of=known_before), date(2025, 6, 30)).unmet == "trigger-reached"
    assert eligibility(agreement, _facts(*events, as_of=AsOf(date(2025, 3, 9))), date(2025, 3, 9)).unmet == "trigger-reached"


@pytest.mark.parametrize(
    ("terms", "covered"),
    [
        (Terms(date(2025, 1, 1), 1), True),
        (Terms(date(2025, 1, 1), 1, municipalities=("GM0363",)), True),
        (Terms(date(2025, 1, 1), 1, municipalities=("GM0599",)), False),
        (Terms(date(2025, 1, 1), 1, regions=("Groot Amsterdam",)), True),
        (Terms(date(2025, 1, 1), 1, municipalities=("GM0599",), regions=("Rijnmond",)), False),
        (Terms(date(2025, 1, 1), 1, target_groups=("other",)), False),
    ],
)
def test_a_fund_sees_a_trajectory_its_agreements_cover(terms, covered):
    class T:
        municipality = "GM0363"
        target_group = "statushouder"

    assert fund_covers([_agreement(Trigger.REGISTERED, terms)], T(), "Groot Amsterdam") is covered


def test_the_break_even_month_is_the_first_in_which_savings_catch_up_with_what_was_paid():
    savings = {"2025-03": 100, "2025-04": 100, "2025-05": 100}
    series, month = municipality_position(savings, [(date(2025, 2, 1), 250)], date(2025, 5, 31))
    assert [p.net for p in series] == [-250, -150, -50, 50] and month == "2025-05"
    _, none = municipality_position(savings, [(date(2025, 2, 1), 500)], date(2025, 5, 31))
    assert none is None
