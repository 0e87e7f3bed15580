"""Order status history: every status change writes a row (from, to, who, when, why).

Read back over HTTP through `SalesOrder.history`, which is gated like a stock
figure (null outside PrintIQ_Sales_CanViewAvailableQuantity).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.operations import UPDATE_SETTING
from tests.support import Api, SqlCounter

SETTING_KEY = "PrintIQ_Sales_CanViewAvailableQuantity"
DEFAULT_VALUE = "Administrator,Sales Admin,Sales,Warehouse"
AS_CUSTOMER: dict[str, Any] = {"roles": ("Customer",), "customer": "ACME"}

HISTORY = """query($n: String!) { salesOrder(number: $n) {
    number history { fromStatus toStatus actor reason createdAt } } }"""
PLACE = """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
    order { number lines { id } } userErrors { code message field } } }"""
PICK = """mutation($i: PickOrderInput!) { pickOrder(input: $i) {
    order { number status } userErrors { code message field } } }"""
SPLIT = """mutation($i: SplitRemainingInput!) { splitRemaining(input: $i) {
    order { number status } backorder { number } userErrors { code message field } } }"""
CONFIRM = """mutation($i: ConfirmBackorderInput!) { confirmBackorder(input: $i) {
    order { number status } userErrors { code message field } } }"""


# ------------------------------------------------------------ helpers


async def history(api: Api, number: str, **caller: Any) -> list[dict[str, Any]] | None:
    data = await api.gql(HISTORY, {"n": number}, **caller)
    assert data["salesOrder"] is not None, f"order {number} not found"
    changes: list[dict[str, Any]] | None = data["salesOrder"]["history"]
    return changes


async def transitions(api: Api, number: str) -> list[tuple[Any, ...]]:
    """(from, to, actor, reason) per change, oldest first."""
    changes = await history(api, number)
    assert changes is not None
    for change in changes:
        assert change["createdAt"]
    return [(c["fromStatus"], c["toStatus"], c["actor"], c["reason"]) for c in changes]


async def mutate(
    api: Api, query: str, field: str, payload: dict[str, Any], **caller: Any
) -> dict[str, Any]:
    result: dict[str, Any] = (await api.gql(query, {"i": payload}, **caller))[field]
    return result


async def set_setting(api: Api, value: str) -> None:
    data = await api.gql(UPDATE_SETTING, {"i": {"key": SETTING_KEY, "value": value}})
    assert data["updateSetting"]["userErrors"] == []


async def seed_story(api: Api) -> str:
    """500 on hand, 600 ordered (1001); returns the line id."""
    await api.create_customer("ACME")
    await api.create_item("BC-STD", on_hand=500)
    placed = await api.place([("BC-STD", 600)], sub="sally", roles=("Sales",))
    return str(placed["order"]["lines"][0]["id"])


# ------------------------------------------------------------ what writes history


async def test_placing_an_order_records_its_confirmation_by_the_caller(api: Api) -> None:
    await seed_story(api)
    assert await transitions(api, "1001") == [(None, "CONFIRMED", "sally", "placed")]


@pytest.mark.parametrize("complete_as", ["PICKED", "PACKED"])
async def test_a_completing_pick_records_confirmed_to_its_completion_status(
    api: Api, complete_as: str
) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=10)
    await api.place([("CARD", 10)], sub="sally", roles=("Sales",))

    picked = await mutate(
        api,
        PICK,
        "pickOrder",
        {"orderNumber": "1001", "completeAs": complete_as},
        sub="pat",
        roles=("Warehouse",),
    )

    assert picked["order"]["status"] == complete_as
    assert await transitions(api, "1001") == [
        (None, "CONFIRMED", "sally", "placed"),
        ("CONFIRMED", complete_as, "pat", "pick completed"),
    ]


async def test_a_pick_completing_an_order_in_two_steps_records_one_change(api: Api) -> None:
    line = await seed_story(api)
    await api.receive("BC-STD", 100)

    first = {"orderNumber": "1001", "lines": [{"lineId": line, "quantity": 250}]}
    assert (await mutate(api, PICK, "pickOrder", first))["order"]["status"] == "CONFIRMED"
    assert await transitions(api, "1001") == [(None, "CONFIRMED", "sally", "placed")]

    rest = {"orderNumber": "1001", "lines": [{"lineId": line, "quantity": 350}]}
    assert (await mutate(api, PICK, "pickOrder", rest, sub="pat"))["order"]["status"] == "PICKED"
    assert await transitions(api, "1001") == [
        (None, "CONFIRMED", "sally", "placed"),
        ("CONFIRMED", "PICKED", "pat", "pick completed"),
    ]


async def test_split_records_both_orders_changes_each_naming_the_other(api: Api) -> None:
    await seed_story(api)
    assert (await api.pick("1001"))["userErrors"] == []  # partial: 500 of 600

    split = await mutate(
        api,
        SPLIT,
        "splitRemaining",
        {"orderNumber": "1001", "status": "PACKED"},
        sub="pat",
        roles=("Warehouse",),
    )

    assert split["backorder"] == {"number": "1001-001"}
    original = await transitions(api, "1001")
    backorder = await transitions(api, "1001-001")
    assert [t[:3] for t in original] == [
        (None, "CONFIRMED", "sally"),
        ("CONFIRMED", "PACKED", "pat"),
    ]
    assert [t[:3] for t in backorder] == [(None, "ON_BACKORDER", "pat")]
    assert "1001-001" in original[1][3]
    assert "1001" in backorder[0][3]


async def test_a_second_split_names_the_next_suffix_and_the_order_it_came_from(api: Api) -> None:
    await seed_story(api)
    await api.pick("1001")
    await api.split("1001")
    await api.receive("BC-STD", 30)
    await api.confirm("1001-001")
    await api.pick("1001-001")  # 30 of 100

    await api.split("1001-001")

    assert "1001-002" in (await transitions(api, "1001-001"))[-1][3]
    [(from_, to, _, reason)] = await transitions(api, "1001-002")
    assert (from_, to) == (None, "ON_BACKORDER")
    assert "1001-001" in reason


async def test_confirming_a_backorder_records_on_backorder_to_confirmed(api: Api) -> None:
    await seed_story(api)
    await api.pick("1001")
    await api.split("1001")

    confirmed = await mutate(
        api,
        CONFIRM,
        "confirmBackorder",
        {"orderNumber": "1001-001"},
        sub="wes",
        roles=("Warehouse",),
    )

    assert confirmed["order"]["status"] == "CONFIRMED"
    changes = await transitions(api, "1001-001")
    assert len(changes) == 2
    assert changes[1][:3] == ("ON_BACKORDER", "CONFIRMED", "wes")


async def test_refused_mutations_record_no_change(api: Api) -> None:
    line = await seed_story(api)
    await api.create_item("FIXED", on_hand=3, allow_backorder=False)
    await api.place([("FIXED", 1)])  # 1002, nothing picked

    refusals: list[tuple[str, str, dict[str, Any], str]] = [
        (
            PICK,
            "pickOrder",
            {"orderNumber": "1001", "lines": [{"lineId": line, "quantity": 0}]},
            "INVALID_QUANTITY",
        ),
        (
            PICK,
            "pickOrder",
            {"orderNumber": "1001", "lines": [{"lineId": line, "quantity": 601}]},
            "INVALID_QUANTITY",
        ),
        (SPLIT, "splitRemaining", {"orderNumber": "1002"}, "NOTHING_TO_SPLIT"),
        (CONFIRM, "confirmBackorder", {"orderNumber": "1001"}, "INVALID_STATUS"),
        (
            SPLIT,
            "splitRemaining",
            {"orderNumber": "1001", "additionalShippingCharge": "-1.00"},
            "INVALID_INPUT",
        ),
        (PICK, "pickOrder", {"orderNumber": "1001", "completeAs": "CONFIRMED"}, "INVALID_STATUS"),
    ]
    before = {n: await transitions(api, n) for n in ("1001", "1002")}
    for query, field, payload, code in refusals:
        errors = (await mutate(api, query, field, payload))["userErrors"]
        assert [e["code"] for e in errors] == [code], payload
    assert {n: await transitions(api, n) for n in ("1001", "1002")} == before

    await api.pick("1001")  # partial: 500 of 600
    await api.split("1001")  # 1001 PICKED, 1001-001 ON_BACKORDER
    after_split = {n: await transitions(api, n) for n in ("1001", "1001-001")}
    for query, field, payload in [
        (PICK, "pickOrder", {"orderNumber": "1001-001"}),
        (SPLIT, "splitRemaining", {"orderNumber": "1001"}),
        (PICK, "pickOrder", {"orderNumber": "1001"}),
    ]:
        errors = (await mutate(api, query, field, payload))["userErrors"]
        assert [e["code"] for e in errors] == ["INVALID_STATUS"], payload
    refused_place = await mutate(
        api,
        PLACE,
        "placeOrder",
        {
            "customerCode": "ACME",
            "lines": [{"itemCode": "BC-STD", "quantity": 5}, {"itemCode": "FIXED", "quantity": 9}],
        },
    )
    assert [e["code"] for e in refused_place["userErrors"]] == ["INSUFFICIENT_STOCK"]

    assert {n: await transitions(api, n) for n in ("1001", "1001-001")} == after_split
    assert await api.order("1003") is None  # the refused order took no number


async def test_a_replayed_mutation_records_no_second_change(api: Api) -> None:
    await seed_story(api)
    await api.pick("1001")
    await api.split("1001")
    for _ in range(2):
        replayed = await mutate(
            api, CONFIRM, "confirmBackorder", {"orderNumber": "1001-001", "idempotencyKey": "c-1"}
        )
        assert replayed["userErrors"] == []
    place = {
        "customerCode": "ACME",
        "lines": [{"itemCode": "BC-STD", "quantity": 2}],
        "idempotencyKey": "p-1",
    }
    for _ in range(2):
        assert (await mutate(api, PLACE, "placeOrder", place))["order"]["number"] == "1002"

    assert [t[:2] for t in await transitions(api, "1001-001")] == [
        (None, "ON_BACKORDER"),
        ("ON_BACKORDER", "CONFIRMED"),
    ]
    assert len(await transitions(api, "1002")) == 1


# ------------------------------------------------------------ who may read it


@pytest.mark.parametrize("endpoint", ["/graphql", "/spa/graphql"])
async def test_history_is_null_without_an_error_for_callers_outside_the_setting(
    api: Api, endpoint: str
) -> None:
    await seed_story(api)
    await set_setting(api, "Administrator,Warehouse")

    assert await history(api, "1001", endpoint=endpoint, **AS_CUSTOMER) is None
    assert await history(api, "1001", endpoint=endpoint, roles=("Sales",)) is None
    assert await history(api, "1001", endpoint=endpoint, roles=("Sales Admin",)) is None
    inside = await history(api, "1001", endpoint=endpoint, roles=("Warehouse",))
    assert inside is not None and len(inside) == 1


@pytest.mark.parametrize("endpoint", ["/graphql", "/spa/graphql"])
async def test_history_is_visible_to_every_role_inside_the_setting(api: Api, endpoint: str) -> None:
    await seed_story(api)
    for role in ("Administrator", "Sales Admin", "Sales", "Warehouse"):
        changes = await history(api, "1001", endpoint=endpoint, roles=(role,))
        assert changes is not None and [c["toStatus"] for c in changes] == ["CONFIRMED"]
    assert await history(api, "1001", endpoint=endpoint, **AS_CUSTOMER) is None

    await set_setting(api, DEFAULT_VALUE + ",Customer")  # effective on the next request

    changes = await history(api, "1001", endpoint=endpoint, **AS_CUSTOMER)
    assert changes is not None and [c["actor"] for c in changes] == ["sally"]


async def test_a_listed_orders_history_is_gated_too(api: Api) -> None:
    await seed_story(api)
    query = "{ salesOrders { edges { node { number history { toStatus } } } } }"
    assert (await api.gql(query, **AS_CUSTOMER))["salesOrders"]["edges"] == [
        {"node": {"number": "1001", "history": None}}
    ]
    assert (await api.gql(query, roles=("Sales",)))["salesOrders"]["edges"] == [
        {"node": {"number": "1001", "history": [{"toStatus": "CONFIRMED"}]}}
    ]


# ------------------------------------------------------------ statements per request

ORDERS_WITH_HISTORY = """{ salesOrders(first: 50) { edges { node {
  number status history { fromStatus toStatus actor reason createdAt }
} } } }"""


async def add_orders(api: Api, count: int, start: int) -> None:
    """Orders with one, two or three history rows: placed; picked; split, confirmed, picked."""
    for n in range(start, start + count):
        placed = await api.place([("CARD", 4)])
        number = placed["order"]["number"]
        if n % 3 == 1:
            assert (await api.pick(number))["order"]["status"] == "PICKED"
        elif n % 3 == 2:
            line = placed["order"]["lines"][0]["id"]
            assert (await api.pick(number, [{"lineId": line, "quantity": 1}]))["userErrors"] == []
            assert (await api.split(number))["userErrors"] == []
            assert (await api.confirm(f"{number}-001"))["userErrors"] == []
            assert (await api.pick(f"{number}-001"))["order"]["status"] == "PICKED"


async def test_listing_orders_with_history_issues_as_many_statements_for_50_as_for_5(
    api: Api, sql_counter: SqlCounter
) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=1000)
    await add_orders(api, 5, start=0)
    sql_counter.reset()
    small = await api.gql(ORDERS_WITH_HISTORY)
    few = sql_counter.count

    await add_orders(api, 45, start=5)
    sql_counter.reset()
    large = await api.gql(ORDERS_WITH_HISTORY)
    many = sql_counter.count

    small_orders = [e["node"] for e in small["salesOrders"]["edges"]]
    large_orders = [e["node"] for e in large["salesOrders"]["edges"]]
    assert len(small_orders) == 6 and len(large_orders) == 50
    assert {len(o["history"]) for o in large_orders} == {1, 2, 3}
    assert many == few, (few, many)
