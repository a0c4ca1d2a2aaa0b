"""The `leerroute` command: serve the API, apply migrations, print development tokens."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from domain.values import Role
from leerroute import notifications_cli as notifications

cli = typer.Typer(help="leerroute: leerwerktrajecten, event-sourced.", no_args_is_help=True)
console = Console(stderr=True)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[bool | None, typer.Option(help="Run the workers in this process (default: when REDIS_URL is unset)")] = None,
    processes: Annotated[int, typer.Option("--processes", help="uvicorn worker processes serving the API (see the README)", min=1)] = 1,
) -> None:
    """Apply migrations and serve the HTTP API (docs at /docs)."""
    import os

    import uvicorn

    from adapters import logs
    from api.main import IN_PROCESS_WORKERS, create_app
    from leerroute.bootstrap import build

    container = build()
    logs.configure(container.settings.log_format)
    console.print(f"leerroute on http://{host}:{port}/docs, database {container.settings.effective_database_url}")
    # An idle keep-alive connection is closed after LEERROUTE_KEEP_ALIVE_SECONDS; a body that
    # trickles in is cut off by api.edge (LEERROUTE_BODY_TIMEOUT_SECONDS). Headers that trickle
    # in are for the reverse proxy in front to time out (see the README).
    keep_alive = max(1, round(container.settings.keep_alive_seconds))
    if processes == 1:
        uvicorn.run(create_app(container, run_worker=workers), host=host, port=port, timeout_keep_alive=keep_alive, log_config=None)
        return
    # Several processes: each builds its own container (the migrations are applied above, once).
    if workers is not None:
        os.environ[IN_PROCESS_WORKERS] = "1" if workers else "0"
    uvicorn.run("api.main:app_from_environment", factory=True, workers=processes, host=host, port=port,
                timeout_keep_alive=keep_alive, log_config=None)


@cli.command()
def worker(
    threads: Annotated[int, typer.Option(help="Worker threads")] = 2,
    policies: Annotated[bool, typer.Option(help="Also run the time-driven policies on their schedule")] = True,
    metrics_port: Annotated[int | None, typer.Option(help="Serve this worker's Prometheus metrics on this port")] = None,
    metrics_host: Annotated[str, typer.Option(help="Interface of the metrics port (0.0.0.0 inside a container)")] = "127.0.0.1",
) -> None:
    """Run the dramatiq worker and the periodic catch-up until stopped (SIGINT/SIGTERM)."""
    import signal
    import threading

    from adapters import logs
    from leerroute.bootstrap import build

    container = build()
    logs.configure(container.settings.log_format)
    if metrics_port is not None:
        from prometheus_client import REGISTRY, start_http_server

        REGISTRY.register(container.live_metrics)
        start_http_server(metrics_port, addr=metrics_host)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    container.workers.start(threads=threads, policies=policies)
    console.print(f"leerroute worker on {container.settings.redis_url or 'the in-process broker'}")
    try:
        stop.wait()
    finally:
        container.workers.stop()


@cli.command()
def migrate() -> None:
    """Apply every Alembic migration to the configured database."""
    from adapters import migrations
    from leerroute.settings import Settings

    url = Settings().effective_database_url
    migrations.upgrade(url)
    console.print(f"migrated {url}")


@cli.command()
def token(
    role: Annotated[Role, typer.Option(help="klantmanager, employer, fund, procesregie or privacy-officer")],
    org: Annotated[str, typer.Option(help="Municipality code (GM0363), KvK number or fund id")],
    subject: Annotated[str, typer.Option(help="Who the token is for")] = "dev-user",
    hours: Annotated[int, typer.Option(help="Hours the token is valid")] = 8,
) -> None:
    """Print a development token signed with the configured key."""
    from adapters.clock import SystemClock
    from adapters.tokens import TokenService
    from leerroute.settings import Settings

    settings = Settings()
    service = TokenService(settings.effective_jwt_secret, settings.jwt_issuer, settings.jwt_audience)
    try:
        value = service.issue(subject=subject, role=role, organisation=org, now=SystemClock().now(), ttl=timedelta(hours=hours))
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--org") from None
    typer.echo(value)


projections_cli = typer.Typer(help="Read models: status, resume and rebuild.", no_args_is_help=True)
cli.add_typer(projections_cli, name="projections")


@projections_cli.command("status")
def projections_status() -> None:
    """How far each read model has read the log; a stopped one with the event it stopped at and
    the error (exit 1 when one is stopped)."""
    from leerroute.bootstrap import build

    container = build()
    end = container.projections.log_size()
    states = container.projections.states()
    for state in states:
        typer.echo(f"{state.name}: {state.position} of {end}")
        if state.stopped is not None:
            f = state.stopped
            typer.echo(f"  stopped at log position {f.position} ({f.topic}) since {f.failed_at:%Y-%m-%d %H:%M:%S}: {f.error}")
    if any(state.stopped for state in states):
        raise typer.Exit(1)


@projections_cli.command("resume")
def projections_resume(
    name: Annotated[str | None, typer.Argument(help="One projection; every stopped one when left out")] = None,
) -> None:
    """Let a stopped read model go on from the event it stopped at (after the fix), without a
    rebuild; the workers also do this each time they start."""
    from leerroute.bootstrap import build

    container = build()
    runner = container.projections
    if name is not None and name not in runner.names():
        raise typer.BadParameter(f"unknown projection {name}; known: {', '.join(runner.names())}")
    resumed = runner.resume([name] if name else None)
    runner.catch_up()
    still = [s for s in runner.states() if s.stopped is not None and s.name in resumed]
    for state in still:
        assert state.stopped is not None
        typer.echo(f"{state.name} stopped again at log position {state.stopped.position}: {state.stopped.error}")
    typer.echo(f"resumed {', '.join(resumed) or 'nothing (none was stopped)'}")
    if still:
        raise typer.Exit(1)


@projections_cli.command("rebuild")
def projections_rebuild(
    name: Annotated[str | None, typer.Argument(help="One projection; all when left out")] = None,
) -> None:
    """Replay the whole log into fresh read-model tables. Readers keep the old rows until the
    new ones are complete (the rebuild is one transaction); a rebuild that is stopped changes
    nothing."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from leerroute.bootstrap import build

    container = build()
    runner = container.projections
    names = [name] if name else runner.names()
    unknown = [n for n in names if n not in runner.names()]
    if unknown:
        raise typer.BadParameter(f"unknown projection {unknown[0]}; known: {', '.join(runner.names())}")
    total = runner.log_size()
    label = f"rebuild {', '.join(names)}"
    if not console.is_terminal:  # a log, not a screen: one line per batch
        done = [0]

        def report(n: int) -> None:
            done[0] += n
            console.print(f"{label}: {done[0]}/{total}")

        runner.rebuild_all(names, on_batch=report)
    else:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console) as bar:
            task = bar.add_task(label, total=total)
            runner.rebuild_all(names, on_batch=lambda n: bar.advance(task, n))
    console.print(f"rebuilt {', '.join(names)} from {total} events")


