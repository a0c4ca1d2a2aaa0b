"""Routes of the regional variants: draft a region's variant of a national version, revise the
draft (PUT, PATCH), publish it, read the variants, one, and its history. Procesregie or a
klantmanager of the region's centrumgemeente writes; every reader sees the published variants,
those writers the drafts too."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from api import route_model_views as v
from api.auth import require_role
from api.deps import IdempotencyKey, IfMatch, ReadPosition, ServiceDep, TraceId, etag, issuer_of
from api.problems import READ_RESPONSES, VERSIONED_READ_RESPONSES, WRITE_RESPONSES
from api.route_models import RouteModelsDep, write
from api.subscriptions import BODILESS_WRITE_RESPONSES
from domain import access
from domain import route_model_commands as rm
from domain.values import Actor

router = APIRouter(prefix="/v1/route-variants", tags=["route models"])

VariantWriter = Annotated[Actor, issuer_of(rm.DraftRouteVariant)]
VariantReader = Annotated[Actor, Depends(require_role(access.ROUTE_MODEL_READERS))]


@router.post("", status_code=201, response_model=v.RouteVariantOut, responses=WRITE_RESPONSES)
def draft(body: v.RouteVariantIn, actor: VariantWriter, service: ServiceDep, if_match: IfMatch, key: IdempotencyKey,
          trace_id: TraceId) -> JSONResponse:
    """Draft a region's variant of a national version; it must keep that version's bounds."""
    command = rm.DraftRouteVariant(actor=actor, on=service.today(), model_version=body.model_version,
                                   content=v.content_of(body), valid_from=body.valid_from, valid_until=body.valid_until)
    return write(service, command, if_match=if_match, key=key, trace_id=trace_id, status_code=201)


@router.get("", response_model=v.RouteVariantsOut, responses=READ_RESPONSES)
def list_variants(actor: VariantReader, queries: RouteModelsDep, _: ReadPosition,
                  region: Annotated[str | None, Query(max_length=100, description="Only this region's")] = None,
                  model_version: Annotated[int | None, Query(alias="modelVersion", ge=1,
                                                             description="Only those of this national version")] = None,
                  ) -> JSONResponse:
    """The variants the caller may see, by national version, region and start."""
    page = v.RouteVariantsOut(items=[v.variant_out(x) for x in queries.variants(actor, region=region, model_version=model_version)])
    return JSONResponse(page.model_dump(mode="json", by_alias=True))


@router.get("/{variant_id}", response_model=v.RouteVariantOut, responses=VERSIONED_READ_RESPONSES)
def get_variant(variant_id: UUID, actor: VariantReader, queries: RouteModelsDep, _: ReadPosition) -> JSONResponse:
    variant = queries.variant(actor, variant_id)
    return JSONResponse(v.variant_out(variant).model_dump(mode="json", by_alias=True), headers={"ETag": etag(variant.version)})


@router.put("/{variant_id}", response_model=v.RouteVariantOut, responses=WRITE_RESPONSES)
def replace_draft(variant_id: UUID, body: v.RouteVariantContentIn, actor: VariantWriter, service: ServiceDep, if_match: IfMatch,
                  key: IdempotencyKey, trace_id: TraceId) -> JSONResponse:
    """Replace a draft variant's content and validity (its region stays); a published one is never edited (409)."""
    command = rm.ReviseRouteVariant(actor=actor, on=service.today(), variant_id=variant_id, changes=v.replacement_of(body))
    return write(service, command, if_match=if_match, key=key, trace_id=trace_id)


@router.patch("/{variant_id}", response_model=v.RouteVariantOut, responses=WRITE_RESPONSES)
def revise_draft(variant_id: UUID, body: v.RouteVariantPatch, actor: VariantWriter, service: ServiceDep, if_match: IfMatch,
                 key: IdempotencyKey, trace_id: TraceId) -> JSONResponse:
    """Change what the body names of a draft variant."""
    command = rm.ReviseRouteVariant(actor=actor, on=service.today(), variant_id=variant_id, changes=v.changes_of(body))
    return write(service, command, if_match=if_match, key=key, trace_id=trace_id)


@router.post("/{variant_id}/publish", response_model=v.RouteVariantOut, responses=BODILESS_WRITE_RESPONSES)
def publish(variant_id: UUID, actor: VariantWriter, service: ServiceDep, if_match: IfMatch, key: IdempotencyKey,
            trace_id: TraceId) -> JSONResponse:
    """Publish a draft variant, inside its published national version's validity; an open
    predecessor of the same region and version is closed the day before."""
    command = rm.PublishRouteVariant(actor=actor, on=service.today(), variant_id=variant_id)
    return write(service, command, if_match=if_match, key=key, trace_id=trace_id)


@router.get("/{variant_id}/history", response_model=v.RouteModelHistoryOut, responses=READ_RESPONSES)
def history(variant_id: UUID, actor: VariantReader, queries: RouteModelsDep, _: ReadPosition) -> v.RouteModelHistoryOut:
    """Who changed what and when."""
    variant, events = queries.variant_history(actor, variant_id)
    return v.history_out(variant.id, events)
