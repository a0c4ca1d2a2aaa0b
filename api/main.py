"""The FastAPI application. Thin: routers, error mapping and the container from bootstrap."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from api import money, pipeline, problems, trajectories
from api.writes import TRACE_HEADER, trace_id
from leerroute.bootstrap import Container, build

API_VERSION = "1.0.0"


def create_app(container: Container | None = None, *, run_worker: bool | None = None) -> FastAPI:
    """Build the API around a container (a new one from the environment when none is given).

    ``run_worker``: run the dramatiq worker and the periodic catch-up inside this process.
    By default it does so when there is no Redis (the embedded default).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "container", None) is None:
            app.state.container = build()
        c: Container = app.state.container
        in_process = run_worker if run_worker is not None else not c.settings.redis_url
        if in_process:
            c.start_worker()
        try:
            yield
        finally:
            if in_process:
                c.stop_worker()

    app = FastAPI(
        title="leerroute",
        version=API_VERSION,
        description=(
            "Case management for leerwerktrajecten: the routes of statushouders and other job seekers "
            "into construction, energy and technical work, recorded as events."
        ),
        lifespan=lifespan,
    )
    app.state.container = container
    problems.install(app)
    app.include_router(trajectories.router)
    app.include_router(pipeline.router)
    app.include_router(money.router)

    @app.middleware("http")
    async def api_version(request: Request, call_next) -> Response:  # type: ignore[no-untyped-def]
        trace = trace_id(request)
        response = await call_next(request)
        response.headers["API-Version"] = API_VERSION
        response.headers[TRACE_HEADER] = trace
        return response

    return app
