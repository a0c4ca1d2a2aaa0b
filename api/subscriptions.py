"""Routes of subscriptions: register, read, rotate the secret, pause, resume, replay, delete,
and the delivery status; the catalogue of event types."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from api import subscription_views as v
from api.auth import require_role
from api.deps import POSITION_HEADER, IdempotencyKey, IfMatch, ReadPosition, ServiceDep, TraceId, container_of, etag
from api.problems import READ_RESPONSES, VERSIONED_READ_RESPONSES, WRITE_RESPONSES, Problem
from domain import access
from domain import commands as c
from domain.values import Actor
from leerroute.notifications import SubscriptionQueries

router = APIRouter(prefix="/v1/subscriptions", tags=["notifications"])

# A POST without a body of its own still passes the request guard (api.edge): 408 and 413 can answer it.
BODILESS_WRITE_RESPONSES = {
    **WRITE_RESPONSES,
    408: {"model": Problem, "description": "The request body did not arrive in time"},
    413: {"model": Problem, "description": "The request body is larger than the API accepts"},
}

Subscriber = Annotated[Actor, Depends(require_role(access.SUBSCRIBERS))]


async def _queries(request: Request) -> SubscriptionQueries:
    return container_of(request).subscriptions


SubscriptionsDep = Annotated[SubscriptionQueries, Depends(_queries)]


def _write(service: ServiceDep, queries: SubscriptionsDep, command: c.Command, *, if_match: int | None, key: str | None,
           trace_id: str, status_code: int = 200, with_secret: bool = False) -> JSONResponse:
    if isinstance(command, c.SubscriptionCommand):
        command = replace(command, expected_version=if_match)
    outcome = service.handle(command, idempotency_key=key, trace_id=trace_id)
    subscription = outcome.aggregate
    secret = queries.secret(subscription) if with_secret else None
    headers = {"ETag": etag(subscription.version), "Location": f"/v1/subscriptions/{subscription.id}"}
    if outcome.position is not None:
        headers[POSITION_HEADER] = str(outcome.position)
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    body = v.subscription_out(subscription, secret).model_dump(mode="json", by_alias=True, exclude_none=True)
    return JSONResponse(body, status_code=status_code, headers=headers)


@router.get("/event-types", response_model=v.EventTypesOut, responses=READ_RESPONSES)
def event_types(actor: Subscriber, queries: SubscriptionsDep, _: ReadPosition) -> v.EventTypesOut:
    """The event types one can subscribe to: stable names, each for one kind of domain event."""
    return v.EventTypesOut(items=[v.event_type_out(t) for t in queries.event_types()])


@router.post("", status_code=201, response_model=v.SubscriptionOut, responses=WRITE_RESPONSES)
def register(body: v.SubscriptionIn, actor: Subscriber, service: ServiceDep, queries: SubscriptionsDep, if_match: IfMatch,
             key: IdempotencyKey, trace_id: TraceId) -> JSONResponse:
    """Subscribe the caller's organisation (in the caller's role) to events. The answer holds the
    signing secret (Standard Webhooks, ``whsec_...``); it is shown only here and on rotation."""
    command = c.RegisterSubscription(actor=actor, on=service.today(), callback_url=body.callback_url,
                                     event_types=tuple(body.event_types), filters=body.filters.to_filters())
    return _write(service, queries, command, if_match=if_match, key=key, trace_id=trace_id, status_code=201, with_secret=True)


@router.get("", response_model=v.SubscriptionPageOut, responses=READ_RESPONSES)
def list_subscriptions(actor: Subscriber, queries: SubscriptionsDep, _: ReadPosition) -> JSONResponse:
    """The subscriptions of the caller's organisation in the caller's role."""
    page = v.SubscriptionPageOut(items=[v.subscription_out(s) for s in queries.subscriptions(actor)])
    return JSONResponse(page.model_dump(mode="json", by_alias=True, exclude_none=True))


@router.get("/{subscription_id}", response_model=v.SubscriptionOut, responses=VERSIONED_READ_RESPONSES)
def get_subscription(subscription_id: UUID, actor: Subscriber, queries: SubscriptionsDep, _: ReadPosition) -> JSONResponse:
    subscription = queries.subscription(actor, subscription_id)
    body = v.subscription_out(subscription).model_dump(mode="json", by_alias=True, exclude_none=True)
    return JSONResponse(body, headers={"ETag": etag(subscription.version)})


@router.get("/{subscription_id}/status", response_model=v.StatusOut, responses=READ_RESPONSES)
def status(subscription_id: UUID, actor: Subscriber, queries: SubscriptionsDep, _: ReadPosition) -> v.StatusOut:
    """The delivery status: the cursor, its lag in events and seconds, whether the subscription
    is failing, and the recent delivery attempts (time, status, latency, error)."""
    return v.status_out(queries.status(actor, subscription_id))


@router.post("/{subscription_id}/secret-rotation", response_model=v.SubscriptionOut, responses=BODILESS_WRITE_RESPONSES)
def rotate(subscription_id: UUID, actor: Subscriber, service: ServiceDep, queries: SubscriptionsDep, if_match: IfMatch,
           key: IdempotencyKey, trace_id: TraceId) -> JSONResponse:
    """A new signing secret; deliveries carry signatures with both secrets for the grace period
    (``LEERROUTE_NOTIFICATION_SECRET_GRACE_HOURS``), so a receiver can switch without losing any."""
    command = c.RotateSubscriptionSecret(actor=actor, on=service.today(), subscription_id=subscription_id)
    return _write(service, queries, command, if_match=if_match, key=key, trace_id=trace_id, with_secret=True)


@router.post("/{subscription_id}/pause", response_model=v.SubscriptionOut, responses=BODILESS_WRITE_RESPONSES)
def pause(subscription_id: UUID, actor: Subscriber, service: ServiceDep, queries: SubscriptionsDep, if_match: IfMatch,
          key: IdempotencyKey, trace_id: TraceId) -> JSONResponse:
    """Stop delivering; the cursor stays, so resuming delivers what happened meanwhile."""
    command = c.PauseSubscription(actor=actor, on=service.today(), subscription_id=subscription_id)
    return _write(service, queries, command, if_match=if_match, key=key, trace_id=trace_id)


@router.post("/{subscription_id}/resumption", response_model=v.SubscriptionOut, responses=BODILESS_WRITE_RESPONSES)
def resume(subscription_id: UUID, actor: Subscriber, service: ServiceDep, queries: SubscriptionsDep, if_match: IfMatch,
           key: IdempotencyKey, trace_id: TraceId) -> JSONResponse:
    command = c.ResumeSubscription(actor=actor, on=service.today(), subscription_id=subscription_id)
    return _write(service, queries, command, if_match=if_match, key=key, trace_id=trace_id)


@router.post("/{subscription_id}/replay", response_model=v.SubscriptionOut, responses=WRITE_RESPONSES)
def replay(subscription_id: UUID, body: v.ReplayIn, actor: Subscriber, service: ServiceDep, queries: SubscriptionsDep,
           if_match: IfMatch, key: IdempotencyKey, trace_id: TraceId) -> JSONResponse:
    """Deliver again from a log position (``sequence`` of a received event) or a time."""
    command = c.ReplaySubscription(actor=actor, on=service.today(), subscription_id=subscription_id,
                                   from_position=body.from_position, from_time=body.from_time)
    return _write(service, queries, command, if_match=if_match, key=key, trace_id=trace_id)


@router.delete("/{subscription_id}", status_code=204, responses=WRITE_RESPONSES)
def delete(subscription_id: UUID, actor: Subscriber, service: ServiceDep, if_match: IfMatch, key: IdempotencyKey,
           trace_id: TraceId) -> Response:
    """Delete the subscription: nothing more is delivered, its secrets are destroyed."""
    command = c.DeleteSubscription(actor=actor, on=service.today(), subscription_id=subscription_id)
    service.handle(replace(command, expected_version=if_match), idempotency_key=key, trace_id=trace_id)
    return Response(status_code=204)
