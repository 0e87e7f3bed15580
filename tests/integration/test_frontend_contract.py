"""The SPA contract: the served schema is the committed SDL, and the SPA's operations run."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from graphql import (
    IntrospectionQuery,
    build_client_schema,
    build_schema,
    get_introspection_query,
    lexicographic_sort_schema,
    parse,
    print_schema,
    validate,
)

from backorders.schema.build import spa_schema
from tests.support import Api

CONTRACT = Path(__file__).resolve().parents[2] / "frontend_contract"
OPERATIONS = CONTRACT / "operations"
FRAGMENTS = {
    name: (OPERATIONS / f"{name}.graphql").read_text() for name in ("ItemFields", "OrderFields")
}


def document(name: str) -> str:
    """An operation file with the fragments it spreads, as the SPA sends it."""
    text = (OPERATIONS / f"{name}.graphql").read_text()
    for fragment, body in FRAGMENTS.items():
        if f"...{fragment}" in text:
            text += "\n" + body
    return text


def test_committed_sdl_is_the_spa_schema_exported_from_code() -> None:
    exported = spa_schema().as_str()
    committed = (CONTRACT / "schema.graphql").read_text()
    assert committed.strip() == exported.strip(), (
        "frontend_contract/schema.graphql is stale: run "
        "`backorders schema --spa > frontend_contract/schema.graphql` and review the diff"
    )


async def test_served_spa_schema_matches_the_committed_sdl(api: Api) -> None:
    data = await api.gql(get_introspection_query(), roles=("Sales",), endpoint="/spa/graphql")
    served = print_schema(
        lexicographic_sort_schema(build_client_schema(cast(IntrospectionQuery, data)))
    )
    committed = print_schema(
        lexicographic_sort_schema(build_schema((CONTRACT / "schema.graphql").read_text()))
    )
    assert served == committed


def test_every_spa_operation_is_valid_against_the_contract() -> None:
    contract = build_schema((CONTRACT / "schema.graphql").read_text())
    names = sorted(p.stem for p in OPERATIONS.glob("*.graphql") if p.stem not in FRAGMENTS)
    assert {"PlaceOrder", "PickOrder", "SplitRemaining", "ConfirmBackorder"} <= set(names)
    for name in names:
        errors = validate(contract, parse(document(name)))
        assert errors == [], f"{name}: {errors}"


def test_admin_operations_are_not_part_of_the_spa_contract() -> None:
    contract = build_schema((CONTRACT / "schema.graphql").read_text())
    mutations = set(contract.mutation_type.fields) if contract.mutation_type else set()
    assert mutations == {"placeOrder", "pickOrder", "splitRemaining", "confirmBackorder"}
    assert contract.query_type is not None
    assert "settings" not in contract.query_type.fields


async def test_spa_operations_walk_the_seed_story(api: Api) -> None:
    await api.create_customer("ACME")
    await api.create_item("BC-STD", on_hand=500, allow_backorder=True, unit_price="15.00")

    async def spa(
        name: str, variables: dict[str, Any], roles: tuple[str, ...] = ("Sales", "Warehouse")
    ) -> dict[str, Any]:
        return await api.gql(document(name), variables, roles=roles, endpoint="/spa/graphql")

    items = await spa("SalesItems", {"first": 10, "search": "BC"})
    assert items["salesItems"]["edges"][0]["node"]["quantityOnHand"] == 500

    placed = await spa(
        "PlaceOrder",
        {"input": {"customerCode": "ACME", "lines": [{"itemCode": "BC-STD", "quantity": 600}]}},
    )
    order = placed["placeOrder"]["order"]
    assert order["lines"][0]["inStockQuantity"] == 500
    assert order["canSplitRemaining"] is False

    picked = await spa("PickOrder", {"input": {"orderNumber": order["number"]}})
    assert picked["pickOrder"]["order"]["canSplitRemaining"] is True

    split = await spa(
        "SplitRemaining",
        {
            "input": {
                "orderNumber": order["number"],
                "status": "PICKED",
                "additionalShippingCharge": "9.95",
            }
        },
    )
    backorder = split["splitRemaining"]["backorder"]
    assert backorder["number"] == "1001-001"
    assert backorder["charges"][0]["amount"] == "9.95"

    confirmed = await spa("ConfirmBackorder", {"input": {"orderNumber": "1001-001"}})
    assert confirmed["confirmBackorder"]["order"]["status"] == "CONFIRMED"

    listed = await spa("SalesOrders", {"first": 5})
    assert [e["node"]["number"] for e in listed["salesOrders"]["edges"]] == ["1001-001", "1001"]
    detail = await spa("SalesOrder", {"number": "1001"})
    assert detail["salesOrder"]["backorders"] == [{"number": "1001-001", "status": "CONFIRMED"}]
