"""Authentication and role checks as FastAPI dependencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated

import anyio
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp

from adapters.tokens import InvalidToken, TokenCache, TokenKeysUnavailable, TokenService
from api.problems import ApiProblem
from domain.access import check_role
from domain.values import Actor, Role

VERIFIED = "verified_token"  # in the request's state: (token, actor), set by api.edge.RequestGuard

_bearer = HTTPBearer(auto_error=False, description="A JWT naming sub, role and org")


TOKEN_CACHE = "token_cache"  # in the application's state: a TokenCache


async def verified_actor(app: ASGIApp, token: str) -> Actor:
    """The caller of ``token``, checked by the container's verifier once per token (then from
    the application's ``TokenCache``, until the token expires). Raises ``InvalidToken`` or
    ``TokenKeysUnavailable``."""
    state = app.state  # type: ignore[attr-defined]
    verifier = state.container.verifier
    cache: TokenCache | None = getattr(state, TOKEN_CACHE, None)
    if cache is None:
        cache = TokenCache()
        setattr(state, TOKEN_CACHE, cache)
    known = cache.get(verifier, token)
    if known is not None:
        return known
    if isinstance(verifier, TokenService):  # a signature check with the local key: microseconds
        actor = verifier.verify(token)
    else:  # an issuer's verifier may fetch its keys: off the event loop
        actor = await anyio.to_thread.run_sync(verifier.verify, token)
    cache.put(verifier, token, actor)
    return actor


# Both dependencies are async on purpose: they only verify a signature (microseconds), and a
# sync dependency would cost a hop through the thread pool on every request.
async def current_actor(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiProblem(401, "unauthorized", "Not authenticated", "send a bearer token in the Authorization header")
    verified = request.scope.get("state", {}).get(VERIFIED)  # checked by api.edge before it read the body
    if verified is not None and verified[0] == credentials.credentials:
        return verified[1]
    try:
        return await verified_actor(request.app, credentials.credentials)
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
