"""Who may see and do what (``domain.access``): the view of a trajectory per role and organisation,
what a caller may do with a visible thing, the commands each role may issue (and whether a refusal
is "not found" or "not allowed"), and the scopes of lists and reports."""

from __future__ import annotations

import inspect
from datetime import date
from types import SimpleNamespace
from uuid import uuid4

import pytest

from domain import commands as c
from domain import route_model_commands as rm
from domain.access import (
    COMMAND_ROLES,
    FULL,
    FUND,
    NOTHING,
    PSEUDONYMISED,
    AccessPolicy,
    AgreementScope,
    ClaimScope,
    PlacementScope,
    TrajectoryScope,
    View,
    agreement_scope,
    can_see_agreement,
    can_see_claim,
    can_see_money_line,
    can_see_savings,
    can_see_trajectory_money,
    check_role,
    claim_scope,
    covers_nothing,
    money_report_scope,
    municipality_scope,
    placement_scope,
    roles_for,
    trajectory_scope,
)
from domain.errors import Forbidden, NotFound
from domain.money import MoneyScope
from domain.payments import Figures, MoneyLine
from domain.terms import AgreementView, FinancingKind, PayerKind, Terms, Trigger
from domain.trajectory import Trajectory
from domain.values import SYSTEM_ACTOR, Actor, Role

TODAY = date(2026, 11, 22)
KM = Actor("km-1", Role.KLANTMANAGER, "GM0363")
OTHER_KM = Actor("km-2", Role.KLANTMANAGER, "GM0599")
PRIVACY = Actor("po-1", Role.PRIVACY_OFFICER, "GM0363")
OTHER_PRIVACY = Actor("po-2", Role.PRIVACY_OFFICER, "GM0599")
APT = Actor("apt-1", Role.PROCESREGIE, "APT")
EMPLOYER = Actor("hr-1", Role.EMPLOYER, "12345678")  # has placement p1
SECOND_EMPLOYER = Actor("hr-2", Role.EMPLOYER, "87654321")  # has placement p2
STRANGER = Actor("hr-3", Role.EMPLOYER, "11112222")  # no placement on the trajectory
BOUW = Actor("f-1", Role.FUND, "OO-BOUW")
TECHNIEK = Actor("f-2", Role.FUND, "OO-TECHNIEK")
ALL = [KM, OTHER_KM, PRIVACY, OTHER_PRIVACY, APT, EMPLOYER, SECOND_EMPLOYER, STRANGER, BOUW, TECHNIEK, SYSTEM_ACTOR]


def _ids(value: object) -> str | None:
    return f"{value.role}-{value.organisation}" if isinstance(value, Actor) else None


@pytest.fixture(scope="module")
def trajectory() -> Trajectory:
    t = Trajectory.register(
        trajectory_id=uuid4(), municipality="GM0363", candidate_id=uuid4(), target_group="statushouder", on=date(2026, 1, 5), today=TODAY,
        benefit_monthly_cents=125_000, benefit_since=date(2024, 6, 1), actor=KM,
    )
    for pid, kvk in (("p1", "12345678"), ("p2", "87654321")):
        t.propose_placement(placement_id=pid, employer_kvk=kvk, employer_name="BV", function="monteur", hours_per_week=32,
                            level="assistent", on=date(2026, 2, 1), today=TODAY, actor=KM)
    return t


def _bouw_covers(fund: str, trajectory: Trajectory) -> bool:
    return fund == "OO-BOUW" and trajectory.municipality == "GM0363"


POLICY = AccessPolicy(_bouw_covers)


# -- the view of a trajectory --------------------------------------------------------------------------------


def test_the_views_of_a_trajectory():
    assert View(personal_data=True, candidate_name=True, benefit=True, route=True, placements_of=None) == FULL
    assert View(personal_data=False, candidate_name=False, benefit=True, route=True, placements_of=None) == PSEUDONYMISED
    assert View(personal_data=False, candidate_name=True, benefit=False, route=True, placements_of=None) == FUND
    assert View(personal_data=False, candidate_name=False, benefit=False, route=False, placements_of=None) == NOTHING


