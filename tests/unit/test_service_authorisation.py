"""Who may issue which command, through ``Service.handle``: a role that may not issue a command is
``Forbidden``; a trajectory, placement, agreement or claim the caller cannot see is ``NotFound``
(as one that does not exist, so its existence does not leak); a visible one the caller may not
change is ``Forbidden``. Nothing is recorded for a refused command."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from domain import commands as c
from domain import route_model_commands as rm
from domain.access import COMMAND_ROLES, covers_nothing
from domain.errors import Forbidden, InvalidField, NotFound
from domain.terms import Terms, Trigger
from domain.values import SYSTEM_ACTOR, Actor, Role, TargetGroup
from tests.unit.fakes import (
    APT,
    EMPLOYER,
    FUND,
    KM,
    OTHER_EMPLOYER,
    OTHER_FUND,
    OTHER_KM,
    OTHER_PRIVACY,
    PERSON,
    PRIVACY,
    World,
    sample,
)

ON = date(2026, 3, 10)

# One actor of each role, of the organisations the route below concerns.
BY_ROLE = {Role.KLANTMANAGER: KM, Role.EMPLOYER: EMPLOYER, Role.FUND: FUND, Role.PROCESREGIE: APT,
           Role.PRIVACY_OFFICER: PRIVACY, Role.SYSTEM: SYSTEM_ACTOR}

TRAJECTORY_COMMANDS = [k for k in COMMAND_ROLES if issubclass(k, c.TrajectoryCommand)]
MONEY_COMMANDS = [k for k in COMMAND_ROLES if not issubclass(k, c.TrajectoryCommand) and k is not c.RegisterTrajectory]


def _route(world: World) -> tuple[UUID, str]:
    """A GM0363 trajectory with a placement proposed to EMPLOYER, whom the fund's agreement covers."""
    t = world.register()
    world.conclude(actor=FUND)
    return t, world.propose(t)


def _refused_roles(kind: type[c.Command]) -> list[Role]:
    return [r for r in Role if r not in COMMAND_ROLES[kind]]


# --- a role that may not issue the command ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "role"),
    [pytest.param(k, r, id=f"{k.__name__}-{r}") for k in TRAJECTORY_COMMANDS for r in _refused_roles(k)],
)
def test_a_role_that_may_not_issue_a_trajectory_command_is_forbidden(kind, role):
    world = World()
    t, placement = _route(world)
    world.refuses(sample(kind, t, on=ON, placement_id=placement, actor=BY_ROLE[role]), Forbidden)


def _money_command(kind: type[c.Command], actor: Actor, ids: dict[str, UUID]) -> c.Command:
    terms = Terms(effective_from=date(2026, 6, 1), amount_cents=300_000, municipalities=("GM0363",))
    return {
        c.ConcludeAgreement: lambda: c.ConcludeAgreement(
            actor=actor, on=ON, kind="result", trigger=Trigger.REGISTERED, phase=None, claimant=None,
            valid_from=date(2026, 1, 1), valid_until=None, budget_cap_cents=None, terms=terms),
        c.ChangeAgreementTerms: lambda: c.ChangeAgreementTerms(actor=actor, on=date(2026, 6, 1), agreement_id=ids["agreement"],
                                                               terms=terms),
        c.FileClaim: lambda: c.FileClaim(actor=actor, on=ON, agreement_id=ids["agreement"], trajectory_id=ids["trajectory"]),
        c.ApproveClaim: lambda: c.ApproveClaim(actor=actor, on=ON, claim_id=ids["claim"]),
        c.RejectClaim: lambda: c.RejectClaim(actor=actor, on=ON, claim_id=ids["claim"], reason="no proof"),
        c.RecordPayment: lambda: c.RecordPayment(actor=actor, on=ON, claim_id=ids["claim"]),
        c.RegisterSubscription: lambda: c.RegisterSubscription(actor=actor, on=ON, callback_url="http://127.0.0.1/hook",
                                                               event_types=("nl.leerroute.placement.proposed",)),
        **{kind: (lambda kind=kind: kind(actor=actor, on=ON, subscription_id=uuid4()))
           for kind in (c.RotateSubscriptionSecret, c.PauseSubscription, c.ResumeSubscription, c.DeleteSubscription,
                        c.ReplaySubscription)},
        rm.DraftRouteModel: lambda: rm.DraftRouteModel(actor=actor, on=ON, content={}, valid_from=date(2027, 1, 1)),
        rm.ReviseRouteModel: lambda: rm.ReviseRouteModel(actor=actor, on=ON, model_version=2),
        rm.PublishRouteModel: lambda: rm.PublishRouteModel(actor=actor, on=ON, model_version=2),
        rm.PublishBaselineModel: lambda: rm.PublishBaselineModel(actor=actor, on=ON),
        rm.DraftRouteVariant: lambda: rm.DraftRouteVariant(actor=actor, on=ON, model_version=1, content={"region": "Rijnmond"},
                                                           valid_from=date(2027, 1, 1)),
        rm.ReviseRouteVariant: lambda: rm.ReviseRouteVariant(actor=actor, on=ON, variant_id=uuid4()),
        rm.PublishRouteVariant: lambda: rm.PublishRouteVariant(actor=actor, on=ON, variant_id=uuid4()),
    }[kind]()


