"""The rules of subscriptions and of who receives which notification (domain only, no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from domain.access import AccessPolicy
from domain.errors import InvalidField, RuleViolation
from domain.event_types import CATALOGUE, TRIGGER_REACHED, Kind, of_domain_event, thin_data
from domain.notification_access import (
    ROLE_KINDS,
    check_filters_visible,
    check_subscribable,
    matches_filters,
    may_receive,
)
from domain.subscriptions import (
    Filters,
    Subscription,
    SubscriptionStatus,
    backoff_seconds,
    check_callback_url,
    check_event_types,
    check_filters,
    host_allowed,
    is_failing,
)
from domain.trajectory import Trajectory
from domain.values import Actor, JobLevel, Role, TargetGroup

HOSTS = ("localhost", "127.0.0.1", "*.gemeente.nl", "10.20.0.0/16")
KM = Actor("km", Role.KLANTMANAGER, "GM0363")
EMPLOYER = Actor("hr", Role.EMPLOYER, "12345678")
FUND = Actor("f", Role.FUND, "OOI-TECHNIEK")
APT = Actor("apt", Role.PROCESREGIE, "APT")


@pytest.mark.parametrize("url", ["https://hooks.gemeente.nl/x", "http://127.0.0.1:8080/h", "http://10.20.3.4/h", "http://localhost/"])
def test_a_callback_on_an_allowed_host_is_accepted(url):
    assert check_callback_url(url, HOSTS) == url


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "127.0.0.1/x", "http://", "http://u:p@127.0.0.1/",
                                 "http://10.21.0.1/", "http://gemeente.nl.evil.com/", "http://169.254.169.254/", "https://x" + "y" * 2000])
def test_a_callback_that_is_not_http_on_an_allowed_host_is_refused(url):
    with pytest.raises(InvalidField) as refused:
        check_callback_url(url, HOSTS)
    assert refused.value.name == "callbackUrl"


def test_allowed_hosts_match_names_patterns_and_networks_only():
    assert host_allowed("a.b.gemeente.nl", HOSTS) and not host_allowed("gemeente.nl", HOSTS)
    assert host_allowed("[::1]", ("::1",)) and not host_allowed("127.0.0.2", HOSTS)
    assert not host_allowed("localhost", ()) and not host_allowed("intranet", ("", " "))


def test_event_types_must_be_known_and_are_kept_sorted_once():
    assert check_event_types(["nl.leerroute.placement.proposed", "nl.leerroute.benefit.stopped", "nl.leerroute.placement.proposed"]) == (
        "nl.leerroute.benefit.stopped", "nl.leerroute.placement.proposed")
    for names in ([], ["nl.leerroute.placement.teleported"]):
        with pytest.raises(InvalidField) as refused:
            check_event_types(names)
        assert refused.value.name == "eventTypes"


def test_every_type_name_is_stable_and_every_domain_event_maps_to_one_type():
    assert all(name.startswith("nl.leerroute.") and name == name.lower() for name in CATALOGUE)
    assert of_domain_event("PlacementProposed").name == "nl.leerroute.placement.proposed"
    assert of_domain_event("BenefitStopped").kind is Kind.BENEFIT
    assert of_domain_event("CandidateRegistered") is None and of_domain_event("SubscriptionRegistered") is None
    assert CATALOGUE[TRIGGER_REACHED].domain_event == ""


def test_thin_data_carries_only_the_named_fields():
    kind = CATALOGUE["nl.leerroute.placement.proposed"]
    data = thin_data(kind, {"placement_id": "p1", "employer_kvk": "12345678", "employer_name": "Bouw BV", "function": "monteur",
                            "level": JobLevel.ASSISTENT, "on": date(2026, 3, 2)})
    assert data == {"placementId": "p1", "employerKvk": "12345678", "level": "assistent"}


def test_filters_must_be_well_formed():
    assert check_filters(Filters("GM0363", None, "12345678")).municipality == "GM0363"
    for filters, name in ((Filters("Amsterdam"), "filters.municipality"), (Filters(employer_kvk="123"), "filters.employerKvk")):
        with pytest.raises(InvalidField) as refused:
            check_filters(filters)
        assert refused.value.name == name
    assert Filters.from_dict(Filters("GM0363", uuid4(), None).as_dict()).municipality == "GM0363"


def test_backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half():
    assert backoff_seconds(1, base=1, cap=300, jitter=0) == 0.5
    assert backoff_seconds(1, base=1, cap=300, jitter=0.999) < 1
    assert backoff_seconds(4, base=1, cap=300, jitter=1) == 8
    assert backoff_seconds(40, base=1, cap=300, jitter=0) == 150 and backoff_seconds(40, base=1, cap=300, jitter=1) == 300


def test_failing_after_the_configured_time_without_success():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    hour = timedelta(hours=1)
    assert not is_failing(None, now, hour) and not is_failing(now - hour / 2, now, hour) and is_failing(now - hour, now, hour)


def _subscription(actor: Actor = KM) -> Subscription:
    return Subscription.register(subscription_id=uuid4(), callback_url="http://127.0.0.1/h",
                                 event_types=("nl.leerroute.placement.proposed",), filters=Filters(), on=date(2026, 12, 1), actor=actor)


def test_a_subscription_lives_paused_resumed_rotated_replayed_and_deleted():
    s = _subscription()
    assert s.subscriber == Actor(f"subscription:{s.id}", Role.KLANTMANAGER, "GM0363") and s.owned_by(KM)
    assert not s.owned_by(Actor("x", Role.PRIVACY_OFFICER, "GM0363")) and not s.owned_by(Actor("y", Role.KLANTMANAGER, "GM0599"))
    on = date(2026, 12, 1)
    with pytest.raises(RuleViolation):
        s.resume(on=on, actor=KM)
    s.pause(on=on, actor=KM)
    with pytest.raises(RuleViolation):
        s.pause(on=on, actor=KM)
    s.resume(on=on, actor=KM)
    until = datetime(2026, 12, 2, tzinfo=UTC)
    s.rotate_secret(previous_valid_until=until, on=on, actor=KM)
    assert s.secret_version == 2 and s.previous_secret_valid_until == until
    with pytest.raises(InvalidField):
        s.request_replay(from_position=-1, on=on, actor=KM)
    s.request_replay(from_position=0, on=on, actor=KM)
    s.delete(on=on, actor=KM)
    assert s.status is SubscriptionStatus.DELETED
    for change in (lambda: s.pause(on=on, actor=KM), lambda: s.delete(on=on, actor=KM),
                   lambda: s.rotate_secret(previous_valid_until=until, on=on, actor=KM)):
        with pytest.raises(RuleViolation) as refused:
            change()
        assert refused.value.rule == "subscription-deleted"


def test_only_the_roles_that_subscribe_register():
    with pytest.raises(RuleViolation):
        _subscription(Actor("po", Role.PRIVACY_OFFICER, "GM0363"))


def test_a_role_subscribes_only_to_kinds_it_can_receive():
    check_subscribable(KM, tuple(CATALOGUE))
    check_subscribable(APT, tuple(CATALOGUE))
    for actor, name in ((EMPLOYER, "nl.leerroute.phase.started"), (EMPLOYER, "nl.leerroute.claim.filed"),
                        (FUND, "nl.leerroute.benefit.stopped")):
        with pytest.raises(InvalidField):
            check_subscribable(actor, (name,))
    assert ROLE_KINDS[Role.EMPLOYER] == {Kind.PLACEMENT}


def _trajectory(municipality: str = "GM0363") -> Trajectory:
    t = Trajectory.register(trajectory_id=uuid4(), municipality=municipality, candidate_id=uuid4(), target_group=TargetGroup.STATUSHOUDER,
                            on=date(2026, 1, 5), today=date(2026, 11, 22), benefit_monthly_cents=0, benefit_since=None,
                            actor=Actor("km", Role.KLANTMANAGER, municipality))
    t.propose_placement(placement_id="p1", employer_kvk="12345678", employer_name="Bouw BV", function="monteur", hours_per_week=32,
                        level=JobLevel.ASSISTENT, on=date(2026, 3, 2), today=date(2026, 11, 22),
                        actor=Actor("km", Role.KLANTMANAGER, municipality))
    return t


def test_filters_name_only_what_the_organisation_sees():
    access = AccessPolicy()
    own, other = _trajectory(), _trajectory("GM0599")
    check_filters_visible(access, KM, Filters("GM0363", own.id), own)
    check_filters_visible(access, APT, Filters("GM0599", other.id), other)
    check_filters_visible(access, EMPLOYER, Filters(trajectory_id=own.id, employer_kvk="12345678"), own)
    refusals = [
        (KM, Filters("GM0599"), None, "filters.municipality"),
        (EMPLOYER, Filters(employer_kvk="87654321"), None, "filters.employerKvk"),
        (KM, Filters(trajectory_id=other.id), other, "filters.trajectoryId"),
        (FUND, Filters(trajectory_id=own.id), own, "filters.trajectoryId"),  # no agreement covers it
        (KM, Filters(trajectory_id=uuid4()), None, "filters.trajectoryId"),
    ]
    for actor, filters, trajectory, name in refusals:
        with pytest.raises(InvalidField) as refused:
            check_filters_visible(access, actor, filters, trajectory)
        assert refused.value.name == name


def test_who_receives_an_event_follows_the_access_rules_at_delivery():
    t = _trajectory()
    proposed, stopped, started = (CATALOGUE[n] for n in ("nl.leerroute.placement.proposed", "nl.leerroute.benefit.stopped",
                                                         "nl.leerroute.phase.started"))
    covered = AccessPolicy(lambda fund, trajectory: fund == FUND.organisation)
    nobody = AccessPolicy()
    assert may_receive(nobody, EMPLOYER, proposed, trajectory=t, placement_id="p1")
    assert not may_receive(nobody, Actor("hr", Role.EMPLOYER, "87654321"), proposed, trajectory=t, placement_id="p1")
    assert not may_receive(nobody, EMPLOYER, started, trajectory=t)
    assert may_receive(nobody, KM, stopped, trajectory=t) and may_receive(nobody, APT, stopped, trajectory=t)
    assert not may_receive(nobody, Actor("km", Role.KLANTMANAGER, "GM0599"), started, trajectory=t)
    assert not may_receive(nobody, FUND, started, trajectory=t) and may_receive(covered, FUND, started, trajectory=t)
    assert not may_receive(covered, FUND, stopped, trajectory=t), "a fund never receives the bijstand"
    assert may_receive(covered, FUND, proposed, trajectory=t, placement_id="p1")
    assert not may_receive(nobody, KM, started), "no aggregate, nothing"
    assert not may_receive(nobody, KM, CATALOGUE["nl.leerroute.claim.filed"]), "no claim, nothing"


def test_filters_narrow_what_is_received():
    some = uuid4()
    assert matches_filters(Filters(), municipality="GM0363", trajectory_id=some, employer_kvk=None)
    assert not matches_filters(Filters("GM0599"), municipality="GM0363", trajectory_id=some, employer_kvk=None)
    assert not matches_filters(Filters(trajectory_id=uuid4()), municipality="GM0363", trajectory_id=some, employer_kvk=None)
    assert not matches_filters(Filters(employer_kvk="12345678"), municipality="GM0363", trajectory_id=some, employer_kvk=None)
    assert matches_filters(Filters(employer_kvk="12345678"), municipality="GM0363", trajectory_id=some, employer_kvk="12345678")
