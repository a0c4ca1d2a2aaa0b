"""``leerroute bench``: every figure as a ratio against a floor measured in the same run, on the
same PostgreSQL database.

The run creates a fresh database (``leerroute_bench`` on the server of ``DATABASE_URL``, or on
the local PostgreSQL), generates the small population, rebuilds the read models and measures
the reads, grows the population to the large size (the small one is its prefix) and measures
the reads again (among them a municipality's money report and one trajectory's money, each read
from the part of the log it needs), then measures the writes on that database: raw single-row INSERTs, commands
in-process, commands over HTTP (uvicorn on loopback), the time until a write shows in the
read models, and notifications (``bench.notifications``: deliveries per second against plain
POSTs, and a write's time to delivery against the write itself). One line per figure goes to the console; everything lands in a JSON file.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy.engine import make_url

from bench.generator import LARGEST

RESULTS = Path(__file__).with_name("results")
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BENCH_TODAY = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SECRETS = {
    "LEERROUTE_JWT_SECRET": "bench-jwt-" + "b" * 40,
    "LEERROUTE_PSEUDONYM_SECRET": "bench-pseudonyms-" + "p" * 40,
    "LEERROUTE_PERSONAL_DATA_SECRET": "bench-personal-data-" + "d" * 40,
}
TARGETS = {
    "commands in-process": (">=", 0.5),
    "commands over HTTP": (">=", 0.35),
    "rebuild": (">=", 0.5),
    "catch-up": (">=", 0.5),
    "report latency": ("<=", 2.0),
    "list latency": ("<=", 1.5),
    "visibility p99": ("<=", 2.0),
    "deliveries": (">=", 0.1),
    "delivery p99": ("<=", 10.0),
    "import rows": (">=", 3.0),
    "console page": ("<=", 2.0),
    "memory": ("<=", 1.5),
}


@dataclass
class Options:
    small: int = 10_000
    large: int = 100_000
    seconds: float = 10.0
    clients: tuple[int, ...] = (1, 8, 32)
    seed: int = 2026
    database: str = "leerroute_bench"
    profile: bool = False
    output: Path | None = None
    redis_url: str | None = None  # also the figures with a worker process on this Redis
    processes: int = 1  # uvicorn worker processes of the API


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline: float
    baseline_name: str
    target: str  # the target group in TARGETS
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("nan")

    @property
    def met(self) -> bool:
        op, bound = TARGETS[self.target]
        return self.ratio >= bound if op == ">=" else self.ratio <= bound

    def line(self) -> str:
        op, bound = TARGETS[self.target]
        verdict = "met" if self.met else "MISSED"
        return (f"{self.name:<44} {self.value:>10.1f} {self.unit:<7} vs {self.baseline_name} {self.baseline:>9.1f}"
                f"  ratio {self.ratio:5.2f} (target {op} {bound}) {verdict}")

    def as_dict(self) -> dict[str, Any]:
        op, bound = TARGETS[self.target]
        return {"name": self.name, "value": round(self.value, 3), "unit": self.unit, "baseline": round(self.baseline, 3),
                "baselineName": self.baseline_name, "ratio": round(self.ratio, 3), "target": f"{op} {bound}",
                "met": self.met, **self.detail}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ms(seconds: float) -> float:
    return seconds * 1000


def size(routes: int) -> str:
    return f"{routes // 1000}k" if routes % 1000 == 0 else f"{routes:,}"


# --- the database --------------------------------------------------------------------------------


def server_url() -> str:
    configured = os.environ.get("DATABASE_URL", "")
    return configured if configured.startswith("postgresql") else DEFAULT_SERVER


def fresh_database(name: str) -> str:
    """Drop and create the benchmark database; the configured database itself is never touched."""
    url = make_url(server_url())
    admin = sqlalchemy.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def build_container(url: str, data_dir: Path, redis_url: str | None = None):
    from adapters.clock import FixedClock
    from leerroute.bootstrap import build
    from leerroute.settings import Settings

    settings = Settings.model_validate(
        {"DATABASE_URL": url, "REDIS_URL": redis_url, "LEERROUTE_DATA_DIR": data_dir, "LEERROUTE_CATCH_UP_SECONDS": 1.0, **SECRETS}
    )
    return build(settings, clock=FixedClock(BENCH_TODAY))


def raw_connection(url: str):
    import psycopg

    sa_url = make_url(url)
    return psycopg.connect(
        host=sa_url.host, port=sa_url.port or 5432, user=sa_url.username, password=sa_url.password,
        dbname=sa_url.database, autocommit=True,
    )


# --- the floors ----------------------------------------------------------------------------------


def raw_insert_rate(url: str, seconds: float) -> tuple[float, list[float]]:
    """Single-row INSERTs, each its own transaction, into a plain table shaped like the event
    table: the least any write must pay (one round trip and one commit)."""
    payload = os.urandom(400)
    with raw_connection(url) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_raw_inserts")
        connection.execute("CREATE TABLE bench_raw_inserts (id bigserial PRIMARY KEY, originator_id uuid NOT NULL, "
                           "originator_version int NOT NULL, topic text NOT NULL, state bytea NOT NULL)")
        import uuid

        latencies = []
        start = time.perf_counter()
        deadline = start + seconds
        count = 0
        while True:
            t0 = time.perf_counter()
            connection.execute("INSERT INTO bench_raw_inserts (originator_id, originator_version, topic, state) "
                               "VALUES (%s, %s, %s, %s)", (uuid.uuid4(), count, "bench:Event", payload))
            t1 = time.perf_counter()
            latencies.append(t1 - t0)
            count += 1
            if t1 >= deadline:
                break
        elapsed = time.perf_counter() - start
        connection.execute("DROP TABLE bench_raw_inserts")
    return count / elapsed, latencies


def raw_scan_rate(container, after: int = 0) -> tuple[float, int]:
    """Read the event table (after position ``after``) in the projections' batch size and decode
    every event."""
    store = container.store
    batch = container.projections.batch_size
    position, count = after, 0
    start = time.perf_counter()
    while True:
        notifications = store.recorder.select_notifications(start=position, limit=batch, inclusive_of_start=False)
        if not notifications:
            break
        for notification in notifications:
            store.mapper.to_domain_event(notification)
        position = notifications[-1].id
        count += len(notifications)
    return count / (time.perf_counter() - start), count


# --- the figures ---------------------------------------------------------------------------------


# Reads of a page of rows (the rest are reports over a whole municipality or the country).
LIST_READS = ("trajectory list", "worklist", "money of one trajectory")


def rebuild_rate(container) -> tuple[float, int]:
    runner = container.projections
    events = runner.log_size()
    start = time.perf_counter()
    runner.rebuild_all()
    return events / (time.perf_counter() - start), events


def steady_state(url: str) -> None:
    """VACUUM ANALYZE, as autovacuum leaves a database that has been running for a while: fresh
    planner statistics and visibility maps (index-only scans) after the bulk load."""
    with raw_connection(url) as connection:
        connection.execute("VACUUM (ANALYZE)")


def read_latencies(container, repeats: int) -> dict[str, float]:
    """Median latency (ms) of the national and a municipal funnel and of a worklist, for the
    largest municipality of the population."""
    from datetime import timedelta

    from adapters import queries
    from domain.access import TrajectoryScope

    url = container.database_url
    steady_state(url)
    today = container.clock.today()
    horizon = today + timedelta(days=container.settings.deviation_ending_days)
    reads: dict[str, Callable[[], object]] = {
        "funnel national": lambda: queries.funnel(url, queries.FunnelScope()),
        "funnel municipality": lambda: queries.funnel(url, queries.FunnelScope(municipality=LARGEST[0])),
        "worklist": lambda: queries.worklist(url, LARGEST[0], today=today, deviation_horizon=horizon, limit=50),
        "trajectory list": lambda: queries.list_trajectories(url, queries.PageRequest(1, 50), TrajectoryScope(LARGEST[0])),
    }
    return median_latencies(reads, repeats)


def median_latencies(reads: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Per read, the median latency (ms) of ``repeats`` calls after one to warm up."""
    result = {}
    for name, read in reads.items():
        read()  # warm
        samples = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            read()
            samples.append(time.perf_counter() - t0)
        result[name] = ms(statistics.median(samples))
    return result


