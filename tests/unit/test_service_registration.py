"""Registering a candidate through ``Service.handle``: the personal data is sealed apart from the
route and findable by BSN in the municipality; one route per candidate in a municipality, also
when two registrations race; the access log records who registered under which trace id; and the
rules of the person and the intake."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from domain import commands as c
from domain.candidate import Candidate, PersonalData
from domain.errors import InvalidField, RuleViolation
from domain.trajectory import Trajectory
from domain.values import TargetGroup
from tests.unit.fakes import KM, KM_COLLEAGUE, OTHER_KM, OTHER_PERSON, PERSON, REGISTERED_ON, World, without_backoff


def _registration(actor: Any = KM, person: PersonalData = PERSON, **fields: Any) -> c.RegisterTrajectory:
    values: dict[str, Any] = {"on": REGISTERED_ON, "target_group": TargetGroup.STATUSHOUDER}
    values.update(fields)
    return c.RegisterTrajectory(actor=actor, person=person, **values)


def test_the_personal_data_is_sealed_apart_from_the_route_and_findable_by_bsn():
    world = World()
    outcome = world.handle(_registration(person=dataclasses.replace(PERSON, given_names="  Amal ", family_name=" Haddad")))
    trajectory = outcome.aggregate
    assert isinstance(trajectory, Trajectory) and outcome.recorded == 2
    candidate = world.log.aggregate(trajectory.candidate_id)
    assert isinstance(candidate, Candidate) and candidate.trajectory_id == trajectory.id
    assert world.log.sealed[candidate.id] == PERSON  # the names without their spaces
    assert world.log.lookup == {("GM0363", PERSON.bsn): candidate.id}
    # Neither the route's events nor the candidate's own hold the person in the clear.
    recorded = repr(world.log.history(trajectory.id) + world.log.history(candidate.id))
    for value in (PERSON.bsn, PERSON.given_names, PERSON.family_name):
        assert value not in recorded


def test_a_registration_opens_the_route_in_the_klantmanagers_municipality():
    world = World()
    outcome = world.handle(_registration(benefit_monthly_cents=125_000, benefit_since=date(2024, 6, 1)))
    trajectory = outcome.aggregate
    assert (trajectory.municipality, trajectory.registered_on, trajectory.version) == ("GM0363", REGISTERED_ON, 1)
    assert (trajectory.benefit.monthly_cents, trajectory.benefit.since) == (125_000, date(2024, 6, 1))
    assert outcome.position == world.log.last_position() and world.notified == 1


def test_a_benefit_date_without_a_benefit_is_not_kept():
    world = World()
    trajectory = world.handle(_registration(benefit_monthly_cents=0, benefit_since=date(2024, 6, 1))).aggregate
    assert trajectory.benefit.since is None


def test_the_access_log_records_the_registration_with_its_activity_and_trace_id():
    world = World()
    t = world.handle(_registration(), trace_id="trace-42").aggregate.id
    [entry] = world.log.access_log
    assert (entry.actor, entry.trajectory_id, entry.activity, entry.trace_id) == (KM, t, "register_trajectory", "trace-42")


def test_without_a_trace_id_the_service_makes_one():
    world = World()
    world.handle(_registration())
    world.handle(_registration(person=OTHER_PERSON))
    first, second = (e.trace_id for e in world.log.access_log)
    assert len(first) == 32 and int(first, 16) >= 0 and first != second


@pytest.mark.parametrize("actor", [KM, KM_COLLEAGUE], ids=["the-same-klantmanager", "a-colleague"])
def test_a_second_registration_of_the_bsn_in_the_municipality_is_refused(actor):
    world = World()
    world.handle(_registration())
    again = _registration(actor, person=dataclasses.replace(PERSON, given_names="A."), on=date(2026, 2, 1))
    assert world.refuses(again, RuleViolation).rule == "one-trajectory-per-candidate"


def test_the_same_bsn_registers_in_another_municipality():
    world = World()
    world.handle(_registration())
    elsewhere = world.handle(_registration(OTHER_KM)).aggregate
    assert elsewhere.municipality == "GM0599"
    assert set(world.log.lookup) == {("GM0363", PERSON.bsn), ("GM0599", PERSON.bsn)}


def test_a_registration_of_the_bsn_that_commits_first_makes_the_other_one_refused(monkeypatch):
    pauses = without_backoff(monkeypatch)
    world = World()
    first = []
    world.log.between_transactions.append(lambda: first.append(world.handle(_registration(KM_COLLEAGUE))))
    with pytest.raises(RuleViolation) as refused:
        world.handle(_registration())
    assert refused.value.rule == "one-trajectory-per-candidate"
    assert len(pauses) == 1  # the Conflict at the commit, then the rule on the second run
    [winner] = first
    assert world.log.lookup == {("GM0363", PERSON.bsn): winner.aggregate.candidate_id}
    assert len(world.log.sealed) == 1 and [e.actor for e in world.log.access_log] == [KM_COLLEAGUE]


# --- the rules of the person and the intake ------------------------------------------------------------

YOUNG = dataclasses.replace(PERSON, birth_date=date(2011, 1, 6))  # 14 at registration
OLD = dataclasses.replace(PERSON, birth_date=date(1905, 1, 4))  # 121


@pytest.mark.parametrize(
    ("command", "rule"),
    [
        pytest.param(_registration(person=dataclasses.replace(PERSON, given_names=" ")), "names-required", id="no-given-names"),
        pytest.param(_registration(person=dataclasses.replace(PERSON, family_name="")), "names-required", id="no-family-name"),
        pytest.param(_registration(person=dataclasses.replace(PERSON, birth_date=REGISTERED_ON)), "birth-before-registration",
                     id="born-on-the-registration-day"),
        pytest.param(_registration(person=YOUNG), "plausible-age", id="aged-14"),
        pytest.param(_registration(person=OLD), "plausible-age", id="aged-121"),
        pytest.param(_registration(on=date(2026, 11, 23)), "no-future-dates", id="registered-after-today"),
        pytest.param(_registration(benefit_monthly_cents=125_000), "benefit-since-required", id="benefit-without-date"),
        pytest.param(_registration(benefit_monthly_cents=125_000, benefit_since=date(2026, 1, 6)),
                     "benefit-since-before-registration", id="benefit-from-after-registration"),
    ],
)
def test_a_registration_that_breaks_a_rule_registers_nothing(command, rule):
    world = World()
    assert world.refuses(command, RuleViolation).rule == rule


@pytest.mark.parametrize("cents", [-1, 1250.5], ids=["negative", "a-fraction"])
def test_a_benefit_at_intake_is_a_whole_number_of_cents(cents):
    world = World()
    command = _registration(benefit_monthly_cents=cents, benefit_since=date(2024, 6, 1))
    assert world.refuses(command, InvalidField).name == "benefit.monthlyAmountCents"


def test_the_age_limits_are_inclusive():
    world = World()
    world.handle(_registration(person=dataclasses.replace(PERSON, birth_date=date(2011, 1, 5))))  # 15 that day
    world.handle(_registration(OTHER_KM, person=dataclasses.replace(PERSON, birth_date=date(1905, 1, 6))))  # 120, 121 tomorrow
    assert len(world.log.lookup) == 2


@pytest.mark.parametrize("bsn", ["111222334", "12345678", "000000000"], ids=["11-check", "eight-digits", "zeros"])
def test_an_invalid_bsn_is_refused_as_the_invalid_field_candidate_bsn(bsn):
    # A form or an import row builds the command from what a person typed: the service refuses it
    # as the API refuses the request, naming the field.
    world = World()
    error = world.refuses(_registration(person=dataclasses.replace(PERSON, bsn=bsn)), InvalidField)
    assert error.name == "candidate.bsn" and ("nine digits" in error.reason or "11-check" in error.reason)
