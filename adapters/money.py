"""The money read from the log: reports derived per request, the ``money`` projection, reconcile.

Reports are derived from the log on every request (correctness first): the trajectories,
agreements and claims a figure needs are read as of the requested moment and handed to
``domain.money``. One trajectory's money reads that trajectory, the agreements and its claims; a
municipality's or a fund's report only what its lines and savings can come from
(``read_scoped_log``); the national report all of them (``read_log``). Their events come from
the money digests, one row per aggregate with its events as the money reads them, and from the
log after the projection's position, decoded (the tail). The ``money`` projection keeps the
digests, listings of agreements and claims and each trajectory's saving periods; ``reconcile``
re-derives those rows from the whole log, decoded (``decode_log``), and lists every difference.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.persistence import StoredEvent
from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from adapters.database import read_session
from adapters.regions import UNMAPPED
from adapters.tables import (
    events,
    money_agreements,
    money_claims,
    money_digests,
    money_saving_periods,
    municipality_regions,
    projection_positions,
    trajectory_summaries,
)
from domain.financing import AgreementView, Claim, FinancingAgreement
from domain.money import (
    AsOf,
    ClaimView,
    LoggedEvent,
    MoneyLine,
    MoneyScope,
    Report,
    SavingPeriod,
    TRAJECTORY_FIELDS,
    SavingsBaseline,
    TrajectoryFacts,
    agreement_as_of,
    agreement_places,
    build_report,
    claim_as_of,
    logged,
    money_line,
    monthly_savings,
    saving_periods,
    trajectory_facts,
    trajectory_money_event,
)
from domain.trajectory import Trajectory
from leerroute.application import LeerrouteApplication


def _prefix(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}."


TRAJECTORY_PREFIX = _prefix(Trajectory)
AGREEMENT_PREFIX = _prefix(FinancingAgreement)
CLAIM_PREFIX = _prefix(Claim)


def regions(database_url: str) -> dict[str, str]:
    with read_session(database_url) as session:
        return dict(session.execute(select(municipality_regions.c.municipality, municipality_regions.c.region)).all())


def fund_agreements(app: LeerrouteApplication, database_url: str, fund: str) -> list[AgreementView]:
    """The agreements a fund pays or claims under (from the money read model)."""
    with read_session(database_url) as session:
        ids = list(
            session.execute(
                select(money_agreements.c.agreement_id).where(
                    (money_agreements.c.payer == fund) | (money_agreements.c.claimant == fund)
                )
            ).scalars()
        )
    return [app.get_agreement(i).view() for i in ids]


def region_lookup(database_url: str) -> Callable[[str], str]:
    mapping = regions(database_url)
    return lambda municipality: mapping.get(municipality, UNMAPPED)


@dataclass
class MoneyLog:
    """The events the money is derived from, per aggregate, in log order."""

    trajectories: dict[UUID, list[LoggedEvent]] = field(default_factory=lambda: defaultdict(list))
    agreements: dict[UUID, list[LoggedEvent]] = field(default_factory=lambda: defaultdict(list))
    claims: dict[UUID, list[LoggedEvent]] = field(default_factory=lambda: defaultdict(list))


def _notifications(app: LeerrouteApplication, batch: int = 1000) -> Iterator[Notification]:
    position = 0
    while True:
        notifications = app.recorder.select_notifications(start=position, limit=batch, inclusive_of_start=False)
        if not notifications:
            return
        yield from notifications
        position = notifications[-1].id


def decode_log(app: LeerrouteApplication) -> MoneyLog:
    """Every trajectory, agreement and claim event decoded from the whole log, as it is: what the
    money digests are checked against (``reconcile``, the tests)."""
    log = MoneyLog()
    for notification in _notifications(app):
        topic = notification.topic
        if topic.startswith(TRAJECTORY_PREFIX):
            target = log.trajectories
        elif topic.startswith(AGREEMENT_PREFIX):
            target = log.agreements
        elif topic.startswith(CLAIM_PREFIX):
            target = log.claims
        else:
            continue
        target[notification.originator_id].append(logged(app.mapper.to_domain_event(notification)))
    return log


# -- money digests: the events of each aggregate as the money reads them ---------------------------

KINDS = {TRAJECTORY_PREFIX: "trajectory", AGREEMENT_PREFIX: "agreement", CLAIM_PREFIX: "claim"}


def _kind(topic: str) -> str | None:
    for prefix, kind in KINDS.items():
        if topic.startswith(prefix):
            return kind
    return None


def _read(kind: str, topic: str) -> bool:
    """Whether the money reads anything of an event with this topic (one not read is not decoded)."""
    return kind != "trajectory" or topic.rsplit(".", 1)[-1] in TRAJECTORY_FIELDS


def _decoded(
    app: LeerrouteApplication, kind: str, stored: StoredEvent, decode: Callable[[Any], Any] | None = None
) -> LoggedEvent | None:
    """What the money keeps of a stored event (``money_event``), decoding it only when it keeps some."""
    if not _read(kind, stored.topic):
        return None
    return money_event(kind, logged((decode or app.mapper.to_domain_event)(stored)))


def money_event(kind: str, event: LoggedEvent) -> LoggedEvent | None:
    """What the money keeps of an event: a trajectory's only the fields ``trajectory_facts`` reads."""
    return trajectory_money_event(event) if kind == "trajectory" else event


