"""Routes of the money's figures: one trajectory's money and the reports, as of a moment."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from api import exports, money_views
from api.deps import ContainerDep, MoneyDep, MoneyReader, ReadPosition, TraceId
from api.problems import READ_RESPONSES, ApiProblem
from domain.money import AsOf

router = APIRouter(prefix="/v1", tags=["money"])

AsOfParam = Annotated[str | None, Query(alias="asOf", description="ISO date: figures as they had happened by then")]
KnownParam = Annotated[str | None, Query(description="ISO date or datetime: only what had been recorded by then")]


async def parse_as_of(container: ContainerDep, as_of: AsOfParam = None, known: KnownParam = None) -> AsOf:
    """``asOf``: an ISO date (default today). ``known``: an ISO date (the end of that day in the
    configured time zone) or an ISO datetime with offset; only events recorded by then count."""
    today = container.clock.today()
    invalid = []
    day = today
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
            if len(as_of) != 10:
                raise ValueError
        except ValueError:
            invalid.append({"name": "asOf", "reason": "an ISO date, such as 2026-06-30"})
        else:
            if day > today:
                invalid.append({"name": "asOf", "reason": f"{day} lies after today ({today})"})
    cutoff = None
    if known is not None:
        try:
            if len(known) == 10:
                end = datetime.combine(date.fromisoformat(known), time.max, ZoneInfo(container.settings.timezone))
                cutoff = end.astimezone(UTC)
            else:
                cutoff = datetime.fromisoformat(known.replace("Z", "+00:00"))
                if cutoff.tzinfo is None:
                    raise ValueError
        except ValueError:
            invalid.append({"name": "known", "reason": "an ISO date or an ISO datetime with its offset, such as 2026-06-30T12:00:00Z"})
    if invalid:
        raise ApiProblem(400, "invalid-params", "Invalid request", "one or more parameters are invalid", invalidParams=invalid)
    return AsOf(day, cutoff)


Moment = Annotated[AsOf, Depends(parse_as_of)]


@router.get("/trajectories/{trajectory_id}/money", response_model=money_views.TrajectoryMoneyOut, responses=READ_RESPONSES)
def trajectory_money(
    trajectory_id: UUID, actor: MoneyReader, money: MoneyDep, trace_id: TraceId, moment: Moment, _: ReadPosition
) -> money_views.TrajectoryMoneyOut:
    """What this trajectory earned, was claimed and paid under each agreement, and the bijstand it saved."""
    found = money.trajectory_money(actor, trajectory_id, moment, trace_id=trace_id)
    return money_views.trajectory_money_out(found, str(money.baseline))


@router.get("/money/reports", response_model=money_views.ReportOut, responses={
    **READ_RESPONSES,
    200: {"description": "The report as JSON, CSV or XLSX (`format`)", "content": {
        "text/csv": {"schema": {"type": "string"}},
        exports.XLSX: {"schema": {"type": "string", "format": "binary"}},
    }},
})
def money_report(
    actor: MoneyReader,
    money: MoneyDep,
    moment: Moment,
    _: ReadPosition,
    format: Annotated[Literal["json", "csv", "xlsx"], Query(description="json, csv or xlsx")] = "json",
) -> Response:
    """Per municipality, per fund and national: committed, due, claimed, approved, paid, lapsed,
    to recover, savings and net (savings − paid), in euro cents. The lines add up to the totals."""
    report = money.report(actor, moment)
    name = f"leerroute-money-{moment.day.isoformat()}"
    if format == "csv":
        return exports.csv_response(money_views.REPORT_COLUMNS, money_views.report_rows(report), name)
    if format == "xlsx":
        return exports.xlsx_response(money_views.REPORT_COLUMNS, money_views.report_rows(report), name, sheet="money")
    body = money_views.report_out(report, str(money.baseline)).model_dump(mode="json", by_alias=True)
    return JSONResponse(body)
