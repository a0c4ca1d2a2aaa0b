"""The money's response bodies (camelCase on the wire, amounts in euro cents) and how agreements,
claims, a trajectory's money and the reports map onto them."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import Field

from api.responses import Output
from domain.financing import Claim, FinancingAgreement
from domain.money import AsOf
from domain.payments import FIGURES, Figures, MoneyLine
from domain.reports import Report
from domain.terms import ClaimStatus, FinancingKind, PayerKind, Terms, Trigger
from domain.values import Phase
from leerroute.money_queries import TrajectoryMoney


class TermsOut(Output):
    effective_from: date
    amount_cents: int
    min_placement_months: int
    target_groups: list[str]
    municipalities: list[str]
    regions: list[str]


class PayerOut(Output):
    kind: PayerKind
    id: str


class AgreementOut(Output):
    id: UUID
    payer: PayerOut
    claimant: str | None
    kind: FinancingKind
    trigger: Trigger
    phase: Phase | None
    valid_from: date
    valid_until: date | None
    budget_cap_cents: int | None
    reserved_cents: int
    concluded_on: date
    terms: list[TermsOut] = Field(description="Every set of terms the agreement had, each from its effectiveFrom on")
    version: int


class AgreementPageOut(Output):
    items: list[AgreementOut]
    page: int
    page_size: int
    total: int


class ClaimSummaryOut(Output):
    id: UUID
    agreement_id: UUID
    trajectory_id: UUID
    municipality: str
    payer: str
    claimant: str
    trigger: Trigger
    trigger_on: date
    amount_cents: int
    status: ClaimStatus
    filed_on: date
    paid_on: date | None


class ClaimOut(ClaimSummaryOut):
    approved_on: date | None
    rejected_on: date | None
    rejection_reason: str | None
    version: int


class ClaimPageOut(Output):
    items: list[ClaimSummaryOut]
    page: int
    page_size: int


class FiguresOut(Output):
    """Amounts in euro cents (see ``domain.payments`` for what each one counts)."""

    committed: int
    due: int
    claimed: int
    approved: int
    paid: int
    lapsed: int
    to_recover: int
    savings: int
    net: int


class LineClaimOut(Output):
    id: UUID
    status: ClaimStatus


class MoneyLineOut(FiguresOut):
    agreement_id: UUID
    payer: PayerOut
    kind: FinancingKind
    status: str = Field(description="not-covered, committed, due or lapsed")
    trigger_on: date | None
    claim: LineClaimOut | None


class SavingPeriodOut(Output):
    starts_on: date
    ends_on: date | None
    baseline_cents: int
    paid_cents: int


class MonthSavingsOut(Output):
    month: str
    savings_cents: int


class SavingsOut(Output):
    baseline: str
    periods: list[SavingPeriodOut]
    months: list[MonthSavingsOut]
    total_cents: int


class TrajectoryMoneyOut(Output):
    trajectory_id: UUID
    as_of: date
    known: str | None = Field(description="Only what had been recorded by this moment counts (ISO datetime)")
    lines: list[MoneyLineOut]
    savings: SavingsOut


class MonthPositionOut(Output):
    month: str
    savings: int
    paid: int
    cumulative_savings: int
    cumulative_paid: int
    net: int


class MunicipalityLineOut(FiguresOut):
    municipality: str
    break_even_month: str | None
    months: list[MonthPositionOut]


class FundLineOut(FiguresOut):
    fund: str


class ReportOut(Output):
    as_of: date
    known: str | None
    savings_baseline: str
    municipalities: list[MunicipalityLineOut]
    funds: list[FundLineOut]
    national: FiguresOut


# --- presenters ----------------------------------------------------------------------------------------


def _terms_out(t: Terms) -> TermsOut:
    return TermsOut(
        effective_from=t.effective_from, amount_cents=t.amount_cents, min_placement_months=t.min_placement_months,
        target_groups=list(t.target_groups), municipalities=list(t.municipalities), regions=list(t.regions),
    )


def agreement_out(a: FinancingAgreement) -> AgreementOut:
    return AgreementOut(
        id=a.id, payer=PayerOut(kind=a.payer_kind, id=a.payer), claimant=a.claimant, kind=a.kind, trigger=a.trigger,
        phase=a.phase, valid_from=a.valid_from, valid_until=a.valid_until, budget_cap_cents=a.budget_cap_cents,
        reserved_cents=a.reserved_cents, concluded_on=a.concluded_on, terms=[_terms_out(t) for t in a.terms_history],
        version=a.version,
    )


def claim_out(c: Claim) -> ClaimOut:
    return ClaimOut(
        id=c.id, agreement_id=c.agreement_id, trajectory_id=c.trajectory_id, municipality=c.municipality, payer=c.payer,
        claimant=c.claimant, trigger=c.trigger, trigger_on=c.trigger_on, amount_cents=c.amount_cents, status=c.status,
        filed_on=c.filed_on, approved_on=c.approval.on if c.approval else None,
        rejected_on=c.rejection.on if c.rejection else None, rejection_reason=c.rejection.reason if c.rejection else None,
        paid_on=c.paid_on, version=c.version,
    )


def claim_summary_out(row: dict[str, Any]) -> ClaimSummaryOut:
    return ClaimSummaryOut(
        id=row["claim_id"], agreement_id=row["agreement_id"], trajectory_id=row["trajectory_id"],
        municipality=row["municipality"], payer=row["payer"], claimant=row["claimant"], trigger=row["trigger"],
        trigger_on=row["trigger_on"], amount_cents=row["amount_cents"], status=row["status"], filed_on=row["filed_on"],
        paid_on=row["paid_on"],
    )


def _figures(f: Figures) -> dict[str, int]:
    return f.as_dict()


def _known(as_of: AsOf) -> str | None:
    return as_of.known.isoformat() if as_of.known else None


def line_out(line: MoneyLine) -> MoneyLineOut:
    return MoneyLineOut(
        agreement_id=line.agreement_id, payer=PayerOut(kind=line.payer_kind, id=line.payer), kind=line.kind,
        status=line.status, trigger_on=line.trigger_on,
        claim=LineClaimOut(id=line.claim.id, status=line.claim.status) if line.claim else None,
        **_figures(line.figures),
    )


def trajectory_money_out(money: TrajectoryMoney, baseline: str) -> TrajectoryMoneyOut:
    return TrajectoryMoneyOut(
        trajectory_id=money.trajectory_id,
        as_of=money.as_of.day,
        known=_known(money.as_of),
        lines=[line_out(line) for line in money.lines],
        savings=SavingsOut(
            baseline=baseline,
            periods=[
                SavingPeriodOut(starts_on=p.starts_on, ends_on=p.ends_on, baseline_cents=p.baseline_cents, paid_cents=p.paid_cents)
                for p in money.periods
            ],
            months=[MonthSavingsOut(month=m, savings_cents=cents) for m, cents in money.months.items()],
            total_cents=sum(money.months.values()),
        ),
    )


def report_out(report: Report, baseline: str) -> ReportOut:
    return ReportOut(
        as_of=report.as_of.day,
        known=_known(report.as_of),
        savings_baseline=baseline,
        municipalities=[
            MunicipalityLineOut(
                municipality=line.party,
                break_even_month=report.break_even.get(line.party),
                months=[
                    MonthPositionOut(month=p.month, savings=p.savings, paid=p.paid, cumulative_savings=p.cumulative_savings,
                                     cumulative_paid=p.cumulative_paid, net=p.net)
                    for p in report.positions.get(line.party, [])
                ],
                **_figures(line.figures),
            )
            for line in report.municipalities
        ],
        funds=[FundLineOut(fund=line.party, **_figures(line.figures)) for line in report.funds],
        national=FiguresOut(**_figures(report.national)),
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


REPORT_COLUMNS = ["level", "party", *[_camel(n) for n in FIGURES], "breakEvenMonth"]


def report_rows(report: Report) -> list[list[Any]]:
    """The report as rows under ``REPORT_COLUMNS``: municipalities, funds, then the national totals."""
    rows: list[list[Any]] = []
    for line in report.municipalities:
        rows.append(["municipality", line.party, *line.figures.as_dict().values(), report.break_even.get(line.party) or ""])
    for line in report.funds:
        rows.append(["fund", line.party, *line.figures.as_dict().values(), ""])
    rows.append(["national", "", *report.national.as_dict().values(), ""])
    return rows
