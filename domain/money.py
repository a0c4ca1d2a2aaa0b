"""The money, derived from the log: pure functions, no database, no clock.

Everything here is computed from events as of a moment (``AsOf``):

- *as it had happened by then*: events whose business date is on or before ``AsOf.day``;
- *as it was known then*: additionally only events recorded at or before ``AsOf.known``, so a
  step logged late changes the second view but not the first.

Figures per agreement and trajectory (all in integer euro cents):

- ``committed``: what the payer is bound to pay for a covered trajectory: the amount earned by a
  reached trigger, or, while the trigger is still ahead, the amount under today's terms (for an
  active route and an agreement still valid); nothing once the result lapsed.
- ``due``: earned by a reached trigger within the agreement's validity, paid or not, unless lapsed.
- ``claimed`` / ``approved`` / ``paid``: from the claim's events (a rejected claim counts nowhere).
- ``lapsed``: earned, then undone inside its qualifying period (a placement that ended before
  the agreement's minimum months); ``to_recover`` is the part of it already paid.

Bijstand savings per trajectory and calendar month: (baseline − benefit paid) × days / days in
the month, summed over the month's days and rounded half-up to the cent per trajectory-month,
for completed months only. The baseline is the benefit at intake (``intake``, the default) or
the last amount paid before the benefit stopped (``last-before-exit``). Savings stop when the
benefit resumes at (or above) the baseline; a lower resumed amount still saves the difference.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any
from uuid import UUID

from domain.financing import AgreementView, ClaimStatus, FinancingKind, PayerKind, Terms, Trigger
from domain.values import Phase, add_months


class SavingsBaseline(StrEnum):
    INTAKE = "intake"
    LAST_BEFORE_EXIT = "last-before-exit"


@dataclass(frozen=True)
class LoggedEvent:
    """One event of the log: its name, business date, recording time and own data."""

    name: str
    on: date | None
    recorded_at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class AsOf:
    day: date
    known: datetime | None = None

    def includes(self, event: LoggedEvent) -> bool:
        if event.on is not None and event.on > self.day:
            return False
        return self.known is None or event.recorded_at <= self.known


_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor", "on"}


def logged(event: Any) -> LoggedEvent:
    """An event of the eventsourcing library as a ``LoggedEvent``."""
    data = {k: v for k, v in vars(event).items() if k not in _ENVELOPE}
    return LoggedEvent(type(event).__name__, getattr(event, "on", None), event.timestamp, data)


def _visible(events: Iterable[LoggedEvent], as_of: AsOf) -> list[LoggedEvent]:
    return [e for e in events if as_of.includes(e)]


# -- trajectories ------------------------------------------------------------------------------


@dataclass
class TrajectoryFacts:
    id: UUID
    municipality: str
    target_group: str
    registered_on: date
    region: str
    benefit_intake_cents: int
    phase_started: dict[str, date] = field(default_factory=dict)
    phase_completed: dict[str, date] = field(default_factory=dict)
    certificates: list[tuple[date, str]] = field(default_factory=list)
    contracts: dict[str, date] = field(default_factory=dict)
    placement_ends: dict[str, date] = field(default_factory=dict)
    drop_outs: list[date] = field(default_factory=list)
    re_entries: list[date] = field(default_factory=list)
    benefit_changes: list[tuple[date, str, int | None]] = field(default_factory=list)

    def dropped_out(self) -> bool:
        return bool(self.drop_outs) and (not self.re_entries or max(self.drop_outs) > max(self.re_entries))


# The trajectory events ``trajectory_facts`` reads, and of each the fields it reads: all the money
# needs of a trajectory. A money digest keeps only these, so no free text and nothing that leads
# to the candidate (``candidate_id``) is copied out of the log.
TRAJECTORY_FIELDS: dict[str, tuple[str, ...]] = {
    "TrajectoryRegistered": ("municipality", "target_group", "benefit_monthly_cents"),
    "PhaseStarted": ("phase",),
    "PhaseCompleted": ("phase",),
    "CertificateObtained": ("phase",),
    "ContractStarted": ("placement_id",),
    "PlacementEnded": ("placement_id",),
    "DroppedOut": (),
    "ReEntered": (),
    "BenefitReduced": ("monthly_cents",),
    "BenefitStopped": (),
    "BenefitResumed": ("monthly_cents",),
}


def trajectory_money_event(event: LoggedEvent) -> LoggedEvent | None:
    """The part of a trajectory event the money reads (``TRAJECTORY_FIELDS``); None for an event
    it does not read at all."""
    fields = TRAJECTORY_FIELDS.get(event.name)
    if fields is None:
        return None
    return LoggedEvent(event.name, event.on, event.recorded_at, {k: event.data[k] for k in fields if k in event.data})


def trajectory_facts(trajectory_id: UUID, events: Sequence[LoggedEvent], as_of: AsOf, region: str) -> TrajectoryFacts | None:
    """The facts of one trajectory as of a moment; None if it was not registered by then. Reads
    only the events and fields named in ``TRAJECTORY_FIELDS``."""
    seen = _visible(events, as_of)
    if not seen or seen[0].name != "TrajectoryRegistered":
        return None
    first = seen[0]
    assert first.on is not None  # ``on`` is part of the envelope, never of ``data``
    facts = TrajectoryFacts(
        id=trajectory_id,
        municipality=first.data["municipality"],
        target_group=str(first.data["target_group"]),
        registered_on=first.on,
        region=region,
        benefit_intake_cents=int(first.data["benefit_monthly_cents"]),
    )
    for e in seen[1:]:
        d, on = e.data, e.on
        assert on is not None
        if e.name == "PhaseStarted":
            facts.phase_started.setdefault(str(d["phase"]), on)
        elif e.name == "PhaseCompleted":
            facts.phase_completed.setdefault(str(d["phase"]), on)
        elif e.name == "CertificateObtained":
            facts.certificates.append((on, str(d["phase"])))
        elif e.name == "ContractStarted":
            facts.contracts[d["placement_id"]] = on
        elif e.name == "PlacementEnded":
            facts.placement_ends[d["placement_id"]] = on
        elif e.name == "DroppedOut":
            facts.drop_outs.append(on)
        elif e.name == "ReEntered":
            facts.re_entries.append(on)
        elif e.name == "BenefitReduced":
            facts.benefit_changes.append((on, "reduced", int(d["monthly_cents"])))
        elif e.name == "BenefitStopped":
            facts.benefit_changes.append((on, "stopped", None))
        elif e.name == "BenefitResumed":
            facts.benefit_changes.append((on, "resumed", int(d["monthly_cents"])))
    facts.benefit_changes.sort(key=lambda c: c[0])
    return facts


# -- agreements and claims as of a moment --------------------------------------------------------


def agreement_as_of(agreement_id: UUID, events: Sequence[LoggedEvent], as_of: AsOf) -> AgreementView | None:
    """The agreement with the terms changes in effect by then (a change's business date is the
    date it takes effect); None if it was not concluded by then."""
    seen = _visible(events, as_of)
    if not seen or seen[0].name != "FinancingAgreementConcluded":
        return None
    d = seen[0].data
    history = [Terms.from_dict(d["terms"])] + [Terms.from_dict(e.data["terms"]) for e in seen[1:] if e.name == "TermsChanged"]
    return AgreementView(
        id=agreement_id,
        payer_kind=PayerKind(d["payer_kind"]),
        payer=d["payer"],
        claimant=d["claimant"],
        kind=FinancingKind(d["kind"]),
        trigger=Trigger(d["trigger"]),
        phase=Phase(d["phase"]) if d["phase"] is not None else None,
        valid_from=d["valid_from"],
        valid_until=d["valid_until"],
        budget_cap_cents=d["budget_cap_cents"],
        terms_history=tuple(sorted(history, key=lambda t: t.effective_from)),
    )


@dataclass(frozen=True)
class ClaimView:
    id: UUID
    agreement_id: UUID
    trajectory_id: UUID
    municipality: str
    claimant: str
    trigger_on: date
    amount_cents: int
    filed_on: date
    status: ClaimStatus
    approved_on: date | None
    rejected_on: date | None
    rejection_reason: str | None
    paid_on: date | None


def claim_as_of(claim_id: UUID, events: Sequence[LoggedEvent], as_of: AsOf) -> ClaimView | None:
    seen = _visible(events, as_of)
    if not seen or seen[0].name != "ClaimFiled":
        return None
    d = dict(seen[0].data)
    filed_on = seen[0].on or d["on"]
    status, approved_on, rejected_on, reason, paid_on = ClaimStatus.FILED, None, None, None, None
    for e in seen[1:]:
        if e.name == "ClaimRefiled":
            d.update(trigger_on=e.data["trigger_on"], amount_cents=e.data["amount_cents"], claimant=e.data["claimant"])
            filed_on = e.on or e.data["on"]
            status, approved_on, rejected_on, reason = ClaimStatus.FILED, None, None, None
        elif e.name == "ClaimApproved":
            status, approved_on = ClaimStatus.APPROVED, e.on
        elif e.name == "ClaimRejected":
            status, rejected_on, reason = ClaimStatus.REJECTED, e.on, e.data["reason"]
        elif e.name == "PaymentRecorded":
            status, paid_on = ClaimStatus.PAID, e.on
    return ClaimView(
        id=claim_id,
        agreement_id=d["agreement_id"],
        trajectory_id=d["trajectory_id"],
        municipality=d["municipality"],
        claimant=d["claimant"],
        trigger_on=d["trigger_on"],
        amount_cents=int(d["amount_cents"]),
        filed_on=filed_on,
        status=status,
        approved_on=approved_on,
        rejected_on=rejected_on,
        rejection_reason=reason,
        paid_on=paid_on,
    )


# -- coverage, triggers and eligibility ----------------------------------------------------------


def terms_cover(terms: Terms, municipality: str, region: str | None, target_group: str) -> str | None:
    """The condition a trajectory fails under these terms, or None when they cover it."""
    if terms.municipalities or terms.regions:
        if municipality not in terms.municipalities and (region is None or region not in terms.regions):
            return "municipality-or-region"
    if terms.target_groups and target_group not in terms.target_groups:
        return "target-group"
    return None


def fund_covers(agreements: Iterable[AgreementView], trajectory: Any, region: str | None = None) -> bool:
    """A fund sees a trajectory when the conditions of one of its agreements (any terms they
    ever had) cover it. ``trajectory`` needs ``municipality`` and ``target_group``."""
    for agreement in agreements:
        for terms in agreement.terms_history:
            if terms_cover(terms, trajectory.municipality, region, str(trajectory.target_group)) is None:
                return True
    return False


def agreement_places(agreement: AgreementView) -> frozenset[str] | None:
    """The municipalities and regions any of an agreement's terms ever named; None when one of
    its terms named none, so that it can concern a trajectory anywhere."""
    if any(not t.municipalities and not t.regions for t in agreement.terms_history):
        return None
    return frozenset(p for t in agreement.terms_history for p in (*t.municipalities, *t.regions))


@dataclass(frozen=True)
class MoneyScope:
    """The part of the log a money figure is derived from. A trajectory's money needs that
    trajectory, the agreements and its claims; a municipality's report its own trajectories,
    the agreements and the claims on those trajectories; a fund's report its own agreements,
    their claims and the trajectories they can concern. Nothing named: the whole log."""

    trajectory: UUID | None = None
    municipality: str | None = None  # with ``trajectory``: the municipality that trajectory belongs to
    fund: str | None = None

    @property
    def everything(self) -> bool:
        return self.trajectory is None and self.municipality is None and self.fund is None


@dataclass(frozen=True)
class Reached:
    on: date
    placement_id: str | None = None


def trigger_reached(agreement: AgreementView, facts: TrajectoryFacts, day: date) -> Reached | None:
    """When the agreement's trigger was reached by ``day`` according to the facts, if it was."""
    trigger, phase = agreement.trigger, str(agreement.phase) if agreement.phase else None
    if trigger is Trigger.REGISTERED:
        return Reached(facts.registered_on)
    if trigger is Trigger.PHASE_STARTED:
        on = facts.phase_started.get(phase or "")
        return Reached(on) if on else None
    if trigger is Trigger.PHASE_COMPLETED:
        on = facts.phase_completed.get(phase or "")
        return Reached(on) if on else None
    if trigger is Trigger.CERTIFICATE_OBTAINED:
        dates = [on for on, p in facts.certificates if phase is None or p == phase]
        return Reached(min(dates)) if dates else None
    starts = sorted(facts.contracts.items(), key=lambda item: (item[1], item[0]))
    if trigger is Trigger.PLACEMENT_STARTED:
        return Reached(starts[0][1], starts[0][0]) if starts else None
    # A lasting placement: the contract has run the minimum months of the terms in force on
    # its start, without ending before that.
    for placement_id, start in starts:
        reached = add_months(start, agreement.terms_on(start).min_placement_months)
        end = facts.placement_ends.get(placement_id)
        if reached <= day and (end is None or end >= reached):
            return Reached(reached, placement_id)
    return None


