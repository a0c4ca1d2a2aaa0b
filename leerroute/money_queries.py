"""The read side of the money: agreements, claims, a trajectory's money and the reports, each
derived from the log as of a moment (``domain.money.AsOf``) and scoped to what the caller may see
(``domain.access``).

A figure reads only the part of the log it can come from (``domain.access.money_report_scope``,
``adapters.money.log.read_scoped_log``); the domain derives the facts, the lines
(``domain.payments``), the savings (``domain.savings``) and the report (``domain.reports``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from adapters import queries
from adapters.access_log import Access, AccessLog
from adapters.eventstore import EventStore
from adapters.money.log import MoneyLog, fund_agreement_ids, read_savings, read_scoped_log
from adapters.money.savings import aggregated as savings_aggregated
from adapters.pseudonyms import Pseudonymiser
from domain.access import (
    agreement_scope,
    can_see_agreement,
    can_see_claim,
    can_see_money_line,
    can_see_savings,
    can_see_trajectory_money,
    claim_scope,
    money_report_scope,
)
from domain.errors import NotFound
from domain.financing import Claim, FinancingAgreement
from domain.money import AsOf, ClaimView, MoneyScope, TrajectoryFacts, agreement_as_of, claim_as_of, trajectory_facts
from domain.payments import MoneyLine, agreement_places, money_line
from domain.reports import Report, build_report
from domain.savings import SavingPeriod, SavingsBaseline, monthly_savings, saving_periods
from domain.terms import AgreementView, ClaimStatus
from domain.trajectory import Trajectory
from domain.values import Actor, Role


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


def derive(
    log: MoneyLog, as_of: AsOf, region_of: Callable[[str], str], baseline: SavingsBaseline, *, with_savings: bool = True
) -> MoneyState:
    """The facts, lines and (``with_savings``) savings of the log's trajectories as of a moment."""
    facts: dict[UUID, TrajectoryFacts] = {}
    for trajectory_id, events in log.trajectories.items():
        municipality = events[0].data.get("municipality", "") if events else ""
        f = trajectory_facts(trajectory_id, events, as_of, region_of(municipality))
        if f is not None:
            facts[trajectory_id] = f
    agreements = {a: view for a, events in log.agreements.items() if (view := agreement_as_of(a, events, as_of)) is not None}
    claims = {c: claim for c, events in log.claims.items() if (claim := claim_as_of(c, events, as_of)) is not None}
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
    periods = {t: saving_periods(f, baseline) for t, f in facts.items()} if with_savings else {}
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


@dataclass(frozen=True)
class TrajectoryMoney:
    """One trajectory's money as of a moment: its lines the caller may see, and its savings
    (periods and completed months) where the caller may see those."""

    trajectory_id: UUID
    as_of: AsOf
    lines: list[MoneyLine]
    periods: list[SavingPeriod]
    months: dict[str, int]


