"""The municipalities and their labour-market regions (arbeidsmarktregio's), from a CSV file in
configuration (by default the shipped ``leerroute/regions.csv``, which names its source).

The file has one row per municipality code and validity period (columns ``municipality``,
``region``, ``valid_from``, ``valid_to``, ``successor``, ``centre``; lines starting with ``#`` are
comments; see ``domain.municipalities``). It is loaded at start-up into ``municipalities`` (the
periods as given) and ``municipality_regions`` (every known code with the region its routes count
under, a dissolved one's being its successor's), so the funnel and the money can group by region
in SQL. A code missing from the file is reported under ``UNMAPPED``.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from adapters.database import read_session, write_session
from adapters.tables import municipalities as municipalities_table
from adapters.tables import municipality_regions
from adapters.upserts import upsert
from domain.municipalities import UNMAPPED, InvalidMapping, Municipalities, MunicipalityPeriod
from domain.values import validate_municipality_code

__all__ = ["UNMAPPED", "RegionMap", "load", "read"]

COLUMNS = ("municipality", "region", "valid_from", "valid_to", "successor", "centre")


def read(path: Path) -> Municipalities:
    """The mapping in the file, checked whole (``InvalidMapping`` names the first fault)."""
    text = path.read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO("".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))))
    if rows.fieldnames is None or "municipality" not in rows.fieldnames or "region" not in rows.fieldnames:
        raise InvalidMapping(f"{path}: the header names no municipality and region columns ({', '.join(COLUMNS)})")
    periods = []
    for number, row in enumerate(rows, start=2):
        try:
            periods.append(_period(row))
        except ValueError as error:
            raise InvalidMapping(f"{path}, row {number}: {error}") from error
    return Municipalities(periods)


def _period(row: dict[str, Any]) -> MunicipalityPeriod:
    def text(name: str) -> str:
        return (row.get(name) or "").strip()

    def day(name: str) -> date | None:
        return date.fromisoformat(text(name)) if text(name) else None

    centre = text("centre").lower()
    if centre not in ("", "yes"):
        raise ValueError(f"centre is 'yes' or empty, not {centre!r}")
    successor = text("successor")
    return MunicipalityPeriod(
        code=validate_municipality_code(text("municipality")),
        region=text("region") or None,
        valid_from=day("valid_from"),
        valid_to=day("valid_to"),
        successor=validate_municipality_code(successor) if successor else None,
        centre=centre == "yes",
    )


def load(database_url: str, path: Path) -> int:
    """Write the file's mapping into the tables (every row of the file; rows of codes the file no
    longer names are removed). Returns how many codes the mapping knows."""
    mapping = read(path)
    counted = mapping.counted_regions()
    periods: dict[str, int] = {}
    rows = []
    for p in mapping.periods:
        periods[p.code] = periods.get(p.code, 0) + 1
        rows.append({
            "municipality": p.code, "period": periods[p.code], "region": p.region, "valid_from": p.valid_from,
            "valid_to": p.valid_to, "successor": p.successor, "centre": p.centre,
        })
    with write_session(database_url) as session:
        upsert(session, municipalities_table, rows, ["municipality", "period"])
        upsert(session, municipality_regions, [{"municipality": m, "region": r} for m, r in counted.items()], ["municipality"])
        for code, count in periods.items():
            session.execute(delete(municipalities_table).where(
                municipalities_table.c.municipality == code, municipalities_table.c.period > count))
        session.execute(delete(municipalities_table).where(municipalities_table.c.municipality.not_in(list(counted))))
        session.execute(delete(municipality_regions).where(municipality_regions.c.municipality.not_in(list(counted))))
    return len(counted)


class RegionMap:
    """Municipality → the labour-market region its routes count under, and the mapping itself,
    read from ``municipalities`` once (the table is written at start-up only, by ``load``)."""

    def __init__(self, database_url: str):
        self._url = database_url
        self._mapping: Municipalities | None = None

    def municipalities(self) -> Municipalities:
        if self._mapping is None:
            self._mapping = _read_table(self._url)
        return self._mapping

    def __call__(self, municipality: str) -> str:
        return self.municipalities().region_of(municipality)

    def regions(self) -> list[str]:
        """Every labour-market region the mapping names, in order."""
        return self.municipalities().regions()

    def centre_of(self, region: str) -> str | None:
        """The region's centrumgemeente (coordinating municipality), when the mapping names one."""
        return self.municipalities().centres().get(region)

    def refresh(self) -> None:
        self._mapping = None


def _read_table(database_url: str) -> Municipalities:
    t = municipalities_table
    with read_session(database_url) as session:
        rows = session.execute(
            select(t.c.municipality, t.c.region, t.c.valid_from, t.c.valid_to, t.c.successor, t.c.centre)
            .order_by(t.c.municipality, t.c.period)
        ).all()
    return Municipalities(
        MunicipalityPeriod(code, region, valid_from, valid_to, successor, bool(centre))
        for code, region, valid_from, valid_to, successor, centre in rows
    )