def lapsed_on(agreement: AgreementView, facts: TrajectoryFacts, reached: Reached) -> date | None:
    """A started placement that ended inside the qualifying period (the terms' minimum months
    from its start) undoes the result: the date it lapsed, or None."""
    if agreement.trigger is not Trigger.PLACEMENT_STARTED or reached.placement_id is None:
        return None
    months = agreement.terms_on(reached.on).min_placement_months
    end = facts.placement_ends.get(reached.placement_id)
    if months and end is not None and end < add_months(reached.on, months):
        return end
    return None


@dataclass(frozen=True)
class Eligibility:
    """The outcome of checking a claim: the entitlement, or the condition not met."""

    trigger_on: date | None = None
    amount_cents: int = 0
    unmet: str | None = None
    detail: str = ""

    @property
    def eligible(self) -> bool:
        return self.unmet is None


def eligibility(agreement: AgreementView, facts: TrajectoryFacts, day: date) -> Eligibility:
    """Is a payment earned by ``day``, from the trajectory's facts alone? Names the unmet condition."""
    reached = trigger_reached(agreement, facts, day)
    terms = agreement.terms_on(reached.on if reached else day)
    unmet = terms_cover(terms, facts.municipality, facts.region, facts.target_group)
    if unmet == "municipality-or-region":
        return Eligibility(unmet=unmet, detail=f"the agreement does not cover municipality {facts.municipality} ({facts.region})")
    if unmet == "target-group":
        return Eligibility(unmet=unmet, detail=f"the agreement does not cover target group {facts.target_group}")
    if reached is None:
        what = f"{agreement.trigger}" + (f" ({agreement.phase})" if agreement.phase else "")
        return Eligibility(unmet="trigger-reached", detail=f"the trajectory has not reached {what} by {day}")
    if not agreement.covers_date(reached.on):
        until = agreement.valid_until.isoformat() if agreement.valid_until else "open-ended"
        return Eligibility(
            unmet="validity-period",
            detail=f"the trigger was reached on {reached.on}, outside the agreement's validity ({agreement.valid_from} to {until})",
        )
    ended = lapsed_on(agreement, facts, reached)
    if ended is not None and ended <= day:
        return Eligibility(
            unmet="minimum-placement-months",
            detail=f"the placement ended on {ended}, inside the minimum of {terms.min_placement_months} months",
        )
    return Eligibility(trigger_on=reached.on, amount_cents=terms.amount_cents)


