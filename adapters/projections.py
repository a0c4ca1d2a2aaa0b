"""Read models: the log projected into tables that lists, worklists and the funnel query.

A projection reads the log from its last position onward, in batches. Each batch's rows and the
new position are written in one transaction (the position row is locked first), so a batch
processed twice is never counted twice and a crash leaves nothing half-applied.

Rows are computed from the aggregate's own state after the batch (``Trajectory.stage``,
``domain.funnel.stage_facts`` and so on), so the rules of the route stay in ``domain/``. The
projection keeps recently seen aggregates in memory and moves them forward event by event; an
aggregate it has not seen is loaded from the event store at the version it needs.

A rebuild replays the whole log into the projection's tables inside one transaction: readers
keep seeing the old rows until the new ones are complete, and a rebuild that is killed leaves
the old tables and position exactly as they were.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from contextlib import ExitStack
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from adapters.database import read_session, write_session
from adapters.funnel_counts import COUNT_TABLES, recount, update_counts
from adapters.tables import (
    deviation_summaries,
    drop_out_facts,
    events,
    placement_summaries,
    projection_positions,
    stage_facts,
    trajectory_summaries,
)
from domain.funnel import cohort_of
from domain.funnel import drop_out_facts as domain_drop_out_facts
from domain.funnel import stage_facts as domain_stage_facts
from domain.trajectory import Trajectory
from domain.values import MilestoneTerms
from leerroute.application import LeerrouteApplication

TRAJECTORY_TOPIC_PREFIX = f"{Trajectory.__module__}:{Trajectory.__qualname__}."


def upsert(
    session: Session, table: Table, rows: list[dict[str, Any]], keys: Sequence[str], *, newer: str | None = None
) -> None:
    """Insert or update ``rows``; with ``newer`` (a version column) a stored row is only
    replaced by one of the same or a later version (a replay never moves a row back)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_fn(table)
    columns = [c for c in rows[0] if c not in keys]
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={c: statement.excluded[c] for c in columns},
        where=(table.c[newer] <= statement.excluded[newer]) if newer else None,
    )
    session.execute(statement, rows)


def replace_rows(session: Session, table: Table, key: str, ids: Iterable[Any], rows: list[dict[str, Any]]) -> None:
    """Replace every row of the given owners (trajectories) by ``rows``."""
    id_list = list(ids)
    if id_list:
        session.execute(delete(table).where(table.c[key].in_(id_list)))
    if rows:
        session.execute(table.insert(), rows)


class BatchDecoder:
    """Decodes the events of one batch once, for every projection that needs them. The event
    objects are shared: applying one to an aggregate copies what the aggregate keeps of it
    (``Trajectory`` keeps no mutable value of an event as it is)."""

    def __init__(self, app: LeerrouteApplication) -> None:
        self._to_domain_event = app.mapper.to_domain_event
        self._decoded: dict[int, Any] = {}

    def __call__(self, notification: Notification) -> Any:
        event = self._decoded.get(notification.id)
        if event is None:
            event = self._decoded[notification.id] = self._to_domain_event(notification)
        return event


class TrajectoryTracker:
    """Trajectories as of the notifications seen so far, moved forward event by event."""

    def __init__(self, app: LeerrouteApplication, capacity: int = 20_000):
        self._app = app
        self._capacity = capacity
        self._cache: OrderedDict[UUID, Trajectory] = OrderedDict()

    def advance(
        self, notifications: Sequence[Notification], decode: Callable[[Notification], Any] | None = None
    ) -> dict[UUID, Trajectory]:
        """Apply the batch; return the trajectories it touched, in their state after it."""
        decode = decode or self._app.mapper.to_domain_event
        touched: dict[UUID, Trajectory] = {}
        for notification in notifications:
            if not notification.topic.startswith(TRAJECTORY_TOPIC_PREFIX):
                continue
            trajectory_id = notification.originator_id
            version = notification.originator_version
            aggregate = self._cache.get(trajectory_id)
            if aggregate is not None and aggregate.version == version - 1:
                aggregate = decode(notification).mutate(aggregate)
            elif aggregate is not None and aggregate.version >= version:
                pass  # already there (seen in an earlier pass)
            elif version == 1:  # the aggregate's first event creates it: nothing to load
                aggregate = decode(notification).mutate(None)
            else:
                aggregate = self._app.repository.get(trajectory_id, version=version)
            self._cache[trajectory_id] = aggregate
            self._cache.move_to_end(trajectory_id)
            touched[trajectory_id] = aggregate
        while len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
        return touched

    def forget(self) -> None:
        self._cache.clear()


