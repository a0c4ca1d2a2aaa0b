"""Claims: one payment per trajectory, agreement and trigger, also when identical claims race;
decisions by the payer only; the budget cap holds."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import assert_problem, new_municipality, registration

THREADS = 8


def _setup(api, tokens, *, budget_cap: int | None = None, fund_claimant: bool = False):
    m = new_municipality()
    km = tokens.klantmanager(m)
    fund = f"OO-claims-{m}"
    body = {
        "kind": "start", "trigger": "registered", "validFrom": "2025-01-01", "concludedOn": "2025-01-01",
        "terms": {"amountCents": 125000},
    }
    if budget_cap is not None:
        body["budgetCapCents"] = budget_cap
    if fund_claimant:
        body["claimant"] = fund
    agreement = api.post("/v1/financing-agreements", json=body, headers=km)
    assert agreement.status_code == 201, agreement.text
    return m, km, fund, agreement.json()["id"]


def _register(api, km, on: str = "2026-01-05") -> str:
    created = api.post("/v1/trajectories", json=registration(registered_on=on), headers=km)
    assert created.status_code == 201, created.text
    return created.json()["id"]


def test_eight_identical_claims_at_once_exactly_one_is_filed(live_server, api, tokens):
    _, km, _, agreement = _setup(api, tokens)
    trajectory = _register(api, km)
    barrier = threading.Barrier(THREADS)

    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=live_server, timeout=60) as client:
            barrier.wait()
            return client.post(
                "/v1/claims", json={"agreementId": agreement, "trajectoryId": trajectory, "filedOn": "2026-01-10"}, headers=km
            )

    with ThreadPoolExecutor(THREADS) as pool:
        responses = list(pool.map(one, range(THREADS)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (THREADS - 1), [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["rule"] == "one-claim-per-trigger"
    claim_id = next(r.json()["id"] for r in responses if r.status_code == 201)
    claim = api.get(f"/v1/claims/{claim_id}", headers=km).json()
    assert claim["amountCents"] == 125000 and claim["status"] == "filed" and claim["version"] == 1


def test_a_fund_named_as_claimant_files_and_the_municipality_decides_and_pays(api, tokens):
    _, km, fund, agreement = _setup(api, tokens, fund_claimant=True)
    fund_headers = tokens.headers("fund", fund)
    trajectory = _register(api, km)
    # The municipality is not the claimant under this agreement.
    assert_problem(api.post("/v1/claims", json={"agreementId": agreement, "trajectoryId": trajectory, "filedOn": "2026-01-10"},
                            headers=km), 409)
    filed = api.post("/v1/claims", json={"agreementId": agreement, "trajectoryId": trajectory, "filedOn": "2026-01-10"},
                     headers=fund_headers)
    assert filed.status_code == 201, filed.text
    claim = filed.headers["Location"]
    # The claimant is not the payer: it may not approve its own claim.
    assert_problem(api.post(f"{claim}/approval", json={"date": "2026-01-11"}, headers=fund_headers), 403)
    # Paying before approval breaks a rule.
    assert assert_problem(api.post(f"{claim}/payment", json={"date": "2026-01-11"}, headers=km), 409)["rule"] == "claim-must-be-approved"
    approved = api.post(f"{claim}/approval", json={"date": "2026-01-12"}, headers={**km, "If-Match": '"1"'})
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    paid = api.post(f"{claim}/payment", json={"date": "2026-01-20"}, headers=km)
    assert paid.json()["status"] == "paid" and paid.json()["paidOn"] == "2026-01-20"
    # A stale If-Match changes nothing.
    assert_problem(api.post(f"{claim}/rejection", json={"date": "2026-01-21", "reason": "x"}, headers={**km, "If-Match": '"1"'}), 412)
    assert api.get(claim, headers=fund_headers).json()["status"] == "paid"
    # A claim that was paid can no longer be rejected.
    assert assert_problem(api.post(f"{claim}/rejection", json={"date": "2026-01-21", "reason": "x"}, headers=km), 409)["rule"] == "claim-must-be-open"


def test_the_budget_cap_refuses_an_approval_and_a_rejection_releases_the_reservation(api, tokens):
    _, km, _, agreement = _setup(api, tokens, budget_cap=200000)
    first, second = _register(api, km), _register(api, km)
    claims = []
    for trajectory in (first, second):
        filed = api.post("/v1/claims", json={"agreementId": agreement, "trajectoryId": trajectory, "filedOn": "2026-01-10"},
                         headers=km)
        assert filed.status_code == 201, filed.text
        claims.append(filed.headers["Location"])
    assert api.post(f"{claims[0]}/approval", json={"date": "2026-01-11"}, headers=km).status_code == 200
    over = assert_problem(api.post(f"{claims[1]}/approval", json={"date": "2026-01-11"}, headers=km), 409)
    assert over["rule"] == "budget-cap"
    assert api.get(f"/v1/financing-agreements/{agreement}", headers=km).json()["reservedCents"] == 125000
    rejected = api.post(f"{claims[0]}/rejection", json={"date": "2026-01-12", "reason": "dubbel ingediend"}, headers=km)
    assert rejected.status_code == 200 and rejected.json()["rejectionReason"] == "dubbel ingediend"
    assert api.get(f"/v1/financing-agreements/{agreement}", headers=km).json()["reservedCents"] == 0
    assert api.post(f"{claims[1]}/approval", json={"date": "2026-01-12"}, headers=km).status_code == 200


def test_claims_are_listed_for_the_parties_only(api, tokens):
    _, km, _, agreement = _setup(api, tokens)
    trajectory = _register(api, km)
    filed = api.post("/v1/claims", json={"agreementId": agreement, "trajectoryId": trajectory, "filedOn": "2026-01-10"}, headers=km)
    position = filed.headers["Leerroute-Log-Position"]
    api.get(f"/v1/trajectories?minPosition={position}", headers=km)  # wait for the read models
    mine = api.get("/v1/claims", params={"pageSize": 100}, headers=km).json()["items"]
    assert [c["id"] for c in mine] == [filed.json()["id"]]
    other = api.get("/v1/claims", params={"pageSize": 100}, headers=tokens.klantmanager(new_municipality())).json()["items"]
    assert filed.json()["id"] not in [c["id"] for c in other]
    assert_problem(api.get(f"/v1/claims/{filed.json()['id']}", headers=tokens.klantmanager(new_municipality())), 404)
    listed = api.get("/v1/financing-agreements", headers=km).json()["items"]
    assert [a["id"] for a in listed] == [agreement]


def test_a_repeated_claim_with_its_idempotency_key_gets_the_first_response_again(api, tokens):
    _, km, _, agreement = _setup(api, tokens)
    trajectory = _register(api, km)
    body = {"agreementId": agreement, "trajectoryId": trajectory, "filedOn": "2026-01-10"}
    first = api.post("/v1/claims", json=body, headers={**km, "Idempotency-Key": "claim-1"})
    again = api.post("/v1/claims", json=body, headers={**km, "Idempotency-Key": "claim-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert_problem(api.post("/v1/claims", json={**body, "filedOn": "2026-01-11"}, headers={**km, "Idempotency-Key": "claim-1"}), 422)


def test_a_rejected_claim_is_filed_again_as_the_same_claim_and_paid_once(api, tokens):
    _, km, _, agreement = _setup(api, tokens)
    trajectory = _register(api, km)
    body = {"agreementId": agreement, "trajectoryId": trajectory, "filedOn": "2026-01-10"}
    first = api.post("/v1/claims", json=body, headers=km)
    assert first.status_code == 201, first.text
    claim = first.headers["Location"]
    rejected = api.post(f"{claim}/rejection", json={"date": "2026-01-15", "reason": "bewijs ontbreekt"}, headers=km)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    # Filed again before the rejection: refused, naming the date.
    early = assert_problem(api.post("/v1/claims", json={**body, "filedOn": "2026-01-12"}, headers=km), 400)
    assert "filedOn" in str(early)
    again = api.post("/v1/claims", json={**body, "filedOn": "2026-01-20"}, headers=km)
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["status"] == "filed" and again.json()["filedOn"] == "2026-01-20"
    assert again.json()["rejectionReason"] is None and again.json()["version"] == 3
    # While it is open, an identical claim is refused again.
    assert assert_problem(api.post("/v1/claims", json={**body, "filedOn": "2026-01-21"}, headers=km), 409)["rule"] == "one-claim-per-trigger"
    assert api.post(f"{claim}/approval", json={"date": "2026-01-22"}, headers=km).status_code == 200
    assert api.post(f"{claim}/payment", json={"date": "2026-01-25"}, headers=km).json()["status"] == "paid"
    money = api.get(f"/v1/trajectories/{trajectory}/money", headers=km)
    assert money.status_code == 200, money.text
    assert "125000" in money.text
    # As it stood on the day of the rejection, nothing was claimed, approved or paid.
    report = api.get("/v1/money/reports", params={"asOf": "2026-01-16"}, headers=km).json()
    assert report["national"]["claimed"] == 0 and report["national"]["paid"] == 0, report["national"]
    report = api.get("/v1/money/reports", params={"asOf": "2026-01-31"}, headers=km).json()
    assert report["national"]["paid"] == 125000, report["national"]
