"""The money read from the log: reports derived per request, the ``money`` projection, reconcile.

Reports are derived from the log on every request (correctness first): every trajectory,
agreement and claim is read as of the requested moment and handed to ``domain.money``. The
``money`` projection keeps listings of agreements and claims and each trajectory's saving
periods; ``reconcile`` re-derives those rows from the whole log and lists every difference.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from adapters.database import read_session
from adapters.regions import UNMAPPED
from adapters.tables import money_agreements, money_claims, money_saving_periods, municipality_regions
from domain.financing import AgreementView, Claim, FinancingAgreement
from domain.money import (
    AsOf,
    ClaimView,
    LoggedEvent,
    MoneyLine,
    Report,
    SavingPeriod,
    SavingsBaseline,
    TrajectoryFacts,
    agreement_as_of,
    build_report,
    claim_as_of,
    logged,
    money_line,
    monthly_savings,
    saving_periods,
    trajectory_facts,
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


def read_log(app: LeerrouteApplication) -> MoneyLog:
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
        places = {p for t in agreement.terms_history for p in (*t.municipalities, *t.regions)}
        if any(not t.municipalities and not t.regions for t in agreement.terms_history):
            everywhere.append(agreement)
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


@dataclass
class MoneyProjection:
    """Agreements, claims and saving periods, as of the end of the log."""

    baseline: SavingsBaseline
    name: str = "money"
    tables: Sequence[Table] = (money_agreements, money_claims, money_saving_periods)

    def write_notifications(self, session: Session, app: LeerrouteApplication, notifications: Sequence[Notification]) -> None:
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
        histories = app.events_in(session, benefit_touched)  # one query for the whole batch
        for originator_id, (topic, version) in latest.items():
            if topic.startswith(AGREEMENT_PREFIX):
                agreements.append(agreement_row(app.repository.get(originator_id, version=version)))
            elif topic.startswith(CLAIM_PREFIX):
                claims.append(claim_row(app.repository.get(originator_id, version=version)))
            elif originator_id in benefit_touched:
                events = [logged(e) for e in histories[originator_id] if e.originator_version <= version]
                periods.extend(period_rows(originator_id, events, self.baseline))
        upsert(session, money_agreements, agreements, ["agreement_id"])
        upsert(session, money_claims, claims, ["claim_id"])
        replace_rows(session, money_saving_periods, "trajectory_id", benefit_touched, periods)


def derived_rows(app: LeerrouteApplication, baseline: SavingsBaseline) -> dict[str, list[dict[str, Any]]]:
    """Every row of the money read models, re-derived from the whole log."""
    log = read_log(app)
    periods: list[dict[str, Any]] = []
    for trajectory_id, events in log.trajectories.items():
        periods.extend(period_rows(trajectory_id, events, baseline))
    return {
        "money_agreements": [agreement_row(app.repository.get(a)) for a in log.agreements],
        "money_claims": [claim_row(app.repository.get(c)) for c in log.claims],
        "money_saving_periods": periods,
    }


_KEYS = {
    "money_agreements": ("agreement_id",),
    "money_claims": ("claim_id",),
    "money_saving_periods": ("trajectory_id", "starts_on"),
}
_TABLES = {"money_agreements": money_agreements, "money_claims": money_claims, "money_saving_periods": money_saving_periods}


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

