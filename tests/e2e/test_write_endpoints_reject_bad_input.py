"""Every write endpoint: the happy path, a malformed body, a wrong type, a missing field, a step
out of order and a caller from another organisation. None gives a 500, none records anything
when it fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import assert_problem, new_kvk, new_municipality, registration

# The municipality of every Route of this module (each drives a trajectory of its own), and one
# whose klantmanager sees none of them.
ROUTES_MUNICIPALITY, STRANGER_MUNICIPALITY = new_municipality(), new_municipality()


class Route:
    """Drives one trajectory over the API into the state a test needs."""

    def __init__(self, api, tokens) -> None:
        self.api = api
        self.municipality = ROUTES_MUNICIPALITY
        self.kvk = new_kvk()
        self.km = tokens.klantmanager(self.municipality)
        self.employer = tokens.employer(self.kvk)
        self.trajectory_id = ""
        self.placement_id = ""

    @property
    def base(self) -> str:
        return f"/v1/trajectories/{self.trajectory_id}"

    def post(self, path: str, body: dict, headers: dict | None = None) -> None:
        response = self.api.post(self.base + path, json=body, headers=headers or self.km)
        assert response.status_code in (200, 201), (path, response.text)
        if path == "/placements":
            self.placement_id = response.headers["Location"].rsplit("/", 1)[1]

    def event_count(self) -> int:
        return len(self.api.get(f"{self.base}/history", headers=self.km).json()["events"])

    # states
    def registered(self) -> Route:
        response = self.api.post("/v1/trajectories", json=registration(registered_on="2026-01-05"), headers=self.km)
        assert response.status_code == 201, response.text
        self.trajectory_id = response.json()["id"]
        return self

    def in_orientation(self) -> Route:
        self.registered().post("/phases/orientation/start", {"date": "2026-01-12"})
        return self

    def in_pre_trajectory(self) -> Route:
        self.registered().post("/phases/orientation/skip", {"date": "2026-01-06", "basis": "evc", "reason": "werkervaring"})
        self.post("/phases/pre-trajectory/start", {"date": "2026-01-12"})
        return self

    def in_bedrijfsvakschool(self) -> Route:
        self.in_pre_trajectory().post("/phases/pre-trajectory/completion", {"date": "2026-03-01"})
        self.post("/phases/bedrijfsvakschool/start", {"date": "2026-03-02", "provider": "Bouwmensen"})
        return self

    def with_proposal(self) -> Route:
        self.registered().post(
            "/placements",
            {
                "date": "2026-02-01",
                "employer": {"kvkNumber": self.kvk, "name": "Bouw BV"},
                "function": "assistent-monteur",
                "hoursPerWeek": 32,
                "level": "assistent",
            },
        )
        return self

    def with_confirmed(self) -> Route:
        self.with_proposal().post(f"/placements/{self.placement_id}/confirmation", {"date": "2026-02-03"}, self.employer)
        return self

    def with_contract(self) -> Route:
        self.with_confirmed().post(
            f"/placements/{self.placement_id}/contract-start", {"date": "2026-02-10", "hoursPerWeek": 32}, self.employer
        )
        return self

    def with_guarantee(self) -> Route:
        self.with_confirmed().post("/guarantee", {"date": "2026-02-10", "issuedBy": "sociale partners"})
        return self

    def dropped_out(self) -> Route:
        self.registered().post("/drop-out", {"date": "2026-02-01", "reason": "health", "explanation": "langdurig ziek"})
        return self


@dataclass
class Endpoint:
    name: str
    path: str  # relative to the trajectory; {placement} is filled in
    valid_state: Callable[[Route], Route]
    body: dict[str, Any]
    out_of_order_state: Callable[[Route], Route]
    wrong_type: tuple[str, Any]
    missing: str
    as_employer: bool = False
    expected: int = 200
    out_of_order_body: dict[str, Any] = field(default_factory=dict)


ENDPOINTS = [
    Endpoint("start phase", "/phases/orientation/start", Route.registered, {"date": "2026-01-12"},
             Route.in_orientation, ("date", 20260112), "date"),
    Endpoint("complete phase", "/phases/orientation/completion", Route.in_orientation, {"date": "2026-02-01"},
             Route.registered, ("date", True), "date"),
    Endpoint("end phase without completion", "/phases/orientation/termination", Route.in_orientation,
             {"date": "2026-02-01", "reason": "past niet"}, Route.registered, ("reason", 12), "reason"),
    Endpoint("skip phase", "/phases/orientation/skip", Route.registered,
             {"date": "2026-01-06", "basis": "evc", "reason": "werkervaring in Syrië"}, Route.in_orientation,
             ("basis", ["evc"]), "basis"),
    Endpoint("language assessment", "/language-assessments", Route.in_pre_trajectory,
             {"date": "2026-02-01", "levels": {"speaking": "A2"}}, Route.registered, ("levels", "A2"), "levels"),
    Endpoint("practice period", "/practice-periods", Route.in_pre_trajectory,
             {"startsOn": "2026-02-01", "description": "bouwplaats", "hoursPerWeek": 16}, Route.registered,
             ("hoursPerWeek", "16"), "description", expected=201),
    Endpoint("certificate", "/certificates", Route.in_bedrijfsvakschool,
             {"date": "2026-04-01", "phase": "bedrijfsvakschool", "kind": "praktijkverklaring", "title": "Monteur"},
             Route.registered, ("kind", 3), "title", expected=201),
    Endpoint("propose placement", "/placements", Route.registered,
             {"date": "2026-02-01", "employer": {"kvkNumber": "12345678", "name": "Bouw BV"}, "function": "monteur",
              "hoursPerWeek": 32, "level": "full"},
             Route.dropped_out, ("hoursPerWeek", 32.5), "employer", expected=201),
    Endpoint("confirm placement", "/placements/{placement}/confirmation", Route.with_proposal, {"date": "2026-02-03"},
             Route.with_confirmed, ("date", {"day": 3}), "date", as_employer=True),
    Endpoint("decline placement", "/placements/{placement}/declination", Route.with_proposal,
             {"date": "2026-02-03", "reason": "geen plek"}, Route.with_confirmed, ("reason", None), "reason", as_employer=True),
    Endpoint("start contract", "/placements/{placement}/contract-start", Route.with_confirmed,
             {"date": "2026-02-10", "hoursPerWeek": 32}, Route.with_proposal, ("hoursPerWeek", "veel"), "hoursPerWeek",
             as_employer=True),
    Endpoint("end placement", "/placements/{placement}/ending", Route.with_contract,
             {"date": "2026-03-01", "reason": "resigned"}, Route.with_proposal, ("reason", 1), "reason", as_employer=True),
    Endpoint("issue guarantee", "/guarantee", Route.with_confirmed, {"date": "2026-02-10", "issuedBy": "sociale partners"},
             Route.registered, ("issuedBy", 5), "issuedBy", expected=201),
    Endpoint("guarantee check-in", "/guarantee/check-ins", Route.with_guarantee,
             {"date": "2026-03-10", "summary": "loopbaangesprek"}, Route.registered, ("summary", []), "summary", expected=201),
    Endpoint("end guarantee", "/guarantee/ending", Route.with_guarantee, {"date": "2026-03-10", "reason": "left-sector"},
             Route.registered, ("reason", False), "reason"),
    Endpoint("drop-out", "/drop-out", Route.registered, {"date": "2026-02-01", "reason": "health", "explanation": "ziek"},
             Route.dropped_out, ("explanation", 0), "reason"),
    Endpoint("re-entry", "/re-entry", Route.dropped_out, {"date": "2026-03-01", "explanation": "hersteld"},
             Route.registered, ("date", "1 maart"), "explanation"),
    Endpoint("benefit change", "/benefit-changes", Route.registered,
             {"date": "2026-02-01", "kind": "reduced", "monthlyAmountCents": 60_000}, Route.registered,
             ("monthlyAmountCents", 600.5), "kind", expected=201,
             out_of_order_body={"date": "2026-02-01", "kind": "resumed", "monthlyAmountCents": 60_000}),
    Endpoint("maatwerk deviation", "/deviations", Route.registered,
             {"rule": "benefit-during-training", "reason": "uitkering behouden tijdens opleiding", "startsOn": "2026-02-01",
              "endsOn": "2026-06-30", "grantedBy": "teamleider"},
             Route.registered, ("endsOn", 20260630), "grantedBy", expected=201,
             out_of_order_body={"rule": "other", "reason": "x", "startsOn": "2025-01-01", "endsOn": "2025-02-01",
                                "grantedBy": "teamleider"}),
]


def _headers(route: Route, endpoint: Endpoint) -> dict[str, str]:
    return route.employer if endpoint.as_employer else route.km


def _path(route: Route, endpoint: Endpoint) -> str:
    return route.base + endpoint.path.format(placement=route.placement_id)


@pytest.fixture(params=ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def endpoint(request) -> Endpoint:
    return request.param


def test_happy_path(api, tokens, endpoint):
    route = endpoint.valid_state(Route(api, tokens))
    before = route.event_count()
    response = api.post(_path(route, endpoint), json=endpoint.body, headers=_headers(route, endpoint))
    assert response.status_code == endpoint.expected, response.text
    assert response.headers["ETag"] == f'"{before + 1}"'
    assert int(response.headers["Leerroute-Log-Position"]) > 0
    assert route.event_count() == before + 1


def test_malformed_body(api, tokens, endpoint):
    route = endpoint.valid_state(Route(api, tokens))
    before = route.event_count()
    response = api.post(
        _path(route, endpoint), content=b'{"date": "2026-', headers={**_headers(route, endpoint), "Content-Type": "application/json"}
    )
    problem = assert_problem(response, 400)
    assert problem["invalidParams"][0]["name"] == "body"
    assert route.event_count() == before


def test_wrong_type(api, tokens, endpoint):
    route = endpoint.valid_state(Route(api, tokens))
    before = route.event_count()
    name, value = endpoint.wrong_type
    response = api.post(_path(route, endpoint), json={**endpoint.body, name: value}, headers=_headers(route, endpoint))
    problem = assert_problem(response, 400)
    assert name in [p["name"].split(".")[0] for p in problem["invalidParams"]], problem
    assert route.event_count() == before


def test_missing_field(api, tokens, endpoint):
    route = endpoint.valid_state(Route(api, tokens))
    before = route.event_count()
    body = {k: v for k, v in endpoint.body.items() if k != endpoint.missing}
    response = api.post(_path(route, endpoint), json=body, headers=_headers(route, endpoint))
    problem = assert_problem(response, 400)
    assert endpoint.missing in [p["name"] for p in problem["invalidParams"]], problem
    assert route.event_count() == before


def test_step_out_of_order_is_refused_naming_the_rule(api, tokens, endpoint):
    route = endpoint.out_of_order_state(Route(api, tokens))
    before = route.event_count()
    body = endpoint.out_of_order_body or endpoint.body
    response = api.post(_path(route, endpoint), json=body, headers=_headers(route, endpoint))
    problem = assert_problem(response, 409)
    assert problem["rule"] and problem["detail"]
    assert route.event_count() == before


def test_caller_from_another_organisation_cannot_see_the_trajectory(api, tokens, endpoint):
    route = endpoint.valid_state(Route(api, tokens))
    before = route.event_count()
    stranger = tokens.employer(new_kvk()) if endpoint.as_employer else tokens.klantmanager(STRANGER_MUNICIPALITY)
    response = api.post(_path(route, endpoint), json=endpoint.body, headers=stranger)
    assert_problem(response, 404)
    assert route.event_count() == before


def test_a_role_that_may_not_do_this_is_forbidden(api, tokens, endpoint):
    route = endpoint.valid_state(Route(api, tokens))
    before = route.event_count()
    wrong_role = tokens.headers("fund", "oo-fonds-techniek") if endpoint.as_employer else tokens.employer(route.kvk)
    response = api.post(_path(route, endpoint), json=endpoint.body, headers=wrong_role)
    assert_problem(response, 403)
    assert route.event_count() == before


# --- registration -------------------------------------------------------------------------------


def test_registration_bad_input_lists_every_invalid_field(api, tokens):
    km = tokens.klantmanager(new_municipality())
    body = registration()
    body["candidate"] = {**body["candidate"], "bsn": "123456789", "birthDate": "04-03-1990"}
    body["targetGroup"] = "tourist"
    body["benefit"] = {"monthlyAmountCents": -5, "since": "2024-06-01"}
    problem = assert_problem(api.post("/v1/trajectories", json=body, headers=km), 400)
    names = {p["name"] for p in problem["invalidParams"]}
    assert names == {"candidate.bsn", "candidate.birthDate", "targetGroup", "benefit.monthlyAmountCents"}
    bsn = next(p for p in problem["invalidParams"] if p["name"] == "candidate.bsn")
    assert "11-check" in bsn["reason"]


def test_registration_malformed_wrong_type_missing_field(api, tokens):
    km = tokens.klantmanager(new_municipality())
    malformed = api.post("/v1/trajectories", content=b"[", headers={**km, "Content-Type": "application/json"})
    assert_problem(malformed, 400)
    wrong = api.post("/v1/trajectories", json={**registration(), "registeredOn": 20260105}, headers=km)
    assert "registeredOn" in [p["name"] for p in assert_problem(wrong, 400)["invalidParams"]]
    body = registration()
    del body["candidate"]
    missing = api.post("/v1/trajectories", json=body, headers=km)
    assert "candidate" in [p["name"] for p in assert_problem(missing, 400)["invalidParams"]]
    fractional = api.post(
        "/v1/trajectories", json={**registration(), "benefit": {"monthlyAmountCents": 1250.5, "since": "2024-06-01"}}, headers=km
    )
    assert "benefit.monthlyAmountCents" in [p["name"] for p in assert_problem(fractional, 400)["invalidParams"]]


def test_registration_out_of_order_future_date_and_duplicate_candidate(api, tokens):
    km = tokens.klantmanager(new_municipality())
    future = assert_problem(api.post("/v1/trajectories", json=registration(registered_on="2030-01-01"), headers=km), 409)
    assert future["rule"] == "no-future-dates"
    body = registration()
    assert api.post("/v1/trajectories", json=body, headers=km).status_code == 201
    duplicate = assert_problem(api.post("/v1/trajectories", json=body, headers=km), 409)
    assert duplicate["rule"] == "one-trajectory-per-candidate"
    # The same person may be registered by another municipality.
    assert api.post("/v1/trajectories", json=body, headers=tokens.klantmanager(new_municipality())).status_code == 201


def test_registration_by_other_roles_is_forbidden(api, tokens):
    for headers in (tokens.employer(new_kvk()), tokens.headers("procesregie", "APT"), tokens.headers("fund", "otib")):
        assert_problem(api.post("/v1/trajectories", json=registration(), headers=headers), 403)


def test_search_by_bsn_finds_only_the_own_municipality(api, tokens):
    municipality = new_municipality()
    km = tokens.klantmanager(municipality)
    body = registration()
    trajectory_id = api.post("/v1/trajectories", json=body, headers=km).json()["id"]
    found = api.post("/v1/trajectories/search", json={"bsn": body["candidate"]["bsn"]}, headers=km)
    assert found.status_code == 200 and [t["id"] for t in found.json()["items"]] == [trajectory_id]
    elsewhere = api.post("/v1/trajectories/search", json={"bsn": body["candidate"]["bsn"]}, headers=tokens.klantmanager(new_municipality()))
    assert elsewhere.json()["items"] == []
    assert_problem(api.post("/v1/trajectories/search", json={"bsn": "12"}, headers=km), 400)
