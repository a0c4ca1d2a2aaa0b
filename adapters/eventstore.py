"""The event store: the log, kept by the eventsourcing library (eventsourcing-sqlalchemy) on the
shared engine.

``EventStore`` is the library's ``Application`` used as an adapter: its mapper encodes and
decodes events (with the transcodings below), its recorder inserts them in the caller's session
(with each event's hash-chain record, ``adapters.hash_chain``, and without the library's
``NOTIFY``), and its repository reads aggregates outside a transaction. The service layer
(``leerroute.service``) reads and writes through the unit of work, which uses this.

The events table (``leerroute_events``) is created by an Alembic migration, like every other
table, so the library is told not to create tables itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder, StoredEvent, Transcoding
from eventsourcing.utils import Environment
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy import bindparam, case, select
from sqlalchemy.orm import Session

from adapters.database import get_engine, session_factory
from adapters.hash_chain import HashChainedRecorder
from adapters.tables import events
from domain.values import Actor, Role


class QuietApplicationRecorder(SQLAlchemyApplicationRecorder):
    """The library's recorder without its ``NOTIFY`` after every insert: nothing here LISTENs
    (the workers are told through dramatiq), and a NOTIFY costs a round trip and serialises
    commits on a database-wide lock."""

    def _notify_channel(self, session: Session) -> None:
        pass


class LeerrouteRecorder(HashChainedRecorder, QuietApplicationRecorder):
    """Events with their hash-chain records, and no NOTIFY."""


class LeerrouteFactory(SQLAlchemyFactory):
    """Builds the library's recorders on the engine from ``adapters.database``."""

    application_recorder_class = LeerrouteRecorder

    def __init__(self, env: Environment):
        super(SQLAlchemyFactory, self).__init__(env)
        self._schema_name = None
        url = self.env.get(self.SQLALCHEMY_URL)
        if not url:
            raise OSError("SQLALCHEMY_URL is not set")
        self.datastore = SQLAlchemyDatastore(session_maker=session_factory(url))


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ActorAsDict(Transcoding):
    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict[str, str]:
        return obj.as_dict()

    def decode(self, data: dict[str, Any]) -> Actor:
        return Actor(subject=data["subject"], role=Role(data["role"]), organisation=data["organisation"], source=data.get("source"))


def register_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    transcoder.register(ActorAsDict())


def event_store_env(database_url: str) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": f"{LeerrouteFactory.__module__}:{LeerrouteFactory.__qualname__}",
        "SQLALCHEMY_URL": database_url,
        "CREATE_TABLE": "no",
    }


# Built once (its compiled form is cached by the engine): every event of one aggregate.
_ONE_AGGREGATE = (select(events.c.originator_version, events.c.topic, events.c.state)
                  .where(events.c.originator_id == bindparam("id")).order_by(events.c.originator_version))


