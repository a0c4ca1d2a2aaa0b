"""The commands on the national basic model and its regional variants (``domain.route_models``).

The content travels as the plain dict of ``domain.route_model`` (``model_to_dict`` /
``variant_to_dict``, camelCase): the domain reads it (``model_from_dict``), so an unknown stage
or category is refused once, with its field named, whichever entry point sent it. A revision
names only what it changes (``changes``: some of ``validFrom``, ``validUntil`` and the content's
top-level keys); a full replacement names them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from domain.commands import Command


@dataclass(frozen=True, kw_only=True)
class DraftRouteModel(Command):
    """Draft the next version of the national model (procesregie)."""

    content: Mapping[str, Any]  # stages, terms, dropOutCategories
    valid_from: date
    valid_until: date | None = None


@dataclass(frozen=True, kw_only=True)
class RouteModelCommand(Command):
    """A command on one version of the national model."""

    model_version: int


@dataclass(frozen=True, kw_only=True)
class ReviseRouteModel(RouteModelCommand):
    changes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class PublishRouteModel(RouteModelCommand):
    """Publish a draft; an open predecessor it starts inside of is closed the day before."""


@dataclass(frozen=True, kw_only=True)
class PublishBaselineModel(Command):
    """Version 1 (``baseline_model`` of the configured milestone terms), published by the system
    at start-up when it does not exist yet; nothing when it does."""

    versioned = False


@dataclass(frozen=True, kw_only=True)
class DraftRouteVariant(Command):
    """Draft a region's variant of a national version."""

    model_version: int
    content: Mapping[str, Any]  # region, offered, norms, providers, subReasons
    valid_from: date
    valid_until: date | None = None


@dataclass(frozen=True, kw_only=True)
class RouteVariantCommand(Command):
    variant_id: UUID


@dataclass(frozen=True, kw_only=True)
class ReviseRouteVariant(RouteVariantCommand):
    changes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class PublishRouteVariant(RouteVariantCommand):
    """Publish a draft variant, inside its national version's validity."""
