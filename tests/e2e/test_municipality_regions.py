"""Every route in a real municipality, counted in its labour-market region, across mergers.

Registration refuses a code that is no municipality on the registration date (a 400 problem
naming ``municipality``, nothing written); a route registered under a municipality that later
merged counts in its successor's region.
"""

from __future__ import annotations

from tests.conftest import assert_problem
from tests.conftest import registration as _registration


def registration(registered_on: str = "2026-01-05") -> dict:
    """A registration on that date, on a benefit since before it."""
    return _registration(registered_on=registered_on, benefit={"monthlyAmountCents": 125_000, "since": "2020-06-01"})


def _registered(api, headers, query: str, cohort: str, position: str | None = None) -> int:
    wait = f"&minPosition={position}" if position else ""
    response = api.get(f"/v1/funnel?{query}&cohort={cohort}{wait}", headers=headers)
    assert response.status_code == 200, response.text
    return sum(
        s["entered"] for g in response.json()["groups"] for s in g["stages"] if s["stage"] == "registered"
    )


def test_a_route_of_a_merged_municipality_counts_in_its_successors_region(api, tokens):
    apt = tokens.headers("procesregie", "APT")
    # Boxmeer (GM0756) merged into Land van Cuijk (GM1982, Noordoost-Brabant) on 2022-01-01.
    cohort = "2021-Q2"
    region = "level=region&region=Noordoost-Brabant"
    before = _registered(api, apt, region, cohort)
    unmapped_before = _registered(api, apt, "level=region&region=onbekend", cohort)
    response = api.post("/v1/trajectories", json=registration(registered_on="2021-05-03"), headers=tokens.klantmanager("GM0756"))
    assert response.status_code == 201, response.text
    assert response.json()["municipality"] == "GM0756"  # the route keeps the code it was registered under
    position = response.headers["Leerroute-Log-Position"]
    assert _registered(api, apt, region, cohort, position) == before + 1
    assert _registered(api, apt, "level=region&region=onbekend", cohort, position) == unmapped_before


def test_a_route_of_a_municipality_absorbed_by_an_existing_one_counts_in_that_region(api, tokens):
    apt = tokens.headers("procesregie", "APT")
    # Weesp (GM0457) joined Amsterdam (GM0363, Groot Amsterdam) on 2022-03-24.
    cohort = "2022-Q1"
    before = _registered(api, apt, "level=region&region=Groot Amsterdam", cohort)
    response = api.post("/v1/trajectories", json=registration(registered_on="2022-03-23"), headers=tokens.klantmanager("GM0457"))
    assert response.status_code == 201, response.text
    position = response.headers["Leerroute-Log-Position"]
    assert _registered(api, apt, "level=region&region=Groot Amsterdam", cohort, position) == before + 1


def _log_size(container) -> int:
    return container.projections.log_size()


def test_an_unknown_municipality_is_refused_at_registration_naming_the_field(api, tokens, container):
    size = _log_size(container)
    problem = assert_problem(
        api.post("/v1/trajectories", json=registration(), headers=tokens.klantmanager("GM9999")), 400
    )
    assert [p["name"] for p in problem["invalidParams"]] == ["municipality"]
    assert "GM9999" in problem["invalidParams"][0]["reason"]
    assert _log_size(container) == size


def test_a_merged_municipality_is_refused_after_the_merger_naming_its_successor(api, tokens, container):
    size = _log_size(container)
    body = registration(registered_on="2023-02-01")
    problem = assert_problem(api.post("/v1/trajectories", json=body, headers=tokens.klantmanager("GM0501")), 400)
    assert problem["invalidParams"][0]["name"] == "municipality"
    assert "GM1992" in problem["invalidParams"][0]["reason"]  # Brielle became Voorne aan Zee on 2023-01-01
    assert _log_size(container) == size
    # the day before the merger it still existed
    ok = api.post("/v1/trajectories", json=registration(registered_on="2022-12-31"), headers=tokens.klantmanager("GM0501"))
    assert ok.status_code == 201, ok.text


def test_a_new_municipality_is_refused_before_it_existed(api, tokens):
    body = registration(registered_on="2022-06-01")
    problem = assert_problem(api.post("/v1/trajectories", json=body, headers=tokens.klantmanager("GM1992")), 400)
    assert problem["invalidParams"][0]["name"] == "municipality"
