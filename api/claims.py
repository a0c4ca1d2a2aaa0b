"""Routes of claims: file one (eligibility follows from the trajectory's events), the payer's
approval, rejection and payment, and the claims a caller sees."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from adapters.queries import PageRequest
from api import money_views, schemas
from api.deps import ClaimWriter, MoneyDep, MoneyReader, PageNumber, PageSize, ReadPosition, etag
from api.problems import READ_RESPONSES, VERSIONED_READ_RESPONSES, WRITE_RESPONSES
from api.writes import WriterDep
from domain import commands as c

router = APIRouter(prefix="/v1", tags=["money"])

WRITE: dict[str, Any] = {"response_model": money_views.ClaimOut, "responses": WRITE_RESPONSES}


@router.post("/claims", status_code=201, **WRITE)
def file_claim(body: schemas.ClaimIn, actor: ClaimWriter, write: WriterDep) -> JSONResponse:
    """Claim the payment of one agreement for one trajectory. Eligibility follows from the
    trajectory's events as of ``filedOn``; identical claims: exactly one is filed."""
    command = c.FileClaim(actor=actor, agreement_id=body.agreement_id, trajectory_id=body.trajectory_id, on=body.filed_on)
    return write.money(command, status_code=201)


@router.get("/claims", response_model=money_views.ClaimPageOut, responses=READ_RESPONSES)
def list_claims(
    actor: MoneyReader, money: MoneyDep, _: ReadPosition, page: PageNumber = 1, page_size: PageSize = 50
) -> money_views.ClaimPageOut:
    """Claims the caller filed, pays, or that concern its municipality (procesregie: all)."""
    rows = money.claims(actor, PageRequest(page, page_size))
    return money_views.ClaimPageOut(items=[money_views.claim_summary_out(r) for r in rows], page=page, page_size=page_size)


@router.get("/claims/{claim_id}", response_model=money_views.ClaimOut, responses=VERSIONED_READ_RESPONSES)
def get_claim(claim_id: UUID, actor: MoneyReader, money: MoneyDep, _: ReadPosition) -> JSONResponse:
    claim = money.claim(actor, claim_id)
    return JSONResponse(money_views.claim_out(claim).model_dump(mode="json", by_alias=True), headers={"ETag": etag(claim.version)})


@router.post("/claims/{claim_id}/approval", **WRITE)
def approve_claim(claim_id: UUID, body: schemas.DecisionIn, actor: ClaimWriter, write: WriterDep) -> JSONResponse:
    """The payer approves; the amount is reserved against the agreement's budget cap."""
    return write.money(c.ApproveClaim(actor=actor, claim_id=claim_id, on=body.date))


@router.post("/claims/{claim_id}/rejection", **WRITE)
def reject_claim(claim_id: UUID, body: schemas.RejectionIn, actor: ClaimWriter, write: WriterDep) -> JSONResponse:
    """The payer rejects, with its reason (an approved claim not yet paid releases its reservation)."""
    return write.money(c.RejectClaim(actor=actor, claim_id=claim_id, on=body.date, reason=body.reason))


@router.post("/claims/{claim_id}/payment", **WRITE)
def record_payment(claim_id: UUID, body: schemas.DecisionIn, actor: ClaimWriter, write: WriterDep) -> JSONResponse:
    return write.money(c.RecordPayment(actor=actor, claim_id=claim_id, on=body.date))
