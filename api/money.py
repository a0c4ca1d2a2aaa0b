"""Routes of the money: financing agreements, claims, a trajectory's money and the reports.

Handlers parse, call one application command or one derivation of the log, and map the result.
Who sees what is decided in ``domain.access``; what is due, lapsed or saved in ``domain.money``.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timezone
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field, Strict, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.database import read_session
from adapters.money import MoneyState, derive, fund_agreements, read_scoped_log, region_lookup, report_of
from adapters.tables import money_agreements, money_claims
from adapters.unit_of_work import StoredResponse
from api import schemas
from api.auth import require_role
from api.problems import ApiProblem
from api.schemas import Input, IsoDate, LongText, Text
from api.writes import POSITION_HEADER, container_of, etag, log_read, respond_with
from domain.access import (
    AGREEMENT_WRITERS,
    CLAIM_WRITERS,
    MONEY_READERS,
    can_see_agreement,
    can_see_claim,
    can_see_money_line,
    can_see_savings,
    can_see_trajectory_money,
    money_report_scope,
)
from domain.financing import AgreementView, Claim, FinancingAgreement, FinancingKind, Terms, Trigger
from domain.money import FIGURES, AsOf, Figures, MoneyLine, MoneyScope, Report, fund_covers
from domain.trajectory import Trajectory
from domain.values import Actor, Phase, Role, TargetGroup
from leerroute.application import AgreementNotFound, ClaimNotFound, MoneyOutcome, TrajectoryNotFound

router = APIRouter(prefix="/v1", tags=["money"])

_READ_PROBLEMS = {
    400: {"model": schemas.Problem, "description": "Invalid parameters, each named in invalidParams"},
    401: {"model": schemas.Problem, "description": "No valid bearer token"},
    403: {"model": schemas.Problem, "description": "The role may not do this"},
    404: {"model": schemas.Problem, "description": "Unknown or invisible agreement, claim or trajectory"},
}
_WRITE = {
    "responses": {
        **_READ_PROBLEMS,
        409: {"model": schemas.Problem, "description": "A rule forbids this (named in `rule`; an ineligible claim names its `condition`)"},
        412: {"model": schemas.Problem, "description": "If-Match names an old version"},
        422: {"model": schemas.Problem, "description": "Idempotency-Key reused for a different request"},
    }
}
_READ = {"responses": _READ_PROBLEMS}

AgreementWriter = Annotated[Actor, Depends(require_role(AGREEMENT_WRITERS))]
ClaimWriter = Annotated[Actor, Depends(require_role(CLAIM_WRITERS))]
MoneyReader = Annotated[Actor, Depends(require_role(MONEY_READERS))]

AmountCents = Annotated[int, Strict(), Field(gt=0, le=10_000_000_00, description="Euro cents, a whole number above zero")]
Months = Annotated[int, Strict(), Field(ge=0, le=120)]


class TermsIn(Input):
    amount_cents: AmountCents
    min_placement_months: Months = 0
    target_groups: list[TargetGroup] = Field(default_factory=list)
    municipalities: list[Text] = Field(default_factory=list)
    regions: list[Text] = Field(default_factory=list)

    def to_terms(self, effective_from: date) -> Terms:
        return Terms(
            effective_from=effective_from,
            amount_cents=self.amount_cents,
            min_placement_months=self.min_placement_months,
            target_groups=tuple(str(g) for g in self.target_groups),
            municipalities=tuple(self.municipalities),
            regions=tuple(self.regions),
        )


# An organisation as tokens name it (see ``adapters.tokens.check_organisation``): 1 to 64 characters.
Organisation = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=64)]


class AgreementIn(Input):
    kind: FinancingKind
    trigger: Trigger
    phase: Phase | None = None
    claimant: Organisation | None = Field(
        default=None, description="Who files the claims (an organisation id, e.g. a fund's); default the trajectory's municipality"
    )
    valid_from: IsoDate
    valid_until: IsoDate | None = None
    budget_cap_cents: AmountCents | None = None
    concluded_on: IsoDate
    terms: TermsIn


class TermsChangeIn(TermsIn):
    effective_from: IsoDate


class ClaimIn(Input):
    agreement_id: UUID
    trajectory_id: UUID
    filed_on: IsoDate


class DecisionIn(Input):
    date: IsoDate


class RejectionIn(Input):
    date: IsoDate
    reason: LongText


# --- bodies --------------------------------------------------------------------------------------


def _terms_out(t: Terms) -> dict[str, Any]:
    return {
        "effectiveFrom": t.effective_from.isoformat(),
        "amountCents": t.amount_cents,
        "minPlacementMonths": t.min_placement_months,
        "targetGroups": list(t.target_groups),
        "municipalities": list(t.municipalities),
        "regions": list(t.regions),
    }


def agreement_out(a: FinancingAgreement) -> dict[str, Any]:
    return {
        "id": str(a.id),
        "payer": {"kind": str(a.payer_kind), "id": a.payer},
        "claimant": a.claimant,
        "kind": str(a.kind),
        "trigger": str(a.trigger),
        "phase": str(a.phase) if a.phase else None,
        "validFrom": a.valid_from.isoformat(),
        "validUntil": a.valid_until.isoformat() if a.valid_until else None,
        "budgetCapCents": a.budget_cap_cents,
        "reservedCents": a.reserved_cents,
        "concludedOn": a.concluded_on.isoformat(),
        "terms": [_terms_out(t) for t in a.terms_history],
        "version": a.version,
    }


def claim_out(c: Claim) -> dict[str, Any]:
    return {
        "id": str(c.id),
        "agreementId": str(c.agreement_id),
        "trajectoryId": str(c.trajectory_id),
        "municipality": c.municipality,
        "payer": c.payer,
        "claimant": c.claimant,
        "trigger": str(c.trigger),
        "triggerOn": c.trigger_on.isoformat(),
        "amountCents": c.amount_cents,
        "status": str(c.status),
        "filedOn": c.filed_on.isoformat(),
        "approvedOn": c.approval.on.isoformat() if c.approval else None,
        "rejectedOn": c.rejection.on.isoformat() if c.rejection else None,
        "rejectionReason": c.rejection.reason if c.rejection else None,
        "paidOn": c.paid_on.isoformat() if c.paid_on else None,
        "version": c.version,
    }


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def figures_out(f: Figures) -> dict[str, int]:
    return {_camel(name): value for name, value in f.as_dict().items()}


def _money_response(request: Request, actor: Actor, payload: Any, work: Any, *, status_code: int, kind: str) -> JSONResponse:
    def render(session: Session, expected: int | None) -> StoredResponse:
        outcome: MoneyOutcome = work(session, expected)
        aggregate = outcome.aggregate
        body = agreement_out(aggregate) if isinstance(aggregate, FinancingAgreement) else claim_out(aggregate)
        headers = {
            "ETag": etag(aggregate.version),
            POSITION_HEADER: str(outcome.position),
            "Location": f"/v1/{kind}/{aggregate.id}",
        }
        return StoredResponse(status_code, body, headers)

    return respond_with(request, actor, payload, render)


def _today(request: Request) -> date:
    return container_of(request).clock.today()


# --- financing agreements ----------------------------------------------------------------------------


@router.post("/financing-agreements", status_code=201, **_WRITE)
def conclude_agreement(body: AgreementIn, request: Request, actor: AgreementWriter) -> JSONResponse:
    """Conclude a financing agreement paid by the caller's municipality or fund."""
    app = container_of(request).app
    today = _today(request)

    def work(session: Session, expected: int | None) -> MoneyOutcome:
        return app.conclude_agreement(
            session=session,
            actor=actor,
            today=today,
            kind=body.kind,
            trigger=body.trigger,
            phase=body.phase,
            claimant=body.claimant,
            valid_from=body.valid_from,
            valid_until=body.valid_until,
            budget_cap_cents=body.budget_cap_cents,
            terms=body.terms.to_terms(body.valid_from),
            concluded_on=body.concluded_on,
        )

    return _money_response(request, actor, body, work, status_code=201, kind="financing-agreements")


