"""Inflow targets: procesregie sets a yearly target per region and for the country; the funnel's
inflow shows the routes registered in the year against it and against the baseline year."""

from __future__ import annotations

import pytest

from tests.conftest import assert_problem, registration


def _register(api, tokens, municipality: str, on: str, target_group: str = "statushouder") -> str:
    body = registration(registered_on=on, targetGroup=target_group,
                        benefit={"monthlyAmountCents": 125_000, "since": "2020-01-01"})
    response = api.post("/v1/trajectories", json=body, headers=tokens.klantmanager(municipality))
    assert response.status_code == 201, response.text
    return response.headers["Leerroute-Log-Position"]


def _progress(api, apt, query: str, position: str | None = None) -> dict:
    wait = f"&minPosition={position}" if position else ""
    response = api.get(f"/v1/funnel/inflow?{query}{wait}", headers=apt)
    assert response.status_code == 200, response.text
    return response.json()


def test_progress_against_the_target_and_the_baseline_year_of_a_region(api, tokens):
    apt = tokens.headers("procesregie", "APT")
    query = "year=2025&region=Zeeland"
    before = _progress(api, apt, query)
    assert before["target"] is None and before["baseline"]["year"] == 2024  # no target: the year before
    target = {"year": 2025, "region": "Zeeland", "statushouders": 10, "total": 16, "baselineYear": 2023}
    created = api.post("/v1/inflow-targets", json=target, headers=apt)
    assert created.status_code == 201, created.text
    assert created.json()["region"] == "Zeeland" and created.json()["baselineYear"] == 2023
    assert created.headers["Location"] == f"/v1/inflow-targets/{created.json()['id']}"
    baseline_before = _progress(api, apt, query)["baseline"]
    assert baseline_before["year"] == 2023

    _register(api, tokens, "GM0718", "2025-02-03")  # Vlissingen, Zeeland
    _register(api, tokens, "GM0687", "2025-07-01")  # Middelburg, Zeeland
    _register(api, tokens, "GM0718", "2025-03-04", target_group="other")
    _register(api, tokens, "GM0718", "2023-05-06")  # in the baseline year
    last = _register(api, tokens, "GM0363", "2025-04-01")  # Amsterdam: another region
    after = _progress(api, apt, query, last)

    assert after["inflow"] == {"year": 2025, "statushouders": before["inflow"]["statushouders"] + 2,
                               "total": before["inflow"]["total"] + 3}
    assert after["baseline"] == {**baseline_before, "statushouders": baseline_before["statushouders"] + 1,
                                 "total": baseline_before["total"] + 1}
    assert after["target"] == {"statushouders": 10, "total": 16, "baselineYear": 2023}
    assert after["shareOfTarget"] == round(after["inflow"]["statushouders"] / 10, 4)
    assert after["shareOfTotalTarget"] == round(after["inflow"]["total"] / 16, 4)
    assert after["growth"] == round(after["inflow"]["statushouders"] / after["baseline"]["statushouders"], 4)


