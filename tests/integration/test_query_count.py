"""The SQL statements one request issues do not grow with what it returns (data loaders).

Each test measures one list request against a small data set, grows the data
set tenfold, and measures the same request again: the statement counts must be
equal. The counter is reset right before each measured request, since the
setup requests issue SQL too.
"""

from __future__ import annotations

from typing import Any

from tests.support import Api, SqlCounter

ORDERS_PAGE = """{ salesOrders(first: 50) { edges { node {
  number status customer { code name }
  lines {
    item { code stockStatus quantityOnHand availableQuantity }
    quotedQuantity inStockQuantity unitPrice
  }
  canSplitRemaining backorderOf { number } backorders { number } charges { amount } total
} } } }"""
ITEMS_PAGE = """{ salesItems(first: 50) { edges { node {
  code name unitPrice allowBackorder stockStatus quantityOnHand availableQuantity
} } } }"""
ITEMS = ["CARD", "ENVELOPE", "FLYER"]


async def add_orders(api: Api, count: int, start: int) -> None:
    """Place `count` orders of 2-3 lines; every third is partly picked and split (with a charge)."""
    for n in range(start, start + count):
        lines = [(code, 5 + n % 4) for code in ITEMS[: 2 + n % 2]]
        placed = await api.place(lines, customer="ACME" if n % 2 else "BOLT")
        assert placed["userErrors"] == []
        order = placed["order"]
        if n % 3 == 0:
            first_line = order["lines"][0]["id"]
            assert (await api.pick(order["number"], [{"lineId": first_line, "quantity": 2}]))[
                "userErrors"
            ] == []
            split = await api.split(
                order["number"], status="PACKED", additionalShippingCharge="4.50"
            )
            assert split["userErrors"] == []
        elif n % 3 == 1:
            assert (
                await api.pick(
                    order["number"], [{"lineId": order["lines"][1]["id"], "quantity": 1}]
                )
            )["userErrors"] == []


async def measure(
    api: Api, sql_counter: SqlCounter, query: str, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    # The first request of a customer token checks once that its customer exists.
    await api.gql("{ __typename }", **kwargs)
    sql_counter.reset()
    data = await api.gql(query, **kwargs)
    return sql_counter.count, data


def nodes(data: dict[str, Any], field: str) -> list[dict[str, Any]]:
    return [edge["node"] for edge in data[field]["edges"]]


def assert_page_exercises_every_relation(orders: list[dict[str, Any]]) -> None:
    """The measured page must hold what the loaders batch, or the count proves nothing."""
    assert any(o["backorderOf"] for o in orders)
    assert any(o["backorders"] for o in orders)
    assert any(o["charges"] for o in orders)
    assert any(o["canSplitRemaining"] for o in orders)
    assert {len(o["lines"]) for o in orders} >= {2, 3}
    assert {o["customer"]["code"] for o in orders} == {"ACME", "BOLT"}
    assert all(line["inStockQuantity"] is not None for o in orders for line in o["lines"])


async def setup_store(api: Api) -> None:
    await api.create_customer("ACME", "Acme Print Co.")
    await api.create_customer("BOLT", "Bolt Stationers")
    for code in ITEMS:
        await api.create_item(code, on_hand=200, allow_backorder=True)


async def test_listing_orders_issues_as_many_statements_for_50_orders_as_for_5(
    api: Api, sql_counter: SqlCounter
) -> None:
    await setup_store(api)
    await add_orders(api, 5, start=0)
    few, small = await measure(api, sql_counter, ORDERS_PAGE)

    await add_orders(api, 45, start=5)
    many, large = await measure(api, sql_counter, ORDERS_PAGE)

    assert len(nodes(small, "salesOrders")) == 7  # 5 orders and the backorders of two
    assert len(nodes(large, "salesOrders")) == 50
    assert_page_exercises_every_relation(nodes(small, "salesOrders"))
    assert_page_exercises_every_relation(nodes(large, "salesOrders"))
    assert many == few, (few, many)


async def test_a_customer_listing_its_orders_issues_as_many_statements_for_50_as_for_5(
    api: Api, sql_counter: SqlCounter
) -> None:
    await setup_store(api)
    await add_orders(api, 10, start=0)
    customer = {"roles": ("Customer",), "customer": "ACME", "endpoint": "/spa/graphql"}
    query = ORDERS_PAGE.replace("quantityOnHand availableQuantity", "")
    few, small = await measure(api, sql_counter, query, **customer)

    await add_orders(api, 90, start=10)
    many, large = await measure(api, sql_counter, query, **customer)

    assert {o["customer"]["code"] for o in nodes(small, "salesOrders")} == {"ACME"}
    assert len(nodes(small, "salesOrders")) < 10 and len(nodes(large, "salesOrders")) == 50
    assert many == few, (few, many)


async def test_listing_items_issues_as_many_statements_for_50_items_as_for_5(
    api: Api, sql_counter: SqlCounter
) -> None:
    for n in range(5):
        await api.create_item(f"ITEM-{n:02d}", on_hand=n, allow_backorder=n % 2 == 0)
    few, small = await measure(api, sql_counter, ITEMS_PAGE)

    for n in range(5, 50):
        await api.create_item(f"ITEM-{n:02d}", on_hand=n % 3, allow_backorder=n % 2 == 0)
    many, large = await measure(api, sql_counter, ITEMS_PAGE)

    assert len(nodes(small, "salesItems")) == 5
    assert len(nodes(large, "salesItems")) == 50
    assert {i["stockStatus"] for i in nodes(large, "salesItems")} == {
        "IN_STOCK",
        "ON_BACKORDER",
        "OUT_OF_STOCK",
    }
    assert many == few, (few, many)