def money_latencies(container, trajectory_id: Any, repeats: int = 3) -> dict[str, float]:
    """Median latency (ms) of the money report of the largest municipality's klantmanager and of one trajectory's
    money, as the service layer reads them (each from the part of the log it needs)."""
    from domain.money import AsOf
    from domain.values import Actor, Role

    as_of = AsOf(container.clock.today())
    km = Actor("bench", Role.KLANTMANAGER, LARGEST[0])
    reads: dict[str, Callable[[], object]] = {
        "money report municipality": lambda: container.money.report(km, as_of),
        "money of one trajectory": lambda: container.money.trajectory_money(km, trajectory_id, as_of, trace_id="bench"),
    }
    return median_latencies(reads, repeats)


def first_trajectory(url: str, municipality: str) -> Any:
    from adapters.database import read_session
    from adapters.tables import trajectory_summaries as t

    with read_session(url) as session:
        return session.execute(
            sqlalchemy.select(t.c.trajectory_id)
            .where(t.c.municipality == municipality)
            .order_by(t.c.registered_on, t.c.trajectory_id)
            .limit(1)
        ).scalar_one()


def visibility(container, seconds: float, *, client: int = 40, first_number: int = 8_000_000) -> tuple[list[float], list[float]]:
    """One writer: each command's own latency, then the time from its answer until every read
    model includes it (the workers run in this process, as on the embedded default, or in a
    worker process of their own that the service's messages reach through Redis)."""
    from bench.workload import InProcessRoutes

    routes = InProcessRoutes(container, client=client, first_number=first_number)
    names = container.projections.names()
    writes, visible = [], []
    deadline = time.perf_counter() + seconds
    # The probe is one plain query on a connection of its own (no projection stops here): the
    # in-process workers share this process's interpreter, and a heavier probe would slow them.
    with raw_connection(container.database_url) as probe:
        def reached() -> int:
            row = probe.execute("SELECT min(position) FROM projection_positions WHERE name = ANY(%s)", (names,)).fetchone()
            return int(row[0] or 0) if row else 0

        for command in routes.commands():
            t0 = time.perf_counter()
            outcome = command()
            t1 = time.perf_counter()
            while reached() < (outcome.position or 0):
                time.sleep(0.001)  # a tighter poll would take the worker's CPU
            t2 = time.perf_counter()
            writes.append(t1 - t0)
            visible.append(t2 - t1)
            if t2 >= deadline:
                break
    return writes, visible