def _own_region(request: Request, actor: Actor) -> str | None:
    if actor.role is not Role.KLANTMANAGER:
        return None
    return region_lookup(container_of(request).database_url)(actor.organisation)


def _visible_agreement(request: Request, actor: Actor, agreement_id: UUID) -> FinancingAgreement:
    agreement = container_of(request).app.get_agreement(agreement_id)
    if not can_see_agreement(actor, agreement.view(), _own_region(request, actor)):
        raise AgreementNotFound(agreement_id)
    return agreement


@router.get("/financing-agreements", **_READ)
def list_agreements(
    request: Request,
    actor: MoneyReader,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100)] = 50,
) -> JSONResponse:
    """The agreements the caller pays, claims under or is covered by (procesregie: all), in the
    order they were concluded."""
    container = container_of(request)
    a = money_agreements
    query = select(a.c.agreement_id).order_by(a.c.concluded_on, a.c.agreement_id)
    if actor.role is Role.FUND:
        query = query.where((a.c.payer == actor.organisation) | (a.c.claimant == actor.organisation))
    elif actor.role is Role.KLANTMANAGER:
        query = query.where(
            (a.c.payer == actor.organisation) | (a.c.claimant == actor.organisation)
            | ((a.c.claimant.is_(None)) & (a.c.payer_kind == "fund"))
        )
    with read_session(container.database_url) as session:
        ids = list(session.execute(query).scalars())
    region = _own_region(request, actor)
    visible = [agreement for agreement in map(container.app.get_agreement, ids) if can_see_agreement(actor, agreement.view(), region)]
    items = [agreement_out(agreement) for agreement in visible[(page - 1) * page_size : page * page_size]]
    return JSONResponse({"items": items, "page": page, "pageSize": page_size, "total": len(visible)})


