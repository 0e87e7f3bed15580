"""Waiting on the database is bounded (PostgreSQL): a mutation stuck behind a row lock gives
up with a retryable CONFLICT_RETRY and changes nothing, and /healthz answers from its own
connection however many requests hold the pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from tests.operations import PLACE_NUMBER_CODES as PLACE
from tests.servers import asyncpg_url
from tests.support import Api

ORDER = {"i": {"customerCode": "ACME", "lines": [{"itemCode": "CARD", "quantity": 2}]}}
HANG_GUARD_SECONDS = 60  # not a measurement: only keeps a regression from hanging the suite


@pytest.fixture(autouse=True)
def postgres_only(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("row locks and lock timeouts are PostgreSQL's; SQLite has one writer")


@pytest.fixture
async def item_locked_elsewhere(api: Api, database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """Another session holds the CARD row lock until the test releases it."""
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=10, allow_backorder=False)
    connection = await asyncpg.connect(asyncpg_url(database_url))
    transaction = connection.transaction()
    await transaction.start()
    await connection.execute("SELECT id FROM sales_item WHERE code = 'CARD' FOR UPDATE")
    try:
        yield connection
    finally:
        if not connection.is_closed():
            await transaction.rollback()
            await connection.close()


async def release(connection: asyncpg.Connection) -> None:
    await connection.execute("ROLLBACK")
    await connection.close()


@pytest.mark.settings(db_lock_timeout_ms=200)
async def test_a_mutation_that_waits_too_long_for_a_lock_is_conflict_retry_and_changes_nothing(
    api: Api, item_locked_elsewhere: asyncpg.Connection
) -> None:
    response = await api.post(PLACE, ORDER)

    body: dict[str, Any] = response.json()
    assert response.status_code == 200
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "CONFLICT_RETRY"
    assert error["path"] == ["placeOrder"]

    await release(item_locked_elsewhere)
    assert (await api.item("CARD"))["availableQuantity"] == 10
    assert (await api.gql("{ salesOrders { edges { cursor } } }"))["salesOrders"]["edges"] == []
    retried = await api.gql(PLACE, ORDER)
    assert retried["placeOrder"] == {"order": {"number": "1001"}, "userErrors": []}


@pytest.mark.settings(db_lock_timeout_ms=0, db_statement_timeout_ms=200)
async def test_a_statement_running_past_its_time_is_timeout_and_changes_nothing(
    api: Api, item_locked_elsewhere: asyncpg.Connection
) -> None:
    response = await api.post(PLACE, ORDER)

    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "TIMEOUT"
    await release(item_locked_elsewhere)
    assert (await api.item("CARD"))["availableQuantity"] == 10


@pytest.mark.settings(db_pool_size=2, db_lock_timeout_ms=60_000)
async def sessions_waiting_for_the_lock(database_url: str, at_least: int) -> None:
    """Until the pool's connections are stuck behind the lock (then a moment for any others)."""
    admin = await asyncpg.connect(asyncpg_url(database_url))
    try:
        async with asyncio.timeout(HANG_GUARD_SECONDS):
            while (
                await admin.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted") < at_least
            ):
                await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
    finally:
        await admin.close()


async def test_healthz_answers_while_blocked_mutations_hold_every_pooled_connection(
    api: Api, item_locked_elsewhere: asyncpg.Connection, database_url: str
) -> None:
    # More blocked mutations than the pool (and than the old fixed pool of 5) has connections.
    mutations = [asyncio.create_task(api.post(PLACE, ORDER)) for _ in range(6)]
    await sessions_waiting_for_the_lock(database_url, at_least=2)
    health = asyncio.create_task(api.client.get("/healthz"))

    done, _ = await asyncio.wait(
        {health, *mutations}, timeout=HANG_GUARD_SECONDS, return_when=asyncio.FIRST_COMPLETED
    )

    assert done == {health}
    assert health.result().status_code == 200
    await release(item_locked_elsewhere)
    answers = await asyncio.gather(*mutations)
    assert all(answer.status_code == 200 for answer in answers)
    placed = [a.json()["data"]["placeOrder"] for a in answers]
    assert sum(1 for p in placed if p["order"]) == 5  # 10 on hand, 2 each, no backorders
    assert [p["userErrors"] for p in placed if not p["order"]] == [[{"code": "INSUFFICIENT_STOCK"}]]


async def test_an_order_is_quoted_at_the_price_committed_before_its_reservation(
    api: Api, database_url: str
) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=10, unit_price="15.00")
    repricing = await asyncpg.connect(asyncpg_url(database_url))
    try:
        transaction = repricing.transaction()
        await transaction.start()
        await repricing.execute("UPDATE sales_item SET unit_price = 20.00 WHERE code = 'CARD'")
        placing = asyncio.create_task(
            api.gql(
                """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
                     order { lines { unitPrice } total } userErrors { code } } }""",
                ORDER,
            )
        )
        await sessions_waiting_for_the_lock(database_url, at_least=1)
        await transaction.commit()
        placed = await placing
    finally:
        await repricing.close()

    assert placed["placeOrder"]["order"] == {"lines": [{"unitPrice": "20.00"}], "total": "40.00"}
