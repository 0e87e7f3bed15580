"""The two schemas: integration (staff tools, picking apps, partners) and SPA (web store).

Queries are written out below; mutations come from their declarations in
`schema.mutations`, each becoming one field with the same pipeline, its roles
as its permission and the input guard on its arguments.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry import Info
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext
from strawberry.utils.str_converters import to_snake_case

from backorders.resolvers.rules import access
from backorders.schema import mutations
from backorders.schema import query_fields as q
from backorders.schema.connections import Connection
from backorders.schema.context import Context
from backorders.schema.input_guard import InputGuard
from backorders.schema.permissions import allowed
from backorders.schema.scalars import SCALAR_MAP
from backorders.schema.types import SalesItemType, SalesOrderType, SettingType, StockMovementType

GUARD = InputGuard(mutation=False)


@strawberry.type(name="Query")
class SpaQuery:
    sales_item: SalesItemType | None = strawberry.field(
        description="An item by its code, or null.",
        resolver=q.sales_item,
        permission_classes=[allowed(access.VIEW_CATALOG)],
        extensions=[GUARD],
    )
    sales_items: Connection[SalesItemType] = strawberry.field(
        description=(
            "Items ordered by code; `search` matches part of the code. `first` is at most 100."
        ),
        resolver=q.sales_items,
        permission_classes=[allowed(access.VIEW_CATALOG)],
        extensions=[GUARD],
    )
    sales_order: SalesOrderType | None = strawberry.field(
        description=(
            "An order or backorder by number (`1001`, `1001-001`); null when it does not "
            "exist or is another customer's."
        ),
        resolver=q.sales_order,
        permission_classes=[allowed(access.VIEW_ORDERS)],
        extensions=[GUARD],
    )
    sales_orders: Connection[SalesOrderType] = strawberry.field(
        description="Orders newest first, optionally of one status. A customer sees only its own.",
        resolver=q.sales_orders,
        permission_classes=[allowed(access.VIEW_ORDERS)],
        extensions=[GUARD],
    )


@strawberry.type(name="Query")
class IntegrationQuery(SpaQuery):
    stock_movements: Connection[StockMovementType] | None = strawberry.field(
        description=(
            "An item's stock ledger, newest first; null for an unknown item, and for roles "
            "outside PrintIQ_Sales_CanViewAvailableQuantity."
        ),
        resolver=q.stock_movements,
        permission_classes=[allowed(access.VIEW_STOCK_LEDGER)],
        extensions=[GUARD],
    )
    settings: list[SettingType] = strawberry.field(
        description="Every back-end setting with its effective value.",
        resolver=q.settings,
        permission_classes=[allowed(access.MANAGE_SETTINGS)],
        extensions=[GUARD],
    )


def _field(mutation: mutations.Mutation) -> Any:
    async def resolve(info: Info[Context, None], input: Any) -> Any:
        return await mutations.run(mutation, info, input)

    # Strawberry reads the argument and return types from the annotations.
    resolve.__annotations__ = {
        "info": Info[Context, None],
        "input": mutation.input,
        "return": mutation.payload,
    }
    resolve.__name__ = to_snake_case(mutation.name)
    return strawberry.mutation(
        resolver=resolve,
        description=mutation.description,
        permission_classes=[allowed(mutation.roles)],
        extensions=[InputGuard(mutation=True)],
    )


def _mutation_type(declared: Iterable[mutations.Mutation]) -> type:
    fields = {to_snake_case(m.name): _field(m) for m in declared}
    return strawberry.type(type("Mutation", (), fields), name="Mutation")


SpaMutation = _mutation_type(m for m in mutations.MUTATIONS if m.spa)
IntegrationMutation = _mutation_type(mutations.MUTATIONS)


class Schema(strawberry.Schema):
    """Strawberry's schema, minus its own error log.

    Strawberry logs every error of every response at ERROR with a traceback:
    callers' validation errors and userErrors-free refusals included, and one
    ~100-line traceback per request during a database outage. What deserves a
    log line is logged once by `schema.errors.mask_errors`, with the request id.
    Requests run through `schema.execution.Executor`, which applies the query
    limits; Strawberry's own limiter extensions re-walk every fragment spread.
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


def integration_schema() -> strawberry.Schema:
    return Schema(
        query=IntegrationQuery,
        mutation=IntegrationMutation,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
    )


def spa_schema() -> strawberry.Schema:
    return Schema(
        query=SpaQuery, mutation=SpaMutation, config=StrawberryConfig(scalar_map=SCALAR_MAP)
    )
