"""The fast paths stay: counted, never timed.

A repeated document is parsed and validated once; plain fields are plain
attributes (no resolver call); the stock setting is read once per request;
the hot requests send a fixed, small number of statements, and a mutation's
response reads back nothing it has just written.
"""

from __future__ import annotations

from typing import Any

import graphql
import pytest
from strawberry.types.base import get_object_definition
from strawberry.utils.str_converters import to_camel_case

from backorders.schema import execution
from backorders.schema.types import (
    CustomerType,
    OrderChargeType,
    SalesItemType,
    SalesOrderLineType,
    SalesOrderType,
    StockMovementType,
)
from tests.support import Api, SqlCounter

ORDER_DETAIL = """query($n: String!) { salesOrder(number: $n) { number status
  customer { code name } total canSplitRemaining
  lines { id quotedQuantity pickedQuantity outstandingQuantity inStockQuantity unitPrice
    item { code name stockStatus quantityOnHand availableQuantity } } } }"""
ITEMS_PAGE = """{ salesItems(first: 50) { edges { node {
  code name unitPrice allowBackorder stockStatus quantityOnHand availableQuantity } } } }"""
PLACE = """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
  order { number status total lines { id quotedQuantity inStockQuantity item { code } } }
  userErrors { code } } }"""
PICK = """mutation($i: PickOrderInput!) { pickOrder(input: $i) {
  order { number status lines { pickedQuantity outstandingQuantity } } userErrors { code } } }"""


async def stocked(api: Api) -> None:
    await api.create_customer("ACME")
    for code in ("CARD", "INK", "PAPER"):
        await api.create_item(code, on_hand=100)


def test_plain_fields_resolve_without_a_resolver() -> None:
    """Strawberry reads a basic field as an attribute: no resolver, no Info, no awaitable."""
    relations = {"backorderOf", "backorders", "item", "order"}  # loaded through loaders
    for type_ in (
        CustomerType,
        SalesItemType,
        SalesOrderLineType,
        OrderChargeType,
        SalesOrderType,
        StockMovementType,
    ):
        definition = get_object_definition(type_, strict=True)
        for field in definition.fields:
            name = field.graphql_name or to_camel_case(field.python_name)
            if (
                type_ is StockMovementType
                and name in relations
                or (type_ is SalesOrderType and name in relations)
            ):
                assert not field.is_basic_field, name
            else:
                assert field.is_basic_field, f"{type_.__name__}.{name} has a resolver"


async def test_a_repeated_document_is_parsed_and_validated_once(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await stocked(api)
    calls: dict[str, int] = {"parse": 0, "validate": 0}

    def counting(name: str, real: Any) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return real(*args, **kwargs)

        return counted

    monkeypatch.setattr(execution, "parse", counting("parse", graphql.parse))
    monkeypatch.setattr(execution, "validate", counting("validate", graphql.validate))

    for _ in range(5):
        await api.gql(ITEMS_PAGE)

    assert calls == {"parse": 1, "validate": 1}


async def test_the_stock_setting_is_read_once_for_a_page_of_fifty_items(
    api: Api, sql_counter: SqlCounter
) -> None:
    for n in range(50):
        await api.create_item(f"ITEM-{n:02d}", on_hand=n)

    sql_counter.reset()
    data = await api.gql(ITEMS_PAGE)

    assert len(data["salesItems"]["edges"]) == 50
    settings = [s for s in sql_counter.statements if '"setting"' in s or " setting " in s]
    assert len(settings) == 1
    assert sql_counter.count == 2  # the setting, the page


async def test_an_order_detail_takes_five_statements(api: Api, sql_counter: SqlCounter) -> None:
    await stocked(api)
    await api.place([("CARD", 3), ("INK", 2), ("PAPER", 1)])
    await api.gql("{ __typename }")

    sql_counter.reset()
    await api.gql(ORDER_DETAIL, {"n": "1001"})

    # the setting; the order with its customer; lines with their items; charges; shares
    assert sql_counter.count == 5, sql_counter.statements


async def test_place_order_reads_back_nothing_it_wrote(api: Api, sql_counter: SqlCounter) -> None:
    await stocked(api)
    lines = [{"itemCode": code, "quantity": 2} for code in ("CARD", "INK", "PAPER")]

    sql_counter.reset()
    data = await api.gql(
        PLACE, {"i": {"customerCode": "ACME", "lines": lines, "idempotencyKey": "k"}}
    )

    assert data["placeOrder"]["userErrors"] == []
    assert [line["inStockQuantity"] for line in data["placeOrder"]["order"]["lines"]] == [2, 2, 2]
    # the setting; claim the key; customer; items locked; 3 reservations; order; lines;
    # history; number; store the result
    assert sql_counter.count == 13, sql_counter.statements
    assert not any(
        s.startswith("SELECT") and "sales_order_line" in s for s in sql_counter.statements
    )


async def test_a_picker_naming_a_quantity_reads_no_shares_and_nothing_back(
    api: Api, sql_counter: SqlCounter
) -> None:
    await stocked(api)
    placed = await api.place([("CARD", 3)])
    line = placed["order"]["lines"][0]["id"]

    sql_counter.reset()
    data = await api.gql(
        PICK,
        {
            "i": {
                "orderNumber": "1001",
                "lines": [{"lineId": line, "quantity": 1}],
                "idempotencyKey": "pick-1",
            }
        },
    )

    assert data["pickOrder"]["order"]["lines"] == [{"pickedQuantity": 1, "outstandingQuantity": 2}]
    # claim; order locked; lines; item locked; stock; line; movement; status; result
    assert sql_counter.count == 9, sql_counter.statements