@router.get("/financing-agreements/{agreement_id}", **_READ)
def get_agreement(agreement_id: UUID, request: Request, actor: MoneyReader) -> JSONResponse:
    agreement = _visible_agreement(request, actor, agreement_id)
    return JSONResponse(agreement_out(agreement), headers={"ETag": etag(agreement.version)})


@router.post("/financing-agreements/{agreement_id}/terms", **_WRITE)
def change_terms(agreement_id: UUID, body: TermsChangeIn, request: Request, actor: AgreementWriter) -> JSONResponse:
    """New terms from ``effectiveFrom`` onward; payments keep the terms of their trigger date."""
    container = container_of(request)
    today = _today(request)
    region = _own_region(request, actor)

    def authorise(agreement: FinancingAgreement) -> None:
        if not can_see_agreement(actor, agreement.view(), region):
            raise AgreementNotFound(agreement_id)
        if not agreement.is_payer(actor):
            raise ApiProblem(403, "forbidden", "Not allowed for this role", "only the payer changes an agreement's terms")

    def work(session: Session, expected: int | None) -> MoneyOutcome:
        return container.app.change_agreement_terms(
            agreement_id, body.to_terms(body.effective_from), session=session, actor=actor, today=today,
            expected_version=expected, authorise=authorise,
        )

    return _money_response(request, actor, body, work, status_code=200, kind="financing-agreements")


# --- claims -------------------------------------------------------------------------------------------


def _fund_agreements(container: Any, actor: Actor) -> list[AgreementView]:
    """The agreements a fund pays or claims under."""
    return fund_agreements(container.app, container.database_url, actor.organisation)


