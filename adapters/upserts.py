"""Writing read-model rows: upserts that never move a row back, and replacing an owner's rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


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


def add_counts(session: Session, table: Table, keys: Sequence[str], rows: list[dict[str, Any]], counters: Sequence[str]) -> None:
    """Add ``rows``' counters to the stored rows of the same key (a new key starts at zero)."""
    if not rows:
        return
    insert_fn = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert_fn(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={c: table.c[c] + statement.excluded[c] for c in counters}
    )
    session.execute(statement, rows)
