"""Routes of the trajectory resource: register, read, history, list, search by BSN, erasure and
the access log. The steps of a route are in ``api.steps``, placements in ``api.placements``."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from adapters.queries import PageRequest
from api import responses, schemas, views
from api.deps import (
    AccessLogReader,
    Eraser,
    ListReader,
    MinPosition,
    PageNumber,
    PageSize,
    QueriesDep,
    ReadPosition,
    RouteWriter,
    Searcher,
    TraceId,
    TrajectoryReader,
    at_position,
    etag,
)
from api.problems import READ_RESPONSES, VERSIONED_READ_RESPONSES, WRITE_RESPONSES
from api.writes import WriterDep, trajectory_location
from domain import commands as c
from domain.candidate import PersonalData
from domain.trajectory import Trajectory
from domain.values import Stage, TargetGroup, TrajectoryStatus

router = APIRouter(prefix="/v1")

WRITE: dict[str, Any] = {"response_model": responses.TrajectoryOut, "responses": WRITE_RESPONSES}


@router.post("/trajectories", status_code=201, **WRITE)
def register_trajectory(body: schemas.RegisterTrajectory, actor: RouteWriter, write: WriterDep) -> JSONResponse:
    """Register a candidate and open their route (klantmanager of the own municipality)."""
    candidate = body.candidate
    command = c.RegisterTrajectory(
        actor=actor,
        on=body.registered_on,
        person=PersonalData(
            bsn=candidate.bsn, given_names=candidate.given_names, family_name=candidate.family_name, birth_date=candidate.birth_date
        ),
        target_group=body.target_group,
        benefit_monthly_cents=body.benefit.monthly_amount_cents if body.benefit else 0,
        benefit_since=body.benefit.since if body.benefit else None,
    )
    return write.trajectory(command, status_code=201, location=trajectory_location)


@router.get("/trajectories/{trajectory_id}", response_model=responses.TrajectoryOut, responses=VERSIONED_READ_RESPONSES)
def get_trajectory(
    trajectory_id: UUID, response: Response, actor: TrajectoryReader, queries: QueriesDep, trace_id: TraceId, _: ReadPosition
) -> responses.TrajectoryOut:
    """The route as it stands now; the ETag is its version, for If-Match on the next write."""
    read = queries.trajectory(actor, trajectory_id, trace_id=trace_id)
    response.headers["ETag"] = etag(read.trajectory.version)
    return views.trajectory_out(read.trajectory, read.view, read.candidate, read.route)


@router.get("/trajectories/{trajectory_id}/history", response_model=responses.HistoryOut, responses=VERSIONED_READ_RESPONSES)
def get_history(
    trajectory_id: UUID, response: Response, actor: TrajectoryReader, queries: QueriesDep, trace_id: TraceId, _: ReadPosition
) -> responses.HistoryOut:
    """Every event of the route: type, business date, recorded time, actor and data."""
    trajectory, view, events = queries.history(actor, trajectory_id, trace_id=trace_id)
    response.headers["ETag"] = etag(trajectory.version)
    return views.history_out(trajectory_id, events, view)


@router.post("/trajectories/{trajectory_id}/candidate/erasure", **WRITE)
def erase_candidate(trajectory_id: UUID, body: schemas.CandidateErasure, actor: Eraser, write: WriterDep) -> JSONResponse:
    """Erase the candidate's personal data on request (AVG art. 17): the candidate's key is
    destroyed, so the BSN, names and birth date can never be read again; the route, its money
    and its audit trail stay, showing the candidate as erased. The own municipality's
    klantmanager or privacy officer."""
    return write.trajectory(c.EraseCandidate(actor=actor, trajectory_id=trajectory_id, on=body.date))


def _summary(t: Trajectory) -> responses.TrajectorySummaryOut:
    return responses.TrajectorySummaryOut(
        id=t.id, municipality=t.municipality, target_group=t.target_group, stage=t.stage, status=t.status,
        registered_on=t.registered_on, last_step_on=t.last_step_on, version=t.version,
    )


@router.get("/trajectories", response_model=responses.Page[responses.TrajectorySummaryOut], responses=READ_RESPONSES)
def list_trajectories(
    response: Response,
    actor: ListReader,
    queries: QueriesDep,
    phase: Stage | None = None,
    status: TrajectoryStatus | None = None,
    target_group: Annotated[TargetGroup | None, Query(alias="targetGroup")] = None,
    municipality: Annotated[str | None, Query(pattern=r"^GM\d{4}$", description="procesregie only")] = None,
    page: PageNumber = 1,
    page_size: PageSize = 20,
    min_position: MinPosition = None,
) -> responses.Page[responses.TrajectorySummaryOut]:
    """The caller's municipality's trajectories (procesregie: all, or one municipality)."""
    result, position = queries.trajectories(
        actor, PageRequest(page, page_size), municipality=municipality, stage=phase, status=status,
        target_group=target_group, min_position=min_position,
    )
    at_position(response, position)
    return responses.Page[responses.TrajectorySummaryOut](
        items=[
            responses.TrajectorySummaryOut(id=r["trajectory_id"], **{k: v for k, v in r.items() if k != "trajectory_id"})
            for r in result.rows
        ],
        page=page,
        page_size=page_size,
        total=result.total,
    )


@router.post("/trajectories/search", response_model=responses.Page[responses.TrajectorySummaryOut], responses=READ_RESPONSES)
def search_by_bsn(
    body: schemas.SearchByBsn, actor: Searcher, queries: QueriesDep, trace_id: TraceId
) -> responses.Page[responses.TrajectorySummaryOut]:
    """Find the own municipality's trajectory of a BSN (a POST: no BSN in a URL)."""
    items = [_summary(t) for t in queries.search(actor, body.bsn, trace_id=trace_id)]
    return responses.Page[responses.TrajectorySummaryOut](items=items, page=1, page_size=1, total=len(items))


@router.get(
    "/trajectories/{trajectory_id}/access-log", response_model=responses.Page[responses.AccessEntryOut], responses=READ_RESPONSES
)
def get_access_log(
    trajectory_id: UUID, actor: AccessLogReader, queries: QueriesDep, trace_id: TraceId, _: ReadPosition,
    page: PageNumber = 1, page_size: PageSize = 20,
) -> responses.Page[responses.AccessEntryOut]:
    """Who processed this trajectory's candidate's data, when, in which activity and under which
    trace id, oldest first (the municipality's privacy officer; procesregie)."""
    entries, total = queries.access_log(actor, trajectory_id, page=page, page_size=page_size, trace_id=trace_id)
    return responses.Page[responses.AccessEntryOut](
        items=[responses.AccessEntryOut(**vars(e)) for e in entries], page=page, page_size=page_size, total=total
    )
