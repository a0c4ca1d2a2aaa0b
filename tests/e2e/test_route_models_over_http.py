"""The national model and its regional variants over HTTP, on a database of their own (a
publication is for good): procesregie publishes version 2 (its bedrijfsvakschool optional), a
variant without a bedrijfsvakschool and one with a longer practice norm and an extra drop-out
sub-reason, then version 3, which closes version 2 and the variant that ran on. Every bad input
gets problem+json naming what is wrong, and writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from adapters.clock import FixedClock
from domain.route_models import BASELINE_MODEL_ID, model_id_of
from domain.values import DropOutReason, Stage
from tests.conftest import TODAY, Tokens, assert_problem, own_database, test_settings

AMSTERDAM, RIJNMOND = "Groot Amsterdam", "Rijnmond"


class Http:
    def __init__(self, client: Any, tokens: Tokens, container: Any):
        self.client, self.container = client, container
        self.apt = tokens.headers("procesregie", "APT", "apt-1")
        self.km = tokens.klantmanager("GM0363")
        self.fund = tokens.headers("fund", "OO-TECHNIEK")

    def ok(self, method: str, path: str, body: Any = None, *, status: int = 200, headers: dict | None = None) -> Any:
        response = self.client.request(method, path, json=body, headers={**self.apt, **(headers or {})})
        assert response.status_code == status, response.text
        return response.json()

    def refused(self, method: str, path: str, body: Any = None, *, status: int, headers: dict | None = None) -> dict:
        size = self.container.store.log_size()
        response = self.client.request(method, path, json=body, headers={**self.apt, **(headers or {})})
        problem = assert_problem(response, status)
        assert self.container.store.log_size() == size, "a refused request wrote to the log"
        return problem


def national(*, valid_from: str, valid_until: str | None = None) -> dict[str, Any]:
    """The baseline's content (from version 1 as served), its bedrijfsvakschool optional."""
    from domain.route_model import baseline_model, model_to_dict
    from tests.unit.fakes import TERMS

    content = model_to_dict(baseline_model(TERMS))
    for stage in content["stages"]:
        stage["optional"] = stage["stage"] == "bedrijfsvakschool"
    return {**content, "validFrom": valid_from, "validUntil": valid_until}


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Http]:
    from fastapi.testclient import TestClient

    from api.main import create_app
    from leerroute.bootstrap import build

    directory = Path(tmp_path_factory.mktemp("route-models"))
    with own_database(directory) as url:
        container = build(test_settings(directory, url), clock=FixedClock(TODAY))
        with TestClient(create_app(container, run_worker=False)) as client:
            yield Http(client, Tokens(container), container)


@pytest.fixture(scope="module")
def world(http: Http) -> dict[str, Any]:
    """Version 2 from 2027, its two variants, and version 3 from 2028."""
    v2 = http.ok("POST", "/v1/route-models", national(valid_from="2027-01-01"), status=201)
    http.ok("POST", f"/v1/route-models/{v2['version']}/publish")
    amsterdam = http.ok("POST", "/v1/route-variants", {
        "modelVersion": v2["version"], "region": AMSTERDAM, "validFrom": "2027-01-01", "offered": [],
        "providers": {"orientation": ["Techniek Werkt"]}}, status=201)
    http.ok("POST", f"/v1/route-variants/{amsterdam['id']}/publish")
    rijnmond = http.ok("POST", "/v1/route-variants", {
        "modelVersion": v2["version"], "region": RIJNMOND, "validFrom": "2027-03-01", "validUntil": "2027-12-31",
        "offered": ["bedrijfsvakschool"], "norms": {"pre-trajectory.practice": 12}, "subReasons": {"no-childcare": "care-duties"},
    }, status=201)
    http.ok("POST", f"/v1/route-variants/{rijnmond['id']}/publish")
    v3 = http.ok("POST", "/v1/route-models", national(valid_from="2028-01-01"), status=201)
    http.ok("POST", f"/v1/route-models/{v3['version']}/publish")
    return {"v2": v2["version"], "v3": v3["version"], "amsterdam": amsterdam["id"], "rijnmond": rijnmond["id"]}


