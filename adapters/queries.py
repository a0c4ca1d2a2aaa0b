"""Queries on the read models: lists with filters, deterministic order and pagination."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select

from adapters.database import read_session
from adapters.regions import UNMAPPED
from adapters.tables import (
    NATIONAL,
    deviation_summaries,
    funnel_drop_out_counts,
    funnel_lead_days,
    funnel_stage_counts,
    municipality_regions,
    placement_summaries,
    trajectory_summaries,
)
from domain.funnel import percentile_of_counts


@dataclass(frozen=True)
class PageRequest:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True)
class PageResult:
    rows: list[dict[str, Any]]
    total: int


def _paged(url: str, query: Select, order: list[Any], page: PageRequest) -> PageResult:
    with read_session(url) as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(query.order_by(*order).limit(page.page_size).offset(page.offset)).mappings().all()
    return PageResult([dict(r) for r in rows], total)


def list_trajectories(
    url: str,
    page: PageRequest,
    *,
    municipality: str | None = None,
    stage: str | None = None,
    status: str | None = None,
    target_group: str | None = None,
) -> PageResult:
    t = trajectory_summaries
    query = select(t)
    if municipality is not None:
        query = query.where(t.c.municipality == municipality)
    if stage is not None:
        query = query.where(t.c.stage == stage)
    if status is not None:
        query = query.where(t.c.status == status)
    if target_group is not None:
        query = query.where(t.c.target_group == target_group)
    return _paged(url, query, [t.c.registered_on.desc(), t.c.trajectory_id], page)


def list_placements(
    url: str,
    page: PageRequest,
    *,
    employer_kvk: str | None = None,
    municipality: str | None = None,
    status: str | None = None,
) -> PageResult:
    p = placement_summaries
    query = select(p)
    if employer_kvk is not None:
        query = query.where(p.c.employer_kvk == employer_kvk)
    if municipality is not None:
        query = query.where(p.c.municipality == municipality)
    if status is not None:
        query = query.where(p.c.status == status)
    return _paged(url, query, [p.c.proposed_on.desc(), p.c.placement_id], page)


# --- the klantmanager's worklist ----------------------------------------------------------------


@dataclass(frozen=True)
class Worklist:
    placements_awaiting_employer: list[dict[str, Any]]
    check_ins_due: list[dict[str, Any]]
    stalled_routes: list[dict[str, Any]]
    deviations_ending_soon: list[dict[str, Any]]


def worklist(url: str, municipality: str, *, today: date, deviation_horizon: date, limit: int) -> Worklist:
    t, p, d = trajectory_summaries, placement_summaries, deviation_summaries
    with read_session(url) as session:
        awaiting = session.execute(
            select(p)
            .where(p.c.municipality == municipality, p.c.status == "proposed")
            .order_by(p.c.proposed_on, p.c.placement_id)
            .limit(limit)
        ).mappings().all()
        check_ins = session.execute(
            select(t.c.trajectory_id, t.c.check_in_due_on, t.c.stage)
            .where(t.c.municipality == municipality, t.c.check_in_due_on.is_not(None), t.c.check_in_due_on <= today)
            .order_by(t.c.check_in_due_on, t.c.trajectory_id)
            .limit(limit)
        ).mappings().all()
        stalled = session.execute(
            select(t.c.trajectory_id, t.c.stage, t.c.last_step_on, t.c.stalled_since)
            .where(t.c.municipality == municipality, t.c.stalled_since.is_not(None), t.c.status == "active")
            .order_by(t.c.last_step_on, t.c.trajectory_id)
            .limit(limit)
        ).mappings().all()
        ending = session.execute(
            select(d)
            .where(d.c.municipality == municipality, d.c.ends_on >= today, d.c.ends_on <= deviation_horizon)
            .order_by(d.c.ends_on, d.c.deviation_id)
            .limit(limit)
        ).mappings().all()
    return Worklist([dict(r) for r in awaiting], [dict(r) for r in check_ins], [dict(r) for r in stalled], [dict(r) for r in ending])


# --- the pipeline funnel ------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelScope:
    municipality: str | None = None
    region: str | None = None
    cohort: str | None = None
    target_group: str | None = None


@dataclass
class FunnelGroup:
    cohort: str
    target_group: str
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    drop_outs: list[dict[str, Any]] = field(default_factory=list)


def _scoped(query: Select, table: Any, scope: FunnelScope) -> Select:
    """The rows of the scope in a counts table: the country's own rows, or those of the
    municipality or of the region's municipalities (summed by the caller's GROUP BY)."""
    if scope.municipality is None and scope.region is None:
        query = query.where(table.c.municipality == NATIONAL)
    else:
        query = query.where(table.c.municipality != NATIONAL)
    if scope.municipality is not None:
        query = query.where(table.c.municipality == scope.municipality)
    if scope.region is not None:
        region = municipality_regions
        if scope.region == UNMAPPED:
            query = query.where(~table.c.municipality.in_(select(region.c.municipality)))
        else:
            query = query.where(table.c.municipality.in_(select(region.c.municipality).where(region.c.region == scope.region)))
    if scope.cohort is not None:
        query = query.where(table.c.cohort == scope.cohort)
    if scope.target_group is not None:
        query = query.where(table.c.target_group == scope.target_group)
    return query


def funnel(url: str, scope: FunnelScope) -> list[FunnelGroup]:
    """The funnel from the counts the funnel projection keeps (``adapters.funnel_counts``): a
    number of rows that depends on the cohorts, stages and (for a region) its municipalities, not
    on the number of routes."""
    s, l, d = funnel_stage_counts, funnel_lead_days, funnel_drop_out_counts
    counts = _scoped(
        select(
            s.c.cohort,
            s.c.target_group,
            s.c.stage,
            func.sum(s.c.entered).label("entered"),
            func.sum(s.c.completed).label("completed"),
            func.sum(s.c.skipped).label("skipped"),
        ).where(s.c.facts > 0).group_by(s.c.cohort, s.c.target_group, s.c.stage),
        s,
        scope,
    )
    # Lead times as (value, how often) per group: the percentiles need the distribution, not
    # every value (a few hundred distinct values however large the population grows).
    lead_times = _scoped(
        select(l.c.cohort, l.c.target_group, l.c.stage, l.c.lead_days, func.sum(l.c.count).label("count"))
        .where(l.c.count > 0)
        .group_by(l.c.cohort, l.c.target_group, l.c.stage, l.c.lead_days),
        l,
        scope,
    )
    drops = _scoped(
        select(d.c.cohort, d.c.target_group, d.c.stage, d.c.reason, func.sum(d.c.count).label("count"))
        .where(d.c.count > 0)
        .group_by(d.c.cohort, d.c.target_group, d.c.stage, d.c.reason),
        d,
        scope,
    )
    groups: dict[tuple[str, str], FunnelGroup] = {}

    def group(cohort: str, target_group: str) -> FunnelGroup:
        key = (cohort, target_group)
        if key not in groups:
            groups[key] = FunnelGroup(cohort, target_group)
        return groups[key]

    with read_session(url) as session:
        for row in session.execute(counts):
            group(row.cohort, row.target_group).stages[row.stage] = {
                "entered": int(row.entered),
                "completed": int(row.completed),
                "skipped": int(row.skipped or 0),
                "lead_days": [],
            }
        for row in session.execute(lead_times):
            group(row.cohort, row.target_group).stages[row.stage]["lead_days"].append((row.lead_days, int(row.count)))
        for row in session.execute(drops):
            group(row.cohort, row.target_group).drop_outs.append(
                {"stage": row.stage, "reason": row.reason, "count": int(row.count)}
            )
    for item in groups.values():
        for stats in item.stages.values():
            values = sorted(stats.pop("lead_days"))  # here, not in SQL: no collation-aware sort
            stats["median_lead_days"] = percentile_of_counts(values, 0.5)
            stats["p90_lead_days"] = percentile_of_counts(values, 0.9)
        item.drop_outs.sort(key=lambda r: (r["stage"], r["reason"]))
    return [groups[key] for key in sorted(groups)]
