"""Bad input on the money endpoints: problem+json 4xx naming what is wrong, never a 500, and
nothing recorded."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import assert_problem, new_kvk, new_municipality, registration

AGREEMENT = {
    "kind": "result", "trigger": "placement-started", "validFrom": "2025-01-01", "validUntil": "2026-12-31",
    "concludedOn": "2024-12-01", "terms": {"amountCents": 300000, "minPlacementMonths": 6},
}


def _with(path: str, value: object) -> dict:
    body = {**AGREEMENT, "terms": dict(AGREEMENT["terms"])}
    target = body
    *parents, last = path.split(".")
    for part in parents:
        target = target[part]
    if value is _DROP:
        del target[last]
    else:
        target[last] = value
    return body


_DROP = object()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_with("terms.amountCents", -100), "terms.amountCents"),
        (_with("terms.amountCents", 12.5), "terms.amountCents"),
        (_with("terms.amountCents", "300000"), "terms.amountCents"),
        (_with("terms.amountCents", 0), "terms.amountCents"),
        (_with("terms", _DROP), "terms"),
        (_with("trigger", "moon-landing"), "trigger"),
        (_with("terms.minPlacementMonths", -1), "terms.minPlacementMonths"),
        (_with("budgetCapCents", -5), "budgetCapCents"),
        (_with("budgetCapCents", 99.99), "budgetCapCents"),
        (_with("validFrom", "01-01-2025"), "validFrom"),
        (_with("validUntil", "2024-06-30"), "validUntil"),
        (_with("trigger", "phase-completed"), "phase"),
        (_with("concludedOn", "2099-01-01"), "concludedOn"),
        (_with("terms.municipalities", ["GM9999"]), "municipalities"),
        (_with("terms.targetGroups", ["astronaut"]), "terms.targetGroups.0"),
        (_with("surprise", True), "surprise"),
        (_with("claimant", "F" * 65), "claimant"),
        (_with("claimant", "   "), "claimant"),
    ],
)
def test_an_agreement_with_a_bad_field_is_refused_naming_it(api, tokens, body, field):
    km = tokens.klantmanager(new_municipality())
    problem = assert_problem(api.post("/v1/financing-agreements", json=body, headers=km), 400)
    assert field in [p["name"] for p in problem["invalidParams"]], problem
    assert api.get("/v1/financing-agreements", headers=km).json()["items"] == []


def test_only_municipalities_and_funds_conclude_agreements(api, tokens):
    assert_problem(api.post("/v1/financing-agreements", json=AGREEMENT, headers=tokens.employer(new_kvk())), 403)
    assert_problem(api.post("/v1/financing-agreements", json=AGREEMENT, headers=tokens.headers("procesregie", "APT")), 403)
    assert_problem(api.post("/v1/financing-agreements", json=AGREEMENT), 401)
    malformed = api.post("/v1/financing-agreements", content=b"{not json", headers={**tokens.klantmanager(new_municipality()),
                                                                                     "Content-Type": "application/json"})
    assert_problem(malformed, 400)


@pytest.fixture
def world(api, tokens):
    m = new_municipality()
    km = tokens.klantmanager(m)
    agreement = api.post("/v1/financing-agreements", json={**AGREEMENT, "trigger": "registered", "terms": {"amountCents": 100000}},
                         headers=km)
    assert agreement.status_code == 201, agreement.text
    trajectory = api.post("/v1/trajectories", json=registration(registered_on="2026-01-05"), headers=km).json()["id"]
    early = api.post("/v1/trajectories", json=registration(registered_on="2024-11-04"), headers=km).json()["id"]
    other_km = tokens.klantmanager(new_municipality())
    elsewhere = api.post("/v1/trajectories", json=registration(registered_on="2026-01-05"), headers=other_km).json()["id"]
    return {"km": km, "agreement": agreement.json()["id"], "trajectory": trajectory, "early": early, "elsewhere": elsewhere,
            "other_km": other_km}


@pytest.mark.parametrize(
    ("change", "status", "name"),
    [
        ({"agreementId": str(uuid.uuid4())}, 400, "agreementId"),
        ({"agreementId": "not-a-uuid"}, 400, "agreementId"),
        ({"trajectoryId": "elsewhere"}, 404, None),
        ({"trajectoryId": str(uuid.uuid4())}, 404, None),
        ({"filedOn": "2024-12-31"}, 400, "filedOn"),
        ({"filedOn": "2099-01-01"}, 400, "filedOn"),
        ({"filedOn": "2026/01/10"}, 400, "filedOn"),
        ({"filedOn": None}, 400, "filedOn"),
        ({"trajectoryId": "early", "filedOn": "2025-02-01"}, 409, "validity-period"),
        ({"filedOn": "2026-01-01"}, 400, "filedOn"),
    ],
)
def test_a_bad_claim_is_refused_naming_what_is_wrong(api, world, change, status, name):
    body = {"agreementId": world["agreement"], "trajectoryId": world["trajectory"], "filedOn": "2026-01-10", **change}
    if body["trajectoryId"] in ("elsewhere", "early"):
        body["trajectoryId"] = world[body["trajectoryId"]]
    problem = assert_problem(api.post("/v1/claims", json=body, headers=world["km"]), status)
    if status == 400:
        assert name in [p["name"] for p in problem["invalidParams"]], problem
    elif status == 409:
        assert problem["condition"] == name
    assert api.get("/v1/claims", headers=world["km"]).json()["items"] == []


def test_another_municipality_cannot_claim_change_or_read_what_is_not_its_own(api, world):
    other = world["other_km"]
    # An agreement it cannot see is named as one that does not exist, whatever the trajectory.
    refused = assert_problem(api.post("/v1/claims", json={"agreementId": world["agreement"], "trajectoryId": world["trajectory"],
                                                          "filedOn": "2026-01-10"}, headers=other), 400)
    assert [p["name"] for p in refused["invalidParams"]] == ["agreementId"]
    assert_problem(api.post(f"/v1/financing-agreements/{world['agreement']}/terms",
                            json={"effectiveFrom": "2026-01-01", "amountCents": 1}, headers=other), 404)
    assert_problem(api.get(f"/v1/financing-agreements/{world['agreement']}", headers=other), 404)
    assert_problem(api.get(f"/v1/trajectories/{world['trajectory']}/money", headers=other), 404)


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"effectiveFrom": "2024-12-01", "amountCents": 120000}, "effectiveFrom"),
        ({"effectiveFrom": "2025-01-01", "amountCents": 120000}, "effectiveFrom"),
        ({"effectiveFrom": "2027-06-01", "amountCents": 120000}, "effectiveFrom"),
        ({"effectiveFrom": "2026-01-01", "amountCents": -1}, "amountCents"),
        ({"effectiveFrom": "2026-01-01", "amountCents": 1.5}, "amountCents"),
        ({"amountCents": 120000}, "effectiveFrom"),
    ],
)
def test_a_bad_change_of_terms_is_refused_naming_the_field(api, world, body, name):
    problem = assert_problem(api.post(f"/v1/financing-agreements/{world['agreement']}/terms", json=body, headers=world["km"]), 400)
    assert name in [p["name"] for p in problem["invalidParams"]], problem
    assert len(api.get(f"/v1/financing-agreements/{world['agreement']}", headers=world["km"]).json()["terms"]) == 1


def test_terms_of_an_unknown_agreement_are_not_found(api, world):
    assert_problem(api.post(f"/v1/financing-agreements/{uuid.uuid4()}/terms",
                            json={"effectiveFrom": "2026-01-01", "amountCents": 1}, headers=world["km"]), 404)
    assert_problem(api.get(f"/v1/claims/{uuid.uuid4()}", headers=world["km"]), 404)
    assert_problem(api.post(f"/v1/claims/{uuid.uuid4()}/approval", json={"date": "2026-01-10"}, headers=world["km"]), 404)


@pytest.mark.parametrize(
    ("path", "body", "name"),
    [
        ("approval", {"date": "2026-13-01"}, "date"),
        ("approval", {}, "date"),
        ("approval", {"date": "2099-01-01"}, "date"),
        ("approval", {"date": "2026-01-09"}, "date"),
        ("rejection", {"date": "2026-01-11"}, "reason"),
        ("rejection", {"date": "2026-01-11", "reason": "   "}, "reason"),
    ],
)
def test_a_bad_decision_is_refused_naming_the_field(api, world, path, body, name):
    filed = api.post("/v1/claims", json={"agreementId": world["agreement"], "trajectoryId": world["trajectory"],
                                         "filedOn": "2026-01-10"}, headers=world["km"])
    assert filed.status_code == 201, filed.text
    problem = assert_problem(api.post(f"{filed.headers['Location']}/{path}", json=body, headers=world["km"]), 400)
    assert name in [p["name"] for p in problem["invalidParams"]], problem
    assert api.get(filed.headers["Location"], headers=world["km"]).json()["status"] == "filed"


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"asOf": "2026-13-01"}, "asOf"),
        ({"asOf": "yesterday"}, "asOf"),
        ({"asOf": "2026-06-30T00:00:00"}, "asOf"),
        ({"asOf": "2099-01-01"}, "asOf"),
        ({"known": "last week"}, "known"),
        ({"known": "2026-06-30T12:00:00"}, "known"),
        ({"format": "pdf"}, "format"),
    ],
)
def test_a_bad_report_query_is_refused_naming_the_parameter(api, tokens, params, name):
    problem = assert_problem(api.get("/v1/money/reports", params=params, headers=tokens.headers("procesregie", "APT")), 400)
    assert name in [p["name"].split(".")[-1] for p in problem["invalidParams"]], problem


def test_an_employer_reads_no_money(api, tokens):
    assert_problem(api.get("/v1/money/reports", headers=tokens.employer(new_kvk())), 403)
    assert_problem(api.get("/v1/claims", headers=tokens.employer(new_kvk())), 403)


@pytest.mark.parametrize("path", ["/v1/claims", "terms", "approval", "rejection", "payment"])
@pytest.mark.parametrize("content", [b"{not json", b"[]", b'"text"'])
def test_every_money_write_refuses_a_malformed_or_wrongly_shaped_body(api, world, path, content):
    claim = api.post("/v1/claims", json={"agreementId": world["agreement"], "trajectoryId": world["trajectory"],
                                         "filedOn": "2026-01-10"}, headers=world["km"]).headers["Location"]
    target = {
        "terms": f"/v1/financing-agreements/{world['agreement']}/terms",
        "approval": f"{claim}/approval",
        "rejection": f"{claim}/rejection",
        "payment": f"{claim}/payment",
    }.get(path, path)
    response = api.post(target, content=content, headers={**world["km"], "Content-Type": "application/json"})
    assert_problem(response, 400)
    assert api.get(claim, headers=world["km"]).json()["version"] == 1
