"""Fixtures: the real app over httpx.ASGITransport on a real database.

Every test gets a fresh database: a copy of a once-migrated SQLite file, and,
when BACKORDERS_TEST_POSTGRES_URL is set, the same test again on a PostgreSQL
database made for this run (truncated between tests, dropped at the end).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from tortoise.backends.base.executor import EXECUTOR_CACHE

from backorders.app import create_app
from backorders.config import Settings
from backorders.db import migrate
from tests.servers import admin, with_database
from tests.support import Api, SqlCounter

POSTGRES_URL = os.environ.get("BACKORDERS_TEST_POSTGRES_URL")
TEST_SECRET = "test-secret-0123456789abcdef0123456789abcdef"
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=pytest.mark.skipif(
            not POSTGRES_URL,
            reason="BACKORDERS_TEST_POSTGRES_URL is not set: PostgreSQL runs skipped",
        ),
    ),
]
TABLES = [
    "stock_movement",
    "order_status_change",
    "idempotency_record",
    "order_charge",
    "sales_order_line",
    "sales_order",
    "sales_item",
    "customer",
    "setting",
    "counter",
]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    asyncio.run(migrate(f"sqlite://{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    assert POSTGRES_URL
    name = f"backorders_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(admin(POSTGRES_URL, f'CREATE DATABASE "{name}"'))
    url = with_database(POSTGRES_URL, name)
    try:
        asyncio.run(migrate(url))
        yield url
    finally:
        asyncio.run(admin(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "backorders.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite://{path}"
    url: str = request.getfixturevalue("postgres_database")
    asyncio.run(
        admin(
            url,
            f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE",
            "INSERT INTO counter (name, value) VALUES ('sales_order_number', 1000)",
        )
    )
    return url


def app_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(
        database_url=database_url,
        jwt_secret=TEST_SECRET,
        jwt_secret_file=tmp_path / "unused-secret",
        **overrides,
    )


@pytest.fixture
def settings(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """The test app's settings; `@pytest.mark.settings(name=value)` changes some."""
    overrides: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("settings"))):
        overrides.update(marker.kwargs)
    return app_settings(database_url, tmp_path, **overrides)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    # Tortoise caches INSERT statements per connection name and table, not per
    # dialect; a process that serves one backend never notices, but this one
    # alternates SQLite and PostgreSQL.
    EXECUTOR_CACHE.clear()
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client, TEST_SECRET)


@pytest.fixture
def sql_counter() -> Iterator[SqlCounter]:
    counter = SqlCounter()
    logger = logging.getLogger("tortoise.db_client")
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous)
