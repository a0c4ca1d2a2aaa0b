"""The privacy officer's pages: a candidate's access log (who processed the data, when, in which
activity, under which trace id) and erasure of the personal data, after a confirmation step."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.console import pages, route_forms, web
from api.console.forms import Field, Form, Invalid, read
from api.console.session import PrivacyOfficer, posted_fields
from api.deps import trace_id_of
from domain import commands as c

router = APIRouter(prefix="/console/privacy")

FIND = Form("Traject opzoeken", (Field("traject", "Traject", "uuid", hint="Het nummer van het traject uit het verzoek"),),
            lambda *_: None, submit="Openen")  # type: ignore[arg-type]

ERASE = Form(
    "Persoonsgegevens wissen",
    (route_forms.DATE,
     Field("bevestiging", "Ik bevestig dat het BSN, de namen en de geboortedatum van deze kandidaat voorgoed worden gewist",
           "confirm")),
    lambda a, v, ids, _: c.EraseCandidate(actor=a, trajectory_id=ids[route_forms.T], on=v["datum"]),
    submit="Voorgoed wissen",
    intro="Na het wissen zijn de persoonsgegevens nooit meer te lezen. De route, het geld en het logboek blijven, "
          "met de kandidaat als gewist.",
    places={"already-erased": "_form"},
)


def _page(trajectory_id: object) -> str:
    return f"/console/privacy/trajecten/{trajectory_id}"


@router.get("")
def start(request: Request, person: PrivacyOfficer) -> Response:
    return web.render(request, "privacy/start.html", title="Privacy", form=FIND, values={}, errors={})


@router.post("")
async def find(request: Request, person: PrivacyOfficer) -> Response:
    raw = await posted_fields(request)
    try:
        trajectory_id = read(FIND, raw)["traject"]
    except Invalid as invalid:
        return web.render(request, "privacy/start.html", status_code=400, title="Privacy", form=FIND, values=raw,
                          errors=invalid.errors)
    return web.see_other(_page(trajectory_id))


@router.get("/trajecten/{trajectory_id}")
def access_log(request: Request, trajectory_id: UUID, person: PrivacyOfficer,
               page: Annotated[int, Query(alias="pagina", ge=1, le=100_000)] = 1) -> Response:
    queries = request.app.state.container.queries
    entries, total = queries.access_log(person.actor, trajectory_id, page=page, page_size=50, trace_id=trace_id_of(request.scope))
    return web.render(request, "privacy/access_log.html", title="Logboek van verwerkingen", trajectory_id=trajectory_id,
                      entries=entries, total=total, page=page, pages=max(1, -(-total // 50)))


@router.get("/trajecten/{trajectory_id}/wissen")
def erase_form(request: Request, trajectory_id: UUID, person: PrivacyOfficer) -> Response:
    return pages.show(request, ERASE, action=_page(trajectory_id) + "/wissen", back=_page(trajectory_id),
                      subject=f"Traject {trajectory_id}")


@router.post("/trajecten/{trajectory_id}/wissen")
async def erase(request: Request, trajectory_id: UUID, person: PrivacyOfficer) -> Response:
    return await pages.take(
        request, person, ERASE, action=_page(trajectory_id) + "/wissen", ids={route_forms.T: trajectory_id},
        back=_page(trajectory_id), done=lambda outcome: _page(trajectory_id), message="De persoonsgegevens zijn gewist.",
        subject=f"Traject {trajectory_id}",
    )