class MoneyQueries:
    def __init__(
        self,
        *,
        store: EventStore,
        database_url: str,
        region_of: Callable[[str], str],
        baseline: SavingsBaseline,
        access_log: AccessLog,
        pseudonymise: Pseudonymiser,
    ):
        self._store = store
        self._url = database_url
        self._region_of = region_of
        self.baseline = baseline
        self._access_log = access_log
        self._pseudonymise = pseudonymise

    def _own_region(self, actor: Actor) -> str | None:
        return self._region_of(actor.organisation) if actor.role is Role.KLANTMANAGER else None

    def _state(self, scope: MoneyScope, as_of: AsOf) -> MoneyState:
        return derive(read_scoped_log(self._store, self._url, scope), as_of, self._region_of, self.baseline)

    # -- agreements and claims -----------------------------------------------------------------

    def agreements(self, actor: Actor, page: queries.PageRequest) -> tuple[list[FinancingAgreement], int]:
        """The agreements the caller pays, claims under or is covered by (procesregie: all), in
        the order they were concluded."""
        region = self._own_region(actor)
        found = [self._store.aggregate(i) for i in queries.agreement_ids(self._url, agreement_scope(actor))]
        visible = [a for a in found if isinstance(a, FinancingAgreement) and can_see_agreement(actor, a.view(), region)]
        return visible[page.offset : page.offset + page.page_size], len(visible)

    def agreement(self, actor: Actor, agreement_id: UUID) -> FinancingAgreement:
        agreement = self._store.aggregate(agreement_id)
        if not isinstance(agreement, FinancingAgreement) or not can_see_agreement(actor, agreement.view(), self._own_region(actor)):
            raise NotFound("financing agreement", f"no financing agreement {agreement_id}")
        return agreement

    def fund_agreements(self, fund: str) -> list[AgreementView]:
        """The agreements a fund pays or claims under, including those it has just concluded (the
        read model and the log after it: what a fund's coverage is decided on)."""
        found = (self._store.aggregate(i) for i in fund_agreement_ids(self._store, self._url, fund))
        return [a.view() for a in found if isinstance(a, FinancingAgreement)]

    def claims(self, actor: Actor, page: queries.PageRequest) -> list[dict[str, Any]]:
        """Claims the caller filed, pays, or that concern its municipality (procesregie: all)."""
        return queries.list_claims(self._url, page, claim_scope(actor))

    def claim(self, actor: Actor, claim_id: UUID) -> Claim:
        claim = self._store.aggregate(claim_id)
        if not isinstance(claim, Claim) or not can_see_claim(actor, claim):
            raise NotFound("claim", f"no claim {claim_id}")
        return claim

    # -- figures -----------------------------------------------------------------------------------

    def trajectory_money(self, actor: Actor, trajectory_id: UUID, as_of: AsOf, *, trace_id: str) -> TrajectoryMoney:
        """What this trajectory earned, was claimed and paid under each agreement, and the bijstand
        it saved (its savings follow from the candidate's benefit: the reading is logged)."""
        trajectory = self._store.aggregate(trajectory_id)
        if not isinstance(trajectory, Trajectory):
            raise NotFound("trajectory", f"no trajectory {trajectory_id}")
        region = self._region_of(trajectory.municipality)
        funds = self.fund_agreements(actor.organisation) if actor.role is Role.FUND else []
        if not can_see_trajectory_money(actor, trajectory, funds, region):
            raise NotFound("trajectory", f"no trajectory {trajectory_id}")
        access = Access(trajectory.id, trajectory.municipality, self._pseudonymise.candidate(trajectory.candidate_id))
        self._access_log.record_read(actor, [access], activity="trajectory_money", trace_id=trace_id)
        state = self._state(MoneyScope(trajectory=trajectory_id, municipality=trajectory.municipality), as_of)
        lines = [line for line in state.lines if line.trajectory_id == trajectory_id and can_see_money_line(actor, line)]
        if not can_see_savings(actor, trajectory.municipality):
            return TrajectoryMoney(trajectory_id, as_of, lines, [], {})
        return TrajectoryMoney(trajectory_id, as_of, lines, state.periods.get(trajectory_id, []), state.savings.get(trajectory_id, {}))

    def claimable(self, actor: Actor, as_of: AsOf) -> list[MoneyLine]:
        """What the caller can claim now: lines whose trigger was reached (``due``) under an
        agreement it files the claims of, not claimed yet or only by a rejected claim."""
        state = self._state(money_report_scope(actor), as_of)
        return [
            line for line in state.lines
            if line.status == "due" and (line.claimant or line.municipality) == actor.organisation
            and (line.claim is None or line.claim.status is ClaimStatus.REJECTED) and can_see_money_line(actor, line)
        ]

    def report(self, actor: Actor, as_of: AsOf) -> Report:
        """Per municipality, per fund and national, over the lines and savings the caller may see.

        Under the intake baseline the savings come from the month aggregates
        (``adapters.money.log.read_savings``) and only the trajectories the lines can come from
        are read, so a municipality's report reads its months and its agreements' routes, not
        every route it has."""
        scope = money_report_scope(actor)
        if not savings_aggregated(self.baseline):
            state = self._state(scope, as_of)
            return report_of(state, lambda line: can_see_money_line(actor, line), lambda m: can_see_savings(actor, m))
        if actor.role is Role.FUND:  # a fund sees no savings
            log, by_municipality = read_scoped_log(self._store, self._url, scope), {}
        else:
            log = read_scoped_log(self._store, self._url, scope, lines_of=self._region_of)
            municipalities = [scope.municipality] if scope.municipality is not None else None
            found = read_savings(self._store, self._url, municipalities, as_of)
            by_municipality = {m: months for m, months in found.items() if can_see_savings(actor, m)}
        state = derive(log, as_of, self._region_of, self.baseline, with_savings=False)
        return build_report([line for line in state.lines if can_see_money_line(actor, line)], by_municipality, as_of)
