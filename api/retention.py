"""Retention (bewaartermijn): the privacy officer's view of what falls due for erasure in the
coming month, and a documented hold on one route (and its end)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from api.auth import require_role
from api.deps import ContainerDep, MinPosition, at_position, issuer_of
from api.problems import READ_RESPONSES, WRITE_RESPONSES
from api.responses import Output, TrajectoryOut
from api.schemas import Input, IsoDate, LongText
from api.writes import WriterDep
from domain import commands as c
from domain.retention import SCHEDULE_READERS
from domain.values import Actor

router = APIRouter(prefix="/v1", tags=["retention"])

ScheduleReader = Annotated[Actor, Depends(require_role(SCHEDULE_READERS))]
Holder = Annotated[Actor, issuer_of(c.HoldRetention)]
HoldEnder = Annotated[Actor, issuer_of(c.EndRetentionHold)]


class RetentionHoldIn(Input):
    date: IsoDate = Field(description="The day the hold is recorded (not after today)")
    reason: LongText = Field(description="Why the personal data is kept past the term (an objection, a court case)")


class RetentionHoldEndIn(Input):
    date: IsoDate = Field(description="The day the hold ends (not after today, not before it began)")
    reason: LongText = Field(description="Why the personal data need no longer be kept")


class HoldOut(Output):
    on: date
    reason: str


class FallingDueOut(Output):
    trajectory_id: UUID
    ended_on: date = Field(description="The day the route ended (drop-out, end of the guarantee, or its full term)")
    due_on: date = Field(description="The day the retention term erases the candidate's personal data")
    hold: HoldOut | None = Field(description="A documented hold: the personal data is kept past the term")


class RetentionScheduleOut(Output):
    today: date
    items: list[FallingDueOut]


@router.get("/retention-schedule", response_model=RetentionScheduleOut, responses=READ_RESPONSES)
def retention_schedule(
    response: Response, actor: ScheduleReader, container: ContainerDep, min_position: MinPosition = None
) -> RetentionScheduleOut:
    """What falls due for erasure in the own municipality up to a month from today (overdue ones
    not yet erased, and held ones, included), soonest first. The privacy officer."""
    today, rows, position = container.retention.falling_due(actor, min_position=min_position)
    at_position(response, position)
    return RetentionScheduleOut(today=today, items=[
        FallingDueOut(
            trajectory_id=r.trajectory_id, ended_on=r.ended_on, due_on=r.due_on,
            hold=HoldOut(on=r.held_on, reason=r.hold_reason or "") if r.held_on else None,
        )
        for r in rows
    ])


@router.post("/trajectories/{trajectory_id}/retention-hold", response_model=TrajectoryOut, responses=WRITE_RESPONSES)
def hold_retention(trajectory_id: UUID, body: RetentionHoldIn, actor: Holder, write: WriterDep) -> JSONResponse:
    """Keep the candidate's personal data past the retention term, with the documented reason;
    one hold per route. The privacy officer of the route's municipality."""
    return write.trajectory(c.HoldRetention(actor=actor, trajectory_id=trajectory_id, on=body.date, reason=body.reason))


@router.post("/trajectories/{trajectory_id}/retention-hold/ending", response_model=TrajectoryOut, responses=WRITE_RESPONSES)
def end_retention_hold(trajectory_id: UUID, body: RetentionHoldEndIn, actor: HoldEnder, write: WriterDep) -> JSONResponse:
    """End the hold, with the documented reason: the retention term applies again (a route whose
    term has passed is erased at the next run of the time policies). The privacy officer of the
    route's municipality."""
    return write.trajectory(c.EndRetentionHold(actor=actor, trajectory_id=trajectory_id, on=body.date, reason=body.reason))
