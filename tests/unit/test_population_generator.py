"""The synthetic population: deterministic per route, every size a prefix of the larger ones,
and the mix of routes the benchmarks and the funnel tests rely on."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from bench.generator import population
from domain.values import MilestoneTerms

TODAY = date(2026, 11, 22)
TERMS = MilestoneTerms(lasting_placement_months=6, check_in_interval_months=6, check_in_window_days=30,
                       guarantee_years=10, stall_weeks=8)


def _routes(seed: int, first: int, count: int, **options: Any) -> list:
    return list(population(seed=seed, first=first, count=count, today=TODAY, terms=TERMS, **options))


def _facts(route) -> list[tuple[str, int, dict]]:
    """Each event of a route without the time it was recorded (the only part that is not seeded)."""
    facts = []
    for event in route.trajectory.collect_events():
        data = {k: v for k, v in vars(event).items() if k != "timestamp"}
        facts.append((type(event).__qualname__, event.originator_version, data))
    return facts


def test_the_same_seed_gives_the_same_routes():
    first = _routes(7, 0, 40)
    second = _routes(7, 0, 40)
    assert [r.trajectory.id for r in first] == [r.trajectory.id for r in second]
    assert [_facts(r) for r in first] == [_facts(r) for r in second]
    assert [r.trajectory.id for r in _routes(8, 0, 40)] != [r.trajectory.id for r in first]


def test_a_smaller_population_is_the_prefix_of_a_larger_one():
    small = _routes(5, 0, 30)
    large = _routes(5, 0, 90)
    assert [_facts(r) for r in large[:30]] == [_facts(r) for r in small]
    # a population grown in two steps is the one generated at once
    grown = _routes(5, 0, 30) + _routes(5, 30, 60)
    assert [r.trajectory.id for r in grown] == [r.trajectory.id for r in large]
    assert [r.trajectory.municipality for r in grown] == [r.trajectory.municipality for r in large]


def test_the_mix_has_drop_outs_in_every_phase_skips_placements_benefit_changes_and_guarantees():
    routes = _routes(2026, 0, 600)
    events: Counter[str] = Counter()
    drop_out_phases: Counter[str] = Counter()
    skipped_phases: Counter[str] = Counter()
    several_placements = 0
    guarantees_with_check_ins = 0
    for route in routes:
        kinds = Counter()
        for event in route.trajectory.collect_events():
            name = type(event).__qualname__.split(".")[-1]
            kinds[name] += 1
            if name == "PhaseSkipped":
                skipped_phases[str(event.phase)] += 1
        events.update(kinds)
        for drop_out in route.trajectory.drop_outs:
            drop_out_phases[str(drop_out["stage"])] += 1
        several_placements += kinds["PlacementProposed"] >= 2
        guarantees_with_check_ins += kinds["GuaranteeIssued"] >= 1 and kinds["GuaranteeCheckInRecorded"] >= 1
    for kind in ("DroppedOut", "ReEntered", "PhaseSkipped", "PlacementDeclined", "ContractStarted", "PlacementEnded",
                 "BenefitReduced", "BenefitStopped", "BenefitResumed", "GuaranteeIssued", "GuaranteeCheckInRecorded",
                 "CertificateObtained", "LanguageLevelsAssessed", "PracticePeriodRecorded", "DeviationGranted",
                 "LastingPlacementReached"):
        assert events[kind] > 0, kind
    assert set(drop_out_phases) >= {"orientation", "pre-trajectory", "bedrijfsvakschool", "guarantee"}, drop_out_phases
    assert set(skipped_phases) == {"orientation", "pre-trajectory", "bedrijfsvakschool"}
    assert several_placements > 10
    assert guarantees_with_check_ins > 10
    municipalities = Counter(r.trajectory.municipality for r in routes)
    assert len(municipalities) > 100, "many municipalities"
    assert municipalities.most_common(1)[0][1] > 5 * 600 / 342, "some much larger than the average"
