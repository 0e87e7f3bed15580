"""Who gets in (bearer tokens) and who may do what (roles), over HTTP.

The role table below is written from the spec, not read from resolvers/access.py,
so a drift in the implementation's table fails here.
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from typing import Any

import jwt
import pytest
from jwt.warnings import InsecureKeyLengthWarning

from backorders.auth import issue_token
from tests.conftest import TEST_SECRET
from tests.support import Api

ENDPOINTS = ["/graphql", "/spa/graphql"]
SETTING_KEY = "PrintIQ_Sales_CanViewAvailableQuantity"

PLACE_ORDER = """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
    order { number customer { code } } userErrors { code message field } } }"""
ORDER = "query($n: String!) { salesOrder(number: $n) { number customer { code } } }"
ORDERS = "{ salesOrders(first: 100) { edges { node { number customer { code } } } } }"

# State read back as Administrator to prove a refused call wrote nothing.
STATE = """{
  salesItems(first: 100) { edges { node {
    code name unitPrice allowBackorder quantityOnHand availableQuantity } } }
  salesOrders(first: 100) { edges { node {
    number status total customer { code } backorderOf { number }
    lines { quotedQuantity pickedQuantity } charges { kind amount } } } }
  settings { key value }
}"""


async def state(api: Api) -> dict[str, Any]:
    return await api.gql(STATE)


async def order_numbers(api: Api) -> list[str]:
    data = await api.gql(ORDERS)
    return [edge["node"]["number"] for edge in data["salesOrders"]["edges"]]


# ------------------------------------------------------------ authentication


def _token(claims: dict[str, Any], secret: str = TEST_SECRET, algorithm: str = "HS256") -> str:
    base: dict[str, Any] = {"sub": "mallory", "roles": ["Administrator"], "exp": 9_999_999_999}
    with warnings.catch_warnings():  # HS512 would like a longer key; irrelevant to a refusal
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode({**base, **claims}, secret, algorithm=algorithm)


BAD_AUTHORIZATION = {
    "missing": None,
    "empty": "",
    "not bearer": f"Basic {_token({})}",
    "bearer without token": "Bearer ",
    "not a jwt": "Bearer not-a-token",
    "garbage jwt": "Bearer aaa.bbb.ccc",
    "wrong signature": "Bearer " + _token({}, secret="another-secret-0123456789abcdef0123456789ab"),
    "unsigned (alg none)": "Bearer "
    + jwt.encode(
        {"sub": "mallory", "roles": ["Administrator"], "exp": 9_999_999_999}, None, algorithm="none"
    ),
    "other algorithm (HS512)": "Bearer " + _token({}, algorithm="HS512"),
    "expired": "Bearer "
    + issue_token(TEST_SECRET, "tester", ["Administrator"], ttl=timedelta(minutes=-10)),
    "no subject": "Bearer " + _token({"sub": None}),
    "no expiry": "Bearer "
    + jwt.encode({"sub": "mallory", "roles": ["Administrator"]}, TEST_SECRET, algorithm="HS256"),
    "roles not a list": "Bearer " + _token({"roles": "Administrator"}),
    "customer role without customer": "Bearer " + _token({"roles": ["Customer"]}),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("case", list(BAD_AUTHORIZATION))
async def test_post_without_a_valid_token_is_401_and_executes_nothing(
    api: Api, endpoint: str, case: str
) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=50, allow_backorder=False)
    before = await state(api)

    header = BAD_AUTHORIZATION[case]
    headers = {} if header is None else {"Authorization": header}
    response = await api.client.post(
        endpoint,
        json={
            "query": PLACE_ORDER,
            "variables": {
                "i": {"customerCode": "ACME", "lines": [{"itemCode": "CARD", "quantity": 5}]}
            },
        },
        headers=headers,
    )

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["message"]
    assert await state(api) == before
    assert await order_numbers(api) == []


async def test_a_customer_token_names_its_customer_to_get_in(api: Api) -> None:
    """The counterpart of the 401 above: the same role with its claim is accepted."""
    await api.create_customer("ACME")
    data = await api.gql(ORDERS, roles=("Customer",), customer="ACME")
    assert data["salesOrders"]["edges"] == []


async def test_healthz_answers_without_a_token(api: Api) -> None:
    response = await api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_get_serves_graphiql_without_a_token(api: Api, endpoint: str) -> None:
    response = await api.client.get(endpoint, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("with_token", [False, True], ids=["anonymous", "administrator"])
async def test_get_with_a_query_never_executes(api: Api, endpoint: str, with_token: bool) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=50, allow_backorder=False)
    before = await state(api)
    mutation = (
        'mutation { placeOrder(input: {customerCode: "ACME", '
        'lines: [{itemCode: "CARD", quantity: 5}]}) { order { number } } }'
    )
    headers = {"Authorization": f"Bearer {api.token()}"} if with_token else {}

    for query in (mutation, '{ salesItem(code: "CARD") { code quantityOnHand } }'):
        response = await api.client.get(endpoint, params={"query": query}, headers=headers)
        assert response.status_code != 200 or "data" not in response.text
        assert '"placeOrder"' not in response.text
        assert '"salesItem"' not in response.text

    assert await state(api) == before
    assert await order_numbers(api) == []


# ------------------------------------------------------------ the role table

# Spec: Administrator everything; Sales Admin items, customers, receive stock;
# Sales place orders; Warehouse pick, split, confirm, receive stock; Customer
# place and view its own orders; every staff role views items and orders.
ALL_ROLES = ("Administrator", "Sales Admin", "Sales", "Warehouse", "Customer", "Guest")
EVERYONE_KNOWN = {"Administrator", "Sales Admin", "Sales", "Warehouse", "Customer"}
ALLOWED: dict[str, set[str]] = {
    "salesItem": EVERYONE_KNOWN,
    "salesItems": EVERYONE_KNOWN,
    "salesOrder": EVERYONE_KNOWN,
    "salesOrders": EVERYONE_KNOWN,
    "settings": {"Administrator"},
    "placeOrder": {"Administrator", "Sales", "Customer"},
    "pickOrder": {"Administrator", "Warehouse"},
    "splitRemaining": {"Administrator", "Warehouse"},
    "confirmBackorder": {"Administrator", "Warehouse"},
    "createSalesItem": {"Administrator", "Sales Admin"},
    "updateSalesItem": {"Administrator", "Sales Admin"},
    "createCustomer": {"Administrator", "Sales Admin"},
    "receiveStock": {"Administrator", "Sales Admin", "Warehouse"},
    "updateSetting": {"Administrator"},
}
MUTATIONS = {
    "placeOrder": "PlaceOrderInput",
    "pickOrder": "PickOrderInput",
    "splitRemaining": "SplitRemainingInput",
    "confirmBackorder": "ConfirmBackorderInput",
    "createSalesItem": "CreateSalesItemInput",
    "updateSalesItem": "UpdateSalesItemInput",
    "createCustomer": "CreateCustomerInput",
    "receiveStock": "ReceiveStockInput",
    "updateSetting": "UpdateSettingInput",
}
QUERIES = {
    "salesItem": '{ salesItem(code: "CARD") { code } }',
    "salesItems": "{ salesItems { edges { node { code } } } }",
    "salesOrder": '{ salesOrder(number: "1001") { number } }',
    "salesOrders": "{ salesOrders { edges { node { number } } } }",
    "settings": "{ settings { key value } }",
}


async def build_workflow(api: Api) -> dict[str, Any]:
    """Orders in every state the workflow mutations act on; each operation below would succeed."""
    await api.create_customer("ACME")
    await api.create_customer("OTHER", "Other Ltd")
    await api.create_item("CARD", on_hand=100, allow_backorder=True)
    assert (await api.place([("CARD", 150)]))["order"]["number"] == "1001"
    await api.pick("1001")
    assert (await api.split("1001"))["backorder"]["number"] == "1001-001"  # ON_BACKORDER: confirm
    await api.receive("CARD", 60)
    second = await api.place([("CARD", 20)])  # 1002: partly picked, so it can be split
    await api.pick("1002", [{"lineId": second["order"]["lines"][0]["id"], "quantity": 5}])
    third = await api.place([("CARD", 4)])  # 1003: pickable
    return {"pick_line": third["order"]["lines"][0]["id"]}


def operation(name: str, scenario: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if name in QUERIES:
        return QUERIES[name], {}
    inputs: dict[str, dict[str, Any]] = {
        "placeOrder": {"customerCode": "ACME", "lines": [{"itemCode": "CARD", "quantity": 3}]},
        "pickOrder": {
            "orderNumber": "1003",
            "lines": [{"lineId": scenario["pick_line"], "quantity": 2}],
        },
        "splitRemaining": {"orderNumber": "1002", "additionalShippingCharge": "4.00"},
        "confirmBackorder": {"orderNumber": "1001-001"},
        "createSalesItem": {"code": "NEW-1", "name": "New", "unitPrice": "1.00"},
        "updateSalesItem": {"code": "CARD", "name": "Renamed", "unitPrice": "99.00"},
        "createCustomer": {"code": "NEWCO", "name": "New Co"},
        "receiveStock": {"itemCode": "CARD", "quantity": 7},
        "updateSetting": {"key": SETTING_KEY, "value": "Administrator"},
    }
    query = (
        f"mutation($i: {MUTATIONS[name]}!) {{ "
        f"{name}(input: $i) {{ userErrors {{ code message field }} }} }}"
    )
    return query, {"i": inputs[name]}


def _token_kwargs(role: str) -> dict[str, Any]:
    return {"roles": (role,), "customer": "ACME" if role == "Customer" else None}


FORBIDDEN_CASES = [
    (name, role) for name in ALLOWED for role in ALL_ROLES if role not in ALLOWED[name]
]
ALLOWED_CASES = [(name, role) for name in ALLOWED for role in ALL_ROLES if role in ALLOWED[name]]


@pytest.mark.parametrize(("name", "role"), FORBIDDEN_CASES)
async def test_a_role_not_allowed_an_operation_gets_forbidden_and_nothing_is_written(
    api: Api, name: str, role: str
) -> None:
    scenario = await build_workflow(api)
    before = await state(api)
    query, variables = operation(name, scenario)

    errors = await api.errors(query, variables, **_token_kwargs(role))

    assert len(errors) == 1
    assert errors[0]["extensions"] == {"code": "FORBIDDEN"}
    assert errors[0]["path"] == [name]
    assert errors[0]["message"] != "Unexpected error."
    assert await state(api) == before
    if name == "createCustomer":  # customers are not in the state query: try ordering for it
        placed = await api.place([("CARD", 1)], customer="NEWCO")
        assert [e["code"] for e in placed["userErrors"]] == ["NOT_FOUND"]


@pytest.mark.parametrize(("name", "role"), ALLOWED_CASES)
async def test_a_role_allowed_an_operation_runs_it(api: Api, name: str, role: str) -> None:
    scenario = await build_workflow(api)
    before = await state(api)
    query, variables = operation(name, scenario)

    data = await api.gql(query, variables, **_token_kwargs(role))

    if name in MUTATIONS:
        assert data[name]["userErrors"] == []
        if name != "createCustomer":
            assert await state(api) != before  # it really acted
    else:
        assert data[name] is not None


@pytest.mark.parametrize("roles", [(), ("Guest", "Visitor")], ids=["no roles", "unknown roles"])
async def test_a_token_without_a_known_role_may_view_nothing(
    api: Api, roles: tuple[str, ...]
) -> None:
    await build_workflow(api)
    for name in ("salesItem", "salesItems", "salesOrder", "salesOrders"):
        errors = await api.errors(QUERIES[name], roles=roles)
        assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"]


# ------------------------------------------------------------ customers


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_customer_places_orders_for_its_own_customer_when_it_names_none(
    api: Api, endpoint: str
) -> None:
    await api.create_customer("ACME")
    await api.create_customer("OTHER", "Other Ltd")
    await api.create_item("CARD", on_hand=50)

    data = await api.gql(
        PLACE_ORDER,
        {"i": {"lines": [{"itemCode": "CARD", "quantity": 3}]}},
        roles=("Customer",),
        customer="ACME",
        endpoint=endpoint,
    )

    assert data["placeOrder"]["userErrors"] == []
    assert data["placeOrder"]["order"] == {"number": "1001", "customer": {"code": "ACME"}}
    assert (await api.existing_order("1001"))["lines"][0]["quotedQuantity"] == 3


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_customer_naming_another_customer_is_forbidden_and_nothing_is_written(
    api: Api, endpoint: str
) -> None:
    await api.create_customer("ACME")
    await api.create_customer("OTHER", "Other Ltd")
    await api.create_item("CARD", on_hand=50, allow_backorder=False)
    before = await state(api)

    errors = await api.errors(
        PLACE_ORDER,
        {"i": {"customerCode": "OTHER", "lines": [{"itemCode": "CARD", "quantity": 3}]}},
        roles=("Customer",),
        customer="ACME",
        endpoint=endpoint,
    )

    assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"]
    assert await state(api) == before
    assert await order_numbers(api) == []
    # The number was not used up either: the next order is still 1001.
    assert (await api.place([("CARD", 1)]))["order"]["number"] == "1001"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_customer_may_name_its_own_customer(api: Api, endpoint: str) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=50)
    data = await api.gql(
        PLACE_ORDER,
        {"i": {"customerCode": "ACME", "lines": [{"itemCode": "CARD", "quantity": 3}]}},
        roles=("Customer",),
        customer="ACME",
        endpoint=endpoint,
    )
    assert data["placeOrder"]["order"]["customer"] == {"code": "ACME"}


async def _two_customers_orders(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_customer("OTHER", "Other Ltd")
    await api.create_item("CARD", on_hand=50)
    await api.place([("CARD", 1)], customer="ACME")  # 1001
    await api.place([("CARD", 2)], customer="OTHER")  # 1002
    await api.place([("CARD", 3)], customer="ACME")  # 1003


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_another_customers_order_looks_exactly_like_a_missing_one(
    api: Api, endpoint: str
) -> None:
    await _two_customers_orders(api)
    as_acme: dict[str, Any] = {"roles": ("Customer",), "customer": "ACME", "endpoint": endpoint}

    others = await api.post(ORDER, {"n": "1002"}, **as_acme)
    missing = await api.post(ORDER, {"n": "9999"}, **as_acme)
    own = await api.gql(ORDER, {"n": "1001"}, **as_acme)

    assert others.status_code == missing.status_code == 200
    assert others.json() == missing.json() == {"data": {"salesOrder": None}}
    assert own["salesOrder"] == {"number": "1001", "customer": {"code": "ACME"}}
    # Staff see the same order: it exists, the customer is just not shown it.
    assert (await api.existing_order("1002"))["number"] == "1002"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_customer_lists_only_its_own_orders(api: Api, endpoint: str) -> None:
    await _two_customers_orders(api)

    acme = await api.gql(ORDERS, roles=("Customer",), customer="ACME", endpoint=endpoint)
    other = await api.gql(ORDERS, roles=("Customer",), customer="OTHER", endpoint=endpoint)
    staff = await api.gql(ORDERS, roles=("Sales",), endpoint=endpoint)

    def numbers(data: dict[str, Any]) -> list[str]:
        return [edge["node"]["number"] for edge in data["salesOrders"]["edges"]]

    assert numbers(acme) == ["1003", "1001"]
    assert numbers(other) == ["1002"]
    assert numbers(staff) == ["1003", "1002", "1001"]


async def test_a_customer_cannot_work_its_own_orders(api: Api) -> None:
    """Owning the order does not grant pick/split/confirm: those are Warehouse work."""
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=50)
    await api.place([("CARD", 5)])
    before = await state(api)

    errors = await api.errors(
        'mutation { pickOrder(input: {orderNumber: "1001"}) { userErrors { code } } }',
        roles=("Customer",),
        customer="ACME",
        endpoint="/spa/graphql",
    )

    assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"]
    assert await state(api) == before


# ------------------------------------------------------------ the SPA schema


ADMIN_ONLY_ON_INTEGRATION = {
    "createSalesItem": (
        'mutation { createSalesItem(input: {code: "NEW-1", name: "New", unitPrice: "1.00"}) '
        "{ userErrors { code } } }"
    ),
    "updateSalesItem": (
        'mutation { updateSalesItem(input: {code: "CARD", name: "Renamed"}) '
        "{ userErrors { code } } }"
    ),
    "createCustomer": (
        'mutation { createCustomer(input: {code: "NEWCO", name: "New Co"}) '
        "{ userErrors { code } } }"
    ),
    "receiveStock": (
        'mutation { receiveStock(input: {itemCode: "CARD", quantity: 7}) { userErrors { code } } }'
    ),
    "updateSetting": (
        f'mutation {{ updateSetting(input: {{key: "{SETTING_KEY}", value: "Administrator"}}) '
        "{ userErrors { code } } }"
    ),
    "settings": "{ settings { key value } }",
}


@pytest.mark.parametrize("name", list(ADMIN_ONLY_ON_INTEGRATION))
async def test_the_spa_schema_has_no_admin_operations(api: Api, name: str) -> None:
    await api.create_customer("ACME")
    await api.create_item("CARD", on_hand=50)
    before = await state(api)

    errors = await api.errors(ADMIN_ONLY_ON_INTEGRATION[name], endpoint="/spa/graphql")

    assert len(errors) == 1
    assert f"Cannot query field '{name}'" in errors[0]["message"]
    assert "path" not in errors[0]  # a validation error: nothing was executed
    assert await state(api) == before
