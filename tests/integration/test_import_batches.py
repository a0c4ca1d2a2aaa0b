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
