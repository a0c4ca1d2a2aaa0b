"""The value objects of ``domain.values``: identifiers, money in cents, month arithmetic, actors."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidField
from domain.values import (
    SYSTEM_ACTOR,
    Actor,
    Phase,
    Role,
    add_months,
    check_cents,
    validate_bsn,
    validate_kvk,
    validate_municipality_code,
)


@pytest.mark.parametrize("bsn", ["111222333", "123456782", "999999990", "010000008"])
def test_a_bsn_of_nine_digits_passing_the_eleven_check_is_accepted_as_it_is(bsn):
    assert validate_bsn(bsn) == bsn


@pytest.mark.parametrize("bsn", ["111222334", "123456783", "111222330", "999999999"])
def test_a_bsn_failing_the_eleven_check_is_refused(bsn):
    with pytest.raises(ValueError, match="11-check"):
        validate_bsn(bsn)


def test_the_bsn_of_only_zeros_passes_the_sum_but_is_refused():
    with pytest.raises(ValueError, match="11-check"):
        validate_bsn("000000000")


@pytest.mark.parametrize("bsn", ["12345678", "1234567890", "abcdefghi", "12345678a", "", " 11122233", 111222333, None])
def test_a_bsn_is_exactly_nine_digits_as_text(bsn):
    with pytest.raises(ValueError, match="nine digits"):
        validate_bsn(bsn)


def test_a_kvk_number_is_exactly_eight_digits_as_text():
    assert validate_kvk("12345678") == "12345678"
    for bad in ("1234567", "123456789", "1234567a", "", 12345678, None):
        with pytest.raises(ValueError, match="eight digits"):
            validate_kvk(bad)


def test_a_municipality_code_is_gm_and_four_digits():
    assert validate_municipality_code("GM0363") == "GM0363"
    for bad in ("gm0363", "GM363", "GM03630", "XX0363", "0363", "", 363, None):
        with pytest.raises(ValueError, match="GM0363"):
            validate_municipality_code(bad)


@pytest.mark.parametrize("value", [0, 1, 125_000])
def test_cents_zero_or_more_are_accepted_where_zero_is_allowed(value):
    assert check_cents("benefit", value, positive=False) == value


@pytest.mark.parametrize("value", [1, 125_000])
def test_cents_greater_than_zero_are_accepted_where_zero_is_not(value):
    assert check_cents("amount", value, positive=True) == value


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("value", [-1, -125_000])
def test_negative_cents_are_refused(value, positive):
    with pytest.raises(InvalidField) as error:
        check_cents("amountCents", value, positive=positive)
    assert (error.value.rule, error.value.name) == ("invalid-field", "amountCents")
    assert error.value.reason == ("greater than zero" if positive else "zero or more")


def test_zero_cents_are_refused_where_the_amount_must_be_positive():
    with pytest.raises(InvalidField) as error:
        check_cents("amountCents", 0, positive=True)
    assert (error.value.name, error.value.reason) == ("amountCents", "greater than zero")


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("value", [1.0, 12.5, "100", True, False, None, 10**20 + 0.5])
def test_cents_are_a_whole_number_never_a_float_a_text_or_a_boolean(value, positive):
    with pytest.raises(InvalidField) as error:
        check_cents("budgetCapCents", value, positive=positive)
    assert (error.value.rule, error.value.name, error.value.reason) == (
        "invalid-field",
        "budgetCapCents",
        "a whole number of euro cents",
    )


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 15), 0, date(2025, 1, 15)),
        (date(2025, 1, 15), 1, date(2025, 2, 15)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 11, 30), 1, date(2025, 12, 30)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 1, 15), 12, date(2026, 1, 15)),
        (date(2025, 1, 15), 120, date(2035, 1, 15)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
    ],
)
def test_adding_months_keeps_the_day_or_takes_the_last_day_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


def test_the_phases_have_a_fixed_order():
    assert [p.order for p in (Phase.ORIENTATION, Phase.PRE_TRAJECTORY, Phase.BEDRIJFSVAKSCHOOL)] == [0, 1, 2]


def test_an_actor_as_a_dict_names_subject_role_and_organisation_as_text():
    as_dict = Actor("km-1", Role.KLANTMANAGER, "GM0363").as_dict()
    assert as_dict == {"subject": "km-1", "role": "klantmanager", "organisation": "GM0363"}
    assert type(as_dict["role"]) is str


def test_the_time_policies_record_as_the_system_itself():
    assert SYSTEM_ACTOR.as_dict() == {"subject": "time-policies", "role": "system", "organisation": "leerroute"}
