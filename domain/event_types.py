"""The notification catalogue: the stable names under which leerroute's events leave it.

One entry per domain event another system may act on, in one place. A name is
``nl.leerroute.<resource>.<what happened>`` and never changes meaning; a new kind of event gets a
new name. What an event carries when it leaves is thin: ids, dates, codes of fixed vocabularies
and the organisations' public codes (municipality, KvK number), never a BSN, a name or free text
(reasons, explanations, summaries and titles can hold personal data).

``kind`` says which access rule decides who may receive it (``domain.notification_access``):
``route`` (the route's own steps), ``benefit`` (the bijstand: only those who see benefit data),
``placement`` (the placement's employer, and those who see the route) and ``claim``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    ROUTE = "route"
    BENEFIT = "benefit"
    PLACEMENT = "placement"
    CLAIM = "claim"


@dataclass(frozen=True)
class EventType:
    name: str  # the CloudEvents ``type``
    domain_event: str  # the class name of the domain event it is made from ("" for a derived one)
    kind: Kind
    description: str
    fields: tuple[str, ...] = ()  # the event's own fields that travel (ids, dates, fixed codes)


PREFIX = "nl.leerroute."

_TYPES: tuple[EventType, ...] = (
    EventType("nl.leerroute.trajectory.registered", "TrajectoryRegistered", Kind.ROUTE,
              "a municipality registered a candidate and opened a route", ("target_group",)),
    EventType("nl.leerroute.phase.started", "PhaseStarted", Kind.ROUTE, "a phase of the route started", ("phase",)),
    EventType("nl.leerroute.phase.completed", "PhaseCompleted", Kind.ROUTE, "a phase was completed", ("phase",)),
    EventType("nl.leerroute.phase.ended", "PhaseEndedWithoutCompletion", Kind.ROUTE, "a phase ended without being completed",
              ("phase",)),
    EventType("nl.leerroute.phase.skipped", "PhaseSkipped", Kind.ROUTE, "a phase was skipped (EVC, prior experience)",
              ("phase", "basis")),
    EventType("nl.leerroute.language.assessed", "LanguageLevelsAssessed", Kind.ROUTE, "language levels were assessed"),
    EventType("nl.leerroute.practice.recorded", "PracticePeriodRecorded", Kind.ROUTE, "a practice period was recorded",
              ("practice_id", "until")),
    EventType("nl.leerroute.certificate.obtained", "CertificateObtained", Kind.ROUTE, "a certificate was obtained",
              ("certificate_id", "phase", "kind")),
    EventType("nl.leerroute.placement.proposed", "PlacementProposed", Kind.PLACEMENT,
              "a placement with an employer was proposed", ("placement_id", "employer_kvk", "level")),
    EventType("nl.leerroute.placement.confirmed", "PlacementConfirmed", Kind.PLACEMENT, "the employer confirmed a placement",
              ("placement_id",)),
    EventType("nl.leerroute.placement.declined", "PlacementDeclined", Kind.PLACEMENT, "the employer declined a placement",
              ("placement_id",)),
    EventType("nl.leerroute.placement.contract-started", "ContractStarted", Kind.PLACEMENT, "the contract of a placement started",
              ("placement_id",)),
    EventType("nl.leerroute.placement.ended", "PlacementEnded", Kind.PLACEMENT, "a placement ended", ("placement_id", "reason")),
    EventType("nl.leerroute.placement.lasting", "LastingPlacementReached", Kind.PLACEMENT,
              "a placement has lasted the configured months", ("placement_id",)),
    EventType("nl.leerroute.guarantee.issued", "GuaranteeIssued", Kind.ROUTE, "the work and development guarantee was issued"),
    EventType("nl.leerroute.guarantee.check-in-recorded", "GuaranteeCheckInRecorded", Kind.ROUTE,
              "a check-in under the guarantee was held"),
    EventType("nl.leerroute.guarantee.check-in-due", "GuaranteeCheckInDue", Kind.ROUTE, "a check-in under the guarantee fell due"),
    EventType("nl.leerroute.guarantee.ended", "GuaranteeEnded", Kind.ROUTE, "the guarantee ended", ("reason",)),
    EventType("nl.leerroute.trajectory.dropped-out", "DroppedOut", Kind.ROUTE, "the candidate dropped out", ("reason", "stage")),
    EventType("nl.leerroute.trajectory.re-entered", "ReEntered", Kind.ROUTE, "the candidate re-entered the route"),
    EventType("nl.leerroute.trajectory.stalled", "RouteStalled", Kind.ROUTE, "the route had no step for the configured weeks",
              ("last_step_on",)),
    EventType("nl.leerroute.deviation.granted", "DeviationGranted", Kind.ROUTE, "a maatwerk deviation was granted",
              ("deviation_id", "rule", "until")),
    EventType("nl.leerroute.benefit.reduced", "BenefitReduced", Kind.BENEFIT, "the bijstand was reduced"),
    EventType("nl.leerroute.benefit.stopped", "BenefitStopped", Kind.BENEFIT, "the bijstand stopped"),
    EventType("nl.leerroute.benefit.resumed", "BenefitResumed", Kind.BENEFIT, "the bijstand resumed"),
    EventType("nl.leerroute.claim.trigger-reached", "", Kind.CLAIM,
              "a trajectory reached the trigger of a financing agreement the subscriber pays or claims under: it can be claimed",
              ("agreement_id",)),
    EventType("nl.leerroute.claim.filed", "ClaimFiled", Kind.CLAIM, "a claim was filed", ("agreement_id", "trigger", "trigger_on")),
    EventType("nl.leerroute.claim.refiled", "ClaimRefiled", Kind.CLAIM, "a rejected claim was filed again"),
    EventType("nl.leerroute.claim.approved", "ClaimApproved", Kind.CLAIM, "a claim was approved"),
    EventType("nl.leerroute.claim.rejected", "ClaimRejected", Kind.CLAIM, "a claim was rejected"),
    EventType("nl.leerroute.claim.paid", "PaymentRecorded", Kind.CLAIM, "the payment of a claim was recorded"),
)

TRIGGER_REACHED = "nl.leerroute.claim.trigger-reached"

CATALOGUE: dict[str, EventType] = {t.name: t for t in _TYPES}
BY_DOMAIN_EVENT: dict[str, EventType] = {t.domain_event: t for t in _TYPES if t.domain_event}


def event_type(name: str) -> EventType | None:
    return CATALOGUE.get(name)


def of_domain_event(domain_event_name: str) -> EventType | None:
    """The notification type of a domain event (by its class name), if it leaves leerroute."""
    return BY_DOMAIN_EVENT.get(domain_event_name)


def thin_value(value: Any) -> Any:
    """A field's value as it travels: dates as ISO dates, enums as their code, ids as text."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def thin_data(kind: EventType, fields: dict[str, Any]) -> dict[str, Any]:
    """The event's own fields that may travel, in camelCase, and nothing else."""
    return {_camel(name): thin_value(fields[name]) for name in kind.fields if name in fields}
