"""What an agreement pays for a trajectory, from the trajectory's facts alone: whether its terms
cover the trajectory, when its trigger was reached, whether a claim is eligible (naming the unmet
condition when not) and the figures of the pair, all in integer euro cents:

- ``committed``: what the payer is bound to pay for a covered trajectory: the amount earned by a
  reached trigger, or, while the trigger is still ahead, the amount under today's terms (for an
  active route and an agreement still valid); nothing once the result lapsed.
- ``due``: earned by a reached trigger within the agreement's validity, paid or not, unless lapsed.
- ``claimed`` / ``approved`` / ``paid``: from the claim's events (a rejected claim counts nowhere).
- ``lapsed``: earned, then undone inside its qualifying period (a placement that ended before
  the agreement's minimum months); ``to_recover`` is the part of it already paid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain.money import ClaimView, TrajectoryFacts
from domain.terms import AgreementView, ClaimStatus, FinancingKind, PayerKind, Terms, Trigger
from domain.values import add_months


def terms_cover(terms: Terms, municipality: str, region: str | None, target_group: str) -> str | None:
    """The condition a trajectory fails under these terms, or None when they cover it."""
    if terms.municipalities or terms.regions:
        if municipality not in terms.municipalities and (region is None or region not in terms.regions):
            return "municipality-or-region"
    if terms.target_groups and target_group not in terms.target_groups:
        return "target-group"
    return None


def fund_covers(agreements: Iterable[AgreementView], trajectory: Any, region: str | None = None) -> bool:
    """A fund sees a trajectory when the conditions of one of its agreements (any terms they
    ever had) cover it. ``trajectory`` needs ``municipality`` and ``target_group``."""
    for agreement in agreements:
        for terms in agreement.terms_history:
            if terms_cover(terms, trajectory.municipality, region, str(trajectory.target_group)) is None:
                return True
    return False


def agreement_places(agreement: AgreementView) -> frozenset[str] | None:
    """The municipalities and regions any of an agreement's terms ever named; None when one of
    its terms named none, so that it can concern a trajectory anywhere."""
    if any(not t.municipalities and not t.regions for t in agreement.terms_history):
        return None
    return frozenset(p for t in agreement.terms_history for p in (*t.municipalities, *t.regions))


@dataclass(frozen=True)
class Reached:
    on: date
    placement_id: str | None = None


def trigger_reached(agreement: AgreementView, facts: TrajectoryFacts, day: date) -> Reached | None:
    """When the agreement's trigger was reached by ``day`` according to the facts, if it was."""
    trigger, phase = agreement.trigger, str(agreement.phase) if agreement.phase else None
    if trigger is Trigger.REGISTERED:
        return Reached(facts.registered_on)
    if trigger is Trigger.PHASE_STARTED:
        on = facts.phase_started.get(phase or "")
        return Reached(on) if on else None
    if trigger is Trigger.PHASE_COMPLETED:
        on = facts.phase_completed.get(phase or "")
        return Reached(on) if on else None
    if trigger is Trigger.CERTIFICATE_OBTAINED:
        dates = [on for on, p in facts.certificates if phase is None or p == phase]
        return Reached(min(dates)) if dates else None
    starts = sorted(facts.contracts.items(), key=lambda item: (item[1], item[0]))
    if trigger is Trigger.PLACEMENT_STARTED:
        return Reached(starts[0][1], starts[0][0]) if starts else None
    # A lasting placement: the contract has run the minimum months of the terms in force on
    # its start, without ending before that.
    for placement_id, start in starts:
        reached = add_months(start, agreement.terms_on(start).min_placement_months)
        end = facts.placement_ends.get(placement_id)
        if reached <= day and (end is None or end >= reached):
            return Reached(reached, placement_id)
    return None


def lapsed_on(agreement: AgreementView, facts: TrajectoryFacts, reached: Reached) -> date | None:
    """A started placement that ended inside the qualifying period (the terms' minimum months
    from its start) undoes the result: the date it lapsed, or None."""
    if agreement.trigger is not Trigger.PLACEMENT_STARTED or reached.placement_id is None:
        return None
    months = agreement.terms_on(reached.on).min_placement_months
    end = facts.placement_ends.get(reached.placement_id)
    if months and end is not None and end < add_months(reached.on, months):
        return end
    return None


