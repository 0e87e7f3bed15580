"""Bearer tokens: HS256 JWTs with `sub`, `roles`, `exp` and an optional `customer`."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from backorders.resolvers.rules.access import Principal, Role

ALGORITHM = "HS256"
MAX_SUB = 200


class AuthError(Exception):
    """The request carries no usable token; answered with HTTP 401."""


def issue_token(
    secret: str,
    sub: str,
    roles: list[str],
    customer: str | None = None,
    ttl: timedelta = timedelta(hours=12),
) -> str:
    claims: dict[str, Any] = {
        "sub": sub,
        "roles": roles,
        "exp": datetime.now(UTC) + ttl,
        "iat": datetime.now(UTC),
    }
    if customer:
        claims["customer"] = customer
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def principal_from_header(header: str | None, secret: str, leeway: int = 30) -> Principal:
    principal, _ = _verify(header, secret, leeway)
    return principal


class VerifiedTokens:
    """Tokens already verified, with their expiry: a client sends the same one all day.

    Verifying an HS256 token costs more than the rest of a small request's
    authentication; a token seen before is answered from here until it
    expires (its signature cannot change; its expiry is checked every time).
    """

    MAX = 4096

    def __init__(self, secret: str, leeway: int = 30) -> None:
        self.secret, self.leeway = secret, leeway
        self.verified: dict[str, tuple[Principal, float]] = {}

    def principal(self, header: str | None) -> Principal:
        if header is not None and (known := self.verified.get(header)) is not None:
            principal, expires = known
            if time.time() <= expires + self.leeway:
                return principal
            del self.verified[header]
        principal, expires = _verify(header, self.secret, self.leeway)
        if len(self.verified) >= self.MAX:
            self.verified.clear()
        assert header is not None  # _verify refuses a missing header
        self.verified[header] = (principal, expires)
        return principal


def _verify(header: str | None, secret: str, leeway: int) -> tuple[Principal, float]:
    if not header:
        raise AuthError("Missing Authorization header.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Authorization must be 'Bearer <token>'.")
    try:
        claims = jwt.decode(
            token.strip(),
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp"]},
            leeway=leeway,
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("The token has expired.") from None
    except jwt.PyJWTError:
        raise AuthError("The token is not valid.") from None
    return principal_from_claims(claims), float(claims["exp"])


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    sub, roles, customer = claims.get("sub"), claims.get("roles", []), claims.get("customer")
    if not isinstance(sub, str) or not sub or len(sub) > MAX_SUB:
        raise AuthError("The token's subject is not valid.")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise AuthError("The token's roles must be a list of role names.")
    if customer is not None and (not isinstance(customer, str) or not customer):
        raise AuthError("The token's customer must be a customer code.")
    if Role.CUSTOMER.value in roles and customer is None:
        raise AuthError("A Customer token must name its customer.")
    return Principal(sub=sub, roles=frozenset(roles), customer_code=customer)
