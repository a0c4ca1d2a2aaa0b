"""Which route model a trajectory follows: the port the handlers, the time policies and the read
models ask, and the stand-in that answers version 1 (the baseline) alone.

``in_force(region, on)`` is what a route registered on ``on`` in ``region`` is pinned to;
``effective(model_id, variant_id)`` is what a pinned route follows. Published content never
changes, so an answer for one pair may be kept forever.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol
from uuid import UUID

from domain.errors import InvalidField
from domain.route_model import BASELINE_MODEL_ID, EffectiveRoute, baseline_model
from domain.values import MilestoneTerms


class RouteModels(Protocol):
    def in_force(self, region: str | None, on: date) -> EffectiveRoute:
        """The national version valid on ``on``, with the region's published variant of it valid
        on ``on`` (else none)."""

    def effective(self, model_id: UUID, variant_id: UUID | None) -> EffectiveRoute:
        """What a route pinned to this version and variant follows."""


class BaselineRouteModels:
    """Version 1 alone (``baseline_model`` of the configured terms), in force everywhere."""

    def __init__(self, terms: MilestoneTerms):
        self._baseline = EffectiveRoute(BASELINE_MODEL_ID, 1, baseline_model(terms))

    def in_force(self, region: str | None, on: date) -> EffectiveRoute:
        return self._baseline

    def effective(self, model_id: UUID, variant_id: UUID | None) -> EffectiveRoute:
        if model_id != BASELINE_MODEL_ID or variant_id is not None:
            raise InvalidField("routeModel", f"no published route model {model_id} (variant {variant_id})")
        return self._baseline

