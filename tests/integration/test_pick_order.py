"""pickOrder over HTTP: default and explicit quantities, stock, completion, refusals."""

from __future__ import annotations

from typing import Any

from tests.operations import PICK_STATUS as PICK_DEFAULT_COMPLETION
from tests.support import Api


async def _seed(api: Api, on_hand: int = 500, ordered: int = 600) -> dict[str, Any]:
    """The article's story: `on_hand` in stock, one order (1001) of `ordered`."""
    await api.create_customer("ACME")
    await api.create_item("BC-STD", on_hand=on_hand, allow_backorder=True)
    placed = await api.place([("BC-STD", ordered)])
    assert placed["userErrors"] == []
    return placed["order"]


async def _state(api: Api, *numbers: str, items: tuple[str, ...] = ("BC-STD",)) -> dict[str, Any]:
    """Everything a pick could change: the orders and the items' stock."""
    return {
        "orders": [await api.order(number) for number in numbers],
        "items": [await api.item(code) for code in items],
    }


def _codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def _refused(api: Api, code: str, number: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Pick, expect exactly one userError `code`, and check that nothing changed."""
    before = await _state(api, number)
    result = await api.pick(number, *args, **kwargs)
    assert _codes(result) == [code], result
    assert result["order"] is None
    assert await _state(api, number) == before
    return result["userErrors"][0]


# ------------------------------------------------------------- default pick


async def test_default_pick_takes_the_lines_in_stock_share(api: Api) -> None:
    order = await _seed(api)
    assert order["lines"][0]["inStockQuantity"] == 500

    picked = await api.pick("1001")

    assert picked["userErrors"] == []
    line = picked["order"]["lines"][0]
    assert (line["pickedQuantity"], line["outstandingQuantity"]) == (500, 100)
    assert line["inStockQuantity"] == 0


async def test_default_pick_of_a_later_order_is_reduced_by_earlier_claims(api: Api) -> None:
    await _seed(api, on_hand=500, ordered=300)
    later = await api.place([("BC-STD", 400)])
    assert later["order"]["lines"][0]["inStockQuantity"] == 200

    picked = await api.pick("1002")

    assert picked["order"]["lines"][0]["pickedQuantity"] == 200
    assert (await api.existing_order("1001"))["lines"][0]["inStockQuantity"] == 300
    item = await api.item("BC-STD")
    assert (item["quantityOnHand"], item["availableQuantity"]) == (300, -200)


async def test_default_pick_of_an_earlier_order_is_not_reduced_by_later_ones(api: Api) -> None:
    await _seed(api, on_hand=500, ordered=300)
    await api.place([("BC-STD", 400)])

    picked = await api.pick("1001")

    assert picked["order"]["status"] == "PICKED"
    assert picked["order"]["lines"][0]["pickedQuantity"] == 300


async def test_default_pick_with_nothing_in_stock_is_insufficient_stock(api: Api) -> None:
    await _seed(api, on_hand=0, ordered=10)

    await _refused(api, "INSUFFICIENT_STOCK", "1001")


async def test_default_pick_when_earlier_orders_claim_all_stock_is_insufficient_stock(
    api: Api,
) -> None:
    await _seed(api, on_hand=100, ordered=100)
    await api.place([("BC-STD", 10)])

    await _refused(api, "INSUFFICIENT_STOCK", "1002")
    await _refused(
        api,
        "INSUFFICIENT_STOCK",
        "1002",
        [{"lineId": (await api.existing_order("1002"))["lines"][0]["id"]}],
    )


async def test_default_pick_skips_lines_with_nothing_in_stock(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("BC-STD", on_hand=50, allow_backorder=True)
    await api.create_item("FOIL", on_hand=0, allow_backorder=True)
    await api.place([("BC-STD", 40), ("FOIL", 5)])

    picked = await api.pick("1001")

    assert picked["userErrors"] == []
    assert [line["pickedQuantity"] for line in picked["order"]["lines"]] == [40, 0]
    assert picked["order"]["status"] == "CONFIRMED"


# ------------------------------------------------------------- explicit quantities


async def test_explicit_quantity_of_zero_or_less_is_invalid_quantity(api: Api) -> None:
    order = await _seed(api)
    line_id = order["lines"][0]["id"]

    for quantity in (0, -1):
        error = await _refused(
            api, "INVALID_QUANTITY", "1001", [{"lineId": line_id, "quantity": quantity}]
        )
        assert error["field"] == "lines.0.quantity"


async def test_explicit_quantity_over_outstanding_is_invalid_quantity_before_stock_is_checked(
    api: Api,
) -> None:
    order = await _seed(api, on_hand=500, ordered=600)
    line_id = order["lines"][0]["id"]

    # 601 is both more than outstanding (600) and more than on hand (500):
    # the quantity rule is checked first.
    await _refused(api, "INVALID_QUANTITY", "1001", [{"lineId": line_id, "quantity": 601}])


async def test_explicit_quantity_over_on_hand_is_insufficient_stock(api: Api) -> None:
    order = await _seed(api, on_hand=500, ordered=600)
    line_id = order["lines"][0]["id"]

    error = await _refused(
        api, "INSUFFICIENT_STOCK", "1001", [{"lineId": line_id, "quantity": 501}]
    )
    assert error["field"] == "lines.0.quantity"


async def test_explicit_quantity_over_outstanding_after_a_partial_pick_is_invalid_quantity(
    api: Api,
) -> None:
    order = await _seed(api, on_hand=500, ordered=600)
    line_id = order["lines"][0]["id"]
    await api.pick("1001", [{"lineId": line_id, "quantity": 450}])
    await api.receive("BC-STD", 1000)

    await _refused(api, "INVALID_QUANTITY", "1001", [{"lineId": line_id, "quantity": 151}])
    picked = await api.pick("1001", [{"lineId": line_id, "quantity": 150}])
    assert picked["order"]["status"] == "PICKED"


async def test_explicit_quantity_may_exceed_the_lines_first_come_share(api: Api) -> None:
    await _seed(api, on_hand=500, ordered=300)
    later = await api.place([("BC-STD", 400)])
    line = later["order"]["lines"][0]
    assert line["inStockQuantity"] == 200

    picked = await api.pick("1002", [{"lineId": line["id"], "quantity": 400}])

    assert picked["userErrors"] == []
    assert picked["order"]["status"] == "PICKED"
    assert picked["order"]["lines"][0]["pickedQuantity"] == 400
    item = await api.item("BC-STD")
    assert (item["quantityOnHand"], item["availableQuantity"]) == (100, -200)
    assert (await api.existing_order("1001"))["lines"][0]["inStockQuantity"] == 100


async def test_explicit_picks_of_two_lines_of_one_item_are_checked_against_on_hand_together(
    api: Api,
) -> None:
    await api.create_customer("ACME")
    await api.create_item("BC-STD", on_hand=100, allow_backorder=True)
    order = (await api.place([("BC-STD", 80), ("BC-STD", 80)]))["order"]
    first, second = (line["id"] for line in order["lines"])

    await _refused(
        api,
        "INSUFFICIENT_STOCK",
        "1001",
        [{"lineId": first, "quantity": 60}, {"lineId": second, "quantity": 41}],
    )
    picked = await api.pick(
        "1001", [{"lineId": first, "quantity": 60}, {"lineId": second, "quantity": 40}]
    )
    assert [line["pickedQuantity"] for line in picked["order"]["lines"]] == [60, 40]
    assert (await api.item("BC-STD"))["quantityOnHand"] == 0


async def test_a_line_named_without_quantity_picks_its_default(api: Api) -> None:
    order = await _seed(api)

    picked = await api.pick("1001", [{"lineId": order["lines"][0]["id"]}])

    assert picked["order"]["lines"][0]["pickedQuantity"] == 500


# ------------------------------------------------------------- stock


async def test_picking_reserved_stock_lowers_on_hand_but_not_available(api: Api) -> None:
    await _seed(api, on_hand=500, ordered=600)
    before = await api.item("BC-STD")
    assert (before["quantityOnHand"], before["availableQuantity"]) == (500, -100)

    await api.pick("1001")

    after = await api.item("BC-STD")
    assert (after["quantityOnHand"], after["availableQuantity"]) == (0, -100)


async def test_picked_stock_no_longer_counts_toward_in_stock_shares(api: Api) -> None:
    order = await _seed(api, on_hand=500, ordered=200)
    await api.place([("BC-STD", 400)])
    assert (await api.existing_order("1002"))["lines"][0]["inStockQuantity"] == 300

    await api.pick("1001", [{"lineId": order["lines"][0]["id"], "quantity": 150}])

    # 350 on hand; 1001 still claims 50, so 1002 is covered for 300.
    assert (await api.existing_order("1001"))["lines"][0]["inStockQuantity"] == 50
    assert (await api.existing_order("1002"))["lines"][0]["inStockQuantity"] == 300
    item = await api.item("BC-STD")
    assert (item["quantityOnHand"], item["availableQuantity"]) == (350, -100)


# ------------------------------------------------------------- completion


async def test_full_pick_completes_as_picked_by_default(api: Api) -> None:
    await _seed(api, on_hand=500, ordered=200)

    data = await api.gql(PICK_DEFAULT_COMPLETION, {"i": {"orderNumber": "1001"}})

    assert data["pickOrder"] == {"order": {"number": "1001", "status": "PICKED"}, "userErrors": []}
    assert (await api.existing_order("1001"))["status"] == "PICKED"


async def test_full_pick_completes_as_packed_when_asked(api: Api) -> None:
    await _seed(api, on_hand=500, ordered=200)

    picked = await api.pick("1001", complete_as="PACKED")

    assert picked["order"]["status"] == "PACKED"
    assert picked["order"]["lines"][0]["outstandingQuantity"] == 0


async def test_partial_pick_leaves_the_order_confirmed(api: Api) -> None:
    await _seed(api, on_hand=500, ordered=600)

    picked = await api.pick("1001", complete_as="PACKED")

    assert picked["order"]["status"] == "CONFIRMED"
    assert picked["order"]["lines"][0]["outstandingQuantity"] == 100


async def test_picks_in_steps_complete_the_order_when_the_last_unit_is_picked(api: Api) -> None:
    order = await _seed(api, on_hand=500, ordered=600)
    line_id = order["lines"][0]["id"]

    first = await api.pick("1001", [{"lineId": line_id, "quantity": 500}])
    assert first["order"]["status"] == "CONFIRMED"
    await api.receive("BC-STD", 100)
    second = await api.pick("1001")

    assert second["order"]["status"] == "PICKED"
    assert second["order"]["lines"][0]["pickedQuantity"] == 600


async def test_complete_as_confirmed_is_invalid_status(api: Api) -> None:
    await _seed(api, on_hand=500, ordered=200)

    error = await _refused(api, "INVALID_STATUS", "1001", complete_as="CONFIRMED")
    assert error["field"] == "completeAs"


async def test_complete_as_other_statuses_is_invalid_status(api: Api) -> None:
    await _seed(api, on_hand=500, ordered=200)

    for status in ("ON_BACKORDER", "DISPATCHED", "CANCELLED"):
        await _refused(api, "INVALID_STATUS", "1001", complete_as=status)


# ------------------------------------------------------------- status and lookups


async def test_picking_a_picked_order_is_invalid_status(api: Api) -> None:
    await _seed(api, on_hand=500, ordered=200)
    await api.pick("1001")
    await api.receive("BC-STD", 100)

    await _refused(api, "INVALID_STATUS", "1001")


async def test_picking_a_packed_order_is_invalid_status(api: Api) -> None:
    await _seed(api, on_hand=500, ordered=200)
    await api.pick("1001", complete_as="PACKED")

    await _refused(api, "INVALID_STATUS", "1001")


async def test_picking_an_order_on_backorder_is_invalid_status(api: Api) -> None:
    await _seed(api, on_hand=500, ordered=600)
    await api.pick("1001")
    split = await api.split("1001")
    assert split["backorder"]["number"] == "1001-001"
    await api.receive("BC-STD", 500)
    backorder = await api.existing_order("1001-001")
    assert backorder["lines"][0]["inStockQuantity"] == 100

    await _refused(api, "INVALID_STATUS", "1001-001")
    await _refused(
        api, "INVALID_STATUS", "1001-001", [{"lineId": backorder["lines"][0]["id"], "quantity": 10}]
    )


async def test_picking_an_unknown_order_is_not_found(api: Api) -> None:
    await _seed(api)
    before = await _state(api, "1001")

    for number in ("9999", "1001-001", "not-a-number", ""):
        result = await api.pick(number)
        assert _codes(result) == ["NOT_FOUND"], number
        assert result["userErrors"][0]["field"] == "orderNumber"
    assert await _state(api, "1001") == before


async def test_picking_an_unknown_line_is_not_found(api: Api) -> None:
    await _seed(api)
    other = await api.place([("BC-STD", 5)])
    other_line = other["order"]["lines"][0]["id"]

    for line_id in ("999999", "abc", other_line):
        error = await _refused(api, "NOT_FOUND", "1001", [{"lineId": line_id, "quantity": 1}])
        assert error["field"] == "lines.0.lineId"


async def test_a_refused_line_refuses_the_whole_pick(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("BC-STD", on_hand=100, allow_backorder=True)
    await api.create_item("FOIL", on_hand=100, allow_backorder=True)
    order = (await api.place([("BC-STD", 50), ("FOIL", 50)]))["order"]
    good, bad = (line["id"] for line in order["lines"])

    before = await _state(api, "1001", items=("BC-STD", "FOIL"))
    result = await api.pick(
        "1001", [{"lineId": good, "quantity": 50}, {"lineId": bad, "quantity": 51}]
    )

    assert _codes(result) == ["INVALID_QUANTITY"]
    assert result["userErrors"][0]["field"] == "lines.1.quantity"
    assert await _state(api, "1001", items=("BC-STD", "FOIL")) == before


async def test_naming_a_line_twice_is_invalid_input(api: Api) -> None:
    order = await _seed(api)
    line_id = order["lines"][0]["id"]

    await _refused(
        api,
        "INVALID_INPUT",
        "1001",
        [{"lineId": line_id, "quantity": 1}, {"lineId": line_id, "quantity": 1}],
    )


async def test_an_empty_list_of_lines_is_invalid_input(api: Api) -> None:
    await _seed(api)

    await _refused(api, "INVALID_INPUT", "1001", [])
