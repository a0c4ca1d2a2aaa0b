"""The service layer on the in-memory unit of work: one command down, its outcome back up."""

from __future__ import annotations

from datetime import date

import pytest

from domain import commands as c
from domain.candidate import PersonalData
from domain.errors import Forbidden, NotFound
from domain.values import Actor, Phase, Role, TargetGroup
from leerroute.errors import IdempotencyKeyReused
from leerroute.handlers import Outcome
from leerroute.service import Service
from tests.unit.fakes import MemoryLog, make_service

KM = Actor("km-1", Role.KLANTMANAGER, "GM0363")
PERSON = PersonalData("111222333", "Amal", "Haddad", date(1990, 3, 4))


def _register(service: Service, **overrides: object) -> Outcome:
    values = {"actor": KM, "on": date(2026, 1, 5), "person": PERSON, "target_group": TargetGroup.STATUSHOUDER}
    values.update(overrides)
    return service.handle(c.RegisterTrajectory(**values))


def test_a_command_goes_down_once_and_its_outcome_comes_back():
    log = MemoryLog()
    service = make_service(log)
    registered = _register(service)
    started = service.handle(c.StartPhase(actor=KM, trajectory_id=registered.aggregate.id, phase=Phase.ORIENTATION,
                                          on=date(2026, 1, 12)))
    assert started.aggregate.phases[Phase.ORIENTATION].started_on == date(2026, 1, 12)
    assert started.position == log.last_position() and started.recorded == 1
    assert [e.activity for e in log.access_log] == ["register_trajectory", "start_phase"]


def test_a_repeated_key_replays_and_another_command_with_it_is_refused():
    log = MemoryLog()
    service = make_service(log)
    first = service.handle(c.RegisterTrajectory(actor=KM, on=date(2026, 1, 5), person=PERSON,
                                                target_group=TargetGroup.STATUSHOUDER), idempotency_key="k")
    again = service.handle(c.RegisterTrajectory(actor=KM, on=date(2026, 1, 5), person=PERSON,
                                                target_group=TargetGroup.STATUSHOUDER), idempotency_key="k")
    assert again.replayed and again.aggregate.id == first.aggregate.id and log.commits == 1
    with pytest.raises(IdempotencyKeyReused):
        service.handle(c.RegisterTrajectory(actor=KM, on=date(2026, 1, 6), person=PERSON,
                                            target_group=TargetGroup.STATUSHOUDER), idempotency_key="k")


def test_an_invisible_trajectory_is_not_found_and_a_visible_one_not_yours_is_forbidden():
    log = MemoryLog()
    service = make_service(log)
    t = _register(service).aggregate.id
    other = Actor("km-2", Role.KLANTMANAGER, "GM0599")
    with pytest.raises(NotFound):
        service.handle(c.StartPhase(actor=other, trajectory_id=t, phase=Phase.ORIENTATION, on=date(2026, 1, 12)))
    with pytest.raises(Forbidden):
        service.handle(c.StartPhase(actor=Actor("apt", Role.PROCESREGIE, "APT"), trajectory_id=t, phase=Phase.ORIENTATION,
                                    on=date(2026, 1, 12)))