class TrajectoryProjection:
    """A projection whose rows are a function of each trajectory's current state."""

    name: str
    tables: Sequence[Table]

    def write(self, session: Session, trajectories: dict[UUID, Trajectory], *, rebuilding: bool = False) -> None:
        """Write the rows of ``trajectories``; ``rebuilding``: the tables are being filled anew
        and ``rebuilt`` is called after the last batch."""
        raise NotImplementedError

    def rebuilt(self, session: Session) -> None:
        """After the last batch of a rebuild, in its transaction."""


@dataclass
class RouteSummaries(TrajectoryProjection):
    """One row per trajectory, placement and deviation: the lists and the worklist."""

    terms: MilestoneTerms
    name: str = "route-summaries"
    tables: Sequence[Table] = (trajectory_summaries, placement_summaries, deviation_summaries)

    def write(self, session: Session, trajectories: dict[UUID, Trajectory], *, rebuilding: bool = False) -> None:
        summaries, placements, deviations = [], [], []
        for trajectory in trajectories.values():
            summaries.append(summary_row(trajectory, self.terms))
            placements.extend(placement_rows(trajectory))
            deviations.extend(deviation_rows(trajectory))
        upsert(session, trajectory_summaries, summaries, ["trajectory_id"])
        upsert(session, placement_summaries, placements, ["placement_id"])
        upsert(session, deviation_summaries, deviations, ["deviation_id"])


@dataclass
class Funnel(TrajectoryProjection):
    """Per trajectory: each stage entered and completed, and each drop-out; and their counts
    per municipality and for the country (``adapters.funnel_counts``)."""

    name: str = "funnel"
    tables: Sequence[Table] = (stage_facts, drop_out_facts, *COUNT_TABLES)

    def write(self, session: Session, trajectories: dict[UUID, Trajectory], *, rebuilding: bool = False) -> None:
        stages, drop_outs = [], []
        for trajectory in trajectories.values():
            scope = {
                "trajectory_id": trajectory.id,
                "municipality": trajectory.municipality,
                "cohort": cohort_of(trajectory.registered_on),
                "target_group": str(trajectory.target_group),
            }
            for fact in domain_stage_facts(trajectory):
                stages.append(
                    {
                        **scope,
                        "stage": str(fact.stage),
                        "entered_on": fact.entered_on,
                        "completed_on": fact.completed_on,
                        "skipped": fact.skipped,
                        "lead_days": fact.lead_days,
                    }
                )
            for fact in domain_drop_out_facts(trajectory):
                drop_outs.append(
                    {**scope, "sequence": fact.sequence, "stage": str(fact.stage), "reason": fact.reason, "dropped_on": fact.on}
                )
        if not rebuilding:  # a rebuild counts the facts once, at the end
            update_counts(session, trajectories, stages, drop_outs)
        replace_rows(session, stage_facts, "trajectory_id", trajectories, stages)
        replace_rows(session, drop_out_facts, "trajectory_id", trajectories, drop_outs)

    def rebuilt(self, session: Session) -> None:
        recount(session)


def summary_row(trajectory: Trajectory, terms: MilestoneTerms) -> dict[str, Any]:
    open_check_ins = trajectory.open_check_ins(terms)
    return {
        "trajectory_id": trajectory.id,
        "municipality": trajectory.municipality,
        "target_group": str(trajectory.target_group),
        "stage": str(trajectory.stage),
        "status": str(trajectory.status),
        "registered_on": trajectory.registered_on,
        "last_step_on": trajectory.last_step_on,
        "version": trajectory.version,
        "cohort": cohort_of(trajectory.registered_on),
        "stalled_since": trajectory.stalled_since if trajectory.is_stalled else None,
        "check_in_due_on": min(open_check_ins, default=None),
        "next_milestone_on": trajectory.next_milestone_on(terms),
    }


