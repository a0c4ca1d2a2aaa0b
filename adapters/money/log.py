"""The money read from the log: what a money figure is derived from.

One trajectory's money reads that trajectory, the agreements and its claims; a municipality's or
a fund's report only what its lines and savings can come from (``read_scoped_log``); the
national report all of them (``read_log``). Their events come from the money digests
(``adapters.money.digests``) and from the log after the ``money`` projection's position, decoded
(the tail). ``decode_log`` decodes the whole log, as it is: what the digests are checked against
(``adapters.money.reconcile``, the tests).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adapters.database import read_session
from adapters.eventstore import EventStore, originator
from adapters.money import savings
from adapters.money.codec import decode_events
from adapters.money.digests import (
    AGREEMENT_PREFIX,
    CLAIM_PREFIX,
    KINDS,
    TRAJECTORY_PREFIX,
    Digest,
    Logged,
    decoded,
    digests_of,
    from_log,
)
from adapters.regions import UNMAPPED
from adapters.tables import (
    events,
    money_agreements,
    money_claims,
    municipality_regions,
    projection_positions,
    trajectory_summaries,
)
from domain.money import AsOf, LoggedEvent, MoneyScope, agreement_as_of, logged
from domain.payments import agreement_places


@dataclass
class MoneyLog:
    """The events the money is derived from, per aggregate, in log order."""

    trajectories: dict[UUID, list[LoggedEvent]] = field(default_factory=lambda: defaultdict(list))
    agreements: dict[UUID, list[LoggedEvent]] = field(default_factory=lambda: defaultdict(list))
    claims: dict[UUID, list[LoggedEvent]] = field(default_factory=lambda: defaultdict(list))


def _notifications(store: EventStore, batch: int = 1000) -> Iterator[Notification]:
    position = 0
    while True:
        notifications = store.recorder.select_notifications(start=position, limit=batch, inclusive_of_start=False)
        if not notifications:
            return
        yield from notifications
        position = notifications[-1].id


def decode_log(store: EventStore) -> MoneyLog:
    """Every trajectory, agreement and claim event decoded from the whole log, as it is: what the
    money digests are checked against (``reconcile``, the tests)."""
    log = MoneyLog()
    for notification in _notifications(store):
        topic = notification.topic
        if topic.startswith(TRAJECTORY_PREFIX):
            target = log.trajectories
        elif topic.startswith(AGREEMENT_PREFIX):
            target = log.agreements
        elif topic.startswith(CLAIM_PREFIX):
            target = log.claims
        else:
            continue
        target[originator(notification)].append(logged(store.mapper.to_domain_event(notification)))
    return log


def _assemble(
    store: EventStore,
    session: Session,
    end: int,
    ids: Iterable[UUID],
    digests: dict[UUID, Digest],
    tail: dict[UUID, list[Logged]],
) -> dict[UUID, list[LoggedEvent]]:
    """The events up to ``end`` of ``ids``: each one's digest and, after its version, the tail;
    in the order the aggregates first appear in the log (as ``decode_log`` gives them). An
    aggregate without a usable digest (none yet, or one written past ``end`` by a projection
    that moved on meanwhile) is decoded from the log."""
    assembled: list[tuple[int, UUID, list[LoggedEvent]]] = []
    missing: list[UUID] = []
    for aggregate_id in ids:
        digest = digests.get(aggregate_id)
        seen = tail.get(aggregate_id, ())
        if digest is not None and digest.position <= end:
            history, version, born = decode_events(digest.events), digest.version, digest.born
        elif seen and seen[0][1] == 1:
            history, version, born = [], 0, seen[0][0]
        else:
            missing.append(aggregate_id)
            continue
        history.extend(e for _, v, e in seen if v > version and e is not None)
        assembled.append((born, aggregate_id, history))
    for aggregate_id, found in from_log(store, session, missing, end).items():
        assembled.append((found[0][0], aggregate_id, [e for _, _, e in found if e is not None]))
    assembled.sort(key=lambda item: item[0])
    histories: dict[UUID, list[LoggedEvent]] = defaultdict(list)
    for _, aggregate_id, history in assembled:
        histories[aggregate_id] = history
    return histories


def _position(session: Session, names: Sequence[str]) -> int:
    stored: dict[str, int] = dict(
        session.execute(
            select(projection_positions.c.name, projection_positions.c.position).where(projection_positions.c.name.in_(names))
        ).tuples().all()
    )
    return min(int(stored.get(name) or 0) for name in names)


def read_log(store: EventStore, database_url: str) -> MoneyLog:
    """Every trajectory, agreement and claim as the money reads them: the money digests, and
    the log after the money projection's position decoded. The same figures as
    ``decode_log``, with a trajectory's events reduced to what ``trajectory_facts`` reads."""
    with read_session(database_url) as session:
        end = session.execute(select(func.max(events.c.id))).scalar() or 0
        tail = _tail(store, session, _position(session, ["money"]), end)
        log = MoneyLog()
        for prefix, target in ((TRAJECTORY_PREFIX, "trajectories"), (AGREEMENT_PREFIX, "agreements"), (CLAIM_PREFIX, "claims")):
            digests = digests_of(session, kind=KINDS[prefix])
            ids = list(dict.fromkeys([*digests, *tail[prefix]]))
            setattr(log, target, _assemble(store, session, end, ids, digests, tail[prefix]))
    return log


