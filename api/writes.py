"""The shared path of every write: If-Match, Idempotency-Key, one transaction, one response."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from uuid import UUID

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from adapters.unit_of_work import IdempotencyKey, StoredResponse
from api import views
from api.problems import ApiProblem
from domain.access import can_manage_route, can_see_placement, can_see_trajectory
from domain.trajectory import Trajectory
from domain.values import Actor
from leerroute.application import Outcome, TrajectoryNotFound
from leerroute.bootstrap import Container

POSITION_HEADER = "Leerroute-Log-Position"


def container_of(request: Request) -> Container:
    return request.app.state.container


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


def respond(
    request: Request,
    actor: Actor,
    payload: BaseModel | None,
    work: Callable[[Session, int | None], Outcome],
    *,
    status_code: int = 200,
    location: Callable[[Outcome], str] | None = None,
) -> JSONResponse:
    def render(session: Session, expected: int | None) -> StoredResponse:
        outcome = work(session, expected)
        headers = {"ETag": etag(outcome.trajectory.version), POSITION_HEADER: str(outcome.position)}
        if location is not None:
            headers["Location"] = location(outcome)
        body = lambda: views.trajectory_out(outcome.trajectory).model_dump(mode="json", by_alias=True)  # noqa: E731
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


def change_trajectory(
    request: Request,
    actor: Actor,
    payload: BaseModel | None,
    trajectory_id: UUID,
    change: Callable[[Trajectory], str | None],
    *,
    may: Callable[[Actor, Trajectory], bool] = can_manage_route,
    placement_id: str | None = None,
    status_code: int = 200,
    location: Callable[[Outcome], str] | None = None,
) -> JSONResponse:
    """Run one domain command on a trajectory the caller may see and change."""
    app = container_of(request).app

    def authorise(trajectory: Trajectory) -> None:
        if not can_see_trajectory(actor, trajectory):
            raise TrajectoryNotFound(trajectory_id)
        if placement_id is not None and not can_see_placement(actor, trajectory, placement_id):
            raise ApiProblem(404, "not-found", "Not found", f"no placement {placement_id} on this trajectory")
        if not may(actor, trajectory):
            raise ApiProblem(403, "forbidden", "Not allowed for this role", f"{actor.role} {actor.organisation} may not change this trajectory")

    def work(session: Session, expected: int | None) -> Outcome:
        return app.update(trajectory_id, change, session=session, expected_version=expected, authorise=authorise)

    return respond(request, actor, payload, work, status_code=status_code, location=location)
