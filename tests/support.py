"""Test helpers: a GraphQL caller with tokens per role, scenario builders, a SQL counter."""

from __future__ import annotations

import json
import logging
from collections import Counter
from decimal import Decimal
from typing import Any

import httpx

from backorders.auth import issue_token
from backorders.resolvers.persistence.transactions import in_transaction
from backorders.resolvers.use_cases import catalog, receive_stock

STAFF = ("Administrator",)


class Api:
    """Calls the real HTTP app as a caller with the given roles."""

    def __init__(
        self, client: httpx.AsyncClient, secret: str, *, seed_over_http: bool = False
    ) -> None:
        self.client = client
        self.secret = secret
        # A server in another process can only be seeded through its API.
        self.seed_over_http = seed_over_http

    def token(
        self, roles: tuple[str, ...] = STAFF, sub: str = "tester", customer: str | None = None
    ) -> str:
        return issue_token(self.secret, sub, list(roles), customer)

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        roles: tuple[str, ...] = STAFF,
        sub: str = "tester",
        customer: str | None = None,
        endpoint: str = "/graphql",
    ) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {self.token(roles, sub, customer)}",
            "Content-Type": "application/json",
        }
        # ASCII JSON, so that a test can send any string, lone surrogates included.
        body = json.dumps({"query": query, "variables": variables or {}})
        return await self.client.post(endpoint, content=body, headers=headers)

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Run an operation that must succeed without GraphQL errors; return `data`."""
        response = await self.post(query, variables, **kwargs)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    async def errors(
        self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[dict[str, Any]]:
        """Run an operation that must fail with GraphQL errors; return them."""
        response = await self.post(query, variables, **kwargs)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body.get("errors"), body
        return body["errors"]

    # ----------------------------------------------------------- scenarios

    # Setup that is not under test goes straight through the use cases: it is
    # what the HTTP tests of these mutations test, and HTTP costs ten times more.

    async def create_customer(self, code: str = "ACME", name: str = "Acme Print Co.") -> None:
        if self.seed_over_http:
            await self._seed("createCustomer", {"code": code, "name": name})
            return
        async with in_transaction():
            await catalog.create_customer(code, name)

    async def create_item(
        self,
        code: str = "BC-STD",
        on_hand: int = 0,
        allow_backorder: bool = True,
        unit_price: str = "15.00",
    ) -> None:
        if self.seed_over_http:
            item = {"code": code, "name": f"Item {code}", "unitPrice": unit_price}
            await self._seed("createSalesItem", item | {"allowBackorder": allow_backorder})
        else:
            async with in_transaction():
                await catalog.create_sales_item(
                    code, f"Item {code}", Decimal(unit_price), allow_backorder
                )
        if on_hand:
            await self.receive(code, on_hand)

    async def receive(self, code: str, quantity: int) -> None:
        if self.seed_over_http:
            await self._seed("receiveStock", {"itemCode": code, "quantity": quantity})
            return
        async with in_transaction():
            await receive_stock.receive_stock(code, quantity, "", "tester")

    async def _seed(self, mutation: str, input_: dict[str, Any]) -> None:
        input_type = mutation[0].upper() + mutation[1:] + "Input"
        data = await self.gql(
            f"mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ userErrors {{ code }} }} }}",
            {"i": input_},
        )
        assert data[mutation]["userErrors"] == []

    async def place(
        self, lines: list[tuple[str, int]], customer: str = "ACME", **kwargs: Any
    ) -> dict[str, Any]:
        """placeOrder; returns the payload (order and userErrors)."""
        data = await self.gql(
            """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
                 order { id number status
                   lines { id quotedQuantity pickedQuantity outstandingQuantity inStockQuantity } }
                 userErrors { code message field } } }""",
            {
                "i": {
                    "customerCode": customer,
                    "lines": [{"itemCode": c, "quantity": q} for c, q in lines],
                }
            },
            **kwargs,
        )
        return data["placeOrder"]

    async def pick(
        self, number: str, lines: list[dict[str, Any]] | None = None, complete_as: str = "PICKED"
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"orderNumber": number, "completeAs": complete_as}
        if lines is not None:
            payload["lines"] = lines
        data = await self.gql(
            """mutation($i: PickOrderInput!) { pickOrder(input: $i) {
                 order { number status canSplitRemaining
                   lines { id quotedQuantity pickedQuantity outstandingQuantity inStockQuantity } }
                 userErrors { code message field } } }""",
            {"i": payload},
        )
        return data["pickOrder"]

    async def split(self, number: str, **fields: Any) -> dict[str, Any]:
        data = await self.gql(
            """mutation($i: SplitRemainingInput!) { splitRemaining(input: $i) {
                 order { number status total
                   lines { quotedQuantity pickedQuantity outstandingQuantity }
                   charges { kind amount } }
                 backorder { number status total backorderOf { number }
                   lines { quotedQuantity pickedQuantity unitPrice item { code } }
                   charges { kind description amount } }
                 userErrors { code message field } } }""",
            {"i": {"orderNumber": number, **fields}},
        )
        return data["splitRemaining"]

    async def confirm(self, number: str) -> dict[str, Any]:
        data = await self.gql(
            """mutation($i: ConfirmBackorderInput!) { confirmBackorder(input: $i) {
                 order { number status lines { quotedQuantity inStockQuantity } }
                 userErrors { code message field } } }""",
            {"i": {"orderNumber": number}},
        )
        return data["confirmBackorder"]

    async def item(self, code: str, **kwargs: Any) -> dict[str, Any]:
        data = await self.gql(
            """query($c: String!) { salesItem(code: $c) {
                 code stockStatus quantityOnHand availableQuantity } }""",
            {"c": code},
            **kwargs,
        )
        return data["salesItem"]

    async def order(self, number: str, **kwargs: Any) -> dict[str, Any] | None:
        data = await self.gql(
            """query($n: String!) { salesOrder(number: $n) {
                 number status canSplitRemaining total backorderOf { number }
                 backorders { number status } charges { kind amount }
                 lines { id quotedQuantity pickedQuantity outstandingQuantity inStockQuantity
                         unitPrice item { code } } } }""",
            {"n": number},
            **kwargs,
        )
        return data["salesOrder"]

    async def existing_order(self, number: str, **kwargs: Any) -> dict[str, Any]:
        """`order`, for an order the test knows exists (fails the test if it does not)."""
        order = await self.order(number, **kwargs)
        assert order is not None, f"order {number} not found"
        return order


class SqlCounter(logging.Handler):
    """Counts the SQL statements Tortoise sends (its debug log, one record per statement)."""

    VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().lstrip()
        if message.upper().startswith(self.VERBS):
            self.statements.append(message)

    def reset(self) -> None:
        self.statements.clear()

    @property
    def count(self) -> int:
        return len(self.statements)


async def order_numbers(api: Api) -> list[str]:
    """Every order's number, newest first (salesOrders, up to 100)."""
    data = await api.gql("{ salesOrders(first: 100) { edges { node { number } } } }")
    return [edge["node"]["number"] for edge in data["salesOrders"]["edges"]]


