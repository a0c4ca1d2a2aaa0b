"""The workers of one leerroute instance: the dramatiq worker that consumes the actors'
messages, and a periodic thread that catches the read models up every few seconds (so a lost
message or a Redis outage only delays them) and runs the time-driven policies on their own
schedule."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol
from uuid import UUID

import dramatiq

from workers.actors import bind_actors, bind_notification_actors

log = logging.getLogger(__name__)


class Workers:
    def __init__(
        self,
        broker: dramatiq.Broker,
        *,
        catch_up: Callable[[], object],
        run_policies: Callable[[], int],
        catch_up_seconds: float,
        policy_seconds: float,
        notifications: NotificationWork | None = None,
        run_import: Callable[[str], object] = lambda import_id: None,
        on_start: Callable[[], object] = lambda: None,
    ):
        self.broker = broker
        self._catch_up = catch_up
        self._run_policies = run_policies
        self._catch_up_seconds = catch_up_seconds
        self._policy_seconds = policy_seconds
        self._on_start = on_start
        self._notifications = notifications
        self.actors = bind_actors(broker, catch_up=self._catch_up_and_dispatch, run_policies=run_policies, run_import=run_import)
        if notifications is not None:
            self.actors.deliver_notifications = bind_notification_actors(broker, deliver=notifications.deliver)
        self._worker: dramatiq.Worker | None = None
        self._stop = threading.Event()
        self._periodic: threading.Thread | None = None

    def log_grew(self) -> None:
        """Tell the workers the log has grown. A lost message only delays the read models: the
        periodic catch-up picks the events up anyway."""
        try:
            self.actors.catch_up_projections.send()
        except Exception as error:  # the broker is down: the periodic catch-up covers it
            log.warning("could not notify the workers (%s); the periodic catch-up will follow", error)

    def import_accepted(self, import_id: str) -> None:
        """Hand an accepted spreadsheet import to the workers (its rows are checked there)."""
        self.actors.run_import.send(import_id)

    def start(self, *, threads: int = 1, consume: bool = True, policies: bool = True) -> None:
        """Run the dramatiq worker (``consume``) and the periodic catch-up and policies here.
        ``on_start`` runs first (the stopped projections try again: this start may bring the fix)."""
        try:
            self._on_start()
        except Exception:
            log.exception("the start-up work of the workers failed; going on")
        if consume and self._worker is None:
            self._worker = dramatiq.Worker(self.broker, worker_threads=threads, worker_timeout=100)
            self._worker.start()
        if self._periodic is None:
            self._stop.clear()
            self._periodic = threading.Thread(target=self._periodic_work, args=(policies,), daemon=True)
            self._periodic.start()

    def stop(self) -> None:
        self._stop.set()
        if self._periodic is not None:
            self._periodic.join(timeout=30)
            self._periodic = None
        if self._worker is not None:
            self._worker.stop()
            # dramatiq's worker leaves its middleware on the broker, where it would start consumers
            # for the stopped worker on a queue declared later (and warns of a second one when
            # the workers start again): taken off with the worker.
            stopped = self._worker
            self.broker.middleware[:] = [m for m in self.broker.middleware if getattr(m, "worker", None) is not stopped]
            self._worker = None

    def _periodic_work(self, policies: bool) -> None:
        next_policies = time.monotonic()
        while not self._stop.is_set():
            try:
                self._catch_up()
                self._dispatch_due()
                if policies and time.monotonic() >= next_policies:
                    next_policies = time.monotonic() + self._policy_seconds
                    if self._run_policies():
                        self._catch_up()
            except Exception:
                log.exception("periodic work failed; trying again in %s s", self._catch_up_seconds)
            self._stop.wait(self._catch_up_seconds)

    def _catch_up_and_dispatch(self) -> object:
        """Bring the read models up to date, then deliver what they now include. A message that
        found nothing new (a burst of writes wakes the workers once per write; the first
        catch-up takes them all) leaves the dispatch to the catch-up that applied the events."""
        applied = self._catch_up()
        if applied:
            self._dispatch_due()
        return applied

    def _dispatch_due(self) -> None:
        """The periodic dispatch: finds the subscriptions that are due (a retry whose message
        was lost, a write whose message was) and sends their deliveries."""
        if self._notifications is not None and self.actors.deliver_notifications is not None:
            for subscription_id in self._notifications.due():
                self.actors.deliver_notifications.send(str(subscription_id))

    def retry_later(self, subscription_id: UUID, delay_seconds: float) -> None:
        """The dispatcher's retry of a subscription, after its backoff."""
        if self.actors.deliver_notifications is None:
            return
        try:
            self.actors.deliver_notifications.send_with_options(args=(str(subscription_id),), delay=int(delay_seconds * 1000))
        except Exception as error:  # the broker is down: the periodic dispatch finds it when it is due
            log.warning("could not schedule a notification retry (%s)", error)


class NotificationWork(Protocol):
    def due(self) -> list[UUID]: ...

    def deliver(self, subscription_id: UUID) -> int: ...
