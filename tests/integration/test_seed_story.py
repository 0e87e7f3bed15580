"""The knowledge-base article's story, over HTTP: 500 in stock, 600 ordered."""

from __future__ import annotations

from tests.support import Api


async def test_seed_story_from_order_to_confirmed_backorder(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("BC-STD", on_hand=500, allow_backorder=True, unit_price="15.00")

    placed = await api.place([("BC-STD", 600)])
    assert placed["userErrors"] == []
    order = placed["order"]
    assert (order["number"], order["status"]) == ("1001", "CONFIRMED")
    assert order["lines"][0]["quotedQuantity"] == 600
    assert order["lines"][0]["inStockQuantity"] == 500

    picked = await api.pick("1001")
    assert picked["userErrors"] == []
    assert picked["order"]["status"] == "CONFIRMED"
    assert picked["order"]["canSplitRemaining"] is True
    assert picked["order"]["lines"][0]["pickedQuantity"] == 500
    assert picked["order"]["lines"][0]["outstandingQuantity"] == 100
    assert (await api.item("BC-STD"))["quantityOnHand"] == 0

    split = await api.split("1001", status="PACKED", additionalShippingCharge="12.50")
    assert split["userErrors"] == []
    assert split["order"]["status"] == "PACKED"
    assert split["order"]["lines"][0]["quotedQuantity"] == 500
    assert split["order"]["total"] == "7500.00"
    backorder = split["backorder"]
    assert backorder["number"] == "1001-001"
    assert backorder["status"] == "ON_BACKORDER"
    assert backorder["backorderOf"] == {"number": "1001"}
    assert backorder["lines"][0]["quotedQuantity"] == 100
    assert backorder["lines"][0]["unitPrice"] == "15.00"
    assert backorder["charges"] == [
        {
            "kind": "ADDITIONAL_SHIPPING",
            "description": "Additional shipping charge",
            "amount": "12.50",
        }
    ]
    assert backorder["total"] == "1512.50"

    await api.receive("BC-STD", 100)
    confirmed = await api.confirm("1001-001")
    assert confirmed["userErrors"] == []
    assert confirmed["order"]["status"] == "CONFIRMED"
    assert confirmed["order"]["lines"][0]["inStockQuantity"] == 100

    final = await api.pick("1001-001", complete_as="PACKED")
    assert final["order"]["status"] == "PACKED"
    item = await api.item("BC-STD")
    assert (item["quantityOnHand"], item["availableQuantity"]) == (0, 0)
