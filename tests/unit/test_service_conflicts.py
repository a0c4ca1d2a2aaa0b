"""Lost races: a command whose transaction meets a write that committed first (a ``Conflict``) runs
again on the new state, unless it named the version it expects: then ``ConcurrentWriteConflict``.
After ``retries`` + 1 lost attempts it gives up with ``ConcurrentWriteConflict``."""

from __future__ import annotations

import dataclasses
from datetime import date
from uuid import UUID

import pytest

from domain import commands as c
from domain.errors import RuleViolation
from domain.terms import Terms, Trigger
from domain.values import Phase
from leerroute.errors import ConcurrentWriteConflict
from tests.unit.fakes import FUND, OTHER_KM, OTHER_PERSON, World, ready, sample, without_backoff


@pytest.fixture(autouse=True)
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return without_backoff(monkeypatch)


def _deviation(t: UUID) -> c.TrajectoryCommand:
    return sample(c.GrantDeviation, t, on=date(2026, 3, 1))


def test_a_command_that_loses_the_race_runs_again_and_both_events_survive(pauses):
    world = World()
    command = ready(world, c.StartPhase)
    t = command.trajectory_id
    world.log.between_transactions.append(lambda: world.handle(_deviation(t)))
    outcome = world.handle(command, trace_id="trace-1")
    assert world.log.event_names(t) == ["TrajectoryRegistered", "DeviationGranted", "PhaseStarted"]
    assert outcome.aggregate.version == 3 and outcome.position == world.log.last_position()
    assert [e.activity for e in world.log.access_log] == ["register_trajectory", "grant_deviation", "start_phase"]
    assert world.log.access_log[-1].trace_id == "trace-1"
    assert len(pauses) == 1
    assert world.notified == 3


def test_the_second_run_meets_the_new_state(pauses):
    world = World()
    command = ready(world, c.StartPhase)
    world.log.between_transactions.append(lambda: world.handle(dataclasses.replace(command, on=date(2026, 3, 9))))
    before = len(world.log.access_log) + 1  # with the competing start's entry
    with pytest.raises(RuleViolation) as refused:
        world.handle(command)
    assert refused.value.rule == "phase-starts-once"
    assert world.log.event_names(command.trajectory_id).count("PhaseStarted") == 1
    assert world.log.aggregate(command.trajectory_id).phases[Phase.ORIENTATION].started_on == date(2026, 3, 9)
    assert len(world.log.access_log) == before


def test_a_command_that_names_its_version_and_loses_the_race_is_a_concurrent_write_conflict(pauses):
    world = World()
    command = dataclasses.replace(ready(world, c.StartPhase), expected_version=1)
    t = command.trajectory_id
    world.log.between_transactions.append(lambda: world.handle(_deviation(t)))
    with pytest.raises(ConcurrentWriteConflict):
        world.handle(command)
    assert world.log.event_names(t) == ["TrajectoryRegistered", "DeviationGranted"]
    assert [e.activity for e in world.log.access_log] == ["register_trajectory", "grant_deviation"]
    assert pauses == []


@pytest.mark.parametrize("retries", [0, 1, 5])
def test_when_every_attempt_loses_it_gives_up_after_retries_plus_one(retries, pauses):
    world = World(retries=retries)
    command = ready(world, c.StartPhase)
    t = command.trajectory_id
    attempts = []

    def competing() -> None:
        attempts.append(world.handle(_deviation(t)))
        world.log.between_transactions.append(competing)  # and the next attempt loses as well

    world.log.between_transactions.append(competing)
    with pytest.raises(ConcurrentWriteConflict):
        world.handle(command)
    assert len(attempts) == retries + 1
    assert len(pauses) == retries
    assert world.log.event_names(t).count("DeviationGranted") == retries + 1
    assert "PhaseStarted" not in world.log.event_names(t)


def test_a_write_to_another_aggregate_is_no_race(pauses):
    world = World()
    command = ready(world, c.StartPhase)
    other = world.register(actor=OTHER_KM, person=OTHER_PERSON)
    world.log.between_transactions.append(lambda: world.handle(sample(c.GrantDeviation, other, on=date(2026, 3, 1), actor=OTHER_KM)))
    world.handle(command)
    assert pauses == []


