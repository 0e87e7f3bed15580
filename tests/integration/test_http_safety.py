"""Safety limits over HTTP.

Body size, malformed bodies, query limits, error masking, paging bounds.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from graphql import Source
from graphql.language import Lexer, TokenKind

from backorders.resolvers.reads import queries
from backorders.resolvers.use_cases import place_order
from tests.operations import ORDER_NUMBERS as ORDERS
from tests.support import Api

ENDPOINTS = ["/graphql", "/spa/graphql"]
MIB = 1024 * 1024
PLACE_ORDER = """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
    order { number } userErrors { code message field } } }"""


def auth(api: Api) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token()}"}


async def order_numbers(api: Api) -> list[str]:
    data = await api.gql(ORDERS)
    return [edge["node"]["number"] for edge in data["salesOrders"]["edges"]]


def place_body(padding: int = 0) -> dict[str, Any]:
    """A valid placeOrder request, padded with an unused variable to the wanted size."""
    return {
        "query": PLACE_ORDER,
        "variables": {
            "i": {"customerCode": "ACME", "lines": [{"itemCode": "CARD", "quantity": 1}]},
            "pad": "x" * padding,
        },
    }


def body_of_size(size: int) -> bytes:
    empty = json.dumps(place_body()).encode()
    body = json.dumps(place_body(size - len(empty))).encode()
    assert len(body) == size
    return body


async def setup_order_stock(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=10, allow_backorder=False)


# ------------------------------------------------------------ HTTP bodies


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_body_over_one_mebibyte_is_413_and_executes_nothing(
    api: Api, endpoint: str
) -> None:
    await setup_order_stock(api)

    response = await api.client.post(
        endpoint,
        content=body_of_size(MIB + 1),
        headers={**auth(api), "Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert await order_numbers(api) == []


async def test_a_streamed_body_over_the_limit_without_a_length_is_413(api: Api) -> None:
    """No Content-Length to trust: the gate counts what arrives."""
    await setup_order_stock(api)
    body = body_of_size(MIB + 1)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    response = await api.client.post(
        "/graphql", content=chunks(), headers={**auth(api), "Content-Type": "application/json"}
    )

    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert await order_numbers(api) == []


async def test_a_body_of_exactly_one_mebibyte_is_accepted(api: Api) -> None:
    await setup_order_stock(api)

    response = await api.client.post(
        "/graphql",
        content=body_of_size(MIB),
        headers={**auth(api), "Content-Type": "application/json"},
    )

    assert response.status_code == 200, response.text[:500]
    assert response.json()["data"]["placeOrder"]["order"] == {"number": "1001"}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    "content",
    [
        b'{"query": "{ salesOrders { edges { node { number } } } }"',
        b"{bad",
        b"\xff\xfe",
        b"query { x }",
    ],
    ids=["truncated", "not json", "not utf-8", "graphql text"],
)
async def test_malformed_json_is_400(api: Api, endpoint: str, content: bytes) -> None:
    response = await api.client.post(
        endpoint, content=content, headers={**auth(api), "Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("content", [b'"{ __typename }"', b"null", b"42", b"true", b""])
async def test_json_that_is_not_an_object_is_400_not_a_crash(api: Api, content: bytes) -> None:
    response = await api.client.post(
        "/graphql", content=content, headers={**auth(api), "Content-Type": " application/json"}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    "content",
    [
        b'[{"query": "{ __typename }"}]',
        b'{"variables": {}}',
        b'{"query": 5}',
        b'{"query": "{ __typename }", "variables": 5}',
    ],
    ids=["batch", "no query", "query not a string", "variables not an object"],
)
async def test_a_json_object_that_is_not_a_graphql_request_is_400(api: Api, content: bytes) -> None:
    response = await api.client.post(
        "/graphql", content=content, headers={**auth(api), "Content-Type": "application/json"}
    )
    assert response.status_code == 400


# ------------------------------------------------------------ query limits


def token_count(query: str) -> int:
    lexer = Lexer(Source(query))
    count = 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def deep_query(backorder_levels: int) -> str:
    # salesOrders is depth 0, edges 1, node 2, each backorderOf one more, number the last.
    return (
        "{ salesOrders { edges { node { "
        + "backorderOf { " * backorder_levels
        + "number"
        + " }" * backorder_levels
        + " } } } }"
    )


def assert_readable_validation_error(errors: list[dict[str, Any]], fragment: str) -> None:
    assert len(errors) == 1
    assert fragment in errors[0]["message"]
    assert errors[0]["message"] != "Unexpected error."
    assert "path" not in errors[0]
    assert errors[0].get("extensions", {}).get("code") != "INTERNAL_SERVER_ERROR"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_depth_beyond_twelve_is_a_readable_validation_error(api: Api, endpoint: str) -> None:
    data = await api.gql(deep_query(9), endpoint=endpoint)  # depth 12
    assert data == {"salesOrders": {"edges": []}}

    errors = await api.errors(deep_query(10), endpoint=endpoint)  # depth 13
    assert_readable_validation_error(errors, "exceeds maximum operation depth of 12")


def many_lines_order(lines: int, extra_fields: int) -> str:
    items = " ".join('{itemCode: "CARD" quantity: 1}' for _ in range(lines))
    fields = " ".join(["code"] * (1 + extra_fields))
    return (
        f'mutation {{ placeOrder(input: {{customerCode: "ACME" lines: [{items}]}}) '
        f"{{ userErrors {{ {fields} }} }} }}"
    )


def query_with_tokens(wanted: int) -> str:
    lines = (wanted - 40) // 8
    base = token_count(many_lines_order(lines, 0))
    query = many_lines_order(lines, wanted - base)
    assert token_count(query) == wanted
    return query


async def test_more_than_5000_tokens_is_a_readable_error_and_5000_are_fine(api: Api) -> None:
    await setup_order_stock(api)

    at_limit = await api.gql(query_with_tokens(5000))
    # It ran: the rules (not the token limit) refuse an order of 600-odd lines.
    assert [e["code"] for e in at_limit["placeOrder"]["userErrors"]] == ["INVALID_INPUT"]

    errors = await api.errors(query_with_tokens(5001))
    assert_readable_validation_error(errors, "more than 5000 tokens")
    assert await order_numbers(api) == []


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_more_than_thirty_aliases_is_a_readable_validation_error(
    api: Api, endpoint: str
) -> None:
    def aliased(count: int) -> str:
        return (
            "{ "
            + " ".join(f'a{n}: salesItem(code: "X{n}") {{ code }}' for n in range(count))
            + " }"
        )

    data = await api.gql(aliased(30), endpoint=endpoint)
    assert len(data) == 30

    errors = await api.errors(aliased(31), endpoint=endpoint)
    assert_readable_validation_error(errors, "31 aliases found. Allowed: 30")


# ------------------------------------------------------------ masking


async def _explode(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("connection to db-internal-7 failed: password=hunter2")


def masking_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "backorders.errors"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_an_unexpected_error_is_masked_and_logged_under_its_request_id(
    api: Api, endpoint: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await api.create_item("CARD")
    monkeypatch.setattr(queries, "sales_item", _explode)  # fault injection

    with caplog.at_level(logging.ERROR, logger="backorders.errors"):
        response = await api.post(
            '{ salesItem(code: "CARD") { code } salesItems { edges { node { code } } } }',
            endpoint=endpoint,
        )

    assert response.status_code == 200
    body = response.json()
    assert body["data"]["salesItem"] is None
    assert body["data"]["salesItems"]["edges"] == [{"node": {"code": "CARD"}}]  # the rest still ran
    [error] = body["errors"]
    assert error["message"] == "Unexpected error."
    assert error["path"] == ["salesItem"]
    request_id = error["extensions"]["requestId"]
    assert isinstance(request_id, str) and request_id
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    for secret in ("hunter2", "db-internal-7", "RuntimeError", "Traceback"):
        assert secret not in response.text

    [record] = masking_logs(caplog)
    assert request_id in record.getMessage()
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)
    assert "hunter2" in str(record.exc_info[1])
    assert "hunter2" in caplog.text  # the traceback is in the log, not the response


async def test_every_request_gets_its_own_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(queries, "sales_item", _explode)
    ids = []
    with caplog.at_level(logging.ERROR, logger="backorders.errors"):
        for _ in range(3):
            [error] = await api.errors('{ salesItem(code: "CARD") { code } }')
            ids.append(error["extensions"]["requestId"])

    assert len(set(ids)) == 3
    logged = [record.getMessage() for record in masking_logs(caplog)]
    assert all(any(request_id in line for line in logged) for request_id in ids)


async def test_an_unexpected_error_inside_a_mutation_writes_nothing_and_is_not_remembered(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The failure comes after the stock was reserved: the transaction must undo it."""
    await setup_order_stock(api)
    variables = {
        "i": {
            "customerCode": "ACME",
            "lines": [{"itemCode": "CARD", "quantity": 4}],
            "idempotencyKey": "retry-me",
        }
    }
    monkeypatch.setattr(place_order, "next_order_number", _explode)

    with caplog.at_level(logging.ERROR, logger="backorders.errors"):
        [error] = await api.errors(PLACE_ORDER, variables)

    assert error["message"] == "Unexpected error."
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert len(masking_logs(caplog)) == 1
    assert await order_numbers(api) == []
    assert (await api.item("CARD"))["availableQuantity"] == 10

    monkeypatch.undo()
    retried = await api.gql(PLACE_ORDER, variables)
    assert retried["placeOrder"]["userErrors"] == []
    assert retried["placeOrder"]["order"] == {"number": "1001"}
    assert (await api.item("CARD"))["availableQuantity"] == 6


