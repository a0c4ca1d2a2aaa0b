"""The commands leerroute offers, as an eventsourcing application.

Each command loads a trajectory, checks the caller's expected version (``If-Match``), calls one
domain method and saves the new events inside the caller's database session, so that the
events, the idempotency record and anything else of that request commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder, StoredEvent
from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.database import lock_aggregate
from adapters.eventstore import register_transcodings
from adapters.personal_data import PersonalDataVault
from adapters.tables import events
from adapters.unit_of_work import forget_requests_about
from domain.candidate import Candidate, PersonalData
from domain.errors import RuleViolation
from domain.financing import (
    Claim,
    FinancingAgreement,
    FinancingKind,
    Ineligible,
    InvalidField,
    PayerKind,
    Terms,
    Trigger,
    claim_id_for,
)
from domain.money import AsOf, LoggedEvent, eligibility, logged, trajectory_facts
from domain.trajectory import Trajectory
from domain.values import SYSTEM_ACTOR, Actor, MilestoneTerms, Phase, Role, TargetGroup


class TrajectoryNotFound(Exception):
    def __init__(self, trajectory_id: UUID):
        super().__init__(f"no trajectory {trajectory_id}")
        self.trajectory_id = trajectory_id


class VersionMismatch(Exception):
    """The caller's ``If-Match`` names a version of a trajectory, agreement or claim that is no
    longer the current one."""

    def __init__(self, expected: int, actual: int):
        super().__init__(f"expected version {expected}, it is at version {actual} now")
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class Outcome:
    """What a command produced: the trajectory as it now stands and the last log position."""

    trajectory: Trajectory
    position: int
    result_id: str | None = None
    candidate: Candidate | None = None  # when the command changed the candidate


class AgreementNotFound(Exception):
    def __init__(self, agreement_id: UUID):
        super().__init__(f"no financing agreement {agreement_id}")
        self.agreement_id = agreement_id


class ClaimNotFound(Exception):
    def __init__(self, claim_id: UUID):
        super().__init__(f"no claim {claim_id}")
        self.claim_id = claim_id


@dataclass(frozen=True)
class MoneyOutcome:
    """What a money command produced: the agreement or claim as it now stands."""

    aggregate: FinancingAgreement | Claim
    position: int


@dataclass(frozen=True)
class CandidateFacts:
    """The candidate of a trajectory as far as it can be known: always a stable pseudonym; the
    personal data while it exists; the date of erasure once erased."""

    pseudonym: str
    person: PersonalData | None
    erased_on: date | None


class LeerrouteApplication(Application):
    name = "Leerroute"

    def __init__(
        self, env: dict[str, str], *, pseudonymise: Callable[..., str], vault: PersonalDataVault
    ):
        super().__init__(env)
        self._pseudonymise = pseudonymise
        self._vault = vault

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    # -- queries on the log ---------------------------------------------------------------------

    def get_trajectory(self, trajectory_id: UUID) -> Trajectory:
        try:
            aggregate = self.repository.get(trajectory_id)
        except AggregateNotFoundError:
            raise TrajectoryNotFound(trajectory_id) from None
        if not isinstance(aggregate, Trajectory):
            raise TrajectoryNotFound(trajectory_id)
        return aggregate

    def get_candidate(self, candidate_id: UUID) -> Candidate | None:
        try:
            aggregate = self.repository.get(candidate_id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, Candidate) else None

    def find_candidate(self, municipality: str, bsn: str, *, session: Session | None = None) -> Candidate | None:
        candidate_id = self._vault.find(municipality, self._pseudonymise(bsn, purpose="bsn"), session=session)
        return self.get_candidate(candidate_id) if candidate_id is not None else None

    @property
    def vault(self) -> PersonalDataVault:
        return self._vault

    def candidate_pseudonym(self, candidate_id: UUID) -> str:
        """A stable pseudonym of a candidate: the same in every read, unlinkable without the key."""
        return self._pseudonymise(str(candidate_id), purpose="candidate")[:32]

    def candidate_facts(self, trajectory: Trajectory, *, session: Session | None = None) -> CandidateFacts:
        candidate = self.get_candidate(trajectory.candidate_id)
        person = None
        erased_on = None
        if candidate is not None:
            erased_on = candidate.erased_on
            if not candidate.is_erased:
                person = self._vault.open(candidate.id, candidate.sealed, session=session)
        return CandidateFacts(self.candidate_pseudonym(trajectory.candidate_id), person, erased_on)

    def load_in(self, session: Session, aggregate_id: UUID) -> Aggregate | None:
        """An aggregate as committed, read on the command's own connection and transaction
        (after its lock): one query, where the repository would check out a second connection."""
        rows = session.execute(
            select(events.c.originator_version, events.c.topic, events.c.state)
            .where(events.c.originator_id == aggregate_id)
            .order_by(events.c.originator_version)
        ).all()
        aggregate = None
        for version, topic, state in rows:
            stored = StoredEvent(originator_id=aggregate_id, originator_version=version, topic=topic, state=bytes(state))
            aggregate = self.mapper.to_domain_event(stored).mutate(aggregate)
        return aggregate

    def events_in(self, session: Session, aggregate_ids: Iterable[UUID]) -> dict[UUID, list[Any]]:
        """The events of several aggregates, in version order, read in one query on ``session``
        (a projection's batch needs many histories: one round trip instead of one each)."""
        ids = list(aggregate_ids)
        histories: dict[UUID, list[Any]] = {i: [] for i in ids}
        if not ids:
            return histories
        rows = session.execute(
            select(events.c.originator_id, events.c.originator_version, events.c.topic, events.c.state)
            .where(events.c.originator_id.in_(ids))
            .order_by(events.c.originator_id, events.c.originator_version)
        )
        for aggregate_id, version, topic, state in rows:
            stored = StoredEvent(originator_id=aggregate_id, originator_version=version, topic=topic, state=bytes(state))
            histories[aggregate_id].append(self.mapper.to_domain_event(stored))
        return histories

    def trajectory_in(self, session: Session, trajectory_id: UUID) -> Trajectory:
        aggregate = self.load_in(session, trajectory_id)
        if not isinstance(aggregate, Trajectory):
            raise TrajectoryNotFound(trajectory_id)
        return aggregate

    def history(self, trajectory_id: UUID) -> list[Any]:
        self.get_trajectory(trajectory_id)
        return list(self.events.get(trajectory_id))

    # -- commands ---------------------------------------------------------------------------

    def register_trajectory(
        self,
        *,
        session: Session,
        actor: Actor,
        today: date,
        person: PersonalData,
        target_group: TargetGroup,
        registered_on: date,
        benefit_monthly_cents: int,
        benefit_since: date | None,
    ) -> Outcome:
        found = self._vault.find(actor.organisation, self._pseudonymise(person.bsn, purpose="bsn"), session=session)
        existing = self.load_in(session, found) if found is not None else None
        if isinstance(existing, Candidate):
            raise RuleViolation(
                "one-trajectory-per-candidate",
                f"this candidate is already registered in {actor.organisation} (trajectory {existing.trajectory_id})",
            )
        trajectory_id = uuid4()
        candidate = self.new_candidate(
            session, municipality=actor.organisation, person=person, registered_on=registered_on,
            trajectory_id=trajectory_id, actor=actor,
        )
        trajectory = Trajectory.register(
            trajectory_id=trajectory_id,
            municipality=actor.organisation,
            candidate_id=candidate.id,
            target_group=target_group,
            on=registered_on,
            today=today,
            benefit_monthly_cents=benefit_monthly_cents,
            benefit_since=benefit_since,
            actor=actor,
        )
        recordings = self.save(candidate, trajectory, session=session)
        return Outcome(trajectory, recordings[-1].notification.id)

    def new_candidate(
        self,
        session: Session,
        *,
        municipality: str,
        person: PersonalData,
        registered_on: date,
        trajectory_id: UUID,
        actor: Actor,
        candidate_id: UUID | None = None,
    ) -> Candidate:
        """A new candidate: its key and BSN lookup row in ``session``, its personal data sealed.
        A second candidate with the same BSN in the municipality collides on the lookup row."""
        candidate = Candidate.register(
            candidate_id=candidate_id or uuid4(),
            municipality=municipality,
            person=person,
            registered_on=registered_on,
            trajectory_id=trajectory_id,
            actor=actor,
            seal=lambda candidate_id, data: self._vault.seal(session, candidate_id, data),
        )
        self._vault.remember(session, municipality, self._pseudonymise(person.bsn, purpose="bsn"), candidate.id)
        return candidate

    def erase_candidate(
        self,
        trajectory_id: UUID,
        *,
        session: Session,
        on: date,
        today: date,
        actor: Actor,
        authorise: Callable[[Trajectory], None],
    ) -> Outcome:
        """Erase the candidate's personal data (AVG art. 17): record ``CandidateErased``,
        destroy the candidate's key and BSN lookup row and forget the stored registration
        request, in one transaction. The route, its money and its audit trail are untouched."""
        lock_aggregate(session, trajectory_id)
        trajectory = self.trajectory_in(session, trajectory_id)
        authorise(trajectory)
        candidate = self.load_in(session, trajectory.candidate_id)
        if not isinstance(candidate, Candidate):
            raise RuleViolation("candidate-exists", f"trajectory {trajectory_id} has no candidate record")
        candidate.erase(on=on, today=today, actor=actor)
        recordings = self.save(candidate, session=session)
        self._vault.destroy(session, candidate.id)
        forget_requests_about(session, trajectory_id)
        return Outcome(trajectory, recordings[-1].notification.id, candidate=candidate)

    def record_milestones(
        self, trajectory_id: UUID, *, session: Session, today: date, terms: MilestoneTerms
    ) -> int:
        """Record the milestones time has made due for one trajectory (none twice)."""
        lock_aggregate(session, trajectory_id)
        trajectory = self.trajectory_in(session, trajectory_id)
        count = trajectory.record_due_milestones(today=today, terms=terms, actor=SYSTEM_ACTOR)
        if count:
            self.save(trajectory, session=session)
        return count

    def update(
        self,
        trajectory_id: UUID,
        change: Callable[[Trajectory], str | None],
        *,
        session: Session,
        expected_version: int | None,
        authorise: Callable[[Trajectory], None] = lambda _: None,
    ) -> Outcome:
        """Apply one domain command to a trajectory and save its events in ``session``.

        ``authorise`` runs first (an invisible trajectory must not reveal its version);
        ``change`` calls one domain method and may return the id of what it created
        (a placement, a certificate), which the API puts in its ``Location``.
        """
        lock_aggregate(session, trajectory_id)
        trajectory = self.trajectory_in(session, trajectory_id)
        authorise(trajectory)
        if expected_version is not None and trajectory.version != expected_version:
            raise VersionMismatch(expected_version, trajectory.version)
        result_id = change(trajectory)
        recordings = self.save(trajectory, session=session)
        if not recordings:
            raise RuleViolation("nothing-to-record", "the command recorded no event")
        return Outcome(trajectory, recordings[-1].notification.id, result_id)

    # -- the money ----------------------------------------------------------------------------

    def get_agreement(self, agreement_id: UUID) -> FinancingAgreement:
        try:
            aggregate = self.repository.get(agreement_id)
        except AggregateNotFoundError:
            raise AgreementNotFound(agreement_id) from None
        if not isinstance(aggregate, FinancingAgreement):
            raise AgreementNotFound(agreement_id)
        return aggregate

    def get_claim(self, claim_id: UUID) -> Claim:
        try:
            aggregate = self.repository.get(claim_id)
        except AggregateNotFoundError:
            raise ClaimNotFound(claim_id) from None
        if not isinstance(aggregate, Claim):
            raise ClaimNotFound(claim_id)
        return aggregate

    def logged_events(self, aggregate_id: UUID) -> list[LoggedEvent]:
        return [logged(e) for e in self.events.get(aggregate_id)]

    def conclude_agreement(
        self,
        *,
        session: Session,
        actor: Actor,
        today: date,
        kind: FinancingKind,
        trigger: Trigger,
        phase: Phase | None,
        claimant: str | None,
        valid_from: date,
        valid_until: date | None,
        budget_cap_cents: int | None,
        terms: Terms,
        concluded_on: date,
    ) -> MoneyOutcome:
        payer_kind = PayerKind.MUNICIPALITY if actor.role is Role.KLANTMANAGER else PayerKind.FUND
        agreement = FinancingAgreement.conclude(
            agreement_id=uuid4(),
            payer_kind=payer_kind,
            payer=actor.organisation,
            claimant=claimant,
            kind=kind,
            trigger=trigger,
            phase=phase,
            valid_from=valid_from,
            valid_until=valid_until,
            budget_cap_cents=budget_cap_cents,
            terms=terms,
            on=concluded_on,
            today=today,
            actor=actor,
        )
        recordings = self.save(agreement, session=session)
        return MoneyOutcome(agreement, recordings[-1].notification.id)

    def change_agreement_terms(
        self,
        agreement_id: UUID,
        terms: Terms,
        *,
        session: Session,
        actor: Actor,
        today: date,
        expected_version: int | None,
        authorise: Callable[[FinancingAgreement], None],
    ) -> MoneyOutcome:
        lock_aggregate(session, agreement_id)
        agreement = self.get_agreement(agreement_id)
        authorise(agreement)
        self._check_version(agreement, expected_version)
        agreement.change_terms(terms, today=today, actor=actor)
        recordings = self.save(agreement, session=session)
        return MoneyOutcome(agreement, recordings[-1].notification.id)

    def file_claim(
        self,
        *,
        session: Session,
        actor: Actor,
        today: date,
        agreement_id: UUID,
        trajectory_id: UUID,
        filed_on: date,
        region: Callable[[str], str],
        may_see: Callable[[FinancingAgreement, Trajectory], bool],
    ) -> MoneyOutcome:
        """File a claim whose eligibility follows from the trajectory's events as of the claim
        date alone. Identical claims share one id: the first is filed, the others are refused."""
        try:
            agreement = self.get_agreement(agreement_id)
        except AgreementNotFound:
            raise InvalidField("agreementId", f"no financing agreement {agreement_id}") from None
        trajectory = self.get_trajectory(trajectory_id)
        if not may_see(agreement, trajectory):
            raise TrajectoryNotFound(trajectory_id)
        if not agreement.may_claim(actor, trajectory.municipality):
            who = agreement.claimant or f"the municipality of the trajectory ({trajectory.municipality})"
            raise RuleViolation("claimant-claims", f"under this agreement {who} files the claims")
        Claim.check_filing_date(agreement, filed_on, today)
        facts = trajectory_facts(
            trajectory_id, self.logged_events(trajectory_id), AsOf(filed_on), region(trajectory.municipality)
        )
        if facts is None:
            raise InvalidField("filedOn", f"the trajectory was not registered by {filed_on}")
        result = eligibility(agreement.view(), facts, filed_on)
        if not result.eligible:
            raise Ineligible(str(result.unmet), result.detail)
        assert result.trigger_on is not None
        claim_id = claim_id_for(agreement.id, trajectory_id, agreement.trigger)
        lock_aggregate(session, claim_id)
        try:
            existing = self.get_claim(claim_id)
        except ClaimNotFound:
            existing = None
        if existing is not None:
            existing.refile(
                agreement, trigger_on=result.trigger_on, amount_cents=result.amount_cents, on=filed_on, today=today, actor=actor
            )
            recordings = self.save(existing, session=session)
            return MoneyOutcome(existing, recordings[-1].notification.id)
        claim = Claim.file(
            agreement=agreement,
            trajectory_id=trajectory_id,
            municipality=trajectory.municipality,
            trigger_on=result.trigger_on,
            amount_cents=result.amount_cents,
            on=filed_on,
            today=today,
            actor=actor,
        )
        recordings = self.save(claim, session=session)
        return MoneyOutcome(claim, recordings[-1].notification.id)

    def decide_claim(
        self,
        claim_id: UUID,
        decide: Callable[[Claim, FinancingAgreement], None],
        *,
        session: Session,
        expected_version: int | None,
        authorise: Callable[[Claim, FinancingAgreement], None],
    ) -> MoneyOutcome:
        """Approve, reject or pay a claim; the agreement's budget changes in the same transaction."""
        lock_aggregate(session, claim_id)
        claim = self.get_claim(claim_id)
        lock_aggregate(session, claim.agreement_id)
        agreement = self.get_agreement(claim.agreement_id)
        authorise(claim, agreement)
        self._check_version(claim, expected_version)
        decide(claim, agreement)
        recordings = self.save(claim, agreement, session=session)
        return MoneyOutcome(claim, recordings[-1].notification.id)

    @staticmethod
    def _check_version(aggregate: Any, expected_version: int | None) -> None:
        if expected_version is not None and aggregate.version != expected_version:
            raise VersionMismatch(expected_version, aggregate.version)
