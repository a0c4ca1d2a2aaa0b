"""Which norms of its route model a route is running against, and until when it is within them:
what the worklist shows once a stage (or the practice component) runs past its norm.

The stages are measured as the comparison measures them (``domain.comparison.measure_stages``:
intake, a phase, placement, the practice component), against the route's own norm
(``EffectiveRoute.norm_weeks``: its region's, else the national version's) or the weeks of a
maatwerk deviation of rule ``training-duration`` that names that norm (``deviation_weeks``): a
route within its granted deviation is within norm. Because the read model is written when the
route changes, not every day, each running norm is kept with the last day within it; the worklist
shows those whose day has passed while they still run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.comparison import PRACTICE, RouteFacts, deviation_weeks, measure_stages
from domain.route_model import EffectiveRoute
from domain.trajectory import Trajectory
from domain.values import Stage, TrajectoryStatus


@dataclass(frozen=True)
class RunningNorm:
    norm: str  # the norm key: a stage, or a stage's component (``pre-trajectory.practice``)
    stage: Stage
    started_on: date
    norm_weeks: int  # the route's own norm, before any deviation
    within_until: date  # the last day within norm, after the deviations granted of it
    ends_on: date | None = None  # the practice component's last recorded end, if every period has one

    @property
    def over_on(self) -> date:
        """The first day past the norm."""
        return self.within_until + timedelta(days=1)

    def past_on(self, day: date) -> bool:
        """Past its norm and still running on ``day``."""
        return self.within_until < day and (self.ends_on is None or self.ends_on > day)


def running_norms(trajectory: Trajectory, route: EffectiveRoute) -> list[RunningNorm]:
    """The norms an active route runs against (none once it dropped out): its open stages, and
    the practice component while a practice period runs on past its norm."""
    if trajectory.status is not TrajectoryStatus.ACTIVE:
        return []
    facts = RouteFacts.of(trajectory)
    found = []
    for measure in measure_stages(facts, date.max):
        if measure.ended_on is not None and measure.key != PRACTICE:
            continue  # a stage that ended is not running
        stage_code, _, component = measure.key.partition(".")
        stage = Stage(stage_code)
        weeks = route.norm_weeks(stage, component or None)
        if weeks is None:
            continue
        allowed = max(weeks, deviation_weeks(facts, measure, date.max) or 0)
        within_until = measure.started_on + timedelta(weeks=allowed)
        if measure.ended_on is not None and measure.ended_on <= within_until:
            continue  # practice that ends within its norm never runs past it
        found.append(RunningNorm(measure.key, stage, measure.started_on, weeks, within_until, measure.ended_on))
    return found
