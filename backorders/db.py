"""Database wiring: the Tortoise config, migrations and the health probe."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate as run_migrations

from models import MODEL_MODULES

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


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": database_url},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "migrations": "models.migrations",
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
            await run_migrations(config=tortoise_config(database_url))
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
            connections.get("default").execute_query("SELECT 1"), timeout_seconds
        )
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False
    return True


async def check(database_url: str) -> list[str]:
    """The invariant drifts in the database at `database_url` (empty: all hold)."""
    from resolvers.invariants import find_drifts

    await Tortoise.init(config=tortoise_config(database_url))
    try:
        return await find_drifts()
    finally:
        await Tortoise.close_connections()
