"""The read side of inflow targets: a target with its history, the targets of a year, and a
year's inflow against its target and its baseline year (procesregie)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from adapters import queries
from adapters.eventstore import EventStore
from domain.access import INFLOW_READERS, check_role
from domain.errors import InvalidField, NotFound
from domain.inflow import Inflow, InflowTarget, Progress, baseline_year_of, check_year, inflow_target_id
from domain.values import Actor, TargetGroup


@dataclass(frozen=True)
class ProgressRead:
    year: int
    region: str | None
    progress: Progress
    target: InflowTarget | None
    position: int


class InflowQueries:
    def __init__(
        self,
        *,
        store: EventStore,
        database_url: str,
        read_models_at: Callable[[int | None], int],
        regions: Callable[[], list[str]],
        today: Callable[[], date],
    ):
        self._store = store
        self._url = database_url
        self._read_models_at = read_models_at
        self._regions = regions
        self._today = today

    def target(self, actor: Actor, target_id: UUID) -> InflowTarget:
        check_role(actor, INFLOW_READERS)
        found = self._store.aggregate(target_id)
        if not isinstance(found, InflowTarget):
            raise NotFound("inflow target", f"no inflow target {target_id}")
        return found

    def targets(self, actor: Actor, year: int) -> list[InflowTarget]:
        """The year's targets: the country's first, then the regions' in order (those that have one)."""
        check_role(actor, INFLOW_READERS)
        check_year("query.year", year, self._today())
        found = [self._store.aggregate(inflow_target_id(year, region)) for region in (None, *self._regions())]
        return [t for t in found if isinstance(t, InflowTarget)]

    def progress(self, actor: Actor, *, year: int, region: str | None, min_position: int | None = None) -> ProgressRead:
        """The routes registered in ``year`` (statushouders and all) in the region or the country,
        against the year's target and the inflow of its baseline year (the target's, else the year
        before)."""
        check_role(actor, INFLOW_READERS)
        check_year("query.year", year, self._today())
        if region is not None and region not in self._regions():
            raise InvalidField("query.region", f"{region!r} is not one of the labour-market regions")
        found = self._store.aggregate(inflow_target_id(year, region))
        target = found if isinstance(found, InflowTarget) else None
        baseline_year = baseline_year_of(target.values if target else None, year)
        position = self._read_models_at(min_position)
        counts = queries.registered_in_years(self._url, queries.FunnelScope(region=region), [year, baseline_year])

        def inflow(of: int) -> Inflow:
            return Inflow(of, counts[of].get(str(TargetGroup.STATUSHOUDER), 0), sum(counts[of].values()))

        progress = Progress(inflow(year), inflow(baseline_year), target.values if target else None)
        return ProgressRead(year, region, progress, target, position)
