"""Operations: liveness, readiness and metrics, outside ``/v1`` and without a token.

``GET /health/live`` answers as long as the process serves requests. ``GET /health/ready``
runs the checks of ``leerroute.health`` (database, Redis, migrations, projections) and answers
200 with each check, or 503 as problem+json listing the failed ones. ``GET /metrics`` is the
Prometheus exposition (``adapters.metrics``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from adapters.metrics import exposition
from api.deps import ContainerDep
from api.problems import problem
from api.responses import Problem

router = APIRouter(tags=["operations"])

# Paths outside /v1: the OpenAPI document gives them a server of their own ("/").
OPERATIONAL_PATHS = ("/health/live", "/health/ready", "/metrics")


class CheckOut(BaseModel):
    name: str = Field(description="database, redis, migrations or projection:<name>")
    ok: bool
    detail: str


class LiveOut(BaseModel):
    status: str = Field(description="always `up`")


class ReadyOut(BaseModel):
    status: str = Field(description="`ready`")
    checks: list[CheckOut]


def _checks(checks: Any) -> list[dict[str, Any]]:
    return [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks]


@router.get("/health/live", response_model=LiveOut, summary="Liveness: the process serves requests")
async def live() -> LiveOut:
    return LiveOut(status="up")


@router.get(
    "/health/ready",
    response_model=ReadyOut,
    summary="Readiness: database, Redis, migrations and projections",
    responses={503: {"model": Problem, "description": "Not ready: the failed checks are listed in `failedChecks`"}},
)
async def ready(container: ContainerDep) -> Any:
    readiness = await run_in_threadpool(container.health.readiness)
    if not readiness.ready:
        return problem(
            503, "not-ready", "Not ready", "; ".join(f"{c.name}: {c.detail}" for c in readiness.failed),
            headers={"Retry-After": "5"}, failedChecks=_checks(readiness.failed), checks=_checks(readiness.checks),
        )
    return JSONResponse({"status": "ready", "checks": _checks(readiness.checks)})


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "The Prometheus text format"}},
)
async def metrics(container: ContainerDep) -> Response:
    body, content_type = await run_in_threadpool(exposition, container.live_metrics)
    return Response(body, media_type=content_type)


def document_operations(schema: dict[str, Any]) -> dict[str, Any]:
    """The operational paths (outside /v1: ``api.contract`` gives them the server "/") ask for
    no token, so they answer no 401 or 403."""
    for path in OPERATIONAL_PATHS:
        item = schema.get("paths", {}).get(path)
        if item is None:
            continue
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                for status in ("401", "403"):
                    operation["responses"].pop(status, None)
    return schema
