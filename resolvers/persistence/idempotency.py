"""Run a mutation at most once per (principal, operation, idempotency key).

The principal is the whole caller (subject, roles and customer): two tokens
that share a `sub` have separate keys, so neither can replay the other's.

The claim row is inserted first, inside the mutation's own transaction, with
INSERT ... ON CONFLICT DO NOTHING. A retry racing the first attempt blocks on
the unique index (PostgreSQL) or on the transaction lock (SQLite) until the
first attempt ends: if it committed, the retry finds the stored result and
replays it; if it rolled back (userErrors), the retry's own claim succeeds and
it acts. Nothing is remembered for an attempt that changed nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from backorders.models import IdempotencyRecord
from backorders.resolvers.persistence.transactions import in_transaction
from backorders.resolvers.rules.access import Principal
from backorders.resolvers.rules.errors import DomainError, ErrorCode

MAX_KEY_LENGTH = 200
Result = dict[str, Any]


def canonical(value: Any) -> Any:
    """The request as the rules will read it: a retry writing "12.5" for "12.50" is the same."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return canonical(dataclasses.asdict(value))
    if isinstance(value, Decimal):
        normal = value.normalize()
        # Plain digits for amounts; an absurd exponent stays in its short form
        # (formatting 1E+999999999 as digits would take a gigabyte).
        exponent = normal.as_tuple().exponent
        plain = isinstance(exponent, int) and -30 < exponent < 30
        return format(normal, "f") if plain else str(normal)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return value


def request_fingerprint(request: Mapping[str, Any]) -> str:
    canonical_request = canonical(request)
    text = json.dumps(canonical_request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def validate_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"An idempotency key has 1 to {MAX_KEY_LENGTH} characters.",
            "idempotency_key",
        )
    return key


async def purge_expired(ttl: timedelta = timedelta(hours=24)) -> int:
    """Forget keys older than the retention; returns how many were dropped."""
    expired_before = datetime.now(UTC) - ttl
    return await IdempotencyRecord.filter(created_at__lt=expired_before).delete()


async def run_once(
    principal: Principal,
    operation: str,
    key: str | None,
    request: Mapping[str, Any],
    act: Callable[[], Awaitable[Result]],
    ttl: timedelta = timedelta(hours=24),
) -> Result:
    """Run `act` in one transaction, or replay the result it had under this key."""
    if key is None:
        async with in_transaction():
            return await act()
    validate_key(key)
    fingerprint = request_fingerprint(request)
    scope: dict[str, Any] = {"principal": principal.key, "operation": operation, "key": key}
    async with in_transaction():
        expired_before = datetime.now(UTC) - ttl
        await IdempotencyRecord.filter(**scope, created_at__lt=expired_before).delete()
        owner = uuid.uuid4().hex
        await IdempotencyRecord.bulk_create(
            [IdempotencyRecord(**scope, sub=principal.sub, request_hash=fingerprint, owner=owner)],
            ignore_conflicts=True,
        )
        record = await IdempotencyRecord.get(**scope)
        if record.owner != owner:
            if record.request_hash != fingerprint:
                raise DomainError(
                    ErrorCode.IDEMPOTENCY_CONFLICT,
                    "This idempotency key was already used with a different input.",
                    "idempotency_key",
                )
            return dict(record.result or {})
        result = await act()
        await IdempotencyRecord.filter(id=record.id).update(result=result)
        return result
