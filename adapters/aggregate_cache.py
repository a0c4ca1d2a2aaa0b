"""Aggregates kept in memory between commands, never used at a stale version.

A cached aggregate is only a starting point: the unit of work still reads, inside its
transaction and after the aggregate's lock, every event from the cached version on
(``originator_version >= cached``), so the event at the cached version itself proves the database
holds it, and every later event (written by another process, or by this one outside the cache)
is applied before the aggregate is used. A row missing at the cached version (a database
replaced under the same URL) drops the entry and the aggregate is read whole.

Only committed state goes in: an aggregate read inside a transaction (what others committed), or
one this process saved, once its transaction committed. Entries are deep copies both ways, so no
caller's changes reach the cache (the library's ``LRUCache``, as its repository uses it).
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any
from uuid import UUID

from eventsourcing.application import LRUCache


class AggregateCache:
    def __init__(self, maxsize: int = 1_000):
        self._entries: LRUCache[UUID, Any] = LRUCache(maxsize=maxsize)

    def get(self, aggregate_id: UUID) -> Any | None:
        """A copy of the cached aggregate (at its cached version), or None."""
        try:
            aggregate = self._entries.get(aggregate_id)
        except KeyError:
            return None
        return copy.deepcopy(aggregate)

    def put(self, aggregate: Any) -> None:
        self._entries.put(aggregate.id, copy.deepcopy(aggregate))

    def drop(self, aggregate_id: UUID) -> None:
        with contextlib.suppress(KeyError):
            self._entries.get(aggregate_id, evict=True)
