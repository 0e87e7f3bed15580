"""Mutation inputs: one `input` argument per mutation, named after it."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from schema.enums import ChargeTo, OrderStatus


@strawberry.input
class OrderLineInput:
    item_code: str
    quantity: int


@strawberry.input
class PlaceOrderInput:
    lines: list[OrderLineInput]
    customer_code: str | None = strawberry.field(
        default=None, description="Leave out as a Customer: your own customer is used."
    )
    reference: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class PickLineInput:
    line_id: strawberry.ID
    quantity: int | None = strawberry.field(
        default=None, description="Leave out to pick the line's in-stock quantity."
    )


@strawberry.input
class PickOrderInput:
    order_number: str
    lines: list[PickLineInput] | None = strawberry.field(
        default=None, description="Leave out to pick every line's default quantity."
    )
    complete_as: OrderStatus = strawberry.field(
        default=OrderStatus.PICKED,
        description="PICKED or PACKED: the status when nothing is left outstanding.",
    )
    idempotency_key: str | None = None


@strawberry.input
class SplitRemainingInput:
    order_number: str
    status: OrderStatus = strawberry.field(
        default=OrderStatus.PICKED, description="PICKED or PACKED: the original order's new status."
    )
    additional_shipping_charge: Decimal | None = None
    charge_to: ChargeTo = ChargeTo.BACKORDER
    idempotency_key: str | None = None


@strawberry.input
class ConfirmBackorderInput:
    order_number: str
    idempotency_key: str | None = None


@strawberry.input
class CreateSalesItemInput:
    code: str
    name: str
    unit_price: Decimal
    allow_backorder: bool = False


@strawberry.input
class UpdateSalesItemInput:
    code: str
    name: str | None = None
    unit_price: Decimal | None = None
    allow_backorder: bool | None = None


@strawberry.input
class CreateCustomerInput:
    code: str
    name: str


@strawberry.input
class ReceiveStockInput:
    item_code: str
    quantity: int
    reference: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class UpdateSettingInput:
    key: str
    value: str


@strawberry.input
class ReturnPickInput:
    order_number: str
    lines: list[PickLineInput] = strawberry.field(
        description="Leave a line's quantity out to return all of its picked units."
    )
    idempotency_key: str | None = None


@strawberry.input
class AdjustStockInput:
    item_code: str
    quantity: int = strawberry.field(
        description="The change to stock on hand: positive adds, negative writes off."
    )
    reference: str | None = None
    idempotency_key: str | None = None
