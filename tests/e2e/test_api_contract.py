"""The published contract: the OpenAPI document at /v1/openapi.json says what the API reads and
sends (the servers, the contact, every header), is open to every origin, and the API keeps to
it: unknown query parameters are refused, every response carries the security headers, and
every GET can wait for a log position. (``.ci/lint-openapi`` lints the same document with
Logius' ruleset.)"""

from __future__ import annotations

import re

import pytest

from tests.conftest import assert_problem, new_bsn, new_municipality, registration, served_paths

SECURITY_HEADERS = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}
# Headers any HTTP server sends, or the security headers: not part of an operation's contract.
TRANSPORT = {"content-type", "content-length", "date", "server", "connection", "strict-transport-security",
             "content-security-policy", "referrer-policy", *SECURITY_HEADERS}


@pytest.fixture(scope="module")
def document(api):
    response = api.get("/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(document):
    for path, item in served_paths(document).items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield path, method, operation


def _declared(document, operation, status: int) -> set[str]:
    headers = operation["responses"][str(status)].get("headers", {})
    return {name.lower() for name in headers}


def test_the_document_is_served_under_the_versioned_base_path_open_to_every_origin(api):
    response = api.get("/v1/openapi.json", headers={"Origin": "https://portaal.example.org"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    document = response.json()
    assert document["servers"][0]["url"] == "/v1"
    assert {"name", "email", "url"} <= set(document["info"]["contact"])
    assert all(not path.startswith("/v1/") for path in document["paths"])
    preflight = api.options("/v1/openapi.json", headers={
        "Origin": "https://portaal.example.org", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]


def test_paths_outside_the_base_path_name_their_own_server(document):
    for path, item in document["paths"].items():
        if "servers" in item:
            assert item["servers"] == [{"url": "/"}], path


def test_schema_names_are_specific(document):
    names = set(document["components"]["schemas"])
    assert {"TrajectorySummaryPage", "PlacementSummaryPage", "AccessEntryPage"} <= names
    assert not [n for n in names if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", n)]


def test_every_response_declares_api_version_and_trace_id(document):
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            assert {"API-Version", "Trace-Id"} <= set(response.get("headers", {})), (method, path, status)
        assert "503" in operation["responses"], (method, path)
        assert "Retry-After" in operation["responses"]["503"]["headers"], (method, path)


def test_every_write_declares_what_it_reads_and_sends(document):
    writes = [(p, m, o) for p, m, o in _operations(document) if m == "post" and not p.endswith("/search")]
    assert len(writes) > 20
    for path, _method, operation in writes:
        parameters = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
        assert {("header", "If-Match"), ("header", "Idempotency-Key"), ("header", "traceparent")} <= parameters, path
        assert {"413", "408"} <= set(operation["responses"]), path
        for status in (s for s in operation["responses"] if s.startswith("2")):
            expected = {"etag", "leerroute-log-position", "idempotent-replayed"} | ({"location"} if status == "201" else set())
            assert expected <= _declared(document, operation, int(status)), (path, status)


def test_every_get_accepts_min_position_and_declares_the_position_it_read_at(document):
    gets = [(p, o) for p, m, o in _operations(document) if m == "get" and p.startswith("/v1/")]
    assert len(gets) >= 12
    for path, operation in gets:
        assert "minPosition" in {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}, path
        assert "leerroute-log-position" in _declared(document, operation, 200), path


def test_the_headers_a_write_and_a_read_send_are_the_documented_ones(api, tokens, document):
    operations = served_paths(document)
    headers = tokens.klantmanager(new_municipality())
    created = api.post("/v1/trajectories", json=registration(new_bsn()), headers={**headers, "Idempotency-Key": "contract-1"})
    assert created.status_code == 201, created.text
    sent = {name.lower() for name in created.headers} - TRANSPORT
    assert sent <= _declared(document, operations["/v1/trajectories"]["post"], 201), sent
    read = api.get(created.headers["Location"], headers=headers)
    sent = {name.lower() for name in read.headers} - TRANSPORT
    assert sent <= _declared(document, operations["/v1/trajectories/{trajectory_id}"]["get"], 200), sent
    assert "etag" in sent and "leerroute-log-position" in sent
    replayed = api.post("/v1/trajectories", json=registration(new_bsn()), headers={**headers, "Idempotency-Key": "contract-1"})
    assert replayed.status_code == 422  # same key, another body
    refused = api.get("/v1/trajectories")
    sent = {name.lower() for name in refused.headers} - TRANSPORT
    assert sent <= _declared(document, operations["/v1/trajectories"]["get"], 401), sent


@pytest.mark.parametrize("path", ["/v1/trajectories", "/v1/openapi.json", "/v1/no-such-thing"])
def test_every_response_carries_the_security_headers(api, tokens, path):
    response = api.get(path, headers=tokens.klantmanager(new_municipality()))
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, (path, name)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert response.headers["api-version"]


def test_an_unknown_query_parameter_is_refused_naming_it(api, tokens):
    headers = tokens.headers("procesregie", "APT")
    body = assert_problem(api.get("/v1/funnel?asOf=2026-01-01&level=national", headers=headers), 400)
    assert [p["name"] for p in body["invalidParams"]] == ["query.asOf"]
    body = assert_problem(api.get("/v1/trajectories?pagesize=5&sort=x", headers=headers), 400)
    assert [p["name"] for p in body["invalidParams"]] == ["query.pagesize", "query.sort"]
    assert api.get("/v1/trajectories?pageSize=5&minPosition=0", headers=headers).status_code == 200


def test_a_single_get_waits_for_min_position_and_says_how_far_it_read(api, tokens):
    headers = tokens.klantmanager(new_municipality())
    created = api.post("/v1/trajectories", json=registration(new_bsn()), headers=headers)
    position = int(created.headers["Leerroute-Log-Position"])
    for path in (created.headers["Location"], created.headers["Location"] + "/history", created.headers["Location"] + "/money"):
        read = api.get(path, params={"minPosition": position}, headers=headers)
        assert read.status_code == 200, (path, read.text)
        assert int(read.headers["Leerroute-Log-Position"]) >= position, path
    assert_problem(api.get(created.headers["Location"], params={"minPosition": -1}, headers=headers), 400)