class EventStore(Application):
    """The log of every aggregate (trajectories, candidates, agreements, claims)."""

    name = "Leerroute"  # the library names the events table after it: leerroute_events

    def __init__(self, database_url: str, *, factory: type[LeerrouteFactory] = LeerrouteFactory):
        env = event_store_env(database_url)
        env["PERSISTENCE_MODULE"] = f"{factory.__module__}:{factory.__qualname__}"
        super().__init__(env)
        self._url = database_url

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    def aggregate(self, aggregate_id: UUID, *, version: int | None = None) -> Any | None:
        """An aggregate as committed, read outside any transaction; None when there is none. One
        indexed query on a pooled connection, decoded here (the library's repository reads
        through the ORM, which cost an answer to a write as much CPU as the command itself)."""
        wanted = aggregate_id if isinstance(aggregate_id, UUID) else UUID(str(aggregate_id))
        with get_engine(self._url).connect() as connection:
            rows = connection.execute(_ONE_AGGREGATE, {"id": wanted}).all()
        return self.replay(self.decode(wanted, *row) for row in rows if version is None or row[0] <= version)

    def history(self, aggregate_id: UUID) -> list[Any]:
        """Every event of one aggregate, decoded, in version order."""
        return list(self.events.get(aggregate_id))

    def events_in(self, session: Session, aggregate_ids: Iterable[UUID], *, version: int | None = None) -> dict[UUID, list[Any]]:
        """The decoded events of several aggregates (up to ``version``), in version order, read in
        one query on ``session``: on a command's own connection, after its lock; for a
        projection's batch, one round trip instead of one per aggregate."""
        ids = [i if isinstance(i, UUID) else UUID(str(i)) for i in aggregate_ids]  # rows come back as UUIDs
        histories: dict[UUID, list[Any]] = {i: [] for i in ids}
        if not ids:
            return histories
        # One aggregate (a command's) by equality, several (a projection's batch) by IN; the rows
        # fetched at once: both cheaper than IN of one and row-by-row fetching.
        which = events.c.originator_id == ids[0] if len(ids) == 1 else events.c.originator_id.in_(ids)
        query = (
            select(events.c.originator_id, events.c.originator_version, events.c.topic, events.c.state)
            .where(which)
            .order_by(events.c.originator_id, events.c.originator_version)
        )
        if version is not None:
            query = query.where(events.c.originator_version <= version)
        for aggregate_id, number, topic, state in session.execute(query).all():
            stored = StoredEvent(originator_id=aggregate_id, originator_version=number, topic=topic, state=bytes(state))
            histories[aggregate_id].append(self.mapper.to_domain_event(stored))
        return histories

    def rows_from(self, session: Session, aggregate_id: UUID, after: int) -> list[tuple[Any, ...]]:
        """(version, topic, state) of one aggregate's events from version ``after`` on, that
        version's state left out (``adapters.pg_trips.events_after`` on PostgreSQL)."""
        query = (
            select(events.c.originator_version, events.c.topic,
                   case((events.c.originator_version > after, events.c.state), else_=None))
            .where(events.c.originator_id == aggregate_id, events.c.originator_version >= after)
            .order_by(events.c.originator_version)
        )
        return [tuple(row) for row in session.execute(query).all()]

    def decode(self, aggregate_id: UUID, version: int, topic: str, state: bytes) -> Any:
        """One stored event as its domain event."""
        stored = StoredEvent(originator_id=aggregate_id, originator_version=version, topic=topic, state=bytes(state))
        return self.mapper.to_domain_event(stored)

    def stored_events(self, *aggregates: Aggregate) -> list[StoredEvent]:
        """The aggregates' new events, collected and encoded as the library stores them (for a
        recorder of the caller's own: ``adapters.pg_trips``)."""
        return [self.mapper.to_stored_event(e) for a in aggregates for e in a.collect_events()]

    @staticmethod
    def replay(history: Iterable[Any]) -> Aggregate | None:
        aggregate = None
        for domain_event in history:
            aggregate = domain_event.mutate(aggregate)
        return aggregate

    def save_in(self, session: Session, *aggregates: Aggregate) -> int | None:
        """Record the aggregates' new events in ``session``; the log position of the last one."""
        recordings = self.save(*aggregates, session=session)
        return recordings[-1].notification.id if recordings else None

    def recorded_at(self, row: Any) -> Any:
        """When the event of a row of the events table was recorded (its timestamp)."""
        stored = StoredEvent(originator_id=row.originator_id, originator_version=row.originator_version, topic=row.topic,
                             state=bytes(row.state))
        return self.mapper.to_domain_event(stored).timestamp  # type: ignore[attr-defined]

    def log_size(self) -> int:
        return self.recorder.max_notification_id() or 0


def originator(event: StoredEvent | Any) -> UUID:
    """The aggregate id of a stored event or notification: leerroute's aggregate ids are UUIDs
    (the library also allows strings)."""
    return cast(UUID, event.originator_id)