def test_version_one_is_the_published_baseline(http):
    one = http.client.get("/v1/route-models/1", headers=http.fund)
    assert one.status_code == 200, one.text
    body = one.json()
    assert body["id"] == str(BASELINE_MODEL_ID) and body["validFrom"] == "2000-01-01"
    assert [s["stage"] for s in body["stages"]] == [str(s) for s in Stage]
    assert one.headers["ETag"]


def test_the_published_versions_and_variants_read_back_with_their_validity(http, world):
    models = {m["version"]: m for m in http.ok("GET", "/v1/route-models")["items"]}
    assert models[1]["status"] == "succeeded" and models[1]["validUntil"] == "2026-12-31"
    assert models[1]["succeededBy"] == str(model_id_of(world["v2"]))
    assert (models[world["v2"]]["status"], models[world["v2"]]["validUntil"]) == ("succeeded", "2027-12-31")
    assert (models[world["v3"]]["status"], models[world["v3"]]["validUntil"]) == ("published", None)
    amsterdam = http.ok("GET", f"/v1/route-variants/{world['amsterdam']}")
    assert amsterdam["status"] == "published" and amsterdam["validUntil"] == "2027-12-31"  # ended with version 2
    assert amsterdam["offered"] == [] and amsterdam["providers"] == {"orientation": ["Techniek Werkt"]}
    listed = http.client.get("/v1/route-variants", params={"region": RIJNMOND}, headers=http.km).json()["items"]
    assert [v["id"] for v in listed] == [world["rijnmond"]]
    assert listed[0]["norms"] == {"pre-trajectory.practice": 12} and listed[0]["subReasons"] == {"no-childcare": "care-duties"}


def test_the_history_says_who_changed_what_and_when(http, world):
    history = http.ok("GET", "/v1/route-models/1/history")["events"]
    assert [e["type"] for e in history] == ["RouteModelDrafted", "RouteModelPublished", "RouteModelSucceeded"]
    assert history[0]["actor"]["role"] == "system"
    assert history[2]["actor"] == {"subject": "apt-1", "role": "procesregie", "organisation": "APT"}
    assert history[2]["data"] == {"successor": str(model_id_of(world["v2"])), "validUntil": "2026-12-31"}
    assert history[2]["occurredOn"] == TODAY.date().isoformat() and history[2]["recordedAt"]
    variant = http.ok("GET", f"/v1/route-variants/{world['amsterdam']}/history")["events"]
    assert [e["type"] for e in variant] == ["RouteVariantDrafted", "RouteVariantPublished", "RouteVariantClosed"]


def test_in_force_answers_the_version_and_variant_around_every_boundary(http, world):
    def at(region: str | None, day: str) -> tuple[int, str | None]:
        route = http.container.route_models.in_force(region, date.fromisoformat(day))
        return route.version, None if route.variant_id is None else str(route.variant_id)

    v2, v3, amsterdam, rijnmond = world["v2"], world["v3"], world["amsterdam"], world["rijnmond"]
    assert at(AMSTERDAM, "2026-12-31") == (1, None)
    assert at(AMSTERDAM, "2027-01-01") == (v2, amsterdam)
    assert at(AMSTERDAM, "2027-12-31") == (v2, amsterdam)
    assert at(AMSTERDAM, "2028-01-01") == (v3, None)
    assert at(RIJNMOND, "2027-02-28") == (v2, None)
    assert at(RIJNMOND, "2027-03-01") == (v2, rijnmond)
    assert at(RIJNMOND, "2027-12-31") == (v2, rijnmond)
    assert at(RIJNMOND, "2028-01-01") == (v3, None)
    assert at(None, "2027-06-01") == (v2, None)
    with http.container.unit_of_work() as uow:  # the same inside a transaction
        route = uow.route_models.in_force(RIJNMOND, date(2027, 6, 1))
    assert not http.container.route_models.in_force(AMSTERDAM, date(2027, 6, 1)).offers(Stage.BEDRIJFSVAKSCHOOL)
    assert route.offers(Stage.BEDRIJFSVAKSCHOOL) and route.norm_weeks(Stage.PRE_TRAJECTORY, "practice") == 12
    assert route.category_of("no-childcare") is DropOutReason.CARE_DUTIES


