"""Authentication and role checks as FastAPI dependencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from adapters.tokens import InvalidToken, TokenKeysUnavailable
from api.problems import ApiProblem
from domain.access import check_role
from domain.values import Actor, Role

VERIFIED = "verified_token"  # in the request's state: (token, actor), set by api.edge.RequestGuard

_bearer = HTTPBearer(auto_error=False, description="A JWT naming sub, role and org")


# Both dependencies are async on purpose: they only verify a signature (microseconds), and a
# sync dependency would cost a hop through the thread pool on every request.
async def current_actor(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiProblem(401, "unauthorized", "Not authenticated", "send a bearer token in the Authorization header")
    verified = request.scope.get("state", {}).get(VERIFIED)  # checked by api.edge before it read the body
    if verified is not None and verified[0] == credentials.credentials:
        return verified[1]
    try:
        return request.app.state.container.verifier.verify(credentials.credentials)
    except InvalidToken as error:
        raise ApiProblem(401, "invalid-token", "Invalid token", str(error)) from None
    except TokenKeysUnavailable as error:
        raise ApiProblem(503, "token-keys-unavailable", "Tokens cannot be checked now", str(error)) from None


def require_role(roles: Iterable[Role]) -> Callable[[Actor], Awaitable[Actor]]:
    """The caller, refused (``Forbidden``) before anything else is read unless its role is one
    of ``roles`` (from ``domain.access``)."""
    allowed = frozenset(roles)

    async def dependency(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        check_role(actor, allowed)
        return actor

    return dependency
