"""Mutation payloads: the affected objects and `userErrors`."""

from __future__ import annotations

import strawberry

from backorders.schema.types import (
    CustomerType,
    SalesItemType,
    SalesOrderType,
    SettingType,
    UserError,
)


@strawberry.type
class PlaceOrderPayload:
    order: SalesOrderType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PickOrderPayload:
    order: SalesOrderType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SplitRemainingPayload:
    order: SalesOrderType | None = None
    backorder: SalesOrderType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ConfirmBackorderPayload:
    order: SalesOrderType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CreateSalesItemPayload:
    sales_item: SalesItemType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UpdateSalesItemPayload:
    sales_item: SalesItemType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReceiveStockPayload:
    sales_item: SalesItemType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CreateCustomerPayload:
    customer: CustomerType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UpdateSettingPayload:
    setting: SettingType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReturnPickPayload:
    order: SalesOrderType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AdjustStockPayload:
    sales_item: SalesItemType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
