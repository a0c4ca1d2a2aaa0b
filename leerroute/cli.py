"""The `leerroute` command: serve the API, apply migrations, print development tokens."""

from __future__ import annotations

from datetime import timedelta
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
    workers: Annotated[bool, typer.Option(help="Run the workers in this process (default: when REDIS_URL is unset)")] = None,  # type: ignore[assignment]
) -> None:
    """Apply migrations and serve the HTTP API (docs at /docs)."""
    import uvicorn

    from api.main import create_app
    from leerroute.bootstrap import build

    container = build()
    console.print(f"leerroute on http://{host}:{port}/docs, database {container.settings.effective_database_url}")
    uvicorn.run(create_app(container, run_worker=workers), host=host, port=port)


@cli.command()
def worker(
    threads: Annotated[int, typer.Option(help="Worker threads")] = 2,
) -> None:
    """Run the dramatiq worker and the periodic catch-up until stopped (SIGINT/SIGTERM)."""
    import signal
    import threading

    from leerroute.bootstrap import build

    container = build()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    container.start_worker(threads=threads)
    console.print(f"leerroute worker on {container.settings.redis_url or 'the in-process broker'}")
    try:
        stop.wait()
    finally:
        container.stop_worker()


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
    role: Annotated[Role, typer.Option(help="klantmanager, employer, fund or procesregie")],
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


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
