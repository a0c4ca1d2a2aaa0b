"""The console: server-rendered pages in Dutch for the people who use leerroute, inside the API's
own process. Pages call the service layer and the queries of the container (never the HTTP API);
the only state is the signed session cookie. ``install`` adds it to the application."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from api.console import employer, fund, klantmanager, privacy, procesregie, signin, web
from api.console.session import BadFormToken, SignInRequired, WrongRole
from api.problems import ApiProblem
from domain.errors import Forbidden, NotFound, RuleViolation

SESSION_COOKIE = "leerroute_console"


class _ConsoleSessions:
    """Starlette's signed-cookie sessions on the console's paths only (the API under /v1 keeps
    bearer tokens and never sees or sets the cookie). The key is read from the container when
    the first request arrives, so the application can be built before it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._with_sessions: SessionMiddleware | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else "/v1"
        if path.startswith("/v1") or path.startswith("/static/"):
            await self.app(scope, receive, send)
            return
        if self._with_sessions is None:
            settings = scope["app"].state.container.settings
            self._with_sessions = SessionMiddleware(
                self.app, secret_key=settings.effective_console_secret, session_cookie=SESSION_COOKIE,
                max_age=settings.console_session_minutes * 60, same_site="lax", https_only=settings.console_secure_cookie,
            )
        await self._with_sessions(scope, receive, send)


def install(app: FastAPI) -> None:
    app.mount("/static/console", StaticFiles(directory=Path(__file__).with_name("static")), name="console-static")
    for module in (signin, klantmanager, employer, fund, privacy, procesregie):
        app.include_router(module.router, include_in_schema=False)
    app.add_middleware(_ConsoleSessions)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, error: SignInRequired) -> Response:
        return web.see_other("/console/aanmelden" + ("?reden=verlopen" if error.reason else ""))

    @app.exception_handler(WrongRole)
    async def _wrong_role(request: Request, error: WrongRole) -> Response:
        return web.problem_page(request, 403, "Geen toegang", "Deze pagina is voor een andere rol dan de uwe.")

    @app.exception_handler(BadFormToken)
    async def _bad_token(request: Request, error: BadFormToken) -> Response:
        return web.problem_page(request, 403, "Formulier verlopen",
                                "Dit formulier kwam niet (meer) van deze sessie; er is niets vastgelegd. Open het opnieuw.")

    # The API's handlers answer these as problem+json; on a console page each is a page in words.
    pages = {
        RequestValidationError: (400, "Ongeldig adres", "Dit adres bestaat niet in deze vorm."),
        ApiProblem: (400, "Ongeldig adres", "Dit adres bestaat niet in deze vorm."),
        StarletteHTTPException: (404, "Niet gevonden", "Deze pagina bestaat niet."),
        NotFound: (404, "Niet gevonden", "Dit bestaat niet, of u heeft er geen toegang toe."),
        Forbidden: (403, "Geen toegang", "U mag dit niet zien of doen."),
        RuleViolation: (409, "Dit kan niet", "De route staat dit nu niet toe."),
        Exception: (500, "Er ging iets mis", "Er is niets vastgelegd. Probeer het later opnieuw."),
    }
    for kind, (status, title, detail) in pages.items():
        api_handler = app.exception_handlers.get(kind)
        app.add_exception_handler(kind, _console_or_api(api_handler, status, title, detail))


def _console_or_api(api_handler: Any, status: int, title: str, detail: str) -> Any:
    async def handler(request: Request, error: Exception) -> Response:
        if request.url.path.startswith("/console") or api_handler is None:
            code = error.status_code if isinstance(error, StarletteHTTPException) else getattr(error, "status", status)
            if not isinstance(code, int):
                code = status
            return web.problem_page(request, code, title if code == status else "Niet gevonden", detail)
        return await api_handler(request, error)

    return handler
