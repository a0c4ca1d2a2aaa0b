"""One sheet row → the commands the API would build for it, or the problems of its cells.

The cells are read as the API reads a body: the same value checks of ``domain.values`` (the BSN's
11-check, the KvK number, the municipality code). What a row asks of the route (dates in order,
a phase only after the one it needs, no step before the registration) is left to the domain: the
commands go through ``Service.handle`` (``leerroute.importing.job``), and a refusal is traced back
to the cell the refused command came from (``Step.column``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any
from uuid import UUID

from domain import commands as c
from domain.candidate import PersonalData
from domain.values import (
    Actor,
    JobLevel,
    Phase,
    SkipBasis,
    TargetGroup,
    validate_bsn,
    validate_kvk,
    validate_municipality_code,
)
from leerroute.importing.columns import BY_NAME, COLUMNS, PHASES, Column


@dataclass(frozen=True)
class Problem:
    """What is wrong with one cell (``column`` empty: with the row as a whole)."""

    row: int
    column: str
    value: str | None
    rule: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        # problem+json's invalidParams entry (name, reason), with the cell's place and the rule
        return {"name": self.column or f"row {self.row}", "reason": self.message, "row": self.row, "column": self.column,
                "value": self.value, "rule": self.rule}


@dataclass(frozen=True)
class Step:
    """A command on the new trajectory, from the cell ``column``; ``fields`` names the cell of
    an invalid field the domain may name (its ``InvalidField`` name → column)."""

    column: str
    build: Callable[[UUID], c.Command]
    rules: Mapping[str, str] = field(default_factory=dict)  # rule → column, where not ``column``


@dataclass
class ParsedRow:
    row: int
    cells: dict[str, str]  # each filled cell as text, the row's content
    problems: list[Problem]
    bsn: str | None = None
    registration: c.RegisterTrajectory | None = None
    steps: list[Step] = field(default_factory=list)


# Where the domain's refusals of a registration point in the sheet.
REGISTRATION_RULES = {
    "names-required": "voornamen",
    "birth-before-registration": "geboortedatum",
    "plausible-age": "geboortedatum",
    "benefit-since-required": "uitkering_sinds",
    "benefit-since-before-registration": "uitkering_sinds",
    "one-trajectory-per-candidate": "bsn",
    "registration-by-own-municipality": "gemeente",
    "benefit.monthlyAmountCents": "uitkering_per_maand",
}

_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


class _CellError(Exception):
    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule
        self.message = message


def cell_text(value: object) -> str:
    """A cell as the text it shows: dates as ISO dates, whole numbers without a fraction."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(text: str) -> date:
    match = _DMY.match(text)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        return date.fromisoformat(text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}T", text) else text)
    except ValueError:
        raise _CellError("date", f"'{text}' is geen datum (JJJJ-MM-DD of DD-MM-JJJJ)") from None


def _cents(text: str) -> int:
    plain = text.replace("€", "").replace(" ", "")
    if "," in plain:
        plain = plain.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(plain)
    except InvalidOperation:
        raise _CellError("money", f"'{text}' is geen bedrag in euro") from None
    cents = amount * 100
    if cents != cents.to_integral_value() or cents < 0:
        raise _CellError("money", "een bedrag in euro met hoogstens twee decimalen, niet negatief")
    return int(cents)


def _hours(text: str) -> int:
    if not re.match(r"^\d+$", text):
        raise _CellError("hours", f"'{text}' is geen heel aantal uren")
    return int(text)


def _digits(text: str, width: int) -> str:
    return text.zfill(width) if text.isdigit() and len(text) < width else text


def _value(column: Column, text: str) -> Any:
    """The cell's value as a command holds it; the domain's own checks of BSN, KvK and codes."""
    kind = column.kind
    try:
        if kind == "date":
            return _date(text)
        if kind == "bsn":
            return validate_bsn(_digits(text, 9))
        if kind == "kvk":
            return validate_kvk(_digits(text, 8))
        if kind == "municipality":
            return validate_municipality_code(text.upper())
        if kind == "money":
            return _cents(text)
        if kind == "hours":
            return _hours(text)
    except ValueError as error:
        raise _CellError(kind, str(error)) from None
    if column.choices and text not in column.choices:
        raise _CellError("allowed-values", f"'{text}' is niet toegestaan; kies uit: {', '.join(column.choices)}")
    return text


