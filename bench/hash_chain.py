"""What the hash chain costs: write time with and without it, and how fast `verify` re-checks.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres python -m bench.hash_chain --routes 2000 --writes 500

Each run creates its own databases on the server (one with the chain, one without), drops them
afterwards, and prints:

- bulk writes: the synthetic population written in batches (as an import would), seconds and
  the ratio chained / unchained;
- single writes: one command per transaction on existing routes (as the API writes),
  alternating between the two stores; the median and 90th percentile milliseconds and the ratio;
- verify: events re-checked per second over the whole store.

Without DATABASE_URL it runs on SQLite files in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy.engine import make_url

from adapters.clock import FixedClock
from adapters.database import dispose_engine, get_engine
from adapters.eventstore import EventStore, LeerrouteFactory
from adapters.hash_chain import verify
from bench.generator import generate

TODAY = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class UnchainedFactory(LeerrouteFactory):
    """The same store without the chain: the library's own recorder."""

    application_recorder_class = SQLAlchemyApplicationRecorder  # type: ignore[assignment]


@contextmanager
def database(base: str | None, directory: Path, name: str) -> Iterator[str]:
    if not base:
        yield f"sqlite:///{directory / (name + '.db')}"
        return
    url = make_url(base)
    db = f"leerroute_bench_{name}_{uuid.uuid4().hex[:6]}"
    admin = sqlalchemy.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{db}"')
    try:
        yield url.set(database=db).render_as_string(hide_password=False)
    finally:
        dispose_engine(url.set(database=db).render_as_string(hide_password=False))
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.dispose()


def container_for(url: str, directory: Path, *, chained: bool):
    from leerroute.bootstrap import build
    from leerroute.settings import Settings

    settings = Settings.model_validate({
        "LEERROUTE_DATA_DIR": directory, "DATABASE_URL": url, "LEERROUTE_JWT_SECRET": "b" * 48,
        "LEERROUTE_PSEUDONYM_SECRET": "p" * 48, "LEERROUTE_PERSONAL_DATA_SECRET": "d" * 48,
    })
    store = EventStore(url) if chained else EventStore(url, factory=UnchainedFactory)
    return build(settings, clock=FixedClock(TODAY), store=store)


def populate(url: str, directory: Path, *, chained: bool, routes: int):
    """The synthetic population written in batches; returns the container, the ids and the seconds."""
    container = container_for(url, directory, chained=chained)
    started = time.perf_counter()
    ids = generate(container, routes=routes, seed=7, batch=200)
    return container, ids, time.perf_counter() - started


def single_write(container, trajectory_id) -> float:
    """One command through the service layer, as every entry point writes; returns the seconds it took."""
    from domain.commands import GrantDeviation
    from domain.values import Actor, DeviationRule, Role

    today = TODAY.date()
    municipality = container.store.aggregate(trajectory_id).municipality
    command = GrantDeviation(
        actor=Actor(subject="bench", role=Role.KLANTMANAGER, organisation=municipality), trajectory_id=trajectory_id,
        rule=DeviationRule.BENEFIT_DURING_TRAINING, reason="bench", on=today, until=today, granted_by="bench",
    )
    begin = time.perf_counter()
    container.service.handle(command)
    return time.perf_counter() - begin


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--routes", type=int, default=2000)
    parser.add_argument("--writes", type=int, default=500)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp, database(base, Path(tmp), "plain") as plain_url, \
            database(base, Path(tmp), "chained") as chained_url:
        directory = Path(tmp)
        urls = {False: plain_url, True: chained_url}
        stores = {chained: populate(urls[chained], directory, chained=chained, routes=args.routes) for chained in (False, True)}
        # Single writes alternate between the two stores, so load from elsewhere hits both alike.
        latencies: dict[bool, list[float]] = {False: [], True: []}
        for n in range(args.writes):
            for chained in ((False, True) if n % 2 else (True, False)):
                container, ids, _ = stores[chained]
                latencies[chained].append(single_write(container, ids[n % len(ids)]))
        results = {
            chained: {
                "bulk_seconds": stores[chained][2],
                "write_ms": statistics.median(latencies[chained]) * 1000,
                "write_p90_ms": quantile(latencies[chained], 0.9) * 1000,
            }
            for chained in (False, True)
        }
        with get_engine(chained_url).connect() as connection:
            started = time.perf_counter()
            report = verify(connection)
            seconds = time.perf_counter() - started
        assert report.intact, report.findings[:5]
    plain, with_chain = results[False], results[True]
    backend = make_url(base).get_backend_name() if base else "sqlite"
    print(f"backend: {backend}; {args.routes} routes, {report.events} events; {args.writes} single writes")
    print(f"bulk writes:   {plain['bulk_seconds']:.2f} s without the chain, {with_chain['bulk_seconds']:.2f} s with it: "
          f"ratio {with_chain['bulk_seconds'] / plain['bulk_seconds']:.2f}")
    print(f"single writes (median): {plain['write_ms']:.2f} ms without (p90 {plain['write_p90_ms']:.2f}), "
          f"{with_chain['write_ms']:.2f} ms with (p90 {with_chain['write_p90_ms']:.2f}): ratio {with_chain['write_ms'] / plain['write_ms']:.2f}")
    print(f"verify:        {report.events} events in {seconds:.2f} s: {report.events / seconds:,.0f} events/s")


if __name__ == "__main__":
    main()
