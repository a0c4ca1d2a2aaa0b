"""How the published OpenAPI document is completed (``api.contract.publish``) and which errors
mean the database is out of reach (``adapters.database.is_unavailable``), without I/O."""

from __future__ import annotations

import sqlalchemy.exc
from eventsourcing import persistence

from adapters.database import is_unavailable
from api.contract import publish


def _document() -> dict:
    ok = {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page_ThingOut_"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": {
            "/v1/things": {
                "get": {"parameters": [{"name": "minPosition", "in": "query"}], "responses": {"200": ok}},
                "post": {"requestBody": {}, "responses": {"201": {"description": "created"}}},
            },
            "/v1/things/search": {"post": {"requestBody": {}, "responses": {"200": {"description": "found"}}}},
            "/health/live": {"get": {"responses": {"200": {"description": "alive"}}}},
        },
        "components": {"schemas": {"Page_ThingOut_": {"title": "Page[ThingOut]", "type": "object"}}},
    }


def test_paths_are_relative_to_the_versioned_server_and_others_name_their_own():
    document = publish(_document())
    assert document["servers"][0]["url"] == "/v1"
    assert set(document["paths"]) == {"/things", "/things/search", "/health/live"}
    assert document["paths"]["/health/live"]["servers"] == [{"url": "/"}]
    assert "servers" not in document["paths"]["/things"]
    assert {"name", "email", "url"} <= set(document["info"]["contact"])


def test_generic_schema_names_become_specific_and_every_reference_follows():
    document = publish(_document())
    assert "Page_ThingOut_" not in document["components"]["schemas"]
    assert document["components"]["schemas"]["ThingPage"]["title"] == "ThingPage"
    schema = document["paths"]["/things"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ThingPage"}


def test_each_response_declares_the_headers_sent_on_it():
    paths = publish(_document())["paths"]
    created = set(paths["/things"]["post"]["responses"]["201"]["headers"])
    assert created == {"API-Version", "Trace-Id", "ETag", "Leerroute-Log-Position", "Idempotent-Replayed", "Location"}
    assert set(paths["/things"]["get"]["responses"]["200"]["headers"]) == {"API-Version", "Trace-Id", "Leerroute-Log-Position"}
    found = set(paths["/things/search"]["post"]["responses"]["200"]["headers"])
    assert found == {"API-Version", "Trace-Id"}  # a search is no write
    assert set(paths["/health/live"]["get"]["responses"]["200"]["headers"]) == {"API-Version", "Trace-Id"}
    for operation in (paths["/things"]["get"], paths["/things"]["post"], paths["/health/live"]["get"]):
        assert "Retry-After" in operation["responses"]["503"]["headers"]
    assert {"408", "413"} <= set(paths["/things"]["post"]["responses"])
    assert "413" not in paths["/things"]["get"]["responses"]


def test_errors_that_mean_the_database_is_out_of_reach():
    refused = sqlalchemy.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))
    assert is_unavailable(refused)
    assert is_unavailable(persistence.OperationalError("server closed the connection"))
    try:
        try:
            raise refused
        except sqlalchemy.exc.OperationalError as error:
            raise RuntimeError("while loading") from error
    except RuntimeError as wrapped:
        assert is_unavailable(wrapped)
    assert not is_unavailable(sqlalchemy.exc.IntegrityError("INSERT", {}, ValueError("duplicate")))
    assert not is_unavailable(ValueError("a bug"))
