"""Read models: the log projected into the tables that lists, the worklist and the funnel query.

Rows are computed from each aggregate's own state after a batch (``Trajectory.stage``,
``domain.funnel.stage_facts`` and so on), so the rules of the route stay in ``domain/``. The
runner (``adapters.projection_runner``) keeps recently seen trajectories in memory and moves them
forward event by event; one it has not seen is loaded from the event store at the version it
needs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from adapters.funnel_counts import COUNT_TABLES, recount, update_counts
from adapters.tables import (
    deviation_summaries,
    drop_out_facts,
    norm_overruns,
    placement_summaries,
    stage_facts,
    trajectory_counts,
    trajectory_summaries,
)
from adapters.upserts import Written, add_counts, insert_rows, replace_rows, upsert
from domain.funnel import cohort_of
from domain.funnel import drop_out_facts as domain_drop_out_facts
from domain.funnel import stage_facts as domain_stage_facts
from domain.norms import running_norms
from domain.route_model import EffectiveRoute, RouteTerms
from domain.trajectory import Trajectory
from domain.values import MilestoneTerms
from leerroute.route_models import BaselineRouteModels, RouteModels

TRAJECTORY_TOPIC_PREFIX = f"{Trajectory.__module__}:{Trajectory.__qualname__}."


class Projection(Protocol):
    """A read model the runner keeps: its name (of its position row) and its tables. It has
    ``write(session, trajectories, rebuilding=...)`` when its rows follow from the trajectories'
    state after a batch, or ``write_notifications(session, store, notifications, decode=...,
    rebuilding=...)`` when it reads the batch itself (``adapters.money.projection``), and may have
    ``rebuilt(session)``, called after the last batch of a rebuild."""

    name: str
    tables: Sequence[Table]


class TrajectoryProjection:
    """A projection whose rows are a function of each trajectory's current state."""

    name: str
    tables: Sequence[Table]

    def write(self, session: Session, trajectories: dict[UUID, Trajectory], *, rebuilding: bool = False) -> None:
        """Write the rows of ``trajectories``; ``rebuilding``: the tables are being filled anew
        and ``rebuilt`` is called after the last batch."""
        raise NotImplementedError

    def start_rebuild(self) -> None:
        """Before the first batch of a rebuild, its tables emptied."""

    def rebuilt(self, session: Session) -> None:
        """After the last batch of a rebuild, in its transaction."""


@dataclass
class RouteSummaries(TrajectoryProjection):
    """One row per trajectory, placement and deviation, and per norm a route runs against: the
    lists and the worklist. Each route's milestones and norms are those of its own route model
    (``route_models``; by default version 1 of the configured ``terms``)."""

    terms: MilestoneTerms
    route_models: RouteModels | None = field(default=None, kw_only=True)
    name: str = "route-summaries"
    tables: Sequence[Table] = (trajectory_summaries, placement_summaries, deviation_summaries, norm_overruns, trajectory_counts)

    def route_of(self, trajectory: Trajectory) -> EffectiveRoute:
        models = self.route_models or BaselineRouteModels(self.terms)
        return models.effective(trajectory.route_model, trajectory.route_variant)

    def __post_init__(self) -> None:
        self._written = Written()

    def write(self, session: Session, trajectories: dict[UUID, Trajectory], *, rebuilding: bool = False) -> None:
        # A rebuild's first write of a trajectory finds none of its rows: they are inserted.
        first = self._written.first(trajectories) if rebuilding else set()
        new, stored = _SummaryRows(), _SummaryRows()
        for trajectory_id, trajectory in trajectories.items():
            (new if trajectory_id in first else stored).add(trajectory, self.route_of(trajectory))
        if not rebuilding:  # a rebuild counts the summaries once, at the end
            count_changes(session, list(trajectories), stored.summaries)
        insert_rows(session, trajectory_summaries, new.summaries)
        insert_rows(session, placement_summaries, new.placements)
        insert_rows(session, deviation_summaries, new.deviations)
        insert_rows(session, norm_overruns, new.norms)
        upsert(session, trajectory_summaries, stored.summaries, ["trajectory_id"])
        upsert(session, placement_summaries, stored.placements, ["placement_id"])
        upsert(session, deviation_summaries, stored.deviations, ["deviation_id"])
        replace_rows(session, norm_overruns, "trajectory_id", [i for i in trajectories if i not in first], stored.norms, bulk=True)

    def start_rebuild(self) -> None:
        self._written.clear()

    def rebuilt(self, session: Session) -> None:
        recount_trajectories(session)


@dataclass
class _SummaryRows:
    summaries: list[dict[str, Any]] = field(default_factory=list)
    placements: list[dict[str, Any]] = field(default_factory=list)
    deviations: list[dict[str, Any]] = field(default_factory=list)
    norms: list[dict[str, Any]] = field(default_factory=list)

    def add(self, trajectory: Trajectory, route: EffectiveRoute) -> None:
        self.summaries.append(summary_row(trajectory, route.terms))
        self.placements.extend(placement_rows(trajectory))
        self.deviations.extend(deviation_rows(trajectory))
        self.norms.extend(norm_rows(trajectory, route))


_COUNT_KEY = ("municipality", "stage", "status", "target_group")