# -- figures per agreement and trajectory ------------------------------------------------------------


FIGURES = ("committed", "due", "claimed", "approved", "paid", "lapsed", "to_recover", "savings", "net")


@dataclass
class Figures:
    committed: int = 0
    due: int = 0
    claimed: int = 0
    approved: int = 0
    paid: int = 0
    lapsed: int = 0
    to_recover: int = 0
    savings: int = 0
    net: int = 0

    def add(self, other: "Figures") -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIGURES}


@dataclass(frozen=True)
class MoneyLine:
    agreement_id: UUID
    trajectory_id: UUID
    municipality: str
    payer_kind: PayerKind
    payer: str
    claimant: str | None
    kind: FinancingKind
    trigger_on: date | None
    status: str
    claim: ClaimView | None
    figures: Figures


def money_line(agreement: AgreementView, facts: TrajectoryFacts, claim: ClaimView | None, day: date) -> MoneyLine | None:
    """The figures of one agreement for one trajectory as of ``day``; None if it concerns it not."""
    f = Figures()
    reached = trigger_reached(agreement, facts, day)
    terms = agreement.terms_on(reached.on if reached else min(day, agreement.valid_until or day))
    covered = terms_cover(terms, facts.municipality, facts.region, facts.target_group) is None
    status = "not-covered"
    if covered and reached is not None and agreement.covers_date(reached.on):
        amount = terms.amount_cents
        ended = lapsed_on(agreement, facts, reached)
        if ended is not None and ended <= day:
            status = "lapsed"
            f.lapsed = amount
        else:
            status = "due"
            f.committed = f.due = amount
    elif covered and reached is None and not facts.dropped_out() and agreement.covers_date(max(day, agreement.valid_from)):
        status = "committed"
        f.committed = terms.amount_cents
    if claim is not None and claim.status is not ClaimStatus.REJECTED:
        f.claimed = claim.amount_cents
        if claim.status in (ClaimStatus.APPROVED, ClaimStatus.PAID):
            f.approved = claim.amount_cents
        if claim.status is ClaimStatus.PAID:
            f.paid = claim.amount_cents
            if status == "lapsed":
                f.to_recover = claim.amount_cents
    if status == "not-covered" and claim is None:
        return None
    f.net = -f.paid
    return MoneyLine(
        agreement_id=agreement.id,
        trajectory_id=facts.id,
        municipality=facts.municipality,
        payer_kind=agreement.payer_kind,
        payer=agreement.payer,
        claimant=agreement.claimant,
        kind=agreement.kind,
        trigger_on=reached.on if reached else None,
        status=status,
        claim=claim,
        figures=f,
    )


