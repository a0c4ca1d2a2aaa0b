"""The rules of the route on the Trajectory aggregate itself (no database, no HTTP): registration,
the dates of a step, the phases in their order, the facts of the pre-trajectory, drop-out and
re-entry, and maatwerk deviations. Placements and the guarantee, the benefit and the milestones
that time makes due have files of their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import uuid4

import pytest

from domain.errors import InvalidField, NotFound, RuleViolation
from domain.trajectory import Trajectory
from domain.values import (
    SYSTEM_ACTOR,
    Actor,
    CertificateKind,
    DeviationRule,
    DropOutReason,
    PhaseStatus,
    Role,
    SkipBasis,
    Stage,
    TargetGroup,
    TrajectoryStatus,
)

KM = Actor("km-1", Role.KLANTMANAGER, "GM0363")
EMPLOYER = Actor("hr-1", Role.EMPLOYER, "12345678")
NOT_KLANTMANAGERS = [
    EMPLOYER,
    Actor("fund-1", Role.FUND, "GM0363"),
    Actor("apt-1", Role.PROCESREGIE, "GM0363"),
    Actor("po-1", Role.PRIVACY_OFFICER, "GM0363"),
    SYSTEM_ACTOR,
]
REGISTERED_ON = date(2026, 1, 5)
TODAY = date(2026, 11, 22)


def _registered(on: date = REGISTERED_ON) -> Trajectory:
    return Trajectory.register(
        trajectory_id=uuid4(), municipality="GM0363", candidate_id=uuid4(), target_group="statushouder", on=on, today=TODAY,
        benefit_monthly_cents=125_000, benefit_since=date(2024, 6, 1), actor=KM,
    )


def _register(**overrides: object) -> Trajectory:
    arguments: dict = dict(
        trajectory_id=uuid4(), municipality="GM0363", candidate_id=uuid4(), target_group="statushouder", on=REGISTERED_ON,
        today=TODAY, benefit_monthly_cents=125_000, benefit_since=date(2024, 6, 1), actor=KM,
    )
    arguments.update(overrides)
    return Trajectory.register(**arguments)


def _violation(call: Callable[[], object]) -> RuleViolation:
    """The rule violation ``call`` raises: exactly a RuleViolation, not a subclass."""
    with pytest.raises(RuleViolation) as error:
        call()
    assert type(error.value) is RuleViolation
    return error.value


def _last_event(t: Trajectory):
    return t.pending_events[-1]


def _start(t: Trajectory, phase: str, on: date, provider: str | None = None, actor: Actor = KM) -> None:
    t.start_phase(phase, on=on, today=TODAY, provider=provider, actor=actor)


def _complete(t: Trajectory, phase: str, on: date) -> None:
    t.complete_phase(phase, on=on, today=TODAY, actor=KM)


def _in_pre_trajectory(on: date = date(2026, 2, 1)) -> Trajectory:
    t = _registered()
    _start(t, "orientation", date(2026, 1, 10))
    _complete(t, "orientation", date(2026, 1, 20))
    _start(t, "pre-trajectory", on)
    return t


def _drop_out(t: Trajectory, on: date) -> None:
    t.drop_out(on=on, today=TODAY, reason="health", explanation="ziek", actor=KM)


def _grant(t: Trajectory, rule: str, on: date, until: date, reason: str = "combi-traject", granted_by: str = "teamleider") -> None:
    t.grant_deviation(deviation_id=str(uuid4()), rule=rule, reason=reason, on=on, until=until, granted_by=granted_by, today=TODAY, actor=KM)


# -- registration ------------------------------------------------------------------------------------


def test_registration_records_the_route_of_a_candidate_in_its_municipality():
    trajectory_id, candidate_id = uuid4(), uuid4()
    t = Trajectory.register(
        trajectory_id=trajectory_id, municipality="GM0363", candidate_id=candidate_id, target_group="statushouder",
        on=REGISTERED_ON, today=TODAY, benefit_monthly_cents=125_000, benefit_since=date(2024, 6, 1), actor=KM,
    )
    assert (t.id, t.municipality, t.candidate_id, t.registered_on) == (trajectory_id, "GM0363", candidate_id, REGISTERED_ON)
    assert t.target_group is TargetGroup.STATUSHOUDER
    assert (t.status, t.stage, t.last_step_on) == (TrajectoryStatus.ACTIVE, Stage.REGISTERED, REGISTERED_ON)
    assert all(p.status is PhaseStatus.NOT_STARTED for p in t.phases.values())
    assert (t.benefit.monthly_cents, t.benefit.since, t.benefit.is_paid) == (125_000, date(2024, 6, 1), True)
    assert (t.benefit_at_intake.monthly_cents, t.benefit_at_intake.since) == (125_000, date(2024, 6, 1))
    event = _last_event(t)
    assert type(event).__name__ == "TrajectoryRegistered"
    assert (event.actor, event.on, event.municipality, event.candidate_id) == (KM, REGISTERED_ON, "GM0363", candidate_id)
    assert (event.benefit_monthly_cents, event.benefit_since) == (125_000, date(2024, 6, 1))


def test_a_municipality_code_that_is_no_code_is_an_invalid_field_before_any_rule():
    with pytest.raises(InvalidField, match="GM0363") as error:
        _register(municipality="GM363", actor=Actor("km-1", Role.KLANTMANAGER, "GM363"))
    assert error.value.name == "municipality"


@pytest.mark.parametrize(
    "actor",
    [
        Actor("km-2", Role.KLANTMANAGER, "GM0599"),  # a klantmanager, of another municipality
        Actor("hr-1", Role.EMPLOYER, "GM0363"),  # of that municipality, but no klantmanager
        Actor("po-1", Role.PRIVACY_OFFICER, "GM0363"),
        SYSTEM_ACTOR,
    ],
)
def test_only_a_klantmanager_of_the_municipality_itself_registers_its_candidates(actor):
    assert _violation(lambda: _register(actor=actor)).rule == "registration-by-own-municipality"


def test_registration_may_be_dated_today_but_not_tomorrow():
    assert _register(on=TODAY).registered_on == TODAY
    assert _violation(lambda: _register(on=date(2026, 11, 23))).rule == "no-future-dates"


@pytest.mark.parametrize("cents", [-1, 1.5, "125000", True])
def test_the_benefit_at_intake_is_a_whole_number_of_cents_zero_or_more(cents):
    with pytest.raises(InvalidField) as error:
        _register(benefit_monthly_cents=cents)
    assert (error.value.rule, error.value.name) == ("invalid-field", "benefit.monthlyAmountCents")


def test_no_benefit_at_intake_needs_no_date_and_keeps_none():
    t = _register(benefit_monthly_cents=0, benefit_since=None)
    assert (t.benefit.monthly_cents, t.benefit.since, t.benefit.is_paid) == (0, None, False)
    # A date given with no benefit is not kept.
    t = _register(benefit_monthly_cents=0, benefit_since=date(2024, 6, 1))
    assert t.benefit.since is None and t.benefit_at_intake.since is None
    assert _last_event(t).benefit_since is None


def test_any_benefit_paid_at_intake_keeps_its_date_even_one_cent():
    t = _register(benefit_monthly_cents=1, benefit_since=date(2025, 1, 1))
    assert (t.benefit.monthly_cents, t.benefit.since, t.benefit_at_intake.since) == (1, date(2025, 1, 1), date(2025, 1, 1))
    assert _last_event(t).benefit_since == date(2025, 1, 1)


def test_a_benefit_paid_at_intake_needs_the_date_since_when():
    assert _violation(lambda: _register(benefit_monthly_cents=1, benefit_since=None)).rule == "benefit-since-required"


def test_the_benefit_at_intake_started_on_or_before_the_registration():
    assert _register(benefit_since=REGISTERED_ON).benefit.since == REGISTERED_ON
    rule = _violation(lambda: _register(benefit_since=date(2026, 1, 6))).rule
    assert rule == "benefit-since-before-registration"


# -- the dates of a step ---------------------------------------------------------------------------------


def test_a_step_may_be_dated_on_the_registration_day_but_not_before():
    t = _registered()
    assert _violation(lambda: _start(t, "orientation", date(2026, 1, 4))).rule == "not-before-registration"
    _start(t, "orientation", REGISTERED_ON)
    assert t.phases["orientation"].started_on == REGISTERED_ON


def test_a_step_may_be_dated_today_but_not_in_the_future():
    t = _registered()
    assert _violation(lambda: _start(t, "orientation", date(2026, 11, 23))).rule == "no-future-dates"
    _start(t, "orientation", TODAY)
    assert t.phases["orientation"].started_on == TODAY


def _route_steps(t: Trajectory, actor: Actor, on: date) -> list[Callable[[], object]]:
    """Every step of the route, apart from the placements' (each as valid as the state allows)."""
    return [
        lambda: t.start_phase("orientation", on=on, today=TODAY, provider=None, actor=actor),
        lambda: t.complete_phase("orientation", on=on, today=TODAY, actor=actor),
        lambda: t.end_phase_without_completion("orientation", on=on, today=TODAY, reason="x", actor=actor),
        lambda: t.skip_phase("orientation", on=on, today=TODAY, basis="evc", reason="x", actor=actor),
        lambda: t.assess_language(on=on, today=TODAY, levels={"reading": "B1"}, actor=actor),
        lambda: t.record_practice(practice_id="p", on=on, until=None, today=TODAY, description="x", hours_per_week=8, actor=actor),
        lambda: t.obtain_certificate(certificate_id="c", phase="pre-trajectory", kind="vca", title="VCA", on=on, today=TODAY, actor=actor),
        lambda: t.propose_placement(placement_id="p", employer_kvk="12345678", employer_name="Bouw BV", function="monteur",
                                    hours_per_week=32, level="assistent", on=on, today=TODAY, actor=actor),
        lambda: t.issue_guarantee(on=on, today=TODAY, issued_by="sociale partners", actor=actor),
        lambda: t.record_guarantee_check_in(on=on, today=TODAY, summary="x", actor=actor),
        lambda: t.end_guarantee(on=on, today=TODAY, reason="other", actor=actor),
        lambda: t.drop_out(on=on, today=TODAY, reason="health", explanation="x", actor=actor),
    ]


