"""Limits on what one document may cost, over HTTP on the real app.

The attack that froze the server: nested fragments that each spread the next
one twice. Every limit must measure each fragment once; a walk per spread
would take 2^64 steps on the largest document here and never answer (the
suite's hang guard would fail the test).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from graphql import get_introspection_query
from tortoise.backends.asyncpg.client import TransactionWrapper
from tortoise.backends.sqlite.client import SqliteTransactionWrapper

from backorders.resolvers.reads import queries
from backorders.resolvers.use_cases import place_order
from tests.support import Api

ENDPOINTS = ["/graphql", "/spa/graphql"]
CUSTOMER: dict[str, Any] = {"roles": ("Customer",), "customer": "ACME"}
HANG_GUARD_SECONDS = 60  # not a measurement: a regression would otherwise hang the suite


pytestmark = pytest.mark.settings(operation_timeout_seconds=1.0)


def doubling_fragments(levels: int) -> str:
    fragments = " ".join(
        f"fragment L{n} on Query {{ ...L{n + 1} ...L{n + 1} }}" for n in range(levels)
    )
    return f"{{ ...L0 }} {fragments} fragment L{levels} on Query {{ __typename }}"


def assert_refused_before_execution(body: dict[str, Any], fragment: str) -> None:
    assert body["data"] is None
    assert body["errors"]
    assert fragment in body["errors"][0]["message"]
    assert all("path" not in error for error in body["errors"])


async def test_the_reported_871_byte_fragment_bomb_is_refused_as_a_customer(api: Api) -> None:
    await api.create_customer("ACME")
    query = doubling_fragments(21)  # 22 fragments, as reported (858 bytes written this way)

    response = await api.post(query, endpoint="/spa/graphql", **CUSTOMER)

    assert response.status_code == 200
    assert_refused_before_execution(
        response.json(), "has 6291455 selections once its fragments are expanded. Allowed: 1000"
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_fragment_bomb_of_two_to_the_sixty_four_answers_and_health_stays_up(
    api: Api, endpoint: str
) -> None:
    await api.create_customer("ACME")

    bomb = asyncio.create_task(api.post(doubling_fragments(64), endpoint=endpoint, **CUSTOMER))
    health = await api.client.get("/healthz")
    response = await bomb

    assert health.status_code == 200
    assert_refused_before_execution(response.json(), "has more than 2^62 selections")


async def test_a_small_fragment_expansion_runs_once_per_field(api: Api) -> None:
    data = await api.gql(doubling_fragments(5), endpoint="/spa/graphql")
    assert data == {"__typename": "Query"}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_aliases_spread_through_fragments_count_every_time(api: Api, endpoint: str) -> None:
    aliases = " ".join(f"a{n}: __typename" for n in range(8))
    query = (
        f"{{ ...F ...G }} fragment F on Query {{ {aliases} ...G }} "
        f"fragment G on Query {{ ...H ...H }} fragment H on Query {{ {aliases} }}"
    )
    # F: 8 + G; G: 2 * H = 16; F + G = 8 + 16 + 16 = 40 > 30
    response = await api.post(query, endpoint=endpoint)
    assert_refused_before_execution(response.json(), "40 aliases found. Allowed: 30")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_depth_hidden_in_fragments_is_refused(api: Api, endpoint: str) -> None:
    levels = "backorderOf { " * 10 + "number" + " }" * 10
    query = (
        "query Hidden { salesOrders { ...E } } "
        f"fragment E on SalesOrderConnection {{ edges {{ node {{ ...N }} }} }} "
        f"fragment N on SalesOrder {{ {levels} }}"
    )
    response = await api.post(query, endpoint=endpoint)
    assert_refused_before_execution(response.json(), "exceeds maximum operation depth of 12")


async def test_nested_introspection_lists_are_refused(api: Api) -> None:
    query = (
        '{ __type(name: "SalesOrder") { fields { type { fields { type { fields { '
        "type { fields { name } } } } } } } } }"
    )
    response = await api.post(query, endpoint="/spa/graphql")
    assert_refused_before_execution(response.json(), "Maximum introspection depth exceeded")


@pytest.mark.parametrize(
    ("endpoint", "who"),
    [("/spa/graphql", CUSTOMER), ("/graphql", {"roles": ("Sales",)})],
    ids=["customer on the SPA schema", "staff on the integration schema"],
)
async def test_graphiql_introspection_still_works_within_the_limits(
    api: Api, endpoint: str, who: dict[str, Any]
) -> None:
    await api.create_customer("ACME")
    data = await api.gql(get_introspection_query(), endpoint=endpoint, **who)
    assert data["__schema"]["queryType"]["name"] == "Query"


async def test_customers_may_not_introspect_the_integration_schema(api: Api) -> None:
    await api.create_customer("ACME")
    for query in (
        "{ __schema { types { name } } }",
        '{ ...F } fragment F on Query { __type(name: "StockMovement") { name } }',
    ):
        response = await api.post(query, endpoint="/graphql", **CUSTOMER)
        assert response.status_code == 200
        body = response.json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "StockMovement" not in response.text

    # __typename is not introspection of the schema, and the SPA schema is public.
    assert await api.gql("{ __typename }", endpoint="/graphql", **CUSTOMER) == {
        "__typename": "Query"
    }
    spa = await api.gql("{ __schema { queryType { name } } }", endpoint="/spa/graphql", **CUSTOMER)
    assert spa == {"__schema": {"queryType": {"name": "Query"}}}


# ------------------------------------------------------------ operation timeout


async def _stall(*args: Any, **kwargs: Any) -> Any:
    await asyncio.sleep(3600)


async def test_an_operation_running_past_the_timeout_answers_timeout(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "sales_item", _stall)  # fault injection

    response = await api.post('{ salesItem(code: "CARD") { code } }')

    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "TIMEOUT"
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert (await api.client.get("/healthz")).status_code == 200


async def test_a_mutation_whose_request_times_out_finishes_once_and_the_service_serves_on(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The transaction is never cut while it starts or ends (that left SQLite's lock held)."""
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=10, allow_backorder=False)
    mutation = """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
        order { number } userErrors { code } } }"""
    variables = {
        "i": {
            "customerCode": "ACME",
            "lines": [{"itemCode": "CARD", "quantity": 4}],
            "idempotencyKey": "slow-1",
        }
    }
    numbered = place_order.next_order_number

    async def slowly() -> int:  # inside the transaction, after the stock was reserved
        await asyncio.sleep(1.5)
        return await numbered()

    monkeypatch.setattr(place_order, "next_order_number", slowly)

    [error] = await api.errors(mutation, variables)
    assert error["extensions"]["code"] == "TIMEOUT"
    assert "idempotencyKey" in error["message"]

    async with asyncio.timeout(HANG_GUARD_SECONDS):  # a held lock would hang here
        retried = await api.gql(mutation, variables)  # waits for the first, then replays it
        others = await api.gql("{ salesOrders { edges { node { number } } } }")
    assert retried["placeOrder"] == {"order": {"number": "1001"}, "userErrors": []}
    assert others["salesOrders"]["edges"] == [{"node": {"number": "1001"}}]
    assert (await api.item("CARD"))["availableQuantity"] == 6


