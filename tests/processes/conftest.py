"""Fixtures: a fresh PostgreSQL database and real `backorders serve` processes on it.

Every test here needs PostgreSQL (several processes cannot share one SQLite
file); without BACKORDERS_TEST_POSTGRES_URL the whole package is skipped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.processes.support import POSTGRES_URL, SKIP_REASON, Client, Deployment, fresh_database

SERVERS = 2


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if POSTGRES_URL:
        return
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    """A migrated database of its own and two server processes on it, stopped and dropped after."""
    if not POSTGRES_URL:
        pytest.skip(SKIP_REASON)
    with fresh_database(POSTGRES_URL) as database_url:
        running = Deployment(database_url, tmp_path, SERVERS)
        try:
            running.migrate()
            running.start()
            yield running
        finally:
            running.stop()


@pytest.fixture
async def client(deployment: Deployment) -> AsyncIterator[Client]:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        yield Client(http, deployment)
