"""What HTTP answers look like: every answer that is not 200 is a JSON GraphQL response
with an `extensions.code`, and nothing executes before the request is whole and allowed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support import Api

ENDPOINTS = ["/graphql", "/spa/graphql"]
ORDERS = "{ salesOrders { edges { node { number } } } }"
PLACE = """mutation { placeOrder(input: {customerCode: "ACME",
    lines: [{itemCode: "CARD", quantity: 1}]}) { order { number } } }"""


pytestmark = pytest.mark.settings(body_timeout_seconds=0.5)


def auth(api: Api, **kwargs: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token(**kwargs)}"}


def assert_json_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert body["errors"][0]["extensions"]["code"] == code
    assert body["errors"][0]["message"]
    return body


async def no_orders(api: Api) -> bool:
    return (await api.gql(ORDERS))["salesOrders"]["edges"] == []


async def stock(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=5)


# ------------------------------------------------------------ media types and shapes


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    "content_type",
    ["APPLICATION/JSON", "application/json; charset=utf-8", "Application/Json;charset=UTF-8"],
)
async def test_the_json_media_type_is_recognised_in_any_case(
    api: Api, endpoint: str, content_type: str
) -> None:
    response = await api.client.post(
        endpoint,
        content=json.dumps({"query": "{ __typename }"}),
        headers={**auth(api), "Content-Type": content_type},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    "content_type",
    [
        "application/jsonx",
        "text/plain",
        "application/graphql",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        None,
    ],
)
async def test_any_other_media_type_is_415_in_json_and_executes_nothing(
    api: Api, endpoint: str, content_type: str | None
) -> None:
    await stock(api)
    headers = auth(api)
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = await api.client.post(
        endpoint, content=json.dumps({"query": PLACE}).encode(), headers=headers
    )
    assert_json_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert await no_orders(api)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_batch_is_refused_in_json(api: Api, endpoint: str) -> None:
    await stock(api)
    response = await api.client.post(
        endpoint, json=[{"query": PLACE}, {"query": PLACE}], headers=auth(api)
    )
    body = assert_json_error(response, 400, "BAD_REQUEST")
    assert "Batching" in body["errors"][0]["message"]
    assert await no_orders(api)


@pytest.mark.parametrize(
    "request_body",
    [{"query": "{ __typename }", "operationName": 5}, {"query": ""}, {"query": "  "}],
    ids=["operation name not a string", "empty query", "blank query"],
)
async def test_a_malformed_graphql_request_is_400_in_json(api: Api, request_body: Any) -> None:
    response = await api.client.post("/graphql", json=request_body, headers=auth(api))
    assert_json_error(response, 400, "BAD_REQUEST")


async def test_json_nested_a_thousand_levels_deep_is_400_not_a_crash(api: Api) -> None:
    deep = '{"query": "{ __typename }", "variables": {"x": ' + "[" * 1000 + "]" * 1000 + "}}"
    response = await api.client.post(
        "/graphql", content=deep, headers={**auth(api), "Content-Type": "application/json"}
    )
    assert_json_error(response, 400, "BAD_REQUEST")


# ------------------------------------------------------------ methods and paths


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_get_with_a_query_is_405_in_json(api: Api, endpoint: str) -> None:
    response = await api.client.get(endpoint, params={"query": "{ __typename }"})
    assert_json_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_are_405_in_json(api: Api, method: str) -> None:
    response = await api.client.request(method, "/graphql", headers=auth(api))
    assert_json_error(response, 405, "METHOD_NOT_ALLOWED")


async def test_an_unknown_path_and_a_post_to_healthz_answer_in_json(api: Api) -> None:
    assert_json_error(await api.client.get("/nothing-here"), 404, "NOT_FOUND")
    assert_json_error(await api.client.post("/healthz"), 405, "METHOD_NOT_ALLOWED")


# ------------------------------------------------------------ who is asking


async def test_two_authorization_headers_are_refused(api: Api) -> None:
    await stock(api)
    response = await api.client.post(
        "/graphql",
        json={"query": PLACE},
        headers=[
            ("Authorization", f"Bearer {api.token(roles=('Customer',), customer='ACME')}"),
            ("Authorization", f"Bearer {api.token(roles=('Administrator',))}"),
            ("Content-Type", "application/json"),
        ],
    )
    assert_json_error(response, 401, "UNAUTHENTICATED")
    assert response.headers["www-authenticate"] == "Bearer"
    assert await no_orders(api)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_token_for_a_customer_that_does_not_exist_is_401(api: Api, endpoint: str) -> None:
    await stock(api)
    for query in (ORDERS, "{ __typename }"):
        response = await api.client.post(
            endpoint,
            json={"query": query},
            headers=auth(api, roles=("Customer",), customer="NOBODY"),
        )
        assert_json_error(response, 401, "UNAUTHENTICATED")


async def test_a_customer_token_works_once_its_customer_is_created(api: Api) -> None:
    headers = auth(api, roles=("Customer",), customer="LATE")
    refused = await api.client.post("/graphql", json={"query": ORDERS}, headers=headers)
    await api.create_customer("LATE")
    accepted = await api.client.post("/graphql", json={"query": ORDERS}, headers=headers)

    assert refused.status_code == 401
    assert accepted.status_code == 200
    assert accepted.json() == {"data": {"salesOrders": {"edges": []}}}


# ------------------------------------------------------------ bodies that never end


async def test_a_body_that_trickles_in_is_cut_off_with_408(api: Api) -> None:
    await stock(api)
    body = json.dumps({"query": PLACE}).encode()

    async def trickle() -> AsyncIterator[bytes]:
        for start in range(len(body)):
            yield body[start : start + 1]
            await asyncio.sleep(3)

    response = await api.client.post(
        "/graphql", content=trickle(), headers={**auth(api), "Content-Type": "application/json"}
    )
    assert_json_error(response, 408, "REQUEST_TIMEOUT")
    assert await no_orders(api)


# ------------------------------------------------------------ request ids


async def test_a_callers_request_id_is_used_and_echoed(api: Api) -> None:
    response = await api.client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={**auth(api), "X-Request-ID": "checkout-7f3a9c21"},
    )
    assert response.headers["x-request-id"] == "checkout-7f3a9c21"


@pytest.mark.parametrize("value", ["x" * 500, "short", "has spaces in it", "new\\nline-0123"])
async def test_an_unusable_request_id_is_replaced(api: Api, value: str) -> None:
    response = await api.client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={**auth(api), "X-Request-ID": value}
    )
    echoed = response.headers["x-request-id"]
    assert echoed != value and len(echoed) == 32
