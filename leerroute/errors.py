"""Errors of the service layer itself (the domain's are in ``domain.errors``)."""

from __future__ import annotations


class VersionMismatch(Exception):
    """The command names a version of the aggregate that is no longer its current one."""

    def __init__(self, expected: int, actual: int):
        super().__init__(f"expected version {expected}, it is at version {actual} now")
        self.expected = expected
        self.actual = actual


class ConcurrentWriteConflict(Exception):
    """The command lost the race for the version it named, or kept losing it."""


class IdempotencyKeyReused(Exception):
    """The idempotency key was used before for another command."""