@router.post("/claims", status_code=201, **_WRITE)
def file_claim(body: ClaimIn, request: Request, actor: ClaimWriter) -> JSONResponse:
    """Claim the payment of one agreement for one trajectory. Eligibility follows from the
    trajectory's events as of ``filedOn``; identical claims: exactly one is filed."""
    container = container_of(request)
    today = _today(request)
    region_of = region_lookup(container.database_url)

    def may_see(agreement: FinancingAgreement, trajectory: Trajectory) -> bool:
        if actor.role is Role.FUND:  # a fund sees a trajectory through an agreement of its own
            view = agreement.view()
            return can_see_agreement(actor, view) and fund_covers([view], trajectory, region_of(trajectory.municipality))
        return container.policy.can_see(actor, trajectory)

    def work(session: Session, expected: int | None) -> MoneyOutcome:
        return container.app.file_claim(
            session=session,
            actor=actor,
            today=today,
            agreement_id=body.agreement_id,
            trajectory_id=body.trajectory_id,
            filed_on=body.filed_on,
            region=region_of,
            may_see=may_see,
        )

    return _money_response(request, actor, body, work, status_code=201, kind="claims")


@router.get("/claims", **_READ)
def list_claims(
    request: Request,
    actor: MoneyReader,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100)] = 50,
) -> JSONResponse:
    """Claims the caller filed, pays, or that concern its municipality (procesregie: all)."""
    c = money_claims
    query = select(c)
    if actor.role is not Role.PROCESREGIE:
        mine = (c.c.payer == actor.organisation) | (c.c.claimant == actor.organisation)
        if actor.role is Role.KLANTMANAGER:
            mine = mine | (c.c.municipality == actor.organisation)
        query = query.where(mine)
    query = query.order_by(c.c.filed_on, c.c.claim_id).offset((page - 1) * page_size).limit(page_size)
    with read_session(container_of(request).database_url) as session:
        rows = session.execute(query).mappings().all()
    items = [
        {
            "id": str(r["claim_id"]),
            "agreementId": str(r["agreement_id"]),
            "trajectoryId": str(r["trajectory_id"]),
            "municipality": r["municipality"],
            "payer": r["payer"],
            "claimant": r["claimant"],
            "trigger": r["trigger"],
            "triggerOn": r["trigger_on"].isoformat(),
            "amountCents": r["amount_cents"],
            "status": r["status"],
            "filedOn": r["filed_on"].isoformat(),
            "paidOn": r["paid_on"].isoformat() if r["paid_on"] else None,
        }
        for r in rows
    ]
    return JSONResponse({"items": items, "page": page, "pageSize": page_size})


@router.get("/claims/{claim_id}", **_READ)
def get_claim(claim_id: UUID, request: Request, actor: MoneyReader) -> JSONResponse:
    claim = container_of(request).app.get_claim(claim_id)
    if not can_see_claim(actor, claim):
        raise ClaimNotFound(claim_id)
    return JSONResponse(claim_out(claim), headers={"ETag": etag(claim.version)})


def _decide(request: Request, actor: Actor, body: Any, claim_id: UUID, decide: Any) -> JSONResponse:
    container = container_of(request)

    def authorise(claim: Claim, agreement: FinancingAgreement) -> None:
        if not can_see_claim(actor, claim):
            raise ClaimNotFound(claim_id)
        if not agreement.is_payer(actor):
            raise ApiProblem(403, "forbidden", "Not allowed for this role", f"only the payer ({agreement.payer}) decides on this claim")

    def work(session: Session, expected: int | None) -> MoneyOutcome:
        return container.app.decide_claim(claim_id, decide, session=session, expected_version=expected, authorise=authorise)

    return _money_response(request, actor, body, work, status_code=200, kind="claims")


@router.post("/claims/{claim_id}/approval", **_WRITE)
def approve_claim(claim_id: UUID, body: DecisionIn, request: Request, actor: ClaimWriter) -> JSONResponse:
    """The payer approves; the amount is reserved against the agreement's budget cap."""
    today = _today(request)
    return _decide(request, actor, body, claim_id, lambda c, a: c.approve(a, on=body.date, today=today, actor=actor))


@router.post("/claims/{claim_id}/rejection", **_WRITE)
def reject_claim(claim_id: UUID, body: RejectionIn, request: Request, actor: ClaimWriter) -> JSONResponse:
    """The payer rejects, with its reason (an approved claim not yet paid releases its reservation)."""
    today = _today(request)
    return _decide(
        request, actor, body, claim_id, lambda c, a: c.reject(a, on=body.date, today=today, reason=body.reason, actor=actor)
    )