@cli.command()
def verify(
    anchor: Annotated[
        Path | None,
        typer.Option(help="A file with the chain heads of an earlier run (kept outside the database): checked, then updated"),
    ] = None,
) -> None:
    """Re-check the hash chain of every event in the store. Names each event that was changed,
    removed, inserted or reordered, and exits with 1 if any was. With --anchor, also catches
    events rewritten together with their chain records since the anchor was taken."""
    import json

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from sqlalchemy import func, select

    from adapters.database import get_engine
    from adapters.hash_chain import verify as verify_store
    from adapters.tables import events
    from leerroute.settings import Settings

    anchored = None
    if anchor is not None and anchor.exists():
        try:
            anchored = {k: (int(v[0]), str(v[1])) for k, v in json.loads(anchor.read_text()).items()}
        except (ValueError, TypeError, IndexError, KeyError) as error:
            raise typer.BadParameter(f"not an anchor written by leerroute verify: {error}", param_hint="--anchor") from None
    engine = get_engine(Settings().effective_database_url)
    with engine.connect() as connection:
        total = connection.execute(select(func.count()).select_from(events)).scalar_one()
        columns = (TextColumn("verify"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console, disable=not console.is_terminal) as bar:
            task = bar.add_task("verify", total=total)
            report = verify_store(connection, anchor=anchored, on_progress=lambda n: bar.advance(task, n))
    for finding in report.findings:
        typer.echo(str(finding))
    if not report.intact:
        console.print(f"[red]{len(report.findings)} finding(s)[/red] in {report.events} events of {report.aggregates} aggregates")
        raise typer.Exit(1)
    console.print(f"intact: {report.events} events of {report.aggregates} aggregates")
    if anchor is not None:
        fresh = anchor.with_name(anchor.name + ".tmp")
        fresh.write_text(json.dumps(report.heads, sort_keys=True))
        fresh.replace(anchor)
        console.print(f"anchor {'updated' if anchored is not None else 'written'}: {anchor}")


@cli.command()
def bench(
    quick: Annotated[bool, typer.Option(help="Populations of 1k and 10k routes instead of 10k and 100k")] = False,
    routes: Annotated[tuple[int, int] | None, typer.Option(help="The small and the large population, e.g. --routes 10000 100000")] = None,
    seconds: Annotated[float, typer.Option(help="Seconds per write figure")] = 10.0,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic population")] = 2026,
    database: Annotated[str, typer.Option(help="Name of the benchmark database (dropped and created anew)")] = "leerroute_bench",
    profile: Annotated[bool, typer.Option(help="Profile the rebuild, the catch-up, the money reads and the in-process commands (pyinstrument)")] = False,
    output: Annotated[Path | None, typer.Option(help="JSON result file (default bench/results/bench-<time>.json)")] = None,
    redis_url: Annotated[str | None, typer.Option(help="Also measure with a worker process on this Redis (a database of its own)")] = None,
    processes: Annotated[int, typer.Option(help="uvicorn worker processes of the API under HTTP load", min=1)] = 1,
) -> None:
    """Measure leerroute on PostgreSQL: every figure a ratio against a floor measured in the same
    run (raw INSERTs, a raw scan of the log, the smaller population)."""
    from bench.run import Options, run

    small, large = routes if routes else ((1_000, 10_000) if quick else (10_000, 100_000))
    if not 0 < small <= large:
        raise typer.BadParameter("give a small and a large population, 0 < small <= large", param_hint="--routes")
    if seconds <= 0:
        raise typer.BadParameter("must be positive", param_hint="--seconds")
    if profile:
        try:
            import pyinstrument  # noqa: F401
        except ImportError:
            raise typer.BadParameter("pyinstrument is not installed: pip install -e '.[bench]'", param_hint="--profile") from None
    run(Options(small=small, large=large, seconds=seconds, seed=seed, database=database, profile=profile, output=output,
                redis_url=redis_url, processes=processes), echo=typer.echo)


@cli.command("policies")
def run_policies() -> None:
    """Record the milestones time has made due (lasting placements, check-ins, stalled routes)."""
    from leerroute.bootstrap import build

    container = build()
    recorded = container.time_policies.run()
    container.projections.catch_up()
    typer.echo(f"recorded {recorded} milestones")


money_cli = typer.Typer(help="The money: agreements, claims and bijstand savings.", no_args_is_help=True)
cli.add_typer(money_cli, name="money")


@money_cli.command("reconcile")
def money_reconcile(
    repair: Annotated[bool, typer.Option("--repair", help="Rebuild the money read models from the log when they differ")] = False,
) -> None:
    """Re-derive the money read models (agreements, claims, saving periods, digests) from the log and print
    every difference from the stored rows; exit 1 when there is one (after --repair: when one remains)."""
    from adapters.money.reconcile import differences
    from leerroute.bootstrap import build

    container = build()
    container.projections.catch_up()
    baseline = container.settings.savings_baseline
    found = differences(container.store, container.database_url, baseline)
    for difference in found:
        typer.echo(str(difference))
    if not found:
        typer.echo("the money read models equal the log")
        return
    typer.echo(f"{len(found)} differences")
    if not repair:
        raise typer.Exit(1)
    container.projections.rebuild("money")
    remaining = differences(container.store, container.database_url, baseline)
    for difference in remaining:
        typer.echo(f"after repair: {difference}")
    if remaining:
        raise typer.Exit(1)
    typer.echo("repaired: the money read models equal the log")


keys_cli = typer.Typer(help="The master key of personal data: rotation.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")


@keys_cli.command("status")
def keys_status() -> None:
    """How many candidate keys each master key wraps (exit 1 while some are not yet under the current one)."""
    from adapters.database import read_session
    from leerroute.bootstrap import build

    container = build()
    vault = container.vault
    with read_session(container.database_url) as session:
        counts = vault.keys_by_master(session)
    for master, count in sorted(counts.items(), key=lambda item: (item[0] != vault.current_key_id, str(item[0]))):
        label = "current" if master == vault.current_key_id else "previous" if master in vault.key_ids else "not configured"
        typer.echo(f"{master or 'before key ids'}: {count} ({label})")
    if any(master != vault.current_key_id for master in counts):
        raise typer.Exit(1)


@keys_cli.command("rotate")
def keys_rotate(
    batch_size: Annotated[int, typer.Option(help="Candidate keys re-wrapped per transaction", min=1)] = 200,
    limit: Annotated[int | None, typer.Option(help="Re-wrap at most this many keys, then stop (to spread the work)", min=1)] = None,
) -> None:
    """Re-wrap every candidate's key under the current master key (LEERROUTE_PERSONAL_DATA_SECRET),
    while the service runs. The previous master keys (LEERROUTE_PERSONAL_DATA_PREVIOUS_SECRETS)
    stay accepted until this has finished; stopped halfway, it goes on where it was when run again."""
    from adapters.key_rotation import remaining, rotate
    from leerroute.bootstrap import build

    container = build(migrate=False)  # changes no schema, and writes nothing but the keys
    vault = container.vault
    typer.echo(f"{remaining(container.database_url, vault)} candidate keys to re-wrap under master key {vault.current_key_id}")
    done = rotate(
        container.database_url, vault, batch_size=batch_size, limit=limit,
        on_batch=lambda so_far, left: typer.echo(f"re-wrapped {so_far}, {left} to go"),
    )
    from adapters.database import write_session

    with write_session(container.database_url) as session:  # the subscriptions' signing secrets too
        resealed = container.secret_box.reseal(session)
    if resealed:
        typer.echo(f"sealed {resealed} subscription secrets again under master key {vault.current_key_id}")
    left = remaining(container.database_url, vault)
    if left:
        typer.echo(f"re-wrapped {done} candidate keys; {left} still to do: run leerroute keys rotate again")
        return
    typer.echo(f"re-wrapped {done} candidate keys; every key is wrapped by master key {vault.current_key_id}")
    typer.echo("the previous master keys can now be removed from LEERROUTE_PERSONAL_DATA_PREVIOUS_SECRETS")


notifications_cli = notifications.notifications_cli
cli.add_typer(notifications_cli, name="notifications")

from leerroute.importing.cli import import_command  # noqa: E402  (the command lives with the import)

cli.command("import")(import_command)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
