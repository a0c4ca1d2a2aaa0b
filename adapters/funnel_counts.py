"""The funnel's counts, kept up to date from the funnel projection's facts.

``stage_facts`` and ``drop_out_facts`` hold one row per trajectory and stage and per drop-out;
a funnel that grouped them on every request would read the whole population. The counts tables
hold their sums per municipality, cohort, target group and stage (and once more for the whole
country, under the reserved municipality ``NATIONAL``), so a funnel reads rows per cohort,
target group and stage, not per route. Lead times are a histogram (a row per distinct number of
days), which stops growing once every value occurs, and the same histogram in buckets of
``LEAD_BUCKET_DAYS`` days, through which a funnel reads only the part of the histogram that
holds its percentiles.

A batch of the projection replaces some trajectories' facts: the counts change by the new facts
minus the old ones, added in the same transaction with ``INSERT … ON CONFLICT DO UPDATE SET
n = n + excluded.n``. A rebuild fills the facts first and sums them at the end (``recount``).
Both histograms change in the same transaction, by the same facts, so a bucket's count is always
the sum of its days' counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, case, delete, func, literal, literal_column, select, tuple_
from sqlalchemy.orm import Session

from adapters.tables import (
    LEAD_BUCKET_DAYS,
    NATIONAL,
    drop_out_facts,
    funnel_drop_out_counts,
    funnel_lead_buckets,
    funnel_lead_days,
    funnel_stage_counts,
    stage_facts,
)
from adapters.upserts import add_counts

COUNT_TABLES: tuple[Table, ...] = (funnel_stage_counts, funnel_lead_days, funnel_lead_buckets, funnel_drop_out_counts)

_SCOPE = ("municipality", "cohort", "target_group")
_STAGE_KEY = (*_SCOPE, "stage")
_LEAD_KEY = (*_SCOPE, "stage", "lead_days")
_BUCKET_KEY = (*_SCOPE, "stage", "from_days")
_DROP_KEY = (*_SCOPE, "stage", "reason")
_STAGE_VALUES = ("facts", "entered", "completed", "skipped")


class CountChanges:
    """Per key of each counts table, how much its counts change."""

    def __init__(self) -> None:
        self.stages: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        self.lead_days: dict[tuple, int] = defaultdict(int)
        self.lead_buckets: dict[tuple, int] = defaultdict(int)
        self.drop_outs: dict[tuple, int] = defaultdict(int)

    def add_stage_fact(self, row: Mapping[Any, Any], sign: int) -> None:
        for municipality in (row["municipality"], NATIONAL):
            key = (municipality, row["cohort"], row["target_group"], row["stage"])
            counts = self.stages[key]
            counts[0] += sign
            counts[1] += sign * (row["entered_on"] is not None)
            counts[2] += sign * (row["completed_on"] is not None)
            counts[3] += sign * bool(row["skipped"])
            if row["lead_days"] is not None:
                self.lead_days[(*key, row["lead_days"])] += sign
                self.lead_buckets[(*key, bucket_of(row["lead_days"]))] += sign

    def add_drop_out_fact(self, row: Mapping[Any, Any], sign: int) -> None:
        for municipality in (row["municipality"], NATIONAL):
            self.drop_outs[(municipality, row["cohort"], row["target_group"], row["stage"], row["reason"])] += sign

    def apply(self, session: Session) -> None:
        stage_rows = {key: counts for key, counts in self.stages.items() if any(counts)}
        _add(session, funnel_stage_counts, _STAGE_KEY,
             [{**dict(zip(_STAGE_KEY, key, strict=True)), **dict(zip(_STAGE_VALUES, counts, strict=True))} for key, counts in sorted(stage_rows.items())],
             emptied=[key for key, counts in stage_rows.items() if counts[0] < 0], counter="facts")
        _add_counter(session, funnel_lead_days, _LEAD_KEY, self.lead_days)
        _add_counter(session, funnel_lead_buckets, _BUCKET_KEY, self.lead_buckets)
        _add_counter(session, funnel_drop_out_counts, _DROP_KEY, self.drop_outs)


def bucket_of(lead_days: int) -> int:
    """The first day of the lead-time bucket that holds ``lead_days`` (rounded down, also below
    zero)."""
    return lead_days - lead_days % LEAD_BUCKET_DAYS


def bucket_of_column(lead_days: ColumnElement[int]) -> ColumnElement[int]:
    """``bucket_of`` in SQL: ``%`` keeps the dividend's sign on PostgreSQL and SQLite, so the
    remainder is made non-negative before it is taken off. The width is written out (no bound
    parameter), so that the same expression in the SELECT list and the GROUP BY is one."""
    width: ColumnElement[int] = literal_column(str(LEAD_BUCKET_DAYS))
    return lead_days - (lead_days % width + width) % width


def update_counts(
    session: Session,
    trajectory_ids: Iterable[Any],
    new_stages: Sequence[Mapping[str, Any]],
    new_drop_outs: Sequence[Mapping[str, Any]],
) -> None:
    """Change the counts by the trajectories' new facts minus the ones now in the fact tables;
    call before the fact rows are replaced."""
    ids = list(trajectory_ids)
    changes = CountChanges()
    if ids:
        s, d = stage_facts, drop_out_facts
        old_stages = session.execute(
            select(s.c.municipality, s.c.cohort, s.c.target_group, s.c.stage, s.c.entered_on, s.c.completed_on,
                   s.c.skipped, s.c.lead_days).where(s.c.trajectory_id.in_(ids))
        ).mappings()
        for old in old_stages:
            changes.add_stage_fact(old, -1)
        old_drop_outs = session.execute(
            select(d.c.municipality, d.c.cohort, d.c.target_group, d.c.stage, d.c.reason).where(d.c.trajectory_id.in_(ids))
        ).mappings()
        for old in old_drop_outs:
            changes.add_drop_out_fact(old, -1)
    for row in new_stages:
        changes.add_stage_fact(row, 1)
    for row in new_drop_outs:
        changes.add_drop_out_fact(row, 1)
    changes.apply(session)


def _add_counter(session: Session, table: Table, keys: Sequence[str], changes: Mapping[tuple, int]) -> None:
    rows = [{**dict(zip(keys, key, strict=True)), "count": n} for key, n in sorted(changes.items()) if n]
    _add(session, table, keys, rows, emptied=[key for key, n in changes.items() if n < 0], counter="count")


def _add(
    session: Session, table: Table, keys: Sequence[str], rows: list[dict[str, Any]], *, emptied: list[tuple], counter: str
) -> None:
    """Add ``rows``' counts to the table's rows with the same key (a new key starts at zero), then
    delete the rows of ``emptied`` (keys whose counts went down) that no longer count anything."""
    if not rows:
        return
    add_counts(session, table, keys, rows, [c for c in rows[0] if c not in keys])
    if emptied:
        session.execute(
            delete(table).where(tuple_(*(table.c[k] for k in keys)).in_(sorted(emptied)), table.c[counter] <= 0)
        )


def recount(session: Session) -> None:
    """Replace the counts by the sums of the fact tables (after a rebuild, and in the migration)."""
    for table in COUNT_TABLES:
        session.execute(delete(table))
    for statement in recount_statements():
        session.execute(statement)
    session.execute(buckets_from_lead_days())


def buckets_from_lead_days() -> Any:
    """INSERT … SELECT of the bucketed histogram from the histogram per day, after ``recount``'s
    statements (migration 0019 fills the table with the same SQL)."""
    lead = funnel_lead_days
    from_days = bucket_of_column(lead.c.lead_days)
    scope = (lead.c.municipality, lead.c.cohort, lead.c.target_group, lead.c.stage)
    return funnel_lead_buckets.insert().from_select(
        [*_BUCKET_KEY, "count"], select(*scope, from_days, func.sum(lead.c.count)).group_by(*scope, from_days)
    )


def recount_statements() -> list[Any]:
    """INSERT … SELECT … GROUP BY for each counts table, per municipality and for the country."""
    s, d = stage_facts, drop_out_facts
    statements = []
    for per_municipality in (True, False):
        municipality = (s.c.municipality if per_municipality else literal(NATIONAL)).label("municipality")
        by = [s.c.municipality] if per_municipality else []
        scope = (municipality, s.c.cohort, s.c.target_group, s.c.stage)
        statements.append(funnel_stage_counts.insert().from_select(
            [*_STAGE_KEY, *_STAGE_VALUES],
            select(*scope, func.count(), func.count(s.c.entered_on), func.count(s.c.completed_on),
                   func.coalesce(func.sum(case((s.c.skipped, 1), else_=0)), 0))
            .group_by(*by, s.c.cohort, s.c.target_group, s.c.stage),
        ))
        statements.append(funnel_lead_days.insert().from_select(
            [*_LEAD_KEY, "count"],
            select(*scope, s.c.lead_days, func.count()).where(s.c.lead_days.is_not(None))
            .group_by(*by, s.c.cohort, s.c.target_group, s.c.stage, s.c.lead_days),
        ))
        municipality = (d.c.municipality if per_municipality else literal(NATIONAL)).label("municipality")
        by = [d.c.municipality] if per_municipality else []
        statements.append(funnel_drop_out_counts.insert().from_select(
            [*_DROP_KEY, "count"],
            select(municipality, d.c.cohort, d.c.target_group, d.c.stage, d.c.reason, func.count())
            .group_by(*by, d.c.cohort, d.c.target_group, d.c.stage, d.c.reason),
        ))
    return statements
