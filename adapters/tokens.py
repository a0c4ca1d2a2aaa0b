"""Bearer tokens (JWT): verification of every request and development tokens for the CLI.

The embedded default signs and verifies with a shared secret (HS256) from configuration.
Tokens must name ``sub``, ``role`` and ``org`` and carry a valid ``exp``, ``iss`` and ``aud``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from domain.values import Actor, Role, validate_kvk, validate_municipality_code


class InvalidToken(Exception):
    pass


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
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from None
        try:
            role = Role(claims.get("role"))
            organisation = str(claims.get("org", ""))
            check_organisation(role, organisation)
        except ValueError as error:
            raise InvalidToken(f"the token's role or organisation is not valid: {error}") from None
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject:
            raise InvalidToken("the token names no subject")
        return Actor(subject=subject, role=role, organisation=organisation)


def check_organisation(role: Role, organisation: str) -> None:
    """Each role belongs to a kind of organisation with its own kind of identifier."""
    if role is Role.SYSTEM:
        raise ValueError("the system role is leerroute's own and is never given to a caller")
    if role is Role.KLANTMANAGER:
        validate_municipality_code(organisation)
    elif role is Role.EMPLOYER:
        validate_kvk(organisation)
    elif not organisation or len(organisation) > 64:
        raise ValueError("the organisation is 1 to 64 characters")
