"""A trajectory's history as a timeline for people: what happened, on which business date, when it
was recorded and by whom, with the event's details in words (as the caller's view allows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from api.console import labels
from domain import values as v
from domain.access import AccessPolicy, View

_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor", "on"}

# Event fields shown on the timeline, with their Dutch names (the rest is for the API).
_DETAILS = {
    "phase": "fase", "provider": "opleider", "basis": "grond", "reason": "reden", "explanation": "toelichting",
    "employer_name": "werkgever", "function": "functie", "hours_per_week": "uren per week", "level": "niveau",
    "kind": "soort", "title": "titel", "rule": "regel", "until": "tot en met", "granted_by": "besloten door",
    "issued_by": "afgegeven door", "summary": "samenvatting", "monthly_cents": "bedrag per maand",
    "target_group": "doelgroep", "description": "omschrijving", "due_on": "gepland op",
    "sub_reason": "subreden", "norm": "norm", "norm_weeks": "weken",
}


@dataclass(frozen=True)
class Entry:
    version: int
    what: str
    on: date | None
    recorded: datetime
    who: str
    details: list[tuple[str, str]]


def entries(events: list[Any], view: View) -> list[Entry]:
    """Newest first."""
    out = []
    for event in events:
        data = AccessPolicy.event_data(view, vars(event))
        actor = event.actor
        details = [(_DETAILS[k], _shown(k, v)) for k, v in data.items() if k in _DETAILS and k not in _ENVELOPE and v not in (None, "")]
        out.append(Entry(
            version=event.originator_version,
            what=labels.EVENTS.get(type(event).__name__, type(event).__name__),
            on=getattr(event, "on", None),
            recorded=event.timestamp,
            who=f"{actor.subject} ({labels.word(actor.role)}, {actor.organisation})",
            details=details,
        ))
    return list(reversed(out))


# Fields whose plain values (as events keep them) are words of a vocabulary.
_VOCABULARY = {"phase": v.Phase, "basis": v.SkipBasis, "level": v.JobLevel, "rule": v.DeviationRule, "target_group": v.TargetGroup}
_REASONS: tuple[type[Enum], ...] = (v.DropOutReason, v.PlacementEndReason, v.GuaranteeEndReason)
_KINDS: tuple[type[Enum], ...] = (v.CertificateKind, v.BenefitChangeKind)


def _shown(name: str, value: Any) -> str:
    if name == "monthly_cents" and isinstance(value, int):
        return labels.euros(value)
    if name == "norm" and isinstance(value, str):
        return dict(labels.NORMS).get(value, value)
    if isinstance(value, str) and not isinstance(value, Enum):
        for vocabulary in (_VOCABULARY[name],) if name in _VOCABULARY else _REASONS if name == "reason" else _KINDS if name == "kind" else ():
            try:
                return labels.word(vocabulary(value))
            except ValueError:
                continue
    if isinstance(value, Enum):
        return labels.word(value)
    if isinstance(value, date):
        from api.console.web import _dutch_date

        return _dutch_date(value)
    return str(value)
