"""GraphQL object types: plain values where a field is plain, loaders where it is a relation.

A field with no I/O and no permission is a plain attribute, set when the
object is built from its row: graphql-core reads it without a resolver call,
an `Info` or an awaitable. Stock figures are plain attributes too, set from
the request's stock visibility (decided once, before execution: see
`Context.stock_visible`); a caller outside the setting gets objects whose
figures were never filled in. Relations load through the request's data
loaders. Resolver fields are declared in the SDL's order with
`strawberry.field(resolver=...)`, so the published contract keeps its shape.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import strawberry
from strawberry import Info

from backorders.resolvers import rules
from backorders.resolvers.reads.rows import (
    ChargeRow,
    CustomerRow,
    ItemRow,
    LineRow,
    MovementRow,
    OrderRow,
    StatusChangeRow,
)
from backorders.schema.context import Context
from backorders.schema.enums import (
    ChargeKind,
    MovementReason,
    OrderStatus,
    StockStatus,
    UserErrorCode,
)
from backorders.schema.errors import wire_path

if TYPE_CHECKING:
    from backorders.resolvers.rules.errors import DomainError

HIDDEN = "Null unless one of your roles is in PrintIQ_Sales_CanViewAvailableQuantity."


@strawberry.type(
    name="UserError",
    description="Why a mutation was refused; a refused mutation changes nothing.",
)
class UserError:
    code: UserErrorCode
    message: str
    field: str | None = None

    @classmethod
    def of(cls, error: DomainError) -> UserError:
        return cls(code=error.code, message=error.message, field=wire_path(error.field))


@strawberry.type(name="Customer")
class CustomerType:
    id: strawberry.ID
    code: str
    name: str

    @classmethod
    def of(cls, row: CustomerRow) -> CustomerType:
        return cls(id=strawberry.ID(str(row.id)), code=row.code, name=row.name)


@strawberry.type(
    name="SalesItem",
    description=(
        "A stocked sales item. Stock figures are null for roles outside "
        "PrintIQ_Sales_CanViewAvailableQuantity."
    ),
)
class SalesItemType:
    id: strawberry.ID
    code: str
    name: str
    unit_price: Decimal
    allow_backorder: bool
    stock_status: StockStatus = strawberry.field(
        description="Visible to everyone; says nothing about quantities."
    )
    quantity_on_hand: int | None = strawberry.field(description=HIDDEN)
    available_quantity: int | None = strawberry.field(
        description="On hand less reserved; may be negative for backorder items. " + HIDDEN
    )

    @classmethod
    def of(cls, row: ItemRow, context: Context) -> SalesItemType:
        available = rules.available(row.on_hand, row.reserved)
        visible = context.stock_visible
        return cls(
            id=strawberry.ID(str(row.id)),
            code=row.code,
            name=row.name,
            unit_price=row.unit_price,
            allow_backorder=row.allow_backorder,
            stock_status=rules.stock_status(available, row.allow_backorder),
            quantity_on_hand=row.on_hand if visible else None,
            available_quantity=available if visible else None,
        )


async def _item(info: Info[Context, None], item_id: int) -> SalesItemType:
    row = await info.context.loaders.item.load(item_id)
    assert row is not None  # lines and movements reference items ON DELETE RESTRICT
    return SalesItemType.of(row, info.context)


@strawberry.type(
    name="SalesOrderLine",
    description="A line of an order: Quoted, Picked, Outstanding and In Stock quantities.",
)
class SalesOrderLineType:
    id: strawberry.ID
    item: SalesItemType
    quoted_quantity: int
    picked_quantity: int
    outstanding_quantity: int
    in_stock_quantity: int | None = strawberry.field(
        description="How much of the outstanding quantity the stock on hand covers after "
        "earlier orders' claims. Null unless your roles may see stock figures."
    )
    unit_price: Decimal

    @classmethod
    def of(cls, row: LineRow, item: SalesItemType, in_stock: int | None) -> SalesOrderLineType:
        return cls(
            id=strawberry.ID(str(row.id)),
            item=item,
            quoted_quantity=row.quoted,
            picked_quantity=row.picked,
            outstanding_quantity=row.quoted - row.picked,
            in_stock_quantity=in_stock,
            unit_price=row.unit_price,
        )


@strawberry.type(
    name="OrderCharge",
    description=(
        "An additional cost invoiced with the order, such as an Additional Shipping Charge."
    ),
)
class OrderChargeType:
    kind: ChargeKind
    description: str
    amount: Decimal

    @classmethod
    def of(cls, row: ChargeRow) -> OrderChargeType:
        return cls(kind=row.kind, description=row.description, amount=row.amount)


async def _backorder_of(root: SalesOrderType, info: Info[Context, None]) -> SalesOrderType | None:
    from backorders.schema import views  # views builds these types

    if root.row.backorder_of_id is None:
        return None
    row = await info.context.loaders.order.load(root.row.backorder_of_id)
    return await views.order(row, info)


async def _backorders(root: SalesOrderType, info: Info[Context, None]) -> list[SalesOrderType]:
    from backorders.schema import views

    rows = await info.context.loaders.backorders.load(root.row.id)
    return await views.orders(rows, info)


@strawberry.type(
    name="SalesOrder",
    description=(
        "An order or a backorder (`1001-001`); backorders of one family share its root number."
    ),
)
class SalesOrderType:
    """Built by `schema.views`, which fetches what the document selects for all orders at once."""

    row: strawberry.Private[OrderRow]
    id: strawberry.ID
    number: str
    status: OrderStatus
    customer: CustomerType
    reference: str
    lines: list[SalesOrderLineType]
    can_split_remaining: bool = strawberry.field(
        description="True when something is picked and something is outstanding."
    )
    backorder_of: SalesOrderType | None = strawberry.field(resolver=_backorder_of)
    backorders: list[SalesOrderType] = strawberry.field(resolver=_backorders)
    charges: list[OrderChargeType]
    total: Decimal = strawberry.field(description="Lines at their unit prices plus charges.")
    created_at: datetime
    history: list[OrderStatusChangeType] | None = strawberry.field(
        description="Every status change, oldest first. Null unless your roles may see "
        "stock figures."
    )

    @classmethod
    def of(
        cls,
        row: OrderRow,
        *,
        lines: list[SalesOrderLineType],
        can_split_remaining: bool,
        charges: list[OrderChargeType],
        total: Decimal,
        history: list[OrderStatusChangeType] | None,
    ) -> SalesOrderType:
        return cls(
            row=row,
            id=strawberry.ID(str(row.id)),
            number=row.number,
            status=row.status,
            customer=CustomerType.of(row.customer),
            reference=row.reference,
            lines=lines,
            can_split_remaining=can_split_remaining,
            charges=charges,
            total=total,
            created_at=row.created_at,
            history=history,
        )


@strawberry.type(
    name="OrderStatusChange", description="One status change: from, to, who, when and why."
)
class OrderStatusChangeType:
    from_status: OrderStatus | None
    to_status: OrderStatus
    actor: str
    reason: str
    created_at: datetime

    @classmethod
    def of(cls, row: StatusChangeRow) -> OrderStatusChangeType:
        return cls(
            from_status=row.from_status,
            to_status=row.to_status,
            actor=row.actor,
            reason=row.reason,
            created_at=row.created_at,
        )


async def _movement_item(root: StockMovementType, info: Info[Context, None]) -> SalesItemType:
    return await _item(info, root.row.item_id)


async def _movement_order(
    root: StockMovementType, info: Info[Context, None]
) -> SalesOrderType | None:
    from backorders.schema import views

    if root.row.order_id is None:
        return None
    row = await info.context.loaders.order.load(root.row.order_id)
    return await views.order(row, info)


@strawberry.type(
    name="StockMovement",
    description="One change to an item's stock on hand: receipt, pick, pick returned or "
    "adjustment. A stock figure: visible only to roles in "
    "PrintIQ_Sales_CanViewAvailableQuantity.",
)
class StockMovementType:
    row: strawberry.Private[MovementRow]
    id: strawberry.ID
    item: SalesItemType = strawberry.field(resolver=_movement_item)
    location: str
    quantity: int = strawberry.field(description="Positive into stock, negative out of it.")
    reason: MovementReason
    order: SalesOrderType | None = strawberry.field(resolver=_movement_order)
    line_id: strawberry.ID | None
    reference: str
    actor: str = strawberry.field(description="The `sub` of the caller who made the change.")
    created_at: datetime

    @classmethod
    def of(cls, row: MovementRow) -> StockMovementType:
        return cls(
            row=row,
            id=strawberry.ID(str(row.id)),
            location=row.location,
            quantity=row.quantity,
            reason=row.reason,
            line_id=None if row.line_id is None else strawberry.ID(str(row.line_id)),
            reference=row.reference,
            actor=row.actor,
            created_at=row.created_at,
        )


@strawberry.type(name="Setting")
class SettingType:
    key: str
    value: str
