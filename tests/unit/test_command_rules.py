"""Commands as data: each names the processing activity the access log records for it."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date
from typing import ClassVar
from uuid import uuid4

import pytest

from domain import commands as c
from domain.values import SYSTEM_ACTOR, Actor, Role


def test_the_activity_of_a_command_is_its_class_name_in_snake_case():
    assert c.RegisterTrajectory.activity == "register_trajectory"
    assert c.StartPhase.activity == "start_phase"
    assert c.EraseCandidate.activity == "erase_candidate"
    assert c.RecordDueMilestones.activity == "record_due_milestones"
    assert c.ApproveClaim.activity == "approve_claim"


def test_a_command_may_name_its_activity_itself():
    assert c.RecordCheckIn.activity == "guarantee_check_in"


def test_a_new_kind_of_command_gets_its_activity_from_its_name_unless_it_names_one():
    class PauseRouteForSummer(c.TrajectoryCommand):
        pass

    class Named(c.TrajectoryCommand):
        activity: ClassVar[str] = "own_activity"

    class Sub(Named):
        pass

    class X(c.Command):
        pass

    assert PauseRouteForSummer.activity == "pause_route_for_summer"
    assert Named.activity == "own_activity"
    assert Sub.activity == "sub"
    assert X.activity == "x"


def test_a_command_is_frozen_and_by_default_expects_no_version():
    actor = Actor("km-1", Role.KLANTMANAGER, "GM0363")
    command = c.ReEnter(actor=actor, on=date(2026, 1, 5), trajectory_id=uuid4(), explanation="terug")
    assert command.expected_version is None
    with pytest.raises(FrozenInstanceError):
        command.explanation = "anders"  # type: ignore[misc]


def test_the_time_policies_record_their_milestones_as_the_system():
    command = c.RecordDueMilestones(on=date(2026, 1, 5), trajectory_id=uuid4())
    assert command.actor == SYSTEM_ACTOR
