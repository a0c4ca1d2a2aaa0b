"""dramatiq actors. They are thin: each calls the one thing it is given.

Actors are bound per broker (each leerroute instance has its own), so one process can hold
several instances, as the tests do, without a global broker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

import dramatiq

PROJECTIONS_QUEUE = "projections"
POLICIES_QUEUE = "policies"
NOTIFICATIONS_QUEUE = "notifications"
IMPORTS_QUEUE = "imports"


@dataclass
class Actors:
    catch_up_projections: dramatiq.Actor
    run_time_policies: dramatiq.Actor
    run_import: dramatiq.Actor
    deliver_notifications: dramatiq.Actor | None = None


def bind_actors(
    broker: dramatiq.Broker, *, catch_up: Callable[[], object], run_policies: Callable[[], int],
    run_import: Callable[[str], object] = lambda import_id: None,
) -> Actors:
    """``catch_up`` brings the read models up to the end of the log; ``run_policies`` records
    the milestones time has made due (and returns how many); ``run_import`` checks or imports
    the rows of one spreadsheet import (run again after a crash, it finishes without doubling)."""

    def run_spreadsheet_import(import_id: str) -> None:
        run_import(import_id)

    def catch_up_projections() -> None:
        catch_up()

    def run_time_policies() -> None:
        if run_policies():
            catch_up()

    options = {"max_retries": 3, "min_backoff": 200, "max_backoff": 5000}
    return Actors(
        catch_up_projections=dramatiq.Actor(
            catch_up_projections, broker=broker, actor_name="catch_up_projections",
            queue_name=PROJECTIONS_QUEUE, priority=0, options=options,
        ),
        run_time_policies=dramatiq.Actor(
            run_time_policies, broker=broker, actor_name="run_time_policies",
            queue_name=POLICIES_QUEUE, priority=10, options=options,
        ),
        run_import=dramatiq.Actor(
            run_spreadsheet_import, broker=broker, actor_name="run_spreadsheet_import", queue_name=IMPORTS_QUEUE, priority=20,
            options={**options, "time_limit": 6 * 3600 * 1000},
        ),
    )


def bind_notification_actors(broker: dramatiq.Broker, *, deliver: Callable[[UUID], int]) -> dramatiq.Actor:
    """``deliver_notifications`` delivers to one subscription from its cursor (the dispatcher's
    lease keeps one run per subscription). Its retries are the dispatcher's own (a delayed message
    after a backoff), not dramatiq's."""

    def deliver_notifications(subscription_id: str) -> None:
        deliver(UUID(subscription_id))

    return dramatiq.Actor(
        deliver_notifications, broker=broker, actor_name="deliver_notifications", queue_name=NOTIFICATIONS_QUEUE,
        priority=5, options={"max_retries": 0, "time_limit": 3_600_000},
    )
