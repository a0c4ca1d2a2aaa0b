"""Money digests: per trajectory, agreement and claim, its events as the money reads them.

A trajectory's digest keeps only the fields ``domain.money.TRAJECTORY_FIELDS`` names (no free
text, nothing of the candidate); an agreement's and a claim's keep their events whole. The
``money`` projection appends each batch's events to them (``adapters.money.projection``);
reports read them instead of decoding the log (``adapters.money.log``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.eventstore import EventStore
from adapters.money.codec import append_events, encode_events
from adapters.tables import events, money_digests
from domain.financing import Claim, FinancingAgreement
from domain.money import TRAJECTORY_FIELDS, LoggedEvent, logged, logged_part, trajectory_money_event
from domain.trajectory import Trajectory


def _prefix(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}."


TRAJECTORY_PREFIX = _prefix(Trajectory)


AGREEMENT_PREFIX = _prefix(FinancingAgreement)


CLAIM_PREFIX = _prefix(Claim)


KINDS = {TRAJECTORY_PREFIX: "trajectory", AGREEMENT_PREFIX: "agreement", CLAIM_PREFIX: "claim"}


def kind_of(topic: str) -> str | None:
    for prefix, kind in KINDS.items():
        if topic.startswith(prefix):
            return kind
    return None


def money_reads(kind: str, topic: str) -> bool:
    """Whether the money reads anything of an event with this topic (one not read is not decoded)."""
    return kind != "trajectory" or topic.rsplit(".", 1)[-1] in TRAJECTORY_FIELDS


def decoded(
    store: EventStore, kind: str, stored: StoredEvent, decode: Callable[[Any], Any] | None = None
) -> LoggedEvent | None:
    """What the money keeps of a stored event (``money_event``), decoding it only when it keeps some."""
    if not money_reads(kind, stored.topic):
        return None
    event = (decode or store.mapper.to_domain_event)(stored)
    if kind == "trajectory":  # trajectory_money_event(logged(event)), built at once
        fields = TRAJECTORY_FIELDS.get(type(event).__name__)
        return logged_part(event, fields) if fields is not None else None
    return money_event(kind, logged(event))


def money_event(kind: str, event: LoggedEvent) -> LoggedEvent | None:
    """What the money keeps of an event: a trajectory's only the fields ``trajectory_facts`` reads."""
    return trajectory_money_event(event) if kind == "trajectory" else event


@dataclass(frozen=True)
class Digest:
    version: int
    born: int
    position: int
    municipality: str | None
    events: str


DIGEST_COLUMNS = (
    money_digests.c.aggregate_id,
    money_digests.c.version,
    money_digests.c.born,
    money_digests.c.position,
    money_digests.c.municipality,
    money_digests.c.events,
)


CHUNK = 2000  # ids per query: well below SQLite's limit on bound parameters


def digests_of(session: Session, *, kind: str | None = None, ids: Sequence[UUID] | None = None) -> dict[UUID, Digest]:
    """The digests of ``ids`` (or every one of ``kind``)."""
    found: dict[UUID, Digest] = {}
    queries = []
    if ids is None:
        queries.append(select(*DIGEST_COLUMNS).where(money_digests.c.kind == kind))
    else:
        queries.extend(
            select(*DIGEST_COLUMNS).where(money_digests.c.aggregate_id.in_(ids[i : i + CHUNK]))
            for i in range(0, len(ids), CHUNK)
        )
    for query in queries:
        for aggregate_id, version, born, position, municipality, events_text in session.execute(query):
            found[aggregate_id] = Digest(version, born, position, municipality, events_text)
    return found


# log position, version, and the event as the money keeps it (None: a trajectory event it does not read)
Logged = tuple[int, int, LoggedEvent | None]


def from_log(store: EventStore, session: Session, ids: Sequence[UUID], end: int) -> dict[UUID, list[Logged]]:
    """The money's events of ``ids`` up to ``end``, decoded from the log, in version order."""
    found: dict[UUID, list[Logged]] = defaultdict(list)
    rows: list[Any] = []
    for i in range(0, len(ids), CHUNK):
        rows.extend(
            session.execute(
                select(events.c.id, events.c.originator_id, events.c.originator_version, events.c.topic, events.c.state)
                .where(events.c.originator_id.in_(ids[i : i + CHUNK]), events.c.id <= end)
            )
        )
    rows.sort(key=lambda row: row[0])
    for position, originator_id, version, topic, state in rows:
        kind = kind_of(topic)
        if kind is None:
            continue
        stored = StoredEvent(originator_id=originator_id, originator_version=version, topic=topic, state=bytes(state))
        found[originator_id].append((position, version, decoded(store, kind, stored)))
    return found


def digest_row(aggregate_id: UUID, kind: str, found: Sequence[Logged], earlier: Digest | None) -> dict[str, Any]:
    """The digest of an aggregate: ``earlier`` (None: none yet) followed by ``found``."""
    more = encode_events(e for _, _, e in found if e is not None)
    first = found[0][2] if earlier is None else None
    return {
        "aggregate_id": aggregate_id,
        "kind": kind,
        "municipality": earlier.municipality if earlier is not None else digest_municipality(kind, first),
        "version": found[-1][1],
        "born": earlier.born if earlier is not None else found[0][0],
        "position": found[-1][0],
        "events": append_events(earlier.events, more) if earlier is not None else more,
    }


def digest_municipality(kind: str, first: LoggedEvent | None) -> str | None:
    if kind == "agreement" or first is None:
        return None
    return first.data.get("municipality")
