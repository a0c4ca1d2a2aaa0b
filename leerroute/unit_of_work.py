"""The unit of work: the one transaction a command runs in, as the service layer sees it.

Everything a handler reads or writes goes through it, and everything it writes (the events with
their hash-chain records, the candidate's key and BSN lookup row, the access-log entry and the
idempotency record) commits together on ``commit()`` or not at all. The service layer opens one
per attempt (``with unit_of_work() as uow``) and leaves it without committing to roll back.

``adapters.unit_of_work.SqlUnitOfWork`` is the implementation on SQLite or PostgreSQL; the unit
tests use an in-memory one (``tests/unit/fakes.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from domain.candidate import PersonalData
from domain.money import LoggedEvent
from domain.trajectory import Trajectory
from domain.values import Actor
from leerroute.route_models import RouteModels


class Conflict(Exception):
    """Another transaction wrote what this one wrote (the same version of an aggregate, the same
    BSN in a municipality) and committed first; the command may run again on the new state."""


@dataclass(frozen=True)
class RequestKey:
    """An ``Idempotency-Key`` in the scope of its caller, with the fingerprint of the command."""

    scope: str
    key: str
    fingerprint: str


@dataclass(frozen=True)
class StoredOutcome:
    """What a command produced, as kept for a repeat of its request: which aggregate, at which
    version and log position, and the id of what it created in it."""

    aggregate_id: UUID
    version: int
    position: int | None
    created: str | None = None


@dataclass(frozen=True)
class StoredRequest:
    fingerprint: str
    outcome: StoredOutcome


class UnitOfWork(Protocol):
    @property
    def route_models(self) -> RouteModels:
        """Which national version and regional variant are in force, and what they say, as this
        transaction sees them (``leerroute.route_models``)."""

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> int | None:
        """Commit everything written; the log position of the last event recorded (None: none).
        Raises ``Conflict`` when another writer won."""

    # -- aggregates, as committed (read after the lock, inside the transaction) -------------------

    def lock(self, aggregate_id: UUID) -> None:
        """Serialise the writers of one aggregate until this transaction ends."""

    def get(self, aggregate_id: UUID, *, version: int | None = None) -> Any | None:
        """The aggregate (at ``version``; default its last), or None when there is none."""

    def events(self, aggregate_id: UUID) -> list[LoggedEvent]:
        """The aggregate's events as the money reads them, in version order."""

    def save(self, *aggregates: Any) -> None:
        """Record the aggregates' new events. They may be sent with a later statement (at the
        latest with the commit), so a conflict may show only there."""

    def flush(self) -> int | None:
        """Send what is recorded so far; the log position of its last event (None: none yet).
        Costs a round trip when something is pending: for a handler that needs the position."""

    # -- the candidate's personal data -----------------------------------------------------------

    def find_candidate(self, municipality: str, bsn: str) -> UUID | None:
        """The candidate registered under this BSN in the municipality."""

    def seal(self, candidate_id: UUID, person: PersonalData) -> str:
        """Create the candidate's own key and encrypt ``person`` with it."""

    def remember_candidate(self, municipality: str, bsn: str, candidate_id: UUID) -> None:
        """Make the candidate findable by BSN in the municipality (a second one is a ``Conflict``)."""

    def destroy_personal_data(self, candidate_id: UUID) -> None:
        """Delete the candidate's key and BSN lookup: the sealed data can never be read again."""

    # -- the access log ---------------------------------------------------------------------------

    def record_access(self, actor: Actor, trajectories: Sequence[Trajectory], *, activity: str, trace_id: str) -> None:
        """Record that ``actor`` processed these trajectories' candidates' data."""

    # -- idempotency records ----------------------------------------------------------------------

    def claim_request(self, key: RequestKey) -> Callable[[], StoredRequest | None]:
        """Take ``key`` for this transaction. The function returned tells whether a committed
        request holds it already (a concurrent one with the same key is waited for). The claim may
        go with the transaction's next round trip (the aggregate's lock and read), so ask after
        the handler ran; asked before, it costs a round trip of its own."""

    def remember_request(self, key: RequestKey, command: str, aggregate_id: UUID, version: int, created: str | None) -> None:
        """Keep the outcome of ``command`` (its activity name) under the key taken by
        ``claim_request``: the aggregate at ``version``, the id it created, and the log position of
        the last event this unit of work records (None: it records none)."""

    def forget_requests(self, command: str, aggregate_id: UUID) -> None:
        """Drop the kept requests of ``command`` whose outcome is this aggregate: an erasure drops
        the registration's, whose fingerprint is a hash over the candidate's personal data."""

    # -- notifications ------------------------------------------------------------------------------

    def keep_secret(self, subscription_id: UUID, version: int, secret: str, *, previous_valid_until: datetime | None) -> None:
        """Keep a subscription's secret (encrypted); the previous version stays valid until then."""

    def open_cursor(self, subscription_id: UUID, organisation: str, role: str, position: int) -> None:
        """Start the subscription's cursor on the log at ``position``."""

    def set_delivery_status(self, subscription_id: UUID, status: str) -> None:
        """``active``, ``paused`` or ``deleted`` (which also drops its secrets)."""

    def move_cursor(self, subscription_id: UUID, position: int) -> None:
        """Deliver again after ``position`` (a replay)."""

    def position_at(self, moment: datetime) -> int:
        """The log position just before the first event recorded at or after ``moment``."""
