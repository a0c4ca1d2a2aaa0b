"""Writing read-model rows: upserts that never move a row back, and replacing an owner's rows.

On PostgreSQL a batch of many rows goes to the server by ``COPY``: straight into the table when
none of them is stored yet (``insert_rows``), otherwise into a temporary table of the
transaction and from there by one ``INSERT ... SELECT ... ON CONFLICT``. The server inserts them
in one pass instead of running an INSERT per row, and the client adapts them in the driver's C
code: what lets a rebuild and a catch-up after a bulk load write at the rate they read. A few
rows (a command's catch-up), and every write on SQLite, go as one executemany.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from sqlalchemy import Table, TextClause, bindparam, delete, text
from sqlalchemy.orm import Session

COPY_FROM = 50  # rows from which a batch goes by COPY on PostgreSQL


class Written:
    """The owners (trajectories, aggregates) a rebuild has written rows of so far. A rebuild
    empties its tables first, so an owner not in here has no rows yet: its rows are inserted as
    they are, without looking for stored ones, deleting or upserting."""

    def __init__(self) -> None:
        self._owners: set[Any] = set()

    def clear(self) -> None:
        self._owners.clear()

    def first(self, owners: Iterable[Any]) -> set[Any]:
        """Of ``owners``, those written now for the first time; all of them count as written."""
        found = {o for o in owners if o not in self._owners}
        self._owners.update(found)
        return found


def upsert(
    session: Session, table: Table, rows: list[dict[str, Any]], keys: Sequence[str], *, newer: str | None = None
) -> None:
    """Insert or update ``rows``; with ``newer`` (a version column) a stored row is only
    replaced by one of the same or a later version (a replay never moves a row back)."""
    if not rows:
        return
    columns = [c for c in rows[0] if c not in keys]
    q = _quote(session)
    where = f" WHERE {q(table.name)}.{q(newer)} <= EXCLUDED.{q(newer)}" if newer else ""
    changes = ", ".join(f"{q(c)} = EXCLUDED.{q(c)}" for c in columns)
    conflict = f"ON CONFLICT ({', '.join(q(k) for k in keys)}) " + (f"DO UPDATE SET {changes}{where}" if columns else "DO NOTHING")
    if _copies(session, rows) and _copy_through_stage(session, table, rows, conflict):
        return
    session.execute(_insert_statement(session, table, tuple(rows[0]), conflict), rows)


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (all of the same columns), none of which is stored yet."""
    if not rows:
        return
    if _copies(session, rows):
        _copy(session, table.name, table, rows)
    else:
        session.execute(table.insert(), list(rows))


def replace_rows(
    session: Session, table: Table, key: str, ids: Iterable[Any], rows: list[dict[str, Any]], *, bulk: bool = False
) -> None:
    """Replace every row of the given owners (trajectories) by ``rows``; ``bulk``: inserted as
    ``insert_rows`` does (by COPY on PostgreSQL from 50 rows on), else by one executemany."""
    id_list = list(ids)
    if id_list:
        session.execute(delete(table).where(table.c[key].in_(id_list)))
    if rows:
        if bulk:
            insert_rows(session, table, rows)
        else:
            session.execute(table.insert(), rows)


def add_counts(session: Session, table: Table, keys: Sequence[str], rows: list[dict[str, Any]], counters: Sequence[str]) -> None:
    """Add ``rows``' counters to the stored rows of the same key (a new key starts at zero)."""
    if not rows:
        return
    q = _quote(session)
    changes = ", ".join(f"{q(c)} = {q(table.name)}.{q(c)} + EXCLUDED.{q(c)}" for c in counters)
    conflict = f"ON CONFLICT ({', '.join(q(k) for k in keys)}) DO UPDATE SET {changes}"
    if _copies(session, rows) and _copy_through_stage(session, table, rows, conflict):
        return
    session.execute(_insert_statement(session, table, tuple(rows[0]), conflict), rows)


_STATEMENTS: dict[tuple[str, str, tuple[str, ...], str], TextClause] = {}


def _insert_statement(session: Session, table: Table, columns: tuple[str, ...], conflict: str) -> TextClause:
    """``INSERT INTO table (columns) VALUES (...) {conflict}``, made once per shape: a text
    statement whose values are bound with their columns' types, which SQLAlchemy compiles once
    and then takes from its cache (its own ``on_conflict_do_update`` with ``excluded`` has no
    cache key: compiled again on every execution, the largest part of a small catch-up)."""
    dialect = session.get_bind().dialect
    shape = (dialect.name, table.name, columns, conflict)
    statement = _STATEMENTS.get(shape)
    if statement is None:
        q = dialect.identifier_preparer.quote
        sql = (f"INSERT INTO {q(table.name)} ({', '.join(q(c) for c in columns)}) "
               f"VALUES ({', '.join(':' + c for c in columns)}) {conflict}")
        statement = _STATEMENTS[shape] = text(sql).bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns))
    return statement


def _copies(session: Session, rows: Sequence[dict[str, Any]]) -> bool:
    """Whether the rows go by COPY: on PostgreSQL, and enough of them."""
    return len(rows) >= COPY_FROM and session.get_bind().dialect.name == "postgresql"


def driver_connection(session: Session) -> psycopg.Connection[Any]:
    """The psycopg connection under the session's, in the session's transaction (PostgreSQL)."""
    return session.connection().connection.driver_connection  # type: ignore[return-value]


def _quote(session: Session):
    return session.get_bind().dialect.identifier_preparer.quote


def _copy(session: Session, target: str, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """COPY ``rows`` into ``target`` (``table`` or its stage), each value as SQLAlchemy binds it
    (the column type's bind processor), in the session's transaction."""
    dialect = session.get_bind().dialect
    q = dialect.identifier_preparer.quote
    names = list(rows[0])
    processors = [table.c[n].type._cached_bind_processor(dialect) for n in names]
    connection = driver_connection(session)
    with connection.cursor() as cursor, cursor.copy(f"COPY {q(target)} ({', '.join(q(n) for n in names)}) FROM STDIN") as copy:
        if any(processors):
            for row in rows:
                copy.write_row([row[n] if p is None else p(row[n]) for n, p in zip(names, processors, strict=True)])
        else:
            for row in rows:
                copy.write_row([row[n] for n in names])


def _copy_through_stage(session: Session, table: Table, rows: Sequence[dict[str, Any]], conflict: str) -> bool:
    """COPY into a temporary table of the transaction (the table's columns, no constraints),
    then one ``INSERT ... SELECT ... {conflict}`` into the table, and the stage emptied. False
    (and nothing written) when ``rows`` hold a key twice: one ``ON CONFLICT`` statement cannot
    change a row twice, row by row the later one wins (or adds)."""
    q = _quote(session)
    stage = f"stage_{table.name}"
    names = ", ".join(q(n) for n in rows[0])
    connection = driver_connection(session)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {q(stage)} ON COMMIT DROP AS SELECT * FROM {q(table.name)} WITH NO DATA")
    _copy(session, stage, table, rows)
    try:
        with session.begin_nested(), connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {q(table.name)} ({names}) SELECT {names} FROM {q(stage)} {conflict}")
        written = True
    except psycopg.errors.CardinalityViolation:
        written = False
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {q(stage)}")
    return written
