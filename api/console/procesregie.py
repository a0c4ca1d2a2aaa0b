"""Procesregie's pages: the national picture. The funnel per stage (entered, completed, skipped),
drop-out reasons, lead times (median and p90) per cohort and target group, the regions side by
side; and the money: financing paid against bijstand savings per municipality, with its break-even
month. Filters are in the URL, so a view can be shared; ``?formaat=csv`` or ``xlsx`` downloads the
view's table (``api.exports``). Charts are SVG with the numbers in a table beside them."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api import exports
from api.console import charts, labels, web
from api.console.session import Procesregie
from domain.errors import InvalidField
from domain.funnel import FUNNEL_STAGES
from domain.money import AsOf
from domain.values import DropOutReason, Stage, TargetGroup
from leerroute.queries import FunnelLevel

router = APIRouter(prefix="/console/procesregie")

Format = Annotated[str | None, Query(alias="formaat", pattern="^(csv|xlsx)$")]
LEVELS = {"land": FunnelLevel.NATIONAL, "regio": FunnelLevel.REGION, "gemeente": FunnelLevel.MUNICIPALITY}


def _download(columns: list[str], rows: list[list[Any]], name: str, form: str | None) -> Response | None:
    if form == "csv":
        return exports.csv_response(columns, rows, name)
    if form == "xlsx":
        return exports.xlsx_response(columns, rows, name, sheet=name[:31])
    return None


def _stage_totals(groups: list[Any]) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {str(s): {"entered": 0, "completed": 0, "skipped": 0} for s in FUNNEL_STAGES}
    for group in groups:
        for stage, stats in group.stages.items():
            for key in ("entered", "completed", "skipped"):
                totals.setdefault(stage, {"entered": 0, "completed": 0, "skipped": 0})[key] += stats[key]
    return totals


@router.get("")
def funnel(
    request: Request, person: Procesregie, form: Format = None,
    niveau: Annotated[str, Query(pattern="^(land|regio|gemeente)$")] = "land",
    regio: Annotated[str | None, Query(max_length=100)] = None,
    gemeente: Annotated[str | None, Query(pattern=r"^GM\d{4}$")] = None,
    cohort: Annotated[str | None, Query(pattern=r"^\d{4}-Q[1-4]$")] = None,
    doelgroep: TargetGroup | None = None,
) -> Response:
    container = request.app.state.container
    queries = container.queries
    level = LEVELS[niveau]
    error = None
    if level is FunnelLevel.REGION and not regio:
        error, level = "Kies een regio.", FunnelLevel.NATIONAL
    if level is FunnelLevel.MUNICIPALITY and not gemeente:
        error, level = "Vul een gemeentecode in.", FunnelLevel.NATIONAL
    found = queries.funnel(person.actor, level=level, municipality=gemeente, region=regio, cohort=cohort, target_group=doelgroep)
    totals = _stage_totals(found.groups)
    stages = [str(s) for s in FUNNEL_STAGES]
    leads = [
        (g.cohort, g.target_group, stage, g.stages[stage].get("median_lead_days"), g.stages[stage].get("p90_lead_days"))
        for g in found.groups for stage in stages if stage in g.stages
    ]
    drop_outs: dict[tuple[str, str], int] = defaultdict(int)
    for g in found.groups:
        for d in g.drop_outs:
            drop_outs[(d["stage"], d["reason"])] += d["count"]
    regions = container.region_of.regions()
    side_by_side = []
    for region in regions:
        groups = queries.funnel(person.actor, level=FunnelLevel.REGION, municipality=None, region=region, cohort=cohort,
                                target_group=doelgroep).groups
        region_totals = _stage_totals(groups)
        if any(v["entered"] for v in region_totals.values()):
            side_by_side.append((region, region_totals))

    columns = ["stage", "entered", "completed", "skipped"]
    download = _download(columns, [[s, *totals[s].values()] for s in stages], "trechter", form)
    if download is not None:
        return download
    chart = charts.bars("trechter", "Trechter per fase: ingestroomd en afgerond", [labels.word_of(s, "stage") for s in stages],
                        [charts.Series("ingestroomd", [totals[s]["entered"] for s in stages]),
                         charts.Series("afgerond", [totals[s]["completed"] for s in stages])])
    region_chart = charts.bars(
        "regios", "Ingestroomd per regio", [r for r, _ in side_by_side],
        [charts.Series("aangemeld", [t["registered"]["entered"] for _, t in side_by_side]),
         charts.Series("geplaatst", [t["placement"]["entered"] for _, t in side_by_side])],
    )
    query = str(request.url.query)
    return web.render(
        request, "procesregie/funnel.html", title="Trechter", found=found, totals=totals, stages=stages, leads=leads,
        drop_outs=sorted(drop_outs.items()), side_by_side=side_by_side, chart=chart, region_chart=region_chart,
        inflow=_inflow(container, person.actor, level, found.region, cohort),
        filters={"niveau": niveau, "regio": regio or "", "gemeente": gemeente or "", "cohort": cohort or "",
                 "doelgroep": str(doelgroep) if doelgroep else ""},
        regions=regions, error=error, query=query, target_groups=labels.choices(TargetGroup),
        reasons={str(r): labels.word(r) for r in DropOutReason}, stage_words={str(s): labels.word(s) for s in Stage},
    )


def _inflow(container: Any, actor: Any, level: FunnelLevel, region: str | None, cohort: str | None) -> dict[str, Any] | None:
    """The year's inflow against its target and baseline, for the country or the region shown
    (the year of the cohort filter, else this year); none for a municipality or an unknown region."""
    if level is FunnelLevel.MUNICIPALITY:
        return None
    year = int(cohort[:4]) if cohort else container.clock.today().year
    try:
        read = container.inflow.progress(actor, year=year, region=region)
    except InvalidField:
        return None
    p = read.progress

    def share(value: float | None) -> str:
        return f"{value:.0%}" if value is not None else "—"

    target = p.target
    return {
        "year": year, "baseline_year": p.baseline.year,
        "rows": [
            ("statushouders", p.inflow.statushouders, target.statushouders if target else "—", share(p.share_of_target),
             p.baseline.statushouders, share(p.growth)),
            ("alle doelgroepen", p.inflow.total, target.total if target and target.total is not None else "—",
             share(p.share_of_total_target), p.baseline.total, share(p.total_growth)),
        ],
    }


@router.get("/geld")
def money(
    request: Request, person: Procesregie, form: Format = None,
    gemeente: Annotated[str | None, Query(pattern=r"^GM\d{4}$")] = None,
    peildatum: Annotated[date | None, Query()] = None,
) -> Response:
    container = request.app.state.container
    today = container.clock.today()
    day = min(peildatum or today, today)
    report = container.money.report(person.actor, AsOf(day, None))
    lines = report.municipalities
    columns = ["municipality", "paid", "savings", "net", "breakEvenMonth"]
    rows = [[m.party, m.figures.paid, m.figures.savings, m.figures.net, report.break_even.get(m.party) or ""] for m in lines]
    download = _download(columns, rows, "geld", form)
    if download is not None:
        return download
    chosen = gemeente or (lines[0].party if lines else None)
    series = report.positions.get(chosen, []) if chosen else []
    over_time = charts.lines(
        "geld-verloop", f"Betaald en bespaard in {chosen or '—'}, opgeteld per maand", [p.month for p in series],
        [charts.Series("bespaard op bijstand", [p.cumulative_savings / 100 for p in series]),
         charts.Series("financiering betaald", [p.cumulative_paid / 100 for p in series])],
        mark=report.break_even.get(chosen) if chosen else None,
    )
    per_municipality = charts.bars(
        "geld-gemeenten", "Betaald en bespaard per gemeente (euro)", [m.party for m in lines],
        [charts.Series("bespaard", [m.figures.savings / 100 for m in lines]), charts.Series("betaald", [m.figures.paid / 100 for m in lines])],
    )
    return web.render(
        request, "procesregie/money.html", title="Geld", report=report, lines=lines, chosen=chosen, series=series,
        over_time=over_time, per_municipality=per_municipality, day=day, query=str(request.url.query),
        filters={"gemeente": gemeente or "", "peildatum": peildatum.isoformat() if peildatum else ""},
    )
