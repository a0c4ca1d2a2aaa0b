"""The projection runner: reads the log from each projection's last position onward, in
batches, and writes each batch's rows and the new position in one transaction (the position row
is locked first), so a batch processed twice is never counted twice and a crash leaves nothing
half-applied. Projections at the same position share one batch, read and decoded once.

An event a projection cannot process stops that projection alone: its batch is rolled back to
a savepoint, the events before the bad one are applied, and the event's position and the error
are recorded (``adapters.projection_failures``); the other projections go on. ``resume`` lets it
try again from there (after a fix), without a rebuild.

A rebuild replays the whole log into the projections' tables inside one transaction: readers
keep seeing the old rows until the new ones are complete, and a rebuild that is killed leaves
the old tables and position exactly as they were.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from adapters import projection_failures as failures
from adapters.database import read_session, write_session
from adapters.eventstore import EventStore, originator
from adapters.projections import Projection, TrajectoryProjection
from adapters.tables import (
    events,
    projection_positions,
)
from adapters.upserts import driver_connection
from domain.trajectory import Trajectory

TRAJECTORY_TOPIC_PREFIX = f"{Trajectory.__module__}:{Trajectory.__qualname__}."

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProjectionState:
    """How far a projection has read, and why it stopped (None: it runs)."""

    name: str
    position: int
    stopped: failures.Failure | None


class BatchDecoder:
    """Decodes the events of one batch once, for every projection that needs them. The event
    objects are shared: applying one to an aggregate copies what the aggregate keeps of it
    (``Trajectory`` keeps no mutable value of an event as it is)."""

    def __init__(self, store: EventStore) -> None:
        self._to_domain_event = store.mapper.to_domain_event
        self._decoded: dict[int, Any] = {}

    def __call__(self, notification: Notification) -> Any:
        event = self._decoded.get(notification.id)
        if event is None:
            event = self._decoded[notification.id] = self._to_domain_event(notification)
        return event


class TrajectoryTracker:
    """Trajectories as of the notifications seen so far, moved forward event by event."""

    def __init__(self, store: EventStore, capacity: int = 20_000):
        self._store = store
        self._capacity = capacity
        self._cache: OrderedDict[UUID, Trajectory] = OrderedDict()

    def advance(
        self, notifications: Sequence[Notification], decode: Callable[[Notification], Any] | None = None
    ) -> dict[UUID, Trajectory]:
        """Apply the batch; return the trajectories it touched, in their state after it."""
        decode_event: Callable[[Notification], Any] = decode or self._store.mapper.to_domain_event
        touched: dict[UUID, Trajectory] = {}
        for notification in notifications:
            if not notification.topic.startswith(TRAJECTORY_TOPIC_PREFIX):
                continue
            trajectory_id = originator(notification)
            version = notification.originator_version
            aggregate = self._cache.get(trajectory_id)
            if aggregate is not None and aggregate.version == version - 1:
                aggregate = decode_event(notification).mutate(aggregate)
            elif aggregate is not None and aggregate.version >= version:
                pass  # already there (seen in an earlier pass)
            elif version == 1:  # the aggregate's first event creates it: nothing to load
                aggregate = decode_event(notification).mutate(None)
            else:
                aggregate = self._store.repository.get(trajectory_id, version=version)
            self._cache[trajectory_id] = aggregate
            self._cache.move_to_end(trajectory_id)
            touched[trajectory_id] = aggregate
        while len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
        return touched

    def forget(self) -> None:
        self._cache.clear()


class _SharedTracker:
    """The trajectories as of one log position, for every projection that stands there: a
    catch-up moves them forward once per batch, however many projections read them."""

    def __init__(self, tracker: TrajectoryTracker) -> None:
        self._tracker = tracker
        self._position: int | None = None

    def advance(self, position: int, notifications: Sequence[Notification], decode: BatchDecoder) -> dict[UUID, Trajectory]:
        if self._position != position:
            self._tracker.forget()  # it stands elsewhere: load what the batch needs at its version
        touched = self._tracker.advance(notifications, decode)
        self._position = notifications[-1].id
        return touched

    def forget(self) -> None:
        self._tracker.forget()
        self._position = None


@dataclass
class ProjectionRunner:
    """``batch_size``: events per transaction of a catch-up (a small lag reads what there is);
    ``rebuild_batch_size``: events read at a time by a rebuild, whose trajectory projections
    write a trajectory's rows once per ``rebuild_flush`` trajectories touched, not per batch."""

    store: EventStore
    database_url: str
    projections: Sequence[Projection]
    batch_size: int = 2000
    rebuild_batch_size: int = 5000
    rebuild_flush: int = 5000
    _trackers: dict[str, TrajectoryTracker] = field(default_factory=dict, repr=False)
    _locks: dict[str, threading.Lock] = field(default_factory=dict, repr=False)
    _shared: _SharedTracker = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for projection in self.projections:
            self._trackers[projection.name] = TrajectoryTracker(self.store)
            self._locks[projection.name] = threading.Lock()
        self._shared = _SharedTracker(TrajectoryTracker(self.store))

    def names(self) -> list[str]:
        return [p.name for p in self.projections]

    def projection(self, name: str) -> Projection:
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
        """The lowest position of the projections that run (a stopped one does not hold up
        the reads that wait for a position; it shows on the health and metrics instead)."""
        with read_session(self.database_url) as session:
            rows: dict[str, int] = dict(session.execute(select(projection_positions.c.name, projection_positions.c.position)).tuples().all())
            stopped = failures.stopped(session)
        return min((rows.get(p.name, 0) for p in self.projections if p.name not in stopped), default=self.log_size())

    def states(self) -> list[ProjectionState]:
        with read_session(self.database_url) as session:
            rows: dict[str, int] = dict(session.execute(select(projection_positions.c.name, projection_positions.c.position)).tuples().all())
            stopped = failures.stopped(session)
        return [ProjectionState(p.name, int(rows.get(p.name, 0)), stopped.get(p.name)) for p in self.projections]

    def resume(self, names: Sequence[str] | None = None) -> list[str]:
        """Let stopped projections (all when None) try again from where they stopped; returns
        the names that were stopped."""
        wanted = [self.projection(n).name for n in (names or self.names())]
        with write_session(self.database_url) as session:
            was = [n for n in wanted if n in failures.stopped(session)]
            failures.clear(session, wanted)
        return was

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
                stopped = failures.stopped(session)
                running = [p for p in self.projections if p.name not in stopped]
                if not running:
                    return 0, True
                positions = self._lock_positions(session, [p.name for p in running])
                low = min(positions.values())
                group = [p for p in running if positions[p.name] == low]
                stop = min((pos for pos in positions.values() if pos > low), default=None)
                notifications = self._notifications_after(session, low, stop=stop)
                if notifications:
                    decode = BatchDecoder(self.store)
                    # The trajectories after the batch, moved forward once for every projection
                    # of the group (they all stand at ``low``).
                    touched: dict[UUID, Trajectory] | None = None
                    if any(isinstance(p, TrajectoryProjection) for p in group):
                        try:
                            touched = self._shared.advance(low, notifications, decode)
                        except Exception:  # each projection moves them itself, and stops where it fails
                            self._shared.forget()
                    done = self._write_group(group, session, notifications, decode, touched)
                    self._set_positions(session, done, notifications[-1].id)
                elif stop is not None:  # no events up to the next position (ids can have gaps)
                    self._set_positions(session, [p.name for p in group], stop)
                return len(notifications), stop is None
        except BaseException:
            for tracker in self._trackers.values():
                tracker.forget()  # a cache may be ahead of what was committed
            self._shared.forget()
            raise

    def _write_group(
        self, group: Sequence[Projection], session: Session, notifications: Sequence[Notification], decode: BatchDecoder,
        touched: dict[UUID, Trajectory] | None,
    ) -> list[str]:
        """Write the batch into every projection of the group inside one savepoint (two round
        trips, not two per projection); when one fails, the savepoint is rolled back and each
        projection writes the batch in a savepoint of its own (``_write_isolated``), so that
        only the failing one stops. Returns the names of those that applied the whole batch."""
        try:
            with session.begin_nested():
                for projection in group:
                    self._trackers[projection.name].forget()  # a projection of its own reads the touched ones
                    self._write(projection, session, self._trackers[projection.name], notifications, decode=decode, touched=touched)
            return [p.name for p in group]
        except Exception:
            pass  # found again below, in the projection that fails
        done = []
        for projection in group:
            if self._write_isolated(projection, session, notifications, decode, touched):
                done.append(projection.name)
            else:
                self._shared.forget()
        return done

    def _write_isolated(
        self, projection: Projection, session: Session, notifications: Sequence[Notification], decode: BatchDecoder,
        touched: dict[UUID, Trajectory] | None,
    ) -> bool:
        """Write the batch into one projection inside a savepoint; when it fails, apply the
        events before the one it fails on, record that event and stop the projection there.
        Returns whether the whole batch was applied."""
        tracker = self._trackers[projection.name]
        tracker.forget()  # the event-by-event path below loads what it needs at its version
        try:
            with session.begin_nested():
                self._write(projection, session, tracker, notifications, decode=decode, touched=touched)
            return True
        except Exception:
            tracker.forget()
        applied = None
        for notification in notifications:  # one at a time, to find the event it fails on
            try:
                with session.begin_nested():
                    self._write(projection, session, tracker, [notification], decode=decode)
                applied = notification.id
            except Exception as error:
                tracker.forget()
                log.error(
                    "projection %s stopped at log position %s (%s): %s", projection.name, notification.id, notification.topic,
                    error, exc_info=error,
                )
                failures.record(session, projection.name, notification.id, notification.topic, error)
                break
        else:
            return True  # the batch failed as a whole, yet no single event did: it is applied now
        if applied is not None:
            self._set_positions(session, [projection.name], applied)
        return False

    def _notifications_after(
        self, session: Session, position: int, *, stop: int | None = None, limit: int | None = None
    ) -> list[Notification]:
        """The next batch of the log after ``position`` (up to ``stop``), read in ``session``; on
        PostgreSQL through the driver's own cursor (its rows need no conversion: ``uuid``, ``bytea``)."""
        if session.get_bind().dialect.name == "postgresql":
            return self._notifications_after_pg(session, position, stop=stop, limit=limit or self.batch_size)
        e = events
        query = (
            select(e.c.id, e.c.originator_id, e.c.originator_version, e.c.topic, e.c.state)
            .where(e.c.id > position)
            .order_by(e.c.id)
            .limit(limit or self.batch_size)
        )
        if stop is not None:
            query = query.where(e.c.id <= stop)
        return [
            Notification(id=row.id, originator_id=row.originator_id, originator_version=row.originator_version,
                         topic=row.topic, state=bytes(row.state))
            for row in session.execute(query)
        ]

    @staticmethod
    def _notifications_after_pg(session: Session, position: int, *, stop: int | None, limit: int) -> list[Notification]:
        query = f"SELECT id, originator_id, originator_version, topic, state FROM {events.name} WHERE id > %s"
        params: list[int] = [position]
        if stop is not None:
            query += " AND id <= %s"
            params.append(stop)
        connection = driver_connection(session)
        with connection.cursor() as cursor:
            rows = cursor.execute(query + " ORDER BY id LIMIT %s", [*params, limit]).fetchall()
        return [
            Notification(id=i, originator_id=originator_id, originator_version=version, topic=topic, state=state)
            for i, originator_id, version, topic, state in rows
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
        tracker = TrajectoryTracker(self.store)
        replayed = 0
        with ExitStack() as stack:
            for projection in projections:
                stack.enter_context(self._locks[projection.name])
            session = stack.enter_context(write_session(self.database_url))
            self._lock_positions(session, [p.name for p in projections])
            for projection in projections:
                for table in projection.tables:
                    session.execute(delete(table))
                start = getattr(projection, "start_rebuild", None)
                if start is not None:
                    start()
            position = 0
            dirty: dict[UUID, Trajectory] = {}  # touched since the trajectory projections last wrote
            by_trajectory = [p for p in projections if isinstance(p, TrajectoryProjection)]
            by_batch = [p for p in projections if not isinstance(p, TrajectoryProjection)]
            while True:
                notifications = self._notifications_after(session, position, limit=self.rebuild_batch_size)
                if notifications:
                    decode = BatchDecoder(self.store)
                    if by_trajectory:
                        dirty.update(tracker.advance(notifications, decode))
                    for projection in by_batch:
                        self._write(projection, session, tracker, notifications, rebuilding=True, decode=decode)
                # A trajectory's rows follow from its state alone: written once per flush, in its
                # state after the last batch read (the tracker keeps the touched ones in memory).
                if dirty and (not notifications or len(dirty) >= self.rebuild_flush):
                    for projection in by_trajectory:
                        assert isinstance(projection, TrajectoryProjection)
                        projection.write(session, dirty, rebuilding=True)
                    dirty = {}
                if not notifications:
                    break
                position = notifications[-1].id
                replayed += len(notifications)
                if on_batch is not None:
                    on_batch(len(notifications))
            for projection in projections:
                rebuilt = getattr(projection, "rebuilt", None)
                if rebuilt is not None:
                    rebuilt(session)
            self._set_positions(session, [p.name for p in projections], position)
            failures.clear(session, [p.name for p in projections])  # rebuilt through the whole log: running again
        for projection in projections:
            self._trackers[projection.name].forget()
        return replayed

    def _write(
        self,
        projection: Projection,
        session: Session,
        tracker: TrajectoryTracker,
        notifications: Sequence[Notification],
        *,
        rebuilding: bool = False,
        decode: Callable[[Notification], Any] | None = None,
        touched: dict[UUID, Trajectory] | None = None,
    ) -> None:
        """A projection of trajectories gets their state after the batch (``touched``, when the
        caller moved them forward already); one that reads other aggregates too
        (``write_notifications``) gets the batch itself. ``decode``: the batch's events, decoded
        once for all projections."""
        decode = decode or BatchDecoder(self.store)
        write_notifications = getattr(projection, "write_notifications", None)
        if write_notifications is not None:
            write_notifications(session, self.store, notifications, decode=decode, rebuilding=rebuilding)
        else:
            assert isinstance(projection, TrajectoryProjection)
            if touched is None:
                touched = tracker.advance(notifications, decode)
            projection.write(session, touched, rebuilding=rebuilding)

    def log_size(self) -> int:
        return self.store.recorder.max_notification_id() or 0

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
