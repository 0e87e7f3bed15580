"""The stock ledger: every change to stock on hand writes a movement, in the same transaction.

Movements are read back over HTTP (`stockMovements`, paged), and on hand is
compared with their sum. Movements are stock figures: gated by
PrintIQ_Sales_CanViewAvailableQuantity like `availableQuantity`.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.operations import UPDATE_SETTING
from tests.support import Api

SETTING_KEY = "PrintIQ_Sales_CanViewAvailableQuantity"
DEFAULT_VALUE = "Administrator,Sales Admin,Sales,Warehouse"

MOVEMENTS = """query($code: String!, $first: Int, $after: String) {
  stockMovements(itemCode: $code, first: $first, after: $after) {
    edges { cursor node {
      id item { code } location quantity reason order { number } lineId reference actor createdAt
    } }
    pageInfo { hasNextPage endCursor } } }"""
RECEIVE = """mutation($i: ReceiveStockInput!) { receiveStock(input: $i) {
    salesItem { code quantityOnHand } userErrors { code message field } } }"""
PICK = """mutation($i: PickOrderInput!) { pickOrder(input: $i) {
    order { number status lines { id pickedQuantity } } userErrors { code message field } } }"""


# ------------------------------------------------------------ helpers


async def movement_page(
    api: Api, code: str, first: int | None = None, after: str | None = None, **caller: Any
) -> dict[str, Any] | None:
    data = await api.gql(MOVEMENTS, {"code": code, "first": first, "after": after}, **caller)
    page: dict[str, Any] | None = data["stockMovements"]
    return page


async def all_movements(api: Api, code: str, page_size: int = 3) -> list[dict[str, Any]]:
    """Every movement of the item, newest first, read page by page."""
    movements: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(1000):  # bounded: a broken cursor must not loop for ever
        page = await movement_page(api, code, first=page_size, after=after)
        assert page is not None
        movements.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return movements
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("stockMovements did not reach its last page")


def summary(movements: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """(reason, quantity, order number, line id) per movement, in the order given."""
    return [
        (m["reason"], m["quantity"], (m["order"] or {}).get("number"), m["lineId"])
        for m in movements
    ]


async def on_hand(api: Api, code: str) -> int:
    value: int = (await api.item(code))["quantityOnHand"]
    return value


async def receive(
    api: Api,
    code: str,
    quantity: int,
    reference: str | None = None,
    key: str | None = None,
    **caller: Any,
) -> dict[str, Any]:
    """receiveStock; returns its payload."""
    item = {"itemCode": code, "quantity": quantity, "reference": reference, "idempotencyKey": key}
    payload: dict[str, Any] = (await api.gql(RECEIVE, {"i": item}, **caller))["receiveStock"]
    return payload


async def pick(
    api: Api,
    number: str,
    lines: list[tuple[str, int]] | None = None,
    key: str | None = None,
    **caller: Any,
) -> dict[str, Any]:
    """pickOrder with (line id, quantity) pairs, or the default pick; returns its payload."""
    item: dict[str, Any] = {"orderNumber": number, "idempotencyKey": key}
    if lines is not None:
        item["lines"] = [{"lineId": line_id, "quantity": q} for line_id, q in lines]
    payload: dict[str, Any] = (await api.gql(PICK, {"i": item}, **caller))["pickOrder"]
    return payload


async def set_setting(api: Api, value: str) -> None:
    data = await api.gql(UPDATE_SETTING, {"i": {"key": SETTING_KEY, "value": value}})
    assert data["updateSetting"]["userErrors"] == []


def line_ids(placed: dict[str, Any]) -> list[str]:
    return [str(line["id"]) for line in placed["order"]["lines"]]


# ------------------------------------------------------------ what writes a movement


async def test_receive_stock_writes_a_receipt_movement_with_its_reference_and_the_callers_sub(
    api: Api,
) -> None:
    await api.create_item("CARD")

    received = await receive(api, "CARD", 40, "PO-77", roles=("Warehouse",), sub="wendy")

    assert received["userErrors"] == []
    [movement] = await all_movements(api, "CARD")
    assert movement["reason"] == "RECEIPT"
    assert movement["quantity"] == 40
    assert movement["reference"] == "PO-77"
    assert movement["actor"] == "wendy"
    assert movement["item"] == {"code": "CARD"}
    assert movement["location"] == "MAIN"
    assert (movement["order"], movement["lineId"]) == (None, None)
    assert movement["createdAt"]
    assert await on_hand(api, "CARD") == 40


@pytest.mark.parametrize(
    ("code", "quantity", "error"),
    [("CARD", 0, "INVALID_QUANTITY"), ("CARD", -5, "INVALID_QUANTITY"), ("NOPE", 5, "NOT_FOUND")],
)
async def test_a_refused_receipt_writes_no_movement(
    api: Api, code: str, quantity: int, error: str
) -> None:
    await api.create_item("CARD", on_hand=12)

    refused = await receive(api, code, quantity, "PO-X")

    assert [e["code"] for e in refused["userErrors"]] == [error]
    assert summary(await all_movements(api, "CARD")) == [("RECEIPT", 12, None, None)]
    assert await on_hand(api, "CARD") == 12


async def test_pick_writes_one_pick_movement_per_picked_line_with_its_order_and_line(
    api: Api,
) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=30)
    await api.create_item("ENV", on_hand=8)
    await api.create_item("PEN")  # nothing on hand: its line is not picked
    placed = await api.place([("CARD", 10), ("ENV", 5), ("PEN", 4), ("CARD", 3)])
    card, env, _pen, card_again = line_ids(placed)

    picked = await pick(api, "1001", roles=("Warehouse",), sub="pat")

    assert picked["userErrors"] == []
    card_movements = await all_movements(api, "CARD")
    assert sorted(summary(card_movements)[:2], key=lambda m: int(m[3])) == sorted(
        [("PICK", -10, "1001", card), ("PICK", -3, "1001", card_again)], key=lambda m: int(m[3])
    )
    assert summary(card_movements)[2:] == [("RECEIPT", 30, None, None)]
    assert summary(await all_movements(api, "ENV")) == [
        ("PICK", -5, "1001", env),
        ("RECEIPT", 8, None, None),
    ]
    assert await all_movements(api, "PEN") == []
    assert {m["actor"] for m in card_movements[:2]} == {"pat"}
    assert (await on_hand(api, "CARD"), await on_hand(api, "ENV")) == (17, 3)


async def test_a_partial_pick_moves_only_the_picked_quantity(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=500)
    [line] = line_ids(await api.place([("CARD", 600)]))

    assert (await pick(api, "1001", [(line, 120)]))["userErrors"] == []
    assert (await pick(api, "1001", [(line, 80)]))["userErrors"] == []

    assert summary(await all_movements(api, "CARD")) == [
        ("PICK", -80, "1001", line),
        ("PICK", -120, "1001", line),
        ("RECEIPT", 500, None, None),
    ]
    assert await on_hand(api, "CARD") == 300


@pytest.mark.parametrize(
    ("quantity", "code"),
    [
        (31, "INSUFFICIENT_STOCK"),
        (0, "INVALID_QUANTITY"),
        (-2, "INVALID_QUANTITY"),
        (51, "INVALID_QUANTITY"),
    ],
    ids=["more than on hand", "zero", "negative", "more than outstanding"],
)
async def test_a_refused_pick_writes_no_movement_and_takes_no_stock(
    api: Api, quantity: int, code: str
) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=30)
    await api.create_item("ENV", on_hand=9)
    env, card = line_ids(await api.place([("ENV", 4), ("CARD", 50)]))
    before = await all_movements(api, "CARD"), await all_movements(api, "ENV")

    # The first line alone could be picked: the refusal must undo it too.
    refused = await pick(api, "1001", [(env, 4), (card, quantity)])

    assert [e["code"] for e in refused["userErrors"]] == [code]
    assert refused["order"] is None
    assert (await all_movements(api, "CARD"), await all_movements(api, "ENV")) == before
    assert (await on_hand(api, "CARD"), await on_hand(api, "ENV")) == (30, 9)
    order = await api.existing_order("1001")
    assert [line["pickedQuantity"] for line in order["lines"]] == [0, 0]


async def test_a_default_pick_with_nothing_in_stock_writes_no_movement(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=5)
    await api.place([("CARD", 5)])  # 1001 claims all of it
    await api.place([("CARD", 2)])  # 1002 has nothing in stock

    refused = await pick(api, "1002")

    assert [e["code"] for e in refused["userErrors"]] == ["INSUFFICIENT_STOCK"]
    assert summary(await all_movements(api, "CARD")) == [("RECEIPT", 5, None, None)]


async def test_place_split_and_confirm_write_no_movement(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=500)
    await api.create_item("ENV", on_hand=3)
    await api.place([("CARD", 600), ("ENV", 2)])
    assert (await api.pick("1001"))["userErrors"] == []
    after_pick = summary(await all_movements(api, "CARD")), summary(await all_movements(api, "ENV"))

    await api.place([("CARD", 7), ("ENV", 9)])
    assert (await api.split("1001", additionalShippingCharge="12.50"))["userErrors"] == []
    assert (await api.confirm("1001-001"))["order"]["status"] == "CONFIRMED"

    after_all = summary(await all_movements(api, "CARD")), summary(await all_movements(api, "ENV"))
    assert after_all == after_pick
    assert len(after_pick[0]) == 2  # the receipt and the pick
    assert (await on_hand(api, "CARD"), await on_hand(api, "ENV")) == (0, 1)


async def test_a_replayed_receipt_or_pick_writes_no_second_movement(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD")
    for _ in range(2):
        assert (await receive(api, "CARD", 25, "PO-1", key="receipt-1"))["userErrors"] == []
    [line] = line_ids(await api.place([("CARD", 10)]))
    for _ in range(2):
        replayed = await pick(api, "1001", [(line, 4)], key="pick-1")
        assert replayed["userErrors"] == []
        assert replayed["order"]["lines"][0]["pickedQuantity"] == 4

    assert summary(await all_movements(api, "CARD")) == [
        ("PICK", -4, "1001", line),
        ("RECEIPT", 25, None, None),
    ]
    assert await on_hand(api, "CARD") == 21


async def test_on_hand_equals_the_sum_of_the_items_movements_after_a_mixed_story(
    api: Api,
) -> None:
    await api.create_customer("ACME")
    await api.create_customer("BOLT", "Bolt Stationers")
    await api.create_item("CARD", on_hand=500)
    await api.create_item("ENV", on_hand=40, allow_backorder=False)
    await api.create_item("PEN")
    await receive(api, "CARD", 37, "PO-2")
    await api.place([("CARD", 600), ("ENV", 12), ("PEN", 5)])  # 1001
    bolt = line_ids(await api.place([("CARD", 50), ("ENV", 20)], customer="BOLT"))  # 1002
    assert (await api.pick("1001"))["userErrors"] == []  # CARD 537, ENV 12, PEN nothing
    assert (await api.split("1001", status="PACKED"))["userErrors"] == []  # 1001-001: 63, 5
    await receive(api, "CARD", 80)
    await receive(api, "PEN", 9)
    assert (await api.confirm("1001-001"))["userErrors"] == []
    assert (await api.pick("1001-001"))["order"]["status"] == "PICKED"  # CARD 63, PEN 5
    await api.place([("ENV", 5)], customer="BOLT")  # 1003
    refused = await pick(api, "1002", [(bolt[1], 99)])
    assert [e["code"] for e in refused["userErrors"]] == ["INVALID_QUANTITY"]
    assert (await api.pick("1002"))["userErrors"] == []  # CARD 17 of 50, ENV 20

    expected = {"CARD": 500 + 37 + 80 - 537 - 63 - 17, "ENV": 40 - 12 - 20, "PEN": 9 - 5}
    for code, figure in expected.items():
        movements = await all_movements(api, code, page_size=2)
        assert await on_hand(api, code) == figure
        assert sum(m["quantity"] for m in movements) == figure, (code, summary(movements))
    card = summary(await all_movements(api, "CARD"))
    assert sorted((reason, order) for reason, _, order, _ in card) == [
        ("PICK", "1001"),
        ("PICK", "1001-001"),
        ("PICK", "1002"),
        ("RECEIPT", None),
        ("RECEIPT", None),
        ("RECEIPT", None),
    ]


# ------------------------------------------------------------ the stockMovements query


async def test_stock_movements_are_newest_first_and_cursor_pages_cover_each_once(
    api: Api,
) -> None:
    await api.create_item("CARD")
    for n in range(1, 8):
        await receive(api, "CARD", n, f"PO-{n}")
    await api.create_item("OTHER", on_hand=99)  # another item's movements stay out

    everything = await movement_page(api, "CARD", first=100)
    assert everything is not None
    assert [m["node"]["reference"] for m in everything["edges"]] == [
        f"PO-{n}" for n in range(7, 0, -1)
    ]
    assert everything["pageInfo"]["hasNextPage"] is False
    ids = [int(m["node"]["id"]) for m in everything["edges"]]
    assert ids == sorted(ids, reverse=True)

    first = await movement_page(api, "CARD", first=3)
    assert first is not None
    assert [e["node"]["reference"] for e in first["edges"]] == ["PO-7", "PO-6", "PO-5"]
    assert first["pageInfo"] == {"hasNextPage": True, "endCursor": first["edges"][-1]["cursor"]}
    second = await movement_page(api, "CARD", first=3, after=first["pageInfo"]["endCursor"])
    assert second is not None
    assert [e["node"]["reference"] for e in second["edges"]] == ["PO-4", "PO-3", "PO-2"]
    third = await movement_page(api, "CARD", first=3, after=second["pageInfo"]["endCursor"])
    assert third is not None
    assert [e["node"]["reference"] for e in third["edges"]] == ["PO-1"]
    assert third["pageInfo"]["hasNextPage"] is False
    assert [m["reference"] for m in await all_movements(api, "CARD", page_size=1)] == [
        f"PO-{n}" for n in range(7, 0, -1)
    ]


async def test_stock_movements_default_to_a_page_of_20(api: Api) -> None:
    await api.create_item("CARD")
    for _ in range(21):
        await receive(api, "CARD", 1)

    page = await movement_page(api, "CARD")

    assert page is not None
    assert len(page["edges"]) == 20 and page["pageInfo"]["hasNextPage"] is True


async def test_stock_movements_of_an_unknown_item_are_null_without_an_error(api: Api) -> None:
    await api.create_item("CARD", on_hand=5)
    assert await movement_page(api, "NOPE") is None


async def test_stock_movements_of_an_item_without_movements_are_an_empty_page(api: Api) -> None:
    await api.create_item("CARD")
    assert await movement_page(api, "CARD") == {
        "edges": [],
        "pageInfo": {"hasNextPage": False, "endCursor": None},
    }


@pytest.mark.parametrize("role", ["Administrator", "Sales Admin", "Sales", "Warehouse"])
async def test_every_staff_role_in_the_setting_reads_the_ledger(api: Api, role: str) -> None:
    await api.create_item("CARD", on_hand=5)
    page = await movement_page(api, "CARD", roles=(role,))
    assert page is not None
    assert [e["node"]["quantity"] for e in page["edges"]] == [5]


async def test_a_staff_role_outside_the_setting_gets_null_movements_without_an_error(
    api: Api,
) -> None:
    await api.create_item("CARD", on_hand=5)
    await set_setting(api, "Administrator,Warehouse")

    assert await movement_page(api, "CARD", roles=("Sales",)) is None
    assert await movement_page(api, "CARD", roles=("Sales Admin",)) is None
    assert await movement_page(api, "CARD", roles=("Warehouse",)) is not None

    await set_setting(api, DEFAULT_VALUE)  # effective on the next request
    assert await movement_page(api, "CARD", roles=("Sales",)) is not None


@pytest.mark.parametrize("setting", [DEFAULT_VALUE, DEFAULT_VALUE + ",Customer"])
async def test_a_customer_is_forbidden_the_ledger_even_inside_the_setting(
    api: Api, setting: str
) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=5)
    await set_setting(api, setting)

    response = await api.post(MOVEMENTS, {"code": "CARD"}, roles=("Customer",), customer="ACME")

    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert body["data"] == {"stockMovements": None}


@pytest.mark.parametrize("first", [101, -1])
async def test_stock_movements_refuse_a_page_size_out_of_range(api: Api, first: int) -> None:
    await api.create_item("CARD", on_hand=5)
    errors = await api.errors(MOVEMENTS, {"code": "CARD", "first": first})
    assert [e["extensions"]["code"] for e in errors] == ["INVALID_INPUT"]


async def test_stock_movements_refuse_a_foreign_cursor(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=5)
    await api.place([("CARD", 1)])
    orders = await api.gql("{ salesOrders(first: 1) { pageInfo { endCursor } } }")
    cursor = orders["salesOrders"]["pageInfo"]["endCursor"]

    errors = await api.errors(MOVEMENTS, {"code": "CARD", "after": cursor})

    assert [e["extensions"]["code"] for e in errors] == ["INVALID_INPUT"]


# ------------------------------------------------------------ no figure leaks
#
# Distinctive figures: receipts 437 and 251, a pick of 178 of 200 (on hand 510,
# available 488).
LEDGER_FIGURES = (437, 251, 178, 510, 488)
LEDGER_PROBE = """query($code: String!, $first: Int, $after: String) {
  stockMovements(itemCode: $code, first: $first, after: $after) {
    edges { cursor node { id quantity reason reference actor order { number }
      item { code quantityOnHand availableQuantity } } }
    pageInfo { hasNextPage endCursor } } }"""


def ledger_figures_in(text: str) -> set[int]:
    return {f for f in LEDGER_FIGURES if re.search(rf"(?<![\d.]){f}(?![\d])", text)}


OUTSIDE: dict[str, tuple[dict[str, Any], str]] = {
    "customer": ({"roles": ("Customer",), "customer": "ACME"}, DEFAULT_VALUE),
    "unknown role": ({"roles": ("Guest",)}, DEFAULT_VALUE),
    "sales removed": ({"roles": ("Sales",)}, "Administrator,Warehouse"),
    "warehouse removed": ({"roles": ("Warehouse",)}, "Administrator,Sales"),
}


async def ledger_scenario(api: Api) -> str:
    """CARD: receipts 437 and 251, one pick of 178; returns a cursor into its ledger."""
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=437, unit_price="2.00")
    await receive(api, "CARD", 251, "PO-9")
    [line] = line_ids(await api.place([("CARD", 200)]))
    assert (await pick(api, "1001", [(line, 178)]))["userErrors"] == []
    page = await movement_page(api, "CARD", first=1)
    assert page is not None
    cursor: str = page["pageInfo"]["endCursor"]
    return cursor


@pytest.mark.parametrize("case", list(OUTSIDE))
async def test_no_ledger_figure_reaches_a_caller_outside_the_setting(api: Api, case: str) -> None:
    caller, setting = OUTSIDE[case]
    cursor = await ledger_scenario(api)
    await set_setting(api, setting)

    texts: list[str] = []
    for variables in (
        {"code": "CARD"},
        {"code": "CARD", "first": 100},
        {"code": "CARD", "first": 1, "after": cursor},
        {"code": "CARD", "first": 101},
        {"code": "NOPE"},
    ):
        response = await api.post(LEDGER_PROBE, variables, **caller)
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body.get("data") or {}).get("stockMovements") is None, body
        texts.append(response.text)

    assert ledger_figures_in("\n".join(texts)) == set()
    # The control: the same probe shows them to a caller inside the setting.
    await set_setting(api, DEFAULT_VALUE)
    inside = await api.post(LEDGER_PROBE, {"code": "CARD", "first": 100})
    assert ledger_figures_in(inside.text) == set(LEDGER_FIGURES)