async def test_many_mutations_timing_out_at_once_leave_nothing_held(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=100, allow_backorder=False)
    numbered = place_order.next_order_number

    async def slowly() -> int:
        await asyncio.sleep(0.3)
        return await numbered()

    monkeypatch.setattr(place_order, "next_order_number", slowly)
    order = {"i": {"customerCode": "ACME", "lines": [{"itemCode": "CARD", "quantity": 1}]}}
    mutation = "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { number } } }"

    answers = await asyncio.gather(*(api.post(mutation, order) for _ in range(10)))
    monkeypatch.undo()

    assert any(a.json().get("errors") for a in answers)  # some were stopped waiting
    async with asyncio.timeout(HANG_GUARD_SECONDS):
        while (
            len((await api.gql("{ salesOrders { edges { cursor } } }"))["salesOrders"]["edges"])
            < 10
        ):
            await asyncio.sleep(0.1)
    assert (await api.item("CARD"))["availableQuantity"] == 90


async def test_a_request_timing_out_while_its_transaction_begins_leaves_no_lock_held(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reported hang: cancelled inside Tortoise's transaction start, the lock was kept."""
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=10, allow_backorder=False)
    mutation = "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { number } } }"
    order = {"i": {"customerCode": "ACME", "lines": [{"itemCode": "CARD", "quantity": 1}]}}
    for wrapper in (SqliteTransactionWrapper, TransactionWrapper):
        began = wrapper.begin

        async def slow_begin(self: Any, began: Any = began) -> Any:
            await asyncio.sleep(1.5)  # past the operation timeout, inside __aenter__
            return await began(self)

        monkeypatch.setattr(wrapper, "begin", slow_begin)

    [error] = await api.errors(mutation, order)
    monkeypatch.undo()

    assert error["extensions"]["code"] == "TIMEOUT"
    async with asyncio.timeout(HANG_GUARD_SECONDS):  # a held lock would hang here
        while (await api.item("CARD"))["availableQuantity"] != 9:  # the first one finishes
            await asyncio.sleep(0.1)
        placed = await api.gql(mutation, order)
    assert placed["placeOrder"]["order"] == {"number": "1002"}


async def test_the_integration_schema_suggests_no_field_names(api: Api) -> None:
    await api.create_customer("ACME")
    for who in (CUSTOMER, {"roles": ("Sales",)}):
        response = await api.post("{ stockMovement setting }", endpoint="/graphql", **who)
        assert "Did you mean" not in response.text
        assert "stockMovements" not in response.text
    spa = await api.post("{ salesItem }", endpoint="/spa/graphql", **CUSTOMER)
    assert "salesItem" in spa.text  # the SPA contract is public; its errors may say more
