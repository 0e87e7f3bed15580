"""Run a mutation at most once per (caller, operation, idempotency key).

The claim row is inserted first, inside the mutation's own transaction, with
INSERT ... ON CONFLICT DO NOTHING. A retry racing the first attempt blocks on
the unique index (PostgreSQL) or on the transaction lock (SQLite) until the
first attempt ends: if it committed, the retry finds the stored result and
replays it; if it rolled back (userErrors), the retry's own claim succeeds and
it acts. Nothing is remembered for an attempt that changed nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from models import IdempotencyRecord
from resolvers.access import Principal
from resolvers.errors import DomainError, ErrorCode
from resolvers.transactions import in_transaction

MAX_KEY_LENGTH = 200
Result = dict[str, Any]


def request_fingerprint(request: Mapping[str, Any]) -> str:
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def validate_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"An idempotency key has 1 to {MAX_KEY_LENGTH} characters.",
            "idempotencyKey",
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
    scope: dict[str, Any] = {"sub": principal.sub, "operation": operation, "key": key}
    async with in_transaction():
        expired_before = datetime.now(UTC) - ttl
        await IdempotencyRecord.filter(**scope, created_at__lt=expired_before).delete()
        owner = uuid.uuid4().hex
        await IdempotencyRecord.bulk_create(
            [IdempotencyRecord(**scope, request_hash=fingerprint, owner=owner)],
            ignore_conflicts=True,
        )
        record = await IdempotencyRecord.get(**scope)
        if record.owner != owner:
            if record.request_hash != fingerprint:
                raise DomainError(
                    ErrorCode.IDEMPOTENCY_CONFLICT,
                    "This idempotency key was already used with a different input.",
                    "idempotencyKey",
                )
            return dict(record.result or {})
        result = await act()
        await IdempotencyRecord.filter(id=record.id).update(result=result)
        return result
