"""The shared path of every write: If-Match, Idempotency-Key, one transaction, one response,
and the access-log entry of the write in that same transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from adapters.access_log import Access
from adapters.unit_of_work import IdempotencyKey, StoredResponse
from api import views
from api.problems import ApiProblem
from domain.access import NOTHING, View
from domain.trajectory import Trajectory
from domain.values import Actor
from leerroute.application import CandidateFacts, Outcome, TrajectoryNotFound
from leerroute.bootstrap import Container

POSITION_HEADER = "Leerroute-Log-Position"
TRACE_HEADER = "Trace-Id"


def container_of(request: Request) -> Container:
    return request.app.state.container


def trace_id_of(scope: dict) -> str:
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
    state["trace_id"] = value or uuid4().hex
    return state["trace_id"]


def trace_id(request: Request) -> str:
    return trace_id_of(request.scope)


def activity_of(request: Request) -> str:
    """The processing activity: the name of the operation called."""
    route = request.scope.get("route")
    return getattr(route, "name", None) or f"{request.method} {request.url.path}"


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request: Request) -> int | None:
    header = request.headers.get("if-match")
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


def idempotency_key(request: Request, actor: Actor, payload: BaseModel | None) -> IdempotencyKey | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    key = key.strip()
    if not 1 <= len(key) <= 200:
        raise ApiProblem(
            400, "invalid-params", "Invalid request", "an Idempotency-Key has 1 to 200 characters",
            invalidParams=[{"name": "Idempotency-Key", "reason": "1 to 200 characters"}],
        )
    body = payload.model_dump_json().encode() if payload is not None else b""
    return IdempotencyKey(
        scope=f"{actor.organisation}/{actor.subject}",
        key=key,
        fingerprint=IdempotencyKey.fingerprint_of(request.method, request.url.path, body),
    )


def log_read(request: Request, actor: Actor, trajectories: list[Trajectory]) -> None:
    """Record in the access log that the caller read these candidates' data."""
    container = container_of(request)
    container.access_log.record_read(
        actor,
        [Access(t.id, t.municipality, container.app.candidate_pseudonym(t.candidate_id)) for t in trajectories],
        activity=activity_of(request),
        trace_id=trace_id(request),
    )


def write_view(container: Container, actor: Actor, trajectory: Trajectory) -> View:
    """What a write's response shows: the caller's view, without the candidate's personal data.
    Responses are kept for Idempotency-Key replays, and personal data is never copied there
    (read it with a GET)."""
    view = container.policy.view(actor, trajectory) or NOTHING
    return replace(view, personal_data=False, candidate_name=False)


def respond(
    request: Request,
    actor: Actor,
    payload: BaseModel | None,
    work: Callable[[Session, int | None], Outcome],
    *,
    status_code: int = 200,
    location: Callable[[Outcome], str] | None = None,
) -> JSONResponse:
    container = container_of(request)
    activity = activity_of(request)
    trace = trace_id(request)

    def render(session: Session, expected: int | None) -> StoredResponse:
        outcome = work(session, expected)
        trajectory = outcome.trajectory
        pseudonym = container.app.candidate_pseudonym(trajectory.candidate_id)
        container.access_log.record(
            session, actor, [Access(trajectory.id, trajectory.municipality, pseudonym)], activity=activity, trace_id=trace
        )
        headers = {"ETag": etag(trajectory.version), POSITION_HEADER: str(outcome.position)}
        if location is not None:
            headers["Location"] = location(outcome)

        def body() -> dict:
            candidate = outcome.candidate or container.app.get_candidate(trajectory.candidate_id)
            facts = CandidateFacts(pseudonym, None, candidate.erased_on if candidate else None)
            view = write_view(container, actor, trajectory)
            return views.trajectory_out(trajectory, view, facts).model_dump(mode="json", by_alias=True)

        return StoredResponse(status_code, body, headers)  # type: ignore[arg-type]

    return respond_with(request, actor, payload, render)


def respond_with(
    request: Request,
    actor: Actor,
    payload: BaseModel | None,
    work: Callable[[Session, int | None], StoredResponse],
) -> JSONResponse:
    """The write path of every resource: If-Match, Idempotency-Key, one transaction, the
    workers told. ``work`` runs the command in the session and shapes the response.

    ``work`` may give the body as a function: it is then rendered after the commit, outside
    the transaction (which holds the event table's lock from its insert on), unless it must
    be stored with the response for an Idempotency-Key."""
    container = container_of(request)
    expected = expected_version(request)
    key = idempotency_key(request, actor, payload)

    def unit(session: Session) -> StoredResponse:
        response = work(session, expected)
        if key is not None and callable(response.body):
            response = replace(response, body=response.body())
        return response

    response = container.unit_of_work.run(unit, idempotency=key, retry_on_conflict=expected is None)
    headers = dict(response.headers)
    if response.replayed:
        headers["Idempotent-Replayed"] = "true"
    else:
        container.written()
    body = response.body() if callable(response.body) else response.body
    return JSONResponse(body, status_code=response.status_code, headers=headers)


def authoriser(
    container: Container,
    actor: Actor,
    trajectory_id: UUID,
    may: Callable[[Actor, Trajectory], bool],
    *,
    placement_id: str | None = None,
) -> Callable[[Trajectory], None]:
    """The check every write on a trajectory runs first: invisible is 404, visible but not
    allowed is 403."""
    policy = container.policy

    def authorise(trajectory: Trajectory) -> None:
        if not policy.can_see(actor, trajectory):
            raise TrajectoryNotFound(trajectory_id)
        if placement_id is not None and not policy.can_see_placement(actor, trajectory, placement_id):
            raise ApiProblem(404, "not-found", "Not found", f"no placement {placement_id} on this trajectory")
        if not may(actor, trajectory):
            raise ApiProblem(403, "forbidden", "Not allowed for this role", f"{actor.role} {actor.organisation} may not do this")

    return authorise


def change_trajectory(
    request: Request,
    actor: Actor,
    payload: BaseModel | None,
    trajectory_id: UUID,
    change: Callable[[Trajectory], str | None],
    *,
    may: Callable[[Actor, Trajectory], bool] | None = None,
    placement_id: str | None = None,
    status_code: int = 200,
    location: Callable[[Outcome], str] | None = None,
) -> JSONResponse:
    """Run one domain command on a trajectory the caller may see and change."""
    container = container_of(request)
    authorise = authoriser(container, actor, trajectory_id, may or container.policy.can_manage_route, placement_id=placement_id)

    def work(session: Session, expected: int | None) -> Outcome:
        return container.app.update(trajectory_id, change, session=session, expected_version=expected, authorise=authorise)

    return respond(request, actor, payload, work, status_code=status_code, location=location)


def wait_for_read_models(request: Request, response: Response, min_position: int | None) -> None:
    """Wait (bounded) until the read models include ``min_position``; say how far they are."""
    container = container_of(request)
    if min_position is not None:
        container.projections.wait_for(min_position, container.settings.read_wait_max_seconds)
    response.headers[POSITION_HEADER] = str(container.projections.lowest_position())


MinPosition = Annotated[
    int | None,
    Query(
        alias="minPosition",
        ge=0,
        description="Wait (bounded) until the read models include this log position (from a write's Leerroute-Log-Position)",
    ),
]
