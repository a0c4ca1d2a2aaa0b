"""Map aggregates and events to response bodies."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from api import responses
from domain.access import AccessPolicy, View
from domain.route_model import EffectiveRoute
from domain.route_rules import shown_status
from domain.trajectory import BenefitState, Trajectory
from domain.values import Actor
from leerroute.queries import CandidateFacts

# Event attributes every event has; the rest is the event's own data.
_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor", "on"}


def pinned_route_out(route: EffectiveRoute) -> responses.PinnedRouteOut:
    return responses.PinnedRouteOut(
        model_id=route.model_id, version=route.version, variant_id=route.variant_id,
        region=route.variant.region if route.variant is not None else None,
    )


def trajectory_out(
    trajectory: Trajectory, view: View, candidate: CandidateFacts, followed: EffectiveRoute | None = None
) -> responses.TrajectoryOut:
    """The trajectory as ``view`` lets the caller see it; ``followed``: the route model it follows."""
    route = view.route
    placements = [
        p for p in trajectory.placements.values()
        if (route and view.placements_of is None) or p.employer_kvk == view.placements_of
    ]
    return responses.TrajectoryOut(
        id=trajectory.id,
        municipality=trajectory.municipality,
        candidate_id=trajectory.candidate_id,
        candidate=candidate_out(candidate, view),
        target_group=trajectory.target_group,
        status=trajectory.status,
        stage=trajectory.stage,
        registered_on=trajectory.registered_on,
        last_step_on=trajectory.last_step_on,
        version=trajectory.version,
        phases={
            phase: responses.PhaseOut(
                status=shown_status(state.status, phase, followed),
                started_on=state.started_on,
                ended_on=state.ended_on,
                provider=state.provider,
                reason=state.reason,
                skip_basis=state.skip_basis,
            )
            for phase, state in trajectory.phases.items()
            if route
        },
        language_levels=dict(trajectory.language_levels) if route else {},
        language_assessments=[responses.LanguageAssessmentOut(date=a["on"], levels=a["levels"]) for a in trajectory.language_assessments if route],
        practice_periods=[
            responses.PracticePeriodOut(
                id=p["id"], starts_on=p["on"], ends_on=p["until"], description=p["description"], hours_per_week=p["hours_per_week"]
            )
            for p in trajectory.practice_periods
            if route
        ],
        certificates=[
            responses.CertificateOut(id=c["id"], date=c["on"], phase=c["phase"], kind=c["kind"], title=c["title"])
            for c in trajectory.certificates
            if route
        ],
        placements=[
            responses.PlacementOut(
                id=p.placement_id,
                employer_kvk=p.employer_kvk,
                employer_name=p.employer_name,
                function=p.function,
                hours_per_week=p.hours_per_week,
                level=p.level,
                status=p.status,
                proposed_on=p.proposed_on,
                confirmed_on=p.confirmed_on,
                declined_on=p.declined_on,
                decline_reason=p.decline_reason,
                contract_start_on=p.contract_start_on,
                ended_on=p.ended_on,
                end_reason=p.end_reason,
            )
            for p in placements
        ],
        guarantee=(
            responses.GuaranteeOut(
                issued_on=trajectory.guarantee.issued_on,
                issued_by=trajectory.guarantee.issued_by,
                check_ins=[responses.CheckInOut(date=c["on"], summary=c["summary"]) for c in trajectory.guarantee.check_ins],
                ended_on=trajectory.guarantee.ended_on,
                end_reason=trajectory.guarantee.end_reason,
            )
            if trajectory.guarantee is not None and route
            else None
        ),
        drop_outs=[
            responses.DropOutOut(date=d["on"], reason=d["reason"], sub_reason=d.get("sub_reason"), explanation=d["explanation"],
                                 stage=d["stage"])
            for d in trajectory.drop_outs
            if route
        ],
        re_entries=[responses.ReEntryOut(date=r["on"], explanation=r["explanation"]) for r in trajectory.re_entries if route],
        benefit=(
            responses.BenefitsOut(at_intake=_benefit(trajectory.benefit_at_intake), current=_benefit(trajectory.benefit))
            if view.benefit
            else None
        ),
        deviations=[
            responses.DeviationOut(
                id=d["id"], rule=d["rule"], reason=d["reason"], starts_on=d["on"], ends_on=d["until"], granted_by=d["granted_by"],
                norm=d.get("norm"), norm_weeks=d.get("norm_weeks"),
            )
            for d in trajectory.deviations
            if route
        ],
        route_model=pinned_route_out(followed) if followed is not None and route else None,
    )


def _benefit(state: BenefitState) -> responses.BenefitOut:
    return responses.BenefitOut(monthly_amount_cents=state.monthly_cents, since=state.since, paid=state.is_paid)


def candidate_out(candidate: CandidateFacts, view: View) -> responses.CandidateOut:
    person = candidate.person
    out = responses.CandidateOut(pseudonym=candidate.pseudonym, erased_on=candidate.erased_on)
    if person is not None and (view.personal_data or view.candidate_name):
        out.given_names = person.given_names
        out.family_name = person.family_name
    if person is not None and view.personal_data:
        out.bsn = person.bsn
        out.birth_date = person.birth_date
    return out


def history_out(trajectory_id: UUID, events: list[Any], view: View) -> responses.HistoryOut:
    items = []
    for event in events:
        actor: Actor = event.actor
        items.append(
            responses.HistoryEventOut(
                version=event.originator_version,
                type=type(event).__name__,
                occurred_on=getattr(event, "on", None),
                recorded_at=event.timestamp,
                actor=responses.ActorOut(subject=actor.subject, role=actor.role, organisation=actor.organisation, source=actor.source),
                data={
                    _camel(k): _plain(v)
                    for k, v in AccessPolicy.event_data(view, vars(event)).items()
                    if k not in _ENVELOPE
                },
            )
        )
    return responses.HistoryOut(trajectory_id=trajectory_id, events=items)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    return value
