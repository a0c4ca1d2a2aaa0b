"""The savings of a money report, read from the month aggregates, are the whole log's: for a
generated population recorded over several months, with benefit changes recorded late (with
business dates in the past) and some not yet projected, as of several dates and as known at
several moments, checked against savings computed here day by day from the decoded log."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import eventsourcing.domain
import pytest
from sqlalchemy import select

from adapters.clock import FixedClock
from adapters.database import read_session
from adapters.money.log import decode_log
from adapters.tables import money_saving_changes, money_saving_totals
from domain import commands as c
from domain.errors import DomainError
from domain.money import AsOf, LoggedEvent
from domain.values import Actor, BenefitChangeKind, Role
from tests.conftest import TODAY, own_database, test_settings

BENEFIT = {"BenefitReduced", "BenefitStopped", "BenefitResumed"}
PROCESREGIE = Actor("tester", Role.PROCESREGIE, "APT")


class Recording:
    """The moment events are recorded at: set by the test, a microsecond further per event."""

    def __init__(self) -> None:
        self.now = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)
        return self.now


def _month_end(day: date) -> date:
    following = date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
    return following - timedelta(days=1)


def expected_savings(events: dict[UUID, list[LoggedEvent]], day: date, known: datetime | None) -> dict[str, dict[str, int]]:
    """Per municipality, per completed month by ``day``: the sum over its trajectories of
    (intake − benefit paid) per day, divided by the month's days and rounded half-up per
    trajectory-month, over what had happened by ``day`` and was recorded by ``known``."""
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for history in events.values():
        seen = [e for e in history if (e.on is None or e.on <= day) and (known is None or e.recorded_at <= known)]
        if not seen or seen[0].name != "TrajectoryRegistered":
            continue
        registered = seen[0]
        assert registered.on is not None
        intake, start = int(registered.data["benefit_monthly_cents"]), registered.on
        changes = sorted(
            ((max(e.on, start), i, 0 if e.name == "BenefitStopped" else int(e.data["monthly_cents"]))
             for i, e in enumerate(seen) if e.name in BENEFIT and e.on is not None),
            key=lambda change: (change[0], change[1]),
        )
        paid, next_change, totals = intake, 0, defaultdict(int)
        current, last = start, _month_end(day) if _month_end(day) == day else date(day.year, day.month, 1) - timedelta(days=1)
        while current <= last:
            while next_change < len(changes) and changes[next_change][0] <= current:
                paid = changes[next_change][2]
                next_change += 1
            if intake - paid > 0:
                totals[current.strftime("%Y-%m")] += intake - paid
            current += timedelta(days=1)
        municipality = registered.data["municipality"]
        for month, total in totals.items():
            days = _month_end(date(int(month[:4]), int(month[5:]), 1)).day
            found[municipality][month] = found[municipality].get(month, 0) + (2 * total + days) // (2 * days)
    return {m: months for m, months in found.items() if months}


def report_savings(container, actor: Actor, as_of: AsOf) -> dict[str, dict[str, int]]:
    """Per municipality of the report: its months (those of its series from the first month that
    counts, so a month that saved nothing after rounding still shows where it starts)."""
    report = container.money.report(actor, as_of)
    found: dict[str, dict[str, int]] = {}
    for line in report.municipalities:
        series = report.positions[line.party]
        months = {p.month: p.savings for p in series}
        assert sum(months.values()) == line.figures.savings == line.figures.net  # no payments in this population
        found[line.party] = months
    return found


def as_series(expected: dict[str, dict[str, int]], through: date) -> dict[str, dict[str, int]]:
    """The expected months as a report's series: every month from the first one to ``through``'s."""
    last = through.strftime("%Y-%m")
    series = {}
    for municipality, months in expected.items():
        year, month = map(int, min(months).split("-"))
        out = {}
        while f"{year:04d}-{month:02d}" <= last:
            key = f"{year:04d}-{month:02d}"
            out[key] = months.get(key, 0)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        series[municipality] = out
    return series


def test_month_aggregates_give_the_whole_logs_savings_as_of_several_dates_and_as_known_at_several_moments(
    tmp_path, monkeypatch: pytest.MonkeyPatch
):
    from bench.generator import generate
    from leerroute.bootstrap import build

    recording = Recording()
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", recording)
    with own_database(tmp_path) as url:
        container = build(test_settings(tmp_path, url), clock=FixedClock(TODAY))
        first = generate(container, routes=80, seed=11, start=date(2024, 6, 3), batch=40)
        moments = [recording.now + timedelta(microseconds=5)]  # inside the first recording month
        container.projections.catch_up()

        recording.now = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)
        middle = recording.now + timedelta(microseconds=300)  # partway through the second batch
        second = generate(container, routes=80, seed=11, first=80, start=date(2024, 6, 3), batch=40)
        moments += [middle, recording.now]
        container.projections.catch_up()

        # Benefit changes recorded late, dated in the past: some projected, the last ones not (the tail).
        # (A change is dated after the route's last one: changes follow each other in time.)
        recorded = {"late": 0}

        def change(trajectory_id: UUID, days: int, kind: BenefitChangeKind, cents: int | None = None) -> None:
            history = histories[trajectory_id]
            on = max(e.on for e in history if e.on is not None and (e.name in BENEFIT or e.name == "TrajectoryRegistered"))
            on += timedelta(days=days)
            if on > date(2026, 9, 30):
                return
            actor = Actor("km", Role.KLANTMANAGER, history[0].data["municipality"])
            try:
                container.service.handle(c.ChangeBenefit(actor=actor, trajectory_id=trajectory_id, on=on, kind=kind,
                                                         monthly_cents=cents))
                recorded["late"] += 1
            except DomainError:
                pass  # a change the route's rules refuse (a stop of a stopped benefit): not recorded

        recording.now = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
        histories = decode_log(container.store).trajectories
        for i, trajectory_id in enumerate(first[:30]):
            change(trajectory_id, 3 + i, BenefitChangeKind.REDUCED, 20_000 + 997 * i)
        moments.append(recording.now)
        container.projections.catch_up()
        recording.now = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)
        histories = decode_log(container.store).trajectories
        for i, trajectory_id in enumerate(second[:30]):
            change(trajectory_id, 10 + i, BenefitChangeKind.STOPPED)
        for i, trajectory_id in enumerate(first[:30]):  # routes that save already: their months change
            change(trajectory_id, 5 + i, BenefitChangeKind.REDUCED, 10_000 + 501 * i)
        assert container.projections.lowest_position() < container.projections.log_size()
        assert recorded["late"] > 20

        whole = decode_log(container.store).trajectories
        largest = max(expected_savings(whole, TODAY.date(), None).items(), key=lambda item: len(item[1]))[0]
        klantmanager = Actor("km", Role.KLANTMANAGER, largest)
        checked = set()
        for day in (date(2025, 6, 30), date(2025, 12, 15), date(2026, 2, 28), TODAY.date()):
            for known in (None, *moments):
                expected = expected_savings(whole, day, known)
                assert report_savings(container, PROCESREGIE, AsOf(day, known)) == as_series(expected, day), (day, known)
                own = {m: v for m, v in expected.items() if m == largest}
                assert report_savings(container, klantmanager, AsOf(day, known)) == as_series(own, day), (day, known)
                checked.add(repr(sorted(expected.items())))
        # Not an empty comparison: many municipalities save, and the dates and moments differ.
        assert len(expected_savings(whole, TODAY.date(), None)) > 10
        assert len(checked) > 12

        container.projections.catch_up()
        for known in (None, moments[1]):
            expected = expected_savings(whole, TODAY.date(), known)
            assert report_savings(container, PROCESREGIE, AsOf(TODAY.date(), known)) == as_series(expected, TODAY.date())
        # Kept batch by batch, the aggregates are what a rebuild fills them with.
        kept = aggregate_rows(url)
        container.projections.rebuild("money")
        assert aggregate_rows(url) == kept and kept["money_saving_totals"]


def aggregate_rows(url: str) -> dict[str, list[tuple]]:
    with read_session(url) as session:
        return {
            table.name: sorted(tuple(str(v) for v in row) for row in session.execute(select(table)) if row.n or row.cents)
            for table in (money_saving_changes, money_saving_totals)
        }
