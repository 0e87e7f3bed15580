"""splitRemaining and confirmBackorder over HTTP."""

from __future__ import annotations

from typing import Any

from tests.support import Api, order_numbers

SPLIT_DEFAULTS = """mutation($i: SplitRemainingInput!) { splitRemaining(input: $i) {
  order { number status } backorder { number status } userErrors { code } } }"""


async def _story(api: Api, on_hand: int = 500, ordered: int = 600, pick: bool = True) -> None:
    """The article's story up to the split: 1001 for `ordered`, `on_hand` in stock, picked."""
    await api.create_customer("ACME")
    await api.create_item("BC-STD", on_hand=on_hand, allow_backorder=True, unit_price="15.00")
    assert (await api.place([("BC-STD", ordered)]))["userErrors"] == []
    if pick:
        assert (await api.pick("1001"))["userErrors"] == []


def _codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def _state(api: Api, *numbers: str) -> dict[str, Any]:
    return {
        "numbers": await order_numbers(api),
        "orders": [await api.order(number) for number in numbers],
        "item": await api.item("BC-STD"),
    }


async def _refused_split(api: Api, code: str, number: str, **fields: Any) -> dict[str, Any]:
    """Split, expect exactly one userError `code`, and check that nothing changed."""
    before = await _state(api, number)
    result = await api.split(number, **fields)
    assert _codes(result) == [code], result
    assert (result["order"], result["backorder"]) == (None, None)
    assert await _state(api, number) == before
    return result["userErrors"][0]


# ------------------------------------------------------------- canSplitRemaining


async def test_cannot_split_before_anything_is_picked(api: Api) -> None:
    await _story(api, pick=False)

    assert (await api.existing_order("1001"))["canSplitRemaining"] is False


async def test_can_split_after_a_partial_pick(api: Api) -> None:
    await _story(api, on_hand=500, ordered=600)

    assert (await api.existing_order("1001"))["canSplitRemaining"] is True


async def test_cannot_split_after_a_full_pick(api: Api) -> None:
    await _story(api, on_hand=500, ordered=200)

    order = await api.existing_order("1001")
    assert order["status"] == "PICKED"
    assert order["canSplitRemaining"] is False


async def test_cannot_split_the_picked_original_or_its_backorder_after_a_split(api: Api) -> None:
    await _story(api)
    await api.split("1001")

    assert (await api.existing_order("1001"))["canSplitRemaining"] is False
    assert (await api.existing_order("1001-001"))["canSplitRemaining"] is False


# ------------------------------------------------------------- refusals


async def test_splitting_a_picked_order_is_invalid_status(api: Api) -> None:
    await _story(api, on_hand=500, ordered=200)

    await _refused_split(api, "INVALID_STATUS", "1001")


async def test_splitting_an_order_on_backorder_is_invalid_status(api: Api) -> None:
    await _story(api)
    await api.split("1001")

    await _refused_split(api, "INVALID_STATUS", "1001-001")


async def test_splitting_an_order_twice_is_invalid_status(api: Api) -> None:
    await _story(api)
    await api.split("1001", status="PACKED")

    await _refused_split(api, "INVALID_STATUS", "1001")
    assert await order_numbers(api) == ["1001-001", "1001"]


async def test_splitting_with_nothing_picked_is_nothing_to_split(api: Api) -> None:
    await _story(api, pick=False)

    await _refused_split(api, "NOTHING_TO_SPLIT", "1001")


async def test_splitting_to_a_status_other_than_picked_or_packed_is_invalid_status(
    api: Api,
) -> None:
    await _story(api)

    for status in ("CONFIRMED", "ON_BACKORDER", "DISPATCHED"):
        error = await _refused_split(api, "INVALID_STATUS", "1001", status=status)
        assert error["field"] == "status"


async def test_splitting_an_unknown_order_is_not_found(api: Api) -> None:
    await _story(api)

    for number in ("9999", "1001-001", "garbage", "1001-1"):
        await _refused_split(api, "NOT_FOUND", number)