@pytest.mark.parametrize("step", range(12))
@pytest.mark.parametrize("actor", NOT_KLANTMANAGERS, ids=lambda a: str(a.role))
def test_only_a_klantmanager_records_the_steps_of_the_route(actor, step):
    t = _in_pre_trajectory()
    assert _violation(_route_steps(t, actor, date(2026, 3, 1))[step]).rule == "klantmanager-only"


@pytest.mark.parametrize("step", range(12))
def test_no_step_of_the_route_is_recorded_after_a_drop_out(step):
    t = _registered()
    _drop_out(t, date(2026, 2, 10))
    assert _violation(_route_steps(t, KM, date(2026, 3, 1))[step]).rule == "no-steps-after-drop-out"


@pytest.mark.parametrize("step", range(12))
def test_no_step_of_the_route_lies_before_the_registration_or_after_today(step):
    t = _in_pre_trajectory()
    assert _violation(_route_steps(t, KM, date(2026, 1, 4))[step]).rule == "not-before-registration"
    assert _violation(_route_steps(t, KM, date(2026, 11, 23))[step]).rule == "no-future-dates"


# -- phases ----------------------------------------------------------------------------------------------


def test_starting_a_phase_records_its_date_provider_and_the_klantmanager():
    t = _registered()
    _start(t, "orientation", date(2026, 1, 10), provider="Techniek Werkt")
    state = t.phases["orientation"]
    assert (state.status, state.started_on, state.provider, state.attempts) == (
        PhaseStatus.IN_PROGRESS, date(2026, 1, 10), "Techniek Werkt", 1,
    )
    assert (state.first_started_on, state.ended_on) == (date(2026, 1, 10), None)
    event = _last_event(t)
    assert (type(event).__name__, event.actor, event.on, event.phase, event.provider) == (
        "PhaseStarted", KM, date(2026, 1, 10), "orientation", "Techniek Werkt",
    )
    assert (t.stage, t.last_step_on) == (Stage.ORIENTATION, date(2026, 1, 10))


