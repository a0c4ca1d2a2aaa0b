"""A hand-computed cohort: every money figure asserted to the cent, as of several moments.

Municipality M pays start financing (A1, on registration; 1,500.00, raised to 2,000.00 from
2025-07-01) and result financing (A2, on the start of a placement that must last 6 months;
3,000.00). O&O fund F pays training financing (A3, on a bedrijfsvakschool certificate, for
statushouders of M; 2,500.00). Baseline of the bijstand savings: the benefit at intake.

Three candidates, January 2025 to June 2026:

C1 statushouder, registered 2025-01-06, benefit 1,200.00. Certificate 2025-06-20, contract
   2025-07-01 (still running), benefit stopped 2025-07-01.
   A1 150000 (terms before the change) paid 2025-02-01; A2 300000 paid 2025-08-01 (the placement
   passed its 6 months on 2026-01-01); A3 250000 approved by F 2025-07-01, paid 2026-01-15.
   Savings: 120000 a month from July 2025.
C2 statushouder, registered 2025-03-03, benefit 1,000.00, dropped out 2025-04-15.
   A1 150000 paid 2025-04-01; A2 and A3: never reached, dropped out, so nothing committed.
   Savings: none (the benefit never changed).
C3 other, registered 2025-09-01, benefit 1,100.00; reduced to 550.00 on 2025-10-16, stopped on
   2026-02-02 (contract start), resumed at 1,100.00 on 2026-05-01. The placement ended on
   2026-04-30, inside its 6 months: that step is logged late, after everything else.
   A1 200000 (the terms in force on 2025-09-01) paid 2025-10-01; A2 300000 paid 2026-03-01,
   lapsed once the end is known: to recover. A3 does not cover target group "other".
   Savings per month (half-up per trajectory-month):
     2025-10: 55000 x 16/31 = 28387.10 -> 28387
     2025-11, 2025-12, 2026-01: 55000 each
     2026-02: (55000 x 1 + 110000 x 27) / 28 = 108035.71 -> 108036
     2026-03, 2026-04: 110000 each; from 2026-05: 0 (the benefit resumed)
     total by 2026-06-30: 28387 + 3 x 55000 + 108036 + 2 x 110000 = 521423
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from tests.conftest import new_kvk, new_municipality, registration


def _recorded(api, headers: dict, trajectory: str) -> list[str]:
    """When each of a trajectory's events was recorded, from its history."""
    return [e["recordedAt"] for e in _ok(api.get(f"/v1/trajectories/{trajectory}/history", headers=headers))["events"]]


def _ok(response, status=(200, 201)):
    assert response.status_code in ((status,) if isinstance(status, int) else status), response.text
    return response.json()


class Cohort:
    def __init__(self, api, tokens) -> None:
        self.api = api
        self.m = new_municipality()
        self.fund = f"OO-{self.m}"
        self.km = tokens.klantmanager(self.m)
        self.f = tokens.headers("fund", self.fund)
        self.kvk = new_kvk()
        self.employer = tokens.employer(self.kvk)

    def post(self, path: str, body: dict, headers: dict | None = None, status=(200, 201)) -> dict:
        return _ok(self.api.post(path, json=body, headers=headers or self.km), status)

    def register(self, on: str, group: str, cents: int, since: str) -> str:
        body = registration(registered_on=on, targetGroup=group, benefit={"monthlyAmountCents": cents, "since": since})
        return self.post("/v1/trajectories", body, status=201)["id"]

    def place(self, t: str, proposed: str, confirmed: str, start: str) -> str:
        created = self.api.post(
            f"/v1/trajectories/{t}/placements",
            json={"date": proposed, "employer": {"kvkNumber": self.kvk, "name": "Techniek BV"}, "function": "monteur",
                  "hoursPerWeek": 36, "level": "assistent"},
            headers=self.km,
        )
        assert created.status_code == 201, created.text
        placement = created.headers["Location"]
        self.post(f"{placement}/confirmation", {"date": confirmed}, self.employer)
        self.post(f"{placement}/contract-start", {"date": start, "hoursPerWeek": 36}, self.employer)
        return placement

    def claim(self, agreement: str, t: str, filed: str, approved: str, paid: str | None, payer: dict | None = None) -> str:
        claim = self.post("/v1/claims", {"agreementId": agreement, "trajectoryId": t, "filedOn": filed}, status=201)
        self.post(f"/v1/claims/{claim['id']}/approval", {"date": approved}, payer or self.km)
        if paid:
            self.post(f"/v1/claims/{claim['id']}/payment", {"date": paid}, payer or self.km)
        return claim["id"]

    def report(self, headers: dict, **params: str) -> dict:
        return _ok(self.api.get("/v1/money/reports", params=params, headers=headers))


