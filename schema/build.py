"""The two schemas: integration (staff tools, picking apps, partners) and SPA (web store)."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema import mutation_fields as m
from schema import query_fields as q
from schema.input_guard import InputGuard
from schema.payloads import (
    AdjustStockPayload,
    ConfirmBackorderPayload,
    CreateCustomerPayload,
    CreateSalesItemPayload,
    PickOrderPayload,
    PlaceOrderPayload,
    ReceiveStockPayload,
    ReturnPickPayload,
    SplitRemainingPayload,
    UpdateSalesItemPayload,
    UpdateSettingPayload,
)
from schema.permissions import (
    CanAdjustStock,
    CanManageCatalog,
    CanManageSettings,
    CanPlaceOrders,
    CanReceiveStock,
    CanViewCatalog,
    CanViewOrders,
    CanViewStockLedger,
    CanWorkOrders,
    stock_figure,
)
from schema.scalars import SCALAR_MAP
from schema.types import (
    SalesItemConnection,
    SalesItemType,
    SalesOrderConnection,
    SalesOrderType,
    SettingType,
    StockMovementConnection,
)


@strawberry.type(name="Query")
class SpaQuery:
    sales_item: SalesItemType | None = strawberry.field(
        description="An item by its code, or null.",
        resolver=q.sales_item,
        permission_classes=[CanViewCatalog],
        extensions=[InputGuard(mutation=False)],
    )
    sales_items: SalesItemConnection = strawberry.field(
        description=(
            "Items ordered by code; `search` matches part of the code. `first` is at most 100."
        ),
        resolver=q.sales_items,
        permission_classes=[CanViewCatalog],
        extensions=[InputGuard(mutation=False)],
    )
    sales_order: SalesOrderType | None = strawberry.field(
        description=(
            "An order or backorder by number (`1001`, `1001-001`); null when it does not "
            "exist or is another customer's."
        ),
        resolver=q.sales_order,
        permission_classes=[CanViewOrders],
        extensions=[InputGuard(mutation=False)],
    )
    sales_orders: SalesOrderConnection = strawberry.field(
        description="Orders newest first, optionally of one status. A customer sees only its own.",
        resolver=q.sales_orders,
        permission_classes=[CanViewOrders],
        extensions=[InputGuard(mutation=False)],
    )


@strawberry.type(name="Mutation")
class SpaMutation:
    place_order: PlaceOrderPayload = strawberry.mutation(
        description=(
            "Place an order; its quantities are reserved first come, first served. It "
            "starts CONFIRMED."
        ),
        resolver=m.place_order,
        permission_classes=[CanPlaceOrders],
        extensions=[InputGuard(mutation=True)],
    )
    pick_order: PickOrderPayload = strawberry.mutation(
        description=(
            "Pick stock for an order's lines (default: each line's in-stock quantity). A "
            "pick that leaves nothing outstanding completes the order as `completeAs`."
        ),
        resolver=m.pick_order,
        permission_classes=[CanWorkOrders],
        extensions=[InputGuard(mutation=True)],
    )
    split_remaining: SplitRemainingPayload = strawberry.mutation(
        description=(
            "Close the picked part of a partly picked order and move what is outstanding "
            "to a new ON_BACKORDER order numbered with the family's next suffix."
        ),
        resolver=m.split_remaining,
        permission_classes=[CanWorkOrders],
        extensions=[InputGuard(mutation=True)],
    )
    confirm_backorder: ConfirmBackorderPayload = strawberry.mutation(
        description=(
            "Put an ON_BACKORDER order back into pick & pack (CONFIRMED), whatever the stock."
        ),
        resolver=m.confirm_backorder,
        permission_classes=[CanWorkOrders],
        extensions=[InputGuard(mutation=True)],
    )


@strawberry.type(name="Query")
class IntegrationQuery(SpaQuery):
    stock_movements: StockMovementConnection | None = strawberry.field(
        description=(
            "An item's stock ledger, newest first; null for an unknown item, and for roles "
            "outside PrintIQ_Sales_CanViewAvailableQuantity."
        ),
        resolver=q.stock_movements,
        permission_classes=[CanViewStockLedger],
        extensions=[*stock_figure(), InputGuard(mutation=False)],
    )
    settings: list[SettingType] = strawberry.field(
        description="Every back-end setting with its effective value.",
        resolver=q.settings,
        permission_classes=[CanManageSettings],
        extensions=[InputGuard(mutation=False)],
    )


@strawberry.type(name="Mutation")
class IntegrationMutation(SpaMutation):
    create_sales_item: CreateSalesItemPayload = strawberry.mutation(
        description="Create a sales item (no stock; receive it with receiveStock).",
        resolver=m.create_sales_item,
        permission_classes=[CanManageCatalog],
        extensions=[InputGuard(mutation=True)],
    )
    update_sales_item: UpdateSalesItemPayload = strawberry.mutation(
        description=(
            "Change an item's name, price or Allow Backorder flag; stock is never touched."
        ),
        resolver=m.update_sales_item,
        permission_classes=[CanManageCatalog],
        extensions=[InputGuard(mutation=True)],
    )
    create_customer: CreateCustomerPayload = strawberry.mutation(
        description="Create a customer.",
        resolver=m.create_customer,
        permission_classes=[CanManageCatalog],
        extensions=[InputGuard(mutation=True)],
    )
    receive_stock: ReceiveStockPayload = strawberry.mutation(
        description="Add received goods to an item's stock on hand.",
        resolver=m.receive_stock,
        permission_classes=[CanReceiveStock],
        extensions=[InputGuard(mutation=True)],
    )
    return_pick: ReturnPickPayload = strawberry.mutation(
        description=(
            "Put picked units of a CONFIRMED or PAID order back on hand; they are "
            "outstanding (and reserved) again."
        ),
        resolver=m.return_pick,
        permission_classes=[CanWorkOrders],
        extensions=[InputGuard(mutation=True)],
    )
    adjust_stock: AdjustStockPayload = strawberry.mutation(
        description="Correct stock on hand after a count; never below zero.",
        resolver=m.adjust_stock,
        permission_classes=[CanAdjustStock],
        extensions=[InputGuard(mutation=True)],
    )
    update_setting: UpdateSettingPayload = strawberry.mutation(
        description="Change a back-end setting; it applies from the next request.",
        resolver=m.update_setting,
        permission_classes=[CanManageSettings],
        extensions=[InputGuard(mutation=True)],
    )


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