# --- the money ------------------------------------------------------------------------------------------


def _agreement_with_claim(world: World) -> tuple[UUID, UUID, UUID]:
    t = world.register()
    a = world.conclude(trigger=Trigger.REGISTERED)
    return t, a, world.file(a, t, on=date(2026, 2, 1)).aggregate.id


def _terms_change(a: UUID, expected_version: int | None = None) -> c.ChangeAgreementTerms:
    return c.ChangeAgreementTerms(actor=FUND, on=date(2026, 6, 1), agreement_id=a, expected_version=expected_version,
                                  terms=Terms(effective_from=date(2026, 6, 1), amount_cents=1, municipalities=("GM0363",)))


def test_a_terms_change_that_loses_to_an_approval_runs_again(pauses):
    world = World()
    _, a, claim = _agreement_with_claim(world)
    world.log.between_transactions.append(lambda: world.handle(c.ApproveClaim(actor=FUND, on=date(2026, 2, 2), claim_id=claim)))
    outcome = world.handle(_terms_change(a))
    assert world.log.event_names(a) == ["FinancingAgreementConcluded", "BudgetReserved", "TermsChanged"]
    assert outcome.aggregate.version == 3 and len(pauses) == 1


def test_a_terms_change_that_names_its_version_and_loses_to_an_approval_is_a_conflict(pauses):
    world = World()
    _, a, claim = _agreement_with_claim(world)
    world.log.between_transactions.append(lambda: world.handle(c.ApproveClaim(actor=FUND, on=date(2026, 2, 2), claim_id=claim)))
    with pytest.raises(ConcurrentWriteConflict):
        world.handle(_terms_change(a, expected_version=1))
    assert world.log.event_names(a) == ["FinancingAgreementConcluded", "BudgetReserved"]


def test_an_approval_that_loses_to_a_rejection_meets_the_rejected_claim(pauses):
    world = World()
    _, a, claim = _agreement_with_claim(world)
    world.log.between_transactions.append(
        lambda: world.handle(c.RejectClaim(actor=FUND, on=date(2026, 2, 2), claim_id=claim, reason="no proof")))
    with pytest.raises(RuleViolation) as refused:
        world.handle(c.ApproveClaim(actor=FUND, on=date(2026, 2, 2), claim_id=claim))
    assert refused.value.rule == "claim-must-be-filed"
    assert world.log.event_names(claim) == ["ClaimFiled", "ClaimRejected"]
    assert world.log.event_names(a) == ["FinancingAgreementConcluded"]


def test_of_two_identical_claims_racing_the_first_is_filed_and_the_second_refused(pauses):
    world = World()
    t = world.register()
    a = world.conclude(trigger=Trigger.REGISTERED)
    world.log.between_transactions.append(lambda: world.file(a, t, on=date(2026, 2, 1)))
    with pytest.raises(RuleViolation) as refused:
        world.file(a, t, on=date(2026, 2, 2))
    assert refused.value.rule == "one-claim-per-trigger"
    assert len(pauses) == 1


# --- erasure ------------------------------------------------------------------------------------------


def test_an_erasure_naming_a_version_that_loses_a_race_runs_again_like_one_without(pauses):
    world = World()
    command = dataclasses.replace(ready(world, c.EraseCandidate), expected_version=1)
    world.log.between_transactions.append(lambda: world.handle(dataclasses.replace(command, expected_version=None)))
    with pytest.raises(RuleViolation) as refused:
        world.handle(command)
    assert refused.value.rule == "already-erased"


def test_an_erasure_without_a_version_that_loses_a_race_meets_the_erased_candidate(pauses):
    world = World()
    command = ready(world, c.EraseCandidate)
    world.log.between_transactions.append(lambda: world.handle(command))
    with pytest.raises(RuleViolation) as refused:
        world.handle(command)
    assert refused.value.rule == "already-erased"
