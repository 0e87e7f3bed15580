"""placeOrder over HTTP: numbering, reservations, Allow Backorder, bad input."""

from __future__ import annotations

from typing import Any

from tests.support import Api, order_numbers

PLACE = """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
  order { number } userErrors { code field } } }"""


async def _setup(api: Api, *items: tuple[str, int, bool]) -> None:
    await api.create_customer("ACME")
    for code, on_hand, allow_backorder in items:
        await api.create_item(code, on_hand=on_hand, allow_backorder=allow_backorder)


def _error_codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def _stock(api: Api, code: str) -> tuple[int, int]:
    item = await api.item(code)
    return item["quantityOnHand"], item["availableQuantity"]


# ------------------------------------------------------------- numbering


async def test_orders_are_numbered_from_1001_in_sequence(api: Api) -> None:
    await _setup(api, ("BC-STD", 100, True))

    first = await api.place([("BC-STD", 1)])
    second = await api.place([("BC-STD", 1)])

    assert first["order"]["number"] == "1001"
    assert second["order"]["number"] == "1002"
    assert await order_numbers(api) == ["1002", "1001"]


async def test_a_refused_order_takes_no_number(api: Api) -> None:
    await _setup(api, ("BC-STD", 100, True), ("FLYER", 5, False))

    assert (await api.place([("BC-STD", 1)]))["order"]["number"] == "1001"
    refused = await api.place([("FLYER", 6)])
    assert _error_codes(refused) == ["INSUFFICIENT_STOCK"]
    assert refused["order"] is None
    not_found = await api.place([("NO-SUCH-ITEM", 1)])
    assert _error_codes(not_found) == ["NOT_FOUND"]

    assert (await api.place([("BC-STD", 1)]))["order"]["number"] == "1002"
    assert await order_numbers(api) == ["1002", "1001"]


async def test_placed_orders_start_confirmed(api: Api) -> None:
    await _setup(api, ("BC-STD", 100, True))

    placed = await api.place([("BC-STD", 10)])

    assert placed["userErrors"] == []
    assert placed["order"]["status"] == "CONFIRMED"
    assert (await api.existing_order("1001"))["status"] == "CONFIRMED"


# ------------------------------------------------------------- reservations


async def test_placing_an_order_reserves_its_quantity(api: Api) -> None:
    await _setup(api, ("BC-STD", 100, True))

    await api.place([("BC-STD", 30)])
    assert await _stock(api, "BC-STD") == (100, 70)

    await api.place([("BC-STD", 25)])
    assert await _stock(api, "BC-STD") == (100, 45)


async def test_worked_example_20_on_hand_orders_of_5_12_and_7(api: Api) -> None:
    """The vendor's worked example: the second order sees 15 in stock, the third 3 (then -4)."""
    await _setup(api, ("BC-STD", 20, True))

    first = await api.place([("BC-STD", 5)])
    assert first["order"]["lines"][0]["inStockQuantity"] == 5
    assert (await api.item("BC-STD"))["availableQuantity"] == 15  # what the second order sees

    second = await api.place([("BC-STD", 12)])
    assert second["order"]["lines"][0]["inStockQuantity"] == 12
    assert (await api.item("BC-STD"))["availableQuantity"] == 3  # what the third order sees

    third = await api.place([("BC-STD", 7)])
    assert third["userErrors"] == []
    assert third["order"]["lines"][0]["inStockQuantity"] == 3
    item = await api.item("BC-STD")
    assert (item["quantityOnHand"], item["availableQuantity"]) == (20, -4)
    assert item["stockStatus"] == "ON_BACKORDER"

    for number, in_stock in (("1001", 5), ("1002", 12), ("1003", 3)):
        order = await api.existing_order(number)
        assert order["status"] == "CONFIRMED"
        assert order["lines"][0]["inStockQuantity"] == in_stock


