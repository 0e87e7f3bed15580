"""Rate limits per principal: requests, mutations, and the refusals that reveal stock.

Refused requests answer HTTP 429 with `extensions.code: RATE_LIMITED` and a
`Retry-After`, and execute nothing. With Redis (BACKORDERS_TEST_REDIS_URL,
set by CI) the counters are shared: two app instances, as two workers or two
hosts, draw on one budget.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backorders.app import create_app
from backorders.config import Settings
from tests.conftest import TEST_SECRET, app_settings
from tests.operations import PLACE_NUMBER_CODES as PLACE
from tests.support import Api

REDIS_URL = os.environ.get("BACKORDERS_TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="BACKORDERS_TEST_REDIS_URL is not set: the shared-limit tests skip"
)
TYPENAME = "{ __typename }"
CUSTOMER: dict[str, Any] = {"roles": ("Customer",), "customer": "ACME", "sub": "shop"}


def order(quantity: int, item: str = "CARD") -> dict[str, Any]:
    return {"i": {"customerCode": "ACME", "lines": [{"itemCode": item, "quantity": quantity}]}}


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["retry-after"]) >= 1
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"


async def orders(api: Api) -> list[str]:
    data = await api.gql("{ salesOrders { edges { node { number } } } }", sub="auditor")
    return [edge["node"]["number"] for edge in data["salesOrders"]["edges"]]


@pytest.mark.settings(rate_limit="3/minute")
async def test_the_request_after_the_budget_is_429_and_executes_nothing(api: Api) -> None:
    await api.create_customer("ACME")  # these setup requests are the "tester" principal's
    await api.create_item("CARD", allow_backorder=True)

    for _ in range(3):
        assert (await api.post(TYPENAME, sub="clerk", roles=("Sales",))).status_code == 200
    refused = await api.post(PLACE, order(1), sub="clerk", roles=("Sales",))

    assert_rate_limited(refused)
    assert await orders(api) == []


@pytest.mark.settings(rate_limit="2/minute")
async def test_each_principal_has_its_own_budget(api: Api) -> None:
    await api.create_customer("ACME")
    for _ in range(2):
        assert (await api.post(TYPENAME, sub="x", roles=("Sales",))).status_code == 200
    assert_rate_limited(await api.post(TYPENAME, sub="x", roles=("Sales",)))

    # Another subject, and the same subject with other roles or customer, are other principals.
    assert (await api.post(TYPENAME, sub="y", roles=("Sales",))).status_code == 200
    assert (await api.post(TYPENAME, sub="x", roles=("Warehouse",))).status_code == 200
    assert (
        await api.post(TYPENAME, sub="x", roles=("Customer",), customer="ACME")
    ).status_code == 200


@pytest.mark.settings(mutation_rate_limit="2/minute")
async def test_mutations_have_their_own_tighter_budget(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", allow_backorder=True)
    clerk: dict[str, Any] = {"sub": "clerk", "roles": ("Sales",)}

    placed = [await api.post(PLACE, order(1), **clerk) for _ in range(2)]
    refused = await api.post(PLACE, order(1), **clerk)
    query = await api.post(TYPENAME, **clerk)

    assert [r.status_code for r in placed] == [200, 200]
    assert_rate_limited(refused)
    assert query.status_code == 200  # queries are not mutations
    assert sorted(await orders(api)) == ["1001", "1002"]


@pytest.mark.settings(stock_refusal_rate_limit="2/hour")
async def test_stock_refusals_to_a_caller_outside_the_setting_are_budgeted(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=5, allow_backorder=False)

    # Bisecting the hidden figure: each refusal says "fewer than q are available".
    first = await api.gql(PLACE, order(100), **CUSTOMER)
    second = await api.gql(PLACE, order(50), **CUSTOMER)
    third = await api.post(PLACE, order(3), **CUSTOMER)  # would succeed: refused all the same
    reading = await api.post("{ salesOrders { edges { cursor } } }", **CUSTOMER)

    assert [e["code"] for e in first["placeOrder"]["userErrors"]] == ["INSUFFICIENT_STOCK"]
    assert [e["code"] for e in second["placeOrder"]["userErrors"]] == ["INSUFFICIENT_STOCK"]
    assert_rate_limited(third)
    assert "data" not in third.json()  # refused before anything ran
    assert reading.status_code == 200
    assert await orders(api) == []


@pytest.mark.settings(stock_refusal_rate_limit="3/hour")
async def test_parallel_requests_cannot_overrun_the_stock_refusal_budget(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=5, allow_backorder=False)

    answers = await asyncio.gather(*(api.post(PLACE, order(100), **CUSTOMER) for _ in range(20)))

    refusals = [a for a in answers if a.status_code == 200]
    assert len(refusals) == 3
    for answer in refusals:
        codes = [e["code"] for e in answer.json()["data"]["placeOrder"]["userErrors"]]
        assert codes == ["INSUFFICIENT_STOCK"]
    for answer in answers:
        if answer.status_code != 200:
            assert_rate_limited(answer)


@pytest.mark.settings(stock_refusal_rate_limit="2/hour")
async def test_each_refusal_of_an_aliased_document_counts(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=5, allow_backorder=False)
    two = """mutation($i: PlaceOrderInput!) {
      a: placeOrder(input: $i) { userErrors { code } }
      b: placeOrder(input: $i) { userErrors { code } } }"""

    first = await api.post(two, order(100), **CUSTOMER)
    then = await api.post(PLACE, order(100), **CUSTOMER)

    assert first.status_code == 200
    assert_rate_limited(then)


@pytest.mark.settings(mutation_rate_limit="3/minute")
async def test_every_aliased_mutation_counts_against_the_mutation_budget(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", allow_backorder=True)
    clerk: dict[str, Any] = {"sub": "clerk", "roles": ("Sales",)}
    three = (
        "mutation($i: PlaceOrderInput!) { "
        + " ".join(f"m{n}: placeOrder(input: $i) {{ order {{ number }} }}" for n in range(3))
        + " }"
    )

    placed = await api.post(three, order(1), **clerk)
    refused = await api.post(PLACE, order(1), **clerk)

    assert placed.status_code == 200
    assert_rate_limited(refused)
    assert sorted(await orders(api)) == ["1001", "1002", "1003"]


@pytest.mark.settings(stock_refusal_rate_limit="1/hour")
async def test_stock_refusals_to_staff_who_see_the_figures_are_not_budgeted(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=5, allow_backorder=False)

    for quantity in (100, 50, 10):
        data = await api.gql(PLACE, order(quantity), sub="clerk", roles=("Sales",))
        assert [e["code"] for e in data["placeOrder"]["userErrors"]] == ["INSUFFICIENT_STOCK"]
    placed = await api.gql(PLACE, order(5), sub="clerk", roles=("Sales",))
    assert placed["placeOrder"]["order"] == {"number": "1001"}


# ------------------------------------------------------------ shared counters (Redis)


@pytest.fixture
async def two_apps(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Api, Api]]:
    """Two independent app instances (as two workers or hosts) on one database and one Redis."""
    settings = app_settings(
        database_url,
        tmp_path,
        rate_limit="3/minute",
        redis_url=REDIS_URL,
        redis_key_prefix=f"test-{uuid.uuid4().hex}",
    )
    first, second = create_app(settings), create_app(settings)
    async with (
        first.router.lifespan_context(first),
        second.router.lifespan_context(second),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=first), base_url="http://a") as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=second), base_url="http://b") as b,
    ):
        yield Api(a, TEST_SECRET), Api(b, TEST_SECRET)


@needs_redis
async def test_the_budget_holds_across_app_instances_sharing_redis(
    two_apps: tuple[Api, Api],
) -> None:
    first, second = two_apps
    clerk: dict[str, Any] = {"sub": "clerk", "roles": ("Sales",)}

    answers = [
        await first.post(TYPENAME, **clerk),
        await second.post(TYPENAME, **clerk),
        await first.post(TYPENAME, **clerk),
    ]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert_rate_limited(await second.post(TYPENAME, **clerk))
    assert_rate_limited(await first.post(TYPENAME, **clerk))


@pytest.mark.settings(rate_limit="1/minute", redis_url="redis://127.0.0.1:1/0")
async def test_an_unreachable_redis_lets_requests_through_and_says_so(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="backorders.rate_limits"):
        answers = [await api.post(TYPENAME, sub="clerk", roles=("Sales",)) for _ in range(3)]

    assert [r.status_code for r in answers] == [200, 200, 200]
    warnings = [r for r in caplog.records if r.name == "backorders.rate_limits"]
    assert len(warnings) == 1  # once, not once per request
    assert "Rate limits not enforced" in warnings[0].getMessage()


def test_a_limit_in_an_unknown_notation_is_refused_at_startup(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rate_limit"):
        Settings(rate_limit="lots", jwt_secret=TEST_SECRET)