@pytest.mark.parametrize("status", ["in-progress", "completed", "skipped"])
def test_a_phase_in_progress_completed_or_skipped_does_not_start_again(status):
    t = _registered()
    if status == "skipped":
        t.skip_phase("orientation", on=date(2026, 1, 10), today=TODAY, basis="evc", reason="ervaring", actor=KM)
    else:
        _start(t, "orientation", date(2026, 1, 10))
        if status == "completed":
            _complete(t, "orientation", date(2026, 1, 20))
    assert _violation(lambda: _start(t, "orientation", date(2026, 2, 1))).rule == "phase-starts-once"


def test_a_phase_ended_without_completion_starts_again_as_a_new_attempt():
    t = _registered()
    _start(t, "orientation", date(2026, 1, 10), provider="A")
    t.end_phase_without_completion("orientation", on=date(2026, 1, 20), today=TODAY, reason="te zwaar", actor=KM)
    _start(t, "orientation", date(2026, 2, 1), provider="B")
    state = t.phases["orientation"]
    assert (state.status, state.attempts, state.started_on, state.first_started_on) == (
        PhaseStatus.IN_PROGRESS, 2, date(2026, 2, 1), date(2026, 1, 10),
    )
    assert (state.ended_on, state.reason, state.provider) == (None, None, "B")


@pytest.mark.parametrize("orientation", ["not-started", "in-progress", "ended-without-completion"])
def test_a_phase_starts_only_after_the_earlier_one_is_completed_or_skipped(orientation):
    t = _registered()
    if orientation != "not-started":
        _start(t, "orientation", date(2026, 1, 10))
    if orientation == "ended-without-completion":
        t.end_phase_without_completion("orientation", on=date(2026, 1, 20), today=TODAY, reason="x", actor=KM)
    assert _violation(lambda: _start(t, "pre-trajectory", date(2026, 2, 1))).rule == "phases-in-order"


def test_every_earlier_phase_must_be_completed_or_skipped_not_only_the_first():
    t = _registered()
    _start(t, "orientation", date(2026, 1, 10))
    _complete(t, "orientation", date(2026, 1, 20))
    rule = _violation(lambda: _start(t, "bedrijfsvakschool", date(2026, 2, 1), provider="Bouwmensen")).rule
    assert rule == "phases-in-order"
    _start(t, "pre-trajectory", date(2026, 2, 1))
    assert _violation(lambda: _start(t, "bedrijfsvakschool", date(2026, 2, 2), provider="Bouwmensen")).rule == "phases-in-order"
    t.skip_phase("bedrijfsvakschool", on=date(2026, 2, 3), today=TODAY, basis="not-available-in-region", reason="geen", actor=KM)
    assert t.phases["bedrijfsvakschool"].status is PhaseStatus.SKIPPED


def test_a_skipped_phase_lets_the_next_one_start():
    t = _registered()
    t.skip_phase("orientation", on=date(2026, 1, 6), today=TODAY, basis="evc", reason="EVC: 5 jaar ervaring", actor=KM)
    _start(t, "pre-trajectory", date(2026, 2, 1))
    assert t.stage is Stage.PRE_TRAJECTORY


def test_a_phase_cannot_start_before_the_earlier_one_ended():
    t = _registered()
    _start(t, "orientation", date(2026, 1, 10))
    _complete(t, "orientation", date(2026, 2, 10))
    assert _violation(lambda: _start(t, "pre-trajectory", date(2026, 2, 9))).rule == "phases-in-order"
    _start(t, "pre-trajectory", date(2026, 2, 10))  # the same day is fine
    assert t.phases["pre-trajectory"].started_on == date(2026, 2, 10)


def test_a_phase_cannot_start_before_the_earlier_one_was_skipped():
    t = _registered()
    t.skip_phase("orientation", on=date(2026, 3, 1), today=TODAY, basis="evc", reason="ervaring", actor=KM)
    assert _violation(lambda: _start(t, "pre-trajectory", date(2026, 2, 28))).rule == "phases-in-order"
    _start(t, "pre-trajectory", date(2026, 3, 1))


def test_a_deviation_of_the_phase_order_lets_a_phase_start_early():
    t = _in_pre_trajectory()
    _grant(t, "phase-order", on=date(2026, 3, 1), until=date(2026, 6, 1))
    _start(t, "bedrijfsvakschool", date(2026, 3, 2), provider="Bouwmensen")
    assert t.phases["bedrijfsvakschool"].status is PhaseStatus.IN_PROGRESS
    assert t.phases["pre-trajectory"].status is PhaseStatus.IN_PROGRESS
    assert t.stage is Stage.BEDRIJFSVAKSCHOOL


