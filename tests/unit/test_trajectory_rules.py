"""The rules of the route, on the aggregate itself (no database, no HTTP)."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.errors import NotFound, RuleViolation
from domain.trajectory import Trajectory
from domain.values import Actor, PhaseStatus, Role, Stage, TrajectoryStatus, validate_bsn

KM = Actor("km-1", Role.KLANTMANAGER, "GM0363")
EMPLOYER = Actor("hr-1", Role.EMPLOYER, "12345678")
OTHER_EMPLOYER = Actor("hr-2", Role.EMPLOYER, "87654321")
TODAY = date(2026, 11, 22)


def _registered(on: date = date(2026, 1, 5), benefit: int = 125_000) -> Trajectory:
    return Trajectory.register(
        trajectory_id=uuid4(), municipality="GM0363", candidate_id=uuid4(), target_group="statushouder", on=on, today=TODAY,
        benefit_monthly_cents=benefit, benefit_since=date(2024, 6, 1) if benefit else None, actor=KM,
    )


def _proposed(t: Trajectory, on: date = date(2026, 2, 1)) -> str:
    pid = str(uuid4())
    t.propose_placement(placement_id=pid, employer_kvk="12345678", employer_name="Bouw BV", function="monteur",
                        hours_per_week=32, level="assistent", on=on, today=TODAY, actor=KM)
    return pid


def _rule(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.rule


def test_bsn_eleven_check():
    assert validate_bsn("111222333") == "111222333"
    for bad in ("111222334", "12345678", "abcdefghi", "000000000"):
        with pytest.raises(ValueError):
            validate_bsn(bad)


def test_no_step_before_the_registration_date():
    t = _registered()
    with pytest.raises(RuleViolation) as e:
        t.start_phase("orientation", on=date(2026, 1, 4), today=TODAY, provider=None, actor=KM)
    assert _rule(e) == "not-before-registration"


def test_no_step_in_the_future():
    t = _registered()
    with pytest.raises(RuleViolation) as e:
        t.start_phase("orientation", on=date(2026, 11, 23), today=TODAY, provider=None, actor=KM)
    assert _rule(e) == "no-future-dates"


def test_completing_a_phase_that_never_started_is_refused():
    t = _registered()
    with pytest.raises(RuleViolation) as e:
        t.complete_phase("pre-trajectory", on=date(2026, 2, 1), today=TODAY, actor=KM)
    assert _rule(e) == "phase-must-be-in-progress"


def test_phases_follow_their_order_unless_skipped_or_deviated():
    t = _registered()
    with pytest.raises(RuleViolation) as e:
        t.start_phase("pre-trajectory", on=date(2026, 2, 1), today=TODAY, provider=None, actor=KM)
    assert _rule(e) == "phases-in-order"
    t.skip_phase("orientation", on=date(2026, 1, 6), today=TODAY, basis="evc", reason="EVC: 5 jaar ervaring", actor=KM)
    t.start_phase("pre-trajectory", on=date(2026, 2, 1), today=TODAY, provider=None, actor=KM)
    assert t.stage is Stage.PRE_TRAJECTORY
    # A maatwerk deviation of the phase order lets the bedrijfsvakschool start early.
    t.grant_deviation(deviation_id="d1", rule="phase-order", reason="combi-traject", on=date(2026, 3, 1),
                      until=date(2026, 6, 1), granted_by="teamleider", today=TODAY, actor=KM)
    t.start_phase("bedrijfsvakschool", on=date(2026, 3, 2), today=TODAY, provider="Bouwmensen", actor=KM)
    assert t.phases["bedrijfsvakschool"].status is PhaseStatus.IN_PROGRESS


def test_a_phase_ends_not_before_it_starts():
    t = _registered()
    t.start_phase("orientation", on=date(2026, 2, 1), today=TODAY, provider=None, actor=KM)
    with pytest.raises(RuleViolation) as e:
        t.complete_phase("orientation", on=date(2026, 1, 20), today=TODAY, actor=KM)
    assert _rule(e) == "end-after-start"


def test_only_steps_but_re_entry_are_refused_after_drop_out():
    t = _registered()
    t.start_phase("orientation", on=date(2026, 2, 1), today=TODAY, provider=None, actor=KM)
    t.drop_out(on=date(2026, 2, 10), today=TODAY, reason="health", explanation="ziek", actor=KM)
    assert t.status is TrajectoryStatus.DROPPED_OUT
    assert t.phases["orientation"].status is PhaseStatus.ENDED_WITHOUT_COMPLETION
    assert t.drop_outs[-1]["stage"] is Stage.ORIENTATION
    for step in (
        lambda: t.start_phase("orientation", on=date(2026, 3, 1), today=TODAY, provider=None, actor=KM),
        lambda: _proposed(t, date(2026, 3, 1)),
        lambda: t.drop_out(on=date(2026, 3, 1), today=TODAY, reason="other", explanation="x", actor=KM),
    ):
        with pytest.raises(RuleViolation) as e:
            step()
        assert _rule(e) == "no-steps-after-drop-out"
    with pytest.raises(RuleViolation):
        t.re_enter(on=date(2026, 2, 9), today=TODAY, explanation="te vroeg", actor=KM)
    # Benefit facts are still recorded while the candidate is out.
    t.change_benefit(kind="reduced", on=date(2026, 2, 20), today=TODAY, monthly_cents=100_000, actor=KM)
    t.re_enter(on=date(2026, 3, 1), today=TODAY, explanation="hersteld", actor=KM)
    t.start_phase("orientation", on=date(2026, 3, 2), today=TODAY, provider=None, actor=KM)
    assert t.phases["orientation"].attempts == 2


def test_re_entry_only_after_drop_out():
    t = _registered()
    with pytest.raises(RuleViolation) as e:
        t.re_enter(on=date(2026, 2, 1), today=TODAY, explanation="x", actor=KM)
    assert _rule(e) == "re-entry-after-drop-out"


def test_only_the_employer_proposed_to_confirms():
    t = _registered()
    pid = _proposed(t)
    with pytest.raises(RuleViolation) as e:
        t.confirm_placement(pid, on=date(2026, 2, 3), today=TODAY, actor=OTHER_EMPLOYER)
    assert _rule(e) == "employer-answers-own-proposal"
    with pytest.raises(RuleViolation):
        t.confirm_placement(pid, on=date(2026, 2, 3), today=TODAY, actor=KM)
    with pytest.raises(RuleViolation) as e:
        t.confirm_placement(pid, on=date(2026, 1, 30), today=TODAY, actor=EMPLOYER)
    assert _rule(e) == "answer-after-proposal"
    with pytest.raises(NotFound):
        t.confirm_placement("nope", on=date(2026, 2, 3), today=TODAY, actor=EMPLOYER)
    t.confirm_placement(pid, on=date(2026, 2, 3), today=TODAY, actor=EMPLOYER)
    with pytest.raises(RuleViolation) as e:
        t.decline_placement(pid, on=date(2026, 2, 4), today=TODAY, reason="toch niet", actor=EMPLOYER)
    assert _rule(e) == "placement-must-be-proposed"


def test_guarantee_needs_a_confirmed_placement():
    t = _registered()
    pid = _proposed(t)
    with pytest.raises(RuleViolation) as e:
        t.issue_guarantee(on=date(2026, 2, 5), today=TODAY, issued_by="sociale partners", actor=KM)
    assert _rule(e) == "guarantee-needs-confirmed-placement"
    t.confirm_placement(pid, on=date(2026, 2, 3), today=TODAY, actor=EMPLOYER)
    with pytest.raises(RuleViolation):
        t.issue_guarantee(on=date(2026, 2, 2), today=TODAY, issued_by="sociale partners", actor=KM)
    t.issue_guarantee(on=date(2026, 2, 5), today=TODAY, issued_by="sociale partners", actor=KM)
    assert t.stage is Stage.GUARANTEE
    with pytest.raises(RuleViolation) as e:
        t.issue_guarantee(on=date(2026, 2, 6), today=TODAY, issued_by="sociale partners", actor=KM)
    assert _rule(e) == "one-guarantee"


def test_several_placements_over_a_route_and_job_carving():
    t = _registered()
    first = _proposed(t)
    t.confirm_placement(first, on=date(2026, 2, 3), today=TODAY, actor=EMPLOYER)
    t.start_contract(first, on=date(2026, 2, 10), today=TODAY, hours_per_week=32, actor=EMPLOYER)
    t.end_placement(first, on=date(2026, 8, 31), today=TODAY, reason="next-function", explanation="doorgegroeid", actor=KM)
    second = str(uuid4())
    t.propose_placement(placement_id=second, employer_kvk="12345678", employer_name="Bouw BV", function="monteur",
                        hours_per_week=38, level="full", on=date(2026, 8, 15), today=TODAY, actor=KM)
    t.confirm_placement(second, on=date(2026, 8, 20), today=TODAY, actor=EMPLOYER)
    assert [p.level for p in t.placements.values()] == ["assistent", "full"]
    assert t.stage is Stage.PLACEMENT


def test_contract_start_needs_confirmation_and_drop_out_needs_no_running_placement():
    t = _registered()
    pid = _proposed(t)
    with pytest.raises(RuleViolation) as e:
        t.start_contract(pid, on=date(2026, 2, 10), today=TODAY, hours_per_week=32, actor=EMPLOYER)
    assert _rule(e) == "contract-needs-confirmed-placement"
    t.confirm_placement(pid, on=date(2026, 2, 3), today=TODAY, actor=EMPLOYER)
    with pytest.raises(RuleViolation) as e:
        t.drop_out(on=date(2026, 2, 10), today=TODAY, reason="health", explanation="x", actor=KM)
    assert _rule(e) == "end-placement-before-drop-out"


def test_benefit_changes_follow_the_benefit():
    t = _registered()
    with pytest.raises(RuleViolation) as e:
        t.change_benefit(kind="reduced", on=date(2026, 2, 1), today=TODAY, monthly_cents=130_000, actor=KM)
    assert _rule(e) == "reduction-lowers-amount"
    with pytest.raises(RuleViolation) as e:
        t.change_benefit(kind="resumed", on=date(2026, 2, 1), today=TODAY, monthly_cents=100_000, actor=KM)
    assert _rule(e) == "benefit-must-be-stopped"
    t.change_benefit(kind="reduced", on=date(2026, 2, 1), today=TODAY, monthly_cents=60_000, actor=KM)
    t.change_benefit(kind="stopped", on=date(2026, 3, 1), today=TODAY, monthly_cents=None, actor=KM)
    assert not t.benefit.is_paid
    with pytest.raises(RuleViolation):
        t.change_benefit(kind="stopped", on=date(2026, 3, 2), today=TODAY, monthly_cents=None, actor=KM)
    with pytest.raises(RuleViolation) as e:
        t.change_benefit(kind="resumed", on=date(2026, 2, 15), today=TODAY, monthly_cents=100_000, actor=KM)
    assert _rule(e) == "benefit-changes-in-order"
    t.change_benefit(kind="resumed", on=date(2026, 6, 1), today=TODAY, monthly_cents=125_000, actor=KM)
    assert t.benefit.is_paid and t.benefit_at_intake.monthly_cents == 125_000


def test_every_event_carries_business_date_and_actor():
    t = _registered()
    pid = _proposed(t)
    t.confirm_placement(pid, on=date(2026, 2, 3), today=TODAY, actor=EMPLOYER)
    events = t.collect_events()
    assert [type(e).__name__ for e in events] == ["TrajectoryRegistered", "PlacementProposed", "PlacementConfirmed"]
    assert events[-1].actor == EMPLOYER and events[-1].on == date(2026, 2, 3)
    assert all(e.timestamp.tzinfo is not None for e in events)


def test_registration_only_by_a_klantmanager_of_that_municipality():
    with pytest.raises(RuleViolation):
        Trajectory.register(trajectory_id=uuid4(), municipality="GM0599", candidate_id=uuid4(), target_group="other",
                            on=date(2026, 1, 5), today=TODAY, benefit_monthly_cents=0, benefit_since=None, actor=KM)
