"""The O&O fund's page: its financing agreements and claims with their status, the trajectories
whose trigger has been reached and that it can claim, filing a claim, and why a claim was refused
(the unmet condition, or the payer's reason)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from adapters.queries import PageRequest
from api.console import labels, pages, web
from api.console.forms import Field, Form
from api.console.session import Fund
from domain import commands as c
from domain.money import AsOf

router = APIRouter(prefix="/console/fonds")


def _agreements(request: Request, person: Any) -> list[Any]:
    found, _ = request.app.state.container.money.agreements(person.actor, PageRequest(1, 100))
    return found


def _title(a: Any) -> str:
    phase = f" ({labels.word(a.phase)})" if a.phase else ""
    return f"{labels.word(a.kind)}: {labels.word(a.trigger)}{phase}, betaald door {a.payer}, vanaf {a.valid_from.isoformat()}"


def claim_form(agreements: list[Any]) -> Form:
    return Form(
        "Declaratie indienen",
        (
            Field("overeenkomst", "Financieringsafspraak", "choice", tuple((str(a.id), _title(a)) for a in agreements)),
            Field("traject", "Traject", "uuid", hint="Het nummer van het traject, zoals in de lijst hierboven"),
            Field("datum", "Ingediend op", "date"),
        ),
        lambda a, v, ids, _: c.FileClaim(actor=a, on=v["datum"], agreement_id=UUID(v["overeenkomst"]), trajectory_id=v["traject"]),
        submit="Declareren",
        places={"agreementId": "overeenkomst", "filedOn": "datum", "trajectory": "traject"},
    )


@router.get("")
def overview(request: Request, person: Fund, after: Annotated[int | None, Query(alias="na", ge=0)] = None) -> Response:
    container = request.app.state.container
    if after is not None:
        container.projections.wait_for(after, container.settings.read_wait_max_seconds)
    agreements = _agreements(request, person)
    claims = container.money.claims(person.actor, PageRequest(1, 100))
    claimable = container.money.claimable(person.actor, AsOf(container.clock.today(), None))
    titles = {a.id: _title(a) for a in agreements}
    return web.render(request, "fund/overview.html", title="Afspraken en declaraties", agreements=agreements, claims=claims,
                      claimable=claimable, titles=titles)


@router.get("/declareren")
def claim_page(request: Request, person: Fund, overeenkomst: str | None = None, traject: str | None = None) -> Response:
    values = {k: v for k, v in (("overeenkomst", overeenkomst), ("traject", traject)) if v}
    return pages.show(request, claim_form(_agreements(request, person)), action="/console/fonds/declareren", back="/console/fonds",
                      values=values)


@router.post("/declareren")
async def claim(request: Request, person: Fund) -> Response:
    return await pages.take(
        request, person, claim_form(_agreements(request, person)), action="/console/fonds/declareren", ids={},
        back="/console/fonds", message="De declaratie is ingediend.",
        done=lambda outcome: "/console/fonds" + (f"?na={outcome.position}" if outcome.position is not None else ""),
    )
