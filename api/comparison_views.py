"""The comparison's response bodies (camelCase on the wire) and its tables for download."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from api.responses import Output
from domain.comparison_report import Comparison, RegionComparison, StageFigures
from domain.values import DeviationRule, DropOutReason


class StageComparisonOut(Output):
    stage: str = Field(description="A stage code (intake is `registered`) or a component's norm key (`pre-trajectory.practice`)")
    norm_weeks: int | None = Field(description="The national norm of the version in force on `asOf`")
    entered: int = Field(description="Routes that began the stage")
    completed: int = Field(description="Of those, routes whose stage ended")
    open: int = Field(description="Of those, routes whose stage still ran (measured to `asOf`, or to the drop-out)")
    within_norm: int = Field(description="Routes within the national norm of their version, or within a deviation granted of it")
    within_own_norm: int = Field(description="Routes within their own norm (their region's variant), or a deviation granted of it")
    maatwerk: int = Field(description="Routes with a maatwerk deviation granted of this norm")
    within_by_deviation: int = Field(description="Routes within norm only thanks to their deviation")
    share_within_norm: float | None = Field(description="withinNorm / entered")
    median_days: float | None
    p90_days: float | None
    median_to_norm: float | None = Field(description="medianDays / (normWeeks x 7): 1.0 is the norm")
    p90_to_norm: float | None


class SubReasonOut(Output):
    sub_reason: str
    count: int


class DropOutCategoryOut(Output):
    category: DropOutReason = Field(description="The national category")
    count: int
    sub_reasons: list[SubReasonOut] = Field(description="The regional sub-reasons that roll up to this category")


class DeviationCountOut(Output):
    rule: DeviationRule
    count: int


class DifferenceOut(Output):
    what: str = Field(description="terms.<name>, norm.<norm key>, offered.<stage> or skipBases.<stage>")
    from_: Any = Field(alias="from", description="The national version's value")
    to: Any = Field(description="The region's variant's value")


class RegionComparisonOut(Output):
    region: str = Field(description="A labour-market region, or `national`")
    routes: int = Field(description="Routes registered by `asOf`")
    stages: list[StageComparisonOut]
    drop_outs: list[DropOutCategoryOut]
    deviations: list[DeviationCountOut] = Field(description="Maatwerk deviations granted, per rule")
    differences: list[DifferenceOut] = Field(description="What the region's variant differs in from its national version")


class ComparisonOut(Output):
    as_of: date
    known: datetime | None
    regions: list[RegionComparisonOut]
    national: RegionComparisonOut


def _stage_out(s: StageFigures) -> StageComparisonOut:
    return StageComparisonOut(
        stage=s.stage, norm_weeks=s.norm_weeks, entered=s.entered, completed=s.completed, open=s.open,
        within_norm=s.within_norm, within_own_norm=s.within_own_norm, maatwerk=s.maatwerk,
        within_by_deviation=s.within_by_deviation, share_within_norm=s.share_within_norm, median_days=s.median_days,
        p90_days=s.p90_days, median_to_norm=s.median_to_norm, p90_to_norm=s.p90_to_norm,
    )


def region_out(r: RegionComparison) -> RegionComparisonOut:
    return RegionComparisonOut(
        region=r.region,
        routes=r.routes,
        stages=[_stage_out(s) for s in r.stages],
        drop_outs=[
            DropOutCategoryOut(category=d.category, count=d.count,
                               sub_reasons=[SubReasonOut(sub_reason=k, count=v) for k, v in d.sub_reasons.items()])
            for d in r.drop_outs
        ],
        deviations=[DeviationCountOut(rule=rule, count=n) for rule, n in r.deviations.items()],
        differences=[DifferenceOut.model_validate({"what": d["what"], "from": d["from"], "to": d["to"]}) for d in r.differences],
    )


def comparison_out(c: Comparison) -> ComparisonOut:
    return ComparisonOut(
        as_of=c.as_of.day, known=c.as_of.known, regions=[region_out(r) for r in c.regions], national=region_out(c.national)
    )


# -- tables ----------------------------------------------------------------------------------------

STAGE_COLUMNS = (
    "region", "stage", "normWeeks", "entered", "completed", "open", "withinNorm", "shareWithinNorm", "withinOwnNorm",
    "maatwerk", "withinByDeviation", "medianDays", "p90Days", "medianToNorm", "p90ToNorm",
)
DROP_OUT_COLUMNS = ("region", "category", "subReason", "count")
DEVIATION_COLUMNS = ("region", "rule", "count")
DIFFERENCE_COLUMNS = ("region", "what", "from", "to")


def _all(c: Comparison) -> list[RegionComparison]:
    return [*c.regions, c.national]


def _cell(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return value


def stage_rows(c: Comparison) -> list[list[Any]]:
    return [
        [r.region, s.stage, s.norm_weeks, s.entered, s.completed, s.open, s.within_norm, s.share_within_norm,
         s.within_own_norm, s.maatwerk, s.within_by_deviation, s.median_days, s.p90_days, s.median_to_norm, s.p90_to_norm]
        for r in _all(c) for s in r.stages
    ]


def drop_out_rows(c: Comparison) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for r in _all(c):
        for d in r.drop_outs:
            rows.append([r.region, str(d.category), "", d.count])
            rows.extend([r.region, str(d.category), sub, n] for sub, n in d.sub_reasons.items())
    return rows


def deviation_rows(c: Comparison) -> list[list[Any]]:
    return [[r.region, str(rule), n] for r in _all(c) for rule, n in r.deviations.items()]


def difference_rows(c: Comparison) -> list[list[Any]]:
    return [[r.region, d["what"], _cell(d["from"]), _cell(d["to"])] for r in c.regions for d in r.differences]


TABLES = {
    "stages": (STAGE_COLUMNS, stage_rows),
    "drop-outs": (DROP_OUT_COLUMNS, drop_out_rows),
    "deviations": (DEVIATION_COLUMNS, deviation_rows),
    "differences": (DIFFERENCE_COLUMNS, difference_rows),
}
