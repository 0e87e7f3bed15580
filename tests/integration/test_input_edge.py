"""Bad input is refused at the edge as INVALID_INPUT naming its field: never a 500, never a
traceback in the log, nothing changed. Strings longer than their column, strings with a
lone surrogate, cursors beyond any id, numbers beyond any order.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest

from tests.operations import PLACE_NUMBER as PLACE
from tests.support import Api

LONG_CODE = "C" * 65  # the code columns hold 64
SURROGATE = "A\ud800B"


async def prepared(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=10)


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def error_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


RECEIVE = """mutation($i: ReceiveStockInput!) { receiveStock(input: $i) {
  salesItem { code } userErrors { code field message } } }"""
UPDATE_ITEM = """mutation($i: UpdateSalesItemInput!) { updateSalesItem(input: $i) {
  salesItem { code } userErrors { code field message } } }"""
CREATE_ITEM = """mutation($i: CreateSalesItemInput!) { createSalesItem(input: $i) {
  salesItem { code } userErrors { code field message } } }"""
PICK = """mutation($i: PickOrderInput!) { pickOrder(input: $i) {
  order { number } userErrors { code field message } } }"""
SPLIT = """mutation($i: SplitRemainingInput!) { splitRemaining(input: $i) {
  order { number } userErrors { code field message } } }"""
SETTING = """mutation($i: UpdateSettingInput!) { updateSetting(input: $i) {
  setting { key } userErrors { code field message } } }"""


def place(**fields: Any) -> dict[str, Any]:
    return {"customerCode": "ACME", "lines": [{"itemCode": "CARD", "quantity": 1}], **fields}


# (mutation, input, the field its userError names)
MUTATIONS: dict[str, tuple[str, dict[str, Any], str]] = {
    "placeOrder long itemCode": (
        PLACE,
        place(lines=[{"itemCode": "CARD", "quantity": 1}, {"itemCode": LONG_CODE, "quantity": 1}]),
        "lines.1.itemCode",
    ),
    "placeOrder long customerCode": (PLACE, place(customerCode=LONG_CODE), "customerCode"),
    "placeOrder surrogate itemCode": (
        PLACE,
        place(lines=[{"itemCode": SURROGATE, "quantity": 1}]),
        "lines.0.itemCode",
    ),
    "placeOrder surrogate reference": (PLACE, place(reference=SURROGATE), "reference"),
    "placeOrder NUL in itemCode": (
        PLACE,
        place(lines=[{"itemCode": "\x00", "quantity": 1}]),
        "lines.0.itemCode",
    ),
    "placeOrder NUL in reference": (PLACE, place(reference="PO\x00"), "reference"),
    "receiveStock NUL in reference": (
        RECEIVE,
        {"itemCode": "CARD", "quantity": 1, "reference": "\x00"},
        "reference",
    ),
    "placeOrder surrogate key": (PLACE, place(idempotencyKey=SURROGATE), "idempotencyKey"),
    "receiveStock long itemCode": (
        RECEIVE,
        {"itemCode": LONG_CODE, "quantity": 1},
        "itemCode",
    ),
    "receiveStock surrogate reference": (
        RECEIVE,
        {"itemCode": "CARD", "quantity": 1, "reference": SURROGATE},
        "reference",
    ),
    "updateSalesItem long code": (UPDATE_ITEM, {"code": LONG_CODE, "name": "x"}, "code"),
    "updateSalesItem surrogate name": (UPDATE_ITEM, {"code": "CARD", "name": SURROGATE}, "name"),
    "createSalesItem surrogate code": (
        CREATE_ITEM,
        {"code": SURROGATE, "name": "x", "unitPrice": "1.00"},
        "code",
    ),
    "pickOrder surrogate lineId": (
        PICK,
        {"orderNumber": "1001", "lines": [{"lineId": SURROGATE}]},
        "lines.0.lineId",
    ),
    "splitRemaining surrogate orderNumber": (SPLIT, {"orderNumber": SURROGATE}, "orderNumber"),
    "updateSetting surrogate value": (
        SETTING,
        {"key": "PrintIQ_Sales_CanViewAvailableQuantity", "value": SURROGATE},
        "value",
    ),
}


@pytest.mark.parametrize("case", list(MUTATIONS))
async def test_an_unusable_string_in_a_mutation_is_invalid_input_naming_its_field(
    api: Api, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    await prepared(api)
    mutation, input_, field = MUTATIONS[case]

    with caplog.at_level(logging.INFO):
        response = await api.post(mutation, {"i": input_})

    assert response.status_code == 200
    (payload,) = response.json()["data"].values()
    [error] = payload["userErrors"]
    assert (error["code"], error["field"]) == ("INVALID_INPUT", field)
    assert error_logs(caplog) == []
    assert (await api.item("CARD"))["quantityOnHand"] == 10
    assert (await api.gql("{ salesOrders { edges { cursor } } }"))["salesOrders"]["edges"] == []


QUERIES: dict[str, tuple[str, dict[str, Any], str]] = {
    "salesItem long code": (
        "query($c: String!) { salesItem(code: $c) { code } }",
        {"c": LONG_CODE},
        "code",
    ),
    "salesItem NUL": (
        "query($c: String!) { salesItem(code: $c) { code } }",
        {"c": "\x00"},
        "code",
    ),
    "salesItems search NUL": (
        "query($s: String) { salesItems(search: $s) { edges { cursor } } }",
        {"s": "\x00"},
        "search",
    ),
    "salesItem surrogate": (
        "query($c: String!) { salesItem(code: $c) { code } }",
        {"c": SURROGATE},
        "code",
    ),
    "stockMovements long code": (
        "query($c: String!) { stockMovements(itemCode: $c) { edges { cursor } } }",
        {"c": LONG_CODE},
        "itemCode",
    ),
    "salesItems search of 50,000": (
        "query($s: String) { salesItems(search: $s) { edges { cursor } } }",
        {"s": "x" * 50_000},
        "search",
    ),
    "salesOrder surrogate": (
        "query($n: String!) { salesOrder(number: $n) { number } }",
        {"n": SURROGATE},
        "number",
    ),
    "order cursor beyond 64 bits": (
        "query($a: String) { salesOrders(after: $a) { edges { cursor } } }",
        {"a": cursor("SalesOrder:" + "9" * 30)},
        "after",
    ),
    "order cursor beyond 32 bits": (
        "query($a: String) { salesOrders(after: $a) { edges { cursor } } }",
        {"a": cursor("SalesOrder:2147483648")},
        "after",
    ),
    "movement cursor beyond 64 bits": (
        'query($a: String) { stockMovements(itemCode: "CARD", after: $a) { edges { cursor } } }',
        {"a": cursor(f"StockMovement:{2**63}")},
        "after",
    ),
    "item cursor hiding a NUL": (
        "query($a: String) { salesItems(after: $a) { edges { cursor } } }",
        {"a": cursor("SalesItem:\x00")},
        "after",
    ),
    "cursor of non-ASCII digits": (
        "query($a: String) { salesOrders(after: $a) { edges { cursor } } }",
        {"a": cursor("SalesOrder:\u00b2")},
        "after",
    ),
}


@pytest.mark.parametrize("case", list(QUERIES))
async def test_an_unusable_query_argument_is_invalid_input_naming_it(
    api: Api, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    await prepared(api)
    query, variables, field = QUERIES[case]

    with caplog.at_level(logging.INFO):
        response = await api.post(query, variables)

    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["extensions"]["field"] == field
    assert error_logs(caplog) == []


async def test_an_order_number_beyond_any_order_is_not_found(api: Api) -> None:
    await prepared(api)
    for number in ("99999999999", "2147483648-001"):
        data = await api.gql(SPLIT, {"i": {"orderNumber": number}})
        assert [e["code"] for e in data["splitRemaining"]["userErrors"]] == ["NOT_FOUND"]
        assert (await api.order(number)) is None


async def test_a_one_megabyte_item_code_is_refused_without_writing_it_to_the_log(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    await prepared(api)
    huge = "X" * 1_000_000

    with caplog.at_level(logging.INFO):
        data = await api.gql(PLACE, {"i": place(lines=[{"itemCode": huge, "quantity": 1}])})

    [error] = data["placeOrder"]["userErrors"]
    assert (error["code"], error["field"]) == ("INVALID_INPUT", "lines.0.itemCode")
    assert "XXXXXXXXXX" not in caplog.text
    assert len(caplog.text) < 2000


async def test_a_lone_surrogate_echoed_in_an_error_message_does_not_break_the_response(
    api: Api,
) -> None:
    response = await api.post("query($x: Int) { __typename }", {"x": SURROGATE})
    assert response.status_code == 200
    assert "errors" in response.json()


async def test_a_list_longer_than_any_input_takes_is_refused_before_any_work(api: Api) -> None:
    await prepared(api)
    lines = [{"itemCode": "CARD", "quantity": 1}] * 201
    aliased = (
        "mutation($l: [OrderLineInput!]!) { "
        + " ".join(
            f'p{n}: placeOrder(input: {{customerCode: "ACME", lines: $l}}) {{ order {{ id }} }}'
            for n in range(30)
        )
        + " }"
    )

    response = await api.post(aliased, {"l": lines})

    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert "more than 200 items" in error["message"]
