"""Who is signed in to the console, and the form token that proves a post came from a page of ours.

The session is a cookie signed with ``LEERROUTE_CONSOLE_SECRET`` (Starlette's SessionMiddleware,
itsdangerous): HttpOnly, SameSite=Lax, Secure when configured. It holds the signed-in person (the
same subject, role and organisation a bearer token gives the API), when the session ends, and a
random CSRF token; nothing is kept on the server, so any API process can serve the next page.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from domain.values import Actor, Role

USER = "user"
CSRF = "csrf"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    via: str  # "development" or "oidc"


class SignInRequired(Exception):
    """No (valid, unexpired) session: the person is sent to the sign-in page."""

    def __init__(self, reason: str | None = None):
        super().__init__(reason or "")
        self.reason = reason


class WrongRole(Exception):
    """Signed in, but this page is for another role."""


class BadFormToken(Exception):
    """A post without this session's CSRF token: nothing is done."""


def _now(request: Request) -> float:
    return request.app.state.container.clock.now().timestamp()


def sign_in(request: Request, actor: Actor, *, via: str) -> None:
    """A new session for ``actor`` (everything of the old one, such as a sign-in's state, goes)."""
    minutes = request.app.state.container.settings.console_session_minutes
    request.session.clear()
    request.session[USER] = {
        "sub": actor.subject, "role": str(actor.role), "org": actor.organisation, "via": via,
        "expires": _now(request) + minutes * 60,
    }
    request.session[CSRF] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    request.session.clear()


def signed_in(request: Request) -> SignedIn | None:
    """The person of this session, or None (no session, or one that has ended)."""
    user: Any = request.session.get(USER)
    if not isinstance(user, dict):
        return None
    if not isinstance(user.get("expires"), (int, float)) or user["expires"] <= _now(request):
        request.session.pop(USER, None)
        return None
    return SignedIn(Actor(subject=user["sub"], role=Role(user["role"]), organisation=user["org"]), via=user["via"])


def csrf_token(request: Request) -> str:
    """This session's form token (made on first use, also before sign-in)."""
    token = request.session.get(CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF] = token
    return token


async def posted_fields(request: Request) -> dict[str, str]:
    """A form post's text fields, once its CSRF token is checked (without it nothing is read)."""
    posted = await request.form()
    check_csrf(request, posted)
    return {k: v for k, v in posted.items() if isinstance(v, str)}


def check_csrf(request: Request, form: Any) -> None:
    expected = request.session.get(CSRF)
    sent = form.get(CSRF_FIELD)
    if not isinstance(expected, str) or not isinstance(sent, str) or not hmac.compare_digest(expected, sent):
        raise BadFormToken()


async def _person(request: Request) -> SignedIn:
    had_one = USER in request.session
    person = signed_in(request)
    if person is None:
        raise SignInRequired("Uw sessie is verlopen." if had_one else None)
    return person


def role_page(*roles: Role) -> Any:
    """A dependency: the signed-in person, who must have one of ``roles``."""

    async def dependency(person: Annotated[SignedIn, Depends(_person)]) -> SignedIn:
        if person.actor.role not in roles:
            raise WrongRole()
        return person

    return Depends(dependency)


Person = Annotated[SignedIn, Depends(_person)]
Klantmanager = Annotated[SignedIn, role_page(Role.KLANTMANAGER)]
Employer = Annotated[SignedIn, role_page(Role.EMPLOYER)]
Fund = Annotated[SignedIn, role_page(Role.FUND)]
Procesregie = Annotated[SignedIn, role_page(Role.PROCESREGIE)]
PrivacyOfficer = Annotated[SignedIn, role_page(Role.PRIVACY_OFFICER)]
