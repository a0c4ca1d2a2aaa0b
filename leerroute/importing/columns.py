"""The columns of an import sheet: one row per candidate, the registration and the route so far.

Column names are the sheet's own (Dutch, as the klantmanagers keep them); the values are the
API's vocabulary (``statushouder``, ``evc``, ...). ``EXPLANATION`` is the template's second sheet.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.values import JobLevel, Phase, SkipBasis, TargetGroup


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, date, bsn, municipality, money, hours, kvk, or a choice ("choice:a|b")
    required: bool
    explanation: str
    example: str = ""

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(self.kind.removeprefix("choice:").split("|")) if self.kind.startswith("choice:") else ()


def _choice(values: object) -> str:
    return "choice:" + "|".join(str(v) for v in values)  # type: ignore[attr-defined]


# The sheet's name for each phase.
PHASES: dict[Phase, str] = {
    Phase.ORIENTATION: "orientatie",
    Phase.PRE_TRAJECTORY: "voortraject",
    Phase.BEDRIJFSVAKSCHOOL: "bedrijfsvakschool",
}

REGISTRATION = [
    Column("bsn", "bsn", True, "Burgerservicenummer van de kandidaat: negen cijfers die de elfproef doorstaan.", "111222333"),
    Column("voornamen", "text", True, "Voornamen van de kandidaat.", "Amal"),
    Column("achternaam", "text", True, "Achternaam van de kandidaat (met voorvoegsels).", "Haddad"),
    Column("geboortedatum", "date", True, "Geboortedatum (JJJJ-MM-DD of DD-MM-JJJJ); de kandidaat is bij aanmelding 15 tot 120 jaar.", "1990-03-04"),
    Column("gemeente", "municipality", False, "CBS-code van de gemeente (GM en vier cijfers). Leeg: uw eigen gemeente. Alleen de eigen gemeente mag."),
    Column("doelgroep", _choice(TargetGroup), True, "Doelgroep: statushouder of other (andere werkzoekende).", "statushouder"),
    Column("aanmelddatum", "date", True, "Datum van aanmelding (intake); niet na vandaag.", "2026-01-05"),
    Column("uitkering_per_maand", "money", False, "Bijstandsuitkering per maand bij aanmelding, in euro (1250,00). Leeg of 0: geen uitkering.", "1250,00"),
    Column("uitkering_sinds", "date", False, "Sinds wanneer de uitkering loopt; verplicht bij een uitkering, niet na de aanmelddatum.", "2024-06-01"),
]


def _phase_columns(phase: Phase, sheet_name: str) -> list[Column]:
    label = {"orientatie": "de oriëntatie", "voortraject": "het voortraject", "bedrijfsvakschool": "de bedrijfsvakschool"}[sheet_name]
    provider = (
        "Opleider of aanbieder van de bedrijfsvakschool; verplicht bij een startdatum."
        if phase is Phase.BEDRIJFSVAKSCHOOL else f"Aanbieder van {label} (niet verplicht)."
    )
    return [
        Column(f"{sheet_name}_start", "date", False, f"Startdatum van {label}. Een fase start pas als de fasen ervoor afgerond of overgeslagen zijn."),
        Column(f"{sheet_name}_afgerond", "date", False, f"Datum waarop {label} is afgerond; niet vóór de startdatum. Leeg: loopt nog."),
        Column(f"{sheet_name}_aanbieder", "text", False, provider),
        Column(f"{sheet_name}_overgeslagen", "date", False, f"Datum van het besluit {label} over te slaan (in plaats van een startdatum)."),
        Column(f"{sheet_name}_grondslag", _choice(SkipBasis), False,
               "Grondslag van het overslaan: evc (erkenning eerder verworven competenties), not-available-in-region (niet in de regio), other."),
        Column(f"{sheet_name}_reden", "text", False, "Toelichting bij het overslaan; verplicht bij een datum van overslaan."),
    ]


ROUTE = [column for phase, sheet_name in PHASES.items() for column in _phase_columns(phase, sheet_name)]

PLACEMENT = [
    Column("plaatsing_voorgesteld", "date", False, "Datum waarop de plaatsing aan de werkgever is voorgesteld; niet vóór de aanmelding. "
           "De werkgever bevestigt de plaatsing daarna zelf in leerroute (bevestiging, contractstart en garantie zijn feiten van de werkgever)."),
    Column("werkgever_kvk", "kvk", False, "KvK-nummer van de werkgever (acht cijfers); verplicht bij een plaatsing.", "12345678"),
    Column("werkgever_naam", "text", False, "Naam van de werkgever; verplicht bij een plaatsing."),
    Column("functie", "text", False, "Functie, bijvoorbeeld assistent-hulpmonteur; verplicht bij een plaatsing."),
    Column("uren_per_week", "hours", False, "Uren per week, een heel getal van 1 tot en met 60; verplicht bij een plaatsing.", "36"),
    Column("niveau", _choice(JobLevel), False, "Niveau van de functie: assistent (jobcarving, eerst een deel van de functie) of full (de volledige functie)."),
]

# The template's example row: a route as the README's walk-through enters it.
_EXAMPLES = {
    "orientatie_start": "2026-01-12", "orientatie_afgerond": "2026-02-06", "voortraject_overgeslagen": "2026-02-07",
    "voortraject_grondslag": "evc", "voortraject_reden": "vijf jaar ervaring als installateur",
    "bedrijfsvakschool_start": "2026-02-09", "bedrijfsvakschool_aanbieder": "Bouwmensen Amsterdam",
    "plaatsing_voorgesteld": "2026-06-01", "werkgever_naam": "Installatiebedrijf Noord BV", "functie": "assistent-hulpmonteur",
    "niveau": "assistent",
}
COLUMNS: list[Column] = [
    column if column.name not in _EXAMPLES else Column(column.name, column.kind, column.required, column.explanation, _EXAMPLES[column.name])
    for column in [*REGISTRATION, *ROUTE, *PLACEMENT]
]
BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
REQUIRED: list[str] = [c.name for c in COLUMNS if c.required]

EXPLANATION_HEADER = ["kolom", "verplicht", "toegestane waarden", "uitleg"]


def allowed_values(column: Column) -> str:
    if column.choices:
        return ", ".join(column.choices)
    return {
        "bsn": "negen cijfers, elfproef",
        "date": "datum: JJJJ-MM-DD of DD-MM-JJJJ (of een datumcel)",
        "municipality": "GM gevolgd door vier cijfers",
        "money": "bedrag in euro, bijvoorbeeld 1250,00",
        "hours": "heel getal van 1 tot en met 60",
        "kvk": "acht cijfers",
        "text": "tekst (geen formule)",
    }[column.kind]


def explanation_rows() -> list[list[str]]:
    """The template's second sheet: every column, whether it is required, its values, its meaning."""
    return [[c.name, "ja" if c.required else "nee", allowed_values(c), c.explanation] for c in COLUMNS]
