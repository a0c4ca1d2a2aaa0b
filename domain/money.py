"""The money's view of the log: pure functions, no database, no clock.

Every money figure is derived from events as of a moment (``AsOf``):

- *as it had happened by then*: events whose business date is on or before ``AsOf.day``;
- *as it was known then*: additionally only events recorded at or before ``AsOf.known``, so a
  step logged late changes the second view but not the first.

Here: the events as the money reads them (``LoggedEvent``), the facts of a trajectory, an
agreement and a claim as of a moment, and the part of the log a figure needs (``MoneyScope``).
What an agreement pays for a trajectory is in ``domain.payments``, the bijstand savings in
``domain.savings``, the report in ``domain.reports``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.terms import AgreementView, ClaimStatus, FinancingKind, PayerKind, Terms, Trigger
from domain.values import Phase


@dataclass(frozen=True)
class LoggedEvent:
    """One event of the log: its name, business date, recording time and own data."""

    name: str
    on: date | None
    recorded_at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class AsOf:
    day: date
    known: datetime | None = None

    def includes(self, event: LoggedEvent) -> bool:
        if event.on is not None and event.on > self.day:
            return False
        return self.known is None or event.recorded_at <= self.known


_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor", "on"}


def logged(event: Any) -> LoggedEvent:
    """An event of the eventsourcing library as a ``LoggedEvent``."""
    data = {k: v for k, v in vars(event).items() if k not in _ENVELOPE}
    return LoggedEvent(type(event).__name__, getattr(event, "on", None), event.timestamp, data)


def logged_part(event: Any, fields: Sequence[str]) -> LoggedEvent:
    """``logged(event)`` with only the ``fields`` of its data, without building the whole of it
    first (a projection keeps a few fields of every event)."""
    data = vars(event)
    part = {k: data[k] for k in fields if k in data and k not in _ENVELOPE}
    return LoggedEvent(type(event).__name__, getattr(event, "on", None), event.timestamp, part)


def _visible(events: Iterable[LoggedEvent], as_of: AsOf) -> list[LoggedEvent]:
    return [e for e in events if as_of.includes(e)]


# -- trajectories ------------------------------------------------------------------------------


@dataclass
class TrajectoryFacts:
    id: UUID
    municipality: str
    target_group: str
    registered_on: date
    region: str
    benefit_intake_cents: int
    phase_started: dict[str, date] = field(default_factory=dict)
    phase_completed: dict[str, date] = field(default_factory=dict)
    certificates: list[tuple[date, str]] = field(default_factory=list)
    contracts: dict[str, date] = field(default_factory=dict)
    placement_ends: dict[str, date] = field(default_factory=dict)
    drop_outs: list[date] = field(default_factory=list)
    re_entries: list[date] = field(default_factory=list)
    benefit_changes: list[tuple[date, str, int | None]] = field(default_factory=list)

    def dropped_out(self) -> bool:
        return bool(self.drop_outs) and (not self.re_entries or max(self.drop_outs) > max(self.re_entries))


# The trajectory events ``trajectory_facts`` reads, and of each the fields it reads: all the money
# needs of a trajectory. A money digest keeps only these, so no free text and nothing that leads
# to the candidate (``candidate_id``) is copied out of the log.
TRAJECTORY_FIELDS: dict[str, tuple[str, ...]] = {
    "TrajectoryRegistered": ("municipality", "target_group", "benefit_monthly_cents"),
    "PhaseStarted": ("phase",),
    "PhaseCompleted": ("phase",),
    "CertificateObtained": ("phase",),
    "ContractStarted": ("placement_id",),
    "PlacementEnded": ("placement_id",),
    "DroppedOut": (),
    "ReEntered": (),
    "BenefitReduced": ("monthly_cents",),
    "BenefitStopped": (),
    "BenefitResumed": ("monthly_cents",),
}


def trajectory_money_event(event: LoggedEvent) -> LoggedEvent | None:
    """The part of a trajectory event the money reads (``TRAJECTORY_FIELDS``); None for an event
    it does not read at all."""
    fields = TRAJECTORY_FIELDS.get(event.name)
    if fields is None:
        return None
    return LoggedEvent(event.name, event.on, event.recorded_at, {k: event.data[k] for k in fields if k in event.data})


def trajectory_facts(trajectory_id: UUID, events: Sequence[LoggedEvent], as_of: AsOf, region: str) -> TrajectoryFacts | None:
    """The facts of one trajectory as of a moment; None if it was not registered by then. Reads
    only the events and fields named in ``TRAJECTORY_FIELDS``."""
    seen = _visible(events, as_of)
    if not seen or seen[0].name != "TrajectoryRegistered":
        return None
    first = seen[0]
    assert first.on is not None  # ``on`` is part of the envelope, never of ``data``
    facts = TrajectoryFacts(
        id=trajectory_id,
        municipality=first.data["municipality"],
        target_group=str(first.data["target_group"]),
        registered_on=first.on,
        region=region,
        benefit_intake_cents=int(first.data["benefit_monthly_cents"]),
    )
    for e in seen[1:]:
        d, on = e.data, e.on
        assert on is not None
        if e.name == "PhaseStarted":
            facts.phase_started.setdefault(str(d["phase"]), on)
        elif e.name == "PhaseCompleted":
            facts.phase_completed.setdefault(str(d["phase"]), on)
        elif e.name == "CertificateObtained":
            facts.certificates.append((on, str(d["phase"])))
        elif e.name == "ContractStarted":
            facts.contracts[d["placement_id"]] = on
        elif e.name == "PlacementEnded":
            facts.placement_ends[d["placement_id"]] = on
        elif e.name == "DroppedOut":
            facts.drop_outs.append(on)
        elif e.name == "ReEntered":
            facts.re_entries.append(on)
        elif e.name == "BenefitReduced":
            facts.benefit_changes.append((on, "reduced", int(d["monthly_cents"])))
        elif e.name == "BenefitStopped":
            facts.benefit_changes.append((on, "stopped", None))
        elif e.name == "BenefitResumed":
            facts.benefit_changes.append((on, "resumed", int(d["monthly_cents"])))
    facts.benefit_changes.sort(key=lambda c: c[0])
    return facts


# -- agreements and claims as of a moment --------------------------------------------------------


def agreement_as_of(agreement_id: UUID, events: Sequence[LoggedEvent], as_of: AsOf) -> AgreementView | None:
    """The agreement with the terms changes in effect by then (a change's business date is the
    date it takes effect); None if it was not concluded by then."""
    seen = _visible(events, as_of)
    if not seen or seen[0].name != "FinancingAgreementConcluded":
        return None
    d = seen[0].data
    history = [Terms.from_dict(d["terms"])] + [Terms.from_dict(e.data["terms"]) for e in seen[1:] if e.name == "TermsChanged"]
    return AgreementView(
        id=agreement_id,
        payer_kind=PayerKind(d["payer_kind"]),
        payer=d["payer"],
        claimant=d["claimant"],
        kind=FinancingKind(d["kind"]),
        trigger=Trigger(d["trigger"]),
        phase=Phase(d["phase"]) if d["phase"] is not None else None,
        valid_from=d["valid_from"],
        valid_until=d["valid_until"],
        budget_cap_cents=d["budget_cap_cents"],
        terms_history=tuple(sorted(history, key=lambda t: t.effective_from)),
    )


@dataclass(frozen=True)
class ClaimView:
    id: UUID
    agreement_id: UUID
    trajectory_id: UUID
    municipality: str
    claimant: str
    trigger_on: date
    amount_cents: int
    filed_on: date
    status: ClaimStatus
    approved_on: date | None
    rejected_on: date | None
    rejection_reason: str | None
    paid_on: date | None


def claim_as_of(claim_id: UUID, events: Sequence[LoggedEvent], as_of: AsOf) -> ClaimView | None:
    seen = _visible(events, as_of)
    if not seen or seen[0].name != "ClaimFiled":
        return None
    d = dict(seen[0].data)
    filed_on = seen[0].on or d["on"]
    status, approved_on, rejected_on, reason, paid_on = ClaimStatus.FILED, None, None, None, None
    for e in seen[1:]:
        if e.name == "ClaimRefiled":
            d.update(trigger_on=e.data["trigger_on"], amount_cents=e.data["amount_cents"], claimant=e.data["claimant"])
            filed_on = e.on or e.data["on"]
            status, approved_on, rejected_on, reason = ClaimStatus.FILED, None, None, None
        elif e.name == "ClaimApproved":
            status, approved_on = ClaimStatus.APPROVED, e.on
        elif e.name == "ClaimRejected":
            status, rejected_on, reason = ClaimStatus.REJECTED, e.on, e.data["reason"]
        elif e.name == "PaymentRecorded":
            status, paid_on = ClaimStatus.PAID, e.on
    return ClaimView(
        id=claim_id,
        agreement_id=d["agreement_id"],
        trajectory_id=d["trajectory_id"],
        municipality=d["municipality"],
        claimant=d["claimant"],
        trigger_on=d["trigger_on"],
        amount_cents=int(d["amount_cents"]),
        filed_on=filed_on,
        status=status,
        approved_on=approved_on,
        rejected_on=rejected_on,
        rejection_reason=reason,
        paid_on=paid_on,
    )


@dataclass(frozen=True)
class MoneyScope:
    """The part of the log a money figure is derived from. A trajectory's money needs that
    trajectory, the agreements and its claims; a municipality's report its own trajectories,
    the agreements and the claims on those trajectories; a fund's report its own agreements,
    their claims and the trajectories they can concern. Nothing named: the whole log."""

    trajectory: UUID | None = None
    municipality: str | None = None  # with ``trajectory``: the municipality that trajectory belongs to
    fund: str | None = None

    @property
    def everything(self) -> bool:
        return self.trajectory is None and self.municipality is None and self.fund is None
