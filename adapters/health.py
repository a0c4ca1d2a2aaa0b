"""The checks behind ``/health/ready``: each answers quickly and says what it found.

The database answers a ``SELECT 1``; Redis a ``PING`` (when configured); the database's Alembic
revision is the newest this code knows; and per projection, how many events and seconds it lags
behind the end of the log (the age of the oldest event it has not read yet).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import redis
from alembic.script import ScriptDirectory
from eventsourcing.persistence import Notification
from sqlalchemy import select, text

from adapters.database import read_session
from adapters.eventstore import EventStore
from adapters.migrations import alembic_config
from adapters.tables import events

_redis_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def database(url: str) -> Check:
    try:
        with read_session(url) as session:
            session.execute(text("SELECT 1"))
        return Check("database", True, "answers")
    except Exception as error:
        return Check("database", False, f"does not answer: {type(error).__name__}")


def redis_ping(url: str) -> Check:
    with _lock:
        client = _redis_clients.get(url)
        if client is None:
            client = _redis_clients[url] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
        return Check("redis", True, "answers")
    except Exception as error:
        return Check("redis", False, f"does not answer: {type(error).__name__}")


@cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def migrations(url: str) -> Check:
    try:
        with read_session(url) as session:
            current = session.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    except Exception as error:
        return Check("migrations", False, f"no revision readable: {type(error).__name__}")
    head = head_revision()
    if current != head:
        return Check("migrations", False, f"database at {current}, code at {head}: run leerroute migrate")
    return Check("migrations", True, f"at head {head}")


def lag_seconds(store: EventStore, url: str, position: int, *, now: datetime | None = None) -> float:
    """How long the oldest event after ``position`` has waited (0 when there is none)."""
    e = events
    with read_session(url) as session:
        row = session.execute(
            select(e.c.id, e.c.originator_id, e.c.originator_version, e.c.topic, e.c.state)
            .where(e.c.id > position).order_by(e.c.id).limit(1)
        ).first()
    if row is None:
        return 0.0
    notification = Notification(id=row.id, originator_id=row.originator_id, originator_version=row.originator_version,
                                topic=row.topic, state=bytes(row.state))
    recorded: datetime = getattr(store.mapper.to_domain_event(notification), "timestamp")  # noqa: B009 (not in the protocol)
    return max(0.0, ((now or datetime.now(UTC)) - recorded).total_seconds())