EXPECTED_VIEWS = [
    (KM, FULL),
    (OTHER_KM, None),
    (PRIVACY, NOTHING),
    (OTHER_PRIVACY, None),
    (APT, PSEUDONYMISED),
    (Actor("apt-2", Role.PROCESREGIE, "GM0599"), PSEUDONYMISED),
    (SYSTEM_ACTOR, PSEUDONYMISED),
    (EMPLOYER, View(personal_data=False, candidate_name=True, benefit=False, route=False, placements_of="12345678")),
    (SECOND_EMPLOYER, View(personal_data=False, candidate_name=True, benefit=False, route=False, placements_of="87654321")),
    (STRANGER, None),
    (Actor("hr-4", Role.EMPLOYER, "GM0363"), None),
    (BOUW, FUND),
    (TECHNIEK, None),
    (Actor("f-3", Role.FUND, "GM0363"), None),
]


@pytest.mark.parametrize(("actor", "view"), EXPECTED_VIEWS, ids=[_ids(a) for a, _ in EXPECTED_VIEWS])
def test_what_each_role_of_the_own_or_another_organisation_sees_of_a_trajectory(trajectory, actor, view):
    assert POLICY.view(actor, trajectory) == view
    assert POLICY.can_see(actor, trajectory) is (view is not None)
    if view is None:
        with pytest.raises(NotFound) as error:
            POLICY.visible(actor, trajectory)
        assert error.value.what == "trajectory"
    else:
        assert POLICY.visible(actor, trajectory) == view


def test_a_fund_sees_only_what_its_agreements_cover_and_by_default_nothing(trajectory):
    asked = []

    def coverage(fund: str, t: Trajectory) -> bool:
        asked.append((fund, t.id))
        return True

    assert AccessPolicy(coverage).view(BOUW, trajectory) == FUND
    assert asked == [("OO-BOUW", trajectory.id)]
    assert AccessPolicy().view(BOUW, trajectory) is None
    assert covers_nothing("OO-BOUW", trajectory) is False


def test_an_unknown_role_sees_nothing(trajectory):
    assert POLICY.view(SimpleNamespace(role="auditor", organisation="GM0363"), trajectory) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("actor", "visible"),
    [(KM, {"p1", "p2"}), (APT, {"p1", "p2"}), (BOUW, {"p1", "p2"}), (EMPLOYER, {"p1"}), (SECOND_EMPLOYER, {"p2"}), (STRANGER, set()),
     (OTHER_KM, set())],
    ids=_ids,
)
def test_an_employer_sees_only_its_own_placements_and_no_one_a_placement_that_does_not_exist(trajectory, actor, visible):
    assert {pid for pid in ("p1", "p2", "p9") if POLICY.can_see_placement(actor, trajectory, pid)} == visible


def test_a_privacy_officer_whose_view_holds_no_route_sees_no_placement(trajectory):
    assert not POLICY.can_see_placement(PRIVACY, trajectory, "p1")


def test_the_benefit_data_of_an_event_is_left_out_for_a_view_without_benefit():
    data = {"on": date(2026, 1, 5), "benefit_monthly_cents": 1, "benefit_since": date(2024, 1, 1), "monthly_cents": 2, "kind": "reduced"}
    assert AccessPolicy.event_data(FULL, data) == data
    assert AccessPolicy.event_data(PSEUDONYMISED, data) == data
    assert AccessPolicy.event_data(FUND, data) == {"on": date(2026, 1, 5), "kind": "reduced"}


# -- what a caller may do with a visible trajectory -------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "manage", "act", "erase", "access_log"),
    [
        (KM, True, True, True, False),
        (OTHER_KM, False, False, False, False),
        (PRIVACY, False, False, True, True),
        (OTHER_PRIVACY, False, False, False, False),
        (APT, False, False, False, True),
        (Actor("apt-2", Role.PROCESREGIE, "GM0363"), False, False, False, True),
        (EMPLOYER, False, True, False, False),
        (STRANGER, False, True, False, False),
        (Actor("hr-4", Role.EMPLOYER, "GM0363"), False, True, False, False),
        (Actor("f-3", Role.FUND, "GM0363"), False, False, False, False),
        (SYSTEM_ACTOR, False, False, False, False),
    ],
    ids=_ids,
)
def test_what_each_role_may_do_with_a_trajectory(trajectory, actor, manage, act, erase, access_log):
    assert POLICY.can_manage_route(actor, trajectory) is manage
    assert POLICY.can_act_on_placement(actor, trajectory) is act
    assert POLICY.can_erase(actor, trajectory) is erase
    assert POLICY.can_read_access_log(actor, trajectory) is access_log


