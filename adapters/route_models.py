"""The ``route_models`` table and the port ``route_models`` on it (``leerroute.route_models``).

``record`` writes a version's or variant's row from the aggregate, in the transaction of its
events (``SqlUnitOfWork.save`` calls it), so a command that asks what is in force, in the same
or a later transaction, never sees a publication half. ``RouteModelCatalogue`` reads outside a
transaction (queries, read models); ``in_session`` gives the same reader on a unit of work's
own transaction. Both share one cache of published content.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.database import read_session
from adapters.tables import route_models
from adapters.upserts import upsert
from domain.route_models import Entry, ModelStatus, RouteModel, RouteVariant, Validity, entry_of
from domain.values import MilestoneTerms
from leerroute.route_models import ContentCache, RouteModelReader


def record(session: Session, aggregate: RouteModel | RouteVariant) -> None:
    entry = entry_of(aggregate)
    row = {
        "id": entry.id, "kind": entry.kind, "model_id": entry.model_id, "version": entry.version, "region": entry.region,
        "status": str(entry.status), "valid_from": entry.validity.valid_from, "valid_until": entry.validity.valid_until,
        "content": json.dumps(aggregate.content_dict, sort_keys=True), "aggregate_version": aggregate.version,
    }
    upsert(session, route_models, [row], ["id"], newer="aggregate_version")


_ENTRY_COLUMNS = (route_models.c.id, route_models.c.kind, route_models.c.model_id, route_models.c.version,
                  route_models.c.region, route_models.c.status, route_models.c.valid_from, route_models.c.valid_until)


def _entry(row: Any) -> Entry:
    return Entry(row.id, row.kind, row.model_id, row.version, row.region, ModelStatus(row.status),
                 Validity(row.valid_from, row.valid_until))


def read_entries(session: Session) -> list[Entry]:
    t = route_models
    query = select(*_ENTRY_COLUMNS).order_by(t.c.version, t.c.kind, t.c.region, t.c.valid_from, t.c.id)
    return [_entry(row) for row in session.execute(query)]


def read_contents(session: Session, ids: Iterable[UUID]) -> dict[UUID, tuple[Entry, Mapping[str, Any]]]:
    t = route_models
    query = select(*_ENTRY_COLUMNS, t.c.content).where(t.c.id.in_(list(ids)), t.c.status != str(ModelStatus.DRAFT))
    return {row.id: (_entry(row), json.loads(row.content)) for row in session.execute(query)}


class SessionRouteModels(RouteModelReader):
    """The port on a unit of work's transaction: it sees what the transaction wrote. The session
    is asked for only when a read needs it (a route whose content is cached needs none: asking
    would send the statements the unit of work has queued). ``keep_entries``: which versions and
    variants exist is read once, for a batch of commands that publishes none (the import)."""

    def __init__(self, session: Callable[[], Session], terms: MilestoneTerms, cache: ContentCache, *,
                 keep_entries: bool = False):
        super().__init__(terms, cache)
        self._session = session
        self._keep_entries = keep_entries
        self._entries: list[Entry] | None = None

    def entries(self) -> list[Entry]:
        if self._entries is not None:
            return self._entries
        found = read_entries(self._session())
        if self._keep_entries:
            self._entries = found
        return found

    def contents(self, ids: Iterable[UUID]) -> Mapping[UUID, tuple[Entry, Mapping[str, Any]]]:
        return read_contents(self._session(), ids)


class RouteModelCatalogue(RouteModelReader):
    """The port outside a transaction: each read in a short read session of its own."""

    def __init__(self, database_url: str, terms: MilestoneTerms):
        super().__init__(terms)
        self._url = database_url

    def in_session(self, session: Callable[[], Session], *, keep_entries: bool = False) -> SessionRouteModels:
        return SessionRouteModels(session, self._terms, self._cache, keep_entries=keep_entries)

    def entries(self) -> list[Entry]:
        with read_session(self._url) as session:
            return read_entries(session)

    def contents(self, ids: Iterable[UUID]) -> Mapping[UUID, tuple[Entry, Mapping[str, Any]]]:
        with read_session(self._url) as session:
            return read_contents(session, ids)

    def content_dict(self, aggregate_id: UUID) -> Mapping[str, Any] | None:
        """The content of any version or variant, a draft too (for the API's reads)."""
        with read_session(self._url) as session:
            content = session.execute(select(route_models.c.content).where(route_models.c.id == aggregate_id)).scalar()
        return None if content is None else json.loads(content)
