"""Routes of the trajectory resource: register, each step as a POST on a sub-resource, reads."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from adapters import queries
from adapters.database import scrub_deleted_data
from api import schemas, views
from api.auth import require_role
from api.writes import (
    MinPosition,
    authoriser,
    change_trajectory,
    container_of,
    etag,
    log_read,
    respond,
    wait_for_read_models,
)
from domain.access import (
    ACCESS_LOG_READERS,
    ERASERS,
    LIST_READERS,
    PLACEMENT_ANSWERERS,
    PLACEMENT_LIST_READERS,
    PLACEMENT_PARTIES,
    ROUTE_WRITERS,
    TRAJECTORY_READERS,
    View,
)
from domain.errors import Forbidden
from domain.trajectory import Trajectory
from domain.values import Actor, Phase, PlacementStatus, Stage, TargetGroup, TrajectoryStatus
from leerroute.application import Outcome, PersonalData, TrajectoryNotFound

router = APIRouter(prefix="/v1")

RouteWriter = Annotated[Actor, Depends(require_role(ROUTE_WRITERS))]
PlacementAnswerer = Annotated[Actor, Depends(require_role(PLACEMENT_ANSWERERS))]
PlacementParty = Annotated[Actor, Depends(require_role(PLACEMENT_PARTIES))]
TrajectoryReader = Annotated[Actor, Depends(require_role(TRAJECTORY_READERS))]
ListReader = Annotated[Actor, Depends(require_role(LIST_READERS))]
PlacementListReader = Annotated[Actor, Depends(require_role(PLACEMENT_LIST_READERS))]
Eraser = Annotated[Actor, Depends(require_role(ERASERS))]
AccessLogReader = Annotated[Actor, Depends(require_role(ACCESS_LOG_READERS))]

_PROBLEMS = {
    400: {"model": schemas.Problem, "description": "Malformed body or invalid fields"},
    401: {"model": schemas.Problem, "description": "No valid bearer token"},
    403: {"model": schemas.Problem, "description": "The role may not do this"},
    404: {"model": schemas.Problem, "description": "Unknown or invisible trajectory"},
}
_WRITE_PROBLEMS = {
    **_PROBLEMS,
    409: {"model": schemas.Problem, "description": "A rule of the route forbids this step (named in `rule`)"},
    412: {"model": schemas.Problem, "description": "If-Match names an old version"},
    422: {"model": schemas.Problem, "description": "Idempotency-Key reused for a different request"},
}
_WRITE = {
    "response_model": schemas.TrajectoryOut,
    "responses": _WRITE_PROBLEMS,
}


def _today(request: Request):  # noqa: ANN202
    return container_of(request).clock.today()


def _location(outcome: Outcome) -> str:
    return f"/v1/trajectories/{outcome.trajectory.id}"


# --- register and read -------------------------------------------------------------------------


@router.post("/trajectories", status_code=201, **_WRITE)
def register_trajectory(body: schemas.RegisterTrajectory, request: Request, actor: RouteWriter) -> JSONResponse:
    """Register a candidate and open their route (klantmanager of the own municipality)."""
    container = container_of(request)
    today = _today(request)

    def work(session: Session, expected: int | None) -> Outcome:
        return container.app.register_trajectory(
            session=session,
            actor=actor,
            today=today,
            person=PersonalData(
                bsn=body.candidate.bsn,
                given_names=body.candidate.given_names,
                family_name=body.candidate.family_name,
                birth_date=body.candidate.birth_date,
            ),
            target_group=body.target_group,
            registered_on=body.registered_on,
            benefit_monthly_cents=body.benefit.monthly_amount_cents if body.benefit else 0,
            benefit_since=body.benefit.since if body.benefit else None,
        )

    return respond(request, actor, body, work, status_code=201, location=_location)


def _visible(request: Request, actor: Actor, trajectory_id: UUID) -> tuple[Trajectory, View]:
    trajectory = container_of(request).app.get_trajectory(trajectory_id)
    view = container_of(request).policy.view(actor, trajectory)
    if view is None:
        raise TrajectoryNotFound(trajectory_id)
    return trajectory, view


@router.get("/trajectories/{trajectory_id}", response_model=schemas.TrajectoryOut, responses=_PROBLEMS)
def get_trajectory(trajectory_id: UUID, request: Request, response: Response, actor: TrajectoryReader) -> schemas.TrajectoryOut:
    """The route as it stands now; the ETag is its version, for If-Match on the next write."""
    trajectory, view = _visible(request, actor, trajectory_id)
    candidate = container_of(request).app.candidate_facts(trajectory)
    log_read(request, actor, [trajectory])
    response.headers["ETag"] = etag(trajectory.version)
    return views.trajectory_out(trajectory, view, candidate)


@router.get("/trajectories/{trajectory_id}/history", response_model=schemas.HistoryOut, responses=_PROBLEMS)
def get_history(trajectory_id: UUID, request: Request, response: Response, actor: TrajectoryReader) -> schemas.HistoryOut:
    """Every event of the route: type, business date, recorded time, actor and data."""
    trajectory, view = _visible(request, actor, trajectory_id)
    log_read(request, actor, [trajectory])
    response.headers["ETag"] = etag(trajectory.version)
    return views.history_out(trajectory_id, container_of(request).app.history(trajectory_id), view)


@router.post("/trajectories/{trajectory_id}/candidate/erasure", **_WRITE)
def erase_candidate(trajectory_id: UUID, body: schemas.CandidateErasure, request: Request, actor: Eraser) -> JSONResponse:
    """Erase the candidate's personal data on request (AVG art. 17): the candidate's key is
    destroyed, so the BSN, names and birth date can never be read again; the route, its money
    and its audit trail stay, showing the candidate as erased. The own municipality's
    klantmanager or privacy officer."""
    container = container_of(request)
    today = _today(request)
    authorise = authoriser(container, actor, trajectory_id, container.policy.can_erase)

    def work(session: Session, expected: int | None) -> Outcome:
        return container.app.erase_candidate(trajectory_id, session=session, on=body.date, today=today, actor=actor, authorise=authorise)

    result = respond(request, actor, body, work)
    scrub_deleted_data(container.database_url)
    return result


PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(alias="pageSize", ge=1, le=100)]


@router.get("/trajectories", response_model=schemas.Page[schemas.TrajectorySummaryOut], responses=_PROBLEMS)
def list_trajectories(
    request: Request,
    response: Response,
    actor: ListReader,
    phase: Stage | None = None,
    status: TrajectoryStatus | None = None,
    target_group: Annotated[TargetGroup | None, Query(alias="targetGroup")] = None,
    municipality: Annotated[str | None, Query(pattern=r"^GM\d{4}$", description="procesregie only")] = None,
    page: PageNumber = 1,
    page_size: PageSize = 20,
    min_position: MinPosition = None,
) -> schemas.Page[schemas.TrajectorySummaryOut]:
    """The caller's municipality's trajectories (procesregie: all, or one municipality)."""
    municipality = container_of(request).policy.municipality_scope(actor, municipality)
    wait_for_read_models(request, response, min_position)
    result = queries.list_trajectories(
        container_of(request).database_url,
        queries.PageRequest(page, page_size),
        municipality=municipality,
        stage=phase,
        status=status,
        target_group=target_group,
    )
    return schemas.Page[schemas.TrajectorySummaryOut](
        items=[schemas.TrajectorySummaryOut(id=r["trajectory_id"], **{k: v for k, v in r.items() if k != "trajectory_id"}) for r in result.rows],
        page=page,
        page_size=page_size,
        total=result.total,
    )


@router.post(
    "/trajectories/search", response_model=schemas.Page[schemas.TrajectorySummaryOut], responses=_PROBLEMS
)
def search_by_bsn(body: schemas.SearchByBsn, request: Request, actor: RouteWriter) -> schemas.Page[schemas.TrajectorySummaryOut]:
    """Find the own municipality's trajectory of a BSN (a POST: no BSN in a URL)."""
    app = container_of(request).app
    candidate = app.find_candidate(actor.organisation, body.bsn)
    items = []
    if candidate is not None:
        t = app.get_trajectory(candidate.trajectory_id)
        log_read(request, actor, [t])
        items.append(
            schemas.TrajectorySummaryOut(
                id=t.id,
                municipality=t.municipality,
                target_group=t.target_group,
                stage=t.stage,
                status=t.status,
                registered_on=t.registered_on,
                last_step_on=t.last_step_on,
                version=t.version,
            )
        )
    return schemas.Page[schemas.TrajectorySummaryOut](items=items, page=1, page_size=1, total=len(items))


