"""Time-driven policies: milestones that arise from time alone.

A placement that has lasted the configured months becomes a lasting placement, guarantee
check-ins fall due on schedule, and a route without a step for the configured weeks is flagged
as stalled; and the personal data of a route that ended longer ago than the retention term is
erased (``domain.retention``). The read models say which trajectories may have something due (their
``next_milestone_on``); the service records ``RecordDueMilestones`` for each and the aggregate
decides, so running the policies twice records nothing twice, and a stale read model only delays
a milestone until the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.commands import ApplyRetention, RecordDueMilestones
from leerroute.service import Service


@dataclass
class TimePolicies:
    service: Service
    due_trajectories: Callable[[date], list[UUID]]
    today: Callable[[], date]
    # Told after each run: how many milestones it recorded, or the error it failed with.
    observe: Callable[[int, BaseException | None], None] = lambda recorded, error: None
    # The trajectories whose candidate's personal data the retention term erases by a day.
    due_for_erasure: Callable[[date], list[UUID]] = lambda today: []
    erased: Callable[[], None] = lambda: None

    def run(self) -> int:
        """Record every milestone due today and apply the retention term; returns how many
        events were recorded."""
        today = self.today()
        try:
            recorded = sum(self.run_one(trajectory_id, today) for trajectory_id in self.due_trajectories(today))
            recorded += self.run_retention(today)
        except Exception as error:
            self.observe(0, error)
            raise
        self.observe(recorded, None)
        return recorded

    def run_retention(self, today: date) -> int:
        """Erase the personal data the retention term has made due; returns how many."""
        erased = 0
        for trajectory_id in self.due_for_erasure(today):
            if self.service.handle(ApplyRetention(trajectory_id=trajectory_id, on=today)).recorded:
                erased += 1
                self.erased()
        return erased

    def run_one(self, trajectory_id: UUID, today: date) -> int:
        return self.service.handle(RecordDueMilestones(trajectory_id=trajectory_id, on=today)).recorded
