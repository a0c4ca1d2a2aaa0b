"""The milestones that time alone makes due on a trajectory: a lasting placement, the check-ins of
the guarantee and a stalled route; each due on its day exactly, recorded once, by the system."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

from domain.trajectory import Trajectory
from domain.values import SYSTEM_ACTOR, Actor, MilestoneTerms, Role

KM = Actor("km-1", Role.KLANTMANAGER, "GM0363")
EMPLOYER = Actor("hr-1", Role.EMPLOYER, "12345678")
REGISTERED_ON = date(2026, 1, 5)
TODAY = date(2026, 11, 22)
TERMS = MilestoneTerms(lasting_placement_months=6, check_in_interval_months=6, check_in_window_days=30, guarantee_years=10, stall_weeks=8)


def _registered() -> Trajectory:
    return Trajectory.register(
        trajectory_id=uuid4(), municipality="GM0363", candidate_id=uuid4(), target_group="statushouder", on=REGISTERED_ON, today=TODAY,
        benefit_monthly_cents=125_000, benefit_since=date(2024, 6, 1), actor=KM,
    )


def _placed(t: Trajectory, pid: str = "p1", kvk: str = "12345678", start: date | None = date(2026, 2, 10)) -> None:
    t.propose_placement(placement_id=pid, employer_kvk=kvk, employer_name="Bouw BV", function="monteur", hours_per_week=32,
                        level="assistent", on=date(2026, 2, 1), today=TODAY, actor=KM)
    t.confirm_placement(pid, on=date(2026, 2, 3), today=TODAY, actor=Actor("hr", Role.EMPLOYER, kvk))
    if start is not None:
        t.start_contract(pid, on=start, today=TODAY, hours_per_week=32, actor=KM)


def _of_kind(milestones: list, kind: str) -> list:
    return [(on, data) for on, k, data in milestones if k == kind]


def _guaranteed(issued_on: date = date(2026, 3, 1)) -> Trajectory:
    t = _registered()
    _placed(t)
    t.issue_guarantee(on=issued_on, today=TODAY, issued_by="sociale partners", actor=KM)
    return t


# -- a lasting placement --------------------------------------------------------------------------------


def test_a_placement_becomes_lasting_on_the_day_its_months_since_the_contract_start_are_complete():
    t = _registered()
    _placed(t, start=date(2026, 2, 10))
    assert t.due_milestones(date(2026, 8, 9), TERMS) == []
    assert t.due_milestones(date(2026, 8, 10), TERMS) == [(date(2026, 8, 10), "lasting", {"placement_id": "p1", "on": date(2026, 8, 10)})]


def test_a_placement_ended_on_the_day_it_became_lasting_is_lasting_and_one_ended_the_day_before_is_not():
    kept = _registered()
    _placed(kept)
    kept.end_placement("p1", on=date(2026, 8, 10), today=TODAY, reason="contract-completed", explanation=None, actor=KM)
    assert _of_kind(kept.due_milestones(TODAY, TERMS), "lasting") == [(date(2026, 8, 10), {"placement_id": "p1", "on": date(2026, 8, 10)})]
    ended = _registered()
    _placed(ended)
    ended.end_placement("p1", on=date(2026, 8, 9), today=TODAY, reason="dismissed", explanation=None, actor=KM)
    assert _of_kind(ended.due_milestones(TODAY, TERMS), "lasting") == []


def test_a_confirmed_placement_without_a_contract_start_never_becomes_lasting_but_the_next_one_does():
    t = _registered()
    _placed(t, pid="p1", kvk="12345678", start=None)
    _placed(t, pid="p2", kvk="87654321", start=date(2026, 3, 1))
    assert _of_kind(t.due_milestones(TODAY, TERMS), "lasting") == [(date(2026, 9, 1), {"placement_id": "p2", "on": date(2026, 9, 1)})]


def test_a_lasting_placement_is_recorded_once_by_the_system_and_the_next_placement_still_counts():
    t = _registered()
    _placed(t, pid="p1", kvk="12345678", start=date(2026, 2, 10))
    _placed(t, pid="p2", kvk="87654321", start=date(2026, 3, 1))
    assert t.record_due_milestones(today=date(2026, 8, 10), terms=TERMS, actor=SYSTEM_ACTOR) == 1
    assert t.lasting_placements == {"p1": date(2026, 8, 10)}
    event = t.pending_events[-1]
    assert (type(event).__name__, event.actor, event.placement_id, event.on) == (
        "LastingPlacementReached", SYSTEM_ACTOR, "p1", date(2026, 8, 10),
    )
    assert t.record_due_milestones(today=date(2026, 8, 10), terms=TERMS, actor=SYSTEM_ACTOR) == 0
    assert t.due_milestones(date(2026, 9, 1), TERMS) == [(date(2026, 9, 1), "lasting", {"placement_id": "p2", "on": date(2026, 9, 1)})]


def test_the_months_to_a_lasting_placement_are_a_term_not_a_constant():
    t = _registered()
    _placed(t, start=date(2026, 2, 10))
    terms = MilestoneTerms(lasting_placement_months=3, check_in_interval_months=6, check_in_window_days=30, guarantee_years=10,
                           stall_weeks=8)
    assert t.due_milestones(date(2026, 5, 10), terms) == [(date(2026, 5, 10), "lasting", {"placement_id": "p1", "on": date(2026, 5, 10)})]


# -- the check-ins of the guarantee ------------------------------------------------------------------------


def test_a_check_in_falls_due_each_interval_after_the_issue_day_exactly():
    t = _guaranteed(issued_on=date(2026, 3, 1))
    assert _of_kind(t.due_milestones(date(2026, 8, 31), TERMS), "check-in") == []
    assert _of_kind(t.due_milestones(date(2026, 9, 1), TERMS), "check-in") == [(date(2026, 9, 1), {"on": date(2026, 9, 1)})]
    assert _of_kind(t.due_milestones(date(2027, 3, 1), TERMS), "check-in") == [
        (date(2026, 9, 1), {"on": date(2026, 9, 1)}),
        (date(2027, 3, 1), {"on": date(2027, 3, 1)}),
    ]


def test_the_check_ins_run_to_the_end_of_the_guarantee_term_including_its_last_day():
    t = _guaranteed(issued_on=date(2026, 3, 1))
    due = [on for on, _ in _of_kind(t.due_milestones(date(2040, 1, 1), TERMS), "check-in")]
    assert len(due) == 20
    assert (due[0], due[1], due[-1]) == (date(2026, 9, 1), date(2027, 3, 1), date(2036, 3, 1))
    short = MilestoneTerms(lasting_placement_months=6, check_in_interval_months=4, check_in_window_days=30, guarantee_years=1,
                           stall_weeks=8)
    due = [on for on, _ in _of_kind(t.due_milestones(date(2040, 1, 1), short), "check-in")]
    assert due == [date(2026, 7, 1), date(2026, 11, 1), date(2027, 3, 1)]


def test_a_check_in_due_is_recorded_once_by_the_system():
    t = _guaranteed(issued_on=date(2026, 3, 1))
    t.record_due_milestones(today=date(2026, 9, 1), terms=TERMS, actor=SYSTEM_ACTOR)
    assert t.check_ins_due == [date(2026, 9, 1)]
    event = t.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on) == ("GuaranteeCheckInDue", SYSTEM_ACTOR, date(2026, 9, 1))
    assert _of_kind(t.due_milestones(date(2027, 3, 1), TERMS), "check-in") == [(date(2027, 3, 1), {"on": date(2027, 3, 1)})]


def test_no_check_in_falls_due_without_a_guarantee_or_after_it_ended():
    t = _registered()
    _placed(t)
    assert _of_kind(t.due_milestones(date(2030, 1, 1), TERMS), "check-in") == []
    t.issue_guarantee(on=date(2026, 3, 1), today=TODAY, issued_by="sociale partners", actor=KM)
    t.end_guarantee(on=date(2026, 4, 1), today=TODAY, reason="left-sector", actor=KM)
    assert _of_kind(t.due_milestones(date(2030, 1, 1), TERMS), "check-in") == []


def _with_check_in_due(held_on: date | None) -> Trajectory:
    t = _guaranteed(issued_on=date(2026, 3, 1))
    t.record_due_milestones(today=date(2026, 9, 1), terms=TERMS, actor=SYSTEM_ACTOR)
    if held_on is not None:
        t.record_guarantee_check_in(on=held_on, today=TODAY, summary="gesprek", actor=KM)
    return t


def test_a_check_in_due_stays_open_until_one_is_held():
    assert _with_check_in_due(None).open_check_ins(TERMS) == [date(2026, 9, 1)]
    assert _with_check_in_due(date(2026, 9, 1)).open_check_ins(TERMS) == []
    assert _with_check_in_due(date(2026, 10, 15)).open_check_ins(TERMS) == []


def test_a_check_in_held_up_to_the_window_before_its_due_date_counts_and_one_held_earlier_does_not():
    assert _with_check_in_due(date(2026, 9, 1) - timedelta(days=30)).open_check_ins(TERMS) == []
    assert _with_check_in_due(date(2026, 9, 1) - timedelta(days=31)).open_check_ins(TERMS) == [date(2026, 9, 1)]


def test_no_check_in_is_open_without_an_active_guarantee():
    assert _registered().open_check_ins(TERMS) == []
    t = _with_check_in_due(None)
    t.end_guarantee(on=date(2026, 9, 2), today=TODAY, reason="other", actor=KM)
    assert t.open_check_ins(TERMS) == []


# -- a stalled route --------------------------------------------------------------------------------------


def test_a_route_without_a_step_for_the_stall_weeks_is_due_to_be_flagged_on_that_day_exactly():
    t = _registered()
    stall_on = REGISTERED_ON + timedelta(weeks=8)
    assert t.due_milestones(stall_on - timedelta(days=1), TERMS) == []
    assert t.due_milestones(stall_on, TERMS) == [(stall_on, "stalled", {"on": stall_on, "last_step_on": REGISTERED_ON})]


def test_a_stalled_route_is_flagged_once_by_the_system_until_its_next_step():
    t = _registered()
    assert t.record_due_milestones(today=date(2026, 3, 2), terms=TERMS, actor=SYSTEM_ACTOR) == 1
    assert (t.stalled_since, t.is_stalled) == (REGISTERED_ON, True)
    event = t.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.last_step_on) == ("RouteStalled", SYSTEM_ACTOR, date(2026, 3, 2), REGISTERED_ON)
    assert t.due_milestones(date(2026, 6, 1), TERMS) == []
    t.start_phase("orientation", on=date(2026, 3, 10), today=TODAY, provider=None, actor=KM)
    assert t.is_stalled is False
    assert t.due_milestones(date(2026, 5, 5), TERMS) == [(date(2026, 5, 5), "stalled", {"on": date(2026, 5, 5), "last_step_on": date(2026, 3, 10)})]


def test_a_route_that_dropped_out_is_not_flagged_as_stalled():
    t = _registered()
    t.drop_out(on=date(2026, 1, 10), today=TODAY, reason="health", explanation="x", actor=KM)
    assert t.due_milestones(date(2027, 1, 1), TERMS) == []
    assert t.next_milestone_on(TERMS) is None


def test_a_route_in_placement_or_under_the_guarantee_is_not_flagged_as_stalled():
    t = _registered()
    _placed(t, start=None)
    assert t.due_milestones(date(2027, 1, 1), TERMS) == []
    t.issue_guarantee(on=date(2026, 3, 1), today=TODAY, issued_by="sociale partners", actor=KM)
    t.end_placement("p1", on=date(2026, 3, 2), today=TODAY, reason="dismissed", explanation=None, actor=KM)
    assert _of_kind(t.due_milestones(date(2027, 1, 1), TERMS), "stalled") == []


# -- all together ---------------------------------------------------------------------------------------


def test_the_due_milestones_come_oldest_first_and_are_recorded_in_that_order():
    t = _registered()
    _placed(t, start=date(2026, 2, 10))
    t.issue_guarantee(on=date(2026, 2, 5), today=TODAY, issued_by="sociale partners", actor=KM)
    due = t.due_milestones(date(2027, 3, 1), TERMS)
    assert [(on, kind) for on, kind, _ in due] == [
        (date(2026, 8, 5), "check-in"),
        (date(2026, 8, 10), "lasting"),
        (date(2027, 2, 5), "check-in"),
    ]
    assert t.record_due_milestones(today=date(2027, 3, 1), terms=TERMS, actor=SYSTEM_ACTOR) == 3
    assert [type(e).__name__ for e in t.pending_events[-3:]] == ["GuaranteeCheckInDue", "LastingPlacementReached", "GuaranteeCheckInDue"]
    assert all(e.actor == SYSTEM_ACTOR for e in t.pending_events[-3:])


def test_the_next_milestone_is_the_first_that_will_fall_due_as_things_stand():
    t = _registered()
    assert t.next_milestone_on(TERMS) == REGISTERED_ON + timedelta(weeks=8)
    _placed(t, start=date(2026, 2, 10))
    assert t.next_milestone_on(TERMS) == date(2026, 8, 10)
    t.issue_guarantee(on=date(2026, 2, 5), today=TODAY, issued_by="sociale partners", actor=KM)
    assert t.next_milestone_on(TERMS) == date(2026, 8, 5)
    t.record_due_milestones(today=date(2026, 8, 10), terms=TERMS, actor=SYSTEM_ACTOR)
    assert t.next_milestone_on(TERMS) == date(2027, 2, 5)


def test_without_anything_that_time_can_make_due_there_is_no_next_milestone():
    t = _registered()
    _placed(t, start=None)
    assert t.next_milestone_on(TERMS) is None


def test_milestones_due_on_the_same_day_keep_the_order_lasting_check_in_stalled():
    t = _registered()
    _placed(t, pid="p1", kvk="12345678", start=date(2026, 3, 1))
    _placed(t, pid="p2", kvk="87654321", start=date(2026, 3, 1))
    t.issue_guarantee(on=date(2026, 3, 1), today=TODAY, issued_by="sociale partners", actor=KM)
    assert t.due_milestones(date(2026, 9, 1), TERMS) == [
        (date(2026, 9, 1), "lasting", {"placement_id": "p1", "on": date(2026, 9, 1)}),
        (date(2026, 9, 1), "lasting", {"placement_id": "p2", "on": date(2026, 9, 1)}),
        (date(2026, 9, 1), "check-in", {"on": date(2026, 9, 1)}),
    ]
