"""The commands: every write leerroute accepts, as data.

An entry point (an HTTP route, a console form, an import row, a time policy, the CLI, the
bench) builds one of these and hands it to the service layer (``leerroute.service``), which
authorises it (``domain.access``), applies it to one aggregate and records the outcome. A
command says what is asked, for which aggregate, by whom (``actor``), on which business date
(``on``: when it happened in the world; "today" comes from the service's clock) and, where the
caller read a version first, which version it expects (``expected_version``, from ``If-Match``).

Ids of what a command creates (a trajectory, a placement, a certificate) are made by the service,
so that the same request sent twice is the same command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

from domain.candidate import PersonalData
from domain.subscriptions import Filters
from domain.terms import FinancingKind, Terms, Trigger
from domain.values import (
    SYSTEM_ACTOR,
    Actor,
    BenefitChangeKind,
    CertificateKind,
    DeviationRule,
    DropOutReason,
    GuaranteeEndReason,
    JobLevel,
    LanguageLevel,
    LanguageSkill,
    Phase,
    PlacementEndReason,
    SkipBasis,
    TargetGroup,
)


@dataclass(frozen=True, kw_only=True)
class Command:
    actor: Actor
    on: date
    expected_version: int | None = None

    # The processing activity the access log records for this command.
    activity: ClassVar[str] = ""
    # Whether ``expected_version`` applies (False: the command applies whatever the version).
    versioned: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "activity" not in cls.__dict__:
            cls.activity = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


# --- the route ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegisterTrajectory(Command):
    """Register a candidate in the klantmanager's municipality and open their route."""

    person: PersonalData
    target_group: TargetGroup
    benefit_monthly_cents: int = 0
    benefit_since: date | None = None


@dataclass(frozen=True, kw_only=True)
class TrajectoryCommand(Command):
    """A command on an existing trajectory."""

    trajectory_id: UUID


@dataclass(frozen=True, kw_only=True)
class StartPhase(TrajectoryCommand):
    phase: Phase
    provider: str | None = None


@dataclass(frozen=True, kw_only=True)
class CompletePhase(TrajectoryCommand):
    phase: Phase


@dataclass(frozen=True, kw_only=True)
class EndPhase(TrajectoryCommand):
    """The phase ended without being completed."""

    phase: Phase
    reason: str


@dataclass(frozen=True, kw_only=True)
class SkipPhase(TrajectoryCommand):
    phase: Phase
    basis: SkipBasis
    reason: str


@dataclass(frozen=True, kw_only=True)
class AssessLanguage(TrajectoryCommand):
    levels: dict[LanguageSkill, LanguageLevel]


@dataclass(frozen=True, kw_only=True)
class RecordPractice(TrajectoryCommand):
    """A practice period from ``on`` to ``until`` (None: still running)."""

    until: date | None
    description: str
    hours_per_week: int


@dataclass(frozen=True, kw_only=True)
class ObtainCertificate(TrajectoryCommand):
    phase: Phase
    kind: CertificateKind
    title: str


@dataclass(frozen=True, kw_only=True)
class ProposePlacement(TrajectoryCommand):
    employer_kvk: str
    employer_name: str
    function: str
    hours_per_week: int
    level: JobLevel


@dataclass(frozen=True, kw_only=True)
class PlacementCommand(TrajectoryCommand):
    """A command on one placement of a trajectory (its employer's, or the klantmanager's)."""

    placement_id: str


