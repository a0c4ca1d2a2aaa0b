"""The read side of the service layer: trajectories, lists, the worklist and the funnel, each
read with the caller's access scope from ``domain.access``.

A read of a candidate's data (a trajectory, its history, a search by BSN, names in a list of
placements, the access log) records an access-log entry under a processing activity of its own,
the same whichever entry point asks. Lists read the read models; ``wait_for`` lets a caller wait
(bounded) until they include a position of the log, such as that of its own write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from adapters import queries
from adapters.access_log import Access, AccessEntry, AccessLog
from adapters.eventstore import EventStore
from adapters.personal_data import PersonalDataVault
from adapters.projection_runner import ProjectionRunner
from adapters.pseudonyms import Pseudonymiser
from domain.access import (
    NOTHING,
    AccessPolicy,
    View,
    municipality_scope,
    placement_scope,
    trajectory_scope,
)
from domain.candidate import Candidate, PersonalData
from domain.errors import Forbidden, InvalidField, NotFound
from domain.route_model import EffectiveRoute
from domain.trajectory import Trajectory
from domain.values import Actor, Stage, TargetGroup, TrajectoryStatus
from leerroute.route_models import RouteModels


@dataclass(frozen=True)
class CandidateFacts:
    """The candidate of a trajectory as far as the caller may know it: always a stable pseudonym;
    the personal data while it exists (and the caller may see it); the date of erasure once erased."""

    pseudonym: str
    person: PersonalData | None
    erased_on: date | None


@dataclass(frozen=True)
class TrajectoryRead:
    trajectory: Trajectory
    view: View
    candidate: CandidateFacts
    route: EffectiveRoute | None = None  # the route model it follows (None: not known here)


@dataclass(frozen=True)
class PlacementRow:
    """A placement as listed, with the candidate's name where the caller may see it."""

    row: dict[str, Any]
    candidate_name: str | None


class FunnelLevel(StrEnum):
    MUNICIPALITY = "municipality"
    REGION = "region"
    NATIONAL = "national"


@dataclass(frozen=True)
class FunnelRead:
    municipality: str | None
    region: str | None
    groups: list[queries.FunnelGroup]
    position: int  # the log position the read models had reached


