"""The FastAPI application. Thin: routers, error mapping and the container from bootstrap."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters import telemetry
from api import (
    agreements,
    claims,
    console,
    contract,
    imports,
    money_reports,
    operations,
    pipeline,
    placements,
    problems,
    retention,
    route_comparison,
    route_migrations,
    route_models,
    route_variants,
    steps,
    subscriptions,
    trajectories,
)
from api.contract import API_VERSION, DOCUMENT_PATH, TRACE_HEADER, request_contract
from api.deps import trace_id_of
from api.edge import RequestGuard, ResponseHeaders
from api.metrics import RequestMetrics
from leerroute.bootstrap import Container, build

__all__ = ["API_VERSION", "app_from_environment", "create_app"]

# Set by ``leerroute serve`` for its uvicorn worker processes: "1" runs the workers in each of
# them, "0" leaves them to ``leerroute worker``; unset: as ``create_app`` decides.
IN_PROCESS_WORKERS = "LEERROUTE_SERVE_IN_PROCESS_WORKERS"


def create_app(container: Container | None = None, *, run_worker: bool | None = None, policies: bool = True) -> FastAPI:
    """Build the API around a container (a new one from the environment when none is given).

    ``run_worker``: run the dramatiq worker and the periodic catch-up inside this process.
    By default it does so when there is no Redis (the embedded default). ``policies``: those
    in-process workers also run the time-driven policies on their schedule.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "container", None) is None:
            app.state.container = build()
        c: Container = app.state.container
        in_process = run_worker if run_worker is not None else not c.settings.redis_url
        if in_process:
            c.workers.start(policies=policies)
        try:
            yield
        finally:
            if in_process:
                c.workers.stop()

    app = FastAPI(
        title="leerroute",
        version=API_VERSION,
        description=(
            "Case management for leerwerktrajecten: the routes of statushouders and other job seekers "
            "into construction, energy and technical work, recorded as events."
        ),
        lifespan=lifespan,
        openapi_url=DOCUMENT_PATH,
        dependencies=[Depends(request_contract)],
    )
    app.state.container = container
    problems.install(app)
    contract.install(app)
    for module in (trajectories, steps, placements, pipeline, agreements, claims, money_reports, retention, operations, imports,
                   subscriptions, route_migrations, route_comparison, route_models, route_variants):
        app.include_router(module.router)
    generate = app.openapi
    app.openapi = lambda: operations.document_operations(generate())  # type: ignore[method-assign]
    console.install(app)  # the pages for people, under /console (after the API's error handlers)

    app.add_middleware(RequestGuard)
    app.add_middleware(ApiVersionHeader)
    app.add_middleware(ResponseHeaders)
    app.add_middleware(RequestMetrics)
    tracer_provider = container.tracer_provider if container is not None else telemetry.provider_from_environment()
    if tracer_provider is not None:
        telemetry.trace_app(app, tracer_provider)  # outermost: the request's span covers everything
    return app


def app_from_environment(*, policies: bool = True) -> FastAPI:
    """The application of one uvicorn worker process (``leerroute serve --processes N``, an import
    string for uvicorn): its own container from the environment, without migrating (``serve``
    applied the migrations once, before the processes started)."""
    import os

    from adapters import logs

    container = build(migrate=False)
    logs.configure(container.settings.log_format)
    flag = os.environ.get(IN_PROCESS_WORKERS)
    return create_app(container, run_worker=None if flag is None else flag == "1", policies=policies)


class ApiVersionHeader:
    """Adds ``API-Version`` and the request's ``Trace-Id`` to every HTTP response (plain ASGI:
    no extra task per request, as a ``BaseHTTPMiddleware`` would add)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        trace = trace_id_of(scope)

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append("API-Version", API_VERSION)
                headers.append(TRACE_HEADER, trace)
            await send(message)

        await self.app(scope, receive, send_with_version)
