"""Bijstand savings, from a trajectory's benefit changes.

Per trajectory and calendar month: (baseline − benefit paid) × days / days in the month, summed
over the month's days and rounded half-up to the cent per trajectory-month, for completed months
only. The baseline is the benefit at intake (``intake``, the default) or the last amount paid
before the benefit stopped (``last-before-exit``). Savings stop when the benefit resumes at (or
above) the baseline; a lower resumed amount still saves the difference. Per municipality, the
cumulative savings against the financing it paid give its net position and break-even month.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache

from domain.money import TrajectoryFacts


class SavingsBaseline(StrEnum):
    INTAKE = "intake"
    LAST_BEFORE_EXIT = "last-before-exit"


@dataclass(frozen=True)
class SavingPeriod:
    """From ``starts_on`` to ``ends_on`` (inclusive; None: still running) the benefit paid was
    ``paid_cents`` a month against a baseline of ``baseline_cents``."""

    starts_on: date
    ends_on: date | None
    baseline_cents: int
    paid_cents: int

    @property
    def monthly_saving_cents(self) -> int:
        return max(0, self.baseline_cents - self.paid_cents)


def _baseline(facts: TrajectoryFacts, mode: SavingsBaseline) -> int:
    if mode is SavingsBaseline.INTAKE:
        return facts.benefit_intake_cents
    amount, last_before_exit = facts.benefit_intake_cents, facts.benefit_intake_cents
    for _, kind, cents in facts.benefit_changes:
        if kind == "stopped":
            last_before_exit = amount
            amount = 0
        else:
            amount = cents or 0
    return last_before_exit


def saving_periods(facts: TrajectoryFacts, mode: SavingsBaseline) -> list[SavingPeriod]:
    """The stretches, from registration on, in which less benefit was paid than the baseline."""
    if facts.benefit_intake_cents <= 0:
        return []
    baseline = _baseline(facts, mode)
    paid, start = facts.benefit_intake_cents, facts.registered_on
    stretches: list[tuple[date, int]] = [(start, paid)]
    for on, kind, cents in facts.benefit_changes:
        paid = 0 if kind == "stopped" else int(cents or 0)
        on = max(on, start)
        if stretches and stretches[-1][0] == on:
            stretches[-1] = (on, paid)
        else:
            stretches.append((on, paid))
    periods = []
    for index, (begin, amount) in enumerate(stretches):
        end = stretches[index + 1][0] - timedelta(days=1) if index + 1 < len(stretches) else None
        if amount < baseline:
            periods.append(SavingPeriod(begin, end, baseline, amount))
    return periods


@lru_cache(maxsize=4096)
def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def monthly_savings(periods: Sequence[SavingPeriod], through: date) -> dict[str, int]:
    """Savings per completed calendar month (``YYYY-MM``) up to ``through``, half-up to the cent."""
    days_saving: dict[tuple[int, int], int] = defaultdict(int)  # sum over days of (baseline - paid)
    for period in periods:
        if period.monthly_saving_cents == 0:
            continue
        day = period.starts_on
        last = period.ends_on or through
        while day <= last:
            month_end = min(_month_end(day.year, day.month), last)
            days_saving[(day.year, day.month)] += period.monthly_saving_cents * ((month_end - day).days + 1)
            day = month_end + timedelta(days=1)
    result = {}
    for (year, month), total in sorted(days_saving.items()):
        if _month_end(year, month) > through:
            continue
        days = _month_end(year, month).day
        result[f"{year:04d}-{month:02d}"] = int((Decimal(total) / Decimal(days)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return result


@dataclass(frozen=True)
class MonthlySavings:
    """A trajectory's savings for every completed month through any date, in a form that adds up
    over trajectories: ``months`` holds each month's savings up to the month in which the last,
    still running period starts; from ``rate_from`` (``YYYY-MM``, None: no such period) on, every
    month saves ``rate`` cents (a whole month of that period, exactly its monthly saving).
    ``monthly_savings(periods, through)`` is this, cut at the last month completed by ``through``
    (``as_of_month``)."""

    months: dict[str, int]
    rate_from: str | None
    rate: int


def savings_through_any_date(periods: Sequence[SavingPeriod]) -> MonthlySavings:
    running = [p for p in periods if p.ends_on is None and p.monthly_saving_cents > 0]
    ends = [p.ends_on for p in periods if p.ends_on is not None and p.monthly_saving_cents > 0]
    if running:
        start = running[0].starts_on
        horizon = _month_end(start.year, start.month)
        after = horizon + timedelta(days=1)
        return MonthlySavings(monthly_savings(periods, horizon), f"{after.year:04d}-{after.month:02d}",
                              running[0].monthly_saving_cents)
    if not ends:
        return MonthlySavings({}, None, 0)
    last = max(ends)
    return MonthlySavings(monthly_savings(periods, _month_end(last.year, last.month)), None, 0)


def as_of_month(savings: MonthlySavings, through: date) -> dict[str, int]:
    """The savings per completed month up to ``through`` (what ``monthly_savings`` gives)."""
    last = f"{through.year:04d}-{through.month:02d}" if _month_end(through.year, through.month) <= through else (
        f"{through.year:04d}-{through.month - 1:02d}" if through.month > 1 else f"{through.year - 1:04d}-12")
    result = {m: cents for m, cents in savings.months.items() if m <= last}
    if savings.rate_from is not None:
        result.update((m, savings.rate) for m in _months(savings.rate_from, last))
    return result


@dataclass(frozen=True)
class MonthPosition:
    month: str
    savings: int
    paid: int
    cumulative_savings: int
    cumulative_paid: int

    @property
    def net(self) -> int:
        return self.cumulative_savings - self.cumulative_paid


def _months(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def municipality_position(
    savings: dict[str, int], payments: Sequence[tuple[date, int]], through: date
) -> tuple[list[MonthPosition], str | None]:
    """Cumulative savings against cumulative financing paid, per month up to ``through``; and the
    first month in which the savings have caught up with what was paid (None: not yet, or
    nothing paid)."""
    paid_by_month: dict[str, int] = defaultdict(int)
    for on, cents in payments:
        if on <= through:
            paid_by_month[on.strftime("%Y-%m")] += cents
    keys = list(savings) + list(paid_by_month)
    if not keys:
        return [], None
    series, cum_s, cum_p, break_even = [], 0, 0, None
    for month in _months(min(keys), through.strftime("%Y-%m")):
        cum_s += savings.get(month, 0)
        cum_p += paid_by_month.get(month, 0)
        series.append(MonthPosition(month, savings.get(month, 0), paid_by_month.get(month, 0), cum_s, cum_p))
        if break_even is None and cum_p > 0 and cum_s >= cum_p:
            break_even = month
        if break_even is not None and cum_s < cum_p:
            break_even = None  # a later payment put the municipality behind again
    return series, break_even
