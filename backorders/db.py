"""Database wiring: the Tortoise config, migrations and the health probe."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as run_migrations

from backorders.models import MODEL_MODULES

APP_LABEL = "models"


def is_sqlite(database_url: str) -> bool:
    return database_url.startswith("sqlite")


def missing_sqlite_file(database_url: str) -> str | None:
    """Why an SQLite URL names no database yet (opening it would create an empty one)."""
    if not is_sqlite(database_url):
        return None
    path = database_url.split("://", 1)[1].split("?", 1)[0]
    if path == ":memory:" or Path(path).exists():
        return None
    return f"there is no database file {path!r} here"


HEALTH_CONNECTION = "health"


@dataclass(frozen=True)
class PoolSettings:
    """How many connections a process opens, and how long a statement may wait (PostgreSQL)."""

    size: int = 10
    lock_timeout_ms: int = 3000
    statement_timeout_ms: int = 8000


# Operators' tools (migrate, check) scan whole tables: no statement bounds for them.
UNBOUNDED = PoolSettings(size=2, lock_timeout_ms=0, statement_timeout_ms=0)


def _connection(database_url: str, pool: PoolSettings, size: int) -> dict[str, Any]:
    config = expand_db_url(database_url)
    if config["engine"] == "tortoise.backends.sqlite":
        config["engine"] = "backorders.sqlite_inline"
    if config["engine"] == "tortoise.backends.asyncpg":
        credentials = config["credentials"]
        credentials.setdefault("minsize", 1)
        credentials.setdefault("maxsize", size)
        # Server-side bounds on every statement of the pool's sessions: a
        # mutation stuck behind a row lock gives up (CONFLICT_RETRY) instead of
        # holding its connection while the pool drains.
        settings = dict(credentials.get("server_settings") or {})
        settings.setdefault("lock_timeout", str(pool.lock_timeout_ms))
        settings.setdefault("statement_timeout", str(pool.statement_timeout_ms))
        credentials["server_settings"] = settings
    return config


def tortoise_config(database_url: str, pool: PoolSettings | None = None) -> dict[str, Any]:
    pool = pool or PoolSettings()
    return {
        "connections": {
            "default": _connection(database_url, pool, pool.size),
            # Its own single connection: /healthz never queues behind requests
            # that hold every connection of the default pool.
            HEALTH_CONNECTION: _connection(database_url, pool, 1),
        },
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "migrations": "backorders.models.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# Any constant shared by every process of this service: pg_advisory_lock key.
MIGRATION_LOCK_KEY = 0x6261636B6F72


async def migrate(database_url: str) -> None:
    """Create or upgrade the schema to the latest migration, then close.

    On PostgreSQL, processes starting together (several hosts, each running
    `serve`) hold an advisory lock while migrating, so one applies the
    migrations and the others then find nothing left to do.
    """
    async with _migration_lock(database_url):
        try:
            await run_migrations(config=tortoise_config(database_url, UNBOUNDED))
        finally:
            await Tortoise.close_connections()


@asynccontextmanager
async def _migration_lock(database_url: str) -> AsyncIterator[None]:
    if is_sqlite(database_url):
        yield  # one file, one writer: SQLite serialises migrators itself
        return
    import asyncpg

    connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        try:
            yield
        finally:
            await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
    finally:
        await connection.close()


async def ping(timeout_seconds: float = 5.0) -> bool:
    """Whether the database answers `SELECT 1` within the timeout.

    Bounded, so a database that stops answering without closing connections
    (a partition) turns /healthz to 503 instead of hanging the probe.
    """
    try:
        await asyncio.wait_for(
            connections.get(HEALTH_CONNECTION).execute_query("SELECT 1"), timeout_seconds
        )
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False
    return True


async def check(database_url: str) -> list[str]:
    """The invariant drifts in the database at `database_url` (empty: all hold)."""
    from backorders.resolvers.reads.invariants import find_drifts

    await Tortoise.init(config=tortoise_config(database_url, UNBOUNDED))
    try:
        return await find_drifts()
    finally:
        await Tortoise.close_connections()