# The read models whose rows name the aggregates of a scope: ``trajectory_summaries`` (route
# summaries) and ``money_agreements``/``money_claims`` (money).
SCOPE_PROJECTIONS = ("route-summaries", "money")


def read_scoped_log(
    store: EventStore, database_url: str, scope: MoneyScope, *, lines_of: Callable[[str], str] | None = None
) -> MoneyLog:
    """The events of the trajectories, agreements and claims ``scope`` needs, exactly as
    ``read_log`` would give them for those aggregates.

    The aggregates are found in the read models, which lag the log by their projections'
    position; the log after that position (the tail, normally a few events) is read as well,
    and the aggregates it starts are added when they fall in the scope. Everything is read up to
    the end of the log as it was at the start, so the figures are those of the whole log up to
    that moment. (On PostgreSQL the event store locks its table on insert, so events become
    visible in the order of their positions and nothing is committed behind the end read.)

    ``lines_of`` (the region of a municipality): only the trajectories the report's lines can
    come from are read: those an agreement can concern (by its places) and those with a claim;
    their savings are read from the month aggregates (``read_savings``).
    """
    if scope.everything and lines_of is None:
        return read_log(store, database_url)
    with read_session(database_url) as session:
        end = session.execute(select(func.max(events.c.id))).scalar() or 0
        tail = _tail(store, session, _position(session, SCOPE_PROJECTIONS), end)
        born = {k: _born(events_of) for k, events_of in tail.items()}

        # Agreements: all of them (they are few), or a fund's own.
        agreement_rows = select(money_agreements.c.agreement_id)
        tail_agreements = list(born[AGREEMENT_PREFIX])
        if scope.fund is not None:
            agreement_rows = agreement_rows.where(
                (money_agreements.c.payer == scope.fund) | (money_agreements.c.claimant == scope.fund)
            )
            tail_agreements = [a for a, d in born[AGREEMENT_PREFIX].items() if scope.fund in (d.get("payer"), d.get("claimant"))]
        agreements = _histories(store, session, end, agreement_rows, tail_agreements, tail[AGREEMENT_PREFIX])

        # Claims and trajectories.
        trajectory_rows: Any = None
        tail_trajectories: list[UUID] = []
        if scope.trajectory is not None:
            claim_rows = select(money_claims.c.claim_id).where(money_claims.c.trajectory_id == scope.trajectory)
            if scope.municipality is not None:  # the trajectory's own municipality: the claims' index
                claim_rows = claim_rows.where(money_claims.c.municipality == scope.municipality)
            tail_claims = [c for c, d in born[CLAIM_PREFIX].items() if d.get("trajectory_id") == scope.trajectory]
            tail_trajectories = [scope.trajectory]
        elif scope.municipality is not None:
            claim_rows = select(money_claims.c.claim_id).where(money_claims.c.municipality == scope.municipality)
            tail_claims = [c for c, d in born[CLAIM_PREFIX].items() if d.get("municipality") == scope.municipality]
            if lines_of is None or _concerned(agreements, [scope.municipality], lines_of):
                trajectory_rows = select(trajectory_summaries.c.trajectory_id).where(
                    trajectory_summaries.c.municipality == scope.municipality
                )
                tail_trajectories = [t for t, d in born[TRAJECTORY_PREFIX].items() if d.get("municipality") == scope.municipality]
            else:  # no agreement concerns the municipality: the lines are those of its claims
                trajectory_rows = select(money_claims.c.trajectory_id).where(money_claims.c.municipality == scope.municipality)
                tail_trajectories = [d["trajectory_id"] for c, d in born[CLAIM_PREFIX].items() if c in tail_claims]
        elif scope.everything:
            assert lines_of is not None
            claim_rows = select(money_claims.c.claim_id)
            tail_claims = list(born[CLAIM_PREFIX])
            tail_trajectories = [d["trajectory_id"] for d in born[CLAIM_PREFIX].values()]
            everywhere = any(p is None for p in _places(agreements))
            known = list(session.execute(select(trajectory_summaries.c.municipality).distinct()).scalars())
            candidates = set(known) | {d.get("municipality") for d in born[TRAJECTORY_PREFIX].values()}
            chosen = sorted(m for m in candidates if m and (everywhere or _concerned(agreements, [m], lines_of)))
            trajectory_rows = select(trajectory_summaries.c.trajectory_id).where(
                trajectory_summaries.c.municipality.in_(chosen)
            ).union(select(money_claims.c.trajectory_id))
            tail_trajectories += [t for t, d in born[TRAJECTORY_PREFIX].items() if d.get("municipality") in chosen]
        else:
            own = list(agreements)
            claim_rows = select(money_claims.c.claim_id).where(money_claims.c.agreement_id.in_(own))
            tail_claims = [c for c, d in born[CLAIM_PREFIX].items() if d.get("agreement_id") in agreements]
            views = [v for a, h in agreements.items() if (v := agreement_as_of(a, h, AsOf(date.max))) is not None]
            covered = [agreement_places(v) for v in views]
            places = set().union(*(c for c in covered if c is not None))
            claimed = select(money_claims.c.trajectory_id).where(money_claims.c.agreement_id.in_(own))
            tail_trajectories = [d["trajectory_id"] for c, d in born[CLAIM_PREFIX].items() if c in tail_claims]
            # An agreement without a place restriction concerns every trajectory, and one for the
            # unmapped region every municipality outside the regions' list: read them all.
            if None in covered or UNMAPPED in places:
                trajectory_rows = select(trajectory_summaries.c.trajectory_id)
                tail_trajectories += list(born[TRAJECTORY_PREFIX])
            else:
                mapping: dict[str, str] = dict(
                    session.execute(select(municipality_regions.c.municipality, municipality_regions.c.region)).tuples().all()
                )
                municipalities = places | {m for m, region in mapping.items() if region in places}
                trajectory_rows = select(trajectory_summaries.c.trajectory_id).where(
                    trajectory_summaries.c.municipality.in_(sorted(municipalities))
                ).union(claimed)
                tail_trajectories += [t for t, d in born[TRAJECTORY_PREFIX].items() if d.get("municipality") in municipalities]
        claims = _histories(store, session, end, claim_rows, tail_claims, tail[CLAIM_PREFIX])
        trajectories = _histories(store, session, end, trajectory_rows, tail_trajectories, tail[TRAJECTORY_PREFIX])
    return MoneyLog(trajectories=trajectories, agreements=agreements, claims=claims)