def _claimed(world: World) -> dict[str, UUID]:
    """A GM0363 trajectory, a fund's agreement on its registration (the klantmanager claims) and its filed claim."""
    t = world.register()
    a = world.conclude(actor=FUND, trigger=Trigger.REGISTERED)
    claim = world.file(a, t, on=date(2026, 2, 1)).aggregate.id
    return {"trajectory": t, "agreement": a, "claim": claim}


@pytest.mark.parametrize(
    ("kind", "role"),
    [pytest.param(k, r, id=f"{k.__name__}-{r}") for k in MONEY_COMMANDS for r in _refused_roles(k)],
)
def test_a_role_that_may_not_issue_a_money_command_is_forbidden(kind, role):
    world = World()
    ids = _claimed(world)
    world.refuses(_money_command(kind, BY_ROLE[role], ids), Forbidden)


@pytest.mark.parametrize("role", _refused_roles(c.RegisterTrajectory))
def test_only_a_klantmanager_registers(role):
    world = World()
    command = c.RegisterTrajectory(actor=BY_ROLE[role], on=ON, person=PERSON, target_group=TargetGroup.STATUSHOUDER)
    world.refuses(command, Forbidden)


# --- invisible: not found ---------------------------------------------------------------------------

KLANTMANAGER_COMMANDS = [k for k in TRAJECTORY_COMMANDS if Role.KLANTMANAGER in COMMAND_ROLES[k]]


@pytest.mark.parametrize("kind", KLANTMANAGER_COMMANDS, ids=lambda k: k.__name__)
def test_another_municipalitys_klantmanager_does_not_find_the_trajectory(kind):
    world = World()
    t, placement = _route(world)
    error = world.refuses(sample(kind, t, on=ON, placement_id=placement, actor=OTHER_KM), NotFound)
    assert error.what == "trajectory"


def test_another_municipalitys_privacy_officer_does_not_find_the_trajectory_to_erase():
    world = World()
    t, _ = _route(world)
    assert world.refuses(sample(c.EraseCandidate, t, on=ON, actor=OTHER_PRIVACY), NotFound).what == "trajectory"


@pytest.mark.parametrize("kind", [c.ConfirmPlacement, c.DeclinePlacement, c.StartContract, c.EndPlacement],
                         ids=lambda k: k.__name__)
def test_an_employer_without_a_placement_on_the_route_does_not_find_the_trajectory(kind):
    world = World()
    t, placement = _route(world)
    error = world.refuses(sample(kind, t, on=ON, placement_id=placement, actor=OTHER_EMPLOYER), NotFound)
    assert error.what == "trajectory"


@pytest.mark.parametrize("kind", [c.ConfirmPlacement, c.DeclinePlacement, c.StartContract, c.EndPlacement],
                         ids=lambda k: k.__name__)
def test_an_employer_does_not_find_another_employers_placement_on_its_route(kind):
    world = World()
    t, own = _route(world)
    theirs = world.propose(t, employer=OTHER_EMPLOYER)
    error = world.refuses(sample(kind, t, on=ON, placement_id=theirs, actor=EMPLOYER), NotFound)
    assert error.what == "placement"
    assert own != theirs


@pytest.mark.parametrize("actor", [KM, EMPLOYER], ids=["klantmanager", "employer"])
def test_a_placement_the_route_does_not_have_is_not_found(actor):
    world = World()
    t, _ = _route(world)
    error = world.refuses(sample(c.StartContract, t, on=ON, placement_id="no-such-placement", actor=actor), NotFound)
    assert error.what == "placement"


