"""The funnel of a generated population of 1,000 routes equals counts computed here, directly
from the events in the log (not through the projection's code)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date

import pytest

from adapters.clock import FixedClock
from adapters.queries import FunnelScope, funnel
from bench.generator import generate
from tests.conftest import TODAY, own_database, test_settings

ROUTES = 1000


def _quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month + 2) // 3}"


def _nearest_rank_interpolated(values: list[int], fraction: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = (len(values) - 1) * fraction
    f = int(k)
    c = min(f + 1, len(values) - 1)
    return round(values[f] + (values[c] - values[f]) * (k - f), 2)


def expected_from_events(app) -> dict:
    """Walk the raw event log: per (cohort, target group) who entered and completed each stage,
    drop-outs by stage and reason, and lead times from first entry to completion."""
    scope: dict = {}
    entered: dict = defaultdict(dict)
    completed: dict = defaultdict(dict)
    skipped: dict = defaultdict(set)
    drops = Counter()
    stage_now: dict = {}
    for notification in app.recorder.select_notifications(start=1, limit=10**9):
        if ":Trajectory." not in notification.topic:
            continue
        event = app.mapper.to_domain_event(notification)
        name = type(event).__name__
        t = notification.originator_id
        if name == "TrajectoryRegistered":
            scope[t] = (_quarter(event.on), str(event.target_group))
            entered[t]["registered"] = event.on
            stage_now[t] = "registered"
        elif name == "PhaseStarted":
            entered[t].setdefault(str(event.phase), event.on)
            stage_now[t] = str(event.phase)
        elif name == "PhaseCompleted":
            completed[t][str(event.phase)] = event.on
        elif name == "PhaseSkipped":
            skipped[t].add(str(event.phase))
        elif name == "PlacementConfirmed":
            entered[t]["placement"] = min(entered[t].get("placement", event.on), event.on)
        elif name == "LastingPlacementReached":
            completed[t]["placement"] = min(completed[t].get("placement", event.on), event.on)
        elif name == "GuaranteeIssued":
            entered[t]["guarantee"] = event.on
        elif name == "DroppedOut":
            drops[(*scope[t], str(event.stage), str(event.reason))] += 1
    counts: dict = defaultdict(lambda: {"entered": 0, "completed": 0, "skipped": 0, "lead": []})
    for t, (cohort, group) in scope.items():
        for stage, on in entered[t].items():
            counts[(cohort, group, stage)]["entered"] += 1
            done = completed[t].get(stage)
            if done is not None:
                counts[(cohort, group, stage)]["completed"] += 1
                counts[(cohort, group, stage)]["lead"].append((done - on).days)
        for stage in skipped[t]:
            counts[(cohort, group, stage)]["skipped"] += 1
    return {"counts": counts, "drops": drops, "routes": len(scope)}


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory):
    from leerroute.bootstrap import build

    directory = tmp_path_factory.mktemp("population")
    with own_database(directory) as url:
        container = build(test_settings(directory, url), clock=FixedClock(TODAY))
        generate(container, routes=ROUTES, seed=2026, municipality_count=33)
        container.projections.catch_up()
        yield container


def test_funnel_matches_counts_computed_from_the_events(population):
    expected = expected_from_events(population.store)
    assert expected["routes"] == ROUTES
    groups = funnel(population.database_url, FunnelScope())

    seen_stages = 0
    total_registered = 0
    for group in groups:
        for stage, stats in group.stages.items():
            want = expected["counts"].get((group.cohort, group.target_group, stage), {"entered": 0, "completed": 0, "skipped": 0, "lead": []})
            assert stats["entered"] == want["entered"], (group.cohort, group.target_group, stage)
            assert stats["completed"] == want["completed"], (group.cohort, group.target_group, stage)
            assert stats["skipped"] == want["skipped"], (group.cohort, group.target_group, stage)
            assert stats["median_lead_days"] == _nearest_rank_interpolated(want["lead"], 0.5)
            assert stats["p90_lead_days"] == _nearest_rank_interpolated(want["lead"], 0.9)
            seen_stages += 1
            if stage == "registered":
                total_registered += stats["entered"]
        for drop in group.drop_outs:
            assert drop["count"] == expected["drops"][(group.cohort, group.target_group, drop["stage"], drop["reason"])]
    assert total_registered == ROUTES
    assert sum(d["count"] for g in groups for d in g.drop_outs) == sum(expected["drops"].values())
    assert sum(expected["drops"].values()) > 50, "the population drops out in every phase"
    assert {stage for (_, _, stage, _) in expected["drops"]} >= {"orientation", "pre-trajectory", "bedrijfsvakschool"}
    assert seen_stages >= len(groups) * 5


def test_funnel_per_region_and_municipality_are_parts_of_the_national_one(population):
    national = funnel(population.database_url, FunnelScope())
    one = funnel(population.database_url, FunnelScope(municipality="GM0363"))
    unmapped = funnel(population.database_url, FunnelScope(region="onbekend"))

    def registered(groups) -> int:
        return sum(g.stages.get("registered", {}).get("entered", 0) for g in groups)

    groningen = funnel(population.database_url, FunnelScope(region="Groningen"))
    assert 0 < registered(one) < registered(national)
    # The 33 generated municipalities are 33 regions' largest or centrumgemeenten: GM0014 is
    # Groningen's only one.
    assert registered(groningen) == registered(funnel(population.database_url, FunnelScope(municipality="GM0014"))) > 0
    assert registered(unmapped) == 0
    regions = population.region_of.regions()
    assert sum(registered(funnel(population.database_url, FunnelScope(region=r))) for r in regions) == registered(national)
    cohort = national[0].cohort
    assert all(g.cohort == cohort for g in funnel(population.database_url, FunnelScope(cohort=cohort)))


def test_funnel_over_http_for_procesregie_and_klantmanager(api, tokens):
    apt = tokens.headers("procesregie", "APT")
    response = api.get("/v1/funnel?level=national", headers=apt)
    assert response.status_code == 200, response.text
    km = tokens.klantmanager("GM0363")
    assert api.get("/v1/funnel?level=municipality", headers=km).status_code == 200
    assert api.get("/v1/funnel?level=national", headers=km).status_code == 403
    assert api.get("/v1/funnel?level=region", headers=apt).status_code == 400
    assert api.get("/v1/funnel?level=region&region=Rijnmond&cohort=2026-Q5", headers=apt).status_code == 400
    assert api.get("/v1/funnel?level=region&region=Rijnmond&cohort=2026-Q1", headers=apt).status_code == 200


def test_percentiles_from_value_counts_equal_those_of_every_value():
    from collections import Counter

    from domain.funnel import percentile, percentile_of_counts

    rng = random.Random(4)
    assert percentile_of_counts([], 0.5) is None
    for size in [1, 2, 3, 10, 97, 500]:
        values = sorted(rng.randint(0, 60) for _ in range(size))
        counts = sorted(Counter(values).items())
        for fraction in (0.0, 0.1, 0.5, 0.9, 1.0):
            assert percentile_of_counts(counts, fraction) == percentile(values, fraction), (size, fraction)
