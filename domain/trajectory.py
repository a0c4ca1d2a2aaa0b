"""The Trajectory aggregate: one candidate's leerwerktraject, recorded as events.

Every public command checks the rules of the route first and then calls one private method
decorated with ``@event``: that method *is* the event, and its body is a plain state change.
Each event carries its business date (``on``: when it happened in the world) and its actor
(subject, role, organisation); the library's event timestamp says when it was recorded.

Personal data (BSN, names, birth date) is not here: it lives in the ``Candidate`` aggregate,
so that it can be erased without touching the route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import route_rules
from domain.errors import NotFound, RuleViolation
from domain.route_model import BASELINE_MODEL_ID, EffectiveRoute, RouteTerms
from domain.values import (
    Actor,
    BenefitChangeKind,
    CertificateKind,
    DeviationRule,
    DropOutReason,
    GuaranteeEndReason,
    JobLevel,
    LanguageLevel,
    LanguageSkill,
    MilestoneTerms,
    Phase,
    PhaseStatus,
    PlacementEndReason,
    PlacementStatus,
    Role,
    SkipBasis,
    Stage,
    TargetGroup,
    TrajectoryStatus,
    add_months,
    check_cents,
    checked,
    validate_kvk,
    validate_municipality_code,
)


@dataclass
class PhaseState:
    status: PhaseStatus = PhaseStatus.NOT_STARTED
    started_on: date | None = None
    ended_on: date | None = None
    provider: str | None = None
    reason: str | None = None
    skip_basis: SkipBasis | None = None
    attempts: int = 0
    first_started_on: date | None = None


@dataclass
class PlacementState:
    placement_id: str
    employer_kvk: str
    employer_name: str
    function: str
    hours_per_week: int
    level: JobLevel
    proposed_on: date
    status: PlacementStatus = PlacementStatus.PROPOSED
    confirmed_on: date | None = None
    declined_on: date | None = None
    decline_reason: str | None = None
    contract_start_on: date | None = None
    ended_on: date | None = None
    end_reason: PlacementEndReason | None = None
    end_explanation: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status in (PlacementStatus.CONFIRMED, PlacementStatus.STARTED)


@dataclass
class GuaranteeState:
    issued_on: date
    issued_by: str
    check_ins: list[dict[str, Any]] = field(default_factory=list)
    ended_on: date | None = None
    end_reason: GuaranteeEndReason | None = None

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


@dataclass
class BenefitState:
    """The bijstand benefit as it stands: ``monthly_cents`` is 0 when none is paid."""

    monthly_cents: int
    since: date | None
    stopped_on: date | None = None

    @property
    def is_paid(self) -> bool:
        return self.monthly_cents > 0 and self.stopped_on is None


class Trajectory(Aggregate):
    """One candidate's route from registration to the 10-year guarantee."""

    # -- registration -----------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        *,
        trajectory_id: UUID,
        municipality: str,
        candidate_id: UUID,
        target_group: TargetGroup,
        on: date,
        today: date,
        benefit_monthly_cents: int,
        benefit_since: date | None,
        actor: Actor,
        route: EffectiveRoute | None = None,
    ) -> Trajectory:
        """``route``: the route model in force in the municipality's region on ``on``, which the
        route follows from now on (None: version 1, the baseline)."""
        checked("municipality", validate_municipality_code, municipality)
        if actor.role is not Role.KLANTMANAGER or actor.organisation != municipality:
            raise RuleViolation(
                "registration-by-own-municipality",
                "only a klantmanager of the municipality itself registers its candidates",
            )
        if on > today:
            raise RuleViolation("no-future-dates", f"registration date {on} lies after today ({today})")
        check_cents("benefit.monthlyAmountCents", benefit_monthly_cents, positive=False)
        if benefit_monthly_cents > 0 and benefit_since is None:
            raise RuleViolation("benefit-since-required", "a benefit paid at intake needs the date since when")
        if benefit_since is not None and benefit_since > on:
            raise RuleViolation("benefit-since-before-registration", "the benefit at intake cannot start after registration")
        return cls(
            id=trajectory_id,
            municipality=municipality,
            candidate_id=candidate_id,
            target_group=TargetGroup(target_group),
            on=on,
            benefit_monthly_cents=benefit_monthly_cents,
            benefit_since=benefit_since if benefit_monthly_cents > 0 else None,
            actor=actor,
            route_model=route.model_id if route is not None else BASELINE_MODEL_ID,
            route_variant=route.variant_id if route is not None else None,
        )

    class TrajectoryRegistered(Aggregate.Created):
        """v2: the route model (national version) and regional variant the route follows; a v1
        event was recorded before models were data, so its route follows version 1."""

        class_version = 2
        municipality: str
        candidate_id: UUID
        target_group: TargetGroup
        on: date
        benefit_monthly_cents: int
        benefit_since: date | None
        actor: Actor
        route_model: UUID
        route_variant: UUID | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["route_model"] = BASELINE_MODEL_ID
            state["route_variant"] = None

    @event(TrajectoryRegistered)
    def __init__(
        self,
        *,
        id: UUID,
        municipality: str,
        candidate_id: UUID,
        target_group: TargetGroup,
        on: date,
        benefit_monthly_cents: int,
        benefit_since: date | None,
        actor: Actor,
        route_model: UUID,
        route_variant: UUID | None,
    ) -> None:
        self.municipality = municipality
        self.route_model = route_model
        self.route_variant = route_variant
        self.candidate_id = candidate_id
        self.target_group = TargetGroup(target_group)
        self.registered_on = on
        self.status = TrajectoryStatus.ACTIVE
        self.phases: dict[Phase, PhaseState] = {p: PhaseState() for p in Phase}
        self.language_levels: dict[str, str] = {}
        self.language_assessments: list[dict[str, Any]] = []
        self.practice_periods: list[dict[str, Any]] = []
        self.certificates: list[dict[str, Any]] = []
        self.placements: dict[str, PlacementState] = {}
        self.guarantee: GuaranteeState | None = None
        self.drop_outs: list[dict[str, Any]] = []
        self.re_entries: list[dict[str, Any]] = []
        self.benefit_at_intake = BenefitState(benefit_monthly_cents, benefit_since)
        self.benefit = BenefitState(benefit_monthly_cents, benefit_since)
        self.deviations: list[dict[str, Any]] = []
        self.last_step_on = on
        self.lasting_placements: dict[str, date] = {}
        self.check_ins_due: list[date] = []
        self.stalled_since: date | None = None
        self.retention_hold: dict[str, Any] | None = None

    # -- derived ----------------------------------------------------------------------------

    @property
    def stage(self) -> Stage:
        if self.guarantee is not None and self.guarantee.is_active:
            return Stage.GUARANTEE
        if any(p.is_active for p in self.placements.values()):
            return Stage.PLACEMENT
        reached = [
            phase
            for phase, state in self.phases.items()
            if state.status in (PhaseStatus.IN_PROGRESS, PhaseStatus.COMPLETED)
        ]
        if reached:
            return Stage(max(reached, key=lambda p: p.order).value)
        return Stage.REGISTERED

    def placement(self, placement_id: str) -> PlacementState:
        try:
            return self.placements[placement_id]
        except KeyError:
            raise NotFound("placement", f"this trajectory has no placement {placement_id}") from None

    # -- shared guards ----------------------------------------------------------------------

    def _check_date(self, on: date, today: date, what: str) -> None:
        if on < self.registered_on:
            raise RuleViolation(
                "not-before-registration",
                f"{what} on {on} lies before the registration date {self.registered_on}",
            )
        if on > today:
            raise RuleViolation("no-future-dates", f"{what} on {on} lies after today ({today})")

    def _check_step(self, on: date, today: date, what: str) -> None:
        """A step of the route: the route must be active and the date plausible."""
        if self.status is TrajectoryStatus.DROPPED_OUT:
            raise RuleViolation(
                "no-steps-after-drop-out",
                f"the candidate dropped out on {self.drop_outs[-1]['on']}; record a re-entry before {what}",
            )
        self._check_date(on, today, what)

    @staticmethod
    def _check_klantmanager(actor: Actor, what: str) -> None:
        if actor.role is not Role.KLANTMANAGER:
            raise RuleViolation("klantmanager-only", f"only a klantmanager records {what}")

    # -- phases -----------------------------------------------------------------------------

    def start_phase(
        self, phase: Phase, *, on: date, today: date, provider: str | None, actor: Actor, route: EffectiveRoute | None = None
    ) -> None:
        """``route``: what the route follows (None: the baseline, where every phase is offered)."""
        phase = Phase(phase)
        self._check_klantmanager(actor, "the start of a phase")
        self._check_step(on, today, f"the start of {phase}")
        route_rules.check_offered(route, phase)
        state = self.phases[phase]
        if state.status in (PhaseStatus.IN_PROGRESS, PhaseStatus.COMPLETED, PhaseStatus.SKIPPED):
            raise RuleViolation("phase-starts-once", f"{phase} is already {state.status}")
        for earlier in Phase:
            if earlier.order >= phase.order:
                break
            earlier_status = self.phases[earlier].status
            if not route_rules.offered(route, earlier):
                continue  # not offered in the region: the route goes past it
            if earlier_status not in (PhaseStatus.COMPLETED, PhaseStatus.SKIPPED) and not self._deviation_in_force(
                DeviationRule.PHASE_ORDER, on
            ):
                raise RuleViolation(
                    "phases-in-order",
                    f"{phase} starts only after {earlier} is completed or skipped (it is {earlier_status})",
                )
            earlier_end = self.phases[earlier].ended_on
            if earlier_end is not None and on < earlier_end:
                raise RuleViolation("phases-in-order", f"{phase} cannot start before {earlier} ended on {earlier_end}")
        if phase is Phase.BEDRIJFSVAKSCHOOL and not provider:
            raise RuleViolation("provider-required", "the start of the bedrijfsvakschool names its provider")
        self._phase_started(phase=phase, on=on, provider=provider, actor=actor)

    @event("PhaseStarted")
    def _phase_started(self, *, phase: Phase, on: date, provider: str | None, actor: Actor) -> None:
        state = self.phases[Phase(phase)]
        state.status = PhaseStatus.IN_PROGRESS
        state.started_on = on
        state.ended_on = None
        state.reason = None
        state.provider = provider
        state.attempts += 1
        if state.first_started_on is None:
            state.first_started_on = on
        self._stepped(on)

    def complete_phase(self, phase: Phase, *, on: date, today: date, actor: Actor) -> None:
        phase = Phase(phase)
        self._check_klantmanager(actor, "the completion of a phase")
        self._check_step(on, today, f"the completion of {phase}")
        state = self._phase_in_progress(phase, "completed")
        if state.started_on is not None and on < state.started_on:
            raise RuleViolation("end-after-start", f"{phase} cannot end on {on}, before it started on {state.started_on}")
        self._phase_completed(phase=phase, on=on, actor=actor)

    @event("PhaseCompleted")
    def _phase_completed(self, *, phase: Phase, on: date, actor: Actor) -> None:
        state = self.phases[Phase(phase)]
        state.status = PhaseStatus.COMPLETED
        state.ended_on = on
        self._stepped(on)

    def end_phase_without_completion(self, phase: Phase, *, on: date, today: date, reason: str, actor: Actor) -> None:
        phase = Phase(phase)
        self._check_klantmanager(actor, "the end of a phase")
        self._check_step(on, today, f"the end of {phase}")
        state = self._phase_in_progress(phase, "ended")
        if state.started_on is not None and on < state.started_on:
            raise RuleViolation("end-after-start", f"{phase} cannot end on {on}, before it started on {state.started_on}")
        self._phase_ended_without_completion(phase=phase, on=on, reason=reason, actor=actor)

    @event("PhaseEndedWithoutCompletion")
    def _phase_ended_without_completion(self, *, phase: Phase, on: date, reason: str, actor: Actor) -> None:
        state = self.phases[Phase(phase)]
        state.status = PhaseStatus.ENDED_WITHOUT_COMPLETION
        state.ended_on = on
        state.reason = reason
        self._stepped(on)

    def skip_phase(
        self, phase: Phase, *, on: date, today: date, basis: SkipBasis, reason: str, actor: Actor,
        route: EffectiveRoute | None = None,
    ) -> None:
        phase = Phase(phase)
        self._check_klantmanager(actor, "the decision to skip a phase")
        self._check_step(on, today, f"skipping {phase}")
        state = self.phases[phase]
        if state.status is not PhaseStatus.NOT_STARTED:
            raise RuleViolation("skip-only-unstarted-phase", f"{phase} is {state.status}; only a phase not yet started can be skipped")
        route_rules.check_skip(route, phase, SkipBasis(basis))
        self._phase_skipped(phase=phase, on=on, basis=SkipBasis(basis), reason=reason, actor=actor)

    @event("PhaseSkipped")
    def _phase_skipped(self, *, phase: Phase, on: date, basis: SkipBasis, reason: str, actor: Actor) -> None:
        state = self.phases[Phase(phase)]
        state.status = PhaseStatus.SKIPPED
        state.skip_basis = SkipBasis(basis)
        state.reason = reason
        state.ended_on = on
        self._stepped(on)

    def _phase_in_progress(self, phase: Phase, verb: str) -> PhaseState:
        state = self.phases[phase]
        if state.status is not PhaseStatus.IN_PROGRESS:
            raise RuleViolation("phase-must-be-in-progress", f"{phase} cannot be {verb}: it is {state.status}")
        return state

    # -- pre-trajectory facts -----------------------------------------------------------------

    def assess_language(
        self, *, on: date, today: date, levels: dict[LanguageSkill, LanguageLevel], actor: Actor
    ) -> None:
        self._check_klantmanager(actor, "a language assessment")
        self._check_step(on, today, "a language assessment")
        if not levels:
            raise RuleViolation("language-levels-required", "an assessment names the level of at least one skill")
        self._require_phase_started(Phase.PRE_TRAJECTORY, on, "a language assessment")
        normalised = {str(LanguageSkill(k)): str(LanguageLevel(v)) for k, v in levels.items()}
        self._language_assessed(on=on, levels=normalised, actor=actor)

    @event("LanguageLevelsAssessed")
    def _language_assessed(self, *, on: date, levels: dict[str, str], actor: Actor) -> None:
        self.language_levels.update(levels)
        self.language_assessments.append({"on": on, "levels": dict(levels)})
        self._stepped(on)

    def record_practice(
        self,
        *,
        practice_id: str,
        on: date,
        until: date | None,
        today: date,
        description: str,
        hours_per_week: int,
        actor: Actor,
    ) -> None:
        self._check_klantmanager(actor, "a practice period")
        self._check_step(on, today, "a practice period")
        self._require_phase_started(Phase.PRE_TRAJECTORY, on, "a practice period")
        if until is not None and until < on:
            raise RuleViolation("end-after-start", f"a practice period cannot end on {until}, before it starts on {on}")
        if not 0 < hours_per_week <= 60:
            raise RuleViolation("plausible-hours", "hours per week lie between 1 and 60")
        self._practice_recorded(
            practice_id=practice_id, on=on, until=until, description=description, hours_per_week=hours_per_week, actor=actor
        )

    @event("PracticePeriodRecorded")
    def _practice_recorded(
        self, *, practice_id: str, on: date, until: date | None, description: str, hours_per_week: int, actor: Actor
    ) -> None:
        self.practice_periods.append(
            {"id": practice_id, "on": on, "until": until, "description": description, "hours_per_week": hours_per_week}
        )
        self._stepped(on)

    def obtain_certificate(
        self,
        *,
        certificate_id: str,
        phase: Phase,
        kind: CertificateKind,
        title: str,
        on: date,
        today: date,
        actor: Actor,
    ) -> None:
        phase = Phase(phase)
        self._check_klantmanager(actor, "a certificate")
        self._check_step(on, today, "a certificate")
        if phase is Phase.ORIENTATION:
            raise RuleViolation("certificate-phase", "certificates are obtained in the pre-trajectory or the bedrijfsvakschool")
        self._require_phase_started(phase, on, "a certificate")
        self._certificate_obtained(
            certificate_id=certificate_id, phase=phase, kind=CertificateKind(kind), title=title, on=on, actor=actor
        )

    @event("CertificateObtained")
    def _certificate_obtained(
        self, *, certificate_id: str, phase: Phase, kind: CertificateKind, title: str, on: date, actor: Actor
    ) -> None:
        self.certificates.append({"id": certificate_id, "phase": Phase(phase), "kind": CertificateKind(kind), "title": title, "on": on})
        self._stepped(on)

    def _require_phase_started(self, phase: Phase, on: date, what: str) -> None:
        state = self.phases[phase]
        if state.started_on is None or state.status in (PhaseStatus.NOT_STARTED, PhaseStatus.SKIPPED):
            raise RuleViolation("phase-must-have-started", f"{what} belongs to {phase}, which has not started")
        if on < state.started_on:
            raise RuleViolation("phase-must-have-started", f"{what} on {on} lies before {phase} started on {state.started_on}")

    # -- placements -------------------------------------------------------------------------

    def propose_placement(
        self,
        *,
        placement_id: str,
        employer_kvk: str,
        employer_name: str,
        function: str,
        hours_per_week: int,
        level: JobLevel,
        on: date,
        today: date,
        actor: Actor,
    ) -> None:
        checked("employer.kvkNumber", validate_kvk, employer_kvk)
        self._check_klantmanager(actor, "a placement proposal")
        self._check_step(on, today, "a placement proposal")
        if not 0 < hours_per_week <= 60:
            raise RuleViolation("plausible-hours", "hours per week lie between 1 and 60")
        for other in self.placements.values():
            if other.employer_kvk == employer_kvk and other.status is PlacementStatus.PROPOSED:
                raise RuleViolation(
                    "one-open-proposal-per-employer",
                    f"placement {other.placement_id} with this employer still awaits its answer",
                )
        self._placement_proposed(
            placement_id=placement_id,
            employer_kvk=employer_kvk,
            employer_name=employer_name,
            function=function,
            hours_per_week=hours_per_week,
            level=JobLevel(level),
            on=on,
            actor=actor,
        )

    @event("PlacementProposed")
    def _placement_proposed(
        self,
        *,
        placement_id: str,
        employer_kvk: str,
        employer_name: str,
        function: str,
        hours_per_week: int,
        level: JobLevel,
        on: date,
        actor: Actor,
    ) -> None:
        self.placements[placement_id] = PlacementState(
            placement_id=placement_id,
            employer_kvk=employer_kvk,
            employer_name=employer_name,
            function=function,
            hours_per_week=hours_per_week,
            level=JobLevel(level),
            proposed_on=on,
        )
        self._stepped(on)

    def _employer_answer(self, placement_id: str, on: date, today: date, actor: Actor, what: str) -> PlacementState:
        placement = self.placement(placement_id)
        if actor.role is not Role.EMPLOYER or actor.organisation != placement.employer_kvk:
            raise RuleViolation(
                "employer-answers-own-proposal",
                f"placement {placement_id} was proposed to employer {placement.employer_kvk}; only that employer {what} it",
            )
        self._check_step(on, today, f"the {what[:-1] if what.endswith('s') else what} of a placement")
        if placement.status is not PlacementStatus.PROPOSED:
            raise RuleViolation("placement-must-be-proposed", f"placement {placement_id} is {placement.status}, not awaiting an answer")
        if on < placement.proposed_on:
            raise RuleViolation("answer-after-proposal", f"the answer on {on} lies before the proposal on {placement.proposed_on}")
        return placement

    def confirm_placement(self, placement_id: str, *, on: date, today: date, actor: Actor) -> None:
        self._employer_answer(placement_id, on, today, actor, "confirms")
        self._placement_confirmed(placement_id=placement_id, on=on, actor=actor)

    @event("PlacementConfirmed")
    def _placement_confirmed(self, *, placement_id: str, on: date, actor: Actor) -> None:
        placement = self.placements[placement_id]
        placement.status = PlacementStatus.CONFIRMED
        placement.confirmed_on = on
        self._stepped(on)

    def decline_placement(self, placement_id: str, *, on: date, today: date, reason: str, actor: Actor) -> None:
        self._employer_answer(placement_id, on, today, actor, "declines")
        self._placement_declined(placement_id=placement_id, on=on, reason=reason, actor=actor)

    @event("PlacementDeclined")
    def _placement_declined(self, *, placement_id: str, on: date, reason: str, actor: Actor) -> None:
        placement = self.placements[placement_id]
        placement.status = PlacementStatus.DECLINED
        placement.declined_on = on
        placement.decline_reason = reason
        self._stepped(on)

    def _check_employer_or_klantmanager(self, placement: PlacementState, actor: Actor, what: str) -> None:
        if actor.role is Role.KLANTMANAGER:
            return
        if actor.role is Role.EMPLOYER and actor.organisation == placement.employer_kvk:
            return
        raise RuleViolation("placement-party-only", f"only the employer or the klantmanager records {what}")

    def start_contract(self, placement_id: str, *, on: date, today: date, hours_per_week: int, actor: Actor) -> None:
        placement = self.placement(placement_id)
        self._check_employer_or_klantmanager(placement, actor, "the contract start")
        self._check_step(on, today, "a contract start")
        if placement.status is not PlacementStatus.CONFIRMED:
            raise RuleViolation(
                "contract-needs-confirmed-placement",
                f"placement {placement_id} is {placement.status}; the employer confirms it before the contract starts",
            )
        assert placement.confirmed_on is not None
        if on < placement.proposed_on:
            raise RuleViolation("contract-after-proposal", f"the contract start {on} lies before the proposal on {placement.proposed_on}")
        if not 0 < hours_per_week <= 60:
            raise RuleViolation("plausible-hours", "hours per week lie between 1 and 60")
        self._contract_started(placement_id=placement_id, on=on, hours_per_week=hours_per_week, actor=actor)

    @event("ContractStarted")
    def _contract_started(self, *, placement_id: str, on: date, hours_per_week: int, actor: Actor) -> None:
        placement = self.placements[placement_id]
        placement.status = PlacementStatus.STARTED
        placement.contract_start_on = on
        placement.hours_per_week = hours_per_week
        self._stepped(on)

    def end_placement(
        self, placement_id: str, *, on: date, today: date, reason: PlacementEndReason, explanation: str | None, actor: Actor
    ) -> None:
        placement = self.placement(placement_id)
        self._check_employer_or_klantmanager(placement, actor, "the end of a placement")
        self._check_step(on, today, "the end of a placement")
        if not placement.is_active:
            raise RuleViolation("placement-must-be-active", f"placement {placement_id} is {placement.status}; only an active placement ends")
        begin = placement.contract_start_on or placement.confirmed_on
        assert begin is not None
        if on < begin:
            raise RuleViolation("end-after-start", f"placement {placement_id} cannot end on {on}, before {begin}")
        self._placement_ended(
            placement_id=placement_id, on=on, reason=PlacementEndReason(reason), explanation=explanation, actor=actor
        )

    @event("PlacementEnded")
    def _placement_ended(
        self, *, placement_id: str, on: date, reason: PlacementEndReason, explanation: str | None, actor: Actor
    ) -> None:
        placement = self.placements[placement_id]
        placement.status = PlacementStatus.ENDED
        placement.ended_on = on
        placement.end_reason = PlacementEndReason(reason)
        placement.end_explanation = explanation
        self._stepped(on)

    # -- the 10-year work and development guarantee --------------------------------------------

    def issue_guarantee(self, *, on: date, today: date, issued_by: str, actor: Actor) -> None:
        self._check_klantmanager(actor, "the work and development guarantee")
        self._check_step(on, today, "the guarantee")
        if self.guarantee is not None and self.guarantee.is_active:
            raise RuleViolation("one-guarantee", f"a guarantee was already issued on {self.guarantee.issued_on}")
        confirmed = [p for p in self.placements.values() if p.is_active and p.confirmed_on is not None and p.confirmed_on <= on]
        if not confirmed:
            raise RuleViolation(
                "guarantee-needs-confirmed-placement",
                "the guarantee is issued only while a placement confirmed by its employer runs",
            )
        if not issued_by.strip():
            raise RuleViolation("guarantee-issuer-required", "the guarantee names who issued it")
        self._guarantee_issued(on=on, issued_by=issued_by, actor=actor)

    @event("GuaranteeIssued")
    def _guarantee_issued(self, *, on: date, issued_by: str, actor: Actor) -> None:
        self.guarantee = GuaranteeState(issued_on=on, issued_by=issued_by)
        self._stepped(on)

    def record_guarantee_check_in(self, *, on: date, today: date, summary: str, actor: Actor) -> None:
        self._check_klantmanager(actor, "a guarantee check-in")
        self._check_step(on, today, "a guarantee check-in")
        guarantee = self._active_guarantee()
        if on < guarantee.issued_on:
            raise RuleViolation("check-in-after-issue", f"a check-in on {on} lies before the guarantee was issued on {guarantee.issued_on}")
        self._guarantee_checked_in(on=on, summary=summary, actor=actor)

    @event("GuaranteeCheckInRecorded")
    def _guarantee_checked_in(self, *, on: date, summary: str, actor: Actor) -> None:
        assert self.guarantee is not None
        self.guarantee.check_ins.append({"on": on, "summary": summary})
        self._stepped(on)

    def end_guarantee(self, *, on: date, today: date, reason: GuaranteeEndReason, actor: Actor) -> None:
        self._check_klantmanager(actor, "the end of the guarantee")
        self._check_step(on, today, "the end of the guarantee")
        guarantee = self._active_guarantee()
        if on < guarantee.issued_on:
            raise RuleViolation("end-after-start", f"the guarantee cannot end on {on}, before it was issued on {guarantee.issued_on}")
        self._guarantee_ended(on=on, reason=GuaranteeEndReason(reason), actor=actor)

    @event("GuaranteeEnded")
    def _guarantee_ended(self, *, on: date, reason: GuaranteeEndReason, actor: Actor) -> None:
        assert self.guarantee is not None
        self.guarantee.ended_on = on
        self.guarantee.end_reason = GuaranteeEndReason(reason)
        self._stepped(on)

    def _active_guarantee(self) -> GuaranteeState:
        if self.guarantee is None or not self.guarantee.is_active:
            raise RuleViolation("guarantee-must-be-active", "this trajectory has no active work and development guarantee")
        return self.guarantee

    # -- drop-out and re-entry ------------------------------------------------------------------

    def drop_out(
        self, *, on: date, today: date, reason: str, explanation: str, actor: Actor, route: EffectiveRoute | None = None,
        sub_reason: str | None = None,
    ) -> None:
        """``reason``: a national category, or a sub-reason of the route's regional variant (the
        event records its category as ``reason`` and the sub-reason apart); or the category with
        a ``sub_reason`` of it."""
        self._check_klantmanager(actor, "a drop-out")
        self._check_step(on, today, "a drop-out")
        category, sub_reason = route_rules.drop_out_reason(route, reason, sub_reason)
        active = [p.placement_id for p in self.placements.values() if p.is_active]
        if active:
            raise RuleViolation("end-placement-before-drop-out", f"end placement {active[0]} before recording a drop-out")
        self._dropped_out(on=on, reason=category, sub_reason=sub_reason, explanation=explanation, stage=self.stage, actor=actor)

    class DroppedOut(Aggregate.Event):
        """v2: ``reason`` is the national category, ``sub_reason`` the region's own (or None)."""

        class_version = 2
        on: date
        reason: DropOutReason
        sub_reason: str | None
        explanation: str
        stage: Stage
        actor: Actor

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["sub_reason"] = None

    @event(DroppedOut)
    def _dropped_out(
        self, *, on: date, reason: DropOutReason, sub_reason: str | None, explanation: str, stage: Stage, actor: Actor
    ) -> None:
        self.status = TrajectoryStatus.DROPPED_OUT
        for state in self.phases.values():
            if state.status is PhaseStatus.IN_PROGRESS:
                state.status = PhaseStatus.ENDED_WITHOUT_COMPLETION
                state.ended_on = on
                state.reason = "drop-out"
        drop_out: dict[str, Any] = {"on": on, "reason": DropOutReason(reason), "explanation": explanation, "stage": Stage(stage)}
        if sub_reason is not None:
            drop_out["sub_reason"] = sub_reason
        self.drop_outs.append(drop_out)
        self._stepped(on)

    def re_enter(self, *, on: date, today: date, explanation: str, actor: Actor) -> None:
        self._check_klantmanager(actor, "a re-entry")
        if self.status is not TrajectoryStatus.DROPPED_OUT:
            raise RuleViolation("re-entry-after-drop-out", "only a candidate who dropped out can re-enter")
        self._check_date(on, today, "a re-entry")
        if on < self.drop_outs[-1]["on"]:
            raise RuleViolation("re-entry-after-drop-out", f"the re-entry on {on} lies before the drop-out on {self.drop_outs[-1]['on']}")
        self._re_entered(on=on, explanation=explanation, actor=actor)

    @event("ReEntered")
    def _re_entered(self, *, on: date, explanation: str, actor: Actor) -> None:
        self.status = TrajectoryStatus.ACTIVE
        self.re_entries.append({"on": on, "explanation": explanation})
        self._stepped(on)

    # -- the bijstand benefit ------------------------------------------------------------------

    def change_benefit(
        self, *, kind: BenefitChangeKind, on: date, today: date, monthly_cents: int | None, actor: Actor
    ) -> None:
        """Benefit changes are facts about the bijstand, not steps of the route: they are
        recorded after a drop-out too."""
        kind = BenefitChangeKind(kind)
        self._check_klantmanager(actor, "a benefit change")
        self._check_date(on, today, "a benefit change")
        current = self.benefit
        if current.since is not None and on < current.since:
            raise RuleViolation("benefit-changes-in-order", f"a benefit change on {on} lies before the last one on {current.since}")
        if kind is BenefitChangeKind.STOPPED:
            if not current.is_paid:
                raise RuleViolation("benefit-must-be-paid", "the benefit is not paid, so it cannot stop")
            self._benefit_stopped(on=on, actor=actor)
            return
        if monthly_cents is None:
            raise RuleViolation("amount-required", f"a benefit that is {kind} states its new monthly amount")
        check_cents("monthlyAmountCents", monthly_cents, positive=True)
        if kind is BenefitChangeKind.REDUCED:
            if not current.is_paid:
                raise RuleViolation("benefit-must-be-paid", "the benefit is not paid, so it cannot be reduced")
            if monthly_cents >= current.monthly_cents:
                raise RuleViolation(
                    "reduction-lowers-amount",
                    f"a reduced benefit is less than the current {current.monthly_cents} cents a month",
                )
            self._benefit_reduced(on=on, monthly_cents=monthly_cents, actor=actor)
        else:
            if current.is_paid:
                raise RuleViolation("benefit-must-be-stopped", "the benefit is still paid, so it cannot resume")
            self._benefit_resumed(on=on, monthly_cents=monthly_cents, actor=actor)

    @event("BenefitReduced")
    def _benefit_reduced(self, *, on: date, monthly_cents: int, actor: Actor) -> None:
        self.benefit = BenefitState(monthly_cents, on)

    @event("BenefitStopped")
    def _benefit_stopped(self, *, on: date, actor: Actor) -> None:
        self.benefit = BenefitState(self.benefit.monthly_cents, on, stopped_on=on)

    @event("BenefitResumed")
    def _benefit_resumed(self, *, on: date, monthly_cents: int, actor: Actor) -> None:
        self.benefit = BenefitState(monthly_cents, on)

    # -- maatwerk -----------------------------------------------------------------------------

    def grant_deviation(
        self,
        *,
        deviation_id: str,
        rule: DeviationRule,
        reason: str,
        on: date,
        until: date,
        granted_by: str,
        today: date,
        actor: Actor,
        norm: str | None = None,
        norm_weeks: int | None = None,
        route: EffectiveRoute | None = None,
    ) -> None:
        """``norm``/``norm_weeks``: a deviation of ``training-duration`` may name the norm it
        departs from (a norm key such as ``pre-trajectory.practice``) and its weeks for its period."""
        self._check_klantmanager(actor, "a maatwerk deviation")
        norm = route_rules.check_deviation_norm(route, DeviationRule(rule), norm, norm_weeks)
        if on < self.registered_on:
            raise RuleViolation("not-before-registration", f"a deviation from {on} lies before the registration on {self.registered_on}")
        if until < on:
            raise RuleViolation("end-after-start", f"a deviation cannot end on {until}, before it starts on {on}")
        if not reason.strip() or not granted_by.strip():
            raise RuleViolation("deviation-reasoned", "a deviation states its reason and who granted it")
        self._deviation_granted(
            deviation_id=deviation_id, rule=DeviationRule(rule), reason=reason, on=on, until=until, granted_by=granted_by,
            norm=norm, norm_weeks=norm_weeks, actor=actor,
        )

    class DeviationGranted(Aggregate.Event):
        """v2: the norm a ``training-duration`` deviation departs from and its weeks (or None)."""

        class_version = 2
        deviation_id: str
        rule: DeviationRule
        reason: str
        on: date
        until: date
        granted_by: str
        norm: str | None
        norm_weeks: int | None
        actor: Actor

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["norm"] = None
            state["norm_weeks"] = None

    @event(DeviationGranted)
    def _deviation_granted(
        self, *, deviation_id: str, rule: DeviationRule, reason: str, on: date, until: date, granted_by: str,
        norm: str | None, norm_weeks: int | None, actor: Actor,
    ) -> None:
        deviation: dict[str, Any] = {
            "id": deviation_id, "rule": DeviationRule(rule), "reason": reason, "on": on, "until": until, "granted_by": granted_by
        }
        if norm is not None:
            deviation.update(norm=norm, norm_weeks=norm_weeks)
        self.deviations.append(deviation)

    def _deviation_in_force(self, rule: DeviationRule, on: date) -> bool:
        return any(d["rule"] == rule and d["on"] <= on <= d["until"] for d in self.deviations)

    # -- milestones that time alone makes due ------------------------------------------------------

    @property
    def is_stalled(self) -> bool:
        """Flagged as stalled and no step since."""
        return self.stalled_since is not None and self.stalled_since == self.last_step_on

    def open_check_ins(self, terms: MilestoneTerms | RouteTerms) -> list[date]:
        """Due guarantee check-ins not yet held (a check-in up to the window before counts)."""
        if self.guarantee is None or not self.guarantee.is_active:
            return []
        held = [c["on"] for c in self.guarantee.check_ins]
        return [
            due
            for due in self.check_ins_due
            if not any(on >= due - timedelta(days=terms.check_in_window_days) for on in held)
        ]

    def due_milestones(self, today: date, terms: MilestoneTerms | RouteTerms) -> list[tuple[date, str, dict[str, Any]]]:
        """The milestones due by ``today`` that are not recorded yet, oldest first."""
        due: list[tuple[date, str, dict[str, Any]]] = []
        for p in self.placements.values():
            if p.contract_start_on is None or p.placement_id in self.lasting_placements:
                continue
            reached_on = add_months(p.contract_start_on, terms.lasting_placement_months)
            if reached_on <= today and (p.ended_on is None or p.ended_on >= reached_on):
                due.append((reached_on, "lasting", {"placement_id": p.placement_id, "on": reached_on}))
        if self.guarantee is not None and self.guarantee.is_active:
            step = 1
            while True:
                on = add_months(self.guarantee.issued_on, step * terms.check_in_interval_months)
                if on > today or on > add_months(self.guarantee.issued_on, 12 * terms.guarantee_years):
                    break
                if on not in self.check_ins_due:
                    due.append((on, "check-in", {"on": on}))
                step += 1
        if (
            self.status is TrajectoryStatus.ACTIVE
            and self.stage not in (Stage.PLACEMENT, Stage.GUARANTEE)
            and not self.is_stalled
        ):
            on = self.last_step_on + timedelta(weeks=terms.stall_weeks)
            if on <= today:
                due.append((on, "stalled", {"on": on, "last_step_on": self.last_step_on}))
        return sorted(due, key=lambda item: item[0])

    def next_milestone_on(self, terms: MilestoneTerms | RouteTerms) -> date | None:
        """When the next time-driven milestone falls due, as things stand; None if none will."""
        upcoming = self.due_milestones(date.max, terms)
        return upcoming[0][0] if upcoming else None

    def record_due_milestones(self, *, today: date, terms: MilestoneTerms | RouteTerms, actor: Actor) -> int:
        """Record what time has made due; running it again records nothing new."""
        recorders: dict[str, Callable[..., None]] = {
            "lasting": self._lasting_placement_reached,
            "check-in": self._check_in_became_due,
            "stalled": self._route_stalled,
        }
        milestones = self.due_milestones(today, terms)
        for _, kind, data in milestones:
            recorders[kind](**data, actor=actor)
        return len(milestones)

    @event("LastingPlacementReached")
    def _lasting_placement_reached(self, *, placement_id: str, on: date, actor: Actor) -> None:
        self.lasting_placements[placement_id] = on

    @event("GuaranteeCheckInDue")
    def _check_in_became_due(self, *, on: date, actor: Actor) -> None:
        self.check_ins_due.append(on)

    @event("RouteStalled")
    def _route_stalled(self, *, on: date, last_step_on: date, actor: Actor) -> None:
        self.stalled_since = last_step_on

    # -- the route model ---------------------------------------------------------------------------

    def move_route(self, *, current: EffectiveRoute, target: EffectiveRoute, on: date, today: date, reason: str, actor: Actor) -> None:
        """Follow another (newer) version of the route model from ``on``: a recorded decision."""
        self._check_date(on, today, "a change of route model")
        route_rules.check_move(current, target, reason)
        self._route_model_changed(on=on, route_model=target.model_id, route_variant=target.variant_id, reason=reason.strip(),
                                  actor=actor)

    @event("RouteModelChanged")
    def _route_model_changed(self, *, on: date, route_model: UUID, route_variant: UUID | None, reason: str, actor: Actor) -> None:
        self.route_model = route_model
        self.route_variant = route_variant

    # -- retention (bewaartermijn) ----------------------------------------------------------------

    def hold_retention(self, *, on: date, today: date, reason: str, actor: Actor) -> None:
        """Keep the candidate's personal data past the retention term (a documented hold, such
        as a pending objection or court case); the rules of the term are in ``domain.retention``."""
        if not reason.strip():
            raise RuleViolation("hold-reason-required", "a retention hold states its reason")
        if self.retention_hold is not None:
            raise RuleViolation("one-retention-hold", f"the route is held since {self.retention_hold['on']}")
        self._check_date(on, today, "a retention hold")
        self._retention_held(on=on, reason=reason.strip(), actor=actor)

    @event("RetentionHeld")
    def _retention_held(self, *, on: date, reason: str, actor: Actor) -> None:
        self.retention_hold = {"on": on, "reason": reason, "by": actor.subject}

    def end_retention_hold(self, *, on: date, today: date, reason: str, actor: Actor) -> None:
        """The reason to keep the personal data is gone: the retention term applies again."""
        self._check_date(on, today, "the end of a retention hold")
        if not reason.strip():
            raise RuleViolation("hold-reason-required", "the end of a retention hold states its reason")
        if self.retention_hold is None:
            raise RuleViolation("retention-held", "the route is not held")
        if on < self.retention_hold["on"]:
            raise RuleViolation("end-after-start", f"the hold cannot end on {on}, before it began on {self.retention_hold['on']}")
        self._retention_hold_ended(on=on, reason=reason.strip(), actor=actor)

    @event("RetentionHoldEnded")
    def _retention_hold_ended(self, *, on: date, reason: str, actor: Actor) -> None:
        self.retention_hold = None

    # -- bookkeeping --------------------------------------------------------------------------

    def _stepped(self, on: date) -> None:
        if on > self.last_step_on:
            self.last_step_on = on
