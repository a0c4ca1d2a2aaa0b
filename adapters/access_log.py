"""The access log, in the spirit of the Logboek dataverwerkingen: who (subject, role,
organisation) processed which candidate's data (by pseudonym), in which processing activity,
when, and under which trace id.

A write's entry goes into the write's own transaction; a read's entry is committed before the
response leaves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import func, select

from adapters.clock import Clock
from adapters.database import Executor, insert_rows, read_session, write_session
from adapters.tables import access_log
from domain.values import Actor


@dataclass(frozen=True)
class Access:
    """One processing of one candidate's data."""

    trajectory_id: UUID
    municipality: str
    candidate_pseudonym: str


@dataclass(frozen=True)
class AccessEntry:
    occurred_at: datetime
    subject: str
    role: str
    organisation: str
    activity: str
    trace_id: str
    trajectory_id: UUID
    candidate_pseudonym: str


class AccessLog:
    def __init__(self, database_url: str, clock: Clock):
        self._url = database_url
        self._clock = clock

    def record(self, session: Executor, actor: Actor, accesses: Iterable[Access], *, activity: str, trace_id: str) -> None:
        rows = [
            {
                "occurred_at": self._clock.now(),
                "subject": actor.subject,
                "role": str(actor.role),
                "organisation": actor.organisation,
                "municipality": a.municipality,
                "trajectory_id": a.trajectory_id,
                "candidate_pseudonym": a.candidate_pseudonym,
                "activity": activity,
                "trace_id": trace_id,
            }
            for a in accesses
        ]
        if rows:
            insert_rows(session, access_log, rows)

    def record_read(self, actor: Actor, accesses: Iterable[Access], *, activity: str, trace_id: str) -> None:
        accesses = list(accesses)
        if accesses:
            with write_session(self._url) as session:
                self.record(session, actor, accesses, activity=activity, trace_id=trace_id)

    def entries(self, candidate_pseudonym: str, *, page: int, page_size: int) -> tuple[list[AccessEntry], int]:
        """One candidate's entries, oldest first."""
        where = access_log.c.candidate_pseudonym == candidate_pseudonym
        with read_session(self._url) as session:
            total = session.execute(select(func.count()).select_from(access_log).where(where)).scalar_one()
            rows = session.execute(
                select(access_log).where(where).order_by(access_log.c.occurred_at, access_log.c.id)
                .offset((page - 1) * page_size).limit(page_size)
            ).all()
        return [
            AccessEntry(
                occurred_at=_utc(r.occurred_at), subject=r.subject, role=r.role, organisation=r.organisation, activity=r.activity,
                trace_id=r.trace_id, trajectory_id=r.trajectory_id, candidate_pseudonym=r.candidate_pseudonym,
            )
            for r in rows
        ], total


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
