"""Request bodies and responses of ``/v1/subscriptions`` (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from api.schemas import Input, Kvk, NoControlInLine
from domain.event_types import EventType
from domain.subscriptions import Filters, Subscription
from domain.values import validate_municipality_code
from leerroute.notifications import DeliveryStatus

Url = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=2000), NoControlInLine]
EventTypeName = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=80, pattern=r"^[a-z0-9.-]+$"), NoControlInLine]
Municipality = Annotated[str, StringConstraints(strict=True), AfterValidator(validate_municipality_code), NoControlInLine]


class FiltersIn(Input):
    municipality: Municipality | None = None
    trajectory_id: UUID | None = None
    employer_kvk: Kvk | None = None

    def to_filters(self) -> Filters:
        return Filters(self.municipality, self.trajectory_id, self.employer_kvk)


class SubscriptionIn(Input):
    callback_url: Url = Field(description="http(s) URL on one of the allowed callback hosts")
    event_types: list[EventTypeName] = Field(min_length=1, max_length=50, description="names from GET /v1/subscriptions/event-types")
    filters: FiltersIn = Field(default_factory=FiltersIn)


class ReplayIn(Input):
    from_position: Annotated[int, Field(ge=0, le=2**62)] | None = Field(
        default=None, description="deliver again every event after this log position"
    )
    from_time: datetime | None = Field(default=None, description="deliver again every event recorded at or after this time")


class Output(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class FiltersOut(Output):
    municipality: str | None = None
    trajectory_id: UUID | None = None
    employer_kvk: str | None = None


class SubscriptionOut(Output):
    id: UUID
    organisation: str
    role: str
    callback_url: str
    event_types: list[str]
    filters: FiltersOut
    status: str
    secret_version: int
    registered_on: str
    secret: str | None = Field(default=None, description="the signing secret: only in the answer of a registration or rotation")


class SubscriptionPageOut(Output):
    items: list[SubscriptionOut]


class EventTypeOut(Output):
    name: str
    kind: str
    description: str


class EventTypesOut(Output):
    items: list[EventTypeOut]


class AttemptOut(Output):
    attempted_at: datetime
    position: int
    event_id: str
    event_type: str
    status_code: int | None
    latency_ms: int
    error: str | None


class StatusOut(Output):
    subscription_id: UUID
    status: str
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
    attempts: list[AttemptOut]


def subscription_out(subscription: Subscription, secret: str | None = None) -> SubscriptionOut:
    f = subscription.filters
    return SubscriptionOut(
        id=subscription.id, organisation=subscription.organisation, role=str(subscription.role),
        callback_url=subscription.callback_url, event_types=list(subscription.event_types),
        filters=FiltersOut(municipality=f.municipality, trajectory_id=f.trajectory_id, employer_kvk=f.employer_kvk),
        status=str(subscription.status), secret_version=subscription.secret_version,
        registered_on=subscription.registered_on.isoformat(), secret=secret,
    )


def event_type_out(kind: EventType) -> EventTypeOut:
    return EventTypeOut(name=kind.name, kind=str(kind.kind), description=kind.description)


def status_out(status: DeliveryStatus) -> StatusOut:
    return StatusOut(
        subscription_id=status.subscription.id, status=str(status.subscription.status), position=status.position,
        log_end=status.log_end, lag_events=status.lag_events, lag_seconds=round(status.lag_seconds, 3),
        delivered=status.delivered, last_delivered_at=status.last_delivered_at, failures=status.failures, failing=status.failing,
        failing_since=status.failing_since, next_attempt_at=status.next_attempt_at,
        attempts=[AttemptOut(**a.__dict__) for a in status.attempts],
    )
