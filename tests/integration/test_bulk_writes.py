"""On PostgreSQL the projections write a batch's rows by COPY (``adapters.upserts``), and a rebuild
inserts a trajectory's rows as they are the first time it writes them: every read-model table
then holds exactly the rows that writing them one by one gives, after a catch-up and after a
rebuild whose trajectories cross its flushes. (On SQLite both are one executemany.)"""

from __future__ import annotations

from sqlalchemy import delete, select, update

from adapters import upserts
from adapters.clock import FixedClock
from adapters.database import read_session, write_session
from adapters.tables import projection_positions
from bench.generator import generate
from tests.conftest import TODAY, own_database, test_settings


def every_read_model(url: str, runner) -> dict[str, list[tuple]]:
    with read_session(url) as session:
        return {
            table.name: sorted(tuple(str(v) for v in row) for row in session.execute(select(table)))
            for projection in runner.projections
            for table in projection.tables
        }


def start_over(url: str, runner) -> None:
    with write_session(url) as session:
        for projection in runner.projections:
            for table in projection.tables:
                session.execute(delete(table))
        session.execute(update(projection_positions).values(position=0))


def test_rows_by_copy_are_the_rows_one_by_one_after_a_catch_up_and_a_rebuild(tmp_path, monkeypatch):
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        container = build(test_settings(tmp_path, url), clock=FixedClock(TODAY))
        runner = container.projections
        generate(container, routes=150, seed=31, batch=25)
        runner.batch_size = 700  # several batches; a route's events cross them
        runner.rebuild_batch_size, runner.rebuild_flush = 400, 30  # trajectories written in several flushes

        runner.catch_up()
        caught_up = every_read_model(url, runner)
        runner.rebuild_all()
        rebuilt = every_read_model(url, runner)
        assert len(rebuilt["comparison_events"]) >= 10 * upserts.COPY_FROM  # the batches went by COPY on PostgreSQL

        monkeypatch.setattr(upserts, "COPY_FROM", 10**9)  # every write one executemany
        start_over(url, runner)
        runner.catch_up()
        assert every_read_model(url, runner) == caught_up
        runner.rebuild_all()
        assert every_read_model(url, runner) == rebuilt