@dataclass(frozen=True, kw_only=True)
class ConfirmPlacement(PlacementCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class DeclinePlacement(PlacementCommand):
    reason: str


@dataclass(frozen=True, kw_only=True)
class StartContract(PlacementCommand):
    hours_per_week: int


@dataclass(frozen=True, kw_only=True)
class EndPlacement(PlacementCommand):
    reason: PlacementEndReason
    explanation: str | None = None


@dataclass(frozen=True, kw_only=True)
class IssueGuarantee(TrajectoryCommand):
    issued_by: str


@dataclass(frozen=True, kw_only=True)
class RecordCheckIn(TrajectoryCommand):
    """A check-in under the work and development guarantee."""

    summary: str
    activity: ClassVar[str] = "guarantee_check_in"


@dataclass(frozen=True, kw_only=True)
class EndGuarantee(TrajectoryCommand):
    reason: GuaranteeEndReason


@dataclass(frozen=True, kw_only=True)
class DropOut(TrajectoryCommand):
    """``reason``: a national drop-out category, or a sub-reason of the route's regional variant;
    or the category with the sub-reason apart (``sub_reason``, which must be of that category)."""

    reason: DropOutReason | str
    explanation: str
    sub_reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReEnter(TrajectoryCommand):
    explanation: str


@dataclass(frozen=True, kw_only=True)
class ChangeBenefit(TrajectoryCommand):
    """The bijstand was reduced, stopped or resumed on ``on``."""

    kind: BenefitChangeKind
    monthly_cents: int | None = None


@dataclass(frozen=True, kw_only=True)
class GrantDeviation(TrajectoryCommand):
    """A maatwerk decision: ``rule`` is set aside from ``on`` to ``until``."""

    rule: DeviationRule
    reason: str
    until: date
    granted_by: str
    # A ``training-duration`` deviation may name the norm it departs from and its weeks.
    norm: str | None = None
    norm_weeks: int | None = None


@dataclass(frozen=True, kw_only=True)
class MoveRoute(TrajectoryCommand):
    """The route follows another, newer route model from ``on``, for ``reason``: the version
    (and the region's variant) in force then, or the one named."""

    reason: str
    route_model: UUID | None = None
    route_variant: UUID | None = None


@dataclass(frozen=True, kw_only=True)
class EraseCandidate(TrajectoryCommand):
    """Erase the candidate's personal data (AVG art. 17), whatever the trajectory's version (it
    does not change); the route stays."""

    versioned: ClassVar[bool] = False


@dataclass(frozen=True, kw_only=True)
class HoldRetention(TrajectoryCommand):
    """Keep the candidate's personal data past the retention term, for the stated reason."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class EndRetentionHold(TrajectoryCommand):
    """The hold is over (for the stated reason): the retention term applies again."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class ApplyRetention(TrajectoryCommand):
    """Erase the candidate's personal data if the retention term after the route's end has
    passed by ``on`` (and the route is not held); nothing when it has not, or was erased."""

    actor: Actor = field(default=SYSTEM_ACTOR)
    versioned: ClassVar[bool] = False


@dataclass(frozen=True, kw_only=True)
class RecordDueMilestones(TrajectoryCommand):
    """Record what time has made due by ``on`` (lasting placement, check-ins, a stalled route)."""

    actor: Actor = field(default=SYSTEM_ACTOR)


# --- the money ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ConcludeAgreement(Command):
    """A financing agreement paid by the actor's municipality or fund, concluded on ``on``."""

    kind: FinancingKind
    trigger: Trigger
    phase: Phase | None
    claimant: str | None
    valid_from: date
    valid_until: date | None
    budget_cap_cents: int | None
    terms: Terms


@dataclass(frozen=True, kw_only=True)
class ChangeAgreementTerms(Command):
    """New terms from ``terms.effective_from`` on (``on``: the same date)."""

    agreement_id: UUID
    terms: Terms


@dataclass(frozen=True, kw_only=True)
class FileClaim(Command):
    """Claim the payment of one agreement for one trajectory, filed on ``on``."""

    agreement_id: UUID
    trajectory_id: UUID


@dataclass(frozen=True, kw_only=True)
class ClaimDecision(Command):
    claim_id: UUID


@dataclass(frozen=True, kw_only=True)
class ApproveClaim(ClaimDecision):
    pass


@dataclass(frozen=True, kw_only=True)
class RejectClaim(ClaimDecision):
    reason: str


@dataclass(frozen=True, kw_only=True)
class RecordPayment(ClaimDecision):
    pass


# --- notifications ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegisterSubscription(Command):
    """The actor's organisation subscribes, in the actor's role, to events of ``event_types``."""

    callback_url: str
    event_types: tuple[str, ...]
    filters: Filters = field(default_factory=Filters)


@dataclass(frozen=True, kw_only=True)
class SubscriptionCommand(Command):
    subscription_id: UUID


@dataclass(frozen=True, kw_only=True)
class RotateSubscriptionSecret(SubscriptionCommand):
    """A new secret; the previous one keeps signing deliveries for the configured grace period."""


@dataclass(frozen=True, kw_only=True)
class PauseSubscription(SubscriptionCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class ResumeSubscription(SubscriptionCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class DeleteSubscription(SubscriptionCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class ReplaySubscription(SubscriptionCommand):
    """Deliver again from a log position, or from the first event recorded at or after a time."""

    from_position: int | None = None
    from_time: datetime | None = None
