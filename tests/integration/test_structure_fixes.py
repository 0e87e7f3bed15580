"""Small things the structure work set right: a use case outside a transaction fails loudly,
`updated_at` moves, a moved line takes its ledger entries along, every mutation takes a key.
"""

from __future__ import annotations

from typing import Any

import pytest

from backorders.models import SalesItem, SalesOrder
from backorders.resolvers.persistence.transactions import in_transaction
from backorders.resolvers.reads.invariants import find_drifts
from backorders.resolvers.rules.access import Principal
from backorders.resolvers.use_cases import catalog, confirm_backorder
from tests.support import Api

STAFF = Principal(sub="tester", roles=frozenset({"Administrator"}))


@pytest.mark.usefixtures("app")
async def test_a_use_case_called_outside_a_transaction_fails_loudly_and_writes_nothing() -> None:
    with pytest.raises(RuntimeError, match="create_customer must run inside a transaction"):
        await catalog.create_customer("ACME", "Acme")
    with pytest.raises(RuntimeError, match="confirm_backorder must run inside a transaction"):
        await confirm_backorder.confirm_backorder("1001-001", "tester")
    assert await find_drifts() == []

    async with in_transaction():
        created = await catalog.create_customer("ACME", "Acme")
    assert created == {"customer": 1}


async def test_updated_at_moves_when_stock_or_status_changes(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=5)
    item_before = (await SalesItem.get(code="CARD")).updated_at
    await api.place([("CARD", 8)])
    order_before = (await SalesOrder.get(number="1001")).updated_at

    await api.pick("1001")
    await api.split("1001", status="PACKED")

    assert (await SalesItem.get(code="CARD")).updated_at > item_before
    assert (await SalesOrder.get(number="1001")).updated_at > order_before


MOVEMENTS = """query($c: String!) { stockMovements(itemCode: $c) {
  edges { node { quantity reason lineId order { number } } } } }"""


async def test_a_line_returned_in_full_and_moved_by_a_split_takes_its_ledger_entries(
    api: Api,
) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=10)
    await api.create_item("INK", on_hand=10)
    order = (await api.place([("CARD", 4), ("INK", 3)]))["order"]
    card, ink = (line["id"] for line in order["lines"])
    await api.pick("1001", [{"lineId": card, "quantity": 4}, {"lineId": ink, "quantity": 2}])
    returned = await api.gql(
        """mutation($i: ReturnPickInput!) { returnPick(input: $i) { userErrors { code } } }""",
        {"i": {"orderNumber": "1001", "lines": [{"lineId": ink}]}},
    )
    assert returned["returnPick"]["userErrors"] == []

    split = await api.split("1001")

    assert split["userErrors"] == []
    movements = (await api.gql(MOVEMENTS, {"c": "INK"}))["stockMovements"]["edges"]
    ink_moves = [edge["node"] for edge in movements if edge["node"]["lineId"] == ink]
    assert {(m["reason"], m["order"]["number"]) for m in ink_moves} == {
        ("PICK", "1001-001"),
        ("PICK_RETURN", "1001-001"),
    }
    assert await find_drifts() == []


CREATE_ITEM = """mutation($i: CreateSalesItemInput!) { createSalesItem(input: $i) {
  salesItem { code name } userErrors { code field } } }"""
KEYED: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "createSalesItem": (
        CREATE_ITEM,
        {"code": "NEW", "name": "New", "unitPrice": "1.5", "idempotencyKey": "k"},
        {"code": "NEW", "name": "Other", "unitPrice": "1.50", "idempotencyKey": "k"},
    ),
    "createCustomer": (
        """mutation($i: CreateCustomerInput!) { createCustomer(input: $i) {
          customer { code } userErrors { code field } } }""",
        {"code": "NEWCO", "name": "New Co", "idempotencyKey": "k"},
        {"code": "NEWCO", "name": "Other Co", "idempotencyKey": "k"},
    ),
    "updateSalesItem": (
        """mutation($i: UpdateSalesItemInput!) { updateSalesItem(input: $i) {
          salesItem { code name } userErrors { code field } } }""",
        {"code": "CARD", "name": "Renamed", "idempotencyKey": "k"},
        {"code": "CARD", "name": "Again", "idempotencyKey": "k"},
    ),
    "updateSetting": (
        """mutation($i: UpdateSettingInput!) { updateSetting(input: $i) {
          setting { key value } userErrors { code field } } }""",
        {"key": "PrintIQ_Sales_CanViewAvailableQuantity", "value": "Sales", "idempotencyKey": "k"},
        {
            "key": "PrintIQ_Sales_CanViewAvailableQuantity",
            "value": "Sales,Warehouse",
            "idempotencyKey": "k",
        },
    ),
}


@pytest.mark.parametrize("name", list(KEYED))
async def test_every_mutation_takes_an_idempotency_key(api: Api, name: str) -> None:
    await api.create_item("CARD")
    mutation, first, other = KEYED[name]

    once = (await api.gql(mutation, {"i": first}))[name]
    again = (await api.gql(mutation, {"i": first}))[name]
    conflict = (await api.gql(mutation, {"i": other}))[name]

    assert once["userErrors"] == [] and again == once
    assert conflict["userErrors"] == [{"code": "IDEMPOTENCY_CONFLICT", "field": "idempotencyKey"}]
