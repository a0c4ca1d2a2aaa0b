"""The OpenAPI document says what the API answers on errors, so clients (and the fuzzing in CI)
can rely on it: every problem response of every operation, as application/problem+json."""

from __future__ import annotations

import pytest

from api.operations import OPERATIONAL_PATHS
from tests.conftest import assert_problem, new_bsn, new_municipality, registration

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def document(api):
    response = api.get("/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def _operations(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method in METHODS:
                yield path, method, operation


def test_every_operation_documents_bad_input_missing_token_and_wrong_role(document):
    operations = list(_operations(document))
    assert len(operations) > 20
    for path, method, operation in operations:
        if path in OPERATIONAL_PATHS:  # health and metrics ask for no token
            assert not {"401", "403"} & set(operation["responses"]), (method, path)
            continue
        documented = set(operation["responses"])
        assert {"400", "401", "403"} <= documented, (method, path, documented)
        if "{" in path:
            assert "404" in documented, (method, path)


def test_every_write_documents_rule_violations_stale_versions_and_reused_keys(document):
    for path, method, operation in _operations(document):
        if method == "post" and not path.endswith("/search"):
            assert {"409", "412", "422"} <= set(operation["responses"]), (method, path)


def test_every_error_response_is_a_problem_and_only_a_problem(document):
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert list(response["content"]) == [PROBLEM], (method, path, status)
                assert response["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_validation_errors_are_documented_as_400_not_as_the_frameworks_422(document):
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, method, operation in _operations(document):
        response = operation["responses"].get("422")
        if response is not None:
            assert "Idempotency-Key" in response["description"], (method, path)


def test_a_stale_if_match_answers_with_the_documented_current_version(document, api, tokens):

    properties = document["components"]["schemas"]["Problem"]["properties"]
    assert {"type", "title", "status", "detail", "rule", "invalidParams", "currentVersion"} <= set(properties)
    headers = tokens.klantmanager(new_municipality())
    created = api.post("/v1/trajectories", json=registration(new_bsn()), headers=headers)
    assert created.status_code == 201, created.text
    stale = api.post(created.headers["Location"] + "/phases/orientation/start", json={"date": "2026-01-12"},
                     headers={**headers, "If-Match": '"99"'})
    body = assert_problem(stale, 412)
    assert body["currentVersion"] == int(created.headers["ETag"].strip('"'))