# -- bijstand savings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavingPeriod:
    """From ``starts_on`` to ``ends_on`` (inclusive; None: still running) the benefit paid was
    ``paid_cents`` a month against a baseline of ``baseline_cents``."""

    starts_on: date
    ends_on: date | None
    baseline_cents: int
    paid_cents: int

    @property
    def monthly_saving_cents(self) -> int:
        return max(0, self.baseline_cents - self.paid_cents)


def _baseline(facts: TrajectoryFacts, mode: SavingsBaseline) -> int:
    if mode is SavingsBaseline.INTAKE:
        return facts.benefit_intake_cents
    amount, last_before_exit = facts.benefit_intake_cents, facts.benefit_intake_cents
    for _, kind, cents in facts.benefit_changes:
        if kind == "stopped":
            last_before_exit = amount
            amount = 0
        else:
            amount = cents or 0
    return last_before_exit


def saving_periods(facts: TrajectoryFacts, mode: SavingsBaseline) -> list[SavingPeriod]:
    """The stretches, from registration on, in which less benefit was paid than the baseline."""
    if facts.benefit_intake_cents <= 0:
        return []
    baseline = _baseline(facts, mode)
    paid, start = facts.benefit_intake_cents, facts.registered_on
    stretches: list[tuple[date, int]] = [(start, paid)]
    for on, kind, cents in facts.benefit_changes:
        paid = 0 if kind == "stopped" else int(cents or 0)
        on = max(on, start)
        if stretches and stretches[-1][0] == on:
            stretches[-1] = (on, paid)
        else:
            stretches.append((on, paid))
    periods = []
    for index, (begin, amount) in enumerate(stretches):
        end = stretches[index + 1][0] - timedelta(days=1) if index + 1 < len(stretches) else None
        if amount < baseline:
            periods.append(SavingPeriod(begin, end, baseline, amount))
    return periods


