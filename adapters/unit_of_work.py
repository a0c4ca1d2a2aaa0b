"""Run one write request as one database transaction, safely repeatable.

- The command's events, and the stored response for its ``Idempotency-Key``, commit together.
- Two requests with the same key: the second waits for the first (the key's primary key is
  taken first thing in the transaction) and then gets the first one's response; nothing is
  recorded twice. A key reused with a different request is refused.
- Two writers on the same trajectory: the event store's unique (aggregate, version) index lets
  one win. Without ``If-Match`` the loser simply runs again on the new state, so nothing is
  lost; with ``If-Match`` the caller asked for exactly that version and gets a mismatch.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import eventsourcing.persistence as es_persistence
import sqlalchemy.exc
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from adapters.clock import Clock
from adapters.database import read_session, write_session
from adapters.tables import idempotency_records


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: dict | list | None
    headers: dict[str, str] = field(default_factory=dict)
    replayed: bool = False


class IdempotencyKeyReused(Exception):
    """The key was used before for a different request."""


class ConcurrentWriteConflict(Exception):
    """A write lost the race for a version and may not be retried (it named its version)."""


@dataclass(frozen=True)
class IdempotencyKey:
    scope: str
    key: str
    fingerprint: str

    @staticmethod
    def fingerprint_of(method: str, path: str, body: bytes) -> str:
        return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


_CONFLICTS = (sqlalchemy.exc.IntegrityError, es_persistence.IntegrityError)
_pause = threading.Event()  # never set: a sleep that does not block other threads' signals


class UnitOfWork:
    def __init__(self, database_url: str, clock: Clock, retries: int = 5):
        self._url = database_url
        self._clock = clock
        self._retries = retries

    def run(
        self,
        work: Callable[[Session], StoredResponse],
        *,
        idempotency: IdempotencyKey | None = None,
        retry_on_conflict: bool = True,
    ) -> StoredResponse:
        for attempt in range(self._retries + 1):
            if idempotency is not None:
                stored = self._stored(idempotency)
                if stored is not None:
                    return stored
            try:
                with write_session(self._url) as session:
                    if idempotency is not None:
                        self._claim(session, idempotency)
                    response = work(session)
                    if idempotency is not None:
                        self._remember(session, idempotency, response)
                return response
            except _KeyTaken:
                continue  # another request with this key committed first: replay it
            except _CONFLICTS as error:
                if not retry_on_conflict:
                    raise ConcurrentWriteConflict() from error
                if attempt == self._retries:
                    raise ConcurrentWriteConflict() from error
                _pause.wait(random.uniform(0, 0.01 * 2**attempt))
        raise ConcurrentWriteConflict()

    def _stored(self, key: IdempotencyKey) -> StoredResponse | None:
        with read_session(self._url) as session:
            row = session.execute(
                select(idempotency_records).where(
                    idempotency_records.c.scope == key.scope, idempotency_records.c.key == key.key
                )
            ).one_or_none()
        if row is None:
            return None
        if row.fingerprint != key.fingerprint:
            raise IdempotencyKeyReused()
        return StoredResponse(row.status_code, json.loads(row.body), json.loads(row.headers), replayed=True)

    def _claim(self, session: Session, key: IdempotencyKey) -> None:
        try:
            session.execute(
                insert(idempotency_records).values(
                    scope=key.scope,
                    key=key.key,
                    fingerprint=key.fingerprint,
                    status_code=0,
                    body="null",
                    headers="{}",
                    created_at=self._now(),
                )
            )
        except sqlalchemy.exc.IntegrityError:
            raise _KeyTaken() from None

    def _remember(self, session: Session, key: IdempotencyKey, response: StoredResponse) -> None:
        session.execute(
            idempotency_records.update()
            .where(idempotency_records.c.scope == key.scope, idempotency_records.c.key == key.key)
            .values(
                status_code=response.status_code,
                body=json.dumps(response.body),
                headers=json.dumps(response.headers),
            )
        )

    def _now(self) -> datetime:
        return self._clock.now()


def forget_requests_about(session: Session, trajectory_id: object) -> int:
    """For an erasure: drop the stored requests of writes whose response points at the
    trajectory (``Location``), among them its registration, whose fingerprint is a hash over the
    candidate's personal data. A later repeat of such a request is then treated as new."""
    pattern = f'%"Location": "/v1/trajectories/{trajectory_id}%'
    return session.execute(delete(idempotency_records).where(idempotency_records.c.headers.like(pattern))).rowcount


class _KeyTaken(Exception):
    pass
