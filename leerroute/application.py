"""The commands leerroute offers, as an eventsourcing application.

Each command loads a trajectory, checks the caller's expected version (``If-Match``), calls one
domain method and saves the new events inside the caller's database session, so that the
events, the idempotency record and anything else of that request commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder, StoredEvent
from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.database import lock_aggregate
from adapters.eventstore import register_transcodings
from adapters.tables import events
from domain.candidate import Candidate, candidate_id_for
from domain.errors import RuleViolation
from domain.trajectory import Trajectory
from domain.values import SYSTEM_ACTOR, Actor, MilestoneTerms, TargetGroup


class TrajectoryNotFound(Exception):
    def __init__(self, trajectory_id: UUID):
        super().__init__(f"no trajectory {trajectory_id}")
        self.trajectory_id = trajectory_id


class VersionMismatch(Exception):
    """The caller's ``If-Match`` names a version that is no longer the current one."""

    def __init__(self, expected: int, actual: int):
        super().__init__(f"expected version {expected}, the trajectory is at version {actual}")
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class Outcome:
    """What a command produced: the trajectory as it now stands and the last log position."""

    trajectory: Trajectory
    position: int
    result_id: str | None = None


@dataclass(frozen=True)
class PersonalData:
    bsn: str
    given_names: str
    family_name: str
    birth_date: date


class LeerrouteApplication(Application):
    name = "Leerroute"

    def __init__(self, env: dict[str, str], *, pseudonymise_bsn: Callable[[str], str]):
        super().__init__(env)
        self._pseudonymise_bsn = pseudonymise_bsn

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    # -- queries on the log ---------------------------------------------------------------------

    def get_trajectory(self, trajectory_id: UUID) -> Trajectory:
        try:
            aggregate = self.repository.get(trajectory_id)
        except AggregateNotFoundError:
            raise TrajectoryNotFound(trajectory_id) from None
        if not isinstance(aggregate, Trajectory):
            raise TrajectoryNotFound(trajectory_id)
        return aggregate

    def get_candidate(self, candidate_id: UUID) -> Candidate | None:
        try:
            aggregate = self.repository.get(candidate_id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, Candidate) else None

    def find_candidate(self, municipality: str, bsn: str) -> Candidate | None:
        return self.get_candidate(candidate_id_for(municipality, self._pseudonymise_bsn(bsn)))

    def load_in(self, session: Session, aggregate_id: UUID) -> Aggregate | None:
        """An aggregate as committed, read on the command's own connection and transaction
        (after its lock): one query, where the repository would check out a second connection."""
        rows = session.execute(
            select(events.c.originator_version, events.c.topic, events.c.state)
            .where(events.c.originator_id == aggregate_id)
            .order_by(events.c.originator_version)
        ).all()
        aggregate = None
        for version, topic, state in rows:
            stored = StoredEvent(originator_id=aggregate_id, originator_version=version, topic=topic, state=bytes(state))
            aggregate = self.mapper.to_domain_event(stored).mutate(aggregate)
        return aggregate

    def trajectory_in(self, session: Session, trajectory_id: UUID) -> Trajectory:
        aggregate = self.load_in(session, trajectory_id)
        if not isinstance(aggregate, Trajectory):
            raise TrajectoryNotFound(trajectory_id)
        return aggregate

    def history(self, trajectory_id: UUID) -> list[Any]:
        self.get_trajectory(trajectory_id)
        return list(self.events.get(trajectory_id))

    # -- commands ---------------------------------------------------------------------------

    def register_trajectory(
        self,
        *,
        session: Session,
        actor: Actor,
        today: date,
        person: PersonalData,
        target_group: TargetGroup,
        registered_on: date,
        benefit_monthly_cents: int,
        benefit_since: date | None,
    ) -> Outcome:
        existing = self.load_in(session, candidate_id_for(actor.organisation, self._pseudonymise_bsn(person.bsn)))
        if isinstance(existing, Candidate):
            raise RuleViolation(
                "one-trajectory-per-candidate",
                f"this candidate is already registered in {actor.organisation} (trajectory {existing.trajectory_id})",
            )
        trajectory_id = uuid4()
        candidate = Candidate.register(
            municipality=actor.organisation,
            bsn=person.bsn,
            bsn_pseudonym=self._pseudonymise_bsn(person.bsn),
            given_names=person.given_names,
            family_name=person.family_name,
            birth_date=person.birth_date,
            registered_on=registered_on,
            trajectory_id=trajectory_id,
            actor=actor,
        )
        trajectory = Trajectory.register(
            trajectory_id=trajectory_id,
            municipality=actor.organisation,
            candidate_id=candidate.id,
            target_group=target_group,
            on=registered_on,
            today=today,
            benefit_monthly_cents=benefit_monthly_cents,
            benefit_since=benefit_since,
            actor=actor,
        )
        recordings = self.save(candidate, trajectory, session=session)
        return Outcome(trajectory, recordings[-1].notification.id)

    def record_milestones(
        self, trajectory_id: UUID, *, session: Session, today: date, terms: MilestoneTerms
    ) -> int:
        """Record the milestones time has made due for one trajectory (none twice)."""
        lock_aggregate(session, trajectory_id)
        trajectory = self.trajectory_in(session, trajectory_id)
        count = trajectory.record_due_milestones(today=today, terms=terms, actor=SYSTEM_ACTOR)
        if count:
            self.save(trajectory, session=session)
        return count

    def update(
        self,
        trajectory_id: UUID,
        change: Callable[[Trajectory], str | None],
        *,
        session: Session,
        expected_version: int | None,
        authorise: Callable[[Trajectory], None] = lambda _: None,
    ) -> Outcome:
        """Apply one domain command to a trajectory and save its events in ``session``.

        ``authorise`` runs first (an invisible trajectory must not reveal its version);
        ``change`` calls one domain method and may return the id of what it created
        (a placement, a certificate), which the API puts in its ``Location``.
        """
        lock_aggregate(session, trajectory_id)
        trajectory = self.trajectory_in(session, trajectory_id)
        authorise(trajectory)
        if expected_version is not None and trajectory.version != expected_version:
            raise VersionMismatch(expected_version, trajectory.version)
        result_id = change(trajectory)
        recordings = self.save(trajectory, session=session)
        if not recordings:
            raise RuleViolation("nothing-to-record", "the command recorded no event")
        return Outcome(trajectory, recordings[-1].notification.id, result_id)
