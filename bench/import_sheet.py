"""Import sheets of generated candidates (the population's BSNs and names, ``bench.generator``),
each with the registration and a route so far the import sheet can hold: phases started,
completed or skipped (EVC), and a proposed placement. Deterministic per seed and row."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook

from bench.generator import FAMILY, FUNCTIONS, GIVEN, bsn_for
from leerroute.importing.columns import COLUMNS, PHASES

HEADER = [c.name for c in COLUMNS]


def candidate_rows(*, seed: int, count: int, today: date, municipality: str | None = None) -> Iterator[dict[str, str]]:
    for index in range(count):
        yield candidate_row(seed=seed, index=index, today=today, municipality=municipality)


def candidate_row(*, seed: int, index: int, today: date, municipality: str | None = None) -> dict[str, str]:
    rng = random.Random(f"import-sheet:{seed}:{index}")
    registered = today - timedelta(days=rng.randint(120, 900))
    row = {
        "bsn": bsn_for(seed, index),
        "voornamen": rng.choice(GIVEN),
        "achternaam": rng.choice(FAMILY),
        "geboortedatum": date(registered.year - rng.randint(19, 55), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
        "doelgroep": rng.choice(["statushouder", "statushouder", "other"]),
        "aanmelddatum": registered.isoformat(),
    }
    if municipality:
        row["gemeente"] = municipality
    if rng.random() < 0.8:
        row["uitkering_per_maand"] = f"{rng.choice([950, 1100, 1250, 1400])},00"
        row["uitkering_sinds"] = (registered - timedelta(days=rng.randint(30, 700))).isoformat()
    day = registered
    last = today - timedelta(days=1)
    for name in PHASES.values():
        day += timedelta(days=rng.randint(1, 20))
        if day > last:
            break
        if name != "orientatie" and rng.random() < 0.2:
            row[f"{name}_overgeslagen"] = day.isoformat()
            row[f"{name}_grondslag"] = "evc"
            row[f"{name}_reden"] = "ervaring als installateur"
            continue
        row[f"{name}_start"] = day.isoformat()
        if name == "bedrijfsvakschool":
            row[f"{name}_aanbieder"] = "Bouwmensen"
        day += timedelta(days=rng.randint(14, 120))
        if day > last or rng.random() < 0.25:
            return row
        row[f"{name}_afgerond"] = day.isoformat()
    else:
        day += timedelta(days=rng.randint(1, 30))
        if day <= last and rng.random() < 0.7:
            row.update({
                "plaatsing_voorgesteld": day.isoformat(), "werkgever_kvk": f"{10_000_000 + rng.randint(0, 89_999_999):08d}",
                "werkgever_naam": "Installatiebedrijf Noord BV", "functie": rng.choice(FUNCTIONS),
                "uren_per_week": str(rng.choice([24, 32, 36, 40])), "niveau": rng.choice(["assistent", "full"]),
            })
    return row


def write_xlsx(rows: Iterable[dict[str, str]], path: Path, *, header: list[str] = HEADER) -> Path:
    """Streamed (``write_only``): the rows are never all in memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("kandidaten")
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(name) or None for name in header])
    workbook.save(path)
    return path


def write_csv(rows: Iterable[dict[str, str]], path: Path, *, header: list[str] = HEADER, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(name, "") for name in header])
    return path
