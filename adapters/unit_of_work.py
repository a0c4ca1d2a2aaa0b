"""The unit of work on SQLite or PostgreSQL: one write transaction per command.

- Everything a command writes goes into the transaction of ``write_session`` (``BEGIN IMMEDIATE``
  on SQLite, so writers queue for the write lock up front): the events and their hash-chain
  records, the candidate's key and BSN lookup row, the access-log entry, the idempotency record.
- ``lock`` takes a transaction-scoped advisory lock on PostgreSQL, so writers of one aggregate
  read it one after the other; on SQLite every write transaction is serialised already.
- A unique-index violation (the same aggregate version, the same BSN in a municipality) is a
  ``Conflict``: the service layer runs the command again on the new state.
- An idempotency key is taken with ``INSERT ... ON CONFLICT DO NOTHING`` on its primary key: a
  second request with the key waits there until the first one's transaction ends, and then
  finds its record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import datetime
from typing import Any
from uuid import UUID

import eventsourcing.persistence as es_persistence
import psycopg
import sqlalchemy.exc
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from adapters import import_store, notification_store
from adapters import route_models as route_model_rows
from adapters.access_log import Access, AccessLog
from adapters.aggregate_cache import AggregateCache
from adapters.clock import Clock
from adapters.database import Executor, advisory_key, lock_aggregate, scrub_deleted_data, write_session
from adapters.eventstore import EventStore
from adapters.hash_chain import event_digest
from adapters.personal_data import PersonalDataVault
from adapters.pg_trips import Deferred, Trips, events_after
from adapters.pseudonyms import Pseudonymiser
from adapters.tables import idempotency_records
from domain.candidate import PersonalData
from domain.money import LoggedEvent, logged
from domain.route_models import RouteModel, RouteVariant
from domain.trajectory import Trajectory
from domain.values import Actor
from leerroute.route_models import RouteModels
from leerroute.unit_of_work import Conflict, RequestKey, StoredOutcome, StoredRequest

CONFLICTS = (sqlalchemy.exc.IntegrityError, es_persistence.IntegrityError, psycopg.IntegrityError)


class SqlUnitOfWork:
    def __init__(
        self,
        database_url: str,
        store: EventStore,
        vault: PersonalDataVault,
        pseudonymise: Pseudonymiser,
        access_log: AccessLog,
        clock: Clock,
        secret_box: notification_store.SecretBox | None = None,
        route_models: route_model_rows.RouteModelCatalogue | RouteModels | None = None,
        cache: AggregateCache | None = None,
    ):
        self._url = database_url
        self._store = store
        self._vault = vault
        self._pseudonymise = pseudonymise
        self._access_log = access_log
        self._clock = clock
        self._secret_box = secret_box
        self._route_models = route_models
        self._cache = cache
        self._stack: ExitStack | None = None
        self._session: Session | None = None
        self._trips: Trips | None = None
        self._committed = False
        self._after_commit: list[Callable[[], None]] = []
        self._histories: dict[UUID, list[Any]] = {}
        self._saved: dict[UUID, Any] = {}
        self._read: dict[UUID, Any] = {}
        self._position: int | None = None
        self._session_models: route_model_rows.SessionRouteModels | None = None

    # -- the transaction ---------------------------------------------------------------------------

    def _begin(self, session: Session, *, trips: bool) -> None:
        self._session = session
        self._committed = False
        self._after_commit = []
        self._histories = {}
        self._saved = {}
        self._read = {}
        self._position = None
        self._session_models = None
        self._trips = None
        if trips and session.get_bind().dialect.name == "postgresql":
            self._trips = Trips(session.connection())

    def __enter__(self) -> SqlUnitOfWork:
        self._stack = ExitStack()
        self._begin(self._stack.enter_context(write_session(self._url)), trips=True)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._stack is not None and self._session is not None
        try:
            if self._trips is not None:
                self._trips.close()
            if not self._committed:
                self._session.rollback()
        finally:
            self._stack.__exit__(*exc)  # type: ignore[arg-type]
        if self._committed and exc[0] is None:
            for action in self._after_commit:
                action()

    @property
    def session(self) -> Session:
        """The transaction's session, for statements that are not queued: what is queued goes
        first, so the order of the writes is kept."""
        assert self._session is not None, "the unit of work is used inside `with`"
        if self._trips is not None:
            self._trips.send()
        return self._session

    @property
    def _sink(self) -> Executor:
        """Where a write goes: the queue on PostgreSQL, the session otherwise."""
        if self._trips is not None:
            return Deferred(self._trips)
        return self.session

    @property
    def route_models(self) -> RouteModels:
        """The published ones as this transaction sees them (or those the unit of work was given)."""
        assert self._route_models is not None, "a unit of work for route models is given them"
        if isinstance(self._route_models, route_model_rows.RouteModelCatalogue):
            if self._session_models is None:
                self._session_models = self._route_models.in_session(lambda: self.session)
            return self._session_models
        return self._route_models

    def commit(self) -> int | None:
        assert self._session is not None, "the unit of work is used inside `with`"
        try:
            if self._trips is not None:
                self._trips.send(commit=True)
            self._session.commit()
        except CONFLICTS as error:
            raise Conflict(str(error)) from error
        self._committed = True
        if self._cache is not None:
            # What this transaction saved, and what it read unchanged: committed state, both.
            for aggregate_id, aggregate in {**self._read, **self._saved}.items():
                if aggregate_id in self._saved or not aggregate.pending_events:
                    self._cache.put(aggregate)
        return self._position

    # -- aggregates ---------------------------------------------------------------------------------

    def lock(self, aggregate_id: UUID) -> None:
        if self._trips is not None:
            self._trips.add(f"SELECT pg_advisory_xact_lock({advisory_key(aggregate_id)})")
        else:
            lock_aggregate(self.session, aggregate_id)

    def _rows(self, aggregate_id: UUID, after: int) -> list[tuple[Any, ...]]:
        """(version, topic, state) of the aggregate's events from version ``after`` on; that
        version's own state is left out (0: every event)."""
        sql, params = events_after(aggregate_id, after)
        if self._trips is not None:
            rows: list[tuple[Any, ...]] = []
            self._trips.add(sql, params, rows.extend)
            self._trips.send()
            return rows
        return self._store.rows_from(self.session, aggregate_id, after)

    def _history(self, aggregate_id: UUID) -> list[Any]:
        history = self._histories.get(aggregate_id)
        if history is None:
            history = self._histories[aggregate_id] = [self._store.decode(aggregate_id, *row) for row in self._rows(aggregate_id, 0)]
        return history

    def get(self, aggregate_id: UUID, *, version: int | None = None) -> Any | None:
        if version is not None or aggregate_id in self._histories or self._cache is None or aggregate_id in self._saved:
            history = self._history(aggregate_id)
            if version is not None:
                history = [e for e in history if e.originator_version <= version]
            return self._store.replay(history)
        cached = self._cache.take(aggregate_id)
        after = cached.version if cached is not None else 0
        rows = self._rows(aggregate_id, after)
        if cached is not None and (not rows or rows[0][0] != after):
            cached, after, rows = None, 0, self._rows(aggregate_id, 0)  # the database does not hold the cached version
        aggregate = cached
        for number, topic, state in rows:
            if number > after:
                aggregate = self._store.decode(aggregate_id, number, topic, state).mutate(aggregate)
        if aggregate is not None:
            self._read[aggregate_id] = aggregate
        return aggregate

    def events(self, aggregate_id: UUID) -> list[LoggedEvent]:
        return [logged(e) for e in self._history(aggregate_id)]

    def save(self, *aggregates: Any) -> None:
        for aggregate in aggregates:
            self._histories.pop(aggregate.id, None)
            self._saved[aggregate.id] = aggregate
        if self._trips is None:
            try:
                position = self._store.save_in(self.session, *aggregates)
            except CONFLICTS as error:
                raise Conflict(str(error)) from error
            if position is not None:
                self._position = position
        else:
            stored = self._store.stored_events(*aggregates)
            if stored:
                digests = [event_digest(e.originator_id, e.topic, e.state) for e in stored]
                self._trips.add_events(stored, digests, self._positioned)
        for aggregate in aggregates:  # the read model of versions and variants, in this transaction
            if isinstance(aggregate, (RouteModel, RouteVariant)):
                route_model_rows.record(self.session, aggregate)  # after the events (the queue goes first)

    def _positioned(self, positions: list[int]) -> None:
        self._position = max(positions)

    def flush(self) -> int | None:
        if self._trips is not None and self._trips.pending:
            try:
                self._trips.send()
            except CONFLICTS as error:
                raise Conflict(str(error)) from error
        return self._position

    # -- the candidate's personal data ----------------------------------------------------------------

    def _bsn_digest(self, bsn: str) -> str:
        return self._pseudonymise(bsn, purpose="bsn")

    def find_candidate(self, municipality: str, bsn: str) -> UUID | None:
        if self._trips is None:
            return self._vault.find(municipality, self._bsn_digest(bsn), session=self.session)
        rows: list[tuple[Any, ...]] = []
        self._trips.add_statement(self._vault.lookup(municipality, self._bsn_digest(bsn)), rows.extend)
        self._trips.send()
        return rows[0][0] if rows else None

    def seal(self, candidate_id: UUID, person: PersonalData) -> str:
        return self._vault.seal(self._sink, candidate_id, person)

    def remember_candidate(self, municipality: str, bsn: str, candidate_id: UUID) -> None:
        try:
            self._vault.remember(self._sink, municipality, self._bsn_digest(bsn), candidate_id)
        except CONFLICTS as error:
            raise Conflict(str(error)) from error

    def destroy_personal_data(self, candidate_id: UUID) -> None:
        self._vault.destroy(self.session, candidate_id)
        import_store.forget_candidate(self.session, candidate_id)
        # On SQLite an old page image with the key could stay in the WAL: empty it after the commit.
        self._after_commit.append(lambda: scrub_deleted_data(self._url))

    # -- the access log ------------------------------------------------------------------------------

    def record_access(self, actor: Actor, trajectories: Sequence[Trajectory], *, activity: str, trace_id: str) -> None:
        accesses = [Access(t.id, t.municipality, self._pseudonymise.candidate(t.candidate_id)) for t in trajectories]
        self._access_log.record(self._sink, actor, accesses, activity=activity, trace_id=trace_id)

    # -- idempotency records ---------------------------------------------------------------------------

    def claim_request(self, key: RequestKey) -> Callable[[], StoredRequest | None]:
        records = idempotency_records
        assert self._session is not None, "the unit of work is used inside `with`"
        insert = postgresql.insert if self._session.get_bind().dialect.name == "postgresql" else sqlite.insert
        claim = (
            insert(records)
            .values(scope=key.scope, key=key.key, fingerprint=key.fingerprint, created_at=self._clock.now())
            .on_conflict_do_nothing(index_elements=["scope", "key"])
            .returning(records.c.key)
        )
        earlier = select(records.c.fingerprint, records.c.aggregate_id, records.c.version, records.c.position,
                         records.c.created).where(records.c.scope == key.scope, records.c.key == key.key)
        if self._trips is None:
            if self.session.execute(claim).first() is not None:
                return lambda: None
            found = _kept(tuple(self.session.execute(earlier).one()))
            return lambda: found
        # Queued: they go with the next round trip, before the lock and read the handler queues.
        trips = self._trips
        taken: list[tuple[Any, ...]] = []
        rows: list[tuple[Any, ...]] = []
        answered: list[bool] = []

        def on_earlier(found: list[tuple[Any, ...]]) -> None:
            rows.extend(found)
            answered.append(True)

        trips.add_statement(claim, taken.extend)
        trips.add_statement(earlier, on_earlier)

        def answer() -> StoredRequest | None:
            if not answered:
                trips.send()
            return None if taken else _kept(rows[0])

        return answer

    def remember_request(self, key: RequestKey, command: str, aggregate_id: UUID, version: int, created: str | None) -> None:
        records = idempotency_records
        position: Any = self._position
        if self._trips is not None and self._saved:
            # The events go in the same round trip: the position is the last one the log gave this session.
            position = func.currval(func.pg_get_serial_sequence("leerroute_events", "id"))
        self._sink.execute(
            update(records)
            .where(records.c.scope == key.scope, records.c.key == key.key)
            .values(command=command, aggregate_id=aggregate_id, version=version, position=position, created=created)
        )

    def forget_requests(self, command: str, aggregate_id: UUID) -> None:
        records = idempotency_records
        self.session.execute(
            delete(records).where(
                records.c.aggregate_id == aggregate_id, (records.c.command == command) | records.c.command.is_(None)
            )
        )

    # -- notifications -------------------------------------------------------------------------------

    def keep_secret(self, subscription_id: UUID, version: int, secret: str, *, previous_valid_until: datetime | None) -> None:
        assert self._secret_box is not None, "a unit of work for subscriptions is given the secret box"
        notification_store.keep_secret(self.session, self._secret_box, subscription_id, version, secret, previous_valid_until)

    def open_cursor(self, subscription_id: UUID, organisation: str, role: str, position: int) -> None:
        notification_store.open_cursor(self.session, subscription_id, organisation, role, position)

    def set_delivery_status(self, subscription_id: UUID, status: str) -> None:
        notification_store.set_status(self.session, subscription_id, status)

    def move_cursor(self, subscription_id: UUID, position: int) -> None:
        notification_store.move_cursor(self.session, subscription_id, position)

    def position_at(self, moment: datetime) -> int:
        return notification_store.first_position_at(self.session, moment, self._store.recorded_at)

def _kept(row: tuple[Any, ...]) -> StoredRequest:
    fingerprint, aggregate_id, version, position, created = row
    return StoredRequest(fingerprint, StoredOutcome(aggregate_id, version, position, created))