@pytest.mark.parametrize("on", [date(2026, 3, 1), date(2026, 6, 1)])
def test_a_deviation_of_the_phase_order_is_in_force_from_its_first_to_its_last_day(on):
    t = _in_pre_trajectory()
    _grant(t, "phase-order", on=date(2026, 3, 1), until=date(2026, 6, 1))
    _start(t, "bedrijfsvakschool", on, provider="Bouwmensen")
    assert t.phases["bedrijfsvakschool"].started_on == on


@pytest.mark.parametrize("on", [date(2026, 2, 28), date(2026, 6, 2)])
def test_a_deviation_of_the_phase_order_is_not_in_force_before_or_after_its_period(on):
    t = _in_pre_trajectory()
    _grant(t, "phase-order", on=date(2026, 3, 1), until=date(2026, 6, 1))
    assert _violation(lambda: _start(t, "bedrijfsvakschool", on, provider="Bouwmensen")).rule == "phases-in-order"


@pytest.mark.parametrize("rule", [r for r in DeviationRule if r is not DeviationRule.PHASE_ORDER])
def test_a_deviation_of_another_rule_does_not_lift_the_phase_order(rule):
    t = _in_pre_trajectory()
    _grant(t, rule, on=date(2026, 3, 1), until=date(2026, 6, 1))
    assert _violation(lambda: _start(t, "bedrijfsvakschool", date(2026, 3, 2), provider="Bouwmensen")).rule == "phases-in-order"


def test_a_deviation_of_the_phase_order_still_lets_no_phase_start_before_the_earlier_one_ended():
    t = _registered()
    _start(t, "orientation", date(2026, 1, 10))
    t.end_phase_without_completion("orientation", on=date(2026, 2, 10), today=TODAY, reason="x", actor=KM)
    _grant(t, "phase-order", on=date(2026, 1, 10), until=date(2026, 6, 1))
    assert _violation(lambda: _start(t, "pre-trajectory", date(2026, 2, 9))).rule == "phases-in-order"
    _start(t, "pre-trajectory", date(2026, 2, 10))
    assert t.phases["pre-trajectory"].status is PhaseStatus.IN_PROGRESS


def test_a_deviation_of_the_phase_order_lets_a_phase_start_while_no_earlier_one_has_started():
    t = _registered()
    _grant(t, "phase-order", on=date(2026, 1, 10), until=date(2026, 6, 1))
    _start(t, "bedrijfsvakschool", date(2026, 1, 10), provider="Bouwmensen")
    assert t.phases["bedrijfsvakschool"].status is PhaseStatus.IN_PROGRESS


def test_the_bedrijfsvakschool_names_its_provider_and_the_other_phases_need_none():
    t = _registered()
    _start(t, "orientation", date(2026, 1, 10), provider=None)
    _complete(t, "orientation", date(2026, 1, 20))
    _start(t, "pre-trajectory", date(2026, 2, 1), provider="")
    _complete(t, "pre-trajectory", date(2026, 3, 1))
    for provider in (None, ""):
        assert _violation(lambda p=provider: _start(t, "bedrijfsvakschool", date(2026, 3, 2), provider=p)).rule == "provider-required"
    _start(t, "bedrijfsvakschool", date(2026, 3, 2), provider="Bouwmensen")
    assert t.phases["bedrijfsvakschool"].provider == "Bouwmensen"


def test_completing_a_phase_records_its_end_and_the_klantmanager():
    t = _registered()
    _start(t, "orientation", date(2026, 1, 10))
    _complete(t, "orientation", date(2026, 1, 20))
    state = t.phases["orientation"]
    assert (state.status, state.ended_on) == (PhaseStatus.COMPLETED, date(2026, 1, 20))
    event = _last_event(t)
    assert (type(event).__name__, event.actor, event.on, event.phase) == ("PhaseCompleted", KM, date(2026, 1, 20), "orientation")
    assert (t.stage, t.last_step_on) == (Stage.ORIENTATION, date(2026, 1, 20))


def test_ending_a_phase_without_completion_records_its_end_reason_and_the_klantmanager():
    t = _registered()
    _start(t, "orientation", date(2026, 1, 10))
    t.end_phase_without_completion("orientation", on=date(2026, 1, 20), today=TODAY, reason="te zwaar", actor=KM)
    state = t.phases["orientation"]
    assert (state.status, state.ended_on, state.reason) == (PhaseStatus.ENDED_WITHOUT_COMPLETION, date(2026, 1, 20), "te zwaar")
    event = _last_event(t)
    assert (type(event).__name__, event.actor, event.on, event.reason) == (
        "PhaseEndedWithoutCompletion", KM, date(2026, 1, 20), "te zwaar",
    )
    assert (t.stage, t.last_step_on) == (Stage.REGISTERED, date(2026, 1, 20))


def _end_phase(t: Trajectory, how: str, on: date) -> None:
    if how == "completed":
        _complete(t, "orientation", on)
    else:
        t.end_phase_without_completion("orientation", on=on, today=TODAY, reason="x", actor=KM)


@pytest.mark.parametrize("how", ["completed", "ended"])
def test_a_phase_ends_on_or_after_the_day_it_started(how):
    t = _registered()
    _start(t, "orientation", date(2026, 2, 1))
    assert _violation(lambda: _end_phase(t, how, date(2026, 1, 31))).rule == "end-after-start"
    _end_phase(t, how, date(2026, 2, 1))
    assert t.phases["orientation"].ended_on == date(2026, 2, 1)


