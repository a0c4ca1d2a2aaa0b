"""Projections go forward together, and one that lags behind (added later, or rebuilt from an
older log) catches up with the others without any of them counting an event twice."""

from __future__ import annotations

from sqlalchemy import delete, update

from adapters.clock import FixedClock
from adapters.database import write_session
from adapters.tables import projection_positions
from bench.generator import generate
from tests.conftest import TODAY, own_database, test_settings
from tests.integration.test_funnel_counts import assert_counts_equal_the_facts
from tests.read_models import full_replay, table_contents


def test_a_projection_that_starts_from_zero_catches_up_with_the_others(tmp_path):
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        container = build(test_settings(tmp_path, url), clock=FixedClock(TODAY))
        runner = container.projections
        generate(container, routes=120, seed=5, batch=7)
        assert runner.catch_up() == runner.log_size()
        assert {runner.position(name) for name in runner.names()} == {runner.log_size()}

        # The funnel as a projection added later: no rows and position 0, while the others are at the end.
        with write_session(url) as session:
            for table in runner.projection("funnel").tables:
                session.execute(delete(table))
            session.execute(update(projection_positions).where(projection_positions.c.name == "funnel").values(position=0))
        generate(container, routes=60, seed=6, first=120, batch=9)
        runner.batch_size = 97  # several batches, and the lagging one crosses the others' position mid-batch

        runner.catch_up()
        assert {runner.position(name) for name in runner.names()} == {runner.log_size()}
        assert table_contents(url) == full_replay(container)
        assert_counts_equal_the_facts(url)


def test_a_rebuild_of_one_projection_leaves_the_others_where_they_were(tmp_path):
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        container = build(test_settings(tmp_path, url), clock=FixedClock(TODAY))
        runner = container.projections
        generate(container, routes=40, seed=8)
        runner.catch_up()
        before = runner.position("route-summaries")
        generate(container, routes=10, seed=8, first=40)

        assert runner.rebuild("funnel") == runner.log_size()
        assert runner.position("funnel") == runner.log_size()
        assert runner.position("route-summaries") == before
        runner.catch_up()
        assert table_contents(url) == full_replay(container)
        assert_counts_equal_the_facts(url)
