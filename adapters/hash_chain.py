"""Tamper evidence: every aggregate's events form a hash chain, kept in ``event_hashes``.

For each stored event the chain records two hashes, written in the same transaction as the
event itself:

- the *event digest*: SHA-256 over the stored event as it lies in the database (aggregate id,
  topic and state bytes, each length-prefixed);
- the *chain hash*: SHA-256 over the previous version's chain hash, this version number, the
  event's position in the whole log (its notification id) and the event digest.

``verify`` recomputes both from the stored events and names every event that was changed,
removed, inserted or reordered (stored under another version, or at another position of the
log), and every chain record that was altered. The digest leaves version and position out on
purpose, so a moved event is recognised as reordered rather than merely changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from adapters.tables import event_hashes, events

GENESIS = bytes(32)


def event_digest(originator_id: UUID | str, topic: str, state: bytes) -> str:
    digest = hashlib.sha256()
    for part in (str(originator_id).encode(), topic.encode(), bytes(state)):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def chain_hash(previous: str | None, version: int, position: int, digest: str) -> str:
    value = hashlib.sha256()
    value.update(bytes.fromhex(previous) if previous else GENESIS)
    value.update(int(version).to_bytes(8, "big", signed=True))
    value.update(int(position).to_bytes(8, "big", signed=True))
    value.update(bytes.fromhex(digest))
    return value.hexdigest()


class BrokenChain(Exception):
    """A new event cannot be chained: the record of its predecessor is missing."""


def chain_rows(previous: str | None, stored: Iterable[tuple[UUID | str, int, int, str, bytes]]) -> list[dict[str, Any]]:
    """The ``event_hashes`` rows of consecutive events of one aggregate, after ``previous``;
    each event as (aggregate id, version, log position, topic, state)."""
    rows = []
    for originator_id, version, position, topic, state in stored:
        digest = event_digest(originator_id, topic, state)
        previous = chain_hash(previous, version, position, digest)
        rows.append(
            {"originator_id": originator_id, "originator_version": version, "position": position,
             "event_digest": digest, "chain_hash": previous}
        )
    return rows


def append_to_chains(session: Session | Connection, stored_events: Sequence[StoredEvent], positions: Sequence[int]) -> None:
    """Insert the chain records of newly stored events (in the caller's transaction);
    ``positions`` are their notification ids, in the same order."""
    by_aggregate: dict[UUID | str, list[tuple[StoredEvent, int]]] = {}
    for stored, position in zip(stored_events, positions, strict=True):
        by_aggregate.setdefault(stored.originator_id, []).append((stored, position))
    rows: list[dict[str, Any]] = []
    for originator_id, batch in by_aggregate.items():
        batch.sort(key=lambda pair: pair[0].originator_version)
        first = batch[0][0].originator_version
        previous = None
        if first > 1:
            previous = session.execute(
                select(event_hashes.c.chain_hash).where(
                    event_hashes.c.originator_id == originator_id, event_hashes.c.originator_version == first - 1
                )
            ).scalar_one_or_none()
            if previous is None:
                raise BrokenChain(f"no chain record of {originator_id} version {first - 1}; run `leerroute verify`")
        rows.extend(
            chain_rows(previous, ((e.originator_id, e.originator_version, p, e.topic, e.state) for e, p in batch))
        )
    if rows:
        session.execute(insert(event_hashes), rows)


class HashChainedRecorder(SQLAlchemyApplicationRecorder):
    """The library's recorder, plus the chain records in the same transaction as the events."""

    def _insert_stored_events(self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        ids = super()._insert_stored_events(session, stored_events, **kwargs)
        append_to_chains(session, stored_events, ids)
        return ids


# --- verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    originator_id: UUID
    version: int
    kind: str  # changed | removed | reordered | inserted | chain-altered
    detail: str

    def __str__(self) -> str:
        return f"{self.originator_id} v{self.version}: {self.kind}: {self.detail}"


# The head of each aggregate's chain at some moment: aggregate id → (version, chain hash). Kept
# outside the database, it catches someone who rewrote events and their chain records alike.
Anchor = dict[str, tuple[int, str]]


@dataclass
class Report:
    aggregates: int = 0
    events: int = 0
    findings: list[Finding] = field(default_factory=list)
    heads: Anchor = field(default_factory=dict)

    @property
    def intact(self) -> bool:
        return not self.findings


def check_aggregate(
    originator_id: UUID, stored: dict[int, tuple[int, str, bytes]], recorded: dict[int, tuple[int, str, str]]
) -> list[Finding]:
    """Compare one aggregate's stored events (version → position, topic, state) with its chain
    records (version → position, event digest, chain hash)."""
    findings: list[Finding] = []
    # The chain records themselves: contiguous from 1, each hash following from the previous.
    previous = None
    for version in range(1, max(recorded, default=0) + 1):
        record = recorded.get(version)
        if record is None:
            findings.append(Finding(originator_id, version, "chain-altered", "the chain record of this version is missing"))
            previous = None
            continue
        position, digest, stored_hash = record
        if (previous is not None or version == 1) and chain_hash(previous, version, position, digest) != stored_hash:
            findings.append(Finding(originator_id, version, "chain-altered", "the chain record does not follow from its predecessor"))
        previous = stored_hash
    # The events against the records.
    digest_versions = {digest: version for version, (_, digest, _) in recorded.items()}
    seen = set()
    for version, (position, topic, state) in sorted(stored.items()):
        digest = event_digest(originator_id, topic, state)
        seen.add(digest)
        record = recorded.get(version)
        if record is not None and record[1] == digest:
            if record[0] != position:
                findings.append(
                    Finding(originator_id, version, "reordered", f"recorded at log position {record[0]}, now at {position}")
                )
            continue
        elsewhere = digest_versions.get(digest)
        if elsewhere is not None:
            findings.append(Finding(originator_id, version, "reordered", f"this is the event recorded as version {elsewhere}"))
        elif record is None:
            findings.append(Finding(originator_id, version, "inserted", "this event is not in the chain"))
        else:
            findings.append(Finding(originator_id, version, "changed", f"{topic.rsplit('.', 1)[-1]} differs from what was recorded"))
    for version, (_, digest, _) in sorted(recorded.items()):
        if version not in stored and digest not in seen:
            findings.append(Finding(originator_id, version, "removed", "the recorded event is no longer stored"))
    return findings


def _grouped(rows: Iterator[Any], key: Callable[[Any], UUID]) -> Iterator[tuple[UUID, list[Any]]]:
    current: UUID | None = None
    batch: list[Any] = []
    for row in rows:
        k = key(row)
        if batch and k != current:
            yield current, batch  # type: ignore[misc]
            batch = []
        current = k
        batch.append(row)
    if batch:
        yield current, batch  # type: ignore[misc]


def check_anchor(originator_id: UUID, recorded: dict[int, tuple[int, str, str]], anchored: tuple[int, str]) -> list[Finding]:
    """The chain must still pass through the head the anchor took of it."""
    version, chain = anchored
    record = recorded.get(version)
    if record is None:
        return [Finding(originator_id, version, "removed", "the chain no longer reaches the version the anchor recorded")]
    if record[2] != chain:
        return [Finding(originator_id, version, "rewritten",
                        "the chain up to this version differs from the anchor: events were rewritten with their chain records")]
    return []


def verify(
    connection: Connection,
    *,
    anchor: Anchor | None = None,
    on_progress: Callable[[int], None] | None = None,
    batch: int = 2000,
) -> Report:
    """Re-check every event of the store against its chain (streamed, aggregate by aggregate),
    and, given an ``anchor`` taken earlier, every chain against it. ``Report.heads`` is the
    anchor to keep for the next run."""
    anchor = dict(anchor or {})
    report = Report()
    event_rows = connection.execution_options(yield_per=batch).execute(
        select(events.c.id, events.c.originator_id, events.c.originator_version, events.c.topic, events.c.state).order_by(
            events.c.originator_id, events.c.originator_version
        )
    )
    recorded: dict[UUID, dict[int, tuple[int, str, str]]] = {}
    for row in connection.execute(select(event_hashes)):
        recorded.setdefault(row.originator_id, {})[row.originator_version] = (row.position, row.event_digest, row.chain_hash)
    done = 0
    def check(originator_id: UUID, stored: dict[int, tuple[int, str, bytes]], chain: dict[int, tuple[int, str, str]]) -> None:
        report.findings.extend(check_aggregate(originator_id, stored, chain))
        anchored = anchor.pop(str(originator_id), None)
        if anchored is not None:
            report.findings.extend(check_anchor(originator_id, chain, (int(anchored[0]), str(anchored[1]))))
        if chain:
            head = max(chain)
            report.heads[str(originator_id)] = (head, chain[head][2])
        report.aggregates += 1

    for originator_id, rows in _grouped(iter(event_rows), key=lambda r: r.originator_id):
        stored = {r.originator_version: (r.id, r.topic, bytes(r.state)) for r in rows}
        check(originator_id, stored, recorded.pop(originator_id, {}))
        report.events += len(stored)
        done += len(stored)
        if on_progress is not None and done >= batch:
            on_progress(done)
            done = 0
    for originator_id, chain in recorded.items():  # every event of these aggregates is gone
        check(originator_id, {}, chain)
    for key, (version, _) in anchor.items():  # anchored aggregates without events or chain records
        report.findings.append(Finding(UUID(key), int(version), "removed", "the aggregate the anchor recorded is gone"))
    if on_progress is not None and done:
        on_progress(done)
    report.findings.sort(key=lambda f: (str(f.originator_id), f.version))
    return report
