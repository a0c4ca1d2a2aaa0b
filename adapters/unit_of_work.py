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
import sqlalchemy.exc
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from adapters import import_store, notification_store
from adapters import route_models as route_model_rows
from adapters.access_log import Access, AccessLog
from adapters.clock import Clock
from adapters.database import lock_aggregate, scrub_deleted_data, write_session
from adapters.eventstore import EventStore
from adapters.personal_data import PersonalDataVault
from adapters.pseudonyms import Pseudonymiser
from adapters.tables import idempotency_records
from domain.candidate import PersonalData
from domain.money import LoggedEvent, logged
from domain.route_models import RouteModel, RouteVariant
from domain.trajectory import Trajectory
from domain.values import Actor
from leerroute.route_models import RouteModels
from leerroute.unit_of_work import Conflict, RequestKey, StoredOutcome, StoredRequest

_CONFLICTS = (sqlalchemy.exc.IntegrityError, es_persistence.IntegrityError)


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
    ):
        self._url = database_url
        self._store = store
        self._vault = vault
        self._pseudonymise = pseudonymise
        self._access_log = access_log
        self._clock = clock
        self._secret_box = secret_box
        self._route_models = route_models
        self._stack: ExitStack | None = None
        self._session: Session | None = None
        self._committed = False
        self._after_commit: list[Callable[[], None]] = []
        self._histories: dict[UUID, list[Any]] = {}

    # -- the transaction ---------------------------------------------------------------------------

    def __enter__(self) -> SqlUnitOfWork:
        self._stack = ExitStack()
        self._session = self._stack.enter_context(write_session(self._url))
        self._committed = False
        self._after_commit = []
        self._histories = {}
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._stack is not None and self._session is not None
        if not self._committed:
            self._session.rollback()
        self._stack.__exit__(*exc)  # type: ignore[arg-type]
        if self._committed and exc[0] is None:
            for action in self._after_commit:
                action()

    @property
    def session(self) -> Session:
        assert self._session is not None, "the unit of work is used inside `with`"
        return self._session

    @property
    def route_models(self) -> RouteModels:
        """The published ones as this transaction sees them (or those the unit of work was given)."""
        assert self._route_models is not None, "a unit of work for route models is given them"
        if isinstance(self._route_models, route_model_rows.RouteModelCatalogue):
            return self._route_models.in_session(self.session)
        return self._route_models

    def commit(self) -> None:
        try:
            self.session.commit()
        except _CONFLICTS as error:
            raise Conflict(str(error)) from error
        self._committed = True

    # -- aggregates ---------------------------------------------------------------------------------

    def lock(self, aggregate_id: UUID) -> None:
        lock_aggregate(self.session, aggregate_id)

    def _history(self, aggregate_id: UUID) -> list[Any]:
        history = self._histories.get(aggregate_id)
        if history is None:
            history = self._histories[aggregate_id] = self._store.events_in(self.session, [aggregate_id])[aggregate_id]
        return history

    def get(self, aggregate_id: UUID, *, version: int | None = None) -> Any | None:
        history = self._history(aggregate_id)
        if version is not None:
            history = [e for e in history if e.originator_version <= version]
        return self._store.replay(history)

    def events(self, aggregate_id: UUID) -> list[LoggedEvent]:
        return [logged(e) for e in self._history(aggregate_id)]

    def save(self, *aggregates: Any) -> int | None:
        for aggregate in aggregates:
            self._histories.pop(aggregate.id, None)
        try:
            position = self._store.save_in(self.session, *aggregates)
        except _CONFLICTS as error:
            raise Conflict(str(error)) from error
        for aggregate in aggregates:  # the read model of versions and variants, in this transaction
            if isinstance(aggregate, (RouteModel, RouteVariant)):
                route_model_rows.record(self.session, aggregate)
        return position

    # -- the candidate's personal data ----------------------------------------------------------------

    def _bsn_digest(self, bsn: str) -> str:
        return self._pseudonymise(bsn, purpose="bsn")

    def find_candidate(self, municipality: str, bsn: str) -> UUID | None:
        return self._vault.find(municipality, self._bsn_digest(bsn), session=self.session)

    def seal(self, candidate_id: UUID, person: PersonalData) -> str:
        return self._vault.seal(self.session, candidate_id, person)

    def remember_candidate(self, municipality: str, bsn: str, candidate_id: UUID) -> None:
        try:
            self._vault.remember(self.session, municipality, self._bsn_digest(bsn), candidate_id)
        except _CONFLICTS as error:
            raise Conflict(str(error)) from error

    def destroy_personal_data(self, candidate_id: UUID) -> None:
        self._vault.destroy(self.session, candidate_id)
        import_store.forget_candidate(self.session, candidate_id)
        # On SQLite an old page image with the key could stay in the WAL: empty it after the commit.
        self._after_commit.append(lambda: scrub_deleted_data(self._url))

    # -- the access log ------------------------------------------------------------------------------

    def record_access(self, actor: Actor, trajectories: Sequence[Trajectory], *, activity: str, trace_id: str) -> None:
        accesses = [Access(t.id, t.municipality, self._pseudonymise.candidate(t.candidate_id)) for t in trajectories]
        self._access_log.record(self.session, actor, accesses, activity=activity, trace_id=trace_id)

    # -- idempotency records ---------------------------------------------------------------------------

    def claim_request(self, key: RequestKey) -> StoredRequest | None:
        records = idempotency_records
        insert = postgresql.insert if self.session.get_bind().dialect.name == "postgresql" else sqlite.insert
        taken = self.session.execute(
            insert(records)
            .values(scope=key.scope, key=key.key, fingerprint=key.fingerprint, created_at=self._clock.now())
            .on_conflict_do_nothing(index_elements=["scope", "key"])
            .returning(records.c.key)
        ).first()
        if taken is not None:
            return None
        row = self.session.execute(
            select(records).where(records.c.scope == key.scope, records.c.key == key.key)
        ).one()
        outcome = StoredOutcome(row.aggregate_id, row.version, row.position, row.created)
        return StoredRequest(row.fingerprint, outcome)

    def remember_request(self, key: RequestKey, command: str, outcome: StoredOutcome) -> None:
        records = idempotency_records
        self.session.execute(
            update(records)
            .where(records.c.scope == key.scope, records.c.key == key.key)
            .values(command=command, aggregate_id=outcome.aggregate_id, version=outcome.version,
                    position=outcome.position, created=outcome.created)
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

class SavepointUnitOfWork(SqlUnitOfWork):
    """A unit of work inside a transaction its caller holds open (a batch of a spreadsheet
    import): a command's writes are a savepoint, released by ``commit`` and rolled back
    otherwise; the caller commits the whole transaction, or rolls it back (a dry run)."""

    def __init__(self, session: Session, *args: Any):
        super().__init__(*args)
        self._outer = session
        self._savepoint: Any = None

    def __enter__(self) -> SavepointUnitOfWork:
        self._session = self._outer
        self._savepoint = self._outer.begin_nested()
        self._committed = False
        self._after_commit = []
        self._histories = {}
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._committed:
            self._savepoint.rollback()

    def commit(self) -> None:
        try:
            self._savepoint.commit()
        except _CONFLICTS as error:
            raise Conflict(str(error)) from error
        self._committed = True
