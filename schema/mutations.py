"""Every mutation, declared once, and the one pipeline that runs them all.

A declaration names the mutation, its input, its payload, the roles that may
run it, and how to call its use case. The pipeline then does the same for
every one: clean the input at the edge; run the use case in one transaction,
at most once per idempotency key, to its end even if the request is stopped;
turn refusals into `userErrors` (counting the stock refusals a caller outside
the stock setting receives); and build the payload from the ids the use case
returns, showing only what the caller may read.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from strawberry import Info

from backorders.resolvers.persistence.idempotency import Outcome, run_once
from backorders.resolvers.reads.settings import setting_value
from backorders.resolvers.rules import access
from backorders.resolvers.rules.access import Role
from backorders.resolvers.rules.errors import DomainError, ErrorCode, Forbidden
from backorders.resolvers.use_cases import (
    adjust_stock,
    catalog,
    confirm_backorder,
    pick_order,
    place_order,
    receive_stock,
    return_pick,
    split_remaining,
    update_setting,
)
from backorders.schema import inputs, payloads, views
from backorders.schema.cleaning import idempotency_key
from backorders.schema.context import Context
from backorders.schema.errors import forbidden
from backorders.schema.types import (
    CustomerType,
    SalesItemType,
    SettingType,
    UserError,
)

logger = logging.getLogger("backorders.mutations")
_UNDER_WAY: set[asyncio.Future[Any]] = set()  # transactions running on after their request
Result = dict[str, Any]
Run = Callable[[dict[str, Any], Context], Awaitable[Result | Outcome]]


@dataclasses.dataclass(frozen=True)
class Mutation:
    name: str  # the GraphQL name
    input: type[Any]  # a strawberry input with `clean(context)` and `idempotency_key`
    payload: type[Any]  # a strawberry type with `user_errors` and one field per result key
    roles: frozenset[Role]
    run: Run  # the use case, called with the cleaned arguments
    description: str
    spa: bool = False  # also on the SPA-facing schema


MUTATIONS: tuple[Mutation, ...] = (
    Mutation(
        "placeOrder",
        inputs.PlaceOrderInput,
        payloads.PlaceOrderPayload,
        access.PLACE_ORDER,
        lambda args, ctx: place_order.place_order(
            ctx.principal, max_quantity=ctx.max_line_quantity, **args
        ),
        "Place an order; its quantities are reserved first come, first served. It starts "
        "CONFIRMED.",
        spa=True,
    ),
    Mutation(
        "pickOrder",
        inputs.PickOrderInput,
        payloads.PickOrderPayload,
        access.WORK_ORDERS,
        lambda args, ctx: pick_order.pick_order(actor=ctx.principal.sub, **args),
        "Pick stock for an order's lines (default: each line's in-stock quantity). A pick "
        "that leaves nothing outstanding completes the order as `completeAs`.",
        spa=True,
    ),
    Mutation(
        "splitRemaining",
        inputs.SplitRemainingInput,
        payloads.SplitRemainingPayload,
        access.WORK_ORDERS,
        lambda args, ctx: split_remaining.split_remaining(actor=ctx.principal.sub, **args),
        "Close the picked part of a partly picked order and move what is outstanding to a "
        "new ON_BACKORDER order numbered with the family's next suffix.",
        spa=True,
    ),
    Mutation(
        "confirmBackorder",
        inputs.ConfirmBackorderInput,
        payloads.ConfirmBackorderPayload,
        access.WORK_ORDERS,
        lambda args, ctx: confirm_backorder.confirm_backorder(actor=ctx.principal.sub, **args),
        "Put an ON_BACKORDER order back into pick & pack (CONFIRMED), whatever the stock.",
        spa=True,
    ),
    Mutation(
        "createSalesItem",
        inputs.CreateSalesItemInput,
        payloads.CreateSalesItemPayload,
        access.MANAGE_CATALOG,
        lambda args, ctx: catalog.create_sales_item(**args),
        "Create a sales item (no stock; receive it with receiveStock).",
    ),
    Mutation(
        "updateSalesItem",
        inputs.UpdateSalesItemInput,
        payloads.UpdateSalesItemPayload,
        access.MANAGE_CATALOG,
        lambda args, ctx: catalog.update_sales_item(**args),
        "Change an item's name, price or Allow Backorder flag; stock is never touched.",
    ),
    Mutation(
        "createCustomer",
        inputs.CreateCustomerInput,
        payloads.CreateCustomerPayload,
        access.MANAGE_CATALOG,
        lambda args, ctx: catalog.create_customer(**args),
        "Create a customer.",
    ),
    Mutation(
        "receiveStock",
        inputs.ReceiveStockInput,
        payloads.ReceiveStockPayload,
        access.RECEIVE_STOCK,
        lambda args, ctx: receive_stock.receive_stock(
            actor=ctx.principal.sub, max_quantity=ctx.max_line_quantity, **args
        ),
        "Add received goods to an item's stock on hand.",
    ),
    Mutation(
        "returnPick",
        inputs.ReturnPickInput,
        payloads.ReturnPickPayload,
        access.WORK_ORDERS,
        lambda args, ctx: return_pick.return_pick(actor=ctx.principal.sub, **args),
        "Put picked units of a CONFIRMED or PAID order back on hand; they are outstanding "
        "(and reserved) again.",
    ),
    Mutation(
        "adjustStock",
        inputs.AdjustStockInput,
        payloads.AdjustStockPayload,
        access.ADJUST_STOCK,
        lambda args, ctx: adjust_stock.adjust_stock(
            actor=ctx.principal.sub, max_quantity=ctx.max_line_quantity, **args
        ),
        "Correct stock on hand after a count; never below zero.",
    ),
    Mutation(
        "updateSetting",
        inputs.UpdateSettingInput,
        payloads.UpdateSettingPayload,
        access.MANAGE_SETTINGS,
        lambda args, ctx: update_setting.update_setting(**args),
        "Change a back-end setting; it applies from the next request.",
    ),
)


async def run(mutation: Mutation, info: Info[Context, None], input_: Any) -> Any:
    """The pipeline: clean, run once in a transaction, refuse as data, build the payload."""
    context = info.context
    try:
        arguments = input_.clean(context)
        key = idempotency_key(input_.idempotency_key)
    except DomainError as error:
        return mutation.payload(user_errors=[UserError.of(error)])
    try:
        outcome = await _unstoppable(
            run_once(
                context.principal,
                mutation.name,
                key,
                arguments,
                lambda: mutation.run(arguments, context),
                context.idempotency_ttl,
            )
        )
    except DomainError as error:
        if context.counts_stock_refusals and error.code is ErrorCode.INSUFFICIENT_STOCK:
            context.stock_refusals += 1
        return mutation.payload(user_errors=[UserError.of(error)])
    except Forbidden as error:
        raise forbidden(str(error)) from None
    context.loaders.clear()
    if outcome.written is not None:
        context.loaders.prime(outcome.written)
    objects = {key: await _object(info, key, value) for key, value in outcome.ids.items()}
    return mutation.payload(**objects)


async def _unstoppable(transaction: Coroutine[Any, Any, Outcome]) -> Outcome:
    """Run a mutation's transaction to its end, even when its request is stopped.

    The operation timeout cancels the request; cancelling a transaction
    while it is starting or ending leaves Tortoise holding its lock (SQLite)
    or pooled connection (PostgreSQL) for good. So the transaction runs as a
    task of its own that the request only waits for: a request stopped
    meanwhile answers TIMEOUT, and the mutation commits or rolls back as it
    would have (bounded on PostgreSQL by the lock and statement timeouts). A
    retry with the same idempotency key waits for it and replays its result.
    """
    task = asyncio.ensure_future(transaction)
    _UNDER_WAY.add(task)
    task.add_done_callback(_UNDER_WAY.discard)
    task.add_done_callback(_log_unexpected)
    return await asyncio.shield(task)


async def finish_under_way(timeout: float) -> None:
    """At shutdown: transactions whose requests stopped waiting end before the pool closes."""
    if _UNDER_WAY:
        await asyncio.wait(set(_UNDER_WAY), timeout=timeout)


def _log_unexpected(task: asyncio.Future[Outcome]) -> None:
    """A transaction that outlived its request: its refusal has no one to go to."""
    if task.cancelled() or (error := task.exception()) is None:
        return
    if not isinstance(error, (DomainError, Forbidden)):
        logger.error(
            "A mutation failed after its request had stopped waiting",
            exc_info=(type(error), error, error.__traceback__),
        )


async def _object(info: Info[Context, None], key: str, value: Any) -> Any:
    """The affected object a use case names by id, as far as the caller may read it."""
    loaders, principal = info.context.loaders, info.context.principal
    if key in ("order", "backorder"):
        row = await loaders.order.load(value)
        if row is None:
            return None
        if principal.is_customer_only and row.customer.code != principal.customer_code:
            return None
        return await views.order(row, info)
    if key == "sales_item":
        item = await loaders.item.load(value)
        return SalesItemType.of(item, info.context) if item is not None else None
    if key == "customer":
        customer = await loaders.customer.load(value)
        return CustomerType.of(customer) if customer is not None else None
    if key == "setting":
        return SettingType(key=value, value=await setting_value(value))
    raise KeyError(key)
