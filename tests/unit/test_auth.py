"""Bearer tokens: issuing them and turning an Authorization header into a caller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from backorders.auth import MAX_SUB, AuthError, issue_token, principal_from_header
from backorders.resolvers.rules.access import Principal

SECRET = "unit-secret-0123456789abcdef0123456789abcdef"
OTHER_SECRET = "other-secret-0123456789abcdef0123456789abcdef"


def bearer(token: str) -> str:
    return f"Bearer {token}"


def signed(claims: dict[str, Any], secret: str = SECRET, **kwargs: Any) -> str:
    full = {"exp": datetime.now(UTC) + timedelta(hours=1), **claims}
    return jwt.encode(full, secret, algorithm=kwargs.pop("algorithm", "HS256"), **kwargs)


def test_issued_token_reads_back_as_the_same_caller() -> None:
    token = issue_token(SECRET, "alice", ["Sales", "Warehouse"])
    assert principal_from_header(bearer(token), SECRET) == Principal(
        sub="alice", roles=frozenset({"Sales", "Warehouse"}), customer_code=None
    )


def test_customer_token_carries_its_customer() -> None:
    token = issue_token(SECRET, "shop-user", ["Customer"], customer="ACME")
    caller = principal_from_header(bearer(token), SECRET)
    assert caller.customer_code == "ACME"
    assert caller.is_customer_only


def test_bearer_scheme_is_case_insensitive() -> None:
    token = issue_token(SECRET, "alice", ["Sales"])
    assert principal_from_header(f"bearer {token}", SECRET).sub == "alice"


@pytest.mark.parametrize("header", [None, ""])
def test_missing_header_is_refused(header: str | None) -> None:
    with pytest.raises(AuthError):
        principal_from_header(header, SECRET)


@pytest.mark.parametrize("scheme", ["Basic", "Token", "JWT", "Bearer:"])
def test_wrong_scheme_is_refused(scheme: str) -> None:
    token = issue_token(SECRET, "alice", ["Sales"])
    with pytest.raises(AuthError):
        principal_from_header(f"{scheme} {token}", SECRET)


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer    "])
def test_bearer_without_token_is_refused(header: str) -> None:
    with pytest.raises(AuthError):
        principal_from_header(header, SECRET)


def test_token_signed_with_another_secret_is_refused() -> None:
    token = issue_token(OTHER_SECRET, "alice", ["Administrator"])
    with pytest.raises(AuthError):
        principal_from_header(bearer(token), SECRET)


def test_tampered_claims_are_refused() -> None:
    header, _, signature = issue_token(SECRET, "alice", ["Sales"]).split(".")
    forged_claims = jwt.utils.base64url_encode(
        b'{"sub":"alice","roles":["Administrator"],"exp":9999999999}'
    ).decode()
    with pytest.raises(AuthError):
        principal_from_header(bearer(f"{header}.{forged_claims}.{signature}"), SECRET)


def test_unsigned_token_is_refused() -> None:
    token = jwt.encode(
        {"sub": "alice", "roles": ["Administrator"], "exp": datetime.now(UTC) + timedelta(hours=1)},
        None,
        algorithm="none",
    )
    with pytest.raises(AuthError):
        principal_from_header(bearer(token), SECRET)


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "...", "ü"])
def test_malformed_token_is_refused(token: str) -> None:
    with pytest.raises(AuthError):
        principal_from_header(bearer(token), SECRET)


def test_expired_token_is_refused() -> None:
    token = issue_token(SECRET, "alice", ["Sales"], ttl=-timedelta(minutes=10))
    with pytest.raises(AuthError, match="expired"):
        principal_from_header(bearer(token), SECRET, leeway=30)


def test_token_just_past_expiry_is_accepted_within_the_leeway() -> None:
    token = issue_token(SECRET, "alice", ["Sales"], ttl=-timedelta(seconds=5))
    assert principal_from_header(bearer(token), SECRET, leeway=600).sub == "alice"


def test_token_without_expiry_is_refused() -> None:
    token = jwt.encode({"sub": "alice", "roles": ["Sales"]}, SECRET, algorithm="HS256")
    with pytest.raises(AuthError):
        principal_from_header(bearer(token), SECRET)


@pytest.mark.parametrize("sub", [None, "", 42])
def test_token_without_a_usable_subject_is_refused(sub: Any) -> None:
    claims: dict[str, Any] = {"roles": ["Sales"]}
    if sub is not None:
        claims["sub"] = sub
    with pytest.raises(AuthError):
        principal_from_header(bearer(signed(claims)), SECRET)


def test_over_long_subject_is_refused() -> None:
    with pytest.raises(AuthError):
        principal_from_header(bearer(issue_token(SECRET, "x" * (MAX_SUB + 1), ["Sales"])), SECRET)
    longest = "x" * MAX_SUB
    assert (
        principal_from_header(bearer(issue_token(SECRET, longest, ["Sales"])), SECRET).sub
        == longest
    )


@pytest.mark.parametrize(
    "roles", ["Sales", "Sales,Warehouse", {"Sales": True}, ["Sales", 1], [None]]
)
def test_roles_that_are_not_a_list_of_names_are_refused(roles: Any) -> None:
    with pytest.raises(AuthError):
        principal_from_header(bearer(signed({"sub": "alice", "roles": roles})), SECRET)


def test_token_without_roles_is_a_caller_with_no_roles() -> None:
    caller = principal_from_header(bearer(signed({"sub": "alice"})), SECRET)
    assert caller.roles == frozenset()
    assert not caller.is_staff


def test_customer_role_without_customer_is_refused() -> None:
    with pytest.raises(AuthError):
        principal_from_header(bearer(issue_token(SECRET, "shop-user", ["Customer"])), SECRET)


@pytest.mark.parametrize("customer", ["", 42, ["ACME"]])
def test_customer_claim_that_is_not_a_code_is_refused(customer: Any) -> None:
    token = signed({"sub": "shop-user", "roles": ["Customer"], "customer": customer})
    with pytest.raises(AuthError):
        principal_from_header(bearer(token), SECRET)
