"""Queries on the read models: lists with filters, deterministic order and pagination."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Integer, Select, and_, cast, func, literal, or_, select

from adapters.database import read_session
from adapters.regions import UNMAPPED
from adapters.tables import (
    LEAD_BUCKET_DAYS,
    NATIONAL,
    deviation_summaries,
    funnel_drop_out_counts,
    funnel_lead_buckets,
    funnel_lead_days,
    funnel_stage_counts,
    money_agreements,
    money_claims,
    municipality_regions,
    norm_overruns,
    placement_summaries,
    trajectory_counts,
    trajectory_summaries,
)
from domain.access import AgreementScope, ClaimScope, PlacementScope, TrajectoryScope
from domain.funnel import percentile_of_counts
from domain.values import Stage
from leerroute.route_migrations import PinnedRoute


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


def _paged(url: str, query: Select, order: list[Any], page: PageRequest, *, total: Select | None = None) -> PageResult:
    with read_session(url) as session:
        counted = total if total is not None else select(func.count()).select_from(query.subquery())
        found = int(session.execute(counted).scalar_one())
        rows = session.execute(query.order_by(*order).limit(page.page_size).offset(page.offset)).mappings().all()
    return PageResult([dict(r) for r in rows], found)


def list_trajectories(
    url: str,
    page: PageRequest,
    scope: TrajectoryScope,
    *,
    stage: str | None = None,
    status: str | None = None,
    target_group: str | None = None,
) -> PageResult:
    t, n = trajectory_summaries, trajectory_counts
    query, total = select(t), select(func.coalesce(func.sum(n.c.n), 0))
    for column, value in (("municipality", scope.municipality), ("stage", stage), ("status", status), ("target_group", target_group)):
        if value is not None:
            query, total = query.where(t.c[column] == value), total.where(n.c[column] == value)
    # The total from the counts the projection keeps with the summaries: a few rows, not a count
    # of every route of the municipality.
    return _paged(url, query, [t.c.registered_on.desc(), t.c.trajectory_id], page, total=total)


def list_placements(
    url: str,
    page: PageRequest,
    scope: PlacementScope,
    *,
    status: str | None = None,
) -> PageResult:
    p = placement_summaries
    query = select(p)
    if scope.employer_kvk is not None:
        query = query.where(p.c.employer_kvk == scope.employer_kvk)
    if scope.municipality is not None:
        query = query.where(p.c.municipality == scope.municipality)
    if status is not None:
        query = query.where(p.c.status == status)
    return _paged(url, query, [p.c.proposed_on.desc(), p.c.placement_id], page)


# --- agreements and claims ---------------------------------------------------------------------


def agreement_ids(url: str, scope: AgreementScope) -> list[UUID]:
    """The agreements a list may hold, in the order they were concluded."""
    a = money_agreements
    query = select(a.c.agreement_id).order_by(a.c.concluded_on, a.c.agreement_id)
    if scope.party is not None:
        mine = (a.c.payer == scope.party) | (a.c.claimant == scope.party)
        if scope.unnamed_claimant:
            mine = mine | (a.c.claimant.is_(None) & (a.c.payer_kind == "fund"))
        query = query.where(mine)
    with read_session(url) as session:
        return list(session.execute(query).scalars())


def list_claims(url: str, page: PageRequest, scope: ClaimScope) -> list[dict[str, Any]]:
    """The claims of the scope, in the order they were filed."""
    c = money_claims
    query = select(c)
    if scope.party is not None:
        mine = (c.c.payer == scope.party) | (c.c.claimant == scope.party)
        if scope.municipality is not None:
            mine = mine | (c.c.municipality == scope.municipality)
        query = query.where(mine)
    query = query.order_by(c.c.filed_on, c.c.claim_id).offset(page.offset).limit(page.page_size)
    with read_session(url) as session:
        return [dict(r) for r in session.execute(query).mappings()]



def due_trajectories(url: str, today: date) -> list[UUID]:
    """The trajectories whose next time-driven milestone falls due by ``today``, soonest first."""
    t = trajectory_summaries
    with read_session(url) as session:
        return list(
            session.execute(select(t.c.trajectory_id).where(t.c.next_milestone_on <= today).order_by(t.c.next_milestone_on)).scalars()
        )


def pinned_routes(url: str, route_model: UUID | None, region: str | None) -> list[PinnedRoute]:
    """The routes pinned to ``route_model`` (any when None) in the municipalities of ``region``
    (every one when None), oldest registration first."""
    t = trajectory_summaries
    query = select(t.c.trajectory_id, t.c.municipality, t.c.route_model, t.c.route_variant)
    if route_model is not None:
        query = query.where(t.c.route_model == route_model)
    if region is not None:
        region_table = municipality_regions
        query = query.where(t.c.municipality.in_(select(region_table.c.municipality).where(region_table.c.region == region)))
    with read_session(url) as session:
        rows = session.execute(query.order_by(t.c.registered_on, t.c.trajectory_id)).all()
    return [PinnedRoute(r.trajectory_id, r.municipality, r.route_model, r.route_variant) for r in rows]


# --- the klantmanager's worklist ----------------------------------------------------------------


@dataclass(frozen=True)
class Worklist:
    placements_awaiting_employer: list[dict[str, Any]]
    check_ins_due: list[dict[str, Any]]
    stalled_routes: list[dict[str, Any]]
    deviations_ending_soon: list[dict[str, Any]]
    # Stages (or the practice component) running past the norm of the route's model.
    over_norm: list[dict[str, Any]] = field(default_factory=list)


def worklist(url: str, municipality: str, *, today: date, deviation_horizon: date, limit: int) -> Worklist:
    t, p, d, n = trajectory_summaries, placement_summaries, deviation_summaries, norm_overruns
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
        over = session.execute(
            select(n)
            .where(n.c.municipality == municipality, n.c.within_until < today, n.c.ends_on.is_(None) | (n.c.ends_on > today))
            .order_by(n.c.within_until, n.c.trajectory_id, n.c.norm)
            .limit(limit)
        ).mappings().all()
    return Worklist([dict(r) for r in awaiting], [dict(r) for r in check_ins], [dict(r) for r in stalled], [dict(r) for r in ending],
                    [dict(r) for r in over])


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


def registered_in_years(url: str, scope: FunnelScope, years: list[int]) -> dict[int, dict[str, int]]:
    """Per year, the routes registered in it by target group (from the funnel's counts: the
    ``registered`` stage of the year's four cohorts), in the scope's municipalities."""
    s = funnel_stage_counts
    year = func.substr(s.c.cohort, 1, 4)
    summed = select(year, s.c.target_group, func.sum(s.c.entered)).where(
        s.c.stage == str(Stage.REGISTERED), year.in_([str(y) for y in years])
    )
    query = _scoped(summed, s, replace(scope, cohort=None, target_group=None)).group_by(year, s.c.target_group)
    found: dict[int, dict[str, int]] = {y: {} for y in years}
    with read_session(url) as session:
        for cohort_year, target_group, entered in session.execute(query).all():
            found[int(cohort_year)][target_group] = int(entered or 0)
    return found


_PERCENTILES = (0.5, 0.9)


def _around_percentiles(buckets: Select, scope: FunnelScope, summed: bool) -> Select:
    """Of the scope's lead-time histogram, only the rows that can hold the values the
    percentiles read, with the running count up to each and the group's total. ``buckets`` (the
    scope's rows of ``funnel_lead_buckets``: cohort, target group, stage, first day, count) give
    each group's total and the buckets that hold the positions a little either side of each
    percentile's (in SQL the position may round where Python's truncates); of
    ``funnel_lead_days`` only those buckets' rows are read (a range of its primary key each),
    and a row's running count is the count before its bucket plus the running count within it.
    The rows read are a few buckets per group and at most LEAD_BUCKET_DAYS days in each, however
    many distinct numbers of days a group has; of those days only the few around the
    percentiles' positions are returned."""
    b = buckets.subquery()
    group = [b.c.cohort, b.c.target_group, b.c.stage]
    count = b.c[b.c.keys()[-1]]
    upto = func.sum(count).over(partition_by=group, order_by=b.c.from_days).label("upto")
    total = func.sum(count).over(partition_by=group).label("total")
    w = select(*group, b.c.from_days, count.label("n"), upto, total).subquery()
    held = select(w.c.cohort, w.c.target_group, w.c.stage, w.c.from_days, (w.c.upto - w.c.n).label("before"),
                  w.c.total).where(_near_percentiles(w.c.upto, w.c.n, w.c.total)).subquery()

    lead = funnel_lead_days
    keys = [lead.c.cohort, lead.c.target_group, lead.c.stage, lead.c.lead_days, held.c.from_days, held.c.before, held.c.total]
    in_held = and_(lead.c.cohort == held.c.cohort, lead.c.target_group == held.c.target_group, lead.c.stage == held.c.stage,
                   lead.c.lead_days >= held.c.from_days, lead.c.lead_days < held.c.from_days + LEAD_BUCKET_DAYS)
    days = _scoped(
        select(*keys, (func.sum(lead.c.count) if summed else lead.c.count).label("n"))
        .select_from(lead).join(held, in_held).where(lead.c.count > 0),
        lead, scope,
    )
    d = (days.group_by(*keys) if summed else days).subquery()
    within = func.sum(d.c.n).over(partition_by=[d.c.cohort, d.c.target_group, d.c.stage, d.c.from_days], order_by=d.c.lead_days)
    r = select(d.c.cohort, d.c.target_group, d.c.stage, d.c.lead_days, d.c.n, (d.c.before + within).label("upto"),
               d.c.total).subquery()
    return select(r.c.cohort, r.c.target_group, r.c.stage, r.c.lead_days, r.c.upto, r.c.total).where(
        _near_percentiles(r.c.upto, r.c.n, r.c.total)
    )


