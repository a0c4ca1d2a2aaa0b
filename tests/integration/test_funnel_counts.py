"""The funnel's counts kept by the projection equal the facts grouped on request: nationally, per
region and per municipality, after batches that replace earlier rows, after a correction that
moves a route's facts to other counts, after a rebuild and after the migration that adds them."""

from __future__ import annotations

from alembic import command
from sqlalchemy import case, func, inspect, select

from adapters.clock import FixedClock
from adapters.database import read_session, write_session
from adapters.funnel_counts import COUNT_TABLES, recount, update_counts
from adapters.migrations import alembic_config
from adapters.queries import FunnelGroup, FunnelScope, funnel
from adapters.regions import UNMAPPED
from adapters.tables import NATIONAL, drop_out_facts, funnel_stage_counts, municipality_regions, stage_facts
from adapters.upserts import replace_rows
from bench.generator import generate
from domain.funnel import percentile_of_counts
from tests.conftest import TODAY, own_database, test_settings

ROUTES = 300


def funnel_from_facts(url: str, scope: FunnelScope) -> list[FunnelGroup]:
    """The funnel as it was computed before the counts: GROUP BY over every fact row."""
    s, d = stage_facts, drop_out_facts
    groups: dict[tuple[str, str], FunnelGroup] = {}

    def scoped(query, table):
        regions = select(municipality_regions.c.municipality)
        if scope.municipality is not None:
            query = query.where(table.c.municipality == scope.municipality)
        if scope.region == UNMAPPED:
            query = query.where(~table.c.municipality.in_(regions))
        elif scope.region is not None:
            query = query.where(table.c.municipality.in_(regions.where(municipality_regions.c.region == scope.region)))
        if scope.cohort is not None:
            query = query.where(table.c.cohort == scope.cohort)
        if scope.target_group is not None:
            query = query.where(table.c.target_group == scope.target_group)
        return query

    counts = scoped(select(s.c.cohort, s.c.target_group, s.c.stage, func.count(s.c.entered_on).label("entered"),
                             func.count(s.c.completed_on).label("completed"),
                             func.sum(case((s.c.skipped, 1), else_=0)).label("skipped"))
                      .group_by(s.c.cohort, s.c.target_group, s.c.stage), s)
    leads = scoped(select(s.c.cohort, s.c.target_group, s.c.stage, s.c.lead_days, func.count().label("count"))
                     .where(s.c.lead_days.is_not(None)).group_by(s.c.cohort, s.c.target_group, s.c.stage, s.c.lead_days), s)
    drops = scoped(select(d.c.cohort, d.c.target_group, d.c.stage, d.c.reason, func.count().label("count"))
                     .group_by(d.c.cohort, d.c.target_group, d.c.stage, d.c.reason), d)
    with read_session(url) as session:
        for row in session.execute(counts):
            groups.setdefault((row.cohort, row.target_group), FunnelGroup(row.cohort, row.target_group)).stages[row.stage] = {
                "entered": row.entered, "completed": row.completed, "skipped": int(row.skipped or 0), "lead_days": []}
        for row in session.execute(leads):
            groups[(row.cohort, row.target_group)].stages[row.stage]["lead_days"].append((row.lead_days, row.count))
        for row in session.execute(drops):
            groups.setdefault((row.cohort, row.target_group), FunnelGroup(row.cohort, row.target_group)).drop_outs.append(
                {"stage": row.stage, "reason": row.reason, "count": row.count})
    for group in groups.values():
        for stats in group.stages.values():
            values = sorted(stats.pop("lead_days"))
            stats["median_lead_days"] = percentile_of_counts(values, 0.5)
            stats["p90_lead_days"] = percentile_of_counts(values, 0.9)
        group.drop_outs.sort(key=lambda r: (r["stage"], r["reason"]))
    return [groups[key] for key in sorted(groups)]


def count_rows(url: str) -> dict[str, list[tuple]]:
    with read_session(url) as session:
        return {t.name: sorted(tuple(row) for row in session.execute(select(t))) for t in COUNT_TABLES}


def assert_counts_equal_the_facts(url: str) -> list[FunnelGroup]:
    """Every scope's funnel equals the facts grouped, and the counts tables hold exactly the
    facts' sums (no rows left at zero)."""
    with read_session(url) as session:
        municipalities = sorted(session.execute(select(stage_facts.c.municipality).distinct()).scalars())
        cohorts = sorted(session.execute(select(stage_facts.c.cohort).distinct()).scalars())
        regions = sorted(session.execute(select(municipality_regions.c.region).distinct()).scalars())
    scopes = [FunnelScope(), FunnelScope(cohort=cohorts[0]), FunnelScope(target_group="statushouder"),
              FunnelScope(region=UNMAPPED), FunnelScope(region=UNMAPPED, cohort=cohorts[-1])]
    scopes += [FunnelScope(region=r) for r in regions]
    scopes += [FunnelScope(municipality=m) for m in municipalities]
    scopes += [FunnelScope(municipality=municipalities[0], cohort=cohorts[1], target_group="statushouder")]
    for scope in scopes:
        assert funnel(url, scope) == funnel_from_facts(url, scope), scope
    kept = count_rows(url)
    with write_session(url) as session:
        recount(session)
    assert count_rows(url) == kept
    return funnel(url, FunnelScope())


