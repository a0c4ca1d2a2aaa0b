"""CloudEvents 1.0, structured JSON, in the NL GOV profile.

- ``source``: ``urn:nld:oin:<OIN>:systeem:leerroute`` when ``LEERROUTE_OIN`` is set, else the
  public URL of the API;
- ``id``: a UUID fixed by the subscription, the log position and the type (and the agreement, for
  a trigger reached), so every delivery of the same notification, a retry or a replay, carries the
  same id and a receiver can drop duplicates;
- ``subject``: the resource's id (a trajectory, a placement, a claim), never personal data;
- ``time``: when the event was recorded, UTC; ``sequence``: its log position;
- ``datacontenttype`` ``application/json``; ``dataref``: the URL of the resource;
- ``data``: thin: ids, dates, fixed codes and links (``domain.event_types.thin_data``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

NAMESPACE = UUID("6c1f0d2a-5e2b-4f55-9a7e-1d6f3b8f0c11")  # leerroute's notification ids
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


@dataclass(frozen=True)
class Notification:
    """One CloudEvent for one subscription."""

    id: str
    type: str
    position: int
    subject: str
    time: datetime
    dataref: str
    data: dict[str, Any]


def notification_id(subscription_id: UUID, position: int, type_name: str, extra: str = "") -> str:
    return str(uuid5(NAMESPACE, f"{subscription_id}:{position}:{type_name}:{extra}"))


def source_of(oin: str | None, public_url: str) -> str:
    return f"urn:nld:oin:{oin}:systeem:leerroute" if oin else public_url.rstrip("/")


def envelope(notification: Notification, source: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "type": notification.type,
        "source": source,
        "id": notification.id,
        "time": notification.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "subject": notification.subject,
        "sequence": str(notification.position),
        "datacontenttype": "application/json",
        "dataref": notification.dataref,
        "data": notification.data,
    }


def body(notification: Notification, source: str) -> str:
    """The exact text that is signed and sent."""
    return json.dumps(envelope(notification, source), separators=(",", ":"), sort_keys=True)
