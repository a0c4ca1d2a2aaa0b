"""What notifications keep beside the log: the subscriptions' secrets, their cursors and the
recent delivery attempts.

Secrets are encrypted at rest with AES-256-GCM under a key derived (HKDF) from the master key of
personal data (``LEERROUTE_PERSONAL_DATA_SECRET``), with the subscription id and version bound in,
so a database dump holds no usable secret. A rotation keeps the previous version until its
``valid_until``; deliveries are signed with every valid version.

The cursor is the position of the last event the subscription has had delivered (or that it was
not to receive); a delivery run holds a lease on it (``lease_owner``, ``lease_until``), so two
workers never deliver to one subscription at once, and a worker killed mid-delivery leaves a
lease that simply expires.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, desc, func, insert, or_, select, update
from sqlalchemy.orm import Session

from adapters.tables import events, notification_attempts, notification_cursors, subscription_secrets

KEPT_ATTEMPTS = 100  # per subscription, the most recent


def _derive(master_secret: str) -> AESGCM:
    return AESGCM(
        HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"leerroute subscription secrets").derive(master_secret.encode())
    )


class SecretBox:
    """Seals under the current master key; opens what any configured master key sealed (the
    previous ones of ``LEERROUTE_PERSONAL_DATA_PREVIOUS_SECRETS`` during a rotation)."""

    def __init__(self, master_secret: str, previous_secrets: Sequence[str] = ()):
        self._aead = _derive(master_secret)
        self._previous = [_derive(s) for s in previous_secrets]

    def seal(self, subscription_id: UUID, version: int, secret: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, secret.encode(), _bound(subscription_id, version))

    def open(self, subscription_id: UUID, version: int, sealed: bytes) -> str:
        return self._open(subscription_id, version, sealed)[0]

    def _open(self, subscription_id: UUID, version: int, sealed: bytes) -> tuple[str, bool]:
        """The secret, and whether the current master key sealed it."""
        sealed = bytes(sealed)
        for index, aead in enumerate([self._aead, *self._previous]):
            try:
                return aead.decrypt(sealed[:12], sealed[12:], _bound(subscription_id, version)).decode(), index == 0
            except InvalidTag:
                continue
        raise InvalidTag(f"subscription {subscription_id}: no configured master key opens secret version {version}")

    def reseal(self, session: Session) -> int:
        """Seal again under the current master key every secret a previous one sealed (part of
        ``leerroute keys rotate``); returns how many."""
        s = subscription_secrets
        done = 0
        for row in session.execute(select(s)).all():
            secret, current = self._open(row.subscription_id, row.version, row.sealed)
            if not current:
                session.execute(update(s).where(s.c.subscription_id == row.subscription_id, s.c.version == row.version)
                                .values(sealed=self.seal(row.subscription_id, row.version, secret)))
                done += 1
        return done


def _bound(subscription_id: UUID, version: int) -> bytes:
    return subscription_id.bytes + version.to_bytes(4, "big")


# -- written in a command's unit of work --------------------------------------------------------------


def keep_secret(session: Session, box: SecretBox, subscription_id: UUID, version: int, secret: str,
                previous_valid_until: datetime | None) -> None:
    s = subscription_secrets
    if version > 1:
        session.execute(delete(s).where(s.c.subscription_id == subscription_id, s.c.version < version - 1))
        session.execute(update(s).where(s.c.subscription_id == subscription_id, s.c.version == version - 1)
                        .values(valid_until=previous_valid_until))
    session.execute(insert(s).values(subscription_id=subscription_id, version=version, sealed=box.seal(subscription_id, version, secret)))


def open_cursor(session: Session, subscription_id: UUID, organisation: str, role: str, position: int) -> None:
    session.execute(insert(notification_cursors).values(
        subscription_id=subscription_id, organisation=organisation, role=role, status="active", position=position, failures=0,
        delivered=0,
    ))


def set_status(session: Session, subscription_id: UUID, status: str) -> None:
    values: dict[str, Any] = {"status": status}
    if status != "active":
        values.update(lease_owner=None, lease_until=None)
    else:
        values.update(next_attempt_at=None)  # resumed: try at once
    session.execute(update(notification_cursors).where(notification_cursors.c.subscription_id == subscription_id).values(**values))
    if status == "deleted":
        session.execute(delete(subscription_secrets).where(subscription_secrets.c.subscription_id == subscription_id))


def move_cursor(session: Session, subscription_id: UUID, position: int) -> None:
    """Replay: back (or forward) to ``position``; a delivery run in progress loses its lease."""
    session.execute(update(notification_cursors).where(notification_cursors.c.subscription_id == subscription_id).values(
        position=position, lease_owner=None, lease_until=None, next_attempt_at=None, failures=0, failing_since=None,
    ))


def first_position_at(session: Session, moment: datetime, recorded_at: Any) -> int:
    """The position just before the first event recorded at or after ``moment`` (a binary search
    over the log: recording times grow with the position)."""
    last = session.execute(select(func.max(events.c.id))).scalar() or 0
    low, high = 0, last  # invariant: events up to ``low`` were recorded before ``moment``
    while low < high:
        middle = (low + high + 1) // 2
        row = session.execute(select(events).where(events.c.id >= middle).order_by(events.c.id).limit(1)).first()
        if row is None or recorded_at(row) >= moment:
            high = middle - 1
        else:
            low = row.id
    return low


# -- read and written by the dispatcher ----------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    subscription_id: UUID
    organisation: str
    role: str
    status: str
    position: int
    next_attempt_at: datetime | None
    failures: int
    failing_since: datetime | None
    delivered: int
    last_delivered_at: datetime | None


def cursor(session: Session, subscription_id: UUID) -> Cursor | None:
    c = notification_cursors
    row = session.execute(select(c).where(c.c.subscription_id == subscription_id)).first()
    return _cursor(row) if row is not None else None


def _cursor(row: Any) -> Cursor:
    return Cursor(row.subscription_id, row.organisation, row.role, row.status, int(row.position), row.next_attempt_at,
                  int(row.failures), row.failing_since, int(row.delivered), row.last_delivered_at)


def cursors(session: Session, *, organisation: str | None = None, role: str | None = None) -> list[Cursor]:
    c = notification_cursors
    query = select(c).where(c.c.status != "deleted").order_by(c.c.subscription_id)
    if organisation is not None:
        query = query.where(c.c.organisation == organisation, c.c.role == role)
    return [_cursor(r) for r in session.execute(query)]


def due(session: Session, now: datetime, log_end: int) -> list[UUID]:
    """Active subscriptions behind the log whose retry time has come and that nobody delivers to."""
    c = notification_cursors
    query = select(c.c.subscription_id).where(
        c.c.status == "active", c.c.position < log_end,
        or_(c.c.next_attempt_at.is_(None), c.c.next_attempt_at <= now),
        or_(c.c.lease_until.is_(None), c.c.lease_until < now),
    )
    return list(session.execute(query).scalars())


def take_lease(session: Session, subscription_id: UUID, owner: str, now: datetime, lease: timedelta) -> int | None:
    """The cursor's position, when this run may deliver (the lease is free and the retry due)."""
    c = notification_cursors
    taken = session.execute(
        update(c).where(
            c.c.subscription_id == subscription_id, c.c.status == "active",
            or_(c.c.lease_until.is_(None), c.c.lease_until < now),
            or_(c.c.next_attempt_at.is_(None), c.c.next_attempt_at <= now),
        ).values(lease_owner=owner, lease_until=now + lease).returning(c.c.position)
    ).first()
    return int(taken[0]) if taken is not None else None


