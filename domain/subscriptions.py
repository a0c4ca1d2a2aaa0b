"""Subscriptions: another system of an organisation asks to be told what happens.

A subscription belongs to an organisation in one role (a municipality's klantmanagers, an
employer, a fund, procesregie); it names a callback URL, the event types it wants
(``domain.event_types``) and optional filters. Its events are versioned like every other
aggregate's: registered, secret rotated, paused, resumed, replay requested, deleted. Its secrets
are never in the log: the log records only which secret version is current and until when the
previous one stays valid; the secrets themselves are kept encrypted beside it.

Which events it receives is decided at delivery time by ``domain.notification_access``, so a
change of rights takes effect at once; this module checks what can be checked when it is
registered: the URL, the names of the types and the shape of the filters.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from fnmatch import fnmatch
from urllib.parse import urlsplit
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidField, RuleViolation
from domain.event_types import CATALOGUE
from domain.values import Actor, Role, checked, validate_kvk, validate_municipality_code

SUBSCRIBER_ROLES = frozenset({Role.KLANTMANAGER, Role.EMPLOYER, Role.FUND, Role.PROCESREGIE})


@dataclass(frozen=True)
class SubscriptionTerms:
    """From the configuration: the hosts a callback may name, and how long a rotated-out secret
    keeps signing deliveries."""

    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")
    secret_grace: timedelta = timedelta(hours=24)


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DELETED = "deleted"


@dataclass(frozen=True)
class Filters:
    """Optional narrowing: only events of this municipality, trajectory or employer."""

    municipality: str | None = None
    trajectory_id: UUID | None = None
    employer_kvk: str | None = None

    def as_dict(self) -> dict[str, str]:
        values = {"municipality": self.municipality, "trajectoryId": self.trajectory_id, "employerKvk": self.employer_kvk}
        return {k: str(v) for k, v in values.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, str] | None) -> Filters:
        data = data or {}
        trajectory = data.get("trajectoryId")
        return cls(data.get("municipality"), UUID(trajectory) if trajectory else None, data.get("employerKvk"))


def check_callback_url(url: str, allowed_hosts: tuple[str, ...]) -> str:
    """An http(s) URL without credentials, on a host the configuration allows (a guard against
    requests to internal systems: ``LEERROUTE_NOTIFICATION_ALLOWED_HOSTS``)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise InvalidField("callbackUrl", "an http or https URL")
    if not parts.hostname:
        raise InvalidField("callbackUrl", "a URL with a host")
    if parts.username or parts.password:
        raise InvalidField("callbackUrl", "no user name or password in the URL (the signature authenticates)")
    if len(url) > 2000:
        raise InvalidField("callbackUrl", "at most 2000 characters")
    if not host_allowed(parts.hostname, allowed_hosts):
        raise InvalidField("callbackUrl", f"host {parts.hostname} is not among the allowed callback hosts")
    return url.strip()


def host_allowed(host: str, allowed_hosts: tuple[str, ...]) -> bool:
    """Whether ``host`` matches a pattern of the allowed list (``*.example.nl`` matches every
    sub-domain; an IP address matches only itself or a network such as ``10.1.0.0/16``)."""
    host = host.lower().strip("[]")
    for pattern in allowed_hosts:
        pattern = pattern.lower().strip()
        if not pattern:
            continue
        if "/" in pattern:
            try:
                if ipaddress.ip_address(host) in ipaddress.ip_network(pattern, strict=False):
                    return True
            except ValueError:
                continue
        elif fnmatch(host, pattern):
            return True
    return False


def check_event_types(names: list[str]) -> tuple[str, ...]:
    if not names:
        raise InvalidField("eventTypes", "at least one event type (GET /v1/subscriptions/event-types lists them)")
    unknown = [n for n in names if n not in CATALOGUE]
    if unknown:
        raise InvalidField("eventTypes", f"unknown event type {unknown[0]} (GET /v1/subscriptions/event-types lists them)")
    return tuple(sorted(set(names)))


def check_filters(filters: Filters) -> Filters:
    if filters.municipality is not None:
        checked("filters.municipality", validate_municipality_code, filters.municipality)
    if filters.employer_kvk is not None:
        checked("filters.employerKvk", validate_kvk, filters.employer_kvk)
    return filters