def _places(agreements: dict[UUID, list[LoggedEvent]]) -> list[frozenset[str] | None]:
    """The places every agreement's terms ever named (None: one that names none)."""
    views = [v for a, h in agreements.items() if (v := agreement_as_of(a, h, AsOf(date.max))) is not None]
    return [agreement_places(v) for v in views]


def _concerned(agreements: dict[UUID, list[LoggedEvent]], municipalities: Sequence[str], region_of: Callable[[str], str]) -> bool:
    """Whether an agreement can concern a trajectory of these municipalities (``derive``'s
    candidates: one without places, or one naming the municipality or its region)."""
    places = _places(agreements)
    return any(p is None or m in p or region_of(m) in p for p in places for m in municipalities)


_Tail = dict[str, dict[UUID, list[Logged]]]


def _tail(store: EventStore, session: Session, position: int, end: int) -> _Tail:
    """The trajectory, agreement and claim events after ``position`` up to ``end``, with their
    log positions and versions, as the money keeps them (``money_event``; None for a trajectory
    event it does not read)."""
    found: _Tail = {p: defaultdict(list) for p in KINDS}
    if position >= end:
        return found
    rows = session.execute(
        select(events.c.id, events.c.originator_id, events.c.originator_version, events.c.topic, events.c.state)
        .where(events.c.id > position, events.c.id <= end)
        .order_by(events.c.id)
    )
    for log_position, originator_id, version, topic, state in rows:
        for prefix, target in found.items():
            if topic.startswith(prefix):
                stored = StoredEvent(originator_id=originator_id, originator_version=version, topic=topic, state=bytes(state))
                target[originator_id].append((log_position, version, decoded(store, KINDS[prefix], stored)))
                break
    return found