async def test_a_negative_shipping_charge_is_invalid_input_and_changes_nothing(api: Api) -> None:
    await _story(api)

    error = await _refused_split(api, "INVALID_INPUT", "1001", additionalShippingCharge="-0.01")
    assert error["field"] == "additionalShippingCharge"


async def test_a_shipping_charge_with_three_decimals_is_invalid_input_and_changes_nothing(
    api: Api,
) -> None:
    await _story(api)

    for amount in ("12.345", "0.001", 1.005):
        error = await _refused_split(api, "INVALID_INPUT", "1001", additionalShippingCharge=amount)
        assert error["field"] == "additionalShippingCharge"


async def test_a_shipping_charge_that_is_not_a_number_is_a_validation_error(api: Api) -> None:
    await _story(api)
    before = await _state(api, "1001")

    errors = await api.errors(
        SPLIT_DEFAULTS, {"i": {"orderNumber": "1001", "additionalShippingCharge": "twelve"}}
    )

    assert all(e.get("extensions", {}).get("code") != "INTERNAL_SERVER_ERROR" for e in errors)
    assert await _state(api, "1001") == before


# ------------------------------------------------------------- what a split does


async def test_split_defaults_to_picked_with_the_remainder_on_backorder(api: Api) -> None:
    await _story(api)

    data = await api.gql(SPLIT_DEFAULTS, {"i": {"orderNumber": "1001"}})

    assert data["splitRemaining"] == {
        "order": {"number": "1001", "status": "PICKED"},
        "backorder": {"number": "1001-001", "status": "ON_BACKORDER"},
        "userErrors": [],
    }


async def test_split_reduces_the_original_to_what_was_picked(api: Api) -> None:
    await _story(api)

    split = await api.split("1001", status="PACKED")

    assert split["userErrors"] == []
    assert split["order"]["status"] == "PACKED"
    assert split["order"]["lines"] == [
        {"quotedQuantity": 500, "pickedQuantity": 500, "outstandingQuantity": 0}
    ]
    assert split["order"]["total"] == "7500.00"
    backorder = split["backorder"]
    assert backorder["status"] == "ON_BACKORDER"
    assert backorder["backorderOf"] == {"number": "1001"}
    assert backorder["lines"] == [
        {
            "quotedQuantity": 100,
            "pickedQuantity": 0,
            "unitPrice": "15.00",
            "item": {"code": "BC-STD"},
        }
    ]
    assert backorder["total"] == "1500.00"


async def test_split_of_a_multi_line_order_moves_unpicked_lines_whole(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=10, allow_backorder=True, unit_price="2.50")
    await api.create_item("FOIL", on_hand=0, allow_backorder=True, unit_price="7.00")
    placed = (await api.place([("CARD", 15), ("FOIL", 4)]))["order"]
    card_line, foil_line = (line["id"] for line in placed["lines"])
    # Change CARD's catalogue price: the backorder keeps the order's price.
    data = await api.gql(
        "mutation($i: UpdateSalesItemInput!) {"
        " updateSalesItem(input: $i) { userErrors { code } } }",
        {"i": {"code": "CARD", "unitPrice": "3.00"}},
    )
    assert data["updateSalesItem"]["userErrors"] == []
    picked = await api.pick("1001", [{"lineId": card_line, "quantity": 10}])
    assert picked["order"]["status"] == "CONFIRMED"

    split = await api.split("1001")
    assert split["userErrors"] == []

    original = await api.existing_order("1001")
    assert [
        (line["id"], line["item"]["code"], line["quotedQuantity"], line["pickedQuantity"])
        for line in original["lines"]
    ] == [(card_line, "CARD", 10, 10)]
    assert original["total"] == "25.00"

    backorder = await api.existing_order("1001-001")
    lines = {line["item"]["code"]: line for line in backorder["lines"]}
    assert set(lines) == {"CARD", "FOIL"}
    assert lines["FOIL"]["id"] == foil_line  # moved whole: same line, new order
    assert (lines["FOIL"]["quotedQuantity"], lines["FOIL"]["pickedQuantity"]) == (4, 0)
    assert lines["FOIL"]["unitPrice"] == "7.00"
    assert lines["CARD"]["id"] not in (card_line, foil_line)  # the remainder is a new line
    assert (lines["CARD"]["quotedQuantity"], lines["CARD"]["pickedQuantity"]) == (5, 0)
    assert lines["CARD"]["unitPrice"] == "2.50"
    assert backorder["total"] == "40.50"  # 5 x 2.50 + 4 x 7.00


