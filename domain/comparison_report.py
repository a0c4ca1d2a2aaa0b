"""The comparison across regions: per labour-market region and for the country, per measured
stage the routes that entered it, completed it and are within norm, median and 90th-percentile
days against the norm, drop-outs by national category (with the regional sub-reasons that roll
up to each) and maatwerk deviations by rule; and what each region's variant differs in from its
national version. Built from routes' facts (``domain.comparison``); pure.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.comparison import MEASURED, NormReading, RouteFacts, national_norm_weeks, read_against_norms
from domain.funnel import percentile
from domain.money import AsOf
from domain.route_model import EffectiveRoute
from domain.values import DeviationRule, DropOutReason

NATIONAL = "national"


@dataclass(frozen=True)
class StageFigures:
    stage: str  # a norm key: a stage, or the practice component
    norm_weeks: int | None  # the national norm of the version in force on the day asked
    entered: int
    completed: int
    open: int
    within_norm: int  # within the national norm of each route's version, or its deviation
    within_own_norm: int  # within the route's own norm (its region's variant), or its deviation
    maatwerk: int  # routes with a granted deviation of this norm
    within_by_deviation: int  # within norm only thanks to that deviation
    median_days: float | None
    p90_days: float | None

    @property
    def share_within_norm(self) -> float | None:
        return round(self.within_norm / self.entered, 4) if self.entered else None

    @property
    def median_to_norm(self) -> float | None:
        """The median against the norm: 1.0 is exactly the norm."""
        if self.median_days is None or not self.norm_weeks:
            return None
        return round(self.median_days / (self.norm_weeks * 7), 4)

    @property
    def p90_to_norm(self) -> float | None:
        if self.p90_days is None or not self.norm_weeks:
            return None
        return round(self.p90_days / (self.norm_weeks * 7), 4)


@dataclass(frozen=True)
class DropOutFigures:
    category: DropOutReason
    count: int
    sub_reasons: dict[str, int]  # regional sub-reason -> drop-outs (those given as the category itself left out)


@dataclass(frozen=True)
class RegionComparison:
    region: str  # a region's name, or ``national``
    routes: int
    stages: list[StageFigures]
    drop_outs: list[DropOutFigures]
    deviations: dict[DeviationRule, int]
    differences: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Comparison:
    as_of: AsOf
    regions: list[RegionComparison]
    national: RegionComparison


class _Tally:
    def __init__(self) -> None:
        self.routes = 0
        self.days: dict[str, list[int]] = defaultdict(list)
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)
        self.drop_outs: Counter[DropOutReason] = Counter()
        self.sub_reasons: dict[DropOutReason, Counter[str]] = defaultdict(Counter)
        self.deviations: Counter[DeviationRule] = Counter()

    def add(self, facts: RouteFacts, readings: list[NormReading]) -> None:
        self.routes += 1
        for reading in readings:
            key, counts = reading.measure.key, self.counts[reading.measure.key]
            self.days[key].append(reading.measure.days)
            counts["entered"] += 1
            counts["open" if reading.measure.open else "completed"] += 1
            counts["within"] += bool(reading.within)
            counts["within_own"] += bool(reading.within_own)
            counts["maatwerk"] += reading.maatwerk
            counts["within_by_deviation"] += reading.within_by_deviation
        for drop_out in facts.drop_outs:
            self.drop_outs[drop_out.category] += 1
            if drop_out.sub_reason is not None:
                self.sub_reasons[drop_out.category][drop_out.sub_reason] += 1
        for deviation in facts.deviations:
            self.deviations[deviation.rule] += 1

    def figures(self, region: str, national: EffectiveRoute, differences: list[dict[str, Any]]) -> RegionComparison:
        stages = []
        for key in MEASURED:
            counts, days = self.counts.get(key, Counter()), sorted(self.days.get(key, []))
            stages.append(StageFigures(
                key, national_norm_weeks(national, key), counts["entered"], counts["completed"], counts["open"],
                counts["within"], counts["within_own"], counts["maatwerk"], counts["within_by_deviation"],
                percentile(days, 0.5), percentile(days, 0.9),
            ))
        drop_outs = [
            DropOutFigures(c, self.drop_outs[c], dict(sorted(self.sub_reasons[c].items()))) for c in national.national.drop_out_categories
        ]
        deviations = {rule: self.deviations[rule] for rule in DeviationRule}
        return RegionComparison(region, self.routes, stages, drop_outs, deviations, differences)


def build_comparison(
    routes: Iterable[tuple[str, RouteFacts, EffectiveRoute]],
    as_of: AsOf,
    *,
    regions: Sequence[str],
    national: EffectiveRoute,
    differences: Mapping[str, list[dict[str, Any]]],
) -> Comparison:
    """The figures of ``regions`` (each route tallied under its region) and of the whole country
    (every route given). ``national``: the national version in force on the day asked, whose
    norms and categories head the figures; each route is read against its own version."""
    tallies: dict[str, _Tally] = {region: _Tally() for region in regions}
    country = _Tally()
    for region, facts, route in routes:
        readings = read_against_norms(facts, route, as_of.day)
        country.add(facts, readings)
        if region in tallies:
            tallies[region].add(facts, readings)
    return Comparison(
        as_of,
        [tallies[r].figures(r, national, differences.get(r, [])) for r in sorted(regions)],
        country.figures(NATIONAL, national, []),
    )
