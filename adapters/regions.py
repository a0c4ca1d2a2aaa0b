"""Labour-market regions (arbeidsmarktregio's) per municipality, from a CSV file in configuration.

The mapping is loaded into the ``municipality_regions`` table at start-up, so the funnel can
group by region; a municipality missing from the file is reported under ``UNMAPPED``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from adapters.database import read_session, write_session
from adapters.tables import municipality_regions
from adapters.upserts import upsert
from domain.values import validate_municipality_code

UNMAPPED = "onbekend"


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [
            {"municipality": validate_municipality_code(row["municipality"].strip()), "region": row["region"].strip()}
            for row in csv.DictReader(handle)
        ]
    return rows


def load(database_url: str, path: Path) -> int:
    rows = read(path)
    with write_session(database_url) as session:
        upsert(session, municipality_regions, rows, ["municipality"])
    return len(rows)


class RegionMap:
    """Municipality → labour-market region, read from ``municipality_regions`` once (the table
    is written at start-up only, by ``load``)."""

    def __init__(self, database_url: str):
        self._url = database_url
        self._mapping: dict[str, str] | None = None

    def __call__(self, municipality: str) -> str:
        if self._mapping is None:
            self._mapping = _read_table(self._url)
        return self._mapping.get(municipality, UNMAPPED)

    def regions(self) -> list[str]:
        """Every labour-market region the mapping names, in order."""
        if self._mapping is None:
            self._mapping = _read_table(self._url)
        return sorted(set(self._mapping.values()))

    def centre_of(self, region: str) -> str | None:
        """The region's centrumgemeente (coordinating municipality), when the mapping names one."""
        return None

    def refresh(self) -> None:
        self._mapping = None


def _read_table(database_url: str) -> dict[str, str]:
    with read_session(database_url) as session:
        rows = session.execute(select(municipality_regions.c.municipality, municipality_regions.c.region))
        return {municipality: region for municipality, region in rows}
