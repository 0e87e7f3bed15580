"""Query field resolvers, shared by both schemas."""

from __future__ import annotations

from typing import TypeVar

from strawberry import Info

from resolvers import queries
from resolvers.errors import DomainError
from resolvers.pagination import Page
from resolvers.settings import current_settings
from schema.context import Context
from schema.enums import OrderStatus
from schema.errors import argument_error
from schema.types import (
    PageInfo,
    SalesItemConnection,
    SalesItemEdge,
    SalesItemType,
    SalesOrderConnection,
    SalesOrderEdge,
    SalesOrderType,
    SettingType,
    StockMovementConnection,
    StockMovementEdge,
    StockMovementType,
)

Row = TypeVar("Row")


async def sales_item(code: str) -> SalesItemType | None:
    row = await queries.sales_item(code)
    return SalesItemType(row=row) if row is not None else None


async def sales_items(
    first: int | None = None, after: str | None = None, search: str | None = None
) -> SalesItemConnection:
    try:
        page = await queries.sales_items(first, after, search)
    except DomainError as error:
        raise argument_error(error) from None
    return SalesItemConnection(
        edges=[SalesItemEdge(cursor=c, node=SalesItemType(row=r)) for r, c in _edges(page)],
        page_info=_page_info(page),
    )


async def sales_order(info: Info[Context, None], number: str) -> SalesOrderType | None:
    row = await queries.sales_order(info.context.principal, number)
    return SalesOrderType(row=row) if row is not None else None


async def sales_orders(
    info: Info[Context, None],
    status: OrderStatus | None = None,
    first: int | None = None,
    after: str | None = None,
) -> SalesOrderConnection:
    try:
        page = await queries.sales_orders(info.context.principal, status, first, after)
    except DomainError as error:
        raise argument_error(error) from None
    return SalesOrderConnection(
        edges=[SalesOrderEdge(cursor=c, node=SalesOrderType(row=r)) for r, c in _edges(page)],
        page_info=_page_info(page),
    )


async def stock_movements(
    item_code: str, first: int | None = None, after: str | None = None
) -> StockMovementConnection | None:
    try:
        page = await queries.stock_movements(item_code, first, after)
    except DomainError as error:
        raise argument_error(error) from None
    if page is None:
        return None
    return StockMovementConnection(
        edges=[StockMovementEdge(cursor=c, node=StockMovementType(row=r)) for r, c in _edges(page)],
        page_info=_page_info(page),
    )


async def settings() -> list[SettingType]:
    return [SettingType(key=k, value=v) for k, v in (await current_settings()).items()]


def _edges(page: Page[Row]) -> zip[tuple[Row, str]]:
    return zip(page.rows, page.cursors, strict=True)  # one cursor per row


def _page_info(page: Page[Row]) -> PageInfo:
    return PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor)
