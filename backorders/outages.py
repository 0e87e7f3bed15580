"""Recognising "the database cannot be reached" among the exceptions drivers raise."""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg
from tortoise.exceptions import DBConnectionError

_UNREACHABLE: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused, reset, broken pipe
    TimeoutError,  # connecting timed out
    DBConnectionError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,  # starting up or shutting down
    asyncpg.exceptions.AdminShutdownError,
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


def is_database_unavailable(error: BaseException) -> bool:
    return any(isinstance(e, _UNREACHABLE) or _closed_connection(e) for e in _chain(error))
