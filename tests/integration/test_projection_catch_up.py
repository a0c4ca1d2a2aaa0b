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


def test_the_catch_up_of_a_few_writes_takes_one_savepoint_and_compiles_no_statement_anew(tmp_path):
    """What a read model's visibility after a write waits for: the projections write inside one
    savepoint (one per projection only when one of them fails), and every statement comes from
    SQLAlchemy's cache of compiled statements (an upsert built with ``on_conflict_do_update`` and
    ``excluded`` has no cache key: it was compiled again on every catch-up)."""
    import sqlalchemy
    from sqlalchemy.engine.default import CacheStats

    from adapters.database import get_engine
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        container = build(test_settings(tmp_path, url), clock=FixedClock(TODAY))
        runner = container.projections
        generate(container, routes=6, seed=7, batch=3)
        runner.catch_up()
        statements: list[tuple[str, object]] = []

        def seen(conn, cursor, statement, parameters, context, executemany) -> None:
            statements.append((statement.strip().split()[0].upper(), getattr(context, "cache_hit", None)))

        engine = get_engine(url)
        sqlalchemy.event.listen(engine, "before_cursor_execute", seen)
        try:
            for seed in (8, 9):  # the second round's statements have all been seen once
                generate(container, routes=2, seed=seed, first=seed * 10, batch=2)
                statements.clear()
                assert runner.catch_up() > 0
        finally:
            sqlalchemy.event.remove(engine, "before_cursor_execute", seen)
        kinds = [kind for kind, _ in statements]
        assert kinds.count("SAVEPOINT") == 1 and "INSERT" in kinds
        compiled_anew = [(kind, hit) for kind, hit in statements
                         if kind not in ("BEGIN", "SAVEPOINT", "RELEASE") and hit in (CacheStats.NO_CACHE_KEY, CacheStats.CACHE_MISS)]
        assert compiled_anew == []
