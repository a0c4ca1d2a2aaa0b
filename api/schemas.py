"""Request bodies of the HTTP API (camelCase on the wire, strict types).

Field validation reuses the domain's validators (BSN 11-check, KvK number), so every invalid
field is reported at once in ``invalidParams``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints
from pydantic.alias_generators import to_camel

from domain.terms import FinancingKind, Terms, Trigger
from domain.values import (
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
    validate_bsn,
    validate_kvk,
)


def _iso_date(value: object) -> object:
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise ValueError("a date is written as an ISO date, such as 2026-01-31")


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
IsoDate = Annotated[date, BeforeValidator(_iso_date)]

# Control characters (C0, DEL and the C1 range) are refused in text: NUL and its kin break
# exports, logs and other systems' parsers. A line of text allows none; longer text allows tab
# and line breaks. Checked before the surrounding whitespace is stripped, so none slips through.
_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _no_control(pattern: re.Pattern[str], allowed: str) -> BeforeValidator:
    def check(value: object) -> object:
        if isinstance(value, str) and (found := pattern.search(value)):
            raise ValueError(f"contains the control character U+{ord(found.group()):04X} ({allowed})")
        return value

    return BeforeValidator(check)


NoControlInLine = _no_control(_CONTROL_IN_LINE, "no control characters are allowed")
NoControlInText = _no_control(_CONTROL_IN_TEXT, "only tab and line breaks are allowed")
Text = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=200), NoControlInLine]
LongText = Annotated[
    str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=2000), NoControlInText
]
Bsn = Annotated[str, StringConstraints(strict=True), AfterValidator(validate_bsn), NoControlInLine]
Kvk = Annotated[str, StringConstraints(strict=True), AfterValidator(validate_kvk), NoControlInLine]
Cents = Annotated[int, Strict(), Field(ge=0, le=10_000_000_00)]
PositiveCents = Annotated[int, Strict(), Field(gt=0, le=10_000_000_00)]
Hours = Annotated[int, Strict(), Field(ge=1, le=60)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)


# --- requests ------------------------------------------------------------------------------


class CandidateIn(Input):
    bsn: Bsn
    given_names: Text
    family_name: Text
    birth_date: IsoDate


class BenefitIn(Input):
    monthly_amount_cents: Cents = Field(description="Monthly bijstand in euro cents")
    since: IsoDate


class RegisterTrajectory(Input):
    candidate: CandidateIn
    target_group: TargetGroup
    registered_on: IsoDate
    benefit: BenefitIn | None = Field(default=None, description="The bijstand at intake; null when none is paid")


class SearchByBsn(Input):
    bsn: Bsn


class StartPhase(Input):
    date: IsoDate
    provider: Text | None = None


class CompletePhase(Input):
    date: IsoDate


class EndPhase(Input):
    date: IsoDate
    reason: LongText


class SkipPhase(Input):
    date: IsoDate
    basis: SkipBasis
    reason: LongText


class LanguageAssessment(Input):
    date: IsoDate
    levels: Annotated[dict[LanguageSkill, LanguageLevel], Field(min_length=1)]


class PracticePeriodIn(Input):
    starts_on: IsoDate
    ends_on: IsoDate | None = None
    description: LongText
    hours_per_week: Hours


class CertificateIn(Input):
    date: IsoDate
    phase: Phase
    kind: CertificateKind
    title: Text


class EmployerIn(Input):
    kvk_number: Kvk
    name: Text


class ProposePlacement(Input):
    date: IsoDate
    employer: EmployerIn
    function: Text
    hours_per_week: Hours
    level: JobLevel


class ConfirmPlacement(Input):
    date: IsoDate


class DeclinePlacement(Input):
    date: IsoDate
    reason: LongText


class StartContract(Input):
    date: IsoDate
    hours_per_week: Hours


class EndPlacement(Input):
    date: IsoDate
    reason: PlacementEndReason
    explanation: LongText | None = None


class IssueGuarantee(Input):
    date: IsoDate
    issued_by: Text


class GuaranteeCheckIn(Input):
    date: IsoDate
    summary: LongText


class EndGuarantee(Input):
    date: IsoDate
    reason: GuaranteeEndReason


# A code of a vocabulary that a route model extends (a regional drop-out sub-reason, a norm key).
Code = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[a-z0-9.-]+$")]


class DropOut(Input):
    date: IsoDate
    reason: Code = Field(description=(
        "A national drop-out category (" + ", ".join(DropOutReason) + ") or a sub-reason of the route's regional variant"
    ))
    sub_reason: Code | None = Field(default=None, description="A sub-reason of the route's regional variant, of the category in reason")
    explanation: LongText


class ReEntry(Input):
    date: IsoDate
    explanation: LongText


class BenefitChange(Input):
    date: IsoDate
    kind: BenefitChangeKind
    monthly_amount_cents: PositiveCents | None = Field(
        default=None, description="The new monthly amount in euro cents; required unless the benefit stops"
    )


class GrantDeviation(Input):
    rule: DeviationRule
    reason: LongText
    starts_on: IsoDate
    ends_on: IsoDate
    granted_by: Text
    norm: Code | None = Field(default=None, description=(
        "training-duration only: the norm of the route's model it departs from, a stage or a stage's component such as "
        "pre-trajectory.practice"
    ))
    norm_weeks: Annotated[int, Strict(), Field(ge=1, le=520)] | None = Field(
        default=None, description="The norm's weeks during the deviation's period (with norm)"
    )


class RouteModelMigration(Input):
    from_version: Annotated[int, Strict(), Field(ge=1, le=100_000)] | None = Field(
        default=None, description="Move only the routes pinned to this national version (any when absent)"
    )
    region: Text | None = Field(default=None, description="Move only the routes of this labour-market region (every region when absent)")
    date: IsoDate | None = Field(
        default=None, description="The day the routes follow the route model in force then (default today)",
        json_schema_extra={"format": "date"},
    )
    reason: LongText | None = Field(default=None, description="Why the routes move; required unless dryRun")
    dry_run: Annotated[bool, Strict()] = Field(default=True, description="List per route what would change and write nothing")


class CandidateErasure(Input):
    date: IsoDate = Field(description="The day the erasure is carried out (not after today)")


# --- the money -----------------------------------------------------------------------------------

Months = Annotated[int, Strict(), Field(ge=0, le=120)]
# An organisation as tokens name it (see ``adapters.tokens.check_organisation``): 1 to 64 characters.
Organisation = Annotated[
    str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=64), NoControlInLine
]


class TermsIn(Input):
    amount_cents: PositiveCents = Field(description="Euro cents, a whole number above zero")
    min_placement_months: Months = 0
    target_groups: list[TargetGroup] = Field(default_factory=list)
    municipalities: list[Text] = Field(default_factory=list)
    regions: list[Text] = Field(default_factory=list)

    def to_terms(self, effective_from: date) -> Terms:
        return Terms(
            effective_from=effective_from,
            amount_cents=self.amount_cents,
            min_placement_months=self.min_placement_months,
            target_groups=tuple(str(g) for g in self.target_groups),
            municipalities=tuple(self.municipalities),
            regions=tuple(self.regions),
        )


class AgreementIn(Input):
    kind: FinancingKind
    trigger: Trigger
    phase: Phase | None = None
    claimant: Organisation | None = Field(
        default=None, description="Who files the claims (an organisation id, e.g. a fund's); default the trajectory's municipality"
    )
    valid_from: IsoDate
    valid_until: IsoDate | None = None
    budget_cap_cents: PositiveCents | None = None
    concluded_on: IsoDate
    terms: TermsIn


class TermsChangeIn(TermsIn):
    effective_from: IsoDate


class ClaimIn(Input):
    agreement_id: UUID
    trajectory_id: UUID
    filed_on: IsoDate


class DecisionIn(Input):
    date: IsoDate


class RejectionIn(Input):
    date: IsoDate
    reason: LongText
