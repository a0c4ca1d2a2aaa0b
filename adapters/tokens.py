"""Bearer tokens (JWT): verification of every request and development tokens for the CLI.

Two verifiers, one chosen by configuration:

- ``OidcVerifier``: tokens of an OpenID Connect issuer, checked against its published keys
  (JWKS, found through discovery or configured), asymmetric algorithms only. The key set is
  cached; a token whose key id is not in the cache makes it fetch the set again, so keys the
  issuer rotated in are accepted.
- ``TokenService``: the embedded default, a shared secret (HS256) from configuration, which
  also issues development tokens (``leerroute token``).

Both require ``exp``, ``iss``, ``aud`` and ``sub``, and a role and organisation claim.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.request
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import jwt

from domain.values import Actor, Role, validate_kvk, validate_municipality_code


class InvalidToken(Exception):
    pass


class TokenKeysUnavailable(Exception):
    """The issuer's keys could not be fetched: no token can be checked now."""


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Actor: ...


REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]
_KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


@dataclass(frozen=True)
class TokenService:
    secret: str
    issuer: str
    audience: str
    algorithm: str = "HS256"

    def issue(self, *, subject: str, role: Role, organisation: str, now: datetime, ttl: timedelta) -> str:
        check_organisation(role, organisation)
        claims = {
            "sub": subject,
            "role": str(role),
            "org": organisation,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
        }
        return jwt.encode(claims, self.secret, algorithm=self.algorithm)

    def verify(self, token: str) -> Actor:
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from None
        return actor_from_claims(claims, role_claim="role", organisation_claim="org")


class OidcVerifier:
    """Tokens of an OpenID Connect issuer, verified with the keys it publishes."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        role_claim: str = "role",
        organisation_claim: str = "org",
        refresh_cooldown_seconds: float = 10.0,
        cache_seconds: float = 300.0,
        timeout_seconds: float = 5.0,
    ):
        self.issuer = issuer
        self.audience = audience
        self._jwks_url = jwks_url
        self._role_claim = role_claim
        self._organisation_claim = organisation_claim
        self._cooldown = refresh_cooldown_seconds
        self._cache_seconds = cache_seconds
        self._timeout = timeout_seconds
        self._client: jwt.PyJWKClient | None = None
        self._lock = threading.Lock()

    def _keys(self) -> jwt.PyJWKClient:
        with self._lock:
            if self._client is None:
                url = self._jwks_url or self._discover()
                self._client = jwt.PyJWKClient(
                    url, cache_jwk_set=True, lifespan=self._cache_seconds, timeout=self._timeout,
                    cooldown_duration=self._cooldown,
                )
            return self._client

    def _discover(self) -> str:
        """The JWKS address from the issuer's ``.well-known/openid-configuration``."""
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            with urllib.request.urlopen(url, timeout=self._timeout) as response:
                document = json.load(response)
        except (OSError, ValueError, http.client.HTTPException) as error:
            raise TokenKeysUnavailable(f"the issuer's discovery document at {url} could not be read: {error}") from None
        if not isinstance(document, dict):
            raise TokenKeysUnavailable(f"the issuer's discovery document at {url} is not a JSON object")
        if document.get("issuer") != self.issuer or not document.get("jwks_uri"):
            raise TokenKeysUnavailable(f"the discovery document at {url} names another issuer or no jwks_uri")
        return document["jwks_uri"]

    def verify(self, token: str) -> Actor:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from None
        algorithm = header.get("alg")
        if algorithm not in ASYMMETRIC_ALGORITHMS:
            raise InvalidToken(f"the token's algorithm {algorithm!r} is not accepted (only {', '.join(ASYMMETRIC_ALGORITHMS)})")
        if not header.get("kid"):
            raise InvalidToken("the token names no key id (kid)")
        key = self._signing_key(header["kid"])
        if _KEY_TYPES[algorithm[:2]] != key.key_type or (key.algorithm_name and key.algorithm_name != algorithm):
            raise InvalidToken(f"the issuer's key {header['kid']} is not a {algorithm} key")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from None
        return actor_from_claims(claims, role_claim=self._role_claim, organisation_claim=self._organisation_claim)


    def _signing_key(self, kid: str) -> jwt.PyJWK:
        """The issuer's key ``kid``. Every way of not getting a usable key set (no connection, a
        timeout, an error status, an answer that is not JSON, such as an HTML error page, or
        JSON that is no key set) means no token can be checked now; a key set without this
        key means the token is not the issuer's."""
        try:
            return self._keys().get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as error:
            raise TokenKeysUnavailable(f"the issuer's keys could not be fetched: {error}") from None
        except (OSError, ValueError, http.client.HTTPException, jwt.PyJWKSetError) as error:
            raise TokenKeysUnavailable(f"the issuer's keys could not be read: {error}") from None
        except jwt.PyJWKClientError as error:
            if "Unable to find a signing key" in str(error):
                raise InvalidToken(f"no key of the issuer matches the token: {error}") from None
            # Not a JSON object, or no signing key in it.
            raise TokenKeysUnavailable(f"the issuer's keys are not a usable key set: {error}") from None
        except jwt.PyJWTError as error:
            raise InvalidToken(f"no key of the issuer matches the token: {error}") from None


