"""The national report over everything in the log: lines add up to the totals, and the CSV and
XLSX downloads carry exactly the JSON figures."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.conftest import new_municipality, registration

FIGURES = ("committed", "due", "claimed", "approved", "paid", "lapsed", "toRecover", "savings", "net")


def test_procesregie_sees_every_line_and_the_lines_add_up_to_the_national_totals(api, tokens):
    municipality = new_municipality()
    km = tokens.klantmanager(municipality)
    agreement = api.post("/v1/financing-agreements", headers=km, json={
        "kind": "start", "trigger": "registered", "validFrom": "2025-01-01", "concludedOn": "2025-01-01",
        "terms": {"amountCents": 77777},
    }).json()["id"]
    trajectory = api.post("/v1/trajectories", json=registration(registered_on="2025-05-05"), headers=km).json()["id"]
    api.post(f"/v1/trajectories/{trajectory}/benefit-changes", headers=km, json={"date": "2025-06-01", "kind": "stopped"})
    claim = api.post("/v1/claims", headers=km, json={"agreementId": agreement, "trajectoryId": trajectory, "filedOn": "2025-05-06"})
    api.post(f"{claim.headers['Location']}/approval", headers=km, json={"date": "2025-05-07"})
    api.post(f"{claim.headers['Location']}/payment", headers=km, json={"date": "2025-05-08"})

    procesregie = tokens.headers("procesregie", "APT")
    report = api.get("/v1/money/reports", params={"asOf": "2026-10-31"}, headers=procesregie).json()
    lines = report["municipalities"] + report["funds"]
    assert len(report["municipalities"]) >= 1
    for key in FIGURES:
        assert sum(line[key] for line in lines) == report["national"][key], key
    for line in report["municipalities"]:
        assert line["net"] == line["savings"] - line["paid"]
    [mine] = [m for m in report["municipalities"] if m["municipality"] == municipality]
    # 125000 a month saved from June 2025 to October 2026: 17 months.
    assert (mine["paid"], mine["savings"], mine["breakEvenMonth"]) == (77777, 17 * 125000, "2025-06")

    as_csv = api.get("/v1/money/reports", params={"asOf": "2026-10-31", "format": "csv"}, headers=procesregie)
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == len(lines) + 1
    for row, line in zip(rows, lines, strict=False):
        assert {k: int(row[k]) for k in FIGURES} == {k: line[k] for k in FIGURES}
    assert {k: int(rows[-1][k]) for k in FIGURES} == report["national"]

    as_xlsx = api.get("/v1/money/reports", params={"asOf": "2026-10-31", "format": "xlsx"}, headers=procesregie)
    table = list(load_workbook(io.BytesIO(as_xlsx.content)).active.iter_rows(values_only=True))
    header = table[0]
    assert [dict(zip(header, r, strict=True))["committed"] for r in table[1:]] == [line["committed"] for line in lines] + [
        report["national"]["committed"]
    ]


def test_known_as_a_date_means_what_was_recorded_by_the_end_of_that_day(api, tokens):
    procesregie = tokens.headers("procesregie", "APT")
    # Nothing of this test run was recorded by the end of 2025, so nothing is known then.
    early = api.get("/v1/money/reports", params={"asOf": "2025-12-31", "known": "2025-12-31"}, headers=procesregie).json()
    assert early["municipalities"] == [] and early["funds"] == []
    assert all(v == 0 for v in early["national"].values())
