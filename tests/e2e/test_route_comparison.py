"""The comparison across regions against counts made here, from the events themselves.

A generated population over every labour-market region of a mapping of its own (35 regions) is
written into a database of its own. The comparison's figures (routes per stage, share within
norm, median and p90 days, drop-outs by national category) must equal what this file computes
from the decoded log, without the code under test; as of a past quarter's end and as known at a
past moment they must equal the figures of a second database holding only the events up to
there. Bad input gets problem+json.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from eventsourcing.persistence import StoredEvent
from openpyxl import load_workbook
from sqlalchemy import insert, select

from adapters.clock import FixedClock
from adapters.database import read_session, write_session
from adapters.tables import events as events_table
from bench.generator import generate
from domain.comparison_report import Comparison
from domain.money import AsOf
from domain.values import Actor, Role
from tests.conftest import TODAY, assert_problem, own_database, test_settings

REGIONS = 35
ROUTES = 700
PROCESREGIE = Actor("tester", Role.PROCESREGIE, "APT")
STAGES = ("registered", "orientation", "pre-trajectory", "pre-trajectory.practice", "bedrijfsvakschool", "placement")
PHASES = ("orientation", "pre-trajectory", "bedrijfsvakschool")


def region_name(n: int) -> str:
    return f"Regio {n:02d}"


def _regions_file(directory: Path) -> Path:
    path = directory / "regions.csv"
    lines = ["municipality,region"] + [f"GM{n:04d},{region_name(n % REGIONS + 1)}" for n in range(1, 343)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _container(directory: Path, url: str):
    from leerroute.bootstrap import build

    directory.mkdir(parents=True, exist_ok=True)
    settings = test_settings(directory, url, REDIS_URL=None, LEERROUTE_REGIONS_FILE=_regions_file(directory))
    return build(settings, clock=FixedClock(TODAY))


# -- counted here, from the decoded log -------------------------------------------------------------


def _percentile(values: list[int], fraction: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    position = fraction * (len(values) - 1)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return round(values[low] + (values[high] - values[low]) * (position - low), 2)


def _expected(container, day: date, known: datetime | None) -> dict[str, dict]:
    """Per region (and ``national``): per stage entered, within norm, median and p90 days; drop-outs
    per category; routes. Counted from every trajectory event in the log, decoded."""
    norms = {"registered": 4, "orientation": 6, "pre-trajectory": 26, "pre-trajectory.practice": 8, "bedrijfsvakschool": 52,
             "placement": 13}
    mapping = {f"GM{n:04d}": region_name(n % REGIONS + 1) for n in range(1, 343)}
    by_route: dict = defaultdict(list)
    for n in container.store.recorder.select_notifications(start=1, limit=10**9):
        if ":Trajectory." in n.topic:
            by_route[n.originator_id].append(container.store.mapper.to_domain_event(n))
    result: dict[str, dict] = {}

    def region(name: str) -> dict:
        return result.setdefault(name, {"routes": 0, "days": defaultdict(list), "within": Counter(), "drop_outs": Counter()})

    for history in by_route.values():
        seen = [e for e in history if e.on <= day and (known is None or e.timestamp <= known)]
        if not seen or type(seen[0]).__name__ != "TrajectoryRegistered":
            continue
        names = [type(e).__name__ for e in seen]
        drop_days = [e.on for e in seen if type(e).__name__ == "DroppedOut"]
        stop = drop_days[-1] if names.count("DroppedOut") > names.count("ReEntered") else day
        spans: dict[str, tuple[date, date | None]] = {}
        left = [e.on for e in seen if type(e).__name__ in ("PhaseStarted", "PhaseSkipped", "PlacementProposed")]
        spans["registered"] = (seen[0].on, min(left) if left else None)
        for phase in PHASES:
            starts = [e.on for e in seen if type(e).__name__ == "PhaseStarted" and str(e.phase) == phase]
            if not starts:
                continue
            end, running = None, False
            for e in seen:
                name = type(e).__name__
                if name == "PhaseStarted" and str(e.phase) == phase:
                    running, end = True, None
                elif (name in ("PhaseCompleted", "PhaseEndedWithoutCompletion") and str(e.phase) == phase) or (
                    name == "DroppedOut" and running
                ):
                    running, end = False, e.on
            spans[phase] = (starts[0], end)
        practice = [(e.on, e.until) for e in seen if type(e).__name__ == "PracticePeriodRecorded"]
        if practice:
            ends = [u for _, u in practice]
            last = max(ends) if None not in ends else None
            spans["pre-trajectory.practice"] = (min(s for s, _ in practice), last if last is not None and last <= day else None)
        proposed = [e.on for e in seen if type(e).__name__ == "PlacementProposed"]
        if proposed:
            contracts = [e.on for e in seen if type(e).__name__ == "ContractStarted"]
            spans["placement"] = (min(proposed), min(contracts) if contracts else None)
        reasons = [str(e.reason) for e in seen if type(e).__name__ == "DroppedOut"]
        for name in (mapping.get(seen[0].municipality, "onbekend"), "national"):
            figures = region(name)
            figures["routes"] += 1
            figures["drop_outs"].update(reasons)
            for stage, (start, end) in spans.items():
                days = max(0, ((end or min(stop, day)) - start).days)
                figures["days"][stage].append(days)
                figures["within"][stage] += days <= norms[stage] * 7
    return {
        name: {
            "routes": f["routes"],
            "stages": {s: (len(f["days"][s]), f["within"][s], _percentile(f["days"][s], 0.5), _percentile(f["days"][s], 0.9))
                       for s in STAGES},
            "drop_outs": {c: n for c, n in f["drop_outs"].items() if n},
        }
        for name, f in result.items()
    }


def _figures(comparison: Comparison) -> dict[str, dict]:
    return {
        r.region: {
            "routes": r.routes,
            "stages": {s.stage: (s.entered, s.within_norm, s.median_days, s.p90_days) for s in r.stages},
            "drop_outs": {str(d.category): d.count for d in r.drop_outs if d.count},
        }
        for r in [*comparison.regions, comparison.national]
        if r.routes
    }


def _decoded(container, row):
    stored = StoredEvent(row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"]))
    return container.store.mapper.to_domain_event(stored)


def _copy_events(source_url: str, target_url: str, keep) -> int:
    """Copy the events ``keep`` accepts (decoded) into ``target_url``'s log, as they are stored,
    but for those the target holds already (version 1 of the national model, which it recorded
    when it started, as the source did)."""
    with read_session(source_url) as session:
        rows = [dict(r._mapping) for r in session.execute(select(events_table).order_by(events_table.c.id))]
    with read_session(target_url) as session:
        held = set(session.execute(select(events_table.c.id)).scalars())
    kept = [r for r in rows if keep(r) and r["id"] not in held]
    with write_session(target_url) as session:
        for i in range(0, len(kept), 500):
            session.execute(insert(events_table), kept[i : i + 500])
    return len(kept)


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory):
    directory = tmp_path_factory.mktemp("comparison")
    (directory / "a").mkdir()
    with own_database(directory / "a") as url:
        container = _container(directory / "a", url)
        generate(container, routes=ROUTES, seed=7, batch=100)
        container.projections.catch_up()
        yield container, directory


def test_every_region_has_routes_and_the_figures_equal_counts_made_from_the_events(population):
    container, _ = population
    comparison = container.comparison.comparison(PROCESREGIE, AsOf(TODAY.date()))
    figures = _figures(comparison)
    assert sorted(r for r in figures if r != "national") == [region_name(n) for n in range(1, REGIONS + 1)]
    expected = _expected(container, TODAY.date(), None)
    assert figures == expected
    national = figures["national"]
    assert national["routes"] == ROUTES
    assert all(national["stages"][s][0] > 0 for s in STAGES)  # every stage was measured
    assert 0 < sum(national["stages"][s][1] for s in STAGES) < sum(national["stages"][s][0] for s in STAGES)
    assert sum(national["drop_outs"].values()) > 0


def test_as_of_a_past_quarter_end_equals_a_log_cut_at_that_business_date(population):
    container, directory = population
    day = date(2025, 6, 30)
    as_of = AsOf(day)
    expected = _figures(container.comparison.comparison(PROCESREGIE, as_of))
    assert expected == _expected(container, day, None)
    (directory / "cut-day").mkdir()
    with own_database(directory / "cut-day") as cut_url:
        cut = _container(directory / "cut-day", cut_url)
        def happened_by(row) -> bool:
            on = getattr(_decoded(container, row), "on", None)
            return on is None or on <= day

        assert _copy_events(container.database_url, cut_url, happened_by) > 0
        cut.projections.catch_up()
        assert _figures(cut.comparison.comparison(PROCESREGIE, as_of)) == expected


def test_as_known_at_a_past_moment_equals_a_log_cut_at_that_recording_time(population):
    container, directory = population
    with read_session(container.database_url) as session:
        rows = session.execute(select(events_table.c.id).order_by(events_table.c.id)).scalars().all()
    middle = rows[len(rows) // 2]
    known = next(
        e.timestamp for e in container.store.recorder.select_notifications(start=middle, limit=1)
        for e in [container.store.mapper.to_domain_event(e)]
    )
    as_of = AsOf(TODAY.date(), known)
    figures = _figures(container.comparison.comparison(PROCESREGIE, as_of))
    assert figures == _expected(container, TODAY.date(), known)
    assert figures != _figures(container.comparison.comparison(PROCESREGIE, AsOf(TODAY.date())))
    (directory / "cut-known").mkdir()
    with own_database(directory / "cut-known") as cut_url:
        cut = _container(directory / "cut-known", cut_url)
        def recorded_by(row) -> bool:
            return _decoded(container, row).timestamp <= known

        assert 0 < _copy_events(container.database_url, cut_url, recorded_by) < len(rows)
        cut.projections.catch_up()
        assert _figures(cut.comparison.comparison(PROCESREGIE, AsOf(TODAY.date()))) == figures


# -- over HTTP --------------------------------------------------------------------------------------


def test_procesregie_reads_the_comparison_as_json_csv_and_xlsx(api, tokens):
    headers = tokens.headers("procesregie", "APT")
    body = api.get("/v1/route-comparison", params={"asOf": "2026-09-30"}, headers=headers)
    assert body.status_code == 200, body.text
    found = body.json()
    assert found["asOf"] == "2026-09-30" and found["national"]["region"] == "national"
    assert [s["stage"] for s in found["national"]["stages"]] == list(STAGES)
    assert {r["region"] for r in found["regions"]} >= {"Groot Amsterdam", "onbekend"}
    as_csv = api.get("/v1/route-comparison", params={"asOf": "2026-09-30"}, headers={**headers, "Accept": "text/csv"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0][:3] == ["region", "stage", "normWeeks"]
    national = {r[1]: r for r in rows[1:] if r[0] == "national"}
    assert {s: int(national[s][3]) for s in STAGES} == {s["stage"]: s["entered"] for s in found["national"]["stages"]}
    drop_outs = api.get("/v1/route-comparison", params={"format": "csv", "table": "drop-outs"}, headers=headers)
    assert next(csv.reader(io.StringIO(drop_outs.text))) == ["region", "category", "subReason", "count"]
    as_xlsx = api.get("/v1/route-comparison", params={"format": "xlsx", "known": "2026-11-01"}, headers=headers)
    assert as_xlsx.status_code == 200
    workbook = load_workbook(io.BytesIO(as_xlsx.content), read_only=True)
    assert workbook.sheetnames == ["stages", "drop-outs", "deviations", "differences"]


def test_a_klantmanager_reads_the_own_region_only(api, tokens):
    headers = tokens.klantmanager("GM0363")
    own = api.get("/v1/route-comparison", headers=headers)
    assert own.status_code == 200, own.text
    assert [r["region"] for r in own.json()["regions"]] == ["Groot Amsterdam"]
    assert api.get("/v1/route-comparison", params={"region": "Groot Amsterdam"}, headers=headers).status_code == 200
    assert_problem(api.get("/v1/route-comparison", params={"region": "Rijnmond"}, headers=headers), 403)
    assert_problem(api.get("/v1/route-comparison", headers=tokens.employer("12345678")), 403)


@pytest.mark.parametrize(("params", "name"), [
    ({"region": "Atlantis"}, "region"),
    ({"asOf": "2026-05-31"}, "asOf"),
    ({"asOf": "30-06-2026"}, "asOf"),
    ({"known": "gisteren"}, "known"),
    ({"format": "pdf"}, "format"),
    ({"table": "people"}, "table"),
])
def test_bad_input_is_a_problem_naming_the_parameter(api, tokens, params, name):
    body = assert_problem(api.get("/v1/route-comparison", params=params, headers=tokens.headers("procesregie", "APT")), 400)
    assert name in [p["name"].removeprefix("query.") for p in body["invalidParams"]], body


def test_as_known_on_a_date_counts_what_was_recorded_by_the_end_of_that_day(api, tokens):
    headers = tokens.headers("procesregie", "APT")
    earlier = (TODAY - timedelta(days=400)).date().isoformat()
    found = api.get("/v1/route-comparison", params={"known": earlier}, headers=headers)
    assert found.status_code == 200, found.text
    end = datetime.combine(date.fromisoformat(earlier), time.max).replace(tzinfo=UTC)
    assert datetime.fromisoformat(found.json()["known"]) >= end - timedelta(hours=2)
    assert found.json()["national"]["routes"] == 0  # nothing of this test session was recorded then