def test_a_draft_is_revised_by_put_and_patch_and_a_repeat_is_answered_once(http, world):
    draft = http.ok("POST", "/v1/route-models", national(valid_from="2031-01-01", valid_until="2031-12-31"), status=201,
                    headers={"Idempotency-Key": "draft-2031"})
    again = http.client.post("/v1/route-models", json=national(valid_from="2031-01-01", valid_until="2031-12-31"),
                             headers={**http.apt, "Idempotency-Key": "draft-2031"})
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json()["version"] == draft["version"]
    path = f"/v1/route-models/{draft['version']}"
    patched = http.ok("PATCH", path, {"validUntil": "2031-06-30"}, headers={"If-Match": '"1"'})
    assert patched["validUntil"] == "2031-06-30" and patched["status"] == "draft"
    content = national(valid_from="2031-02-01", valid_until=None)
    content["terms"]["stallWeeks"] = 12
    replaced = http.ok("PUT", path, content)
    assert (replaced["validFrom"], replaced["validUntil"], replaced["terms"]["stallWeeks"]) == ("2031-02-01", None, 12)
    http.refused("PATCH", path, {"validUntil": "2031-12-31"}, status=412, headers={"If-Match": '"1"'})
    assert http.client.get(path, headers=http.fund).status_code == 404  # a draft is procesregie's alone


# --- bad input ---------------------------------------------------------------------------------------


def test_an_unknown_stage_is_a_400_naming_the_field(http):
    body = national(valid_from="2030-01-01")
    body["stages"][1]["stage"] = "kennismaking"
    problem = http.refused("POST", "/v1/route-models", body, status=400)
    assert [p["name"] for p in problem["invalidParams"]] == ["stages.1.stage"]
    body = national(valid_from="2030-01-01")
    body["stages"][2]["components"]["typing"] = None
    problem = http.refused("POST", "/v1/route-models", body, status=400)
    assert problem["invalidParams"][0]["name"] == "stages[2].components" and "typing" in problem["invalidParams"][0]["reason"]


def test_a_malformed_or_incomplete_body_is_a_400(http):
    body = national(valid_from="2030-01-01")
    del body["terms"]
    assert {p["name"] for p in http.refused("POST", "/v1/route-models", body, status=400)["invalidParams"]} == {"terms"}
    body = national(valid_from="first of May")
    assert http.refused("POST", "/v1/route-models", body, status=400)["invalidParams"][0]["name"] == "validFrom"
    body = national(valid_from="2030-01-01")
    body["terms"]["stallWeeks"] = "eight"
    assert http.refused("POST", "/v1/route-models", body, status=400)["invalidParams"][0]["name"] == "terms.stallWeeks"
    body = national(valid_from="2030-01-01", valid_until="2029-01-01")
    assert http.refused("POST", "/v1/route-models", body, status=400)["invalidParams"][0]["name"] == "validUntil"


def test_a_published_version_or_variant_is_never_edited(http, world):
    problem = http.refused("PATCH", f"/v1/route-models/{world['v2']}", {"validUntil": "2027-06-30"}, status=409)
    assert problem["rule"] == "published-version-is-not-edited"
    problem = http.refused("PUT", f"/v1/route-models/{world['v3']}", national(valid_from="2028-01-01"), status=409)
    assert problem["rule"] == "published-version-is-not-edited"
    problem = http.refused("PATCH", f"/v1/route-variants/{world['rijnmond']}", {"offered": []}, status=409)
    assert problem["rule"] == "published-version-is-not-edited"
    assert http.refused("POST", f"/v1/route-models/{world['v3']}/publish", status=409)["rule"] == "published-version-is-not-edited"


