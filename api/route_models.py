"""Routes of the national basic model: draft a version, revise the draft (PUT replaces it, PATCH
changes what it names), publish it, read the versions, one, and its history. Procesregie writes;
every reader sees the published versions, procesregie the drafts too."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from api import route_model_views as v
from api.auth import require_role
from api.deps import POSITION_HEADER, IdempotencyKey, IfMatch, ReadPosition, ServiceDep, TraceId, container_of, etag, issuer_of
from api.problems import READ_RESPONSES, VERSIONED_READ_RESPONSES, WRITE_RESPONSES
from api.subscriptions import BODILESS_WRITE_RESPONSES
from domain import access
from domain import route_model_commands as rm
from domain.route_models import RouteModel, RouteVariant
from domain.values import Actor
from leerroute.route_model_queries import RouteModelQueries
from leerroute.service import Service

router = APIRouter(prefix="/v1/route-models", tags=["route models"])

ModelWriter = Annotated[Actor, issuer_of(rm.DraftRouteModel)]
ModelReader = Annotated[Actor, Depends(require_role(access.ROUTE_MODEL_READERS))]


def _queries(request: Request) -> RouteModelQueries:
    return container_of(request).route_model_queries


RouteModelsDep = Annotated[RouteModelQueries, Depends(_queries)]


def write(service: Service, command: Any, *, if_match: int | None, key: str | None, trace_id: str,
          status_code: int = 200) -> JSONResponse:
    """Run the command; the answer is the version or variant as it now stands."""
    outcome = service.handle(replace(command, expected_version=if_match), idempotency_key=key, trace_id=trace_id)
    aggregate = outcome.aggregate
    body: Any
    if isinstance(aggregate, RouteModel):
        location, body = f"/v1/route-models/{aggregate.number}", v.model_out(aggregate)
    else:
        assert isinstance(aggregate, RouteVariant)
        location, body = f"/v1/route-variants/{aggregate.id}", v.variant_out(aggregate)
    headers = {"ETag": etag(aggregate.version)}
    if status_code == 201:
        headers["Location"] = location
    if outcome.position is not None:
        headers[POSITION_HEADER] = str(outcome.position)
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(body.model_dump(mode="json", by_alias=True), status_code=status_code, headers=headers)


@router.post("", status_code=201, response_model=v.RouteModelOut, responses=WRITE_RESPONSES)
def draft(body: v.RouteModelIn, actor: ModelWriter, service: ServiceDep, if_match: IfMatch, key: IdempotencyKey,
          trace_id: TraceId) -> JSONResponse:
    """Draft the next version of the national model (numbered 2, 3, ...; version 1 is the baseline)."""
    command = rm.DraftRouteModel(actor=actor, on=service.today(), content=v.content_of(body), valid_from=body.valid_from,
                                 valid_until=body.valid_until)
    return write(service, command, if_match=if_match, key=key, trace_id=trace_id, status_code=201)


@router.get("", response_model=v.RouteModelsOut, responses=READ_RESPONSES)
def list_models(actor: ModelReader, queries: RouteModelsDep, _: ReadPosition) -> JSONResponse:
    """Every version the caller may see, by number, with its status and validity."""
    page = v.RouteModelsOut(items=[v.model_out(m) for m in queries.models(actor)])
    return JSONResponse(page.model_dump(mode="json", by_alias=True))


@router.get("/{version}", response_model=v.RouteModelOut, responses=VERSIONED_READ_RESPONSES)
def get_model(version: int, actor: ModelReader, queries: RouteModelsDep, _: ReadPosition) -> JSONResponse:
    model = queries.model(actor, version)
    return JSONResponse(v.model_out(model).model_dump(mode="json", by_alias=True), headers={"ETag": etag(model.version)})


@router.put("/{version}", response_model=v.RouteModelOut, responses=WRITE_RESPONSES)
def replace_draft(version: int, body: v.RouteModelIn, actor: ModelWriter, service: ServiceDep, if_match: IfMatch,
                  key: IdempotencyKey, trace_id: TraceId) -> JSONResponse:
    """Replace a draft's content and validity; a published version is never edited (409)."""
    command = rm.ReviseRouteModel(actor=actor, on=service.today(), model_version=version, changes=v.replacement_of(body))
    return write(service, command, if_match=if_match, key=key, trace_id=trace_id)


@router.patch("/{version}", response_model=v.RouteModelOut, responses=WRITE_RESPONSES)
def revise_draft(version: int, body: v.RouteModelPatch, actor: ModelWriter, service: ServiceDep, if_match: IfMatch,
                 key: IdempotencyKey, trace_id: TraceId) -> JSONResponse:
    """Change what the body names of a draft (a JSON merge patch of its top-level fields)."""
    command = rm.ReviseRouteModel(actor=actor, on=service.today(), model_version=version, changes=v.changes_of(body))
    return write(service, command, if_match=if_match, key=key, trace_id=trace_id)


@router.post("/{version}/publish", response_model=v.RouteModelOut, responses=BODILESS_WRITE_RESPONSES)
def publish(version: int, actor: ModelWriter, service: ServiceDep, if_match: IfMatch, key: IdempotencyKey,
            trace_id: TraceId) -> JSONResponse:
    """Publish a draft. An open predecessor it starts inside of is closed the day before
    (``RouteModelSucceeded``), with its variants that ran on; any other overlap with a published
    version is refused (409 ``validity-periods-do-not-overlap``)."""
    command = rm.PublishRouteModel(actor=actor, on=service.today(), model_version=version)
    return write(service, command, if_match=if_match, key=key, trace_id=trace_id)


@router.get("/{version}/history", response_model=v.RouteModelHistoryOut, responses=READ_RESPONSES)
def history(version: int, actor: ModelReader, queries: RouteModelsDep, _: ReadPosition) -> v.RouteModelHistoryOut:
    """Who changed what and when: every event of the version, with its business date, its
    recording time and its actor."""
    model, events = queries.model_history(actor, version)
    return v.history_out(model.id, events)
