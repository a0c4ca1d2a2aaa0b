"""Response bodies of the HTTP API (camelCase on the wire)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from domain.values import (
    CertificateKind,
    DeviationRule,
    DropOutReason,
    GuaranteeEndReason,
    JobLevel,
    Phase,
    PhaseStatus,
    PlacementEndReason,
    PlacementStatus,
    Role,
    SkipBasis,
    Stage,
    TargetGroup,
    TrajectoryStatus,
)


class Output(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


class ActorOut(Output):
    subject: str
    role: Role
    organisation: str
    source: str | None = Field(default=None, exclude_if=lambda v: v is None,
                               description="Where the fact came from when not from a request of its own: import:<id> for a spreadsheet import")


class CandidateOut(Output):
    pseudonym: str = Field(description="A stable pseudonym of the candidate, the same in every read")
    erased_on: date | None = Field(default=None, description="Set once the personal data was erased on request (AVG art. 17)")
    bsn: str | None = Field(default=None, description="Only for the own municipality's klantmanager")
    given_names: str | None = None
    family_name: str | None = None
    birth_date: date | None = Field(
        default=None, description="Only for the own municipality's klantmanager", json_schema_extra={"format": "date"}
    )


class PhaseOut(Output):
    status: PhaseStatus = Field(description="not-offered: the route's regional variant does not offer the phase (not a skip)")
    started_on: date | None
    ended_on: date | None
    provider: str | None
    reason: str | None
    skip_basis: SkipBasis | None


class LanguageAssessmentOut(Output):
    date: date
    levels: dict[str, str]


class PracticePeriodOut(Output):
    id: str
    starts_on: date
    ends_on: date | None
    description: str
    hours_per_week: int


class CertificateOut(Output):
    id: str
    date: date
    phase: Phase
    kind: CertificateKind
    title: str


class PlacementOut(Output):
    id: str
    employer_kvk: str
    employer_name: str
    function: str
    hours_per_week: int
    level: JobLevel
    status: PlacementStatus
    proposed_on: date
    confirmed_on: date | None
    declined_on: date | None
    decline_reason: str | None
    contract_start_on: date | None
    ended_on: date | None
    end_reason: PlacementEndReason | None


class CheckInOut(Output):
    date: date
    summary: str


class GuaranteeOut(Output):
    issued_on: date
    issued_by: str
    check_ins: list[CheckInOut]
    ended_on: date | None
    end_reason: GuaranteeEndReason | None


class DropOutOut(Output):
    date: date
    reason: DropOutReason = Field(description="The national category")
    sub_reason: str | None = Field(default=None, description="The region's own sub-reason of that category, if one was given")
    explanation: str
    stage: Stage


class ReEntryOut(Output):
    date: date
    explanation: str


class BenefitOut(Output):
    monthly_amount_cents: int
    since: date | None
    paid: bool


class BenefitsOut(Output):
    at_intake: BenefitOut
    current: BenefitOut


class DeviationOut(Output):
    id: str
    rule: DeviationRule
    reason: str
    starts_on: date
    ends_on: date
    granted_by: str
    norm: str | None = Field(default=None, description="The norm a training-duration deviation departs from")
    norm_weeks: int | None = Field(default=None, description="Its weeks during the deviation's period")


class TrajectoryOut(Output):
    id: UUID
    municipality: str
    candidate_id: UUID
    candidate: CandidateOut = Field(description="The candidate: personal data only as far as the caller may see it")
    target_group: TargetGroup
    status: TrajectoryStatus
    stage: Stage
    registered_on: date
    last_step_on: date
    version: int
    phases: dict[Phase, PhaseOut]
    language_levels: dict[str, str]
    language_assessments: list[LanguageAssessmentOut]
    practice_periods: list[PracticePeriodOut]
    certificates: list[CertificateOut]
    placements: list[PlacementOut]
    guarantee: GuaranteeOut | None
    drop_outs: list[DropOutOut]
    re_entries: list[ReEntryOut]
    benefit: BenefitsOut | None = Field(description="The bijstand; null for callers who may not see benefit data")
    deviations: list[DeviationOut]
    route_model: PinnedRouteOut | None = Field(
        default=None, description="The route model (and regional variant) the route follows; null for callers who may not see the route"
    )


class HistoryEventOut(Output):
    version: int
    type: str
    occurred_on: date | None = Field(description="The business date: when it happened in the world")
    recorded_at: datetime = Field(description="When it was recorded (UTC)")
    actor: ActorOut
    data: dict[str, Any]


class HistoryOut(Output):
    trajectory_id: UUID
    events: list[HistoryEventOut]


class AccessEntryOut(Output):
    occurred_at: datetime
    subject: str
    role: str
    organisation: str
    activity: str = Field(description="The processing activity: the operation called")
    trace_id: str
    trajectory_id: UUID
    candidate_pseudonym: str


class TrajectorySummaryOut(Output):
    id: UUID
    municipality: str
    target_group: TargetGroup
    stage: Stage
    status: TrajectoryStatus
    registered_on: date
    last_step_on: date
    version: int


class PlacementSummaryOut(Output):
    id: str
    trajectory_id: UUID
    municipality: str
    employer_kvk: str
    employer_name: str
    candidate_name: str | None
    function: str
    hours_per_week: int
    level: JobLevel
    status: PlacementStatus
    proposed_on: date
    confirmed_on: date | None
    declined_on: date | None
    contract_start_on: date | None
    ended_on: date | None
    lasting_on: date | None = Field(default=None, description="When the placement became lasting")


T = TypeVar("T")


class Page(Output, Generic[T]):
    items: list[T]
    page: int
    page_size: int
    total: int


class InvalidParam(Output):
    name: str
    reason: str


class Problem(Output):
    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    rule: str | None = None
    invalid_params: list[InvalidParam] | None = None
    current_version: int | None = Field(default=None, description="On 412: the trajectory's version now")


class CheckInDueOut(Output):
    trajectory_id: UUID
    due_on: date
    stage: Stage


class StalledRouteOut(Output):
    trajectory_id: UUID
    stage: Stage
    last_step_on: date
    stalled_since: date


class DeviationEndingOut(Output):
    trajectory_id: UUID
    deviation_id: str
    rule: DeviationRule
    starts_on: date
    ends_on: date
    granted_by: str


class OverNormOut(Output):
    trajectory_id: UUID
    norm: str = Field(description="The norm: a stage, or a stage's component (pre-trajectory.practice)")
    stage: Stage
    started_on: date
    norm_weeks: int = Field(description="The norm of the route's model (its region's), before maatwerk")
    within_norm_until: date = Field(description="The last day within the norm, after the maatwerk deviations granted for it")


class WorklistOut(Output):
    municipality: str
    today: date
    placements_awaiting_employer: list[PlacementSummaryOut]
    check_ins_due: list[CheckInDueOut]
    stalled_routes: list[StalledRouteOut]
    deviations_ending_soon: list[DeviationEndingOut]
    over_norm: list[OverNormOut] = Field(description="Stages (or the practice component) running past the norm of the route's model")


class PinnedRouteOut(Output):
    model_id: UUID = Field(description="The route model: a national version of the basic model")
    version: int
    variant_id: UUID | None = Field(description="The region's variant of that version; null: the national version as it is")
    region: str | None


class RouteMoveOut(Output):
    trajectory_id: UUID
    municipality: str
    region: str
    before: PinnedRouteOut
    after: PinnedRouteOut
    differences: list[dict[str, Any]] = Field(description="What changes for the route: terms, norms, offered stages, skip grounds")
    outcome: str = Field(description="would-move (a dry run), moved, or refused (with the rule)")
    rule: str | None = None


class RouteModelMigrationOut(Output):
    dry_run: bool
    date: date
    from_version: int | None
    region: str | None
    moved: int
    routes: list[RouteMoveOut]


class FunnelStageOut(Output):
    stage: Stage
    entered: int
    completed: int
    skipped: int
    median_lead_days: float | None = Field(description="Median days from entering to completing the stage")
    p90_lead_days: float | None = Field(description="90th percentile of days from entering to completing the stage")


class DropOutCountOut(Output):
    stage: Stage
    reason: DropOutReason
    count: int


class FunnelGroupOut(Output):
    cohort: str = Field(description="Registration quarter, such as 2026-Q1")
    target_group: TargetGroup
    stages: list[FunnelStageOut]
    drop_outs: list[DropOutCountOut]


class FunnelOut(Output):
    scope: str
    municipality: str | None
    region: str | None
    groups: list[FunnelGroupOut]
