"""The money's view of the log (``domain.money``) on hand-made events: what is visible as of a
moment, the facts of a trajectory, an agreement and a claim as of that moment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from domain.money import (
    AsOf,
    LoggedEvent,
    MoneyScope,
    TrajectoryFacts,
    agreement_as_of,
    claim_as_of,
    logged,
    trajectory_facts,
    trajectory_money_event,
)
from domain.route_model import BASELINE_MODEL_ID
from domain.terms import ClaimStatus, FinancingKind, PayerKind, Terms, Trigger
from domain.trajectory import Trajectory
from domain.values import Actor, Phase, Role

RECORDED = datetime(2026, 11, 1, tzinfo=UTC)
KM = Actor("km-1", Role.KLANTMANAGER, "GM0363")


def _event(name: str, on: str | None, recorded: datetime = RECORDED, **data: object) -> LoggedEvent:
    return LoggedEvent(name, date.fromisoformat(on) if on else None, recorded, data)


def _registered(on: str = "2025-01-06", cents: int = 120000, group: str = "statushouder", municipality: str = "GM0363"):
    return _event("TrajectoryRegistered", on, municipality=municipality, target_group=group, benefit_monthly_cents=cents)


# -- as of a moment ----------------------------------------------------------------------------------------


def test_as_happened_by_a_day_includes_the_events_of_that_day_and_not_of_the_next():
    as_of = AsOf(date(2025, 3, 10))
    assert as_of.includes(_event("X", "2025-03-10"))
    assert not as_of.includes(_event("X", "2025-03-11"))
    assert as_of.includes(_event("X", None))  # an event without a business date counts from its recording


def test_as_known_at_a_moment_includes_what_was_recorded_by_then_and_not_later():
    known = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
    as_of = AsOf(date(2025, 12, 31), known=known)
    assert as_of.includes(_event("X", "2025-03-01", known))
    assert not as_of.includes(_event("X", "2025-03-01", known + timedelta(microseconds=1)))
    assert not as_of.includes(_event("X", None, known + timedelta(seconds=1)))
    # Both views at once: recorded in time but dated after the day is not included either.
    assert not AsOf(date(2025, 3, 1), known=known).includes(_event("X", "2025-03-02", known))


def test_a_library_event_as_the_money_reads_it_has_its_name_business_date_recording_time_and_own_data():
    t = Trajectory.register(
        trajectory_id=uuid4(), municipality="GM0363", candidate_id=uuid4(), target_group="statushouder", on=date(2026, 1, 5),
        today=date(2026, 11, 22), benefit_monthly_cents=125_000, benefit_since=date(2024, 6, 1), actor=KM,
    )
    event = t.collect_events()[0]
    read = logged(event)
    assert (read.name, read.on, read.recorded_at) == ("TrajectoryRegistered", date(2026, 1, 5), event.timestamp)
    assert read.data == {
        "municipality": "GM0363", "candidate_id": t.candidate_id, "target_group": "statushouder",
        "benefit_monthly_cents": 125_000, "benefit_since": date(2024, 6, 1),
        "route_model": BASELINE_MODEL_ID, "route_variant": None,
    }


def test_an_event_without_a_business_date_is_read_without_one():
    class Noted:
        def __init__(self) -> None:
            self.originator_id = uuid4()
            self.originator_version = 3
            self.timestamp = RECORDED
            self.note = "x"

    read = logged(Noted())
    assert (read.name, read.on, read.recorded_at, read.data) == ("Noted", None, RECORDED, {"note": "x"})


# -- the money's part of a trajectory event --------------------------------------------------------------


def test_the_money_reads_only_the_fields_it_needs_of_a_trajectory_event():
    registered = _event("TrajectoryRegistered", "2025-01-06", municipality="GM0363", candidate_id=uuid4(), target_group="other",
                        benefit_monthly_cents=1, benefit_since=date(2024, 1, 1))
    read = trajectory_money_event(registered)
    assert read == LoggedEvent("TrajectoryRegistered", date(2025, 1, 6), RECORDED,
                               {"municipality": "GM0363", "target_group": "other", "benefit_monthly_cents": 1})
    dropped = trajectory_money_event(_event("DroppedOut", "2025-02-01", reason="health", explanation="ziek", stage="orientation"))
    assert dropped == LoggedEvent("DroppedOut", date(2025, 2, 1), RECORDED, {})


def test_a_field_missing_from_an_event_is_left_out_and_an_event_the_money_does_not_read_is_none():
    assert trajectory_money_event(_event("PhaseStarted", "2025-02-01")).data == {}
    assert trajectory_money_event(_event("PhaseStarted", "2025-02-01", phase="orientation", provider="A")).data == {"phase": "orientation"}
    assert trajectory_money_event(_event("DeviationGranted", "2025-02-01", rule="other")) is None
    assert trajectory_money_event(_event("CandidateRegistered", "2025-02-01", sealed="x")) is None


# -- the facts of a trajectory ---------------------------------------------------------------------------


def test_the_facts_of_a_trajectory_as_of_a_day():
    trajectory_id = uuid4()
    events = [
        _registered(on="2025-01-06", cents=120000, group="statushouder"),
        _event("PhaseStarted", "2025-01-10", phase=Phase.ORIENTATION),
        _event("PhaseCompleted", "2025-01-20", phase="orientation"),
        _event("PhaseStarted", "2025-02-01", phase="pre-trajectory"),
        _event("CertificateObtained", "2025-03-01", phase=Phase.PRE_TRAJECTORY),
        _event("ContractStarted", "2025-04-01", placement_id="p1"),
        _event("PlacementEnded", "2025-05-01", placement_id="p1"),
        _event("DroppedOut", "2025-05-02"),
        _event("ReEntered", "2025-06-01"),
        _event("BenefitReduced", "2025-04-01", monthly_cents="60000"),
        _event("BenefitStopped", "2025-04-15"),
        _event("BenefitResumed", "2025-05-01", monthly_cents=90000),
        _event("DeviationGranted", "2025-02-01", rule="other"),
    ]
    facts = trajectory_facts(trajectory_id, events, AsOf(date(2025, 12, 31)), "Groot Amsterdam")
    assert facts == TrajectoryFacts(
        id=trajectory_id, municipality="GM0363", target_group="statushouder", registered_on=date(2025, 1, 6), region="Groot Amsterdam",
        benefit_intake_cents=120000,
        phase_started={"orientation": date(2025, 1, 10), "pre-trajectory": date(2025, 2, 1)},
        phase_completed={"orientation": date(2025, 1, 20)},
        certificates=[(date(2025, 3, 1), "pre-trajectory")],
        contracts={"p1": date(2025, 4, 1)},
        placement_ends={"p1": date(2025, 5, 1)},
        drop_outs=[date(2025, 5, 2)],
        re_entries=[date(2025, 6, 1)],
        benefit_changes=[(date(2025, 4, 1), "reduced", 60000), (date(2025, 4, 15), "stopped", None), (date(2025, 5, 1), "resumed", 90000)],
    )
    assert type(facts.benefit_changes[0][2]) is int and type(facts.benefit_intake_cents) is int


def test_the_first_start_and_completion_of_a_phase_count_and_a_later_attempt_does_not():
    facts = trajectory_facts(uuid4(), [
        _registered(),
        _event("PhaseStarted", "2025-01-10", phase="orientation"),
        _event("PhaseCompleted", "2025-01-20", phase="orientation"),
        _event("PhaseStarted", "2025-03-10", phase="orientation"),
        _event("PhaseCompleted", "2025-03-20", phase="orientation"),
    ], AsOf(date(2025, 12, 31)), "r")
    assert facts is not None
    assert (facts.phase_started, facts.phase_completed) == ({"orientation": date(2025, 1, 10)}, {"orientation": date(2025, 1, 20)})


def test_the_benefit_changes_are_in_date_order_and_a_second_contract_of_a_placement_replaces_the_first():
    facts = trajectory_facts(uuid4(), [
        _registered(),
        _event("BenefitStopped", "2025-06-01"),
        _event("BenefitReduced", "2025-03-01", monthly_cents=1000),
        _event("ContractStarted", "2025-04-01", placement_id="p1"),
        _event("ContractStarted", "2025-04-05", placement_id="p1"),
        _event("PlacementEnded", "2025-04-10", placement_id="p1"),
        _event("PlacementEnded", "2025-04-20", placement_id="p1"),
    ], AsOf(date(2025, 12, 31)), "r")
    assert facts is not None
    assert facts.benefit_changes == [(date(2025, 3, 1), "reduced", 1000), (date(2025, 6, 1), "stopped", None)]
    assert (facts.contracts, facts.placement_ends) == ({"p1": date(2025, 4, 5)}, {"p1": date(2025, 4, 20)})


def test_benefit_changes_on_one_day_keep_the_order_they_were_recorded_in():
    facts = trajectory_facts(uuid4(), [
        _registered(),
        _event("BenefitStopped", "2025-03-01"),
        _event("BenefitResumed", "2025-03-01", monthly_cents=90000),
        _event("BenefitReduced", "2025-03-01", monthly_cents=80000),
        _event("BenefitReduced", "2025-03-01", monthly_cents=70000),
    ], AsOf(date(2025, 12, 31)), "r")
    assert facts is not None
    assert facts.benefit_changes == [
        (date(2025, 3, 1), "stopped", None), (date(2025, 3, 1), "resumed", 90000),
        (date(2025, 3, 1), "reduced", 80000), (date(2025, 3, 1), "reduced", 70000),
    ]


def test_the_facts_leave_out_what_happened_after_the_day_or_was_recorded_after_the_moment():
    late = datetime(2026, 11, 20, tzinfo=UTC)
    events = [
        _registered(),
        _event("ContractStarted", "2025-04-01", placement_id="p1"),
        _event("PlacementEnded", "2025-05-01", late, placement_id="p1"),
    ]
    facts = trajectory_facts(uuid4(), events, AsOf(date(2025, 4, 30)), "r")
    assert facts is not None and (facts.contracts, facts.placement_ends) == ({"p1": date(2025, 4, 1)}, {})
    known = trajectory_facts(uuid4(), events, AsOf(date(2025, 12, 31), known=RECORDED), "r")
    assert known is not None and (known.contracts, known.placement_ends) == ({"p1": date(2025, 4, 1)}, {})


def test_a_trajectory_not_registered_by_then_has_no_facts():
    assert trajectory_facts(uuid4(), [], AsOf(date(2025, 12, 31)), "r") is None
    assert trajectory_facts(uuid4(), [_registered(on="2025-01-06")], AsOf(date(2025, 1, 5)), "r") is None
    assert trajectory_facts(uuid4(), [_event("PhaseStarted", "2025-01-10", phase="orientation")], AsOf(date(2025, 12, 31)), "r") is None
    assert trajectory_facts(uuid4(), [_registered(on="2025-01-06")], AsOf(date(2025, 1, 6)), "r") is not None


def _facts(drop_outs: list[date], re_entries: list[date]) -> TrajectoryFacts:
    return TrajectoryFacts(uuid4(), "GM0363", "statushouder", date(2025, 1, 6), "r", 0, drop_outs=drop_outs, re_entries=re_entries)


def test_a_trajectory_is_dropped_out_when_its_last_drop_out_came_after_its_last_re_entry():
    assert not _facts([], []).dropped_out()
    assert _facts([date(2025, 2, 1)], []).dropped_out()
    assert not _facts([date(2025, 2, 1)], [date(2025, 3, 1)]).dropped_out()
    assert not _facts([date(2025, 2, 1)], [date(2025, 2, 1)]).dropped_out()  # re-entered the same day
    assert _facts([date(2025, 2, 1), date(2025, 4, 1)], [date(2025, 3, 1)]).dropped_out()
    assert not _facts([date(2025, 4, 1), date(2025, 2, 1)], [date(2025, 3, 1), date(2025, 5, 1)]).dropped_out()
    assert not _facts([], [date(2025, 3, 1)]).dropped_out()


# -- an agreement and a claim as of a moment ------------------------------------------------------------


def _terms_dict(effective_from: str, amount: int, months: int = 0, **places: list) -> dict:
    return {"effective_from": date.fromisoformat(effective_from), "amount_cents": amount, "min_placement_months": months,
            "target_groups": places.get("target_groups", []), "municipalities": places.get("municipalities", []),
            "regions": places.get("regions", [])}


def _concluded(**overrides: object) -> LoggedEvent:
    data = dict(payer_kind="fund", payer="OO-BOUW", claimant="OO-BOUW", kind="training", trigger="phase-completed",
                phase="bedrijfsvakschool", valid_from=date(2025, 1, 1), valid_until=date(2026, 12, 31), budget_cap_cents=1_000_000,
                terms=_terms_dict("2025-01-01", 300000, 6, target_groups=["statushouder"], regions=["Rijnmond"]))
    data.update(overrides)
    return _event("FinancingAgreementConcluded", "2025-01-01", **data)


def test_an_agreement_as_of_a_day_has_its_parties_kind_trigger_validity_budget_and_terms_in_effect_by_then():
    agreement_id = uuid4()
    events = [
        _concluded(),
        _event("BudgetReserved", "2025-03-01", claim_id="c", amount_cents=1),
        _event("TermsChanged", "2025-07-01", terms=_terms_dict("2025-07-01", 350000, 3)),
        _event("TermsChanged", "2026-01-01", terms=_terms_dict("2026-01-01", 400000)),
    ]
    view = agreement_as_of(agreement_id, events, AsOf(date(2025, 12, 31)))
    assert view is not None
    assert (view.id, view.payer_kind, view.payer, view.claimant, view.kind, view.trigger, view.phase) == (
        agreement_id, PayerKind.FUND, "OO-BOUW", "OO-BOUW", FinancingKind.TRAINING, Trigger.PHASE_COMPLETED, Phase.BEDRIJFSVAKSCHOOL,
    )
    assert (view.valid_from, view.valid_until, view.budget_cap_cents) == (date(2025, 1, 1), date(2026, 12, 31), 1_000_000)
    assert view.terms_history == (
        Terms(date(2025, 1, 1), 300000, 6, ("statushouder",), (), ("Rijnmond",)),
        Terms(date(2025, 7, 1), 350000, 3),
    )


def test_the_terms_history_of_an_agreement_is_in_the_order_the_terms_take_effect():
    events = [
        _concluded(terms=_terms_dict("2025-01-01", 1)),
        _event("TermsChanged", "2025-09-01", terms=_terms_dict("2025-09-01", 3)),
        _event("TermsChanged", "2025-05-01", terms=_terms_dict("2025-05-01", 2)),
    ]
    view = agreement_as_of(uuid4(), events, AsOf(date(2025, 12, 31)))
    assert view is not None and [t.amount_cents for t in view.terms_history] == [1, 2, 3]


def test_an_agreement_without_a_phase_has_none_and_one_not_concluded_by_then_is_none():
    view = agreement_as_of(uuid4(), [_concluded(phase=None, trigger="registered")], AsOf(date(2025, 12, 31)))
    assert view is not None and (view.phase, view.trigger) == (None, Trigger.REGISTERED)
    assert agreement_as_of(uuid4(), [_concluded()], AsOf(date(2024, 12, 31))) is None
    assert agreement_as_of(uuid4(), [], AsOf(date(2025, 12, 31))) is None
    assert agreement_as_of(uuid4(), [_event("TermsChanged", "2025-01-01", terms=_terms_dict("2025-01-01", 1))], AsOf(date(2025, 12, 31))) is None


def _filed(day: str | None = "2025-05-01", **overrides: object) -> LoggedEvent:
    data = dict(agreement_id="a1", trajectory_id="t1", municipality="GM0363", payer="GM0363", trigger="registered",
                trigger_on=date(2025, 1, 6), amount_cents="300000", claimant="GM0363")
    data.update(overrides)
    return LoggedEvent("ClaimFiled", date.fromisoformat(day) if day else None, RECORDED, data)


def test_a_claim_as_filed():
    claim_id = uuid4()
    view = claim_as_of(claim_id, [_filed()], AsOf(date(2025, 12, 31)))
    assert view is not None
    assert (view.id, view.agreement_id, view.trajectory_id, view.municipality, view.claimant) == (claim_id, "a1", "t1", "GM0363", "GM0363")
    assert (view.trigger_on, view.amount_cents, view.filed_on, view.status) == (date(2025, 1, 6), 300000, date(2025, 5, 1), ClaimStatus.FILED)
    assert (view.approved_on, view.rejected_on, view.rejection_reason, view.paid_on) == (None, None, None, None)
    assert type(view.amount_cents) is int


def test_a_claim_approved_and_paid():
    events = [_filed(), _event("ClaimApproved", "2025-05-10"), _event("PaymentRecorded", "2025-06-01", amount_cents=300000)]
    view = claim_as_of(uuid4(), events, AsOf(date(2025, 12, 31)))
    assert view is not None
    assert (view.status, view.approved_on, view.paid_on) == (ClaimStatus.PAID, date(2025, 5, 10), date(2025, 6, 1))
    approved = claim_as_of(uuid4(), events, AsOf(date(2025, 5, 31)))
    assert approved is not None and (approved.status, approved.approved_on, approved.paid_on) == (ClaimStatus.APPROVED, date(2025, 5, 10), None)


def test_a_claim_rejected_and_filed_again_is_filed_anew_with_its_new_trigger_amount_and_claimant():
    events = [
        _filed(),
        _event("ClaimApproved", "2025-05-10"),
        _event("ClaimRejected", "2025-05-20", reason="bewijs ontbreekt"),
    ]
    rejected = claim_as_of(uuid4(), events, AsOf(date(2025, 5, 31)))
    assert rejected is not None
    assert (rejected.status, rejected.rejected_on, rejected.rejection_reason) == (ClaimStatus.REJECTED, date(2025, 5, 20), "bewijs ontbreekt")
    events.append(_event("ClaimRefiled", "2025-06-01", trigger_on=date(2025, 2, 1), amount_cents=250000, claimant="OO-BOUW"))
    refiled = claim_as_of(uuid4(), events, AsOf(date(2025, 12, 31)))
    assert refiled is not None
    assert (refiled.status, refiled.filed_on, refiled.trigger_on, refiled.amount_cents, refiled.claimant) == (
        ClaimStatus.FILED, date(2025, 6, 1), date(2025, 2, 1), 250000, "OO-BOUW",
    )
    assert (refiled.approved_on, refiled.rejected_on, refiled.rejection_reason) == (None, None, None)


def test_the_filing_date_of_a_claim_is_read_from_its_data_when_the_event_has_no_business_date():
    refiled = LoggedEvent("ClaimRefiled", None, RECORDED, {"trigger_on": date(2025, 2, 1), "amount_cents": 1, "claimant": "c",
                                                           "on": date(2025, 6, 2)})
    events = [_filed(day=None, on=date(2025, 5, 2))]
    view = claim_as_of(uuid4(), events, AsOf(date(2025, 12, 31)))
    assert view is not None and view.filed_on == date(2025, 5, 2)
    view = claim_as_of(uuid4(), [*events, _event("ClaimRejected", "2025-05-20", reason="x"), refiled], AsOf(date(2025, 12, 31)))
    assert view is not None and view.filed_on == date(2025, 6, 2)


def test_a_claim_not_filed_by_then_is_none():
    assert claim_as_of(uuid4(), [_filed(day="2025-05-01")], AsOf(date(2025, 4, 30))) is None
    assert claim_as_of(uuid4(), [], AsOf(date(2025, 12, 31))) is None
    assert claim_as_of(uuid4(), [_event("ClaimApproved", "2025-05-10")], AsOf(date(2025, 12, 31))) is None


def test_a_money_scope_naming_nothing_is_the_whole_log():
    assert MoneyScope().everything
    assert not MoneyScope(trajectory=uuid4(), municipality="GM0363").everything
    assert not MoneyScope(municipality="GM0363").everything
    assert not MoneyScope(fund="OO-BOUW").everything
