"""Which norms of its route model a route is running against now, and until when it is within
them: what the worklist shows once a stage (or the practice component) runs past its norm.

A running stage is measured from its start: intake from the registration (until the first phase
starts or is skipped, or a placement is proposed), a phase from its first start, the placement
stage from the first proposal (until a contract starts), the practice component of the
pre-trajectory from the first practice period's start to the last one's end (while the
pre-trajectory runs). Its norm is the route's own (``EffectiveRoute.norm_weeks``: the national
version's, or the region's); a maatwerk deviation of rule ``training-duration`` that names the
norm (``DeviationGranted.norm``) sets its weeks for the deviation's period: a route within its
granted deviation is within norm.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from domain.route_model import EffectiveRoute, norm_key
from domain.trajectory import Trajectory
from domain.values import DeviationRule, Phase, PhaseStatus, Stage, TrajectoryStatus


@dataclass(frozen=True)
class RunningNorm:
    norm: str  # the norm key: a stage, or a stage's component (``pre-trajectory.practice``)
    stage: Stage
    started_on: date
    norm_weeks: int  # the route's norm, before any deviation
    within_until: date  # the last day within norm, after the deviations granted for it
    ends_on: date | None = None  # a measured span that already ended (the practice component)

    @property
    def over_on(self) -> date:
        """The first day past the norm."""
        return self.within_until + timedelta(days=1)


def within_norm_until(started_on: date, weeks: int, deviations: Iterable[Mapping[str, Any]]) -> date:
    """The last day within a norm of ``weeks`` from ``started_on``, where each deviation allows
    its own weeks from its start to its end."""
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


def _deviations(trajectory: Trajectory, key: str) -> list[Mapping[str, Any]]:
    return [
        d for d in trajectory.deviations
        if d["rule"] == DeviationRule.TRAINING_DURATION and d.get("norm") == key and d.get("norm_weeks") is not None
    ]


def _running(trajectory: Trajectory, route: EffectiveRoute, stage: Stage, started_on: date, component: str | None = None,
             ends_on: date | None = None) -> RunningNorm | None:
    weeks = route.norm_weeks(stage, component)
    if weeks is None:
        return None
    key = norm_key(stage, component)
    until = within_norm_until(started_on, weeks, _deviations(trajectory, key))
    return RunningNorm(key, stage, started_on, weeks, until, ends_on)


def running_norms(trajectory: Trajectory, route: EffectiveRoute) -> list[RunningNorm]:
    """The norms the route runs against now (none once it dropped out), each with the last day
    within it; the practice component only when it runs (or ran) past its norm."""
    if trajectory.status is not TrajectoryStatus.ACTIVE:
        return []
    found: list[RunningNorm | None] = []
    phases = trajectory.phases
    placements = trajectory.placements.values()
    if all(s.status is PhaseStatus.NOT_STARTED for s in phases.values()) and not trajectory.placements:
        found.append(_running(trajectory, route, Stage.REGISTERED, trajectory.registered_on))
    for phase, state in phases.items():
        if state.status is PhaseStatus.IN_PROGRESS and state.first_started_on is not None:
            found.append(_running(trajectory, route, Stage(phase.value), state.first_started_on))
    if placements and not any(p.contract_start_on is not None for p in placements) and trajectory.guarantee is None:
        found.append(_running(trajectory, route, Stage.PLACEMENT, min(p.proposed_on for p in placements)))
    periods = trajectory.practice_periods
    if phases[Phase.PRE_TRAJECTORY].status is PhaseStatus.IN_PROGRESS and periods:
        ends = [p["until"] for p in periods]
        last_end = None if any(e is None for e in ends) else max(ends)
        practice = _running(trajectory, route, Stage.PRE_TRAJECTORY, min(p["on"] for p in periods), "practice", last_end)
        if practice is not None and (last_end is None or last_end > practice.within_until):
            found.append(practice)
    return [n for n in found if n is not None]
