"""A list's total comes from the trajectory counts the route-summaries projection keeps: after
every catch-up and after a rebuild they are the summaries' own counts, for every filter."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from adapters import queries
from adapters.clock import FixedClock
from adapters.database import read_session
from adapters.tables import trajectory_counts, trajectory_summaries
from bench.generator import generate
from domain.access import TrajectoryScope
from tests.conftest import TODAY, own_database, test_settings

KEY = ("municipality", "stage", "status", "target_group")


def assert_counts_are_the_summaries(url: str) -> None:
    with read_session(url) as session:
        summaries = Counter(tuple(row) for row in session.execute(select(*(trajectory_summaries.c[k] for k in KEY))))
        counts = {tuple(row[:4]): row[4] for row in session.execute(select(trajectory_counts)) if row[4]}
    assert counts == dict(summaries)
    # Every list's total is the number of its rows, for a municipality and with each filter.
    municipality = summaries.most_common(1)[0][0][0]
    for filters in ({}, {"stage": "pre-trajectory"}, {"status": "active"}, {"target_group": "statushouder"},
                    {"stage": "placement", "status": "active"}):
        for scope in (TrajectoryScope(municipality), TrajectoryScope(None)):
            page = queries.list_trajectories(url, queries.PageRequest(1, 10), scope, **filters)
            everything = queries.list_trajectories(url, queries.PageRequest(1, 100_000), scope, **filters)
            assert page.total == len(everything.rows), (scope, filters)
            expected = sum(n for key, n in summaries.items() if (scope.municipality in (None, key[0])) and all(
                key[KEY.index(name)] == value for name, value in filters.items()))
            assert page.total == expected, (scope, filters)


def test_list_totals_follow_the_summaries_through_catch_ups_and_a_rebuild(tmp_path):
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        container = build(test_settings(tmp_path, url), clock=FixedClock(TODAY))
        runner = container.projections
        runner.batch_size = 53  # routes cross batches: a trajectory's stage changes between them
        generate(container, routes=90, seed=21, batch=11)
        runner.catch_up()
        assert_counts_are_the_summaries(url)
        generate(container, routes=40, seed=21, first=90, batch=13)
        runner.catch_up()
        assert_counts_are_the_summaries(url)
        runner.rebuild("route-summaries")
        assert_counts_are_the_summaries(url)
