"""The port ``route_models``: which national version and regional variant a route follows, as
the handlers, the time policies and the read models ask it.

``in_force(region, on)`` is the published national version valid on ``on`` with the region's
published variant of that version valid on ``on`` (or none): what a route registered on ``on`` in
``region`` is pinned to. ``effective(model_id, variant_id)`` is what a route pinned to them
follows. Both answer an ``EffectiveRoute``.

``RouteModelReader`` answers both from two reads its implementations give: the list of versions
and variants with their validity (``entries``, a few rows, read each time: which one is in force
changes with a publication, in any process) and the content of published ones (``contents``,
read once: published content never changes, so it is kept for the life of the reader's cache).
``adapters.route_models`` reads the ``route_models`` table, inside a unit of work on its
transaction; the unit tests' fake reads its in-memory log.

Before version 1 is published (leerroute publishes it at start-up) the baseline of the
configured milestone terms stands in for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from domain.errors import InvalidField, RuleViolation
from domain.route_model import EffectiveRoute, baseline_model, model_from_dict, variant_from_dict
from domain.route_models import BASELINE_MODEL_ID, Entry, choose
from domain.values import MilestoneTerms

ContentCache = dict[tuple[UUID, UUID | None], EffectiveRoute]


class RouteModels(Protocol):
    def in_force(self, region: str | None, on: date) -> EffectiveRoute:
        """The national version valid on ``on`` with the region's variant of it valid on ``on``."""

    def effective(self, model_id: UUID, variant_id: UUID | None) -> EffectiveRoute:
        """What a route pinned to this national version and variant follows (published ones)."""

    def entries(self) -> list[Entry]:
        """Every version and variant, drafts included, with status and validity."""


class RouteModelReader:
    """``in_force`` and ``effective`` over ``entries`` and ``contents``."""

    def __init__(self, terms: MilestoneTerms, cache: ContentCache | None = None):
        self._terms = terms
        self._cache: ContentCache = {} if cache is None else cache

    def entries(self) -> list[Entry]:
        raise NotImplementedError

    def contents(self, ids: Iterable[UUID]) -> Mapping[UUID, tuple[Entry, Mapping[str, Any]]]:
        """The entry and content dict of each published one among ``ids``."""
        raise NotImplementedError

    def baseline(self) -> EffectiveRoute:
        return EffectiveRoute(BASELINE_MODEL_ID, 1, baseline_model(self._terms))

    def in_force(self, region: str | None, on: date) -> EffectiveRoute:
        entries = self.entries()
        national, variant = choose(entries, region, on)
        if national is None:
            if not any(e.kind == "national" and e.is_published for e in entries):
                return self.baseline()
            raise RuleViolation("route-model-in-force", f"no published version of the national model is valid on {on}")
        return self.effective(national.id, variant.id if variant is not None else None)

    def effective(self, model_id: UUID, variant_id: UUID | None) -> EffectiveRoute:
        key = (model_id, variant_id)
        route = self._cache.get(key)
        if route is not None:
            return route
        found = self.contents([model_id] if variant_id is None else [model_id, variant_id])
        if model_id not in found:
            if model_id == BASELINE_MODEL_ID and variant_id is None:
                return self.baseline()  # not published yet: not kept, the publication may still come
            raise InvalidField("routeModel", f"no published version of the national model {model_id}")
        national, national_content = found[model_id]
        if national.kind != "national":
            raise InvalidField("routeModel", f"{model_id} is not a version of the national model")
        variant = None
        if variant_id is not None:
            if variant_id not in found or found[variant_id][0].kind != "regional" or found[variant_id][0].model_id != model_id:
                raise InvalidField("routeVariant", f"no published variant {variant_id} of national version {national.version}")
            variant = variant_from_dict(found[variant_id][1])
        route = EffectiveRoute(model_id, national.version, model_from_dict(national_content), variant_id, variant)
        self._cache[key] = route
        return route


class Regions(Protocol):
    """The labour-market regions a variant may be for, and each one's centrumgemeente."""

    def regions(self) -> list[str]: ...

    def centre_of(self, region: str) -> str | None: ...


class NoRegions:
    """Without a mapping of regions: no variant can be drafted."""

    def regions(self) -> list[str]:
        return []

    def centre_of(self, region: str) -> str | None:
        return None


class BaselineRouteModels(RouteModelReader):
    """The stand-in without a store: version 1 alone (``baseline_model`` of the configured terms),
    in force everywhere."""

    def entries(self) -> list[Entry]:
        return []

    def contents(self, ids: Iterable[UUID]) -> Mapping[UUID, tuple[Entry, Mapping[str, Any]]]:
        return {}

