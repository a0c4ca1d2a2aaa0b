"""A batch of spreadsheet rows goes to the database as a whole; when the database refuses one of
its statements (a BSN registered through the API while the batch ran), the batch is run again
command by command and only that row fails, with the domain's rule."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bench.import_sheet import candidate_rows, write_xlsx
from domain.values import Actor, Role
from leerroute.importing.rows import parse_row
from tests.conftest import POSTGRES, TODAY, test_settings


@pytest.mark.skipif(not POSTGRES, reason="on SQLite a batch holds the write lock: nobody registers meanwhile")
def test_a_bsn_registered_while_its_batch_runs_fails_that_row_alone(fresh_database, tmp_path):
    from adapters.clock import FixedClock
    from leerroute.bootstrap import build

    container = build(test_settings(tmp_path, fresh_database, REDIS_URL=None), clock=FixedClock(TODAY))
    km = Actor("km-1", Role.KLANTMANAGER, "GM0363")
    rows = list(candidate_rows(seed=7070, count=5, today=TODAY.date()))
    raced = parse_row(4, rows[2], km).registration
    assert raced is not None
    importer = container.imports
    batches = importer._savepoints
    careful_runs = []

    @contextmanager
    def racing(keep: bool, careful: bool) -> Iterator:
        careful_runs.append(careful)
        with batches(keep, careful) as batch:
            if not careful:
                looked_up = batch.expect_candidates

                def then_registered(municipality, digests):
                    looked_up(municipality, digests)
                    container.service.handle(raced)  # through the API's path, committed at once

                batch.expect_candidates = then_registered
            yield batch

    importer._savepoints = racing
    import_id = importer.accept(km, write_xlsx(rows, tmp_path / "caseload.xlsx"), dry_run=False).import_id
    counts = importer.run(import_id)

    assert careful_runs == [False, True]
    assert (counts["rows_imported"], counts["rows_failed"]) == (4, 1)
    report = container.import_store.report(import_id)
    assert report is not None
    assert [(p["row"], p["column"], p["rule"]) for p in report["problems"]] == [(4, "bsn", "one-trajectory-per-candidate")]


@pytest.mark.skipif(not POSTGRES, reason="round trips are PostgreSQL's; SQLite is in-process")
def test_a_batch_costs_the_same_round_trips_however_many_rows_it_holds(fresh_database, tmp_path):
    """A row's commands send nothing of their own: the batch reads what it needs once (earlier
    imports of its BSNs, their candidates, the route models in force) and sends every write with
    its commit, so an import of one batch costs the same round trips for 4 rows as for 40."""
    from adapters.clock import FixedClock
    from adapters.database import get_engine
    from bench.round_trips import counted
    from leerroute.bootstrap import build

    container = build(test_settings(tmp_path, fresh_database, REDIS_URL=None), clock=FixedClock(TODAY))
    km = Actor("km-1", Role.KLANTMANAGER, "GM0363")
    engine = get_engine(fresh_database)
    trips = []
    for seed, count in ((8079, 3), (8080, 4), (8081, 40)):  # the first also fills the process's caches
        rows = list(candidate_rows(seed=seed, count=count, today=TODAY.date()))
        import_id = container.imports.accept(km, write_xlsx(rows, tmp_path / f"caseload-{seed}.xlsx"), dry_run=False).import_id
        with counted(engine) as counted_trips:
            counts = container.imports.run(import_id)
        assert counts["rows_imported"] == count, counts
        trips.append(counted_trips.round_trips)
    assert trips[1] == trips[2], trips


def test_a_second_run_of_a_finished_import_leaves_its_report_and_marked_workbook(fresh_database, tmp_path):
    """Two runs of one import's job (a redelivered message next to a resume): the one that finds
    the upload gone after the other finished does not mark the import failed nor delete its files."""
    from adapters.clock import FixedClock
    from leerroute.bootstrap import build

    container = build(test_settings(tmp_path, fresh_database, REDIS_URL=None), clock=FixedClock(TODAY))
    km = Actor("km-1", Role.KLANTMANAGER, "GM0363")
    rows = list(candidate_rows(seed=8090, count=3, today=TODAY.date()))
    rows[1]["bsn"] = "123456789"  # fails the 11-check: a problem, so a marked workbook
    import_id = container.imports.accept(km, write_xlsx(rows, tmp_path / "caseload.xlsx"), dry_run=True).import_id
    first = container.imports.run(import_id)
    store = container.import_store
    store.failed(import_id, "the upload is no longer there")  # what a late second run used to do
    record = store.get(import_id)
    assert record is not None and record.status == "done"
    assert container.imports.run(import_id) == first
    assert store.file(import_id, "marked") is not None
    assert [p["row"] for p in (store.report(import_id) or {})["problems"]] == [3]