@pytest.mark.parametrize("how", ["completed", "ended"])
@pytest.mark.parametrize("status", ["not-started", "completed", "ended-without-completion", "skipped"])
def test_only_a_phase_in_progress_is_completed_or_ended(status, how):
    t = _registered()
    if status == "skipped":
        t.skip_phase("orientation", on=date(2026, 1, 10), today=TODAY, basis="evc", reason="x", actor=KM)
    elif status != "not-started":
        _start(t, "orientation", date(2026, 1, 10))
        _end_phase(t, "completed" if status == "completed" else "ended", date(2026, 1, 20))
    assert _violation(lambda: _end_phase(t, how, date(2026, 2, 1))).rule == "phase-must-be-in-progress"


def test_skipping_a_phase_records_its_basis_reason_date_and_the_klantmanager():
    t = _registered()
    t.skip_phase("orientation", on=date(2026, 1, 6), today=TODAY, basis="evc", reason="EVC: 5 jaar ervaring", actor=KM)
    state = t.phases["orientation"]
    assert (state.status, state.skip_basis, state.reason, state.ended_on) == (
        PhaseStatus.SKIPPED, SkipBasis.EVC, "EVC: 5 jaar ervaring", date(2026, 1, 6),
    )
    event = _last_event(t)
    assert (type(event).__name__, event.actor, event.on, event.basis, event.reason) == (
        "PhaseSkipped", KM, date(2026, 1, 6), "evc", "EVC: 5 jaar ervaring",
    )
    assert t.last_step_on == date(2026, 1, 6)


@pytest.mark.parametrize("status", ["in-progress", "completed", "ended-without-completion", "skipped"])
def test_only_a_phase_not_yet_started_is_skipped(status):
    t = _registered()
    if status == "skipped":
        t.skip_phase("orientation", on=date(2026, 1, 10), today=TODAY, basis="evc", reason="x", actor=KM)
    else:
        _start(t, "orientation", date(2026, 1, 10))
        if status != "in-progress":
            _end_phase(t, "completed" if status == "completed" else "ended", date(2026, 1, 20))
    rule = _violation(lambda: t.skip_phase("orientation", on=date(2026, 2, 1), today=TODAY, basis="other", reason="x", actor=KM)).rule
    assert rule == "skip-only-unstarted-phase"


def test_a_skip_names_a_known_basis():
    t = _registered()
    with pytest.raises(ValueError):
        t.skip_phase("orientation", on=date(2026, 1, 6), today=TODAY, basis="no-idea", reason="x", actor=KM)


# -- the facts of the pre-trajectory and the certificates -----------------------------------------------


def test_a_language_assessment_records_the_levels_per_skill_and_the_klantmanager():
    t = _in_pre_trajectory()
    t.assess_language(on=date(2026, 2, 15), today=TODAY, levels={"reading": "B1", "speaking": "A2"}, actor=KM)
    t.assess_language(on=date(2026, 3, 15), today=TODAY, levels={"speaking": "B1"}, actor=KM)
    assert t.language_levels == {"reading": "B1", "speaking": "B1"}
    assert t.language_assessments == [
        {"on": date(2026, 2, 15), "levels": {"reading": "B1", "speaking": "A2"}},
        {"on": date(2026, 3, 15), "levels": {"speaking": "B1"}},
    ]
    event = _last_event(t)
    assert (type(event).__name__, event.actor, event.on, event.levels) == (
        "LanguageLevelsAssessed", KM, date(2026, 3, 15), {"speaking": "B1"},
    )
    assert t.last_step_on == date(2026, 3, 15)


def test_a_language_assessment_names_at_least_one_level_of_a_known_skill():
    t = _in_pre_trajectory()
    assert _violation(lambda: t.assess_language(on=date(2026, 2, 15), today=TODAY, levels={}, actor=KM)).rule == (
        "language-levels-required"
    )
    for levels in ({"cooking": "B1"}, {"reading": "B3"}):
        with pytest.raises(ValueError):
            t.assess_language(on=date(2026, 2, 15), today=TODAY, levels=levels, actor=KM)


def _facts_of_the_pre_trajectory(t: Trajectory, on: date) -> list[Callable[[], object]]:
    return [
        lambda: t.assess_language(on=on, today=TODAY, levels={"reading": "B1"}, actor=KM),
        lambda: t.record_practice(practice_id="p", on=on, until=None, today=TODAY, description="x", hours_per_week=8, actor=KM),
        lambda: t.obtain_certificate(certificate_id="c", phase="pre-trajectory", kind="vca", title="VCA", on=on, today=TODAY, actor=KM),
    ]


@pytest.mark.parametrize("fact", range(3))
def test_a_fact_of_the_pre_trajectory_needs_the_pre_trajectory_started(fact):
    t = _registered()
    assert _violation(_facts_of_the_pre_trajectory(t, date(2026, 2, 1))[fact]).rule == "phase-must-have-started"
    t.skip_phase("orientation", on=date(2026, 1, 6), today=TODAY, basis="evc", reason="x", actor=KM)
    t.skip_phase("pre-trajectory", on=date(2026, 1, 6), today=TODAY, basis="evc", reason="x", actor=KM)
    assert _violation(_facts_of_the_pre_trajectory(t, date(2026, 2, 1))[fact]).rule == "phase-must-have-started"


