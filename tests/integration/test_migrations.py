"""Upgrading a database from 0001 (before the ledger) to 0002 (the ledger).

Each test builds its own database (not the shared fixtures): migrated only to
0001_initial, filled with raw SQL the way the 0001-era service left it, then
upgraded with `backorders.db.migrate`. The upgrade must leave every invariant
of `backorders check` holding, with an opening balance and a PICK movement
explaining the stock that was already there.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.migrations.api import migrate as run_migrations

from backorders import db
from backorders.app import create_app
from backorders.config import Settings
from backorders.models import SalesOrderLine, StockMovement
from tests.conftest import BACKENDS, POSTGRES_URL
from tests.servers import admin, with_database
from tests.support import Api

SECRET = "migration-test-secret-0123456789abcdef0123456789"

# The 0001-era story, as that service would have left it:
#   BC-STD (backorders allowed): 500 received, 1001 ordered 600, picked 500 and
#     split (1001 PICKED, 1001-001 ON_BACKORDER with 100), then 30 received;
#     1002 also ordered 20 of it: on hand 30, reserved 100 + 20.
#   LH-A4 (no backorders): 40 received, 1002 ordered 10 and picked 4 so far:
#     on hand 36, reserved 6.
#   ENV-DL: never stocked, never ordered.
PRE_LEDGER_STORY = [
    "INSERT INTO customer (id, code, name, created_at) "
    "VALUES (1, 'ACME', 'Acme Print Co.', CURRENT_TIMESTAMP)",
    "INSERT INTO sales_item (id, code, name, unit_price, allow_backorder, on_hand, reserved, "
    "created_at, updated_at) VALUES "
    "(1, 'BC-STD', 'Business cards', '15.00', TRUE, 30, 120, CURRENT_TIMESTAMP, "
    "CURRENT_TIMESTAMP), "
    "(2, 'LH-A4', 'Letterhead', '42.50', FALSE, 36, 6, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(3, 'ENV-DL', 'Envelopes', '28.00', TRUE, 0, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO sales_order (id, number, root_number, suffix, last_backorder_suffix, status, "
    "customer_id, reference, backorder_of_id, created_at, updated_at) VALUES "
    "(1, '1001', 1001, 0, 1, 'PICKED', 1, 'PO-1', NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(2, '1002', 1002, 0, 0, 'CONFIRMED', 1, '', NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(3, '1001-001', 1001, 1, 0, 'ON_BACKORDER', 1, 'PO-1', 1, CURRENT_TIMESTAMP, "
    "CURRENT_TIMESTAMP)",
    "INSERT INTO sales_order_line (id, order_id, item_id, quoted, picked, unit_price) VALUES "
    "(1, 1, 1, 500, 500, '15.00'), "
    "(2, 2, 2, 10, 4, '42.50'), "
    "(3, 2, 1, 20, 0, '15.00'), "
    "(4, 3, 1, 100, 0, '15.00')",
    "UPDATE counter SET value = 1002 WHERE name = 'sales_order_number'",
]
# PostgreSQL's sequences do not see explicit ids: move them past the story.
POSTGRES_SEQUENCES = [
    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
    for table in ("customer", "sales_item", "sales_order", "sales_order_line")
]


@pytest.fixture(params=BACKENDS)
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own, with no schema at all."""
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'upgrade.sqlite3'}"
        return
    assert POSTGRES_URL
    name = f"backorders_upgrade_{uuid.uuid4().hex[:12]}"
    await admin(POSTGRES_URL, f'CREATE DATABASE "{name}"')
    try:
        yield with_database(POSTGRES_URL, name)
    finally:
        await admin(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def migrate_to_0001(url: str) -> None:
    EXECUTOR_CACHE.clear()  # Tortoise caches SQL per connection name, not per dialect
    try:
        await run_migrations(config=db.tortoise_config(url), target="models.0001_initial")
    finally:
        await Tortoise.close_connections()


async def run_sql(url: str, statements: list[str]) -> None:
    if db.is_sqlite(url):
        connection = sqlite3.connect(url.removeprefix("sqlite://"))
        try:
            with connection:
                for statement in statements:
                    connection.execute(statement)
        finally:
            connection.close()
    else:
        await admin(url, *statements, *POSTGRES_SEQUENCES)


async def upgrade(url: str) -> None:
    EXECUTOR_CACHE.clear()
    await db.migrate(url)


async def check(url: str) -> list[str]:
    EXECUTOR_CACHE.clear()
    return await db.check(url)


async def read(url: str) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """(every movement, ordered per line id) read through the models."""
    EXECUTOR_CACHE.clear()
    await Tortoise.init(config=db.tortoise_config(url))
    try:
        movements = (
            await StockMovement.all()
            .order_by("id")
            .values(
                "item__code", "quantity", "reason", "order__number", "line_id", "reference", "actor"
            )
        )
        ordered = dict(await SalesOrderLine.all().values_list("id", "ordered"))
    finally:
        await Tortoise.close_connections()
    return movements, ordered


def brief(movements: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {
        (m["item__code"], m["quantity"], str(m["reason"]), m["order__number"], m["line_id"])
        for m in movements
    }


# ------------------------------------------------------------ tests


async def test_upgrading_pre_ledger_data_adds_opening_balances_and_picks_so_check_holds(
    empty_url: str,
) -> None:
    await migrate_to_0001(empty_url)
    await run_sql(empty_url, PRE_LEDGER_STORY)

    await upgrade(empty_url)

    assert await check(empty_url) == []
    movements, ordered = await read(empty_url)
    assert brief(movements) == {
        ("BC-STD", 530, "ADJUSTMENT", None, None),  # 30 on hand + 500 picked before
        ("LH-A4", 40, "ADJUSTMENT", None, None),  # 36 on hand + 4 picked before
        ("BC-STD", -500, "PICK", "1001", 1),
        ("LH-A4", -4, "PICK", "1002", 2),
    }
    assert len(movements) == 4  # nothing for ENV-DL, nothing for unpicked lines
    assert {m["actor"] for m in movements} == {"migration 0002"}
    assert ordered == {1: 500, 2: 10, 3: 20, 4: 100}


async def test_upgrading_an_empty_0001_database_writes_no_movement(empty_url: str) -> None:
    await migrate_to_0001(empty_url)

    await upgrade(empty_url)

    assert await check(empty_url) == []
    assert await read(empty_url) == ([], {})


async def test_migrate_after_the_upgrade_changes_nothing_more(empty_url: str) -> None:
    await migrate_to_0001(empty_url)
    await run_sql(empty_url, PRE_LEDGER_STORY)
    await upgrade(empty_url)
    upgraded = await read(empty_url)

    await upgrade(empty_url)

    assert await read(empty_url) == upgraded
    assert await check(empty_url) == []


async def test_the_upgraded_data_keeps_working_and_check_keeps_holding(
    empty_url: str, tmp_path: Path
) -> None:
    await migrate_to_0001(empty_url)
    await run_sql(empty_url, PRE_LEDGER_STORY)
    await upgrade(empty_url)

    EXECUTOR_CACHE.clear()
    settings = Settings(
        database_url=empty_url, jwt_secret=SECRET, jwt_secret_file=tmp_path / "unused"
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            api = Api(http, SECRET)
            # 1002 picks LH-A4's last 6 and splits its untouched BC-STD line off whole.
            order = await api.existing_order("1002")
            lh = next(line["id"] for line in order["lines"] if line["item"]["code"] == "LH-A4")
            picked = await api.pick("1002", [{"lineId": lh, "quantity": 6}])
            assert picked["userErrors"] == []
            assert (await api.split("1002"))["backorder"]["number"] == "1002-001"
            assert (await api.confirm("1001-001"))["userErrors"] == []
            await api.receive("BC-STD", 75)
            assert (await api.pick("1001-001"))["order"]["status"] == "PICKED"  # 100 of 105
            placed = await api.place([("BC-STD", 3)])
            assert placed["order"]["number"] == "1003"
            item = await api.item("BC-STD")
            assert (item["quantityOnHand"], item["availableQuantity"]) == (5, 5 - 20 - 3)

    assert await check(empty_url) == []
    movements, _ = await read(empty_url)
    assert ("BC-STD", -100, "PICK", "1001-001", 4) in brief(movements)
