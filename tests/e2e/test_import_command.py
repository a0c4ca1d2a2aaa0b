"""``leerroute import`` as a process: a dry run with its summary, and a commit SIGKILLed halfway
that, resumed, finishes without doubling or losing a row."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from uuid import UUID

from sqlalchemy import func, select

from adapters.clock import FixedClock
from adapters.database import read_session
from adapters.tables import candidate_lookup, events, imported_rows
from bench.import_sheet import candidate_rows, write_xlsx
from tests.conftest import TODAY, new_municipality, own_database, test_settings
from tests.e2e.test_workers import ROOT, process_env, wait_until

ROWS = 300


def _count(url: str, query) -> int:
    with read_session(url) as session:
        return int(session.execute(query).scalar_one())


def test_a_killed_import_resumed_finishes_without_doubling_or_losing_a_row(tmp_path: Path):
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        settings = test_settings(tmp_path, url, REDIS_URL=None, LEERROUTE_IMPORT_BATCH_ROWS=10)
        container = build(settings, clock=FixedClock(TODAY))
        at_start = _count(url, select(func.count()).select_from(events))  # version 1 of the national model
        env = {**process_env(settings), "REDIS_URL": "", "LEERROUTE_IMPORT_BATCH_ROWS": "10", "COLUMNS": "120"}
        municipality = new_municipality()
        sheet = write_xlsx(candidate_rows(seed=31337, count=ROWS, today=TODAY.date()), tmp_path / "caseload.xlsx")
        command = [sys.executable, "-m", "leerroute.cli", "import", str(sheet), "--municipality", municipality, "--subject", "km-cli"]

        dry = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert dry.returncode == 0, dry.stderr
        assert dry.stdout.startswith("import ") and f"checked={ROWS}" in dry.stderr and "dry run" in dry.stderr
        assert _count(url, select(func.count()).select_from(events)) == at_start

        job = subprocess.Popen([*command, "--commit"], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert job.stdout is not None
        import_id = job.stdout.readline().split()[1]

        def imported() -> int:
            record = container.import_store.get(UUID(import_id))
            return record.counts["rows_imported"] if record else 0

        wait_until(lambda: imported() >= 50, 300, "the import to be under way")
        job.send_signal(signal.SIGKILL)
        job.wait(timeout=30)
        kept = _count(url, select(func.count()).select_from(imported_rows))
        assert 50 <= kept < ROWS, "killed halfway"
        assert _count(url, select(func.count()).select_from(candidate_lookup)) == kept  # whole rows only

        resumed = subprocess.run([sys.executable, "-m", "leerroute.cli", "import", "--resume", import_id], env=env, cwd=ROOT,
                                 capture_output=True, text=True, timeout=600)
        assert resumed.returncode == 0, resumed.stderr
        record = container.import_store.get(UUID(import_id))
        assert record is not None and record.status == "done"
        assert record.counts == {"rows_checked": ROWS, "rows_imported": ROWS, "rows_unchanged": 0, "rows_changed": 0, "rows_failed": 0}
        assert _count(url, select(func.count()).select_from(imported_rows).where(imported_rows.c.municipality == municipality)) == ROWS
        assert _count(url, select(func.count()).select_from(candidate_lookup).where(
            candidate_lookup.c.municipality == municipality)) == ROWS
        registered = _count(url, select(func.count()).select_from(events).where(events.c.topic.like("%TrajectoryRegistered")))
        assert registered == ROWS
