"""Mutation field resolvers: input to plain values, one resolver call, errors to data."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError
from strawberry import Info

from resolvers import (
    adjust_stock as adjust_stock_uc,
)
from resolvers import (
    catalog,
    rules,
)
from resolvers import (
    confirm_backorder as confirm_backorder_uc,
)
from resolvers import (
    pick_order as pick_order_uc,
)
from resolvers import (
    place_order as place_order_uc,
)
from resolvers import (
    receive_stock as receive_stock_uc,
)
from resolvers import (
    return_pick as return_pick_uc,
)
from resolvers import (
    settings as settings_uc,
)
from resolvers import (
    split_remaining as split_remaining_uc,
)
from resolvers.errors import DomainError, ErrorCode, Forbidden
from resolvers.idempotency import run_once
from schema.context import Context
from schema.errors import forbidden
from schema.inputs import (
    AdjustStockInput,
    ConfirmBackorderInput,
    CreateCustomerInput,
    CreateSalesItemInput,
    PickOrderInput,
    PlaceOrderInput,
    ReceiveStockInput,
    ReturnPickInput,
    SplitRemainingInput,
    UpdateSalesItemInput,
    UpdateSettingInput,
)
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
from schema.types import CustomerType, SalesItemType, SalesOrderType, SettingType, UserError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Act = Callable[[], Awaitable[dict[str, Any]]]


def _request(input_: DataclassInstance) -> dict[str, Any]:
    """The input as the idempotency fingerprint sees it (the key itself excluded)."""
    return {k: v for k, v in dataclasses.asdict(input_).items() if k != "idempotency_key"}


async def _execute(
    info: Info[Context, None],
    operation: str,
    input_: DataclassInstance,
    act: Act,
    request: dict[str, Any] | None = None,
) -> dict[str, Any] | UserError:
    """Run one use case in one transaction (once per idempotency key)."""
    context: Context = info.context
    request = _request(input_) if request is None else request
    key = getattr(input_, "idempotency_key", None)
    # A refusal for lack of stock tells a caller outside the stock setting
    # something about a figure it may not see: such refusals have a budget.
    budget = context.stock_refusals
    if budget is not None and await context.can_view_stock():
        budget = None
    if budget is not None and (wait := await budget.spent()) is not None:
        context.retry_after = wait
        raise GraphQLError(
            f"Too many requests refused for lack of stock; retry after {wait} seconds.",
            extensions={"code": "RATE_LIMITED"},
        )
    try:
        result = await run_once(
            context.principal, operation, key, request, act, context.idempotency_ttl
        )
    except DomainError as error:
        if budget is not None and error.code is ErrorCode.INSUFFICIENT_STOCK:
            await budget.count()
        return UserError.of(error)
    except Forbidden as error:
        raise forbidden(str(error)) from None
    context.loaders.clear()
    return result


async def _order(info: Info[Context, None], order_id: int | None) -> SalesOrderType | None:
    """The affected order, as far as the caller may read it."""
    if order_id is None:
        return None
    loaders, principal = info.context.loaders, info.context.principal
    row = await loaders.order.load(order_id)
    if row is None:
        return None
    if principal.is_customer_only:
        customer = await loaders.customer.load(row.customer_id)
        if customer is None or customer.code != principal.customer_code:
            return None
    return SalesOrderType(row=row)


async def _item(info: Info[Context, None], item_id: int | None) -> SalesItemType | None:
    if item_id is None:
        return None
    row = await info.context.loaders.item.load(item_id)
    return SalesItemType(row=row) if row is not None else None


def _line_id(value: str, index: int) -> int:
    if not (value.isascii() and value.isdigit()):
        raise DomainError(
            ErrorCode.NOT_FOUND, "No such line on this order.", f"lines.{index}.lineId"
        )
    return int(value)


async def place_order(info: Info[Context, None], input: PlaceOrderInput) -> PlaceOrderPayload:
    principal = info.context.principal
    lines = [rules.RequestedLine(line.item_code, line.quantity) for line in input.lines]
    # A customer's retry means the same order whether or not it names itself.
    request = _request(input)
    if principal.is_customer_only and request["customer_code"] is None:
        request["customer_code"] = principal.customer_code
    result = await _execute(
        info,
        "placeOrder",
        input,
        lambda: place_order_uc.place_order(
            principal,
            input.customer_code,
            input.reference,
            lines,
            info.context.max_line_quantity,
        ),
        request,
    )
    if isinstance(result, UserError):
        return PlaceOrderPayload(user_errors=[result])
    return PlaceOrderPayload(order=await _order(info, result["order"]))


async def pick_order(info: Info[Context, None], input: PickOrderInput) -> PickOrderPayload:
    async def act() -> dict[str, Any]:
        requests = None
        if input.lines is not None:
            requests = [
                rules.PickRequest(_line_id(line.line_id, i), line.quantity)
                for i, line in enumerate(input.lines)
            ]
        return await pick_order_uc.pick_order(
            input.order_number, requests, input.complete_as, info.context.principal.sub
        )

    result = await _execute(info, "pickOrder", input, act)
    if isinstance(result, UserError):
        return PickOrderPayload(user_errors=[result])
    return PickOrderPayload(order=await _order(info, result["order"]))


async def split_remaining(
    info: Info[Context, None], input: SplitRemainingInput
) -> SplitRemainingPayload:
    result = await _execute(
        info,
        "splitRemaining",
        input,
        lambda: split_remaining_uc.split_remaining(
            input.order_number,
            input.status,
            input.additional_shipping_charge,
            input.charge_to,
            info.context.principal.sub,
        ),
    )
    if isinstance(result, UserError):
        return SplitRemainingPayload(user_errors=[result])
    return SplitRemainingPayload(
        order=await _order(info, result["order"]),
        backorder=await _order(info, result["backorder"]),
    )


async def confirm_backorder(
    info: Info[Context, None], input: ConfirmBackorderInput
) -> ConfirmBackorderPayload:
    result = await _execute(
        info,
        "confirmBackorder",
        input,
        lambda: confirm_backorder_uc.confirm_backorder(
            input.order_number, info.context.principal.sub
        ),
    )
    if isinstance(result, UserError):
        return ConfirmBackorderPayload(user_errors=[result])
    return ConfirmBackorderPayload(order=await _order(info, result["order"]))


async def create_sales_item(
    info: Info[Context, None], input: CreateSalesItemInput
) -> CreateSalesItemPayload:
    result = await _execute(
        info,
        "createSalesItem",
        input,
        lambda: catalog.create_sales_item(
            input.code, input.name, input.unit_price, input.allow_backorder
        ),
    )
    if isinstance(result, UserError):
        return CreateSalesItemPayload(user_errors=[result])
    return CreateSalesItemPayload(sales_item=await _item(info, result["salesItem"]))


async def update_sales_item(
    info: Info[Context, None], input: UpdateSalesItemInput
) -> UpdateSalesItemPayload:
    result = await _execute(
        info,
        "updateSalesItem",
        input,
        lambda: catalog.update_sales_item(
            input.code, input.name, input.unit_price, input.allow_backorder
        ),
    )
    if isinstance(result, UserError):
        return UpdateSalesItemPayload(user_errors=[result])
    return UpdateSalesItemPayload(sales_item=await _item(info, result["salesItem"]))


async def create_customer(
    info: Info[Context, None], input: CreateCustomerInput
) -> CreateCustomerPayload:
    result = await _execute(
        info, "createCustomer", input, lambda: catalog.create_customer(input.code, input.name)
    )
    if isinstance(result, UserError):
        return CreateCustomerPayload(user_errors=[result])
    row = await info.context.loaders.customer.load(result["customer"])
    assert row is not None  # created by this mutation's committed transaction
    return CreateCustomerPayload(customer=CustomerType(row=row))


async def receive_stock(info: Info[Context, None], input: ReceiveStockInput) -> ReceiveStockPayload:
    result = await _execute(
        info,
        "receiveStock",
        input,
        lambda: receive_stock_uc.receive_stock(
            input.item_code,
            input.quantity,
            input.reference,
            info.context.principal.sub,
            info.context.max_line_quantity,
        ),
    )
    if isinstance(result, UserError):
        return ReceiveStockPayload(user_errors=[result])
    return ReceiveStockPayload(sales_item=await _item(info, result["salesItem"]))


async def update_setting(
    info: Info[Context, None], input: UpdateSettingInput
) -> UpdateSettingPayload:
    result = await _execute(
        info, "updateSetting", input, lambda: settings_uc.update_setting(input.key, input.value)
    )
    if isinstance(result, UserError):
        return UpdateSettingPayload(user_errors=[result])
    key = result["setting"]
    return UpdateSettingPayload(
        setting=SettingType(key=key, value=await settings_uc.setting_value(key))
    )


async def return_pick(info: Info[Context, None], input: ReturnPickInput) -> ReturnPickPayload:
    async def act() -> dict[str, Any]:
        requests = [
            rules.PickRequest(_line_id(line.line_id, i), line.quantity)
            for i, line in enumerate(input.lines)
        ]
        return await return_pick_uc.return_pick(
            input.order_number, requests, info.context.principal.sub
        )

    result = await _execute(info, "returnPick", input, act)
    if isinstance(result, UserError):
        return ReturnPickPayload(user_errors=[result])
    return ReturnPickPayload(order=await _order(info, result["order"]))


async def adjust_stock(info: Info[Context, None], input: AdjustStockInput) -> AdjustStockPayload:
    result = await _execute(
        info,
        "adjustStock",
        input,
        lambda: adjust_stock_uc.adjust_stock(
            input.item_code,
            input.quantity,
            input.reference,
            info.context.principal.sub,
            info.context.max_line_quantity,
        ),
    )
    if isinstance(result, UserError):
        return AdjustStockPayload(user_errors=[result])
    return AdjustStockPayload(sales_item=await _item(info, result["salesItem"]))