async def test_user_errors_forbidden_and_validation_errors_stay_readable(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    await setup_order_stock(api)

    with caplog.at_level(logging.ERROR, logger="backorders.errors"):
        refused = await api.gql(
            PLACE_ORDER,
            {"i": {"customerCode": "ACME", "lines": [{"itemCode": "CARD", "quantity": 11}]}},
        )
        forbidden = await api.errors(
            PLACE_ORDER,
            {"i": {"customerCode": "ACME", "lines": [{"itemCode": "CARD", "quantity": 1}]}},
            roles=("Warehouse",),
        )
        invalid = await api.errors("{ salesItem(code: 5) { code } }")
        unknown = await api.errors('{ salesItem(code: "CARD") { colour } }')
        bad_cursor = await api.errors('{ salesItems(after: "not-a-cursor") { edges { cursor } } }')

    [user_error] = refused["placeOrder"]["userErrors"]
    assert user_error["code"] == "INSUFFICIENT_STOCK"
    assert "CARD" in user_error["message"]
    assert forbidden[0]["extensions"] == {"code": "FORBIDDEN"}
    assert forbidden[0]["message"] == "You are not allowed to do this."
    assert "String cannot represent a non string value" in invalid[0]["message"]
    assert "Cannot query field 'colour' on type 'SalesItem'" in unknown[0]["message"]
    assert bad_cursor[0]["extensions"]["code"] == "INVALID_INPUT"
    for error in [*forbidden, *invalid, *unknown, *bad_cursor]:
        assert error["message"] != "Unexpected error."
    assert masking_logs(caplog) == []


# ------------------------------------------------------------ Decimal input


async def split_ready(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=10, allow_backorder=True)
    await api.place([("CARD", 15)])
    await api.pick("1001")


SPLIT = """mutation($i: SplitRemainingInput!) { splitRemaining(input: $i) {
    backorder { number } userErrors { code message field } } }"""


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_an_invalid_decimal_literal_is_a_readable_graphql_error(
    api: Api, endpoint: str
) -> None:
    await split_ready(api)

    response = await api.post(
        'mutation { splitRemaining(input: {orderNumber: "1001", additionalShippingCharge: "abc"}) '
        "{ backorder { number } userErrors { code } } }",
        endpoint=endpoint,
    )

    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert "Decimal" in error["message"] and "abc" in error["message"]
    assert "path" not in error
    assert (await api.existing_order("1001"))["status"] == "CONFIRMED"
    assert (await api.existing_order("1001"))["backorders"] == []


@pytest.mark.parametrize(
    "value",
    ["abc", "", "NaN", "-Infinity", "0x10", True, [], {"amount": 1}],
    ids=["letters", "empty", "nan", "infinity", "hex", "boolean", "list", "object"],
)
async def test_a_variable_that_is_not_a_decimal_is_a_readable_graphql_error(
    api: Api, value: Any
) -> None:
    await split_ready(api)

    response = await api.post(
        SPLIT, {"i": {"orderNumber": "1001", "additionalShippingCharge": value}}
    )

    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert "Decimal" in error["message"]
    assert error.get("extensions", {}).get("code") != "INTERNAL_SERVER_ERROR"
    assert (await api.existing_order("1001"))["backorders"] == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12.345", "Use at most two decimals."),
        ("-1.00", "The amount must not be negative."),
        ("1e999999999", "Not a valid amount."),
        ("1e-999999999", "Use at most two decimals."),
    ],
)
async def test_a_decimal_the_rules_refuse_is_a_user_error(
    api: Api, value: str, message: str
) -> None:
    await split_ready(api)

    data = await api.gql(SPLIT, {"i": {"orderNumber": "1001", "additionalShippingCharge": value}})

    assert data["splitRemaining"]["backorder"] is None
    assert data["splitRemaining"]["userErrors"] == [
        {"code": "INVALID_INPUT", "message": message, "field": "additionalShippingCharge"}
    ]
    assert (await api.existing_order("1001"))["backorders"] == []


