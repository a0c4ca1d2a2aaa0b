"""Aggregates kept in memory between commands, never used at a stale version.

A cached aggregate is only a starting point: the unit of work still reads, inside its
transaction and after the aggregate's lock, every event from the cached version on
(``originator_version >= cached``), so the event at the cached version itself proves the database
holds it, and every later event (written by another process, or by this one outside the cache)
is applied before the aggregate is used. A row missing at the cached version (a database
replaced under the same URL) drops the entry and the aggregate is read whole.

Only committed state goes in: an aggregate read inside a transaction (what others committed), or
one this process saved, once its transaction committed. An entry is taken out by the command that
uses it and a deep copy put back after its commit, so no caller's later changes reach the cache
and a command that fails leaves nothing behind (the library's ``LRUCache``, as its repository
uses it).
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

    def take(self, aggregate_id: UUID) -> Any | None:
        """The cached aggregate (at its cached version), taken out: the unit of work that takes it
        may change it, and puts a copy back once its transaction committed."""
        try:
            return self._entries.get(aggregate_id, evict=True)
        except KeyError:
            return None

    def put(self, aggregate: Any) -> None:
        self._entries.put(aggregate.id, copy.deepcopy(aggregate))

    def drop(self, aggregate_id: UUID) -> None:
        with contextlib.suppress(KeyError):
            self._entries.get(aggregate_id, evict=True)