def _agreement(payer_kind: PayerKind = PayerKind.FUND, payer: str = "OO-BOUW", claimant: str | None = None, **places: tuple) -> AgreementView:
    terms = Terms(date(2026, 1, 1), 1, municipalities=places.get("municipalities", ()), regions=places.get("regions", ()))
    return AgreementView(uuid4(), payer_kind, payer, claimant, FinancingKind.RESULT, Trigger.REGISTERED, None, date(2026, 1, 1), None,
                         None, (terms,))


def test_a_fund_may_name_a_trajectory_in_a_claim_that_its_own_agreement_covers_before_the_read_models_know(trajectory):
    nobody = AccessPolicy()  # the fund's coverage is not known yet
    assert nobody.can_name_in_claim(BOUW, trajectory, _agreement(municipalities=("GM0363",)), "Groot Amsterdam")
    assert nobody.can_name_in_claim(BOUW, trajectory, _agreement(regions=("Groot Amsterdam",)), "Groot Amsterdam")
    assert not nobody.can_name_in_claim(BOUW, trajectory, _agreement(regions=("Groot Amsterdam",)), "Rijnmond")
    assert not nobody.can_name_in_claim(BOUW, trajectory, _agreement(municipalities=("GM0599",)), "Groot Amsterdam")
    # Not its own agreement.
    assert not nobody.can_name_in_claim(TECHNIEK, trajectory, _agreement(municipalities=("GM0363",)), "Groot Amsterdam")


def test_anyone_else_names_in_a_claim_only_a_trajectory_it_sees(trajectory):
    anywhere = _agreement(PayerKind.MUNICIPALITY, "GM0599")  # covers every place, and is that klantmanager's own
    assert not POLICY.can_name_in_claim(OTHER_KM, trajectory, anywhere, "Groot Amsterdam")
    assert POLICY.can_name_in_claim(KM, trajectory, anywhere, "Groot Amsterdam")
    # A fund whose coverage shows the trajectory names it under any agreement.
    assert POLICY.can_name_in_claim(BOUW, trajectory, _agreement(municipalities=("GM0599",)), "Groot Amsterdam")


# -- the commands on a trajectory ---------------------------------------------------------------------------------


def _command(kind: type[c.TrajectoryCommand], trajectory: Trajectory, actor: Actor, placement_id: str = "p1") -> c.TrajectoryCommand:
    """A command of ``kind`` on ``trajectory`` with just enough data (access does not read the rest)."""
    fields = {"actor": actor, "on": TODAY, "trajectory_id": trajectory.id}
    if issubclass(kind, c.PlacementCommand):
        fields["placement_id"] = placement_id
    params = inspect.signature(kind).parameters
    return kind(**fields, **{name: None for name, p in params.items() if name not in fields and p.default is inspect.Parameter.empty})


ROUTE_COMMANDS = [c.StartPhase, c.CompletePhase, c.EndPhase, c.SkipPhase, c.AssessLanguage, c.RecordPractice, c.ObtainCertificate,
                  c.ProposePlacement, c.IssueGuarantee, c.RecordCheckIn, c.EndGuarantee, c.DropOut, c.ReEnter, c.ChangeBenefit,
                  c.GrantDeviation]


def _outcome(call) -> str:
    try:
        call()
    except NotFound as error:
        return f"not-found:{error.what}"
    except Forbidden:
        return "forbidden"
    return "allowed"