class TokenCache:
    """The actors of tokens verified before, so a client that sends the same token on every
    request has its signature checked once: an entry holds until the token's ``exp`` and at most
    ``max_age`` seconds (a key the issuer withdrew stops counting then too); at most ``size``
    tokens are kept, the least recently used leave first. An entry counts only for the verifier
    that made it; a token that failed is never kept."""

    def __init__(self, size: int = 10_000, max_age: float = 300.0, clock: Callable[[], float] = time.time):
        self._size = size
        self._max_age = max_age
        self._clock = clock
        self._entries: OrderedDict[str, tuple[object, Actor, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, verifier: object, token: str) -> Actor | None:
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return None
            if entry[0] is not verifier or entry[2] <= self._clock():
                del self._entries[token]
                return None
            self._entries.move_to_end(token)
            return entry[1]

    def put(self, verifier: object, token: str, actor: Actor) -> None:
        try:  # the signature was checked by the verifier; only the expiry is read here
            expires = float(jwt.decode(token, options={"verify_signature": False})["exp"])
        except (jwt.PyJWTError, KeyError, TypeError, ValueError):
            return
        until = min(expires, self._clock() + self._max_age)
        with self._lock:
            self._entries[token] = (verifier, actor, until)
            self._entries.move_to_end(token)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def _claim(claims: dict[str, Any], path: str) -> Any:
    """A claim by name; a dotted name reaches into nested claims (``realm_access.roles``)."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def actor_from_claims(claims: dict[str, Any], *, role_claim: str, organisation_claim: str) -> Actor:
    """Who the token speaks for. The role claim may be a list: exactly one of its values must
    be a leerroute role."""
    raw_role = _claim(claims, role_claim)
    candidates = raw_role if isinstance(raw_role, list) else [raw_role]
    roles = [Role(r) for r in candidates if isinstance(r, str) and r in Role.__members__.values() and r != Role.SYSTEM]
    if len(roles) != 1:
        raise InvalidToken(f"the token's {role_claim} claim names no single leerroute role")
    role = roles[0]
    organisation = _claim(claims, organisation_claim)
    try:
        check_organisation(role, str(organisation) if isinstance(organisation, (str, int)) else "")
    except ValueError as error:
        raise InvalidToken(f"the token's role or organisation is not valid: {error}") from None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidToken("the token names no subject")
    return Actor(subject=subject, role=role, organisation=str(organisation))


def check_organisation(role: Role, organisation: str) -> None:
    """Each role belongs to a kind of organisation with its own kind of identifier."""
    if role is Role.SYSTEM:
        raise ValueError("the system role is leerroute's own and is never given to a caller")
    if role in (Role.KLANTMANAGER, Role.PRIVACY_OFFICER):
        validate_municipality_code(organisation)
    elif role is Role.EMPLOYER:
        validate_kvk(organisation)
    elif not organisation or len(organisation) > 64:
        raise ValueError("the organisation is 1 to 64 characters")
