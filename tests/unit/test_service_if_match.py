"""If-Match: a command that names the version it expects (``expected_version``) applies only to that
version; a stale one is ``VersionMismatch`` (what was expected, what it is) and records nothing.
An erasure applies whatever version it names: the trajectory itself does not change."""

from __future__ import annotations

import dataclasses
from datetime import date
from uuid import UUID

import pytest

from domain import commands as c
from domain.errors import NotFound
from domain.terms import Terms, Trigger
from leerroute.errors import VersionMismatch
from tests.unit.fakes import FUND, KM, OTHER_KM, ROUTE_COMMANDS, World, ready

VERSIONED_ROUTE_COMMANDS = [k for k in ROUTE_COMMANDS if k.versioned]


def _version(world: World, command: c.TrajectoryCommand) -> int:
    return world.log.aggregate(command.trajectory_id).version


@pytest.mark.parametrize("kind", VERSIONED_ROUTE_COMMANDS, ids=lambda k: k.__name__)
def test_a_trajectory_command_expecting_the_current_version_applies(kind):
    world = World()
    command = ready(world, kind)
    current = _version(world, command)
    outcome = world.handle(dataclasses.replace(command, expected_version=current))
    assert outcome.aggregate.version == current + outcome.recorded and outcome.recorded >= 1
    assert _version(world, command) == outcome.aggregate.version


@pytest.mark.parametrize("kind", VERSIONED_ROUTE_COMMANDS, ids=lambda k: k.__name__)
@pytest.mark.parametrize("offset", [-1, 1], ids=["stale", "ahead"])
def test_a_trajectory_command_expecting_another_version_is_a_mismatch_and_records_nothing(kind, offset):
    world = World()
    command = ready(world, kind)
    current = _version(world, command)
    error = world.refuses(dataclasses.replace(command, expected_version=current + offset), VersionMismatch)
    assert (error.expected, error.actual) == (current + offset, current)


@pytest.mark.parametrize("expected", [None, 0, 1, 99])
def test_an_erasure_applies_whatever_version_it_names(expected):
    world = World()
    command = dataclasses.replace(ready(world, c.EraseCandidate), expected_version=expected)
    outcome = world.handle(command)
    assert outcome.recorded == 1
    assert world.log.aggregate(outcome.aggregate.candidate_id).is_erased


def test_a_version_mismatch_is_checked_after_the_caller_may_act():
    # Who may not see the trajectory learns nothing of its version.
    world = World()
    command = ready(world, c.StartPhase)
    world.refuses(dataclasses.replace(command, actor=OTHER_KM, expected_version=99), NotFound)


# --- agreements ---------------------------------------------------------------------------------------


def _change(agreement_id: UUID, expected_version: int) -> c.ChangeAgreementTerms:
    return c.ChangeAgreementTerms(actor=FUND, on=date(2026, 6, 1), agreement_id=agreement_id, expected_version=expected_version,
                                  terms=Terms(effective_from=date(2026, 6, 1), amount_cents=300_000, municipalities=("GM0363",)))


def test_changing_terms_expecting_the_current_version_applies():
    world = World()
    a = world.conclude()
    assert world.handle(_change(a, 1)).aggregate.version == 2


@pytest.mark.parametrize("expected", [0, 2])
def test_changing_terms_expecting_another_version_is_a_mismatch_and_records_nothing(expected):
    world = World()
    a = world.conclude()
    error = world.refuses(_change(a, expected), VersionMismatch)
    assert (error.expected, error.actual) == (expected, 1)


def test_a_budget_reservation_moves_the_agreements_version():
    world = World()
    t = world.register()
    a = world.conclude(trigger=Trigger.REGISTERED)
    claim = world.file(a, t, on=date(2026, 2, 1)).aggregate.id
    world.handle(c.ApproveClaim(actor=FUND, on=date(2026, 2, 2), claim_id=claim))
    error = world.refuses(_change(a, 1), VersionMismatch)
    assert (error.expected, error.actual) == (1, 2)


# --- claim decisions ---------------------------------------------------------------------------------


def _filed(world: World) -> UUID:
    t = world.register()
    a = world.conclude(trigger=Trigger.REGISTERED)
    return world.file(a, t, on=date(2026, 2, 1)).aggregate.id


DECISIONS: dict[type[c.ClaimDecision], dict[str, str]] = {
    c.ApproveClaim: {},
    c.RejectClaim: {"reason": "no proof"},
    c.RecordPayment: {},
}


def _decision(kind: type[c.ClaimDecision], claim_id: UUID, expected_version: int) -> c.ClaimDecision:
    return kind(actor=FUND, on=date(2026, 2, 10), claim_id=claim_id, expected_version=expected_version, **DECISIONS[kind])


def _to_decide(world: World, kind: type[c.ClaimDecision]) -> tuple[UUID, int]:
    """A claim on which ``kind`` applies: filed (version 1), or approved (version 2) to be paid."""
    claim = _filed(world)
    if kind is c.RecordPayment:
        world.handle(c.ApproveClaim(actor=FUND, on=date(2026, 2, 5), claim_id=claim))
    return claim, world.log.aggregate(claim).version


@pytest.mark.parametrize("kind", list(DECISIONS), ids=lambda k: k.__name__)
def test_a_claim_decision_expecting_the_current_version_applies(kind):
    world = World()
    claim, current = _to_decide(world, kind)
    assert world.handle(_decision(kind, claim, current)).aggregate.version == current + 1


@pytest.mark.parametrize("kind", list(DECISIONS), ids=lambda k: k.__name__)
@pytest.mark.parametrize("offset", [-1, 1], ids=["stale", "ahead"])
def test_a_claim_decision_expecting_another_version_is_a_mismatch_and_records_nothing(kind, offset):
    world = World()
    claim, current = _to_decide(world, kind)
    error = world.refuses(_decision(kind, claim, current + offset), VersionMismatch)
    assert (error.expected, error.actual) == (current + offset, current)


def test_a_decision_on_a_claim_refiled_since_it_was_read_is_a_mismatch():
    world = World()
    t = world.register()
    a = world.conclude(trigger=Trigger.REGISTERED)
    claim = world.file(a, t, on=date(2026, 2, 1)).aggregate.id
    world.handle(c.RejectClaim(actor=FUND, on=date(2026, 2, 2), claim_id=claim, reason="no proof"))  # version 2
    read = world.log.aggregate(claim).version
    world.file(a, t, on=date(2026, 2, 3))  # refiled: version 3
    error = world.refuses(c.ApproveClaim(actor=FUND, on=date(2026, 2, 4), claim_id=claim, expected_version=read), VersionMismatch)
    assert (error.expected, error.actual) == (2, 3)


def test_a_step_on_the_route_does_not_make_a_claim_decision_stale():
    # A claim has its own version: a step on the route does not make a decision stale.
    world = World()
    t = world.register()
    a = world.conclude(trigger=Trigger.REGISTERED)
    claim = world.file(a, t, on=date(2026, 2, 1)).aggregate.id
    world.handle(c.StartPhase(actor=KM, trajectory_id=t, on=date(2026, 2, 2), phase="orientation"))
    assert world.handle(c.ApproveClaim(actor=FUND, on=date(2026, 2, 5), claim_id=claim, expected_version=1)).aggregate.version == 2
