"""Value objects and the fixed vocabularies of a leerwerktraject.

Everything here is pure Python: validation of identifiers (BSN with the 11-check, KvK number,
CBS municipality code), the roles, the phases of the route and the fixed lists of reasons.
Invalid values raise ``ValueError`` with a message fit for a human; the API turns those into
``invalidParams`` entries.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from domain.errors import InvalidField


class Role(StrEnum):
    KLANTMANAGER = "klantmanager"
    EMPLOYER = "employer"
    FUND = "fund"
    PROCESREGIE = "procesregie"
    PRIVACY_OFFICER = "privacy-officer"  # a municipality's: reads the access log, erases on request
    SYSTEM = "system"  # leerroute itself (time-driven policies); never in a token


class TargetGroup(StrEnum):
    STATUSHOUDER = "statushouder"
    OTHER = "other"


class Phase(StrEnum):
    """The training phases of the route, in their fixed order."""

    ORIENTATION = "orientation"
    PRE_TRAJECTORY = "pre-trajectory"
    BEDRIJFSVAKSCHOOL = "bedrijfsvakschool"

    @property
    def order(self) -> int:
        return list(Phase).index(self)


class PhaseStatus(StrEnum):
    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    ENDED_WITHOUT_COMPLETION = "ended-without-completion"
    SKIPPED = "skipped"
    # Derived, never recorded: the route's regional variant does not offer the phase.
    NOT_OFFERED = "not-offered"


class SkipBasis(StrEnum):
    """Why a phase is skipped: EVC (recognition of prior learning) or another decision."""

    EVC = "evc"
    NOT_AVAILABLE_IN_REGION = "not-available-in-region"
    OTHER = "other"


class Stage(StrEnum):
    """Where a route stands now; derived from its events, used for filtering and funnels."""

    REGISTERED = "registered"
    ORIENTATION = "orientation"
    PRE_TRAJECTORY = "pre-trajectory"
    BEDRIJFSVAKSCHOOL = "bedrijfsvakschool"
    PLACEMENT = "placement"
    GUARANTEE = "guarantee"


class TrajectoryStatus(StrEnum):
    ACTIVE = "active"
    DROPPED_OUT = "dropped-out"


class LanguageSkill(StrEnum):
    READING = "reading"
    LISTENING = "listening"
    SPEAKING = "speaking"
    WRITING = "writing"


class LanguageLevel(StrEnum):
    """CEFR levels as used in inburgering and vaktaal courses."""

    A0 = "A0"
    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"


class CertificateKind(StrEnum):
    MBO_CERTIFICAAT = "mbo-certificaat"
    PRAKTIJKVERKLARING = "praktijkverklaring"
    MBO_DIPLOMA = "mbo-diploma"
    BRANCHE_CERTIFICAAT = "branche-certificaat"
    VCA = "vca"


class JobLevel(StrEnum):
    """Job carving: start as an assistant (e.g. assistent-hulpmonteur), the full function later."""

    ASSISTENT = "assistent"
    FULL = "full"


class PlacementStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    STARTED = "started"
    ENDED = "ended"


class PlacementEndReason(StrEnum):
    CONTRACT_COMPLETED = "contract-completed"
    DISMISSED = "dismissed"
    RESIGNED = "resigned"
    NEXT_FUNCTION = "next-function"
    BUSINESS_CLOSED = "business-closed"
    OTHER = "other"


class DropOutReason(StrEnum):
    HEALTH = "health"
    CARE_DUTIES = "care-duties"
    MOTIVATION = "motivation"
    LANGUAGE = "language"
    ATTENDANCE = "attendance"
    RELOCATION = "relocation"
    OTHER_WORK = "other-work"
    OTHER_EDUCATION = "other-education"
    NOT_SUITED = "not-suited"
    OTHER = "other"


class GuaranteeEndReason(StrEnum):
    TERM_COMPLETED = "term-completed"
    LEFT_SECTOR = "left-sector"
    BY_PARTICIPANT = "by-participant"
    OTHER = "other"


class BenefitChangeKind(StrEnum):
    REDUCED = "reduced"
    STOPPED = "stopped"
    RESUMED = "resumed"


class DeviationRule(StrEnum):
    """Standard rules a klantmanager may set aside for a while (maatwerk / regelruimte)."""

    BENEFIT_DURING_TRAINING = "benefit-during-training"
    TRAINING_DURATION = "training-duration"
    PHASE_ORDER = "phase-order"
    LANGUAGE_REQUIREMENT = "language-requirement"
    WORKING_HOURS = "working-hours"
    OTHER = "other"


# --- identifiers -------------------------------------------------------------------------

_BSN_RE = re.compile(r"^\d{9}$")
_KVK_RE = re.compile(r"^\d{8}$")
_GM_RE = re.compile(r"^GM\d{4}$")


def validate_bsn(value: str) -> str:
    """A BSN is nine digits passing the 11-check (weights 9..2 and -1)."""
    if not isinstance(value, str) or not _BSN_RE.match(value):
        raise ValueError("a BSN is exactly nine digits")
    digits = [int(c) for c in value]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    if total % 11 != 0 or value == "000000000":
        raise ValueError("this BSN fails the 11-check")
    return value


def validate_kvk(value: str) -> str:
    if not isinstance(value, str) or not _KVK_RE.match(value):
        raise ValueError("a KvK number is exactly eight digits")
    return value


def validate_municipality_code(value: str) -> str:
    if not isinstance(value, str) or not _GM_RE.match(value):
        raise ValueError("a municipality code is 'GM' and four digits, such as GM0363")
    return value


def checked(name: str, validate: Callable[[str], str], value: str) -> str:
    """``validate(value)``, with its ``ValueError`` raised as the ``InvalidField`` ``name``: a
    command built from a form or an import row is refused like a request, not as a crash."""
    try:
        return validate(value)
    except ValueError as error:
        raise InvalidField(name, str(error)) from None


def check_cents(name: str, value: Any, *, positive: bool) -> int:
    """Money is a whole number of euro cents: no floats, no fractions, no negatives (and with
    ``positive``, no zero)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidField(name, "a whole number of euro cents")
    if value < 0 or (positive and value == 0):
        raise InvalidField(name, "greater than zero" if positive else "zero or more")
    return value


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the last day of the month when that day does not exist
    (31 January + 1 month = 28 or 29 February)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class MilestoneTerms:
    """When time alone makes a milestone due; from configuration, never constants in code."""

    lasting_placement_months: int
    check_in_interval_months: int
    check_in_window_days: int
    guarantee_years: int
    stall_weeks: int
    # The bewaartermijn: months after a route ended that its candidate's personal data is erased.
    retention_months: int = 84


@dataclass(frozen=True)
class Actor:
    """Who recorded a fact: the token's subject, role and organisation, and where the fact came
    from when not from a request of its own (``source``: ``import:<id>`` for a spreadsheet import)."""

    subject: str
    role: Role
    organisation: str
    source: str | None = None

    def as_dict(self) -> dict[str, str]:
        plain = {"subject": self.subject, "role": str(self.role), "organisation": self.organisation}
        if self.source is not None:
            plain["source"] = self.source
        return plain


SYSTEM_ACTOR = Actor(subject="time-policies", role=Role.SYSTEM, organisation="leerroute")
