"""The employer's pages: the placements proposed to the own organisation (the candidate's name,
function, hours and level; never a BSN or a benefit), confirming or declining one with a reason,
and reporting the contract's start and end."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from adapters.queries import PageRequest
from api.console import pages, route_forms, web
from api.console.forms import Field, Form
from api.console.session import Employer
from api.deps import trace_id_of
from domain import commands as c
from domain.errors import NotFound

router = APIRouter(prefix="/console/werkgever")

DATE = route_forms.DATE
T, PL = route_forms.T, route_forms.PL

FORMS: dict[str, Form] = {
    "bevestigen": Form(
        "Plaatsing bevestigen", (DATE,),
        lambda a, v, ids, _: c.ConfirmPlacement(actor=a, trajectory_id=ids[T], placement_id=ids[PL], on=v["datum"]),
        submit="Bevestigen", places={"placement-must-be-proposed": "_form"},
    ),
    "afwijzen": Form(
        "Plaatsing afwijzen", (DATE, Field("reden", "Reden", "textarea")),
        lambda a, v, ids, _: c.DeclinePlacement(actor=a, trajectory_id=ids[T], placement_id=ids[PL], on=v["datum"], reason=v["reden"]),
        submit="Afwijzen",
    ),
    "contractstart": route_forms.CONTRACT_START,
    "einde": route_forms.PLACEMENT_END,
}


def _rows(request: Request, person: Any) -> list[Any]:
    queries = request.app.state.container.queries
    rows, _, _ = queries.placements(person.actor, PageRequest(1, 100), status=None, trace_id=trace_id_of(request.scope))
    return rows


@router.get("")
def placements(request: Request, person: Employer, after: Annotated[int | None, Query(alias="na", ge=0)] = None) -> Response:
    if after is not None:
        container = request.app.state.container
        container.projections.wait_for(after, container.settings.read_wait_max_seconds)
    return web.render(request, "employer/placements.html", title="Plaatsingen", rows=_rows(request, person))


def _form(step: str) -> Form:
    form = FORMS.get(step)
    if form is None:
        raise NotFound("step", f"no step {step}")
    return form


def _subject(request: Request, person: Any, placement_id: UUID) -> str:
    for r in _rows(request, person):
        if r.row["placement_id"] == str(placement_id):
            return f"{r.candidate_name or 'Kandidaat'} – {r.row['function']}, {r.row['hours_per_week']} uur per week"
    raise NotFound("placement", f"no placement {placement_id}")


def _action(trajectory_id: UUID, placement_id: UUID, step: str) -> str:
    return f"/console/werkgever/plaatsingen/{trajectory_id}/{placement_id}/{step}"


@router.get("/plaatsingen/{trajectory_id}/{placement_id}/{step}")
def placement_form(request: Request, trajectory_id: UUID, placement_id: UUID, step: str, person: Employer) -> Response:
    return pages.show(request, _form(step), action=_action(trajectory_id, placement_id, step), back="/console/werkgever",
                      subject=_subject(request, person, placement_id))


@router.post("/plaatsingen/{trajectory_id}/{placement_id}/{step}")
async def placement_step(request: Request, trajectory_id: UUID, placement_id: UUID, step: str, person: Employer) -> Response:
    return await pages.take(
        request, person, _form(step), action=_action(trajectory_id, placement_id, step),
        ids={T: trajectory_id, PL: str(placement_id)}, back="/console/werkgever",
        done=lambda outcome: "/console/werkgever" + (f"?na={outcome.position}" if outcome.position is not None else ""),
        message="Uw antwoord is vastgelegd.",
    )
