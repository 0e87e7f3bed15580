"""The SQLite engine: statements on the event loop's thread, COMMIT in a worker thread.

Guards the fast path of backorders/sqlite_inline.py (an aiosqlite thread hop
per statement would cost ten times the statement) and the one exception to
it (COMMIT waits for the disk, so it must not hold up the loop).
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from tortoise import connections

from backorders.sqlite_inline import InlineConnection
from tests.support import Api


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "backorders.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite://{path}"


async def test_statements_run_on_the_loop_thread_and_commit_off_it(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=10)
    connection = connections.get("default")._connection
    assert isinstance(connection, InlineConnection)
    ran: list[tuple[str, int]] = []
    connection._conn.set_trace_callback(
        lambda statement: ran.append((statement.split()[0].upper(), threading.get_ident()))
    )
    loop_thread = threading.get_ident()
    try:
        placed = await api.place([("CARD", 3)])
        detail = await api.gql('{ salesOrder(number: "1001") { lines { quotedQuantity } } }')
    finally:
        connection._conn.set_trace_callback(None)

    assert placed["userErrors"] == []
    assert detail["salesOrder"]["lines"] == [{"quotedQuantity": 3}]
    verbs = [verb for verb, _ in ran]
    assert {"BEGIN", "INSERT", "UPDATE", "SELECT", "COMMIT"} <= set(verbs), verbs
    off_the_loop = {verb for verb, thread in ran if thread != loop_thread}
    assert off_the_loop == {"COMMIT"}, ran


async def test_a_failed_transaction_leaves_nothing_behind(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=10, allow_backorder=False)

    refused = await api.place([("CARD", 3), ("CARD", 8)])

    assert [e["code"] for e in refused["userErrors"]] == ["INSUFFICIENT_STOCK"], refused
    item = await api.gql('{ salesItem(code: "CARD") { quantityOnHand availableQuantity } }')
    assert item["salesItem"] == {"quantityOnHand": 10, "availableQuantity": 10}
    assert (await api.gql("{ salesOrders(first: 5) { edges { cursor } } }")) == {
        "salesOrders": {"edges": []}
    }
