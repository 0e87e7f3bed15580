"""Read paths: single lookups, pages, and the batches behind the data loaders.

Each is one hand-written statement (see `persistence.sql`) returning plain rows
(`reads.rows`): the columns the API shows, nothing parsed that nobody asked
for. A batch answers for any number of ids with the same statement text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from backorders.enums import ChargeKind, MovementReason, OrderStatus
from backorders.resolvers import rules
from backorders.resolvers.persistence.sql import Row, decimal, fetch, timestamp
from backorders.resolvers.reads.pagination import Page, decode_cursor, encode_cursor, page_size
from backorders.resolvers.reads.rows import (
    ChargeRow,
    CustomerRow,
    ItemRow,
    LineRow,
    MovementRow,
    OrderRow,
    StatusChangeRow,
)
from backorders.resolvers.rules.access import Principal
from backorders.resolvers.rules.errors import DomainError, ErrorCode

T = TypeVar("T")
INT64_MAX = 2**63 - 1

ITEM = "i.id, i.code, i.name, i.unit_price, i.allow_backorder, i.on_hand, i.reserved"
ORDER = (
    "o.id, o.number, o.root_number, o.suffix, o.status, o.customer_id, c.code, c.name, "
    "o.reference, o.backorder_of_id, o.created_at"
)
ORDERS = "sales_order o JOIN customer c ON c.id = o.customer_id"
LINE = f"l.id, l.order_id, l.quoted, l.picked, l.unit_price, {ITEM}"
LINES = "sales_order_line l JOIN sales_item i ON i.id = l.item_id"
MOVEMENT = (
    "m.id, m.item_id, m.location, m.quantity, m.reason, m.order_id, m.line_id, m.reference, "
    "m.actor, m.created_at"
)


def item_row(r: Row) -> ItemRow:
    return ItemRow(r[0], r[1], r[2], decimal(r[3]), bool(r[4]), r[5], r[6])


def order_row(r: Row) -> OrderRow:
    customer = CustomerRow(r[5], r[6], r[7])
    return OrderRow(
        r[0], r[1], r[2], r[3], OrderStatus(r[4]), customer, r[8], r[9], timestamp(r[10])
    )


def line_row(r: Row) -> LineRow:
    item = ItemRow(r[5], r[6], r[7], decimal(r[8]), bool(r[9]), r[10], r[11])
    return LineRow(r[0], r[1], item, r[2], r[3], decimal(r[4]))


def movement_row(r: Row) -> MovementRow:
    return MovementRow(
        r[0], r[1], r[2], r[3], MovementReason(r[4]), r[5], r[6], r[7], r[8], timestamp(r[9])
    )


async def customer_exists(code: str) -> bool:
    return bool(await fetch("SELECT 1 FROM customer WHERE code = ? LIMIT 1", code))


async def sales_item(code: str) -> ItemRow | None:
    rows = await fetch(f"SELECT {ITEM} FROM sales_item i WHERE i.code = ?", code.strip())
    return item_row(rows[0]) if rows else None


async def sales_items(first: int | None, after: str | None, search: str | None) -> Page[ItemRow]:
    size = page_size(first)
    conditions: list[str] = []
    params: list[Any] = []
    if search and search.strip():
        conditions.append("UPPER(i.code) LIKE ? ESCAPE '\\'")
        params.append(f"%{_like_escaped(search.strip().upper())}%")
    if (after_code := decode_cursor("SalesItem", after)) is not None:
        conditions.append("i.code > ?")
        params.append(after_code)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    rows = await fetch(
        f"SELECT {ITEM} FROM sales_item i {where} ORDER BY i.code LIMIT ?", *params, size + 1
    )
    return _page([item_row(r) for r in rows], "SalesItem", size, lambda row: row.code)


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _visible(principal: Principal, conditions: list[str], params: list[Any]) -> None:
    """A Customer sees its own customer's orders and nothing else, as if others didn't exist."""
    if principal.is_customer_only:
        conditions.append("c.code = ?")
        params.append(principal.customer_code)


async def sales_order(principal: Principal, number: str) -> OrderRow | None:
    return (await orders_by_number(principal, [number]))[0]


async def orders_by_number(principal: Principal, numbers: Sequence[str]) -> list[OrderRow | None]:
    """Orders by number, as this caller may see them: a partner polling 20 asks once."""
    wanted = [n.strip() for n in numbers if rules.parse_order_number(n) is not None]
    found: dict[str, OrderRow] = {}
    if wanted:
        conditions, params = ["o.number = ANY(?)"], [wanted]
        _visible(principal, conditions, params)
        rows = await fetch(
            f"SELECT {ORDER} FROM {ORDERS} WHERE {' AND '.join(conditions)}", *params
        )
        found = {row.number: row for row in map(order_row, rows)}
    return [found.get(n.strip()) for n in numbers]


async def sales_orders(
    principal: Principal, status: rules.OrderStatus | None, first: int | None, after: str | None
) -> Page[OrderRow]:
    size = page_size(first)
    conditions: list[str] = []
    params: list[Any] = []
    _visible(principal, conditions, params)
    if status is not None:
        conditions.append("o.status = ?")
        params.append(status.value)
    if (after_id := _after_id("SalesOrder", after, rules.INT32_MAX)) is not None:
        conditions.append("o.id < ?")
        params.append(after_id)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    rows = await fetch(
        f"SELECT {ORDER} FROM {ORDERS} {where} ORDER BY o.id DESC LIMIT ?",
        *params,
        size + 1,
    )
    return _page([order_row(r) for r in rows], "SalesOrder", size, lambda row: row.id)


async def stock_movements(
    item_code: str, first: int | None, after: str | None
) -> Page[MovementRow] | None:
    """An item's ledger, newest first; None for an unknown item."""
    size = page_size(first)
    item = await sales_item(item_code)
    if item is None:
        return None
    after_id = _after_id("StockMovement", after, INT64_MAX)
    conditions, params = ["m.item_id = ?"], [item.id]
    if after_id is not None:
        conditions.append("m.id < ?")
        params.append(after_id)
    rows = await fetch(
        f"SELECT {MOVEMENT} FROM stock_movement m WHERE {' AND '.join(conditions)} "
        "ORDER BY m.id DESC LIMIT ?",
        *params,
        size + 1,
    )
    return _page([movement_row(r) for r in rows], "StockMovement", size, lambda row: row.id)


