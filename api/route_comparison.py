"""Routes of the comparison across regions: the funnel, lead times, drop-outs and maatwerk per
labour-market region against the national norms, as of a quarter's end and as known at a moment."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from api import comparison_views, exports
from api.auth import require_role
from api.deps import ContainerDep, ReadPosition
from api.money_reports import AsOfParam, KnownParam, parse_as_of
from api.problems import READ_RESPONSES, ApiProblem
from domain import access
from domain.comparison import quarter_end
from domain.money import AsOf
from domain.values import Actor

router = APIRouter(prefix="/v1", tags=["comparison"])

ComparisonReader = Annotated[Actor, Depends(require_role(access.COMPARISON_READERS))]
Table = Literal["stages", "drop-outs", "deviations", "differences"]


async def quarter_moment(container: ContainerDep, as_of: AsOfParam = None, known: KnownParam = None) -> AsOf:
    """``asOf``: the last day of a quarter (default: today, the figures as they stand);
    ``known``: as for the money reports."""
    moment = await parse_as_of(container, as_of, known)
    if as_of is not None and not quarter_end(moment.day):
        raise ApiProblem(400, "invalid-params", "Invalid request", "one or more parameters are invalid", invalidParams=[
            {"name": "asOf", "reason": f"{moment.day} is not the last day of a quarter (03-31, 06-30, 09-30 or 12-31)"},
        ])
    return moment


QuarterMoment = Annotated[AsOf, Depends(quarter_moment)]


def _format(request: Request, requested: str | None) -> str:
    """``format`` when given, else the ``Accept`` header (CSV or XLSX), else JSON."""
    if requested is not None:
        return requested
    accept = request.headers.get("accept", "")
    if "text/csv" in accept:
        return "csv"
    if exports.XLSX in accept:
        return "xlsx"
    return "json"


@router.get("/route-comparison", response_model=comparison_views.ComparisonOut, responses={
    **READ_RESPONSES,
    200: {"description": "The comparison as JSON, CSV (one table, `table`) or XLSX (every table, a sheet each)", "content": {
        "text/csv": {"schema": {"type": "string"}},
        exports.XLSX: {"schema": {"type": "string", "format": "binary"}},
    }},
})
def route_comparison(
    request: Request,
    actor: ComparisonReader,
    container: ContainerDep,
    moment: QuarterMoment,
    _: ReadPosition,
    region: Annotated[str | None, Query(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$",
                                        description="One labour-market region (default: every region the caller may see)")] = None,
    format: Annotated[Literal["json", "csv", "xlsx"] | None, Query(
        description="json, csv or xlsx; without it the Accept header decides (text/csv, the XLSX media type), else json")] = None,
    table: Annotated[Table, Query(description="The table of a CSV download")] = "stages",
) -> Response:
    """Per labour-market region and for the country, against the national norms: per stage the
    routes that entered and completed it and the share within norm, median and 90th-percentile
    days against the norm, maatwerk; drop-outs by national category with their regional
    sub-reasons; deviations per rule; and what each region's variant differs in from its national
    version. Procesregie sees every region, a klantmanager the own municipality's region; no
    personal data."""
    found = container.comparison.comparison(actor, moment, region)
    name = f"leerroute-route-comparison-{moment.day.isoformat()}"
    chosen = _format(request, format)
    if chosen == "csv":
        columns, rows = comparison_views.TABLES[table]
        return exports.csv_response(columns, rows(found), f"{name}-{table}")
    if chosen == "xlsx":
        return exports.xlsx_sheets_response(
            [(sheet, columns, rows(found)) for sheet, (columns, rows) in comparison_views.TABLES.items()], name
        )
    return JSONResponse(comparison_views.comparison_out(found).model_dump(mode="json", by_alias=True))
