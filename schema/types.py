"""GraphQL object types: thin wrappers over model rows, loading relations through loaders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import strawberry
from strawberry import Info

from backorders import models
from backorders.resolvers import rules
from backorders.resolvers.persistence.order_lines import line_state
from backorders.schema.context import Context
from backorders.schema.enums import (
    ChargeKind,
    MovementReason,
    OrderStatus,
    StockStatus,
    UserErrorCode,
)
from backorders.schema.errors import wire_path
from backorders.schema.permissions import stock_figure

if TYPE_CHECKING:
    from backorders.resolvers.rules.errors import DomainError


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
    row: strawberry.Private[models.Customer]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    def code(self) -> str:
        return self.row.code

    @strawberry.field
    def name(self) -> str:
        return self.row.name


@strawberry.type(
    name="SalesItem",
    description=(
        "A stocked sales item. Stock figures are null for roles outside "
        "PrintIQ_Sales_CanViewAvailableQuantity."
    ),
)
class SalesItemType:
    row: strawberry.Private[models.SalesItem]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    def code(self) -> str:
        return self.row.code

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def unit_price(self) -> Decimal:
        return self.row.unit_price

    @strawberry.field
    def allow_backorder(self) -> bool:
        return self.row.allow_backorder

    @strawberry.field(description="Visible to everyone; says nothing about quantities.")
    def stock_status(self) -> StockStatus:
        available = rules.available(self.row.on_hand, self.row.reserved)
        return rules.stock_status(available, self.row.allow_backorder)

    @strawberry.field(
        extensions=stock_figure(),
        description="Null unless one of your roles is in PrintIQ_Sales_CanViewAvailableQuantity.",
    )
    def quantity_on_hand(self) -> int | None:
        return self.row.on_hand

    @strawberry.field(
        extensions=stock_figure(),
        description="On hand less reserved; may be negative for backorder items. "
        "Null unless one of your roles is in PrintIQ_Sales_CanViewAvailableQuantity.",
    )
    def available_quantity(self) -> int | None:
        return rules.available(self.row.on_hand, self.row.reserved)


async def _item(info: Info[Context, None], item_id: int) -> SalesItemType:
    row = await info.context.loaders.item.load(item_id)
    assert row is not None  # lines and movements reference items ON DELETE RESTRICT
    return SalesItemType(row=row)


@strawberry.type(
    name="SalesOrderLine",
    description="A line of an order: Quoted, Picked, Outstanding and In Stock quantities.",
)
class SalesOrderLineType:
    row: strawberry.Private[models.SalesOrderLine]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    async def item(self, info: Info[Context, None]) -> SalesItemType:
        return await _item(info, self.row.item_id)

    @strawberry.field
    def quoted_quantity(self) -> int:
        return self.row.quoted

    @strawberry.field
    def picked_quantity(self) -> int:
        return self.row.picked

    @strawberry.field
    def outstanding_quantity(self) -> int:
        return self.row.quoted - self.row.picked

    @strawberry.field(
        extensions=stock_figure(),
        description="How much of the outstanding quantity the stock on hand covers after "
        "earlier orders' claims. Null unless your roles may see stock figures.",
    )
    async def in_stock_quantity(self, info: Info[Context, None]) -> int | None:
        return await info.context.loaders.in_stock.load((self.row.id, self.row.item_id))

    @strawberry.field
    def unit_price(self) -> Decimal:
        return self.row.unit_price


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


@strawberry.type(
    name="SalesOrder",
    description=(
        "An order or a backorder (`1001-001`); backorders of one family share its root number."
    ),
)
class SalesOrderType:
    row: strawberry.Private[models.SalesOrder]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    def number(self) -> str:
        return self.row.number

    @strawberry.field
    def status(self) -> OrderStatus:
        return rules.OrderStatus(self.row.status)

    @strawberry.field
    async def customer(self, info: Info[Context, None]) -> CustomerType:
        row = await info.context.loaders.customer.load(self.row.customer_id)
        assert row is not None  # the order's foreign key (ON DELETE RESTRICT) guarantees it
        return CustomerType(row=row)

    @strawberry.field
    def reference(self) -> str:
        return self.row.reference

    @strawberry.field
    async def lines(self, info: Info[Context, None]) -> list[SalesOrderLineType]:
        return [SalesOrderLineType(row=row) for row in await self._lines(info)]

    @strawberry.field(description="True when something is picked and something is outstanding.")
    async def can_split_remaining(self, info: Info[Context, None]) -> bool:
        lines = [line_state(row) for row in await self._lines(info)]
        return rules.can_split_remaining(rules.OrderStatus(self.row.status), lines)

    @strawberry.field
    async def backorder_of(self, info: Info[Context, None]) -> SalesOrderType | None:
        if self.row.backorder_of_id is None:
            return None
        row = await info.context.loaders.order.load(self.row.backorder_of_id)
        return SalesOrderType(row=row) if row is not None else None

    @strawberry.field
    async def backorders(self, info: Info[Context, None]) -> list[SalesOrderType]:
        return [
            SalesOrderType(row=row)
            for row in await info.context.loaders.backorders.load(self.row.id)
        ]

    @strawberry.field
    async def charges(self, info: Info[Context, None]) -> list[OrderChargeType]:
        return [
            OrderChargeType(kind=c.kind, description=c.description, amount=c.amount)
            for c in await info.context.loaders.charges.load(self.row.id)
        ]

    @strawberry.field(description="Lines at their unit prices plus charges.")
    async def total(self, info: Info[Context, None]) -> Decimal:
        lines = await self._lines(info)
        charges = await info.context.loaders.charges.load(self.row.id)
        return rules.order_total(
            (rules.line_amount(r.quoted, r.unit_price) for r in lines),
            (c.amount for c in charges),
        )

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(
        extensions=stock_figure(),
        description="Every status change, oldest first. Null unless your roles may see "
        "stock figures.",
    )
    async def history(self, info: Info[Context, None]) -> list[OrderStatusChangeType] | None:
        return [
            OrderStatusChangeType(
                from_status=row.from_status,
                to_status=row.to_status,
                actor=row.actor,
                reason=row.reason,
                created_at=row.created_at,
            )
            for row in await info.context.loaders.history.load(self.row.id)
        ]

    async def _lines(self, info: Info[Context, None]) -> list[models.SalesOrderLine]:
        return await info.context.loaders.lines.load(self.row.id)


@strawberry.type(
    name="OrderStatusChange", description="One status change: from, to, who, when and why."
)
class OrderStatusChangeType:
    from_status: OrderStatus | None
    to_status: OrderStatus
    actor: str
    reason: str
    created_at: datetime


@strawberry.type(
    name="StockMovement",
    description="One change to an item's stock on hand: receipt, pick, pick returned or "
    "adjustment. A stock figure: visible only to roles in "
    "PrintIQ_Sales_CanViewAvailableQuantity.",
)
class StockMovementType:
    row: strawberry.Private[models.StockMovement]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    async def item(self, info: Info[Context, None]) -> SalesItemType:
        return await _item(info, self.row.item_id)

    @strawberry.field
    def location(self) -> str:
        return self.row.location

    @strawberry.field(description="Positive into stock, negative out of it.")
    def quantity(self) -> int:
        return self.row.quantity

    @strawberry.field
    def reason(self) -> MovementReason:
        return rules.MovementReason(self.row.reason)

    @strawberry.field
    async def order(self, info: Info[Context, None]) -> SalesOrderType | None:
        if self.row.order_id is None:
            return None
        row = await info.context.loaders.order.load(self.row.order_id)
        return SalesOrderType(row=row) if row is not None else None

    @strawberry.field
    def line_id(self) -> strawberry.ID | None:
        return None if self.row.line_id is None else strawberry.ID(str(self.row.line_id))

    @strawberry.field
    def reference(self) -> str:
        return self.row.reference

    @strawberry.field(description="The `sub` of the caller who made the change.")
    def actor(self) -> str:
        return self.row.actor

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at


@strawberry.type(name="Setting")
class SettingType:
    key: str
    value: str