def _figures(line: dict) -> dict:
    keys = ("committed", "due", "claimed", "approved", "paid", "lapsed", "toRecover", "savings", "net")
    return {k: line[k] for k in keys}


def F(committed=0, due=0, claimed=0, approved=0, paid=0, lapsed=0, toRecover=0, savings=0, net=0):
    return dict(committed=committed, due=due, claimed=claimed, approved=approved, paid=paid, lapsed=lapsed,
                toRecover=toRecover, savings=savings, net=net)


def test_hand_computed_cohort_to_the_cent_as_happened_and_as_known(api, tokens):
    c = Cohort(api, tokens)

    a1 = c.post("/v1/financing-agreements", {
        "kind": "start", "trigger": "registered", "validFrom": "2025-01-01", "validUntil": "2026-12-31",
        "concludedOn": "2024-12-15", "terms": {"amountCents": 150000},
    }, status=201)["id"]
    a2 = c.post("/v1/financing-agreements", {
        "kind": "result", "trigger": "placement-started", "validFrom": "2025-01-01", "concludedOn": "2024-12-15",
        "terms": {"amountCents": 300000, "minPlacementMonths": 6},
    }, status=201)["id"]
    a3 = c.post("/v1/financing-agreements", {
        "kind": "training", "trigger": "certificate-obtained", "phase": "bedrijfsvakschool", "validFrom": "2025-01-01",
        "concludedOn": "2024-12-20", "budgetCapCents": 1_000_000,
        "terms": {"amountCents": 250000, "targetGroups": ["statushouder"], "municipalities": [c.m]},
    }, c.f, status=201)["id"]
    # The mid-way change of terms: start financing 2,000.00 for routes registered from July 2025.
    changed = c.post(f"/v1/financing-agreements/{a1}/terms", {"effectiveFrom": "2025-07-01", "amountCents": 200000})
    assert [t["amountCents"] for t in changed["terms"]] == [150000, 200000]

    # C1
    t1 = c.register("2025-01-06", "statushouder", 120000, "2024-06-01")
    c.claim(a1, t1, "2025-01-15", "2025-01-20", "2025-02-01")
    c.post(f"/v1/trajectories/{t1}/phases/orientation/start", {"date": "2025-01-13"})
    c.post(f"/v1/trajectories/{t1}/phases/orientation/completion", {"date": "2025-02-07"})
    c.post(f"/v1/trajectories/{t1}/phases/pre-trajectory/skip", {"date": "2025-02-10", "basis": "evc", "reason": "ervaring"})
    c.post(f"/v1/trajectories/{t1}/phases/bedrijfsvakschool/start", {"date": "2025-02-10", "provider": "Bouwmensen"})
    c.post(f"/v1/trajectories/{t1}/certificates",
           {"date": "2025-06-20", "phase": "bedrijfsvakschool", "kind": "mbo-certificaat", "title": "Basis"}, status=201)
    c.claim(a3, t1, "2025-06-25", "2025-07-01", "2026-01-15", payer=c.f)
    c.place(t1, "2025-06-02", "2025-06-09", "2025-07-01")
    c.post(f"/v1/trajectories/{t1}/benefit-changes", {"date": "2025-07-01", "kind": "stopped"}, status=201)
    c.claim(a2, t1, "2025-07-10", "2025-07-15", "2025-08-01")

    # C2
    t2 = c.register("2025-03-03", "statushouder", 100000, "2024-01-01")
    c.claim(a1, t2, "2025-03-10", "2025-03-15", "2025-04-01")
    c.post(f"/v1/trajectories/{t2}/phases/orientation/start", {"date": "2025-03-10"})
    c.post(f"/v1/trajectories/{t2}/drop-out", {"date": "2025-04-15", "reason": "motivation", "explanation": "gestopt"})
    refused = api.post("/v1/claims", json={"agreementId": a2, "trajectoryId": t2, "filedOn": "2025-06-01"}, headers=c.km)
    assert refused.status_code == 409 and refused.json()["condition"] == "trigger-reached", refused.text

    # C3
    t3 = c.register("2025-09-01", "other", 110000, "2025-01-01")
    c.claim(a1, t3, "2025-09-05", "2025-09-10", "2025-10-01")
    c.post(f"/v1/trajectories/{t3}/phases/orientation/start", {"date": "2025-09-08"})
    c.post(f"/v1/trajectories/{t3}/phases/orientation/completion", {"date": "2025-10-03"})
    c.post(f"/v1/trajectories/{t3}/benefit-changes",
           {"date": "2025-10-16", "kind": "reduced", "monthlyAmountCents": 55000}, status=201)
    c.post(f"/v1/trajectories/{t3}/phases/pre-trajectory/start", {"date": "2025-10-06", "provider": "Taalhuis"})
    c.post(f"/v1/trajectories/{t3}/phases/pre-trajectory/completion", {"date": "2025-12-19"})
    c.post(f"/v1/trajectories/{t3}/phases/bedrijfsvakschool/skip",
           {"date": "2025-12-19", "basis": "not-available-in-region", "reason": "geen school"})
    placement3 = c.place(t3, "2026-01-05", "2026-01-12", "2026-02-02")
    c.post(f"/v1/trajectories/{t3}/benefit-changes", {"date": "2026-02-02", "kind": "stopped"}, status=201)
    c.claim(a2, t3, "2026-02-10", "2026-02-15", "2026-03-01")
    c.post(f"/v1/trajectories/{t3}/benefit-changes",
           {"date": "2026-05-01", "kind": "resumed", "monthlyAmountCents": 110000}, status=201)
    not_covered = api.post("/v1/claims", json={"agreementId": a3, "trajectoryId": t3, "filedOn": "2026-03-01"}, headers=c.km)
    assert not_covered.status_code == 409 and not_covered.json()["condition"] == "target-group", not_covered.text

    # Everything so far is known at `before`, the recording time of the last event logged (t3's
    # benefit resumption); then the placement's end (2026-04-30) is logged late.
    before = datetime.fromisoformat(_recorded(api, c.km, t3)[-1])
    ended = api.post(f"{placement3}/ending", json={"date": "2026-04-30", "reason": "dismissed"}, headers=c.employer)
    assert ended.status_code == 200, ended.text
    assert datetime.fromisoformat(_recorded(api, c.km, t3)[-1]) > before
    api.get("/v1/trajectories", params={"minPosition": ended.headers["Leerroute-Log-Position"]}, headers=c.km)

    # The municipality lists its own agreements and the fund's that cover it; the fund its own.
    assert {x["id"] for x in _ok(api.get("/v1/financing-agreements", headers=c.km))["items"]} == {a1, a2, a3}
    assert [x["id"] for x in _ok(api.get("/v1/financing-agreements", headers=c.f))["items"]] == [a3]

    # --- as it had happened by 2025-12-31 -------------------------------------------------------------
    # M: committed A1 150000+150000+200000, A2 C1 300000 + C3 300000 (trigger ahead) = 1100000;
    #    due A1 500000 + A2 C1 300000 = 800000; claimed = approved = paid = 800000;
    #    savings C1 6 x 120000 = 720000, C3 28387 + 55000 + 55000 = 138387 -> 858387; net 58387.
    # F: C1 due 250000, approved 2025-07-01, paid only in 2026.
    report = c.report(c.km, asOf="2025-12-31")
    [m] = report["municipalities"]
    assert m["municipality"] == c.m
    assert _figures(m) == F(1100000, 800000, 800000, 800000, 800000, 0, 0, 858387, 58387)
    [f] = report["funds"]
    assert f["fund"] == c.fund and _figures(f) == F(250000, 250000, 250000, 250000, 0, 0, 0, 0, 0)
    assert _figures(report["national"]) == F(1350000, 1050000, 1050000, 1050000, 800000, 0, 0, 858387, 58387)
    # Cumulative savings 858387 first reach the 800000 paid in December 2025.
    assert m["breakEvenMonth"] == "2025-12"
    months = {p["month"]: p for p in m["months"]}
    assert months["2025-10"]["savings"] == 120000 + 28387
    assert months["2025-11"]["cumulativeSavings"] == 120000 * 5 + 28387 + 55000
    assert months["2025-12"]["net"] == 58387

    # --- as it had happened by 2026-06-30 (the placement's end included) -------------------------------
    # M: A1 500000 due and paid; A2 C1 300000 due and paid; A2 C3 lapsed 300000, paid: to recover.
    #    claimed = approved = paid = 500000 + 300000 + 300000 = 1100000;
    #    savings C1 12 x 120000 = 1440000 + C3 521423 = 1961423; net 1961423 - 1100000 = 861423.
    # F: C1 paid 2026-01-15: net -250000.
    after = c.report(c.km, asOf="2026-06-30")
    [m] = after["municipalities"]
    assert _figures(m) == F(800000, 800000, 1100000, 1100000, 1100000, 300000, 300000, 1961423, 861423)
    [f] = after["funds"]
    assert _figures(f) == F(250000, 250000, 250000, 250000, 250000, 0, 0, 0, -250000)
    assert _figures(after["national"]) == F(1050000, 1050000, 1350000, 1350000, 1350000, 300000, 300000, 1961423, 611423)
    assert m["breakEvenMonth"] == "2025-12"

    # --- as it was known at `before` (same business date): the end was not logged yet ----------------
    # A2 C3 is still due (300000, no lapse): committed and due 1100000, nothing lapsed or to recover.
    known = c.report(c.km, asOf="2026-06-30", known=before.isoformat())
    [m] = known["municipalities"]
    assert _figures(m) == F(1100000, 1100000, 1100000, 1100000, 1100000, 0, 0, 1961423, 861423)
    assert known["known"] == before.isoformat()
    # ... and as known now, the late step is included, exactly as in the as-happened view.
    known_now = c.report(c.km, asOf="2026-06-30", known=datetime.now(UTC).isoformat())
    assert _figures(known_now["municipalities"][0]) == _figures(after["municipalities"][0])

    # --- the fund sees its own line only ------------------------------------------------------------------
    fund_view = c.report(c.f, asOf="2026-06-30")
    assert fund_view["municipalities"] == []
    assert [_figures(x) for x in fund_view["funds"]] == [F(250000, 250000, 250000, 250000, 250000, 0, 0, 0, -250000)]

    # ... and a trajectory's money only where one of its agreements covers it, without the savings.
    fund_t1 = _ok(api.get(f"/v1/trajectories/{t1}/money", params={"asOf": "2026-06-30"}, headers=c.f))
    assert [(x["agreementId"], x["paid"]) for x in fund_t1["lines"]] == [(a3, 250000)]
    assert fund_t1["savings"]["months"] == []
    assert api.get(f"/v1/trajectories/{t3}/money", headers=c.f).status_code == 404

    # --- per trajectory --------------------------------------------------------------------------------
    money3 = _ok(api.get(f"/v1/trajectories/{t3}/money", params={"asOf": "2026-06-30"}, headers=c.km))
    assert {(line["agreementId"], line["status"], line["toRecover"]) for line in money3["lines"]} == {
        (a1, "due", 0), (a2, "lapsed", 300000),
    }
    assert [(x["month"], x["savingsCents"]) for x in money3["savings"]["months"]] == [
        ("2025-10", 28387), ("2025-11", 55000), ("2025-12", 55000), ("2026-01", 55000), ("2026-02", 108036),
        ("2026-03", 110000), ("2026-04", 110000),
    ]
    assert money3["savings"]["totalCents"] == 521423
    money3_known = _ok(api.get(f"/v1/trajectories/{t3}/money", params={"asOf": "2026-06-30", "known": before.isoformat()},
                               headers=c.km))
    assert {(line["agreementId"], line["status"], line["due"]) for line in money3_known["lines"]} == {
        (a1, "due", 200000), (a2, "due", 300000),
    }

    # --- the lines add up to the totals, and the downloads carry the same figures -------------------
    for view in (report, after, known):
        lines = view["municipalities"] + view["funds"]
        for key in F():
            assert sum(line[key] for line in lines) == view["national"][key], key
    as_csv = api.get("/v1/money/reports", params={"asOf": "2026-06-30", "format": "csv"}, headers=c.km)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(r["level"], r["party"]) for r in rows] == [("municipality", c.m), ("fund", c.fund), ("national", "")]
    assert {k: int(rows[0][k]) for k in F()} == _figures(after["municipalities"][0])
    assert {k: int(rows[2][k]) for k in F()} == _figures(after["national"])
    assert rows[0]["breakEvenMonth"] == "2025-12"
    as_xlsx = api.get("/v1/money/reports", params={"asOf": "2026-06-30", "format": "xlsx"}, headers=c.km)
    assert as_xlsx.status_code == 200 and "attachment" in as_xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = table[0]
    by_level = {(r[0], r[1] or ""): dict(zip(header, r, strict=True)) for r in table[1:]}
    assert {k: by_level[("fund", c.fund)][k] for k in F()} == _figures(after["funds"][0])
    assert {k: by_level[("national", "")][k] for k in F()} == _figures(after["national"])
