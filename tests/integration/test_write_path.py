"""The write path of one command on a real database: two independent services (as an API
process and a worker process) writing the same aggregates never use a cached aggregate at a stale
version, and on PostgreSQL a command costs at most two round trips."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from adapters.database import get_engine, read_session
from adapters.hash_chain import verify
from adapters.tables import access_log, events
from bench.round_trips import counted
from domain import commands as c
from domain.candidate import PersonalData
from domain.values import Actor, Phase, Role, SkipBasis, TargetGroup
from leerroute.errors import VersionMismatch
from tests.conftest import POSTGRES, TODAY, new_bsn, new_municipality, test_settings


def _service(database_url: str, directory):
    from adapters.clock import FixedClock
    from leerroute.bootstrap import build

    return build(test_settings(directory, database_url), clock=FixedClock(TODAY)).service


def _register(service, km: Actor):
    person = PersonalData(new_bsn(), "Amal", "Haddad", date(1990, 3, 4))
    return service.handle(c.RegisterTrajectory(actor=km, on=date(2026, 1, 5), person=person,
                                               target_group=TargetGroup.STATUSHOUDER))


def test_a_service_reads_on_from_its_cached_version_what_another_service_wrote(database_url, tmp_path):
    api, worker = _service(database_url, tmp_path / "api"), _service(database_url, tmp_path / "worker")
    km = Actor("km-1", Role.KLANTMANAGER, new_municipality())
    trajectory_id = _register(api, km).aggregate.id
    started = api.handle(c.StartPhase(actor=km, trajectory_id=trajectory_id, phase=Phase.ORIENTATION, on=date(2026, 1, 12)))
    assert started.aggregate.version == 2  # the api's cache now holds version 2

    completed = worker.handle(c.CompletePhase(actor=km, trajectory_id=trajectory_id, phase=Phase.ORIENTATION,
                                              on=date(2026, 2, 2)))
    assert completed.aggregate.version == 3

    # The api sees version 3: the If-Match of what the worker left holds, its own stale one does not.
    with pytest.raises(VersionMismatch):
        api.handle(c.StartPhase(actor=km, trajectory_id=trajectory_id, phase=Phase.PRE_TRAJECTORY, on=date(2026, 2, 9),
                                provider="Taalschool", expected_version=2))
    next_step = api.handle(c.StartPhase(actor=km, trajectory_id=trajectory_id, phase=Phase.PRE_TRAJECTORY,
                                        on=date(2026, 2, 9), provider="Taalschool", expected_version=3))
    assert next_step.aggregate.version == 4
    assert next_step.aggregate.phases[Phase.ORIENTATION].ended_on == date(2026, 2, 2)

    # And the worker, whose cache holds version 3, sees the api's version 4 in turn.
    again = worker.handle(c.CompletePhase(actor=km, trajectory_id=trajectory_id, phase=Phase.PRE_TRAJECTORY,
                                          on=date(2026, 3, 2)))
    assert again.aggregate.version == 5
    assert again.aggregate.phases[Phase.PRE_TRAJECTORY].started_on == date(2026, 2, 9)
    with read_session(database_url) as session:
        versions = session.execute(select(events.c.originator_version).where(events.c.originator_id == trajectory_id)
                                   .order_by(events.c.originator_version)).scalars().all()
    assert versions == [1, 2, 3, 4, 5]


def test_each_write_of_a_command_lands_with_its_hash_chain_and_access_log_entry(fresh_database, tmp_path):
    service = _service(fresh_database, tmp_path)
    km = Actor("km-1", Role.KLANTMANAGER, new_municipality())
    registered = _register(service, km)
    trajectory_id = registered.aggregate.id
    outcome = service.handle(c.StartPhase(actor=km, trajectory_id=trajectory_id, phase=Phase.ORIENTATION, on=date(2026, 1, 12)))
    with read_session(fresh_database) as session:
        last = session.execute(select(func.max(events.c.id))).scalar_one()
        logged = session.execute(select(access_log.c.activity).where(access_log.c.trajectory_id == trajectory_id)
                                 .order_by(access_log.c.id)).scalars().all()
    assert outcome.position == last and registered.position is not None and registered.position < last
    assert logged == ["register_trajectory", "start_phase"]
    with get_engine(fresh_database).connect() as connection:
        report = verify(connection)
    assert report.intact and report.heads[str(trajectory_id)][0] == 2


@pytest.mark.skipif(not POSTGRES, reason="round trips are PostgreSQL's; SQLite is in-process")
def test_a_command_costs_at_most_two_round_trips_on_postgresql(database_url, tmp_path):
    service = _service(database_url, tmp_path)
    km = Actor("km-1", Role.KLANTMANAGER, new_municipality())
    engine = get_engine(database_url)
    _register(service, km)  # the municipality's region is read once, and kept
    with counted(engine) as registration:
        trajectory_id = _register(service, km).aggregate.id
    steps = [
        c.StartPhase(actor=km, trajectory_id=trajectory_id, phase=Phase.ORIENTATION, on=date(2026, 1, 12)),
        c.CompletePhase(actor=km, trajectory_id=trajectory_id, phase=Phase.ORIENTATION, on=date(2026, 2, 2)),
        c.SkipPhase(actor=km, trajectory_id=trajectory_id, phase=Phase.PRE_TRAJECTORY, on=date(2026, 2, 3),
                    basis=SkipBasis.EVC, reason="EVC-traject afgerond"),
    ]
    trips = []
    for step in steps:
        with counted(engine) as counted_trips:
            service.handle(step)
        trips.append(counted_trips.round_trips)
    # A registration also pins the route model in force, read through the session (two trips more).
    assert registration.round_trips <= 4
    assert trips == [2, 2, 2]


@pytest.mark.skipif(not POSTGRES, reason="round trips are PostgreSQL's; SQLite is in-process")
def test_a_command_with_an_idempotency_key_costs_two_round_trips(database_url, tmp_path):
    service = _service(database_url, tmp_path)
    km = Actor("km-1", Role.KLANTMANAGER, new_municipality())
    trajectory_id = _register(service, km).aggregate.id
    engine = get_engine(database_url)
    start = c.StartPhase(actor=km, trajectory_id=trajectory_id, phase=Phase.ORIENTATION, on=date(2026, 1, 12))
    with counted(engine) as first:
        started = service.handle(start, idempotency_key="start-orientation")
    with counted(engine) as repeat:
        replayed = service.handle(start, idempotency_key="start-orientation")
    assert first.round_trips == 2
    # A repeat records nothing: the key's record comes with the lock and read, the handler's work is
    # rolled back, and the kept outcome is read in a transaction of its own (each ending costs a trip).
    assert repeat.round_trips <= 4, [s[:60] for s in repeat.statements]
    assert not started.replayed and replayed.replayed
    assert (replayed.aggregate.version, replayed.position) == (started.aggregate.version, started.position)
