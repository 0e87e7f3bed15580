"""Recognising database failures that are not the caller's fault among the drivers' exceptions.

Three kinds get their own retryable answer instead of "Unexpected error.":
the database cannot be reached; a statement gave up waiting for a row lock
(or lost a deadlock); a statement ran past its time limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import asyncpg
from tortoise.exceptions import DBConnectionError

Failure = Literal["unavailable", "conflict", "timeout"]

_UNREACHABLE: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused, reset, broken pipe
    TimeoutError,  # connecting timed out
    DBConnectionError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,  # starting up or shutting down
    asyncpg.exceptions.AdminShutdownError,
)
_CONFLICT: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.LockNotAvailableError,  # lock_timeout
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
)
_TIMEOUT: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.QueryCanceledError,  # statement_timeout
)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, its causes and contexts, and exceptions Tortoise wraps in its args."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        pending.extend(a for a in current.args if isinstance(a, BaseException))


def _closed_connection(error: BaseException) -> bool:
    # asyncpg's InterfaceError also covers misuse (a bug, not an outage).
    return isinstance(error, asyncpg.exceptions.InterfaceError) and "closed" in str(error)


def database_failure(error: BaseException) -> Failure | None:
    """Which retryable database failure `error` is (or was caused by), if any."""
    chain = list(_chain(error))
    if any(isinstance(e, _CONFLICT) for e in chain):
        return "conflict"
    if any(isinstance(e, _TIMEOUT) for e in chain):
        return "timeout"
    if any(isinstance(e, _UNREACHABLE) or _closed_connection(e) for e in chain):
        return "unavailable"
    return None


def is_database_unavailable(error: BaseException) -> bool:
    return database_failure(error) == "unavailable"
