"""Read paths: single lookups, pages, and the batches behind the data loaders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from tortoise.queryset import QuerySet

from models import (
    Customer,
    OrderCharge,
    OrderStatusChange,
    SalesItem,
    SalesOrder,
    SalesOrderLine,
    StockMovement,
)
from resolvers import rules
from resolvers.access import Principal
from resolvers.errors import DomainError, ErrorCode
from resolvers.pagination import Page, decode_cursor, encode_cursor, page_size


async def sales_item(code: str) -> SalesItem | None:
    return await SalesItem.get_or_none(code=code.strip())


async def sales_items(first: int | None, after: str | None, search: str | None) -> Page[SalesItem]:
    size = page_size(first)
    query = SalesItem.all().order_by("code")
    if search:
        query = query.filter(code__icontains=search.strip())
    if (after_code := decode_cursor("SalesItem", after)) is not None:
        query = query.filter(code__gt=after_code)
    rows = await query.limit(size + 1)
    return Page(
        rows[:size], [encode_cursor("SalesItem", r.code) for r in rows[:size]], len(rows) > size
    )


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
    query = _visible_orders(principal).order_by("-id")
    if status is not None:
        query = query.filter(status=status)
    if (after_id := decode_cursor("SalesOrder", after)) is not None:
        if not after_id.isdigit():
            raise DomainError(ErrorCode.INVALID_INPUT, "Not a valid cursor.", "after")
        query = query.filter(id__lt=int(after_id))
    rows = await query.limit(size + 1)
    return Page(
        rows[:size], [encode_cursor("SalesOrder", r.id) for r in rows[:size]], len(rows) > size
    )


async def stock_movements(
    item_code: str, first: int | None, after: str | None
) -> Page[StockMovement] | None:
    """An item's ledger, newest first; None for an unknown item."""
    size = page_size(first)
    item = await SalesItem.get_or_none(code=item_code.strip())
    if item is None:
        return None
    query = StockMovement.filter(item_id=item.id).order_by("-id")
    if (after_id := decode_cursor("StockMovement", after)) is not None:
        if not after_id.isdigit():
            raise DomainError(ErrorCode.INVALID_INPUT, "Not a valid cursor.", "after")
        query = query.filter(id__lt=int(after_id))
    rows = await query.limit(size + 1)
    return Page(
        rows[:size], [encode_cursor("StockMovement", r.id) for r in rows[:size]], len(rows) > size
    )


# ------------------------------------------------------------ loader batches


async def items_by_id(ids: Sequence[int]) -> list[SalesItem | None]:
    found = {row.id: row for row in await SalesItem.filter(id__in=list(ids))}
    return [found.get(i) for i in ids]


async def customers_by_id(ids: Sequence[int]) -> list[Customer | None]:
    found = {row.id: row for row in await Customer.filter(id__in=list(ids))}
    return [found.get(i) for i in ids]


async def orders_by_id(ids: Sequence[int]) -> list[SalesOrder | None]:
    found = {row.id: row for row in await SalesOrder.filter(id__in=list(ids))}
    return [found.get(i) for i in ids]


async def lines_by_order_id(ids: Sequence[int]) -> list[list[SalesOrderLine]]:
    grouped: dict[int, list[SalesOrderLine]] = defaultdict(list)
    for row in await SalesOrderLine.filter(order_id__in=list(ids)).order_by("id"):
        grouped[row.order_id].append(row)
    return [grouped[i] for i in ids]


async def charges_by_order_id(ids: Sequence[int]) -> list[list[OrderCharge]]:
    grouped: dict[int, list[OrderCharge]] = defaultdict(list)
    for row in await OrderCharge.filter(order_id__in=list(ids)).order_by("id"):
        grouped[row.order_id].append(row)
    return [grouped[i] for i in ids]


async def backorders_by_order_id(ids: Sequence[int]) -> list[list[SalesOrder]]:
    # Keyed like the column; the filter leaves no row without an original.
    grouped: dict[int | None, list[SalesOrder]] = defaultdict(list)
    for row in await SalesOrder.filter(backorder_of_id__in=list(ids)).order_by("suffix"):
        grouped[row.backorder_of_id].append(row)
    return [grouped[i] for i in ids]


async def history_by_order_id(ids: Sequence[int]) -> list[list[OrderStatusChange]]:
    grouped: dict[int, list[OrderStatusChange]] = defaultdict(list)
    for row in await OrderStatusChange.filter(order_id__in=list(ids)).order_by("id"):
        grouped[row.order_id].append(row)
    return [grouped[i] for i in ids]
