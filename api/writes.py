"""The write path of every route: the command it built goes to the service with what the request
says besides its body (``If-Match``, ``Idempotency-Key``, the trace id), and the outcome comes
back once, presented. A repeated request's outcome is presented the same way, marked
``Idempotent-Replayed``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api import money_views, views
from api.deps import POSITION_HEADER, IdempotencyKey, IfMatch, QueriesDep, ServiceDep, TraceId, etag
from domain.commands import Command
from domain.financing import FinancingAgreement
from leerroute.handlers import Outcome
from leerroute.queries import Queries
from leerroute.service import Service

# Where a created thing can be read: the trajectory, or the placement in it.
Location = Callable[[Outcome], str]


def trajectory_location(outcome: Outcome) -> str:
    return f"/v1/trajectories/{outcome.aggregate.id}"


def placement_location(outcome: Outcome) -> str:
    return f"/v1/trajectories/{outcome.aggregate.id}/placements/{outcome.created}"


def guarantee_location(outcome: Outcome) -> str:
    return f"/v1/trajectories/{outcome.aggregate.id}/guarantee"


@dataclass(frozen=True)
class Writer:
    service: Service
    queries: Queries
    expected_version: int | None
    idempotency_key: str | None
    trace_id: str

    def _handle(self, command: Command) -> tuple[Outcome, dict[str, str]]:
        command = replace(command, expected_version=self.expected_version)
        outcome = self.service.handle(command, idempotency_key=self.idempotency_key, trace_id=self.trace_id)
        headers = {"ETag": etag(outcome.aggregate.version)}
        if outcome.position is not None:
            headers[POSITION_HEADER] = str(outcome.position)
        if outcome.replayed:
            headers["Idempotent-Replayed"] = "true"
        return outcome, headers

    def trajectory(self, command: Command, *, status_code: int = 200, location: Location | None = None) -> JSONResponse:
        """Run a command on a trajectory; the answer is the trajectory as the caller sees it,
        without the candidate's personal data."""
        outcome, headers = self._handle(command)
        if location is not None:
            headers["Location"] = location(outcome)
        read = self.queries.written(command.actor, outcome.aggregate)
        return _json(views.trajectory_out(read.trajectory, read.view, read.candidate, read.route), status_code, headers)

    def money(self, command: Command, *, status_code: int = 200) -> JSONResponse:
        """Run a command on a financing agreement or a claim; the answer is that agreement or claim."""
        outcome, headers = self._handle(command)
        aggregate = outcome.aggregate
        body: Any
        if isinstance(aggregate, FinancingAgreement):
            location, body = f"/v1/financing-agreements/{aggregate.id}", money_views.agreement_out(aggregate)
        else:
            location, body = f"/v1/claims/{aggregate.id}", money_views.claim_out(aggregate)
        if status_code == 201:
            headers["Location"] = location
        return _json(body, status_code, headers)


class ModelResponse(JSONResponse):
    """A JSON answer serialised once, by pydantic, straight to bytes (not to a dict first and
    then through ``json.dumps``)."""

    def render(self, content: Any) -> bytes:
        assert isinstance(content, BaseModel)
        return content.model_dump_json(by_alias=True).encode()


def _json(body: BaseModel, status_code: int, headers: dict[str, str]) -> JSONResponse:
    return ModelResponse(body, status_code=status_code, headers=headers)


async def _writer(service: ServiceDep, queries: QueriesDep, expected_version: IfMatch, key: IdempotencyKey, trace_id: TraceId) -> Writer:
    return Writer(service, queries, expected_version, key, trace_id)


WriterDep = Annotated[Writer, Depends(_writer)]
