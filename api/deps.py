"""Typed dependencies of the routes: the caller (by role), the service and the queries, and
what a request says besides its body (``If-Match``, ``Idempotency-Key``, ``traceparent``)."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Annotated, Any
from uuid import uuid4

from fastapi import Depends, Header, Query, Request, Response
from opentelemetry import trace

from api.auth import require_role
from api.contract import POSITION_HEADER
from api.problems import ApiProblem
from domain import access
from domain import commands as c
from domain.values import Actor
from leerroute.bootstrap import Container
from leerroute.money_queries import MoneyQueries
from leerroute.queries import Queries
from leerroute.service import Service

# The dependencies that only pick something out of the request are ``async``: a plain ``def``
# dependency costs a hop through the thread pool on every request (and there are several per
# route). Only what may block (a database read, a wait) runs in the pool.


def container_of(request: Request) -> Container:
    return request.app.state.container


async def _container(request: Request) -> Container:
    return container_of(request)


async def _service(request: Request) -> Service:
    return container_of(request).service


async def _queries(request: Request) -> Queries:
    return container_of(request).queries


async def _money(request: Request) -> MoneyQueries:
    return container_of(request).money


ContainerDep = Annotated[Container, Depends(_container)]
ServiceDep = Annotated[Service, Depends(_service)]
QueriesDep = Annotated[Queries, Depends(_queries)]
MoneyDep = Annotated[MoneyQueries, Depends(_money)]


# --- the caller ----------------------------------------------------------------------------------


def issuer_of(command: type[c.Command]) -> object:
    """The caller, checked (before the body is read) to have a role that may issue ``command``."""
    return Depends(require_role(access.roles_for(command)))


RouteWriter = Annotated[Actor, issuer_of(c.StartPhase)]
PlacementAnswerer = Annotated[Actor, issuer_of(c.ConfirmPlacement)]
PlacementParty = Annotated[Actor, issuer_of(c.StartContract)]
Eraser = Annotated[Actor, issuer_of(c.EraseCandidate)]
AgreementWriter = Annotated[Actor, issuer_of(c.ConcludeAgreement)]
ClaimWriter = Annotated[Actor, issuer_of(c.FileClaim)]
TrajectoryReader = Annotated[Actor, Depends(require_role(access.TRAJECTORY_READERS))]
ListReader = Annotated[Actor, Depends(require_role(access.LIST_READERS))]
Searcher = Annotated[Actor, Depends(require_role(access.SEARCHERS))]
PlacementListReader = Annotated[Actor, Depends(require_role(access.PLACEMENT_LIST_READERS))]
AccessLogReader = Annotated[Actor, Depends(require_role(access.ACCESS_LOG_READERS))]
WorklistReader = Annotated[Actor, Depends(require_role(access.WORKLIST_READERS))]
FunnelReader = Annotated[Actor, Depends(require_role(access.FUNNEL_READERS))]
MoneyReader = Annotated[Actor, Depends(require_role(access.MONEY_READERS))]


# --- what the request says besides its body -------------------------------------------------------


def trace_id_of(scope: MutableMapping[str, Any]) -> str:
    """The W3C ``traceparent``'s trace id when the caller sent one, else one made for the
    request; kept in the request's state, so every part of the request uses the same one."""
    state = scope.setdefault("state", {})
    if state.get("trace_id"):
        return state["trace_id"]
    value = None
    header = dict(scope.get("headers") or []).get(b"traceparent", b"").decode("latin-1")
    parts = header.strip().split("-")
    if len(parts) == 4 and len(parts[1]) == 32 and parts[1] != "0" * 32:
        try:
            int(parts[1], 16)
            value = parts[1].lower()
        except ValueError:
            value = None
    if value is None:  # the request's span (when traces are on) has made one
        span = trace.get_current_span().get_span_context()
        value = format(span.trace_id, "032x") if span.is_valid else None
    state["trace_id"] = value or uuid4().hex
    return state["trace_id"]


async def _trace_id(request: Request) -> str:
    return trace_id_of(request.scope)


TraceId = Annotated[str, Depends(_trace_id)]


async def _expected_version(
    header: Annotated[
        str | None,
        Header(alias="If-Match", description='The ETag of a read, such as "3": the write is applied only to that version (else 412)'),
    ] = None,
) -> int | None:
    """``If-Match: "<version>"`` (the ETag of a read); none or ``*``: any version."""
    if header is None or header.strip() == "*":
        return None
    value = header.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not value.isdigit():
        raise ApiProblem(
            400, "invalid-params", "Invalid request", "If-Match holds the ETag of a read, such as \"3\"",
            invalidParams=[{"name": "If-Match", "reason": "not an ETag issued by this API"}],
        )
    return int(value)


async def _idempotency_key(
    key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", min_length=1, max_length=200, pattern=r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$",
               description="Your key for this request: a repeat gets the first answer again (Idempotent-Replayed: true)"),
    ] = None,
) -> str | None:
    return key


IfMatch = Annotated[int | None, Depends(_expected_version)]
IdempotencyKey = Annotated[str | None, Depends(_idempotency_key)]


def etag(version: int) -> str:
    return f'"{version}"'


# --- reading the read models up to a position -------------------------------------------------------

MinPosition = Annotated[
    int | None,
    Query(
        alias="minPosition",
        ge=0,
        description="Wait (bounded) until the read models include this log position (from a write's Leerroute-Log-Position)",
    ),
]


def at_position(response: Response, position: int) -> None:
    """Say how far the read models were when a list was read."""
    response.headers[POSITION_HEADER] = str(position)


def _read_position(request: Request, response: Response, min_position: MinPosition = None) -> int:
    """A read of one resource: wait (bounded) until the read models include ``minPosition`` (the
    caller's own write), so what they decide (a fund's coverage, the money) includes it too;
    answer how far they were."""
    position = container_of(request).queries.read_models_at(min_position)
    at_position(response, position)
    request.state.read_position = position  # api.edge adds it to an answer the route made itself
    return position


ReadPosition = Annotated[int, Depends(_read_position)]


PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(alias="pageSize", ge=1, le=100)]