async def test_split_keeps_reservations_as_they_were(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=10, allow_backorder=True)
    await api.create_item("FOIL", on_hand=3, allow_backorder=True)
    placed = (await api.place([("CARD", 15), ("FOIL", 8)]))["order"]
    await api.pick("1001", [{"lineId": placed["lines"][0]["id"], "quantity": 10}])
    before = [await api.item("CARD"), await api.item("FOIL")]
    assert [(i["quantityOnHand"], i["availableQuantity"]) for i in before] == [(0, -5), (3, -5)]

    await api.split("1001")

    assert [await api.item("CARD"), await api.item("FOIL")] == before
    backorder = await api.existing_order("1001-001")
    in_stock = {line["item"]["code"]: line["inStockQuantity"] for line in backorder["lines"]}
    assert in_stock == {"CARD": 0, "FOIL": 3}


async def test_a_backorder_keeps_its_familys_place_in_the_queue(api: Api) -> None:
    await _story(api, on_hand=500, ordered=600)
    later = await api.place([("BC-STD", 50)])
    assert later["order"]["number"] == "1002"
    await api.split("1001")
    await api.receive("BC-STD", 120)

    # 120 arrive: the backorder of 1001 (100) comes before 1002 (50).
    assert (await api.existing_order("1001-001"))["lines"][0]["inStockQuantity"] == 100
    assert (await api.existing_order("1002"))["lines"][0]["inStockQuantity"] == 20


# ------------------------------------------------------------- numbering


async def test_backorders_take_the_familys_next_suffix_never_a_nested_one(api: Api) -> None:
    await _story(api, on_hand=500, ordered=600)
    await api.place([("BC-STD", 1)])  # 1002: another family, its own numbers
    first = await api.split("1001")
    assert first["backorder"]["number"] == "1001-001"

    confirmed = await api.confirm("1001-001")
    assert confirmed["order"]["status"] == "CONFIRMED"
    await api.receive("BC-STD", 40)
    line_id = (await api.existing_order("1001-001"))["lines"][0]["id"]
    picked = await api.pick("1001-001", [{"lineId": line_id, "quantity": 40}])
    assert picked["order"]["canSplitRemaining"] is True
    second = await api.split("1001-001")

    assert second["userErrors"] == []
    assert second["order"]["number"] == "1001-001"
    assert second["backorder"]["number"] == "1001-002"
    assert second["backorder"]["backorderOf"] == {"number": "1001-001"}
    assert second["backorder"]["lines"][0]["quotedQuantity"] == 60
    assert await api.order("1001-001-001") is None
    assert sorted(await order_numbers(api)) == ["1001", "1001-001", "1001-002", "1002"]

    root = await api.existing_order("1001")
    assert root["backorderOf"] is None
    assert root["backorders"] == [{"number": "1001-001", "status": "PICKED"}]
    middle = await api.existing_order("1001-001")
    assert middle["backorderOf"] == {"number": "1001"}
    assert middle["backorders"] == [{"number": "1001-002", "status": "ON_BACKORDER"}]
    assert (await api.existing_order("1001-002"))["backorders"] == []

    third = await api.place([("BC-STD", 5)])
    assert third["order"]["number"] == "1003"


# ------------------------------------------------------------- shipping charge


async def test_shipping_charge_goes_on_the_backorder_by_default(api: Api) -> None:
    await _story(api)

    split = await api.split("1001", additionalShippingCharge="12.50")

    assert split["backorder"]["charges"] == [
        {
            "kind": "ADDITIONAL_SHIPPING",
            "description": "Additional shipping charge",
            "amount": "12.50",
        }
    ]
    assert split["backorder"]["total"] == "1512.50"
    assert split["order"]["charges"] == []
    assert split["order"]["total"] == "7500.00"
    assert (await api.existing_order("1001-001"))["total"] == "1512.50"


