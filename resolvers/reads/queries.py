"""Read paths: single lookups, pages, and the batches behind the data loaders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from backorders.models import (
    Customer,
    OrderCharge,
    OrderStatusChange,
    SalesItem,
    SalesOrder,
    SalesOrderLine,
    StockMovement,
)
from backorders.resolvers import rules
from backorders.resolvers.reads.pagination import Page, decode_cursor, encode_cursor, page_size
from backorders.resolvers.rules.access import Principal
from backorders.resolvers.rules.errors import DomainError, ErrorCode

M = TypeVar("M", bound=Model)
INT64_MAX = 2**63 - 1


async def customer_exists(code: str) -> bool:
    return await Customer.exists(code=code)


async def sales_item(code: str) -> SalesItem | None:
    return await SalesItem.get_or_none(code=code.strip())


async def sales_items(first: int | None, after: str | None, search: str | None) -> Page[SalesItem]:
    size = page_size(first)
    query = SalesItem.all().order_by("code")
    if search:
        query = query.filter(code__icontains=search.strip())
    if (after_code := decode_cursor("SalesItem", after)) is not None:
        query = query.filter(code__gt=after_code)
    return await _page(query, "SalesItem", size, lambda row: row.code)


def _visible_orders(principal: Principal) -> QuerySet[SalesOrder]:
    """A Customer sees its own customer's orders and nothing else, as if others didn't exist."""
    query = SalesOrder.all()
    if principal.is_customer_only:
        query = query.filter(customer__code=principal.customer_code)
    return query


async def sales_order(principal: Principal, number: str) -> SalesOrder | None:
    if rules.parse_order_number(number) is None:
        return None
    return await _visible_orders(principal).filter(number=number.strip()).first()


async def sales_orders(
    principal: Principal, status: rules.OrderStatus | None, first: int | None, after: str | None
) -> Page[SalesOrder]:
    size = page_size(first)
    query = _visible_orders(principal)
    if status is not None:
        query = query.filter(status=status)
    return await _newest_first(query, "SalesOrder", size, after, rules.INT32_MAX)


async def stock_movements(
    item_code: str, first: int | None, after: str | None
) -> Page[StockMovement] | None:
    """An item's ledger, newest first; None for an unknown item."""
    size = page_size(first)
    item = await SalesItem.get_or_none(code=item_code.strip())
    if item is None:
        return None
    movements = StockMovement.filter(item_id=item.id)
    return await _newest_first(movements, "StockMovement", size, after, INT64_MAX)


async def _newest_first(
    query: QuerySet[M], kind: str, size: int, after: str | None, max_id: int
) -> Page[M]:
    """A page in descending id; the cursor is the last row's id (within the id column's type)."""
    if (after_id := decode_cursor(kind, after)) is not None:
        if not (after_id.isascii() and after_id.isdigit()) or int(after_id) > max_id:
            raise DomainError(ErrorCode.INVALID_INPUT, "Not a valid cursor.", "after")
        query = query.filter(id__lt=int(after_id))
    return await _page(query.order_by("-id"), kind, size, lambda row: row.pk)


async def _page(
    query: QuerySet[M], kind: str, size: int, cursor_value: Callable[[M], str | int]
) -> Page[M]:
    """One row more than the page tells whether another page follows."""
    rows = await query.limit(size + 1)
    page = rows[:size]
    return Page(page, [encode_cursor(kind, cursor_value(r)) for r in page], len(rows) > size)


# ------------------------------------------------------------ loader batches


async def items_by_id(ids: Sequence[int]) -> list[SalesItem | None]:
    return await _by_id(SalesItem, ids)


async def customers_by_id(ids: Sequence[int]) -> list[Customer | None]:
    return await _by_id(Customer, ids)


async def orders_by_id(ids: Sequence[int]) -> list[SalesOrder | None]:
    return await _by_id(SalesOrder, ids)


async def lines_by_order_id(ids: Sequence[int]) -> list[list[SalesOrderLine]]:
    query = SalesOrderLine.filter(order_id__in=list(ids)).order_by("id")
    return await _grouped(query, ids, lambda row: row.order_id)


async def charges_by_order_id(ids: Sequence[int]) -> list[list[OrderCharge]]:
    query = OrderCharge.filter(order_id__in=list(ids)).order_by("id")
    return await _grouped(query, ids, lambda row: row.order_id)


async def backorders_by_order_id(ids: Sequence[int]) -> list[list[SalesOrder]]:
    query = SalesOrder.filter(backorder_of_id__in=list(ids)).order_by("suffix")
    return await _grouped(query, ids, lambda row: row.backorder_of_id)


async def history_by_order_id(ids: Sequence[int]) -> list[list[OrderStatusChange]]:
    query = OrderStatusChange.filter(order_id__in=list(ids)).order_by("id")
    return await _grouped(query, ids, lambda row: row.order_id)


async def _by_id(model: type[M], ids: Sequence[int]) -> list[M | None]:
    """One query for a batch of ids; None where a row does not exist."""
    found = {row.pk: row for row in await model.filter(id__in=list(ids))}
    return [found.get(i) for i in ids]


async def _grouped(
    query: QuerySet[M], ids: Sequence[int], key: Callable[[M], int | None]
) -> list[list[M]]:
    """One query's rows grouped under the batch's ids, in the query's order."""
    grouped: dict[int | None, list[M]] = defaultdict(list)
    for row in await query:
        grouped[key(row)].append(row)
    return [grouped[i] for i in ids]
