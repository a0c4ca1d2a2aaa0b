"""One SQLAlchemy engine per database URL, shared by the event store and the read models.

On SQLite (the embedded default) every connection runs in WAL mode with a busy timeout, and a
write transaction starts with ``BEGIN IMMEDIATE``: writers queue for the one write lock up front
instead of failing halfway when two of them try to upgrade a read lock at the same moment.
Readers are never blocked by a writer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import Engine, Table, create_engine, event, exc, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

_WRITE_OPTION = "leerroute_write"


class Executor(Protocol):
    """Where an adapter's write statement goes: a session, or the queue of a unit of work's
    round trips (``adapters.pg_trips.Deferred``)."""

    def execute(self, statement: Any, rows: Any = ..., /) -> Any: ...


def insert_rows(executor: Executor, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``: into the unit of work's queue of
    statements where the executor has one (``insert_rows``: a plain statement, nothing compiled per
    call), else as ``insert(table)`` with the rows."""
    if not rows:
        return
    queued = getattr(executor, "insert_rows", None)
    if queued is not None:
        queued(table, rows)
    else:
        executor.execute(insert(table), rows)

_engines: dict[str, Engine] = {}
_factories: dict[str, sessionmaker[Session]] = {}
_lock = threading.Lock()
# SQLite has one write lock per database file. Writers of this process queue here before they
# take a pooled connection, so a writer never waits for the file lock while holding a
# connection another writer's reads need; other processes queue on the file lock itself.
_sqlite_writers: dict[str, threading.Lock] = {}


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def get_engine(url: str) -> Engine:
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _create_engine(url)
            _engines[url] = engine
        return engine


def dispose_engine(url: str) -> None:
    with _lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


# A pooled connection used this recently is taken as alive without a ping.
_TRUSTED_FOR_SECONDS = 1.0


def _create_engine(url: str) -> Engine:
    if not is_sqlite(url):
        # A server that does not answer at all fails a connection after a bounded wait (503), not never.
        connect_args = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": 5}
        engine = create_engine(url, pool_size=20, max_overflow=20, pool_timeout=10, connect_args=connect_args)
        _ping_idle_connections(engine)
        return engine

    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=10, max_overflow=30
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN, not the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA secure_delete=ON")  # deleted rows (an erased candidate's key) are overwritten
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        write = connection.get_execution_options().get(_WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _ping_idle_connections(engine: Engine) -> None:
    """Pessimistic disconnect handling, like ``pool_pre_ping``, but only for a connection that
    has been idle in the pool for a while: one that came back within the last second is used
    without the extra round trip (under load that is almost every checkout). A connection that
    fails its ping is replaced before anyone uses it; only a server restart within a second of a
    connection's last use can still reach a request."""

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy) -> None:
        if time.monotonic() - record.info.get("checked_in_at", 0.0) < _TRUSTED_FOR_SECONDS:
            return
        autocommit = dbapi_connection.autocommit
        try:
            dbapi_connection.autocommit = True  # the ping opens no transaction (as SQLAlchemy's own)
            dbapi_connection.execute("SELECT 1")
        except Exception as error:
            raise exc.DisconnectionError(str(error)) from error
        finally:
            if not dbapi_connection.closed:
                dbapi_connection.autocommit = autocommit


def session_factory(url: str) -> sessionmaker[Session]:
    factory = _factories.get(url)
    if factory is None:
        factory = sessionmaker(bind=get_engine(url), autoflush=True, expire_on_commit=False)
        _factories[url] = factory
    return factory


@contextmanager
def write_session(url: str) -> Iterator[Session]:
    """A session whose transaction takes the write lock at once (SQLite) and commits on exit."""
    if is_sqlite(url):
        with _lock:
            writer_lock = _sqlite_writers.setdefault(url, threading.Lock())
        with writer_lock, _session_for_write(url) as session:
            yield session
    else:
        with _session_for_write(url) as session:
            yield session


@contextmanager
def _session_for_write(url: str) -> Iterator[Session]:
    session = session_factory(url)()
    try:
        session.connection(execution_options={_WRITE_OPTION: True})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def lock_aggregate(session: Session, aggregate_id: UUID) -> None:
    """Serialise writers of one aggregate for the rest of the transaction (PostgreSQL).

    Writers of the same trajectory then read it one after the other and never race for a
    version; on SQLite every write transaction is serialised already.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(aggregate_id)})


def advisory_key(aggregate_id: UUID) -> int:
    """The key of an aggregate's advisory lock: the first 8 bytes of its id."""
    return int.from_bytes(aggregate_id.bytes[:8], "big", signed=True)


def scrub_deleted_data(url: str) -> None:
    """After an erasure on SQLite: copy the WAL into the database and empty it, so no old page
    image (with the deleted key) stays behind in the WAL file. PostgreSQL needs nothing here:
    deleted rows never appear in a dump and are reclaimed by vacuum."""
    if is_sqlite(url):
        raw = get_engine(url).raw_connection()
        try:
            driver = raw.driver_connection
            assert driver is not None
            driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            raw.close()


@contextmanager
def read_session(url: str) -> Iterator[Session]:
    session = session_factory(url)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


# --- the database out of reach ----------------------------------------------------------------------

def _unavailable_types() -> tuple[type[Exception], ...]:
    from eventsourcing import persistence

    found: list[type[Exception]] = [
        exc.OperationalError, exc.InterfaceError, exc.TimeoutError, exc.DisconnectionError,
        persistence.OperationalError, persistence.InterfaceError, ConnectionError,
    ]
    try:
        import psycopg

        found += [psycopg.OperationalError, psycopg.InterfaceError]
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    return tuple(found)


UNAVAILABLE: tuple[type[Exception], ...] = _unavailable_types()


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) says the database cannot be reached or used now (a
    refused or dropped connection, a server shutting down, a pool that ran dry, a locked SQLite
    file), rather than that a statement is wrong."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, UNAVAILABLE):
            return True
        if isinstance(current, exc.DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False
