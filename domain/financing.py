"""Financing agreements and claims: who pays what, when, and what was claimed, decided and paid.

A ``FinancingAgreement`` is concluded by its payer (a municipality or an O&O fund): the kind of
financing (start, result, training), the trigger that earns it, the period of validity, an
optional budget cap and its terms (amount in cents, minimum months of placement, target groups,
municipalities and regions covered). Terms change from a date onward; a payment always uses the
terms in force on its trigger date (``terms_on``). Nothing about amounts, months or triggers is a
constant in code: all of it is data of an agreement.

A ``Claim`` asks for one payment for one trajectory under one agreement. Its id is derived from
the agreement, the trajectory and the trigger (``claim_id_for``), so two identical claims,
however they race, land on the same aggregate: at most one is ever filed, and so at most one
payment is made per trajectory, agreement and trigger.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import Forbidden, InvalidField, RuleViolation
from domain.terms import AgreementView, ClaimStatus, FinancingKind, PayerKind, Terms, Trigger
from domain.values import Actor, Phase, Role, check_cents, checked, validate_municipality_code


def _no_future(name: str, on: date, today: date) -> None:
    if on > today:
        raise InvalidField(name, f"{on} lies after today ({today})")


class FinancingAgreement(Aggregate):
    """What a payer has agreed to finance, with its terms over time and its budget."""

    @classmethod
    def conclude(
        cls,
        *,
        agreement_id: UUID,
        payer_kind: PayerKind,
        payer: str,
        claimant: str | None,
        kind: FinancingKind,
        trigger: Trigger,
        phase: Phase | None,
        valid_from: date,
        valid_until: date | None,
        budget_cap_cents: int | None,
        terms: Terms,
        on: date,
        today: date,
        actor: Actor,
    ) -> FinancingAgreement:
        payer_kind, kind, trigger = PayerKind(payer_kind), FinancingKind(kind), Trigger(trigger)
        expected_role = Role.KLANTMANAGER if payer_kind is PayerKind.MUNICIPALITY else Role.FUND
        if actor.role is not expected_role or actor.organisation != payer:
            raise Forbidden(f"only the payer ({payer_kind} {payer}) concludes its agreements")
        if payer_kind is PayerKind.MUNICIPALITY:
            checked("payer", validate_municipality_code, payer)
        _no_future("concludedOn", on, today)
        if trigger.needs_phase and phase is None:
            raise InvalidField("phase", f"a {trigger} trigger names its phase")
        if not trigger.needs_phase and trigger is not Trigger.CERTIFICATE_OBTAINED and phase is not None:
            raise InvalidField("phase", f"a {trigger} trigger has no phase")
        if valid_until is not None and valid_until < valid_from:
            raise InvalidField("validUntil", f"{valid_until} lies before validFrom {valid_from}")
        if budget_cap_cents is not None:
            check_cents("budgetCapCents", budget_cap_cents, positive=True)
        terms = replace(terms, effective_from=valid_from).validated()
        if payer_kind is PayerKind.MUNICIPALITY and (terms.municipalities not in ((), (payer,)) or terms.regions):
            raise InvalidField("municipalities", "a municipality finances its own trajectories only")
        if payer_kind is PayerKind.MUNICIPALITY:
            terms = replace(terms, municipalities=(payer,))
        return cls(
            id=agreement_id,
            payer_kind=payer_kind,
            payer=payer,
            claimant=claimant,
            kind=kind,
            trigger=trigger,
            phase=Phase(phase) if phase is not None else None,
            valid_from=valid_from,
            valid_until=valid_until,
            budget_cap_cents=budget_cap_cents,
            terms=terms.as_dict(),
            on=on,
            actor=actor,
        )

    @event("FinancingAgreementConcluded")
    def __init__(
        self,
        *,
        id: UUID,
        payer_kind: PayerKind,
        payer: str,
        claimant: str | None,
        kind: FinancingKind,
        trigger: Trigger,
        phase: Phase | None,
        valid_from: date,
        valid_until: date | None,
        budget_cap_cents: int | None,
        terms: dict[str, Any],
        on: date,
        actor: Actor,
    ) -> None:
        self.payer_kind = PayerKind(payer_kind)
        self.payer = payer
        self.claimant = claimant
        self.kind = FinancingKind(kind)
        self.trigger = Trigger(trigger)
        self.phase = Phase(phase) if phase is not None else None
        self.valid_from = valid_from
        self.valid_until = valid_until
        self.budget_cap_cents = budget_cap_cents
        self.concluded_on = on
        self.terms_history: list[Terms] = [Terms.from_dict(terms)]
        self.reservations: dict[str, int] = {}

    # -- terms ------------------------------------------------------------------------------

    def view(self) -> AgreementView:
        return AgreementView(
            id=self.id,
            payer_kind=self.payer_kind,
            payer=self.payer,
            claimant=self.claimant,
            kind=self.kind,
            trigger=self.trigger,
            phase=self.phase,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            budget_cap_cents=self.budget_cap_cents,
            terms_history=tuple(self.terms_history),
        )

    def terms_on(self, day: date) -> Terms:
        return self.view().terms_on(day)

    def covers_date(self, day: date) -> bool:
        return self.view().covers_date(day)

    def change_terms(self, terms: Terms, *, today: date, actor: Actor) -> None:
        self.check_payer(actor)
        terms = terms.validated()
        last = self.terms_history[-1].effective_from
        if terms.effective_from <= last:
            raise InvalidField("effectiveFrom", f"a change takes effect after the last one ({last})")
        if not self.covers_date(terms.effective_from):
            raise InvalidField("effectiveFrom", f"{terms.effective_from} lies outside the agreement's validity")
        if self.payer_kind is PayerKind.MUNICIPALITY and (terms.municipalities not in ((), (self.payer,)) or terms.regions):
            raise InvalidField("municipalities", "a municipality finances its own trajectories only")
        if self.payer_kind is PayerKind.MUNICIPALITY:
            terms = replace(terms, municipalities=(self.payer,))
        self._terms_changed(terms=terms.as_dict(), on=terms.effective_from, actor=actor)

    @event("TermsChanged")
    def _terms_changed(self, *, terms: dict[str, Any], on: date, actor: Actor) -> None:
        self.terms_history.append(Terms.from_dict(terms))

    # -- budget -----------------------------------------------------------------------------

    @property
    def reserved_cents(self) -> int:
        return sum(self.reservations.values())

    def reserve(self, claim_id: UUID, amount_cents: int, *, on: date, actor: Actor) -> None:
        """Reserve a claim's amount against the budget cap when the payer approves it."""
        if self.budget_cap_cents is not None and self.reserved_cents + amount_cents > self.budget_cap_cents:
            raise RuleViolation(
                "budget-cap",
                f"approving {amount_cents} cents would exceed the budget cap of {self.budget_cap_cents} cents "
                f"({self.reserved_cents} cents reserved)",
            )
        self._budget_reserved(claim_id=str(claim_id), amount_cents=amount_cents, on=on, actor=actor)

    @event("BudgetReserved")
    def _budget_reserved(self, *, claim_id: str, amount_cents: int, on: date, actor: Actor) -> None:
        self.reservations[claim_id] = amount_cents

    def release(self, claim_id: UUID, *, on: date, actor: Actor) -> None:
        if str(claim_id) in self.reservations:
            self._budget_released(claim_id=str(claim_id), on=on, actor=actor)

    @event("BudgetReleased")
    def _budget_released(self, *, claim_id: str, on: date, actor: Actor) -> None:
        self.reservations.pop(claim_id, None)

    # -- parties ----------------------------------------------------------------------------

    def is_payer(self, actor: Actor) -> bool:
        role = Role.KLANTMANAGER if self.payer_kind is PayerKind.MUNICIPALITY else Role.FUND
        return actor.role is role and actor.organisation == self.payer

    def check_payer(self, actor: Actor) -> None:
        """Only the payer changes the terms and decides on claims (one who may see the agreement
        but is not its payer is refused, not told of a rule)."""
        if not self.is_payer(actor):
            raise Forbidden(f"only the payer ({self.payer_kind} {self.payer}) does this")

    def may_claim(self, actor: Actor, municipality: str) -> bool:
        """A named claimant claims; otherwise the trajectory's own municipality does."""
        if self.claimant is not None:
            return actor.organisation == self.claimant and actor.role in (Role.FUND, Role.KLANTMANAGER)
        return actor.role is Role.KLANTMANAGER and actor.organisation == municipality

    def is_party(self, actor: Actor) -> bool:
        return self.is_payer(actor) or (self.claimant is not None and actor.organisation == self.claimant)