# --- phases --------------------------------------------------------------------------------------


@router.post("/trajectories/{trajectory_id}/phases/{phase}/start", **_WRITE)
def start_phase(trajectory_id: UUID, phase: Phase, body: schemas.StartPhase, request: Request, actor: RouteWriter) -> JSONResponse:
    today = _today(request)
    return change_trajectory(
        request, actor, body, trajectory_id,
        lambda t: t.start_phase(phase, on=body.date, today=today, provider=body.provider, actor=actor),
    )


@router.post("/trajectories/{trajectory_id}/phases/{phase}/completion", **_WRITE)
def complete_phase(trajectory_id: UUID, phase: Phase, body: schemas.CompletePhase, request: Request, actor: RouteWriter) -> JSONResponse:
    today = _today(request)
    return change_trajectory(
        request, actor, body, trajectory_id, lambda t: t.complete_phase(phase, on=body.date, today=today, actor=actor)
    )


@router.post("/trajectories/{trajectory_id}/phases/{phase}/termination", **_WRITE)
def end_phase(trajectory_id: UUID, phase: Phase, body: schemas.EndPhase, request: Request, actor: RouteWriter) -> JSONResponse:
    """The phase ended without completion."""
    today = _today(request)
    return change_trajectory(
        request, actor, body, trajectory_id,
        lambda t: t.end_phase_without_completion(phase, on=body.date, today=today, reason=body.reason, actor=actor),
    )


