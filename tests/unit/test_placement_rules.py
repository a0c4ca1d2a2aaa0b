"""Placements with employers and the 10-year work and development guarantee, on the Trajectory
aggregate: who proposes, answers, starts and ends a placement, in which order and on which days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import uuid4

import pytest

from domain.errors import InvalidField, RuleViolation
from domain.trajectory import Trajectory
from domain.values import (
    SYSTEM_ACTOR,
    Actor,
    GuaranteeEndReason,
    JobLevel,
    PlacementEndReason,
    PlacementStatus,
    Role,
    Stage,
)

KM = Actor("km-1", Role.KLANTMANAGER, "GM0363")
EMPLOYER = Actor("hr-1", Role.EMPLOYER, "12345678")
OTHER_EMPLOYER = Actor("hr-2", Role.EMPLOYER, "87654321")
# Not the employer of the placement, and no klantmanager (some of the same organisation number).
NOT_PLACEMENT_PARTIES = [
    OTHER_EMPLOYER,
    Actor("fund-1", Role.FUND, "12345678"),
    Actor("apt-1", Role.PROCESREGIE, "12345678"),
    Actor("po-1", Role.PRIVACY_OFFICER, "12345678"),
    SYSTEM_ACTOR,
]
REGISTERED_ON = date(2026, 1, 5)
PROPOSED_ON = date(2026, 2, 1)
CONFIRMED_ON = date(2026, 2, 3)
TODAY = date(2026, 11, 22)


def _violation(call: Callable[[], object]) -> RuleViolation:
    with pytest.raises(RuleViolation) as error:
        call()
    assert type(error.value) is RuleViolation
    return error.value


def _registered() -> Trajectory:
    return Trajectory.register(
        trajectory_id=uuid4(), municipality="GM0363", candidate_id=uuid4(), target_group="statushouder", on=REGISTERED_ON, today=TODAY,
        benefit_monthly_cents=125_000, benefit_since=date(2024, 6, 1), actor=KM,
    )


def _propose(t: Trajectory, pid: str = "p1", kvk: str = "12345678", on: date = PROPOSED_ON, hours: int = 32, level: str = "assistent") -> str:
    t.propose_placement(placement_id=pid, employer_kvk=kvk, employer_name="Bouw BV", function="monteur", hours_per_week=hours,
                        level=level, on=on, today=TODAY, actor=KM)
    return pid


def _proposed() -> Trajectory:
    t = _registered()
    _propose(t)
    return t


def _confirmed() -> Trajectory:
    t = _proposed()
    t.confirm_placement("p1", on=CONFIRMED_ON, today=TODAY, actor=EMPLOYER)
    return t


def _started(on: date = date(2026, 2, 10)) -> Trajectory:
    t = _confirmed()
    t.start_contract("p1", on=on, today=TODAY, hours_per_week=36, actor=EMPLOYER)
    return t


def _end(t: Trajectory, on: date, actor: Actor = KM, pid: str = "p1") -> None:
    t.end_placement(pid, on=on, today=TODAY, reason="dismissed", explanation="x", actor=actor)


def _issue(t: Trajectory, on: date, issued_by: str = "sociale partners") -> None:
    t.issue_guarantee(on=on, today=TODAY, issued_by=issued_by, actor=KM)


# -- proposals -------------------------------------------------------------------------------------------


def test_a_proposal_records_the_employer_function_hours_level_and_the_klantmanager():
    t = _registered()
    _propose(t, hours=24, level="full")
    p = t.placements["p1"]
    assert (p.placement_id, p.employer_kvk, p.employer_name, p.function, p.hours_per_week) == ("p1", "12345678", "Bouw BV", "monteur", 24)
    assert (p.level, p.proposed_on, p.status, p.is_active) == (JobLevel.FULL, PROPOSED_ON, PlacementStatus.PROPOSED, False)
    event = t.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.employer_kvk, event.level) == (
        "PlacementProposed", KM, PROPOSED_ON, "12345678", "full",
    )
    assert (t.stage, t.last_step_on) == (Stage.REGISTERED, PROPOSED_ON)


def test_a_proposal_names_an_employer_by_its_kvk_number():
    t = _registered()
    with pytest.raises(InvalidField, match="eight digits") as kvk:
        _propose(t, kvk="1234567")
    assert kvk.value.name == "employer.kvkNumber"
    with pytest.raises(ValueError):
        _propose(t, level="boss")


@pytest.mark.parametrize(("hours", "plausible"), [(0, False), (1, True), (60, True), (61, False)])
def test_a_proposal_has_between_1_and_60_hours_a_week(hours, plausible):
    t = _registered()
    if plausible:
        _propose(t, hours=hours)
        assert t.placements["p1"].hours_per_week == hours
    else:
        assert _violation(lambda: _propose(t, hours=hours)).rule == "plausible-hours"


def test_an_employer_has_one_open_proposal_at_a_time_and_other_employers_their_own():
    t = _proposed()
    assert _violation(lambda: _propose(t, pid="p2")).rule == "one-open-proposal-per-employer"
    _propose(t, pid="p3", kvk="87654321")
    t.decline_placement("p1", on=date(2026, 2, 5), today=TODAY, reason="vol", actor=EMPLOYER)
    _propose(t, pid="p4", on=date(2026, 3, 1))
    t.confirm_placement("p4", on=date(2026, 3, 2), today=TODAY, actor=EMPLOYER)
    _propose(t, pid="p5", on=date(2026, 3, 3), level="full")  # job carving: the next function with the same employer
    assert list(t.placements) == ["p1", "p3", "p4", "p5"]


# -- the employer's answer ---------------------------------------------------------------------------------


def test_the_employer_proposed_to_confirms_and_is_recorded_as_its_actor():
    t = _confirmed()
    p = t.placements["p1"]
    assert (p.status, p.confirmed_on, p.is_active) == (PlacementStatus.CONFIRMED, CONFIRMED_ON, True)
    event = t.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.placement_id) == ("PlacementConfirmed", EMPLOYER, CONFIRMED_ON, "p1")
    assert (t.stage, t.last_step_on) == (Stage.PLACEMENT, CONFIRMED_ON)


def test_the_employer_proposed_to_declines_with_its_reason_and_is_recorded_as_its_actor():
    t = _proposed()
    t.decline_placement("p1", on=date(2026, 2, 5), today=TODAY, reason="geen plek", actor=EMPLOYER)
    p = t.placements["p1"]
    assert (p.status, p.declined_on, p.decline_reason, p.is_active) == (PlacementStatus.DECLINED, date(2026, 2, 5), "geen plek", False)
    event = t.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.reason) == ("PlacementDeclined", EMPLOYER, date(2026, 2, 5), "geen plek")
    assert t.stage is Stage.REGISTERED


def _answers(t: Trajectory, actor: Actor, on: date) -> list[Callable[[], object]]:
    return [
        lambda: t.confirm_placement("p1", on=on, today=TODAY, actor=actor),
        lambda: t.decline_placement("p1", on=on, today=TODAY, reason="x", actor=actor),
    ]


@pytest.mark.parametrize("answer", range(2))
@pytest.mark.parametrize("actor", [KM, OTHER_EMPLOYER, Actor("fund-1", Role.FUND, "12345678"), SYSTEM_ACTOR], ids=lambda a: str(a.role))
def test_only_the_employer_proposed_to_answers(actor, answer):
    t = _proposed()
    assert _violation(_answers(t, actor, CONFIRMED_ON)[answer]).rule == "employer-answers-own-proposal"


@pytest.mark.parametrize("answer", range(2))
def test_an_answer_lies_on_or_after_the_proposal_and_not_in_the_future(answer):
    t = _proposed()
    assert _violation(_answers(t, EMPLOYER, date(2026, 1, 31))[answer]).rule == "answer-after-proposal"
    assert _violation(_answers(t, EMPLOYER, date(2026, 11, 23))[answer]).rule == "no-future-dates"
    _answers(t, EMPLOYER, PROPOSED_ON)[answer]()
    assert t.placements["p1"].status is not PlacementStatus.PROPOSED


@pytest.mark.parametrize("answer", range(2))
def test_an_answer_lies_not_before_the_registration(answer):
    t = _registered()
    _propose(t, on=REGISTERED_ON)
    assert _violation(_answers(t, EMPLOYER, date(2026, 1, 4))[answer]).rule == "not-before-registration"


@pytest.mark.parametrize("answer", range(2))
@pytest.mark.parametrize("first", range(2))
def test_a_proposal_is_answered_once(first, answer):
    t = _proposed()
    _answers(t, EMPLOYER, CONFIRMED_ON)[first]()
    assert _violation(_answers(t, EMPLOYER, date(2026, 2, 4))[answer]).rule == "placement-must-be-proposed"


@pytest.mark.parametrize("answer", range(2))
def test_no_answer_is_recorded_after_the_candidate_dropped_out(answer):
    t = _proposed()
    t.drop_out(on=date(2026, 2, 2), today=TODAY, reason="health", explanation="x", actor=KM)
    assert _violation(_answers(t, EMPLOYER, CONFIRMED_ON)[answer]).rule == "no-steps-after-drop-out"


# -- contract start and end ---------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", [EMPLOYER, KM], ids=["employer", "klantmanager"])
def test_the_employer_or_the_klantmanager_reports_the_contract_start_and_is_recorded_as_its_actor(actor):
    t = _confirmed()
    t.start_contract("p1", on=date(2026, 2, 10), today=TODAY, hours_per_week=36, actor=actor)
    p = t.placements["p1"]
    assert (p.status, p.contract_start_on, p.hours_per_week, p.is_active) == (PlacementStatus.STARTED, date(2026, 2, 10), 36, True)
    event = t.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.hours_per_week) == ("ContractStarted", actor, date(2026, 2, 10), 36)
    assert (t.stage, t.last_step_on) == (Stage.PLACEMENT, date(2026, 2, 10))


@pytest.mark.parametrize("actor", NOT_PLACEMENT_PARTIES, ids=lambda a: f"{a.role}-{a.organisation}")
def test_no_one_but_its_employer_or_a_klantmanager_starts_or_ends_a_placement(actor):
    t = _confirmed()
    rule = _violation(lambda: t.start_contract("p1", on=date(2026, 2, 10), today=TODAY, hours_per_week=36, actor=actor)).rule
    assert rule == "placement-party-only"
    assert _violation(lambda: _end(t, date(2026, 2, 10), actor=actor)).rule == "placement-party-only"


def test_an_employer_cannot_start_or_end_the_placement_of_another_employer():
    t = _registered()
    _propose(t, pid="p1", kvk="12345678")
    _propose(t, pid="p2", kvk="87654321")
    t.confirm_placement("p1", on=CONFIRMED_ON, today=TODAY, actor=EMPLOYER)
    t.confirm_placement("p2", on=CONFIRMED_ON, today=TODAY, actor=OTHER_EMPLOYER)
    rule = _violation(lambda: t.start_contract("p2", on=date(2026, 2, 10), today=TODAY, hours_per_week=36, actor=EMPLOYER)).rule
    assert rule == "placement-party-only"
    assert _violation(lambda: _end(t, date(2026, 2, 10), actor=EMPLOYER, pid="p2")).rule == "placement-party-only"
    t.start_contract("p2", on=date(2026, 2, 10), today=TODAY, hours_per_week=36, actor=OTHER_EMPLOYER)
    _end(t, date(2026, 3, 1), actor=OTHER_EMPLOYER, pid="p2")
    assert t.placements["p2"].status is PlacementStatus.ENDED
    assert t.placements["p1"].status is PlacementStatus.CONFIRMED


@pytest.mark.parametrize("status", ["proposed", "declined", "started", "ended"])
def test_a_contract_starts_only_on_a_confirmed_placement(status):
    t = _proposed()
    if status == "declined":
        t.decline_placement("p1", on=CONFIRMED_ON, today=TODAY, reason="x", actor=EMPLOYER)
    elif status != "proposed":
        t.confirm_placement("p1", on=CONFIRMED_ON, today=TODAY, actor=EMPLOYER)
        t.start_contract("p1", on=date(2026, 2, 10), today=TODAY, hours_per_week=36, actor=EMPLOYER)
        if status == "ended":
            _end(t, date(2026, 3, 1))
    rule = _violation(lambda: t.start_contract("p1", on=date(2026, 3, 2), today=TODAY, hours_per_week=36, actor=EMPLOYER)).rule
    assert rule == "contract-needs-confirmed-placement"


def test_a_contract_starts_on_or_after_the_proposal_even_before_the_confirmation():
    t = _confirmed()
    rule = _violation(lambda: t.start_contract("p1", on=date(2026, 1, 31), today=TODAY, hours_per_week=36, actor=EMPLOYER)).rule
    assert rule == "contract-after-proposal"
    t.start_contract("p1", on=PROPOSED_ON, today=TODAY, hours_per_week=36, actor=EMPLOYER)
    assert t.placements["p1"].contract_start_on == PROPOSED_ON


def test_a_contract_start_may_be_dated_today_but_not_in_the_future():
    t = _confirmed()
    rule = _violation(lambda: t.start_contract("p1", on=date(2026, 11, 23), today=TODAY, hours_per_week=36, actor=EMPLOYER)).rule
    assert rule == "no-future-dates"
    t.start_contract("p1", on=TODAY, today=TODAY, hours_per_week=36, actor=EMPLOYER)


@pytest.mark.parametrize(("hours", "plausible"), [(0, False), (1, True), (60, True), (61, False)])
def test_a_contract_has_between_1_and_60_hours_a_week(hours, plausible):
    t = _confirmed()

    def start() -> None:
        t.start_contract("p1", on=date(2026, 2, 10), today=TODAY, hours_per_week=hours, actor=EMPLOYER)

    if plausible:
        start()
        assert t.placements["p1"].hours_per_week == hours
    else:
        assert _violation(start).rule == "plausible-hours"


@pytest.mark.parametrize("actor", [EMPLOYER, KM], ids=["employer", "klantmanager"])
def test_the_employer_or_the_klantmanager_ends_a_placement_with_its_reason_and_is_recorded_as_its_actor(actor):
    t = _started()
    t.end_placement("p1", on=date(2026, 8, 31), today=TODAY, reason="next-function", explanation="doorgegroeid", actor=actor)
    p = t.placements["p1"]
    assert (p.status, p.ended_on, p.end_reason, p.end_explanation, p.is_active) == (
        PlacementStatus.ENDED, date(2026, 8, 31), PlacementEndReason.NEXT_FUNCTION, "doorgegroeid", False,
    )
    event = t.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.reason, event.explanation) == (
        "PlacementEnded", actor, date(2026, 8, 31), "next-function", "doorgegroeid",
    )
    assert (t.stage, t.last_step_on) == (Stage.REGISTERED, date(2026, 8, 31))


def test_a_placement_ends_with_a_known_reason():
    t = _started()
    with pytest.raises(ValueError):
        t.end_placement("p1", on=date(2026, 8, 31), today=TODAY, reason="bored", explanation=None, actor=KM)


@pytest.mark.parametrize("status", ["proposed", "declined", "ended"])
def test_only_an_active_placement_ends(status):
    t = _proposed()
    if status == "declined":
        t.decline_placement("p1", on=CONFIRMED_ON, today=TODAY, reason="x", actor=EMPLOYER)
    elif status == "ended":
        t.confirm_placement("p1", on=CONFIRMED_ON, today=TODAY, actor=EMPLOYER)
        _end(t, date(2026, 3, 1))
    assert _violation(lambda: _end(t, date(2026, 3, 2))).rule == "placement-must-be-active"


def test_a_confirmed_placement_without_a_contract_ends_on_or_after_its_confirmation():
    t = _confirmed()
    assert _violation(lambda: _end(t, date(2026, 2, 2))).rule == "end-after-start"
    _end(t, CONFIRMED_ON)
    assert t.placements["p1"].ended_on == CONFIRMED_ON


def test_a_started_placement_ends_on_or_after_its_contract_start_not_its_confirmation():
    t = _started(on=date(2026, 2, 10))
    assert _violation(lambda: _end(t, date(2026, 2, 9))).rule == "end-after-start"
    _end(t, date(2026, 2, 10))
    assert t.placements["p1"].ended_on == date(2026, 2, 10)


def test_a_contract_started_before_its_confirmation_ends_on_or_after_the_contract_start():
    t = _registered()
    _propose(t)
    t.confirm_placement("p1", on=date(2026, 2, 20), today=TODAY, actor=EMPLOYER)
    t.start_contract("p1", on=date(2026, 2, 5), today=TODAY, hours_per_week=36, actor=EMPLOYER)
    _end(t, date(2026, 2, 6))
    assert t.placements["p1"].ended_on == date(2026, 2, 6)


def test_the_end_of_a_placement_is_a_step_not_in_the_future():
    t = _started()
    assert _violation(lambda: _end(t, date(2026, 11, 23))).rule == "no-future-dates"


def test_several_placements_over_a_route_and_job_carving():
    t = _started()
    t.end_placement("p1", on=date(2026, 8, 31), today=TODAY, reason="next-function", explanation="doorgegroeid", actor=KM)
    _propose(t, pid="p2", on=date(2026, 8, 15), hours=38, level="full")
    t.confirm_placement("p2", on=date(2026, 8, 20), today=TODAY, actor=EMPLOYER)
    assert [p.level for p in t.placements.values()] == ["assistent", "full"]
    assert t.stage is Stage.PLACEMENT


# -- the work and development guarantee ---------------------------------------------------------------------


def test_the_guarantee_is_issued_on_the_confirmation_day_or_later_while_the_placement_runs():
    t = _confirmed()
    assert _violation(lambda: _issue(t, date(2026, 2, 2))).rule == "guarantee-needs-confirmed-placement"
    _issue(t, CONFIRMED_ON)
    assert (t.guarantee.issued_on, t.guarantee.issued_by, t.guarantee.is_active) == (CONFIRMED_ON, "sociale partners", True)
    event = t.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.issued_by) == ("GuaranteeIssued", KM, CONFIRMED_ON, "sociale partners")
    assert (t.stage, t.last_step_on) == (Stage.GUARANTEE, CONFIRMED_ON)


def test_the_guarantee_is_issued_while_a_started_placement_runs_too():
    t = _started()
    _issue(t, date(2026, 3, 1))
    assert t.stage is Stage.GUARANTEE


@pytest.mark.parametrize("status", ["none", "proposed", "declined", "ended"])
def test_the_guarantee_needs_a_placement_confirmed_by_its_employer_that_still_runs(status):
    t = _registered()
    if status != "none":
        _propose(t)
    if status == "declined":
        t.decline_placement("p1", on=CONFIRMED_ON, today=TODAY, reason="x", actor=EMPLOYER)
    if status == "ended":
        t.confirm_placement("p1", on=CONFIRMED_ON, today=TODAY, actor=EMPLOYER)
        _end(t, date(2026, 2, 4))
    assert _violation(lambda: _issue(t, date(2026, 2, 5))).rule == "guarantee-needs-confirmed-placement"


@pytest.mark.parametrize("issued_by", ["", "   "])
def test_the_guarantee_names_who_issued_it(issued_by):
    t = _confirmed()
    assert _violation(lambda: _issue(t, date(2026, 2, 5), issued_by=issued_by)).rule == "guarantee-issuer-required"


def test_one_guarantee_at_a_time_and_a_new_one_after_the_last_ended():
    t = _confirmed()
    _issue(t, date(2026, 2, 5))
    assert _violation(lambda: _issue(t, date(2026, 2, 6))).rule == "one-guarantee"
    t.end_guarantee(on=date(2026, 3, 1), today=TODAY, reason="left-sector", actor=KM)
    _issue(t, date(2026, 3, 2))
    assert (t.guarantee.issued_on, t.guarantee.is_active) == (date(2026, 3, 2), True)


def test_a_check_in_under_the_guarantee_is_recorded_from_the_issue_day_on():
    t = _confirmed()
    _issue(t, date(2026, 2, 5))
    rule = _violation(lambda: t.record_guarantee_check_in(on=date(2026, 2, 4), today=TODAY, summary="x", actor=KM)).rule
    assert rule == "check-in-after-issue"
    t.record_guarantee_check_in(on=date(2026, 2, 5), today=TODAY, summary="goed gesprek", actor=KM)
    t.record_guarantee_check_in(on=date(2026, 8, 5), today=TODAY, summary="cursus gepland", actor=KM)
    assert t.guarantee.check_ins == [{"on": date(2026, 2, 5), "summary": "goed gesprek"}, {"on": date(2026, 8, 5), "summary": "cursus gepland"}]
    event = t.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.summary) == (
        "GuaranteeCheckInRecorded", KM, date(2026, 8, 5), "cursus gepland",
    )
    assert t.last_step_on == date(2026, 8, 5)


def _guarantee_steps(t: Trajectory, on: date) -> list[Callable[[], object]]:
    return [
        lambda: t.record_guarantee_check_in(on=on, today=TODAY, summary="x", actor=KM),
        lambda: t.end_guarantee(on=on, today=TODAY, reason="other", actor=KM),
    ]


@pytest.mark.parametrize("step", range(2))
def test_a_check_in_or_an_end_needs_an_active_guarantee(step):
    t = _confirmed()
    assert _violation(_guarantee_steps(t, date(2026, 3, 1))[step]).rule == "guarantee-must-be-active"
    _issue(t, date(2026, 2, 5))
    t.end_guarantee(on=date(2026, 2, 20), today=TODAY, reason="by-participant", actor=KM)
    assert _violation(_guarantee_steps(t, date(2026, 3, 1))[step]).rule == "guarantee-must-be-active"


def test_the_guarantee_ends_on_or_after_its_issue_with_its_reason_and_the_klantmanager():
    t = _confirmed()
    _issue(t, date(2026, 2, 5))
    rule = _violation(lambda: t.end_guarantee(on=date(2026, 2, 4), today=TODAY, reason="other", actor=KM)).rule
    assert rule == "end-after-start"
    t.end_guarantee(on=date(2026, 2, 5), today=TODAY, reason="term-completed", actor=KM)
    assert (t.guarantee.ended_on, t.guarantee.end_reason, t.guarantee.is_active) == (
        date(2026, 2, 5), GuaranteeEndReason.TERM_COMPLETED, False,
    )
    event = t.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.reason) == ("GuaranteeEnded", KM, date(2026, 2, 5), "term-completed")
    assert t.stage is Stage.PLACEMENT


def test_the_guarantee_ends_with_a_known_reason():
    t = _confirmed()
    _issue(t, date(2026, 2, 5))
    with pytest.raises(ValueError):
        t.end_guarantee(on=date(2026, 2, 6), today=TODAY, reason="bored", actor=KM)


def test_the_guarantee_outlasts_the_placement():
    t = _started()
    _issue(t, date(2026, 3, 1))
    _end(t, date(2026, 9, 1))
    assert t.stage is Stage.GUARANTEE
    t.drop_out(on=date(2026, 9, 2), today=TODAY, reason="health", explanation="x", actor=KM)
    assert t.drop_outs[-1]["stage"] is Stage.GUARANTEE