def _encode_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (str, int)):
        return value
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, UUID):
        return {"$u": str(value)}
    if isinstance(value, tuple):
        return {"$t": [_encode_value(v) for v in value]}
    if isinstance(value, list):
        return [_encode_value(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) and not k.startswith("$") for k in value):
            raise TypeError(f"a money digest cannot hold the keys {list(value)!r}")
        return {k: _encode_value(v) for k, v in value.items()}
    raise TypeError(f"a money digest cannot hold {type(value).__name__}")


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "$d": date.fromisoformat,
    "$dt": datetime.fromisoformat,
    "$u": UUID,
    "$t": tuple,
}


def _decode_object(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        ((key, value),) = obj.items()
        decoder = _DECODERS.get(key)
        if decoder is not None:
            return decoder(value)
    return obj


def encode_events(events: Iterable[LoggedEvent]) -> str:
    """Events as a digest holds them: a JSON list of [name, on, recorded_at, data]."""
    return json.dumps(
        [[e.name, e.on.isoformat() if e.on else None, e.recorded_at.isoformat(), _encode_value(e.data)] for e in events],
        separators=(",", ":"),
    )


def decode_events(text: str) -> list[LoggedEvent]:
    return [
        LoggedEvent(name, date.fromisoformat(on) if on else None, datetime.fromisoformat(recorded_at), data)
        for name, on, recorded_at, data in json.loads(text, object_hook=_decode_object)
    ]


def _append_events(text: str, more: str) -> str:
    """Two encoded lists as one, without decoding either."""
    if more == "[]":
        return text
    if text == "[]":
        return more
    return f"{text[:-1]},{more[1:]}"


@dataclass(frozen=True)
class _Digest:
    version: int
    born: int
    position: int
    municipality: str | None
    events: str


_DIGEST_COLUMNS = (
    money_digests.c.aggregate_id,
    money_digests.c.version,
    money_digests.c.born,
    money_digests.c.position,
    money_digests.c.municipality,
    money_digests.c.events,
)


def _digests(session: Session, *, kind: str | None = None, ids: Sequence[UUID] | None = None) -> dict[UUID, _Digest]:
    """The digests of ``ids`` (or every one of ``kind``)."""
    found: dict[UUID, _Digest] = {}
    queries = []
    if ids is None:
        queries.append(select(*_DIGEST_COLUMNS).where(money_digests.c.kind == kind))
    else:
        queries.extend(
            select(*_DIGEST_COLUMNS).where(money_digests.c.aggregate_id.in_(ids[i : i + _CHUNK]))
            for i in range(0, len(ids), _CHUNK)
        )
    for query in queries:
        for aggregate_id, version, born, position, municipality, events_text in session.execute(query):
            found[aggregate_id] = _Digest(version, born, position, municipality, events_text)
    return found


_Logged = tuple[int, int, LoggedEvent]  # log position, version, event


def _from_log(app: LeerrouteApplication, session: Session, ids: Sequence[UUID], end: int) -> dict[UUID, list[_Logged]]:
    """The money's events of ``ids`` up to ``end``, decoded from the log, in version order."""
    found: dict[UUID, list[_Logged]] = defaultdict(list)
    rows: list[Any] = []
    for i in range(0, len(ids), _CHUNK):
        rows.extend(
            session.execute(
                select(events.c.id, events.c.originator_id, events.c.originator_version, events.c.topic, events.c.state)
                .where(events.c.originator_id.in_(ids[i : i + _CHUNK]), events.c.id <= end)
            )
        )
    rows.sort(key=lambda row: row[0])
    for position, originator_id, version, topic, state in rows:
        kind = _kind(topic)
        if kind is None:
            continue
        stored = StoredEvent(originator_id=originator_id, originator_version=version, topic=topic, state=bytes(state))
        found[originator_id].append((position, version, _decoded(app, kind, stored)))  # type: ignore[arg-type]
    return found


def _assemble(
    app: LeerrouteApplication,
    session: Session,
    end: int,
    ids: Iterable[UUID],
    digests: dict[UUID, _Digest],
    tail: dict[UUID, list[_Logged]],
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
    for aggregate_id, found in _from_log(app, session, missing, end).items():
        assembled.append((found[0][0], aggregate_id, [e for _, _, e in found if e is not None]))
    assembled.sort(key=lambda item: item[0])
    histories: dict[UUID, list[LoggedEvent]] = defaultdict(list)
    for _, aggregate_id, history in assembled:
        histories[aggregate_id] = history
    return histories


def _position(session: Session, names: Sequence[str]) -> int:
    stored = dict(
        session.execute(
            select(projection_positions.c.name, projection_positions.c.position).where(projection_positions.c.name.in_(names))
        ).all()
    )
    return min(int(stored.get(name) or 0) for name in names)


def read_log(app: LeerrouteApplication, database_url: str) -> MoneyLog:
    """Every trajectory, agreement and claim as the money reads them: the money digests, and
    the log after the money projection's position decoded. The same figures as
    ``decode_log``, with a trajectory's events reduced to what ``trajectory_facts`` reads."""
    with read_session(database_url) as session:
        end = session.execute(select(func.max(events.c.id))).scalar() or 0
        tail = _tail(app, session, _position(session, ["money"]), end)
        log = MoneyLog()
        for prefix, target in ((TRAJECTORY_PREFIX, "trajectories"), (AGREEMENT_PREFIX, "agreements"), (CLAIM_PREFIX, "claims")):
            digests = _digests(session, kind=KINDS[prefix])
            ids = list(dict.fromkeys([*digests, *tail[prefix]]))
            setattr(log, target, _assemble(app, session, end, ids, digests, tail[prefix]))
    return log


# The read models whose rows name the aggregates of a scope: ``trajectory_summaries`` (route
# summaries) and ``money_agreements``/``money_claims`` (money).
SCOPE_PROJECTIONS = ("route-summaries", "money")


def read_scoped_log(app: LeerrouteApplication, database_url: str, scope: MoneyScope) -> MoneyLog:
    """The events of the trajectories, agreements and claims ``scope`` needs, exactly as
    ``read_log`` would give them for those aggregates.

    The aggregates are found in the read models, which lag the log by their projections'
    position; the log after that position (the tail, normally a few events) is read as well,
    and the aggregates it starts are added when they fall in the scope. Everything is read up to
    the end of the log as it was at the start, so the figures are those of the whole log up to
    that moment. (On PostgreSQL the event store locks its table on insert, so events become
    visible in the order of their positions and nothing is committed behind the end read.)
    """
    if scope.everything:
        return read_log(app, database_url)
    with read_session(database_url) as session:
        end = session.execute(select(func.max(events.c.id))).scalar() or 0
        tail = _tail(app, session, _position(session, SCOPE_PROJECTIONS), end)
        born = {k: _born(events_of) for k, events_of in tail.items()}

        # Agreements: all of them (they are few), or a fund's own.
        agreement_rows = select(money_agreements.c.agreement_id)
        tail_agreements = list(born[AGREEMENT_PREFIX])
        if scope.fund is not None:
            agreement_rows = agreement_rows.where(
                (money_agreements.c.payer == scope.fund) | (money_agreements.c.claimant == scope.fund)
            )
            tail_agreements = [a for a, d in born[AGREEMENT_PREFIX].items() if scope.fund in (d.get("payer"), d.get("claimant"))]
        agreements = _histories(app, session, end, agreement_rows, tail_agreements, tail[AGREEMENT_PREFIX])

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
            trajectory_rows = select(trajectory_summaries.c.trajectory_id).where(
                trajectory_summaries.c.municipality == scope.municipality
            )
            tail_trajectories = [t for t, d in born[TRAJECTORY_PREFIX].items() if d.get("municipality") == scope.municipality]
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
                mapping = dict(session.execute(select(municipality_regions.c.municipality, municipality_regions.c.region)).all())
                municipalities = places | {m for m, region in mapping.items() if region in places}
                trajectory_rows = select(trajectory_summaries.c.trajectory_id).where(
                    trajectory_summaries.c.municipality.in_(sorted(municipalities))
                ).union(claimed)
                tail_trajectories += [t for t, d in born[TRAJECTORY_PREFIX].items() if d.get("municipality") in municipalities]
        claims = _histories(app, session, end, claim_rows, tail_claims, tail[CLAIM_PREFIX])
        trajectories = _histories(app, session, end, trajectory_rows, tail_trajectories, tail[TRAJECTORY_PREFIX])
    return MoneyLog(trajectories=trajectories, agreements=agreements, claims=claims)


_Tail = dict[str, dict[UUID, list[_Logged]]]


def _tail(app: LeerrouteApplication, session: Session, position: int, end: int) -> _Tail:
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
                target[originator_id].append((log_position, version, _decoded(app, KINDS[prefix], stored)))  # type: ignore[arg-type]
                break
    return found


def _born(tail: dict[UUID, list[_Logged]]) -> dict[UUID, dict[str, Any]]:
    """The aggregates whose first event lies in the tail, with that event's data."""
    return {originator_id: seen[0][2].data for originator_id, seen in tail.items() if seen[0][1] == 1 and seen[0][2]}


_CHUNK = 2000  # ids per query: well below SQLite's limit on bound parameters


def _histories(
    app: LeerrouteApplication, session: Session, end: int, rows: Any, extra: Sequence[UUID], tail: dict[UUID, list[_Logged]]
) -> dict[UUID, list[LoggedEvent]]:
    """The events up to ``end`` of the aggregates selected by ``rows`` (a query of ids, or None)
    and of ``extra``, per aggregate in the order they first appear in the log (as ``read_log``).

    The ids are fetched first and passed as values: the read models and the money digests keep
    UUIDs in different column types than the event store (the same on PostgreSQL, not on SQLite)."""
    ids = list(dict.fromkeys([*(session.execute(rows).scalars() if rows is not None else ()), *extra]))
    return _assemble(app, session, end, ids, _digests(session, ids=ids), tail)


@dataclass
class MoneyState:
    """Every trajectory, agreement and claim as of one moment, and the lines derived from them."""

    as_of: AsOf
    facts: dict[UUID, TrajectoryFacts]
    agreements: dict[UUID, AgreementView]
    claims: dict[UUID, ClaimView]
    lines: list[MoneyLine]
    periods: dict[UUID, list[SavingPeriod]]
    savings: dict[UUID, dict[str, int]]


def derive(log: MoneyLog, as_of: AsOf, region_of: Callable[[str], str], baseline: SavingsBaseline) -> MoneyState:
    facts: dict[UUID, TrajectoryFacts] = {}
    for trajectory_id, events in log.trajectories.items():
        municipality = events[0].data.get("municipality", "") if events else ""
        f = trajectory_facts(trajectory_id, events, as_of, region_of(municipality))
        if f is not None:
            facts[trajectory_id] = f
    agreements = {a: v for a, events in log.agreements.items() if (v := agreement_as_of(a, events, as_of)) is not None}
    claims = {c: v for c, events in log.claims.items() if (v := claim_as_of(c, events, as_of)) is not None}
    claim_of = {(c.agreement_id, c.trajectory_id): c for c in claims.values()}
    # Which agreements can concern a trajectory at all: those naming its municipality or region
    # in any of their terms, those without such a restriction, and those it has a claim under.
    by_place: dict[str, list[AgreementView]] = defaultdict(list)
    everywhere: list[AgreementView] = []
    for agreement in agreements.values():
        places = agreement_places(agreement)
        if places is None:
            everywhere.append(agreement)
        else:
            for place in places:
                by_place[place].append(agreement)
    claimed: dict[UUID, list[UUID]] = defaultdict(list)
    for agreement_id, trajectory_id in claim_of:
        claimed[trajectory_id].append(agreement_id)
    lines = []
    for f in facts.values():
        candidates = {a.id: a for a in (*everywhere, *by_place.get(f.municipality, ()), *by_place.get(f.region, ()))}
        for agreement_id in claimed.get(f.id, ()):
            if agreement_id in agreements:
                candidates[agreement_id] = agreements[agreement_id]
        for agreement in sorted(candidates.values(), key=lambda a: str(a.id)):
            line = money_line(agreement, f, claim_of.get((agreement.id, f.id)), as_of.day)
            if line is not None:
                lines.append(line)
    periods = {t: saving_periods(f, baseline) for t, f in facts.items()}
    savings = {t: monthly_savings(p, as_of.day) for t, p in periods.items()}
    return MoneyState(as_of, facts, agreements, claims, lines, periods, savings)


def report_of(state: MoneyState, include: Callable[[MoneyLine], bool], include_municipality: Callable[[str], bool]) -> Report:
    """The report over the lines and municipalities the caller may see."""
    by_municipality: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for trajectory_id, months in state.savings.items():
        municipality = state.facts[trajectory_id].municipality
        if not include_municipality(municipality) or not months:
            continue
        for month, cents in months.items():
            by_municipality[municipality][month] += cents
    return build_report(
        [line for line in state.lines if include(line)],
        {m: dict(months) for m, months in by_municipality.items()},
        state.as_of,
    )


# -- the projection and reconcile ------------------------------------------------------------------


def agreement_row(agreement: FinancingAgreement) -> dict[str, Any]:
    current = agreement.terms_history[-1]
    return {
        "agreement_id": agreement.id,
        "payer_kind": str(agreement.payer_kind),
        "payer": agreement.payer,
        "claimant": agreement.claimant,
        "kind": str(agreement.kind),
        "trigger": str(agreement.trigger),
        "phase": str(agreement.phase) if agreement.phase else None,
        "valid_from": agreement.valid_from,
        "valid_until": agreement.valid_until,
        "budget_cap_cents": agreement.budget_cap_cents,
        "reserved_cents": agreement.reserved_cents,
        "amount_cents": current.amount_cents,
        "terms_changes": len(agreement.terms_history) - 1,
        "concluded_on": agreement.concluded_on,
        "version": agreement.version,
    }


def claim_row(claim: Claim) -> dict[str, Any]:
    return {
        "claim_id": claim.id,
        "agreement_id": claim.agreement_id,
        "trajectory_id": claim.trajectory_id,
        "municipality": claim.municipality,
        "payer": claim.payer,
        "claimant": claim.claimant,
        "trigger": str(claim.trigger),
        "trigger_on": claim.trigger_on,
        "amount_cents": claim.amount_cents,
        "status": str(claim.status),
        "filed_on": claim.filed_on,
        "approved_on": claim.approval.on if claim.approval else None,
        "rejected_on": claim.rejection.on if claim.rejection else None,
        "rejection_reason": claim.rejection.reason if claim.rejection else None,
        "paid_on": claim.paid_on,
        "version": claim.version,
    }


def period_rows(trajectory_id: UUID, events: Sequence[LoggedEvent], baseline: SavingsBaseline) -> list[dict[str, Any]]:
    facts = trajectory_facts(trajectory_id, events, AsOf(date.max), UNMAPPED)
    if facts is None:
        return []
    return [
        {
            "trajectory_id": trajectory_id,
            "starts_on": p.starts_on,
            "municipality": facts.municipality,
            "ends_on": p.ends_on,
            "baseline_cents": p.baseline_cents,
            "paid_cents": p.paid_cents,
        }
        for p in saving_periods(facts, baseline)
    ]


_BENEFIT_EVENTS = ("TrajectoryRegistered", "BenefitReduced", "BenefitStopped", "BenefitResumed")


def digest_row(aggregate_id: UUID, kind: str, found: Sequence[_Logged], earlier: _Digest | None) -> dict[str, Any]:
    """The digest of an aggregate: ``earlier`` (None: none yet) followed by ``found``."""
    more = encode_events(e for _, _, e in found if e is not None)
    first = found[0][2] if earlier is None else None
    return {
        "aggregate_id": aggregate_id,
        "kind": kind,
        "municipality": earlier.municipality if earlier is not None else _digest_municipality(kind, first),
        "version": found[-1][1],
        "born": earlier.born if earlier is not None else found[0][0],
        "position": found[-1][0],
        "events": _append_events(earlier.events, more) if earlier is not None else more,
    }


def _digest_municipality(kind: str, first: LoggedEvent | None) -> str | None:
    if kind == "agreement" or first is None:
        return None
    return first.data.get("municipality")


@dataclass
class MoneyProjection:
    """Agreements, claims and saving periods, as of the end of the log; and the money digests."""

    baseline: SavingsBaseline
    name: str = "money"
    tables: Sequence[Table] = (money_agreements, money_claims, money_saving_periods, money_digests)

    def write_digests(
        self,
        session: Session,
        app: LeerrouteApplication,
        notifications: Sequence[Notification],
        decode: Callable[[Notification], Any] | None = None,
        wanted: Collection[UUID] = (),
    ) -> dict[UUID, list[LoggedEvent]]:
        """Append the batch's events to the digests of their aggregates (read once, for the
        batch); an aggregate whose digest misses events before the batch is read from the log.
        Returns the events of the ``wanted`` aggregates as their digests now hold them (those
        whose digest was already past the batch left out)."""
        from adapters.projections import upsert

        batch: dict[UUID, list[Notification]] = defaultdict(list)
        for n in notifications:
            if _kind(n.topic) is not None:
                batch[n.originator_id].append(n)
        histories: dict[UUID, list[LoggedEvent]] = {}
        if not batch:
            return histories
        stored = _digests(session, ids=list(batch))
        rows, missing = [], []
        for aggregate_id, seen in batch.items():
            kind = _kind(seen[0].topic)
            assert kind is not None
            earlier = stored.get(aggregate_id)
            version = earlier.version if earlier is not None else 0
            new = [n for n in seen if n.originator_version > version]
            if not new:
                continue  # already there
            if new[0].originator_version != version + 1:
                missing.append(aggregate_id)
                continue
            found = [(n.id, n.originator_version, _decoded(app, kind, n, decode)) for n in new]
            rows.append(digest_row(aggregate_id, kind, found, earlier))  # type: ignore[arg-type]
            if aggregate_id in wanted:
                before = decode_events(earlier.events) if earlier is not None else []
                histories[aggregate_id] = before + [e for _, _, e in found if e is not None]
        end = notifications[-1].id
        for aggregate_id, found in _from_log(app, session, missing, end).items():
            kind = _kind(batch[aggregate_id][0].topic)
            assert kind is not None
            rows.append(digest_row(aggregate_id, kind, found, None))
            if aggregate_id in wanted:
                histories[aggregate_id] = [e for _, _, e in found if e is not None]
        upsert(session, money_digests, rows, ["aggregate_id"], newer="version")
        return histories

    def write_notifications(
        self,
        session: Session,
        app: LeerrouteApplication,
        notifications: Sequence[Notification],
        decode: Callable[[Notification], Any] | None = None,
    ) -> None:
        from adapters.projections import replace_rows, upsert

        latest: dict[UUID, tuple[str, int]] = {}
        benefit_touched: set[UUID] = set()
        for n in notifications:
            if n.topic.startswith((AGREEMENT_PREFIX, CLAIM_PREFIX, TRAJECTORY_PREFIX)):
                latest[n.originator_id] = (n.topic, n.originator_version)
                if n.topic.startswith(TRAJECTORY_PREFIX) and n.topic.rsplit(".", 1)[-1] in _BENEFIT_EVENTS:
                    benefit_touched.add(n.originator_id)
        agreements, claims = [], []
        periods: list[dict[str, Any]] = []
        # The saving periods come from the trajectories' digests as the batch leaves them (all
        # ``trajectory_facts`` reads); a digest already past the batch (a replay): from the log.
        digested = self.write_digests(session, app, notifications, decode, wanted=benefit_touched)
        histories = app.events_in(session, benefit_touched - set(digested))  # one query for the whole batch
        for originator_id, (topic, version) in latest.items():
            if topic.startswith(AGREEMENT_PREFIX):
                agreements.append(agreement_row(app.repository.get(originator_id, version=version)))
            elif topic.startswith(CLAIM_PREFIX):
                claims.append(claim_row(app.repository.get(originator_id, version=version)))
            elif originator_id in digested:
                periods.extend(period_rows(originator_id, digested[originator_id], self.baseline))
            elif originator_id in benefit_touched:
                events = [logged(e) for e in histories[originator_id] if e.originator_version <= version]
                periods.extend(period_rows(originator_id, events, self.baseline))
        upsert(session, money_agreements, agreements, ["agreement_id"], newer="version")
        upsert(session, money_claims, claims, ["claim_id"], newer="version")
        replace_rows(session, money_saving_periods, "trajectory_id", benefit_touched, periods)


def derived_rows(app: LeerrouteApplication, baseline: SavingsBaseline) -> dict[str, list[dict[str, Any]]]:
    """Every row of the money read models, re-derived from the whole log (decoded, not from the
    digests: the digests are among what is checked)."""
    log = decode_log(app)
    periods: list[dict[str, Any]] = []
    for trajectory_id, events in log.trajectories.items():
        periods.extend(period_rows(trajectory_id, events, baseline))
    digests = []
    for kind, histories in (("trajectory", log.trajectories), ("agreement", log.agreements), ("claim", log.claims)):
        for aggregate_id, history in histories.items():
            kept = [e for e in (money_event(kind, e) for e in history) if e is not None]
            digests.append({
                "aggregate_id": aggregate_id,
                "kind": kind,
                "municipality": _digest_municipality(kind, history[0]),
                "version": len(history),
                "events": kept,
            })
    return {
        "money_agreements": [agreement_row(app.repository.get(a)) for a in log.agreements],
        "money_claims": [claim_row(app.repository.get(c)) for c in log.claims],
        "money_saving_periods": periods,
        "money_digests": digests,
    }


_KEYS = {
    "money_agreements": ("agreement_id",),
    "money_claims": ("claim_id",),
    "money_saving_periods": ("trajectory_id", "starts_on"),
    "money_digests": ("aggregate_id",),
}
_TABLES = {
    "money_agreements": money_agreements,
    "money_claims": money_claims,
    "money_saving_periods": money_saving_periods,
    "money_digests": money_digests,
}


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple[Any, ...]
    column: str
    stored: Any
    derived: Any

    def __str__(self) -> str:
        key = "/".join(str(k) for k in self.key)
        return f"{self.table} {key} {self.column}: stored {self.stored!r}, derived from the log {self.derived!r}"


def _normalise(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    return value


def differences(app: LeerrouteApplication, database_url: str, baseline: SavingsBaseline) -> list[Difference]:
    """Compare the stored money read models with rows re-derived from the log."""
    derived = derived_rows(app, baseline)
    found: list[Difference] = []
    with read_session(database_url) as session:
        for name, table in _TABLES.items():
            keys = _KEYS[name]
            stored = {
                tuple(_normalise(row[k]) for k in keys): dict(row)
                for row in session.execute(select(table)).mappings()
            }
            if table is money_digests:
                for row in stored.values():
                    row["events"] = decode_events(row["events"])
            fresh = {tuple(_normalise(row[k]) for k in keys): row for row in derived[name]}
            for key in sorted(set(stored) | set(fresh), key=str):
                if key not in stored:
                    found.append(Difference(name, key, "(row)", None, "present"))
                elif key not in fresh:
                    found.append(Difference(name, key, "(row)", "present", None))
                else:
                    for column, value in fresh[key].items():
                        if _normalise(stored[key].get(column)) != _normalise(value):
                            found.append(Difference(name, key, column, stored[key].get(column), value))
    return found

