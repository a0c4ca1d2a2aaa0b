"""Every operation of the OpenAPI document, called as every role, for its own and for another
organisation: the status is the one the access rules give, and no field the role may not see
appears anywhere in the body.

A new operation fails ``test_every_operation_has_a_fixture`` until it gets its line in
``OPERATIONS``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from api.operations import OPERATIONAL_PATHS
from domain.route_model import baseline_model, model_to_dict
from domain.values import Role
from tests.conftest import TODAY, new_bsn, new_kvk, new_municipality, registration, served_paths, test_settings
from tests.unit.fakes import TERMS

OWN, OTHER, THIRD = new_municipality(), new_municipality(), new_municipality()
OWN_KVK, OTHER_KVK, THIRD_KVK = new_kvk(), new_kvk(), new_kvk()
OWN_FUND, OTHER_FUND = "OO-INSTALLATIE", "OO-BOUW"
GIVEN, FAMILY, BIRTH = "Matrixa", "Geheimsma-Verborgen", "1988-07-19"
BENEFIT_CENTS = 137_531

# Who calls: (role, scope) → organisation in the token.
CALLERS = {
    ("klantmanager", "own"): OWN,
    ("klantmanager", "other"): OTHER,
    ("privacy-officer", "own"): OWN,
    ("privacy-officer", "other"): OTHER,
    ("employer", "own"): OWN_KVK,
    ("employer", "other"): OTHER_KVK,
    ("fund", "own"): OWN_FUND,
    ("fund", "other"): OTHER_FUND,
    ("procesregie", "own"): "APT",
    ("procesregie", "other"): "APT-NOORD",  # procesregie is national: its organisation scopes nothing
}

OK = "ok"
# Access kinds: the expected status per caller; a caller not named gets 403 (its role may not call this).
ROUTE_WRITE = {("klantmanager", "own"): OK, ("klantmanager", "other"): 404}
PLACEMENT_ANSWER = {("employer", "own"): OK, ("employer", "other"): 404}
PLACEMENT_PARTY = {**ROUTE_WRITE, **PLACEMENT_ANSWER}
TRAJECTORY_READ = {**ROUTE_WRITE, ("fund", "own"): OK, ("fund", "other"): 404, ("procesregie", "own"): OK, ("procesregie", "other"): OK}
ERASE = {**ROUTE_WRITE, ("privacy-officer", "own"): OK, ("privacy-officer", "other"): 404}
ACCESS_LOG = {("privacy-officer", "own"): OK, ("privacy-officer", "other"): 404, ("procesregie", "own"): OK, ("procesregie", "other"): OK}
MUNICIPALITY_LIST = {("klantmanager", "own"): OK, ("klantmanager", "other"): OK, ("procesregie", "own"): OK, ("procesregie", "other"): OK}
PLACEMENT_LIST = {**MUNICIPALITY_LIST, ("employer", "own"): OK, ("employer", "other"): OK}
KLANTMANAGER_ONLY = {("klantmanager", "own"): OK, ("klantmanager", "other"): OK}
FUNNEL = {("klantmanager", "own"): OK, ("klantmanager", "other"): 403, ("procesregie", "own"): OK, ("procesregie", "other"): OK}
# The money: the shared agreement is paid by OWN_FUND and covers OWN; its claims are filed by the municipality.
MONEY_READ = {**MUNICIPALITY_LIST, ("fund", "own"): OK, ("fund", "other"): OK}
AGREEMENT_WRITE = {**KLANTMANAGER_ONLY, ("fund", "own"): OK, ("fund", "other"): OK}
AGREEMENT_READ = {**ROUTE_WRITE, ("fund", "own"): OK, ("fund", "other"): 404, ("procesregie", "own"): OK, ("procesregie", "other"): OK}
TERMS_CHANGE = {("klantmanager", "own"): 403, ("klantmanager", "other"): 404, ("fund", "own"): OK, ("fund", "other"): 404}
# 409: under this agreement the municipality claims; 400: another organisation cannot see the agreement it names
CLAIM_FILE = {**ROUTE_WRITE, ("klantmanager", "other"): 400, ("fund", "own"): 409, ("fund", "other"): 400}
CLAIM_READ = AGREEMENT_READ
CLAIM_DECIDE = TERMS_CHANGE  # the payer decides
TRAJECTORY_MONEY = TRAJECTORY_READ
# Notifications: every role that subscribes may list and register; a subscription is its
# organisation's in the role that registered it (here a klantmanager of OWN), to others unknown.
SUBSCRIBE = {**MONEY_READ, ("employer", "own"): OK, ("employer", "other"): OK}
OWN_SUBSCRIPTION = {**{caller: 404 for caller in SUBSCRIBE}, ("klantmanager", "own"): OK}
SUBSCRIPTION_BODY = {"callbackUrl": "http://127.0.0.1:9/hooks", "eventTypes": ["nl.leerroute.placement.proposed"]}
# The import: a multipart upload (the matrix sends JSON, so a klantmanager is told the file is missing).
IMPORT_UPLOAD = {("klantmanager", "own"): 400, ("klantmanager", "other"): 400}
RETENTION_SCHEDULE = {("privacy-officer", "own"): OK, ("privacy-officer", "other"): OK}
RETENTION_HOLD = {("privacy-officer", "own"): OK, ("privacy-officer", "other"): 404}
# The national model and its variants: every role that signs in reads the published ones; procesregie
# writes; a klantmanager of a municipality that is no centrumgemeente may not write a variant, and does
# not find a draft one.
ALL_READ = {caller: OK for caller in CALLERS}
MODEL_WRITE = {("procesregie", "own"): OK, ("procesregie", "other"): OK}
VARIANT_DRAFT_WRITE = {**MODEL_WRITE, ("klantmanager", "own"): 404, ("klantmanager", "other"): 404}
# Validity periods that touch no other test: national drafts in years before version 1, variants of
# version 1 for a day each in 2001.
MODEL_BODY = {**model_to_dict(baseline_model(TERMS)), "validFrom": "{model_from}", "validUntil": "{model_until}"}
VARIANT_BODY = {"modelVersion": 1, "region": "Groot Amsterdam", "validFrom": "{variant_on}", "validUntil": "{variant_on}"}
_periods = itertools.count(1)
PROCESREGIE_ONLY = {("procesregie", "own"): OK, ("procesregie", "other"): OK}


@dataclass(frozen=True)
class Op:
    access: dict[tuple[str, str], Any]
    state: str = "base"  # the state of the trajectory the call acts on (see ``_prepare``)
    body: dict | None = None
    params: dict[str, str] = field(default_factory=dict)
    query: str = ""


AGREEMENT = {"kind": "training", "trigger": "registered", "validFrom": "2025-01-01", "concludedOn": "2025-01-01",
             "terms": {"amountCents": 250_000, "municipalities": [OWN]}}
PLACEMENT = {"date": "2026-03-01", "employer": {"kvkNumber": "{other_employer}", "name": "Bouwbedrijf Zuid BV"},
             "function": "hulpmonteur", "hoursPerWeek": 32, "level": "assistent"}

OPERATIONS: dict[str, Op] = {
    "POST /v1/trajectories": Op(KLANTMANAGER_ONLY, body="registration"),  # type: ignore[arg-type]
    "GET /v1/trajectories": Op(MUNICIPALITY_LIST),
    "GET /v1/trajectories/{trajectory_id}": Op(TRAJECTORY_READ),
    "GET /v1/trajectories/{trajectory_id}/history": Op(TRAJECTORY_READ, state="benefit-changed"),
    "POST /v1/trajectories/{trajectory_id}/candidate/erasure": Op(ERASE, body={"date": "2026-11-20"}),
    "POST /v1/trajectories/search": Op(KLANTMANAGER_ONLY, body={"bsn": "{bsn}"}),
    "POST /v1/trajectories/{trajectory_id}/phases/{phase}/start": Op(ROUTE_WRITE, body={"date": "2026-01-12"}, params={"phase": "orientation"}),
    "POST /v1/trajectories/{trajectory_id}/phases/{phase}/completion": Op(ROUTE_WRITE, "started", {"date": "2026-02-06"}, {"phase": "orientation"}),
    "POST /v1/trajectories/{trajectory_id}/phases/{phase}/termination": Op(ROUTE_WRITE, "started", {"date": "2026-02-06", "reason": "te zwaar"}, {"phase": "orientation"}),
    "POST /v1/trajectories/{trajectory_id}/phases/{phase}/skip": Op(ROUTE_WRITE, body={"date": "2026-01-12", "basis": "evc", "reason": "ervaring"}, params={"phase": "orientation"}),
    "POST /v1/trajectories/{trajectory_id}/language-assessments": Op(ROUTE_WRITE, "pre-trajectory", {"date": "2026-02-20", "levels": {"speaking": "A2"}}),
    "POST /v1/trajectories/{trajectory_id}/practice-periods": Op(ROUTE_WRITE, "pre-trajectory", {"startsOn": "2026-02-20", "endsOn": "2026-03-20", "description": "meelopen", "hoursPerWeek": 16}),
    "POST /v1/trajectories/{trajectory_id}/certificates": Op(ROUTE_WRITE, "pre-trajectory", {"date": "2026-03-01", "phase": "pre-trajectory", "kind": "praktijkverklaring", "title": "Veilig werken"}),
    "POST /v1/trajectories/{trajectory_id}/placements": Op(ROUTE_WRITE, body=PLACEMENT),
    "POST /v1/trajectories/{trajectory_id}/placements/{placement_id}/confirmation": Op(PLACEMENT_ANSWER, body={"date": "2026-02-05"}),
    "POST /v1/trajectories/{trajectory_id}/placements/{placement_id}/declination": Op(PLACEMENT_ANSWER, body={"date": "2026-02-05", "reason": "geen plek"}),
    "POST /v1/trajectories/{trajectory_id}/placements/{placement_id}/contract-start": Op(PLACEMENT_PARTY, "confirmed", {"date": "2026-02-10", "hoursPerWeek": 36}),
    "POST /v1/trajectories/{trajectory_id}/placements/{placement_id}/ending": Op(PLACEMENT_PARTY, "confirmed", {"date": "2026-03-10", "reason": "resigned"}),
    "GET /v1/placements": Op(PLACEMENT_LIST),
    "POST /v1/trajectories/{trajectory_id}/guarantee": Op(ROUTE_WRITE, "confirmed", {"date": "2026-02-10", "issuedBy": "OTIB"}),
    "POST /v1/trajectories/{trajectory_id}/guarantee/check-ins": Op(ROUTE_WRITE, "guaranteed", {"date": "2026-05-10", "summary": "loopbaangesprek"}),
    "POST /v1/trajectories/{trajectory_id}/guarantee/ending": Op(ROUTE_WRITE, "guaranteed", {"date": "2026-05-10", "reason": "left-sector"}),
    "POST /v1/trajectories/{trajectory_id}/drop-out": Op(ROUTE_WRITE, body={"date": "2026-02-10", "reason": "health", "explanation": "ziek"}),
    "POST /v1/trajectories/{trajectory_id}/re-entry": Op(ROUTE_WRITE, "dropped", {"date": "2026-03-10", "explanation": "hersteld"}),
    "POST /v1/trajectories/{trajectory_id}/benefit-changes": Op(ROUTE_WRITE, body={"date": "2026-02-10", "kind": "reduced", "monthlyAmountCents": 60_000}),
    "POST /v1/trajectories/{trajectory_id}/deviations": Op(ROUTE_WRITE, body={"rule": "benefit-during-training", "reason": "scholing", "startsOn": "2026-02-01", "endsOn": "2026-06-01", "grantedBy": "teamleider"}),
    "GET /v1/trajectories/{trajectory_id}/access-log": Op(ACCESS_LOG),
    "GET /v1/worklist": Op(KLANTMANAGER_ONLY),
    "GET /v1/funnel": Op(FUNNEL, query="?level=municipality&municipality=" + OWN),
    "POST /v1/financing-agreements": Op(AGREEMENT_WRITE, body={**AGREEMENT, "terms": {"amountCents": 1000, "municipalities": ["{own_municipality}"]}}),
    "GET /v1/financing-agreements": Op(MONEY_READ),
    "GET /v1/financing-agreements/{agreement_id}": Op(AGREEMENT_READ),
    "POST /v1/financing-agreements/{agreement_id}/terms": Op(TERMS_CHANGE, body={**AGREEMENT["terms"], "effectiveFrom": "2026-03-01"}),
    "POST /v1/claims": Op(CLAIM_FILE, body={"agreementId": "{agreement_id}", "trajectoryId": "{trajectory_id}", "filedOn": "2026-01-10"}),
    "GET /v1/claims": Op(MONEY_READ),
    "GET /v1/claims/{claim_id}": Op(CLAIM_READ, "claimed"),
    "POST /v1/claims/{claim_id}/approval": Op(CLAIM_DECIDE, "claimed", {"date": "2026-01-20"}),
    "POST /v1/claims/{claim_id}/rejection": Op(CLAIM_DECIDE, "claimed", {"date": "2026-01-20", "reason": "onvolledig"}),
    "POST /v1/claims/{claim_id}/payment": Op(CLAIM_DECIDE, "approved", {"date": "2026-01-25"}),
    "GET /v1/trajectories/{trajectory_id}/money": Op(TRAJECTORY_MONEY, "claimed"),
    "GET /v1/money/reports": Op(MONEY_READ),
    "GET /v1/route-comparison": Op(MUNICIPALITY_LIST),
    "GET /v1/subscriptions/event-types": Op(SUBSCRIBE),
    "POST /v1/subscriptions": Op(SUBSCRIBE, body=SUBSCRIPTION_BODY),
    "GET /v1/subscriptions": Op(SUBSCRIBE),
    "GET /v1/subscriptions/{subscription_id}": Op(OWN_SUBSCRIPTION, "subscribed"),
    "GET /v1/subscriptions/{subscription_id}/status": Op(OWN_SUBSCRIPTION, "subscribed"),
    "POST /v1/subscriptions/{subscription_id}/secret-rotation": Op(OWN_SUBSCRIPTION, "subscribed"),
    "POST /v1/subscriptions/{subscription_id}/pause": Op(OWN_SUBSCRIPTION, "subscribed"),
    "POST /v1/subscriptions/{subscription_id}/resumption": Op(OWN_SUBSCRIPTION, "paused"),
    "POST /v1/subscriptions/{subscription_id}/replay": Op(OWN_SUBSCRIPTION, "subscribed", {"fromPosition": 0}),
    "DELETE /v1/subscriptions/{subscription_id}": Op(OWN_SUBSCRIPTION, "subscribed"),
    "GET /v1/imports/template": Op(KLANTMANAGER_ONLY, query="?format=csv"),
    "POST /v1/imports": Op(IMPORT_UPLOAD),
    "GET /v1/imports/{import_id}": Op(ROUTE_WRITE, state="imported"),
    "GET /v1/imports/{import_id}/marked-workbook": Op(ROUTE_WRITE, state="imported"),
    "GET /v1/retention-schedule": Op(RETENTION_SCHEDULE),
    "POST /v1/trajectories/{trajectory_id}/retention-hold": Op(RETENTION_HOLD, body={"date": "2026-11-20", "reason": "bezwaar loopt"}),
    "POST /v1/trajectories/{trajectory_id}/retention-hold/ending": Op(RETENTION_HOLD, "held", {"date": "2026-11-21", "reason": "bezwaar afgewezen"}),
    "POST /v1/route-models": Op(MODEL_WRITE, body=MODEL_BODY),
    "GET /v1/route-models": Op(ALL_READ),
    "GET /v1/route-models/{version}": Op(ALL_READ, params={"version": "1"}),
    "PUT /v1/route-models/{version}": Op(MODEL_WRITE, "model-draft", MODEL_BODY),
    "PATCH /v1/route-models/{version}": Op(MODEL_WRITE, "model-draft", {"validUntil": "{model_until}"}),
    "POST /v1/route-models/{version}/publish": Op(MODEL_WRITE, "model-draft"),
    "GET /v1/route-models/{version}/history": Op(ALL_READ, params={"version": "1"}),
    "POST /v1/route-variants": Op(MODEL_WRITE, body=VARIANT_BODY),
    "GET /v1/route-variants": Op(ALL_READ),
    "GET /v1/route-variants/{variant_id}": Op(ALL_READ, "variant-published"),
    "PUT /v1/route-variants/{variant_id}": Op(VARIANT_DRAFT_WRITE, "variant-draft", {k: v for k, v in VARIANT_BODY.items() if k != "modelVersion"}),
    "PATCH /v1/route-variants/{variant_id}": Op(VARIANT_DRAFT_WRITE, "variant-draft", {"offered": []}),
    "POST /v1/route-variants/{variant_id}/publish": Op(VARIANT_DRAFT_WRITE, "variant-draft"),
    "GET /v1/route-variants/{variant_id}/history": Op(ALL_READ, "variant-published"),
    "POST /v1/route-model-migrations": Op(PROCESREGIE_ONLY, body={"fromVersion": 1}),
}

PERSONAL_KEYS = {"bsn", "givenNames", "familyName", "birthDate", "candidateName"}
BENEFIT_KEYS = {"monthlyAmountCents", "benefitMonthlyCents", "monthlyCents", "benefitSince", "benefit"}
# What each role may never see, as keys (with a value) anywhere in a body.
FORBIDDEN_KEYS = {
    "klantmanager": set(),
    "employer": {"bsn", "birthDate"} | BENEFIT_KEYS,
    "fund": {"bsn", "birthDate"} | BENEFIT_KEYS,
    "procesregie": PERSONAL_KEYS,
    "privacy-officer": PERSONAL_KEYS | BENEFIT_KEYS,
}


@pytest.fixture(scope="module")
def matrix(container, database_url: str, tmp_path_factory: pytest.TempPathFactory):
    """The API as built by default: OWN_FUND sees the trajectories of OWN through a financing
    agreement it pays that covers OWN."""
    from fastapi.testclient import TestClient

    from adapters.clock import FixedClock
    from api.main import create_app
    from leerroute.bootstrap import build

    covered = build(
        test_settings(Path(tmp_path_factory.mktemp("matrix")), database_url),
        clock=FixedClock(TODAY),
    )

    def headers(role: str, org: str) -> dict[str, str]:
        token = covered.tokens.issue(subject=f"{role}-m", role=Role(role), organisation=org, now=datetime.now(UTC), ttl=timedelta(hours=1))
        return {"Authorization": f"Bearer {token}"}

    with TestClient(create_app(covered, run_worker=False)) as api:
        agreement = api.post("/v1/financing-agreements", json=AGREEMENT, headers=headers("fund", OWN_FUND))
        assert agreement.status_code == 201, agreement.text
        covered.projections.catch_up()  # the fund's coverage reads the agreements' read model
        yield api, lambda role, org: headers(role, org), agreement.json()["id"]


def _prepare(api, headers, state: str, agreement_id: str) -> dict[str, str]:
    """A trajectory of OWN in ``state``, with a placement proposed to OWN_KVK and one to THIRD_KVK."""
    km, employer = headers("klantmanager", OWN), headers("employer", OWN_KVK)
    bsn = new_bsn()
    body = registration(bsn=bsn, benefit={"monthlyAmountCents": BENEFIT_CENTS, "since": "2024-06-01"})
    body["candidate"].update(givenNames=GIVEN, familyName=FAMILY, birthDate=BIRTH)
    created = api.post("/v1/trajectories", json=body, headers=km)
    assert created.status_code == 201, created.text
    t = created.json()["id"]
    base = f"/v1/trajectories/{t}"

    def post(path: str, payload: dict, who: dict[str, str] = km):
        response = api.post(base + path, json=payload, headers=who)
        assert response.status_code in (200, 201), (state, path, response.text)
        return response

    placements = []
    for kvk in (OWN_KVK, THIRD_KVK):
        proposal = {**PLACEMENT, "date": "2026-02-01", "employer": {"kvkNumber": kvk, "name": "Installatiebedrijf Noord BV"}}
        placements.append(post("/placements", proposal).headers["Location"].rsplit("/", 1)[1])
    if state in ("started", "pre-trajectory"):
        post("/phases/orientation/start", {"date": "2026-01-12"})
    if state == "pre-trajectory":
        post("/phases/orientation/completion", {"date": "2026-01-30"})
        post("/phases/pre-trajectory/start", {"date": "2026-02-02"})
    if state in ("confirmed", "guaranteed"):
        post(f"/placements/{placements[0]}/confirmation", {"date": "2026-02-05"}, employer)
    if state == "guaranteed":
        post("/guarantee", {"date": "2026-02-10", "issuedBy": "OTIB"})
    if state == "dropped":
        post("/drop-out", {"date": "2026-02-10", "reason": "health", "explanation": "ziek"})
    if state == "held":
        post("/retention-hold", {"date": "2026-11-20", "reason": "bezwaar loopt"}, headers("privacy-officer", OWN))
    if state == "benefit-changed":
        post("/benefit-changes", {"date": "2026-02-10", "kind": "reduced", "monthlyAmountCents": 60_000})
    claim_id = ""
    if state in ("claimed", "approved"):
        filed = api.post("/v1/claims", json={"agreementId": agreement_id, "trajectoryId": t, "filedOn": "2026-01-10"}, headers=km)
        assert filed.status_code == 201, filed.text
        claim_id = filed.json()["id"]
    if state == "approved":
        approved = api.post(f"/v1/claims/{claim_id}/approval", json={"date": "2026-01-20"}, headers=headers("fund", OWN_FUND))
        assert approved.status_code == 200, approved.text
    subscription_id = ""
    if state in ("subscribed", "paused"):
        subscribed = api.post("/v1/subscriptions", json=SUBSCRIPTION_BODY, headers=km)
        assert subscribed.status_code == 201, subscribed.text
        subscription_id = subscribed.json()["id"]
    if state == "paused":
        assert api.post(f"/v1/subscriptions/{subscription_id}/pause", headers=km).status_code == 200
    period = next(_periods)
    model_from, model_until = f"{1900 + period % 100:04d}-01-01", f"{1900 + period % 100:04d}-12-31"
    variant_on = (date(2001, 1, 1) + timedelta(days=period)).isoformat()
    version, variant_id = "", ""
    apt = headers("procesregie", "APT")
    if state == "model-draft":
        drafted = api.post("/v1/route-models", json=_fill(MODEL_BODY, {"model_from": model_from, "model_until": model_until}),
                           headers=apt)
        assert drafted.status_code == 201, drafted.text
        version = str(drafted.json()["version"])
    if state in ("variant-draft", "variant-published"):
        drafted = api.post("/v1/route-variants", json=_fill(VARIANT_BODY, {"variant_on": variant_on}), headers=apt)
        assert drafted.status_code == 201, drafted.text
        variant_id = drafted.json()["id"]
        variant_on = (date(2001, 1, 1) + timedelta(days=next(_periods))).isoformat()
    if state == "variant-published":
        assert api.post(f"/v1/route-variants/{variant_id}/publish", headers=apt).status_code == 200
    import_id = ""
    if state == "imported":  # a sheet of OWN with this candidate's BSN again: one problem, so a marked workbook
        sheet = f"bsn;voornamen;achternaam;geboortedatum;doelgroep;aanmelddatum\n{bsn};{GIVEN};{FAMILY};{BIRTH};statushouder;2026-01-05\n"
        uploaded = api.post("/v1/imports", headers=km, files={"file": ("sheet.csv", sheet.encode(), "text/csv")})
        assert uploaded.status_code == 202, uploaded.text
        import_id = uploaded.json()["id"]
        api.app.state.container.imports.run(UUID(import_id))
    return {"trajectory_id": t, "placement_id": placements[0], "bsn": bsn, "agreement_id": agreement_id, "claim_id": claim_id,
            "import_id": import_id, "subscription_id": subscription_id, "version": version, "variant_id": variant_id,
            "model_from": model_from, "model_until": model_until, "variant_on": variant_on}


def _file_text(response) -> str:
    if not response.headers["content-type"].startswith("application/vnd.openxmlformats"):
        return response.text
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(response.content))
    return "\n".join(str(cell.value) for sheet in workbook for line in sheet.iter_rows() for cell in line if cell.value is not None)


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names) if "{" in value else value
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    return value


def _keys_with_values(value: Any) -> set[str]:
    found = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if v is not None:
                found.add(k)
            found |= _keys_with_values(v)
    elif isinstance(value, list):
        for v in value:
            found |= _keys_with_values(v)
    return found


def _employer_kvks(value: Any) -> set[str]:
    if isinstance(value, dict):
        own = {value["employerKvk"]} if "employerKvk" in value else set()
        return own.union(*(_employer_kvks(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_employer_kvks(v) for v in value))
    return set()


def test_every_operation_has_a_fixture(matrix):
    api, _, _ = matrix
    document = api.get("/v1/openapi.json").json()
    operations = {  # the operational paths take no token (tests/e2e/test_health_and_metrics.py)
        f"{method.upper()} {path}" for path, item in served_paths(document).items() for method in item if path not in OPERATIONAL_PATHS
    }
    assert operations - OPERATIONS.keys() == set(), "add these operations to OPERATIONS"
    assert OPERATIONS.keys() - operations == set(), "these operations are gone from the API"


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_operation_as_every_role(matrix, operation: str):
    api, headers, agreement_id = matrix
    op = OPERATIONS[operation]
    method, template = operation.split(" ", 1)
    subject: dict[str, str] | None = None
    for (role, scope), org in CALLERS.items():
        if subject is None:
            subject = _prepare(api, headers, op.state, agreement_id)
        own_municipality = org if role in ("klantmanager", "privacy-officer") else THIRD  # a new agreement covers no one else's routes
        names = {**subject, **op.params, "other_employer": new_kvk(), "own_municipality": own_municipality}
        path = template.format(**names) + op.query
        body = registration() if op.body == "registration" else _fill(op.body, names)
        response = api.request(method, path, json=body, headers=headers(role, org))
        expected = op.access.get((role, scope), 403)
        label = f"{operation} as {role} of {scope} organisation"
        if expected == OK:
            assert 200 <= response.status_code < 300, (label, response.text)
            if method == "POST":
                subject = None  # the trajectory changed: the next caller gets a fresh one
        else:
            assert response.status_code == expected, (label, response.text)
            assert response.headers["content-type"].startswith("application/problem+json"), label
        text = response.text
        parsed = response.json() if "json" in response.headers.get("content-type", "") else {}
        if not parsed and response.content:  # a file (a template, a workbook): its text as the cells show
            text = _file_text(response)
        forbidden = FORBIDDEN_KEYS[role] & _keys_with_values(parsed)
        assert not forbidden, (label, f"forbidden fields {forbidden}", text)
        if role != "klantmanager" or scope != "own":
            for value in (subject or names)["bsn"], BIRTH, str(BENEFIT_CENTS):
                if role in ("procesregie",) and value == str(BENEFIT_CENTS):
                    continue
                assert value not in text, (label, f"{value} leaked", text)
        if role in ("procesregie", "privacy-officer") or scope == "other":
            assert GIVEN not in text and FAMILY not in text, (label, "a name leaked", text)
        if role == "employer":
            assert _employer_kvks(parsed) <= {org}, (label, "another employer's placement leaked", text)