@pytest.mark.parametrize("kind", ROUTE_COMMANDS, ids=lambda k: k.__name__)
def test_a_route_command_is_the_own_klantmanagers_not_found_for_another_and_forbidden_for_other_roles(trajectory, kind):
    outcomes = {_ids(a): _outcome(lambda a=a: POLICY.check_command(_command(kind, trajectory, a), trajectory)) for a in ALL}
    assert outcomes == {
        "klantmanager-GM0363": "allowed", "klantmanager-GM0599": "not-found:trajectory",
        "privacy-officer-GM0363": "forbidden", "privacy-officer-GM0599": "forbidden", "procesregie-APT": "forbidden",
        "employer-12345678": "forbidden", "employer-87654321": "forbidden", "employer-11112222": "forbidden",
        "fund-OO-BOUW": "forbidden", "fund-OO-TECHNIEK": "forbidden", "system-leerroute": "forbidden",
    }


@pytest.mark.parametrize("kind", [c.ConfirmPlacement, c.DeclinePlacement], ids=lambda k: k.__name__)
def test_only_the_employer_of_a_placement_answers_it_and_another_employer_does_not_find_it(trajectory, kind):
    def outcome(actor: Actor, pid: str) -> str:
        return _outcome(lambda: POLICY.check_command(_command(kind, trajectory, actor, pid), trajectory))

    assert outcome(EMPLOYER, "p1") == "allowed"
    assert outcome(SECOND_EMPLOYER, "p2") == "allowed"
    assert outcome(EMPLOYER, "p2") == "not-found:placement"
    assert outcome(EMPLOYER, "p9") == "not-found:placement"
    assert outcome(STRANGER, "p1") == "not-found:trajectory"
    for actor in (KM, OTHER_KM, APT, BOUW, PRIVACY, SYSTEM_ACTOR):
        assert outcome(actor, "p1") == "forbidden"


@pytest.mark.parametrize("kind", [c.StartContract, c.EndPlacement], ids=lambda k: k.__name__)
def test_a_placement_is_started_and_ended_by_its_employer_or_the_own_klantmanager(trajectory, kind):
    def outcome(actor: Actor, pid: str) -> str:
        return _outcome(lambda: POLICY.check_command(_command(kind, trajectory, actor, pid), trajectory))

    assert outcome(EMPLOYER, "p1") == "allowed"
    assert outcome(KM, "p1") == "allowed" and outcome(KM, "p2") == "allowed"
    assert outcome(KM, "p9") == "not-found:placement"
    assert outcome(EMPLOYER, "p2") == "not-found:placement"
    assert outcome(STRANGER, "p1") == "not-found:trajectory"
    assert outcome(OTHER_KM, "p1") == "not-found:trajectory"
    for actor in (APT, BOUW, PRIVACY, SYSTEM_ACTOR):
        assert outcome(actor, "p1") == "forbidden"


def test_the_candidate_is_erased_by_the_own_klantmanager_or_privacy_officer(trajectory):
    outcomes = {_ids(a): _outcome(lambda a=a: POLICY.check_command(_command(c.EraseCandidate, trajectory, a), trajectory)) for a in ALL}
    assert outcomes == {
        "klantmanager-GM0363": "allowed", "klantmanager-GM0599": "not-found:trajectory",
        "privacy-officer-GM0363": "allowed", "privacy-officer-GM0599": "not-found:trajectory", "procesregie-APT": "forbidden",
        "employer-12345678": "forbidden", "employer-87654321": "forbidden", "employer-11112222": "forbidden",
        "fund-OO-BOUW": "forbidden", "fund-OO-TECHNIEK": "forbidden", "system-leerroute": "forbidden",
    }


def test_the_due_milestones_are_recorded_by_the_system_only(trajectory):
    outcomes = {_ids(a): _outcome(lambda a=a: POLICY.check_command(_command(c.RecordDueMilestones, trajectory, a), trajectory)) for a in ALL}
    assert outcomes == {name: ("allowed" if name == "system-leerroute" else "forbidden") for name in outcomes}
    POLICY.check_command(c.RecordDueMilestones(on=TODAY, trajectory_id=trajectory.id), trajectory)


class _EveryoneSeesEverything(AccessPolicy):
    """A policy that shows every trajectory in full: what one may *do* must not follow from seeing."""

    def view(self, actor: Actor, trajectory: Trajectory) -> View | None:
        return FULL


