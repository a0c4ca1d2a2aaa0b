"""Labour-market regions (arbeidsmarktregio's) per municipality, from a CSV file in configuration.

The mapping is loaded into the ``municipality_regions`` table at start-up, so the funnel can
group by region; a municipality missing from the file is reported under ``UNMAPPED``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from adapters.database import write_session
from adapters.projections import upsert
from adapters.tables import municipality_regions
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