def _near_percentiles(upto: Any, n: Any, total: Any) -> Any:
    """Whether the ``n`` values up to the running count ``upto`` (of ``total``) include a
    position a little either side of a percentile's: a row holds the positions from upto - n to
    upto - 1 (from zero), and a percentile reads those at and after its position."""
    near = []
    for fraction in _PERCENTILES:
        position = cast(literal(fraction) * (total - 1), Integer)
        near.append((upto > position - 2) & (upto - n <= position + 3))
    return or_(*near)


def _value_counts(rows: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """(days, count) pairs that give the percentiles of the whole histogram from the rows kept
    around them: each kept row counts the values since the kept row before it (the ones between
    fall outside every percentile's positions), the last one up to the total."""
    rows.sort()  # here, not in SQL: no collation-aware sort
    values, before = [], 0
    for days, upto, _total in rows:
        values.append((days, upto - before))
        before = upto
    if rows and before < rows[-1][2]:
        values.append((rows[-1][0], rows[-1][2] - before))
    return values


def funnel(url: str, scope: FunnelScope) -> list[FunnelGroup]:
    """The funnel from the counts the funnel projection keeps (``adapters.funnel_counts``): rows
    per cohort, target group and stage (and, for lead times, per bucket of days and per day in
    the buckets that hold the percentiles), not per route; a region adds up its municipalities'
    rows."""
    s, lead, d = funnel_stage_counts, funnel_lead_buckets, funnel_drop_out_counts
    # The country and a municipality have one row per key; a region adds up its municipalities'.
    summed = scope.region is not None

    def total(column: Any) -> Any:
        return func.sum(column) if summed else column

    def query(table: Any, keys: list[Any], values: list[Any], present: Any) -> Select:
        statement = _scoped(select(*keys, *(total(v) for v in values)).where(present), table, scope)
        return statement.group_by(*keys) if summed else statement

    counts = query(
        s, [s.c.cohort, s.c.target_group, s.c.stage], [s.c.entered, s.c.completed, s.c.skipped], s.c.facts > 0
    )
    # Lead times as (value, how often) per group, only around the percentiles' positions: the
    # percentiles need the distribution there, not every value.
    lead_times = _around_percentiles(
        query(lead, [lead.c.cohort, lead.c.target_group, lead.c.stage, lead.c.from_days], [lead.c.count], lead.c.count > 0),
        scope, summed,
    )
    drops = query(d, [d.c.cohort, d.c.target_group, d.c.stage, d.c.reason], [d.c.count], d.c.count > 0)

    groups: dict[tuple[str, str], FunnelGroup] = {}
    histograms: dict[tuple[str, str, str], list[tuple[int, int, int]]] = {}

    def group(cohort: str, target_group: str) -> FunnelGroup:
        key = (cohort, target_group)
        if key not in groups:
            groups[key] = FunnelGroup(cohort, target_group)
        return groups[key]

    with read_session(url) as session:
        for cohort, target_group, stage, entered, completed, skipped in session.execute(counts).all():
            group(cohort, target_group).stages[stage] = {
                "entered": int(entered), "completed": int(completed), "skipped": int(skipped or 0)
            }
            histograms[(cohort, target_group, stage)] = []
        for cohort, target_group, stage, lead_days, upto, whole in session.execute(lead_times).all():
            histograms[(cohort, target_group, stage)].append((lead_days, int(upto), int(whole)))
        for cohort, target_group, stage, reason, count in session.execute(drops).all():
            group(cohort, target_group).drop_outs.append({"stage": stage, "reason": reason, "count": int(count)})
    for (cohort, target_group, stage), rows in histograms.items():
        values = _value_counts(rows)
        stats = groups[(cohort, target_group)].stages[stage]
        stats["median_lead_days"] = percentile_of_counts(values, 0.5)
        stats["p90_lead_days"] = percentile_of_counts(values, 0.9)
    for item in groups.values():
        item.drop_outs.sort(key=lambda r: (r["stage"], r["reason"]))
    return [groups[key] for key in sorted(groups)]
