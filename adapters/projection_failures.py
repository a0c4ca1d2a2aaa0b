"""Stopped projections: a projection that cannot process an event stops at it, and the others
go on. A row of ``projection_failures`` says which event (its log position and topic) and why;
``resume`` deletes it, and the runner tries that projection again from where it stopped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from adapters.tables import projection_failures

_ERROR_CHARS = 2000


@dataclass(frozen=True)
class Failure:
    name: str
    position: int
    topic: str
    error: str
    failed_at: datetime


def stopped(session: Session) -> dict[str, Failure]:
    f = projection_failures
    return {
        row.name: Failure(row.name, int(row.position), row.topic, row.error, row.failed_at)
        for row in session.execute(select(f.c.name, f.c.position, f.c.topic, f.c.error, f.c.failed_at))
    }


def record(session: Session, name: str, position: int, topic: str, error: BaseException) -> None:
    text = f"{type(error).__name__}: {error}"[:_ERROR_CHARS]
    session.execute(delete(projection_failures).where(projection_failures.c.name == name))
    session.execute(
        projection_failures.insert().values(name=name, position=position, topic=topic, error=text, failed_at=datetime.now(UTC))
    )


def clear(session: Session, names: Sequence[str]) -> int:
    result = session.execute(delete(projection_failures).where(projection_failures.c.name.in_(list(names))))
    return int(getattr(result, "rowcount", 0) or 0)
