"""The composition root: builds the application from configuration and wires the adapters.

Entry points (the API, the CLI, the workers) call ``build()`` once and use the container.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import dramatiq

from adapters import migrations, regions
from adapters.access_log import AccessLog
from adapters.clock import Clock, SystemClock
from adapters.eventstore import event_store_env
from adapters.money import MoneyProjection, fund_agreements, region_lookup
from adapters.personal_data import PersonalDataVault
from adapters.projections import Funnel, ProjectionRunner, RouteSummaries
from adapters.pseudonyms import Pseudonymiser
from adapters.tokens import OidcVerifier, TokenService, TokenVerifier
from adapters.unit_of_work import UnitOfWork
from domain.access import AccessPolicy, FundCoverage
from domain.money import fund_covers
from domain.trajectory import Trajectory
from leerroute.application import LeerrouteApplication
from leerroute.policies import TimePolicies
from leerroute.settings import Settings
from workers.actors import Actors, bind_actors
from workers.broker import make_broker

log = logging.getLogger(__name__)

DEFAULT_REGIONS = Path(__file__).with_name("regions.csv")


@dataclass
class Container:
    settings: Settings
    clock: Clock
    app: LeerrouteApplication
    unit_of_work: UnitOfWork
    projections: ProjectionRunner
    policies: TimePolicies
    tokens: TokenService
    verifier: TokenVerifier
    pseudonymise: Pseudonymiser
    broker: dramatiq.Broker
    policy: AccessPolicy
    access_log: AccessLog
    actors: Actors | None = field(default=None, repr=False)
    _worker: dramatiq.Worker | None = field(default=None, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _periodic: threading.Thread | None = field(default=None, repr=False)

    @property
    def database_url(self) -> str:
        return self.settings.effective_database_url

    def written(self) -> None:
        """Tell the workers the log has grown. A lost message only delays the read models:
        the periodic catch-up picks the events up anyway."""
        assert self.actors is not None
        try:
            self.actors.catch_up_projections.send()
        except Exception as error:  # the broker is down: the periodic catch-up covers it
            log.warning("could not notify the workers (%s); the periodic catch-up will follow", error)

    def start_worker(self, *, threads: int = 1, consume: bool = True, policies: bool = True) -> None:
        """Run the dramatiq worker (``consume``) and the periodic catch-up and policies here."""
        if consume and self._worker is None:
            self._worker = dramatiq.Worker(self.broker, worker_threads=threads, worker_timeout=100)
            self._worker.start()
        if self._periodic is None:
            self._stop.clear()
            self._periodic = threading.Thread(target=self._periodic_work, args=(policies,), daemon=True)
            self._periodic.start()

    def stop_worker(self) -> None:
        self._stop.set()
        if self._periodic is not None:
            self._periodic.join(timeout=30)
            self._periodic = None
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def _periodic_work(self, policies: bool) -> None:
        """Catch up every few seconds (a lost message or a Redis outage only delays the read
        models) and run the time-driven policies on their own schedule."""
        next_policies = time.monotonic()
        while not self._stop.is_set():
            try:
                self.projections.catch_up()
                if policies and time.monotonic() >= next_policies:
                    next_policies = time.monotonic() + self.settings.policy_seconds
                    if self.policies.run():
                        self.projections.catch_up()
            except Exception:
                log.exception("periodic work failed; trying again in %s s", self.settings.catch_up_seconds)
            self._stop.wait(self.settings.catch_up_seconds)


def agreements_coverage(app: LeerrouteApplication, url: str) -> FundCoverage:
    """A fund sees the trajectories that one of the financing agreements it pays or claims
    under covers (``domain.money.fund_covers``)."""

    def covers(fund: str, trajectory: Trajectory) -> bool:
        return fund_covers(fund_agreements(app, url, fund), trajectory, region_lookup(url)(trajectory.municipality))

    return covers


def build(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    fund_coverage: FundCoverage | None = None,
) -> Container:
    """``fund_coverage`` says which trajectories a fund may see; by default those its financing
    agreements cover."""
    settings = settings or Settings()
    clock = clock or SystemClock(settings.timezone)
    url = settings.effective_database_url
    if migrate:
        migrations.upgrade(url)
        regions.load(url, settings.regions_file or DEFAULT_REGIONS)
    pseudonymise = Pseudonymiser(settings.effective_pseudonym_secret)
    vault = PersonalDataVault(url, settings.effective_personal_data_secret)
    app = LeerrouteApplication(event_store_env(url), pseudonymise=pseudonymise, vault=vault)
    unit_of_work = UnitOfWork(url, clock, retries=settings.command_retries)
    terms = settings.milestone_terms
    tokens = TokenService(settings.effective_jwt_secret, settings.jwt_issuer, settings.jwt_audience)
    verifier: TokenVerifier = tokens
    if settings.oidc_issuer:
        verifier = OidcVerifier(
            issuer=settings.oidc_issuer,
            audience=settings.oidc_audience or settings.jwt_audience,
            jwks_url=settings.oidc_jwks_url,
            role_claim=settings.role_claim,
            organisation_claim=settings.organisation_claim,
            refresh_cooldown_seconds=settings.oidc_refresh_cooldown_seconds,
        )
    container = Container(
        settings=settings,
        clock=clock,
        app=app,
        unit_of_work=unit_of_work,
        projections=ProjectionRunner(app, url, [RouteSummaries(terms), Funnel(), MoneyProjection(settings.savings_baseline)]),
        policies=TimePolicies(app, unit_of_work, url, clock, terms),
        tokens=tokens,
        verifier=verifier,
        pseudonymise=pseudonymise,
        broker=make_broker(settings.redis_url),
        policy=AccessPolicy(fund_coverage or agreements_coverage(app, url)),
        access_log=AccessLog(url, clock),
    )
    container.actors = bind_actors(container, container.broker)
    return container
