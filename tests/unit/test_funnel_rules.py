"""The pipeline funnel (``domain.funnel``): the registration cohort, when each stage of a route was
entered and completed, its drop-outs, and the percentiles of lead times."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.funnel import (
    FUNNEL_STAGES,
    DropOutFact,
    StageFact,
    cohort_of,
    drop_out_facts,
    percentile,
    percentile_of_counts,
    stage_facts,
)
from domain.trajectory import Trajectory
from domain.values import SYSTEM_ACTOR, Actor, MilestoneTerms, Role, Stage

KM = Actor("km-1", Role.KLANTMANAGER, "GM0363")
TODAY = date(2026, 11, 22)
TERMS = MilestoneTerms(lasting_placement_months=6, check_in_interval_months=6, check_in_window_days=30, guarantee_years=10, stall_weeks=8)


def _registered() -> Trajectory:
    return Trajectory.register(
        trajectory_id=uuid4(), municipality="GM0363", candidate_id=uuid4(), target_group="statushouder", on=date(2026, 1, 5), today=TODAY,
        benefit_monthly_cents=0, benefit_since=None, actor=KM,
    )


def _place(t: Trajectory, pid: str, kvk: str, proposed: date, confirmed: date | None, start: date | None = None) -> None:
    t.propose_placement(placement_id=pid, employer_kvk=kvk, employer_name="BV", function="monteur", hours_per_week=32, level="full",
                        on=proposed, today=TODAY, actor=KM)
    if confirmed is not None:
        t.confirm_placement(pid, on=confirmed, today=TODAY, actor=Actor("hr", Role.EMPLOYER, kvk))
    if start is not None:
        t.start_contract(pid, on=start, today=TODAY, hours_per_week=32, actor=KM)


@pytest.mark.parametrize(
    ("day", "cohort"),
    [(date(2026, 1, 1), "2026-Q1"), (date(2026, 3, 31), "2026-Q1"), (date(2026, 4, 1), "2026-Q2"), (date(2026, 6, 30), "2026-Q2"),
     (date(2026, 7, 1), "2026-Q3"), (date(2026, 9, 30), "2026-Q3"), (date(2026, 10, 1), "2026-Q4"), (date(2026, 12, 31), "2026-Q4")],
)
def test_the_cohort_of_a_registration_is_its_calendar_quarter(day, cohort):
    assert cohort_of(day) == cohort


def test_the_funnel_has_the_stages_of_the_route_in_order():
    assert FUNNEL_STAGES == (Stage.REGISTERED, Stage.ORIENTATION, Stage.PRE_TRAJECTORY, Stage.BEDRIJFSVAKSCHOOL, Stage.PLACEMENT,
                             Stage.GUARANTEE)


def test_a_route_just_registered_entered_only_the_registration():
    assert stage_facts(_registered()) == [
        StageFact(Stage.REGISTERED, date(2026, 1, 5), None),
        StageFact(Stage.ORIENTATION, None, None, skipped=False),
        StageFact(Stage.PRE_TRAJECTORY, None, None, skipped=False),
        StageFact(Stage.BEDRIJFSVAKSCHOOL, None, None, skipped=False),
        StageFact(Stage.PLACEMENT, None, None),
        StageFact(Stage.GUARANTEE, None, None),
    ]


def test_a_phase_is_entered_when_it_first_started_completed_when_completed_and_a_skipped_one_neither():
    t = _registered()
    t.start_phase("orientation", on=date(2026, 1, 10), today=TODAY, provider=None, actor=KM)
    t.end_phase_without_completion("orientation", on=date(2026, 1, 20), today=TODAY, reason="x", actor=KM)
    t.start_phase("orientation", on=date(2026, 2, 1), today=TODAY, provider=None, actor=KM)
    t.complete_phase("orientation", on=date(2026, 2, 20), today=TODAY, actor=KM)
    t.skip_phase("pre-trajectory", on=date(2026, 2, 21), today=TODAY, basis="evc", reason="x", actor=KM)
    t.start_phase("bedrijfsvakschool", on=date(2026, 3, 1), today=TODAY, provider="Bouwmensen", actor=KM)
    t.end_phase_without_completion("bedrijfsvakschool", on=date(2026, 4, 1), today=TODAY, reason="x", actor=KM)
    facts = stage_facts(t)
    assert facts[1:4] == [
        StageFact(Stage.ORIENTATION, date(2026, 1, 10), date(2026, 2, 20), skipped=False),
        StageFact(Stage.PRE_TRAJECTORY, None, None, skipped=True),
        StageFact(Stage.BEDRIJFSVAKSCHOOL, date(2026, 3, 1), None, skipped=False),
    ]
    assert facts[1].lead_days == 41 and facts[3].lead_days is None and facts[2].lead_days is None


def test_the_placement_stage_is_entered_with_the_first_confirmation_and_completed_with_the_first_lasting_placement():
    t = _registered()
    _place(t, "p1", "12345678", date(2026, 2, 1), date(2026, 3, 10), start=date(2026, 3, 15))
    _place(t, "p2", "87654321", date(2026, 2, 1), date(2026, 2, 20), start=date(2026, 4, 1))
    _place(t, "p3", "11112222", date(2026, 2, 1), None)
    assert stage_facts(t)[4] == StageFact(Stage.PLACEMENT, date(2026, 2, 20), None)
    t.record_due_milestones(today=date(2026, 10, 31), terms=TERMS, actor=SYSTEM_ACTOR)
    assert t.lasting_placements == {"p1": date(2026, 9, 15), "p2": date(2026, 10, 1)}
    assert stage_facts(t)[4] == StageFact(Stage.PLACEMENT, date(2026, 2, 20), date(2026, 9, 15))


def test_the_guarantee_stage_is_entered_when_issued_and_completed_only_at_the_end_of_its_term():
    t = _registered()
    _place(t, "p1", "12345678", date(2026, 2, 1), date(2026, 2, 3))
    t.issue_guarantee(on=date(2026, 2, 5), today=TODAY, issued_by="sociale partners", actor=KM)
    assert stage_facts(t)[5] == StageFact(Stage.GUARANTEE, date(2026, 2, 5), None)
    t.end_guarantee(on=date(2026, 3, 1), today=TODAY, reason="left-sector", actor=KM)
    assert stage_facts(t)[5] == StageFact(Stage.GUARANTEE, date(2026, 2, 5), None)
    t.issue_guarantee(on=date(2026, 3, 2), today=TODAY, issued_by="sociale partners", actor=KM)
    t.end_guarantee(on=date(2026, 4, 1), today=TODAY, reason="term-completed", actor=KM)
    assert stage_facts(t)[5] == StageFact(Stage.GUARANTEE, date(2026, 3, 2), date(2026, 4, 1))


def test_the_drop_outs_of_a_route_in_order_with_their_stage_and_reason():
    t = _registered()
    t.start_phase("orientation", on=date(2026, 1, 10), today=TODAY, provider=None, actor=KM)
    t.drop_out(on=date(2026, 2, 1), today=TODAY, reason="health", explanation="x", actor=KM)
    t.re_enter(on=date(2026, 3, 1), today=TODAY, explanation="x", actor=KM)
    t.drop_out(on=date(2026, 4, 1), today=TODAY, reason="relocation", explanation="x", actor=KM)
    assert drop_out_facts(t) == [
        DropOutFact(sequence=0, stage=Stage.ORIENTATION, reason="health", on=date(2026, 2, 1)),
        DropOutFact(sequence=1, stage=Stage.REGISTERED, reason="relocation", on=date(2026, 4, 1)),
    ]
    assert type(drop_out_facts(t)[0].reason) is str
    assert drop_out_facts(_registered()) == []


def test_a_lead_time_is_the_days_from_entering_to_completing():
    assert StageFact(Stage.PLACEMENT, date(2026, 1, 1), date(2026, 1, 31)).lead_days == 30
    assert StageFact(Stage.PLACEMENT, None, date(2026, 1, 31)).lead_days is None


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([10], 0.0, 10), ([10], 0.5, 10), ([10], 1.0, 10),
        ([1, 2, 3, 4], 0.0, 1), ([1, 2, 3, 4], 0.25, 1.75), ([1, 2, 3, 4], 0.5, 2.5), ([1, 2, 3, 4], 0.9, 3.7), ([1, 2, 3, 4], 1.0, 4),
        ([1, 2, 4], 0.9, 3.6), ([0, 1], 1 / 3, 0.33), ([0, 1], 2 / 3, 0.67), ([5, 5, 5, 9], 0.5, 5), ([3, 7], 0.5, 5),
    ],
)
def test_a_percentile_interpolates_between_neighbours_and_rounds_to_two_decimals(values, fraction, expected):
    assert percentile(values, fraction) == expected


def test_no_percentile_of_no_values():
    assert percentile([], 0.5) is None
    assert percentile_of_counts([], 0.5) is None
    assert percentile_of_counts([(3, 0), (4, 0)], 0.5) is None


@pytest.mark.parametrize(
    "value_counts",
    [[(10, 1)], [(1, 1), (2, 1), (3, 1), (4, 1)], [(1, 3), (5, 1)], [(2, 1), (7, 4), (9, 2)], [(0, 2), (1, 0), (3, 2)], [(4, 5)],
     [(1, 1), (2, 2), (3, 3), (4, 4), (10, 1)]],
)
@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.25, 1 / 3, 0.5, 0.75, 0.9, 0.99, 1.0])
def test_a_percentile_of_value_counts_equals_the_percentile_of_the_values_listed(value_counts, fraction):
    listed = [value for value, count in value_counts for _ in range(count)]
    assert percentile_of_counts(value_counts, fraction) == percentile(listed, fraction)


def test_percentiles_of_counts_by_hand():
    assert percentile_of_counts([(1, 3), (5, 1)], 0.5) == 1
    assert percentile_of_counts([(1, 3), (5, 1)], 0.9) == 3.8
    assert percentile_of_counts([(2, 1), (8, 1)], 0.25) == 3.5
    assert percentile_of_counts([(0, 1), (1, 1)], 1 / 3) == 0.33  # two decimals
