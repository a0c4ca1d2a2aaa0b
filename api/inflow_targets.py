"""Inflow targets (procesregie): a yearly target of routes registered, per labour-market region
and for the country, with its history; and a year's progress against it and its baseline year."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field, Strict

from api.auth import require_role
from api.deps import (
    POSITION_HEADER,
    IdempotencyKey,
    IfMatch,
    MinPosition,
    ReadPosition,
    ServiceDep,
    TraceId,
    at_position,
    container_of,
    etag,
    issuer_of,
)
from api.problems import READ_RESPONSES, VERSIONED_READ_RESPONSES, WRITE_RESPONSES
from api.responses import Output
from api.schemas import Input, IsoDate, Text
from domain import commands as c
from domain.access import INFLOW_READERS
from domain.inflow import InflowTarget
from domain.values import Actor
from leerroute.inflow_queries import InflowQueries, ProgressRead

router = APIRouter(prefix="/v1", tags=["inflow targets"])

Setter = Annotated[Actor, issuer_of(c.SetInflowTarget)]
Reader = Annotated[Actor, Depends(require_role(INFLOW_READERS))]
Count = Annotated[int, Strict()]
Year = Annotated[int, Strict()]


def _queries(request: Request) -> InflowQueries:
    return container_of(request).inflow


InflowDep = Annotated[InflowQueries, Depends(_queries)]


class InflowTargetIn(Input):
    year: Year = Field(description="The year of the target (routes registered in it)")
    region: Text | None = Field(default=None, description="A labour-market region, as the funnel names it; left out: the whole country")
    statushouders: Count = Field(description="Routes of statushouders to be registered in the year (zero or more)")
    total: Count | None = Field(default=None, description="Routes of all target groups to be registered in the year")
    baseline_year: Year | None = Field(
        default=None, description="The year whose inflow the progress is compared with (before the target's year); default the year before"
    )
    set_on: IsoDate | None = Field(default=None, description="The day the target is set (not after today); default today")


class TargetValuesOut(Output):
    statushouders: int
    total: int | None
    baseline_year: int


class TargetChangeOut(TargetValuesOut):
    set_on: date
    set_by: str = Field(description="The subject who set it (of procesregie)")


class InflowTargetOut(Output):
    id: UUID
    year: int
    region: str | None = Field(description="The labour-market region; null: the whole country")
    statushouders: int
    total: int | None
    baseline_year: int
    history: list[TargetChangeOut] = Field(description="Every value the target had, oldest first")


class InflowTargetsOut(Output):
    items: list[InflowTargetOut]


class InflowOut(Output):
    year: int
    statushouders: int = Field(description="Routes of statushouders registered in the year")
    total: int = Field(description="Routes registered in the year, every target group")


class InflowProgressOut(Output):
    year: int
    region: str | None
    inflow: InflowOut
    target: TargetValuesOut | None = Field(description="The year's target; null when none is set")
    baseline: InflowOut = Field(description="The inflow of the baseline year (the target's, else the year before)")
    share_of_target: float | None = Field(description="Statushouders registered as a share of the target (1.0: met)")
    share_of_total_target: float | None
    growth: float | None = Field(description="Statushouders registered relative to the baseline year (2.0: doubled)")
    total_growth: float | None


def target_out(target: InflowTarget) -> InflowTargetOut:
    values = target.values
    return InflowTargetOut(
        id=target.id, year=target.year, region=target.region, statushouders=values.statushouders, total=values.total,
        baseline_year=values.baseline_year,
        history=[
            TargetChangeOut(statushouders=h.values.statushouders, total=h.values.total, baseline_year=h.values.baseline_year,
                            set_on=h.on, set_by=h.actor.subject)
            for h in target.history
        ],
    )


def progress_out(read: ProgressRead) -> InflowProgressOut:
    p = read.progress
    return InflowProgressOut(
        year=read.year, region=read.region,
        inflow=InflowOut(year=p.inflow.year, statushouders=p.inflow.statushouders, total=p.inflow.total),
        target=TargetValuesOut(statushouders=p.target.statushouders, total=p.target.total, baseline_year=p.target.baseline_year)
        if p.target else None,
        baseline=InflowOut(year=p.baseline.year, statushouders=p.baseline.statushouders, total=p.baseline.total),
        share_of_target=p.share_of_target, share_of_total_target=p.share_of_total_target, growth=p.growth,
        total_growth=p.total_growth,
    )


@router.post("/inflow-targets", response_model=InflowTargetOut, status_code=201, responses=WRITE_RESPONSES)
def set_inflow_target(body: InflowTargetIn, actor: Setter, service: ServiceDep, if_match: IfMatch, key: IdempotencyKey,
                      trace_id: TraceId) -> JSONResponse:
    """Set the inflow target of a year for a region or the whole country (procesregie): the first
    one is created (201), a later one for the same year and scope changes it (200), keeping its
    history. ``If-Match`` applies the change only to that version of the target."""
    command = c.SetInflowTarget(
        actor=actor, on=body.set_on or service.today(), year=body.year, region=body.region, statushouders=body.statushouders,
        total=body.total, baseline_year=body.baseline_year, expected_version=if_match,
    )
    outcome = service.handle(command, idempotency_key=key, trace_id=trace_id)
    target = outcome.aggregate
    headers = {"ETag": etag(target.version), "Location": f"/v1/inflow-targets/{target.id}"}
    if outcome.position is not None:
        headers[POSITION_HEADER] = str(outcome.position)
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    status = 201 if len(target.history) == 1 else 200
    return JSONResponse(target_out(target).model_dump(mode="json", by_alias=True), status_code=status, headers=headers)


@router.get("/inflow-targets", response_model=InflowTargetsOut, responses=READ_RESPONSES)
def inflow_targets(actor: Reader, queries: InflowDep, year: Annotated[int, Query(description="The year of the targets")],
                   _: ReadPosition) -> InflowTargetsOut:
    """The year's targets: the country's first, then each region's that has one (procesregie)."""
    return InflowTargetsOut(items=[target_out(t) for t in queries.targets(actor, year)])


@router.get("/inflow-targets/{target_id}", response_model=InflowTargetOut, responses=VERSIONED_READ_RESPONSES)
def inflow_target(target_id: UUID, response: Response, actor: Reader, queries: InflowDep, _: ReadPosition) -> InflowTargetOut:
    """One target with its history (procesregie)."""
    target = queries.target(actor, target_id)
    response.headers["ETag"] = etag(target.version)
    return target_out(target)


@router.get("/funnel/inflow", response_model=InflowProgressOut, responses=READ_RESPONSES)
def inflow_progress(
    response: Response,
    actor: Reader,
    queries: InflowDep,
    year: Annotated[int, Query(description="The year: routes registered in it")],
    region: Annotated[str | None, Query(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$",
                                        description="A labour-market region; left out: the whole country")] = None,
    min_position: MinPosition = None,
) -> InflowProgressOut:
    """The year's inflow (routes registered in it: statushouders and in total) in a region or the
    country, against the year's target and the inflow of its baseline year (procesregie)."""
    read = queries.progress(actor, year=year, region=region, min_position=min_position)
    at_position(response, read.position)
    return progress_out(read)
