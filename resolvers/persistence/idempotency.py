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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from backorders.models import IdempotencyRecord
from backorders.resolvers.persistence.sql import execute, fetch, returning, timestamp
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


@dataclass(frozen=True)
class Outcome:
    """What a use case did: the ids of what it changed (remembered under the key) and,
    when it holds them, the rows as the response shows them (never remembered).
    """

    ids: Result
    written: Any = None


CLAIM = (
    "INSERT INTO idempotency_record "
    "(principal, sub, operation, key, request_hash, owner, result, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, NULL, ?) "
    "ON CONFLICT (principal, operation, key) DO NOTHING RETURNING id"
)
FIND = (
    "SELECT id, request_hash, result, created_at FROM idempotency_record "
    "WHERE principal = ? AND operation = ? AND key = ?"
)


async def run_once(
    principal: Principal,
    operation: str,
    key: str | None,
    request: Mapping[str, Any],
    act: Callable[[], Awaitable[Result | Outcome]],
    ttl: timedelta = timedelta(hours=24),
) -> Outcome:
    """Run `act` in one transaction, or replay the result it had under this key.

    The claim is one INSERT ... ON CONFLICT DO NOTHING RETURNING: a row back
    means the key is ours (the usual case, one statement); none means another
    attempt holds it, and its row is read (an expired one is forgotten first).
    """
    if key is None:
        async with in_transaction():
            return _outcome(await act())
    validate_key(key)
    fingerprint = request_fingerprint(request)
    scope = (principal.key, principal.sub, operation, key, fingerprint, uuid.uuid4().hex)
    async with in_transaction():
        now = datetime.now(UTC)
        claimed = await returning(CLAIM, *scope, now)
        if not claimed:
            [(record_id, request_hash, stored, created_at)] = await fetch(
                FIND, principal.key, operation, key
            )
            if timestamp(created_at) >= now - ttl:
                if request_hash != fingerprint:
                    raise DomainError(
                        ErrorCode.IDEMPOTENCY_CONFLICT,
                        "This idempotency key was already used with a different input.",
                        "idempotency_key",
                    )
                return Outcome(_stored(stored))
            # Kept past its retention: forgotten, and claimed anew.
            await execute("DELETE FROM idempotency_record WHERE id = ?", record_id)
            claimed = await returning(CLAIM, *scope, now)
        outcome = _outcome(await act())
        await execute(
            "UPDATE idempotency_record SET result = ? WHERE id = ?",
            json.dumps(outcome.ids, separators=(",", ":")),
            claimed[0][0],
        )
        return outcome


def _outcome(result: Result | Outcome) -> Outcome:
    return result if isinstance(result, Outcome) else Outcome(result)


def _stored(value: Any) -> Result:
    """The remembered ids: JSON text (or already decoded, by some drivers)."""
    if value is None:
        return {}
    return dict(json.loads(value) if isinstance(value, str) else value)