def _born(tail: dict[UUID, list[Logged]]) -> dict[UUID, dict[str, Any]]:
    """The aggregates whose first event lies in the tail, with that event's data."""
    return {originator_id: seen[0][2].data for originator_id, seen in tail.items() if seen[0][1] == 1 and seen[0][2]}


def _histories(
    store: EventStore, session: Session, end: int, rows: Any, extra: Sequence[UUID], tail: dict[UUID, list[Logged]]
) -> dict[UUID, list[LoggedEvent]]:
    """The events up to ``end`` of the aggregates selected by ``rows`` (a query of ids, or None)
    and of ``extra``, per aggregate in the order they first appear in the log (as ``read_log``).

    The ids are fetched first and passed as values: the read models and the money digests keep
    UUIDs in different column types than the event store (the same on PostgreSQL, not on SQLite)."""
    ids = list(dict.fromkeys([*(session.execute(rows).scalars() if rows is not None else ()), *extra]))
    return _assemble(store, session, end, ids, digests_of(session, ids=ids), tail)


def fund_agreement_ids(store: EventStore, database_url: str, fund: str) -> list[UUID]:
    """The agreements a fund pays or claims under: those in the read model, and those concluded
    in the log after the money projection's position, so a fund sees an agreement it has just
    concluded (and what that agreement covers) at once. The position is read before the rows,
    so an agreement the projection stores meanwhile is found at least once."""
    a = money_agreements
    with read_session(database_url) as session:
        position = _position(session, ["money"])
        found = list(session.execute(select(a.c.agreement_id).where((a.c.payer == fund) | (a.c.claimant == fund))).scalars())
        born = session.execute(
            select(events.c.originator_id, events.c.originator_version, events.c.topic, events.c.state)
            .where(events.c.id > position, events.c.originator_version == 1, events.c.topic.startswith(AGREEMENT_PREFIX))
            .order_by(events.c.id)
        )
        for originator_id, version, topic, state in born:
            stored = StoredEvent(originator_id=originator_id, originator_version=version, topic=topic, state=bytes(state))
            event = decoded(store, KINDS[AGREEMENT_PREFIX], stored)
            if event is not None and fund in (event.data.get("payer"), event.data.get("claimant")):
                found.append(originator_id)
    return list(dict.fromkeys(found))


def read_savings(
    store: EventStore, database_url: str, municipalities: Sequence[str] | None, as_of: AsOf
) -> dict[str, dict[str, int]]:
    """Per municipality (those named, or all), the savings per month completed by ``as_of``
    as known then, from the month aggregates (``adapters.money.savings``) as of the money
    projection's position, with the trajectories whose savings events lie after it (the tail)
    taken out of them and derived from their digests and the tail instead: the figures of the
    whole log. Read in one snapshot, so the position and the aggregates agree."""
    with read_session(database_url) as session:
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        end = session.execute(select(func.max(events.c.id))).scalar() or 0
        tail = _tail(store, session, _position(session, ["money"]), end)[TRAJECTORY_PREFIX]
        totals = savings.known_contributions(session, municipalities, as_of.known)
        touched = [t for t, seen in tail.items() if any(e is not None and e.name in savings.SAVINGS_EVENTS for _, _, e in seen)]
        if touched:
            histories = _assemble(store, session, end, touched, digests_of(session, ids=touched), tail)
            stored = savings.stored_changes(session, touched, as_of.known)
            wanted = set(municipalities) if municipalities is not None else None
            for trajectory_id in touched:
                history = histories.get(trajectory_id)
                if not history:
                    continue
                municipality = history[0].data["municipality"]
                if wanted is not None and municipality not in wanted:
                    continue
                savings.combine(totals[municipality], stored.get(trajectory_id, {}), -1)
                savings.combine(totals[municipality], savings.known_by(trajectory_id, history, as_of.known))
    return {m: months for m, total in totals.items() if (months := savings.months_through(total, as_of.day))}
