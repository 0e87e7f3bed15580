"""idempotencyKey: a retry with the same key and input replays the first success and acts no more.

The key is scoped to the whole principal (its `sub`, roles and customer) and
to the mutation; the same key with
a different input is IDEMPOTENCY_CONFLICT; attempts that ended in userErrors
are not remembered. Every "changes nothing" is checked by reading state back.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.operations import CONFIRM_STATUS as CONFIRM
from tests.operations import ORDER_NUMBERS
from tests.support import Api, assert_item_reservations_match_orders

pytestmark = pytest.mark.usefixtures("invariants_hold_afterwards")


PLACE = """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
  order { number status lines { quotedQuantity } } userErrors { code field } } }"""
PICK = """mutation($i: PickOrderInput!) { pickOrder(input: $i) {
  order { number status lines { pickedQuantity outstandingQuantity } }
  userErrors { code field } } }"""
SPLIT = """mutation($i: SplitRemainingInput!) { splitRemaining(input: $i) {
  order { number status } backorder { number status charges { amount } }
  userErrors { code field } } }"""
RECEIVE = """mutation($i: ReceiveStockInput!) { receiveStock(input: $i) {
  salesItem { code quantityOnHand } userErrors { code field } } }"""


async def send(api: Api, mutation: str, input_: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """One mutation; returns its payload (the GraphQL request itself must succeed)."""
    data = await api.gql(mutation, {"i": input_}, **kwargs)
    (payload,) = data.values()
    return payload


async def send_at_once(
    api: Api, mutation: str, inputs: list[dict[str, Any]], **kwargs: Any
) -> list[dict[str, Any]]:
    return list(await asyncio.gather(*(send(api, mutation, i, **kwargs) for i in inputs)))


def order_input(
    key: str | None, quantity: int = 5, item: str = "INK", **fields: Any
) -> dict[str, Any]:
    return {
        "customerCode": "ACME",
        "lines": [{"itemCode": item, "quantity": quantity}],
        "idempotencyKey": key,
        **fields,
    }


async def order_numbers(api: Api) -> list[str]:
    data = await api.gql(ORDER_NUMBERS)
    return sorted(edge["node"]["number"] for edge in data["salesOrders"]["edges"])


async def setup_store(api: Api, on_hand: int = 10, allow_backorder: bool = True) -> None:
    await api.create_customer("ACME")
    await api.create_item("INK", on_hand=on_hand, allow_backorder=allow_backorder)


async def picked_order(api: Api, quoted: int = 10, pick: int = 4) -> str:
    """Order 1001 with `pick` of `quoted` picked; returns its line id."""
    order = (await api.place([("INK", quoted)]))["order"]
    line_id: str = order["lines"][0]["id"]
    assert (await api.pick(order["number"], [{"lineId": line_id, "quantity": pick}]))[
        "userErrors"
    ] == []
    return line_id


# ------------------------------------------------------------- sequential retries


async def test_place_order_retried_with_the_same_key_returns_the_same_order_and_reserves_once(
    api: Api,
) -> None:
    await setup_store(api, on_hand=10)

    first = await send(api, PLACE, order_input("order-1", 4))
    second = await send(api, PLACE, order_input("order-1", 4))

    assert first["userErrors"] == [] and second["userErrors"] == []
    assert first["order"]["number"] == second["order"]["number"] == "1001"
    assert await order_numbers(api) == ["1001"]
    item = await assert_item_reservations_match_orders(api, "INK")
    assert item["availableQuantity"] == 6
    assert (await api.place([("INK", 1)]))["order"]["number"] == "1002"


async def test_pick_order_retried_with_the_same_key_picks_once(api: Api) -> None:
    await setup_store(api, on_hand=10)
    order = (await api.place([("INK", 10)]))["order"]
    pick = {
        "orderNumber": "1001",
        "lines": [{"lineId": order["lines"][0]["id"], "quantity": 3}],
        "idempotencyKey": "pick-1",
    }

    first = await send(api, PICK, pick)
    second = await send(api, PICK, pick)

    assert first["userErrors"] == [] and second["userErrors"] == []
    assert second["order"]["lines"] == [{"pickedQuantity": 3, "outstandingQuantity": 7}]
    item = await assert_item_reservations_match_orders(api, "INK")
    assert item["quantityOnHand"] == 7


async def test_default_pick_retried_with_the_same_key_is_not_refused_for_the_stock_it_took(
    api: Api,
) -> None:
    await setup_store(api, on_hand=4)
    await api.place([("INK", 10)])
    pick = {"orderNumber": "1001", "idempotencyKey": "pick-all"}

    first = await send(api, PICK, pick)
    second = await send(api, PICK, pick)

    assert first["userErrors"] == [] and second["userErrors"] == []
    assert second["order"]["lines"] == [{"pickedQuantity": 4, "outstandingQuantity": 6}]
    assert (await assert_item_reservations_match_orders(api, "INK"))["quantityOnHand"] == 0


async def test_split_remaining_retried_with_the_same_key_returns_the_one_backorder(
    api: Api,
) -> None:
    await setup_store(api, on_hand=4)
    await picked_order(api, quoted=10, pick=4)
    split = {
        "orderNumber": "1001",
        "status": "PACKED",
        "additionalShippingCharge": "7.50",
        "idempotencyKey": "split-1",
    }

    first = await send(api, SPLIT, split)
    second = await send(api, SPLIT, split)

    assert first["userErrors"] == [] and second["userErrors"] == []
    assert first["backorder"]["number"] == second["backorder"]["number"] == "1001-001"
    assert second["order"] == {"number": "1001", "status": "PACKED"}
    assert await order_numbers(api) == ["1001", "1001-001"]
    backorder = await api.order("1001-001")
    assert backorder is not None
    assert backorder["charges"] == [{"kind": "ADDITIONAL_SHIPPING", "amount": "7.50"}]
    assert backorder["lines"][0]["quotedQuantity"] == 6
    assert (await assert_item_reservations_match_orders(api, "INK"))["availableQuantity"] == -6


async def test_confirm_backorder_retried_with_the_same_key_returns_the_order_not_invalid_status(
    api: Api,
) -> None:
    await setup_store(api, on_hand=4)
    await picked_order(api, quoted=10, pick=4)
    assert (await api.split("1001"))["userErrors"] == []
    confirm = {"orderNumber": "1001-001", "idempotencyKey": "confirm-1"}

    first = await send(api, CONFIRM, confirm)
    second = await send(api, CONFIRM, confirm)

    assert (
        first
        == second
        == {"order": {"number": "1001-001", "status": "CONFIRMED"}, "userErrors": []}
    )
    # Without the key, a second confirm is refused: the key is what made the retry safe.
    again = await send(api, CONFIRM, {"orderNumber": "1001-001"})
    assert [e["code"] for e in again["userErrors"]] == ["INVALID_STATUS"]


async def test_receive_stock_retried_with_the_same_key_adds_the_stock_once(api: Api) -> None:
    await setup_store(api, on_hand=10)
    receipt = {"itemCode": "INK", "quantity": 25, "reference": "PO-77", "idempotencyKey": "po-77"}

    first = await send(api, RECEIVE, receipt)
    second = await send(api, RECEIVE, receipt)

    assert first["userErrors"] == [] and second["userErrors"] == []
    assert second["salesItem"] == {"code": "INK", "quantityOnHand": 35}
    assert (await api.item("INK"))["quantityOnHand"] == 35


async def test_a_retry_through_the_other_endpoint_replays_the_same_order(api: Api) -> None:
    await setup_store(api, on_hand=10)
    placed = {"lines": [{"itemCode": "INK", "quantity": 2}], "idempotencyKey": "web-1"}

    first = await send(
        api, PLACE, placed, roles=("Customer",), customer="ACME", endpoint="/graphql"
    )
    second = await send(
        api, PLACE, placed, roles=("Customer",), customer="ACME", endpoint="/spa/graphql"
    )

    assert first["order"]["number"] == second["order"]["number"] == "1001"
    assert await order_numbers(api) == ["1001"]


# ------------------------------------------------------------- concurrent retries


@pytest.mark.races
async def test_concurrent_retries_of_place_order_all_get_the_one_order(api: Api) -> None:
    await setup_store(api, on_hand=5, allow_backorder=False)

    payloads = await send_at_once(api, PLACE, [order_input("order-1", 5)] * 10)

    # Acting twice would have been refused for stock: every retry got the first result instead.
    assert all(p["userErrors"] == [] for p in payloads), payloads
    assert {p["order"]["number"] for p in payloads} == {"1001"}
    assert await order_numbers(api) == ["1001"]
    item = await assert_item_reservations_match_orders(api, "INK")
    assert item["availableQuantity"] == 0


@pytest.mark.races
async def test_concurrent_retries_of_pick_order_pick_once(api: Api) -> None:
    await setup_store(api, on_hand=20)
    order = (await api.place([("INK", 20)]))["order"]
    pick = {
        "orderNumber": "1001",
        "lines": [{"lineId": order["lines"][0]["id"], "quantity": 2}],
        "idempotencyKey": "pick-1",
    }

    payloads = await send_at_once(api, PICK, [pick] * 10)

    assert all(p["userErrors"] == [] for p in payloads), payloads
    line = (await api.existing_order("1001"))["lines"][0]
    assert (line["pickedQuantity"], line["outstandingQuantity"]) == (2, 18)
    assert (await assert_item_reservations_match_orders(api, "INK"))["quantityOnHand"] == 18


@pytest.mark.races
async def test_concurrent_retries_of_split_remaining_all_get_the_one_backorder(api: Api) -> None:
    await setup_store(api, on_hand=4)
    await picked_order(api, quoted=10, pick=4)
    split = {"orderNumber": "1001", "additionalShippingCharge": "3.00", "idempotencyKey": "split-1"}

    payloads = await send_at_once(api, SPLIT, [split] * 10)

    assert all(p["userErrors"] == [] for p in payloads), payloads
    assert {p["backorder"]["number"] for p in payloads} == {"1001-001"}
    assert await order_numbers(api) == ["1001", "1001-001"]
    backorder = await api.order("1001-001")
    assert backorder is not None and backorder["charges"] == [
        {"kind": "ADDITIONAL_SHIPPING", "amount": "3.00"}
    ]
    await assert_item_reservations_match_orders(api, "INK")


@pytest.mark.races
async def test_concurrent_retries_of_confirm_backorder_all_succeed(api: Api) -> None:
    await setup_store(api, on_hand=4)
    await picked_order(api, quoted=10, pick=4)
    assert (await api.split("1001"))["userErrors"] == []

    payloads = await send_at_once(
        api, CONFIRM, [{"orderNumber": "1001-001", "idempotencyKey": "confirm-1"}] * 10
    )

    assert all(
        p == {"order": {"number": "1001-001", "status": "CONFIRMED"}, "userErrors": []}
        for p in payloads
    ), payloads


@pytest.mark.races
async def test_concurrent_retries_of_receive_stock_add_it_once(api: Api) -> None:
    await setup_store(api, on_hand=0)

    payloads = await send_at_once(
        api, RECEIVE, [{"itemCode": "INK", "quantity": 7, "idempotencyKey": "po-1"}] * 10
    )

    assert all(p["userErrors"] == [] for p in payloads), payloads
    assert (await api.item("INK"))["quantityOnHand"] == 7


@pytest.mark.races
async def test_concurrent_requests_with_one_key_and_different_inputs_act_once(api: Api) -> None:
    await setup_store(api, on_hand=50)
    inputs = [order_input("order-1", 1 + n % 2) for n in range(10)]

    payloads = await send_at_once(api, PLACE, inputs)

    winners = [(i, p) for i, p in zip(inputs, payloads, strict=True) if not p["userErrors"]]
    quantity = winners[0][0]["lines"][0]["quantity"]
    for sent, payload in zip(inputs, payloads, strict=True):
        if sent["lines"][0]["quantity"] == quantity:
            assert payload["userErrors"] == [] and payload["order"]["number"] == "1001"
        else:
            assert payload == {
                "order": None,
                "userErrors": [{"code": "IDEMPOTENCY_CONFLICT", "field": "idempotencyKey"}],
            }
    assert await order_numbers(api) == ["1001"]
    assert (await assert_item_reservations_match_orders(api, "INK"))[
        "availableQuantity"
    ] == 50 - quantity


# ------------------------------------------------------------- conflicts and scope


async def test_the_same_key_with_a_different_input_is_a_conflict_and_changes_nothing(
    api: Api,
) -> None:
    await setup_store(api, on_hand=10)
    assert (await send(api, PLACE, order_input("order-1", 4)))["userErrors"] == []

    for changed in (order_input("order-1", 5), order_input("order-1", 4, reference="PO-2")):
        refused = await send(api, PLACE, changed)
        assert refused == {
            "order": None,
            "userErrors": [{"code": "IDEMPOTENCY_CONFLICT", "field": "idempotencyKey"}],
        }

    assert await order_numbers(api) == ["1001"]
    assert (await assert_item_reservations_match_orders(api, "INK"))["availableQuantity"] == 6


async def test_receive_stock_with_a_used_key_and_another_quantity_is_a_conflict_and_adds_nothing(
    api: Api,
) -> None:
    await setup_store(api, on_hand=0)
    assert (await send(api, RECEIVE, {"itemCode": "INK", "quantity": 5, "idempotencyKey": "po-1"}))[
        "userErrors"
    ] == []

    refused = await send(api, RECEIVE, {"itemCode": "INK", "quantity": 6, "idempotencyKey": "po-1"})

    assert refused == {
        "salesItem": None,
        "userErrors": [{"code": "IDEMPOTENCY_CONFLICT", "field": "idempotencyKey"}],
    }
    assert (await api.item("INK"))["quantityOnHand"] == 5


async def test_the_key_is_scoped_to_the_callers_sub(api: Api) -> None:
    await setup_store(api, on_hand=10)

    alice = await send(api, PLACE, order_input("shared-key", 2), sub="alice")
    bob = await send(api, PLACE, order_input("shared-key", 2), sub="bob")
    alice_again = await send(api, PLACE, order_input("shared-key", 2), sub="alice")
    bob_other_input = await send(api, PLACE, order_input("shared-key", 3), sub="bob")

    assert (alice["order"]["number"], bob["order"]["number"]) == ("1001", "1002")
    assert alice_again["order"]["number"] == "1001"
    assert [e["code"] for e in bob_other_input["userErrors"]] == ["IDEMPOTENCY_CONFLICT"]
    assert await order_numbers(api) == ["1001", "1002"]
    assert (await assert_item_reservations_match_orders(api, "INK"))["availableQuantity"] == 6


PLACE_REVEALING = """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
  order { number reference customer { code name } lines { quotedQuantity item { code } } }
  userErrors { code field } } }"""


async def test_customers_of_two_companies_sharing_a_sub_never_replay_each_others_orders(
    api: Api,
) -> None:
    await setup_store(api, on_hand=10)
    await api.create_customer("GLOBEX", "Globex Stationers")
    acme = {"roles": ("Customer",), "customer": "ACME", "sub": "shop"}
    globex = {"roles": ("Customer",), "customer": "GLOBEX", "sub": "shop"}
    # A customer's own customerCode may be left out: both send the same input.
    request = {"lines": [{"itemCode": "INK", "quantity": 2}], "idempotencyKey": "k1"}

    first = await send(api, PLACE_REVEALING, {**request, "reference": "ACME-PO-77"}, **acme)
    second = await send(api, PLACE_REVEALING, {**request, "reference": "ACME-PO-77"}, **globex)

    assert first["order"]["customer"]["code"] == "ACME"
    assert second["userErrors"] == []
    assert second["order"]["number"] == "1002"
    assert second["order"]["customer"] == {"code": "GLOBEX", "name": "Globex Stationers"}
    assert await order_numbers(api) == ["1001", "1002"]


async def test_a_customer_sharing_a_staff_tokens_sub_cannot_replay_its_order(api: Api) -> None:
    await setup_store(api, on_hand=10)
    await api.create_customer("GLOBEX")
    staff_input = order_input("k2", 3, reference="CONFIDENTIAL-PO")

    placed = await send(api, PLACE_REVEALING, staff_input, roles=("Sales",), sub="x")
    response = await api.post(
        PLACE_REVEALING, {"i": staff_input}, roles=("Customer",), customer="GLOBEX", sub="x"
    )

    assert placed["order"]["number"] == "1001"
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # may not order for ACME
    for secret in ("CONFIDENTIAL-PO", "1001", "Acme"):
        assert secret not in response.text
    assert await order_numbers(api) == ["1001"]


async def test_a_retry_writing_the_same_amount_differently_replays_the_split(api: Api) -> None:
    await setup_store(api, on_hand=4)
    await picked_order(api, quoted=10, pick=4)

    first = await send(
        api,
        SPLIT,
        {"orderNumber": "1001", "additionalShippingCharge": "12.5", "idempotencyKey": "s"},
    )
    again = await send(
        api,
        SPLIT,
        {"orderNumber": " 1001", "additionalShippingCharge": "12.50", "idempotencyKey": "s"},
    )

    assert first["userErrors"] == [] and again["userErrors"] == []
    assert (
        again["backorder"]
        == first["backorder"]
        == {
            "number": "1001-001",
            "status": "ON_BACKORDER",
            "charges": [{"amount": "12.50"}],
        }
    )
    assert await order_numbers(api) == ["1001", "1001-001"]


async def test_the_key_is_scoped_to_the_mutation(api: Api) -> None:
    await setup_store(api, on_hand=10)

    placed = await send(api, PLACE, order_input("key-1", 4))
    received = await send(
        api, RECEIVE, {"itemCode": "INK", "quantity": 5, "idempotencyKey": "key-1"}
    )

    assert placed["userErrors"] == [] and received["userErrors"] == []
    assert received["salesItem"] == {"code": "INK", "quantityOnHand": 15}
    assert await order_numbers(api) == ["1001"]
    assert (await assert_item_reservations_match_orders(api, "INK"))["availableQuantity"] == 11


# ------------------------------------------------------------- what is not remembered


async def test_an_attempt_refused_with_user_errors_is_not_remembered(api: Api) -> None:
    await setup_store(api, on_hand=0, allow_backorder=False)

    refused = await send(api, PLACE, order_input("order-1", 3))
    assert [e["code"] for e in refused["userErrors"]] == ["INSUFFICIENT_STOCK"]
    assert await order_numbers(api) == []
    await api.receive("INK", 3)
    retried = await send(api, PLACE, order_input("order-1", 3))

    assert retried["userErrors"] == []
    assert retried["order"]["number"] == "1001"
    assert (await assert_item_reservations_match_orders(api, "INK"))["availableQuantity"] == 0


@pytest.mark.races
async def test_concurrent_attempts_refused_with_user_errors_leave_the_key_free(api: Api) -> None:
    await setup_store(api, on_hand=0, allow_backorder=False)

    payloads = await send_at_once(api, PLACE, [order_input("order-1", 3)] * 10)
    assert all([e["code"] for e in p["userErrors"]] == ["INSUFFICIENT_STOCK"] for p in payloads), (
        payloads
    )
    assert await order_numbers(api) == []
    await api.receive("INK", 3)
    retried = await send_at_once(api, PLACE, [order_input("order-1", 3)] * 10)

    assert {p["order"]["number"] for p in retried} == {"1001"}
    assert await order_numbers(api) == ["1001"]
    assert (await assert_item_reservations_match_orders(api, "INK"))["availableQuantity"] == 0


async def test_a_key_whose_attempt_was_refused_may_be_used_with_another_input(api: Api) -> None:
    await setup_store(api, on_hand=2, allow_backorder=False)

    refused = await send(api, PLACE, order_input("order-1", 3))
    smaller = await send(api, PLACE, order_input("order-1", 2))

    assert [e["code"] for e in refused["userErrors"]] == ["INSUFFICIENT_STOCK"]
    assert smaller["userErrors"] == [] and smaller["order"]["number"] == "1001"
    assert await order_numbers(api) == ["1001"]


async def test_a_key_over_200_characters_is_invalid_input_and_changes_nothing(api: Api) -> None:
    await setup_store(api, on_hand=10)

    too_long = await send(api, PLACE, order_input("k" * 201, 2))
    receive_too_long = await send(
        api, RECEIVE, {"itemCode": "INK", "quantity": 1, "idempotencyKey": "k" * 201}
    )
    longest = await send(api, PLACE, order_input("k" * 200, 2))

    assert too_long == {
        "order": None,
        "userErrors": [{"code": "INVALID_INPUT", "field": "idempotencyKey"}],
    }
    assert receive_too_long == {
        "salesItem": None,
        "userErrors": [{"code": "INVALID_INPUT", "field": "idempotencyKey"}],
    }
    assert longest["userErrors"] == [] and longest["order"]["number"] == "1001"
    item = await assert_item_reservations_match_orders(api, "INK")
    assert (item["quantityOnHand"], item["availableQuantity"]) == (10, 8)


async def test_a_customer_retry_naming_itself_replays_the_order_placed_without_naming(
    api: Api,
) -> None:
    await setup_store(api)
    as_customer = {"roles": ("Customer",), "customer": "ACME", "sub": "shop"}
    unnamed = {k: v for k, v in order_input("cust-1").items() if k != "customerCode"}
    first = await send(api, PLACE, unnamed, **as_customer)
    again = await send(api, PLACE, order_input("cust-1"), **as_customer)
    assert first["userErrors"] == [] and again["userErrors"] == []
    assert again["order"]["number"] == first["order"]["number"]
    assert await order_numbers(api) == ["1001"]
