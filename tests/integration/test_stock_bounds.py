"""Quantities are bounded: one line by BACKORDERS_MAX_LINE_QUANTITY, every stock counter by
the 32-bit `Int` the schema carries. A change that would break either is INVALID_QUANTITY
and changes nothing; the figures stay readable to staff afterwards.
"""

from __future__ import annotations

from typing import Any

import pytest
from tortoise import connections

from backorders.resolvers.reads.invariants import find_drifts
from tests.operations import PLACE_NUMBER as PLACE
from tests.support import Api

TOP = 2**31 - 1
RECEIVE = """mutation($i: ReceiveStockInput!) { receiveStock(input: $i) {
  salesItem { quantityOnHand } userErrors { code field message } } }"""
ADJUST = """mutation($i: AdjustStockInput!) { adjustStock(input: $i) {
  salesItem { quantityOnHand } userErrors { code field message } } }"""
ITEM = """query($c: String!) { salesItem(code: $c) { quantityOnHand availableQuantity } }"""


pytestmark = pytest.mark.settings(max_line_quantity=TOP)


async def payload(api: Api, mutation: str, input_: dict[str, Any], **kwargs: Any) -> Any:
    (result,) = (await api.gql(mutation, {"i": input_}, **kwargs)).values()
    return result


def order(quantity: int, item: str = "INK") -> dict[str, Any]:
    return {"customerCode": "ACME", "lines": [{"itemCode": item, "quantity": quantity}]}


@pytest.mark.settings(max_line_quantity=50)
async def test_a_line_over_the_configured_maximum_is_invalid_quantity(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("INK", allow_backorder=True)

    refused = await payload(api, PLACE, order(51))
    accepted = await payload(api, PLACE, order(50))
    customer = await payload(
        api, PLACE, {"lines": order(51)["lines"]}, roles=("Customer",), customer="ACME"
    )

    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("INVALID_QUANTITY", "lines.0.quantity")
    ]
    assert "between 1 and 50" in refused["userErrors"][0]["message"]
    assert accepted == {"order": {"number": "1001"}, "userErrors": []}
    assert [e["code"] for e in customer["userErrors"]] == ["INVALID_QUANTITY"]


@pytest.mark.settings(max_line_quantity=50)
async def test_receipts_and_adjustments_are_bounded_by_the_same_maximum(api: Api) -> None:
    await api.create_item("INK")

    received = await payload(api, RECEIVE, {"itemCode": "INK", "quantity": 51})
    adjusted = await payload(api, ADJUST, {"itemCode": "INK", "quantity": 51})

    assert [e["code"] for e in received["userErrors"]] == ["INVALID_QUANTITY"]
    assert [e["code"] for e in adjusted["userErrors"]] == ["INVALID_QUANTITY"]
    assert (await api.item("INK"))["quantityOnHand"] == 0


async def test_reservations_stop_at_the_32_bit_limit_and_stay_readable(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("INK", allow_backorder=True)

    first = await payload(api, PLACE, order(TOP))
    beyond = await payload(api, PLACE, order(1))
    item = (await api.gql(ITEM, {"c": "INK"}))["salesItem"]

    assert first["userErrors"] == []
    assert [(e["code"], e["field"]) for e in beyond["userErrors"]] == [
        ("INVALID_QUANTITY", "lines.0.quantity")
    ]
    assert str(TOP) not in beyond["userErrors"][0]["message"]
    assert item == {"quantityOnHand": 0, "availableQuantity": -TOP}
    assert await find_drifts() == []


async def test_stock_on_hand_stops_at_the_32_bit_limit(api: Api) -> None:
    await api.create_item("INK")

    filled = await payload(api, RECEIVE, {"itemCode": "INK", "quantity": TOP})
    beyond_receipt = await payload(api, RECEIVE, {"itemCode": "INK", "quantity": 1})
    beyond_adjustment = await payload(api, ADJUST, {"itemCode": "INK", "quantity": 1})
    written_off = await payload(api, ADJUST, {"itemCode": "INK", "quantity": -1})

    assert filled == {"salesItem": {"quantityOnHand": TOP}, "userErrors": []}
    for refused in (beyond_receipt, beyond_adjustment):
        assert refused["salesItem"] is None
        assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
            ("INVALID_QUANTITY", "quantity")
        ]
    assert written_off["salesItem"] == {"quantityOnHand": TOP - 1}
    assert await find_drifts() == []


async def test_check_names_a_counter_outside_the_32_bit_range(api: Api, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's integer columns cannot hold such a value at all")
    await api.create_item("INK")
    await connections.get("default").execute_query(
        "UPDATE sales_item SET reserved = 2147483648 WHERE code = 'INK'"
    )

    drifts = await find_drifts()

    assert any(d.startswith("range: item INK has reserved 2147483648") for d in drifts)
    assert not any("available" in d for d in drifts)  # -2^31 itself still fits


async def test_a_blocked_item_answers_the_same_whatever_the_other_lines_ask(
    api: Api,
) -> None:
    """No other refusal may follow a passed stock check: it would reveal there was enough."""
    await api.create_customer("ACME")
    await api.create_item("LH-A4", on_hand=40, allow_backorder=False)
    await api.create_item("PEN", allow_backorder=True)
    await payload(api, PLACE, order(TOP, item="PEN"))  # PEN's reservations are now full
    customer: dict[str, Any] = {"roles": ("Customer",), "customer": "ACME"}

    answers = []
    for wanted in (1, 40, 41, 1000):
        placed = await payload(
            api,
            PLACE,
            {
                "lines": [
                    {"itemCode": "LH-A4", "quantity": wanted},
                    {"itemCode": "PEN", "quantity": 1},
                ]
            },
            **customer,
        )
        answers.append([(e["code"], e["field"]) for e in placed["userErrors"]])

    assert answers == [[("INVALID_QUANTITY", "lines.1.quantity")]] * 4
