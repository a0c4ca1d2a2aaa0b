"""`leerroute notifications ...`: the delivery status of every subscription, and a delivery run."""

from __future__ import annotations

import threading
import time
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

notifications_cli = typer.Typer(help="Notifications: subscriptions' cursors, lag and deliveries.", no_args_is_help=True)
console = Console()


def _table(statuses: list) -> Table:
    table = Table(title="subscriptions")
    for column in ("subscription", "organisation", "status", "position", "lag (events)", "lag (s)", "delivered", "failing",
                   "last attempt"):
        table.add_column(column)
    for s in statuses:
        last = s.attempts[0] if s.attempts else None
        attempt = "" if last is None else f"{last.attempted_at:%Y-%m-%d %H:%M:%S} {last.status_code or '-'} {last.latency_ms} ms {last.error or ''}"
        table.add_row(
            str(s.subscription.id), f"{s.subscription.organisation} ({s.subscription.role})", str(s.subscription.status),
            f"{s.position}/{s.log_end}", str(s.lag_events), f"{s.lag_seconds:.1f}", str(s.delivered),
            f"since {s.failing_since:%Y-%m-%d %H:%M}" if s.failing else "no", attempt,
        )
    return table


@notifications_cli.command("status")
def status(
    subscription: Annotated[str | None, typer.Option(help="Only this subscription, with its recent attempts")] = None,
    follow: Annotated[float, typer.Option(help="Show a progress bar while subscriptions catch up, for at most this many seconds")] = 0.0,
) -> None:
    """Each subscription's cursor, lag in events and seconds, failing state and last attempt."""
    from leerroute.bootstrap import build

    container = build()
    queries = container.subscriptions

    def statuses() -> list:
        found = queries.all_statuses()
        return [s for s in found if subscription is None or str(s.subscription.id) == subscription]

    current = statuses()
    if subscription is not None and not current:
        raise typer.BadParameter(f"no subscription {subscription}", param_hint="--subscription")
    console.print(_table(current))
    if subscription is not None:
        attempts = Table(title="recent attempts")
        for column in ("time", "position", "event", "type", "status", "latency", "error"):
            attempts.add_column(column)
        for a in current[0].attempts:
            attempts.add_row(f"{a.attempted_at:%Y-%m-%d %H:%M:%S}", str(a.position), a.event_id, a.event_type,
                             str(a.status_code or "-"), f"{a.latency_ms} ms", a.error or "")
        console.print(attempts)
    lagging = [s for s in current if s.lag_events and str(s.subscription.status) == "active"]
    if follow <= 0 or not lagging:
        return
    deadline = time.monotonic() + follow
    pause = threading.Event()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  console=console) as progress:
        tasks = {s.subscription.id: progress.add_task(str(s.subscription.id), total=s.log_end, completed=s.position)
                 for s in lagging}
        while time.monotonic() < deadline:
            behind = 0
            for s in statuses():
                task = tasks.get(s.subscription.id)
                if task is not None:
                    progress.update(task, total=s.log_end, completed=s.position)
                    behind += s.lag_events
            if not behind:
                break
            pause.wait(0.5)


@notifications_cli.command("deliver")
def deliver(subscription: Annotated[str | None, typer.Option(help="Only this subscription")] = None) -> None:
    """One delivery run now, in this process: brings the read models up to date and delivers what is due."""
    from leerroute.bootstrap import build

    container = build()
    container.projections.catch_up()
    if subscription is not None:
        delivered = container.dispatcher.deliver(UUID(subscription))
    else:
        delivered = container.dispatcher.deliver_due()
    typer.echo(f"delivered {delivered} notifications")
