"""Query field resolvers, shared by both schemas."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from strawberry import Info

from backorders.resolvers.reads import queries
from backorders.resolvers.reads.settings import current_settings
from backorders.resolvers.rules.errors import DomainError
from backorders.schema import views
from backorders.schema.connections import Connection, connection
from backorders.schema.context import Context
from backorders.schema.enums import OrderStatus
from backorders.schema.errors import argument_error
from backorders.schema.types import SalesItemType, SalesOrderType, SettingType, StockMovementType

T = TypeVar("T")


async def _refusing_bad_arguments(read: Awaitable[T]) -> T:
    """Queries have no userErrors: an argument the rules refuse is a GraphQL error."""
    try:
        return await read
    except DomainError as error:
        raise argument_error(error) from None


async def sales_item(info: Info[Context, None], code: str) -> SalesItemType | None:
    row = await queries.sales_item(code)
    return SalesItemType.of(row, info.context) if row is not None else None


async def sales_items(
    info: Info[Context, None],
    first: int | None = None,
    after: str | None = None,
    search: str | None = None,
) -> Connection[SalesItemType]:
    page = await _refusing_bad_arguments(queries.sales_items(first, after, search))
    return connection(page, lambda row: SalesItemType.of(row, info.context))


async def sales_order(info: Info[Context, None], number: str) -> SalesOrderType | None:
    row = await info.context.orders_by_number.load(number)
    return await views.order(row, info)


async def sales_orders(
    info: Info[Context, None],
    status: OrderStatus | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Connection[SalesOrderType]:
    principal = info.context.principal
    page = await _refusing_bad_arguments(queries.sales_orders(principal, status, first, after))
    built = iter(await views.orders(page.rows, info))
    return connection(page, lambda _: next(built))


async def stock_movements(
    info: Info[Context, None], item_code: str, first: int | None = None, after: str | None = None
) -> Connection[StockMovementType] | None:
    if not info.context.stock_visible:  # a stock figure: null outside the setting
        return None
    page = await _refusing_bad_arguments(queries.stock_movements(item_code, first, after))
    return None if page is None else connection(page, StockMovementType.of)


async def settings() -> list[SettingType]:
    return [SettingType(key=k, value=v) for k, v in (await current_settings()).items()]
