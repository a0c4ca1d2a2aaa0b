"""The klantmanager's pages: the worklist, the own trajectories, finding a candidate by BSN (a
POST: the BSN never travels in a URL), registering one, a trajectory's page with its stage and
timeline, and the forms of its steps."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from adapters.queries import PageRequest
from api.console import labels, pages, route_forms, timeline, web
from api.console.forms import Field, Form, Invalid, read
from api.console.session import Klantmanager, posted_fields
from api.deps import trace_id_of
from domain.errors import NotFound
from domain.route_rules import shown_status

router = APIRouter(prefix="/console")

AFTER = Annotated[int | None, Query(alias="na", ge=0, description="a log position the lists wait for")]


def trajectory_page(trajectory_id: object) -> str:
    return f"/console/trajecten/{trajectory_id}"


def _after(outcome: object) -> str:
    position = getattr(outcome, "position", None)
    return f"?na={position}" if position is not None else ""


@router.get("/werklijst")
def worklist(request: Request, person: Klantmanager, after: AFTER = None) -> Response:
    queries = request.app.state.container.queries
    today, found, _ = queries.worklist(person.actor, limit=50, min_position=after)
    return web.render(request, "klantmanager/worklist.html", title="Werklijst", today=today, worklist=found, norms=dict(labels.NORMS))


@router.get("/trajecten")
def trajectories(request: Request, person: Klantmanager, after: AFTER = None,
                 page: Annotated[int, Query(alias="pagina", ge=1, le=100_000)] = 1) -> Response:
    queries = request.app.state.container.queries
    result, _ = queries.trajectories(person.actor, PageRequest(page, 25), min_position=after)
    return web.render(request, "klantmanager/trajectories.html", title="Trajecten", rows=result.rows, total=result.total,
                      page=page, pages=max(1, -(-result.total // 25)))


SEARCH = Form("Kandidaat zoeken", (Field("bsn", "BSN", "bsn", hint="Negen cijfers"),), lambda *_: None, submit="Zoeken")  # type: ignore[arg-type]


@router.get("/zoeken")
def search_form(request: Request, person: Klantmanager) -> Response:
    return web.render(request, "klantmanager/search.html", title="Kandidaat zoeken", form=SEARCH, values={}, errors={},
                      found=None)


@router.post("/zoeken")
async def search(request: Request, person: Klantmanager) -> Response:
    raw = await posted_fields(request)
    try:
        bsn = read(SEARCH, raw)["bsn"]
    except Invalid as invalid:
        return web.render(request, "klantmanager/search.html", status_code=400, title="Kandidaat zoeken", form=SEARCH,
                          values=raw, errors=invalid.errors, found=None)
    queries = request.app.state.container.queries
    found = await run_in_threadpool(queries.search, person.actor, bsn, trace_id=trace_id_of(request.scope))
    return web.render(request, "klantmanager/search.html", title="Kandidaat zoeken", form=SEARCH, values={}, errors={},
                      found=found)


@router.get("/trajecten/nieuw")
def register_form(request: Request, person: Klantmanager) -> Response:
    return pages.show(request, route_forms.REGISTER, action="/console/trajecten/nieuw", back="/console/werklijst")


@router.post("/trajecten/nieuw")
async def register(request: Request, person: Klantmanager) -> Response:
    return await pages.take(
        request, person, route_forms.REGISTER, action="/console/trajecten/nieuw", ids={}, back="/console/werklijst",
        done=lambda outcome: trajectory_page(outcome.aggregate.id), message="De kandidaat is aangemeld.",
    )


@router.get("/trajecten/{trajectory_id}")
def trajectory(request: Request, trajectory_id: UUID, person: Klantmanager) -> Response:
    queries = request.app.state.container.queries
    trace = trace_id_of(request.scope)
    read_ = queries.trajectory(person.actor, trajectory_id, trace_id=trace)
    _, view, events = queries.history(person.actor, trajectory_id, trace_id=trace)
    return web.render(
        request, "klantmanager/trajectory.html", title="Traject", read=read_, t=read_.trajectory,
        events=timeline.entries(events, view), steps=route_forms.STEPS,
        statuses={phase: shown_status(state.status, phase, read_.route) for phase, state in read_.trajectory.phases.items()},
    )


def _form_of(step: str) -> Form:
    form = route_forms.STEPS.get(step)
    if form is None:
        raise NotFound("step", f"no step {step}")
    return form


@router.get("/trajecten/{trajectory_id}/stappen/{step}")
def step_form(request: Request, trajectory_id: UUID, step: str, person: Klantmanager) -> Response:
    request.app.state.container.queries.trajectory(person.actor, trajectory_id, trace_id=trace_id_of(request.scope))
    return pages.show(request, _form_of(step), action=f"{trajectory_page(trajectory_id)}/stappen/{step}",
                      back=trajectory_page(trajectory_id))


@router.post("/trajecten/{trajectory_id}/stappen/{step}")
async def step(request: Request, trajectory_id: UUID, step: str, person: Klantmanager) -> Response:
    return await pages.take(
        request, person, _form_of(step), action=f"{trajectory_page(trajectory_id)}/stappen/{step}",
        ids={route_forms.T: trajectory_id}, back=trajectory_page(trajectory_id),
        done=lambda outcome: trajectory_page(trajectory_id) + _after(outcome), message="De stap is vastgelegd.",
    )


PLACEMENT_FORMS = {"contractstart": route_forms.CONTRACT_START, "einde": route_forms.PLACEMENT_END}


@router.get("/trajecten/{trajectory_id}/plaatsingen/{placement_id}/{step}")
def placement_form(request: Request, trajectory_id: UUID, placement_id: UUID, step: str, person: Klantmanager) -> Response:
    form = PLACEMENT_FORMS.get(step)
    if form is None:
        raise NotFound("step", f"no step {step}")
    return pages.show(request, form, action=f"{trajectory_page(trajectory_id)}/plaatsingen/{placement_id}/{step}",
                      back=trajectory_page(trajectory_id))


@router.post("/trajecten/{trajectory_id}/plaatsingen/{placement_id}/{step}")
async def placement_step(request: Request, trajectory_id: UUID, placement_id: UUID, step: str, person: Klantmanager) -> Response:
    form = PLACEMENT_FORMS.get(step)
    if form is None:
        raise NotFound("step", f"no step {step}")
    return await pages.take(
        request, person, form, action=f"{trajectory_page(trajectory_id)}/plaatsingen/{placement_id}/{step}",
        ids={route_forms.T: trajectory_id, route_forms.PL: str(placement_id)}, back=trajectory_page(trajectory_id),
        done=lambda outcome: trajectory_page(trajectory_id), message="De stap is vastgelegd.",
    )
