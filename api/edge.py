"""The edge of the HTTP API: what is checked before a request reaches a route, and the headers
every response carries. Plain ASGI (no extra task per request, as a ``BaseHTTPMiddleware``
would add).

``RequestGuard``, for a request with a body:

- under ``/v1/`` the bearer token is checked first, before any of the body is read: an
  unauthenticated upload gets 401 (an issuer that cannot be reached: 503) and its body is never
  read;
- a ``Content-Length`` above ``LEERROUTE_MAX_BODY_BYTES`` gets 413 at once; a chunked body is
  counted as it arrives and refused with 413 as soon as it passes the limit, so at most the limit
  is ever held in memory;
- the whole body must arrive within ``LEERROUTE_BODY_TIMEOUT_SECONDS``, else 408 (a client that
  trickles its body does not hold a worker forever).

The route then gets the body as it was read. ``ResponseHeaders`` adds the security headers of
the NL GOV API Design Rules (``/core/transport/security-headers``) to every response and opens the
published OpenAPI document to every origin (CORS).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.tokens import InvalidToken, TokenKeysUnavailable
from api.auth import VERIFIED, verified_actor
from api.contract import DOCUMENTS, POSITION_HEADER
from api.problems import MEDIA_TYPE, PROBLEM_TYPE, RETRY_AFTER_SECONDS

# Uploads that pass through as they arrive (multipart, spooled to disk by the route), with the
# limit ``LEERROUTE_IMPORT_MAX_BYTES`` plus the multipart framing instead of ``LEERROUTE_MAX_BODY_BYTES``.
STREAMED_UPLOADS = {("POST", "/v1/imports")}
UPLOAD_FRAMING_BYTES = 64 * 1024


class UploadTooLarge(HTTPException):
    def __init__(self, limit: int):
        super().__init__(413, f"a request body is at most {limit} bytes")


def _counted(receive: Receive, limit: int) -> Receive:
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        size += len(message.get("body", b""))
        if size > limit:
            raise UploadTooLarge(limit)
        return message

    return counted


class _Refused(Exception):
    def __init__(self, status: int, slug: str, title: str, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.slug, self.title, self.detail, self.headers = status, slug, title, detail, headers or {}


async def send_problem(send: Send, status: int, slug: str, title: str, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"type": PROBLEM_TYPE + slug, "title": title, "status": status, "detail": detail}).encode()
    raw = [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    # The body of the request was not read: the connection cannot carry another request.
    raw.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """See the module's docstring. ``settings`` gives the limits (read per request, so tests can
    build an app before its container)."""

    def __init__(self, app: ASGIApp, settings: Callable[[Scope], Any] | None = None) -> None:
        self.app = app
        self._settings = settings or (lambda scope: scope["app"].state.container.settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        declared = headers.get("content-length")
        try:
            length = int(declared) if declared is not None else None
            if length is not None and length < 0:
                raise ValueError
        except ValueError:
            await send_problem(send, 400, "invalid-params", "Invalid request", "Content-Length is not a number of bytes")
            return
        if not chunked and not length:
            await self.app(scope, receive, send)
            return
        settings = self._settings(scope)
        try:
            if scope["path"].startswith("/v1/"):
                await self._authenticate(scope, headers)
            if (scope["method"], scope["path"]) in STREAMED_UPLOADS:
                limit = settings.import_max_bytes + UPLOAD_FRAMING_BYTES
                if length is not None and length > limit:
                    raise _Refused(413, "payload-too-large", "Request body too large", f"an uploaded file is at most {settings.import_max_bytes} bytes")
                # The route streams it to a temporary file (never all in memory): counted as it passes.
                await self.app(scope, _counted(receive, limit), send)
                return
            if length is not None and length > settings.max_body_bytes:
                raise _Refused(413, "payload-too-large", "Request body too large",
                               f"a request body is at most {settings.max_body_bytes} bytes")
            body = await self._read(receive, settings.max_body_bytes, settings.body_timeout_seconds)
        except _Refused as refused:
            await send_problem(send, refused.status, refused.slug, refused.title, refused.detail, refused.headers)
            return
        if body is None:  # the client went away
            return
        await self.app(scope, _replay(body, receive), send)

    async def _authenticate(self, scope: Scope, headers: Headers) -> None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _Refused(401, "unauthorized", "Not authenticated", "send a bearer token in the Authorization header",
                           {"WWW-Authenticate": "Bearer"})
        token = token.strip()
        try:
            actor = await verified_actor(scope["app"], token)
        except InvalidToken as error:
            raise _Refused(401, "invalid-token", "Invalid token", str(error), {"WWW-Authenticate": "Bearer"}) from None
        except TokenKeysUnavailable as error:
            raise _Refused(503, "token-keys-unavailable", "Tokens cannot be checked now", str(error),
                           {"Retry-After": str(RETRY_AFTER_SECONDS)}) from None
        scope.setdefault("state", {})[VERIFIED] = (token, actor)

    @staticmethod
    async def _read(receive: Receive, limit: int, timeout: float) -> bytes | None:
        parts: list[bytes] = []
        size = 0
        try:
            with anyio.fail_after(timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return None
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > limit:
                        raise _Refused(413, "payload-too-large", "Request body too large", f"a request body is at most {limit} bytes")
                    parts.append(chunk)
                    if not message.get("more_body", False):
                        return b"".join(parts)
        except TimeoutError:
            raise _Refused(408, "request-timeout", "Request body too slow",
                           f"the request body did not arrive within {timeout:g} seconds") from None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# A JSON answer loads nothing; an HTML page (the API's /docs, the console) states its own sources.
CSP_API = "default-src 'none'; frame-ancestors 'none'"
CSP_HTML = "frame-ancestors 'none'"


class ResponseHeaders:
    """The security headers on every response (a header a route set itself is kept), and
    ``Access-Control-Allow-Origin: *`` on the published OpenAPI document."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        public = scope["path"] in DOCUMENTS

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if "content-security-policy" not in headers:
                    html = headers.get("content-type", "").startswith("text/html")
                    headers["Content-Security-Policy"] = CSP_HTML if html else CSP_API
                if public:
                    headers["Access-Control-Allow-Origin"] = "*"
                position = scope.get("state", {}).get("read_position")
                if position is not None and POSITION_HEADER not in headers:
                    headers[POSITION_HEADER] = str(position)
            await send(message)

        await self.app(scope, receive, with_headers)