def placement_rows(trajectory: Trajectory) -> Iterable[dict[str, Any]]:
    for p in trajectory.placements.values():
        yield {
            "placement_id": p.placement_id,
            "trajectory_id": trajectory.id,
            "municipality": trajectory.municipality,
            "employer_kvk": p.employer_kvk,
            "employer_name": p.employer_name,
            "function": p.function,
            "hours_per_week": p.hours_per_week,
            "level": str(p.level),
            "status": str(p.status),
            "proposed_on": p.proposed_on,
            "confirmed_on": p.confirmed_on,
            "declined_on": p.declined_on,
            "contract_start_on": p.contract_start_on,
            "ended_on": p.ended_on,
            "lasting_on": trajectory.lasting_placements.get(p.placement_id),
        }


def deviation_rows(trajectory: Trajectory) -> Iterable[dict[str, Any]]:
    for d in trajectory.deviations:
        yield {
            "deviation_id": d["id"],
            "trajectory_id": trajectory.id,
            "municipality": trajectory.municipality,
            "rule": str(d["rule"]),
            "starts_on": d["on"],
            "ends_on": d["until"],
            "granted_by": d["granted_by"],
        }


@dataclass
class ProjectionRunner:
    app: LeerrouteApplication
    database_url: str
    projections: Sequence[TrajectoryProjection]
    batch_size: int = 500
    _trackers: dict[str, TrajectoryTracker] = field(default_factory=dict, repr=False)
    _locks: dict[str, threading.Lock] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for projection in self.projections:
            self._trackers[projection.name] = TrajectoryTracker(self.app)
            self._locks[projection.name] = threading.Lock()

    def names(self) -> list[str]:
        return [p.name for p in self.projections]

    def projection(self, name: str) -> TrajectoryProjection:
        for projection in self.projections:
            if projection.name == name:
                return projection
        raise KeyError(name)

    def position(self, name: str) -> int:
        with read_session(self.database_url) as session:
            value = session.execute(
                select(projection_positions.c.position).where(projection_positions.c.name == name)
            ).scalar_one_or_none()
        return value or 0

    def lowest_position(self) -> int:
        with read_session(self.database_url) as session:
            rows = dict(session.execute(select(projection_positions.c.name, projection_positions.c.position)).all())
        return min((rows.get(p.name, 0) for p in self.projections), default=0)

    def catch_up(self, *, on_batch: Callable[[int], None] | None = None) -> int:
        """Bring every projection up to the end of the log; returns how many events were read.

        Projections at the same position (the usual case) go forward together: one transaction
        per batch, the batch read once, on the connection that holds their positions. One that
        lags behind (after a rebuild of another) is moved up to the next one's position first.
        """
        applied = 0
        with ExitStack() as stack:
            for projection in self.projections:
                stack.enter_context(self._locks[projection.name])
            while True:
                count, all_together = self._run_shared_batch()
                if on_batch is not None and count:
                    on_batch(count)
                applied += count
                if all_together and count < self.batch_size:
                    return applied

    def _run_shared_batch(self) -> tuple[int, bool]:
        """One batch for the projections with the lowest position; returns the events read and
        whether every projection was at that position."""
        try:
            with write_session(self.database_url) as session:
                positions = self._lock_positions(session, self.names())
                low = min(positions.values())
                group = [p for p in self.projections if positions[p.name] == low]
                stop = min((pos for pos in positions.values() if pos > low), default=None)
                notifications = self._notifications_after(session, low, stop=stop)
                if notifications:
                    decode = BatchDecoder(self.app)
                    for projection in group:
                        self._write(projection, session, self._trackers[projection.name], notifications, decode=decode)
                    self._set_positions(session, [p.name for p in group], notifications[-1].id)
                elif stop is not None:  # no events up to the next position (ids can have gaps)
                    self._set_positions(session, [p.name for p in group], stop)
                return len(notifications), stop is None
        except BaseException:
            for tracker in self._trackers.values():
                tracker.forget()  # a cache may be ahead of what was committed
            raise

    def _notifications_after(self, session: Session, position: int, *, stop: int | None = None) -> list[Notification]:
        """The next batch of the log after ``position`` (up to ``stop``), read in ``session``."""
        e = events
        query = (
            select(e.c.id, e.c.originator_id, e.c.originator_version, e.c.topic, e.c.state)
            .where(e.c.id > position)
            .order_by(e.c.id)
            .limit(self.batch_size)
        )
        if stop is not None:
            query = query.where(e.c.id <= stop)
        return [
            Notification(id=row.id, originator_id=row.originator_id, originator_version=row.originator_version,
                         topic=row.topic, state=bytes(row.state))
            for row in session.execute(query)
        ]

    def _lock_positions(self, session: Session, names: Sequence[str]) -> dict[str, int]:
        """Lock the position rows of ``names`` (created at 0 when missing), always in the order
        of their names, so that two runners never wait for each other's rows."""
        p = projection_positions
        dialect = session.get_bind().dialect.name
        query = select(p.c.name, p.c.position).where(p.c.name.in_(list(names))).order_by(p.c.name)
        if dialect == "postgresql":
            query = query.with_for_update()
        positions = {name: int(position) for name, position in session.execute(query)}
        if len(positions) < len(set(names)):
            insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
            session.execute(insert_fn(p).on_conflict_do_nothing(index_elements=["name"]),
                            [{"name": name, "position": 0} for name in names if name not in positions])
            positions = {name: int(position) for name, position in session.execute(query)}
        return positions

    @staticmethod
    def _set_positions(session: Session, names: Sequence[str], position: int) -> None:
        session.execute(
            update(projection_positions).where(projection_positions.c.name.in_(list(names))).values(position=position)
        )

    def rebuild(self, name: str, *, on_batch: Callable[[int], None] | None = None) -> int:
        """Replay the whole log into fresh tables of one projection, in one transaction."""
        return self.rebuild_all([name], on_batch=on_batch)

    def rebuild_all(self, names: Sequence[str] | None = None, *, on_batch: Callable[[int], None] | None = None) -> int:
        """Replay the whole log once into fresh tables of the named projections (all when None),
        in one transaction: each event is read and decoded once and fed to every projection."""
        wanted = {self.projection(n).name for n in (names or self.names())}
        projections = [p for p in self.projections if p.name in wanted]  # the runner's order: no lock-order deadlock
        tracker = TrajectoryTracker(self.app)
        replayed = 0
        with ExitStack() as stack:
            for projection in projections:
                stack.enter_context(self._locks[projection.name])
            session = stack.enter_context(write_session(self.database_url))
            self._lock_positions(session, [p.name for p in projections])
            for projection in projections:
                for table in projection.tables:
                    session.execute(delete(table))
            position = 0
            while True:
                notifications = self._notifications_after(session, position)
                if not notifications:
                    break
                decode = BatchDecoder(self.app)
                for projection in projections:  # trajectory projections share the tracker's states
                    self._write(projection, session, tracker, notifications, rebuilding=True, decode=decode)
                position = notifications[-1].id
                replayed += len(notifications)
                if on_batch is not None:
                    on_batch(len(notifications))
            for projection in projections:
                rebuilt = getattr(projection, "rebuilt", None)
                if rebuilt is not None:
                    rebuilt(session)
            self._set_positions(session, [p.name for p in projections], position)
        for projection in projections:
            self._trackers[projection.name].forget()
        return replayed

    def _write(
        self,
        projection: TrajectoryProjection,
        session: Session,
        tracker: TrajectoryTracker,
        notifications: Sequence[Notification],
        *,
        rebuilding: bool = False,
        decode: Callable[[Notification], Any] | None = None,
    ) -> None:
        """A projection of trajectories gets their state after the batch; one that reads other
        aggregates too (``write_notifications``) gets the batch itself. ``decode``: the batch's
        events, decoded once for all projections."""
        decode = decode or BatchDecoder(self.app)
        write_notifications = getattr(projection, "write_notifications", None)
        if write_notifications is not None:
            write_notifications(session, self.app, notifications, decode=decode)
        else:
            projection.write(session, tracker.advance(notifications, decode), rebuilding=rebuilding)

    def log_size(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def wait_for(self, position: int, timeout: float) -> bool:
        """Bounded wait until every projection has reached ``position``."""
        deadline = time.monotonic() + timeout
        delay = 0.005
        pause = threading.Event()
        while self.lowest_position() < position:
            if time.monotonic() >= deadline:
                return False
            pause.wait(delay)
            delay = min(delay * 2, 0.1)
        return True
