"""The domain's errors name what was broken, so that every entry point can show it."""

from __future__ import annotations

from domain.errors import DomainError, Forbidden, Ineligible, InvalidField, NotFound, RuleViolation


def test_a_rule_violation_names_its_rule_and_explains_the_occurrence():
    error = RuleViolation("phases-in-order", "orientation is not completed")
    assert (error.rule, error.detail) == ("phases-in-order", "orientation is not completed")
    assert str(error) == "phases-in-order: orientation is not completed"
    assert isinstance(error, DomainError)


def test_an_invalid_field_is_the_rule_violation_invalid_field_naming_the_field_and_the_reason():
    error = InvalidField("amountCents", "greater than zero")
    assert (error.name, error.reason) == ("amountCents", "greater than zero")
    assert (error.rule, error.detail) == ("invalid-field", "amountCents: greater than zero")
    assert str(error) == "invalid-field: amountCents: greater than zero"
    assert isinstance(error, RuleViolation)


def test_an_ineligible_claim_is_the_rule_violation_eligibility_naming_the_unmet_condition():
    error = Ineligible("trigger-reached", "the trajectory has not reached placement-started by 2026-01-01")
    assert error.condition == "trigger-reached"
    assert (error.rule, error.detail) == ("eligibility", "the trajectory has not reached placement-started by 2026-01-01")
    assert str(error) == "eligibility: the trajectory has not reached placement-started by 2026-01-01"
    assert isinstance(error, RuleViolation)


def test_not_found_names_the_kind_of_thing_and_is_no_rule_violation():
    error = NotFound("placement", "no placement p1 on this trajectory")
    assert (error.what, error.detail, str(error)) == ("placement", "no placement p1 on this trajectory", "no placement p1 on this trajectory")
    assert isinstance(error, DomainError) and not isinstance(error, RuleViolation)


def test_forbidden_explains_itself_and_is_no_rule_violation():
    error = Forbidden("role employer may not do this")
    assert (error.detail, str(error)) == ("role employer may not do this", "role employer may not do this")
    assert isinstance(error, DomainError) and not isinstance(error, RuleViolation | NotFound)