@pytest.mark.parametrize("fact", range(3))
def test_a_fact_of_the_pre_trajectory_lies_on_or_after_its_start(fact):
    t = _in_pre_trajectory(on=date(2026, 2, 1))
    assert _violation(_facts_of_the_pre_trajectory(t, date(2026, 1, 31))[fact]).rule == "phase-must-have-started"
    _facts_of_the_pre_trajectory(t, date(2026, 2, 1))[fact]()
    assert t.last_step_on == date(2026, 2, 1)


@pytest.mark.parametrize("fact", range(3))
def test_a_fact_of_the_pre_trajectory_is_recorded_after_it_ended_too(fact):
    t = _in_pre_trajectory(on=date(2026, 2, 1))
    _complete(t, "pre-trajectory", date(2026, 3, 1))
    _facts_of_the_pre_trajectory(t, date(2026, 3, 5))[fact]()
    assert t.last_step_on == date(2026, 3, 5)


def test_a_practice_period_records_its_period_hours_and_the_klantmanager():
    t = _in_pre_trajectory()
    t.record_practice(practice_id="p1", on=date(2026, 2, 10), until=date(2026, 3, 10), today=TODAY,
                      description="meelopen", hours_per_week=16, actor=KM)
    t.record_practice(practice_id="p2", on=date(2026, 3, 11), until=None, today=TODAY, description="stage", hours_per_week=24, actor=KM)
    assert t.practice_periods == [
        {"id": "p1", "on": date(2026, 2, 10), "until": date(2026, 3, 10), "description": "meelopen", "hours_per_week": 16},
        {"id": "p2", "on": date(2026, 3, 11), "until": None, "description": "stage", "hours_per_week": 24},
    ]
    event = _last_event(t)
    assert (type(event).__name__, event.actor, event.on, event.until, event.hours_per_week) == (
        "PracticePeriodRecorded", KM, date(2026, 3, 11), None, 24,
    )


def test_a_practice_period_ends_on_or_after_its_start():
    t = _in_pre_trajectory()
    rule = _violation(lambda: t.record_practice(practice_id="p", on=date(2026, 2, 10), until=date(2026, 2, 9), today=TODAY,
                                                description="x", hours_per_week=8, actor=KM)).rule
    assert rule == "end-after-start"
    t.record_practice(practice_id="p", on=date(2026, 2, 10), until=date(2026, 2, 10), today=TODAY, description="x",
                      hours_per_week=8, actor=KM)
    assert t.practice_periods[-1]["until"] == date(2026, 2, 10)


@pytest.mark.parametrize(("hours", "plausible"), [(0, False), (1, True), (60, True), (61, False), (-8, False)])
def test_a_practice_period_has_between_1_and_60_hours_a_week(hours, plausible):
    t = _in_pre_trajectory()

    def record() -> None:
        t.record_practice(practice_id="p", on=date(2026, 2, 10), until=None, today=TODAY, description="x", hours_per_week=hours, actor=KM)

    if plausible:
        record()
        assert t.practice_periods[-1]["hours_per_week"] == hours
    else:
        assert _violation(record).rule == "plausible-hours"


def test_a_certificate_records_its_phase_kind_title_and_the_klantmanager():
    t = _in_pre_trajectory()
    t.obtain_certificate(certificate_id="c1", phase="pre-trajectory", kind="vca", title="VCA basis", on=date(2026, 2, 20),
                         today=TODAY, actor=KM)
    assert t.certificates == [
        {"id": "c1", "phase": "pre-trajectory", "kind": CertificateKind.VCA, "title": "VCA basis", "on": date(2026, 2, 20)}
    ]
    event = _last_event(t)
    assert (type(event).__name__, event.actor, event.on, event.kind, event.title) == (
        "CertificateObtained", KM, date(2026, 2, 20), "vca", "VCA basis",
    )
    assert t.last_step_on == date(2026, 2, 20)


def test_certificates_are_obtained_in_the_pre_trajectory_or_the_bedrijfsvakschool_not_the_orientation():
    t = _registered()
    _start(t, "orientation", date(2026, 1, 10))

    def obtain(phase: str) -> None:
        t.obtain_certificate(certificate_id="c", phase=phase, kind="vca", title="VCA", on=date(2026, 1, 15), today=TODAY, actor=KM)

    assert _violation(lambda: obtain("orientation")).rule == "certificate-phase"
    assert _violation(lambda: obtain("bedrijfsvakschool")).rule == "phase-must-have-started"


def test_a_certificate_is_of_a_known_kind():
    t = _in_pre_trajectory()
    with pytest.raises(ValueError):
        t.obtain_certificate(certificate_id="c", phase="pre-trajectory", kind="rijbewijs", title="x", on=date(2026, 2, 15),
                             today=TODAY, actor=KM)
    assert t.certificates == []


def test_a_certificate_of_the_bedrijfsvakschool_needs_the_bedrijfsvakschool_started():
    t = _in_pre_trajectory()
    _complete(t, "pre-trajectory", date(2026, 3, 1))
    _start(t, "bedrijfsvakschool", date(2026, 3, 10), provider="Bouwmensen")
    t.obtain_certificate(certificate_id="c", phase="bedrijfsvakschool", kind="mbo-certificaat", title="Monteur", on=date(2026, 6, 1),
                         today=TODAY, actor=KM)
    assert t.certificates[-1]["phase"] == "bedrijfsvakschool"


# -- drop-out and re-entry ---------------------------------------------------------------------------------


