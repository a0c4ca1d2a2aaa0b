"""The composition root: builds leerroute from configuration and wires the adapters.

Entry points (the API, the CLI, the workers, the bench) call ``build()`` once and use what the
container holds: ``service`` for every write, ``queries`` and ``money`` for reads, ``workers``
to run the workers in this process, ``time_policies`` to record what time made due.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from uuid import UUID

from opentelemetry.sdk.trace import TracerProvider

from adapters import metrics, migrations, queries, regions, telemetry
from adapters.access_log import AccessLog
from adapters.aggregate_cache import AggregateCache
from adapters.batch_unit_of_work import BatchTransaction, BatchUnitOfWork, batch_transaction
from adapters.clock import Clock, SystemClock
from adapters.comparison import ComparisonProjection
from adapters.database import get_engine
from adapters.eventstore import EventStore
from adapters.import_store import ImportStore
from adapters.money.projection import MoneyProjection
from adapters.notification_store import SecretBox
from adapters.notifications.cloudevents import source_of
from adapters.notifications.dispatcher import DeliveryTerms, Dispatcher
from adapters.notifications.sender import Sender
from adapters.personal_data import PersonalDataVault
from adapters.projection_runner import ProjectionRunner
from adapters.projections import Funnel, RouteSummaries
from adapters.pseudonyms import Pseudonymiser
from adapters.retention import RetentionSchedule, due_for_erasure
from adapters.route_models import RouteModelCatalogue
from adapters.tokens import OidcVerifier, TokenService, TokenVerifier
from adapters.unit_of_work import SqlUnitOfWork
from domain.access import AccessPolicy, FundCoverage
from domain.payments import fund_covers
from domain.route_model_commands import PublishBaselineModel
from domain.route_models import STARTUP_ACTOR
from domain.subscriptions import SubscriptionTerms
from domain.trajectory import Trajectory
from leerroute.comparison_queries import ComparisonQueries
from leerroute.health import Health
from leerroute.importing.job import Importer
from leerroute.inflow_queries import InflowQueries
from leerroute.money_queries import MoneyQueries
from leerroute.notifications import SubscriptionQueries
from leerroute.policies import TimePolicies
from leerroute.queries import Queries
from leerroute.retention_queries import RetentionQueries
from leerroute.route_migrations import RouteMigrations
from leerroute.route_model_queries import RouteModelQueries
from leerroute.route_models import RouteModels
from leerroute.service import Service
from leerroute.settings import Settings
from workers.actors import NOTIFICATIONS_QUEUE, POLICIES_QUEUE, PROJECTIONS_QUEUE
from workers.broker import make_broker, queue_depth
from workers.runtime import Workers

DEFAULT_REGIONS = Path(__file__).with_name("regions.csv")


@dataclass
class Container:
    settings: Settings
    clock: Clock
    store: EventStore
    service: Service
    queries: Queries
    inflow: InflowQueries
    money: MoneyQueries
    comparison: ComparisonQueries
    projections: ProjectionRunner
    time_policies: TimePolicies
    workers: Workers
    access: AccessPolicy
    region_of: Callable[[str], str]
    tokens: TokenService
    verifier: TokenVerifier
    vault: PersonalDataVault
    pseudonymise: Pseudonymiser
    access_log: AccessLog
    unit_of_work: Callable[[], SqlUnitOfWork]
    dispatcher: Dispatcher
    subscriptions: SubscriptionQueries
    secret_box: SecretBox
    imports: Importer
    import_store: ImportStore
    health: Health
    live_metrics: metrics.LiveMetrics
    retention: RetentionQueries
    tracer_provider: TracerProvider | None
    route_models: RouteModels  # the port in use: the published ones (``route_catalogue``), unless build() was given others
    route_catalogue: RouteModelCatalogue
    route_model_queries: RouteModelQueries
    route_migrations: RouteMigrations

    @property
    def database_url(self) -> str:
        return self.settings.effective_database_url


def _verifier(settings: Settings, tokens: TokenService) -> TokenVerifier:
    if not settings.oidc_issuer:
        return tokens
    return OidcVerifier(
        issuer=settings.oidc_issuer,
        audience=settings.oidc_audience or settings.jwt_audience,
        jwks_url=settings.oidc_jwks_url,
        role_claim=settings.role_claim,
        organisation_claim=settings.organisation_claim,
        refresh_cooldown_seconds=settings.oidc_refresh_cooldown_seconds,
    )


def build(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    fund_coverage: FundCoverage | None = None,
    store: EventStore | None = None,
    notification_clock: Clock | None = None,
    tracer_provider: TracerProvider | None = None,
    route_models: RouteModels | None = None,
) -> Container:
    """``fund_coverage`` says which trajectories a fund may see; by default those its financing
    agreements cover (``domain.payments.fund_covers``). ``store``: the event store (by default
    leerroute's own, with the hash chain). ``notification_clock``: the clock of deliveries (their
    backoff, leases, failing time and secrets' grace; by default the wall clock).
    ``tracer_provider``: where the traces go (by default as the ``OTEL_*`` variables say,
    ``adapters.telemetry``; none when they say nothing). ``route_models``: the route
    models in force (by default the published ones, ``adapters.route_models``)."""
    settings = settings or Settings()
    clock = clock or SystemClock(settings.timezone)
    url = settings.effective_database_url
    if migrate:
        migrations.upgrade(url)
        regions.load(url, settings.regions_file or DEFAULT_REGIONS)
    region_of = regions.RegionMap(url)
    pseudonymise = Pseudonymiser(settings.effective_pseudonym_secret)
    vault = PersonalDataVault(url, settings.effective_personal_data_secret, settings.previous_personal_data_secrets)
    store = store or EventStore(url)
    access_log = AccessLog(url, clock)
    terms = settings.milestone_terms
    # Which national version and regional variant are in force: the published ones, read from the
    # log's table; a test may give others (then the units of work answer those too).
    catalogue = RouteModelCatalogue(url, terms)
    given_route_models = route_models
    route_models = route_models or catalogue
    money = MoneyQueries(
        store=store, database_url=url, region_of=region_of, baseline=settings.savings_baseline,
        access_log=access_log, pseudonymise=pseudonymise,
    )

    def agreements_cover(fund: str, trajectory: Trajectory) -> bool:
        return fund_covers(money.fund_agreements(fund), trajectory, region_of(trajectory.municipality))

    access = AccessPolicy(fund_coverage or agreements_cover)
    projections = ProjectionRunner(
        store, url, [RouteSummaries(terms, route_models=route_models), Funnel(), MoneyProjection(settings.savings_baseline),
                     RetentionSchedule(terms, route_models=route_models), ComparisonProjection()]
    )

    secret_box = SecretBox(settings.effective_personal_data_secret, settings.previous_personal_data_secrets)

    # Aggregates between commands (each read still checks the database for later events).
    cache = AggregateCache(settings.aggregate_cache_size) if settings.aggregate_cache_size else None

    def unit_of_work() -> SqlUnitOfWork:
        return SqlUnitOfWork(url, store, vault, pseudonymise, access_log, clock, secret_box, given_route_models or catalogue, cache)

    delivery_clock = notification_clock or SystemClock(settings.timezone)
    dispatcher = Dispatcher(
        store=store, database_url=url, access=access, region_of=region_of, agreements_of=money.fund_agreements,
        secret_box=secret_box, sender=Sender(settings.allowed_callback_hosts, settings.notification_timeout_seconds),
        clock=delivery_clock, ceiling=lambda: projections.lowest_position(),
        observe=lambda subscription_id, sent: metrics.count_delivery(subscription_id, sent.status_code, sent.latency_ms),
        terms=DeliveryTerms(
            source=source_of(settings.oin, settings.public_url), public_url=settings.public_url,
            backoff_base_seconds=settings.notification_backoff_seconds,
            backoff_cap_seconds=settings.notification_max_backoff_seconds,
            lease_seconds=settings.notification_lease_seconds,
        ),
    )

    # The service tells the workers after each write; the workers run the time policies, which
    # go through the service (the lambda reads ``time_policies`` when it runs).
    tracer_provider = tracer_provider or telemetry.provider_from_environment()
    broker = make_broker(settings.redis_url)
    if tracer_provider is not None:
        telemetry.trace_engine(get_engine(url), tracer_provider)
        broker.add_middleware(telemetry.TraceContext(tracer_provider))
    workers = Workers(
        broker, catch_up=projections.catch_up, run_policies=lambda: time_policies.run(),
        catch_up_seconds=settings.catch_up_seconds, policy_seconds=settings.policy_seconds, notifications=dispatcher,
        run_import=lambda import_id: imports.run(UUID(import_id)),
        on_start=projections.resume,
    )
    dispatcher.schedule = workers.retry_later
    service = Service(
        unit_of_work, today=clock.today, access=access, region_of=region_of, municipalities=region_of.municipalities,
        terms=terms,
        notify=workers.log_grew, retries=settings.command_retries, observe=metrics.count_command,
        subscription_terms=SubscriptionTerms(
            allowed_hosts=settings.allowed_callback_hosts, secret_grace=timedelta(hours=settings.notification_secret_grace_hours),
        ),
        now=delivery_clock.now, route_models=route_models, regions=region_of,
    )
    if migrate:  # version 1 of the national model, once (of processes starting together, one records it)
        service.handle(PublishBaselineModel(actor=STARTUP_ACTOR, on=clock.today()))
    time_policies = TimePolicies(
        service, lambda today: queries.due_trajectories(url, today), clock.today, observe=metrics.count_policy_run,
        due_for_erasure=lambda today: due_for_erasure(url, today), erased=metrics.RETENTION_ERASURES.inc,
    )
    health = Health(url, settings.redis_url, store, projections, settings.ready_max_lag_events, settings.ready_max_lag_seconds)
    live_metrics = metrics.LiveMetrics(
        lambda: [(lag.name, lag.events, lag.seconds, lag.stopped_at is not None) for lag in health.lags()],
        lambda: {queue: queue_depth(workers.broker, queue) for queue in (PROJECTIONS_QUEUE, POLICIES_QUEUE, NOTIFICATIONS_QUEUE)},
    )

    def savepoints(keep: bool, careful: bool) -> AbstractContextManager[BatchTransaction]:
        """One transaction for a batch of import rows, each command a savepoint in it."""
        return batch_transaction(
            url, lambda batch: BatchUnitOfWork(batch, url, store, vault, pseudonymise, access_log, clock, secret_box,
                                               given_route_models or catalogue), keep=keep, careful=careful
        )

    import_store = ImportStore(url, settings.effective_personal_data_secret, clock)
    imports = Importer(service, import_store, savepoints, pseudonymise, notify=workers.log_grew,
                       batch_rows=settings.import_batch_rows, max_bytes=settings.import_max_bytes)
    tokens = TokenService(settings.effective_jwt_secret, settings.jwt_issuer, settings.jwt_audience)
    reads = Queries(
        store=store, vault=vault, pseudonymise=pseudonymise, access_log=access_log, access=access, database_url=url,
        projections=projections, today=clock.today, deviation_ending_days=settings.deviation_ending_days,
        read_wait_max_seconds=settings.read_wait_max_seconds, route_models=route_models,
    )
    return Container(
        settings=settings,
        clock=clock,
        store=store,
        service=service,
        queries=reads,
        inflow=InflowQueries(store=store, database_url=url, read_models_at=reads.read_models_at, regions=region_of.regions,
                             today=clock.today),
        money=money,
        comparison=ComparisonQueries(database_url=url, region_of=region_of, route_models=route_models),
        projections=projections,
        time_policies=time_policies,
        workers=workers,
        access=access,
        region_of=region_of,
        tokens=tokens,
        verifier=_verifier(settings, tokens),
        vault=vault,
        pseudonymise=pseudonymise,
        access_log=access_log,
        unit_of_work=unit_of_work,
        dispatcher=dispatcher,
        secret_box=secret_box,
        subscriptions=SubscriptionQueries(
            store=store, database_url=url, dispatcher=dispatcher, secret_box=secret_box,
            failing_after=timedelta(seconds=settings.notification_failing_after_seconds),
        ),
        imports=imports,
        import_store=import_store,
        health=health,
        live_metrics=live_metrics,
        tracer_provider=tracer_provider,
        retention=RetentionQueries(url, projections, clock.today, settings.read_wait_max_seconds),
        route_models=route_models,
        route_catalogue=catalogue,
        route_model_queries=RouteModelQueries(store, catalogue, region_of),
        route_migrations=RouteMigrations(
            service, lambda: route_models, lambda model, region: queries.pinned_routes(url, model, region), region_of,
            region_of.regions,
        ),
    )
