"""The `leerroute` command: serve the API, apply migrations, print development tokens."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from domain.values import Role

cli = typer.Typer(help="leerroute: leerwerktrajecten, event-sourced.", no_args_is_help=True)
console = Console(stderr=True)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[bool | None, typer.Option(help="Run the workers in this process (default: when REDIS_URL is unset)")] = None,
) -> None:
    """Apply migrations and serve the HTTP API (docs at /docs)."""
    import uvicorn

    from api.main import create_app
    from leerroute.bootstrap import build

    container = build()
    console.print(f"leerroute on http://{host}:{port}/docs, database {container.settings.effective_database_url}")
    # An idle keep-alive connection is closed after LEERROUTE_KEEP_ALIVE_SECONDS; a body that
    # trickles in is cut off by api.edge (LEERROUTE_BODY_TIMEOUT_SECONDS). Headers that trickle
    # in are for the reverse proxy in front to time out (see the README).
    uvicorn.run(
        create_app(container, run_worker=workers), host=host, port=port,
        timeout_keep_alive=max(1, round(container.settings.keep_alive_seconds)),
    )


@cli.command()
def worker(
    threads: Annotated[int, typer.Option(help="Worker threads")] = 2,
    policies: Annotated[bool, typer.Option(help="Also run the time-driven policies on their schedule")] = True,
) -> None:
    """Run the dramatiq worker and the periodic catch-up until stopped (SIGINT/SIGTERM)."""
    import signal
    import threading

    from leerroute.bootstrap import build

    container = build()
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


projections_cli = typer.Typer(help="Read models: status and rebuild.", no_args_is_help=True)
cli.add_typer(projections_cli, name="projections")


@projections_cli.command("status")
def projections_status() -> None:
    """How far each read model has read the log."""
    from leerroute.bootstrap import build

    container = build()
    end = container.projections.log_size()
    for name in container.projections.names():
        typer.echo(f"{name}: {container.projections.position(name)} of {end}")


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
    profile: Annotated[bool, typer.Option(help="Profile the rebuild and the in-process commands (pyinstrument)")] = False,
    output: Annotated[Path | None, typer.Option(help="JSON result file (default bench/results/bench-<time>.json)")] = None,
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
    run(Options(small=small, large=large, seconds=seconds, seed=seed, database=database, profile=profile, output=output),
        echo=typer.echo)


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


from leerroute.importing.cli import import_command  # noqa: E402  (the command lives with the import)

cli.command("import")(import_command)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
