"""The read side of the comparison across regions: the figures per labour-market region and for
the country, as of a business date and as known at a moment (``domain.money.AsOf``), scoped by
``domain.access.comparison_regions``.

Each route is read against the version (and regional variant) it follows, resolved through the
route-model port (``in_force`` / ``effective``); the figures are derived in the domain
(``domain.comparison``, ``domain.comparison_report``) from the comparison's read model
(``adapters.comparison``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol
from uuid import UUID

from adapters import comparison as read_model
from adapters.regions import UNMAPPED
from domain.access import comparison_regions
from domain.comparison import RouteFacts, route_facts
from domain.comparison_report import Comparison, build_comparison
from domain.errors import InvalidField
from domain.money import AsOf
from domain.route_model import BASELINE_MODEL_ID, EffectiveRoute, differences
from domain.values import Actor, Role
from leerroute.route_models import RouteModels


class Regions(Protocol):
    def __call__(self, municipality: str) -> str: ...

    def regions(self) -> list[str]: ...


class ComparisonQueries:
    def __init__(self, *, database_url: str, region_of: Regions, route_models: RouteModels):
        self._url = database_url
        self._region_of = region_of
        self._models = route_models

    def regions(self) -> list[str]:
        """The labour-market regions of the mapping, and ``onbekend`` for municipalities outside it."""
        return sorted({*self._region_of.regions(), UNMAPPED})

    def comparison(self, actor: Actor, as_of: AsOf, region: str | None = None) -> Comparison:
        known = self.regions()
        if region is not None and region not in known:
            raise InvalidField("region", f"unknown labour-market region {region!r}; known: {', '.join(known)}")
        own = self._region_of(actor.organisation) if actor.role is Role.KLANTMANAGER else None
        shown = comparison_regions(actor, region, own, known)
        models = self._models
        national = models.in_force(None, as_of.day)
        variance = {r: differences(national, models.in_force(r, as_of.day)) for r in shown}
        resolved: dict[tuple[Any, Any], EffectiveRoute] = {}

        def routes() -> Iterator[tuple[str, RouteFacts, EffectiveRoute]]:
            for municipality, events in read_model.read_routes(self._url, as_of.day).values():
                facts = route_facts(events, as_of)
                if facts is None:
                    continue
                key = (_uuid(facts.route_model) or BASELINE_MODEL_ID, _uuid(facts.route_variant))
                if key not in resolved:
                    resolved[key] = models.effective(*key)
                yield self._region_of(municipality), facts, resolved[key]

        return build_comparison(routes(), as_of, regions=shown, national=national, differences=variance)


def _uuid(value: Any) -> UUID | None:
    if value is None or isinstance(value, UUID):
        return value
    return UUID(str(value))
