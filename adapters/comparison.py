"""The comparison's read model: per trajectory the events the comparison reads
(``domain.comparison.COMPARISON_FIELDS``), with their business dates and recording times, kept by
the ``comparison`` projection; and its reading, per region, as of a business date.

Each event is kept whole in its meaning (its name, ``on``, when it was recorded and the fields
read), so a figure as of any business date and as known at any moment is derived from these rows
exactly as from the log itself. Nothing of the candidate and no free text is copied.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from adapters.database import read_session
from adapters.eventstore import EventStore, originator
from adapters.money.codec import decode_events, encode_events
from adapters.money.digests import TRAJECTORY_PREFIX
from adapters.tables import comparison_events
from adapters.upserts import insert_rows, upsert
from domain.comparison import COMPARISON_FIELDS
from domain.money import LoggedEvent, logged_part

CHUNK = 2000  # ids per query: well below SQLite's limit on bound parameters


def _read(topic: str) -> bool:
    return topic.startswith(TRAJECTORY_PREFIX) and topic.rsplit(".", 1)[-1] in COMPARISON_FIELDS


@dataclass
class ComparisonProjection:
    """One row per trajectory event the comparison reads."""

    name: str = "comparison"
    tables: Sequence[Table] = (comparison_events,)

    def write_notifications(
        self,
        session: Session,
        store: EventStore,
        notifications: Sequence[Notification],
        decode: Callable[[Notification], Any] | None = None,
        *,
        rebuilding: bool = False,
    ) -> None:
        """``rebuilding``: the table was emptied and every event comes once, so its rows are new."""
        to_domain = decode or store.mapper.to_domain_event
        found: list[tuple[Notification, LoggedEvent]] = []
        municipality: dict[UUID, str] = {}
        for n in notifications:
            if not _read(n.topic):
                continue
            decoded = to_domain(n)
            fields = COMPARISON_FIELDS.get(type(decoded).__name__)
            assert fields is not None
            event = logged_part(decoded, fields)  # comparison_event(logged(decoded)), built at once
            assert event.on is not None
            found.append((n, event))
            if event.name == "TrajectoryRegistered":
                municipality[originator(n)] = event.data["municipality"]
        if not found:
            return
        unknown = list({originator(n) for n, _ in found} - set(municipality))
        municipality.update(municipalities_of(session, unknown))
        rows = [
            {
                "trajectory_id": originator(n),
                "version": n.originator_version,
                "position": n.id,
                "municipality": municipality[originator(n)],
                "occurred_on": event.on,
                "event": encode_events([event]),
            }
            for n, event in found
        ]
        if rebuilding:
            insert_rows(session, comparison_events, rows)
        else:
            upsert(session, comparison_events, rows, ["trajectory_id", "version"])


def municipalities_of(session: Session, ids: Sequence[UUID]) -> dict[UUID, str]:
    c = comparison_events
    found: dict[UUID, str] = {}
    for i in range(0, len(ids), CHUNK):
        query = select(c.c.trajectory_id, c.c.municipality).where(c.c.trajectory_id.in_(ids[i : i + CHUNK])).distinct()
        found.update(session.execute(query).tuples().all())
    return found


def read_routes(database_url: str, day: date, municipalities: Collection[str] | None = None) -> dict[UUID, tuple[str, list[LoggedEvent]]]:
    """Per trajectory (of ``municipalities``, or every one) its municipality and the events the
    comparison reads that happened by ``day``, in log order."""
    c = comparison_events
    query = select(c.c.trajectory_id, c.c.municipality, c.c.event).where(c.c.occurred_on <= day)
    if municipalities is not None:
        query = query.where(c.c.municipality.in_(sorted(municipalities)))
    routes: dict[UUID, tuple[str, list[LoggedEvent]]] = {}
    events_of: dict[UUID, list[LoggedEvent]] = defaultdict(list)
    with read_session(database_url) as session:
        for trajectory_id, municipality, text in session.execute(query.order_by(c.c.position)):
            if trajectory_id not in routes:
                routes[trajectory_id] = (municipality, events_of[trajectory_id])
            events_of[trajectory_id].extend(decode_events(text))
    return routes


def known_municipalities(database_url: str) -> list[str]:
    with read_session(database_url) as session:
        return list(session.execute(select(comparison_events.c.municipality).distinct()).scalars())
