"""Routes of placements: the klantmanager proposes one, the employer (with its own token)
confirms or declines it, either reports the contract's start and end; and the placements an
employer or a municipality has."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from adapters.queries import PageRequest
from api import responses, schemas
from api.deps import (
    MinPosition,
    PageNumber,
    PageSize,
    PlacementAnswerer,
    PlacementListReader,
    PlacementParty,
    QueriesDep,
    RouteWriter,
    TraceId,
    at_position,
)
from api.problems import READ_RESPONSES, WRITE_RESPONSES
from api.writes import WriterDep, placement_location
from domain import commands as c
from domain.values import PlacementStatus

router = APIRouter(prefix="/v1")

WRITE: dict[str, Any] = {"response_model": responses.TrajectoryOut, "responses": WRITE_RESPONSES}
P = "/trajectories/{trajectory_id}/placements/{placement_id}"


@router.post("/trajectories/{trajectory_id}/placements", status_code=201, **WRITE)
def propose_placement(trajectory_id: UUID, body: schemas.ProposePlacement, actor: RouteWriter, write: WriterDep) -> JSONResponse:
    """Propose the candidate to an employer; the employer confirms or declines with its own token."""
    command = c.ProposePlacement(
        actor=actor, trajectory_id=trajectory_id, on=body.date, employer_kvk=body.employer.kvk_number,
        employer_name=body.employer.name, function=body.function, hours_per_week=body.hours_per_week, level=body.level,
    )
    return write.trajectory(command, status_code=201, location=placement_location)


@router.post(P + "/confirmation", **WRITE)
def confirm_placement(
    trajectory_id: UUID, placement_id: UUID, body: schemas.ConfirmPlacement, actor: PlacementAnswerer, write: WriterDep
) -> JSONResponse:
    return write.trajectory(
        c.ConfirmPlacement(actor=actor, trajectory_id=trajectory_id, placement_id=str(placement_id), on=body.date)
    )


@router.post(P + "/declination", **WRITE)
def decline_placement(
    trajectory_id: UUID, placement_id: UUID, body: schemas.DeclinePlacement, actor: PlacementAnswerer, write: WriterDep
) -> JSONResponse:
    return write.trajectory(
        c.DeclinePlacement(actor=actor, trajectory_id=trajectory_id, placement_id=str(placement_id), on=body.date,
                           reason=body.reason)
    )


@router.post(P + "/contract-start", **WRITE)
def start_contract(
    trajectory_id: UUID, placement_id: UUID, body: schemas.StartContract, actor: PlacementParty, write: WriterDep
) -> JSONResponse:
    return write.trajectory(
        c.StartContract(actor=actor, trajectory_id=trajectory_id, placement_id=str(placement_id), on=body.date,
                        hours_per_week=body.hours_per_week)
    )


@router.post(P + "/ending", **WRITE)
def end_placement(
    trajectory_id: UUID, placement_id: UUID, body: schemas.EndPlacement, actor: PlacementParty, write: WriterDep
) -> JSONResponse:
    return write.trajectory(
        c.EndPlacement(actor=actor, trajectory_id=trajectory_id, placement_id=str(placement_id), on=body.date,
                       reason=body.reason, explanation=body.explanation)
    )


@router.get("/placements", response_model=responses.Page[responses.PlacementSummaryOut], responses=READ_RESPONSES)
def list_placements(
    response: Response,
    actor: PlacementListReader,
    queries: QueriesDep,
    trace_id: TraceId,
    status: PlacementStatus | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 20,
    min_position: MinPosition = None,
) -> responses.Page[responses.PlacementSummaryOut]:
    """Employers: the placements proposed to them. Klantmanagers: their municipality's."""
    rows, total, position = queries.placements(
        actor, PageRequest(page, page_size), status=status, trace_id=trace_id, min_position=min_position
    )
    at_position(response, position)
    items = [
        responses.PlacementSummaryOut(
            id=r.row["placement_id"], candidate_name=r.candidate_name, **{k: v for k, v in r.row.items() if k != "placement_id"}
        )
        for r in rows
    ]
    return responses.Page[responses.PlacementSummaryOut](items=items, page=page, page_size=page_size, total=total)
