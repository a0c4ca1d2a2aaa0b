"""The bewaartermijn (``domain.retention``): when a route ended, when its candidate's personal
data falls due for erasure, and that a hold or an earlier erasure keeps the term from erasing."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import Forbidden, RuleViolation
from domain.retention import can_hold, erasure_due, erasure_due_on, retention_scope, route_ended_on
from domain.values import Actor, MilestoneTerms, Role
from tests.unit.test_milestone_rules import KM, TODAY, _guaranteed, _registered

TERMS = MilestoneTerms(6, 6, 30, guarantee_years=10, stall_weeks=8, retention_months=24)
OFFICER = Actor("po-1", Role.PRIVACY_OFFICER, "GM0363")


def _dropped(on: date = date(2026, 3, 31)):
    t = _registered()
    t.drop_out(on=on, today=TODAY, reason="health", explanation="ziek", actor=KM)
    return t


def test_a_running_route_has_not_ended_and_nothing_falls_due():
    t = _registered()
    assert route_ended_on(t, TERMS) is None and erasure_due_on(t, TERMS) is None
    assert not erasure_due(t, erased=False, today=date(2099, 1, 1), terms=TERMS)


def test_a_drop_out_ends_the_route_and_the_term_runs_from_it_to_the_day():
    t = _dropped(date(2026, 3, 31))
    assert route_ended_on(t, TERMS) == date(2026, 3, 31)
    assert erasure_due_on(t, TERMS) == date(2028, 3, 31)
    assert not erasure_due(t, erased=False, today=date(2028, 3, 30), terms=TERMS)
    assert erasure_due(t, erased=False, today=date(2028, 3, 31), terms=TERMS)


def test_a_re_entry_reopens_the_route_and_the_last_drop_out_counts():
    t = _dropped(date(2026, 2, 1))
    t.re_enter(on=date(2026, 3, 1), today=TODAY, explanation="hersteld", actor=KM)
    assert route_ended_on(t, TERMS) is None
    t.drop_out(on=date(2026, 5, 1), today=TODAY, reason="health", explanation="weer ziek", actor=KM)
    assert route_ended_on(t, TERMS) == date(2026, 5, 1)


def test_the_end_of_the_guarantee_ends_the_route():
    t = _guaranteed(date(2026, 3, 1))
    assert route_ended_on(t, TERMS) == date(2036, 3, 1)  # completed: the guarantee's full term
    t.end_guarantee(on=date(2026, 9, 1), today=TODAY, reason="left-sector", actor=KM)
    assert route_ended_on(t, TERMS) == date(2026, 9, 1)
    assert erasure_due_on(t, TERMS) == date(2028, 9, 1)


def test_a_held_or_erased_candidate_is_not_erased_by_the_term():
    t = _dropped()
    assert not erasure_due(t, erased=True, today=date(2030, 1, 1), terms=TERMS)
    t.hold_retention(on=date(2026, 11, 1), today=TODAY, reason="bezwaar loopt", actor=OFFICER)
    assert t.retention_hold == {"on": date(2026, 11, 1), "reason": "bezwaar loopt", "by": "po-1"}
    assert not erasure_due(t, erased=False, today=date(2030, 1, 1), terms=TERMS)


@pytest.mark.parametrize(("reason", "on", "rule"), [
    ("  ", date(2026, 11, 1), "hold-reason-required"),
    ("bezwaar", date(2026, 11, 23), "no-future-dates"),
    ("bezwaar", date(2026, 1, 4), "not-before-registration"),
])
def test_a_hold_states_its_reason_and_a_plausible_date(reason, on, rule):
    with pytest.raises(RuleViolation) as error:
        _dropped().hold_retention(on=on, today=TODAY, reason=reason, actor=OFFICER)
    assert error.value.rule == rule


def test_a_route_is_held_once():
    t = _dropped()
    t.hold_retention(on=date(2026, 11, 1), today=TODAY, reason="bezwaar", actor=OFFICER)
    with pytest.raises(RuleViolation) as error:
        t.hold_retention(on=date(2026, 11, 2), today=TODAY, reason="nog een", actor=OFFICER)
    assert error.value.rule == "one-retention-hold"


def test_the_own_privacy_officer_sees_the_coming_month_and_holds():
    scope = retention_scope(OFFICER, date(2027, 1, 31))
    assert scope.municipality == "GM0363" and scope.until == date(2027, 2, 28)
    with pytest.raises(Forbidden):
        retention_scope(KM, TODAY)
    t = _registered()
    assert can_hold(OFFICER, t)
    assert not can_hold(Actor("po-2", Role.PRIVACY_OFFICER, "GM0599"), t) and not can_hold(KM, t)


def test_a_hold_ends_with_a_reason_and_the_term_applies_again():
    t = _dropped(date(2026, 2, 1))
    with pytest.raises(RuleViolation) as error:
        t.end_retention_hold(on=date(2026, 11, 2), today=TODAY, reason="klaar", actor=OFFICER)
    assert error.value.rule == "retention-held"
    t.hold_retention(on=date(2026, 11, 1), today=TODAY, reason="bezwaar", actor=OFFICER)
    for reason, on, rule in [("  ", date(2026, 11, 2), "hold-reason-required"), ("klaar", date(2026, 10, 31), "end-after-start"),
                             ("klaar", date(2026, 11, 23), "no-future-dates")]:
        with pytest.raises(RuleViolation) as error:
            t.end_retention_hold(on=on, today=TODAY, reason=reason, actor=OFFICER)
        assert error.value.rule == rule
    t.end_retention_hold(on=date(2026, 11, 2), today=TODAY, reason="bezwaar afgewezen", actor=OFFICER)
    assert t.retention_hold is None
    assert erasure_due(t, erased=False, today=date(2028, 2, 1), terms=TERMS)
