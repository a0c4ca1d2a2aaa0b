"""The terms of financing (``domain.terms``): which values terms may have, how they are stored, which
terms are in force on a day and which days an agreement covers."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.errors import InvalidField
from domain.terms import AgreementView, FinancingKind, PayerKind, Terms, Trigger, payer_kind_of
from domain.values import SYSTEM_ACTOR, Actor, Role


def test_a_klantmanager_pays_for_its_municipality_and_anyone_else_as_a_fund():
    assert payer_kind_of(Actor("km", Role.KLANTMANAGER, "GM0363")) is PayerKind.MUNICIPALITY
    assert payer_kind_of(Actor("f", Role.FUND, "OO-BOUW")) is PayerKind.FUND
    assert payer_kind_of(SYSTEM_ACTOR) is PayerKind.FUND


def test_only_the_phase_triggers_need_a_phase():
    assert {t for t in Trigger if t.needs_phase} == {Trigger.PHASE_STARTED, Trigger.PHASE_COMPLETED}


def test_valid_terms_are_kept_with_their_lists_sorted_and_without_repeats():
    terms = Terms(date(2025, 1, 1), 300000, 6, ("statushouder", "other", "statushouder"), ("GM0599", "GM0363", "GM0599"),
                  ("Twente", "Rijnmond", "Twente"))
    assert terms.validated() == Terms(date(2025, 1, 1), 300000, 6, ("other", "statushouder"), ("GM0363", "GM0599"), ("Rijnmond", "Twente"))
    assert Terms(date(2025, 1, 1), 1).validated() == Terms(date(2025, 1, 1), 1, 0, (), (), ())


@pytest.mark.parametrize("amount", [0, -1, 1.5, "100", True])
def test_the_amount_of_terms_is_a_whole_number_of_cents_greater_than_zero(amount):
    with pytest.raises(InvalidField) as error:
        Terms(date(2025, 1, 1), amount).validated()
    assert (error.value.rule, error.value.name) == ("invalid-field", "amountCents")


@pytest.mark.parametrize("months", [0, 1, 119, 120])
def test_the_minimum_months_of_a_placement_lie_between_0_and_120(months):
    assert Terms(date(2025, 1, 1), 1, months).validated().min_placement_months == months


@pytest.mark.parametrize("months", [-1, 121, 1.0, "6", True, False, None])
def test_the_minimum_months_are_a_whole_number_of_months_in_range(months):
    with pytest.raises(InvalidField) as error:
        Terms(date(2025, 1, 1), 1, months).validated()
    assert (error.value.rule, error.value.name) == ("invalid-field", "minPlacementMonths")


def test_the_target_groups_of_terms_are_known_target_groups():
    with pytest.raises(InvalidField) as error:
        Terms(date(2025, 1, 1), 1, target_groups=("statushouder", "tourist")).validated()
    assert (error.value.name, error.value.reason) == ("targetGroups", "unknown target group 'tourist'")


def test_the_municipalities_of_terms_are_municipality_codes():
    with pytest.raises(InvalidField) as error:
        Terms(date(2025, 1, 1), 1, municipalities=("GM0363", "Amsterdam")).validated()
    assert error.value.name == "municipalities"
    assert "GM0363" in error.value.reason  # the code's own explanation


def test_terms_as_a_dict_and_back():
    terms = Terms(date(2025, 1, 1), 300000, 6, ("statushouder",), ("GM0363",), ("Rijnmond",))
    as_dict = terms.as_dict()
    assert as_dict == {"effective_from": date(2025, 1, 1), "amount_cents": 300000, "min_placement_months": 6,
                       "target_groups": ["statushouder"], "municipalities": ["GM0363"], "regions": ["Rijnmond"]}
    assert Terms.from_dict(as_dict) == terms
    assert Terms.from_dict({**as_dict, "target_groups": ["other"], "municipalities": [], "regions": ["Twente"]}) == Terms(
        date(2025, 1, 1), 300000, 6, ("other",), (), ("Twente",),
    )


def _view(*terms: Terms, valid_from: date = date(2025, 1, 1), valid_until: date | None = date(2025, 12, 31)) -> AgreementView:
    return AgreementView(uuid4(), PayerKind.FUND, "OO-BOUW", None, FinancingKind.TRAINING, Trigger.REGISTERED, None, valid_from, valid_until,
                         None, terms)


def test_the_terms_in_force_on_a_day_are_the_last_that_took_effect_by_then_and_before_the_start_the_first():
    first, second, third = Terms(date(2025, 1, 1), 1), Terms(date(2025, 4, 1), 2), Terms(date(2025, 9, 1), 3)
    view = _view(first, second, third)
    assert view.terms_on(date(2024, 6, 1)) == first
    assert view.terms_on(date(2025, 3, 31)) == first
    assert view.terms_on(date(2025, 4, 1)) == second
    assert view.terms_on(date(2025, 8, 31)) == second
    assert view.terms_on(date(2025, 9, 1)) == third
    assert view.terms_on(date(2030, 1, 1)) == third
    assert _view(second).terms_on(date(2025, 1, 1)) == second


@pytest.mark.parametrize(("day", "covered"), [(date(2024, 12, 31), False), (date(2025, 1, 1), True), (date(2025, 12, 31), True),
                                              (date(2026, 1, 1), False)])
def test_an_agreement_covers_the_days_from_its_start_to_its_end_both_included(day, covered):
    assert _view(Terms(date(2025, 1, 1), 1)).covers_date(day) is covered


def test_an_open_ended_agreement_covers_every_day_from_its_start():
    view = _view(Terms(date(2025, 1, 1), 1), valid_until=None)
    assert view.covers_date(date(2099, 1, 1)) and not view.covers_date(date(2024, 12, 31))
