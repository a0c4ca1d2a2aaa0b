"""The bijstand savings as month aggregates, so a report reads a municipality's months, not its
routes, and still answers exactly as of any date and as known at any moment.

Per trajectory, ``domain.savings.savings_through_any_date`` gives its savings per month up to
the month its running period starts, and from then on the same amount every month (the
``rate``). With the intake as baseline, a completed month's savings follow from the benefit's
changes up to that month alone, so they no longer change with the report's date; they change
only when something about the benefit is recorded. So the money projection keeps, per
trajectory and recording moment, what that moment changed (``money_saving_changes``: the new
savings minus those known just before, per month and for the rate), and their sums per
municipality, recording month and month (``money_saving_totals``). A report known at a moment
adds the totals of the recording months before that moment's month and the changes recorded
in its month up to the moment; as of a date it keeps the months that date completes. ``n``
counts the trajectories that have the month at all (a month can save nothing after rounding
and still count, as ``monthly_savings`` gives it).

The last-before-exit baseline depends on later changes too; with it, reports derive the savings
from the trajectories as before (``aggregated``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Table, func, select, true
from sqlalchemy.orm import Session

from adapters.tables import money_saving_changes, money_saving_totals
from adapters.upserts import add_counts, insert_rows
from domain.money import AsOf, LoggedEvent, trajectory_facts
from domain.savings import MonthlySavings, SavingsBaseline, saving_periods, savings_through_any_date

MONTH, RATE = "month", "rate"
SAVINGS_EVENTS = ("TrajectoryRegistered", "BenefitReduced", "BenefitStopped", "BenefitResumed")

# (kind, month) -> [cents, n]
Contribution = dict[tuple[str, date], list[int]]


def aggregated(baseline: SavingsBaseline) -> bool:
    """Whether reports read the month aggregates under this baseline."""
    return baseline is SavingsBaseline.INTAKE


def _month(text: str) -> date:
    return date(int(text[:4]), int(text[5:7]), 1)


def _first_of_month(moment: datetime) -> date:
    utc = moment.astimezone(UTC)
    return date(utc.year, utc.month, 1)


def contribution(savings: MonthlySavings) -> Contribution:
    found: Contribution = {(MONTH, _month(m)): [cents, 1] for m, cents in savings.months.items()}
    if savings.rate_from is not None:
        found[(RATE, _month(savings.rate_from))] = [savings.rate, 1]
    return found


def changes_of(trajectory_id: UUID, events: Sequence[LoggedEvent]) -> dict[datetime, Contribution]:
    """Per recording moment of an event the savings read, what the savings known then differ
    from those known before (zero differences left out)."""
    moments = sorted({e.recorded_at for e in events if e.name in SAVINGS_EVENTS})
    changes: dict[datetime, Contribution] = {}
    before: Contribution = {}
    for moment in moments:
        facts = trajectory_facts(trajectory_id, events, AsOf(date.max, moment), "")
        now = contribution(savings_through_any_date(saving_periods(facts, SavingsBaseline.INTAKE))) if facts else {}
        delta: Contribution = {}
        for key in now.keys() | before.keys():
            new, old = now.get(key, [0, 0]), before.get(key, [0, 0])
            change = [new[0] - old[0], new[1] - old[1]]
            if change != [0, 0]:
                delta[key] = change
        if delta:
            changes[moment] = delta
        before = now
    return changes


def change_rows(trajectory_id: UUID, municipality: str, events: Sequence[LoggedEvent]) -> list[dict[str, Any]]:
    return [
        {"trajectory_id": trajectory_id, "recorded_at": moment.astimezone(UTC), "kind": kind, "month": month,
         "municipality": municipality, "cents": cents, "n": n}
        for moment, delta in changes_of(trajectory_id, events).items()
        for (kind, month), (cents, n) in sorted(delta.items())
    ]


def replace_changes(
    session: Session, trajectory_ids: Iterable[UUID], rows: Sequence[Mapping[str, Any]], *, none_stored: Collection[UUID] = ()
) -> None:
    """Replace the trajectories' change rows by ``rows``, and move the totals by the difference;
    ``none_stored``: trajectories known to have no change rows (a rebuild's first write of them)."""
    ids = list(trajectory_ids)
    if not ids:
        return
    c = money_saving_changes
    totals: dict[tuple[str, date, str, date], list[int]] = defaultdict(lambda: [0, 0])
    looked_up = [i for i in ids if i not in none_stored]
    old = session.execute(
        select(c.c.municipality, c.c.recorded_at, c.c.kind, c.c.month, c.c.cents, c.c.n).where(c.c.trajectory_id.in_(looked_up))
    ).all() if looked_up else []
    for municipality, recorded_at, kind, month, cents, n in old:
        key = (municipality, _first_of_month(_aware(recorded_at)), kind, month)
        totals[key][0] -= cents
        totals[key][1] -= n
    for row in rows:
        key = (row["municipality"], _first_of_month(row["recorded_at"]), row["kind"], row["month"])
        totals[key][0] += row["cents"]
        totals[key][1] += row["n"]
    if old:
        session.execute(c.delete().where(c.c.trajectory_id.in_(looked_up)))
    insert_rows(session, c, [dict(row) for row in rows])
    add_counts(
        session, money_saving_totals, ("municipality", "recorded_month", "kind", "month"),
        [{"municipality": k[0], "recorded_month": k[1], "kind": k[2], "month": k[3], "cents": v[0], "n": v[1]}
         for k, v in sorted(totals.items()) if v != [0, 0]],
        ("cents", "n"),
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _where_municipalities(table: Table, municipalities: Sequence[str] | None) -> Any:
    return table.c.municipality.in_(list(municipalities)) if municipalities is not None else true()


def known_contributions(
    session: Session, municipalities: Sequence[str] | None, known: datetime | None
) -> dict[str, Contribution]:
    """Per municipality (those named, or all), the sums of the change rows recorded up to
    ``known`` (None: all of them)."""
    t, c = money_saving_totals, money_saving_changes
    found: dict[str, Contribution] = defaultdict(dict)
    totals = select(t.c.municipality, t.c.kind, t.c.month, func.sum(t.c.cents), func.sum(t.c.n)).where(
        _where_municipalities(t, municipalities)
    )
    queries = []
    if known is None:
        queries.append(totals.group_by(t.c.municipality, t.c.kind, t.c.month))
    else:
        month = _first_of_month(known)
        queries.append(totals.where(t.c.recorded_month < month).group_by(t.c.municipality, t.c.kind, t.c.month))
        start = datetime(month.year, month.month, 1, tzinfo=UTC)
        queries.append(
            select(c.c.municipality, c.c.kind, c.c.month, func.sum(c.c.cents), func.sum(c.c.n))
            .where(_where_municipalities(c, municipalities), c.c.recorded_at >= start, c.c.recorded_at <= known.astimezone(UTC))
            .group_by(c.c.municipality, c.c.kind, c.c.month)
        )
    for query in queries:
        for municipality, kind, month, cents, n in session.execute(query):
            _add(found[municipality], (kind, month), int(cents), int(n))
    return found


def stored_changes(session: Session, trajectory_ids: Sequence[UUID], known: datetime | None) -> dict[UUID, Contribution]:
    """The change rows of some trajectories summed, up to ``known``."""
    c = money_saving_changes
    found: dict[UUID, Contribution] = defaultdict(dict)
    if not trajectory_ids:
        return found
    query = select(c.c.trajectory_id, c.c.kind, c.c.month, c.c.cents, c.c.n).where(c.c.trajectory_id.in_(list(trajectory_ids)))
    if known is not None:
        query = query.where(c.c.recorded_at <= known.astimezone(UTC))
    for trajectory_id, kind, month, cents, n in session.execute(query):
        _add(found[trajectory_id], (kind, month), int(cents), int(n))
    return found


def known_by(trajectory_id: UUID, events: Sequence[LoggedEvent], known: datetime | None) -> Contribution:
    """A trajectory's change rows summed up to ``known``, computed from its events."""
    total: Contribution = {}
    for moment, delta in changes_of(trajectory_id, events).items():
        if known is None or moment <= known:
            for key, (cents, n) in delta.items():
                _add(total, key, cents, n)
    return total


def _add(target: Contribution, key: tuple[str, date], cents: int, n: int) -> None:
    value = target.setdefault(key, [0, 0])
    value[0] += cents
    value[1] += n


def combine(into: Contribution, other: Mapping[tuple[str, date], Sequence[int]], sign: int = 1) -> None:
    for key, (cents, n) in other.items():
        _add(into, key, sign * cents, sign * n)


def months_through(total: Contribution, through: date) -> dict[str, int]:
    """The savings per month completed by ``through`` of summed contributions: each month's own
    and every rate that started by then; a month counts when a trajectory has it."""
    cents: dict[date, int] = defaultdict(int)
    present: dict[date, int] = defaultdict(int)
    last = _last_completed(through)
    rates: list[tuple[date, int, int]] = []
    for (kind, month), (value, n) in total.items():
        if month > last:
            continue
        if kind == MONTH:
            cents[month] += value
            present[month] += n
        else:
            rates.append((month, value, n))
    if rates:
        rates.sort()
        month, index, rate, count = rates[0][0], 0, 0, 0
        while month <= last:
            while index < len(rates) and rates[index][0] <= month:
                rate += rates[index][1]
                count += rates[index][2]
                index += 1
            if count:
                cents[month] += rate
                present[month] += count
            month = date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)
    return {f"{m.year:04d}-{m.month:02d}": cents[m] for m in sorted(present) if present[m] > 0}


def _last_completed(through: date) -> date:
    """The first day of the last month completed by ``through``."""
    following = date(through.year + 1, 1, 1) if through.month == 12 else date(through.year, through.month + 1, 1)
    if (following - through).days == 1:
        return date(through.year, through.month, 1)
    return date(through.year - 1, 12, 1) if through.month == 1 else date(through.year, through.month - 1, 1)
