"""NUL and the other control characters are refused in every text field of every write (400
naming the field; nothing is recorded), where tab and line breaks are allowed only in longer text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import assert_problem, new_bsn, new_municipality, registration
from tests.e2e.test_write_endpoints_reject_bad_input import ENDPOINTS, Endpoint, Route


def _strings(body: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every string in a body (list items by index)."""
    if isinstance(body, str):
        yield path
    elif isinstance(body, dict):
        for key, value in body.items():
            yield from _strings(value, (*path, key))
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield from _strings(value, (*path, str(index)))


def _with(body: Any, path: tuple[str, ...], value: str) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(body, list):
        copy = list(body)
        copy[int(head)] = _with(body[int(head)], rest, value)
        return copy
    return {**body, head: _with(body[head], rest, value)}


def _get(body: Any, path: tuple[str, ...]) -> str:
    for part in path:
        body = body[int(part)] if isinstance(body, list) else body[part]
    return body


STEP_FIELDS = [(e, path) for e in ENDPOINTS for path in _strings(e.body)]


@pytest.mark.parametrize(("endpoint", "field"), STEP_FIELDS, ids=[f"{e.name}:{'.'.join(p)}" for e, p in STEP_FIELDS])
def test_nul_in_a_text_field_of_a_step_is_refused_naming_it(api, tokens, endpoint: Endpoint, field: tuple[str, ...]):
    route = endpoint.valid_state(Route(api, tokens))
    before = route.event_count()
    value = _get(endpoint.body, field)
    body = _with(endpoint.body, field, value[:1] + "\x00" + value[1:])
    headers = route.employer if endpoint.as_employer else route.km
    problem = assert_problem(api.post(route.base + endpoint.path.format(placement=route.placement_id), json=body, headers=headers), 400)
    assert [p["name"] for p in problem["invalidParams"]] == [".".join(field)], problem
    assert route.event_count() == before


AGREEMENT = {"kind": "result", "trigger": "registered", "claimant": "OO-fonds", "validFrom": "2025-01-01",
             "concludedOn": "2025-01-01", "terms": {"amountCents": 50_000, "municipalities": ["GM0363"], "regions": ["Groot Amsterdam"]}}
OTHER_WRITES = [("registration", "/v1/trajectories", registration(bsn="111222333"))]
OTHER_WRITES += [("agreement", "/v1/financing-agreements", AGREEMENT), ("search", "/v1/trajectories/search", {"bsn": "111222333"})]
OTHER_FIELDS = [(name, path, body, field) for name, path, body in OTHER_WRITES for field in _strings(body)]


@pytest.mark.parametrize(("name", "path", "body", "field"), OTHER_FIELDS, ids=[f"{n}:{'.'.join(f)}" for n, _, _, f in OTHER_FIELDS])
def test_nul_in_a_text_field_of_a_registration_an_agreement_or_a_search_is_refused_naming_it(api, tokens, name, path, body, field):
    headers = tokens.klantmanager(new_municipality())
    if name == "registration":
        body = _with(body, ("candidate", "bsn"), new_bsn()) if field != ("candidate", "bsn") else body
    value = _get(body, field)
    response = api.post(path, json=_with(body, field, value + "\x00"), headers=headers)
    problem = assert_problem(response, 400)
    assert [p["name"] for p in problem["invalidParams"]] == [".".join(field)], problem


def test_a_rejection_reason_with_nul_is_refused(api, tokens):
    municipality = new_municipality()
    km = tokens.klantmanager(municipality)
    agreement = api.post("/v1/financing-agreements", headers=km, json={
        "kind": "start", "trigger": "registered", "validFrom": "2025-01-01", "concludedOn": "2025-01-01",
        "terms": {"amountCents": 10_000}}).json()["id"]
    trajectory = api.post("/v1/trajectories", json=registration(), headers=km).json()["id"]
    claim = api.post("/v1/claims", headers=km, json={"agreementId": agreement, "trajectoryId": trajectory, "filedOn": "2026-01-10"})
    assert claim.status_code == 201, claim.text
    problem = assert_problem(api.post(claim.headers["Location"] + "/rejection", headers=km,
                                      json={"date": "2026-01-11", "reason": "geen\x00bewijs"}), 400)
    assert [p["name"] for p in problem["invalidParams"]] == ["reason"]
    assert api.get(claim.headers["Location"], headers=km).json()["status"] == "filed"


@pytest.mark.parametrize("character", ["\x01", "\x08", "\x1b", "\x1f", "\x7f", "\x85", "\t", "\n", "\r"])
def test_a_line_of_text_allows_no_control_character(api, tokens, character: str):
    headers = tokens.klantmanager(new_municipality())
    body = registration()
    body["candidate"]["familyName"] = f"Had{character}dad"
    problem = assert_problem(api.post("/v1/trajectories", json=body, headers=headers), 400)
    assert problem["invalidParams"][0]["name"] == "candidate.familyName"
    assert "control character" in problem["invalidParams"][0]["reason"]


def test_longer_text_allows_tab_and_line_breaks_only(api, tokens):
    route = Route(api, tokens).registered()
    ok = api.post(route.base + "/drop-out", headers=route.km,
                  json={"date": "2026-02-01", "reason": "health", "explanation": "ziek\r\n\tlangdurig"})
    assert ok.status_code == 200, ok.text
    refused = api.post(route.base + "/re-entry", headers=route.km, json={"date": "2026-03-01", "explanation": "her\x0bsteld"})
    assert assert_problem(refused, 400)["invalidParams"][0]["name"] == "explanation"


def test_an_idempotency_key_is_visible_ascii(api, tokens):
    headers = tokens.klantmanager(new_municipality())
    for key in (b"a\x01b", b" leading", "é-key".encode()):
        response = api.post("/v1/trajectories", json=registration(), headers={**headers, "Idempotency-Key": key})
        assert assert_problem(response, 400)["invalidParams"][0]["name"] == "header.Idempotency-Key", key
    assert api.post("/v1/trajectories", json=registration(), headers={**headers, "Idempotency-Key": "order 17/a"}).status_code == 201