@pytest.mark.parametrize("kind", [c.StartPhase, c.EraseCandidate, c.StartContract], ids=lambda k: k.__name__)
def test_a_caller_who_sees_a_trajectory_but_may_not_change_it_is_forbidden_not_told_it_is_missing(trajectory, kind):
    policy = _EveryoneSeesEverything()
    assert _outcome(lambda: policy.check_command(_command(kind, trajectory, OTHER_KM), trajectory)) == "forbidden"
    assert _outcome(lambda: policy.check_command(_command(kind, trajectory, KM), trajectory)) == "allowed"
    policy.check_command(c.RecordDueMilestones(on=TODAY, trajectory_id=trajectory.id), trajectory)


def test_every_command_names_the_roles_that_may_issue_it():
    def concrete(cls: type) -> set[type]:
        found = set()
        for sub in cls.__subclasses__():
            if sub.__module__ in (c.__name__, rm.__name__):
                found |= {sub} | concrete(sub)
        return found

    abstract = {c.TrajectoryCommand, c.PlacementCommand, c.ClaimDecision, c.SubscriptionCommand, rm.RouteModelCommand,
                rm.RouteVariantCommand}
    assert concrete(c.Command) - abstract == set(COMMAND_ROLES)
    klantmanager, employer, fund, privacy, system = (Role.KLANTMANAGER, Role.EMPLOYER, Role.FUND, Role.PRIVACY_OFFICER, Role.SYSTEM)
    assert all(roles_for(kind) == {klantmanager} for kind in [c.RegisterTrajectory, *ROUTE_COMMANDS])
    assert roles_for(c.ConfirmPlacement) == roles_for(c.DeclinePlacement) == {employer}
    assert roles_for(c.StartContract) == roles_for(c.EndPlacement) == {klantmanager, employer}
    assert roles_for(c.EraseCandidate) == {klantmanager, privacy}
    assert roles_for(c.RecordDueMilestones) == roles_for(rm.PublishBaselineModel) == {system}
    assert all(roles_for(kind) == {Role.PROCESREGIE} for kind in (rm.DraftRouteModel, rm.ReviseRouteModel, rm.PublishRouteModel))
    for kind in (rm.DraftRouteVariant, rm.ReviseRouteVariant, rm.PublishRouteVariant):
        assert roles_for(kind) == {klantmanager, Role.PROCESREGIE}
    for kind in (c.ConcludeAgreement, c.ChangeAgreementTerms, c.FileClaim, c.ApproveClaim, c.RejectClaim, c.RecordPayment):
        assert roles_for(kind) == {klantmanager, fund}


def test_a_role_outside_the_allowed_roles_is_forbidden_and_told_which_are_allowed():
    check_role(KM, frozenset({Role.KLANTMANAGER, Role.FUND}))
    with pytest.raises(Forbidden) as error:
        check_role(APT, frozenset({Role.KLANTMANAGER, Role.FUND}))
    assert error.value.detail == "role procesregie may not do this (allowed: fund, klantmanager)"


# -- the scopes of lists -------------------------------------------------------------------------------------------


def test_a_klantmanager_lists_the_own_municipality_only():
    assert municipality_scope(KM, None) == "GM0363"
    assert municipality_scope(KM, "GM0363") == "GM0363"
    with pytest.raises(Forbidden):
        municipality_scope(KM, "GM0599")
    with pytest.raises(Forbidden):
        municipality_scope(KM, None, whole_country=True)
    with pytest.raises(Forbidden):
        municipality_scope(KM, "GM0363", whole_country=True)


def test_procesregie_lists_the_municipality_it_chooses_or_the_whole_country():
    assert municipality_scope(APT, None) is None
    assert municipality_scope(APT, "GM0599") == "GM0599"
    assert municipality_scope(APT, None, whole_country=True) is None


@pytest.mark.parametrize("actor", [EMPLOYER, BOUW, PRIVACY, SYSTEM_ACTOR], ids=_ids)
def test_other_roles_list_no_trajectories(actor):
    with pytest.raises(Forbidden):
        municipality_scope(actor, None)
    with pytest.raises(Forbidden):
        trajectory_scope(actor, None)


