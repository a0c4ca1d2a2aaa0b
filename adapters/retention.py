"""The retention schedule: a projection of when each route ended and its candidate's personal
data falls due for erasure (``domain.retention``), and the reads of it: what the time policy
erases today, and what the privacy officer sees coming.

A candidate whose key is gone (erased, on request or by the term) is left out of both: the
candidate keys are the fact of erasure, so a second run finds nothing to erase.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from adapters.database import read_session
from adapters.projections import TrajectoryProjection
from adapters.tables import candidate_keys, retention_schedule
from adapters.upserts import Written, insert_rows, upsert
from domain.retention import RetentionScope, erasure_due_on, route_ended_on
from domain.trajectory import Trajectory
from domain.values import MilestoneTerms
from leerroute.route_models import BaselineRouteModels, RouteModels


@dataclass
class RetentionSchedule(TrajectoryProjection):
    """When each route ended follows its own route model's guarantee term; the retention term is
    the configured one."""

    terms: MilestoneTerms
    route_models: RouteModels | None = field(default=None, kw_only=True)
    name: str = "retention"
    tables: Sequence[Table] = (retention_schedule,)

    def terms_of(self, trajectory: Trajectory) -> MilestoneTerms:
        models = self.route_models or BaselineRouteModels(self.terms)
        route = models.effective(trajectory.route_model, trajectory.route_variant)
        return route.terms.milestone_terms(self.terms.retention_months)

    def __post_init__(self) -> None:
        self._written = Written()

    def write(self, session: Session, trajectories: dict[UUID, Trajectory], *, rebuilding: bool = False) -> None:
        first = self._written.first(trajectories) if rebuilding else set()
        new: list[dict[str, Any]] = []
        stored: list[dict[str, Any]] = []
        for t in trajectories.values():
            hold, terms = t.retention_hold, self.terms_of(t)
            (new if t.id in first else stored).append({
                "trajectory_id": t.id, "candidate_id": t.candidate_id, "municipality": t.municipality,
                "ended_on": route_ended_on(t, terms), "due_on": erasure_due_on(t, terms),
                "held_on": hold["on"] if hold else None, "hold_reason": hold["reason"] if hold else None,
            })
        insert_rows(session, retention_schedule, new)  # a rebuild's first write of these trajectories
        upsert(session, retention_schedule, stored, ["trajectory_id"])

    def start_rebuild(self) -> None:
        self._written.clear()


def _not_erased():
    r, k = retention_schedule, candidate_keys
    return select(r).join(k, k.c.candidate_id == r.c.candidate_id)


def due_for_erasure(url: str, today: date) -> list[UUID]:
    """The trajectories whose candidate's personal data the term erases by ``today``, not held."""
    r = retention_schedule
    query = _not_erased().where(r.c.due_on <= today, r.c.held_on.is_(None)).order_by(r.c.due_on, r.c.trajectory_id)
    with read_session(url) as session:
        return [row.trajectory_id for row in session.execute(query)]


def falling_due(url: str, scope: RetentionScope) -> list[dict[str, Any]]:
    """What falls due in the scope's municipality by its date (overdue and held ones included),
    soonest first."""
    r = retention_schedule
    query = _not_erased().where(r.c.municipality == scope.municipality, r.c.due_on <= scope.until)
    with read_session(url) as session:
        return [dict(row._mapping) for row in session.execute(query.order_by(r.c.due_on, r.c.trajectory_id))]