def test_an_overlapping_validity_is_a_409(http, world):
    draft = http.ok("POST", "/v1/route-models", national(valid_from="2027-06-01", valid_until="2027-08-31"), status=201)
    problem = http.refused("POST", f"/v1/route-models/{draft['version']}/publish", status=409)
    assert problem["rule"] == "validity-periods-do-not-overlap" and f"version {world['v2']}" in problem["detail"]
    variant = http.ok("POST", "/v1/route-variants", {"modelVersion": world["v2"], "region": RIJNMOND, "validFrom": "2027-06-01",
                                                     "validUntil": "2027-07-31"}, status=201)
    problem = http.refused("POST", f"/v1/route-variants/{variant['id']}/publish", status=409)
    assert problem["rule"] == "validity-periods-do-not-overlap" and world["rijnmond"] in problem["detail"]


def test_a_variant_breaking_a_national_bound_is_a_409_naming_the_bound(http, world):
    body = {"modelVersion": world["v3"], "region": RIJNMOND, "validFrom": "2028-01-01", "norms": {"pre-trajectory.practice": 30}}
    problem = http.refused("POST", "/v1/route-variants", body, status=409)
    assert problem["rule"] == "norm-within-national-bounds" and "pre-trajectory.practice" in problem["detail"]
    assert "4-26" in problem["detail"]
    body = {"modelVersion": world["v3"], "region": RIJNMOND, "validFrom": "2028-01-01", "norms": {"placement.practice": 3}}
    assert http.refused("POST", "/v1/route-variants", body, status=400)["invalidParams"][0]["name"] == "norm"
    body = {"modelVersion": world["v3"], "region": RIJNMOND, "validFrom": "2028-01-01", "subReasons": {"verhuisd": "moved"}}
    assert http.refused("POST", "/v1/route-variants", body, status=400)["invalidParams"][0]["name"] == "subReasons.verhuisd"


def test_a_variant_for_an_unknown_region_or_version_is_a_400(http, world):
    body = {"modelVersion": world["v3"], "region": "Atlantis", "validFrom": "2028-01-01"}
    problem = http.refused("POST", "/v1/route-variants", body, status=400)
    assert problem["invalidParams"][0]["name"] == "region" and "Atlantis" in problem["invalidParams"][0]["reason"]
    body = {"modelVersion": 99, "region": RIJNMOND, "validFrom": "2028-01-01"}
    assert http.refused("POST", "/v1/route-variants", body, status=400)["invalidParams"][0]["name"] == "modelVersion"


def test_a_variant_outside_its_national_versions_validity_is_a_409(http, world):
    variant = http.ok("POST", "/v1/route-variants", {"modelVersion": world["v2"], "region": AMSTERDAM,
                                                     "validFrom": "2027-10-01", "validUntil": "2028-03-31"}, status=201)
    problem = http.refused("POST", f"/v1/route-variants/{variant['id']}/publish", status=409)
    assert problem["rule"] == "variant-within-national-validity" and "2027-12-31" in problem["detail"]


def test_who_may_write(http, world):
    response = http.client.post("/v1/route-models", json=national(valid_from="2030-01-01"), headers=http.km)
    assert_problem(response, 403)
    body = {"modelVersion": world["v3"], "region": RIJNMOND, "validFrom": "2028-01-01"}
    assert_problem(http.client.post("/v1/route-variants", json=body, headers=http.fund), 403)
    # GM0363 is no centrumgemeente of Rijnmond
    assert_problem(http.client.post("/v1/route-variants", json=body, headers=http.km), 403)
    assert_problem(http.client.get("/v1/route-models/77", headers=http.apt), 404)