async def test_item_without_allow_backorder_refuses_more_than_available(api: Api) -> None:
    await _setup(api, ("FLYER", 10, False))
    await api.place([("FLYER", 4)])

    refused = await api.place([("FLYER", 7)])

    assert _error_codes(refused) == ["INSUFFICIENT_STOCK"]
    assert refused["userErrors"][0]["field"] == "lines.0.quantity"
    assert refused["order"] is None
    assert await order_numbers(api) == ["1001"]
    assert await _stock(api, "FLYER") == (10, 6)


async def test_item_without_allow_backorder_accepts_exactly_what_is_available(api: Api) -> None:
    await _setup(api, ("FLYER", 10, False))
    await api.place([("FLYER", 4)])

    placed = await api.place([("FLYER", 6)])

    assert placed["userErrors"] == []
    assert placed["order"]["status"] == "CONFIRMED"
    assert await _stock(api, "FLYER") == (10, 0)
    assert _error_codes(await api.place([("FLYER", 1)])) == ["INSUFFICIENT_STOCK"]
    assert await _stock(api, "FLYER") == (10, 0)


async def test_item_without_allow_backorder_and_no_stock_refuses_any_quantity(api: Api) -> None:
    await _setup(api, ("FLYER", 0, False))

    assert _error_codes(await api.place([("FLYER", 1)])) == ["INSUFFICIENT_STOCK"]
    assert await order_numbers(api) == []


async def test_item_with_allow_backorder_accepts_any_positive_quantity(api: Api) -> None:
    await _setup(api, ("BC-STD", 0, True))

    placed = await api.place([("BC-STD", 100_000)])

    assert placed["userErrors"] == []
    assert placed["order"]["status"] == "CONFIRMED"
    assert placed["order"]["lines"][0]["inStockQuantity"] == 0
    assert await _stock(api, "BC-STD") == (0, -100_000)


async def test_two_lines_of_one_item_without_backorder_are_counted_together(api: Api) -> None:
    await _setup(api, ("FLYER", 10, False))

    refused = await api.place([("FLYER", 6), ("FLYER", 5)])
    assert _error_codes(refused) == ["INSUFFICIENT_STOCK"]
    assert await order_numbers(api) == []
    assert await _stock(api, "FLYER") == (10, 10)

    placed = await api.place([("FLYER", 6), ("FLYER", 4)])
    assert placed["userErrors"] == []
    assert [line["quotedQuantity"] for line in placed["order"]["lines"]] == [6, 4]
    assert await _stock(api, "FLYER") == (10, 0)


async def test_a_refused_line_leaves_the_other_lines_unreserved(api: Api) -> None:
    await _setup(api, ("BC-STD", 50, True), ("FLYER", 10, False))

    refused = await api.place([("BC-STD", 20), ("FLYER", 11)])

    assert _error_codes(refused) == ["INSUFFICIENT_STOCK"]
    assert refused["userErrors"][0]["field"] == "lines.1.quantity"
    assert await order_numbers(api) == []
    assert await _stock(api, "BC-STD") == (50, 50)
    assert await _stock(api, "FLYER") == (10, 10)


# ------------------------------------------------------------- stock status


async def test_stock_status_is_in_stock_while_something_is_available(api: Api) -> None:
    await _setup(api, ("BC-STD", 10, True), ("FLYER", 10, False))
    await api.place([("BC-STD", 9), ("FLYER", 9)])

    assert (await api.item("BC-STD"))["stockStatus"] == "IN_STOCK"
    assert (await api.item("FLYER"))["stockStatus"] == "IN_STOCK"


async def test_stock_status_is_on_backorder_when_a_backorder_item_has_none_available(
    api: Api,
) -> None:
    await _setup(api, ("NEVER", 0, True), ("BC-STD", 10, True))
    await api.place([("BC-STD", 10)])

    assert (await api.item("NEVER"))["stockStatus"] == "ON_BACKORDER"
    assert (await api.item("BC-STD"))["stockStatus"] == "ON_BACKORDER"  # available exactly 0
    await api.place([("BC-STD", 5)])
    assert (await api.item("BC-STD"))["stockStatus"] == "ON_BACKORDER"  # available -5


