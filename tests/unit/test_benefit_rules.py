"""Changes of the bijstand benefit on the Trajectory aggregate: reduced, stopped and resumed, in
order, by a klantmanager, and recorded after a drop-out too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import uuid4

import pytest

from domain.errors import InvalidField, RuleViolation
from domain.trajectory import Trajectory
from domain.values import SYSTEM_ACTOR, Actor, Role

KM = Actor("km-1", Role.KLANTMANAGER, "GM0363")
REGISTERED_ON = date(2026, 1, 5)
TODAY = date(2026, 11, 22)


def _violation(call: Callable[[], object]) -> RuleViolation:
    with pytest.raises(RuleViolation) as error:
        call()
    assert type(error.value) is RuleViolation
    return error.value


def _registered(benefit: int = 125_000) -> Trajectory:
    return Trajectory.register(
        trajectory_id=uuid4(), municipality="GM0363", candidate_id=uuid4(), target_group="statushouder", on=REGISTERED_ON, today=TODAY,
        benefit_monthly_cents=benefit, benefit_since=date(2024, 6, 1) if benefit else None, actor=KM,
    )


def _change(t: Trajectory, kind: str, on: date, cents: int | None = None, actor: Actor = KM) -> None:
    t.change_benefit(kind=kind, on=on, today=TODAY, monthly_cents=cents, actor=actor)


def test_a_reduction_records_the_new_amount_from_its_date_and_the_klantmanager():
    t = _registered()
    _change(t, "reduced", date(2026, 2, 1), 60_000)
    assert (t.benefit.monthly_cents, t.benefit.since, t.benefit.stopped_on, t.benefit.is_paid) == (60_000, date(2026, 2, 1), None, True)
    assert (t.benefit_at_intake.monthly_cents, t.benefit_at_intake.since) == (125_000, date(2024, 6, 1))
    event = t.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.monthly_cents) == ("BenefitReduced", KM, date(2026, 2, 1), 60_000)
    assert t.last_step_on == REGISTERED_ON  # a fact about the bijstand, not a step of the route


def test_a_reduction_lowers_the_amount():
    t = _registered()
    assert _violation(lambda: _change(t, "reduced", date(2026, 2, 1), 125_000)).rule == "reduction-lowers-amount"
    assert _violation(lambda: _change(t, "reduced", date(2026, 2, 1), 130_000)).rule == "reduction-lowers-amount"
    _change(t, "reduced", date(2026, 2, 1), 124_999)
    assert t.benefit.monthly_cents == 124_999


def test_a_stop_keeps_the_last_amount_and_records_the_date_and_the_klantmanager():
    t = _registered()
    _change(t, "stopped", date(2026, 3, 1), 99_999)  # an amount given with a stop is ignored
    assert (t.benefit.monthly_cents, t.benefit.since, t.benefit.stopped_on, t.benefit.is_paid) == (
        125_000, date(2026, 3, 1), date(2026, 3, 1), False,
    )
    event = t.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on) == ("BenefitStopped", KM, date(2026, 3, 1))


def test_a_resumption_records_the_new_amount_from_its_date_and_the_klantmanager():
    t = _registered()
    _change(t, "stopped", date(2026, 3, 1))
    _change(t, "resumed", date(2026, 6, 1), 90_000)
    assert (t.benefit.monthly_cents, t.benefit.since, t.benefit.stopped_on, t.benefit.is_paid) == (90_000, date(2026, 6, 1), None, True)
    event = t.pending_events[-1]
    assert (type(event).__name__, event.actor, event.on, event.monthly_cents) == ("BenefitResumed", KM, date(2026, 6, 1), 90_000)


def test_a_benefit_not_paid_at_intake_can_start_as_a_resumption():
    t = _registered(benefit=0)
    assert _violation(lambda: _change(t, "stopped", date(2026, 2, 1))).rule == "benefit-must-be-paid"
    assert _violation(lambda: _change(t, "reduced", date(2026, 2, 1), 10_000)).rule == "benefit-must-be-paid"
    _change(t, "resumed", date(2026, 2, 1), 80_000)
    assert (t.benefit.monthly_cents, t.benefit.since, t.benefit.is_paid) == (80_000, date(2026, 2, 1), True)


def test_a_stopped_benefit_neither_stops_again_nor_is_reduced():
    t = _registered()
    _change(t, "stopped", date(2026, 3, 1))
    assert _violation(lambda: _change(t, "stopped", date(2026, 3, 2))).rule == "benefit-must-be-paid"
    assert _violation(lambda: _change(t, "reduced", date(2026, 3, 2), 10_000)).rule == "benefit-must-be-paid"


def test_a_benefit_still_paid_does_not_resume():
    t = _registered()
    assert _violation(lambda: _change(t, "resumed", date(2026, 2, 1), 100_000)).rule == "benefit-must-be-stopped"
    _change(t, "reduced", date(2026, 2, 1), 60_000)
    assert _violation(lambda: _change(t, "resumed", date(2026, 2, 2), 100_000)).rule == "benefit-must-be-stopped"


@pytest.mark.parametrize("kind", ["reduced", "resumed"])
def test_a_reduced_or_resumed_benefit_states_its_new_amount(kind):
    t = _registered()
    if kind == "resumed":
        _change(t, "stopped", date(2026, 2, 1))
    assert _violation(lambda: _change(t, kind, date(2026, 3, 1), None)).rule == "amount-required"


@pytest.mark.parametrize("kind", ["reduced", "resumed"])
@pytest.mark.parametrize("cents", [0, -1, 1.5, "50000"])
def test_a_new_amount_is_a_whole_number_of_cents_greater_than_zero(kind, cents):
    t = _registered()
    if kind == "resumed":
        _change(t, "stopped", date(2026, 2, 1))
    with pytest.raises(InvalidField) as error:
        _change(t, kind, date(2026, 3, 1), cents)
    assert (error.value.rule, error.value.name) == ("invalid-field", "monthlyAmountCents")


def test_benefit_changes_follow_each_other_in_date_order_the_same_day_included():
    t = _registered()
    _change(t, "reduced", date(2026, 2, 1), 60_000)
    assert _violation(lambda: _change(t, "stopped", date(2026, 1, 31))).rule == "benefit-changes-in-order"
    _change(t, "stopped", date(2026, 2, 1))
    assert _violation(lambda: _change(t, "resumed", date(2026, 1, 31), 10_000)).rule == "benefit-changes-in-order"
    _change(t, "resumed", date(2026, 2, 1), 10_000)
    assert t.benefit.monthly_cents == 10_000


def test_a_benefit_change_may_be_dated_on_the_registration_day_but_not_before():
    t = _registered(benefit=0)
    assert _violation(lambda: _change(t, "resumed", date(2026, 1, 4), 10_000)).rule == "not-before-registration"
    _change(t, "resumed", REGISTERED_ON, 10_000)
    assert t.benefit.since == REGISTERED_ON


def test_a_benefit_change_may_be_dated_today_but_not_in_the_future():
    t = _registered()
    assert _violation(lambda: _change(t, "stopped", date(2026, 11, 23))).rule == "no-future-dates"
    _change(t, "stopped", TODAY)
    assert t.benefit.stopped_on == TODAY


def test_benefit_changes_are_recorded_after_a_drop_out_too():
    t = _registered()
    t.drop_out(on=date(2026, 2, 10), today=TODAY, reason="health", explanation="ziek", actor=KM)
    _change(t, "reduced", date(2026, 2, 20), 100_000)
    assert t.benefit.monthly_cents == 100_000


@pytest.mark.parametrize(
    "actor",
    [Actor("hr-1", Role.EMPLOYER, "12345678"), Actor("fund-1", Role.FUND, "GM0363"), Actor("po", Role.PRIVACY_OFFICER, "GM0363"), SYSTEM_ACTOR],
    ids=lambda a: str(a.role),
)
def test_only_a_klantmanager_records_a_benefit_change(actor):
    t = _registered()
    assert _violation(lambda: _change(t, "reduced", date(2026, 2, 1), 60_000, actor=actor)).rule == "klantmanager-only"


def test_a_benefit_change_is_of_a_known_kind():
    t = _registered()
    with pytest.raises(ValueError):
        _change(t, "doubled", date(2026, 2, 1), 250_000)
