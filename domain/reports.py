"""The money report: per municipality (its own financing and its savings), per fund, and
national totals; every amount on exactly one line, so the lines add up to the totals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from domain.money import AsOf
from domain.payments import Figures, MoneyLine
from domain.savings import MonthPosition, municipality_position
from domain.terms import PayerKind


@dataclass
class ReportLine:
    level: str  # municipality | fund
    party: str
    figures: Figures


@dataclass
class Report:
    as_of: AsOf
    municipalities: list[ReportLine]
    funds: list[ReportLine]
    national: Figures
    break_even: dict[str, str | None]
    positions: dict[str, list[MonthPosition]]


def build_report(
    lines: Sequence[MoneyLine],
    savings_by_municipality: dict[str, dict[str, int]],
    as_of: AsOf,
) -> Report:
    """Per municipality (its own financing and its savings), per fund and national totals.
    Every amount belongs to exactly one line, so the lines add up to the national totals."""
    by_party: dict[tuple[str, str], Figures] = {}
    payments: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for line in lines:
        level = "municipality" if line.payer_kind is PayerKind.MUNICIPALITY else "fund"
        by_party.setdefault((level, line.payer), Figures()).add(line.figures)
        if level == "municipality" and line.claim is not None and line.claim.paid_on is not None and line.figures.paid:
            payments[line.payer].append((line.claim.paid_on, line.figures.paid))
    for municipality, months in savings_by_municipality.items():
        figures = by_party.setdefault(("municipality", municipality), Figures())
        total = sum(months.values())
        figures.savings += total
        figures.net += total
    national = Figures()
    for figures in by_party.values():
        national.add(figures)
    municipalities = [ReportLine(level, p, f) for (level, p), f in sorted(by_party.items()) if level == "municipality"]
    funds = [ReportLine(level, p, f) for (level, p), f in sorted(by_party.items()) if level == "fund"]
    positions, break_even = {}, {}
    for municipality_line in municipalities:
        party = municipality_line.party
        series, month = municipality_position(savings_by_municipality.get(party, {}), payments.get(party, []), as_of.day)
        positions[party] = series
        break_even[party] = month
    return Report(as_of, municipalities, funds, national, break_even, positions)
