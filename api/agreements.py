"""Routes of financing agreements: conclude one, change its terms, list and read them."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from adapters.queries import PageRequest
from api import money_views, schemas
from api.deps import AgreementWriter, MoneyDep, MoneyReader, PageNumber, PageSize, ReadPosition, etag
from api.problems import READ_RESPONSES, VERSIONED_READ_RESPONSES, WRITE_RESPONSES
from api.writes import WriterDep
from domain import commands as c

router = APIRouter(prefix="/v1", tags=["money"])


@router.post("/financing-agreements", status_code=201, response_model=money_views.AgreementOut, responses=WRITE_RESPONSES)
def conclude_agreement(body: schemas.AgreementIn, actor: AgreementWriter, write: WriterDep) -> JSONResponse:
    """Conclude a financing agreement paid by the caller's municipality or fund."""
    command = c.ConcludeAgreement(
        actor=actor, on=body.concluded_on, kind=body.kind, trigger=body.trigger, phase=body.phase, claimant=body.claimant,
        valid_from=body.valid_from, valid_until=body.valid_until, budget_cap_cents=body.budget_cap_cents,
        terms=body.terms.to_terms(body.valid_from),
    )
    return write.money(command, status_code=201)


@router.get("/financing-agreements", response_model=money_views.AgreementPageOut, responses=READ_RESPONSES)
def list_agreements(
    actor: MoneyReader, money: MoneyDep, _: ReadPosition, page: PageNumber = 1, page_size: PageSize = 50
) -> money_views.AgreementPageOut:
    """The agreements the caller pays, claims under or is covered by (procesregie: all), in the
    order they were concluded."""
    agreements, total = money.agreements(actor, PageRequest(page, page_size))
    return money_views.AgreementPageOut(
        items=[money_views.agreement_out(a) for a in agreements], page=page, page_size=page_size, total=total
    )


@router.get("/financing-agreements/{agreement_id}", response_model=money_views.AgreementOut, responses=VERSIONED_READ_RESPONSES)
def get_agreement(agreement_id: UUID, actor: MoneyReader, money: MoneyDep, _: ReadPosition) -> JSONResponse:
    agreement = money.agreement(actor, agreement_id)
    body = money_views.agreement_out(agreement).model_dump(mode="json", by_alias=True)
    return JSONResponse(body, headers={"ETag": etag(agreement.version)})


@router.post("/financing-agreements/{agreement_id}/terms", response_model=money_views.AgreementOut, responses=WRITE_RESPONSES)
def change_terms(agreement_id: UUID, body: schemas.TermsChangeIn, actor: AgreementWriter, write: WriterDep) -> JSONResponse:
    """New terms from ``effectiveFrom`` onward; payments keep the terms of their trigger date."""
    command = c.ChangeAgreementTerms(
        actor=actor, agreement_id=agreement_id, on=body.effective_from, terms=body.to_terms(body.effective_from)
    )
    return write.money(command)
