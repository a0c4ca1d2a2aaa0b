"""Inflow targets: how many routes procesregie aims to see registered in a year, per
labour-market region or for the whole country, and the progress against them.

APT's aim is to double the inflow of statushouders into technical work. The inflow of a year is
the number of routes registered in it (by registration date), of target group statushouder and
in total. A target names the year, the scope (a region, or ``None`` for the country), the number
of statushouders aimed for, optionally the total, and its baseline year: the year whose inflow
the progress is compared with. The baseline is chosen with the target, by procesregie, so that
"doubling" is measured against a year everybody agreed on and the choice is in the target's
history; left out, it is the year before the target's year. One aggregate per scope and year
(its id follows from both, ``inflow_target_id``), so its history shows every change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import Forbidden, InvalidField
from domain.values import Actor, Role

FIRST_YEAR = 2015  # no target or baseline before the years leerroute can hold routes of
YEARS_AHEAD = 10  # a target may be set this many years ahead of today
SETTERS = frozenset({Role.PROCESREGIE})


def inflow_target_id(year: int, region: str | None) -> UUID:
    """The one aggregate of a scope and year: racing first targets land on the same id."""
    return uuid5(NAMESPACE_URL, f"leerroute:inflow-target:{year}:{region or ''}")


@dataclass(frozen=True)
class TargetValues:
    """What a target says: statushouders (and optionally all routes) registered in the year."""

    statushouders: int
    total: int | None
    baseline_year: int

    def as_dict(self) -> dict[str, Any]:
        return {"statushouders": self.statushouders, "total": self.total, "baseline_year": self.baseline_year}


@dataclass(frozen=True)
class TargetChange:
    """One entry of a target's history: the values from ``on`` on, and who set them."""

    values: TargetValues
    on: date
    actor: Actor


def check_year(name: str, year: int, today: date) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= today.year + YEARS_AHEAD:
        raise InvalidField(name, f"a year from {FIRST_YEAR} to {today.year + YEARS_AHEAD}, not {year}")
    return year


def check_target(year: int, statushouders: int, total: int | None, baseline_year: int | None, today: date) -> TargetValues:
    """The values of a target, every invalid field named (the first one found)."""
    check_year("year", year, today)
    for name, value in (("statushouders", statushouders), ("total", total)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise InvalidField(name, f"a number of routes, zero or more, not {value}")
    if total is not None and total < statushouders:
        raise InvalidField("total", f"the total ({total}) includes the statushouders ({statushouders})")
    baseline = year - 1 if baseline_year is None else baseline_year
    if isinstance(baseline, bool) or not isinstance(baseline, int) or not FIRST_YEAR <= baseline < year:
        raise InvalidField("baselineYear", f"a year from {FIRST_YEAR} up to the target's year ({year}), not {baseline}")
    return TargetValues(statushouders, total, baseline)


class InflowTarget(Aggregate):
    """The inflow target of one region (or the country) for one year, with its history."""

    @classmethod
    def set_first(cls, *, year: int, region: str | None, values: TargetValues, on: date, today: date,
                  actor: Actor) -> InflowTarget:
        _check_setter(actor)
        _no_future(on, today)
        return cls(id=inflow_target_id(year, region), year=year, region=region, values=values.as_dict(), on=on, actor=actor)

    @event("InflowTargetSet")
    def __init__(self, *, id: UUID, year: int, region: str | None, values: dict[str, Any], on: date, actor: Actor) -> None:
        self.year = year
        self.region = region
        self.history: list[TargetChange] = [TargetChange(TargetValues(**values), on, actor)]

    def change(self, values: TargetValues, *, on: date, today: date, actor: Actor) -> None:
        _check_setter(actor)
        _no_future(on, today)
        if on < self.history[-1].on:
            raise InvalidField("setOn", f"a change is set on or after the last one ({self.history[-1].on})")
        self._changed(values=values.as_dict(), on=on, actor=actor)

    @event("InflowTargetChanged")
    def _changed(self, *, values: dict[str, Any], on: date, actor: Actor) -> None:
        self.history.append(TargetChange(TargetValues(**values), on, actor))

    @property
    def values(self) -> TargetValues:
        return self.history[-1].values


def _check_setter(actor: Actor) -> None:
    if actor.role not in SETTERS:
        raise Forbidden("only procesregie sets inflow targets")


def _no_future(on: date, today: date) -> None:
    if on > today:
        raise InvalidField("setOn", f"{on} lies after today ({today})")


# --- progress ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inflow:
    """Routes registered in a year: of target group statushouder, and in total."""

    year: int
    statushouders: int
    total: int


@dataclass(frozen=True)
class Progress:
    """A year's inflow against its target and its baseline year. A share is ``None`` where there
    is nothing to divide by (no target, a zero target, an empty baseline)."""

    inflow: Inflow
    baseline: Inflow
    target: TargetValues | None

    @property
    def share_of_target(self) -> float | None:
        """The statushouders registered as a share of the target (1.0: the target is met)."""
        return _ratio(self.inflow.statushouders, self.target.statushouders if self.target else None)

    @property
    def share_of_total_target(self) -> float | None:
        return _ratio(self.inflow.total, self.target.total if self.target else None)

    @property
    def growth(self) -> float | None:
        """The statushouders registered, relative to the baseline year (2.0: doubled)."""
        return _ratio(self.inflow.statushouders, self.baseline.statushouders)

    @property
    def total_growth(self) -> float | None:
        return _ratio(self.inflow.total, self.baseline.total)


def _ratio(part: int, whole: int | None) -> float | None:
    return round(part / whole, 4) if whole else None


def baseline_year_of(target: TargetValues | None, year: int) -> int:
    """The year a year's inflow is compared with: the target's baseline, else the year before."""
    return target.baseline_year if target is not None else year - 1