@router.post("/trajectories/{trajectory_id}/phases/{phase}/skip", **_WRITE)
def skip_phase(trajectory_id: UUID, phase: Phase, body: schemas.SkipPhase, request: Request, actor: RouteWriter) -> JSONResponse:
    """Record the decision to skip a phase (for example after EVC), with its reason."""
    today = _today(request)
    return change_trajectory(
        request, actor, body, trajectory_id,
        lambda t: t.skip_phase(phase, on=body.date, today=today, basis=body.basis, reason=body.reason, actor=actor),
    )


@router.post("/trajectories/{trajectory_id}/language-assessments", **_WRITE)
def assess_language(trajectory_id: UUID, body: schemas.LanguageAssessment, request: Request, actor: RouteWriter) -> JSONResponse:
    today = _today(request)
    return change_trajectory(
        request, actor, body, trajectory_id,
        lambda t: t.assess_language(on=body.date, today=today, levels=body.levels, actor=actor),
    )


@router.post("/trajectories/{trajectory_id}/practice-periods", status_code=201, **_WRITE)
def record_practice(trajectory_id: UUID, body: schemas.PracticePeriodIn, request: Request, actor: RouteWriter) -> JSONResponse:
    today = _today(request)
    practice_id = str(uuid4())

    def change(t: Trajectory) -> str:
        t.record_practice(
            practice_id=practice_id, on=body.starts_on, until=body.ends_on, today=today,
            description=body.description, hours_per_week=body.hours_per_week, actor=actor,
        )
        return practice_id

    return change_trajectory(request, actor, body, trajectory_id, change, status_code=201, location=_location)


@router.post("/trajectories/{trajectory_id}/certificates", status_code=201, **_WRITE)
def obtain_certificate(trajectory_id: UUID, body: schemas.CertificateIn, request: Request, actor: RouteWriter) -> JSONResponse:
    today = _today(request)
    certificate_id = str(uuid4())

    def change(t: Trajectory) -> str:
        t.obtain_certificate(
            certificate_id=certificate_id, phase=body.phase, kind=body.kind, title=body.title, on=body.date, today=today, actor=actor
        )
        return certificate_id

    return change_trajectory(request, actor, body, trajectory_id, change, status_code=201, location=_location)


# --- placements ------------------------------------------------------------------------------


@router.post("/trajectories/{trajectory_id}/placements", status_code=201, **_WRITE)
def propose_placement(trajectory_id: UUID, body: schemas.ProposePlacement, request: Request, actor: RouteWriter) -> JSONResponse:
    """Propose the candidate to an employer; the employer confirms or declines with its own token."""
    today = _today(request)
    placement_id = str(uuid4())

    def change(t: Trajectory) -> str:
        t.propose_placement(
            placement_id=placement_id, employer_kvk=body.employer.kvk_number, employer_name=body.employer.name,
            function=body.function, hours_per_week=body.hours_per_week, level=body.level, on=body.date, today=today, actor=actor,
        )
        return placement_id

    return change_trajectory(
        request, actor, body, trajectory_id, change, status_code=201,
        location=lambda o: f"/v1/trajectories/{o.trajectory.id}/placements/{o.result_id}",
    )


