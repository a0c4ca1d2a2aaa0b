"""An in-memory unit of work for the service layer's unit tests: no database, no I/O.

``MemoryLog`` holds what the database holds (events per aggregate with their log positions,
the candidates' sealed data and BSN lookup, the access log, the idempotency records); each
``MemoryUnitOfWork`` is one transaction on it: what it writes stays pending until ``commit``,
and a write that another transaction made first (the same aggregate version, the same BSN in a
municipality) is a ``Conflict``, as the unique indexes make it on SQLite and PostgreSQL.
Aggregates are rebuilt from their events, as the event store rebuilds them.

``between_transactions`` lets a test run a competing write just before a transaction commits,
to see what the service does when it loses a race.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from domain.access import AccessPolicy, FundCoverage, covers_nothing
from domain.candidate import PersonalData
from domain.money import LoggedEvent, logged
from domain.trajectory import Trajectory
from domain.values import Actor, MilestoneTerms
from leerroute.service import Service
from leerroute.unit_of_work import Conflict, RequestKey, StoredOutcome, StoredRequest

TERMS = MilestoneTerms(lasting_placement_months=6, check_in_interval_months=6, check_in_window_days=30, guarantee_years=10,
                       stall_weeks=8)


@dataclass(frozen=True)
class AccessEntry:
    actor: Actor
    trajectory_id: UUID
    activity: str
    trace_id: str


@dataclass
class MemoryLog:
    events: dict[UUID, list[tuple[int, Any]]] = field(default_factory=dict)  # aggregate → [(position, event)]
    sealed: dict[UUID, PersonalData] = field(default_factory=dict)
    lookup: dict[tuple[str, str], UUID] = field(default_factory=dict)
    access_log: list[AccessEntry] = field(default_factory=list)
    requests: dict[tuple[str, str], tuple[str, str | None, StoredOutcome | None]] = field(default_factory=dict)
    positions: itertools.count = field(default_factory=lambda: itertools.count(1))
    commits: int = 0
    # Run once just before the next commit (a competing transaction that wins the race).
    between_transactions: list[Callable[[], None]] = field(default_factory=list)

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)

    def aggregate(self, aggregate_id: UUID, version: int | None = None) -> Any | None:
        return _replay(e for _, e in self.events.get(aggregate_id, []) if version is None or e.originator_version <= version)

    def history(self, aggregate_id: UUID) -> list[Any]:
        return [e for _, e in self.events.get(aggregate_id, [])]

    def last_position(self) -> int:
        return max((p for seen in self.events.values() for p, _ in seen), default=0)


def _replay(events: Any) -> Any | None:
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class MemoryUnitOfWork:
    def __init__(self, log: MemoryLog):
        self.log = log
        self._events: dict[UUID, list[tuple[int, Any]]] = {}
        self._sealed: dict[UUID, PersonalData] = {}
        self._lookup: dict[tuple[str, str], UUID] = {}
        self._destroyed: set[UUID] = set()
        self._access: list[AccessEntry] = []
        self._claimed: RequestKey | None = None
        self._remembered: tuple[str, StoredOutcome] | None = None
        self._forgotten: list[tuple[str, UUID]] = []
        self.locks: list[UUID] = []

    def __enter__(self) -> MemoryUnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        pass  # whatever was not committed is dropped with this object

    def commit(self) -> None:
        while self.log.between_transactions:
            self.log.between_transactions.pop(0)()
        log = self.log
        for aggregate_id, new in self._events.items():
            stored = log.events.get(aggregate_id, [])
            if stored and stored[-1][1].originator_version >= new[0][1].originator_version:
                raise Conflict(f"{aggregate_id} version {new[0][1].originator_version} was written first")
        if any(key in log.lookup for key in self._lookup):
            raise Conflict("a candidate with this BSN was registered first")
        if self._claimed is not None and (self._claimed.scope, self._claimed.key) in log.requests:
            raise Conflict("another request with this key was committed first")
        for aggregate_id, new in self._events.items():
            log.events.setdefault(aggregate_id, []).extend(new)
        log.sealed.update(self._sealed)
        log.lookup.update(self._lookup)
        for candidate_id in self._destroyed:
            log.sealed.pop(candidate_id, None)
            for key in [k for k, v in log.lookup.items() if v == candidate_id]:
                del log.lookup[key]
        log.access_log.extend(self._access)
        for command, aggregate_id in self._forgotten:
            for key in [k for k, (_, c, o) in log.requests.items() if c == command and o and o.aggregate_id == aggregate_id]:
                del log.requests[key]
        if self._claimed is not None and self._remembered is not None:
            command, outcome = self._remembered
            log.requests[(self._claimed.scope, self._claimed.key)] = (self._claimed.fingerprint, command, outcome)
        log.commits += 1

    # -- aggregates --------------------------------------------------------------------------------

    def lock(self, aggregate_id: UUID) -> None:
        self.locks.append(aggregate_id)

    def _history(self, aggregate_id: UUID) -> list[Any]:
        return [e for _, e in self.log.events.get(aggregate_id, []) + self._events.get(aggregate_id, [])]

    def get(self, aggregate_id: UUID, *, version: int | None = None) -> Any | None:
        return _replay(e for e in self._history(aggregate_id) if version is None or e.originator_version <= version)

    def events(self, aggregate_id: UUID) -> list[LoggedEvent]:
        return [logged(e) for e in self._history(aggregate_id)]

    def save(self, *aggregates: Any) -> int | None:
        position = None
        for aggregate in aggregates:
            for event in aggregate.collect_events():
                position = next(self.log.positions)
                self._events.setdefault(event.originator_id, []).append((position, event))
        return position

    # -- personal data -----------------------------------------------------------------------------

    def find_candidate(self, municipality: str, bsn: str) -> UUID | None:
        return self._lookup.get((municipality, bsn)) or self.log.lookup.get((municipality, bsn))

    def seal(self, candidate_id: UUID, person: PersonalData) -> str:
        self._sealed[candidate_id] = person
        return f"sealed:{candidate_id}"

    def remember_candidate(self, municipality: str, bsn: str, candidate_id: UUID) -> None:
        self._lookup[(municipality, bsn)] = candidate_id

    def destroy_personal_data(self, candidate_id: UUID) -> None:
        self._destroyed.add(candidate_id)

    # -- the access log and idempotency records ----------------------------------------------------

    def record_access(self, actor: Actor, trajectories: Sequence[Trajectory], *, activity: str, trace_id: str) -> None:
        self._access.extend(AccessEntry(actor, t.id, activity, trace_id) for t in trajectories)

    def claim_request(self, key: RequestKey) -> StoredRequest | None:
        found = self.log.requests.get((key.scope, key.key))
        if found is not None and found[2] is not None:
            return StoredRequest(found[0], found[2])
        self._claimed = key
        return None

    def remember_request(self, key: RequestKey, command: str, outcome: StoredOutcome) -> None:
        self._remembered = (command, outcome)

    def forget_requests(self, command: str, aggregate_id: UUID) -> None:
        self._forgotten.append((command, aggregate_id))


def make_service(
    log: MemoryLog,
    *,
    today: date = date(2026, 11, 22),
    fund_coverage: FundCoverage = covers_nothing,
    regions: dict[str, str] | None = None,
    terms: MilestoneTerms = TERMS,
    retries: int = 5,
    notify: Callable[[], None] = lambda: None,
) -> Service:
    """The service on an in-memory log; ``regions``: municipality → labour-market region."""
    mapping = regions or {}
    return Service(
        log.unit_of_work, today=lambda: today, access=AccessPolicy(fund_coverage), region_of=lambda m: mapping.get(m, "onbekend"),
        terms=terms, notify=notify, retries=retries,
    )
