"""Time-driven policies: milestones that arise from time alone.

A placement that has lasted the configured months becomes a lasting placement, guarantee
check-ins fall due on schedule, and a route without a step for the configured weeks is flagged
as stalled. The read models say which trajectories may have something due (their
``next_milestone_on``); the aggregate decides, so running the policies twice records nothing
twice, and a stale read model only delays a milestone until the next run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import select

from adapters.clock import Clock
from adapters.database import read_session
from adapters.tables import trajectory_summaries
from adapters.unit_of_work import StoredResponse, UnitOfWork
from domain.values import MilestoneTerms
from leerroute.application import LeerrouteApplication


@dataclass
class TimePolicies:
    app: LeerrouteApplication
    unit_of_work: UnitOfWork
    database_url: str
    clock: Clock
    terms: MilestoneTerms

    def due_trajectories(self, today: date) -> list[UUID]:
        t = trajectory_summaries
        with read_session(self.database_url) as session:
            return list(
                session.execute(
                    select(t.c.trajectory_id).where(t.c.next_milestone_on <= today).order_by(t.c.next_milestone_on)
                ).scalars()
            )

    def run(self) -> int:
        """Record every milestone due today; returns how many were recorded."""
        today = self.clock.today()
        recorded = 0
        for trajectory_id in self.due_trajectories(today):
            recorded += self.run_one(trajectory_id, today)
        return recorded

    def run_one(self, trajectory_id: UUID, today: date) -> int:
        counted: list[int] = []

        def work(session) -> StoredResponse:  # noqa: ANN001
            counted.append(self.app.record_milestones(trajectory_id, session=session, today=today, terms=self.terms))
            return StoredResponse(200, None)

        self.unit_of_work.run(work)
        return counted[-1]