# ------------------------------------------------------------ pagination


@pytest.mark.parametrize("field", ["salesItems", "salesOrders"])
@pytest.mark.parametrize("first", [101, -1])
async def test_first_outside_zero_to_one_hundred_is_invalid_input(
    api: Api, field: str, first: int
) -> None:
    errors = await api.errors(f"{{ {field}(first: {first}) {{ edges {{ cursor }} }} }}")

    assert errors[0]["extensions"]["code"] == "INVALID_INPUT"
    assert errors[0]["message"] != "Unexpected error."


@pytest.mark.parametrize("field", ["salesItems", "salesOrders"])
async def test_first_one_hundred_is_allowed(api: Api, field: str) -> None:
    data = await api.gql(
        f"{{ {field}(first: 100) {{ edges {{ cursor }} pageInfo {{ hasNextPage }} }} }}"
    )
    assert data[field] == {"edges": [], "pageInfo": {"hasNextPage": False}}


ITEMS_PAGE = """query($first: Int, $after: String) { salesItems(first: $first, after: $after) {
    edges { cursor node { code } } pageInfo { hasNextPage endCursor } } }"""
ORDERS_PAGE = """query($first: Int, $after: String) { salesOrders(first: $first, after: $after) {
    edges { cursor node { number } } pageInfo { hasNextPage endCursor } } }"""