@router.post("/claims/{claim_id}/payment", **_WRITE)
def record_payment(claim_id: UUID, body: DecisionIn, request: Request, actor: ClaimWriter) -> JSONResponse:
    today = _today(request)
    return _decide(request, actor, body, claim_id, lambda c, a: c.record_payment(a, on=body.date, today=today, actor=actor))


# --- as of a moment ------------------------------------------------------------------------------------


def parse_as_of(request: Request, as_of: str | None, known: str | None) -> AsOf:
    """``asOf``: an ISO date (default today). ``known``: an ISO date (the end of that day in the
    configured time zone) or an ISO datetime with offset; only events recorded by then count."""
    container = container_of(request)
    today = container.clock.today()
    invalid = []
    day = today
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
            if len(as_of) != 10:
                raise ValueError
        except ValueError:
            invalid.append({"name": "asOf", "reason": "an ISO date, such as 2026-06-30"})
        else:
            if day > today:
                invalid.append({"name": "asOf", "reason": f"{day} lies after today ({today})"})
    cutoff = None
    if known is not None:
        try:
            if len(known) == 10:
                end = datetime.combine(date.fromisoformat(known), time.max, ZoneInfo(container.settings.timezone))
                cutoff = end.astimezone(timezone.utc)
            else:
                cutoff = datetime.fromisoformat(known.replace("Z", "+00:00"))
                if cutoff.tzinfo is None:
                    raise ValueError
        except ValueError:
            invalid.append({"name": "known", "reason": "an ISO date or an ISO datetime with its offset, such as 2026-06-30T12:00:00Z"})
    if invalid:
        raise ApiProblem(400, "invalid-params", "Invalid request", "one or more parameters are invalid", invalidParams=invalid)
    return AsOf(day, cutoff)


AsOfParam = Annotated[str | None, Query(alias="asOf", description="ISO date: figures as they had happened by then")]
KnownParam = Annotated[str | None, Query(description="ISO date or datetime: only what had been recorded by then")]


def _state(request: Request, as_of: AsOf, scope: MoneyScope) -> MoneyState:
    """The money as of a moment, derived from the part of the log ``scope`` needs."""
    container = container_of(request)
    log = read_scoped_log(container.app, container.database_url, scope)
    return derive(log, as_of, region_lookup(container.database_url), container.settings.savings_baseline)


def _line_out(line: MoneyLine) -> dict[str, Any]:
    return {
        "agreementId": str(line.agreement_id),
        "payer": {"kind": str(line.payer_kind), "id": line.payer},
        "kind": str(line.kind),
        "status": line.status,
        "triggerOn": line.trigger_on.isoformat() if line.trigger_on else None,
        "claim": {"id": str(line.claim.id), "status": str(line.claim.status)} if line.claim else None,
        **figures_out(line.figures),
    }


