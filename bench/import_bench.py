"""The spreadsheet import measured: imported rows per second against the same routes through
the service layer one command at a time (as the API sends them), and the import's memory: the
peak RSS growth of a process importing a 10,000-row workbook, against the file's size.

    python -m bench.import_bench --rows 10000      # its own database, leerroute_bench_import

``leerroute bench`` runs the same figures on its database. The memory figure comes from a fresh
child process, so nothing the parent held counts.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bench.generator import quiet_municipality
from bench.import_sheet import candidate_rows, write_xlsx
from domain.values import Actor, Role
from leerroute.importing.rows import parse_row


def service_rate(container: Any, rows: list[dict[str, str]], municipality: str) -> float:
    """Rows per second when each row's commands go through ``Service.handle`` one by one, each in
    its own transaction (the API's path without HTTP)."""
    actor = Actor("km-bench", Role.KLANTMANAGER, municipality)
    parsed = [parse_row(i + 2, row, actor) for i, row in enumerate(rows)]
    t0 = time.perf_counter()
    for row in parsed:
        assert row.registration is not None, row.problems
        trajectory = container.service.handle(row.registration).aggregate
        for step in row.steps:
            container.service.handle(step.build(trajectory.id))
    return len(rows) / (time.perf_counter() - t0)


def import_rate(container: Any, sheet: Path, municipality: str) -> tuple[float, dict[str, int]]:
    actor = Actor("km-bench", Role.KLANTMANAGER, municipality)
    t0 = time.perf_counter()
    import_id = container.imports.accept(actor, sheet, dry_run=False).import_id
    counts = container.imports.run(import_id)
    return counts["rows_imported"] / (time.perf_counter() - t0), counts


def _rss_kb() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024


def _peak_rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory_child(url: str, data_dir: str, sheet: str, municipality: str) -> dict[str, Any]:
    """In a fresh process: RSS before the import and its peak during it. The peak is reset just
    before (``/proc/self/clear_refs``), so what the process's start-up reached does not count."""
    from bench.run import build_container

    container = build_container(url, Path(data_dir))
    actor = Actor("km-bench", Role.KLANTMANAGER, municipality)
    import_id = container.imports.accept(actor, Path(sheet), dry_run=True).import_id
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:  # not Linux, or not allowed: the peak since the start
        pass
    before = _rss_kb()
    counts = container.imports.run(import_id)
    return {"rssBeforeKb": before, "peakRssKb": _peak_rss_kb(), "rows": counts["rows_checked"]}


def import_figures(container: Any, url: str, data_dir: Path, *, rows: int, seed: int, today: date,
                   echo: Callable[[str], None] = print) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="leerroute-import-bench-"))
    by_service, by_import, by_memory = (quiet_municipality(n) for n in (100, 101, 102))
    sample = min(rows, 1000)
    # Seeds of their own: the population of ``leerroute bench`` (seed ``seed``) has the same BSNs
    # in the same municipalities, which the domain refuses to register twice.
    service = service_rate(container, list(candidate_rows(seed=seed + 101, count=sample, today=today)), by_service)
    echo(f"  service layer one by one: {service:,.1f} rows/s ({sample:,} rows)")
    sheet = write_xlsx(candidate_rows(seed=seed + 102, count=rows, today=today), work / "caseload.xlsx")
    imported, counts = import_rate(container, sheet, by_import)
    echo(f"  import of {rows:,} rows: {imported:,.1f} rows/s ({counts})")
    child = subprocess.run(
        [sys.executable, "-m", "bench.import_bench", "--child", url, str(data_dir), str(sheet), by_memory],
        check=True, capture_output=True, text=True,
    )
    memory = json.loads(child.stdout.strip().splitlines()[-1])
    file_kb = sheet.stat().st_size / 1024
    growth_kb = memory["peakRssKb"] - memory["rssBeforeKb"]
    echo(f"  memory: a {file_kb:,.0f} KB workbook of {rows:,} rows; peak RSS grew {growth_kb:,.0f} KB "
         f"(×{growth_kb / file_kb:.1f} the file)")
    return {"serviceRowsPerSecond": service, "importRowsPerSecond": imported, "ratio": imported / service,
            "fileKb": round(file_kb, 1), "rssGrowthKb": growth_kb, "memoryRatio": round(growth_kb / file_kb, 2), **memory}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(memory_child(*sys.argv[2:6])))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", default="leerroute_bench_import")
    options = parser.parse_args()
    from bench.run import BENCH_TODAY, build_container, fresh_database

    url = fresh_database(options.database)
    data_dir = Path(tempfile.mkdtemp(prefix="leerroute-bench-"))
    container = build_container(url, data_dir)
    result = import_figures(container, url, data_dir, rows=options.rows, seed=options.seed, today=BENCH_TODAY.date())
    print(f"import {result['importRowsPerSecond']:,.1f} rows/s vs service layer one by one "
          f"{result['serviceRowsPerSecond']:,.1f} rows/s: ratio {result['ratio']:.2f} (target >= 3); "
          f"memory: peak RSS growth ×{result['memoryRatio']} the file size")


if __name__ == "__main__":
    main()
