"""Inflow targets: their rules, their history, and the progress against a target and a baseline."""

from __future__ import annotations

from datetime import date

import pytest

from domain import commands as c
from domain.errors import Forbidden, InvalidField
from domain.inflow import (
    Inflow,
    InflowTarget,
    Progress,
    TargetValues,
    baseline_year_of,
    check_target,
    inflow_target_id,
)
from tests.unit.fakes import APT, KM, TODAY, World


def _set(world: World, *, on: date = TODAY, **fields: object):
    values = {"year": 2026, "region": "Zeeland", "statushouders": 10, **fields}
    return world.handle(c.SetInflowTarget(actor=APT, on=on, **values))  # type: ignore[arg-type]


def test_a_first_target_creates_the_scope_and_years_aggregate_and_a_later_one_changes_it():
    world = World()
    first = _set(world, on=date(2026, 2, 1))
    assert first.aggregate.id == inflow_target_id(2026, "Zeeland") != inflow_target_id(2026, None)
    assert first.aggregate.values == TargetValues(10, None, 2025)
    second = _set(world, statushouders=14, total=20, baseline_year=2023)
    assert second.aggregate.id == first.aggregate.id and second.aggregate.version == first.aggregate.version + 1
    assert [h.values.statushouders for h in second.aggregate.history] == [10, 14]
    assert second.aggregate.history[1].actor == APT and second.aggregate.history[1].on == TODAY
    national = _set(world, region=None, statushouders=500)
    assert national.aggregate.region is None and national.aggregate.id == inflow_target_id(2026, None)


def test_a_change_may_not_be_set_before_the_last_one():
    world = World()
    _set(world, on=date(2026, 5, 1))
    with pytest.raises(InvalidField) as refused:
        _set(world, on=date(2026, 4, 1), statushouders=3)
    assert refused.value.name == "setOn"


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({"region": "Atlantis"}, "region"),
        ({"statushouders": -1}, "statushouders"),
        ({"total": -1}, "total"),
        ({"total": 9}, "total"),
        ({"year": 2014}, "year"),
        ({"year": TODAY.year + 11}, "year"),
        ({"baseline_year": 2026}, "baselineYear"),
        ({"baseline_year": 2014}, "baselineYear"),
    ],
)
def test_a_target_that_breaks_a_rule_is_refused_naming_its_field(fields, name):
    world = World()
    with pytest.raises(InvalidField) as refused:
        _set(world, **fields)
    assert refused.value.name == name
    assert not world.log.events  # nothing recorded


def test_a_target_in_the_future_or_of_ten_years_ahead():
    world = World()
    with pytest.raises(InvalidField, match="after today"):
        _set(world, on=date(2026, 12, 1))
    assert _set(world, year=TODAY.year + 10).aggregate.year == TODAY.year + 10


def test_only_procesregie_sets_a_target():
    with pytest.raises(Forbidden):
        World().handle(c.SetInflowTarget(actor=KM, on=TODAY, year=2026, region=None, statushouders=1))
    with pytest.raises(Forbidden):
        InflowTarget.set_first(year=2026, region=None, values=TargetValues(1, None, 2025), on=TODAY, today=TODAY, actor=KM)


def test_the_values_of_a_target():
    assert check_target(2026, 0, None, None, TODAY) == TargetValues(0, None, 2025)
    assert check_target(2026, 5, 5, 2019, TODAY) == TargetValues(5, 5, 2019)
    for bad in (True, 1.5, "3"):
        with pytest.raises(InvalidField):
            check_target(2026, bad, None, None, TODAY)  # type: ignore[arg-type]


def test_progress_against_the_target_and_the_baseline():
    target = TargetValues(statushouders=40, total=50, baseline_year=2024)
    progress = Progress(Inflow(2026, 30, 45), Inflow(2024, 15, 40), target)
    assert progress.share_of_target == 0.75
    assert progress.share_of_total_target == 0.9
    assert progress.growth == 2.0  # doubled
    assert progress.total_growth == 1.125
    nothing = Progress(Inflow(2026, 3, 3), Inflow(2025, 0, 0), None)
    assert nothing.share_of_target is None and nothing.growth is None and nothing.total_growth is None
    assert Progress(Inflow(2026, 3, 3), Inflow(2025, 1, 1), TargetValues(0, None, 2025)).share_of_target is None
    assert Progress(Inflow(2026, 2, 3), Inflow(2025, 3, 3), None).growth == 0.6667


def test_the_baseline_year_is_the_targets_or_else_the_year_before():
    assert baseline_year_of(TargetValues(1, None, 2021), 2026) == 2021
    assert baseline_year_of(None, 2026) == 2025