class Queries:
    def __init__(
        self,
        *,
        store: EventStore,
        vault: PersonalDataVault,
        pseudonymise: Pseudonymiser,
        access_log: AccessLog,
        access: AccessPolicy,
        database_url: str,
        projections: ProjectionRunner,
        today: Callable[[], date],
        deviation_ending_days: int,
        read_wait_max_seconds: float,
        route_models: RouteModels | None = None,
    ):
        self._store = store
        self._vault = vault
        self._pseudonymise = pseudonymise
        self._access_log = access_log
        self._access = access
        self._url = database_url
        self._projections = projections
        self._today = today
        self._deviation_ending_days = deviation_ending_days
        self._read_wait = read_wait_max_seconds
        self._route_models = route_models

    @property
    def route_models(self) -> RouteModels | None:
        """Which national version and regional variant are in force (``leerroute.route_models``)."""
        return self._route_models

    # -- one trajectory ---------------------------------------------------------------------------

    def _visible(self, actor: Actor, trajectory_id: UUID) -> tuple[Trajectory, View]:
        trajectory = self._store.aggregate(trajectory_id)
        if not isinstance(trajectory, Trajectory):
            raise NotFound("trajectory", f"no trajectory {trajectory_id}")
        return trajectory, self._access.visible(actor, trajectory)

    def _candidate(self, trajectory: Trajectory, *, personal: bool) -> CandidateFacts:
        candidate = self._store.aggregate(trajectory.candidate_id)
        person, erased_on = None, None
        if isinstance(candidate, Candidate):
            erased_on = candidate.erased_on
            if personal and not candidate.is_erased:
                person = self._vault.open(candidate.id, candidate.sealed)
        return CandidateFacts(self._pseudonymise.candidate(trajectory.candidate_id), person, erased_on)

    def _log(self, actor: Actor, trajectories: Sequence[Trajectory], activity: str, trace_id: str) -> None:
        accesses = [Access(t.id, t.municipality, self._pseudonymise.candidate(t.candidate_id)) for t in trajectories]
        self._access_log.record_read(actor, accesses, activity=activity, trace_id=trace_id)

    def trajectory(self, actor: Actor, trajectory_id: UUID, *, trace_id: str) -> TrajectoryRead:
        """The route as it stands, as the caller may see it."""
        trajectory, view = self._visible(actor, trajectory_id)
        candidate = self._candidate(trajectory, personal=view.personal_data or view.candidate_name)
        self._log(actor, [trajectory], "get_trajectory", trace_id)
        return TrajectoryRead(trajectory, view, candidate, self.route_of(trajectory))

    def route_of(self, trajectory: Trajectory) -> EffectiveRoute | None:
        """The route model (and regional variant) the trajectory follows."""
        if self._route_models is None:
            return None
        return self._route_models.effective(trajectory.route_model, trajectory.route_variant)

    def history(self, actor: Actor, trajectory_id: UUID, *, trace_id: str) -> tuple[Trajectory, View, list[Any]]:
        """Every event of the route, with the view that says what of each the caller may see."""
        trajectory, view = self._visible(actor, trajectory_id)
        self._log(actor, [trajectory], "get_history", trace_id)
        return trajectory, view, self._store.history(trajectory_id)

    def written(self, actor: Actor, trajectory: Trajectory) -> TrajectoryRead:
        """What the answer to a write shows: the caller's view without the candidate's personal
        data (answers are given again for repeated requests; read personal data with a GET)."""
        view = replace(self._access.view(actor, trajectory) or NOTHING, personal_data=False, candidate_name=False)
        return TrajectoryRead(trajectory, view, self._candidate(trajectory, personal=False), self.route_of(trajectory))

    def search(self, actor: Actor, bsn: str, *, trace_id: str) -> list[Trajectory]:
        """The own municipality's trajectory of a BSN (found by its keyed hash, never the BSN)."""
        candidate_id = self._vault.find(actor.organisation, self._pseudonymise(bsn, purpose="bsn"))
        candidate = self._store.aggregate(candidate_id) if candidate_id is not None else None
        if not isinstance(candidate, Candidate):
            return []
        trajectory, _ = self._visible(actor, candidate.trajectory_id)
        self._log(actor, [trajectory], "search_by_bsn", trace_id)
        return [trajectory]

    def access_log(self, actor: Actor, trajectory_id: UUID, *, page: int, page_size: int, trace_id: str
                   ) -> tuple[list[AccessEntry], int]:
        """Who processed this trajectory's candidate's data, oldest first; this reading too is
        logged, so the next reader sees it."""
        trajectory, _ = self._visible(actor, trajectory_id)
        if not self._access.can_read_access_log(actor, trajectory):
            raise Forbidden(f"{actor.role} {actor.organisation} may not read this access log")
        found = self._access_log.entries(self._pseudonymise.candidate(trajectory.candidate_id), page=page, page_size=page_size)
        self._log(actor, [trajectory], "get_access_log", trace_id)
        return found

    # -- lists ------------------------------------------------------------------------------------

    def read_models_at(self, position: int | None) -> int:
        """Wait (at most the configured seconds) until every read model includes ``position``;
        returns how far they are (what the list that follows includes at least). A position the
        log has not reached (no write answered with it) is not waited for."""
        reached = self._projections.lowest_position()
        if position is not None and reached < position <= self._projections.log_size():
            self._projections.wait_for(position, self._read_wait)
            reached = self._projections.lowest_position()
        return reached

    def trajectories(
        self,
        actor: Actor,
        page: queries.PageRequest,
        *,
        municipality: str | None = None,
        stage: Stage | None = None,
        status: TrajectoryStatus | None = None,
        target_group: TargetGroup | None = None,
        min_position: int | None = None,
    ) -> tuple[queries.PageResult, int]:
        """The caller's municipality's trajectories (procesregie: all, or one municipality), and
        the log position the read models had reached."""
        scope = trajectory_scope(actor, municipality)
        position = self.read_models_at(min_position)
        return queries.list_trajectories(self._url, page, scope, stage=stage, status=status, target_group=target_group), position

    def placements(self, actor: Actor, page: queries.PageRequest, *, status: str | None, trace_id: str,
                   min_position: int | None = None) -> tuple[list[PlacementRow], int, int]:
        """Employers: the placements proposed to them; klantmanagers: their municipality's;
        procesregie: all. The candidate's name where the caller's view includes it. With the
        total, and the log position the read models had reached."""
        scope = placement_scope(actor)
        position = self.read_models_at(min_position)
        result = queries.list_placements(self._url, page, scope, status=status)
        rows: list[PlacementRow] = []
        shown: dict[UUID, Trajectory] = {}
        for row in result.rows:
            name = None
            trajectory = self._store.aggregate(row["trajectory_id"])
            view = self._access.view(actor, trajectory) if isinstance(trajectory, Trajectory) else None
            if isinstance(trajectory, Trajectory) and view is not None and view.candidate_name:
                person = self._candidate(trajectory, personal=True).person
                name = person.name if person else None
                shown[trajectory.id] = trajectory
            rows.append(PlacementRow(row, name))
        self._log(actor, list(shown.values()), "list_placements", trace_id)
        return rows, result.total, position

    def worklist(self, actor: Actor, *, limit: int, min_position: int | None = None) -> tuple[date, queries.Worklist, int]:
        """What needs the klantmanager now, in the own municipality; as of today, and the log
        position the read models had reached."""
        municipality = municipality_scope(actor, None)
        assert municipality is not None
        position = self.read_models_at(min_position)
        today = self._today()
        horizon = today + timedelta(days=self._deviation_ending_days)
        return today, queries.worklist(self._url, municipality, today=today, deviation_horizon=horizon, limit=limit), position

    def funnel(
        self,
        actor: Actor,
        *,
        level: FunnelLevel,
        municipality: str | None,
        region: str | None,
        cohort: str | None,
        target_group: TargetGroup | None,
        min_position: int | None = None,
    ) -> FunnelRead:
        """The funnel of the country, one labour-market region or one municipality; a
        klantmanager sees the own municipality only."""
        allowed = municipality_scope(actor, municipality, whole_country=level is not FunnelLevel.MUNICIPALITY)
        if level is FunnelLevel.MUNICIPALITY and allowed is None:
            raise InvalidField("query.municipality", "required for level=municipality")
        if level is FunnelLevel.REGION and region is None:
            raise InvalidField("query.region", "required for level=region")
        scope = queries.FunnelScope(
            municipality=allowed if level is FunnelLevel.MUNICIPALITY else None,
            region=region if level is FunnelLevel.REGION else None,
            cohort=cohort,
            target_group=target_group,
        )
        position = self.read_models_at(min_position)
        return FunnelRead(scope.municipality, scope.region, queries.funnel(self._url, scope), position)
