"""Moving routes in bulk to the route model in force: what would change per route (a dry run,
which writes nothing) or the moves themselves, each one ``MoveRoute`` through ``Service.handle``.

The routes are those the read model knows pinned to a version (``from_version``; default any)
in a labour-market region (default every region). Each would move to the version (and its
region's variant) in force on the migration's date; a route already there is left out. The
commit is idempotent: a route that moved is on its target and is left out the next time, and
with an ``Idempotency-Key`` every route's move is answered from its kept outcome.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from uuid import UUID

from domain.access import check_role
from domain.commands import MoveRoute
from domain.errors import InvalidField, RuleViolation
from domain.route_model import EffectiveRoute, differences, route_model_id
from domain.values import Actor, Role
from leerroute.route_models import RouteModels
from leerroute.service import Service

MIGRATORS = frozenset({Role.PROCESREGIE})


@dataclass(frozen=True)
class PinnedRoute:
    """A route as the read model knows its pin."""

    trajectory_id: UUID
    municipality: str
    route_model: UUID
    route_variant: UUID | None


@dataclass(frozen=True)
class MigrationRequest:
    on: date
    reason: str = ""
    from_version: int | None = None
    region: str | None = None
    dry_run: bool = True


@dataclass(frozen=True)
class PlannedMove:
    trajectory_id: UUID
    municipality: str
    region: str
    before: EffectiveRoute
    after: EffectiveRoute
    differences: list[dict[str, Any]]
    outcome: str = "would-move"  # or "moved", "refused"
    rule: str | None = None
    position: int | None = None  # the log position of the move



@dataclass(frozen=True)
class MigrationResult:
    request: MigrationRequest
    moves: list[PlannedMove] = field(default_factory=list)

    @property
    def moved(self) -> int:
        return sum(1 for m in self.moves if m.outcome == "moved")

    @property
    def position(self) -> int | None:
        """The log position of the last move (None: nothing was written)."""
        return max((m.position for m in self.moves if m.position is not None), default=None)


@dataclass
class RouteMigrations:
    service: Service
    route_models: Callable[[], RouteModels]
    pinned_routes: Callable[[UUID | None, str | None], list[PinnedRoute]]
    region_of: Callable[[str], str]
    regions: Callable[[], list[str]]

    def run(self, actor: Actor, request: MigrationRequest, *, idempotency_key: str | None = None,
            trace_id: str | None = None) -> MigrationResult:
        check_role(actor, MIGRATORS)
        if request.from_version is not None and request.from_version < 1:
            raise InvalidField("fromVersion", "a version number is 1 or more")
        if request.region is not None and request.region not in self.regions():
            raise InvalidField("region", f"unknown labour-market region {request.region!r}")
        if not request.dry_run and not request.reason.strip():
            raise InvalidField("reason", "moving routes states the reason")
        models = self.route_models()
        from_model = route_model_id(request.from_version) if request.from_version is not None else None
        moves: list[PlannedMove] = []
        for pinned in self.pinned_routes(from_model, request.region):
            region = self.region_of(pinned.municipality)
            before = models.effective(pinned.route_model, pinned.route_variant)
            after = models.in_force(region, request.on)
            if (after.model_id, after.variant_id) == (before.model_id, before.variant_id) or after.version < before.version:
                continue
            move = PlannedMove(pinned.trajectory_id, pinned.municipality, region, before, after, differences(before, after))
            if not request.dry_run:
                move = self._move(actor, request, move, idempotency_key, trace_id)
            moves.append(move)
        return MigrationResult(request, moves)

    def _move(self, actor: Actor, request: MigrationRequest, move: PlannedMove, key: str | None, trace_id: str | None) -> PlannedMove:
        command = MoveRoute(actor=actor, trajectory_id=move.trajectory_id, on=request.on, reason=request.reason.strip(),
                            route_model=move.after.model_id, route_variant=move.after.variant_id)
        try:
            outcome = self.service.handle(command, idempotency_key=route_key(key, move.trajectory_id) if key else None,
                                          trace_id=trace_id)
        except RuleViolation as refused:
            if isinstance(refused, InvalidField):
                raise
            return replace(move, outcome="refused", rule=refused.rule)
        return replace(move, outcome="moved", position=outcome.position)


def route_key(key: str, trajectory_id: UUID) -> str:
    """The idempotency key of one route's move in a migration sent with ``key``."""
    return f"route-model-migration:{hashlib.sha256(key.encode()).hexdigest()[:32]}:{trajectory_id}"