async def walk(api: Api, query: str, field: str, first: int) -> list[list[str]]:
    pages: list[list[str]] = []
    after = None
    while True:
        data = (await api.gql(query, {"first": first, "after": after}))[field]
        nodes = [edge["node"] for edge in data["edges"]]
        pages.append([node.get("code") or node.get("number") for node in nodes])
        if data["edges"]:
            assert data["pageInfo"]["endCursor"] == data["edges"][-1]["cursor"]
        if not data["pageInfo"]["hasNextPage"]:
            return pages
        assert len(pages) < 10, "paging does not end"
        after = data["pageInfo"]["endCursor"]


async def test_sales_items_page_through_all_items_by_code(api: Api) -> None:
    codes = [f"ITEM-{n:02d}" for n in range(1, 26)]
    for code in reversed(codes):  # created out of order: the list is by code
        await api.create_item(code)

    pages = await walk(api, ITEMS_PAGE, "salesItems", 10)

    assert [len(page) for page in pages] == [10, 10, 5]
    assert [code for page in pages for code in page] == codes


async def test_sales_items_default_to_pages_of_twenty(api: Api) -> None:
    for n in range(1, 26):
        await api.create_item(f"ITEM-{n:02d}")

    data = await api.gql(ITEMS_PAGE, {})

    assert len(data["salesItems"]["edges"]) == 20
    assert data["salesItems"]["pageInfo"]["hasNextPage"] is True


async def test_a_page_that_ends_exactly_at_the_last_item_has_no_next_page(api: Api) -> None:
    for n in range(1, 21):
        await api.create_item(f"ITEM-{n:02d}")

    pages = await walk(api, ITEMS_PAGE, "salesItems", 10)

    assert [len(page) for page in pages] == [10, 10]


async def test_sales_orders_page_newest_first(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=0, allow_backorder=True)
    for _ in range(12):
        await api.place([("CARD", 1)])

    pages = await walk(api, ORDERS_PAGE, "salesOrders", 5)

    assert [len(page) for page in pages] == [5, 5, 2]
    assert [number for page in pages for number in page] == [str(n) for n in range(1012, 1000, -1)]


async def test_a_cursor_of_the_other_list_is_invalid_input(api: Api) -> None:
    await api.create_item("CARD")
    cursor = (await api.gql(ITEMS_PAGE, {"first": 1}))["salesItems"]["pageInfo"]["endCursor"]

    errors = await api.errors(ORDERS_PAGE, {"first": 1, "after": cursor})

    assert errors[0]["extensions"]["code"] == "INVALID_INPUT"
