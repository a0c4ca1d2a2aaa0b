"""Which norms of its route model a route is running against, and until when it is within them:
what the worklist shows once a stage (or the practice component) runs past its norm.

The stages are measured as the comparison measures them (``domain.comparison.measure_stages``:
intake, a phase, placement, the practice component), against the route's own norm
(``EffectiveRoute.norm_weeks``: its region's, else the national version's). A maatwerk deviation
of rule ``training-duration`` that names the norm sets its weeks for the deviation's period
(``within_norm_until``, which the comparison reads too): a route within its granted deviation is
within norm. Because the read model is written when the route changes, not every day, each
running norm is kept with the last day within it; the worklist shows those whose day has passed
while they still run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from domain.route_model import EffectiveRoute
from domain.trajectory import Trajectory
from domain.values import DeviationRule, Stage, TrajectoryStatus


def within_norm_until(started_on: date, weeks: int, deviations: Iterable[Mapping[str, Any]]) -> date:
    """The last day within a norm of ``weeks`` from ``started_on``, where each deviation of it
    (``on``, ``until``, ``norm_weeks``) allows its own weeks from its start to its end."""
    granted = list(deviations)
    limit = started_on + timedelta(weeks=weeks)
    for _ in range(len(granted)):
        longer = [
            min(started_on + timedelta(weeks=d["norm_weeks"]), d["until"])
            for d in granted
            if d["on"] <= limit + timedelta(days=1) <= d["until"] and started_on + timedelta(weeks=d["norm_weeks"]) > limit
        ]
        if not longer:
            break
        limit = max(longer)
    return limit


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


def _deviations(trajectory: Trajectory, key: str) -> list[Mapping[str, Any]]:
    return [
        d for d in trajectory.deviations
        if d["rule"] == DeviationRule.TRAINING_DURATION and d.get("norm") == key and d.get("norm_weeks") is not None
    ]


def running_norms(trajectory: Trajectory, route: EffectiveRoute) -> list[RunningNorm]:
    """The norms an active route runs against (none once it dropped out): its open stages, and
    the practice component while a practice period runs on past its norm."""
    from domain.comparison import PRACTICE, RouteFacts, measure_stages  # the comparison reads within_norm_until

    if trajectory.status is not TrajectoryStatus.ACTIVE:
        return []
    found = []
    for measure in measure_stages(RouteFacts.of(trajectory), date.max):
        if measure.ended_on is not None and measure.key != PRACTICE:
            continue  # a stage that ended is not running
        stage_code, _, component = measure.key.partition(".")
        stage = Stage(stage_code)
        weeks = route.norm_weeks(stage, component or None)
        if weeks is None:
            continue
        within_until = within_norm_until(measure.started_on, weeks, _deviations(trajectory, measure.key))
        if measure.ended_on is not None and measure.ended_on <= within_until:
            continue  # practice that ends within its norm never runs past it
        found.append(RunningNorm(measure.key, stage, measure.started_on, weeks, within_until, measure.ended_on))
    return found