def test_the_scope_of_a_list_of_trajectories():
    assert trajectory_scope(KM, None) == TrajectoryScope("GM0363")
    assert trajectory_scope(APT, "GM0599") == TrajectoryScope("GM0599")
    assert trajectory_scope(APT, None) == TrajectoryScope(None)
    with pytest.raises(Forbidden):
        trajectory_scope(KM, "GM0599")


def test_the_scope_of_a_list_of_placements():
    assert placement_scope(EMPLOYER) == PlacementScope(employer_kvk="12345678", municipality=None)
    assert placement_scope(KM) == PlacementScope(employer_kvk=None, municipality="GM0363")
    assert placement_scope(APT) == PlacementScope(employer_kvk=None, municipality=None)
    for actor in (BOUW, PRIVACY, SYSTEM_ACTOR):
        with pytest.raises(Forbidden):
            placement_scope(actor)


# -- the money ----------------------------------------------------------------------------------------------------


def test_procesregie_and_the_parties_see_an_agreement():
    agreement = _agreement(PayerKind.FUND, "OO-BOUW", claimant="GM0599")
    assert can_see_agreement(APT, agreement)
    assert can_see_agreement(BOUW, agreement)
    assert can_see_agreement(OTHER_KM, agreement)  # the named claimant
    assert can_see_agreement(Actor("f", Role.FUND, "GM0599"), agreement)
    assert not can_see_agreement(Actor("hr", Role.EMPLOYER, "OO-BOUW"), agreement)
    assert not can_see_agreement(Actor("po", Role.PRIVACY_OFFICER, "GM0599"), agreement)
    assert not can_see_agreement(TECHNIEK, agreement)
    assert not can_see_agreement(KM, agreement)  # a claimant is named, so a covered municipality files nothing


def test_without_a_named_claimant_the_klantmanagers_of_the_places_it_covers_see_an_agreement():
    assert can_see_agreement(KM, _agreement(municipalities=("GM0363",)))
    assert not can_see_agreement(KM, _agreement(municipalities=("GM0599",)))
    assert can_see_agreement(KM, _agreement(regions=("Groot Amsterdam",)), "Groot Amsterdam")
    assert not can_see_agreement(KM, _agreement(regions=("Groot Amsterdam",)), "Rijnmond")
    assert not can_see_agreement(KM, _agreement(regions=("Groot Amsterdam",)))
    assert can_see_agreement(KM, _agreement())  # no places named: anywhere
    assert not can_see_agreement(TECHNIEK, _agreement())
    assert not can_see_agreement(Actor("po", Role.PRIVACY_OFFICER, "GM0363"), _agreement(municipalities=("GM0363",)))


def test_a_klantmanager_sees_an_agreement_that_any_of_its_terms_ever_covered():
    first = Terms(date(2026, 1, 1), 1, municipalities=("GM0599",))
    later = Terms(date(2026, 6, 1), 1, municipalities=("GM0363",))
    agreement = AgreementView(uuid4(), PayerKind.FUND, "OO-BOUW", None, FinancingKind.RESULT, Trigger.REGISTERED, None, date(2026, 1, 1),
                              None, None, (first, later))
    assert can_see_agreement(KM, agreement) and can_see_agreement(OTHER_KM, agreement)


def test_the_scope_of_a_list_of_agreements():
    assert agreement_scope(APT) == AgreementScope(party=None, unnamed_claimant=False)
    assert agreement_scope(KM) == AgreementScope(party="GM0363", unnamed_claimant=True)
    assert agreement_scope(BOUW) == AgreementScope(party="OO-BOUW", unnamed_claimant=False)
    assert agreement_scope(EMPLOYER) == AgreementScope(party="12345678", unnamed_claimant=False)


def test_the_money_of_a_trajectory_is_seen_by_its_municipality_procesregie_and_a_fund_that_covers_it(trajectory):
    covering = [_agreement(municipalities=("GM0363",))]
    assert can_see_trajectory_money(KM, trajectory, [], "Groot Amsterdam")
    assert not can_see_trajectory_money(OTHER_KM, trajectory, covering, "Groot Amsterdam")
    assert can_see_trajectory_money(APT, trajectory, [], "Groot Amsterdam")
    assert can_see_trajectory_money(BOUW, trajectory, covering, "Groot Amsterdam")
    assert not can_see_trajectory_money(BOUW, trajectory, [_agreement(municipalities=("GM0599",))], "Groot Amsterdam")
    assert can_see_trajectory_money(BOUW, trajectory, [_agreement(regions=("Groot Amsterdam",))], "Groot Amsterdam")
    assert not can_see_trajectory_money(BOUW, trajectory, [_agreement(regions=("Groot Amsterdam",))], "Rijnmond")
    for actor in (EMPLOYER, PRIVACY, SYSTEM_ACTOR):
        assert not can_see_trajectory_money(actor, trajectory, covering, "Groot Amsterdam")