@lru_cache(maxsize=4096)
def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def monthly_savings(periods: Sequence[SavingPeriod], through: date) -> dict[str, int]:
    """Savings per completed calendar month (``YYYY-MM``) up to ``through``, half-up to the cent."""
    days_saving: dict[tuple[int, int], int] = defaultdict(int)  # sum over days of (baseline - paid)
    for period in periods:
        if period.monthly_saving_cents == 0:
            continue
        day = period.starts_on
        last = period.ends_on or through
        while day <= last:
            month_end = min(_month_end(day.year, day.month), last)
            days_saving[(day.year, day.month)] += period.monthly_saving_cents * ((month_end - day).days + 1)
            day = month_end + timedelta(days=1)
    result = {}
    for (year, month), total in sorted(days_saving.items()):
        if _month_end(year, month) > through:
            continue
        days = _month_end(year, month).day
        result[f"{year:04d}-{month:02d}"] = int((Decimal(total) / Decimal(days)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return result


@dataclass(frozen=True)
class MonthPosition:
    month: str
    savings: int
    paid: int
    cumulative_savings: int
    cumulative_paid: int

    @property
    def net(self) -> int:
        return self.cumulative_savings - self.cumulative_paid


def _months(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def municipality_position(
    savings: dict[str, int], payments: Sequence[tuple[date, int]], through: date
) -> tuple[list[MonthPosition], str | None]:
    """Cumulative savings against cumulative financing paid, per month up to ``through``; and the
    first month in which the savings have caught up with what was paid (None: not yet, or
    nothing paid)."""
    paid_by_month: dict[str, int] = defaultdict(int)
    for on, cents in payments:
        if on <= through:
            paid_by_month[on.strftime("%Y-%m")] += cents
    keys = list(savings) + list(paid_by_month)
    if not keys:
        return [], None
    series, cum_s, cum_p, break_even = [], 0, 0, None
    for month in _months(min(keys), through.strftime("%Y-%m")):
        cum_s += savings.get(month, 0)
        cum_p += paid_by_month.get(month, 0)
        series.append(MonthPosition(month, savings.get(month, 0), paid_by_month.get(month, 0), cum_s, cum_p))
        if break_even is None and cum_p > 0 and cum_s >= cum_p:
            break_even = month
        if break_even is not None and cum_s < cum_p:
            break_even = None  # a later payment put the municipality behind again
    return series, break_even


# -- the report ----------------------------------------------------------------------------------------


@dataclass
class ReportLine:
    level: str  # municipality | fund
    party: str
    figures: Figures


@dataclass
class Report:
    as_of: AsOf
    municipalities: list[ReportLine]
    funds: list[ReportLine]
    national: Figures
    break_even: dict[str, str | None]
    positions: dict[str, list[MonthPosition]]


def build_report(
    lines: Sequence[MoneyLine],
    savings_by_municipality: dict[str, dict[str, int]],
    as_of: AsOf,
) -> Report:
    """Per municipality (its own financing and its savings), per fund and national totals.
    Every amount belongs to exactly one line, so the lines add up to the national totals."""
    by_party: dict[tuple[str, str], Figures] = {}
    payments: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for line in lines:
        level = "municipality" if line.payer_kind is PayerKind.MUNICIPALITY else "fund"
        by_party.setdefault((level, line.payer), Figures()).add(line.figures)
        if level == "municipality" and line.claim is not None and line.claim.paid_on is not None and line.figures.paid:
            payments[line.payer].append((line.claim.paid_on, line.figures.paid))
    for municipality, months in savings_by_municipality.items():
        figures = by_party.setdefault(("municipality", municipality), Figures())
        total = sum(months.values())
        figures.savings += total
        figures.net += total
    national = Figures()
    for figures in by_party.values():
        national.add(figures)
    municipalities = [ReportLine(l, p, f) for (l, p), f in sorted(by_party.items()) if l == "municipality"]
    funds = [ReportLine(l, p, f) for (l, p), f in sorted(by_party.items()) if l == "fund"]
    positions, break_even = {}, {}
    for line in municipalities:
        series, month = municipality_position(savings_by_municipality.get(line.party, {}), payments.get(line.party, []), as_of.day)
        positions[line.party] = series
        break_even[line.party] = month
    return Report(as_of, municipalities, funds, national, break_even, positions)
