"""Domain errors: a broken rule is named, so every entry point can show which one.

How entry points present them: ``NotFound`` as "not found" (an invisible thing is reported the
same way, so its existence does not leak), ``Forbidden`` as "not allowed", ``InvalidField`` as an
invalid field of the request, every other ``RuleViolation`` as a conflict naming its rule.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error the domain raises on purpose."""


class RuleViolation(DomainError):
    """A command that makes no sense for the route (or the money) as it stands.

    ``rule`` is a stable, kebab-case name of the rule (clients may branch on it);
    ``detail`` explains this occurrence in words.
    """

    def __init__(self, rule: str, detail: str):
        super().__init__(f"{rule}: {detail}")
        self.rule = rule
        self.detail = detail


class InvalidField(RuleViolation):
    """A value that cannot be right for this field (the API lists it under ``invalidParams``)."""

    def __init__(self, name: str, reason: str):
        super().__init__("invalid-field", f"{name}: {reason}")
        self.name = name
        self.reason = reason


class Ineligible(RuleViolation):
    """A claim the trajectory's own events do not support; ``condition`` names what is unmet."""

    def __init__(self, condition: str, detail: str):
        super().__init__("eligibility", detail)
        self.condition = condition


class NotFound(DomainError):
    """The thing does not exist, or is invisible to the caller; ``what`` names its kind
    (trajectory, placement, agreement, claim)."""

    def __init__(self, what: str, detail: str):
        super().__init__(detail)
        self.what = what
        self.detail = detail


class Forbidden(DomainError):
    """The caller may see the thing but not do this with it."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail
