"""Bijstand savings (``domain.savings``) on hand-made facts: the baselines, the periods in which
less was paid, the savings per completed month rounded half-up, and the break-even month."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from domain.money import AsOf, LoggedEvent, TrajectoryFacts, trajectory_facts
from domain.savings import (
    MonthlySavings,
    MonthPosition,
    SavingPeriod,
    SavingsBaseline,
    as_of_month,
    monthly_savings,
    municipality_position,
    saving_periods,
    savings_through_any_date,
)

RECORDED = datetime(2026, 11, 1, tzinfo=UTC)


def _event(name: str, on: str, **data: object) -> LoggedEvent:
    return LoggedEvent(name, date.fromisoformat(on), RECORDED, data)


def _registered(on: str = "2025-01-06", cents: int = 120000) -> LoggedEvent:
    return _event("TrajectoryRegistered", on, municipality="GM0363", target_group="statushouder", benefit_monthly_cents=cents)


def _facts(*events: LoggedEvent) -> TrajectoryFacts:
    facts = trajectory_facts(uuid4(), list(events), AsOf(date(2026, 6, 30)), "Groot Amsterdam")
    assert facts is not None
    return facts


def _periods(facts: TrajectoryFacts, mode: SavingsBaseline = SavingsBaseline.INTAKE) -> list[tuple]:
    return [(p.starts_on, p.ends_on, p.baseline_cents, p.paid_cents) for p in saving_periods(facts, mode)]


# -- the periods in which less was paid ------------------------------------------------------------------


def test_savings_against_the_intake_amount_count_a_reduction_partly_and_stop_when_the_benefit_resumes():
    facts = _facts(
        _registered(cents=120000),
        _event("BenefitReduced", "2025-03-11", monthly_cents=40000),
        _event("BenefitStopped", "2025-05-01"),
        _event("BenefitResumed", "2025-07-16", monthly_cents=120000),
    )
    assert _periods(facts) == [
        (date(2025, 3, 11), date(2025, 4, 30), 120000, 40000),
        (date(2025, 5, 1), date(2025, 7, 15), 120000, 0),
    ]
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
    assert _periods(facts, SavingsBaseline.LAST_BEFORE_EXIT) == [(date(2025, 5, 1), None, 40000, 0)]
    assert monthly_savings(saving_periods(facts, SavingsBaseline.LAST_BEFORE_EXIT), date(2025, 6, 30)) == {"2025-05": 40000, "2025-06": 40000}


def test_the_last_amount_before_exit_is_that_before_the_last_stop_and_the_intake_without_a_stop():
    never_stopped = _facts(_registered(cents=120000), _event("BenefitReduced", "2025-03-11", monthly_cents=40000))
    assert _periods(never_stopped, SavingsBaseline.LAST_BEFORE_EXIT) == [(date(2025, 3, 11), None, 120000, 40000)]
    twice = _facts(
        _registered(cents=120000),
        _event("BenefitStopped", "2025-03-01"),
        _event("BenefitResumed", "2025-05-01", monthly_cents=70000),
        _event("BenefitReduced", "2025-06-01", monthly_cents=50000),
        _event("BenefitStopped", "2025-08-01"),
    )
    assert _periods(twice, SavingsBaseline.LAST_BEFORE_EXIT) == [
        (date(2025, 3, 1), date(2025, 4, 30), 50000, 0),
        (date(2025, 8, 1), None, 50000, 0),
    ]
    assert _periods(twice, SavingsBaseline.INTAKE) == [
        (date(2025, 3, 1), date(2025, 4, 30), 120000, 0),
        (date(2025, 5, 1), date(2025, 5, 31), 120000, 70000),
        (date(2025, 6, 1), date(2025, 7, 31), 120000, 50000),
        (date(2025, 8, 1), None, 120000, 0),
    ]


def test_a_benefit_resumed_below_the_baseline_still_saves_the_difference_and_at_it_saves_nothing():
    lower = _facts(_registered(cents=120000), _event("BenefitStopped", "2025-03-01"), _event("BenefitResumed", "2025-04-01", monthly_cents=100000))
    assert _periods(lower) == [(date(2025, 3, 1), date(2025, 3, 31), 120000, 0), (date(2025, 4, 1), None, 120000, 100000)]
    above = _facts(_registered(cents=120000), _event("BenefitStopped", "2025-03-01"), _event("BenefitResumed", "2025-04-01", monthly_cents=130000))
    assert _periods(above) == [(date(2025, 3, 1), date(2025, 3, 31), 120000, 0)]


def test_a_trajectory_without_a_benefit_at_intake_saves_nothing_whatever_happens_later():
    facts = _facts(
        _registered(cents=0),
        _event("BenefitResumed", "2025-03-01", monthly_cents=80000),
        _event("BenefitStopped", "2025-05-01"),
    )
    assert saving_periods(facts, SavingsBaseline.INTAKE) == []
    assert saving_periods(facts, SavingsBaseline.LAST_BEFORE_EXIT) == []


def test_a_change_on_the_registration_day_or_before_it_counts_from_the_registration():
    facts = _facts(_registered(on="2025-01-06", cents=120000), _event("BenefitStopped", "2025-01-06"))
    assert _periods(facts) == [(date(2025, 1, 6), None, 120000, 0)]
    before = TrajectoryFacts(uuid4(), "GM0363", "statushouder", date(2025, 1, 6), "r", 120000,
                             benefit_changes=[(date(2024, 12, 1), "reduced", 60000), (date(2025, 2, 1), "stopped", None)])
    assert _periods(before) == [(date(2025, 1, 6), date(2025, 1, 31), 120000, 60000), (date(2025, 2, 1), None, 120000, 0)]


def test_of_two_changes_on_one_day_the_last_counts():
    facts = TrajectoryFacts(uuid4(), "GM0363", "statushouder", date(2025, 1, 6), "r", 120000,
                            benefit_changes=[(date(2025, 3, 1), "stopped", None), (date(2025, 3, 1), "resumed", 90000)])
    assert _periods(facts) == [(date(2025, 3, 1), None, 120000, 90000)]


def test_a_period_saves_the_baseline_less_what_was_paid_and_never_less_than_nothing():
    assert SavingPeriod(date(2025, 1, 1), None, 120000, 40000).monthly_saving_cents == 80000
    assert SavingPeriod(date(2025, 1, 1), None, 120000, 130000).monthly_saving_cents == 0


# -- the savings per month -------------------------------------------------------------------------------


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


def test_two_and_a_half_cents_round_up_to_three_not_to_the_even_two():
    # 14 of 28 February days x 5 cents = 2.5 cents.
    assert monthly_savings([SavingPeriod(date(2025, 2, 15), None, 5, 0)], date(2025, 2, 28)) == {"2025-02": 3}
    # 14 of 28 days x 3 cents = 1.5 cents, up to 2; 1 of 28 days x 13 cents = 0.46 cents, down to 0.
    assert monthly_savings([SavingPeriod(date(2025, 2, 15), None, 3, 0)], date(2025, 2, 28)) == {"2025-02": 2}
    assert monthly_savings([SavingPeriod(date(2025, 2, 28), None, 13, 0)], date(2025, 2, 28)) == {"2025-02": 0}


def test_a_period_across_the_year_end_saves_in_each_month_it_covers_up_to_its_last_day():
    period = SavingPeriod(date(2024, 12, 17), date(2025, 2, 14), 3100, 0)
    assert monthly_savings([period], date(2025, 12, 31)) == {"2024-12": 1500, "2025-01": 3100, "2025-02": 1550}


def test_a_period_without_saving_is_skipped_and_the_periods_after_it_still_count():
    periods = [SavingPeriod(date(2025, 1, 1), date(2025, 1, 31), 100, 100), SavingPeriod(date(2025, 2, 1), None, 2800, 0)]
    assert monthly_savings(periods, date(2025, 3, 31)) == {"2025-02": 2800, "2025-03": 2800}


def test_the_savings_of_periods_in_one_month_add_up_before_rounding():
    # 10 days x 31 / 31 + 21 days x 62 / 31 = 10 + 42
    periods = [SavingPeriod(date(2025, 1, 1), date(2025, 1, 10), 31, 0), SavingPeriod(date(2025, 1, 11), None, 62, 0)]
    assert monthly_savings(periods, date(2025, 1, 31)) == {"2025-01": 52}
    assert list(monthly_savings(periods, date(2025, 3, 31))) == ["2025-01", "2025-02", "2025-03"]


def test_a_period_running_still_saves_up_to_the_day_asked_and_nothing_before_a_completed_month():
    assert monthly_savings([SavingPeriod(date(2025, 1, 1), None, 3100, 0)], date(2025, 1, 30)) == {}
    assert monthly_savings([], date(2025, 1, 31)) == {}


# -- the municipality's position ---------------------------------------------------------------------------


def test_the_break_even_month_is_the_first_in_which_savings_catch_up_with_what_was_paid():
    savings = {"2025-03": 100, "2025-04": 100, "2025-05": 100}
    series, month = municipality_position(savings, [(date(2025, 2, 1), 250)], date(2025, 5, 31))
    assert [p.net for p in series] == [-250, -150, -50, 50] and month == "2025-05"
    _, none = municipality_position(savings, [(date(2025, 2, 1), 500)], date(2025, 5, 31))
    assert none is None


def test_the_position_per_month_has_that_months_savings_and_payments_and_their_running_totals():
    series, _ = municipality_position({"2025-03": 100, "2025-05": 40}, [(date(2025, 3, 15), 30), (date(2025, 3, 20), 20)], date(2025, 6, 30))
    assert series == [
        MonthPosition("2025-03", 100, 50, 100, 50),
        MonthPosition("2025-04", 0, 0, 100, 50),
        MonthPosition("2025-05", 40, 0, 140, 50),
        MonthPosition("2025-06", 0, 0, 140, 50),
    ]
    assert series[0].net == 50


def test_break_even_exactly_reached_counts():
    _, month = municipality_position({"2025-03": 100, "2025-04": 150}, [(date(2025, 3, 1), 250)], date(2025, 4, 30))
    assert month == "2025-04"


def test_a_later_payment_puts_the_municipality_behind_again_until_its_savings_catch_up_again():
    savings = {"2025-01": 100, "2025-02": 100, "2025-03": 100, "2025-04": 100}
    payments = [(date(2025, 1, 5), 100), (date(2025, 2, 5), 150)]
    series, month = municipality_position(savings, payments, date(2025, 4, 30))
    assert [p.net for p in series] == [0, -50, 50, 150] and month == "2025-03"
    _, behind = municipality_position(savings, payments, date(2025, 2, 28))
    assert behind is None


def test_a_single_cent_paid_is_something_paid():
    _, month = municipality_position({"2025-03": 1}, [(date(2025, 3, 1), 1)], date(2025, 3, 31))
    assert month == "2025-03"


def test_savings_without_anything_paid_break_even_in_no_month():
    series, month = municipality_position({"2025-03": 100}, [], date(2025, 4, 30))
    assert [p.month for p in series] == ["2025-03", "2025-04"] and month is None


def test_payments_after_the_day_asked_do_not_count_and_those_on_it_do():
    series, month = municipality_position({"2025-01": 100}, [(date(2025, 1, 31), 100), (date(2025, 2, 1), 500)], date(2025, 1, 31))
    assert series == [MonthPosition("2025-01", 100, 100, 100, 100)] and month == "2025-01"


def test_without_savings_or_payments_there_is_no_position():
    assert municipality_position({}, [], date(2025, 12, 31)) == ([], None)
    assert municipality_position({}, [(date(2026, 1, 1), 100)], date(2025, 12, 31)) == ([], None)


def test_the_position_starts_in_the_first_month_with_a_payment_or_a_saving_and_runs_across_the_year_end():
    series, _ = municipality_position({"2025-02": 10}, [(date(2024, 11, 20), 5)], date(2025, 2, 28))
    assert [p.month for p in series] == ["2024-11", "2024-12", "2025-01", "2025-02"]


# -- the savings through any date, as the month aggregates keep them ------------------------------------


def test_savings_through_any_date_are_the_months_up_to_the_running_period_then_its_monthly_saving():
    periods = [SavingPeriod(date(2025, 1, 15), date(2025, 3, 9), 1000, 400), SavingPeriod(date(2025, 3, 10), None, 1000, 0)]
    found = savings_through_any_date(periods)
    assert found == MonthlySavings(monthly_savings(periods, date(2025, 3, 31)), "2025-04", 1000)
    assert found.months == {"2025-01": 329, "2025-02": 600, "2025-03": 174 + 710}


def test_closed_periods_have_no_monthly_saving_after_their_last_month():
    periods = [SavingPeriod(date(2024, 12, 20), date(2025, 2, 14), 3100, 0)]
    assert savings_through_any_date(periods) == MonthlySavings({"2024-12": 1200, "2025-01": 3100, "2025-02": 1550}, None, 0)
    assert savings_through_any_date([]) == MonthlySavings({}, None, 0)


def test_savings_through_any_date_cut_at_a_date_are_the_monthly_savings_through_that_date():
    shapes = [
        [SavingPeriod(date(2025, 1, 15), date(2025, 3, 9), 1000, 400), SavingPeriod(date(2025, 3, 10), None, 1000, 0)],
        [SavingPeriod(date(2024, 12, 20), date(2025, 2, 14), 3100, 0)],
        [SavingPeriod(date(2025, 2, 1), None, 977, 13)],
        [SavingPeriod(date(2025, 2, 28), None, 13, 0)],  # a month that rounds to nothing still counts
        [SavingPeriod(date(2024, 11, 30), date(2024, 12, 31), 50, 10), SavingPeriod(date(2025, 1, 1), None, 50, 20)],
    ]
    for periods in shapes:
        through_any = savings_through_any_date(periods)
        day = date(2024, 11, 1)
        while day <= date(2025, 8, 1):
            assert as_of_month(through_any, day) == monthly_savings(periods, day), (periods, day)
            day += timedelta(days=1)