def _placement_party(request: Request):  # noqa: ANN202
    return container_of(request).policy.can_act_on_placement


@router.post("/trajectories/{trajectory_id}/placements/{placement_id}/confirmation", **_WRITE)
def confirm_placement(
    trajectory_id: UUID, placement_id: UUID, body: schemas.ConfirmPlacement, request: Request, actor: PlacementAnswerer
) -> JSONResponse:
    today = _today(request)
    pid = str(placement_id)
    return change_trajectory(
        request, actor, body, trajectory_id, lambda t: t.confirm_placement(pid, on=body.date, today=today, actor=actor),
        may=_placement_party(request), placement_id=pid,
    )


@router.post("/trajectories/{trajectory_id}/placements/{placement_id}/declination", **_WRITE)
def decline_placement(
    trajectory_id: UUID, placement_id: UUID, body: schemas.DeclinePlacement, request: Request, actor: PlacementAnswerer
) -> JSONResponse:
    today = _today(request)
    pid = str(placement_id)
    return change_trajectory(
        request, actor, body, trajectory_id,
        lambda t: t.decline_placement(pid, on=body.date, today=today, reason=body.reason, actor=actor),
        may=_placement_party(request), placement_id=pid,
    )


@router.post("/trajectories/{trajectory_id}/placements/{placement_id}/contract-start", **_WRITE)
def start_contract(
    trajectory_id: UUID, placement_id: UUID, body: schemas.StartContract, request: Request, actor: PlacementParty
) -> JSONResponse:
    today = _today(request)
    pid = str(placement_id)
    return change_trajectory(
        request, actor, body, trajectory_id,
        lambda t: t.start_contract(pid, on=body.date, today=today, hours_per_week=body.hours_per_week, actor=actor),
        may=_placement_party(request), placement_id=pid,
    )


@router.post("/trajectories/{trajectory_id}/placements/{placement_id}/ending", **_WRITE)
def end_placement(
    trajectory_id: UUID, placement_id: UUID, body: schemas.EndPlacement, request: Request, actor: PlacementParty
) -> JSONResponse:
    today = _today(request)
    pid = str(placement_id)
    return change_trajectory(
        request, actor, body, trajectory_id,
        lambda t: t.end_placement(pid, on=body.date, today=today, reason=body.reason, explanation=body.explanation, actor=actor),
        may=_placement_party(request), placement_id=pid,
    )


@router.get("/placements", response_model=schemas.Page[schemas.PlacementSummaryOut], responses=_PROBLEMS)
def list_placements(
    request: Request,
    response: Response,
    actor: PlacementListReader,
    status: PlacementStatus | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 20,
    min_position: MinPosition = None,
) -> schemas.Page[schemas.PlacementSummaryOut]:
    """Employers: the placements proposed to them. Klantmanagers: their municipality's."""
    container = container_of(request)
    filters = container.policy.placement_filter(actor)
    wait_for_read_models(request, response, min_position)
    result = queries.list_placements(
        container.database_url, queries.PageRequest(page, page_size), status=status, **filters
    )
    items = []
    shown: list[Trajectory] = []
    for row in result.rows:
        name = None
        trajectory = container.app.get_trajectory(row["trajectory_id"])
        view = container.policy.view(actor, trajectory)
        if view is not None and view.candidate_name:
            person = container.app.candidate_facts(trajectory).person
            name = person.name if person else None
            shown.append(trajectory)
        items.append(
            schemas.PlacementSummaryOut(
                id=row["placement_id"], candidate_name=name, **{k: v for k, v in row.items() if k != "placement_id"}
            )
        )
    log_read(request, actor, list({t.id: t for t in shown}.values()))
    return schemas.Page[schemas.PlacementSummaryOut](items=items, page=page, page_size=page_size, total=result.total)


# --- guarantee ---------------------------------------------------------------------------------


@router.post("/trajectories/{trajectory_id}/guarantee", status_code=201, **_WRITE)
def issue_guarantee(trajectory_id: UUID, body: schemas.IssueGuarantee, request: Request, actor: RouteWriter) -> JSONResponse:
    """Record the 10-year work and development guarantee, issued while a confirmed placement runs."""
    today = _today(request)
    return change_trajectory(
        request, actor, body, trajectory_id,
        lambda t: t.issue_guarantee(on=body.date, today=today, issued_by=body.issued_by, actor=actor),
        status_code=201, location=lambda o: f"/v1/trajectories/{o.trajectory.id}/guarantee",
    )


