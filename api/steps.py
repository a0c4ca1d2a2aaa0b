"""Routes of the steps of a route, each a POST on a sub-resource of its trajectory: the phases,
the pre-trajectory's facts, the guarantee, drop-out and re-entry, the benefit and maatwerk.

Each parses its body, builds one command and hands it to the service (``api.writes``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api import responses, schemas
from api.deps import RouteWriter
from api.problems import WRITE_RESPONSES
from api.writes import WriterDep, guarantee_location, trajectory_location
from domain import commands as c
from domain.values import Phase

router = APIRouter(prefix="/v1")

WRITE: dict[str, Any] = {"response_model": responses.TrajectoryOut, "responses": WRITE_RESPONSES}
T = "/trajectories/{trajectory_id}"


# --- phases ----------------------------------------------------------------------------------------


@router.post(T + "/phases/{phase}/start", **WRITE)
def start_phase(trajectory_id: UUID, phase: Phase, body: schemas.StartPhase, actor: RouteWriter, write: WriterDep) -> JSONResponse:
    return write.trajectory(c.StartPhase(actor=actor, trajectory_id=trajectory_id, phase=phase, on=body.date, provider=body.provider))


@router.post(T + "/phases/{phase}/completion", **WRITE)
def complete_phase(
    trajectory_id: UUID, phase: Phase, body: schemas.CompletePhase, actor: RouteWriter, write: WriterDep
) -> JSONResponse:
    return write.trajectory(c.CompletePhase(actor=actor, trajectory_id=trajectory_id, phase=phase, on=body.date))


@router.post(T + "/phases/{phase}/termination", **WRITE)
def end_phase(trajectory_id: UUID, phase: Phase, body: schemas.EndPhase, actor: RouteWriter, write: WriterDep) -> JSONResponse:
    """The phase ended without completion."""
    return write.trajectory(c.EndPhase(actor=actor, trajectory_id=trajectory_id, phase=phase, on=body.date, reason=body.reason))


@router.post(T + "/phases/{phase}/skip", **WRITE)
def skip_phase(trajectory_id: UUID, phase: Phase, body: schemas.SkipPhase, actor: RouteWriter, write: WriterDep) -> JSONResponse:
    """Record the decision to skip a phase (for example after EVC), with its reason."""
    return write.trajectory(
        c.SkipPhase(actor=actor, trajectory_id=trajectory_id, phase=phase, on=body.date, basis=body.basis, reason=body.reason)
    )


# --- the pre-trajectory's facts ------------------------------------------------------------------


@router.post(T + "/language-assessments", **WRITE)
def assess_language(trajectory_id: UUID, body: schemas.LanguageAssessment, actor: RouteWriter, write: WriterDep) -> JSONResponse:
    return write.trajectory(c.AssessLanguage(actor=actor, trajectory_id=trajectory_id, on=body.date, levels=body.levels))


@router.post(T + "/practice-periods", status_code=201, **WRITE)
def record_practice(trajectory_id: UUID, body: schemas.PracticePeriodIn, actor: RouteWriter, write: WriterDep) -> JSONResponse:
    command = c.RecordPractice(
        actor=actor, trajectory_id=trajectory_id, on=body.starts_on, until=body.ends_on, description=body.description,
        hours_per_week=body.hours_per_week,
    )
    return write.trajectory(command, status_code=201, location=trajectory_location)


@router.post(T + "/certificates", status_code=201, **WRITE)
def obtain_certificate(trajectory_id: UUID, body: schemas.CertificateIn, actor: RouteWriter, write: WriterDep) -> JSONResponse:
    command = c.ObtainCertificate(
        actor=actor, trajectory_id=trajectory_id, on=body.date, phase=body.phase, kind=body.kind, title=body.title
    )
    return write.trajectory(command, status_code=201, location=trajectory_location)


# --- the 10-year work and development guarantee ----------------------------------------------------


@router.post(T + "/guarantee", status_code=201, **WRITE)
def issue_guarantee(trajectory_id: UUID, body: schemas.IssueGuarantee, actor: RouteWriter, write: WriterDep) -> JSONResponse:
    """Record the 10-year work and development guarantee, issued while a confirmed placement runs."""
    command = c.IssueGuarantee(actor=actor, trajectory_id=trajectory_id, on=body.date, issued_by=body.issued_by)
    return write.trajectory(command, status_code=201, location=guarantee_location)


@router.post(T + "/guarantee/check-ins", status_code=201, **WRITE)
def guarantee_check_in(trajectory_id: UUID, body: schemas.GuaranteeCheckIn, actor: RouteWriter, write: WriterDep) -> JSONResponse:
    command = c.RecordCheckIn(actor=actor, trajectory_id=trajectory_id, on=body.date, summary=body.summary)
    return write.trajectory(command, status_code=201, location=guarantee_location)


@router.post(T + "/guarantee/ending", **WRITE)
def end_guarantee(trajectory_id: UUID, body: schemas.EndGuarantee, actor: RouteWriter, write: WriterDep) -> JSONResponse:
    return write.trajectory(c.EndGuarantee(actor=actor, trajectory_id=trajectory_id, on=body.date, reason=body.reason))


# --- drop-out, benefit, maatwerk --------------------------------------------------------------------


@router.post(T + "/drop-out", **WRITE)
def drop_out(trajectory_id: UUID, body: schemas.DropOut, actor: RouteWriter, write: WriterDep) -> JSONResponse:
    return write.trajectory(
        c.DropOut(actor=actor, trajectory_id=trajectory_id, on=body.date, reason=body.reason, explanation=body.explanation,
                  sub_reason=body.sub_reason)
    )


@router.post(T + "/re-entry", **WRITE)
def re_enter(trajectory_id: UUID, body: schemas.ReEntry, actor: RouteWriter, write: WriterDep) -> JSONResponse:
    return write.trajectory(c.ReEnter(actor=actor, trajectory_id=trajectory_id, on=body.date, explanation=body.explanation))


@router.post(T + "/benefit-changes", status_code=201, **WRITE)
def change_benefit(trajectory_id: UUID, body: schemas.BenefitChange, actor: RouteWriter, write: WriterDep) -> JSONResponse:
    """The bijstand was reduced, stopped or resumed."""
    command = c.ChangeBenefit(
        actor=actor, trajectory_id=trajectory_id, on=body.date, kind=body.kind, monthly_cents=body.monthly_amount_cents
    )
    return write.trajectory(command, status_code=201, location=trajectory_location)


@router.post(T + "/deviations", status_code=201, **WRITE)
def grant_deviation(trajectory_id: UUID, body: schemas.GrantDeviation, actor: RouteWriter, write: WriterDep) -> JSONResponse:
    """A maatwerk decision: which standard rule is set aside, why, for which period, by whom."""
    command = c.GrantDeviation(
        actor=actor, trajectory_id=trajectory_id, rule=body.rule, reason=body.reason, on=body.starts_on, until=body.ends_on,
        granted_by=body.granted_by, norm=body.norm, norm_weeks=body.norm_weeks,
    )
    return write.trajectory(command, status_code=201, location=trajectory_location)