@pytest.mark.parametrize("kind", TRAJECTORY_COMMANDS, ids=lambda k: k.__name__)
def test_a_trajectory_that_does_not_exist_is_not_found_by_a_role_that_may_issue_the_command(kind):
    world = World()
    _route(world)
    actor = KM if Role.KLANTMANAGER in COMMAND_ROLES[kind] else BY_ROLE[next(iter(COMMAND_ROLES[kind]))]
    assert world.refuses(sample(kind, uuid4(), on=ON, actor=actor), NotFound).what == "trajectory"


def test_an_agreement_id_that_names_a_trajectory_is_not_found():
    world = World()
    t, _ = _route(world)
    command = c.ChangeAgreementTerms(actor=FUND, on=date(2026, 6, 1), agreement_id=t,
                                     terms=Terms(effective_from=date(2026, 6, 1), amount_cents=1))
    assert world.refuses(command, NotFound).what == "financing agreement"


# --- the system actor --------------------------------------------------------------------------------


def test_the_system_records_due_milestones_on_any_municipalitys_route():
    world = World()
    t = world.register()
    other = world.register(actor=OTHER_KM)
    for trajectory in (t, other):
        outcome = world.handle(c.RecordDueMilestones(trajectory_id=trajectory, on=date(2026, 11, 22)))
        assert outcome.recorded == 1  # the route stalled eight weeks after its registration
        assert world.log.event_names(trajectory)[-1] == "RouteStalled"


@pytest.mark.parametrize("kind", [c.StartPhase, c.DropOut, c.EraseCandidate, c.ChangeBenefit], ids=lambda k: k.__name__)
def test_the_system_actor_does_nothing_but_record_due_milestones(kind):
    world = World()
    t, _ = _route(world)
    world.refuses(sample(kind, t, on=ON, actor=SYSTEM_ACTOR), Forbidden)


# --- visible, but not the caller's to change: forbidden --------------------------------------------


@pytest.mark.parametrize("kind", [c.StartPhase, c.ProposePlacement, c.ChangeBenefit, c.GrantDeviation, c.StartContract],
                         ids=lambda k: k.__name__)
@pytest.mark.parametrize("actor", [APT, PRIVACY], ids=["procesregie", "privacy-officer"])
def test_procesregie_and_the_privacy_officer_see_the_route_but_do_not_change_it(kind, actor):
    world = World()
    t, placement = _route(world)
    world.refuses(sample(kind, t, on=ON, placement_id=placement, actor=actor), Forbidden)


def test_the_municipalitys_privacy_officer_and_klantmanager_may_erase():
    for actor in (PRIVACY, KM):
        world = World()
        t, _ = _route(world)
        assert world.handle(sample(c.EraseCandidate, t, on=ON, actor=actor)).recorded == 1


def test_a_fund_outside_its_coverage_does_not_find_the_trajectory_it_names_in_a_claim():
    world = World()
    t = world.register()
    elsewhere = world.conclude(actor=FUND, trigger=Trigger.REGISTERED, claimant=FUND.organisation, municipalities=("GM0599",))
    error = world.refuses(c.FileClaim(actor=FUND, on=ON, agreement_id=elsewhere, trajectory_id=t), NotFound)
    assert error.what == "trajectory"


# -- agreements


def test_a_fund_does_not_find_another_funds_agreement():
    world = World()
    a = world.conclude(actor=OTHER_FUND, municipalities=("GM0599",))
    command = c.ChangeAgreementTerms(actor=FUND, on=date(2026, 6, 1), agreement_id=a,
                                     terms=Terms(effective_from=date(2026, 6, 1), amount_cents=1))
    assert world.refuses(command, NotFound).what == "financing agreement"


def test_a_klantmanager_does_not_find_an_agreement_that_does_not_cover_its_municipality():
    world = World()
    a = world.conclude(actor=FUND, municipalities=("GM0599",))
    command = c.ChangeAgreementTerms(actor=KM, on=date(2026, 6, 1), agreement_id=a,
                                     terms=Terms(effective_from=date(2026, 6, 1), amount_cents=1))
    assert world.refuses(command, NotFound).what == "financing agreement"


def test_an_unknown_agreement_is_not_found():
    world = World()
    command = c.ChangeAgreementTerms(actor=FUND, on=date(2026, 6, 1), agreement_id=uuid4(),
                                     terms=Terms(effective_from=date(2026, 6, 1), amount_cents=1))
    assert world.refuses(command, NotFound).what == "financing agreement"


