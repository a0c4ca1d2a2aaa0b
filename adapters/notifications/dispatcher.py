"""The dispatcher: reads the log from a subscription's cursor and delivers what it may receive.

One delivery run per subscription at a time (a lease on its cursor): events in log order, one
after the other, so a receiver gets them in log order (per subject, and overall); the cursor
moves past an event only after every notification made of it was answered with a 2xx (an event
the subscription is not to receive is passed over). A failure leaves the cursor where it is and
sets the next attempt after an exponential backoff with jitter; the retry is a dramatiq message
(``schedule``), and the periodic dispatch (``deliver_due``) finds any that was lost. So an outage
of any length only delays: nothing is skipped, nothing overtakes. A run killed mid-delivery
leaves its lease to expire; the next run sends the same notifications again, with the same ids.

Who receives what is decided here for every event, by ``domain.notification_access``, on the
aggregate as it stood right after the event and with the rights as they are now.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import StoredEvent
from sqlalchemy import select

from adapters import notification_store as store_rows
from adapters.clock import Clock
from adapters.database import read_session, write_session
from adapters.eventstore import EventStore
from adapters.notifications.cloudevents import Notification, body, notification_id
from adapters.notifications.sender import Sender, Sent
from adapters.tables import events
from domain.access import AccessPolicy
from domain.event_types import TRIGGER_REACHED, Kind, event_type, of_domain_event, thin_data
from domain.financing import Claim
from domain.notification_access import matches_filters, may_receive, triggers_reached
from domain.subscriptions import Subscription, SubscriptionStatus, backoff_seconds
from domain.terms import AgreementView
from domain.trajectory import Trajectory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryTerms:
    source: str
    public_url: str
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 300.0
    lease_seconds: float = 60.0
    batch_size: int = 200


class States:
    """Aggregates as they stood right after a given event, moved forward event by event."""

    def __init__(self, store: EventStore):
        self._store = store
        self._states: dict[UUID, Any] = {}

    def after(self, event: Any) -> Any:
        aggregate_id, version = event.originator_id, event.originator_version
        state = self._states.get(aggregate_id)
        if state is not None and state.version == version - 1:
            state = event.mutate(state)
        elif version == 1:
            state = event.mutate(None)
        elif state is None or state.version != version:
            state = self._store.aggregate(aggregate_id, version=version)
        self._states[aggregate_id] = state
        return state


class _Cached:
    """A lookup by organisation, asked once per organisation."""

    def __init__(self, lookup: Callable[[str], list[AgreementView]]):
        self._lookup = lookup
        self._found: dict[str, list[AgreementView]] = {}

    def __call__(self, organisation: str) -> list[AgreementView]:
        if organisation not in self._found:
            self._found[organisation] = self._lookup(organisation)
        return self._found[organisation]


class Dispatcher:
    def __init__(
        self, *, store: EventStore, database_url: str, access: AccessPolicy, region_of: Callable[[str], str],
        agreements_of: Callable[[str], list[AgreementView]], secret_box: store_rows.SecretBox, sender: Sender, clock: Clock,
        terms: DeliveryTerms, schedule: Callable[[UUID, float], None] = lambda subscription_id, delay: None,
        observe: Callable[[str, Sent], None] = lambda subscription_id, sent: None, jitter: Callable[[], float] = random.random,
        ceiling: Callable[[], int] | None = None,
    ):
        self._store = store
        self._url = database_url
        self._access = access
        self._region_of = region_of
        self._agreements_of = agreements_of
        self._box = secret_box
        self._sender = sender
        self._clock = clock
        self.terms = terms
        self.schedule = schedule
        self._observe = observe
        self._jitter = jitter
        # How far the log may be delivered: up to where the read models are (the rights that
        # depend on them, a fund's coverage, are then judged with the event in them).
        self._ceiling = ceiling or store.log_size

    # -- which subscriptions -------------------------------------------------------------------------

    def due(self) -> list[UUID]:
        with read_session(self._url) as session:
            return store_rows.due(session, self._clock.now(), self._ceiling())

    def deliver_due(self) -> int:
        """Deliver to every subscription that is due, one after the other; how many were delivered."""
        return sum(self.deliver(subscription_id) for subscription_id in self.due())

    # -- one subscription ------------------------------------------------------------------------------

    def deliver(self, subscription_id: UUID) -> int:
        """One delivery run: from the cursor to the end of the log, or to the first failure."""
        owner = uuid4().hex
        with write_session(self._url) as session:
            position = store_rows.take_lease(session, subscription_id, owner, self._clock.now(), self._lease)
        if position is None:
            return 0
        subscription = self._store.aggregate(subscription_id)
        run = _Run(self, subscription_id, owner, position)
        try:
            if not isinstance(subscription, Subscription) or subscription.status is not SubscriptionStatus.ACTIVE:
                return 0
            with read_session(self._url) as session:
                secrets = store_rows.secrets(session, self._box, subscription_id, self._clock.now())
            states = States(self._store)
            while True:
                batch = self._events_after(run.position, self._ceiling())
                if not batch:
                    run.flush()
                    return run.delivered
                agreements = _Cached(self._agreements_of)  # the rights as they are, read once per batch
                for at, event in batch:
                    for note in self.notifications_for(subscription, at, event, states, agreements):
                        sent = self._send(subscription, note, secrets, run)
                        if not sent.ok:
                            run.flush()
                            self._failed(subscription, owner, run.position)
                            return run.delivered
                    run.passed(at)
                    if run.due() and not run.flush():
                        return run.delivered  # a replay moved the cursor: the next run takes over
                if not run.flush():
                    return run.delivered
        finally:
            with write_session(self._url) as session:
                store_rows.release(session, subscription_id, owner)

    @property
    def _lease(self) -> timedelta:
        return timedelta(seconds=self.terms.lease_seconds)

    def _failed(self, subscription: Subscription, owner: str, position: int) -> None:
        with read_session(self._url) as session:
            current = store_rows.cursor(session, subscription.id)
        failures = (current.failures if current else 0) + 1
        delay = backoff_seconds(failures, base=self.terms.backoff_base_seconds, cap=self.terms.backoff_cap_seconds,
                                jitter=self._jitter())
        now = self._clock.now()
        with write_session(self._url) as session:
            store_rows.failed(session, subscription.id, owner, position, now=now, next_attempt_at=now + timedelta(seconds=delay))
        self.schedule(subscription.id, delay)

    def _send(self, subscription: Subscription, note: Notification, secrets: list[str], run: _Run) -> Sent:
        text = body(note, self.terms.source)
        sent = self._sender.post(subscription.callback_url, note.id, text, secrets)
        run.attempts.append(store_rows.Attempt(self._clock.now(), note.position, note.id, note.type, sent.status_code,
                                               sent.latency_ms, sent.error))
        if sent.ok:
            run.delivered += 1
            run.unsaved += 1
        self._observe(str(subscription.id), sent)
        return sent

    # -- the log ---------------------------------------------------------------------------------------

    def _events_after(self, position: int, ceiling: int) -> list[tuple[int, Any]]:
        e = events
        query = (select(e.c.id, e.c.originator_id, e.c.originator_version, e.c.topic, e.c.state)
                 .where(e.c.id > position, e.c.id <= ceiling).order_by(e.c.id).limit(self.terms.batch_size))
        with read_session(self._url) as session:
            rows = session.execute(query).all()
        decoded = []
        for row in rows:
            stored = StoredEvent(originator_id=row.originator_id, originator_version=row.originator_version, topic=row.topic,
                                 state=bytes(row.state))
            decoded.append((int(row.id), self._store.mapper.to_domain_event(stored)))
        return decoded

    # -- what a subscription receives of one event --------------------------------------------------------

    def notifications_for(self, subscription: Subscription, position: int, event: Any, states: States,
                          agreements_of: Callable[[str], list[AgreementView]] | None = None) -> list[Notification]:
        name = type(event).__name__
        kind = of_domain_event(name)
        derived = TRIGGER_REACHED in subscription.event_types
        if kind is None and not derived:
            return []
        wanted = kind is not None and kind.name in subscription.event_types
        if not wanted and not derived:
            return []
        state = states.after(event)
        fields = dict(vars(event))
        subscriber = subscription.subscriber
        out: list[Notification] = []
        if isinstance(state, Trajectory):
            placement_id = fields.get("placement_id")
            employer = state.placements[placement_id].employer_kvk if placement_id in state.placements else None
            if not matches_filters(subscription.filters, municipality=state.municipality, trajectory_id=state.id,
                                   employer_kvk=employer):
                return []
            if wanted and kind is not None and may_receive(self._access, subscriber, kind, trajectory=state,
                                                           placement_id=placement_id):
                out.append(self._trajectory_notification(subscription, position, event, kind.name, state, fields, employer))
            if derived:
                region = self._region_of(state.municipality)
                for agreement in triggers_reached(subscriber, name, fields, state, region, agreements_of or self._agreements_of):
                    out.append(self._trigger_notification(subscription, position, event, state, fields, agreement))
        elif isinstance(state, Claim) and wanted and kind is not None:
            if matches_filters(subscription.filters, municipality=state.municipality, trajectory_id=state.trajectory_id,
                               employer_kvk=None) and may_receive(self._access, subscriber, kind, claim=state):
                out.append(self._claim_notification(subscription, position, event, kind.name, state, fields))
        return out

    def _link(self, path: str) -> str:
        return self.terms.public_url.rstrip("/") + path

    def _trajectory_notification(self, subscription: Subscription, position: int, event: Any, type_name: str, trajectory: Trajectory,
                                 fields: dict[str, Any], employer: str | None) -> Notification:
        kind = event_type(type_name)
        assert kind is not None
        data = {"trajectoryId": str(trajectory.id), "municipality": trajectory.municipality,
                "occurredOn": fields["on"].isoformat(), **thin_data(kind, fields)}
        path = f"/v1/trajectories/{trajectory.id}"
        subject = str(trajectory.id)
        if kind.kind is Kind.PLACEMENT:
            placement_id = fields["placement_id"]
            data["employerKvk"] = employer
            path += f"/placements/{placement_id}"
            subject = str(placement_id)
        data["link"] = self._link(path)
        return Notification(notification_id(subscription.id, position, type_name), type_name, position, subject,
                            event.timestamp, self._link(path), data)

    def _trigger_notification(self, subscription: Subscription, position: int, event: Any, trajectory: Trajectory, fields: dict[str, Any],
                              agreement: AgreementView) -> Notification:
        path = f"/v1/trajectories/{trajectory.id}"
        data = {"trajectoryId": str(trajectory.id), "municipality": trajectory.municipality, "agreementId": str(agreement.id),
                "trigger": str(agreement.trigger), "reachedOn": fields["on"].isoformat(), "link": self._link(path),
                "agreement": self._link(f"/v1/financing-agreements/{agreement.id}")}
        return Notification(notification_id(subscription.id, position, TRIGGER_REACHED, str(agreement.id)), TRIGGER_REACHED,
                            position, str(trajectory.id), event.timestamp, self._link(path), data)

    def _claim_notification(self, subscription: Subscription, position: int, event: Any, type_name: str, claim: Claim,
                            fields: dict[str, Any]) -> Notification:
        kind = event_type(type_name)
        assert kind is not None
        path = f"/v1/claims/{claim.id}"
        data = {"claimId": str(claim.id), "agreementId": str(claim.agreement_id), "trajectoryId": str(claim.trajectory_id),
                "municipality": claim.municipality, "status": str(claim.status), "occurredOn": fields["on"].isoformat(),
                **thin_data(kind, fields), "link": self._link(path)}
        return Notification(notification_id(subscription.id, position, type_name), type_name, position, str(claim.id),
                            event.timestamp, self._link(path), data)

    # -- the delivery log ----------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self._clock.now()


class _Run:
    """One delivery run's progress: the cursor moves (with the attempts recorded) in one
    transaction every ``FLUSH_EVERY`` deliveries or ``FLUSH_SECONDS``, and before the run ends. A
    run that dies between two of them leaves the cursor before notifications that were
    delivered: they go again, with the same ids (at least once)."""

    FLUSH_EVERY = 20
    FLUSH_SECONDS = 0.5

    def __init__(self, dispatcher: Dispatcher, subscription_id: UUID, owner: str, position: int):
        self._dispatcher = dispatcher
        self._subscription_id = subscription_id
        self._owner = owner
        self.position = position
        self._saved = position
        self.delivered = 0
        self.unsaved = 0
        self.attempts: list[store_rows.Attempt] = []
        self._since = time.monotonic()

    def passed(self, position: int) -> None:
        self.position = position

    def due(self) -> bool:
        return self.unsaved >= self.FLUSH_EVERY or (bool(self.unsaved) and time.monotonic() - self._since >= self.FLUSH_SECONDS)

    def flush(self) -> bool:
        """Record the attempts and move the cursor; False when the lease was lost."""
        if self.position == self._saved and not self.attempts:
            return True
        d = self._dispatcher
        with write_session(d._url) as session:
            store_rows.record_attempts(session, self._subscription_id, self.attempts)
            kept = store_rows.advance(session, self._subscription_id, self._owner, self.position, delivered=self.unsaved,
                                      now=d._clock.now(), lease=d._lease)
        self.attempts, self.unsaved, self._saved, self._since = [], 0, self.position, time.monotonic()
        return kept