OPEN_ORDER_STATUSES = frozenset({"ON_HOLD", "CONFIRMED", "PAID", "ON_BACKORDER"})


async def assert_item_reservations_match_orders(api: Api, code: str) -> dict[str, Any]:
    """Check availableQuantity == quantityOnHand - outstanding of open orders, all read over HTTP.

    Pages through every order (salesOrders) and sums the outstanding quantities of
    the item's lines on open orders; also checks stock on hand is not negative.
    Returns the item as `Api.item` reads it.
    """
    outstanding = 0
    after: str | None = None
    while True:
        data = await api.gql(
            """query($after: String) { salesOrders(first: 100, after: $after) {
                 edges { node { status lines { outstandingQuantity item { code } } } }
                 pageInfo { hasNextPage endCursor } } }""",
            {"after": after},
        )
        page = data["salesOrders"]
        for edge in page["edges"]:
            if edge["node"]["status"] in OPEN_ORDER_STATUSES:
                outstanding += sum(
                    line["outstandingQuantity"]
                    for line in edge["node"]["lines"]
                    if line["item"]["code"] == code
                )
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    item = await api.item(code)
    assert item["quantityOnHand"] >= 0, item
    assert item["availableQuantity"] == item["quantityOnHand"] - outstanding, (item, outstanding)
    return item


def outcomes(payloads: list[dict[str, Any]]) -> Counter[str]:
    """How many payloads succeeded ("ok") and how many failed with each userError code."""
    counted: Counter[str] = Counter()
    for payload in payloads:
        errors = payload["userErrors"]
        assert len(errors) <= 1, payload
        counted[errors[0]["code"] if errors else "ok"] += 1
    return counted
