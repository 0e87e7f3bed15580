"""Mutation inputs: one `input` argument per mutation, named after it.

Each input cleans itself into its use case's arguments (`clean`), once, at the
edge: trimmed, parsed, in the shape the rules expect. Every input takes an
`idempotencyKey`; the pipeline in `schema.mutations` handles it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry

from backorders.resolvers import rules
from backorders.schema import cleaning
from backorders.schema.context import Context
from backorders.schema.enums import ChargeTo, OrderStatus

Arguments = dict[str, Any]


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

    def clean(self, context: Context) -> Arguments:
        customer = cleaning.optional(self.customer_code)
        principal = context.principal
        if customer is None and principal.is_customer_only:
            # A customer's retry means the same order whether or not it names itself.
            customer = principal.customer_code
        return {
            "customer_code": customer,
            "reference": cleaning.reference(self.reference),
            "lines": [
                rules.RequestedLine(line.item_code.strip(), line.quantity) for line in self.lines
            ],
        }


@strawberry.input
class PickLineInput:
    line_id: strawberry.ID
    quantity: int | None = strawberry.field(
        default=None, description="Leave out to pick the line's in-stock quantity."
    )


def _pick_requests(lines: list[PickLineInput]) -> list[rules.PickRequest]:
    return [
        rules.PickRequest(cleaning.line_id(line.line_id, f"lines.{index}.line_id"), line.quantity)
        for index, line in enumerate(lines)
    ]


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

    def clean(self, context: Context) -> Arguments:
        return {
            "order_number": self.order_number.strip(),
            "requests": None if self.lines is None else _pick_requests(self.lines),
            "complete_as": self.complete_as,
        }


@strawberry.input
class SplitRemainingInput:
    order_number: str
    status: OrderStatus = strawberry.field(
        default=OrderStatus.PICKED, description="PICKED or PACKED: the original order's new status."
    )
    additional_shipping_charge: Decimal | None = None
    charge_to: ChargeTo = ChargeTo.BACKORDER
    idempotency_key: str | None = None

    def clean(self, context: Context) -> Arguments:
        charge = self.additional_shipping_charge
        return {
            "order_number": self.order_number.strip(),
            "target": self.status,
            "additional_shipping_charge": rules.shipping_charge(
                charge, "additional_shipping_charge"
            ),
            "charge_to": self.charge_to,
        }


@strawberry.input
class ConfirmBackorderInput:
    order_number: str
    idempotency_key: str | None = None

    def clean(self, context: Context) -> Arguments:
        return {"order_number": self.order_number.strip()}


@strawberry.input
class CreateSalesItemInput:
    code: str
    name: str
    unit_price: Decimal
    allow_backorder: bool = False
    idempotency_key: str | None = None

    def clean(self, context: Context) -> Arguments:
        return {
            "code": cleaning.new_code(self.code),
            "name": cleaning.name(self.name),
            "unit_price": cleaning.money(self.unit_price, "unit_price"),
            "allow_backorder": self.allow_backorder,
        }


@strawberry.input
class UpdateSalesItemInput:
    code: str
    name: str | None = None
    unit_price: Decimal | None = None
    allow_backorder: bool | None = None
    idempotency_key: str | None = None

    def clean(self, context: Context) -> Arguments:
        price = self.unit_price
        return {
            "code": self.code.strip(),
            "name": None if self.name is None else cleaning.name(self.name),
            "unit_price": None if price is None else cleaning.money(price, "unit_price"),
            "allow_backorder": self.allow_backorder,
        }


@strawberry.input
class CreateCustomerInput:
    code: str
    name: str
    idempotency_key: str | None = None

    def clean(self, context: Context) -> Arguments:
        return {"code": cleaning.new_code(self.code), "name": cleaning.name(self.name)}


@strawberry.input
class ReceiveStockInput:
    item_code: str
    quantity: int
    reference: str | None = None
    idempotency_key: str | None = None

    def clean(self, context: Context) -> Arguments:
        return {
            "item_code": self.item_code.strip(),
            "quantity": self.quantity,
            "reference": cleaning.reference(self.reference),
        }


@strawberry.input
class UpdateSettingInput:
    key: str
    value: str
    idempotency_key: str | None = None

    def clean(self, context: Context) -> Arguments:
        return {"key": self.key.strip(), "value": self.value}


@strawberry.input
class ReturnPickInput:
    order_number: str
    lines: list[PickLineInput] = strawberry.field(
        description="Leave a line's quantity out to return all of its picked units."
    )
    idempotency_key: str | None = None

    def clean(self, context: Context) -> Arguments:
        return {"order_number": self.order_number.strip(), "requests": _pick_requests(self.lines)}


@strawberry.input
class AdjustStockInput:
    item_code: str
    quantity: int = strawberry.field(
        description="The change to stock on hand: positive adds, negative writes off."
    )
    reference: str | None = None
    idempotency_key: str | None = None

    def clean(self, context: Context) -> Arguments:
        return {
            "item_code": self.item_code.strip(),
            "quantity": self.quantity,
            "reference": cleaning.reference(self.reference),
        }
