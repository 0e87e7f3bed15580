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

from backorders.resolvers.reads import queries
from backorders.resolvers.use_cases import place_order
from tests.support import Api

ENDPOINTS = ["/graphql", "/spa/graphql"]
CUSTOMER: dict[str, Any] = {"roles": ("Customer",), "customer": "ACME"}


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
        response.json(), "selects 2097152 fields once its fragments are expanded. Allowed: 1000"
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
    assert_refused_before_execution(response.json(), "selects more than 2^62 fields")


async def test_a_small_fragment_expansion_runs_once_per_field(api: Api) -> None:
    data = await api.gql(doubling_fragments(9), endpoint="/spa/graphql")
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


async def test_a_mutation_stopped_by_the_timeout_changes_nothing_and_its_key_stays_free(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
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
    # Stalls after the stock was reserved, inside the transaction.
    monkeypatch.setattr(place_order, "next_order_number", _stall)

    [error] = await api.errors(mutation, variables)

    assert error["extensions"]["code"] == "TIMEOUT"
    assert (await api.item("CARD"))["availableQuantity"] == 10
    assert (await api.gql("{ salesOrders { edges { cursor } } }"))["salesOrders"]["edges"] == []

    monkeypatch.undo()
    data = await api.gql(mutation, variables)
    assert data["placeOrder"] == {"order": {"number": "1001"}, "userErrors": []}
    assert (await api.item("CARD"))["availableQuantity"] == 6
