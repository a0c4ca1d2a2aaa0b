"""The funnel's median and p90 lead times, read through the bucketed histogram
(``funnel_lead_buckets``) and only the buckets' days that hold them, equal the percentiles of the
raw lead times computed here: with many distinct days across many buckets, with the percentiles'
positions on the last day of a bucket and the first of the next, with empty buckets between,
below zero, after counts are taken away again, after a recount and after the migration that adds
the buckets to a database that already has the histogram per day."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import date, timedelta

from alembic import command
from sqlalchemy import func, select

from adapters.database import read_session, write_session
from adapters.funnel_counts import COUNT_TABLES, recount, update_counts
from adapters.migrations import alembic_config, upgrade
from adapters.queries import FunnelScope, funnel
from adapters.regions import UNMAPPED
from adapters.tables import LEAD_BUCKET_DAYS, funnel_lead_buckets, funnel_lead_days, stage_facts
from adapters.upserts import replace_rows
from tests.conftest import own_database

WIDTH = LEAD_BUCKET_DAYS
START = date(2024, 1, 8)
MUNICIPALITIES = ("GM0003", "GM0007")


def _percentile(values: list[int], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont: between the two values either side of fraction × (n - 1)
    of the sorted values, interpolated."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return round(ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower), 2)


def _at_edges(n: int, rng: random.Random) -> list[int]:
    """``n`` lead times whose median and p90 positions (in ascending order) fall on the last day
    of a bucket, and the position after each on the first day of the next bucket."""
    median, p90 = int(0.5 * (n - 1)), int(0.9 * (n - 1))
    first, second = 10 * WIDTH, 40 * WIDTH
    values = []
    for index in range(n):
        if index in (median, p90):
            values.append((first if index == median else second) - 1)
        elif index in (median + 1, p90 + 1):
            values.append(first if index == median + 1 else second)
        elif index < median:
            values.append(rng.randint(0, first - 1))
        elif index < p90:
            values.append(rng.randint(first, second - 1))
        else:
            values.append(rng.randint(second, second + 3000))
    return values


def lead_times() -> dict[tuple[str, str, str], list[int]]:
    """Per cohort, target group and stage, the lead times of the completed stages."""
    rng = random.Random(18)
    return {
        ("2024-Q1", "statushouder", "orientation"): [rng.randint(0, 4000) for _ in range(3000)],  # most days occur
        ("2024-Q1", "statushouder", "placement"): _at_edges(1001, rng),  # positions exactly on values
        ("2024-Q1", "jongere", "placement"): _at_edges(1234, rng),  # positions between two values
        ("2024-Q2", "statushouder", "placement"): _at_edges(11, rng),
        ("2024-Q2", "jongere", "orientation"): [5, 30 * WIDTH + 7],  # empty buckets between the two
        ("2024-Q2", "jongere", "guarantee"): [2 * WIDTH] * 500 + [2 * WIDTH - 1] * 499,  # two days, two buckets
        ("2024-Q3", "statushouder", "orientation"): [-WIDTH - 1, -1, 0, WIDTH - 1, WIDTH, 3],  # below zero too
        ("2024-Q3", "jongere", "placement"): [77],
    }


def facts(times: dict[tuple[str, str, str], list[int]]) -> list[dict]:
    """A stage fact per lead time, the group's values dealt over the two municipalities."""
    rows = []
    for (cohort, target_group, stage), values in times.items():
        for index, days in enumerate(values):
            entered = START + timedelta(days=index % 90)
            rows.append({
                "trajectory_id": uuid.UUID(int=len(rows) + 1), "stage": stage,
                "municipality": MUNICIPALITIES[index % 3 == 0], "cohort": cohort, "target_group": target_group,
                "entered_on": entered, "completed_on": entered + timedelta(days=days), "skipped": False, "lead_days": days,
            })
    return rows


def add_facts(url: str, rows: list[dict]) -> None:
    """As the funnel projection does: the counts change by the new facts minus the old ones, then
    the facts are replaced, in one transaction (here per slice of trajectories)."""
    for first in range(0, len(rows), 700):
        batch = rows[first:first + 700]
        ids = [r["trajectory_id"] for r in batch]
        with write_session(url) as session:
            update_counts(session, ids, batch, [])
            replace_rows(session, stage_facts, "trajectory_id", ids, batch)


def expected(rows: list[dict], municipality: str | None) -> dict[tuple[str, str, str], tuple]:
    grouped: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for row in rows:
        if municipality is None or row["municipality"] == municipality:
            grouped[(row["cohort"], row["target_group"], row["stage"])].append(row["lead_days"])
    return {key: (_percentile(v, 0.5), _percentile(v, 0.9)) for key, v in grouped.items()}


def found(url: str, scope: FunnelScope) -> dict[tuple[str, str, str], tuple]:
    return {(g.cohort, g.target_group, stage): (stats["median_lead_days"], stats["p90_lead_days"])
            for g in funnel(url, scope) for stage, stats in g.stages.items()}


def assert_percentiles(url: str, rows: list[dict]) -> None:
    national = expected(rows, None)
    assert found(url, FunnelScope()) == national
    assert found(url, FunnelScope(region=UNMAPPED)) == national  # no regions loaded: a region's sums
    for municipality in MUNICIPALITIES:
        assert found(url, FunnelScope(municipality=municipality)) == expected(rows, municipality)
    assert found(url, FunnelScope(cohort="2024-Q2", target_group="jongere")) == {
        key: value for key, value in national.items() if key[:2] == ("2024-Q2", "jongere")}
    with read_session(url) as session:
        if session.get_bind().dialect.name == "postgresql":
            s = stage_facts
            cont = session.execute(
                select(s.c.cohort, s.c.target_group, s.c.stage,
                       func.percentile_cont(0.5).within_group(s.c.lead_days),
                       func.percentile_cont(0.9).within_group(s.c.lead_days))
                .group_by(s.c.cohort, s.c.target_group, s.c.stage)
            ).all()
            assert {(c, t, st): (round(m, 2), round(p, 2)) for c, t, st, m, p in cont} == national


def count_rows(url: str) -> dict[str, list[tuple]]:
    with read_session(url) as session:
        return {t.name: sorted(tuple(row) for row in session.execute(select(t))) for t in COUNT_TABLES}


def test_percentiles_through_the_buckets_equal_those_of_the_raw_lead_times(tmp_path):
    with own_database(tmp_path) as url:
        upgrade(url)
        times = lead_times()
        rows = facts(times)
        add_facts(url, rows)
        with read_session(url) as session:
            days = session.execute(select(func.count()).select_from(funnel_lead_days)).scalar_one()
            buckets = session.execute(select(func.count()).select_from(funnel_lead_buckets)).scalar_one()
        assert days > 4000 and buckets * 5 < days  # many distinct days, in far fewer buckets
        assert_percentiles(url, rows)

        # Facts taken away again (as when a correction or an erasure replaces a route's facts):
        # days and buckets that count nothing go, and the percentiles follow.
        gone = rows[::4]
        with write_session(url) as session:
            update_counts(session, [r["trajectory_id"] for r in gone], [], [])
            replace_rows(session, stage_facts, "trajectory_id", [r["trajectory_id"] for r in gone], [])
        rows = [r for r in rows if r not in gone]
        assert_percentiles(url, rows)
        kept = count_rows(url)
        with write_session(url) as session:
            recount(session)
        assert count_rows(url) == kept

        # An existing database gets the buckets from its histogram per day.
        config = alembic_config(url)
        command.downgrade(config, "0018")
        command.upgrade(config, "head")
        assert count_rows(url) == kept
        assert_percentiles(url, rows)
