"""The vocabulary and terms of financing: who pays (a municipality or an O&O fund), what kind
of financing, which fact of a route earns it, and the terms (amount, minimum months, target
groups, places) an agreement has over time. Pure values, shared by the aggregates
(``domain.financing``) and the money derived from the log (``domain.money``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain.errors import InvalidField
from domain.values import Actor, Phase, Role, TargetGroup, check_cents, checked, validate_municipality_code


class PayerKind(StrEnum):
    MUNICIPALITY = "municipality"
    FUND = "fund"


def payer_kind_of(actor: Actor) -> PayerKind:
    """A klantmanager concludes for its municipality, a fund for itself."""
    return PayerKind.MUNICIPALITY if actor.role is Role.KLANTMANAGER else PayerKind.FUND


class FinancingKind(StrEnum):
    START = "start"
    RESULT = "result"
    TRAINING = "training"


class Trigger(StrEnum):
    """The fact in a trajectory's log that earns the payment."""

    REGISTERED = "registered"
    PHASE_STARTED = "phase-started"
    PHASE_COMPLETED = "phase-completed"
    CERTIFICATE_OBTAINED = "certificate-obtained"
    PLACEMENT_STARTED = "placement-started"
    LASTING_PLACEMENT = "lasting-placement"

    @property
    def needs_phase(self) -> bool:
        return self in (Trigger.PHASE_STARTED, Trigger.PHASE_COMPLETED)


class ClaimStatus(StrEnum):
    FILED = "filed"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


@dataclass(frozen=True)
class Terms:
    """What an agreement pays and for whom, from ``effective_from`` until the next change."""

    effective_from: date
    amount_cents: int
    min_placement_months: int = 0
    target_groups: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()

    def validated(self) -> Terms:
        check_cents("amountCents", self.amount_cents, positive=True)
        if isinstance(self.min_placement_months, bool) or not isinstance(self.min_placement_months, int):
            raise InvalidField("minPlacementMonths", "a whole number of months")
        if not 0 <= self.min_placement_months <= 120:
            raise InvalidField("minPlacementMonths", "between 0 and 120")
        for group in self.target_groups:
            try:
                TargetGroup(group)
            except ValueError:
                raise InvalidField("targetGroups", f"unknown target group {group!r}") from None
        for code in self.municipalities:
            checked("municipalities", validate_municipality_code, code)
        return replace(
            self,
            target_groups=tuple(sorted(set(self.target_groups))),
            municipalities=tuple(sorted(set(self.municipalities))),
            regions=tuple(sorted(set(self.regions))),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "effective_from": self.effective_from,
            "amount_cents": self.amount_cents,
            "min_placement_months": self.min_placement_months,
            "target_groups": list(self.target_groups),
            "municipalities": list(self.municipalities),
            "regions": list(self.regions),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Terms:
        return cls(
            effective_from=data["effective_from"],
            amount_cents=data["amount_cents"],
            min_placement_months=data["min_placement_months"],
            target_groups=tuple(data["target_groups"]),
            municipalities=tuple(data["municipalities"]),
            regions=tuple(data["regions"]),
        )


@dataclass(frozen=True)
class AgreementView:
    """An agreement as of a moment: what ``domain.money`` needs, free of the aggregate."""

    id: UUID
    payer_kind: PayerKind
    payer: str
    claimant: str | None
    kind: FinancingKind
    trigger: Trigger
    phase: Phase | None
    valid_from: date
    valid_until: date | None
    budget_cap_cents: int | None
    terms_history: tuple[Terms, ...] = field(default=())

    def terms_on(self, day: date) -> Terms:
        """The terms in force on ``day`` (the first terms before the agreement's start)."""
        current = self.terms_history[0]
        for terms in self.terms_history:
            if terms.effective_from <= day:
                current = terms
        return current

    def covers_date(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)