def test_a_drop_out_ends_the_phase_in_progress_and_records_the_stage_reason_and_klantmanager():
    t = _in_pre_trajectory()
    t.drop_out(on=date(2026, 2, 10), today=TODAY, reason="language", explanation="te snel", actor=KM)
    assert t.status is TrajectoryStatus.DROPPED_OUT
    state = t.phases["pre-trajectory"]
    assert (state.status, state.ended_on, state.reason) == (PhaseStatus.ENDED_WITHOUT_COMPLETION, date(2026, 2, 10), "drop-out")
    assert t.phases["orientation"].status is PhaseStatus.COMPLETED
    assert t.drop_outs == [
        {"on": date(2026, 2, 10), "reason": DropOutReason.LANGUAGE, "explanation": "te snel", "stage": Stage.PRE_TRAJECTORY}
    ]
    event = _last_event(t)
    assert (type(event).__name__, event.actor, event.on, event.reason, event.stage) == (
        "DroppedOut", KM, date(2026, 2, 10), "language", "pre-trajectory",
    )


def test_a_drop_out_names_a_known_reason():
    t = _registered()
    with pytest.raises(ValueError):
        t.drop_out(on=date(2026, 2, 10), today=TODAY, reason="bored", explanation="x", actor=KM)


def test_a_drop_out_is_refused_while_a_placement_runs_and_allowed_once_it_ended_or_while_only_proposed():
    t = _registered()
    t.propose_placement(placement_id="p1", employer_kvk="12345678", employer_name="Bouw BV", function="monteur", hours_per_week=32,
                        level="assistent", on=date(2026, 2, 1), today=TODAY, actor=KM)
    t.confirm_placement("p1", on=date(2026, 2, 3), today=TODAY, actor=EMPLOYER)
    assert _violation(lambda: _drop_out(t, date(2026, 2, 10))).rule == "end-placement-before-drop-out"
    t.start_contract("p1", on=date(2026, 2, 10), today=TODAY, hours_per_week=32, actor=EMPLOYER)
    assert _violation(lambda: _drop_out(t, date(2026, 2, 11))).rule == "end-placement-before-drop-out"
    t.end_placement("p1", on=date(2026, 3, 1), today=TODAY, reason="dismissed", explanation=None, actor=KM)
    t.propose_placement(placement_id="p2", employer_kvk="87654321", employer_name="Install BV", function="monteur", hours_per_week=32,
                        level="assistent", on=date(2026, 3, 2), today=TODAY, actor=KM)
    _drop_out(t, date(2026, 3, 5))
    assert t.drop_outs[-1]["stage"] is Stage.REGISTERED


def test_a_re_entry_makes_the_route_active_again_and_records_the_klantmanager():
    t = _registered()
    _drop_out(t, date(2026, 2, 10))
    t.re_enter(on=date(2026, 2, 10), today=TODAY, explanation="hersteld", actor=KM)  # the same day is fine
    assert t.status is TrajectoryStatus.ACTIVE
    assert t.re_entries == [{"on": date(2026, 2, 10), "explanation": "hersteld"}]
    event = _last_event(t)
    assert (type(event).__name__, event.actor, event.on, event.explanation) == ("ReEntered", KM, date(2026, 2, 10), "hersteld")
    _start(t, "orientation", date(2026, 3, 2))
    assert t.phases["orientation"].status is PhaseStatus.IN_PROGRESS


def test_only_a_candidate_who_dropped_out_re_enters():
    t = _registered()
    assert _violation(lambda: t.re_enter(on=date(2026, 2, 1), today=TODAY, explanation="x", actor=KM)).rule == "re-entry-after-drop-out"
    _drop_out(t, date(2026, 2, 10))
    t.re_enter(on=date(2026, 3, 1), today=TODAY, explanation="x", actor=KM)
    assert _violation(lambda: t.re_enter(on=date(2026, 3, 2), today=TODAY, explanation="x", actor=KM)).rule == "re-entry-after-drop-out"


def test_a_re_entry_lies_on_or_after_the_last_drop_out_and_not_in_the_future():
    t = _registered()
    _drop_out(t, date(2026, 2, 10))
    assert _violation(lambda: t.re_enter(on=date(2026, 2, 9), today=TODAY, explanation="x", actor=KM)).rule == "re-entry-after-drop-out"
    assert _violation(lambda: t.re_enter(on=date(2026, 11, 23), today=TODAY, explanation="x", actor=KM)).rule == "no-future-dates"
    t.re_enter(on=date(2026, 3, 1), today=TODAY, explanation="x", actor=KM)
    _drop_out(t, date(2026, 4, 1))
    # Against the last drop-out, not the first.
    assert _violation(lambda: t.re_enter(on=date(2026, 3, 15), today=TODAY, explanation="x", actor=KM)).rule == "re-entry-after-drop-out"
    t.re_enter(on=TODAY, today=TODAY, explanation="x", actor=KM)
    assert [r["on"] for r in t.re_entries] == [date(2026, 3, 1), TODAY]


def test_a_re_entry_is_recorded_by_a_klantmanager_only():
    t = _registered()
    _drop_out(t, date(2026, 2, 10))
    for actor in NOT_KLANTMANAGERS:
        assert _violation(lambda a=actor: t.re_enter(on=date(2026, 3, 1), today=TODAY, explanation="x", actor=a)).rule == (
            "klantmanager-only"
        )


def test_a_re_entry_lies_not_before_the_registration():
    t = _registered()
    _drop_out(t, REGISTERED_ON)
    assert _violation(lambda: t.re_enter(on=date(2026, 1, 4), today=TODAY, explanation="x", actor=KM)).rule == "not-before-registration"