def is_failing(failing_since: datetime | None, now: datetime, failing_after: timedelta) -> bool:
    """A subscription is failing when its deliveries have failed without a success for longer
    than the configured time."""
    return failing_since is not None and now - failing_since >= failing_after


def backoff_seconds(failures: int, *, base: float, cap: float, jitter: float) -> float:
    """Exponential backoff after the ``failures``-th failure in a row, capped, with a jitter
    (``jitter`` in [0, 1) is drawn by the caller): full jitter over the upper half."""
    ceiling = min(cap, base * 2 ** max(failures - 1, 0))
    return ceiling / 2 + ceiling / 2 * jitter


class Subscription(Aggregate):
    """One organisation's subscription to leerroute's events."""

    @classmethod
    def register(
        cls, *, subscription_id: UUID, callback_url: str, event_types: tuple[str, ...], filters: Filters, on: date,
        actor: Actor,
    ) -> Subscription:
        if actor.role not in SUBSCRIBER_ROLES:
            raise RuleViolation("subscriber-role", f"role {actor.role} does not subscribe to events")
        return cls(
            id=subscription_id, organisation=actor.organisation, role=actor.role, callback_url=callback_url,
            event_types=list(event_types), filters=filters.as_dict(), on=on, actor=actor,
        )

    @event("SubscriptionRegistered")
    def __init__(
        self, *, id: UUID, organisation: str, role: Role, callback_url: str, event_types: list[str], filters: dict[str, str],
        on: date, actor: Actor,
    ) -> None:
        self.organisation = organisation
        self.role = Role(role)
        self.callback_url = callback_url
        self.event_types = tuple(event_types)
        self.filters = Filters.from_dict(filters)
        self.registered_on = on
        self.status = SubscriptionStatus.ACTIVE
        self.secret_version = 1
        self.previous_secret_valid_until: datetime | None = None

    @property
    def subscriber(self) -> Actor:
        """Who the deliveries are for: the organisation in its role."""
        return Actor(subject=f"subscription:{self.id}", role=self.role, organisation=self.organisation)

    def owned_by(self, actor: Actor) -> bool:
        return actor.organisation == self.organisation and actor.role is self.role

    def _alive(self) -> None:
        if self.status is SubscriptionStatus.DELETED:
            raise RuleViolation("subscription-deleted", f"subscription {self.id} was deleted")

    def rotate_secret(self, *, previous_valid_until: datetime, on: date, actor: Actor) -> None:
        self._alive()
        self._secret_rotated(secret_version=self.secret_version + 1, previous_valid_until=previous_valid_until, on=on, actor=actor)

    @event("SubscriptionSecretRotated")
    def _secret_rotated(self, *, secret_version: int, previous_valid_until: datetime, on: date, actor: Actor) -> None:
        self.secret_version = secret_version
        self.previous_secret_valid_until = previous_valid_until

    def pause(self, *, on: date, actor: Actor) -> None:
        self._alive()
        if self.status is SubscriptionStatus.PAUSED:
            raise RuleViolation("subscription-active", f"subscription {self.id} is paused already")
        self._paused(on=on, actor=actor)

    @event("SubscriptionPaused")
    def _paused(self, *, on: date, actor: Actor) -> None:
        self.status = SubscriptionStatus.PAUSED

    def resume(self, *, on: date, actor: Actor) -> None:
        self._alive()
        if self.status is SubscriptionStatus.ACTIVE:
            raise RuleViolation("subscription-paused", f"subscription {self.id} is not paused")
        self._resumed(on=on, actor=actor)

    @event("SubscriptionResumed")
    def _resumed(self, *, on: date, actor: Actor) -> None:
        self.status = SubscriptionStatus.ACTIVE

    def request_replay(self, *, from_position: int, on: date, actor: Actor) -> None:
        """Deliver again every event after ``from_position`` (a log position)."""
        self._alive()
        if from_position < 0:
            raise InvalidField("fromPosition", "a log position, 0 or more")
        self._replay_requested(from_position=from_position, on=on, actor=actor)

    @event("SubscriptionReplayRequested")
    def _replay_requested(self, *, from_position: int, on: date, actor: Actor) -> None:
        pass

    def delete(self, *, on: date, actor: Actor) -> None:
        self._alive()
        self._deleted(on=on, actor=actor)

    @event("SubscriptionDeleted")
    def _deleted(self, *, on: date, actor: Actor) -> None:
        self.status = SubscriptionStatus.DELETED
