"""Domain errors: a broken rule of the route is named, so callers can show which one."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error the domain raises on purpose."""


class RuleViolation(DomainError):
    """A command that makes no sense for the route as it stands.

    ``rule`` is a stable, kebab-case name of the rule (clients may branch on it);
    ``detail`` explains this occurrence in words.
    """

    def __init__(self, rule: str, detail: str):
        super().__init__(f"{rule}: {detail}")
        self.rule = rule
        self.detail = detail


class NotFound(DomainError):
    """A referenced part of an aggregate (a placement, say) does not exist."""

    def __init__(self, what: str, detail: str):
        super().__init__(detail)
        self.what = what
        self.detail = detail


class Forbidden(DomainError):
    """The caller's role may see the thing but not do this with it."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail
