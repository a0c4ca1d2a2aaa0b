"""The API's published contract: the OpenAPI document at ``/v1/openapi.json`` as the NL GOV API
Design Rules want it, and the request rules every operation shares.

The document FastAPI generates is completed once, here:

- ``servers`` names the versioned base path ``/v1``; the paths are written relative to it. A
  path outside ``/v1`` (operational endpoints such as ``/health/live`` or ``/metrics``) carries
  its own ``servers: [{"url": "/"}]``, so every path still resolves to where it is served.
- ``info.contact``; every response declares the headers the API sends on it: ``API-Version`` and
  ``Trace-Id`` always, ``Retry-After`` on 503, and on a write's answer ``ETag``,
  ``Leerroute-Log-Position``, ``Idempotent-Replayed`` (and ``Location`` when it created
  something); a read declares ``Leerroute-Log-Position`` (and ``ETag`` where its route says so).
- every operation documents 503 (the database or the token issuer cannot be reached), and one
  that takes a body 408 and 413 (``api.edge``).

``.ci/lint-openapi`` lints the served document with Logius' Spectral ruleset and fails on any
finding.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import FastAPI, Header, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from api.problems import ApiProblem

API_VERSION = "1.0.0"
BASE_PATH = "/v1"
DOCUMENT_PATH = BASE_PATH + "/openapi.json"
CONTACT = {"name": "leerroute", "email": "api@leerroute.nl", "url": "https://leerroute.nl/api"}

POSITION_HEADER = "Leerroute-Log-Position"
TRACE_HEADER = "Trace-Id"

_string = {"type": "string"}
HEADERS: dict[str, dict[str, Any]] = {
    "API-Version": {"description": "The full version of the API (semver)", "required": True,
                    "schema": {"type": "string", "example": API_VERSION}},
    TRACE_HEADER: {"description": "The trace id of the request: the traceparent's, or one leerroute made (also in the access log)",
                   "required": True, "schema": _string},
    "ETag": {"description": "The resource's version, for If-Match on the next write", "schema": {"type": "string", "example": '"3"'}},
    "Location": {"description": "Where what was created can be read", "schema": _string},
    "Idempotent-Replayed": {"description": "`true` when this is the kept answer to an earlier request with the same Idempotency-Key",
                            "schema": {"type": "string", "enum": ["true"]}},
    POSITION_HEADER: {"description": "The log position of the write, or how far the read models were when this was read "
                                     "(pass it as `minPosition` to read your own writes)",
                      "schema": {"type": "integer", "minimum": 0}},
    "Retry-After": {"description": "Seconds after which to try again", "required": True, "schema": {"type": "integer", "minimum": 1}},
    "WWW-Authenticate": {"description": "The scheme to authenticate with: `Bearer`", "required": True,
                         "schema": {"type": "string", "enum": ["Bearer"]}},
}
SECURITY_NOTE = (
    "\n\nEvery response carries the security headers of the NL GOV API Design Rules "
    "(`Cache-Control: no-store`, `Content-Security-Policy`, `Strict-Transport-Security`, "
    "`X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`), "
    "and this document `Access-Control-Allow-Origin: *`."
)

_EDGE_PROBLEMS = {
    "503": "The database or the token issuer cannot be reached now; try again after Retry-After seconds",
}
_BODY_PROBLEMS = {
    "408": "The request body did not arrive in time",
    "413": "The request body is larger than the API accepts",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _is_write(path: str, method: str) -> bool:
    return method in ("put", "patch") or (method == "post" and not path.endswith("/search"))


def publish(schema: dict[str, Any]) -> dict[str, Any]:
    """Complete the generated document (after ``api.problems.document_problems``)."""
    schema["info"]["contact"] = CONTACT
    schema["info"]["description"] = schema["info"].get("description", "") + SECURITY_NOTE
    schema["servers"] = [{"url": BASE_PATH, "description": "leerroute, version 1"}]
    components = schema.setdefault("components", {})
    components["headers"] = {**components.get("headers", {}), **HEADERS}
    paths: dict[str, Any] = {}
    for path, item in schema.get("paths", {}).items():
        if path.startswith(BASE_PATH + "/"):
            path = path[len(BASE_PATH):]
        else:
            item = {"servers": [{"url": "/"}], **item}
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                _complete(path, method, operation)
        paths[path] = item
    schema["paths"] = paths
    return _specific_names(schema)


_GENERIC = re.compile(r"^([A-Za-z0-9]+)_([A-Za-z0-9]+)_$")


def _specific_names(schema: dict[str, Any]) -> dict[str, Any]:
    """A generic model's schema gets a name of its own: ``Page[TrajectorySummaryOut]``, which
    pydantic names ``Page_TrajectorySummaryOut_``, is ``TrajectorySummaryPage``."""
    renames = {}
    for name in schema.get("components", {}).get("schemas", {}):
        if match := _GENERIC.match(name):
            renames[name] = match.group(2).removesuffix("Out") + match.group(1)
    if not renames:
        return schema
    text = json.dumps(schema)
    for old, new in renames.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    renamed: dict[str, Any] = json.loads(text)
    schemas = renamed["components"]["schemas"]
    for old, new in renames.items():
        schemas[new] = {**schemas.pop(old), "title": new}
    return renamed


def _complete(path: str, method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation["responses"]
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    extra = dict(_EDGE_PROBLEMS)
    if "requestBody" in operation:
        extra.update(_BODY_PROBLEMS)
    for status, description in extra.items():
        responses.setdefault(status, {"description": description, "content": problem})
    for status, response in responses.items():
        headers = response.setdefault("headers", {})
        headers.setdefault("API-Version", _ref("API-Version"))
        headers.setdefault(TRACE_HEADER, _ref(TRACE_HEADER))
        if status == "503":
            headers.setdefault("Retry-After", _ref("Retry-After"))
        if status == "401":
            headers.setdefault("WWW-Authenticate", _ref("WWW-Authenticate"))
        if not status.startswith("2"):
            continue
        if _is_write(path, method):
            for name in ("ETag", POSITION_HEADER, "Idempotent-Replayed"):
                headers.setdefault(name, _ref(name))
            if status == "201":
                headers.setdefault("Location", _ref("Location"))
        elif method == "get" and _reads_position(operation):
            headers.setdefault(POSITION_HEADER, _ref(POSITION_HEADER))


def _reads_position(operation: dict[str, Any]) -> bool:
    return any(p.get("name") == "minPosition" for p in operation.get("parameters", []))


def install(app: FastAPI) -> None:
    """Complete the document FastAPI serves at ``/v1/openapi.json`` (``openapi_url``); serve it
    at ``/openapi.json`` too, and answer a CORS preflight for both (``api.edge`` opens them to
    every origin, as the Design Rules ask of the published document)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = publish(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    async def document(request: Request) -> Response:
        return JSONResponse(app.openapi())

    async def preflight(request: Request) -> Response:
        return Response(status_code=204, headers={
            "Access-Control-Allow-Methods": "GET, OPTIONS", "Access-Control-Allow-Headers": "*", "Access-Control-Max-Age": "86400",
        })

    app.add_route("/openapi.json", document, methods=["GET"], include_in_schema=False)
    for url in DOCUMENTS:
        app.add_route(url, preflight, methods=["OPTIONS"], include_in_schema=False)


DOCUMENTS = (DOCUMENT_PATH, "/openapi.json")


# --- what every operation reads besides its own parameters ---------------------------------------

_known: dict[int, frozenset[str]] = {}


def _query_names(route: APIRoute) -> frozenset[str]:
    found = _known.get(id(route))
    if found is None:
        names: set[str] = set()
        pending: list[Dependant] = [route.dependant]
        while pending:
            dependant = pending.pop()
            names.update(param.alias for param in dependant.query_params)
            pending.extend(dependant.dependencies)
        found = _known[id(route)] = frozenset(names)
    return found


async def request_contract(
    request: Request,
    traceparent: Annotated[
        str | None,
        Header(description="W3C trace context: its trace id is kept in the access log and returned as Trace-Id"),
    ] = None,
) -> None:
    """Every operation: an unknown query parameter is refused (400 naming it), not ignored."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = sorted(set(request.query_params) - _query_names(route))
    if unknown:
        raise ApiProblem(
            400, "invalid-params", "Invalid request", "unknown query parameters",
            invalidParams=[{"name": f"query.{name}", "reason": "not a parameter of this operation"} for name in unknown],
        )