@router.post("/trajectories/{trajectory_id}/guarantee/check-ins", status_code=201, **_WRITE)
def guarantee_check_in(trajectory_id: UUID, body: schemas.GuaranteeCheckIn, request: Request, actor: RouteWriter) -> JSONResponse:
    today = _today(request)
    return change_trajectory(
        request, actor, body, trajectory_id,
        lambda t: t.record_guarantee_check_in(on=body.date, today=today, summary=body.summary, actor=actor),
        status_code=201, location=lambda o: f"/v1/trajectories/{o.trajectory.id}/guarantee",
    )


@router.post("/trajectories/{trajectory_id}/guarantee/ending", **_WRITE)
def end_guarantee(trajectory_id: UUID, body: schemas.EndGuarantee, request: Request, actor: RouteWriter) -> JSONResponse:
    today = _today(request)
    return change_trajectory(
        request, actor, body, trajectory_id, lambda t: t.end_guarantee(on=body.date, today=today, reason=body.reason, actor=actor)
    )


# --- drop-out, benefit, maatwerk ------------------------------------------------------------------


@router.post("/trajectories/{trajectory_id}/drop-out", **_WRITE)
def drop_out(trajectory_id: UUID, body: schemas.DropOut, request: Request, actor: RouteWriter) -> JSONResponse:
    today = _today(request)
    return change_trajectory(
        request, actor, body, trajectory_id,
        lambda t: t.drop_out(on=body.date, today=today, reason=body.reason, explanation=body.explanation, actor=actor),
    )


@router.post("/trajectories/{trajectory_id}/re-entry", **_WRITE)
def re_enter(trajectory_id: UUID, body: schemas.ReEntry, request: Request, actor: RouteWriter) -> JSONResponse:
    today = _today(request)
    return change_trajectory(
        request, actor, body, trajectory_id, lambda t: t.re_enter(on=body.date, today=today, explanation=body.explanation, actor=actor)
    )


@router.post("/trajectories/{trajectory_id}/benefit-changes", status_code=201, **_WRITE)
def change_benefit(trajectory_id: UUID, body: schemas.BenefitChange, request: Request, actor: RouteWriter) -> JSONResponse:
    """The bijstand was reduced, stopped or resumed."""
    today = _today(request)
    return change_trajectory(
        request, actor, body, trajectory_id,
        lambda t: t.change_benefit(kind=body.kind, on=body.date, today=today, monthly_cents=body.monthly_amount_cents, actor=actor),
        status_code=201, location=_location,
    )


@router.post("/trajectories/{trajectory_id}/deviations", status_code=201, **_WRITE)
def grant_deviation(trajectory_id: UUID, body: schemas.GrantDeviation, request: Request, actor: RouteWriter) -> JSONResponse:
    """A maatwerk decision: which standard rule is set aside, why, for which period, by whom."""
    today = _today(request)
    deviation_id = str(uuid4())

    def change(t: Trajectory) -> str:
        t.grant_deviation(
            deviation_id=deviation_id, rule=body.rule, reason=body.reason, on=body.starts_on, until=body.ends_on,
            granted_by=body.granted_by, today=today, actor=actor,
        )
        return deviation_id

    return change_trajectory(request, actor, body, trajectory_id, change, status_code=201, location=_location)


# --- the access log ---------------------------------------------------------------------------


@router.get("/trajectories/{trajectory_id}/access-log", response_model=schemas.Page[schemas.AccessEntryOut], responses=_PROBLEMS)
def get_access_log(
    trajectory_id: UUID, request: Request, actor: AccessLogReader, page: PageNumber = 1, page_size: PageSize = 20
) -> schemas.Page[schemas.AccessEntryOut]:
    """Who processed this trajectory's candidate's data, when, in which activity and under which
    trace id, oldest first (the municipality's privacy officer; procesregie)."""
    container = container_of(request)
    trajectory, _ = _visible(request, actor, trajectory_id)
    if not container.policy.can_read_access_log(actor, trajectory):
        raise Forbidden(f"{actor.role} {actor.organisation} may not read this access log")
    entries, total = container.access_log.entries(
        container.app.candidate_pseudonym(trajectory.candidate_id), page=page, page_size=page_size
    )
    log_read(request, actor, [trajectory])  # the next reader of the log sees this reading too
    return schemas.Page[schemas.AccessEntryOut](
        items=[schemas.AccessEntryOut(**vars(e)) for e in entries], page=page, page_size=page_size, total=total
    )
