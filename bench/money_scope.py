"""One-off measurement: money reports and one trajectory's money, read from the whole log (as
before) and from only the part of the log the caller needs.

    .venv/bin/python -m bench.money_scope --routes 5000

A generated population (``bench.generator``) on a fresh PostgreSQL database, with a start
agreement of the largest municipality and a fund agreement for two municipalities; the read
models caught up. Prints the median of a few requests per figure; not a test, no thresholds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select


def main() -> None:
    from fastapi.testclient import TestClient

    import leerroute.money_queries as money_queries
    from adapters.database import read_session
    from adapters.money.log import decode_log
    from adapters.tables import trajectory_summaries
    from api.main import create_app
    from bench.generator import generate
    from bench.run import build_container, fresh_database
    from domain.commands import ConcludeAgreement
    from domain.terms import FinancingKind, Terms, Trigger
    from domain.values import Actor, Role

    parser = argparse.ArgumentParser()
    parser.add_argument("--routes", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--database", default="leerroute_money_bench")
    options = parser.parse_args()

    url = fresh_database(options.database)
    container = build_container(url, Path(tempfile.mkdtemp(prefix="leerroute-money-")))
    t0 = time.perf_counter()
    generate(container, routes=options.routes, seed=1, batch=500)
    with read_session(url) as session:
        rows = session.execute(select(trajectory_summaries.c.municipality, trajectory_summaries.c.trajectory_id)).all()
    if not rows:
        container.projections.catch_up()
        with read_session(url) as session:
            rows = session.execute(select(trajectory_summaries.c.municipality, trajectory_summaries.c.trajectory_id)).all()
    largest, size = Counter(m for m, _ in rows).most_common(1)[0]
    trajectory = next(t for m, t in rows if m == largest)
    km, fund = Actor("bench", Role.KLANTMANAGER, largest), Actor("bench", Role.FUND, "OO-BENCH")
    for actor, places in ((km, ()), (fund, ("GM0001", "GM0002"))):
        container.service.handle(ConcludeAgreement(
            actor=actor, on=date(2022, 12, 1), kind=FinancingKind("start"), trigger=Trigger("registered"), phase=None,
            claimant=None, valid_from=date(2023, 1, 1), valid_until=None, budget_cap_cents=None,
            terms=Terms(effective_from=date(2023, 1, 1), amount_cents=100_000, municipalities=places),
        ))
    container.projections.catch_up()
    print(f"{options.routes:,} routes, log {container.projections.log_size():,} events, "
          f"generated and projected in {time.perf_counter() - t0:.0f} s; largest municipality {largest} ({size} routes)")

    def headers(actor: Actor) -> dict[str, str]:
        token = container.tokens.issue(subject=actor.subject, role=actor.role, organisation=actor.organisation,
                                       now=datetime.now(UTC), ttl=timedelta(hours=1))
        return {"Authorization": f"Bearer {token}"}

    procesregie = Actor("bench", Role.PROCESREGIE, "APT")
    figures = {
        f"report, municipality {largest}": ("/v1/money/reports", headers(km)),
        "report, fund (2 municipalities)": ("/v1/money/reports", headers(fund)),
        "report, national (procesregie)": ("/v1/money/reports", headers(procesregie)),
        "one trajectory's money": (f"/v1/trajectories/{trajectory}/money", headers(km)),
    }
    client = TestClient(create_app(container, run_worker=False))

    def median(path: str, hdrs: dict[str, str]) -> float:
        times = []
        for _ in range(options.repeats):
            t = time.perf_counter()
            response = client.get(path, headers=hdrs)
            times.append(time.perf_counter() - t)
            assert response.status_code == 200, response.text
        return statistics.median(times)

    scoped_reader = money_queries.read_scoped_log
    for name, (path, hdrs) in figures.items():
        money_queries.read_scoped_log = lambda store, url, scope, **_: decode_log(store)
        whole = median(path, hdrs)
        money_queries.read_scoped_log = scoped_reader
        scoped = median(path, hdrs)
        print(f"  {name:<40} whole log {whole * 1000:8.0f} ms   scoped {scoped * 1000:8.0f} ms   ({whole / scoped:5.1f}x)")


if __name__ == "__main__":
    main()
