"""Many requests at once through the HTTP app: racing for stock never double-spends it.

Each test fires its requests with asyncio.gather, so on PostgreSQL (a
connection pool) their transactions really interleave; on SQLite they queue
on the one connection. Afterwards the state is read back over HTTP and the
invariants are checked: stock on hand never negative, nothing over-reserved,
every item's available quantity equal to on hand less the open orders'
outstanding quantities.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.operations import CONFIRM_STATUS as CONFIRM
from tests.operations import ORDER_NUMBERS
from tests.operations import PICK_STATUS as PICK
from tests.support import Api, assert_item_reservations_match_orders, outcomes

pytestmark = [pytest.mark.races, pytest.mark.usefixtures("invariants_hold_afterwards")]


PLACE = """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
  order { number lines { id } } userErrors { code field } } }"""
SPLIT = """mutation($i: SplitRemainingInput!) { splitRemaining(input: $i) {
  order { number status } backorder { number status } userErrors { code field } } }"""


async def fire(
    api: Api, mutation: str, inputs: list[dict[str, Any]], **kwargs: Any
) -> list[dict[str, Any]]:
    """Send one mutation per input, all at once; each answer: a 200 without GraphQL errors."""
    responses = await asyncio.gather(*(api.post(mutation, {"i": i}, **kwargs) for i in inputs))
    payloads = []
    for response in responses:
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        (payload,) = body["data"].values()
        payloads.append(payload)
    return payloads


async def order_numbers(api: Api) -> set[str]:
    data = await api.gql(ORDER_NUMBERS)
    return {edge["node"]["number"] for edge in data["salesOrders"]["edges"]}


async def place_many(api: Api, lines: list[tuple[str, int]], count: int) -> list[dict[str, Any]]:
    """Place `count` identical orders one after the other; return their orders."""
    orders = []
    for _ in range(count):
        placed = await api.place(lines)
        assert placed["userErrors"] == []
        orders.append(placed["order"])
    return orders


async def test_pickers_racing_for_the_last_units_never_take_more_than_is_on_hand(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("INK", on_hand=20, allow_backorder=True)
    orders = await place_many(api, [("INK", 3)], 30)
    wanted = {
        order["number"]: 1 + index % 3 for index, order in enumerate(orders)
    }  # 60 asked, 20 there

    payloads = await fire(
        api,
        PICK,
        [
            {
                "orderNumber": o["number"],
                "lines": [{"lineId": o["lines"][0]["id"], "quantity": wanted[o["number"]]}],
            }
            for o in orders
        ],
    )

    codes = outcomes(payloads)
    assert set(codes) == {"ok", "INSUFFICIENT_STOCK"}, codes
    picked = {}
    for order in orders:
        line = (await api.existing_order(order["number"]))["lines"][0]
        picked[order["number"]] = line["pickedQuantity"]
    winners = {p["order"]["number"] for p in payloads if not p["userErrors"]}
    assert codes["ok"] == len(winners)
    for number, quantity in picked.items():
        assert quantity == (wanted[number] if number in winners else 0), number
    item = await assert_item_reservations_match_orders(api, "INK")
    assert item["quantityOnHand"] == 20 - sum(picked.values())
    # A picker was turned away only because too little was left for it.
    losers = set(wanted) - winners
    assert all(wanted[number] > item["quantityOnHand"] for number in losers)


async def test_explicit_picks_of_many_units_each_never_drive_on_hand_below_zero(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("INK", on_hand=10, allow_backorder=True)
    orders = await place_many(api, [("INK", 4)], 30)

    payloads = await fire(
        api,
        PICK,
        [
            {"orderNumber": o["number"], "lines": [{"lineId": o["lines"][0]["id"], "quantity": 4}]}
            for o in orders
        ],
    )

    assert outcomes(payloads) == {"ok": 2, "INSUFFICIENT_STOCK": 28}
    assert sorted(p["order"]["status"] for p in payloads if not p["userErrors"]) == [
        "PICKED",
        "PICKED",
    ]
    item = await assert_item_reservations_match_orders(api, "INK")
    assert item["quantityOnHand"] == 2


async def test_default_picks_racing_for_the_stock_serve_the_queue_first_come_first_served(
    api: Api,
) -> None:
    await api.create_customer("ACME")
    await api.create_item("INK", on_hand=10, allow_backorder=True)
    orders = await place_many(api, [("INK", 1)], 25)
    # Orders the stock covers (1001-1010) and orders it does not (1011-1020) arrive interleaved.
    arrival = [o for pair in zip(orders[:10], orders[10:20], strict=True) for o in pair] + orders[
        20:
    ]

    payloads = await fire(api, PICK, [{"orderNumber": o["number"]} for o in arrival])

    assert outcomes(payloads) == {"ok": 10, "INSUFFICIENT_STOCK": 15}
    winners = {p["order"]["number"] for p in payloads if not p["userErrors"]}
    assert winners == {str(n) for n in range(1001, 1011)}
    item = await assert_item_reservations_match_orders(api, "INK")
    assert item["quantityOnHand"] == 0


async def test_orders_racing_for_an_item_without_backorders_never_over_reserve_it(api: Api) -> None:
    customers = ["ACME", "BOLT", "CREST", "DUNE"]
    for code in customers:
        await api.create_customer(code, f"Customer {code}")
    await api.create_item("PAPER", on_hand=10, allow_backorder=False)

    payloads = await fire(
        api,
        PLACE,
        [
            {"customerCode": customers[n % 4], "lines": [{"itemCode": "PAPER", "quantity": 3}]}
            for n in range(40)
        ],
        roles=("Sales",),
    )

    assert outcomes(payloads) == {"ok": 3, "INSUFFICIENT_STOCK": 37}  # floor(10 / 3)
    assert {p["userErrors"][0]["field"] for p in payloads if p["userErrors"]} == {
        "lines.0.quantity"
    }
    assert {p["order"]["number"] for p in payloads if p["order"]} == {"1001", "1002", "1003"}
    assert await order_numbers(api) == {"1001", "1002", "1003"}
    item = await assert_item_reservations_match_orders(api, "PAPER")
    assert (item["quantityOnHand"], item["availableQuantity"], item["stockStatus"]) == (
        10,
        1,
        "IN_STOCK",
    )


async def test_customers_ordering_for_themselves_at_once_never_over_reserve(api: Api) -> None:
    for code in ("ACME", "BOLT"):
        await api.create_customer(code, f"Customer {code}")
    await api.create_item("PAPER", on_hand=7, allow_backorder=False)

    payloads = await asyncio.gather(
        *(
            fire(
                api,
                PLACE,
                [{"lines": [{"itemCode": "PAPER", "quantity": 1}]}] * 15,
                roles=("Customer",),
                customer=code,
            )
            for code in ("ACME", "BOLT")
        )
    )

    assert outcomes(payloads[0] + payloads[1]) == {"ok": 7, "INSUFFICIENT_STOCK": 23}
    item = await assert_item_reservations_match_orders(api, "PAPER")
    assert (item["availableQuantity"], item["stockStatus"]) == (0, "OUT_OF_STOCK")


async def test_orders_over_two_items_in_either_line_order_neither_deadlock_nor_over_reserve(
    api: Api,
) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=12, allow_backorder=False)
    await api.create_item("ENVELOPE", on_hand=12, allow_backorder=False)
    forward = [{"itemCode": "CARD", "quantity": 1}, {"itemCode": "ENVELOPE", "quantity": 1}]

    payloads = await fire(
        api,
        PLACE,
        [{"customerCode": "ACME", "lines": forward if n % 2 else forward[::-1]} for n in range(30)],
    )

    assert outcomes(payloads) == {"ok": 12, "INSUFFICIENT_STOCK": 18}
    for code in ("CARD", "ENVELOPE"):
        item = await assert_item_reservations_match_orders(api, code)
        assert item["availableQuantity"] == 0


async def test_picks_of_two_item_orders_in_either_line_order_do_not_deadlock(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=8, allow_backorder=True)
    await api.create_item("ENVELOPE", on_hand=8, allow_backorder=True)
    orders = []
    for n in range(20):
        lines = [("CARD", 2), ("ENVELOPE", 2)]
        orders.append((await api.place(lines if n % 2 else lines[::-1]))["order"])

    payloads = await fire(
        api,
        PICK,
        [
            {
                "orderNumber": o["number"],
                "lines": [{"lineId": line["id"], "quantity": 2} for line in o["lines"]],
            }
            for o in orders
        ],
    )

    assert outcomes(payloads) == {"ok": 4, "INSUFFICIENT_STOCK": 16}
    for code in ("CARD", "ENVELOPE"):
        item = await assert_item_reservations_match_orders(api, code)
        assert item["quantityOnHand"] == 0


async def test_orders_and_picks_of_one_item_at_once_keep_its_reservations_exact(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("PAPER", on_hand=30, allow_backorder=False)
    orders = await place_many(api, [("PAPER", 2)], 10)  # 20 reserved, 10 available

    picks = fire(
        api,
        PICK,
        [
            {"orderNumber": o["number"], "lines": [{"lineId": o["lines"][0]["id"], "quantity": 2}]}
            for o in orders
        ],
    )
    places = fire(
        api, PLACE, [{"customerCode": "ACME", "lines": [{"itemCode": "PAPER", "quantity": 1}]}] * 20
    )
    picked, placed = await asyncio.gather(picks, places)

    assert outcomes(picked) == {"ok": 10}
    assert outcomes(placed) == {"ok": 10, "INSUFFICIENT_STOCK": 10}
    item = await assert_item_reservations_match_orders(api, "PAPER")
    assert (item["quantityOnHand"], item["availableQuantity"]) == (10, 0)


async def test_one_order_split_many_times_at_once_gets_exactly_one_backorder(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("BC-STD", on_hand=6, allow_backorder=True)
    await api.place([("BC-STD", 10)])
    assert (await api.pick("1001"))["userErrors"] == []

    payloads = await fire(
        api,
        SPLIT,
        [{"orderNumber": "1001", "status": "PACKED", "additionalShippingCharge": "5.00"}] * 20,
    )

    assert outcomes(payloads) == {"ok": 1, "INVALID_STATUS": 19}
    (won,) = [p for p in payloads if not p["userErrors"]]
    assert won["backorder"] == {"number": "1001-001", "status": "ON_BACKORDER"}
    original = await api.order("1001")
    assert original is not None
    assert original["status"] == "PACKED"
    assert original["backorders"] == [{"number": "1001-001", "status": "ON_BACKORDER"}]
    assert original["charges"] == []
    assert original["lines"][0]["quotedQuantity"] == 6
    backorder = await api.order("1001-001")
    assert backorder is not None
    assert backorder["charges"] == [{"kind": "ADDITIONAL_SHIPPING", "amount": "5.00"}]
    assert backorder["lines"][0]["quotedQuantity"] == 4
    assert await api.order("1001-002") is None
    item = await assert_item_reservations_match_orders(api, "BC-STD")
    assert (item["quantityOnHand"], item["availableQuantity"]) == (0, -4)


async def test_different_orders_split_at_once_each_get_their_own_first_backorder(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("BC-STD", on_hand=10, allow_backorder=True)
    orders = await place_many(api, [("BC-STD", 3)], 10)
    for order in orders:
        assert (
            await api.pick(order["number"], [{"lineId": order["lines"][0]["id"], "quantity": 1}])
        )["userErrors"] == []

    payloads = await fire(api, SPLIT, [{"orderNumber": o["number"]} for o in orders])

    assert outcomes(payloads) == {"ok": 10}
    assert {p["backorder"]["number"] for p in payloads} == {f"{o['number']}-001" for o in orders}
    item = await assert_item_reservations_match_orders(api, "BC-STD")
    assert (item["quantityOnHand"], item["availableQuantity"]) == (0, -20)


async def test_picks_and_splits_of_one_order_at_once_leave_it_consistent(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("BC-STD", on_hand=8, allow_backorder=True)
    order = (await api.place([("BC-STD", 10)]))["order"]
    line_id = order["lines"][0]["id"]
    assert (await api.pick("1001", [{"lineId": line_id, "quantity": 2}]))["userErrors"] == []

    picks = fire(
        api, PICK, [{"orderNumber": "1001", "lines": [{"lineId": line_id, "quantity": 1}]}] * 10
    )
    splits = fire(api, SPLIT, [{"orderNumber": "1001"}] * 10)
    picked, split = await asyncio.gather(picks, splits)

    assert outcomes(split) == {"ok": 1, "INVALID_STATUS": 9}
    assert set(outcomes(picked)) <= {"ok", "INVALID_STATUS", "INSUFFICIENT_STOCK"}
    original, backorder = await api.order("1001"), await api.order("1001-001")
    assert original is not None and backorder is not None
    assert original["status"] == "PICKED"
    kept = original["lines"][0]["pickedQuantity"]
    assert kept == 2 + outcomes(picked)["ok"]
    assert original["lines"][0]["quotedQuantity"] == kept
    assert backorder["lines"][0]["quotedQuantity"] == 10 - kept
    item = await assert_item_reservations_match_orders(api, "BC-STD")
    assert item["quantityOnHand"] == 8 - kept


async def test_one_backorder_confirmed_many_times_at_once_is_confirmed_exactly_once(
    api: Api,
) -> None:
    await api.create_customer("ACME")
    await api.create_item("BC-STD", on_hand=5, allow_backorder=True)
    await api.place([("BC-STD", 8)])
    await api.pick("1001")
    assert (await api.split("1001"))["userErrors"] == []

    payloads = await fire(api, CONFIRM, [{"orderNumber": "1001-001"}] * 20)

    assert outcomes(payloads) == {"ok": 1, "INVALID_STATUS": 19}
    assert [p["order"] for p in payloads if not p["userErrors"]] == [
        {"number": "1001-001", "status": "CONFIRMED"}
    ]
    backorder = await api.order("1001-001")
    assert backorder is not None and backorder["status"] == "CONFIRMED"
    item = await assert_item_reservations_match_orders(api, "BC-STD")
    assert item["availableQuantity"] == -3


async def test_orders_placed_at_once_get_distinct_gapless_numbers(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("INK", allow_backorder=True)
    await api.create_item("PAPER", on_hand=5, allow_backorder=False)
    inputs = [
        {
            "customerCode": "ACME",
            "lines": [{"itemCode": "INK" if n % 2 else "PAPER", "quantity": 1}],
        }
        for n in range(40)
    ]  # 20 for INK, all accepted; 20 for PAPER, 5 accepted

    payloads = await fire(api, PLACE, inputs)

    assert outcomes(payloads) == {"ok": 25, "INSUFFICIENT_STOCK": 15}
    numbers = [p["order"]["number"] for p in payloads if p["order"]]
    assert sorted(numbers, key=int) == [str(n) for n in range(1001, 1026)]
    assert await order_numbers(api) == set(numbers)
    ink = await assert_item_reservations_match_orders(api, "INK")
    paper = await assert_item_reservations_match_orders(api, "PAPER")
    assert (ink["availableQuantity"], paper["availableQuantity"]) == (-20, 0)
    follow_up = await api.place([("INK", 1)])
    assert follow_up["order"]["number"] == "1026"
