"""The read side of subscriptions: the own organisation's subscriptions, one subscription's
delivery status (cursor, lag, recent attempts), its current secret for the answer of the write
that made it, and the catalogue of event types.

A subscription is visible to its organisation in the role that registered it; to anyone else
it does not exist (``NotFound``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from adapters import notification_store as rows
from adapters.database import read_session
from adapters.eventstore import EventStore
from adapters.notifications.dispatcher import Dispatcher
from adapters.tables import events
from domain.errors import NotFound
from domain.event_types import CATALOGUE, EventType
from domain.subscriptions import Subscription, is_failing
from domain.values import Actor


@dataclass(frozen=True)
class DeliveryStatus:
    subscription: Subscription
    position: int
    log_end: int
    lag_events: int
    lag_seconds: float
    delivered: int
    last_delivered_at: datetime | None
    failures: int
    failing: bool
    failing_since: datetime | None
    next_attempt_at: datetime | None
    attempts: list[rows.Attempt]


class SubscriptionQueries:
    def __init__(self, *, store: EventStore, database_url: str, dispatcher: Dispatcher, secret_box: rows.SecretBox,
                 failing_after: timedelta):
        self._store = store
        self._url = database_url
        self._dispatcher = dispatcher
        self._box = secret_box
        self._failing_after = failing_after

    @staticmethod
    def event_types() -> list[EventType]:
        return list(CATALOGUE.values())

    def subscription(self, actor: Actor, subscription_id: UUID) -> Subscription:
        found = self._store.aggregate(subscription_id)
        if not isinstance(found, Subscription) or not found.owned_by(actor) or str(found.status) == "deleted":
            raise NotFound("subscription", f"no subscription {subscription_id}")
        return found

    def subscriptions(self, actor: Actor) -> list[Subscription]:
        with read_session(self._url) as session:
            ids = [c.subscription_id for c in rows.cursors(session, organisation=actor.organisation, role=str(actor.role))]
        found = (self._store.aggregate(i) for i in ids)
        return [s for s in found if isinstance(s, Subscription) and s.owned_by(actor)]

    def secret(self, subscription: Subscription) -> str | None:
        """The current secret: only in the answer of the write that registered or rotated it."""
        with read_session(self._url) as session:
            return rows.current_secret(session, self._box, subscription.id)

    def status(self, actor: Actor, subscription_id: UUID, *, attempts: int = 20) -> DeliveryStatus:
        subscription = self.subscription(actor, subscription_id)
        return self.delivery_status(subscription, attempts=attempts)

    def delivery_status(self, subscription: Subscription, *, attempts: int = 20) -> DeliveryStatus:
        now = self._dispatcher.now()
        with read_session(self._url) as session:
            cursor = rows.cursor(session, subscription.id)
            assert cursor is not None, "every subscription has a cursor"
            log_end = session.execute(select(func.max(events.c.id))).scalar() or 0
            lag_events = session.execute(select(func.count()).where(events.c.id > cursor.position)).scalar() or 0
            oldest = session.execute(select(events).where(events.c.id > cursor.position).order_by(events.c.id).limit(1)).first()
            recent = rows.attempts(session, subscription.id, attempts)
        lag_seconds = max((now - self._store.recorded_at(oldest)).total_seconds(), 0.0) if oldest is not None else 0.0
        failing_since = _aware(cursor.failing_since)
        return DeliveryStatus(
            subscription=subscription, position=cursor.position, log_end=log_end, lag_events=lag_events, lag_seconds=lag_seconds,
            delivered=cursor.delivered, last_delivered_at=_aware(cursor.last_delivered_at), failures=cursor.failures,
            failing=is_failing(failing_since, now, self._failing_after), failing_since=failing_since,
            next_attempt_at=_aware(cursor.next_attempt_at), attempts=recent,
        )

    def all_statuses(self) -> list[DeliveryStatus]:
        """Every subscription's status (the CLI, for operators)."""
        with read_session(self._url) as session:
            ids = [c.subscription_id for c in rows.cursors(session)]
        found = (self._store.aggregate(i) for i in ids)
        return [self.delivery_status(s) for s in found if isinstance(s, Subscription)]


def _aware(moment: Any) -> Any:
    from datetime import UTC

    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
