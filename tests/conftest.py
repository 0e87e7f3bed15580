"""Fixtures: the real app over httpx.ASGITransport on a real database.

Every test gets a fresh database: a copy of a once-migrated SQLite file, and,
when BACKORDERS_TEST_POSTGRES_URL is set, the same test again on a PostgreSQL
database made for this run (truncated between tests, dropped at the end).

Markers: `slow` is set on every test of `processes/`, `faults/` and `e2e/`
(real processes); `races` runs a test on PostgreSQL only, since SQLite's one
connection serialises every transaction and a race there cannot interleave.
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
from backorders.resolvers.reads.invariants import find_drifts
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
SEQUENCED = [t for t in TABLES if t not in ("setting", "counter")]


SLOW_FOLDERS = ("processes", "faults", "e2e")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        if any(here / folder in item.path.parents for folder in SLOW_FOLDERS):
            item.add_marker(pytest.mark.slow)
        callspec = getattr(item, "callspec", None)
        on_sqlite = callspec is not None and callspec.params.get("database_url") == "sqlite"
        (dropped if on_sqlite and item.get_closest_marker("races") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
async def invariants_hold_afterwards(app: object) -> AsyncIterator[None]:
    """Whatever the test did (or raced), `backorders check` finds no drift at the end."""
    yield
    assert await find_drifts() == []


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
    # DELETE is five times faster than TRUNCATE on tables this small.
    asyncio.run(
        admin(
            url,
            *(f"DELETE FROM {table}" for table in TABLES),
            *(f"ALTER SEQUENCE {table}_id_seq RESTART" for table in SEQUENCED),
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
