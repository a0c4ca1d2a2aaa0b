"""Errors as ``application/problem+json`` (RFC 9457), with every invalid field listed at once."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from adapters.database import UNAVAILABLE, is_unavailable
from api.responses import Problem
from domain.errors import Forbidden, Ineligible, InvalidField, NotFound, RuleViolation
from leerroute.errors import ConcurrentWriteConflict, IdempotencyKeyReused, VersionMismatch

log = logging.getLogger(__name__)

PROBLEM_TYPE = "https://leerroute.nl/problems/"
MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_SECONDS = 5  # what a 503 asks the client to wait


class ApiProblem(Exception):
    """An error an entry point raises on purpose, already shaped as a problem."""

    def __init__(self, status: int, slug: str, title: str, detail: str | None = None, **extra: Any):
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.extra = extra


def problem(
    status: int, slug: str, title: str, detail: str | None = None, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_TYPE + slug, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def unavailable() -> JSONResponse:
    """503: the database cannot be reached now. A write whose commit was cut off may or may not
    have been recorded: repeated with the same Idempotency-Key it is recorded once."""
    return problem(
        503, "database-unavailable", "The database cannot be reached now",
        "try again later; repeat a write with the same Idempotency-Key to have it recorded exactly once",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _invalid_params(error: RequestValidationError) -> tuple[bool, list[dict[str, str]]]:
    malformed = False
    params = []
    for item in error.errors():
        if item.get("type") == "json_invalid":
            malformed = True
            error_text = (item.get("ctx") or {}).get("error", "")
            params.append({"name": "body", "reason": f"not valid JSON ({error_text})" if error_text else "not valid JSON"})
            continue
        location = [str(part) for part in item.get("loc", ()) if part not in ("body",)]
        name = ".".join(location) or "body"
        reason = item.get("msg", "invalid")
        if reason.startswith("Value error, "):
            reason = reason[len("Value error, ") :]
        params.append({"name": name, "reason": reason})
    return malformed, params


_STATUS_TITLES = {
    401: ("unauthorized", "Not authenticated"),
    403: ("forbidden", "Not allowed for this role"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    408: ("request-timeout", "Request body too slow"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


_BASELINE = {
    400: "Malformed body or invalid fields (each named in `invalidParams`)",
    401: "No valid bearer token",
    403: "The role may not do this",
}
_NOT_FOUND = "Unknown or invisible resource"
# For routes that name no resource and change nothing (``document_problems`` adds the media type).
READ_PROBLEMS: dict[int | str, dict[str, Any]] = {status: {"description": text} for status, text in _BASELINE.items()}
_WRITE = {
    409: "A rule forbids this step (named in `rule`; an ineligible claim names its `condition`), or concurrent writers kept changing the resource",
    412: "If-Match names an old version",
    422: "Idempotency-Key reused for a different request",
}
# What routes declare (``document_problems`` completes it and adds the media type and schema).
READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": text} for status, text in {**_BASELINE, 404: _NOT_FOUND}.items()
}
# A read of one versioned resource: its 200 answer carries the version as ETag.
VERSIONED_READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    **READ_RESPONSES, 200: {"description": "Successful Response", "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}}
}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **READ_RESPONSES, **{status: {"model": Problem, "description": text} for status, text in _WRITE.items()}
}


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI document say what the API does on errors: every operation documents
    400, 401 and 403 (404 when its path names a resource; 409, 412 and 422 when it is a write,
    a PUT, a PATCH or a POST that is not a ``/search``) besides the problems its route declares, every error response as ``application/problem+json`` with the Problem schema, and
    none of FastAPI's default 422 validation responses (validation errors are 400 here)."""
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            default_422 = responses.get("422", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if default_422.get("$ref", "").endswith("/HTTPValidationError"):
                del responses["422"]
            wanted = dict(_BASELINE)
            if "{" in path:
                wanted[404] = _NOT_FOUND
            post = operation is operations.get("post") and not path.endswith("/search")
            if post or operation in (operations.get("put"), operations.get("patch")):
                wanted.update(_WRITE)  # every POST but a search is a write (api/writes.py), and every PUT and PATCH
            for status, description in wanted.items():
                responses.setdefault(str(status), {"description": description})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = {MEDIA_TYPE: {"schema": problem_ref}}
    components = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        if unused in components and f"/{unused}\"" not in json.dumps(schema.get("paths", {})):
            del components[unused]
    return schema


def install(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        malformed, params = _invalid_params(error)
        if malformed:
            return problem(400, "malformed-body", "Malformed request body", "the body is not valid JSON", invalidParams=params)
        return problem(400, "invalid-params", "Invalid request", "one or more fields are invalid", invalidParams=params)

    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, error: ApiProblem) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        if error.status == 503:
            headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return problem(error.status, error.slug, error.title, error.detail, headers=headers, **error.extra)

    @app.exception_handler(InvalidField)
    async def _invalid_field(request: Request, error: InvalidField) -> JSONResponse:
        return problem(
            400, "invalid-params", "Invalid request", error.detail, invalidParams=[{"name": error.name, "reason": error.reason}]
        )

    @app.exception_handler(Ineligible)
    async def _ineligible(request: Request, error: Ineligible) -> JSONResponse:
        return problem(409, "not-eligible", "The claim is not eligible", error.detail, rule=error.rule, condition=error.condition)

    @app.exception_handler(RuleViolation)
    async def _rule(request: Request, error: RuleViolation) -> JSONResponse:
        return problem(409, "rule-violation", "The route does not allow this", error.detail, rule=error.rule)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, error: Forbidden) -> JSONResponse:
        return problem(403, "forbidden", "Not allowed for this role", error.detail)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, error: NotFound) -> JSONResponse:
        return problem(404, "not-found", "Not found", error.detail)

    @app.exception_handler(VersionMismatch)
    async def _mismatch(request: Request, error: VersionMismatch) -> JSONResponse:
        return problem(
            412, "precondition-failed", "The resource has changed", str(error), currentVersion=error.actual
        )

    @app.exception_handler(ConcurrentWriteConflict)
    async def _conflict(request: Request, error: ConcurrentWriteConflict) -> JSONResponse:
        if request.headers.get("if-match"):
            return problem(412, "precondition-failed", "The resource has changed", "another write took this version first")
        return problem(409, "concurrent-write", "Concurrent write", "the resource kept changing; try again")

    @app.exception_handler(IdempotencyKeyReused)
    async def _reused(request: Request, error: IdempotencyKeyReused) -> JSONResponse:
        return problem(
            422, "idempotency-key-reused", "Idempotency-Key reused", "this Idempotency-Key was used for a different request"
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        slug, title = _STATUS_TITLES.get(error.status_code, ("error", "Error"))
        detail = error.detail if isinstance(error.detail, str) else None
        return problem(error.status_code, slug, title, detail, headers=getattr(error, "headers", None))

    async def _unavailable(request: Request, error: Exception) -> JSONResponse:
        log.warning("the database cannot be reached on %s %s: %s", request.method, request.url.path, error)
        return unavailable()

    for kind in UNAVAILABLE:
        app.add_exception_handler(kind, _unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        if is_unavailable(error):  # wrapped in another error on its way up
            return await _unavailable(request, error)
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "internal-error", "Internal error", "the error was logged; nothing was recorded")
