"""Bad input to /v1/subscriptions gets a problem+json naming the field, and records nothing."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import assert_problem, new_kvk, new_municipality, registration

PROPOSED = "nl.leerroute.placement.proposed"


def _body(**overrides: object) -> dict:
    return {"callbackUrl": "http://127.0.0.1:9/hooks", "eventTypes": [PROPOSED]} | overrides


def _invalid(response, name: str) -> dict:
    problem = assert_problem(response, 400)
    assert name in [p["name"] for p in problem["invalidParams"]], problem
    return problem


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/hooks", "file:///etc/passwd", "127.0.0.1/hooks", "http://user:pw@127.0.0.1/x",
                                 "javascript:alert(1)"])
def test_a_callback_that_is_not_plain_http_or_https_is_refused(api, tokens, url):
    _invalid(api.post("/v1/subscriptions", json=_body(callbackUrl=url), headers=tokens.klantmanager(new_municipality())),
             "callbackUrl")


def test_a_callback_on_a_host_that_is_not_allowed_is_refused(api, tokens):
    for url in ("http://169.254.169.254/latest/meta-data", "https://intranet.example.nl/hooks", "http://10.0.0.5/x"):
        problem = _invalid(api.post("/v1/subscriptions", json=_body(callbackUrl=url), headers=tokens.klantmanager("GM0363")),
                           "callbackUrl")
        assert "allowed" in problem["detail"] + str(problem["invalidParams"])


def test_an_unknown_event_type_is_refused(api, tokens):
    km = tokens.klantmanager(new_municipality())
    _invalid(api.post("/v1/subscriptions", json=_body(eventTypes=["nl.leerroute.placement.teleported"]), headers=km), "eventTypes")
    _invalid(api.post("/v1/subscriptions", json=_body(eventTypes=[]), headers=km), "eventTypes")
    _invalid(api.post("/v1/subscriptions", json=_body(eventTypes="nl.leerroute.placement.proposed"), headers=km), "eventTypes")


def test_a_type_the_role_never_receives_is_refused(api, tokens):
    _invalid(api.post("/v1/subscriptions", json=_body(eventTypes=["nl.leerroute.benefit.stopped"]),
                      headers=tokens.employer(new_kvk())), "eventTypes")
    _invalid(api.post("/v1/subscriptions", json=_body(eventTypes=["nl.leerroute.benefit.stopped"]),
                      headers=tokens.headers("fund", "OO-bad-input")), "eventTypes")


def test_a_filter_on_what_the_organisation_may_not_see_is_refused(api, tokens):
    m, other = new_municipality(), new_municipality()
    km = tokens.klantmanager(m)
    _invalid(api.post("/v1/subscriptions", json=_body(filters={"municipality": other}), headers=km), "filters.municipality")
    kvk = new_kvk()
    _invalid(api.post("/v1/subscriptions", json=_body(filters={"employerKvk": new_kvk()}), headers=tokens.employer(kvk)),
             "filters.employerKvk")
    created = api.post("/v1/trajectories", json=registration(), headers=tokens.klantmanager(other))
    assert created.status_code == 201, created.text
    elsewhere = created.json()["id"]
    for headers in (km, tokens.employer(kvk), tokens.headers("fund", "OO-bad-input")):
        _invalid(api.post("/v1/subscriptions", json=_body(filters={"trajectoryId": elsewhere}), headers=headers), "filters.trajectoryId")
    _invalid(api.post("/v1/subscriptions", json=_body(filters={"trajectoryId": str(uuid.uuid4())}), headers=km), "filters.trajectoryId")
    _invalid(api.post("/v1/subscriptions", json=_body(filters={"municipality": "Amsterdam"}), headers=km), "filters.municipality")
    _invalid(api.post("/v1/subscriptions", json=_body(filters={"colour": "red"}), headers=km), "filters.colour")


def test_malformed_bodies_and_missing_fields_are_refused(api, tokens):
    km = tokens.klantmanager(new_municipality())
    _invalid(api.post("/v1/subscriptions", json={"eventTypes": [PROPOSED]}, headers=km), "callbackUrl")
    _invalid(api.post("/v1/subscriptions", json=_body(callbackUrl=42), headers=km), "callbackUrl")
    assert_problem(api.post("/v1/subscriptions", content=b"{not json", headers={**km, "Content-Type": "application/json"}), 400)


def test_who_may_not_subscribe_and_what_others_cannot_touch(api, tokens):
    assert_problem(api.post("/v1/subscriptions", json=_body(), headers=tokens.headers("privacy-officer", "GM0363")), 403)
    assert_problem(api.post("/v1/subscriptions", json=_body()), 401)
    m = new_municipality()
    created = api.post("/v1/subscriptions", json=_body(), headers=tokens.klantmanager(m))
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    other = tokens.klantmanager(new_municipality())
    for path in (f"/v1/subscriptions/{sid}/pause", f"/v1/subscriptions/{sid}/secret-rotation"):
        assert_problem(api.post(path, headers=other), 404)
    assert_problem(api.get(f"/v1/subscriptions/{sid}/status", headers=other), 404)
    assert_problem(api.delete(f"/v1/subscriptions/{sid}", headers=tokens.employer(new_kvk())), 404)
    own = tokens.klantmanager(m)
    assert_problem(api.post(f"/v1/subscriptions/{sid}/replay", json={}, headers=own), 400)
    assert_problem(api.post(f"/v1/subscriptions/{sid}/replay", json={"fromPosition": -1}, headers=own), 400)
    assert_problem(api.post(f"/v1/subscriptions/{sid}/resumption", headers=own), 409)  # not paused
    assert_problem(api.post(f"/v1/subscriptions/{sid}/pause", headers={**own, "If-Match": '"7"'}), 412)
    assert api.delete(f"/v1/subscriptions/{sid}", headers=own).status_code == 204