def claim_id_for(agreement_id: UUID, trajectory_id: UUID, trigger: Trigger) -> UUID:
    """One id per agreement, trajectory and trigger: identical claims meet on one aggregate."""
    return uuid5(uuid5(NAMESPACE_URL, f"leerroute:agreement:{agreement_id}"), f"{trajectory_id}:{Trigger(trigger)}")


@dataclass
class Decision:
    on: date
    reason: str | None = None


class Claim(Aggregate):
    """A request for one payment; the payer approves or rejects it and records the payment."""

    @classmethod
    def file(
        cls,
        *,
        agreement: FinancingAgreement,
        trajectory_id: UUID,
        municipality: str,
        trigger_on: date,
        amount_cents: int,
        on: date,
        today: date,
        actor: Actor,
    ) -> Claim:
        cls.check_filing_date(agreement, on, today)
        check_cents("amountCents", amount_cents, positive=True)
        return cls(
            id=claim_id_for(agreement.id, trajectory_id, agreement.trigger),
            agreement_id=agreement.id,
            trajectory_id=trajectory_id,
            municipality=municipality,
            payer=agreement.payer,
            trigger=agreement.trigger,
            trigger_on=trigger_on,
            amount_cents=amount_cents,
            claimant=actor.organisation,
            on=on,
            actor=actor,
        )

    @staticmethod
    def check_filing_date(agreement: FinancingAgreement, on: date, today: date) -> None:
        """A claim is filed on a real day, not before the agreement starts."""
        _no_future("filedOn", on, today)
        if on < agreement.valid_from:
            raise InvalidField("filedOn", f"{on} lies before the agreement starts ({agreement.valid_from})")

    @event("ClaimFiled")
    def __init__(
        self,
        *,
        id: UUID,
        agreement_id: UUID,
        trajectory_id: UUID,
        municipality: str,
        payer: str,
        trigger: Trigger,
        trigger_on: date,
        amount_cents: int,
        claimant: str,
        on: date,
        actor: Actor,
    ) -> None:
        self.agreement_id = agreement_id
        self.trajectory_id = trajectory_id
        self.municipality = municipality
        self.payer = payer
        self.trigger = Trigger(trigger)
        self.trigger_on = trigger_on
        self.amount_cents = amount_cents
        self.filed_on = on
        self.claimant = claimant
        self.status = ClaimStatus.FILED
        self.approval: Decision | None = None
        self.rejection: Decision | None = None
        self.paid_on: date | None = None

    def _decision_date(self, on: date, today: date, after: date, what: str) -> None:
        _no_future("date", on, today)
        if on < after:
            raise InvalidField("date", f"{what} on {on} lies before {after}")

    def approve(self, agreement: FinancingAgreement, *, on: date, today: date, actor: Actor) -> None:
        agreement.check_payer(actor)
        if self.status is not ClaimStatus.FILED:
            raise RuleViolation("claim-must-be-filed", f"this claim is {self.status}; only a filed claim is approved")
        self._decision_date(on, today, self.filed_on, "an approval")
        agreement.reserve(self.id, self.amount_cents, on=on, actor=actor)
        self._approved(on=on, actor=actor)

    @event("ClaimApproved")
    def _approved(self, *, on: date, actor: Actor) -> None:
        self.status = ClaimStatus.APPROVED
        self.approval = Decision(on)

    def reject(self, agreement: FinancingAgreement, *, on: date, today: date, reason: str, actor: Actor) -> None:
        """Reject a filed claim, or an approved one not yet paid (its reservation is released)."""
        agreement.check_payer(actor)
        if self.status not in (ClaimStatus.FILED, ClaimStatus.APPROVED):
            raise RuleViolation("claim-must-be-open", f"this claim is {self.status}; it can no longer be rejected")
        if not reason.strip():
            raise InvalidField("reason", "a rejection states its reason")
        self._decision_date(on, today, self.filed_on, "a rejection")
        agreement.release(self.id, on=on, actor=actor)
        self._rejected(on=on, reason=reason, actor=actor)

    @event("ClaimRejected")
    def _rejected(self, *, on: date, reason: str, actor: Actor) -> None:
        self.status = ClaimStatus.REJECTED
        self.rejection = Decision(on, reason)

    def refile(
        self, agreement: FinancingAgreement, *, trigger_on: date, amount_cents: int, on: date, today: date, actor: Actor
    ) -> None:
        """File a rejected claim again (the missing proof supplied, say): the same claim, so there is
        still at most one payment per trajectory, agreement and trigger."""
        if self.status is not ClaimStatus.REJECTED:
            raise RuleViolation(
                "one-claim-per-trigger",
                f"claim {self.id} for this trajectory, agreement and trigger was filed on {self.filed_on} and is {self.status}",
            )
        self.check_filing_date(agreement, on, today)
        assert self.rejection is not None
        if on < self.rejection.on:
            raise InvalidField("filedOn", f"{on} lies before the rejection of this claim ({self.rejection.on})")
        check_cents("amountCents", amount_cents, positive=True)
        self._refiled(trigger_on=trigger_on, amount_cents=amount_cents, claimant=actor.organisation, on=on, actor=actor)

    @event("ClaimRefiled")
    def _refiled(self, *, trigger_on: date, amount_cents: int, claimant: str, on: date, actor: Actor) -> None:
        self.trigger_on = trigger_on
        self.amount_cents = amount_cents
        self.claimant = claimant
        self.filed_on = on
        self.status = ClaimStatus.FILED
        self.approval = None
        self.rejection = None

    def record_payment(self, agreement: FinancingAgreement, *, on: date, today: date, actor: Actor) -> None:
        agreement.check_payer(actor)
        if self.status is not ClaimStatus.APPROVED:
            raise RuleViolation("claim-must-be-approved", f"this claim is {self.status}; only an approved claim is paid")
        assert self.approval is not None
        self._decision_date(on, today, self.approval.on, "a payment")
        self._paid(on=on, amount_cents=self.amount_cents, actor=actor)

    @event("PaymentRecorded")
    def _paid(self, *, on: date, amount_cents: int, actor: Actor) -> None:
        self.status = ClaimStatus.PAID
        self.paid_on = on


