"""The rules of financing agreements as ``Service.handle`` surfaces them: concluding one and changing
its terms, each rule with its exact error class and field, and nothing committed.

(``FinancingAgreement.conclude``'s own ``Forbidden`` for a non-payer is not reachable through the
service: the payer is always the caller's own organisation.)"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from domain import commands as c
from domain.errors import InvalidField
from domain.terms import FinancingKind, PayerKind, Terms, Trigger
from domain.values import Phase
from tests.unit.fakes import FUND, KM, World

START = date(2026, 1, 1)


def _conclude(actor: Any = FUND, *, terms: dict[str, Any] | None = None, **fields: Any) -> c.ConcludeAgreement:
    values: dict[str, Any] = {
        "actor": actor, "on": START, "kind": FinancingKind.RESULT, "trigger": Trigger.PLACEMENT_STARTED, "phase": None,
        "claimant": None, "valid_from": START, "valid_until": None, "budget_cap_cents": None,
    }
    values.update(fields)
    term_values: dict[str, Any] = {"effective_from": START, "amount_cents": 250_000, "municipalities": ("GM0363",)}
    term_values.update(terms or {})
    return c.ConcludeAgreement(terms=Terms(**term_values), **values)


CONCLUDE_CASES = [
    pytest.param(_conclude(on=date(2026, 11, 23)), "concludedOn", id="concluded-after-today"),
    pytest.param(_conclude(trigger=Trigger.PHASE_STARTED), "phase", id="phase-started-without-phase"),
    pytest.param(_conclude(trigger=Trigger.PHASE_COMPLETED), "phase", id="phase-completed-without-phase"),
    pytest.param(_conclude(trigger=Trigger.REGISTERED, phase=Phase.ORIENTATION), "phase", id="registered-with-phase"),
    pytest.param(_conclude(trigger=Trigger.PLACEMENT_STARTED, phase=Phase.ORIENTATION), "phase", id="placement-with-phase"),
    pytest.param(_conclude(trigger=Trigger.LASTING_PLACEMENT, phase=Phase.BEDRIJFSVAKSCHOOL), "phase", id="lasting-with-phase"),
    pytest.param(_conclude(valid_until=date(2025, 12, 31)), "validUntil", id="valid-until-before-valid-from"),
    pytest.param(_conclude(budget_cap_cents=0), "budgetCapCents", id="budget-cap-0"),
    pytest.param(_conclude(budget_cap_cents=-100), "budgetCapCents", id="budget-cap-negative"),
    pytest.param(_conclude(budget_cap_cents=100.5), "budgetCapCents", id="budget-cap-fraction"),
    pytest.param(_conclude(terms={"amount_cents": 0}), "amountCents", id="amount-0"),
    pytest.param(_conclude(terms={"amount_cents": 2.5}), "amountCents", id="amount-fraction"),
    pytest.param(_conclude(terms={"min_placement_months": 121}), "minPlacementMonths", id="months-over-120"),
    pytest.param(_conclude(terms={"min_placement_months": -1}), "minPlacementMonths", id="months-negative"),
    pytest.param(_conclude(terms={"min_placement_months": True}), "minPlacementMonths", id="months-a-bool"),
    pytest.param(_conclude(terms={"target_groups": ("refugee",)}), "targetGroups", id="unknown-target-group"),
    pytest.param(_conclude(terms={"municipalities": ("Amsterdam",)}), "municipalities", id="not-a-municipality-code"),
    pytest.param(_conclude(KM, terms={"municipalities": ("GM0599",)}), "municipalities", id="municipality-finances-another"),
    pytest.param(_conclude(KM, terms={"municipalities": ("GM0363", "GM0599")}), "municipalities",
                 id="municipality-finances-more"),
    pytest.param(_conclude(KM, terms={"municipalities": (), "regions": ("Groot Amsterdam",)}), "municipalities",
                 id="municipality-finances-a-region"),
]


@pytest.mark.parametrize(("command", "field"), CONCLUDE_CASES)
def test_an_agreement_that_breaks_a_rule_is_not_concluded(command, field):
    world = World()
    assert world.refuses(command, InvalidField).name == field


@pytest.mark.parametrize("phase", [None, Phase.PRE_TRAJECTORY], ids=["any-phase", "pre-trajectory"])
def test_a_certificate_trigger_may_name_its_phase_or_not(phase):
    world = World()
    outcome = world.handle(_conclude(trigger=Trigger.CERTIFICATE_OBTAINED, phase=phase))
    assert outcome.aggregate.phase == phase and outcome.recorded == 1


def test_a_municipality_finances_its_own_trajectories_whether_or_not_its_terms_say_so():
    world = World()
    agreement = world.handle(_conclude(KM, terms={"municipalities": ()})).aggregate
    assert agreement.payer_kind is PayerKind.MUNICIPALITY and agreement.payer == "GM0363"
    assert agreement.terms_history[0].municipalities == ("GM0363",)


def test_a_fund_concludes_for_itself_and_its_terms_start_with_the_validity():
    world = World()
    outcome = world.handle(_conclude(FUND, valid_from=date(2026, 2, 1), terms={"effective_from": date(2030, 1, 1)}))
    agreement = outcome.aggregate
    assert (agreement.payer_kind, agreement.payer) == (PayerKind.FUND, FUND.organisation)
    assert agreement.terms_history[0].effective_from == date(2026, 2, 1)
    assert outcome.position == world.log.last_position() and world.notified == 1
    assert world.log.access_log == []  # an agreement concerns no candidate


# --- changing the terms ------------------------------------------------------------------------------------


def _change(agreement_id: Any, on: date, actor: Any = FUND, **terms: Any) -> c.ChangeAgreementTerms:
    values: dict[str, Any] = {"effective_from": on, "amount_cents": 300_000, "municipalities": ("GM0363",)}
    values.update(terms)
    return c.ChangeAgreementTerms(actor=actor, on=on, agreement_id=agreement_id, terms=Terms(**values))


CHANGE_CASES = [
    pytest.param(FUND, {"on": START}, "effectiveFrom", id="on-the-first-terms-date"),
    pytest.param(FUND, {"on": date(2025, 12, 1)}, "effectiveFrom", id="before-the-first-terms"),
    pytest.param(FUND, {"on": date(2026, 7, 1)}, "effectiveFrom", id="after-the-validity"),
    pytest.param(FUND, {"amount_cents": 0}, "amountCents", id="amount-0"),
    pytest.param(FUND, {"min_placement_months": 121}, "minPlacementMonths", id="months-over-120"),
    pytest.param(FUND, {"target_groups": ("refugee",)}, "targetGroups", id="unknown-target-group"),
    pytest.param(FUND, {"municipalities": ("0363",)}, "municipalities", id="not-a-municipality-code"),
    pytest.param(KM, {"municipalities": ("GM0599",)}, "municipalities", id="municipality-finances-another"),
    pytest.param(KM, {"municipalities": (), "regions": ("Groot Amsterdam",)}, "municipalities", id="municipality-finances-a-region"),
]


@pytest.mark.parametrize(("payer", "change", "field"), CHANGE_CASES)
def test_a_terms_change_that_breaks_a_rule_is_refused(payer, change, field):
    world = World()
    agreement = world.handle(_conclude(payer, valid_until=date(2026, 6, 30))).aggregate.id
    change = dict(change)  # the case is shared by every run of the test
    on = change.pop("on", date(2026, 6, 1))
    assert world.refuses(_change(agreement, on, payer, **change), InvalidField).name == field


def test_terms_changes_follow_each_other_in_time():
    world = World()
    agreement = world.handle(_conclude()).aggregate.id
    world.handle(_change(agreement, date(2026, 6, 1)))
    assert world.refuses(_change(agreement, date(2026, 6, 1)), InvalidField).name == "effectiveFrom"
    assert world.refuses(_change(agreement, date(2026, 5, 1)), InvalidField).name == "effectiveFrom"
    later = world.handle(_change(agreement, date(2026, 9, 1), amount_cents=400_000)).aggregate
    assert [t.amount_cents for t in later.terms_history] == [250_000, 300_000, 400_000]
    assert later.terms_on(date(2026, 7, 1)).amount_cents == 300_000


def test_a_municipalitys_changed_terms_stay_its_own():
    world = World()
    agreement = world.handle(_conclude(KM)).aggregate.id
    changed = world.handle(_change(agreement, date(2026, 6, 1), KM, municipalities=())).aggregate
    assert changed.terms_history[-1].municipalities == ("GM0363",)


def test_the_terms_take_effect_on_the_commands_date():
    world = World()
    agreement = world.handle(_conclude()).aggregate.id
    command = _change(agreement, date(2026, 6, 1))
    command = dataclasses.replace(command, terms=dataclasses.replace(command.terms, effective_from=date(2020, 1, 1)))
    assert world.handle(command).aggregate.terms_history[-1].effective_from == date(2026, 6, 1)