def test_the_phases_restart_after_a_re_entry_as_new_attempts():
    t = _registered()
    _start(t, "orientation", date(2026, 2, 1))
    _drop_out(t, date(2026, 2, 10))
    assert t.drop_outs[-1]["stage"] is Stage.ORIENTATION
    t.re_enter(on=date(2026, 3, 1), today=TODAY, explanation="hersteld", actor=KM)
    _start(t, "orientation", date(2026, 3, 2))
    assert t.phases["orientation"].attempts == 2


# -- maatwerk ----------------------------------------------------------------------------------------------


def test_a_deviation_records_its_rule_reason_period_who_granted_it_and_the_klantmanager():
    t = _registered()
    t.grant_deviation(deviation_id="d1", rule="benefit-during-training", reason="opleiding", on=date(2026, 2, 1),
                      until=date(2026, 8, 1), granted_by="teamleider", today=TODAY, actor=KM)
    assert t.deviations == [
        {"id": "d1", "rule": DeviationRule.BENEFIT_DURING_TRAINING, "reason": "opleiding", "on": date(2026, 2, 1),
         "until": date(2026, 8, 1), "granted_by": "teamleider"}
    ]
    event = _last_event(t)
    assert (type(event).__name__, event.actor, event.on, event.until, event.granted_by, event.rule) == (
        "DeviationGranted", KM, date(2026, 2, 1), date(2026, 8, 1), "teamleider", "benefit-during-training",
    )
    assert t.last_step_on == REGISTERED_ON  # a decision, not a step of the route


def test_a_deviation_may_start_on_the_registration_day_or_later_even_after_today_or_a_drop_out():
    t = _registered()
    _grant(t, "other", on=REGISTERED_ON, until=REGISTERED_ON)
    _grant(t, "other", on=date(2026, 12, 1), until=date(2027, 1, 1))
    _drop_out(t, date(2026, 2, 1))
    _grant(t, "other", on=date(2026, 3, 1), until=date(2026, 4, 1))
    assert len(t.deviations) == 3
    assert _violation(lambda: _grant(t, "other", on=date(2026, 1, 4), until=date(2026, 2, 1))).rule == "not-before-registration"


def test_a_deviation_ends_on_or_after_its_start():
    t = _registered()
    assert _violation(lambda: _grant(t, "other", on=date(2026, 2, 2), until=date(2026, 2, 1))).rule == "end-after-start"


@pytest.mark.parametrize(("reason", "granted_by"), [("", "teamleider"), ("  ", "teamleider"), ("opleiding", ""), ("opleiding", " ")])
def test_a_deviation_states_its_reason_and_who_granted_it(reason, granted_by):
    t = _registered()
    rule = _violation(lambda: _grant(t, "other", on=date(2026, 2, 1), until=date(2026, 3, 1), reason=reason, granted_by=granted_by)).rule
    assert rule == "deviation-reasoned"


@pytest.mark.parametrize("actor", NOT_KLANTMANAGERS, ids=lambda a: str(a.role))
def test_a_deviation_is_granted_by_a_klantmanager_only(actor):
    t = _registered()
    rule = _violation(lambda: t.grant_deviation(deviation_id="d", rule="other", reason="x", on=date(2026, 2, 1), until=date(2026, 3, 1),
                                                granted_by="x", today=TODAY, actor=actor)).rule
    assert rule == "klantmanager-only"


# -- what the route shows ------------------------------------------------------------------------------------


def test_the_stage_is_the_furthest_phase_in_progress_or_completed():
    t = _registered()
    assert t.stage is Stage.REGISTERED
    t.skip_phase("orientation", on=date(2026, 1, 6), today=TODAY, basis="evc", reason="x", actor=KM)
    assert t.stage is Stage.REGISTERED
    _start(t, "pre-trajectory", date(2026, 2, 1))
    assert t.stage is Stage.PRE_TRAJECTORY
    _complete(t, "pre-trajectory", date(2026, 3, 1))
    assert t.stage is Stage.PRE_TRAJECTORY


def test_a_placement_of_an_unknown_id_is_not_found():
    t = _registered()
    with pytest.raises(NotFound) as error:
        t.placement("nope")
    assert error.value.what == "placement"
    for call in (
        lambda: t.confirm_placement("nope", on=date(2026, 2, 3), today=TODAY, actor=EMPLOYER),
        lambda: t.decline_placement("nope", on=date(2026, 2, 3), today=TODAY, reason="x", actor=EMPLOYER),
        lambda: t.start_contract("nope", on=date(2026, 2, 3), today=TODAY, hours_per_week=32, actor=EMPLOYER),
        lambda: t.end_placement("nope", on=date(2026, 2, 3), today=TODAY, reason="other", explanation=None, actor=EMPLOYER),
    ):
        with pytest.raises(NotFound) as error:
            call()
        assert error.value.what == "placement"


def test_the_last_step_date_moves_only_forward():
    t = _registered()
    _start(t, "orientation", date(2026, 3, 1))
    t.skip_phase("pre-trajectory", on=date(2026, 2, 1), today=TODAY, basis="evc", reason="x", actor=KM)
    assert t.last_step_on == date(2026, 3, 1)


def test_every_event_carries_its_business_date_actor_and_recording_time():
    t = _registered()
    _start(t, "orientation", date(2026, 2, 1))
    events = t.collect_events()
    assert [type(e).__name__ for e in events] == ["TrajectoryRegistered", "PhaseStarted"]
    assert [(e.actor, e.on) for e in events] == [(KM, REGISTERED_ON), (KM, date(2026, 2, 1))]
    assert all(e.timestamp.tzinfo is not None for e in events)