async def test_shipping_charge_goes_on_the_original_when_asked(api: Api) -> None:
    await _story(api)

    split = await api.split("1001", additionalShippingCharge="9.99", chargeTo="ORIGINAL")

    assert split["order"]["charges"] == [{"kind": "ADDITIONAL_SHIPPING", "amount": "9.99"}]
    assert split["order"]["total"] == "7509.99"
    assert split["backorder"]["charges"] == []
    assert split["backorder"]["total"] == "1500.00"
    assert (await api.existing_order("1001"))["total"] == "7509.99"


async def test_charge_to_backorder_explicitly_matches_the_default(api: Api) -> None:
    await _story(api)

    split = await api.split("1001", additionalShippingCharge=5, chargeTo="BACKORDER")

    assert split["backorder"]["charges"][0]["amount"] == "5.00"
    assert split["backorder"]["total"] == "1505.00"


async def test_a_zero_shipping_charge_adds_no_charge(api: Api) -> None:
    await _story(api)

    split = await api.split("1001", additionalShippingCharge="0.00")

    assert split["userErrors"] == []
    assert split["order"]["charges"] == []
    assert split["backorder"]["charges"] == []
    assert split["backorder"]["total"] == "1500.00"


async def test_no_shipping_charge_adds_no_charge(api: Api) -> None:
    await _story(api)

    split = await api.split("1001", chargeTo="ORIGINAL")

    assert split["order"]["charges"] == []
    assert split["backorder"]["charges"] == []


# ------------------------------------------------------------- confirmBackorder


async def test_confirming_a_backorder_makes_it_confirmed_even_with_nothing_in_stock(
    api: Api,
) -> None:
    await _story(api)
    await api.split("1001")
    item = await api.item("BC-STD")
    assert (item["quantityOnHand"], item["availableQuantity"]) == (0, -100)

    confirmed = await api.confirm("1001-001")

    assert confirmed["userErrors"] == []
    assert confirmed["order"]["status"] == "CONFIRMED"
    assert confirmed["order"]["lines"] == [{"quotedQuantity": 100, "inStockQuantity": 0}]
    assert (await api.existing_order("1001-001"))["status"] == "CONFIRMED"
    assert await api.item("BC-STD") == item


async def test_a_confirmed_backorder_can_be_picked_once_stock_arrives(api: Api) -> None:
    await _story(api)
    await api.split("1001")
    await api.confirm("1001-001")
    await api.receive("BC-STD", 100)

    picked = await api.pick("1001-001", complete_as="PACKED")

    assert picked["order"]["status"] == "PACKED"


async def test_confirming_a_confirmed_order_is_invalid_status(api: Api) -> None:
    await _story(api)
    await api.split("1001")
    await api.confirm("1001-001")

    for number, status in (("1001-001", "CONFIRMED"), ("1001", "PICKED")):
        before = await _state(api, number)
        result = await api.confirm(number)
        assert _codes(result) == ["INVALID_STATUS"]
        assert result["order"] is None
        assert await _state(api, number) == before
        assert before["orders"][0]["status"] == status


async def test_confirming_a_freshly_placed_order_is_invalid_status(api: Api) -> None:
    await _story(api, pick=False)

    result = await api.confirm("1001")

    assert _codes(result) == ["INVALID_STATUS"]
    assert (await api.existing_order("1001"))["status"] == "CONFIRMED"


async def test_confirming_an_unknown_order_is_not_found(api: Api) -> None:
    await _story(api)
    await api.split("1001")
    before = await _state(api, "1001-001")

    for number in (
        "9999",
        "1001-002",
        "garbage",
        "1001-001-001",
        "",
        "'; DROP TABLE sales_order; --",
    ):
        result = await api.confirm(number)
        assert _codes(result) == ["NOT_FOUND"], number
        assert result["userErrors"][0]["field"] == "orderNumber"

    assert await _state(api, "1001-001") == before
