"""Reading one import row: every cell checked at once, the API's value checks, the commands in
the route's order."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from domain import commands as c
from domain.values import Actor, Phase, Role, SkipBasis
from leerroute.importing.columns import COLUMNS, REQUIRED, explanation_rows
from leerroute.importing.rows import cell_text, parse_row

KM = Actor("km-1", Role.KLANTMANAGER, "GM0363")
BASE = {"bsn": "111222333", "voornamen": "Amal", "achternaam": "Haddad", "geboortedatum": "04-03-1990",
        "doelgroep": "statushouder", "aanmelddatum": "2026-01-05"}


def test_a_sound_row_becomes_the_registration_and_its_steps_in_route_order():
    row = parse_row(2, {**BASE, "uitkering_per_maand": "1.250,50", "uitkering_sinds": "2024-06-01",
                        "orientatie_start": "2026-01-12", "orientatie_afgerond": "2026-02-06",
                        "voortraject_overgeslagen": "2026-02-07", "voortraject_grondslag": "evc", "voortraject_reden": "ervaring",
                        "plaatsing_voorgesteld": "2026-03-01", "werkgever_kvk": 1234567, "werkgever_naam": "Bouw BV",
                        "functie": "monteur", "uren_per_week": 36.0, "niveau": "assistent"}, KM)
    assert row.problems == []
    assert row.registration is not None
    assert row.registration.person.birth_date == date(1990, 3, 4)
    assert row.registration.benefit_monthly_cents == 125050
    commands = [step.build(uuid4()) for step in row.steps]
    assert [type(x) for x in commands] == [c.StartPhase, c.CompletePhase, c.SkipPhase, c.ProposePlacement]
    assert commands[2].phase is Phase.PRE_TRAJECTORY and commands[2].basis is SkipBasis.EVC
    assert commands[3].employer_kvk == "01234567" and commands[3].hours_per_week == 36
    assert all(x.actor == KM for x in commands)


def test_every_bad_cell_of_a_row_is_named_at_once():
    row = parse_row(7, {**BASE, "bsn": "123456789", "geboortedatum": "31-02-1990", "doelgroep": "vluchteling",
                        "uitkering_per_maand": "veel", "voornamen": "=A1", "werkgever_kvk": "12A45678"}, KM)
    found = {(p.column, p.rule) for p in row.problems}
    assert found == {("bsn", "bsn"), ("geboortedatum", "date"), ("doelgroep", "allowed-values"), ("uitkering_per_maand", "money"),
                     ("voornamen", "no-formulas"), ("werkgever_kvk", "kvk"), ("plaatsing_voorgesteld", "required")}
    assert all(p.row == 7 for p in row.problems)
    assert row.registration is None and row.steps == []


def test_required_cells_and_cells_that_come_together():
    row = parse_row(3, {"bsn": "111222333", "orientatie_afgerond": "2026-02-01", "bedrijfsvakschool_overgeslagen": "2026-02-01",
                        "plaatsing_voorgesteld": "2026-03-01"}, KM)
    missing = {p.column for p in row.problems if p.rule == "required"}
    assert set(REQUIRED) - {"bsn"} <= missing
    assert {"orientatie_start", "bedrijfsvakschool_grondslag", "bedrijfsvakschool_reden", "werkgever_kvk", "niveau"} <= missing


def test_only_the_own_municipality_and_a_valid_code():
    assert [(p.column, p.rule) for p in parse_row(2, {**BASE, "gemeente": "GM0599"}, KM).problems] == [
        ("gemeente", "registration-by-own-municipality")]
    assert [(p.column, p.rule) for p in parse_row(2, {**BASE, "gemeente": "Rotterdam"}, KM).problems] == [("gemeente", "municipality")]
    assert parse_row(2, {**BASE, "gemeente": "gm0363"}, KM).problems == []


def test_a_phase_is_started_or_skipped_not_both():
    row = parse_row(2, {**BASE, "orientatie_start": "2026-01-12", "orientatie_overgeslagen": "2026-01-12",
                        "orientatie_grondslag": "evc", "orientatie_reden": "x"}, KM)
    assert [(p.column, p.rule) for p in row.problems] == [("orientatie_overgeslagen", "skip-only-unstarted-phase")]


def test_cells_read_as_they_show():
    from datetime import datetime

    assert cell_text(datetime(2026, 1, 5)) == "2026-01-05"
    assert cell_text(111222333.0) == "111222333"
    assert cell_text("  Amal ") == "Amal"
    assert cell_text(None) == ""


def test_the_explanation_names_every_column_in_dutch():
    rows = explanation_rows()
    assert [r[0] for r in rows] == [col.name for col in COLUMNS]
    assert all(r[1] in ("ja", "nee") and r[2] and r[3] for r in rows)
