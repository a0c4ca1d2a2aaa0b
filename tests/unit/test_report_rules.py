"""The money report (``domain.reports``) from hand-made money lines and savings: a line per
municipality and per fund, every amount on exactly one of them, and the municipalities' positions."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from domain.money import AsOf, ClaimView
from domain.payments import Figures, MoneyLine
from domain.reports import ReportLine, build_report
from domain.savings import MonthPosition
from domain.terms import ClaimStatus, FinancingKind, PayerKind

AS_OF = AsOf(date(2025, 6, 30))


def _claim(paid_on: date | None) -> ClaimView:
    return ClaimView(
        id=uuid4(), agreement_id=uuid4(), trajectory_id=uuid4(), municipality="GM0363", claimant="GM0363", trigger_on=date(2025, 1, 6),
        amount_cents=100, filed_on=date(2025, 2, 1), status=ClaimStatus.PAID if paid_on else ClaimStatus.APPROVED, approved_on=None,
        rejected_on=None, rejection_reason=None, paid_on=paid_on,
    )


def _line(payer_kind: PayerKind, payer: str, figures: Figures, claim: ClaimView | None = None, municipality: str = "GM0363") -> MoneyLine:
    return MoneyLine(
        agreement_id=uuid4(), trajectory_id=uuid4(), municipality=municipality, payer_kind=payer_kind, payer=payer, claimant=None,
        kind=FinancingKind.RESULT, trigger_on=date(2025, 1, 6), status="due", claim=claim, figures=figures,
    )


def test_the_lines_of_one_payer_add_up_to_its_line_and_all_lines_to_the_national_totals():
    lines = [
        _line(PayerKind.MUNICIPALITY, "GM0599", Figures(committed=10, due=10)),
        _line(PayerKind.MUNICIPALITY, "GM0363", Figures(committed=100, due=100, claimed=100)),
        _line(PayerKind.MUNICIPALITY, "GM0363", Figures(committed=50)),
        _line(PayerKind.FUND, "OO-TECHNIEK", Figures(committed=7)),
        _line(PayerKind.FUND, "OO-BOUW", Figures(committed=300, due=300, lapsed=5), municipality="GM0599"),
    ]
    report = build_report(lines, {}, AS_OF)
    assert report.as_of == AS_OF
    assert report.municipalities == [
        ReportLine("municipality", "GM0363", Figures(committed=150, due=100, claimed=100)),
        ReportLine("municipality", "GM0599", Figures(committed=10, due=10)),
    ]
    assert report.funds == [
        ReportLine("fund", "OO-BOUW", Figures(committed=300, due=300, lapsed=5)),
        ReportLine("fund", "OO-TECHNIEK", Figures(committed=7)),
    ]
    assert report.national == Figures(committed=467, due=410, claimed=100, lapsed=5)


def test_a_municipalitys_savings_count_on_its_own_line_as_savings_and_in_its_net_position():
    lines = [_line(PayerKind.MUNICIPALITY, "GM0363", Figures(paid=100, net=-100), _claim(date(2025, 3, 1)))]
    report = build_report(lines, {"GM0363": {"2025-03": 30, "2025-04": 50}, "GM0599": {"2025-05": 20}}, AS_OF)
    assert report.municipalities == [
        ReportLine("municipality", "GM0363", Figures(paid=100, savings=80, net=-20)),
        ReportLine("municipality", "GM0599", Figures(savings=20, net=20)),
    ]
    assert report.funds == []
    assert report.national == Figures(paid=100, savings=100, net=0)


def test_a_municipalitys_position_sets_its_savings_against_what_it_paid_on_the_day_it_paid():
    lines = [
        _line(PayerKind.MUNICIPALITY, "GM0363", Figures(paid=100, net=-100), _claim(date(2025, 3, 15))),
        _line(PayerKind.MUNICIPALITY, "GM0363", Figures(approved=100), _claim(None)),  # approved, not paid
        _line(PayerKind.MUNICIPALITY, "GM0363", Figures(), _claim(date(2025, 3, 20))),  # nothing paid on this line
        _line(PayerKind.FUND, "OO-BOUW", Figures(paid=1000, net=-1000), _claim(date(2025, 3, 1))),  # a fund's payment
        _line(PayerKind.MUNICIPALITY, "GM0599", Figures(paid=40, net=-40), _claim(date(2025, 6, 30))),
    ]
    report = build_report(lines, {"GM0363": {"2025-04": 60, "2025-05": 60}}, AS_OF)
    assert report.positions["GM0363"] == [
        MonthPosition("2025-03", 0, 100, 0, 100),
        MonthPosition("2025-04", 60, 0, 60, 100),
        MonthPosition("2025-05", 60, 0, 120, 100),
        MonthPosition("2025-06", 0, 0, 120, 100),
    ]
    assert report.break_even == {"GM0363": "2025-05", "GM0599": None}
    assert report.positions["GM0599"] == [MonthPosition("2025-06", 0, 40, 0, 40)]
    assert "OO-BOUW" not in report.positions


def test_only_a_municipalitys_payment_with_its_date_enters_its_position():
    lines = [
        _line(PayerKind.MUNICIPALITY, "GM0363", Figures(paid=100, net=-100), _claim(None)),  # paid, but no date known
        _line(PayerKind.MUNICIPALITY, "GM0363", Figures(paid=100, net=-100)),  # paid, without a claim
        _line(PayerKind.FUND, "GM0599", Figures(paid=100, net=-100), _claim(date(2025, 3, 1))),  # a fund named like a municipality
        _line(PayerKind.MUNICIPALITY, "GM0599", Figures(), _claim(date(2025, 4, 1))),
    ]
    report = build_report(lines, {"GM0363": {"2025-05": 10}}, AS_OF)
    assert [p.cumulative_paid for p in report.positions["GM0363"]] == [0, 0]
    assert report.positions["GM0599"] == []


def test_savings_add_to_whatever_the_lines_of_a_municipality_already_hold():
    report = build_report([_line(PayerKind.MUNICIPALITY, "GM0363", Figures(savings=5, net=5))], {"GM0363": {"2025-05": 10}}, AS_OF)
    assert report.municipalities == [ReportLine("municipality", "GM0363", Figures(savings=15, net=15))]


def test_a_payment_recorded_after_the_report_day_is_not_in_the_position():
    lines = [_line(PayerKind.MUNICIPALITY, "GM0363", Figures(paid=100, net=-100), _claim(date(2025, 7, 1)))]
    report = build_report(lines, {"GM0363": {"2025-05": 10}}, AS_OF)
    assert [p.cumulative_paid for p in report.positions["GM0363"]] == [0, 0]
    assert report.break_even == {"GM0363": None}


def test_a_report_without_lines_or_savings_is_empty():
    report = build_report([], {}, AS_OF)
    assert (report.municipalities, report.funds, report.national, report.break_even, report.positions) == ([], [], Figures(), {}, {})