def advance(session: Session, subscription_id: UUID, owner: str, position: int, *, delivered: int, now: datetime,
            lease: timedelta) -> bool:
    """Move the cursor to ``position`` after a success; False when the lease was lost."""
    c = notification_cursors
    values: dict[str, Any] = {"position": position, "lease_until": now + lease}
    if delivered:
        values.update(delivered=c.c.delivered + delivered, last_delivered_at=now, failures=0, failing_since=None,
                      next_attempt_at=None)
    done = session.execute(update(c).where(c.c.subscription_id == subscription_id, c.c.lease_owner == owner).values(**values))
    return bool(done.rowcount)  # type: ignore[attr-defined]


def failed(session: Session, subscription_id: UUID, owner: str, position: int, *, now: datetime,
           next_attempt_at: datetime) -> None:
    """After a failure: the cursor stays before the failed event; the retry waits."""
    c = notification_cursors
    session.execute(update(c).where(c.c.subscription_id == subscription_id, c.c.lease_owner == owner).values(
        position=position, failures=c.c.failures + 1, failing_since=func.coalesce(c.c.failing_since, now),
        next_attempt_at=next_attempt_at, lease_owner=None, lease_until=None,
    ))


def release(session: Session, subscription_id: UUID, owner: str) -> None:
    c = notification_cursors
    session.execute(update(c).where(c.c.subscription_id == subscription_id, c.c.lease_owner == owner)
                    .values(lease_owner=None, lease_until=None))


def secrets(session: Session, box: SecretBox, subscription_id: UUID, now: datetime) -> list[str]:
    """The secrets a delivery is signed with: the current one and a previous one still valid."""
    s = subscription_secrets
    rows = session.execute(select(s).where(s.c.subscription_id == subscription_id).order_by(desc(s.c.version))).all()
    return [box.open(subscription_id, r.version, r.sealed) for i, r in enumerate(rows)
            if i == 0 or (r.valid_until is not None and _aware(r.valid_until) > now)]


def current_secret(session: Session, box: SecretBox, subscription_id: UUID) -> str | None:
    s = subscription_secrets
    row = session.execute(select(s).where(s.c.subscription_id == subscription_id).order_by(desc(s.c.version)).limit(1)).first()
    return box.open(subscription_id, row.version, row.sealed) if row is not None else None


@dataclass(frozen=True)
class Attempt:
    attempted_at: datetime
    position: int
    event_id: str
    event_type: str
    status_code: int | None
    latency_ms: int
    error: str | None


def record_attempts(session: Session, subscription_id: UUID, made: list[Attempt]) -> None:
    """Record attempts; every so often drop those beyond the most recent ``KEPT_ATTEMPTS``."""
    if not made:
        return
    a = notification_attempts
    session.execute(insert(a), [{"subscription_id": subscription_id, **attempt.__dict__} for attempt in made])
    if os.urandom(1)[0] < 16:  # about one flush in sixteen
        oldest_kept = session.execute(
            select(a.c.id).where(a.c.subscription_id == subscription_id).order_by(desc(a.c.id)).offset(KEPT_ATTEMPTS).limit(1)
        ).scalar()
        if oldest_kept is not None:
            session.execute(delete(a).where(a.c.subscription_id == subscription_id, a.c.id <= oldest_kept))


def attempts(session: Session, subscription_id: UUID, limit: int = 20) -> list[Attempt]:
    a = notification_attempts
    rows = session.execute(select(a).where(a.c.subscription_id == subscription_id).order_by(desc(a.c.id)).limit(limit))
    return [Attempt(_aware(r.attempted_at), int(r.position), r.event_id, r.event_type, r.status_code, r.latency_ms, r.error)
            for r in rows]


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