def _after_id(kind: str, after: str | None, max_id: int) -> int | None:
    """A newest-first page's cursor: the last row's id (within the id column's type)."""
    if (after_id := decode_cursor(kind, after)) is None:
        return None
    if not (after_id.isascii() and after_id.isdigit()) or int(after_id) > max_id:
        raise DomainError(ErrorCode.INVALID_INPUT, "Not a valid cursor.", "after")
    return int(after_id)


def _page(rows: list[T], kind: str, size: int, cursor_value: Callable[[T], str | int]) -> Page[T]:
    """One row more than the page tells whether another page follows."""
    page = rows[:size]
    return Page(page, [encode_cursor(kind, cursor_value(r)) for r in page], len(rows) > size)


# ------------------------------------------------------------ loader batches


async def items_by_id(ids: Sequence[int]) -> list[ItemRow | None]:
    rows = await fetch(f"SELECT {ITEM} FROM sales_item i WHERE i.id = ANY(?)", list(ids))
    found = {row.id: row for row in map(item_row, rows)}
    return [found.get(i) for i in ids]


async def customers_by_id(ids: Sequence[int]) -> list[CustomerRow | None]:
    rows = await fetch("SELECT id, code, name FROM customer WHERE id = ANY(?)", list(ids))
    found = {r[0]: CustomerRow(r[0], r[1], r[2]) for r in rows}
    return [found.get(i) for i in ids]


async def orders_by_id(ids: Sequence[int]) -> list[OrderRow | None]:
    rows = await fetch(f"SELECT {ORDER} FROM {ORDERS} WHERE o.id = ANY(?)", list(ids))
    found = {row.id: row for row in map(order_row, rows)}
    return [found.get(i) for i in ids]


async def lines_by_order_id(ids: Sequence[int]) -> list[list[LineRow]]:
    rows = await fetch(
        f"SELECT {LINE} FROM {LINES} WHERE l.order_id = ANY(?) ORDER BY l.id",
        list(ids),
    )
    return _grouped(map(line_row, rows), ids, lambda row: row.order_id)


async def charges_by_order_id(ids: Sequence[int]) -> list[list[ChargeRow]]:
    rows = await fetch(
        "SELECT order_id, kind, description, amount FROM order_charge "
        "WHERE order_id = ANY(?) ORDER BY id",
        list(ids),
    )
    charges = (ChargeRow(r[0], ChargeKind(r[1]), r[2], decimal(r[3])) for r in rows)
    return _grouped(charges, ids, lambda row: row.order_id)


async def backorders_by_order_id(ids: Sequence[int]) -> list[list[OrderRow]]:
    rows = await fetch(
        f"SELECT {ORDER} FROM {ORDERS} WHERE o.backorder_of_id = ANY(?) ORDER BY o.suffix",
        list(ids),
    )
    return _grouped(map(order_row, rows), ids, lambda row: row.backorder_of_id)


async def history_by_order_id(ids: Sequence[int]) -> list[list[StatusChangeRow]]:
    rows = await fetch(
        "SELECT order_id, from_status, to_status, actor, reason, created_at "
        "FROM order_status_change WHERE order_id = ANY(?) ORDER BY id",
        list(ids),
    )
    changes = (
        StatusChangeRow(
            r[0],
            OrderStatus(r[1]) if r[1] is not None else None,
            OrderStatus(r[2]),
            r[3],
            r[4],
            timestamp(r[5]),
        )
        for r in rows
    )
    return _grouped(changes, ids, lambda row: row.order_id)


def _grouped(rows: Any, ids: Sequence[int], key: Callable[[T], int | None]) -> list[list[T]]:
    """One query's rows grouped under the batch's ids, in the query's order."""
    grouped: dict[int | None, list[T]] = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row)
    return [grouped[i] for i in ids]