def count_changes(session: Session, ids: list[UUID], summaries: list[dict[str, Any]]) -> None:
    """Move ``trajectory_counts`` by the new summaries minus the stored ones; before the upsert."""
    t = trajectory_summaries
    changes: dict[tuple, int] = defaultdict(int)
    for i in range(0, len(ids), 2000):
        for row in session.execute(select(*(t.c[k] for k in _COUNT_KEY)).where(t.c.trajectory_id.in_(ids[i : i + 2000]))):
            changes[tuple(row)] -= 1
    for summary in summaries:
        changes[tuple(summary[k] for k in _COUNT_KEY)] += 1
    add_counts(session, trajectory_counts, _COUNT_KEY,
               [{**dict(zip(_COUNT_KEY, key, strict=True)), "n": n} for key, n in sorted(changes.items()) if n], ("n",))


def recount_trajectories(session: Session) -> None:
    """Replace the counts by those of the summaries (after a rebuild, and in the migration)."""
    t = trajectory_summaries
    session.execute(delete(trajectory_counts))
    session.execute(trajectory_counts.insert().from_select(
        [*_COUNT_KEY, "n"], select(*(t.c[k] for k in _COUNT_KEY), func.count()).group_by(*(t.c[k] for k in _COUNT_KEY))
    ))


@dataclass
class Funnel(TrajectoryProjection):
    """Per trajectory: each stage entered and completed, and each drop-out; and their counts
    per municipality and for the country (``adapters.funnel_counts``)."""

    name: str = "funnel"
    tables: Sequence[Table] = (stage_facts, drop_out_facts, *COUNT_TABLES)

    def write(self, session: Session, trajectories: dict[UUID, Trajectory], *, rebuilding: bool = False) -> None:
        stages, drop_outs = [], []
        for trajectory in trajectories.values():
            scope = {
                "trajectory_id": trajectory.id,
                "municipality": trajectory.municipality,
                "cohort": cohort_of(trajectory.registered_on),
                "target_group": str(trajectory.target_group),
            }
            for fact in domain_stage_facts(trajectory):
                stages.append(
                    {
                        **scope,
                        "stage": str(fact.stage),
                        "entered_on": fact.entered_on,
                        "completed_on": fact.completed_on,
                        "skipped": fact.skipped,
                        "lead_days": fact.lead_days,
                    }
                )
            for drop_out in domain_drop_out_facts(trajectory):
                drop_outs.append({**scope, "sequence": drop_out.sequence, "stage": str(drop_out.stage), "reason": drop_out.reason,
                                  "dropped_on": drop_out.on})
        if not rebuilding:  # a rebuild counts the facts once, at the end
            update_counts(session, trajectories, stages, drop_outs)
        replace_rows(session, stage_facts, "trajectory_id", trajectories, stages, bulk=True)
        replace_rows(session, drop_out_facts, "trajectory_id", trajectories, drop_outs, bulk=True)

    def rebuilt(self, session: Session) -> None:
        recount(session)


def summary_row(trajectory: Trajectory, terms: MilestoneTerms | RouteTerms) -> dict[str, Any]:
    open_check_ins = trajectory.open_check_ins(terms)
    return {
        "trajectory_id": trajectory.id,
        "municipality": trajectory.municipality,
        "target_group": str(trajectory.target_group),
        "stage": str(trajectory.stage),
        "status": str(trajectory.status),
        "registered_on": trajectory.registered_on,
        "last_step_on": trajectory.last_step_on,
        "version": trajectory.version,
        "cohort": cohort_of(trajectory.registered_on),
        "stalled_since": trajectory.stalled_since if trajectory.is_stalled else None,
        "check_in_due_on": min(open_check_ins, default=None),
        "next_milestone_on": trajectory.next_milestone_on(terms),
        "route_model": trajectory.route_model,
        "route_variant": trajectory.route_variant,
    }


def norm_rows(trajectory: Trajectory, route: EffectiveRoute) -> Iterable[dict[str, Any]]:
    for norm in running_norms(trajectory, route):
        yield {
            "trajectory_id": trajectory.id,
            "norm": norm.norm,
            "municipality": trajectory.municipality,
            "stage": str(norm.stage),
            "started_on": norm.started_on,
            "norm_weeks": norm.norm_weeks,
            "within_until": norm.within_until,
            "ends_on": norm.ends_on,
        }


def placement_rows(trajectory: Trajectory) -> Iterable[dict[str, Any]]:
    for p in trajectory.placements.values():
        yield {
            "placement_id": p.placement_id,
            "trajectory_id": trajectory.id,
            "municipality": trajectory.municipality,
            "employer_kvk": p.employer_kvk,
            "employer_name": p.employer_name,
            "function": p.function,
            "hours_per_week": p.hours_per_week,
            "level": str(p.level),
            "status": str(p.status),
            "proposed_on": p.proposed_on,
            "confirmed_on": p.confirmed_on,
            "declined_on": p.declined_on,
            "contract_start_on": p.contract_start_on,
            "ended_on": p.ended_on,
            "lasting_on": trajectory.lasting_placements.get(p.placement_id),
        }


def deviation_rows(trajectory: Trajectory) -> Iterable[dict[str, Any]]:
    for d in trajectory.deviations:
        yield {
            "deviation_id": d["id"],
            "trajectory_id": trajectory.id,
            "municipality": trajectory.municipality,
            "rule": str(d["rule"]),
            "starts_on": d["on"],
            "ends_on": d["until"],
            "granted_by": d["granted_by"],
        }