@pytest.mark.parametrize(
    ("payer", "claimant", "changer"),
    [
        pytest.param(KM, FUND.organisation, FUND, id="the-named-claimant-fund"),
        pytest.param(FUND, None, KM, id="a-covered-klantmanager"),
        pytest.param(FUND, KM.organisation, KM, id="the-named-claimant-municipality"),
    ],
)
def test_who_sees_an_agreement_but_does_not_pay_it_may_not_change_its_terms(payer, claimant, changer):
    world = World()
    a = world.conclude(actor=payer, claimant=claimant)
    command = c.ChangeAgreementTerms(actor=changer, on=date(2026, 6, 1), agreement_id=a,
                                     terms=Terms(effective_from=date(2026, 6, 1), amount_cents=1))
    world.refuses(command, Forbidden)


def test_the_payer_changes_the_terms():
    world = World()
    a = world.conclude(actor=FUND)
    terms = Terms(effective_from=date(2020, 1, 1), amount_cents=300_000, municipalities=("GM0363",))
    outcome = world.handle(c.ChangeAgreementTerms(actor=FUND, on=date(2026, 6, 1), agreement_id=a, terms=terms))
    assert outcome.aggregate.terms_on(date(2026, 6, 1)).amount_cents == 300_000


# -- claims


@pytest.mark.parametrize("actor", [OTHER_KM, OTHER_FUND], ids=["another-klantmanager", "another-fund"])
@pytest.mark.parametrize("kind", [c.ApproveClaim, c.RejectClaim, c.RecordPayment], ids=lambda k: k.__name__)
def test_a_claim_of_others_is_not_found(kind, actor):
    world = World()
    ids = _claimed(world)
    assert world.refuses(_money_command(kind, actor, ids), NotFound).what == "claim"


@pytest.mark.parametrize("kind", [c.ApproveClaim, c.RejectClaim, c.RecordPayment], ids=lambda k: k.__name__)
def test_an_unknown_claim_is_not_found(kind):
    world = World()
    ids = _claimed(world)
    assert world.refuses(_money_command(kind, FUND, {**ids, "claim": uuid4()}), NotFound).what == "claim"


@pytest.mark.parametrize("kind", [c.ApproveClaim, c.RejectClaim, c.RecordPayment], ids=lambda k: k.__name__)
def test_the_claimant_klantmanager_does_not_decide_on_a_claim_the_fund_pays(kind):
    world = World()
    ids = _claimed(world)
    world.refuses(_money_command(kind, KM, ids), Forbidden)


@pytest.mark.parametrize("kind", [c.ApproveClaim, c.RejectClaim, c.RecordPayment], ids=lambda k: k.__name__)
def test_a_fund_does_not_decide_on_a_claim_it_files_but_does_not_pay(kind):
    world = World()
    t = world.register()
    a = world.conclude(actor=KM, trigger=Trigger.REGISTERED, claimant=FUND.organisation)
    claim = world.file(a, t, actor=FUND, on=date(2026, 2, 1)).aggregate.id
    world.refuses(_money_command(kind, FUND, {"claim": claim}), Forbidden)


def test_the_trajectorys_klantmanager_sees_a_claim_another_files_and_may_not_decide_on_it():
    world = World()
    t = world.register()
    a = world.conclude(actor=OTHER_FUND, trigger=Trigger.REGISTERED, claimant=FUND.organisation)
    claim = world.file(a, t, actor=FUND, on=date(2026, 2, 1)).aggregate.id
    world.refuses(c.ApproveClaim(actor=KM, on=ON, claim_id=claim), Forbidden)
    assert world.handle(c.ApproveClaim(actor=OTHER_FUND, on=ON, claim_id=claim)).aggregate.status == "approved"


# --- the order of the questions ------------------------------------------------------------------


@pytest.mark.parametrize("kind", [c.StartPhase, c.ConfirmPlacement, c.EraseCandidate], ids=lambda k: k.__name__)
def test_a_role_that_may_not_issue_the_command_is_forbidden_whether_or_not_the_trajectory_exists(kind):
    world = World(fund_coverage=covers_nothing)
    existing = world.register()
    actor = FUND  # may issue no trajectory command at all
    world.refuses(sample(kind, existing, on=ON, actor=actor), Forbidden)
    world.refuses(sample(kind, uuid4(), on=ON, actor=actor), Forbidden)



def test_an_agreement_the_claimant_cannot_see_is_refused_like_an_unknown_one_whatever_the_trajectory():
    world = World()
    theirs = world.conclude(actor=OTHER_FUND, municipalities=("GM0599",))
    for agreement in (uuid4(), theirs):
        error = world.refuses(c.FileClaim(actor=KM, on=ON, agreement_id=agreement, trajectory_id=uuid4()), InvalidField)
        assert error.name == "agreementId"
