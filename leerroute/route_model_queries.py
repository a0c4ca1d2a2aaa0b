"""The read side of the national model and its variants: lists, one, and its history, each as
the caller may see it (``domain.access``: the published ones for every reader, a draft for those
who may change it). The list comes from the ``route_models`` table; each one shown is its
aggregate as committed, from the log."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from adapters.eventstore import EventStore
from adapters.route_models import RouteModelCatalogue
from domain.access import can_see_route_model, can_see_variant
from domain.errors import InvalidField, NotFound
from domain.route_models import RouteModel, RouteVariant, model_id_of
from domain.values import Actor
from leerroute.route_models import Regions


class RouteModelQueries:
    def __init__(self, store: EventStore, catalogue: RouteModelCatalogue, regions: Regions):
        self._store = store
        self._catalogue = catalogue
        self._regions = regions

    # -- the national model ---------------------------------------------------------------------------

    def models(self, actor: Actor) -> list[RouteModel]:
        """Every version the caller sees, by number."""
        found = [self._store.aggregate(e.id) for e in self._catalogue.entries() if e.kind == "national"]
        return [m for m in found if isinstance(m, RouteModel) and can_see_route_model(actor, published=m.is_published)]

    def model(self, actor: Actor, version: int) -> RouteModel:
        model = self._store.aggregate(model_id_of(version)) if version >= 1 else None
        if not isinstance(model, RouteModel) or not can_see_route_model(actor, published=model.is_published):
            raise NotFound("route model", f"no version {version} of the national model")
        return model

    def model_history(self, actor: Actor, version: int) -> tuple[RouteModel, list[Any]]:
        model = self.model(actor, version)
        return model, self._store.history(model.id)

    # -- regional variants ----------------------------------------------------------------------------

    def variants(self, actor: Actor, *, region: str | None = None, model_version: int | None = None) -> list[RouteVariant]:
        """The variants the caller sees, by national version, region and start."""
        if region is not None and region not in self._regions.regions():
            raise InvalidField("region", f"unknown labour-market region {region!r}")
        entries = [e for e in self._catalogue.entries() if e.kind == "regional"
                   and (region is None or e.region == region) and (model_version is None or e.version == model_version)]
        found = [self._store.aggregate(e.id) for e in entries]
        return [v for v in found if isinstance(v, RouteVariant) and self._visible(actor, v)]

    def variant(self, actor: Actor, variant_id: UUID) -> RouteVariant:
        variant = self._store.aggregate(variant_id)
        if not isinstance(variant, RouteVariant) or not self._visible(actor, variant):
            raise NotFound("route variant", f"no route variant {variant_id}")
        return variant

    def variant_history(self, actor: Actor, variant_id: UUID) -> tuple[RouteVariant, list[Any]]:
        variant = self.variant(actor, variant_id)
        return variant, self._store.history(variant.id)

    def _visible(self, actor: Actor, variant: RouteVariant) -> bool:
        return can_see_variant(actor, self._regions.centre_of(variant.region), published=variant.is_published)
