"""Erasing a candidate's personal data (AVG art. 17) through ``Service.handle``: the sealed data and
the BSN lookup are destroyed, the kept registration request (whose fingerprint is a hash over the
personal data) is forgotten while other kept requests stay, the access log records the erasure,
and the route itself goes on."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from domain import commands as c
from domain.candidate import PersonalData
from domain.errors import RuleViolation
from domain.trajectory import Trajectory
from domain.values import Actor, Phase, TargetGroup
from tests.unit.fakes import KM, OTHER_PERSON, PERSON, PRIVACY, REGISTERED_ON, TODAY, World

ERASED_ON = date(2026, 6, 1)


def _registration(person: PersonalData = PERSON) -> c.RegisterTrajectory:
    return c.RegisterTrajectory(actor=KM, on=REGISTERED_ON, person=person, target_group=TargetGroup.STATUSHOUDER)


def _erasure(t: UUID, actor: Actor = PRIVACY) -> c.EraseCandidate:
    return c.EraseCandidate(actor=actor, trajectory_id=t, on=ERASED_ON)


def test_an_erasure_destroys_the_sealed_data_and_the_bsn_lookup_and_leaves_the_route():
    world = World()
    t = world.register()
    route_before = world.log.history(t)
    outcome = world.handle(_erasure(t))
    candidate = world.log.aggregate(outcome.aggregate.candidate_id)
    assert candidate.is_erased and candidate.erased_on == ERASED_ON and candidate.sealed is None
    assert world.log.sealed == {} and world.log.lookup == {}
    assert world.log.history(t) == route_before
    assert outcome.aggregate.id == t and outcome.recorded == 1 and outcome.position == world.log.last_position()
    assert world.log.event_names(candidate.id) == ["CandidateRegistered", "CandidateErased"]
    assert world.notified == 2


def test_the_access_log_records_the_erasure_with_its_trace_id():
    world = World()
    t = world.register()
    world.handle(_erasure(t), trace_id="avg-17")
    entry = world.log.access_log[-1]
    assert (entry.actor, entry.trajectory_id, entry.activity, entry.trace_id) == (PRIVACY, t, "erase_candidate", "avg-17")


def test_an_erasure_forgets_the_kept_registration_request_and_keeps_the_others():
    world = World()
    t = world.handle(_registration(), idempotency_key="intake-1").aggregate.id
    other = world.handle(_registration(OTHER_PERSON), idempotency_key="intake-2").aggregate.id
    start = c.StartPhase(actor=KM, trajectory_id=t, on=date(2026, 2, 1), phase=Phase.ORIENTATION)
    world.handle(start, idempotency_key="start")
    world.handle(_erasure(t), idempotency_key="erase")
    keys = {key for _, key in world.log.requests}
    assert keys == {"intake-2", "start", "erase"}
    assert world.handle(start, idempotency_key="start").replayed
    assert world.handle(_erasure(t), idempotency_key="erase").replayed
    assert world.handle(_registration(OTHER_PERSON), idempotency_key="intake-2").aggregate.id == other


def test_a_repeat_of_the_registration_with_its_old_key_after_the_erasure_registers_the_candidate_anew():
    # Pinned as the handler does it: the kept request is gone, so the repeat is a new request; the
    # BSN lookup is gone, so it is no duplicate either: a second route for the same person.
    world = World()
    first = world.handle(_registration(), idempotency_key="intake-1").aggregate
    world.handle(_erasure(first.id))
    again = world.handle(_registration(), idempotency_key="intake-1")
    assert not again.replayed and again.aggregate.id != first.id
    assert world.log.lookup == {("GM0363", PERSON.bsn): again.aggregate.candidate_id}
    assert world.log.sealed == {again.aggregate.candidate_id: PERSON}


def test_after_an_erasure_the_bsn_registers_anew_in_the_municipality():
    world = World()
    t = world.register()
    world.handle(_erasure(t))
    assert world.register(on=date(2026, 7, 1)) != t


def test_a_second_erasure_is_refused():
    world = World()
    t = world.register()
    world.handle(_erasure(t))
    assert world.refuses(_erasure(t, actor=KM), RuleViolation).rule == "already-erased"


def test_an_erasure_of_a_route_without_a_candidate_record_is_refused():
    # Seeded straight into the log, as an import of an old route without its candidate might leave it.
    world = World()
    trajectory = Trajectory.register(
        trajectory_id=uuid4(), municipality="GM0363", candidate_id=uuid4(), target_group=TargetGroup.OTHER, on=REGISTERED_ON,
        today=TODAY, benefit_monthly_cents=0, benefit_since=None, actor=KM,
    )
    uow = world.log.unit_of_work()
    uow.save(trajectory)
    uow.commit()
    assert world.refuses(_erasure(trajectory.id), RuleViolation).rule == "candidate-exists"


def test_the_route_goes_on_after_the_erasure():
    world = World()
    t = world.register()
    world.handle(_erasure(t))
    outcome = world.handle(c.StartPhase(actor=KM, trajectory_id=t, on=date(2026, 6, 2), phase=Phase.ORIENTATION))
    assert outcome.aggregate.phases[Phase.ORIENTATION].status == "in-progress"
