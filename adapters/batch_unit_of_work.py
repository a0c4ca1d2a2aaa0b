"""One transaction for a batch of spreadsheet rows, each command a savepoint in it, cheaper per
row than the same commands one by one.

- On PostgreSQL the batch's statements (``SAVEPOINT``, the events with their hash-chain records,
  the keys, the access-log entries, the imported rows, ``RELEASE``) are queued
  (``adapters.pg_trips``) and go in one round trip with the ``COMMIT``; only reads send earlier.
- What the batch needs to read is read for all its rows at once: the candidates already
  registered under the rows' BSNs (``expect_candidates``), and the aggregates it created itself
  are kept in memory while it runs, so a row's later commands read nothing.
- A statement the database refuses (a BSN another request registered meanwhile) fails the whole
  batch; it is rolled back and run again ``careful``: each command's writes sent with its own
  savepoint and refusals handled per command, as the service handles them one by one.
- Inside a block of ``savepoint()`` (a spreadsheet row), a command that fails fails the block, so
  the block's savepoint is its rollback too: its commands take no savepoint of their own unless
  the batch runs ``careful`` (where a command refused by the database is run again, after its own
  savepoint's rollback). A batch of rows then has a subtransaction per row, not per command:
  below PostgreSQL's 64 cached subtransactions per transaction for a batch of 50 rows.

The commands still run through ``Service.handle`` (``Service.with_unit_of_work``), so every rule
of the domain applies to every row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from adapters.database import write_session
from adapters.pg_trips import Trips, with_rows
from adapters.route_models import RouteModelCatalogue, SessionRouteModels
from adapters.tables import candidate_lookup
from adapters.unit_of_work import CONFLICTS as _CONFLICTS
from adapters.unit_of_work import SqlUnitOfWork
from leerroute.route_models import RouteModels
from leerroute.unit_of_work import Conflict


class BatchTransaction:
    """The batch's transaction: where its statements go (an ``Executor``), its savepoints, and
    what its units of work share (the aggregates it saved, the candidates it looked up)."""

    def __init__(self, session: Session, make: Callable[[BatchTransaction], BatchUnitOfWork], *, careful: bool):
        self.session = session
        self._make = make
        self.careful = careful
        self.aggregates: dict[UUID, Any] = {}
        self.candidates: dict[tuple[str, str], UUID] | None = None  # (municipality, BSN digest) → candidate
        self.trips: Trips | None = None
        self.route_models: SessionRouteModels | None = None  # which versions and variants exist, read once
        if session.get_bind().dialect.name == "postgresql":
            self.trips = Trips(session.connection())
        self._savepoints = 0
        self.enclosed = 0  # open ``savepoint()`` blocks

    def unit_of_work(self) -> BatchUnitOfWork:
        return self._make(self)

    def execute(self, statement: Any, rows: Any = None, /) -> None:
        if self.trips is not None:
            self.trips.add_statement(with_rows(statement, rows))
        elif rows:
            self.session.execute(statement, rows)
        else:
            self.session.execute(statement)

    def insert_rows(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if self.trips is not None:
            self.trips.add_rows(table, rows)
        else:
            self.session.execute(insert(table), rows)

    def session_for_reads(self) -> Session:
        """The session, with what is queued sent first (so a read sees the batch's writes)."""
        if self.trips is not None:
            self.trips.send()
        return self.session

    def rows(self, statement: Any) -> list[tuple[Any, ...]]:
        if self.trips is None:
            return [tuple(row) for row in self.session.execute(statement).all()]
        found: list[tuple[Any, ...]] = []
        self.trips.add_statement(statement, found.extend)
        self.trips.send()
        return found

    def savepoint_name(self) -> str:
        self._savepoints += 1
        return f"batch_{self._savepoints}"

    def end_savepoint(self, name: str, *, keep: bool) -> None:
        assert self.trips is not None
        self.trips.add(f"RELEASE SAVEPOINT {name}" if keep else f"ROLLBACK TO SAVEPOINT {name}")
        if self.careful:
            self.trips.send()

    @contextmanager
    def savepoint(self) -> Iterator[list[bool]]:
        """A savepoint around the block: released when the block sets ``kept[0]``, rolled back
        otherwise (also on an error)."""
        kept = [False]
        if self.trips is None:
            nested = self.session.begin_nested()
            try:
                yield kept
            finally:
                if kept[0]:
                    nested.commit()
                else:
                    nested.rollback()
            return
        name = self.savepoint_name()
        self.trips.add(f"SAVEPOINT {name}")
        self.enclosed += 1
        try:
            yield kept
        finally:
            self.enclosed -= 1
            self.end_savepoint(name, keep=kept[0])

    def expect_candidates(self, municipality: str, digests: Iterable[str]) -> None:
        """Read at once the candidates registered under the batch's BSN digests."""
        if self.trips is None or self.careful:
            return  # each registration reads its own (in-process on SQLite; one by one when careful)
        wanted = list(digests)
        self.candidates = {}
        if wanted:
            query = select(candidate_lookup.c.bsn_digest, candidate_lookup.c.candidate_id).where(
                candidate_lookup.c.municipality == municipality, candidate_lookup.c.bsn_digest.in_(wanted))
            for digest, candidate_id in self.rows(query):
                self.candidates[(municipality, digest)] = candidate_id


class BatchUnitOfWork(SqlUnitOfWork):
    """A command of a batch: a savepoint of the batch's transaction (inside a row's block, the row's savepoint)."""

    def __init__(self, batch: BatchTransaction, *args: Any):
        super().__init__(*args)
        self._batch = batch
        self._name = ""
        self._nested: Any = None
        self._lent: list[UUID] = []

    def __enter__(self) -> BatchUnitOfWork:
        batch = self._batch
        self._begin(batch.session, trips=False)
        self._trips = batch.trips
        self._lent = []
        self._name = ""
        if self._trips is not None:
            if batch.careful or not batch.enclosed:
                self._name = batch.savepoint_name()
                self._trips.add(f"SAVEPOINT {self._name}")
        else:
            self._nested = batch.session.begin_nested()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._committed:
            return
        for aggregate_id in self._lent:  # it may have been changed by the command that failed
            self._batch.aggregates.pop(aggregate_id, None)
        if self._trips is not None:
            if self._name:
                self._batch.end_savepoint(self._name, keep=False)
        else:
            self._nested.rollback()

    def commit(self) -> int | None:
        try:
            if self._trips is not None:
                if self._name:
                    self._batch.end_savepoint(self._name, keep=True)
            else:
                self._nested.commit()
        except _CONFLICTS as error:
            raise Conflict(str(error)) from error
        self._committed = True
        self._batch.aggregates.update(self._saved)
        return self._position

    @property
    def route_models(self) -> RouteModels:
        """The batch's: which versions and variants exist is read once for the batch (an import
        publishes none), and a route's content comes from the process's cache, so a command of
        the batch sends nothing to read them."""
        if not isinstance(self._route_models, RouteModelCatalogue):
            return super().route_models
        if self._batch.route_models is None:
            self._batch.route_models = self._route_models.in_session(self._batch.session_for_reads, keep_entries=True)
        return self._batch.route_models

    def get(self, aggregate_id: UUID, *, version: int | None = None) -> Any | None:
        kept = self._batch.aggregates.get(aggregate_id)
        if kept is not None and version is None and aggregate_id not in self._saved:
            # As this batch left it (nobody else sees it before the commit); lent, not copied: a
            # command that fails takes it out of the batch's memory.
            self._lent.append(aggregate_id)
            return kept
        return super().get(aggregate_id, version=version)

    def find_candidate(self, municipality: str, bsn: str) -> UUID | None:
        known = self._batch.candidates
        if known is None or self._batch.careful:
            return super().find_candidate(municipality, bsn)
        return known.get((municipality, self._bsn_digest(bsn)))

    def remember_candidate(self, municipality: str, bsn: str, candidate_id: UUID) -> None:
        super().remember_candidate(municipality, bsn, candidate_id)
        if self._batch.candidates is not None:
            self._batch.candidates[(municipality, self._bsn_digest(bsn))] = candidate_id


@contextmanager
def batch_transaction(url: str, make: Callable[[BatchTransaction], BatchUnitOfWork], *, keep: bool,
                      careful: bool) -> Iterator[BatchTransaction]:
    """The batch's transaction: committed at the end when ``keep``, rolled back otherwise. Not
    ``careful``, a statement the database refuses anywhere in the batch is a ``Conflict`` of the
    whole batch, to be run again carefully."""
    with write_session(url) as session:
        batch = BatchTransaction(session, make, careful=careful)
        try:
            yield batch
            if keep:
                if batch.trips is not None:
                    batch.trips.send(commit=True)
                session.commit()
            else:
                session.rollback()
        except _CONFLICTS as error:
            raise Conflict(str(error)) from error
        finally:
            if batch.trips is not None:
                batch.trips.close()