def test_the_national_target_counts_every_region_and_its_changes_are_kept(api, tokens):
    apt = tokens.headers("procesregie", "APT")
    before = _progress(api, apt, "year=2024")
    first = api.post("/v1/inflow-targets", json={"year": 2024, "statushouders": 1000, "setOn": "2026-01-10"}, headers=apt)
    assert first.status_code == 201, first.text
    assert first.json()["region"] is None and first.json()["baselineYear"] == 2023 and first.json()["total"] is None
    changed = api.post("/v1/inflow-targets", json={"year": 2024, "statushouders": 1200, "total": 2000, "setOn": "2026-02-01"},
                       headers={**apt, "If-Match": first.headers["ETag"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["id"] == first.json()["id"]
    assert [(h["statushouders"], h["setBy"]) for h in changed.json()["history"]] == [(1000, "tester"), (1200, "tester")]
    one = api.get(f"/v1/inflow-targets/{first.json()['id']}", headers=apt)
    assert one.status_code == 200 and one.json() == changed.json() and one.headers["ETag"] == changed.headers["ETag"]
    listed = api.get("/v1/inflow-targets?year=2024", headers=apt).json()["items"]
    assert listed[0]["id"] == first.json()["id"]

    position = _register(api, tokens, "GM0599", "2024-03-01")  # Rotterdam
    position = _register(api, tokens, "GM0014", "2024-09-01")  # Groningen
    after = _progress(api, apt, "year=2024", position)
    assert after["inflow"]["statushouders"] == before["inflow"]["statushouders"] + 2
    assert after["target"]["statushouders"] == 1200


def test_a_stale_if_match_changes_nothing(api, tokens):
    apt = tokens.headers("procesregie", "APT")
    first = api.post("/v1/inflow-targets", json={"year": 2023, "region": "Twente", "statushouders": 5}, headers=apt)
    assert first.status_code == 201, first.text
    api.post("/v1/inflow-targets", json={"year": 2023, "region": "Twente", "statushouders": 6}, headers=apt)
    stale = api.post("/v1/inflow-targets", json={"year": 2023, "region": "Twente", "statushouders": 7},
                     headers={**apt, "If-Match": first.headers["ETag"]})
    assert_problem(stale, 412)
    assert api.get(f"/v1/inflow-targets/{first.json()['id']}", headers=apt).json()["statushouders"] == 6


GOOD = {"year": 2026, "region": "Drenthe", "statushouders": 40, "total": 60}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD, "region": "Atlantis"}, "region"),
        ({**GOOD, "statushouders": -1}, "statushouders"),
        ({**GOOD, "total": -5}, "total"),
        ({**GOOD, "total": 10}, "total"),  # fewer than the statushouders in it
        ({**GOOD, "year": 1990}, "year"),
        ({**GOOD, "year": 2099}, "year"),
        ({**GOOD, "baselineYear": 2026}, "baselineYear"),
        ({**GOOD, "baselineYear": 2001}, "baselineYear"),
        ({**GOOD, "statushouders": "forty"}, "statushouders"),
        ({**GOOD, "statushouders": 4.5}, "statushouders"),
        ({**GOOD, "year": "2026"}, "year"),
        ({k: v for k, v in GOOD.items() if k != "statushouders"}, "statushouders"),
        ({**GOOD, "setOn": "2099-01-01"}, "setOn"),
        ({**GOOD, "surprise": True}, "surprise"),
    ],
)
def test_a_bad_target_is_refused_naming_the_field_and_nothing_is_set(api, tokens, body, field):
    apt = tokens.headers("procesregie", "APT")
    before = api.get("/v1/inflow-targets?year=2026", headers=apt).json()["items"]
    problem = assert_problem(api.post("/v1/inflow-targets", json=body, headers=apt), 400)
    assert field in [p["name"] for p in problem["invalidParams"]], problem
    after = api.get("/v1/inflow-targets?year=2026", headers=apt).json()["items"]
    assert after == before and "Drenthe" not in [t["region"] for t in after]


def test_a_malformed_body_is_a_problem(api, tokens):
    apt = {**tokens.headers("procesregie", "APT"), "Content-Type": "application/json"}
    assert_problem(api.post("/v1/inflow-targets", content=b"{not json", headers=apt), 400)


def test_only_procesregie_sets_and_reads_targets(api, tokens):
    km = tokens.klantmanager("GM0363")
    assert_problem(api.post("/v1/inflow-targets", json=GOOD, headers=km), 403)
    assert_problem(api.get("/v1/funnel/inflow?year=2026", headers=km), 403)
    assert_problem(api.get("/v1/inflow-targets?year=2026", headers=tokens.employer("12345678")), 403)


@pytest.mark.parametrize(("query", "field"), [("year=1990", "year"), ("year=2026&region=Atlantis", "region")])
def test_a_progress_read_with_a_bad_year_or_region_is_refused(api, tokens, query, field):
    problem = assert_problem(api.get(f"/v1/funnel/inflow?{query}", headers=tokens.headers("procesregie", "APT")), 400)
    assert any(field in p["name"] for p in problem["invalidParams"]), problem


def test_an_unknown_target_is_not_found(api, tokens):
    missing = api.get("/v1/inflow-targets/00000000-0000-0000-0000-000000000000", headers=tokens.headers("procesregie", "APT"))
    assert_problem(missing, 404)