@contextmanager
def profiled(enabled: bool, name: str, stamp: str, echo: Callable[[str], None]) -> Iterator[None]:
    if not enabled:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"profile-{stamp}-{name}.txt"
        path.write_text(profiler.output_text(unicode=True, show_all=False))
        (RESULTS / f"profile-{stamp}-{name}.html").write_text(profiler.output_html())
        echo(f"  profile of {name}: {path}")


def run(options: Options, echo: Callable[[str], None] = print) -> dict[str, Any]:
    from bench.generator import generate
    from bench.workload import InProcessRoutes

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    figures: list[Figure] = []
    facts: dict[str, Any] = {}
    url = fresh_database(options.database)
    data_dir = Path(tempfile.mkdtemp(prefix="leerroute-bench-"))
    echo(f"benchmark database {make_url(url).render_as_string(hide_password=True)}; populations of {options.small:,} "
         f"and {options.large:,} routes (seed {options.seed}), {options.seconds:g} s per write figure")
    container = build_container(url, data_dir)

    def grow(first: int, count: int) -> None:
        t0 = time.perf_counter()
        generate(container, routes=count, seed=options.seed, first=first, batch=500)
        elapsed = time.perf_counter() - t0
        facts.setdefault("generation", []).append({"routes": count, "seconds": round(elapsed, 1)})
        echo(f"  generated {count:,} routes in {elapsed:.1f} s ({count / elapsed:,.0f} routes/s); log {container.projections.log_size():,} events")

    # The small population: the read models rebuilt from scratch, then the reads.
    grow(0, options.small)
    scan, events = raw_scan_rate(container)
    with profiled(options.profile, "rebuild", stamp, echo):
        rebuild, _ = rebuild_rate(container)
    figures.append(Figure(f"rebuild, {len(container.projections.names())} projections, {events:,} events", rebuild, "ev/s",
                          scan, "raw scan+decode", "rebuild", {"events": events}))
    echo(figures[-1].line())
    repeats = 15
    small_reads = read_latencies(container, repeats)
    money_trajectory = first_trajectory(url, LARGEST[0])
    small_reads.update(money_latencies(container, money_trajectory))

    # The large population (the small one is its prefix): caught up, then the same reads.
    if options.large > options.small:
        caught_up = container.projections.log_size()
        grow(options.small, options.large - options.small)
        new_scan, _ = raw_scan_rate(container, after=caught_up)
        with profiled(options.profile, "catch-up", stamp, echo):
            t0 = time.perf_counter()
            applied = container.projections.catch_up()
            elapsed = time.perf_counter() - t0
        against_rebuild = applied / elapsed / rebuild
        facts["catchUp"] = {"events": applied, "eventsPerSecond": round(applied / elapsed, 1),
                            "againstRebuild": round(against_rebuild, 3)}
        figures.append(Figure(f"read models caught up after a bulk load, {applied:,} events", applied / elapsed, "ev/s",
                              new_scan, "raw scan+decode", "catch-up", {"events": applied}))
        echo(figures[-1].line())
        echo(f"  the catch-up against the small population's rebuild: {applied / elapsed:,.0f} against {rebuild:,.0f} ev/s"
             f" ({against_rebuild:.2f})")
    large_reads = read_latencies(container, repeats)
    with profiled(options.profile, "money-report", stamp, echo):
        large_reads.update(money_latencies(container, money_trajectory))
    for name in small_reads:
        figures.append(Figure(f"{name} at {size(options.large)} routes", large_reads[name], "ms", small_reads[name],
                              size(options.small), "list latency" if name in LIST_READS else "report latency"))
        echo(figures[-1].line())

    # Writes, on the large database.
    floor, raw_latencies = raw_insert_rate(url, options.seconds)
    facts["rawInsert"] = {"perSecond": round(floor, 1), "p50Ms": round(ms(percentile(raw_latencies, 0.5)), 3),
                          "p99Ms": round(ms(percentile(raw_latencies, 0.99)), 3)}
    echo(f"  raw single-row INSERTs: {floor:,.0f}/s (p50 {facts['rawInsert']['p50Ms']} ms)")

    with profiled(options.profile, "commands", stamp, echo):
        timings = InProcessRoutes(container, client=0, first_number=0).run_for(options.seconds)
    container.workers.broker.flush_all()
    figures.append(Figure("commands in-process, 1 writer", timings.rate, "cmd/s", floor, "raw INSERT", "commands in-process",
                          {"p50Ms": round(ms(percentile(timings.latencies, 0.5)), 3),
                           "p99Ms": round(ms(percentile(timings.latencies, 0.99)), 3)}))
    echo(figures[-1].line())

    from bench.import_bench import import_figures

    imported = import_figures(container, url, data_dir, rows=10_000, seed=options.seed, today=BENCH_TODAY.date(), echo=echo)
    container.workers.broker.flush_all()
    figures.append(Figure("spreadsheet import, 10k-row workbook", imported["importRowsPerSecond"], "rows/s",
                          imported["serviceRowsPerSecond"], "service 1 by 1", "import rows",
                          {k: imported[k] for k in ("fileKb", "rssGrowthKb", "memoryRatio")}))
    echo(figures[-1].line())

    container.workers.start(policies=False)
    try:
        container.projections.catch_up()
        writes, visible = visibility(container, options.seconds)
    finally:
        container.workers.stop()
    write_p99, visible_p99 = ms(percentile(writes, 0.99)), ms(percentile(visible, 0.99))
    figures.append(Figure("read-model visibility p99 after a write", visible_p99, "ms", write_p99, "write p99",
                          "visibility p99", {"samples": len(visible), "visibleP50Ms": round(ms(percentile(visible, 0.5)), 3),
                                             "writeP50Ms": round(ms(percentile(writes, 0.5)), 3)}))
    echo(figures[-1].line())

    from bench import notifications as notification_bench

    n = notification_bench.measure(container, options.seconds)
    figures.append(Figure(f"notification deliveries/s ({n.deliveries} from a backlog)", n.deliveries_per_second, "del/s",
                          n.posts_per_second, "plain POSTs/s", "deliveries"))
    echo(figures[-1].line())
    figures.append(Figure("write-to-delivery p99 (workers in process)", n.delivery_p99_ms, "ms", n.write_p99_ms, "write p99",
                          "delivery p99", {"samples": n.samples, "deliveryP50Ms": round(n.delivery_p50_ms, 3),
                                           "writeP50Ms": round(n.write_p50_ms, 3)}))
    echo(figures[-1].line())

    from bench.http import http_figures

    figures += http_figures(container, url, data_dir, floor, clients=options.clients, seconds=options.seconds,
                            trajectory_id=money_trajectory, municipality=LARGEST[0], processes=options.processes,
                            redis_url=options.redis_url, echo=echo)

    result = {
        "startedAt": stamp,
        "populations": {"small": options.small, "large": options.large, "seed": options.seed},
        "secondsPerWriteFigure": options.seconds,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "postgres": _server_version(url),
        "figures": [f.as_dict() for f in figures],
        "reads": {"small": small_reads, "large": large_reads},
        **facts,
    }
    output = options.output or RESULTS / f"bench-{stamp}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    met = sum(f.met for f in figures)
    echo(f"{met} of {len(figures)} targets met; results in {output}")
    from adapters.database import dispose_engine

    dispose_engine(url)
    return result


def _server_version(url: str) -> str:
    with raw_connection(url) as connection:
        return str(connection.execute("SHOW server_version").fetchone()[0])

