"""A command's statements on PostgreSQL, sent in as few round trips as it needs: statements are
queued, and sent together (one simple-query message, values bound client-side) when a result is
needed or the transaction commits.

A command then costs two round trips: the first carries ``BEGIN``, the aggregate's advisory lock
and the read of its events (after the version the cache holds); the second every write (the
events with their hash-chain records, computed by the server from the log positions it assigns,
the candidate's key and BSN lookup, the access-log entry, the idempotency record) and the
``COMMIT``. Statements of other adapters (SQLAlchemy Core) are queued as they are, compiled for
the connection's dialect.

The connection runs in the driver's autocommit mode while it is used so, with the transaction's
``BEGIN`` and ``COMMIT`` sent as statements of the queue; ``close`` gives it back as it found it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import psycopg
from psycopg import ClientCursor, pq
from sqlalchemy import Connection, Insert, Table, Update
from sqlalchemy.sql import ClauseElement

from adapters.hash_chain import GENESIS, BrokenChain

Rows = list[tuple[Any, ...]]
_COMPILED: dict[Any, Any] = {}  # statement shape → compiled form (PostgreSQL's dialect)
_INSERTS: dict[tuple[str, tuple[str, ...]], tuple[str, str, list[Any]]] = {}  # (table, columns) → SQL, one row's VALUES, processors
_GENESIS_LITERAL = "'\\x" + GENESIS.hex() + "'::bytea"

# The chain record of one event, computed where the event's log position (its id) is known: the
# same SHA-256 as ``adapters.hash_chain.chain_hash`` (previous chain hash, version and position as
# 8-byte big-endian signed integers, the event digest). A missing predecessor gives NULL, which
# the NOT NULL chain_hash refuses (``BrokenChain``).
_CHAIN_RECORD = (
    "INSERT INTO event_hashes (originator_id, originator_version, position, event_digest, chain_hash) "
    "SELECT e.originator_id, e.originator_version, e.id, '{digest}', encode(sha256("
    f"COALESCE(p.previous, CASE WHEN e.originator_version = 1 THEN {_GENESIS_LITERAL} END) "
    "|| int8send(e.originator_version) || int8send(e.id) || '\\x{digest}'::bytea), 'hex') "
    "FROM leerroute_events e LEFT JOIN LATERAL (SELECT decode(h.chain_hash, 'hex') AS previous FROM event_hashes h "
    "WHERE h.originator_id = e.originator_id AND h.originator_version = e.originator_version - 1) p ON true "
    "WHERE e.originator_id = '{id}'::uuid AND e.originator_version = {version}"
)
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
_TOPICS: dict[str, str] = {}  # an event topic → its SQL literal


class Trips:
    """The queue of one transaction's statements on one psycopg connection."""

    def __init__(self, connection: Connection):
        driver: psycopg.Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]
        self._connection = connection
        self._driver = driver
        self._dialect = connection.dialect
        self._autocommit = driver.autocommit
        driver.autocommit = True
        self._cursor = ClientCursor(driver)
        self._queue: list[tuple[str, Callable[[Rows], None] | None]] = []
        self.begun = False
        self.round_trips = 0

    # -- queueing ----------------------------------------------------------------------------------

    def add(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None, on_rows: Callable[[Rows], None] | None = None) -> None:
        """Queue one statement; ``on_rows`` is given its rows when they come back."""
        text = self._cursor.mogrify(sql, params) if params is not None else sql
        self._queue.append((text, on_rows))

    def add_statement(self, statement: ClauseElement, on_rows: Callable[[Rows], None] | None = None) -> None:
        """Queue a SQLAlchemy Core statement as it would be executed."""
        compiled, params = self._compiled(statement)
        self.add(str(compiled), params, on_rows)

    def _compiled(self, statement: ClauseElement) -> tuple[Any, dict[str, Any]]:
        """The statement compiled (an insert or update once per shape, as the engine's own cache
        does: its values are parameters of the cached form) and its parameters, processed as the
        engine would bind them."""
        compiled: Any
        key = statement._generate_cache_key() if isinstance(statement, (Insert, Update)) else None
        if key is not None:
            compiled = _COMPILED.get(key.key)
            if compiled is None:
                compiled = _COMPILED[key.key] = self._dialect.statement_compiler(self._dialect, statement, cache_key=key)
                if len(_COMPILED) > 500:
                    _COMPILED.pop(next(iter(_COMPILED)))
            params = compiled.construct_params(extracted_parameters=key.bindparams)
        else:
            compiled = statement.compile(dialect=self._dialect, compile_kwargs={"render_postcompile": True})
            params = dict(compiled.params)
        for name, value in params.items():
            # An expanded IN list's values are named after their parameter: ``name_1``, ``name_2``, ...
            bind = compiled.binds.get(name)
            if bind is None:
                bind = compiled.binds.get(name.rsplit("_", 1)[0])
            processor = bind.type._cached_bind_processor(self._dialect) if bind is not None else None
            if processor is not None:
                params[name] = processor(value)
        return compiled, params

    def add_rows(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """Queue a plain insert of ``rows`` (dicts with the same keys) into ``table``: the
        statement's text is made once per table and columns, and each value bound as the column's
        type binds it; no SQLAlchemy statement is built or compiled per call (a command's access-log
        entry, the candidate's key and lookup row, an imported row)."""
        columns = tuple(rows[0])
        shape = _INSERTS.get((table.name, columns))
        if shape is None:
            if any(c.default is not None and c.name not in columns for c in table.columns):
                raise ValueError(f"{table.name}: a column with a Python default is given by the statement, not here")
            quote = self._dialect.identifier_preparer
            sql = f"INSERT INTO {quote.format_table(table)} ({', '.join(quote.quote(name) for name in columns)}) VALUES "
            one = "(" + ", ".join(["%s"] * len(columns)) + ")"
            processors = [table.c[name].type._cached_bind_processor(self._dialect) for name in columns]
            shape = _INSERTS[(table.name, columns)] = (sql, one, processors)
        sql, one, processors = shape
        params: list[Any] = []
        for row in rows:
            for name, processor in zip(columns, processors, strict=True):
                value = row[name]
                params.append(processor(value) if processor is not None else value)
        self.add(sql + ", ".join([one] * len(rows)), params)

    def add_events(self, stored: Sequence[Any], digests: Sequence[str], on_positions: Callable[[list[int]], None]) -> None:
        """Queue the insert of stored events (one statement, under the lock that keeps the log's
        positions in commit order) and of their chain records, in version order per aggregate."""
        self.add("LOCK TABLE leerroute_events IN EXCLUSIVE MODE")
        # Written as literals of their types (an id, a number, a topic quoted once per topic, the
        # state as hex), not bound one value at a time: the hot path of every command.
        values = ", ".join(f"({_uuid(e.originator_id)}, {int(e.originator_version)}, {self._topic(e.topic)}, "
                           f"'\\x{bytes(e.state).hex()}'::bytea)" for e in stored)
        self.add(f"INSERT INTO leerroute_events (originator_id, originator_version, topic, state) VALUES {values} RETURNING id",
                 None, lambda rows: on_positions([row[0] for row in rows]))
        for event, digest in sorted(zip(stored, digests, strict=True), key=lambda pair: (str(pair[0].originator_id),
                                                                                      pair[0].originator_version)):
            if not _HEX_DIGEST.fullmatch(digest):
                raise ValueError(f"an event digest is 64 hexadecimal digits, not {digest!r}")
            self.add(_CHAIN_RECORD.format(digest=digest, id=UUID(str(event.originator_id)), version=int(event.originator_version)))

    def _topic(self, topic: str) -> str:
        literal = _TOPICS.get(topic)
        if literal is None:
            literal = _TOPICS[topic] = self._cursor.mogrify("%s", [topic])
        return literal

    @property
    def pending(self) -> bool:
        return bool(self._queue)

    # -- sending -------------------------------------------------------------------------------------

    def send(self, *, commit: bool = False) -> None:
        """Send what is queued (with ``BEGIN`` first, once, and ``COMMIT`` last when asked) in
        one round trip, and hand each statement's rows to its ``on_rows``."""
        queue = self._queue
        self._queue = []
        statements: list[tuple[str, Callable[[Rows], None] | None]] = [] if self.begun else [("BEGIN", None)]
        statements += queue
        if commit:
            statements.append(("COMMIT", None))
        if not statements:
            return
        self.begun = True
        self.round_trips += 1
        query = "; ".join(text for text, _ in statements)
        # Shown to SQLAlchemy's cursor listeners as one statement (the traces' SQL spans).
        dispatch, context = self._connection.dispatch, SimpleNamespace()
        dispatch.before_cursor_execute(self._connection, self._cursor, query, (), context, False)
        try:
            self._cursor.execute(query)
        except psycopg.errors.NotNullViolation as error:
            if error.diag.table_name == "event_hashes":
                raise BrokenChain("an event's predecessor has no chain record; run `leerroute verify`") from error
            raise
        finally:
            dispatch.after_cursor_execute(self._connection, self._cursor, query, (), context, False)
        for _, on_rows in statements:
            if on_rows is not None:
                on_rows(self._cursor.fetchall())
            self._cursor.nextset()

    def close(self) -> None:
        """Roll back what is not committed and give the connection back in its own mode."""
        self._queue = []
        try:
            if not self._driver.closed and self._driver.pgconn.transaction_status != pq.TransactionStatus.IDLE:
                # Past the driver, whose rollback also drops its prepared statements (a round trip
                # more, against DDL undone by a rollback: a command's transaction holds none).
                result = self._driver.pgconn.exec_(b"ROLLBACK")
                if result.status != pq.ExecStatus.COMMAND_OK:
                    raise psycopg.OperationalError(result.error_message.decode(errors="replace"))
        finally:
            if not self._driver.closed:
                self._driver.autocommit = self._autocommit


class Deferred:
    """A session's ``execute`` for the writes of other adapters (the access log, the vault): the
    statement is queued, to go with the next round trip."""

    def __init__(self, trips: Trips):
        self._trips = trips

    def execute(self, statement: Any, rows: list[dict[str, Any]] | None = None, /) -> None:
        """``rows``: an insert of several rows (as ``Session.execute`` takes them), one multi-row
        VALUES here."""
        self._trips.add_statement(with_rows(statement, rows))

    def insert_rows(self, table: Table, rows: list[dict[str, Any]]) -> None:
        self._trips.add_rows(table, rows)


def with_rows(statement: Any, rows: list[dict[str, Any]] | None) -> Any:
    """An insert with the rows ``Session.execute`` would take as its parameters: one row as a
    single VALUES (whose compiled form is cached), several as one multi-row VALUES."""
    if not rows:
        return statement
    return statement.values(rows[0]) if len(rows) == 1 else statement.values(rows)


def _uuid(value: UUID) -> str:
    return f"'{UUID(str(value))}'::uuid"


def events_after(aggregate_id: UUID, version: int) -> tuple[str, list[Any]]:
    """The events of an aggregate from ``version`` on (that one's state left out: it is the
    cache's proof that the database holds the version; 0: every event)."""
    return (
        "SELECT originator_version, topic, CASE WHEN originator_version > %s THEN state END FROM leerroute_events "
        "WHERE originator_id = %s AND originator_version >= %s ORDER BY originator_version",
        [version, aggregate_id, version],
    )