@dataclass(frozen=True)
class Eligibility:
    """The outcome of checking a claim: the entitlement, or the condition not met."""

    trigger_on: date | None = None
    amount_cents: int = 0
    unmet: str | None = None
    detail: str = ""

    @property
    def eligible(self) -> bool:
        return self.unmet is None


def eligibility(agreement: AgreementView, facts: TrajectoryFacts, day: date) -> Eligibility:
    """Is a payment earned by ``day``, from the trajectory's facts alone? Names the unmet condition."""
    reached = trigger_reached(agreement, facts, day)
    terms = agreement.terms_on(reached.on if reached else day)
    unmet = terms_cover(terms, facts.municipality, facts.region, facts.target_group)
    if unmet == "municipality-or-region":
        return Eligibility(unmet=unmet, detail=f"the agreement does not cover municipality {facts.municipality} ({facts.region})")
    if unmet == "target-group":
        return Eligibility(unmet=unmet, detail=f"the agreement does not cover target group {facts.target_group}")
    if reached is None:
        what = f"{agreement.trigger}" + (f" ({agreement.phase})" if agreement.phase else "")
        return Eligibility(unmet="trigger-reached", detail=f"the trajectory has not reached {what} by {day}")
    if not agreement.covers_date(reached.on):
        until = agreement.valid_until.isoformat() if agreement.valid_until else "open-ended"
        return Eligibility(
            unmet="validity-period",
            detail=f"the trigger was reached on {reached.on}, outside the agreement's validity ({agreement.valid_from} to {until})",
        )
    ended = lapsed_on(agreement, facts, reached)
    if ended is not None and ended <= day:
        return Eligibility(
            unmet="minimum-placement-months",
            detail=f"the placement ended on {ended}, inside the minimum of {terms.min_placement_months} months",
        )
    return Eligibility(trigger_on=reached.on, amount_cents=terms.amount_cents)


# -- figures per agreement and trajectory ------------------------------------------------------------


FIGURES = ("committed", "due", "claimed", "approved", "paid", "lapsed", "to_recover", "savings", "net")


@dataclass
class Figures:
    committed: int = 0
    due: int = 0
    claimed: int = 0
    approved: int = 0
    paid: int = 0
    lapsed: int = 0
    to_recover: int = 0
    savings: int = 0
    net: int = 0

    def add(self, other: Figures) -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIGURES}


@dataclass(frozen=True)
class MoneyLine:
    agreement_id: UUID
    trajectory_id: UUID
    municipality: str
    payer_kind: PayerKind
    payer: str
    claimant: str | None
    kind: FinancingKind
    trigger_on: date | None
    status: str
    claim: ClaimView | None
    figures: Figures


def money_line(agreement: AgreementView, facts: TrajectoryFacts, claim: ClaimView | None, day: date) -> MoneyLine | None:
    """The figures of one agreement for one trajectory as of ``day``; None if it concerns it not."""
    f = Figures()
    reached = trigger_reached(agreement, facts, day)
    terms = agreement.terms_on(reached.on if reached else min(day, agreement.valid_until or day))
    covered = terms_cover(terms, facts.municipality, facts.region, facts.target_group) is None
    status = "not-covered"
    if covered and reached is not None and agreement.covers_date(reached.on):
        amount = terms.amount_cents
        ended = lapsed_on(agreement, facts, reached)
        if ended is not None and ended <= day:
            status = "lapsed"
            f.lapsed = amount
        else:
            status = "due"
            f.committed = f.due = amount
    elif covered and reached is None and not facts.dropped_out() and agreement.covers_date(max(day, agreement.valid_from)):
        status = "committed"
        f.committed = terms.amount_cents
    if claim is not None and claim.status is not ClaimStatus.REJECTED:
        f.claimed = claim.amount_cents
        if claim.status in (ClaimStatus.APPROVED, ClaimStatus.PAID):
            f.approved = claim.amount_cents
        if claim.status is ClaimStatus.PAID:
            f.paid = claim.amount_cents
            if status == "lapsed":
                f.to_recover = claim.amount_cents
    if status == "not-covered" and claim is None:
        return None
    f.net = -f.paid
    return MoneyLine(
        agreement_id=agreement.id,
        trajectory_id=facts.id,
        municipality=facts.municipality,
        payer_kind=agreement.payer_kind,
        payer=agreement.payer,
        claimant=agreement.claimant,
        kind=agreement.kind,
        trigger_on=reached.on if reached else None,
        status=status,
        claim=claim,
        figures=f,
    )
