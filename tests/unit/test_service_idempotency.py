"""Idempotency keys: a repeat of a request with its key gets the first outcome (``replayed``), records
nothing and tells the workers nothing; the key with another command is ``IdempotencyKeyReused``.
A key belongs to its caller (organisation and subject); the fingerprint leaves out the version the
request expects; a key is 1 to 200 characters."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

import pytest

from domain import commands as c
from domain.errors import InvalidField, RuleViolation
from domain.terms import FinancingKind, Terms, Trigger
from domain.values import Actor, Phase, Role, TargetGroup
from leerroute.errors import IdempotencyKeyReused
from tests.unit.fakes import (
    FUND,
    KM,
    KM_COLLEAGUE,
    OTHER_KM,
    OTHER_PERSON,
    PERSON,
    ROUTE_COMMANDS,
    World,
    ready,
    sample,
    without_backoff,
)


def _money(kind: type[c.Command]) -> Callable[[World], c.Command]:
    """A money command of ``kind`` that applies in a fresh world (after the steps it needs)."""

    def build(world: World) -> c.Command:
        if kind is c.ConcludeAgreement:
            return c.ConcludeAgreement(
                actor=FUND, on=date(2026, 1, 1), kind=FinancingKind.RESULT, trigger=Trigger.REGISTERED, phase=None, claimant=None,
                valid_from=date(2026, 1, 1), valid_until=None, budget_cap_cents=None,
                terms=Terms(effective_from=date(2026, 1, 1), amount_cents=100_000, municipalities=("GM0363",)))
        t = world.register()
        a = world.conclude(trigger=Trigger.REGISTERED)
        if kind is c.ChangeAgreementTerms:
            return c.ChangeAgreementTerms(actor=FUND, on=date(2026, 6, 1), agreement_id=a,
                                          terms=Terms(effective_from=date(2026, 6, 1), amount_cents=1, municipalities=("GM0363",)))
        if kind is c.FileClaim:
            return c.FileClaim(actor=KM, on=date(2026, 2, 1), agreement_id=a, trajectory_id=t)
        claim = world.file(a, t, on=date(2026, 2, 1)).aggregate.id
        if kind is c.RecordPayment:
            world.handle(c.ApproveClaim(actor=FUND, on=date(2026, 2, 2), claim_id=claim))
            return c.RecordPayment(actor=FUND, on=date(2026, 2, 3), claim_id=claim)
        if kind is c.RejectClaim:
            return c.RejectClaim(actor=FUND, on=date(2026, 2, 3), claim_id=claim, reason="no proof")
        return c.ApproveClaim(actor=FUND, on=date(2026, 2, 3), claim_id=claim)

    return build


def _register(world: World) -> c.Command:
    return c.RegisterTrajectory(actor=KM, on=date(2026, 1, 5), person=PERSON, target_group=TargetGroup.STATUSHOUDER)


EVERY_COMMAND = [
    pytest.param(_register, id="RegisterTrajectory"),
    *(pytest.param(lambda w, k=k: ready(w, k), id=k.__name__) for k in ROUTE_COMMANDS if k is not c.RecordDueMilestones),
    *(pytest.param(_money(k), id=k.__name__) for k in
      (c.ConcludeAgreement, c.ChangeAgreementTerms, c.FileClaim, c.ApproveClaim, c.RejectClaim, c.RecordPayment)),
]


@pytest.mark.parametrize("build", EVERY_COMMAND)
def test_a_repeat_with_the_same_key_gets_the_first_outcome_records_nothing_and_tells_no_one(build):
    world = World()
    command = build(world)
    first = world.handle(command, idempotency_key="req-1")
    before, notified = world.log.snapshot(), world.notified
    again = world.handle(command, idempotency_key="req-1")
    assert not first.replayed and again.replayed
    assert (again.aggregate.id, again.aggregate.version, again.position, again.created) == (
        first.aggregate.id, first.aggregate.version, first.position, first.created)
    assert world.log.snapshot() == before
    assert world.notified == notified


def test_a_repeated_placement_proposal_gets_the_same_placement():
    world = World()
    command = ready(world, c.ProposePlacement)
    first = world.handle(command, idempotency_key="propose")
    again = world.handle(command, idempotency_key="propose")
    assert first.created is not None and again.created == first.created
    assert list(again.aggregate.placements) == [first.created]


def test_a_repeat_gets_the_aggregate_as_the_first_request_left_it():
    world = World()
    command = ready(world, c.StartPhase)
    first = world.handle(command, idempotency_key="start")
    world.step(c.CompletePhase, command.trajectory_id, on=date(2026, 3, 20), phase=Phase.ORIENTATION)
    again = world.handle(command, idempotency_key="start")
    assert again.aggregate.version == first.aggregate.version == world.log.aggregate(command.trajectory_id).version - 1
    assert again.aggregate.phases[Phase.ORIENTATION].status == "in-progress"


def test_the_same_key_with_another_command_is_refused_and_records_nothing():
    world = World()
    command = ready(world, c.StartPhase)
    world.handle(command, idempotency_key="k")
    other = dataclasses.replace(command, on=date(2026, 3, 11))
    world.refuses(other, IdempotencyKeyReused, idempotency_key="k")
    world.refuses(sample(c.DropOut, command.trajectory_id, on=date(2026, 3, 11)), IdempotencyKeyReused, idempotency_key="k")


def test_the_fingerprint_leaves_out_the_expected_version():
    world = World()
    command = ready(world, c.StartPhase)
    first = world.handle(dataclasses.replace(command, expected_version=1), idempotency_key="k")
    # The trajectory is at version 2 now: the repeat's If-Match is stale, or absent, and still the same request.
    for expected in (1, None, 7):
        again = world.handle(dataclasses.replace(command, expected_version=expected), idempotency_key="k")
        assert again.replayed and again.aggregate.version == first.aggregate.version


def test_a_key_is_the_callers_own_another_subject_or_organisation_with_it_makes_another_request():
    world = World()
    t = world.register()
    other = world.register(actor=OTHER_KM, person=OTHER_PERSON)
    mine = world.handle(sample(c.StartPhase, t, on=date(2026, 2, 1)), idempotency_key="k")
    colleagues = world.handle(sample(c.SkipPhase, t, on=date(2026, 2, 2), actor=KM_COLLEAGUE,
                                     phase=Phase.PRE_TRAJECTORY), idempotency_key="k")
    elsewhere = world.handle(sample(c.StartPhase, other, on=date(2026, 2, 1), actor=OTHER_KM), idempotency_key="k")
    assert not any(o.replayed for o in (mine, colleagues, elsewhere))
    assert world.log.event_names(t)[-2:] == ["PhaseStarted", "PhaseSkipped"]
    assert len(world.log.requests) == 3


def test_a_colleague_sending_the_same_command_under_the_same_key_makes_another_request():
    world = World()
    t = world.register()
    first = world.handle(sample(c.ProposePlacement, t, on=date(2026, 2, 1)), idempotency_key="k")
    # The colleague's command is the same but for its actor: not a repeat of the first request.
    second = sample(c.ProposePlacement, t, on=date(2026, 2, 1), actor=KM_COLLEAGUE)
    error = world.refuses(second, RuleViolation, idempotency_key="k")
    assert error.rule == "one-open-proposal-per-employer"
    assert first.created in world.log.aggregate(t).placements


@pytest.mark.parametrize("key", ["", "   ", "x" * 201, " " + "x" * 201], ids=["empty", "blank", "201", "201-padded"])
def test_a_key_of_no_or_more_than_200_characters_is_an_invalid_idempotency_key(key):
    world = World()
    command = ready(world, c.StartPhase)
    assert world.refuses(command, InvalidField, idempotency_key=key).name == "Idempotency-Key"


@pytest.mark.parametrize("key", ["k", "x" * 200, "  " + "x" * 200 + "  "], ids=["1", "200", "200-padded"])
def test_a_key_of_1_to_200_characters_is_taken(key):
    world = World()
    command = ready(world, c.StartPhase)
    assert not world.handle(command, idempotency_key=key).replayed
    assert world.handle(command, idempotency_key=key).replayed


def test_a_key_is_taken_without_the_spaces_around_it():
    world = World()
    command = ready(world, c.StartPhase)
    world.handle(command, idempotency_key="k")
    assert world.handle(command, idempotency_key="  k  ").replayed


def test_a_refused_request_keeps_no_key():
    world = World()
    command = ready(world, c.StartPhase)
    early = dataclasses.replace(command, on=date(2026, 1, 1))
    assert world.refuses(early, RuleViolation, idempotency_key="k").rule == "not-before-registration"
    assert not world.handle(command, idempotency_key="k").replayed


def test_a_kept_registration_holds_no_personal_data():
    world = World()
    world.handle(_register(world), idempotency_key="intake-1")
    kept = repr(world.log.requests)
    for value in (PERSON.bsn, PERSON.given_names, PERSON.family_name, PERSON.birth_date.isoformat()):
        assert value not in kept


def test_a_repeated_registration_opens_no_second_route():
    world = World()
    first = world.handle(_register(world), idempotency_key="intake-1")
    again = world.handle(_register(world), idempotency_key="intake-1")
    assert again.replayed and again.aggregate.id == first.aggregate.id
    assert len(world.log.lookup) == len(world.log.sealed) == 1 and len(world.log.access_log) == 1


# --- racing repeats -------------------------------------------------------------------------------------


def test_a_key_taken_by_a_competing_request_that_commits_first_makes_the_second_replay(monkeypatch):
    pauses = without_backoff(monkeypatch)
    world = World()
    command = ready(world, c.ProposePlacement)
    competing = []
    world.log.between_transactions.append(lambda: competing.append(world.handle(command, idempotency_key="k")))
    second = world.handle(command, idempotency_key="k")
    (first,) = competing
    assert not first.replayed and second.replayed
    assert (second.aggregate.version, second.position, second.created) == (first.aggregate.version, first.position, first.created)
    assert world.log.event_names(command.trajectory_id).count("PlacementProposed") == 1
    assert world.notified == 1 + 1  # the registration and the first proposal; not the replay
    assert len(pauses) == 1  # the second lost the race once, ran again and met the kept request


def test_a_request_waiting_for_its_key_while_the_first_commits_replays_even_when_it_names_a_version():
    world = World()
    command = dataclasses.replace(ready(world, c.ProposePlacement), expected_version=1)
    competing = []
    world.log.while_claiming.append(lambda: competing.append(world.handle(command, idempotency_key="k")))
    second = world.handle(command, idempotency_key="k")
    (first,) = competing
    assert second.replayed and second.created == first.created
    assert world.log.event_names(command.trajectory_id).count("PlacementProposed") == 1


def test_a_competing_request_with_the_key_and_another_command_makes_the_second_a_reused_key(monkeypatch):
    without_backoff(monkeypatch)
    world = World()
    command = ready(world, c.StartPhase)
    world.log.between_transactions.append(lambda: world.handle(sample(c.DropOut, command.trajectory_id, on=date(2026, 3, 10)),
                                                               idempotency_key="k"))
    with pytest.raises(IdempotencyKeyReused):
        world.handle(command, idempotency_key="k")
    assert world.log.event_names(command.trajectory_id) == ["TrajectoryRegistered", "DroppedOut"]


def test_callers_whose_organisation_and_subject_join_alike_do_not_share_keys():
    world = World()
    a = world.conclude(actor=Actor("x", Role.FUND, "OOI/A"), municipalities=("GM0363",))
    b = world.conclude(actor=Actor("A/x", Role.FUND, "OOI"), municipalities=("GM0363",))
    terms = Terms(effective_from=date(2026, 6, 1), amount_cents=1, municipalities=("GM0363",))
    world.handle(c.ChangeAgreementTerms(actor=Actor("x", Role.FUND, "OOI/A"), on=date(2026, 6, 1), agreement_id=a, terms=terms),
                 idempotency_key="k")
    outcome = world.handle(c.ChangeAgreementTerms(actor=Actor("A/x", Role.FUND, "OOI"), on=date(2026, 6, 1), agreement_id=b,
                                                  terms=terms), idempotency_key="k")
    assert not outcome.replayed
