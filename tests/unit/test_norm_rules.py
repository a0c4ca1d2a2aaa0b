"""The norms a route runs against (``domain.norms``): which stage is measured from when, against
its route model's (or region's) norm, and how a maatwerk deviation of that norm moves the last
day within it."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

from domain.norms import running_norms, within_norm_until
from domain.route_model import EffectiveRoute, baseline_model, route_model_id
from domain.trajectory import Trajectory
from domain.values import Actor, DeviationRule, Phase, Role
from tests.route_model_scenario import LONGER_PRACTICE, version_2
from tests.unit.fakes import TERMS

KM = Actor("km-1", Role.KLANTMANAGER, "GM0363")
TODAY = date(2026, 11, 22)
START = date(2026, 3, 2)
BASELINE = EffectiveRoute(route_model_id(1), 1, baseline_model(TERMS))
RIJNMOND = EffectiveRoute(route_model_id(2), 2, version_2(TERMS), uuid4(), LONGER_PRACTICE)


def _registered() -> Trajectory:
    return Trajectory.register(trajectory_id=uuid4(), municipality="GM0363", candidate_id=uuid4(), target_group="statushouder",
                               on=START, today=TODAY, benefit_monthly_cents=0, benefit_since=None, actor=KM)


def _deviation(on: date, until: date, weeks: int, norm: str = "pre-trajectory.practice") -> dict:
    return {"rule": DeviationRule.TRAINING_DURATION, "on": on, "until": until, "norm": norm, "norm_weeks": weeks}


def test_a_norm_ends_its_weeks_after_the_start_unless_a_deviation_in_force_then_allows_more():
    assert within_norm_until(START, 8, []) == START + timedelta(weeks=8)
    assert within_norm_until(START, 8, [_deviation(START, date(2026, 12, 31), 20)]) == START + timedelta(weeks=20)
    # The deviation's period ends first: the route is past its norm the day after.
    assert within_norm_until(START, 8, [_deviation(START, date(2026, 6, 1), 20)]) == date(2026, 6, 1)
    # A deviation that is over before the norm runs out, or allows less, changes nothing.
    assert within_norm_until(START, 8, [_deviation(START, date(2026, 3, 20), 20)]) == START + timedelta(weeks=8)
    assert within_norm_until(START, 8, [_deviation(START, date(2026, 12, 31), 6)]) == START + timedelta(weeks=8)
    # Deviations that follow each other add up.
    chained = [_deviation(START, date(2026, 6, 1), 30), _deviation(date(2026, 6, 2), date(2026, 12, 31), 30)]
    assert within_norm_until(START, 8, chained) == START + timedelta(weeks=30)


def test_intake_runs_from_registration_until_a_phase_starts_or_is_skipped():
    t = _registered()
    [intake] = running_norms(t, BASELINE)
    assert (intake.norm, intake.started_on, intake.norm_weeks, intake.within_until, intake.over_on) == (
        "registered", START, 4, START + timedelta(weeks=4), START + timedelta(weeks=4, days=1)
    )
    t.skip_phase(Phase.ORIENTATION, on=date(2026, 3, 9), today=TODAY, basis="evc", reason="EVC", actor=KM)
    assert running_norms(t, BASELINE) == []


def test_a_phase_and_its_practice_component_run_against_the_regions_norms():
    t = _registered()
    t.skip_phase(Phase.ORIENTATION, on=date(2026, 3, 9), today=TODAY, basis="evc", reason="EVC", actor=KM)
    t.start_phase(Phase.PRE_TRAJECTORY, on=date(2026, 3, 9), today=TODAY, provider=None, actor=KM)
    assert [n.norm for n in running_norms(t, RIJNMOND)] == ["pre-trajectory"]  # no practice yet
    t.record_practice(practice_id="p1", on=date(2026, 3, 16), until=None, today=TODAY, description="werkplaats", hours_per_week=16,
                      actor=KM)
    norms = {n.norm: n for n in running_norms(t, RIJNMOND)}
    assert norms["pre-trajectory"].within_until == date(2026, 3, 9) + timedelta(weeks=26)
    practice = norms["pre-trajectory.practice"]
    assert (practice.norm_weeks, practice.within_until, practice.ends_on) == (16, date(2026, 3, 16) + timedelta(weeks=16), None)
    assert (practice.past_on(practice.within_until), practice.past_on(practice.over_on)) == (False, True)
    assert {n.norm: n.norm_weeks for n in running_norms(t, BASELINE)}["pre-trajectory.practice"] == 8


def test_practice_recorded_to_end_past_its_norm_runs_past_it_until_that_end():
    t = _registered()
    t.skip_phase(Phase.ORIENTATION, on=date(2026, 3, 9), today=TODAY, basis="evc", reason="EVC", actor=KM)
    t.start_phase(Phase.PRE_TRAJECTORY, on=date(2026, 3, 9), today=TODAY, provider=None, actor=KM)
    t.record_practice(practice_id="p1", on=date(2026, 3, 16), until=date(2026, 7, 31), today=TODAY, description="werkplaats",
                      hours_per_week=16, actor=KM)
    practice = {n.norm: n for n in running_norms(t, BASELINE)}["pre-trajectory.practice"]
    assert (practice.within_until, practice.ends_on) == (date(2026, 5, 11), date(2026, 7, 31))
    assert [practice.past_on(d) for d in (date(2026, 5, 11), date(2026, 5, 12), date(2026, 7, 31))] == [False, True, False]


def test_practice_that_ended_within_its_norm_is_not_shown_and_a_drop_out_ends_every_norm():
    t = _registered()
    t.skip_phase(Phase.ORIENTATION, on=date(2026, 3, 9), today=TODAY, basis="evc", reason="EVC", actor=KM)
    t.start_phase(Phase.PRE_TRAJECTORY, on=date(2026, 3, 9), today=TODAY, provider=None, actor=KM)
    t.record_practice(practice_id="p1", on=date(2026, 3, 16), until=date(2026, 4, 30), today=TODAY, description="werkplaats",
                      hours_per_week=16, actor=KM)
    assert [n.norm for n in running_norms(t, BASELINE)] == ["pre-trajectory"]
    t.drop_out(on=date(2026, 5, 1), today=TODAY, reason="health", explanation="ziek", actor=KM)
    assert running_norms(t, BASELINE) == []


def test_the_placement_stage_runs_from_the_first_proposal_until_a_contract_starts():
    t = _registered()
    t.skip_phase(Phase.ORIENTATION, on=date(2026, 3, 9), today=TODAY, basis="evc", reason="EVC", actor=KM)
    t.propose_placement(placement_id="p1", employer_kvk="12345678", employer_name="Bouw BV", function="monteur", hours_per_week=32,
                        level="assistent", on=date(2026, 4, 1), today=TODAY, actor=KM)
    [placement] = running_norms(t, BASELINE)
    assert (placement.norm, placement.started_on, placement.norm_weeks) == ("placement", date(2026, 4, 1), 13)
    t.confirm_placement("p1", on=date(2026, 4, 2), today=TODAY, actor=Actor("hr", Role.EMPLOYER, "12345678"))
    t.start_contract("p1", on=date(2026, 4, 6), today=TODAY, hours_per_week=32, actor=Actor("hr", Role.EMPLOYER, "12345678"))
    assert running_norms(t, BASELINE) == []


def test_a_deviation_of_the_norm_keeps_the_route_within_its_weeks_and_another_norms_deviation_does_not():
    t = _registered()
    t.skip_phase(Phase.ORIENTATION, on=date(2026, 3, 9), today=TODAY, basis="evc", reason="EVC", actor=KM)
    t.start_phase(Phase.PRE_TRAJECTORY, on=date(2026, 3, 9), today=TODAY, provider=None, actor=KM)
    t.grant_deviation(deviation_id="d1", rule=DeviationRule.TRAINING_DURATION, reason="langer", on=date(2026, 3, 9),
                      until=date(2027, 6, 1), granted_by="teamleider", today=TODAY, actor=KM, norm="pre-trajectory", norm_weeks=52,
                      route=BASELINE)
    t.grant_deviation(deviation_id="d2", rule=DeviationRule.TRAINING_DURATION, reason="langer", on=date(2026, 3, 9),
                      until=date(2027, 6, 1), granted_by="teamleider", today=TODAY, actor=KM, norm="pre-trajectory.vaktaal",
                      norm_weeks=60, route=BASELINE)
    t.grant_deviation(deviation_id="d3", rule=DeviationRule.TRAINING_DURATION, reason="korter", on=date(2026, 3, 9),
                      until=date(2027, 6, 1), granted_by="teamleider", today=TODAY, actor=KM, norm="pre-trajectory", norm_weeks=10,
                      route=BASELINE)
    [phase] = running_norms(t, BASELINE)
    assert (phase.norm_weeks, phase.within_until) == (26, date(2026, 3, 9) + timedelta(weeks=52))
