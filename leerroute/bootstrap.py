"""The composition root: builds the application from configuration and wires the adapters.

Entry points (the API, the CLI, the workers) call ``build()`` once and use the container.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import dramatiq

from adapters import migrations
from adapters.clock import Clock, SystemClock
from adapters.eventstore import event_store_env
from adapters.projections import ProjectionRunner, RouteSummaries
from adapters.pseudonyms import Pseudonymiser
from adapters.tokens import TokenService
from adapters.unit_of_work import UnitOfWork
from leerroute.application import LeerrouteApplication
from leerroute.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    clock: Clock
    app: LeerrouteApplication
    unit_of_work: UnitOfWork
    projections: ProjectionRunner
    tokens: TokenService
    pseudonymise: Pseudonymiser
    _worker: dramatiq.Worker | None = field(default=None, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _periodic: threading.Thread | None = field(default=None, repr=False)

    @property
    def database_url(self) -> str:
        return self.settings.effective_database_url

    def written(self) -> None:
        """Tell the workers the log has grown. A lost message only delays the read models:
        the periodic catch-up picks the events up anyway."""
        from workers.actors import catch_up_projections

        try:
            catch_up_projections.send()
        except Exception as error:  # the broker is down: the periodic catch-up covers it
            log.warning("could not notify the workers (%s); the periodic catch-up will follow", error)

    def start_worker(self, *, periodic_seconds: float = 2.0, threads: int = 1) -> None:
        """Run the dramatiq worker and the periodic catch-up inside this process."""
        from workers.broker import broker

        if self._worker is None:
            self._worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
            self._worker.start()
        if self._periodic is None:
            self._stop.clear()
            self._periodic = threading.Thread(target=self._periodic_catch_up, args=(periodic_seconds,), daemon=True)
            self._periodic.start()

    def stop_worker(self) -> None:
        self._stop.set()
        if self._periodic is not None:
            self._periodic.join(timeout=10)
            self._periodic = None
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def _periodic_catch_up(self, seconds: float) -> None:
        while not self._stop.wait(seconds):
            try:
                self.projections.catch_up()
            except Exception:
                log.exception("periodic catch-up failed; trying again in %s s", seconds)


_current: Container | None = None


def build(settings: Settings | None = None, *, clock: Clock | None = None, migrate: bool = True) -> Container:
    global _current
    settings = settings or Settings()
    clock = clock or SystemClock(settings.timezone)
    url = settings.effective_database_url
    if migrate:
        migrations.upgrade(url)
    pseudonymise = Pseudonymiser(settings.effective_pseudonym_secret)
    app = LeerrouteApplication(event_store_env(url), pseudonymise_bsn=pseudonymise)
    container = Container(
        settings=settings,
        clock=clock,
        app=app,
        unit_of_work=UnitOfWork(url, clock, retries=settings.command_retries),
        projections=ProjectionRunner(app, url, [RouteSummaries()]),
        tokens=TokenService(settings.effective_jwt_secret, settings.jwt_issuer, settings.jwt_audience),
        pseudonymise=pseudonymise,
    )
    _current = container
    return container


def current_container() -> Container:
    if _current is None:
        return build()
    return _current
