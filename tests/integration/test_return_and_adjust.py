"""Picks returned to stock and stock adjustments: the two other ways on hand changes."""

from __future__ import annotations

from typing import Any

from tests.support import Api

RETURN = """mutation($i: ReturnPickInput!) { returnPick(input: $i) {
  order { status canSplitRemaining lines { id pickedQuantity outstandingQuantity } }
  userErrors { code field } } }"""
ADJUST = """mutation($i: AdjustStockInput!) { adjustStock(input: $i) {
  salesItem { quantityOnHand availableQuantity } userErrors { code field } } }"""
MOVEMENTS = """query($c: String!) { stockMovements(itemCode: $c) {
  edges { node { quantity reason reference actor lineId order { number } } } } }"""


async def send(api: Api, mutation: str, input_: dict[str, Any], **kw: Any) -> dict[str, Any]:
    data = await api.gql(mutation, {"i": input_}, **kw)
    (payload,) = data.values()
    return payload


async def movements(api: Api, code: str) -> list[dict[str, Any]]:
    data = await api.gql(MOVEMENTS, {"c": code})
    return [edge["node"] for edge in data["stockMovements"]["edges"]]


async def picked_order(api: Api, on_hand: int = 500, quantity: int = 600) -> str:
    await api.create_customer("ACME")
    await api.create_item("BC-STD", on_hand=on_hand)
    placed = await api.place([("BC-STD", quantity)])
    await api.pick(placed["order"]["number"])
    line_id: str = placed["order"]["lines"][0]["id"]
    return line_id


async def test_returning_part_of_a_pick_puts_it_back_on_hand_and_into_the_reservation(
    api: Api,
) -> None:
    line_id = await picked_order(api)
    before = await api.item("BC-STD")
    assert (before["quantityOnHand"], before["availableQuantity"]) == (0, -100)

    payload = await send(
        api, RETURN, {"orderNumber": "1001", "lines": [{"lineId": line_id, "quantity": 30}]}
    )
    assert payload["userErrors"] == []
    line = payload["order"]["lines"][0]
    assert (line["pickedQuantity"], line["outstandingQuantity"]) == (470, 130)
    after = await api.item("BC-STD")
    assert (after["quantityOnHand"], after["availableQuantity"]) == (30, -100)
    newest = (await movements(api, "BC-STD"))[0]
    assert newest == {
        "quantity": 30,
        "reason": "PICK_RETURN",
        "reference": "",
        "actor": "tester",
        "lineId": line_id,
        "order": {"number": "1001"},
    }


async def test_returning_a_line_without_quantity_returns_everything_picked(api: Api) -> None:
    line_id = await picked_order(api)
    payload = await send(api, RETURN, {"orderNumber": "1001", "lines": [{"lineId": line_id}]})
    assert payload["order"]["lines"][0]["pickedQuantity"] == 0
    assert payload["order"]["canSplitRemaining"] is False
    assert (await api.item("BC-STD"))["quantityOnHand"] == 500


async def test_returning_more_than_was_picked_is_invalid_and_changes_nothing(api: Api) -> None:
    line_id = await picked_order(api)
    payload = await send(
        api, RETURN, {"orderNumber": "1001", "lines": [{"lineId": line_id, "quantity": 501}]}
    )
    assert payload["userErrors"] == [{"code": "INVALID_QUANTITY", "field": "lines.0.quantity"}]
    assert (await api.item("BC-STD"))["quantityOnHand"] == 0
    assert [m["reason"] for m in await movements(api, "BC-STD")] == ["PICK", "RECEIPT"]


async def test_a_completed_order_cannot_have_picks_returned(api: Api) -> None:
    line_id = await picked_order(api, on_hand=600)
    assert (await api.existing_order("1001"))["status"] == "PICKED"
    payload = await send(api, RETURN, {"orderNumber": "1001", "lines": [{"lineId": line_id}]})
    assert payload["userErrors"] == [{"code": "INVALID_STATUS", "field": None}]
    assert (await api.item("BC-STD"))["quantityOnHand"] == 0


async def test_returning_picks_is_warehouse_work(api: Api) -> None:
    line_id = await picked_order(api)
    errors = await api.errors(
        RETURN, {"i": {"orderNumber": "1001", "lines": [{"lineId": line_id}]}}, roles=("Sales",)
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await api.item("BC-STD"))["quantityOnHand"] == 0


async def test_an_adjustment_changes_on_hand_and_is_recorded(api: Api) -> None:
    await api.create_item("BC-STD", on_hand=40)
    payload = await send(
        api,
        ADJUST,
        {"itemCode": "BC-STD", "quantity": -3, "reference": "count 2026-11"},
        roles=("Warehouse",),
        sub="wh-7",
    )
    assert payload["userErrors"] == []
    assert payload["salesItem"]["quantityOnHand"] == 37
    newest = (await movements(api, "BC-STD"))[0]
    assert (newest["quantity"], newest["reason"], newest["reference"], newest["actor"]) == (
        -3,
        "ADJUSTMENT",
        "count 2026-11",
        "wh-7",
    )


async def test_an_adjustment_below_zero_on_hand_is_refused_and_changes_nothing(api: Api) -> None:
    await api.create_item("BC-STD", on_hand=5)
    payload = await send(api, ADJUST, {"itemCode": "BC-STD", "quantity": -6})
    assert payload["userErrors"] == [{"code": "INSUFFICIENT_STOCK", "field": "quantity"}]
    assert (await api.item("BC-STD"))["quantityOnHand"] == 5
    assert len(await movements(api, "BC-STD")) == 1


async def test_a_zero_adjustment_is_invalid(api: Api) -> None:
    await api.create_item("BC-STD", on_hand=5)
    payload = await send(api, ADJUST, {"itemCode": "BC-STD", "quantity": 0})
    assert payload["userErrors"] == [{"code": "INVALID_QUANTITY", "field": "quantity"}]


async def test_an_adjustment_retried_with_its_key_applies_once(api: Api) -> None:
    await api.create_item("BC-STD", on_hand=5)
    adjust = {"itemCode": "BC-STD", "quantity": 7, "idempotencyKey": "count-1"}
    await send(api, ADJUST, adjust)
    again = await send(api, ADJUST, adjust)
    assert again["salesItem"]["quantityOnHand"] == 12


async def test_customers_and_sales_cannot_adjust_stock(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("BC-STD", on_hand=5)
    for roles, customer in ((("Sales",), None), (("Customer",), "ACME")):
        errors = await api.errors(
            ADJUST, {"i": {"itemCode": "BC-STD", "quantity": 1}}, roles=roles, customer=customer
        )
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await api.item("BC-STD"))["quantityOnHand"] == 5
