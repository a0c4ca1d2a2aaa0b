"""Routes of the route-model migrations: move routes in bulk to the route model in force, after a
dry run that lists per route what would change (``leerroute.route_migrations``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api import responses, schemas, views
from api.auth import require_role
from api.contract import POSITION_HEADER
from api.deps import IdempotencyKey, IfMatch, TraceId, container_of
from api.problems import WRITE_RESPONSES
from domain.values import Actor
from leerroute.route_migrations import MIGRATORS, MigrationRequest, MigrationResult, RouteMigrations

router = APIRouter(prefix="/v1")

Migrator = Annotated[Actor, Depends(require_role(MIGRATORS))]


def _migrations(request: Request) -> RouteMigrations:
    return container_of(request).route_migrations


@router.post("/route-model-migrations", response_model=responses.RouteModelMigrationOut, responses=WRITE_RESPONSES)
def migrate_routes(
    body: schemas.RouteModelMigration,
    response: Response,
    actor: Migrator,
    migrations: Annotated[RouteMigrations, Depends(_migrations)],
    idempotency_key: IdempotencyKey,
    expected_version: IfMatch,
    trace_id: TraceId,
) -> responses.RouteModelMigrationOut:
    """Move the routes pinned to ``fromVersion`` (any when absent) in ``region`` (every region when
    absent) to the route model in force on ``date`` (procesregie). ``dryRun`` (the default) lists
    per route the differences and writes nothing; otherwise each route's move is recorded
    (``RouteModelChanged``, with the reason), and running it again moves nothing twice. With an
    ``Idempotency-Key`` each route's move is answered from its kept outcome; ``If-Match`` has no
    one version to match on a migration of many routes and is ignored."""
    request = MigrationRequest(
        on=body.date or migrations.service.today(), reason=body.reason or "", from_version=body.from_version,
        region=body.region, dry_run=body.dry_run,
    )
    result = migrations.run(actor, request, idempotency_key=idempotency_key, trace_id=trace_id)
    if result.position is not None:
        response.headers[POSITION_HEADER] = str(result.position)
    return migration_out(result)


def migration_out(result: MigrationResult) -> responses.RouteModelMigrationOut:
    request = result.request
    return responses.RouteModelMigrationOut(
        dry_run=request.dry_run, date=request.on, from_version=request.from_version, region=request.region,
        moved=result.moved,
        routes=[
            responses.RouteMoveOut(
                trajectory_id=m.trajectory_id, municipality=m.municipality, region=m.region, before=views.pinned_route_out(m.before),
                after=views.pinned_route_out(m.after), differences=m.differences, outcome=m.outcome, rule=m.rule,
            )
            for m in result.moves
        ],
    )