def registered(groups: list[FunnelGroup]) -> int:
    return sum(g.stages["registered"]["entered"] for g in groups)


def test_counts_follow_batches_that_replace_earlier_rows_and_a_rebuild(tmp_path):
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        container = build(test_settings(tmp_path, url), clock=FixedClock(TODAY))
        runner = container.projections
        runner.batch_size = 37  # a route's events span several batches: its rows are replaced each time
        for first, count in ((0, 120), (120, 90), (210, ROUTES - 210)):
            generate(container, routes=count, seed=11, first=first, batch=13, municipality_count=40)
            runner.catch_up()
            assert registered(assert_counts_equal_the_facts(url)) == first + count

        national = funnel(url, FunnelScope())
        drops = sum(d["count"] for g in national for d in g.drop_outs)
        assert drops > 10
        assert sum(s["completed"] for g in national for s in g.stages.values()) > ROUTES
        assert sum(s["skipped"] for g in national for s in g.stages.values()) > 0
        groningen = funnel(url, FunnelScope(region="Groningen"))
        members = container.region_of.municipalities().members("Groningen")
        assert registered(groningen) == sum(registered(funnel(url, FunnelScope(municipality=m))) for m in members) > 0
        with read_session(url) as session:
            regions = set(session.execute(select(municipality_regions.c.region)).scalars())
        assert len(regions) == 35
        per_region = [registered(funnel(url, FunnelScope(region=r))) for r in regions]
        # the 40 generated municipalities lie in the 35 regions; none is unmapped.
        assert sum(1 for n in per_region if n) > 20
        assert registered(funnel(url, FunnelScope(region=UNMAPPED))) == 0
        assert sum(per_region) == ROUTES
        with read_session(url) as session:
            national_rows = session.execute(
                select(func.count()).select_from(funnel_stage_counts).where(funnel_stage_counts.c.municipality == NATIONAL)
            ).scalar_one()
        assert national_rows == sum(len(g.stages) for g in national)

        # A correction: one route's facts move to another cohort and lead time, and a drop-out
        # disappears; the counts it leaves drop to zero and go.
        with read_session(url) as session:
            dropped = session.execute(select(drop_out_facts.c.trajectory_id).limit(1)).scalar_one()
            old_stages = [dict(r) for r in session.execute(
                select(stage_facts).where(stage_facts.c.trajectory_id == dropped)).mappings()]
            its_drops = session.execute(
                select(func.count()).select_from(drop_out_facts).where(drop_out_facts.c.trajectory_id == dropped)
            ).scalar_one()
        new_stages = [{**row, "cohort": "2019-Q3", "lead_days": 400 if row["lead_days"] is not None else None}
                      for row in old_stages]
        with write_session(url) as session:
            update_counts(session, [dropped], new_stages, [])
            replace_rows(session, stage_facts, "trajectory_id", [dropped], new_stages)
            replace_rows(session, drop_out_facts, "trajectory_id", [dropped], [])
        after = assert_counts_equal_the_facts(url)
        assert registered(after) == ROUTES
        assert sum(d["count"] for g in after for d in g.drop_outs) == drops - its_drops
        moved = funnel(url, FunnelScope(cohort="2019-Q3"))
        assert [(g.cohort, registered([g])) for g in moved] == [("2019-Q3", 1)]

        # A rebuild sums the facts anew at its end, and catching up afterwards keeps them.
        generate(container, routes=40, seed=11, first=ROUTES, batch=13, municipality_count=40)
        runner.rebuild("funnel")
        rebuilt = assert_counts_equal_the_facts(url)
        assert registered(rebuilt) == ROUTES + 40
        assert sum(d["count"] for g in rebuilt for d in g.drop_outs) >= drops
        assert funnel(url, FunnelScope(cohort="2019-Q3")) == []  # the correction was not in the log
        generate(container, routes=30, seed=11, first=ROUTES + 40, batch=13, municipality_count=40)
        runner.catch_up()
        assert registered(assert_counts_equal_the_facts(url)) == ROUTES + 70


def test_the_migration_counts_the_facts_already_there_and_goes_back(tmp_path):
    from leerroute.bootstrap import build

    with own_database(tmp_path) as url:
        container = build(test_settings(tmp_path, url), clock=FixedClock(TODAY))
        generate(container, routes=80, seed=12, municipality_count=20)
        container.projections.catch_up()
        kept = count_rows(url)
        assert len(kept["funnel_stage_counts"]) > 20

        config = alembic_config(url)
        command.downgrade(config, "0005")
        with read_session(url) as session:
            assert not {t.name for t in COUNT_TABLES} & set(inspect(session.get_bind()).get_table_names())
            assert "stage_facts_lead_days_idx" in {i["name"] for i in inspect(session.get_bind()).get_indexes("stage_facts")}
        command.upgrade(config, "head")
        assert count_rows(url) == kept
        with read_session(url) as session:
            assert not {i["name"] for i in inspect(session.get_bind()).get_indexes("stage_facts")}
        assert registered(funnel(url, FunnelScope())) == 80
