"""The ``money`` projection: agreements and claims as listed, each trajectory's saving periods,
and the money digests, as of the end of the log."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from sqlalchemy import Table
from sqlalchemy.orm import Session

from adapters.eventstore import EventStore, originator
from adapters.money.codec import decode_events
from adapters.money.digests import (
    AGREEMENT_PREFIX,
    CLAIM_PREFIX,
    TRAJECTORY_PREFIX,
    decoded,
    digest_row,
    digests_of,
    from_log,
    kind_of,
)
from adapters.money.savings import change_rows, replace_changes
from adapters.regions import UNMAPPED
from adapters.tables import (
    money_agreements,
    money_claims,
    money_digests,
    money_saving_changes,
    money_saving_periods,
    money_saving_totals,
)
from adapters.upserts import Written, insert_rows, replace_rows, upsert
from domain.financing import Claim, FinancingAgreement
from domain.money import AsOf, LoggedEvent, logged, trajectory_facts
from domain.savings import SavingsBaseline, saving_periods


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


@dataclass
class MoneyProjection:
    """Agreements, claims and saving periods, as of the end of the log; and the money digests."""

    baseline: SavingsBaseline
    name: str = "money"
    tables: Sequence[Table] = (
        money_agreements, money_claims, money_saving_periods, money_digests, money_saving_changes, money_saving_totals
    )

    def __post_init__(self) -> None:
        self._digested = Written()  # during a rebuild: the aggregates with a digest
        self._saved = Written()  # and the trajectories with saving periods and changes

    def write_digests(
        self,
        session: Session,
        store: EventStore,
        notifications: Sequence[Notification],
        decode: Callable[[Notification], Any] | None = None,
        wanted: Collection[UUID] = (),
        *,
        rebuilding: bool = False,
    ) -> dict[UUID, list[LoggedEvent]]:
        """Append the batch's events to the digests of their aggregates (read once, for the
        batch); an aggregate whose digest misses events before the batch is read from the log.
        Returns the events of the ``wanted`` aggregates as their digests now hold them (those
        whose digest was already past the batch left out). ``rebuilding``: an aggregate the
        rebuild meets for the first time has no digest yet, none is looked for."""

        batch: dict[UUID, list[Notification]] = defaultdict(list)
        for n in notifications:
            if kind_of(n.topic) is not None:
                batch[originator(n)].append(n)
        histories: dict[UUID, list[LoggedEvent]] = {}
        if not batch:
            return histories
        first = self._digested.first(batch) if rebuilding else set()
        stored = digests_of(session, ids=[i for i in batch if i not in first])
        rows: list[dict[str, Any]] = []
        missing: list[UUID] = []
        for aggregate_id, seen in batch.items():
            kind = kind_of(seen[0].topic)
            assert kind is not None
            earlier = stored.get(aggregate_id)
            version = earlier.version if earlier is not None else 0
            new = [n for n in seen if n.originator_version > version]
            if not new:
                continue  # already there
            if new[0].originator_version != version + 1:
                missing.append(aggregate_id)
                continue
            found = [(n.id, n.originator_version, decoded(store, kind, n, decode)) for n in new]
            rows.append(digest_row(aggregate_id, kind, found, earlier))
            if aggregate_id in wanted:
                before = decode_events(earlier.events) if earlier is not None else []
                histories[aggregate_id] = before + [e for _, _, e in found if e is not None]
        end = notifications[-1].id
        for aggregate_id, found in from_log(store, session, missing, end).items():
            kind = kind_of(batch[aggregate_id][0].topic)
            assert kind is not None
            rows.append(digest_row(aggregate_id, kind, found, None))
            if aggregate_id in wanted:
                histories[aggregate_id] = [e for _, _, e in found if e is not None]
        insert_rows(session, money_digests, [row for row in rows if row["aggregate_id"] in first])
        upsert(session, money_digests, [row for row in rows if row["aggregate_id"] not in first], ["aggregate_id"], newer="version")
        return histories

    def write_notifications(
        self,
        session: Session,
        store: EventStore,
        notifications: Sequence[Notification],
        decode: Callable[[Notification], Any] | None = None,
        *,
        rebuilding: bool = False,
    ) -> None:

        latest: dict[UUID, tuple[str, int]] = {}
        benefit_touched: set[UUID] = set()
        for n in notifications:
            if n.topic.startswith((AGREEMENT_PREFIX, CLAIM_PREFIX, TRAJECTORY_PREFIX)):
                latest[originator(n)] = (n.topic, n.originator_version)
                if n.topic.startswith(TRAJECTORY_PREFIX) and n.topic.rsplit(".", 1)[-1] in _BENEFIT_EVENTS:
                    benefit_touched.add(originator(n))
        agreements, claims = [], []
        periods: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        # The saving periods come from the trajectories' digests as the batch leaves them (all
        # ``trajectory_facts`` reads); a digest already past the batch (a replay): from the log.
        digested = self.write_digests(session, store, notifications, decode, wanted=benefit_touched, rebuilding=rebuilding)
        histories = store.events_in(session, benefit_touched - set(digested))  # one query for the whole batch
        for originator_id, (topic, version) in latest.items():
            if topic.startswith(AGREEMENT_PREFIX):
                agreements.append(agreement_row(store.repository.get(originator_id, version=version)))
            elif topic.startswith(CLAIM_PREFIX):
                claims.append(claim_row(store.repository.get(originator_id, version=version)))
            elif originator_id in benefit_touched:
                if originator_id in digested:
                    events = digested[originator_id]
                else:
                    events = [logged(e) for e in histories[originator_id] if e.originator_version <= version]
                periods.extend(period_rows(originator_id, events, self.baseline))
                if events:
                    changes.extend(change_rows(originator_id, events[0].data["municipality"], events))
        upsert(session, money_agreements, agreements, ["agreement_id"], newer="version")
        upsert(session, money_claims, claims, ["claim_id"], newer="version")
        # A rebuild's first write of a trajectory's savings finds none stored.
        first = self._saved.first(benefit_touched) if rebuilding else set()
        replace_rows(session, money_saving_periods, "trajectory_id", [i for i in benefit_touched if i not in first], periods, bulk=True)
        replace_changes(session, benefit_touched, changes, none_stored=first)

    def start_rebuild(self) -> None:
        self._digested.clear()
        self._saved.clear()
