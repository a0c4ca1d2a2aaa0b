"""Measuring a route's stages and reading them against the norms (``domain.comparison``), and
the comparison across regions built from them (``domain.comparison_report``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from domain.comparison import (
    Deviation,
    DropOut,
    RouteFacts,
    StageMeasure,
    measure_stages,
    quarter_end,
    read_against_norms,
    route_facts,
)
from domain.comparison_report import NATIONAL, build_comparison
from domain.money import AsOf, logged
from domain.route_model import EffectiveRoute, RegionalVariant, baseline_model, differences
from domain.trajectory import Trajectory
from domain.values import Actor, DeviationRule, DropOutReason, MilestoneTerms, Phase, Role, SkipBasis, Stage
from tests.route_model_scenario import RIJNMOND, SUB_REASON, scenario

KM = Actor("km-1", Role.KLANTMANAGER, "GM0363")
TODAY = date(2026, 11, 22)
TERMS = MilestoneTerms(lasting_placement_months=6, check_in_interval_months=6, check_in_window_days=30, guarantee_years=10, stall_weeks=8)
BASELINE = EffectiveRoute(uuid4(), 1, baseline_model(TERMS))
D = date


def _measures(facts: RouteFacts, on: date = TODAY) -> dict[str, StageMeasure]:
    return {m.key: m for m in measure_stages(facts, on)}


def _registered(on: date = date(2026, 1, 5)) -> Trajectory:
    return Trajectory.register(
        trajectory_id=uuid4(), municipality="GM0363", candidate_id=uuid4(), target_group="statushouder", on=on, today=TODAY,
        benefit_monthly_cents=0, benefit_since=None, actor=KM,
    )


def test_intake_runs_from_the_registration_to_the_first_phase_started_or_skipped():
    t = _registered()
    assert _measures(RouteFacts.of(t), D(2026, 1, 19))["registered"] == StageMeasure("registered", D(2026, 1, 5), None, 14)
    t.skip_phase(Phase.ORIENTATION, on=D(2026, 1, 26), today=TODAY, basis=SkipBasis.EVC, reason="ervaring", actor=KM)
    t.start_phase(Phase.PRE_TRAJECTORY, on=D(2026, 2, 2), today=TODAY, provider=None, actor=KM)
    measures = _measures(RouteFacts.of(t))
    assert measures["registered"] == StageMeasure("registered", D(2026, 1, 5), D(2026, 1, 26), 21)
    assert "orientation" not in measures  # skipped: not measured
    assert measures["pre-trajectory"] == StageMeasure("pre-trajectory", D(2026, 2, 2), None, (TODAY - D(2026, 2, 2)).days)


def test_a_phase_runs_from_its_first_start_to_its_end_and_a_drop_out_ends_it():
    t = _registered()
    t.start_phase(Phase.ORIENTATION, on=D(2026, 1, 12), today=TODAY, provider=None, actor=KM)
    t.drop_out(on=D(2026, 2, 2), today=TODAY, reason=DropOutReason.HEALTH, explanation="ziek", actor=KM)
    assert _measures(RouteFacts.of(t))["orientation"] == StageMeasure("orientation", D(2026, 1, 12), D(2026, 2, 2), 21)
    t.re_enter(on=D(2026, 3, 2), today=TODAY, explanation="beter", actor=KM)
    t.start_phase(Phase.ORIENTATION, on=D(2026, 3, 9), today=TODAY, provider=None, actor=KM)
    assert _measures(RouteFacts.of(t), D(2026, 3, 16))["orientation"].open  # started again: open, from its first start
    t.complete_phase(Phase.ORIENTATION, on=D(2026, 4, 6), today=TODAY, actor=KM)
    assert _measures(RouteFacts.of(t))["orientation"] == StageMeasure("orientation", D(2026, 1, 12), D(2026, 4, 6), 84)


def test_an_open_stage_of_a_route_that_dropped_out_is_measured_to_the_drop_out():
    t = _registered()
    t.drop_out(on=D(2026, 1, 19), today=TODAY, reason=DropOutReason.MOTIVATION, explanation="weg", actor=KM)
    assert _measures(RouteFacts.of(t))["registered"] == StageMeasure("registered", D(2026, 1, 5), None, 14)


def test_placement_runs_from_the_first_proposal_to_the_first_contract_start():
    t = _registered()
    kvk = "12345678"
    t.propose_placement(placement_id="p1", employer_kvk=kvk, employer_name="BV", function="monteur", hours_per_week=32, level="full",
                        on=D(2026, 3, 2), today=TODAY, actor=KM)
    assert _measures(RouteFacts.of(t), D(2026, 3, 9))["placement"] == StageMeasure("placement", D(2026, 3, 2), None, 7)
    # straight to work: the proposal ends the intake
    assert _measures(RouteFacts.of(t))["registered"] == StageMeasure("registered", D(2026, 1, 5), D(2026, 3, 2), 56)
    t.confirm_placement("p1", on=D(2026, 3, 9), today=TODAY, actor=Actor("hr", Role.EMPLOYER, kvk))
    t.start_contract("p1", on=D(2026, 4, 1), today=TODAY, hours_per_week=32, actor=KM)
    assert _measures(RouteFacts.of(t))["placement"] == StageMeasure("placement", D(2026, 3, 2), D(2026, 4, 1), 30)


def test_the_practice_component_runs_from_the_first_period_start_to_the_last_period_end():
    t = _registered()
    t.start_phase(Phase.ORIENTATION, on=D(2026, 1, 12), today=TODAY, provider=None, actor=KM)
    t.complete_phase(Phase.ORIENTATION, on=D(2026, 2, 2), today=TODAY, actor=KM)
    t.start_phase(Phase.PRE_TRAJECTORY, on=D(2026, 2, 9), today=TODAY, provider=None, actor=KM)
    t.record_practice(practice_id="a", on=D(2026, 3, 2), until=D(2026, 3, 30), today=TODAY, description="bouw", hours_per_week=16, actor=KM)
    t.record_practice(practice_id="b", on=D(2026, 4, 6), until=D(2026, 5, 4), today=TODAY, description="bouw", hours_per_week=16, actor=KM)
    assert _measures(RouteFacts.of(t))["pre-trajectory.practice"] == StageMeasure("pre-trajectory.practice", D(2026, 3, 2), D(2026, 5, 4), 63)
    assert _measures(RouteFacts.of(t), D(2026, 4, 13))["pre-trajectory.practice"].open  # the last period ends after the date asked


def test_the_facts_of_a_trajectory_equal_those_folded_from_its_events():
    t = _registered()
    t.start_phase(Phase.ORIENTATION, on=D(2026, 1, 12), today=TODAY, provider=None, actor=KM)
    t.drop_out(on=D(2026, 2, 2), today=TODAY, reason=DropOutReason.HEALTH, explanation="ziek", actor=KM)
    t.re_enter(on=D(2026, 3, 2), today=TODAY, explanation="beter", actor=KM)
    t.start_phase(Phase.ORIENTATION, on=D(2026, 3, 9), today=TODAY, provider=None, actor=KM)
    t.complete_phase(Phase.ORIENTATION, on=D(2026, 4, 6), today=TODAY, actor=KM)
    t.skip_phase(Phase.PRE_TRAJECTORY, on=D(2026, 4, 7), today=TODAY, basis=SkipBasis.EVC, reason="ervaring", actor=KM)
    t.grant_deviation(deviation_id="d1", rule=DeviationRule.TRAINING_DURATION, reason="langer", on=D(2026, 4, 8), until=D(2026, 12, 31),
                      granted_by="teamleider", today=TODAY, actor=KM)
    events = [logged(e) for e in t.collect_events()]
    assert route_facts(events, AsOf(TODAY)) == RouteFacts.of(t)
    as_of_march = route_facts(events, AsOf(D(2026, 3, 1)))
    assert as_of_march is not None and as_of_march.dropped_out_on == D(2026, 2, 2)
    recorded = events[0].recorded_at
    assert route_facts(events, AsOf(TODAY, recorded - timedelta(microseconds=1))) is None  # not yet recorded then


def _facts(**kw) -> RouteFacts:
    return RouteFacts("GM0363", kw.pop("registered_on", D(2026, 1, 5)), **kw)


def test_a_route_within_its_granted_deviation_of_a_norm_is_within_norm_and_maatwerk():
    # Intake norm: 4 weeks (28 days); this route took 42 days, with a deviation of 6 weeks.
    facts = _facts()
    facts.phases[Phase.ORIENTATION].first_started_on = D(2026, 2, 16)
    facts.phases[Phase.ORIENTATION].running = True
    facts.deviations = [Deviation(DeviationRule.TRAINING_DURATION, D(2026, 1, 5), D(2026, 3, 1), "registered", 6)]
    intake = read_against_norms(facts, BASELINE, TODAY)[0]
    assert (intake.measure.days, intake.norm_weeks, intake.within, intake.maatwerk, intake.within_by_deviation) == (42, 4, True, True, True)
    facts.deviations = [Deviation(DeviationRule.TRAINING_DURATION, D(2026, 3, 1), D(2026, 4, 1), "registered", 6)]  # after the stage
    intake = read_against_norms(facts, BASELINE, TODAY)[0]
    assert (intake.within, intake.maatwerk) == (False, False)
    facts.deviations = [Deviation(DeviationRule.TRAINING_DURATION, D(2026, 1, 5), D(2026, 3, 1), "registered", 5)]  # too short
    intake = read_against_norms(facts, BASELINE, TODAY)[0]
    assert (intake.within, intake.maatwerk, intake.within_by_deviation) == (False, True, False)


def test_a_regional_norm_is_the_routes_own_norm_while_within_norm_reads_the_national_one():
    variant = RegionalVariant("Groot Amsterdam", frozenset(), norms={"registered": 8})
    route = EffectiveRoute(BASELINE.model_id, 1, BASELINE.national, uuid4(), variant)
    facts = _facts()
    facts.phases[Phase.ORIENTATION].first_started_on = D(2026, 2, 16)  # 42 days: over 4 weeks, within 8
    intake = read_against_norms(facts, route, TODAY)[0]
    assert (intake.within, intake.within_own, intake.own_norm_weeks) == (False, True, 8)


def test_the_comparison_counts_per_region_and_rolls_sub_reasons_up_to_their_national_category():
    dropped = _facts(drop_outs=[DropOut(D(2026, 2, 1), Stage.REGISTERED, DropOutReason.OTHER_WORK, "uitzendwerk"),
                                DropOut(D(2026, 3, 1), Stage.REGISTERED, DropOutReason.OTHER_WORK, None)],
                     re_entries=[D(2026, 2, 15)])
    quick = _facts()
    quick.phases[Phase.ORIENTATION].skipped_on = D(2026, 1, 12)
    slow = _facts()
    slow.phases[Phase.ORIENTATION].skipped_on = D(2026, 3, 2)
    slow.deviations = [Deviation(DeviationRule.OTHER, D(2026, 1, 5), D(2026, 2, 1), None, None)]
    routes = [("Groot Amsterdam", quick, BASELINE), ("Groot Amsterdam", dropped, BASELINE), ("Rijnmond", slow, BASELINE)]
    found = build_comparison(routes, AsOf(TODAY), regions=["Rijnmond", "Groot Amsterdam"], national=BASELINE, differences={})
    amsterdam, rijnmond = found.regions
    assert (amsterdam.region, rijnmond.region, found.national.region) == ("Groot Amsterdam", "Rijnmond", NATIONAL)
    intake = amsterdam.stages[0]
    # quick: 7 days; dropped: 55 days (to its last drop-out, 2026-03-01)
    assert (intake.stage, intake.entered, intake.completed, intake.open, intake.within_norm) == ("registered", 2, 1, 1, 1)
    assert (intake.median_days, intake.share_within_norm, intake.median_to_norm) == (31.0, 0.5, round(31 / 28, 4))
    other_work = next(d for d in amsterdam.drop_outs if d.category is DropOutReason.OTHER_WORK)
    assert (other_work.count, other_work.sub_reasons) == (2, {"uitzendwerk": 1})
    assert rijnmond.deviations[DeviationRule.OTHER] == 1 and sum(amsterdam.deviations.values()) == 0
    assert found.national.routes == 3 and found.national.stages[0].entered == 3


def test_quarter_ends():
    assert [quarter_end(d) for d in (D(2026, 3, 31), D(2026, 6, 30), D(2026, 9, 30), D(2026, 12, 31))] == [True] * 4
    assert not any(quarter_end(d) for d in (D(2026, 3, 30), D(2026, 7, 1), D(2026, 2, 28), D(2026, 12, 30)))


def test_only_what_was_recorded_by_the_moment_counts():
    t = _registered()
    events = [logged(e) for e in t.collect_events()]
    later = datetime(2100, 1, 1, tzinfo=UTC)
    assert route_facts(events, AsOf(TODAY, later)) is not None
    assert route_facts(events, AsOf(D(2026, 1, 4))) is None  # registered after the day asked


def test_a_pinned_route_of_a_regional_variant_rolls_its_sub_reason_up_and_counts_its_deviation_as_maatwerk():
    models = scenario(TERMS)
    route = models.in_force(RIJNMOND, D(2026, 3, 2))
    t = Trajectory.register(
        trajectory_id=uuid4(), municipality="GM0599", candidate_id=uuid4(), target_group="statushouder", on=D(2026, 3, 2),
        today=TODAY, benefit_monthly_cents=0, benefit_since=None, actor=Actor("km", Role.KLANTMANAGER, "GM0599"), route=route,
    )
    km = Actor("km", Role.KLANTMANAGER, "GM0599")
    t.skip_phase(Phase.ORIENTATION, on=D(2026, 3, 3), today=TODAY, basis=SkipBasis.EVC, reason="ervaring", actor=km, route=route)
    t.start_phase(Phase.PRE_TRAJECTORY, on=D(2026, 3, 9), today=TODAY, provider=None, actor=km, route=route)
    t.record_practice(practice_id="a", on=D(2026, 3, 9), until=D(2026, 6, 1), today=TODAY, description="bouw", hours_per_week=16,
                      actor=km)  # 12 weeks: over the national 8, within Rijnmond's 16
    t.grant_deviation(deviation_id="d1", rule=DeviationRule.TRAINING_DURATION, reason="langer", on=D(2026, 3, 9),
                      until=D(2026, 12, 31), granted_by="teamleider", today=TODAY, actor=km, norm="pre-trajectory", norm_weeks=40,
                      route=route)
    t.drop_out(on=D(2026, 11, 2), today=TODAY, reason=SUB_REASON, explanation="geen rijbewijs", actor=km, route=route)
    events = [logged(e) for e in t.collect_events()]
    facts = route_facts(events, AsOf(TODAY))
    assert facts == RouteFacts.of(t)
    assert facts is not None and (facts.route_model, facts.route_variant) == (route.model_id, route.variant_id)
    effective = models.effective(facts.route_model, facts.route_variant)
    readings = {r.measure.key: r for r in read_against_norms(facts, effective, TODAY)}
    practice, pre = readings["pre-trajectory.practice"], readings["pre-trajectory"]
    assert (practice.within, practice.within_own, practice.own_norm_weeks) == (False, True, 16)
    # 238 days (to the drop-out): over 26 weeks, within the deviation's 40
    assert (pre.measure.days, pre.within, pre.maatwerk, pre.within_by_deviation) == (238, True, True, True)
    national = models.in_force(None, TODAY)
    found = build_comparison([(RIJNMOND, facts, effective)], AsOf(TODAY), regions=[RIJNMOND], national=national,
                             differences={RIJNMOND: differences(national, models.in_force(RIJNMOND, TODAY))})
    region = found.regions[0]
    not_suited = next(d for d in region.drop_outs if d.category is DropOutReason.NOT_SUITED)
    assert (not_suited.count, not_suited.sub_reasons) == (1, {SUB_REASON: 1})
    assert region.deviations[DeviationRule.TRAINING_DURATION] == 1
    assert {"what": "norm.pre-trajectory.practice", "from": 8, "to": 16} in region.differences
    stage = next(s for s in region.stages if s.stage == "pre-trajectory")
    assert (stage.maatwerk, stage.within_by_deviation, stage.within_norm) == (1, 1, 1)