@router.get("/trajectories/{trajectory_id}/money", **_READ)
def trajectory_money(
    trajectory_id: UUID, request: Request, actor: MoneyReader, as_of: AsOfParam = None, known: KnownParam = None
) -> JSONResponse:
    """What this trajectory earned, was claimed and paid under each agreement, and the bijstand it saved."""
    moment = parse_as_of(request, as_of, known)
    container = container_of(request)
    trajectory = container.app.get_trajectory(trajectory_id)
    region = region_lookup(container.database_url)(trajectory.municipality)
    fund_agreements = _fund_agreements(container, actor) if actor.role is Role.FUND else []
    if not can_see_trajectory_money(actor, trajectory, fund_agreements, region):
        raise TrajectoryNotFound(trajectory_id)
    log_read(request, actor, [trajectory])  # its savings follow from the candidate's benefit
    state = _state(request, moment, MoneyScope(trajectory=trajectory_id, municipality=trajectory.municipality))
    lines = [line for line in state.lines if line.trajectory_id == trajectory_id and can_see_money_line(actor, line)]
    savings_visible = can_see_savings(actor, trajectory.municipality)
    months = state.savings.get(trajectory_id, {}) if savings_visible else {}
    periods = state.periods.get(trajectory_id, []) if savings_visible else []
    return JSONResponse(
        {
            "trajectoryId": str(trajectory_id),
            "asOf": moment.day.isoformat(),
            "known": moment.known.isoformat() if moment.known else None,
            "lines": [_line_out(line) for line in lines],
            "savings": {
                "baseline": str(container.settings.savings_baseline),
                "periods": [
                    {
                        "startsOn": p.starts_on.isoformat(),
                        "endsOn": p.ends_on.isoformat() if p.ends_on else None,
                        "baselineCents": p.baseline_cents,
                        "paidCents": p.paid_cents,
                    }
                    for p in periods
                ],
                "months": [{"month": m, "savingsCents": c} for m, c in months.items()],
                "totalCents": sum(months.values()),
            },
        }
    )


# --- reports -------------------------------------------------------------------------------------------

_COLUMNS = ["level", "party", *[_camel(n) for n in FIGURES], "breakEvenMonth"]


def report_out(report: Report, baseline: str) -> dict[str, Any]:
    return {
        "asOf": report.as_of.day.isoformat(),
        "known": report.as_of.known.isoformat() if report.as_of.known else None,
        "savingsBaseline": baseline,
        "municipalities": [
            {
                "municipality": line.party,
                **figures_out(line.figures),
                "breakEvenMonth": report.break_even.get(line.party),
                "months": [
                    {
                        "month": p.month,
                        "savings": p.savings,
                        "paid": p.paid,
                        "cumulativeSavings": p.cumulative_savings,
                        "cumulativePaid": p.cumulative_paid,
                        "net": p.net,
                    }
                    for p in report.positions.get(line.party, [])
                ],
            }
            for line in report.municipalities
        ],
        "funds": [{"fund": line.party, **figures_out(line.figures)} for line in report.funds],
        "national": figures_out(report.national),
    }


def report_rows(report: Report) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for line in report.municipalities:
        rows.append(["municipality", line.party, *line.figures.as_dict().values(), report.break_even.get(line.party) or ""])
    for line in report.funds:
        rows.append(["fund", line.party, *line.figures.as_dict().values(), ""])
    rows.append(["national", "", *report.national.as_dict().values(), ""])
    return rows


@router.get("/money/reports", responses={
    **_READ_PROBLEMS,
    200: {"description": "The report as JSON, CSV or XLSX (`format`)", "content": {
        "text/csv": {"schema": {"type": "string"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}},
    }},
})
def money_report(
    request: Request,
    actor: MoneyReader,
    as_of: AsOfParam = None,
    known: KnownParam = None,
    format: Annotated[Literal["json", "csv", "xlsx"], Query(description="json, csv or xlsx")] = "json",  # noqa: A002
) -> Response:
    """Per municipality, per fund and national: committed, due, claimed, approved, paid, lapsed,
    to recover, savings and net (savings − paid), in euro cents. The lines add up to the totals."""
    moment = parse_as_of(request, as_of, known)
    state = _state(request, moment, money_report_scope(actor))
    report = report_of(
        state, lambda line: can_see_money_line(actor, line), lambda municipality: can_see_savings(actor, municipality)
    )
    baseline = str(container_of(request).settings.savings_baseline)
    stamp = moment.day.isoformat()
    if format == "json":
        return JSONResponse(report_out(report, baseline))
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(_COLUMNS)
        writer.writerows(report_rows(report))
        return Response(
            buffer.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="leerroute-money-{stamp}.csv"'},
        )
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "money"
    sheet.append(_COLUMNS)
    for row in report_rows(report):
        sheet.append(row)
    buffer_x = io.BytesIO()
    workbook.save(buffer_x)
    return Response(
        buffer_x.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="leerroute-money-{stamp}.xlsx"'},
    )