async def test_stock_status_is_out_of_stock_when_a_non_backorder_item_is_fully_reserved(
    api: Api,
) -> None:
    await _setup(api, ("FLYER", 10, False), ("EMPTY", 0, False))
    await api.place([("FLYER", 10)])

    flyer = await api.item("FLYER")
    assert (flyer["quantityOnHand"], flyer["availableQuantity"]) == (10, 0)
    assert flyer["stockStatus"] == "OUT_OF_STOCK"
    assert (await api.item("EMPTY"))["stockStatus"] == "OUT_OF_STOCK"


async def test_stock_status_is_visible_to_a_customer_without_stock_figures(api: Api) -> None:
    await _setup(api, ("BC-STD", 0, True))

    item = await api.item("BC-STD", roles=("Customer",), customer="ACME")

    assert item == {
        "code": "BC-STD",
        "stockStatus": "ON_BACKORDER",
        "quantityOnHand": None,
        "availableQuantity": None,
    }


# ------------------------------------------------------------- bad input


async def test_unknown_item_is_not_found_and_writes_nothing(api: Api) -> None:
    await _setup(api, ("BC-STD", 50, True))

    refused = await api.place([("BC-STD", 5), ("NO-SUCH-ITEM", 1)])

    assert refused["userErrors"] == [
        {"code": "NOT_FOUND", "message": "No such sales item.", "field": "lines.1.itemCode"}
    ]
    assert refused["order"] is None
    assert await order_numbers(api) == []
    assert await _stock(api, "BC-STD") == (50, 50)


async def test_unknown_customer_is_not_found_and_writes_nothing(api: Api) -> None:
    await _setup(api, ("BC-STD", 50, True))

    refused = await api.place([("BC-STD", 5)], customer="NOBODY")

    assert _error_codes(refused) == ["NOT_FOUND"]
    assert refused["userErrors"][0]["field"] == "customerCode"
    assert await order_numbers(api) == []
    assert await _stock(api, "BC-STD") == (50, 50)


async def test_an_order_without_lines_is_invalid_input(api: Api) -> None:
    await _setup(api)

    refused = await api.place([])

    assert _error_codes(refused) == ["INVALID_INPUT"]
    assert refused["userErrors"][0]["field"] == "lines"
    assert await order_numbers(api) == []


async def test_zero_or_negative_quantity_is_invalid_quantity_and_writes_nothing(api: Api) -> None:
    await _setup(api, ("BC-STD", 50, True))

    for quantity in (0, -1, -500):
        refused = await api.place([("BC-STD", 5), ("BC-STD", quantity)])
        assert _error_codes(refused) == ["INVALID_QUANTITY"]
        assert refused["userErrors"][0]["field"] == "lines.1.quantity"

    assert await order_numbers(api) == []
    assert await _stock(api, "BC-STD") == (50, 50)


async def test_quantity_beyond_the_service_limit_is_invalid_quantity(api: Api) -> None:
    await _setup(api, ("BC-STD", 0, True))

    refused = await api.place([("BC-STD", 1_000_001)])

    assert _error_codes(refused) == ["INVALID_QUANTITY"]
    assert await order_numbers(api) == []
    assert await _stock(api, "BC-STD") == (0, 0)


async def test_quantity_outside_graphql_int_is_a_validation_error_not_a_crash(api: Api) -> None:
    await _setup(api, ("BC-STD", 50, True))

    for quantity in (2**31, -(2**31) - 1, 10**20):
        errors = await api.errors(
            PLACE,
            {
                "i": {
                    "customerCode": "ACME",
                    "lines": [{"itemCode": "BC-STD", "quantity": quantity}],
                }
            },
        )
        assert all(
            error.get("extensions", {}).get("code") != "INTERNAL_SERVER_ERROR" for error in errors
        )
        assert "Int" in errors[0]["message"]

    literal = await api.errors(
        'mutation { placeOrder(input: {customerCode: "ACME",'
        ' lines: [{itemCode: "BC-STD", quantity: 2147483648}]})'
        " { order { number } userErrors { code } } }"
    )
    assert "Int" in literal[0]["message"]
    assert "Unexpected error" not in literal[0]["message"]

    assert await order_numbers(api) == []
    assert await _stock(api, "BC-STD") == (50, 50)