def parse_row(row: int, raw: Mapping[str, object], actor: Actor) -> ParsedRow:
    """The row's cells checked, and when they are all sound, its commands (the registration and
    the route so far, in the route's order)."""
    cells = {name: cell_text(raw.get(name)) for name in BY_NAME}
    cells = {name: text for name, text in cells.items() if text}
    parsed = ParsedRow(row, cells, [])
    values: dict[str, Any] = {}
    for column in COLUMNS:
        text = cells.get(column.name)
        if not text:
            if column.required:
                parsed.problems.append(Problem(row, column.name, None, "required", "verplichte kolom is leeg"))
            continue
        if text.startswith("="):
            parsed.problems.append(Problem(row, column.name, text, "no-formulas", "een formule wordt niet ingelezen: vul de waarde zelf in"))
            continue
        try:
            values[column.name] = _value(column, text)
        except _CellError as error:
            parsed.problems.append(Problem(row, column.name, text, error.rule, error.message))
    if "bsn" in values:
        parsed.bsn = values["bsn"]
    own = actor.organisation
    if values.get("gemeente", own) != own:
        parsed.problems.append(Problem(
            row, "gemeente", cells["gemeente"], "registration-by-own-municipality",
            f"alleen kandidaten van de eigen gemeente ({own}) worden ingelezen",
        ))
    _require_together(parsed, values)
    if parsed.problems:
        return parsed
    parsed.registration = c.RegisterTrajectory(
        actor=actor, on=values["aanmelddatum"],
        person=PersonalData(bsn=values["bsn"], given_names=values["voornamen"], family_name=values["achternaam"],
                            birth_date=values["geboortedatum"]),
        target_group=TargetGroup(values["doelgroep"]),
        benefit_monthly_cents=values.get("uitkering_per_maand", 0),
        benefit_since=values.get("uitkering_sinds"),
    )
    parsed.steps = list(_steps(values, actor))
    return parsed


# Cells that come in groups: when one is filled, these must be too.
def _groups() -> list[tuple[str, list[str]]]:
    groups = [
        ("plaatsing_voorgesteld", ["werkgever_kvk", "werkgever_naam", "functie", "uren_per_week", "niveau"]),
    ]
    for name in PHASES.values():
        groups.append((f"{name}_overgeslagen", [f"{name}_grondslag", f"{name}_reden"]))
        groups.append((f"{name}_afgerond", [f"{name}_start"]))
    return groups


def _require_together(parsed: ParsedRow, values: Mapping[str, Any]) -> None:
    for lead, needed in _groups():
        filled = lead in values or lead in {p.column for p in parsed.problems}
        for name in needed:
            if filled and name not in parsed.cells:
                parsed.problems.append(Problem(parsed.row, name, None, "required", f"verplicht wanneer {lead} is ingevuld"))
        if not filled and any(name in parsed.cells for name in needed if not name.endswith("_start")):
            parsed.problems.append(Problem(parsed.row, lead, None, "required", f"verplicht wanneer {', '.join(needed)} is ingevuld"))
    for name in PHASES.values():
        if f"{name}_start" in parsed.cells and f"{name}_overgeslagen" in parsed.cells:
            parsed.problems.append(Problem(
                parsed.row, f"{name}_overgeslagen", parsed.cells[f"{name}_overgeslagen"], "skip-only-unstarted-phase",
                "een fase is gestart of overgeslagen, niet allebei",
            ))


def _steps(values: Mapping[str, Any], actor: Actor) -> list[Step]:
    v = values
    steps: list[Step] = []
    for phase, name in PHASES.items():
        if f"{name}_overgeslagen" in v:
            steps.append(Step(f"{name}_overgeslagen", partial(_skip, actor, phase, v[f"{name}_overgeslagen"],
                                                               SkipBasis(v[f"{name}_grondslag"]), v[f"{name}_reden"])))
        if f"{name}_start" in v:
            steps.append(Step(f"{name}_start", partial(_start, actor, phase, v[f"{name}_start"], v.get(f"{name}_aanbieder")),
                              rules={"provider-required": f"{name}_aanbieder"}))
        if f"{name}_afgerond" in v:
            steps.append(Step(f"{name}_afgerond", partial(_complete, actor, phase, v[f"{name}_afgerond"])))
    if "plaatsing_voorgesteld" in v:
        steps.append(Step("plaatsing_voorgesteld", partial(
            _propose, actor, v["plaatsing_voorgesteld"], v["werkgever_kvk"], v["werkgever_naam"], v["functie"],
            v["uren_per_week"], JobLevel(v["niveau"])), rules={"plausible-hours": "uren_per_week"}))
    return steps


def _skip(actor: Actor, phase: Phase, on: date, basis: SkipBasis, reason: str, trajectory_id: UUID) -> c.Command:
    return c.SkipPhase(actor=actor, trajectory_id=trajectory_id, on=on, phase=phase, basis=basis, reason=reason)


def _start(actor: Actor, phase: Phase, on: date, provider: str | None, trajectory_id: UUID) -> c.Command:
    return c.StartPhase(actor=actor, trajectory_id=trajectory_id, on=on, phase=phase, provider=provider)


def _complete(actor: Actor, phase: Phase, on: date, trajectory_id: UUID) -> c.Command:
    return c.CompletePhase(actor=actor, trajectory_id=trajectory_id, on=on, phase=phase)


def _propose(actor: Actor, on: date, kvk: str, employer: str, function: str, hours: int, level: JobLevel,
             trajectory_id: UUID) -> c.Command:
    return c.ProposePlacement(actor=actor, trajectory_id=trajectory_id, on=on, employer_kvk=kvk, employer_name=employer,
                              function=function, hours_per_week=hours, level=level)
