"""The read side of retention: what falls due for erasure in the coming month, as the privacy
officer may see it (``domain.retention.retention_scope``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from adapters.projection_runner import ProjectionRunner
from adapters.retention import falling_due
from domain.retention import retention_scope
from domain.values import Actor


@dataclass(frozen=True)
class FallingDue:
    trajectory_id: UUID
    ended_on: date
    due_on: date
    held_on: date | None
    hold_reason: str | None


@dataclass
class RetentionQueries:
    database_url: str
    projections: ProjectionRunner
    today: Callable[[], date]
    read_wait_max_seconds: float

    def falling_due(self, actor: Actor, *, min_position: int | None = None) -> tuple[date, list[FallingDue], int]:
        """Today, what falls due by a month from today in the caller's municipality (overdue
        ones not yet erased, and held ones, included), and the log position read."""
        today = self.today()
        scope = retention_scope(actor, today)
        if min_position is not None:
            self.projections.wait_for(min_position, self.read_wait_max_seconds)
        position = self.projections.lowest_position()
        rows = falling_due(self.database_url, scope)
        return today, [
            FallingDue(r["trajectory_id"], r["ended_on"], r["due_on"], r["held_on"], r["hold_reason"]) for r in rows
        ], position