def _claim(payer: str = "OO-BOUW", claimant: str = "GM0599", municipality: str = "GM0363") -> SimpleNamespace:
    return SimpleNamespace(payer=payer, claimant=claimant, municipality=municipality)


def test_a_claim_is_seen_by_its_claimant_its_payer_the_trajectorys_municipality_and_procesregie():
    claim = _claim()
    assert can_see_claim(APT, claim)  # type: ignore[arg-type]
    assert can_see_claim(BOUW, claim)  # type: ignore[arg-type]
    assert can_see_claim(OTHER_KM, claim)  # type: ignore[arg-type]
    assert can_see_claim(Actor("f", Role.FUND, "GM0599"), claim)  # type: ignore[arg-type]
    assert can_see_claim(KM, claim)  # type: ignore[arg-type]
    assert not can_see_claim(TECHNIEK, claim)  # type: ignore[arg-type]
    assert not can_see_claim(Actor("f", Role.FUND, "GM0363"), claim)  # type: ignore[arg-type]
    assert not can_see_claim(Actor("hr", Role.EMPLOYER, "OO-BOUW"), claim)  # type: ignore[arg-type]
    assert not can_see_claim(Actor("po", Role.PRIVACY_OFFICER, "GM0363"), claim)  # type: ignore[arg-type]
    assert not can_see_claim(Actor("km", Role.KLANTMANAGER, "GM0111"), claim)  # type: ignore[arg-type]


def test_the_scope_of_a_list_of_claims():
    assert claim_scope(APT) == ClaimScope(party=None, municipality=None)
    assert claim_scope(KM) == ClaimScope(party="GM0363", municipality="GM0363")
    assert claim_scope(BOUW) == ClaimScope(party="OO-BOUW", municipality=None)


def _line(municipality: str = "GM0363", payer: str = "OO-BOUW", claimant: str | None = "GM0599") -> MoneyLine:
    return MoneyLine(uuid4(), uuid4(), municipality, PayerKind.FUND, payer, claimant, FinancingKind.RESULT, None, "committed", None, Figures())


def test_a_money_line_is_seen_by_its_municipality_the_fund_that_pays_or_claims_under_it_and_procesregie():
    line = _line()
    assert can_see_money_line(APT, line)
    assert can_see_money_line(KM, line)
    assert not can_see_money_line(OTHER_KM, line)  # the claimant's klantmanager sees its own municipality's lines only
    assert can_see_money_line(BOUW, line)
    assert can_see_money_line(Actor("f", Role.FUND, "GM0599"), line)
    assert not can_see_money_line(TECHNIEK, line)
    assert not can_see_money_line(Actor("hr", Role.EMPLOYER, "OO-BOUW"), line)
    assert not can_see_money_line(Actor("po", Role.PRIVACY_OFFICER, "GM0363"), line)


def test_the_savings_of_a_municipality_are_seen_by_its_klantmanagers_and_procesregie():
    assert can_see_savings(KM, "GM0363")
    assert not can_see_savings(KM, "GM0599")
    assert can_see_savings(APT, "GM0599")
    for actor in (BOUW, Actor("f", Role.FUND, "GM0363"), Actor("po", Role.PRIVACY_OFFICER, "GM0363"), EMPLOYER):
        assert not can_see_savings(actor, "GM0363")


def test_what_a_money_report_reads_for_each_caller():
    assert money_report_scope(KM) == MoneyScope(municipality="GM0363")
    assert money_report_scope(BOUW) == MoneyScope(fund="OO-BOUW")
    assert money_report_scope(APT) == MoneyScope()
    assert money_report_scope(APT).everything

